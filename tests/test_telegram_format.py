"""Markdown to Telegram HTML: golden renderings, splitting, and a property test that the output is always
valid Bot API HTML within Telegram's limits and shows no stray markup."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram_format import TELEGRAM_LIMIT, render_messages, split_html, to_telegram_html
from bot.bank import load_bank
from bot.core.html_to_markdown import HTML_ELEMENTS

ALLOWED = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code", "pre",
           "blockquote"}
NO_CODE_INSIDE = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a"}
ATTRIBUTES = {"a": {"href"}, "code": {"class"}, "span": {"class"}, "blockquote": {"expandable"}}
TAG = re.compile(r"<[^<>]*>")
ENTITY = re.compile(r"&(?:amp|lt|gt|quot);")


class BotApiHtml(HTMLParser):
    """Fails on anything the Bot API's HTML parse mode would reject; collects the text a member sees."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []  # outside code and pre; "\0" where code interrupts it

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, tag
        assert {name for name, _ in attrs} <= ATTRIBUTES.get(tag, set()), (tag, attrs)
        if tag in ("code", "pre"):
            assert not set(self.open) & NO_CODE_INSIDE, self.open
            assert tag == "pre" or not {"code"} & set(self.open), self.open
            self.text.append("\0")
        if tag == "blockquote":
            assert "blockquote" not in self.open, "nested blockquote"
        if tag == "a":
            assert re.match(r"(https?|tg|mailto):", dict(attrs)["href"]), attrs
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()
        if tag in ("code", "pre"):
            self.text.append("\0")

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_data(self, data):
        if not {"code", "pre"} & set(self.open):
            self.text.append(data)


def visible(html: str) -> str:
    """Check that `html` is valid Bot API HTML and return its visible text outside code."""
    bare = TAG.sub("", html)
    assert "<" not in bare and ">" not in bare, html
    assert bare.count("&") == len(ENTITY.findall(bare)), html
    checker = BotApiHtml()
    checker.feed(html)
    checker.close()
    assert not checker.open, html
    return "".join(checker.text)


def all_text(html: str) -> str:
    """Every character a member sees, code included."""
    return re.sub(r"&(amp|lt|gt|quot);", lambda m: {"amp": "&", "lt": "<", "gt": ">", "quot": '"'}[m[1]],
                  TAG.sub("", html))


def utf16(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def assert_clean(text: str) -> None:
    """No markup a member should never see: markdown marks, table rules, foreign HTML tags."""
    for mark in ("**", "__", "|---"):
        assert mark not in text, (mark, text)
    for name in re.findall(r"</?([a-zA-Z][\w-]*)[^<>]*>", text):
        # An HTML element other than Telegram's own; `<BRANCH>` or `<a- >` written as text is text.
        assert name.lower() in ALLOWED or name.lower() not in HTML_ELEMENTS, (name, text)


# Golden renderings


def test_table_with_hangul_cells_is_aligned_by_display_width():
    markdown = "| 이름 | 역할 | 개수 |\n|---|---|--:|\n| 파드 | 컨테이너 묶음 | 3 |\n| etcd | 저장소 | 12 |"
    assert to_telegram_html(markdown) == (
        "<pre>이름  역할           개수\n"
        "────  ─────────────  ────\n"
        "파드  컨테이너 묶음     3\n"
        "etcd  저장소           12</pre>"
    )


def test_a_table_wider_than_a_phone_becomes_header_value_lines():
    markdown = (
        "| 컴포넌트 | 설명 |\n|---|---|\n"
        "| **Kube-API-Server** | 모든 API 호출을 받아들이고 처리하는 컴포넌트 |\n"
        "| etcd | `key-value` 저장소 |"
    )
    assert to_telegram_html(markdown) == (
        "<b>컴포넌트</b>: <b>Kube-API-Server</b>\n<b>설명</b>: 모든 API 호출을 받아들이고 처리하는 컴포넌트\n\n"
        "<b>컴포넌트</b>: etcd\n<b>설명</b>: <code>key-value</code> 저장소"
    )


def test_bold_directly_followed_by_a_hangul_particle():
    assert to_telegram_html("**Pod**는 가장 작은 단위이고 **레이어**라는 말도 쓴다.") == (
        "<b>Pod</b>는 가장 작은 단위이고 <b>레이어</b>라는 말도 쓴다."
    )
    # CommonMark cannot close `**` after punctuation before a letter; the pair is still bold, never shown.
    assert to_telegram_html("**파드(Pod)**는 **\"선언적\"**이다") == "<b>파드(Pod)</b>는 <b>\"선언적\"</b>이다"


def test_italic_and_code_inside_korean_sentences():
    assert to_telegram_html("컨테이너는 *격리된*프로세스이고 `docker ps`로 _직접_ 확인한다.") == (
        "컨테이너는 <i>격리된</i>프로세스이고 <code>docker ps</code>로 <i>직접</i> 확인한다."
    )
    # CommonMark: `_` inside a word is a character (snake_case), in Korean too.
    # Telegram cannot put code in bold: the bold closes around it, so the code stays code.
    assert to_telegram_html("**`kubectl` 명령**으로 *보기 `get` 끝*") == (
        "<code>kubectl</code><b> 명령</b>으로 <i>보기 </i><code>get</code><i> 끝</i>"
    )
    assert to_telegram_html("my_var_name과 _확인_한다") == "my_var_name과 _확인_한다"


def test_nested_list_with_a_code_block_inside_an_item():
    markdown = "- 배포\n  - 롤링 업데이트:\n    ```bash\n    kubectl rollout status deploy/web\n    ```\n  - 롤백\n1. 첫째\n2. 둘째"
    assert to_telegram_html(markdown) == (
        "• 배포\n"
        "\u2007\u2007• 롤링 업데이트:\n"
        '<pre><code class="language-bash">kubectl rollout status deploy/web</code></pre>\n'
        "\u2007\u2007• 롤백\n\n"
        "1. 첫째\n2. 둘째"
    )


def test_links():
    assert to_telegram_html("[문서](https://k8s.io/a?b=1&c=\"2\")를 보라") == (
        '<a href="https://k8s.io/a?b=1&amp;c=%222%22">문서</a>를 보라'
    )
    assert to_telegram_html("[다음](other.md) [x](javascript:alert(1))") == "다음 [x](javascript:alert(1))"
    assert to_telegram_html("**[굵은 `링크`](http://e.com)**") == '<a href="http://e.com"><b>굵은 링크</b></a>'


def test_images_absolute_and_relative():
    assert to_telegram_html("![구조도](https://e.com/k8s.png)") == '<a href="https://e.com/k8s.png">구조도</a>'
    assert to_telegram_html("![](https://e.com/k8s.png)") == (
        '<a href="https://e.com/k8s.png">https://e.com/k8s.png</a>'
    )
    assert to_telegram_html("그림: ![구조도](images/k8s.png)") == "그림: 구조도"


def test_html_left_in_an_answer():
    assert to_telegram_html("<b>x</b>와 <div>y</div>") == "<b>x</b>와 y"
    assert to_telegram_html("<details>\n<summary>답</summary>\n\n**본문** &amp; 끝\n\n</details>") == (
        "답\n\n<b>본문</b> &amp; 끝"
    )
    # Underline is not one of the shared styles (Slack has none): its text shows plain.
    assert to_telegram_html("a<br>b <span style='x'>c</span> <u>unclosed <b>bold") == "a\nb c unclosed <b>bold</b>"
    assert to_telegram_html("<b>`code` in bold</b>") == "<code>code</code><b> in bold</b>"  # code stays code


def test_text_is_escaped_and_headings_quotes_and_rules_render():
    assert to_telegram_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_telegram_html("#### 왜 써요?\n\n> 인용 `x`\n>> 중첩\n\n---\n\n끝") == (
        "<b>왜 써요?</b>\n\n<blockquote>인용 <code>x</code>\n중첩</blockquote>\n\n——\n\n끝"
    )


def test_catalogue_strings_render():
    markdown = "**오늘의 문제** (2026-11-30, k8s)\n\n시작하려면 `/subscribe`\n`/quiz [주제]` 연습 문제"
    assert to_telegram_html(markdown) == (
        "<b>오늘의 문제</b> (2026-11-30, k8s)\n\n시작하려면 <code>/subscribe</code>\n<code>/quiz [주제]</code> 연습 문제"
    )


def test_spoiler_keeps_code_readable_as_text_and_quotes_outside():
    html = to_telegram_html("정답\n\n```\nkubectl get pods\n```\n\n> `inline`", as_spoiler=True)
    assert html == (
        "<tg-spoiler>정답\n\nkubectl get pods</tg-spoiler>\n\n<blockquote><tg-spoiler>inline</tg-spoiler></blockquote>"
    )


def test_a_long_answer_keeps_its_first_and_closing_lines_outside_an_expandable_quote():
    body = "\n\n".join(f"{n}. 쿠버네티스는 **선언적** API로 원하는 상태를 유지한다." for n in range(1, 40))
    html = to_telegram_html(f"**질문?**\n\n{body}\n\n```\ncode\n```\n\n어땠나요?")
    assert html.startswith("<b>질문?</b>\n\n<blockquote expandable>1. 쿠버네티스는 <b>선언적</b>")
    assert html.endswith("<pre><code>code</code></pre></blockquote>\n\n어땠나요?")
    assert "<blockquote" not in to_telegram_html("짧은 답\n\n본문")


def long_answer() -> str:
    """About 10,000 characters: Korean prose around a 6,000-character Python block."""
    sentence = "쿠버네티스는 **선언적** API로 원하는 상태를 유지한다 & 복구한다."
    prose = "\n\n".join(f"{sentence} ({n})" for n in range(50))
    code = "\n".join(f"if replicas[{n}] < wanted:  # scale up 🚀" for n in range(150))
    return f"{prose}\n\n```python\n{code}\n```\n\n{prose}"


def test_a_10000_character_answer_splits_with_tags_reopened():
    markdown = long_answer()
    assert 9000 < len(markdown) < 11000
    html = to_telegram_html(markdown)
    parts = render_messages(markdown)
    assert len(parts) >= 3
    assert all(utf16(part) <= TELEGRAM_LIMIT for part in parts)
    assert "".join(all_text(part) for part in parts) == all_text(html)
    for part in parts:
        visible(part)  # valid and balanced on its own
    assert all(part.count("<blockquote expandable>") == 1 for part in parts[1:])
    with_code = [part for part in parts if "replicas[" in part]
    assert len(with_code) >= 2
    assert all(part.startswith('<blockquote expandable><pre><code class="language-python">') for part in with_code[1:])
    assert all(part.endswith("</code></pre></blockquote>") for part in with_code[:-1])


def test_splits_prefer_paragraphs_then_lines_then_spaces():
    assert split_html("aaaa\n\nbbbb\ncccc", 12) == ["aaaa\n\n", "bbbb\ncccc"]
    assert split_html("aaaa bbbb\ncccc", 12) == ["aaaa bbbb\n", "cccc"]
    assert split_html("aaaa bbbb cccc", 12) == ["aaaa bbbb ", "cccc"]
    assert split_html("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_splits_never_break_an_entity_or_an_emoji_and_reopen_attributes():
    assert split_html('<a href="http://x">&amp;&amp;&amp;</a>', 30) == ['<a href="http://x">&amp;</a>'] * 3
    assert split_html("😀" * 5, 4) == ["😀😀", "😀😀", "😀"]


def test_a_tag_too_long_to_reopen_is_dropped_but_its_text_kept():
    parts = render_messages(f"[link](https://example.com/{'x' * 200}) and more", 64)
    assert "".join(visible(part) for part in parts) == "link and more"
    assert all(utf16(part) <= 64 for part in parts)


def test_empty_input_gives_no_messages():
    assert render_messages("") == [] and render_messages("\n\n  \n") == [] and render_messages("<div></div>") == []


# Properties

FRAGMENTS = st.sampled_from([
    "**", "*", "_", "__", "`", "```", "```py\n", "- ", "  - ", "1. ", "| a | b |", "|---|---|", "| 파드 | 컨테이너 |",
    "> ", "<b>", "</b>", "<div>", "</div>", "<br>", "[x](http://e.com)", "![i](x.png)", "![i](http://e.com/i.png)",
    "# ", "---", "&", "<", "한글", "는", "(Pod)", "a", " ", "\n", "\n\n", "😀", "[^1]", "[^1]: 주석\n",
])
MARKDOWN = st.lists(FRAGMENTS, max_size=80).map("".join)


def check(markdown: str, limit: int = TELEGRAM_LIMIT, as_spoiler: bool = False) -> None:
    """Every message part fits, is valid Bot API HTML, and shows no stray markup."""
    parts = render_messages(markdown, limit, as_spoiler=as_spoiler)
    assert all(part and utf16(part) <= limit for part in parts)
    for part in parts:
        text = visible(part)
        if not as_spoiler:  # under a spoiler code is plain text, and code may hold any characters
            assert_clean(text)
    assert "".join(map(all_text, parts)) == all_text(to_telegram_html(markdown, as_spoiler=as_spoiler))


@settings(max_examples=300, deadline=None)
@given(markdown=MARKDOWN, limit=st.sampled_from([TELEGRAM_LIMIT, 200, 64]), as_spoiler=st.booleans())
def test_generated_markdown_renders_to_valid_clean_parts(markdown, limit, as_spoiler):
    check(markdown, limit, as_spoiler)


@settings(max_examples=100, deadline=None)
@given(markdown=st.text(max_size=300))
def test_any_text_renders_to_valid_parts(markdown):
    parts = render_messages(markdown)
    assert all(part and utf16(part) <= TELEGRAM_LIMIT for part in parts)
    for part in parts:
        visible(part)


ANSWERS = [question.answer for question in load_bank([Path("content"), Path("tests/notes")]).questions]


@pytest.mark.parametrize("as_spoiler", [False, True])
def test_every_answer_in_the_notes_fixtures_renders_valid_and_clean(as_spoiler):
    assert len(ANSWERS) > 40
    for answer in ANSWERS:
        check(answer, as_spoiler=as_spoiler)
        check(answer, 300, as_spoiler=as_spoiler)


def test_whole_notes_files_render_valid_and_clean():
    files = sorted(Path("content").glob("*.md")) + sorted(Path("tests/notes").rglob("*.md"))
    assert len(files) > 5
    for file in files:
        check(file.read_text(encoding="utf-8"))

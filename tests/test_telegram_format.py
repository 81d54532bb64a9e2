"""Markdown to Telegram HTML, spoilers, and splitting at the message limit."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.telegram_format import TELEGRAM_LIMIT, render_messages, split_html, spoiler, to_telegram_html

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote", "tg-spoiler"}
ENTITY = re.compile(r"&(?:amp|lt|gt|quot);")
TAG = re.compile(r'<(?:[a-z-]+(?: (?:href|class)="[^"<>]*")?|/[a-z-]+)>')


class _Checker(HTMLParser):
    """Collects the visible text and fails on tags that are unknown or not properly nested."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED_TAGS, tag
        self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, (self.open, tag)
        self.open.pop()

    def handle_startendtag(self, tag, attrs):
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_data(self, data):
        self.text.append(data)


def visible(html: str) -> str:
    """Check that `html` is well-formed Telegram HTML and return its visible text."""
    bare = TAG.sub("", html)
    assert "<" not in bare and ">" not in bare, html
    assert bare.count("&") == len(ENTITY.findall(bare)), html
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.open, html
    return "".join(checker.text)


def utf16(text: str) -> int:
    """Length in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def test_text_is_escaped():
    assert to_telegram_html("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_telegram_html("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_html_from_notes_is_shown_as_text_except_br():
    html = to_telegram_html("<details><summary>답</summary>one<br>two<BR/>three</details>")
    assert html == "&lt;details&gt;&lt;summary&gt;답&lt;/summary&gt;one\ntwo\nthree&lt;/details&gt;"


def test_bold_italic_code_and_links():
    assert to_telegram_html("**bold** and *bold*") == "<b>bold</b> and <b>bold</b>"
    assert to_telegram_html("an _italic_ word") == "an <i>italic</i> word"
    assert to_telegram_html("run `kubectl get <pods>`") == "run <code>kubectl get &lt;pods&gt;</code>"
    assert to_telegram_html("[docs](https://k8s.io/a?b=1&c=\"2\")") == (
        '<a href="https://k8s.io/a?b=1&amp;c=&quot;2&quot;">docs</a>'
    )
    assert to_telegram_html("[me](tg://user?id=1) [mail](mailto:a@b.c)").count("<a href=") == 2


def test_unsafe_or_relative_links_are_text():
    assert to_telegram_html("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert to_telegram_html("[next](other.md)") == "[next](other.md)"


def test_snake_case_and_stray_markers_stay_as_typed():
    assert to_telegram_html("my_var_name and __init__") == "my_var_name and __init__"
    assert to_telegram_html("2 * 3 = 6, a lone * and `tick") == "2 * 3 = 6, a lone * and `tick"
    assert to_telegram_html(r"\*not bold\*") == "*not bold*"


def test_code_cannot_nest_in_bold_so_it_becomes_text_there():
    assert to_telegram_html("**use `kubectl`**") == "<b>use kubectl</b>"


def test_catalogue_strings_render():
    markdown = "*오늘의 문제* (2026-11-30, k8s)\n\n시작하려면 `/subscribe` (예: `/subscribe 09:00 Asia/Seoul`)."
    html = to_telegram_html(markdown)
    assert html == (
        "<b>오늘의 문제</b> (2026-11-30, k8s)\n\n"
        "시작하려면 <code>/subscribe</code> (예: <code>/subscribe 09:00 Asia/Seoul</code>)."
    )


def test_fenced_block_is_one_pre_with_escaped_content():
    markdown = "앞\n```python\n# comment, not a heading\nif a < b and c > d:\n\n    pass  # *not bold*\n```\n뒤"
    html = to_telegram_html(markdown)
    assert html == (
        '앞\n<pre><code class="language-python"># comment, not a heading\nif a &lt; b and c &gt; d:\n\n'
        "    pass  # *not bold*</code></pre>\n뒤"
    )
    assert to_telegram_html("```\nplain\n```") == "<pre><code>plain</code></pre>"
    assert to_telegram_html("```\nnever closed <") == "<pre><code>never closed &lt;</code></pre>"


def test_headings_lists_and_quotes():
    markdown = "#### 쿠버네티스를 왜 써요?\n- 확장성\n* 가용성\n  + 자동화\n1. 첫째\n2) 둘째\n> 인용\n>> 중첩\n\n\n\n끝"
    assert to_telegram_html(markdown) == (
        "<b>쿠버네티스를 왜 써요?</b>\n• 확장성\n• 가용성\n  • 자동화\n1. 첫째\n2. 둘째\n"
        "<blockquote>인용\n중첩</blockquote>\n\n끝"
    )


def test_real_notes_render_to_valid_html():
    with open("content/kubernetes-docker-interview.md", encoding="utf-8") as notes:
        html = to_telegram_html(notes.read())
    visible(html)
    assert html.count("<pre>") == html.count("</pre>") > 10
    assert "<b>마스터 노드 컴포넌트 무엇이 있을까요?</b>" in html


def test_spoiler_hides_code_as_plain_text():
    html = to_telegram_html("정답\n```\nkubectl get pods\n```\n`inline`")
    assert spoiler(html) == "<tg-spoiler>정답\nkubectl get pods\ninline</tg-spoiler>"
    assert spoiler("") == ""


def long_answer() -> str:
    """About 10,000 characters: Korean prose around a 6,000-character Python block."""
    sentence = "쿠버네티스는 **선언적** API로 원하는 상태를 유지한다 & 복구한다."
    prose = "\n\n".join(f"{n}. {sentence}" for n in range(50))
    code = "\n".join(f"if replicas[{n}] < wanted:  # scale up 🚀" for n in range(150))
    return f"{prose}\n\n```python\n{code}\n```\n\n{prose}"


def test_a_long_answer_splits_with_the_code_block_reopened():
    markdown = long_answer()
    code_length = markdown.index("```\n\n") - markdown.index("```python")
    assert 9000 < len(markdown) < 11000 and 5500 < code_length < 6500
    html = to_telegram_html(markdown)
    parts = render_messages(markdown)
    assert len(parts) >= 3
    assert all(utf16(part) <= TELEGRAM_LIMIT for part in parts)
    assert "".join(visible(part) for part in parts) == visible(html)
    with_code = [part for part in parts if "replicas[" in part]
    assert len(with_code) >= 2
    assert all(part.count('<pre><code class="language-python">') == 1 for part in with_code)
    assert all(part.startswith('<pre><code class="language-python">') for part in with_code[1:])
    assert all(part.endswith("</code></pre>") for part in with_code[:-1])


def test_splits_prefer_paragraphs_then_lines_then_spaces():
    assert split_html("aaaa\n\nbbbb\ncccc", 12) == ["aaaa\n\n", "bbbb\ncccc"]
    assert split_html("aaaa bbbb\ncccc", 12) == ["aaaa bbbb\n", "cccc"]
    assert split_html("aaaa bbbb cccc", 12) == ["aaaa bbbb ", "cccc"]
    assert split_html("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_splits_never_break_an_entity_and_reopen_attributes():
    parts = split_html('<a href="http://x">&amp;&amp;&amp;</a>', 30)
    assert parts == ['<a href="http://x">&amp;</a>'] * 3


def test_emoji_count_as_two_units():
    parts = split_html("😀" * 5, 4)
    assert parts == ["😀😀", "😀😀", "😀"]
    assert all(utf16(part) <= 4 for part in parts)


def test_a_tag_too_long_to_reopen_is_dropped_but_its_text_kept():
    parts = render_messages(f"[link](https://example.com/{'x' * 200}) and more", 64)
    assert "".join(visible(part) for part in parts) == "link and more"
    assert all(utf16(part) <= 64 for part in parts)


def test_empty_input_gives_no_messages():
    assert render_messages("") == [] and render_messages("\n\n  \n") == []


MARKDOWN_PIECES = st.sampled_from([
    "a", "한글", " ", "\n", "\n\n", "*", "**", "_", "__", "`", "```", "```py\n", "[", "]", "(", ")",
    "](http://x.y/z)", "](javascript:x)", "#", "## ", "- ", "1. ", "> ", "<", ">", "&", '"', "<br>",
    "<details>", "\\", "😀", "snake_case", "~~~",
])
MARKDOWN = st.one_of(st.text(), st.lists(MARKDOWN_PIECES, max_size=60).map("".join))


@settings(max_examples=300, deadline=None)
@given(markdown=MARKDOWN, limit=st.integers(min_value=24, max_value=200), as_spoiler=st.booleans())
def test_any_text_renders_and_splits_into_valid_parts(markdown, limit, as_spoiler):
    html = to_telegram_html(markdown)
    text = visible(html)
    parts = render_messages(markdown, limit, as_spoiler=as_spoiler)
    assert all(part and utf16(part) <= limit for part in parts)
    assert "".join(visible(part) for part in parts) == text

"""Markdown to Slack mrkdwn, splitting at the section limit, Block Kit sections and the plain fallback."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack_format import (
    FENCE, MIN_LIMIT, SLACK_LIMIT, SLACK_MAX_BLOCKS, answer_blocks, plain_text, split_mrkdwn, to_mrkdwn,
)
from bot.core.content import parse_notes

NOTES = "content/kubernetes-docker-interview.md"
OUR_LINK = re.compile(r"<(?:https?://|mailto:)[^\s<>|`]+(?:\|[^<>\n]*)?>", re.IGNORECASE)
QUOTE_MARKER = re.compile(r"^>(?: |$)", re.MULTILINE)
ENTITY = re.compile(r"&(?:amp|lt|gt);")


def check_mrkdwn(text: str) -> None:
    """Fail unless the only raw `<`, `>` and `&` are our links, quote markers and entities, and fences pair up."""
    bare = QUOTE_MARKER.sub("", OUR_LINK.sub("", text))
    assert "<" not in bare and ">" not in bare, text
    assert text.count("&") == len(ENTITY.findall(text)), text
    assert text.count(FENCE) % 2 == 0, text


def unsplit(pieces: list[str]) -> str:
    """Join pieces, removing the ``` that split_mrkdwn adds to close a block at a cut and reopen it after."""
    text, reopened = "", False
    for k, piece in enumerate(pieces):
        if reopened:
            assert piece.startswith(FENCE + "\n"), piece
            piece = piece[len(FENCE) + 1 :]
        # Our mrkdwn never has a fence right after another, so a piece ending in one followed by a piece
        # starting with one is a block split in two.
        reopened = piece.endswith(FENCE) and k + 1 < len(pieces) and pieces[k + 1].startswith(FENCE + "\n")
        text += piece[: -len(FENCE)] if reopened else piece
    return text


def test_text_is_escaped():
    assert to_mrkdwn("a < b & c > d") == "a &lt; b &amp; c &gt; d"
    assert to_mrkdwn("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert to_mrkdwn("<!channel> <@U123> \"quotes\" 'too'") == "&lt;!channel&gt; &lt;@U123&gt; \"quotes\" 'too'"


def test_br_is_a_line_break_and_other_html_is_text():
    assert to_mrkdwn("one<br>two<BR/>three <b>x</b>") == "one\ntwo\nthree &lt;b&gt;x&lt;/b&gt;"


def test_bold_italic_and_inline_code():
    assert to_mrkdwn("**bold** and *bold*") == "*bold* and *bold*"
    assert to_mrkdwn("an _italic_ word, my_var_name") == "an _italic_ word, my_var_name"
    assert to_mrkdwn("run `kubectl get <pods> *all*`") == "run `kubectl get &lt;pods&gt; *all*`"
    assert to_mrkdwn("**use `kubectl`**") == "*use `kubectl`*"


def test_links():
    assert to_mrkdwn("[docs](https://k8s.io/a?b=1&c=2)") == "<https://k8s.io/a?b=1&amp;c=2|docs>"
    assert to_mrkdwn("[pipe](https://x.io/a|b) [mail](mailto:a@b.c)") == (
        "<https://x.io/a%7Cb|pipe> <mailto:a@b.c|mail>"
    )
    assert to_mrkdwn("[**bold** `code`](http://x.io)") == "<http://x.io|bold code>"
    assert to_mrkdwn("[spaced](<http://x.io/a b>)") == "<http://x.io/a%20b|spaced>"


def test_unsafe_or_relative_links_show_their_text():
    assert to_mrkdwn("[x](javascript:alert(1))") == "[x](javascript:alert(1))"
    assert to_mrkdwn("[next](other.md)") == "[next](other.md)"
    assert to_mrkdwn("[me](tg://user?id=1)") == "me"


def test_headings_lists_and_quotes():
    markdown = "#### 쿠버네티스를 왜 써요?\n- 확장성\n* 가용성\n  + 자동화\n1. 첫째\n2) 둘째\n> 인용 <b>\n>> 중첩<br>둘\n\n\n\n끝"
    assert to_mrkdwn(markdown) == (
        "*쿠버네티스를 왜 써요?*\n• 확장성\n• 가용성\n  • 자동화\n1. 첫째\n2. 둘째\n"
        "> 인용 &lt;b&gt;\n> 중첩\n> 둘\n\n끝"
    )
    assert to_mrkdwn("# **already bold** & more") == "*already bold &amp; more*"


def test_fenced_block_drops_the_language_and_keeps_content_unformatted():
    markdown = "앞\n```python\n# comment, not a heading\nif a < b and c > d:\n\n    pass  # *not bold* _no_\n```\n뒤"
    assert to_mrkdwn(markdown) == (
        "앞\n```\n# comment, not a heading\nif a &lt; b and c &gt; d:\n\n    pass  # *not bold* _no_\n```\n뒤"
    )
    assert to_mrkdwn("~~~\nplain\n~~~") == "```\nplain\n```"
    assert to_mrkdwn("```\nnever closed <") == "```\nnever closed &lt;\n```"


def test_stray_backtick_runs_cannot_open_a_slack_code_block():
    for markdown in ("a ``` b", "~~~\n```\ninside\n```\n~~~", "```` ```x``` ````"):
        text = to_mrkdwn(markdown)
        assert text.replace("\u200b", "").count("`") >= 3
        check_mrkdwn(text)
        assert text.count(FENCE) in (0, 2)


def test_korean_answers_from_the_seed_notes_render():
    with open(NOTES, encoding="utf-8") as notes:
        text = notes.read()
    questions = parse_notes(text, NOTES).questions
    assert len(questions) > 10
    for question in questions:
        rendered = to_mrkdwn(question.answer)
        check_mrkdwn(rendered)
        assert all(len(piece) <= SLACK_LIMIT for piece in split_mrkdwn(rendered))
    whole = to_mrkdwn(text)
    assert "*마스터 노드 컴포넌트 무엇이 있을까요?*" in whole
    assert "서비스 어카운트 &amp; 토큰 컨트롤러" in whole
    check_mrkdwn(whole)


def long_answer() -> str:
    """About 10,000 characters: Korean prose around a 6,000-character Python block."""
    sentence = "쿠버네티스는 **선언적** API로 원하는 상태를 유지한다 & 복구한다."
    prose = "\n\n".join(f"{n}. {sentence}" for n in range(50))
    code = "\n".join(f"if replicas[{n}] < wanted:  # scale up 🚀" for n in range(150))
    return f"{prose}\n\n```python\n{code}\n```\n\n{prose}"


def test_a_long_answer_splits_with_the_code_block_closed_and_reopened():
    markdown = long_answer()
    assert 9000 < len(markdown) < 11000
    text = to_mrkdwn(markdown)
    pieces = split_mrkdwn(text)
    assert len(pieces) >= 4
    assert all(len(piece) <= SLACK_LIMIT for piece in pieces)
    for piece in pieces:
        check_mrkdwn(piece)
    assert unsplit(pieces) == text
    with_code = [piece for piece in pieces if "replicas[" in piece]
    assert len(with_code) >= 3
    assert all(piece.startswith(FENCE + "\n") for piece in with_code[1:])
    assert all(piece.endswith("\n" + FENCE) for piece in with_code[:-1])
    assert not any("python" in piece for piece in pieces)


def test_splits_prefer_paragraphs_then_lines_then_spaces():
    assert split_mrkdwn("a" * 10 + "\n\n" + "b" * 5 + "\n" + "c" * 5, 20) == ["a" * 10 + "\n\n", "bbbbb\nccccc"]
    assert split_mrkdwn("aaaa bbbb\ncccc dddd eeee", 16) == ["aaaa bbbb\n", "cccc dddd eeee"]
    assert split_mrkdwn("aaaa bbbb cccc dddd", 16) == ["aaaa bbbb cccc ", "dddd"]
    assert split_mrkdwn("x" * 40, 16) == ["x" * 16, "x" * 16, "x" * 8]
    assert split_mrkdwn("") == [] and split_mrkdwn("short") == ["short"]


def test_splits_never_cut_an_entity_or_a_link():
    assert split_mrkdwn("&amp;" * 7, 16) == ["&amp;" * 3, "&amp;" * 3, "&amp;"]
    assert split_mrkdwn("abcdefghijklmno&lt;", 16) == ["abcdefghijklmno", "&lt;"]
    link = "<https://k8s.io|docs>"
    assert split_mrkdwn(f"see {link} now", 24) == ["see ", f"{link} ", "now"]


def test_a_link_too_long_for_a_piece_becomes_text():
    pieces = split_mrkdwn(f"<https://x.io/{'a' * 40}|docs>", 20)
    assert "".join(pieces) == f"docs (https://x.io/{'a' * 40})"
    assert all(len(piece) <= 20 for piece in pieces)


def test_a_too_small_limit_is_refused():
    with pytest.raises(ValueError):
        split_mrkdwn("text", MIN_LIMIT - 1)


def test_answer_blocks_are_sections_after_an_optional_header():
    assert answer_blocks("**답**: 파드") == [{"type": "section", "text": {"type": "mrkdwn", "text": "*답*: 파드"}}]
    blocks = answer_blocks("답", header="*오늘의 문제*")
    assert [block["text"]["text"] for block in blocks] == ["*오늘의 문제*", "답"]
    assert answer_blocks("") == [] and answer_blocks("\n\n") == []


def test_answer_blocks_respect_max_blocks_and_reserve():
    full = answer_blocks(long_answer())
    assert 4 <= len(full) < SLACK_MAX_BLOCKS and not full[-1]["text"]["text"].endswith("…")
    blocks = answer_blocks(long_answer(), header="*Q*", max_blocks=5, reserve=2)
    assert len(blocks) == 3 and blocks[0]["text"]["text"] == "*Q*"
    texts = [block["text"]["text"] for block in blocks]
    assert texts[1] == full[0]["text"]["text"] and texts[2].endswith("…")
    assert all(block["type"] == "section" and len(block["text"]["text"]) <= SLACK_LIMIT for block in blocks)
    check_mrkdwn(texts[2].removesuffix("…"))
    with pytest.raises(ValueError):
        answer_blocks("x", header="*Q*", max_blocks=3, reserve=2)


def test_a_truncated_section_still_fits_with_its_ellipsis():
    markdown = "\n\n".join("가" * 2999 for _ in range(3))
    blocks = answer_blocks(markdown, max_blocks=1)
    assert len(blocks) == 1
    assert blocks[0]["text"]["text"].endswith("…") and len(blocks[0]["text"]["text"]) <= SLACK_LIMIT


def test_plain_text_drops_markers_and_escapes():
    markdown = "# 제목\n**굵게** _기울임_ `code` [docs](https://x.io) a < b & c\n> 인용\n```sh\necho *hi*\n```"
    assert plain_text(markdown) == "제목\n굵게 기울임 code docs a &lt; b &amp; c\n인용\necho *hi*"


def test_plain_text_is_trimmed_with_an_ellipsis_never_inside_an_entity():
    assert plain_text("a & b & c & d", 8) == "a &amp;…"
    assert plain_text("word " * 1000, 20) == "word word word word…"
    assert len(plain_text("가" * 5000)) == SLACK_LIMIT
    assert plain_text("short", 5) == "short"


MARKDOWN_PIECES = st.sampled_from([
    "a", "한글", " ", "\n", "\n\n", "*", "**", "_", "__", "`", "```", "```py\n", "~~~", "[", "]", "(", ")",
    "](http://x.y/z)", "](https://a.b/c|d)", "](javascript:x)", "](<http://x.y/a b>)", "#", "## ", "- ",
    "1. ", "> ", ">> ", "<", ">", "&", "&amp;", '"', "<br>", "<details>", "\\", "😀", "snake_case", "|",
])
MARKDOWN = st.one_of(st.text(), st.lists(MARKDOWN_PIECES, max_size=80).map("".join))


@settings(max_examples=300, deadline=None)
@given(markdown=MARKDOWN, limit=st.integers(min_value=MIN_LIMIT, max_value=120))
def test_any_text_renders_and_splits_into_valid_pieces(markdown, limit):
    text = to_mrkdwn(markdown)
    check_mrkdwn(text)
    pieces = split_mrkdwn(text, limit)
    assert all(piece and len(piece) <= limit for piece in pieces)
    for piece in pieces:
        check_mrkdwn(piece)
    if not any(len(link) > limit for link in OUR_LINK.findall(text)):  # links too long for a piece become text
        assert unsplit(pieces) == text
    assert len(plain_text(markdown, limit)) <= limit

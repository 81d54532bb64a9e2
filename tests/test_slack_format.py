"""Answer markdown as Slack Block Kit: golden blocks, the plain fallback, and properties over any markdown and
every answer in the repository's notes (valid blocks within Slack's limits, no markup a member can see)."""

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.rich_runs import STYLES
from bot.adapters.slack_format import (
    MESSAGE_LIMIT, SLACK_LIMIT, SLACK_MAX_BLOCKS, TABLE_MAX_COLUMNS, TABLE_MAX_ROWS, answer_blocks, answer_messages,
    plain_text,
)
from bot.core.html_to_markdown import HTML_ELEMENTS
from bot.bank import load_bank

TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
SCHEMES = ("http://", "https://", "mailto:")


def t(text: str, *styles: str) -> dict:
    """A text element with the given styles."""
    return {"type": "text", "text": text, **({"style": dict.fromkeys(styles, True)} if styles else {})}


def link(url: str, text: str) -> dict:
    return {"type": "link", "url": url, "text": text}


def section(*runs: dict) -> dict:
    return {"type": "rich_text_section", "elements": list(runs)}


def rich(*elements: dict) -> dict:
    return {"type": "rich_text", "elements": list(elements)}


def cell(*runs: dict) -> dict:
    return {"type": "rich_text", "elements": [section(*runs)]}


# -- the validator ---------------------------------------------------------------------------------------------


def check_run(run: dict, code: bool) -> int:
    """One text or link element; fail on markup a member would see. Code shows what was typed, markup or not."""
    assert run["type"] in ("text", "link") and set(run) <= {"type", "text", "style", "url"}, run
    assert isinstance(run["text"], str) and run["text"], run
    assert set(run.get("style", {})) <= set(STYLES) and all(v is True for v in run.get("style", {}).values())
    if run["type"] == "link":
        assert run["url"].lower().startswith(SCHEMES), run
    if not code and not run.get("style", {}).get("code"):
        text = run["text"]
        assert "**" not in text and "__" not in text and "|---" not in text, run
        assert not any(tag.lower() in HTML_ELEMENTS for tag in TAG.findall(text)), run
    return len(run["text"])


def check_section(element: dict, code: bool = False) -> int:
    assert element["type"] == "rich_text_section" and element["elements"], element
    # What a member reads runs on across styles: no marker may form where two runs meet either.
    shown = "".join("\0" if run.get("style", {}).get("code") else run["text"] for run in element["elements"])
    assert code or ("**" not in shown and "__" not in shown), element
    return sum(check_run(run, code) for run in element["elements"])


def check_rich_element(element: dict) -> int:
    kind = element["type"]
    if kind == "rich_text_section":
        return check_section(element)
    if kind == "rich_text_list":
        assert element["style"] in ("bullet", "ordered") and 0 <= element.get("indent", 0) <= 8, element
        assert element["elements"]
        return sum(check_section(item) for item in element["elements"])
    assert kind in ("rich_text_preformatted", "rich_text_quote") and element["elements"], element
    return sum(check_run(run, kind == "rich_text_preformatted") for run in element["elements"])


def check_blocks(blocks: list[dict], max_blocks: int = SLACK_MAX_BLOCKS) -> None:
    """Fail unless `blocks` is Block Kit Slack takes: known types, required keys, counts and lengths in limits."""
    assert len(blocks) <= max_blocks
    total = tables = 0
    for block in blocks:
        if block["type"] == "rich_text":
            assert block["elements"]
            size = sum(check_rich_element(element) for element in block["elements"])
        elif block["type"] == "table":
            tables += 1
            rows = block["rows"]
            assert 1 <= len(rows) <= TABLE_MAX_ROWS and len(block.get("column_settings", [])) <= TABLE_MAX_COLUMNS
            assert len({len(row) for row in rows}) == 1 and len(rows[0]) <= TABLE_MAX_COLUMNS
            size = 0
            for row in rows:
                for one in row:
                    assert one["type"] == "rich_text" and len(one["elements"]) == 1
                    size += check_section(one["elements"][0])
        elif block["type"] == "section":
            assert block["text"]["type"] in ("mrkdwn", "plain_text")
            size = len(block["text"]["text"])
        else:
            assert block == {"type": "divider"}, block
            size = 0
        assert size <= SLACK_LIMIT
        total += size
    assert tables <= 1 and total <= MESSAGE_LIMIT


# -- golden blocks ---------------------------------------------------------------------------------------------


def test_bold_directly_followed_by_a_hangul_particle_is_a_style():
    assert answer_blocks("**Pod**는 컨테이너 묶음, **레이어**라는 말.") == [rich(section(
        t("Pod", "bold"), t("는 컨테이너 묶음, "), t("레이어", "bold"), t("라는 말."),
    ))]


def test_italic_strike_and_code_inside_korean_sentences():
    assert answer_blocks("이것은 *중요한* 개념이고 `kubectl get pods`로 확인합니다. ~~옛날~~ 방식.") == [rich(section(
        t("이것은 "), t("중요한", "italic"), t(" 개념이고 "), t("kubectl get pods", "code"), t("로 확인합니다. "),
        t("옛날", "strike"), t(" 방식."),
    ))]


def test_headings_are_bold_lines_and_paragraphs_are_apart():
    assert answer_blocks("### 왜 *쓰나요*?\n\n확장성") == [rich(
        section(t("왜 ", "bold"), t("쓰나요", "bold", "italic"), t("?", "bold"), t("\n")), section(t("확장성")),
    )]


def test_a_table_with_hangul_cells_is_a_table_block():
    markdown = "| 이름 | 설명 |\n|---|--:|\n| 파드 | 가장 작은 **단위** |\n| 노드 | 머신 |"
    assert answer_blocks(markdown) == [{"type": "table", "rows": [
        [cell(t("이름", "bold")), cell(t("설명", "bold"))],
        [cell(t("파드")), cell(t("가장 작은 "), t("단위", "bold"))],
        [cell(t("노드")), cell(t("머신"))],
    ], "column_settings": [{"is_wrapped": True}, {"is_wrapped": True, "align": "right"}]}]


def test_a_second_table_is_aligned_preformatted_text_by_display_width():
    table = "| 이름 | n |\n|---|--:|\n| 파드 | 1 |\n| ab | 10 |"
    blocks = answer_blocks(f"{table}\n\n{table}")
    assert [block["type"] for block in blocks] == ["table", "rich_text"]
    assert blocks[1] == rich({"type": "rich_text_preformatted", "elements": [t(
        "이름   n\n────  ──\n파드   1\nab    10"
    )]})


def test_a_table_over_the_block_limits_is_preformatted():
    wide = "|" + "|".join("c" * 1 for _ in range(TABLE_MAX_COLUMNS + 1)) + "|"
    rule = "|" + "|".join("-" for _ in range(TABLE_MAX_COLUMNS + 1)) + "|"
    assert answer_blocks(f"{wide}\n{rule}\n{wide}")[0]["elements"][0]["type"] == "rich_text_preformatted"
    long = "| a |\n|---|\n" + "| x |\n" * TABLE_MAX_ROWS  # a header and 100 rows: 101 in all
    assert answer_blocks(long)[0]["type"] == "rich_text"


def test_a_nested_list_with_a_code_block_inside_an_item():
    markdown = "- 설치\n  1. 받기\n     ```sh\n     curl -LO https://dl.k8s.io\n     ```\n  2. 실행\n- 끝"
    assert answer_blocks(markdown) == [rich(
        {"type": "rich_text_list", "style": "bullet", "elements": [section(t("설치"))]},
        {"type": "rich_text_list", "style": "ordered", "elements": [section(t("받기"))], "indent": 1},
        {"type": "rich_text_preformatted", "elements": [t("curl -LO https://dl.k8s.io")]},
        {"type": "rich_text_list", "style": "ordered", "elements": [section(t("실행"))], "indent": 1, "offset": 1},
        {"type": "rich_text_list", "style": "bullet", "elements": [section(t("끝"))]},
    )]


def test_quotes_hold_inline_text_only():
    assert answer_blocks("> 인용 **굵게**\n>> 중첩\n> - 항목") == [rich({"type": "rich_text_quote", "elements": [
        t("인용 "), t("굵게", "bold"), t("\n중첩\n• 항목"),
    ]})]


def test_links_and_unsafe_links():
    assert answer_blocks("[쿠버네티스 문서](https://kubernetes.io/docs)를 보세요.") == [rich(section(
        link("https://kubernetes.io/docs", "쿠버네티스 문서"), t("를 보세요."),
    ))]
    # markdown-it refuses a javascript: link, so it stays text; a relative one shows its label only.
    assert answer_blocks("[x](javascript:alert(1)) [다음](other.md)") == [rich(section(t("[x](javascript:alert(1)) 다음")))]


def test_images_are_links_when_absolute_and_alt_text_when_relative():
    assert answer_blocks("![구조도](https://e.com/a.png) ![로컬](img/a.png)") == [rich(section(
        link("https://e.com/a.png", "구조도"), t(" 로컬"),
    ))]


def test_html_left_in_an_answer_keeps_its_meaning_never_its_tags():
    markdown = "<b>굵게</b>와 <i>기울임</i>, <code>x < y</code><br>다음 줄 <span>끝</span>\n\n<div>\n블록 <b>안</b>\n</div>"
    assert answer_blocks(markdown) == [rich(
        section(t("굵게", "bold"), t("와 "), t("기울임", "italic"), t(", "), t("x < y", "code"), t("\n다음 줄 끝\n")),
        section(t("블록 "), t("안", "bold")),
    )]
    assert answer_blocks("List<String> 과 <T>") == [rich(section(t("List<String> 과 <T>")))]


def test_stray_markers_are_not_shown():
    assert answer_blocks("** 남은 __ 표시 |---|---|") == [rich(section(t(" 남은  표시 ")))]
    assert answer_blocks("`**kwargs`") == [rich(section(t("**kwargs", "code")))]


def test_empty_markdown_gives_no_blocks():
    assert answer_blocks("") == [] and answer_blocks("\n\n") == [] and answer_messages("<div></div>") == []


def long_answer() -> str:
    """About 10,000 characters: Korean prose around a 6,000-character Python block."""
    sentence = "쿠버네티스는 **선언적** API로 원하는 상태를 유지한다 & 복구한다."
    prose = "\n\n".join(f"{n}. {sentence}" for n in range(50))
    code = "\n".join(f"if replicas[{n}] < wanted:  # scale up 🚀" for n in range(150))
    return f"{prose}\n\n```python\n{code}\n```\n\n{prose}"


def test_a_10000_character_answer_stays_within_the_limits():
    markdown = long_answer()
    assert 9000 < len(markdown) < 11000
    blocks = answer_blocks(markdown)
    check_blocks(blocks)
    assert len(blocks) >= 4
    code = [e for b in blocks for e in b["elements"] if e["type"] == "rich_text_preformatted"]
    assert len(code) >= 2 and "".join(e["elements"][0]["text"] for e in code).count("replicas[") == 150
    assert not any("…" in str(block) for block in blocks)  # nothing was cut


def test_too_many_blocks_are_cut_with_an_ellipsis():
    blocks = answer_blocks(long_answer(), max_blocks=5, reserve=2)
    assert len(blocks) == 3
    check_blocks(blocks)
    last = blocks[-1]["elements"][-1]
    runs = last["elements"][-1]["elements"] if last["type"] == "rich_text_list" else last["elements"]
    assert runs[-1]["text"].endswith("…")
    with pytest.raises(ValueError):
        answer_blocks("x", max_blocks=2, reserve=2)


def test_a_message_is_cut_at_its_text_limit():
    blocks = answer_blocks("\n\n".join("가" * 2999 for _ in range(10)))
    check_blocks(blocks)
    assert str(blocks[-1]).count("…") == 1


# -- plain text ------------------------------------------------------------------------------------------------


def test_plain_text_drops_markers_and_escapes():
    markdown = "# 제목\n**굵게** *기울임* `code` [docs](https://x.io) a < b & c\n> 인용\n```sh\necho *hi*\n```"
    assert plain_text(markdown) == "제목\n굵게 기울임 code docs a &lt; b &amp; c\n인용\necho *hi*"
    assert plain_text("- 하나\n  1. 둘\n\n| a | b |\n|---|---|\n| 1 | 2 |") == "• 하나\n  1. 둘\na | b\n1 | 2"


def test_plain_text_is_trimmed_with_an_ellipsis_never_inside_an_entity():
    assert plain_text("a & b & c & d", 8) == "a &amp;…"
    assert plain_text("word " * 1000, 20) == "word word word word…"
    assert len(plain_text("가" * 5000)) == SLACK_LIMIT
    assert plain_text("short", 5) == "short"


# -- properties ------------------------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([
    "**", "_", "`", "```", "~~", "- ", "1. ", "| a | b |", "|---|---|", "> ", "<b>", "</b>", "<div>", "</div>",
    "[x](http://e.com)", "![i](x.png)", "![i](https://e.com/i.png)", "파드", "는", "한글 문장", "word", " ", "\n",
    "\n\n", "  ", "# ", "*", "<br>", "[^1]", "[^1]: 주석", "<code>", "List<String>",
])
MARKDOWN = st.lists(FRAGMENTS, max_size=60).map("".join)


@settings(max_examples=300, deadline=None)
@given(markdown=MARKDOWN, reserve=st.integers(min_value=0, max_value=3), limit=st.integers(1, 200))
def test_any_markdown_gives_valid_blocks_without_visible_markup(markdown, reserve, limit):
    check_blocks(answer_blocks(markdown, reserve=reserve), SLACK_MAX_BLOCKS - reserve)
    check_blocks(answer_blocks(markdown, max_blocks=5, reserve=reserve), 5 - reserve)
    assert len(plain_text(markdown, limit)) <= limit


def test_every_answer_in_the_notes_gives_valid_blocks():
    questions = load_bank([Path("content"), Path("tests/notes")]).questions
    assert len(questions) > 10
    for question in questions:
        check_blocks(answer_blocks(question.answer, reserve=2), SLACK_MAX_BLOCKS - 2)
        check_blocks(answer_blocks(question.question, reserve=2), SLACK_MAX_BLOCKS - 2)


def test_a_marker_that_removing_another_would_make_is_removed_too():
    # Found by hypothesis: taking `**` out of `_**_` leaves `__`, which must not show either.
    (block,) = answer_blocks("****************_**_파드")
    assert block["elements"][0]["elements"] == [{"type": "text", "text": "파드"}]

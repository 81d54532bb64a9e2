"""The shared markdown-it setup leaves out block rules whose marks are absent from the text: a speed-up
that must never change a token. Compared with the parser that has every rule on."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.markdown import markdown_parser, parse_markdown

ROOT = Path(__file__).resolve().parents[1]
NOTES = sorted([*ROOT.glob("tests/notes/**/*.*"), *ROOT.glob("content/**/*.md")])

# Pieces that open every block rule, and pieces that look close to them without opening one.
PIECES = st.sampled_from([
    "a", "가", " ", "\n", "\n\n", "    ", "\t", "#", "# h", "-", "- x", "* y", "1. z", "1) w", "---", "===", "___",
    "***", "```", "```py", "~~~", "> q", ">", "<details>", "<b>", "<!-- c -->", "[a]: /u", "[^1]: n", "[^1]",
    "[x](y)", "[a]", "| a | b |", "|---|---|", "a|b", "-|-", "|", ":", "]", "^", "`", "~", "=", "_", "*",
])


def tokens(parsed):
    return [(t.type, t.map, t.content, t.info, t.level, t.tag, t.markup, t.meta, tokens(t.children or []))
            for t in parsed]


@pytest.mark.parametrize("path", NOTES, ids=lambda path: path.name)
@pytest.mark.parametrize("front_matter,inline", [(True, False), (False, True)])
def test_every_notes_fixture_parses_to_the_same_tokens(path, front_matter, inline):
    text = path.read_text(encoding="utf-8")
    assert tokens(parse_markdown(text, front_matter, inline)) == tokens(
        markdown_parser(front_matter, inline).parse(text))


# One text per rule that is left out when its mark is absent, each using that rule.
EACH_RULE = [
    "a|b\n-|-\nc|d", "> quoted\n> more", "```\ncode\n```", "~~~\ncode\n~~~", "<div>\nx\n</div>",
    "[a]: /url\n\nsee [a]", "text[^1]\n\n[^1]: the note", "Title\n===", "Title\n---", "- item\n  Sub\n  ---",
    "---\ntitle: x\n---\nbody",
]


@pytest.mark.parametrize("text", EACH_RULE)
@pytest.mark.parametrize("front_matter,inline", [(True, False), (True, True)])
def test_a_text_that_uses_a_rule_parses_with_it(text, front_matter, inline):
    assert tokens(parse_markdown(text, front_matter, inline)) == tokens(
        markdown_parser(front_matter, inline).parse(text))


@given(st.lists(PIECES, max_size=40).map("".join), st.booleans(), st.booleans())
def test_leaving_out_absent_rules_never_changes_a_token(text, front_matter, inline):
    assert tokens(parse_markdown(text, front_matter, inline)) == tokens(
        markdown_parser(front_matter, inline).parse(text))

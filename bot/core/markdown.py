"""The one markdown reading (markdown-it-py, CommonMark): the notes reader walks its block tokens and
their line maps. Tables, strikethrough, footnotes and front matter are on; HTML is kept as tokens so
that `<details>` and other tags in notes can be read rather than shown."""

from __future__ import annotations

import re
from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

# markdown-it tries every block rule at every block's first line, and those tries are most of its time.
# A rule whose opening mark is nowhere in the text cannot match (nor end a paragraph), so it is left out:
# the tokens are the same, the parse of a notes file about a fifth faster.
_SETEXT_UNDERLINE = re.compile(r"^[ \t>]*(?:=+|-+)[ \t]*$", re.MULTILINE)
_BLOCK_RULE_MARKS = (
    ("table", lambda text: "|" in text),
    ("blockquote", lambda text: ">" in text),
    ("fence", lambda text: "```" in text or "~~~" in text),
    ("html_block", lambda text: "<" in text),
    ("reference", lambda text: "]:" in text),
    ("footnote_def", lambda text: "[^" in text),
    ("lheading", lambda text: _SETEXT_UNDERLINE.search(text) is not None),
)


@cache
def markdown_parser(front_matter: bool = False, inline: bool = True,
                    unused_rules: frozenset[str] = frozenset()) -> MarkdownIt:
    """The shared parser (built once per setup: building it compiles its rules); `front_matter` for
    whole files; without `inline`, inline tokens keep their source text but are not parsed into
    children; `unused_rules` are block rules left out."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
    if front_matter:
        parser.use(front_matter_plugin)
    if not inline:
        # The notes reader walks blocks only: half the parsing time saved. Footnote definitions then stay
        # where they are written (footnote_reference_open), for the reader to put back into the text.
        parser.disable(["inline", "footnote_tail"])
    if unused_rules:
        parser.disable(sorted(unused_rules))
    return parser


def parse_markdown(text: str, front_matter: bool = False, inline: bool = True) -> list[Token]:
    """Tokens of `text`, each opening block token with its 0-based [start, end) line map."""
    unused = frozenset(rule for rule, appears in _BLOCK_RULE_MARKS if not appears(text))
    return markdown_parser(front_matter and text.startswith("---"), inline, unused).parse(text)

"""The one markdown reading (markdown-it-py, CommonMark): the notes reader walks its block tokens and
their line maps. Tables, strikethrough, footnotes and front matter are on; HTML is kept as tokens so
that `<details>` and other tags in notes can be read rather than shown."""

from __future__ import annotations

from functools import cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin


@cache
def markdown_parser(front_matter: bool = False, inline: bool = True) -> MarkdownIt:
    """The shared parser (built once: building it compiles its rules); `front_matter` for whole files;
    without `inline`, inline tokens keep their source text but are not parsed into children."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
    if front_matter:
        parser.use(front_matter_plugin)
    if not inline:
        # The notes reader walks blocks only: half the parsing time saved. Footnote definitions then stay
        # where they are written (footnote_reference_open), for the reader to put back into the text.
        parser.disable(["inline", "footnote_tail"])
    return parser


def parse_markdown(text: str, front_matter: bool = False, inline: bool = True) -> list[Token]:
    """Tokens of `text`, each opening block token with its 0-based [start, end) line map."""
    return markdown_parser(front_matter, inline).parse(text)

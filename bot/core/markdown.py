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
def markdown_parser(front_matter: bool = False) -> MarkdownIt:
    """The shared parser (built once: building it compiles its rules); `front_matter` for whole files."""
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).use(footnote_plugin)
    return parser.use(front_matter_plugin) if front_matter else parser


def parse_markdown(text: str, front_matter: bool = False) -> list[Token]:
    """Block tokens of `text`, each opening token with its 0-based [start, end) line map."""
    return markdown_parser(front_matter).parse(text)

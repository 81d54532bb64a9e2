"""How the terminal chat shows a reply's markdown: drawn by rich on a terminal, plain text when piped.

On a TTY, rich's own Markdown renderer does the work (styles, tables, highlighted code, wrapping to the
terminal's width); we only adjust its tokens so chat text reads as written (line breaks kept, HTML
reduced to its text). Piped, `plain_text` walks the shared markdown-it reading and prints the words
without markup, so scripts that read the chat's output keep working.
"""

from __future__ import annotations

import itertools
import re
from typing import TextIO

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from rich.console import Console
from rich.markdown import Markdown
from wcwidth import width

from bot.adapters.rich_runs import html_runs, plain, runs, table, table_lines, tree
from bot.adapters.streak_calendar import calendar_grid, calendar_text
from bot.core.progress import StreakCalendar

CODE_INDENT = "    "
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)


class ConsoleOutput:
    """Writes markdown to `out`: rich when it is a terminal (or `terminal` says so), plain text otherwise."""

    def __init__(self, out: TextIO, terminal: bool | None = None, width: int | None = None):
        self.out = out
        self.terminal = out.isatty() if terminal is None else terminal
        # Without a fixed width rich asks the terminal at every print, so a resized window rewraps.
        self.console = Console(file=out, force_terminal=True, highlight=False, width=width) if self.terminal else None

    def markdown(self, text: str, dim: bool = False) -> None:
        """One reply (or hint) as a block; `dim` for the chat's own hints, which are not content."""
        if self.console is not None:
            self.console.print(TerminalMarkdown(text, style="dim" if dim else "none"))
        else:
            self.out.write(plain_text(text) + "\n")


    def calendar(self, calendar: StreakCalendar) -> None:
        """The /streak weeks: coloured cells on a terminal, characters when piped."""
        shown = (dict(calendar.days), calendar.today, calendar.streak, calendar.language)
        if self.console is not None:
            self.console.print(calendar_grid(*shown))
        else:
            self.out.write(calendar_text(*shown) + "\n")


class TerminalMarkdown(Markdown):
    """rich's Markdown, with chat line breaks kept, HTML shown as its text and URLs shown once."""

    def __init__(self, markup: str, style: str = "none"):
        # hyperlinks=False prints a link's URL after its text: many terminals do not support OSC 8 links.
        super().__init__(markup, style=style, hyperlinks=False)
        self.parsed = _for_terminal(self.parsed)


def _for_terminal(tokens: list[Token]) -> list[Token]:
    """rich's tokens adjusted: an html_block becomes a paragraph of its text (rich would drop it)."""
    adjusted: list[Token] = []
    for token in tokens:
        if token.type == "html_block":
            lines = _html_lines(token.content)
            if lines:
                adjusted += _paragraph(lines)
            continue
        if token.children:
            token.children = _inline_for_terminal(token.children)
        adjusted.append(token)
    return adjusted


def _inline_for_terminal(children: list[Token]) -> list[Token]:
    adjusted: list[Token] = []
    for child in children:
        if child.type == "softbreak" or (child.type == "html_inline" and _LINE_BREAK_TAG.fullmatch(child.content)):
            # A chat message's single newlines are line breaks (help lists, hints), not spaces.
            child = Token("hardbreak", "br", 0)
        elif child.type in ("link_open", "link_close") and child.markup == "autolink":
            continue  # <https://...>: the text is the URL, so "URL (URL)" would say it twice
        elif child.type == "image":
            # rich draws an image as a block of its own, ahead of the paragraph it sits in: keep it in place.
            alt = "".join(c.content for c in child.children or [] if c.type in ("text", "code_inline"))
            child = Token("text", "", 0, content=_image_text(alt, str(child.attrs.get("src", ""))))
        adjusted.append(child)
    return adjusted


def _image_text(alt: str, src: str) -> str:
    """An image as words: its alt text, and its URL when absolute (a relative path means nothing here)."""
    absolute = src.startswith(("http://", "https://"))
    return f"{alt} ({src})" if alt and absolute else alt or (src if absolute else "")


def _paragraph(lines: list[str]) -> list[Token]:
    children: list[Token] = []
    for line in lines:
        if children:
            children.append(Token("hardbreak", "br", 0))
        children.append(Token("text", "", 0, content=line))
    inline = Token("inline", "", 0, content="\n".join(lines), children=children)
    return [Token("paragraph_open", "p", 1), inline, Token("paragraph_close", "p", -1)]


def _html_lines(source: str) -> list[str]:
    """The readable lines of an HTML block: tags dropped, entities decoded, blank lines gone."""
    return [line.strip() for line in _text(html_runs(source)).splitlines() if line.strip()]


# -- plain text ---------------------------------------------------------------


def plain_text(markdown: str) -> str:
    """`markdown` as plain text: no markers, tables aligned by display width, code indented."""
    root = tree(markdown)
    return "\n".join(_blocks(root.children, gap=True)).rstrip()


def _blocks(nodes: list[SyntaxTreeNode], gap: bool) -> list[str]:
    """Block nodes as lines; `gap` puts a blank line between blocks (not inside list items: compact)."""
    lines: list[str] = []
    for node in nodes:
        block = _block(node)
        if not block:
            continue
        if lines and gap:
            lines.append("")
        lines += block
    return lines


def _block(node: SyntaxTreeNode) -> list[str]:
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _text(runs(node)).split("\n")
    if kind in ("fence", "code_block"):
        return [CODE_INDENT + line if line else "" for line in node.content.rstrip("\n").split("\n")]
    if kind in ("bullet_list", "ordered_list"):
        return _list(node)
    if kind == "table":
        cells, aligns = table(node)
        return table_lines([[_text(cell).replace("\n", " ") for cell in row] for row in cells], aligns, rule="-")
    if kind == "blockquote":
        return ["> " + line if line else ">" for line in _blocks(node.children, gap=True)]
    if kind == "html_block":
        return _html_lines(node.content)
    if kind == "hr":
        return ["-" * 20]
    if kind == "footnote":
        label = f"[{node.meta['id'] + 1}] "
        return _indented(label, _blocks(node.children, gap=False))
    if kind == "front_matter":
        return []
    return _blocks(node.children, gap=True)  # footnote_block and anything unforeseen: its contents


def _list(node: SyntaxTreeNode) -> list[str]:
    start = int(node.attrs.get("start", 1))
    lines: list[str] = []
    for number, item in enumerate(node.children, start):
        marker = "- " if node.type == "bullet_list" else f"{number}. "
        lines += _indented(marker, _blocks(item.children, gap=False)) or [marker.rstrip()]
    return lines


def _indented(marker: str, body: list[str]) -> list[str]:
    """The first line after `marker`, the rest under it, so nested lists and code stay inside their item."""
    pad = " " * width(marker)
    return [(marker if i == 0 else pad) + line if line else "" for i, line in enumerate(body)]


def _text(found: list[dict]) -> str:
    """Runs as words: a link's URL after its text, unless the text is the URL."""
    parts = []
    for url, group in itertools.groupby(found, key=lambda run: run.get("url")):
        label = plain(list(group))
        parts.append(label if not url or label == url.removeprefix("mailto:") else f"{label} ({url})")
    return "".join(parts)

"""An answer's inline markdown as styled runs: the one inline reading that the Telegram, Slack and terminal
renderers share, over markdown-it-py's syntax tree of the notes reader's own setup (`bot.core.markdown`).

A run is a Slack rich-text element, `{"type": "text" | "link", "text", "style", "url"}`: styles are flags,
never markers, so no renderer can show a `**`. HTML left in notes becomes styles (b, i, code, s), line breaks
(br, p, div ...) or nothing, while a `<T>` that names no HTML element stays text. Markup that markdown could
not match is never shown: the `**` pairs CommonMark leaves open next to CJK punctuation (`**파드(Pod)**는`)
are bold, and a stray `**`, `__` or `|---|` rule is dropped.
"""

from __future__ import annotations

import html
import re

from markdown_it.token import Token
from markdown_it.tree import SyntaxTreeNode
from wcwidth import wcswidth, wcwidth

from bot.core.html_to_markdown import HTML_ELEMENTS
from bot.core.markdown import parse_markdown

STYLES = ("bold", "italic", "strike", "code")
SAFE_SCHEMES = ("http://", "https://", "mailto:")  # what a chat opens; a relative path or a script is text
_MARKDOWN_STYLES = {"strong": "bold", "em": "italic", "s": "strike"}
_HTML_STYLES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code", "kbd": "code",
                "tt": "code", "samp": "code", "s": "strike", "del": "strike", "strike": "strike"}
_HTML_BREAKS = {"br", "p", "div", "li", "tr", "pre", "details", "summary", "table", "ul", "ol",
                "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "dt", "dd"}
_TAG = re.compile(r"<!--[\s\S]*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
_STARS = re.compile(r"((?<!\*)\*\*(?!\*))")  # a longer run of stars is never paired: it is dropped
# Delimiters markdown left unmatched, and table rules that did not make a table, are dropped, not shown.
_RULE_LINE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?$\n?", re.MULTILINE)
_STRAY = re.compile(r"\*{2,}|_{2,}|\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?)?|\|(?=[ \t]*:?-{3})")


def tree(markdown: str) -> SyntaxTreeNode:
    """The markdown's syntax tree: blocks whose inline content `runs` reads."""
    return SyntaxTreeNode(parse_markdown(markdown))


def runs(node: SyntaxTreeNode, bold: bool = False) -> list[dict]:
    """The runs of a block that holds inline content (a paragraph, a heading, a table cell)."""
    inline = node.children[0].token if node.children else None
    return _trimmed(_Inline(bold).render(inline.children or [])) if inline is not None else []


def html_runs(content: str) -> list[dict]:
    """An HTML block as runs of its text."""
    inline = _Inline()
    inline.html(content)
    return _trimmed(clean(inline.runs))


def _trimmed(found: list[dict]) -> list[dict]:
    """Runs without the line breaks around them (an HTML tag's own, a `<div>` at the end)."""
    while found and not found[0]["text"].lstrip("\n"):
        found.pop(0)
    while found and not found[-1]["text"].rstrip("\n"):
        found.pop()
    if found:
        found[0]["text"] = found[0]["text"].lstrip("\n")
        found[-1]["text"] = found[-1]["text"].rstrip("\n")
    return found


def text_run(text: str, style: dict | None = None, url: str | None = None) -> dict:
    """One run: a link when `url` is given."""
    element = {"type": "link", "url": url, "text": text} if url else {"type": "text", "text": text}
    return {**element, "style": style} if style else element


def add(found: list[dict], run: dict) -> None:
    """Append a run, merged into the last one when only their texts differ."""
    if found and {**found[-1], "text": ""} == {**run, "text": ""}:
        found[-1]["text"] += run["text"]
    elif run["text"]:
        found.append(run)


def plain(found: list[dict]) -> str:
    return "".join(run["text"] for run in found)


def clean(found: list[dict]) -> list[dict]:
    """Runs without the markers markdown could not match, also where they form across two runs (`_` bold
    next to `_` plain), until none is left: removing `**` from `_**_` makes a `__`. Code keeps every
    character as typed, and no marker forms across it."""
    for run in found:
        if not run.get("style", {}).get("code"):
            run["text"] = _RULE_LINE.sub("", run["text"])
    while True:
        shown = "".join("\0" * len(run["text"]) if run.get("style", {}).get("code") else run["text"] for run in found)
        dropped = {at for match in _STRAY.finditer(shown) for at in range(*match.span())}
        if not dropped:
            break
        start = 0
        for run in found:
            text = run["text"]
            run["text"] = "".join(char for at, char in enumerate(text, start) if at not in dropped)
            start += len(text)
    out: list[dict] = []
    for run in found:
        add(out, run)
    return out


class _Inline:
    """One inline token's children as runs; styles are counters, so unbalanced HTML is harmless."""

    def __init__(self, bold: bool = False):
        self.depth = {style: int(style == "bold" and bold) for style in STYLES}
        self.runs: list[dict] = []
        self.url: str | None = None
        self.link_start = 0
        self.pairs = 0  # `**` left in the text that are paired as bold

    def text(self, text: str, **extra: bool) -> None:
        """Text in the current style, inside the current link if any."""
        style = {style: True for style in STYLES if self.depth[style] > 0 or extra.get(style)}
        add(self.runs, text_run(text, style, self.url))

    def render(self, tokens: list[Token]) -> list[dict]:
        """The runs of `tokens`, with stray markers left out."""
        markers = sum(len(_STARS.findall(token.content)) for token in tokens if token.type == "text")
        self.pairs = markers - markers % 2  # an odd one out is dropped
        for token in tokens:
            kind = token.type
            if kind == "text":
                self.stars(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self.text("\n")  # chat notes break lines where their authors did
            elif kind == "code_inline":
                self.text(token.content, code=True)
            elif kind.endswith("_open") and kind[:-5] in _MARKDOWN_STYLES:
                self.depth[_MARKDOWN_STYLES[kind[:-5]]] += 1
            elif kind.endswith("_close") and kind[:-6] in _MARKDOWN_STYLES:
                self.depth[_MARKDOWN_STYLES[kind[:-6]]] -= 1
            elif kind == "link_open":
                href = str(token.attrs.get("href", ""))
                self.url, self.link_start = (href if href.lower().startswith(SAFE_SCHEMES) else None), len(self.runs)
            elif kind == "link_close":
                if self.url and len(self.runs) == self.link_start:
                    self.text(self.url)  # `[](url)`: the url is the only text there is
                self.url = None
            elif kind == "image":
                self.image(token)
            elif kind == "html_inline":
                self.html(token.content)
            elif kind == "footnote_ref":
                self.text(f"[{token.meta['id'] + 1}]")
        return clean(self.runs)

    def stars(self, content: str) -> None:
        """Text in which CommonMark left `**` open (next to CJK punctuation): paired, they are bold."""
        for k, piece in enumerate(_STARS.split(content)):
            if k % 2 == 0:
                self.text(piece)
            elif self.pairs:
                self.pairs -= 1
                self.depth["bold"] += 1 if self.pairs % 2 else -1

    def image(self, token: Token) -> None:
        """An image as a link to it, its alt text as the label; a relative path cannot be opened, so alt only."""
        src, alt = str(token.attrs.get("src", "")), token.content
        if self.url is None and src.lower().startswith(("http://", "https://")):
            self.url = src
            self.text(alt or src)
            self.url = None
        else:
            self.text(alt)

    def html(self, content: str) -> None:
        """HTML as its text: b/i/code/s tags become styles, breaks become newlines, other tags are dropped."""
        at = 0
        for tag in _TAG.finditer(content):
            self.text(html.unescape(content[at : tag.start()]))
            at = tag.end()
            closing, name = tag.group(1), (tag.group(2) or "").lower()
            if name in _HTML_STYLES:
                style = _HTML_STYLES[name]
                self.depth[style] = max(0, self.depth[style] + (-1 if closing else 1))
            elif name in _HTML_BREAKS and (closing or name in ("br", "hr")):
                self.text("\n")
            elif name not in HTML_ELEMENTS and tag.group(2):
                self.text(tag.group())  # no HTML element's name: typed text, like a generic's `<T>`
        self.text(html.unescape(content[at:]))


# -- tables ----------------------------------------------------------------------------------------------


def table(node: SyntaxTreeNode) -> tuple[list[list[list[dict]]], list[str]]:
    """A table's rows of cells' runs (the header first, every row as wide as it) and its columns'
    alignments ("left", "center", "right")."""
    rows = [row for section in node.children for row in section.children]
    columns = len(rows[0].children)
    cells = [([runs(cell) for cell in row.children] + [[]] * columns)[:columns] for row in rows]
    return cells, [_align(cell) for cell in rows[0].children]


def _align(cell: SyntaxTreeNode) -> str:
    match = re.search(r"text-align:(\w+)", str(cell.attrs.get("style", "")))
    return match.group(1) if match else "left"


def width(text: str) -> int:
    """Columns `text` takes in a monospace font: Hangul, CJK and emoji take two."""
    columns = wcswidth(text)
    return columns if columns >= 0 else sum(max(wcwidth(char), 0) for char in text)


def table_lines(texts: list[list[str]], aligns: list[str], rule: str = "─") -> list[str]:
    """A table's cell texts as aligned monospace lines, a rule under the header."""
    widths = [max(width(row[k]) for row in texts) for k in range(len(texts[0]))]

    def line(row: list[str]) -> str:
        padded = []
        for text, columns, align in zip(row, widths, aligns):
            space = columns - width(text)
            left = space if align == "right" else space // 2 if align == "center" else 0
            padded.append(" " * left + text + " " * (space - left))
        return "  ".join(padded).rstrip()

    return [line(texts[0]), "  ".join(rule * columns for columns in widths), *map(line, texts[1:])]

"""An answer's markdown as Slack Block Kit, and as the short plain text of a message's `text` fallback.

Pure functions, no I/O. The markdown is read once by markdown-it-py (`bot.core.markdown`, the notes reader's
own setup) and its tokens are walked into rich_text blocks, with styles as flags on text elements rather than
mrkdwn markers: Slack's mrkdwn only formats `*bold*` at word boundaries, so `*Pod*는` would show its stars,
and text elements carry no markup a member could ever see. Tables become Slack's table block where they fit
its documented limits, otherwise aligned preformatted text.
"""

from __future__ import annotations

import html
import re

from markdown_it.token import Token
from wcwidth import wcswidth

from bot.core.markdown import parse_markdown

SLACK_LIMIT = 3000  # characters: a section's text; we hold every block's text to it too
SLACK_MAX_BLOCKS = 50  # blocks in one message
MESSAGE_LIMIT = 12_000  # text characters in one message: the markdown block's documented total, kept for all
TABLE_MAX_ROWS = 100  # the table block's documented limits; Slack also takes one table per message
TABLE_MAX_COLUMNS = 20
ELLIPSIS = "…"
STYLES = ("bold", "italic", "strike", "code")
_SCHEMES = ("http://", "https://", "mailto:")
_MARKDOWN_STYLES = {"strong": "bold", "em": "italic", "s": "strike"}
_HTML_STYLES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "code": "code", "kbd": "code",
                "tt": "code", "samp": "code", "s": "strike", "del": "strike", "strike": "strike"}
_HTML_BREAKS = {"br", "p", "div", "li", "tr", "pre", "details", "summary", "table", "ul", "ol",
                "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "dt", "dd"}
# Names of HTML elements: a tag with one of them is markup and never shown; `List<String>` stays as typed.
HTML_NAMES = frozenset({*_HTML_STYLES, *_HTML_BREAKS, "a", "abbr", "span", "sup", "sub", "u", "ins", "mark",
                        "small", "big", "img", "thead", "tbody", "tfoot", "td", "th", "caption", "col",
                        "colgroup", "dl", "font", "center", "section", "article", "header", "footer", "main",
                        "nav", "aside", "figure", "figcaption", "q", "cite", "wbr", "video", "audio", "source",
                        "picture", "iframe", "script", "style", "input", "label", "button", "html", "body"})
_TAG = re.compile(r"<!--[\s\S]*?-->|<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^<>]*>")
# Delimiters markdown left unmatched, and table rules that did not make a table, are dropped, not shown.
_RULE_LINE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+[ \t]*(?::?-+:?[ \t]*)?$\n?", re.MULTILINE)
_STRAY = re.compile(r"\*{2,}|_{2,}|\|?(?:[ \t]*:?-{3,}:?[ \t]*\|)+(?:[ \t]*:?-{3,}:?)?|\|(?=[ \t]*:?-{3})")


def _without_stray(text: str) -> str:
    """Text without unmatched delimiters, until none is left: removing `**` from `_**_` makes a `__`."""
    while (cleaner := _STRAY.sub("", text)) != text:
        text = cleaner
    return text


def _text(text: str, style: dict | None = None, url: str | None = None) -> dict:
    """One rich text element: a link when `url` is given."""
    element = {"type": "link", "url": url, "text": text} if url else {"type": "text", "text": text}
    return {**element, "style": style} if style else element


def _add(runs: list[dict], element: dict) -> None:
    """Append an element, merged into the last one when only their texts differ."""
    if runs and {**runs[-1], "text": ""} == {**element, "text": ""}:
        runs[-1]["text"] += element["text"]
    elif element["text"]:
        runs.append(element)


class _Inline:
    """One inline token's children as rich text elements; styles are counters, so unbalanced HTML is harmless."""

    def __init__(self, base: tuple[str, ...] = ()):
        self.depth = {style: int(style in base) for style in STYLES}
        self.runs: list[dict] = []
        self.url: str | None = None
        self.link_start = 0

    def style(self, **extra: bool) -> dict:
        """The styles in force, as Slack's style object."""
        return {style: True for style in STYLES if self.depth[style] > 0 or extra.get(style)}

    def text(self, text: str, **extra: bool) -> None:
        """Text in the current style, inside the current link if any."""
        _add(self.runs, _text(text, self.style(**extra), self.url))

    def render(self, tokens: list[Token]) -> list[dict]:
        """The elements of `tokens`, with stray markers left out."""
        for token in tokens:
            kind = token.type
            if kind == "text":
                self.text(token.content)
            elif kind in ("softbreak", "hardbreak"):
                self.text("\n")
            elif kind == "code_inline":
                self.text(token.content, code=True)
            elif kind.endswith("_open") and kind[:-5] in _MARKDOWN_STYLES:
                self.depth[_MARKDOWN_STYLES[kind[:-5]]] += 1
            elif kind.endswith("_close") and kind[:-6] in _MARKDOWN_STYLES:
                self.depth[_MARKDOWN_STYLES[kind[:-6]]] -= 1
            elif kind == "link_open":
                href = str(token.attrs.get("href", ""))
                # Only schemes Slack opens safely become links; any other shows its text alone.
                self.url, self.link_start = (href if href.lower().startswith(_SCHEMES) else None), len(self.runs)
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
            elif name not in HTML_NAMES and tag.group(2):
                self.text(tag.group())  # not HTML but typed text, like a generic's `<T>`
        self.text(html.unescape(content[at:]))


def clean(runs: list[dict]) -> list[dict]:
    """Runs without the markers markdown could not match; code keeps every character as typed."""
    out: list[dict] = []
    for run in runs:
        if not run.get("style", {}).get("code"):
            run["text"] = _without_stray(_RULE_LINE.sub("", run["text"]))
        _add(out, run)
        if out and not out[-1].get("style", {}).get("code"):  # a merge can join two halves of a marker
            out[-1]["text"] = _without_stray(out[-1]["text"])
    return [run for run in out if run["text"]]


def _strip(runs: list[dict]) -> list[dict]:
    """Runs without leading and trailing line breaks (an HTML block's own newlines)."""
    while runs and not runs[0]["text"].lstrip("\n"):
        runs.pop(0)
    while runs and not runs[-1]["text"].rstrip("\n"):
        runs.pop()
    if runs:
        runs[0]["text"], runs[-1]["text"] = runs[0]["text"].lstrip("\n"), runs[-1]["text"].rstrip("\n")
    return runs


def _section(runs: list[dict]) -> dict:
    return {"type": "rich_text_section", "elements": runs}


class _Walker:
    """Block tokens as a flat list of pieces: rich text elements, grids (a table's rows of cells) and dividers."""

    def __init__(self) -> None:
        self.pieces: list[dict] = []
        self.lists: list[dict] = []  # open lists: their style, items emitted and current element
        self.item: dict | None = None  # the list item section being filled
        self.quote: dict | None = None
        self.quotes = 0
        self.table: dict | None = None
        self.heading = False
        self.prefix = ""  # a footnote's number, put before its first paragraph

    def walk(self, tokens: list[Token]) -> list[dict]:
        """Every block token in order; returns the pieces."""
        for token in tokens:
            handler = getattr(self, "on_" + token.type, None)
            if handler is not None:
                handler(token)
        return self.pieces

    def put(self, runs: list[dict], separator: str = "\n") -> None:
        """Inline runs where the walk stands: a table cell, a quote, a list item or a new paragraph."""
        if self.prefix:
            runs, self.prefix = [_text(self.prefix), *runs], ""
        if self.table is not None:
            self.table["cell"].extend(runs)
        elif self.quote is not None:
            if self.quote["elements"]:
                _add(self.quote["elements"], _text(separator))
            # Slack quotes hold only inline text: a list in a quote keeps its bullets as text.
            depth = len(self.lists) - self.quote["lists"]  # lists opened inside the quote
            for run in ([_text("  " * (depth - 1) + "• ")] if depth > 0 else []) + runs:
                _add(self.quote["elements"], run)
        elif self.item is not None:
            if self.item["elements"]:
                _add(self.item["elements"], _text(separator))
            for run in runs:
                _add(self.item["elements"], run)
        elif runs:
            self.pieces.append(_section(runs))

    def on_inline(self, token: Token) -> None:
        self.put(_Inline(("bold",) if self.heading else ()).render(token.children or []))

    def on_heading_open(self, token: Token) -> None:
        self.heading = True

    def on_heading_close(self, token: Token) -> None:
        self.heading = False

    def on_html_block(self, token: Token) -> None:
        inline = _Inline()
        inline.html(token.content)
        if runs := _strip(clean(inline.runs)):
            self.put(runs)

    def on_fence(self, token: Token) -> None:
        code = token.content.rstrip("\n")
        if not code.strip():
            return
        if self.quote is not None or self.table is not None:
            self.put([_text(code, {"code": True})])
        else:
            self.pieces.append({"type": "rich_text_preformatted", "elements": [_text(code)]})
            self.item = None  # Slack list items hold no code: what follows in the item comes after it

    on_code_block = on_fence

    def on_hr(self, token: Token) -> None:
        if self.quote is None:
            self.pieces.append({"type": "divider"})

    def on_blockquote_open(self, token: Token) -> None:
        self.quotes += 1
        self.item = None  # what follows the quote in a list item comes after it, not in the item
        if self.quote is None:  # Slack has no nested quotes: an inner one joins the outer
            self.quote = {"type": "rich_text_quote", "elements": [], "lists": len(self.lists)}

    def on_blockquote_close(self, token: Token) -> None:
        self.quotes -= 1
        if self.quotes == 0 and self.quote is not None:
            if self.quote.pop("lists") is not None and self.quote["elements"]:
                self.pieces.append(self.quote)
            self.quote = None

    def on_bullet_list_open(self, token: Token) -> None:
        start = int(token.attrs.get("start", 1) or 1) if token.type == "ordered_list_open" else 1
        style = "ordered" if token.type == "ordered_list_open" else "bullet"
        self.lists.append({"style": style, "emitted": start - 1, "element": None})

    on_ordered_list_open = on_bullet_list_open

    def on_bullet_list_close(self, token: Token) -> None:
        self.lists.pop()

    on_ordered_list_close = on_bullet_list_close

    def on_list_item_open(self, token: Token) -> None:
        if self.quote is not None:
            return
        level = self.lists[-1]
        # A nested list or a code block since the last item ends this list element: continue in a new one.
        if not self.pieces or self.pieces[-1] is not level["element"]:
            level["element"] = {"type": "rich_text_list", "style": level["style"], "elements": []}
            if len(self.lists) > 1:
                level["element"]["indent"] = len(self.lists) - 1
            if level["style"] == "ordered" and level["emitted"]:
                level["element"]["offset"] = level["emitted"]
            self.pieces.append(level["element"])
        self.item = _section([])
        level["element"]["elements"].append(self.item)
        level["emitted"] += 1

    def on_list_item_close(self, token: Token) -> None:
        self.item = None

    def on_table_open(self, token: Token) -> None:
        self.item = None
        self.table = {"rows": [], "align": [], "cell": []}

    def on_tr_open(self, token: Token) -> None:
        self.table["rows"].append([])

    def on_th_open(self, token: Token) -> None:
        self.table["cell"] = []
        if len(self.table["rows"]) == 1:
            match = re.search(r"text-align:(\w+)", str(token.attrs.get("style", "")))
            self.table["align"].append(match.group(1) if match else "left")

    on_td_open = on_th_open

    def on_th_close(self, token: Token) -> None:
        self.table["rows"][-1].append(self.table["cell"])

    on_td_close = on_th_close

    def on_table_close(self, token: Token) -> None:
        self.pieces.append({"type": "grid", "rows": self.table["rows"], "align": self.table["align"]})
        self.table = None

    def on_footnote_block_open(self, token: Token) -> None:
        self.pieces.append({"type": "divider"})

    def on_footnote_open(self, token: Token) -> None:
        self.prefix = f"[{token.meta['id'] + 1}] "


def _pieces(markdown: str) -> list[dict]:
    """The answer as pieces, empty list items and lists dropped (Slack refuses empty sections)."""
    pieces = []
    for piece in _Walker().walk(parse_markdown(markdown)):
        if piece["type"] == "rich_text_list":
            piece["elements"] = [item for item in piece["elements"] if _size(item)]
        if piece["type"] in ("divider", "grid") or _size(piece):
            pieces.append(piece)
    while pieces and pieces[-1]["type"] == "divider":
        pieces.pop()
    return pieces


def _size(element: dict) -> int:
    """Characters of text a member sees in an element, a block or a table piece."""
    if "text" in element and isinstance(element["text"], str):
        return len(element["text"])
    if element["type"] == "grid":
        return sum(_size(run) for row in element["rows"] for cell in row for run in cell)
    return sum(_size(child) for child in element.get("elements", []))


def _plain(runs: list[dict]) -> str:
    return "".join(run["text"] for run in runs)


def _width(text: str) -> int:
    """Columns `text` takes in a monospace font: Hangul and CJK take two."""
    width = wcswidth(text)
    return width if width >= 0 else len(text)


def _table_text(piece: dict) -> str:
    """A table as aligned monospace lines, a rule of box characters under its header."""
    rows = [[_plain(cell).replace("\n", " ").strip() for cell in row] for row in piece["rows"]]
    columns = max(map(len, rows))
    rows = [row + [""] * (columns - len(row)) for row in rows]
    widths = [max(_width(row[k]) for row in rows) for k in range(columns)]
    aligns = piece["align"] + ["left"] * columns

    def line(row: list[str]) -> str:
        cells = [(" " * (widths[k] - _width(cell)) + cell if aligns[k] == "right" else
                  cell + " " * (widths[k] - _width(cell))) for k, cell in enumerate(row)]
        return "  ".join(cells).rstrip()

    rule = "  ".join("─" * width for width in widths)
    return "\n".join([line(rows[0]), rule, *map(line, rows[1:])])


def _table_block(piece: dict) -> dict:
    """A table block: rich text cells, the header row bold, columns wrapped and aligned as the markdown says."""
    def cell(runs: list[dict], bold: bool) -> dict:
        runs = [{**run, "style": {**run.get("style", {}), "bold": True}} if bold else run for run in runs]
        return {"type": "rich_text", "elements": [_section(runs or [_text(" ")])]}  # Slack refuses empty cells

    columns = len(piece["rows"][0])
    rows = [[cell(runs, k == 0) for runs in row] + [cell([], False)] * (columns - len(row))
            for k, row in enumerate(piece["rows"])]
    settings = [{"is_wrapped": True, **({"align": align} if align != "left" else {})} for align in piece["align"]]
    return {"type": "table", "rows": rows, "column_settings": settings}


def _cut(runs: list[dict], limit: int) -> list[list[dict]]:
    """Runs in groups of at most `limit` characters, a long text cut at a line break or a space if it can."""
    groups: list[list[dict]] = [[]]
    room = limit
    for run in runs:
        text = run["text"]
        while text:
            if len(text) <= room:
                groups[-1].append({**run, "text": text})
                room -= len(text)
                break
            head = text[:room]
            at = max(head.rfind("\n"), head.rfind(" ")) + 1 or room
            if at < room // 2 and groups[-1]:
                at = 0  # a break far back would leave a short piece: start the next group instead
            if at:
                groups[-1].append({**run, "text": text[:at]})
            groups.append([])
            text, room = text[at:], limit
    return [group for group in groups if group]


def _fit(piece: dict, limit: int) -> list[dict]:
    """A piece as pieces of at most `limit` characters each."""
    if _size(piece) <= limit or piece["type"] == "divider":
        return [piece]
    if piece["type"] != "rich_text_list":
        return [{**piece, "elements": group} for group in _cut(piece["elements"], limit)]
    lists, size = [], limit + 1
    for item in piece["elements"]:
        for part in _cut(item["elements"], limit):
            if size + _size(_section(part)) > limit:
                offset = piece.get("offset", 0) + sum(len(done["elements"]) for done in lists)
                ordered = offset and piece["style"] == "ordered"
                lists.append({**piece, "elements": [], **({"offset": offset} if ordered else {})})
                size = 0
            lists[-1]["elements"].append(_section(part))
            size += _size(_section(part))
    return lists


def _blocks(pieces: list[dict], limit: int) -> list[dict]:
    """Pieces packed into blocks of at most `limit` characters; the message's first fitting table is a table."""
    blocks: list[dict] = []
    tabled = False
    for piece in pieces:
        if piece["type"] == "grid":
            rows, columns = len(piece["rows"]), max(map(len, piece["rows"]))
            if not tabled and rows <= TABLE_MAX_ROWS and columns <= TABLE_MAX_COLUMNS and _size(piece) <= limit:
                blocks.append(_table_block(piece))
                tabled = True
                continue
            piece = {"type": "rich_text_preformatted", "elements": [_text(_table_text(piece))]}
        if piece["type"] == "divider":
            blocks.append(piece)
            continue
        for part in _fit(piece, limit):
            last = blocks[-1] if blocks else None
            if last is None or last["type"] != "rich_text" or _size(last) + _size(part) > limit:
                blocks.append({"type": "rich_text", "elements": []})
            elements = blocks[-1]["elements"]
            if elements and elements[-1]["type"] == part["type"] == "rich_text_section":
                _add(elements[-1]["elements"], _text("\n"))  # a blank line between paragraphs
            elements.append(part)
    return blocks


def _mark_cut(block: dict) -> dict:
    """A block ending in "…" to say more was left out; a table or divider gives way to the mark."""
    if block["type"] != "rich_text":
        return {"type": "rich_text", "elements": [_section([_text(ELLIPSIS)])]}
    last = block["elements"][-1]
    runs = last["elements"][-1]["elements"] if last["type"] == "rich_text_list" else last["elements"]
    _add(runs, _text(ELLIPSIS))
    return block


def answer_blocks(
    markdown: str, *, header: str | None = None, max_blocks: int = SLACK_MAX_BLOCKS, reserve: int = 0
) -> list[dict]:
    """Markdown as Block Kit blocks, after an optional header (markdown too, kept to one block).

    `reserve` blocks are left free for the caller's actions. An answer needing more blocks, or more text than
    MESSAGE_LIMIT, is cut: the last block kept ends with "…". Raises ValueError if no answer block fits.
    """
    room = max_blocks - reserve - (1 if header else 0)
    if room < 1:
        raise ValueError(f"max_blocks={max_blocks} with reserve={reserve} leaves no room for the answer")
    # One character of every block is kept free for the "…" of a cut.
    head = _blocks(_pieces(header), SLACK_LIMIT - 1)[:1] if header else []
    if head and head[0]["type"] != "rich_text":
        head = []
    budget = MESSAGE_LIMIT - sum(map(_size, head))
    blocks, cut = [], False
    for block in _blocks(_pieces(markdown), SLACK_LIMIT - 1):
        if len(blocks) == room or budget - _size(block) < 1:
            cut = True
            break
        blocks.append(block)
        budget -= _size(block)
    if cut and blocks:
        blocks[-1] = _mark_cut(blocks[-1])
    return head + blocks


def _piece_text(piece: dict) -> str:
    """A piece as plain lines."""
    if piece["type"] == "grid":
        return "\n".join(" | ".join(_plain(cell).strip() for cell in row) for row in piece["rows"])
    if piece["type"] == "rich_text_list":
        marks = (f"{piece.get('offset', 0) + k + 1}. " if piece["style"] == "ordered" else "• "
                 for k in range(len(piece["elements"])))
        indent = "  " * piece.get("indent", 0)
        return "\n".join(indent + mark + _plain(item["elements"]) for mark, item in zip(marks, piece["elements"]))
    return _plain(piece.get("elements", []))


def plain_text(markdown: str, limit: int = SLACK_LIMIT) -> str:
    """Markdown as short plain text for a message's `text` fallback (notifications), at most `limit` chars.

    Markers are left out, `&`, `<` and `>` escaped; longer text is cut, never inside an entity, and ends in "…".
    """
    if limit < 1:
        raise ValueError(f"limit {limit} cannot hold any text")
    lines = (_piece_text(piece) for piece in _pieces(markdown))
    text = "\n".join(line for line in lines if line.strip())
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    return re.sub(r"&[a-z]{0,3}$", "", escaped[: limit - 1]).rstrip() + ELLIPSIS

"""An answer's markdown as Slack Block Kit, and as the short plain text of a message's `text` fallback.

Pure functions, no I/O. The blocks come from markdown-it-py's syntax tree, their text from the styled runs
every renderer shares (`bot.adapters.rich_runs`): rich_text blocks whose text elements carry styles as
flags rather than mrkdwn markers. Slack's mrkdwn only formats `*bold*` at word boundaries, so `*Pod*는` would
show its stars; a style flag always shows as bold. The first table that fits the table block's documented
limits is a table block, any other is aligned preformatted text. An answer too long for one message goes on
in follow-up messages.
"""

from __future__ import annotations

import functools
import json
import re

from markdown_it.tree import SyntaxTreeNode

from bot.adapters.rich_runs import add, html_runs, plain, runs, table, table_lines, text_run, tree

SLACK_LIMIT = 3000  # characters: a section's text; we hold every block's text to it too
SLACK_MAX_BLOCKS = 50  # blocks in one message
MESSAGE_LIMIT = 12_000  # text characters in one message: the markdown block's documented total, kept for all
TABLE_MAX_ROWS = 100  # the table block's documented limits; Slack also takes one table per message
TABLE_MAX_COLUMNS = 20
ELLIPSIS = "…"
_LISTS = ("bullet_list", "ordered_list")


def _section(found: list[dict]) -> dict:
    return {"type": "rich_text_section", "elements": found}


def _extend(found: list[dict], more: list[dict], separator: str = "\n") -> None:
    """Runs appended to runs, on a new line."""
    if found and more:
        add(found, text_run(separator))
    for run in more:
        add(found, run)


def _code(node: SyntaxTreeNode) -> str:
    code = node.content.rstrip("\n")
    return code if code.strip() else ""


def _inline(node: SyntaxTreeNode) -> list[dict] | None:
    """The runs of a block of text (a paragraph, heading or HTML), None for any other block."""
    if node.type in ("paragraph", "heading"):
        return runs(node, bold=node.type == "heading")
    return html_runs(node.content) if node.type == "html_block" else None


def _quote(nodes: list[SyntaxTreeNode], depth: int = 0) -> list[dict]:
    """A quote's text: Slack quotes hold only inline text, so lists keep their bullets as text, code is
    code-styled text, a table is aligned code text, and a nested quote joins the outer one."""
    found: list[dict] = []
    for node in nodes:
        if (text := _inline(node)) is not None:
            _extend(found, text)
        elif node.type in ("fence", "code_block") and _code(node):
            _extend(found, [text_run(_code(node), {"code": True})])
        elif node.type == "table":
            cells, aligns = table(node)
            lines = table_lines([[plain(cell).replace("\n", " ") for cell in row] for row in cells], aligns)
            _extend(found, [text_run("\n".join(lines), {"code": True})])
        elif node.type in _LISTS:
            for item in node.children:
                _extend(found, [text_run("  " * depth + "• "), *_quote(item.children, depth + 1)])
        else:
            _extend(found, _quote(node.children, depth))
    return found


class _Pieces:
    """Block nodes as a flat list of pieces: rich text elements, grids (a table's rows of cells) and dividers."""

    def __init__(self) -> None:
        self.pieces: list[dict] = []

    def blocks(self, nodes: list[SyntaxTreeNode], depth: int = 0) -> list[dict]:
        for node in nodes:
            self.block(node, depth)
        return self.pieces

    def block(self, node: SyntaxTreeNode, depth: int) -> None:
        kind = node.type
        if (found := _inline(node)) is not None:
            if found:
                self.pieces.append(_section(found))
        elif kind in ("fence", "code_block"):
            if code := _code(node):
                self.pieces.append({"type": "rich_text_preformatted", "elements": [text_run(code)]})
        elif kind == "hr":
            self.pieces.append({"type": "divider"})
        elif kind == "table":
            cells, aligns = table(node)
            self.pieces.append({"type": "grid", "rows": cells, "align": aligns})
        elif kind == "blockquote":
            if found := _quote(node.children):
                self.pieces.append({"type": "rich_text_quote", "elements": found})
        elif kind in _LISTS:
            self.list(node, depth)
        elif kind == "footnote_block":
            self.pieces.append({"type": "divider"})
            for number, note in enumerate(node.children, 1):
                text = [run for child in note.children for run in (_inline(child) or [])]
                self.pieces.append(_section([text_run(f"[{number}] "), *text]))
        else:
            self.blocks(node.children, depth)

    def list(self, node: SyntaxTreeNode, depth: int) -> None:
        """A list as rich_text_list elements; a nested list or code block ends one, the list goes on in the next
        (at its offset), and what follows them in an item comes after them, not in the item."""
        ordered = node.type == "ordered_list"
        done = int(node.attrs.get("start", 1) or 1) - 1 if ordered else 0
        element: dict | None = None
        for item in node.children:
            if not self.pieces or self.pieces[-1] is not element:
                element = {"type": "rich_text_list", "style": "ordered" if ordered else "bullet", "elements": [],
                           **({"indent": depth} if depth else {}), **({"offset": done} if ordered and done else {})}
                self.pieces.append(element)
            section: dict | None = _section([])
            element["elements"].append(section)
            done += 1
            for child in item.children:
                if section is not None and (found := _inline(child)) is not None:
                    _extend(section["elements"], found)
                else:
                    section = None
                    self.block(child, depth + 1)


def _pieces(markdown: str) -> list[dict]:
    """The answer as pieces, empty list items and lists dropped (Slack refuses empty sections)."""
    pieces = []
    for piece in _Pieces().blocks(tree(markdown).children):
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


def _table_block(piece: dict) -> dict:
    """A table block: rich text cells, the header row bold, columns wrapped and aligned as the markdown says."""
    def cell(found: list[dict], bold: bool) -> dict:
        found = [{**run, "style": {**run.get("style", {}), "bold": True}} if bold else run for run in found]
        return {"type": "rich_text", "elements": [_section(found or [text_run(" ")])]}  # Slack refuses empty cells

    rows = [[cell(found, k == 0) for found in row] for k, row in enumerate(piece["rows"])]
    settings = [{"is_wrapped": True, **({"align": align} if align != "left" else {})} for align in piece["align"]]
    return {"type": "table", "rows": rows, "column_settings": settings}


def _cut(found: list[dict], limit: int) -> list[list[dict]]:
    """Runs in groups of at most `limit` characters, a long text cut at a line break or a space if it can."""
    groups: list[list[dict]] = [[]]
    room = limit
    for run in found:
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
    """Pieces packed into blocks of at most `limit` characters; the answer's first fitting table is a table."""
    blocks: list[dict] = []
    tabled = False
    for piece in pieces:
        if piece["type"] == "grid":
            rows, columns = len(piece["rows"]), len(piece["rows"][0])
            if not tabled and rows <= TABLE_MAX_ROWS and columns <= TABLE_MAX_COLUMNS and _size(piece) <= limit:
                blocks.append(_table_block(piece))
                tabled = True
                continue
            texts = [[plain(cell).replace("\n", " ").strip() for cell in row] for row in piece["rows"]]
            piece = {"type": "rich_text_preformatted", "elements": [text_run("\n".join(table_lines(texts, piece["align"])))]}
        if piece["type"] == "divider":
            blocks.append(piece)
            continue
        for part in _fit(piece, limit):
            last = blocks[-1] if blocks else None
            if last is None or last["type"] != "rich_text" or _size(last) + _size(part) > limit:
                blocks.append({"type": "rich_text", "elements": []})
            elements = blocks[-1]["elements"]
            if elements and elements[-1]["type"] == part["type"] == "rich_text_section":
                add(elements[-1]["elements"], text_run("\n"))  # a blank line between paragraphs
            elements.append(part)
    return blocks


def answer_messages(markdown: str, *, reserve: int = 0, max_blocks: int = SLACK_MAX_BLOCKS) -> list[list[dict]]:
    """Markdown as the blocks of one message or more, each within Block Kit's limits (`max_blocks` blocks,
    MESSAGE_LIMIT characters, one character of each block and message kept free for a "…"); the last
    message leaves `reserve` blocks free for the caller's buttons. Empty markdown gives no message."""
    if max_blocks - reserve < 1:
        raise ValueError(f"max_blocks={max_blocks} with reserve={reserve} leaves no room for the answer")
    messages: list[list[dict]] = [[]]
    size = 0
    for block in _blocks(_pieces(markdown), SLACK_LIMIT - 1):
        if messages[-1] and (len(messages[-1]) == max_blocks or size + _size(block) > MESSAGE_LIMIT - 1):
            messages.append([])
            size = 0
        messages[-1].append(block)
        size += _size(block)
    if len(messages[-1]) > max_blocks - reserve:
        messages.append(messages[-1][max_blocks - reserve:])
        del messages[-2][max_blocks - reserve:]
    return messages if messages[0] else []


def answer_blocks(markdown: str, *, max_blocks: int = SLACK_MAX_BLOCKS, reserve: int = 0) -> list[dict]:
    """Markdown as the blocks of one message, `reserve` of `max_blocks` left free: what does not fit is
    left out, and the last block kept ends with "…" to say so (a table or divider gives way to the mark)."""
    return json.loads(_answer_blocks_json(markdown, max_blocks, reserve))  # a copy of its own: callers add to it


@functools.lru_cache(maxsize=1024)
def _answer_blocks_json(markdown: str, max_blocks: int, reserve: int) -> str:
    # The morning fan-out posts the day's few questions to thousands of channels: each is rendered once.
    return json.dumps(_answer_blocks(markdown, max_blocks, reserve), ensure_ascii=False)


def _answer_blocks(markdown: str, max_blocks: int, reserve: int) -> list[dict]:
    if max_blocks <= reserve:
        raise ValueError(f"max_blocks={max_blocks} with reserve={reserve} leaves no room for the answer")
    messages = answer_messages(markdown, max_blocks=max_blocks - reserve)
    if len(messages) < 2:
        return messages[0] if messages else []
    blocks = messages[0]
    last = blocks[-1]
    if last["type"] != "rich_text":
        blocks[-1] = {"type": "rich_text", "elements": [_section([text_run(ELLIPSIS)])]}
    else:
        element = last["elements"][-1]
        add(element["elements"][-1]["elements"] if element["type"] == "rich_text_list" else element["elements"],
            text_run(ELLIPSIS))
    return blocks


def _piece_text(piece: dict) -> str:
    """A piece as plain lines."""
    if piece["type"] == "grid":
        return "\n".join(" | ".join(plain(cell).strip() for cell in row) for row in piece["rows"])
    if piece["type"] == "rich_text_list":
        marks = (f"{piece.get('offset', 0) + k + 1}. " if piece["style"] == "ordered" else "• "
                 for k in range(len(piece["elements"])))
        indent = "  " * piece.get("indent", 0)
        return "\n".join(indent + mark + plain(item["elements"]) for mark, item in zip(marks, piece["elements"]))
    return plain(piece.get("elements", []))


@functools.lru_cache(maxsize=1024)
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

"""Markdown to Telegram HTML (parse_mode HTML), and that HTML cut into messages that fit Telegram's limit.

Pure functions, no I/O. The markdown's blocks come from markdown-it-py's syntax tree and their text from the
styled runs every renderer shares (`bot.adapters.rich_runs`). The output obeys the Bot API "Formatting
options": only its tags, entities escaped, proper nesting, code never inside bold, italic, strike or links
(a run is code or styled, never both), and blockquotes never nested. Messages are cut at 4,096 UTF-16 units,
at block boundaries first, with open tags closed at the end of a part and reopened at the start of the next.

Layout choices, for a phone screen:
- Paragraphs are separated by a blank line; headings are bold lines; lists use "• " and "1. ", nested lists
  are indented by two figure spaces (U+2007, as wide as a digit, so "1. " and "• " line up) per level.
- Tables: an aligned monospace `<pre>` block (display width: Hangul, CJK and emoji are two columns) when at
  most 40 columns wide (what a phone shows of a monospace block); a wider one becomes, per row, "header:
  value" lines (header bold), rows separated by a blank line.
- Long answers: above 1,000 visible characters everything after the first block (and before a short closing
  line such as "How did you do?") goes into one `<blockquote expandable>`, so the chat stays readable; not
  when the body holds a quote of its own (quotes cannot nest).
- Spoilers (answers revealed in groups): Telegram cannot show code inside a spoiler, so there code is plain
  text and tables are "header: value" lines; the spoiler goes inside quotes, never around.
"""

from __future__ import annotations

import functools
import html as htmllib
import itertools
import re

from markdown_it.tree import SyntaxTreeNode

from bot.adapters.rich_runs import add, html_runs, plain, runs, table, table_lines, tree, width

TELEGRAM_LIMIT = 4096
PHONE_COLUMNS = 40  # widest monospace table shown as a table
EXPAND_OVER = 1000  # visible characters above which the body goes into an expandable quote
_CLOSING_LINE = 80  # a last paragraph this short stays outside the expandable quote
_INDENT = "\u2007\u2007"
_LANGUAGE = re.compile(r"[\w+#.-]+")
_TAGS_OF = (("bold", "b"), ("italic", "i"), ("strike", "s"))
_HTML_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|[\s\S]")
_TAG_NAME = re.compile(r"</?([\w-]+)")
_TAGS = re.compile(r"<[^<>]*>")
_PARAGRAPH = "\n\n"
_END_OF_TEXT = 4  # quality of a cut at the end of the text, above paragraph (3), line (2), space (1), other (0)


def escape(text: str, attribute: bool = False) -> str:
    """Escape text for Telegram HTML; quotes too inside an attribute value."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


def _visible(html: str) -> str:
    """The text a member sees of rendered HTML."""
    return htmllib.unescape(_TAGS.sub("", html))


def _html(found: list[dict], plain_code: bool = False) -> str:
    """Runs as HTML; a link's code, and with `plain_code` all code, shows as text."""
    out = []
    for url, group in itertools.groupby(found, key=lambda run: run.get("url")):
        shown: list[dict] = []
        for run in group:  # runs that differ only by code shown as text are one text
            code = run.get("style", {}).get("code") and not (plain_code or url)
            add(shown, {**run, "style": {**run.get("style", {}), "code": bool(code)}})
        inner = "".join(map(_run, shown))
        out.append(f'<a href="{escape(url, attribute=True)}">{inner}</a>' if url else inner)
    return "".join(out)


def _run(run: dict) -> str:
    text, style = escape(run["text"]), run.get("style", {})
    if style.get("code"):
        return f"<code>{text}</code>"
    for name, tag in _TAGS_OF:
        if style.get(name) and text.strip():
            text = f"<{tag}>{text}</{tag}>"
    return text


def _bold(found: list[dict]) -> list[dict]:
    return [{**run, "style": {**run.get("style", {}), "bold": True}} for run in found]


def _table(node: SyntaxTreeNode, spoiler: bool) -> str:
    """A table as an aligned <pre> block, or as "header: value" lines when wider than a phone."""
    cells, aligns = table(node)
    texts = [[plain(cell).replace("\n", " ").strip() for cell in row] for row in cells]
    lines = table_lines(texts, aligns)
    if not spoiler and width(lines[1]) <= PHONE_COLUMNS:
        return f"<pre>{escape(chr(10).join(lines))}</pre>"
    names = [_html(_bold(cell), spoiler).strip() for cell in cells[0]]
    records = ["\n".join(f"{name}: {value}" if _visible(name).strip() else value
                         for name, value in zip(names, (_html(cell, spoiler).strip() for cell in row))
                         if _visible(value).strip())
               for row in cells[1:]]
    return _PARAGRAPH.join(r for r in records if r) or " · ".join(names)


def _pre(code: str, info: str, spoiler: bool) -> str:
    """A code block as <pre><code class="language-x">, or as plain text under a spoiler."""
    code = code.rstrip("\n")
    if not code.strip():
        return ""
    if spoiler:
        return escape(code)
    language = (info.split() or [""])[0]
    attribute = f' class="language-{language}"' if _LANGUAGE.fullmatch(language) else ""
    return f"<pre><code{attribute}>{escape(code)}</code></pre>"


def _list(node: SyntaxTreeNode, depth: int, spoiler: bool) -> str:
    """A list, one item per line, nested lists and continuation lines indented by level."""
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else None
    indent, deeper = _INDENT * depth, _INDENT * (depth + 1)
    items = []
    for k, item in enumerate(node.children):
        pieces = []
        for child in item.children:
            piece = _block(child, depth + 1, spoiler, nested=True)
            if piece and child.type not in ("bullet_list", "ordered_list", "fence", "code_block", "table"):
                piece = piece.replace("\n", "\n" + deeper)
                piece = piece if not pieces else deeper + piece
            if piece:
                pieces.append(piece)
        items.append(indent + (f"{start + k}. " if start is not None else "• ") + "\n".join(pieces))
    # A loose list (blank lines between items in the notes) keeps its air; a tight one stays compact.
    loose = any(child.type == "paragraph" and not child.hidden for item in node.children for child in item.children)
    return (_PARAGRAPH if loose else "\n").join(items)


def _block(node: SyntaxTreeNode, depth: int, spoiler: bool, nested: bool) -> str:
    """One block node as HTML; `nested` inside a list or quote, where Telegram cannot quote again."""
    kind = node.type
    if kind in ("paragraph", "heading"):
        return _html(runs(node, bold=kind == "heading"), spoiler)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, depth, spoiler)
    if kind in ("fence", "code_block"):
        return _pre(node.content, node.info if kind == "fence" else "", spoiler)
    if kind == "table":
        return _table(node, spoiler)
    if kind == "hr":
        return "——"
    if kind == "html_block":
        return _html(html_runs(node.content), spoiler)
    if kind == "footnote_block":
        notes = ("\n".join(_block(child, depth, spoiler, True) for child in note.children) for note in node.children)
        return "\n".join(f"[{n}] {text}" for n, text in enumerate(notes, 1))
    if kind == "blockquote":
        inner = "\n".join(p for child in node.children if (p := _block(child, depth, spoiler, nested=True)))
        return inner if nested or not _visible(inner).strip() else f"<blockquote>{inner}</blockquote>"
    return ""  # front matter and the like: nothing to show


def _hidden(blocks: list[str]) -> str:
    """Blocks under spoilers: one spoiler per run of blocks, inside each quote rather than around it."""
    hidden = []
    for quote, group in itertools.groupby(blocks, key=lambda block: block.startswith("<blockquote>")):
        if quote:
            quoted = (block.removeprefix("<blockquote>").removesuffix("</blockquote>") for block in group)
            hidden.extend(f"<blockquote><tg-spoiler>{inner}</tg-spoiler></blockquote>" for inner in quoted)
        else:
            hidden.append(f"<tg-spoiler>{_PARAGRAPH.join(group)}</tg-spoiler>")
    return _PARAGRAPH.join(hidden)


def _join(blocks: list[str], as_spoiler: bool) -> str:
    """Blocks separated by a blank line, under spoilers if asked."""
    return _hidden(blocks) if as_spoiler and blocks else _PARAGRAPH.join(blocks)


def to_telegram_html(markdown: str, *, as_spoiler: bool = False) -> str:
    """Markdown -> Telegram HTML (parse_mode='HTML'); `as_spoiler` hides it all, code as plain text."""
    blocks = [html for node in tree(markdown).children
              if _visible(html := _block(node, 0, as_spoiler, nested=False)).strip()]
    length = sum(len(_visible(block)) for block in blocks)
    # A short last paragraph ("How did you do?") stays in sight next to the grading buttons.
    end = len(blocks) - 1 if len(blocks) > 2 and len(_visible(blocks[-1])) <= _CLOSING_LINE else len(blocks)
    body = blocks[1:end]
    if length <= EXPAND_OVER or not body or any(block.startswith("<blockquote") for block in body):
        return _join(blocks, as_spoiler)
    expandable = f"<blockquote expandable>{_join(body, as_spoiler)}</blockquote>"
    return _PARAGRAPH.join(filter(None, [_join(blocks[:1], as_spoiler), expandable, _join(blocks[end:], as_spoiler)]))


def _units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts."""
    return len(text.encode("utf-16-le")) // 2


def _is_tag(token: str) -> bool:
    """Whether an HTML token is a tag rather than a character or an entity."""
    return len(token) > 1 and token[0] == "<"


def _closing(stack: tuple[str, ...]) -> str:
    """Close tags for the open tags in `stack`, innermost first."""
    return "".join(f"</{_TAG_NAME.match(tag).group(1)}>" for tag in reversed(stack))


def _fit_tags(tokens: list[str], limit: int) -> list[str]:
    """Drop tags too long to reopen within `limit` (a huge href, say); their text stays."""
    widest = max((_units(t) for t in tokens if not _is_tag(t)), default=0)
    kept, stack, overhead = [], [], 0  # stack holds each open tag's cost, 0 if it was dropped
    for token in tokens:
        if _is_tag(token) and token[1] == "/":
            cost = stack.pop() if stack else 0
            overhead -= cost
            token = token if cost else ""
        elif _is_tag(token):
            cost = _units(token + _closing((token,)))
            cost = cost if overhead + cost + widest <= limit else 0
            overhead += cost
            stack.append(cost)
            token = token if cost else ""
        if token:
            kept.append(token)
    return kept


def _walk(tokens: list[str]) -> tuple[list[tuple[str, ...]], list[int]]:
    """The open tags before each token (and at the end), and each token's offset in UTF-16 units."""
    stacks, offsets, stack, offset = [], [], (), 0
    for token in tokens:
        stacks.append(stack)
        offsets.append(offset)
        offset += _units(token)
        if _is_tag(token):
            stack = stack[:-1] if token[1] == "/" else (*stack, token)
    return [*stacks, stack], [*offsets, offset]


def _cuts(tokens: list[str], stacks: list[tuple[str, ...]]) -> list[tuple[int, int]]:
    """Where a part may end, with a quality: one place per gap between characters, where fewest tags are open."""
    cuts, before, last = [], "", None
    for k, token in enumerate(tokens):
        if _is_tag(token):
            continue
        if last is not None:
            # Shallowest point of the tags in between: closing tags stay left, opening tags go right.
            at = min(range(last + 1, k + 1), key=lambda j: len(stacks[j]))
            char = tokens[last]
            quality = 3 if char == before == "\n" else 2 if char == "\n" else 1 if char in " \t" else 0
            cuts.append((at, quality))
            before = char
        last = k
    return [*cuts, (len(tokens), _END_OF_TEXT)]


def split_html(html: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split rendered HTML into parts of at most `limit` UTF-16 units, each valid HTML on its own.

    Counts the HTML itself (tags and entities too), never less than Telegram's count of the visible text.
    Prefers paragraph breaks, then line breaks, then spaces; open tags are closed and reopened at a cut.
    """
    if _units(html) <= limit:
        return [html] if html else []  # nearly every message: no need to tokenise it
    tokens = _fit_tags(_HTML_TOKEN.findall(html), limit)
    stacks, offsets = _walk(tokens)
    cuts = _cuts(tokens, stacks)
    parts, start, first = [], 0, 0
    while start < len(tokens):
        while cuts[first][0] <= start:
            first += 1
        opening = "".join(stacks[start])
        fitting = []
        for end, quality in itertools.islice(cuts, first, None):
            size = _units(opening) + offsets[end] - offsets[start]
            if size > limit:
                break
            if size + _units(_closing(stacks[end])) <= limit:
                fitting.append((end, quality, size))
        if not fitting:
            raise ValueError(f"limit {limit} cannot hold a single character of this HTML")
        end = _choose_cut(fitting, limit)
        parts.append(opening + "".join(tokens[start:end]) + _closing(stacks[end]))
        start = end
    return parts


def _choose_cut(fitting: list[tuple[int, int, int]], limit: int) -> int:
    """Where a part ends, from (position, quality, size) cuts that fit: the end of the text if it fits, else
    the best break in the second half of the part (so no stubs)."""
    if fitting[-1][1] == _END_OF_TEXT:
        return fitting[-1][0]
    late = [cut for cut in fitting if cut[2] * 2 >= limit] or fitting
    return max(late, key=lambda cut: (cut[1], cut[0]))[0]


def render_messages(markdown: str, limit: int = TELEGRAM_LIMIT, *, as_spoiler: bool = False) -> list[str]:
    """Markdown as Telegram messages: rendered, optionally under spoilers, split; empty markdown gives []."""
    return list(_rendered(markdown, limit, as_spoiler))


@functools.lru_cache(maxsize=2048)
def _rendered(markdown: str, limit: int, as_spoiler: bool) -> tuple[str, ...]:
    # The morning fan-out sends the day's few texts to thousands of chats: each is rendered once.
    return tuple(split_html(to_telegram_html(markdown, as_spoiler=as_spoiler), limit))

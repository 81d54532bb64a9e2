"""Markdown to Telegram HTML (parse_mode HTML), and that HTML cut into messages that fit Telegram's limit.

Pure functions, no I/O. The markdown is read once by markdown-it-py (`bot.core.markdown.parse_markdown`) and
its syntax tree is walked here. The output obeys the Bot API "Formatting options": only its tags, entities
escaped, proper nesting, code and pre never inside bold, italic, strike, links or spoilers (bold and the like
are closed around a code span; inside a link it is plain text), and blockquotes never nested (a quote inside a
list or another quote is shown unquoted). Messages are cut at 4,096 UTF-16 units, at block boundaries first,
with open tags closed at the end of a part and reopened at the start of the next.

Layout choices, for a phone screen:
- Paragraphs are separated by a blank line; headings are bold lines; lists use "• " and "1. ", nested lists
  are indented by two figure spaces (U+2007, as wide as a digit, so "1. " and "• " line up) per level.
- Links and absolute images become `<a href>` (an image shows its alt text, or its URL); a relative URL
  cannot be opened from a chat, so only its text is shown. Raw HTML: b, i, u, s (and their aliases) are kept,
  `<br>` is a line break, every other tag is dropped and its text kept.
- Tables: an aligned monospace `<pre>` block, columns measured in display width (wcwidth: Hangul, CJK and
  emoji are two columns), when the table is at most 40 columns wide (what a phone shows of a monospace
  block); a wider table becomes, per row, "header: value" lines (header bold), rows separated by a blank line.
- Long answers: above 1,000 visible characters everything after the first block (and before a short closing
  line such as "How did you do?") goes into one `<blockquote expandable>`, so the chat stays readable. The
  Bot API forbids nested quotes but allows pre and code inside a quote (tdlib: "Pre and Code can't be part of
  other entities, except blockquote"), so this is skipped only when the body holds a quote of its own.
- Spoilers (answers revealed in groups): Telegram cannot show code inside a spoiler, so there code and pre
  are plain text and tables are always "header: value" lines; the spoiler goes inside quotes, never around.
- Markup markdown could not close (`**` next to CJK punctuation, a stray `__` or a `|---|` rule) is never
  shown: leftover `**` pairs become bold, anything left over is removed from text outside code.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re

from markdown_it.tree import SyntaxTreeNode
from wcwidth import wcswidth, wcwidth

from bot.core.markdown import parse_markdown

TELEGRAM_LIMIT = 4096
PHONE_COLUMNS = 40  # widest monospace table shown as a table
EXPAND_OVER = 1000  # visible characters above which the body goes into an expandable quote
_CLOSING_LINE = 80  # a last paragraph this short stays outside the expandable quote
_INDENT = "\u2007\u2007"
_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_LANGUAGE = re.compile(r"[\w+#.-]+")
_HTML_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u", "ins": "u", "s": "s", "strike": "s", "del": "s"}
# Code cannot sit in a link, nor in a tag raw HTML opened ("raw"); bold and the like are split around it.
_NO_CODE_INSIDE = frozenset({"a", "raw"})
_EMPTY_ENTITY = re.compile(r"<(b|i|u|s)></\1>")
_CODE_SPAN = re.compile(r"(<code>.*?</code>)", re.DOTALL)
_STARS = re.compile(r"(\*{2,})")
_RAW_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)[^>]*?(/?)>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_NOT_TEXT = re.compile(r"<!--.*?-->|<\?.*?\?>|<![^>]*>|</?[a-zA-Z][^>]*>", re.DOTALL)
_LEFTOVER = re.compile(r"\*{2,}|_{2,}|[-|:]*\|---[-|:]*")
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


def _wrap(tag: str, inner: str, inside: frozenset[str]) -> str:
    """`inner` in `tag`, closed around its code spans (Telegram cannot nest code in bold, italic or strike),
    unless the tag is already open around it; text with nothing visible is left unformatted."""
    if tag in inside:
        return inner
    pieces = _CODE_SPAN.split(inner)
    return "".join(f"<{tag}>{piece}</{tag}>" if k % 2 == 0 and _visible(piece).strip() else piece
                   for k, piece in enumerate(pieces))


def _balanced(html: str) -> bool:
    """Whether every tag in `html` closes inside it, in order."""
    stack: list[str] = []
    for closing, name in re.findall(r"<(/?)([\w-]+)", html):
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            return False
    return not stack


def _safe(url: str) -> bool:
    """Whether a chat can open `url`: relative paths and scripts cannot."""
    return any(url.lower().startswith(scheme) and len(url) > len(scheme) for scheme in _SCHEMES)


def _link(href: str, label_nodes: list, inside: frozenset[str], plain: bool) -> str:
    """A link (or an image as a link) labelled by its nodes, or the URL when they show nothing."""
    label = _inline(label_nodes, inside | {"a"}, plain)
    if "a" in inside:  # links cannot nest
        return label
    label = label if _visible(label).strip() else escape(href)
    return f'<a href="{escape(href, attribute=True)}">{label}</a>'


def _inline(nodes: list, inside: frozenset[str] = frozenset(), plain: bool = False) -> str:
    """Inline nodes as HTML; `inside` are the tags open around them, `plain` shows code as text."""
    out: list[str] = []
    stars: list[tuple[int, bool]] = []  # leftover `**` runs: where, and whether bold was open there
    opened: list[tuple[str, bool]] = []  # tags raw HTML opened here: name, and whether it was emitted
    for node in nodes:
        raw = {name for name, shown in opened if shown}
        here = inside | raw | ({"raw"} if raw else set())
        kind = node.type
        if kind == "text":
            for k, piece in enumerate(_STARS.split(node.content)):
                if k % 2:
                    stars.append((len(out), "b" in here))
                    out.append("")
                elif piece:
                    out.append(escape(piece))
        elif kind in ("softbreak", "hardbreak"):
            out.append("\n")  # chat notes break lines where their authors did
        elif kind == "code_inline":
            code = escape(node.content)
            if raw and not plain and not inside & _NO_CODE_INSIDE:
                # Code cannot sit inside the notes' own <b>/<i>: close them around it and reopen after.
                names = [name for name, shown in opened if shown]
                out.append("".join(f"</{name}>" for name in reversed(names)) + f"<code>{code}</code>"
                           + "".join(f"<{name}>" for name in names))
            else:
                out.append(code if plain or here & _NO_CODE_INSIDE else f"<code>{code}</code>")
        elif kind in ("strong", "em", "s"):
            tag = {"strong": "b", "em": "i", "s": "s"}[kind]
            out.append(_wrap(tag, _inline(node.children, here | {tag}, plain), here))
        elif kind == "link":
            href = node.attrs.get("href", "")
            out.append(_link(href, node.children, here, plain) if _safe(href) else _inline(node.children, here, plain))
        elif kind == "image":
            src = node.attrs.get("src", "")
            out.append(_link(src, node.children, here, plain) if _safe(src) else _inline(node.children, here, plain))
        elif kind == "html_inline":
            _raw_tag(node.content, out, opened, here)
        elif kind == "footnote_ref":
            out.append(f"[{node.meta['id'] + 1}]")
        else:
            out.append(_inline(node.children, here, plain))
    out.extend(f"</{name}>" for name, shown in reversed(opened) if shown)
    # CommonMark leaves `**` unclosed next to CJK punctuation (`**파드(Pod)**는`): pair the leftovers as bold.
    for (start, bold_a), (end, bold_b) in reversed(list(zip(stars[::2], stars[1::2]))):
        segment = "".join(out[start + 1 : end])
        if not (bold_a or bold_b) and _visible(segment).strip() and _balanced(segment):
            out[start : end + 1] = [_wrap("b", re.sub(r"</?b>", "", segment), frozenset())]
    return _EMPTY_ENTITY.sub("", "".join(out))


def _raw_tag(raw: str, out: list[str], opened: list[tuple[str, bool]], inside: frozenset[str]) -> None:
    """One raw HTML tag from the notes: b, i, u, s kept (balanced), `<br>` a line break, the rest dropped."""
    if _BR.fullmatch(raw.strip()):
        out.append("\n")
        return
    match = _RAW_TAG.fullmatch(raw.strip())
    name = _HTML_TAGS.get(match.group(2).lower()) if match else None
    if name is None or match.group(3):
        return
    if not match.group(1):
        shown = name not in inside and all(name != other for other, _ in opened)
        opened.append((name, shown))
        if shown:
            out.append(f"<{name}>")
    elif opened and opened[-1][0] == name:  # a close that would cross other tags is dropped
        _, shown = opened.pop()
        if shown and out and out[-1] == f"<{name}>":
            out.pop()  # nothing inside: no empty entity
        elif shown:
            out.append(f"</{name}>")


def _plain(nodes: list) -> str:
    """Inline nodes as plain text, for a monospace table cell."""
    text = []
    for node in nodes:
        if node.type == "text":
            text.append(_STARS.sub("", node.content))
        elif node.type == "code_inline":
            text.append(node.content)
        elif node.type in ("softbreak", "hardbreak") or (node.type == "html_inline" and _BR.fullmatch(node.content)):
            text.append(" ")
        elif node.type == "footnote_ref":
            text.append(f"[{node.meta['id'] + 1}]")
        else:
            text.append(_plain(node.children))
    return "".join(text)


def _width(text: str) -> int:
    """Display width in monospace columns (wide characters count two)."""
    width = wcswidth(text)
    return width if width >= 0 else sum(max(wcwidth(char), 0) for char in text)


def _cells(row: SyntaxTreeNode, columns: int) -> list[list]:
    """A table row's cells as inline nodes, padded to the header's column count."""
    cells = [cell.children[0].children if cell.children else [] for cell in row.children]
    return (cells + [[]] * columns)[:columns]


def _table(node: SyntaxTreeNode, plain: bool) -> str:
    """A table as an aligned <pre> block, or as "header: value" lines when wider than a phone."""
    rows = [row for section in node.children for row in section.children]
    header = rows[0]
    columns = len(header.children)
    cells = [_cells(row, columns) for row in rows]
    texts = [[_plain(cell).strip() for cell in row] for row in cells]
    widths = [max(_width(row[c]) for row in texts) for c in range(columns)]
    if plain or sum(widths) + 2 * (columns - 1) > PHONE_COLUMNS:
        names = [_inline(cell, frozenset({"b"}), plain).strip() for cell in cells[0]]
        records = []
        for row in cells[1:]:
            values = [_inline(cell, frozenset(), plain).strip() for cell in row]
            lines = [f"{_wrap('b', name, frozenset())}: {value}" if _visible(name).strip() else value
                     for name, value in zip(names, values) if _visible(value).strip()]
            records.append("\n".join(lines))
        return _PARAGRAPH.join(r for r in records if r) or " · ".join(_wrap("b", name, frozenset()) for name in names)
    styles = [cell.attrs.get("style", "") for cell in header.children]

    def line(row: list[str]) -> str:
        """One row, each cell padded (or aligned as the table says) to its column's display width."""
        padded = []
        for text, width, style in zip(row, widths, styles):
            space = width - _width(text)
            left = space if "right" in style else space // 2 if "center" in style else 0
            padded.append(" " * left + text + " " * (space - left))
        return "  ".join(padded).rstrip()

    rule = "  ".join("─" * width for width in widths)
    return f"<pre>{escape(chr(10).join([line(texts[0]), rule, *map(line, texts[1:])]))}</pre>"


def _pre(code: str, info: str, plain: bool) -> str:
    """A code block as <pre><code class="language-x">, or as plain text under a spoiler."""
    code = code.rstrip("\n")
    if not code.strip():
        return ""
    if plain:
        return escape(code)
    language = (info.split() or [""])[0]
    attribute = f' class="language-{language}"' if _LANGUAGE.fullmatch(language) else ""
    return f"<pre><code{attribute}>{escape(code)}</code></pre>"


def _list(node: SyntaxTreeNode, depth: int, plain: bool) -> str:
    """A list, one item per line, nested lists and continuation lines indented by level."""
    start = int(node.attrs.get("start", 1)) if node.type == "ordered_list" else None
    indent, deeper = _INDENT * depth, _INDENT * (depth + 1)
    items = []
    for k, item in enumerate(node.children):
        marker = f"{start + k}. " if start is not None else "• "
        pieces = []
        for child in item.children:
            piece = _block(child, depth + 1, plain, nested=True)
            if piece and child.type not in ("bullet_list", "ordered_list", "fence", "code_block", "table"):
                piece = piece.replace("\n", "\n" + deeper)
                piece = piece if not pieces else deeper + piece
            if piece:
                pieces.append(piece)
        items.append(indent + marker + "\n".join(pieces))
    # A loose list (blank lines between items in the notes) keeps its air; a tight one stays compact.
    loose = any(child.type == "paragraph" and not child.hidden for item in node.children for child in item.children)
    return (_PARAGRAPH if loose else "\n").join(items)


def _block(node: SyntaxTreeNode, depth: int, plain: bool, nested: bool) -> str:
    """One block node as HTML; `nested` inside a list or quote, where Telegram cannot quote again."""
    kind = node.type
    if kind == "paragraph":
        return _inline(node.children[0].children, frozenset(), plain) if node.children else ""
    if kind == "heading":
        text = _inline(node.children[0].children, frozenset({"b"}), plain) if node.children else ""
        return _wrap("b", text, frozenset())
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, depth, plain)
    if kind in ("fence", "code_block"):
        return _pre(node.content, node.info if kind == "fence" else "", plain)
    if kind == "table":
        return _table(node, plain)
    if kind == "hr":
        return "——"
    if kind == "html_block":
        return escape(htmllib.unescape(_NOT_TEXT.sub("", _BR.sub("\n", node.content))).strip())
    if kind == "footnote_block":
        notes = ("\n".join(_block(child, depth, plain, True) for child in note.children) for note in node.children)
        return "\n".join(f"[{n}] {text}" for n, text in enumerate(notes, 1))
    if kind == "blockquote":
        inner = "\n".join(p for child in node.children if (p := _block(child, depth, plain, nested=True)))
        return inner if nested or not _visible(inner).strip() else f"<blockquote>{inner}</blockquote>"
    return ""  # front matter and the like: nothing to show


def _scrub(html: str) -> str:
    """Remove `**`, `__` and `|---` rules left in text outside code, also when tags sit between the marks."""
    tokens = _HTML_TOKEN.findall(html)
    for _ in range(3):  # a removal can bring marks together again, rarely more than once
        chars, where, depth = [], [], 0
        for k, token in enumerate(tokens):
            if len(token) > 1 and token[0] == "<":
                if _TAG_NAME.match(token).group(1) in ("code", "pre"):
                    depth += -1 if token[1] == "/" else 1
                    chars.append("\0")  # code text is not next to the text around it
                    where.append(None)
            elif token and not depth:
                chars.append(htmllib.unescape(token))
                where.append(k)
        spans = [match.span() for match in _LEFTOVER.finditer("".join(chars))]
        if not spans:
            break
        for a, b in spans:
            for position in range(a, b):
                if where[position] is not None:
                    tokens[where[position]] = ""
    return "".join(tokens)


def _hidden(blocks: list[str]) -> str:
    """Blocks under spoilers: one spoiler per run of blocks, inside each quote rather than around it."""
    runs = []
    for quote, group in itertools.groupby(blocks, key=lambda block: block.startswith("<blockquote>")):
        if quote:
            quoted = (block.removeprefix("<blockquote>").removesuffix("</blockquote>") for block in group)
            runs.extend(f"<blockquote><tg-spoiler>{inner}</tg-spoiler></blockquote>" for inner in quoted)
        else:
            runs.append(f"<tg-spoiler>{_PARAGRAPH.join(group)}</tg-spoiler>")
    return _PARAGRAPH.join(runs)


def _join(blocks: list[str], as_spoiler: bool) -> str:
    """Blocks separated by a blank line, under spoilers if asked."""
    return _hidden(blocks) if as_spoiler and blocks else _PARAGRAPH.join(blocks)


def to_telegram_html(markdown: str, *, as_spoiler: bool = False) -> str:
    """Markdown -> Telegram HTML (parse_mode='HTML'); `as_spoiler` hides it all, code as plain text."""
    tree = SyntaxTreeNode(parse_markdown(markdown))
    blocks = [html for node in tree.children
              if _visible(html := _scrub(_block(node, 0, as_spoiler, nested=False))).strip()]
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
    return split_html(to_telegram_html(markdown, as_spoiler=as_spoiler), limit)

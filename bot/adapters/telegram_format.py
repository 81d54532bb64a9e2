"""Markdown to Telegram HTML, and that HTML cut into messages that fit Telegram's length limit.

Pure functions, no I/O. The markdown is what our notes and message catalogue use: `*bold*` and `**bold**`,
`_italic_`, `` `code` ``, fenced code, links, headings, lists and `>` quotes; anything else, raw HTML
included, is shown as text. The output obeys the Bot API "Formatting options" nesting rules: code and pre
cannot sit inside bold, italic, links or spoilers, so there they are shown as plain text, and quotes are
never nested.
"""

from __future__ import annotations

import itertools
import re

from bot.adapters.markdown import (
    BULLET_LINE, END_OF_TEXT, FENCE_LINE, HEADING_LINE, LINE_BREAK, ORDERED_LINE, QUOTE_MARK, Code, choose_cut,
    escape, parse_inline,
)

TELEGRAM_LIMIT = 4096

_LANGUAGE = re.compile(r"[\w+#.-]+")
_NO_CODE_INSIDE = frozenset({"b", "i", "a"})
_CODE_TAG = re.compile(r"</?(?:pre|code)\b[^>]*>")
_HTML_TOKEN = re.compile(r"<[^<>]*>|&#?\w+;|[\s\S]")
_TAG_NAME = re.compile(r"</?([\w-]+)")


def _render(nodes: list, inside: frozenset[str]) -> str:
    """Parsed nodes as HTML, leaving out tags Telegram would not nest where they are."""
    html = []
    for node in nodes:
        if isinstance(node, Code):
            code = escape(node)
            html.append(code if inside & _NO_CODE_INSIDE else f"<code>{code}</code>")
        elif isinstance(node, str):
            html.append(node)
        else:
            inner = _render(node.children, inside | {node.tag})
            if node.tag in inside:
                html.append(inner)
            else:
                href = f' href="{escape(node.href, attribute=True)}"' if node.href else ""
                html.append(f"<{node.tag}{href}>{inner}</{node.tag}>")
    return "".join(html)


def _inline(text: str, inside: frozenset[str] = frozenset()) -> str:
    """One line of inline markdown as HTML."""
    return _render(parse_inline(text), inside)


def _line(line: str) -> str:
    """One markdown line outside code: a heading, a list item or text."""
    if heading := HEADING_LINE.match(line):
        text = _inline(heading.group(1) or "", frozenset({"b"}))
        return f"<b>{text}</b>" if text.strip() else ""
    if item := BULLET_LINE.match(line):
        return f"{item.group(1)}• {_inline(item.group(2))}"
    if item := ORDERED_LINE.match(line):
        return f"{item.group(1)}{item.group(2)}. {_inline(item.group(3))}"
    return _inline(line.rstrip())


def _code_block(lines: list[str], start: int, fence: re.Match) -> tuple[str, int]:
    """A fenced block as <pre>, and the line after it; an unclosed fence runs to the end, as in CommonMark."""
    indent, marker, info = fence.groups()
    closing = re.compile(rf"[ \t]*{marker[0]}{{{len(marker)},}}[ \t]*$")
    end = next((k for k in range(start + 1, len(lines)) if closing.match(lines[k])), len(lines))
    # Lines lose as much indentation as the fence had, so a fence inside a list item keeps its layout.
    body = (line[: len(indent)].lstrip(" \t") + line[len(indent) :] for line in lines[start + 1 : end])
    code = escape("\n".join(body))
    if not code.strip():
        return "", end + 1
    language = (info.split() or [""])[0]
    attribute = f' class="language-{language}"' if _LANGUAGE.fullmatch(language) else ""
    return f"<pre><code{attribute}>{code}</code></pre>", end + 1


def _quote(lines: list[str], start: int) -> tuple[str, int]:
    """Consecutive `>` lines as one blockquote; Telegram cannot nest quotes, so `>>` is flattened."""
    body, i = [], start
    while i < len(lines) and (marker := QUOTE_MARK.match(lines[i])):
        text = lines[i][marker.end() :]
        while marker := QUOTE_MARK.match(text):
            text = text[marker.end() :]
        body.append(_line(text))
        i += 1
    inner = "\n".join(body).strip("\n")
    return (f"<blockquote>{inner}</blockquote>" if inner.strip() else ""), i


def to_telegram_html(markdown: str) -> str:
    """Markdown -> Telegram HTML (parse_mode='HTML')."""
    lines = LINE_BREAK.split(markdown)
    pieces: list[str] = []
    i = 0
    while i < len(lines):
        if fence := FENCE_LINE.match(lines[i]):
            piece, i = _code_block(lines, i, fence)
        elif QUOTE_MARK.match(lines[i]):
            piece, i = _quote(lines, i)
        else:
            piece, i = _line(lines[i]), i + 1
        if piece.strip():
            pieces.append(piece)
        elif pieces and pieces[-1]:
            pieces.append("")  # a run of blank lines is one paragraph break
    while pieces and not pieces[-1]:
        pieces.pop()
    return "\n".join(pieces)


def spoiler(html: str) -> str:
    """Hide rendered HTML under one spoiler, with code shown as plain text since Telegram cannot nest it there."""
    return f"<tg-spoiler>{_CODE_TAG.sub('', html)}</tg-spoiler>" if html else ""


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
    return [*cuts, (len(tokens), END_OF_TEXT)]


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
        end = choose_cut(fitting, limit)
        parts.append(opening + "".join(tokens[start:end]) + _closing(stacks[end]))
        start = end
    return parts


def render_messages(markdown: str, limit: int = TELEGRAM_LIMIT, *, as_spoiler: bool = False) -> list[str]:
    """Markdown as Telegram messages: rendered, optionally under a spoiler, split; empty markdown gives []."""
    html = to_telegram_html(markdown)
    return split_html(spoiler(html) if as_spoiler else html, limit)

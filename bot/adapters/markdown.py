"""The markdown our notes and messages are written in, read once for every platform's markup.

`*bold*` and `**bold**`, `_italic_`, `` `code` ``, links, `<br>`; fenced code, headings, lists and `>`
quotes are recognised line by line with the patterns below. Inline text is parsed into plain text
(already escaped: `&`, `<` and `>` are entities, which both Telegram HTML and Slack mrkdwn want),
`Code` spans and `Span`s (b, i, a) that each platform renders its own way.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A backtick in the rest of the line makes it inline code, not a fence (CommonMark).
FENCE_LINE = re.compile(r"([ \t]*)(`{3,}(?=[^`]*$)|~{3,})(.*)$")
HEADING_LINE = re.compile(r" {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
BULLET_LINE = re.compile(r"([ \t]*)[-*+][ \t]+(.*)$")
ORDERED_LINE = re.compile(r"([ \t]*)(\d{1,9})[.)][ \t]+(.*)$")
QUOTE_MARK = re.compile(r" {0,3}> ?")
END_OF_TEXT = 4  # quality of a cut at the end of the text, above paragraph (3), line (2), space (1), other (0)
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_RUN = re.compile(r"\*+|_+|`+")
_PLAIN = re.compile(r"[^\\`*_\[\]<]+")
# `(url)` or `(url "title")`; one level of parentheses inside the url, as in Wikipedia links.
_LINK_TAIL = re.compile(r"\((<[^<>\n]*>|[^\s()<>]*(?:\([^\s()<>]*\)[^\s()<>]*)*)(?:[ \t]+\"[^\"\n]*\")?\)")
_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_ESCAPABLE = frozenset(string.punctuation)


def escape(text: str, attribute: bool = False) -> str:
    """Escape text for Telegram HTML; quotes too inside an attribute value."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace('"', "&quot;") if attribute else text


class _Delim(str):
    """A `*`, `**`, `_` or `[` that may still open a span; shown as itself if it never does."""


class Code(str):
    """An inline code span's raw content."""


@dataclass(slots=True)
class Span:
    """A matched b, i or a (with href) around its parsed children."""

    tag: str
    href: str = ""
    children: list = field(default_factory=list)


def parse_inline(s: str) -> list:
    """Parse one line into text, code spans and spans, with a small CommonMark-style delimiter stack."""
    out: list = []
    openers: list[int] = []  # indices in `out` of delimiters that may still open a span
    i = 0
    while i < len(s):
        char = s[i]
        if plain := _PLAIN.match(s, i):
            out.append(escape(plain.group()))
            i = plain.end()
        elif char == "\\" and s[i + 1 : i + 2] in _ESCAPABLE:
            out.append(escape(s[i + 1]))
            i += 2
        elif char == "`":
            i = _code_span(s, i, out)
        elif char in "*_":
            i = _emphasis(s, i, out, openers)
        elif char == "[":
            openers.append(len(out))
            out.append(_Delim("["))
            i += 1
        elif char == "]":
            i = _link(s, i, out, openers)
        elif br := _BR.match(s, i):
            out.append("\n")
            i = br.end()
        else:
            out.append(escape(char))
            i += 1
    return out


def _code_span(s: str, i: int, out: list) -> int:
    """A code span closed by a backtick run of the same length; an unclosed run is text."""
    run = _RUN.match(s, i).end() - i
    closing = re.compile(f"(?<!`){'`' * run}(?!`)").search(s, i + run)
    if not closing:
        out.append("`" * run)
        return i + run
    content = s[i + run : closing.start()]
    if len(content) >= 2 and content[0] == content[-1] == " " and content.strip(" "):
        content = content[1:-1]  # CommonMark: one padding space each side lets code start with a backtick
    out.append(Code(content))
    return closing.end()


def _emphasis(s: str, i: int, out: list, openers: list[int]) -> int:
    """A `*`/`**` (bold, as in Telegram's own markdown) or `_` (italic) run: close a span, open one, or text."""
    run = _RUN.match(s, i).end() - i
    delim = s[i : i + run]
    before = s[i - 1] if i else " "
    after = s[i + run] if i + run < len(s) else " "
    if delim[0] == "_":  # a single `_`, and only next to spaces or punctuation: snake_case stays as typed
        can_open = run == 1 and not before.isalnum() and not after.isspace()
        can_close = run == 1 and not before.isspace() and not after.isalnum()
    else:
        can_open, can_close = run <= 2 and not after.isspace(), run <= 2 and not before.isspace()
    if can_close and _close(out, openers, delim, Span("i" if delim == "_" else "b")):
        return i + run
    if can_open:
        openers.append(len(out))
    out.append(_Delim(delim) if can_open else delim)
    return i + run


def _close(out: list, openers: list[int], text: str, span: Span) -> bool:
    """Wrap everything after the nearest opener spelled `text` in `span`; False if there is none."""
    for k in range(len(openers) - 1, -1, -1):
        at = openers[k]
        if out[at] == text and at + 1 < len(out):
            span.children = out[at + 1 :]
            del out[at:], openers[k:]  # openers inside the span can no longer match anything outside it
            out.append(span)
            return True
    return False


def _link(s: str, i: int, out: list, openers: list[int]) -> int:
    """Close `[label](url)` at the `]` at i; an unsafe scheme or a missing url leaves the brackets as text."""
    tail = _LINK_TAIL.match(s, i + 1)
    url = tail.group(1).strip("<>") if tail else ""
    safe = any(url.lower().startswith(scheme) and len(url) > len(scheme) for scheme in _SCHEMES)
    if safe and _close(out, openers, "[", Span("a", url)):
        return tail.end()
    if brackets := [at for at in openers if out[at] == "["]:
        openers.remove(brackets[-1])  # CommonMark: a `[` that failed to make a link can never make one
    out.append("]")
    return i + 1


def choose_cut(fitting: list[tuple[int, int, int]], limit: int) -> int:
    """Where a split message part ends, from (position, quality, size) cuts that fit in `limit`.

    The end of the text if it fits, else the best break in the second half of the part (so no stubs).
    Both platforms' splitters choose this way.
    """
    if fitting[-1][1] == END_OF_TEXT:
        return fitting[-1][0]
    late = [cut for cut in fitting if cut[2] * 2 >= limit] or fitting
    return max(late, key=lambda cut: (cut[1], cut[0]))[0]

"""Markdown to Slack mrkdwn, that mrkdwn cut into section-sized pieces, and the Block Kit blocks around them.

Pure functions, no I/O. The markdown is the same dialect `telegram_format` reads, and it is read by the same
inline parser, so a note means the same thing on both platforms. Slack's mrkdwn
(https://api.slack.com/reference/surfaces/formatting) is looser than Telegram HTML: only `&`, `<` and `>` are
escaped, and `*`, `_` or `~` typed as text cannot be escaped at all, so they are left as typed. Runs of three
or more backticks outside our own code fences get zero-width spaces between them: Slack would otherwise open
a code block there that swallows the rest of the message.
"""

from __future__ import annotations

import itertools
import re

# One reading of the notes for every platform.
from bot.adapters.markdown import (
    BULLET_LINE, END_OF_TEXT, FENCE_LINE, HEADING_LINE, LINE_BREAK, ORDERED_LINE, QUOTE_MARK, Code, choose_cut,
    escape, parse_inline,
)

SLACK_LIMIT = 3000  # characters in a section block's text
SLACK_MAX_BLOCKS = 50  # blocks in one message
MIN_LIMIT = 16  # a reopened fence, an entity and a closing fence must fit in one piece

FENCE = "```"
_REOPEN = FENCE + "\n"
_SCHEMES = ("http://", "https://", "mailto:")
_TICKS = re.compile(r"`{3,}")
# Our own `<url|text>` links, entities and fences are never cut; everything else is one character.
_ATOM = re.compile(r"&(?:amp|lt|gt);|```|<[^<>\n]*>|[\s\S]")
_PLAIN_ATOM = re.compile(r"&(?:amp|lt|gt);|```|[\s\S]")
_PARTIAL_ENTITY = re.compile(r"&[a-z]{0,3}$")
_URL_UNSAFE = {"|": "%7C", "<": "%3C", ">": "%3E", " ": "%20", "`": "%60"}


def _defuse(text: str) -> str:
    """Break backtick runs that Slack would read as a code fence."""
    return _TICKS.sub(lambda run: "\u200b".join(run.group()), text)


def _slack_url(url: str) -> str:
    """A url safe between `<` and `|`: a `|` or `>` would end it early, a space or backtick would confuse it."""
    return escape("".join(_URL_UNSAFE.get(char, char) for char in url))


def _render(nodes: list, inside: frozenset[str], plain: bool) -> str:
    """Parsed inline nodes as mrkdwn, or as plain text with the markers left out."""
    out = []
    for node in nodes:
        if isinstance(node, Code):
            code = escape(node)
            out.append(code if plain or "a" in inside or not code else f"`{code}`")
        elif isinstance(node, str):
            out.append(node)  # already escaped by the parser, or a delimiter that never matched
        else:
            # Slack shows a link's text as typed, so formatting inside it is dropped rather than shown as stars.
            label_inside = inside | {"a", "b", "i"} if node.tag == "a" else inside | {node.tag}
            inner = _render(node.children, label_inside, plain)
            if plain or node.tag in inside:
                out.append(inner)
            elif node.tag == "a":
                out.append(_link(node.href, inner.replace("\n", " ")))  # a `<br>` cannot end a link
            else:
                mark = "*" if node.tag == "b" else "_"
                out.append(f"{mark}{inner}{mark}")
    return "".join(out)


def _link(href: str, label: str) -> str:
    """`<url|label>` for a scheme Slack opens safely; for any other only the label is shown."""
    if not href.lower().startswith(_SCHEMES):
        return label
    url = _slack_url(href)
    return f"<{url}|{label}>" if label.strip() else f"<{url}>"


def _inline(text: str, plain: bool, inside: frozenset[str] = frozenset()) -> str:
    """One line of inline markdown; a `<br>` in it gives more than one line."""
    return _defuse(_render(parse_inline(text), inside, plain))


def _line(line: str, plain: bool) -> str:
    """One markdown line outside code: a heading, a list item or text."""
    if heading := HEADING_LINE.match(line):
        text = _inline(heading.group(1) or "", plain, frozenset({"b"}))
        # Bold cannot span lines in Slack, so each line of a heading broken by `<br>` is bold on its own.
        parts = [part.strip() for part in text.split("\n") if part.strip()]
        return "\n".join(parts if plain else (f"*{part}*" for part in parts))
    if item := BULLET_LINE.match(line):
        return f"{item.group(1)}• {_inline(item.group(2), plain)}"
    if item := ORDERED_LINE.match(line):
        return f"{item.group(1)}{item.group(2)}. {_inline(item.group(3), plain)}"
    return _inline(line.rstrip(), plain)


def _code_block(lines: list[str], start: int, fence: re.Match, plain: bool) -> tuple[str, int]:
    """A fenced block, and the line after it; Slack has no languages, so the info string is dropped."""
    indent, marker, _info = fence.groups()
    closing = re.compile(rf"[ \t]*{marker[0]}{{{len(marker)},}}[ \t]*$")
    end = next((k for k in range(start + 1, len(lines)) if closing.match(lines[k])), len(lines))
    # Lines lose as much indentation as the fence had, so a fence inside a list item keeps its layout.
    body = (line[: len(indent)].lstrip(" \t") + line[len(indent) :] for line in lines[start + 1 : end])
    code = _defuse(escape("\n".join(body)))
    if not code.strip():
        return "", end + 1
    return (code if plain else f"{FENCE}\n{code}\n{FENCE}"), end + 1


def _quote(lines: list[str], start: int, plain: bool) -> tuple[str, int]:
    """Consecutive `>` lines as one quote; Slack cannot nest quotes, so `>>` is flattened."""
    body, i = [], start
    while i < len(lines) and (marker := QUOTE_MARK.match(lines[i])):
        text = lines[i][marker.end() :]
        while marker := QUOTE_MARK.match(text):
            text = text[marker.end() :]
        body.extend(_line(text, plain).split("\n"))  # every line of a `<br>` needs its own marker
        i += 1
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    if plain:
        return "\n".join(body), i
    return "\n".join(f"> {line}" if line.strip() else ">" for line in body), i


def _convert(markdown: str, plain: bool) -> str:
    """Markdown as mrkdwn, or as plain text; blank-line runs become one paragraph break."""
    lines = LINE_BREAK.split(markdown)
    pieces: list[str] = []
    i = 0
    while i < len(lines):
        if fence := FENCE_LINE.match(lines[i]):
            piece, i = _code_block(lines, i, fence, plain)
        elif QUOTE_MARK.match(lines[i]):
            piece, i = _quote(lines, i, plain)
        else:
            piece, i = _line(lines[i], plain), i + 1
        if piece.strip():
            pieces.append(piece)
        elif pieces and pieces[-1]:
            pieces.append("")
    while pieces and not pieces[-1]:
        pieces.pop()
    return "\n".join(pieces)


def to_mrkdwn(markdown: str) -> str:
    """Markdown -> Slack mrkdwn; never raises. Raw `<` and `>` appear only in links and quote markers."""
    return _convert(markdown, plain=False)


def _atoms(text: str, limit: int) -> list[str]:
    """Text as uncuttable pieces; a link too long to fit a piece becomes `label (url)` text that may be cut."""
    atoms, inside = [], False
    for atom in _ATOM.findall(text):
        room = limit - (len(_REOPEN) + len(FENCE) if inside else 0)  # only text from elsewhere has one in code
        if atom[0] == "<" and len(atom) > room:
            url, _, label = atom[1:-1].partition("|")
            found = _PLAIN_ATOM.findall(f"{label} ({url})" if label else url)
        else:
            found = [atom]
        atoms.extend(found)
        inside ^= found.count(FENCE) % 2 == 1
    return atoms


def _cuts(atoms: list[str], inside: list[bool]) -> list[tuple[int, int]]:
    """Where a piece may end, with a quality, ending with the end of the text.

    Inside a code block a cut may not touch the block's own fences: that would leave an empty block behind.
    """
    cuts = []
    for j in range(1, len(atoms)):
        before, after = atoms[j - 1], atoms[j]
        if inside[j] and (
            FENCE in (before, after)
            or (before == "\n" and j >= 2 and atoms[j - 2] == FENCE)
            or (after == "\n" and j + 1 < len(atoms) and atoms[j + 1] == FENCE)
        ):
            continue
        paragraph = before == "\n" and j >= 2 and atoms[j - 2] == "\n"
        quality = 3 if paragraph else 2 if before == "\n" else 1 if before in " \t" else 0
        cuts.append((j, quality))
    return [*cuts, (len(atoms), END_OF_TEXT)]


def split_mrkdwn(text: str, limit: int = SLACK_LIMIT) -> list[str]:
    """Split mrkdwn into pieces of at most `limit` characters (len()), each valid on its own; "" gives [].

    Prefers paragraph breaks, then line breaks, then spaces, and never cuts an entity, a link or a fence.
    A cut inside a code block closes it with ``` at the end of the piece and reopens it with ```+newline
    at the start of the next, so removing exactly those gives back the text. Raises ValueError if `limit`
    is below MIN_LIMIT.
    """
    if limit < MIN_LIMIT:
        raise ValueError(f"limit {limit} is below {MIN_LIMIT}, too small to hold a fenced piece")
    atoms = _atoms(text, limit)
    offsets = list(itertools.accumulate(map(len, atoms), initial=0))
    inside, state = [], False  # whether each gap between atoms (and the end) lies inside a code block
    for atom in atoms:
        inside.append(state)
        state ^= atom == FENCE
    inside.append(state)
    cuts = _cuts(atoms, inside)
    pieces, start, first = [], 0, 0
    while start < len(atoms):
        while cuts[first][0] <= start:
            first += 1
        opening = _REOPEN if inside[start] else ""
        fitting = []
        for end, quality in itertools.islice(cuts, first, None):
            size = len(opening) + offsets[end] - offsets[start]
            if size > limit:
                break
            closing = FENCE if inside[end] and end < len(atoms) else ""
            if size + len(closing) <= limit:
                fitting.append((end, quality, size + len(closing)))
        if not fitting:  # cannot happen at MIN_LIMIT or above; kept as a guard against a silent endless loop
            raise ValueError(f"limit {limit} cannot hold a piece of this text")
        end = choose_cut(fitting, limit)
        closing = FENCE if inside[end] and end < len(atoms) else ""
        pieces.append(opening + "".join(atoms[start:end]) + closing)
        start = end
    return pieces


def _section(text: str) -> dict:
    """One Block Kit section with mrkdwn text."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def answer_blocks(
    markdown: str, *, header: str | None = None, max_blocks: int = SLACK_MAX_BLOCKS, reserve: int = 0
) -> list[dict]:
    """Markdown as section blocks, after an optional header section (mrkdwn, formatted by the caller).

    `reserve` blocks are left free for the caller's actions. If the answer needs more sections than fit, the
    last one that fits ends with "…" and the rest is dropped; at 3000 characters a section, 50 blocks hold far
    more than any note. Raises ValueError if not even one answer section fits.
    """
    room = max_blocks - reserve - (1 if header else 0)
    if room < 1:
        raise ValueError(f"max_blocks={max_blocks} with reserve={reserve} leaves no room for the answer")
    # Slack rejects a section whose text is blank, and a blank piece shows nothing anyway.
    pieces = [piece for piece in split_mrkdwn(to_mrkdwn(markdown)) if piece.strip()]
    if len(pieces) > room:
        last = split_mrkdwn(pieces[room - 1], SLACK_LIMIT - 1)[0]  # leave a character for the ellipsis
        pieces = [*pieces[: room - 1], last + "…"]
    return [_section(text) for text in ([header] if header else []) + pieces]


def plain_text(markdown: str, limit: int = SLACK_LIMIT) -> str:
    """Markdown as short plain text for a message's `text` fallback (notifications), at most `limit` chars.

    Markers are left out, `&`, `<` and `>` escaped; longer text is cut, never inside an entity, and ends in "…".
    """
    if limit < 1:
        raise ValueError(f"limit {limit} cannot hold any text")
    text = _convert(markdown, plain=True)
    if len(text) <= limit:
        return text
    return _PARTIAL_ENTITY.sub("", text[: limit - 1]).rstrip() + "…"

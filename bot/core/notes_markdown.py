"""Line-level markdown reading for notes files, used by bot.core.content.

Splits a notes file into lines (LF, CRLF or CR), reads the front matter, and scans the body once into a
flat list of events: headings, `<details>` blocks, `Q:`/`A:` markers and ordinary lines. Fenced code is
tracked all the way through, so nothing inside a fence is ever taken for structure. Also turns a run of
answer lines into answer text, and judges whether an answer looks cut off.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEADING = re.compile(r" {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
# Fences may be indented freely: inside list items they usually are, and a `#` line in them is still code.
_FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})(.*)$")
_FENCE_CLOSE = re.compile(r"[ \t]*(`{3,}|~{3,})[ \t]*$")
_DETAILS_OPEN = re.compile(r"<details(?:\s[^>]*)?>", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary(?:\s[^>]*)?>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_HTML_BREAK = re.compile(r"<br\s*/?>|</?p(?:\s[^>]*)?>", re.IGNORECASE)
_FRONT_MATTER_PAIR = re.compile(r"([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$")
# `Q:`/`A:` in any case, `Q.`/`A.` only in capitals (so that a lettered list "a. ..." is not an answer),
# Korean 질문:/답:/답변:, all optionally bold and optionally numbered (Q1:).
_MARKER = re.compile(
    r"[ \t]{0,3}(?:[-*+][ \t]+)?(\*\*|__)?"
    r"(?:(?P<q>[Qq]|질문)[ \t]*\d*[ \t]*[:：]|(?P<qdot>Q)[ \t]*\d*\.(?=[\s*_]|$)"
    r"|(?:[Aa]|답변|답)[ \t]*\d*[ \t]*[:：]|A[ \t]*\d*\.(?=[\s*_]|$))"
    r"(?:\*\*|__)?[ \t]*(?P<text>.*)$"
)
_LINK_LINE = re.compile(
    r"[ \t]*(?:(?:[-*+]|\d+[.)])[ \t]+)?"
    r"(?:\[[^\]]*\]\([^)]*\)|<https?://[^>]*>|https?://\S+)"
)
_NOT_PROSE = re.compile(r"[ \t]*(?:[-*+][ \t]|\d+[.)][ \t]|[|#>]|<)")
_TERMINAL_PUNCTUATION = frozenset(".!?。！？…)]}）」』〉》:：;；\"'”’`*_~>")
# Korean endings after which a sentence cannot stop: verb stems (있으, 되), particles and connectives.
# Left out on purpose: endings that also end common nouns (추가, 결과, 경로, 정의, 참고, 저하, 속도 ...).
_OPEN_KOREAN_ENDINGS = (
    "으", "있", "없", "되", "및", "그리고", "또는", "를", "을", "는", "은", "며",
    "하여", "하고", "지만", "거나", "에서", "으로", "에게",
)
_OPEN_ENGLISH_WORDS = frozenset({"the", "a", "an", "and", "or", "of", "to", "with", "from", "that"})


@dataclass(slots=True)
class Heading:
    """An ATX heading outside code; `text` is stripped, closing #'s removed."""

    index: int
    level: int
    text: str


@dataclass(slots=True)
class Details:
    """A `<details>` block (outside code), possibly spanning lines and nested."""

    index: int              # line of `<details>`
    summary_index: int      # line of `<summary>` (== index when there is none)
    lead: str               # text before `<details>` on its own line
    summary: str | None     # raw summary HTML/markdown, None when the block has no <summary>
    body: list[str]         # the block's inner lines without the summary
    closed: bool


@dataclass(slots=True)
class Marker:
    """A `Q:` or `A:` line; `text` is what follows the marker."""

    index: int
    is_question: bool
    text: str


# An event is one of the above or, as a plain int, the index of an ordinary line (text, blank or code).
Event = int | Heading | Details | Marker


@dataclass(slots=True)
class ScannedNotes:
    """A notes file read into lines and events; indexes are 0-based line numbers."""

    lines: list[str]
    code: bytearray             # 1 where the line is a fence or inside fenced code
    events: list[Event]
    front_matter: dict[str, str]


def split_lines(text: str) -> list[str]:
    """The lines of `text` without a leading BOM, splitting on LF, CRLF and CR alike."""
    return _LINE_BREAK.split(text.removeprefix("\ufeff"))


def read_front_matter(lines: list[str]) -> tuple[dict[str, str], int]:
    """Simple `key: value` front matter between `---` lines at the top, and the first body line's index."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    values: dict[str, str] = {}
    for index in range(1, len(lines)):
        line = lines[index]
        if line.strip() == "---":
            return values, index + 1
        if not line.strip() or line[0] in " \t" or line.startswith("- "):
            continue  # YAML continuation or list lines: not keys we use
        pair = _FRONT_MATTER_PAIR.match(line)
        if pair is None:
            return {}, 0  # not front matter after all: the `---` was a thematic break
        values[pair.group(1).lower()] = _unquote(pair.group(2))
    return {}, 0


def scan_notes(text: str) -> ScannedNotes:
    """Read a notes file into lines, front matter and a flat list of events, in one pass."""
    lines = split_lines(text)
    front_matter, start = read_front_matter(lines)
    code = bytearray(len(lines))
    events: list[Event] = []
    fence: tuple[str, int] | None = None
    details_start, details_depth = 0, 0
    for index in range(start, len(lines)):
        line = lines[index]
        if fence is not None:
            code[index] = 1
            if _closes_fence(line, fence):
                fence = None
        elif (opening := _fence_opening(line)) is not None:
            code[index] = 1
            fence = opening[:2]
        elif details_depth:
            details_depth += _details_balance(line)
            if details_depth <= 0:
                details_depth = 0
                events.append(_read_details(lines, details_start, index, closed=True))
            continue
        elif "<" in line and _DETAILS_OPEN.search(line):
            details_start, details_depth = index, _details_balance(line)
            if details_depth <= 0:
                details_depth = 0
                events.append(_read_details(lines, index, index, closed=True))
            continue
        elif (event := _heading_or_marker(line, index)) is not None:
            events.append(event)
            continue
        if not details_depth:
            events.append(index)
    if details_depth:
        events.append(_read_details(lines, details_start, len(lines) - 1, closed=False))
    return ScannedNotes(lines, code, events, front_matter)


def render_answer(lines: list[str], *, html_breaks: bool = False) -> str:
    """Answer text from answer lines: a lone fence without info string is unwrapped, the rest kept as is.

    With `html_breaks`, `<br>` and `<p>` outside code become line breaks (used for `<details>` bodies).
    """
    first, last = 0, len(lines)
    while first < last and not lines[first].strip():
        first += 1
    while last > first and not lines[last - 1].strip():
        last -= 1
    lines = lines[first:last]
    if not lines:
        return ""
    opening = _fence_opening(lines[0])
    if opening is not None and not opening[2]:
        close = _fence_close_index(lines, 0, opening[:2])
        if close is None or close == len(lines) - 1:  # the whole answer is one plain fence: it is prose
            lines = lines[1:close]
            html_breaks = False
    text = textwrap.dedent("\n".join(line.rstrip() for line in lines))
    if html_breaks:
        text = _html_breaks_to_newlines(text.split("\n"))
    return text.strip()


def looks_cut_off(answer: str) -> bool:
    """True when the answer's last line is prose that stops where no sentence can (e.g. "...담고 있으")."""
    lines = answer.splitlines()
    code = code_flags(lines)
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index].strip()
        if line:
            break
    else:
        return False
    if code[index] or _NOT_PROSE.match(line) or line[-1] in _TERMINAL_PUNCTUATION:
        return False
    word = line.split()[-1]
    if "\uac00" <= word[-1] <= "\ud7a3":  # a Hangul syllable
        return word.endswith(_OPEN_KOREAN_ENDINGS)
    return len(line.split()) > 2 and word.casefold() in _OPEN_ENGLISH_WORDS


def is_link_line(line: str) -> bool:
    """A line that is a link or URL, optionally as a list item (`- [x](url)`, `* <url>`, `https://...`)."""
    return _LINK_LINE.match(line) is not None


def code_flags(lines: list[str]) -> bytearray:
    """1 for each line that is a fence or inside fenced code; an unclosed fence runs to the end."""
    flags = bytearray(len(lines))
    fence: tuple[str, int] | None = None
    for index, line in enumerate(lines):
        if fence is not None:
            flags[index] = 1
            if _closes_fence(line, fence):
                fence = None
        elif (opening := _fence_opening(line)) is not None:
            flags[index] = 1
            fence = opening[:2]
    return flags


def _html_breaks_to_newlines(lines: list[str]) -> str:
    """`<br>` and `<p>` outside code and tables as line breaks, without piling up blank lines."""
    code = code_flags(lines)
    out: list[str] = []
    for index, line in enumerate(lines):
        if code[index] or line.lstrip().startswith("|"):
            out.append(line)
            continue
        for part in _HTML_BREAK.sub("\n", line).split("\n") if "<" in line else (line,):
            if part.strip() or (out and out[-1].strip()):
                out.append(part.rstrip())
    return "\n".join(out)


def _fence_opening(line: str) -> tuple[str, int, str] | None:
    """(char, length, info string) when `line` opens a fence."""
    if "```" not in line and "~~~" not in line:
        return None
    match = _FENCE_OPEN.match(line)
    if match is None:
        return None
    marker, info = match.group(1), match.group(2).strip()
    if marker[0] == "`" and "`" in info:
        return None  # ```code``` on one line is inline code, not a fence
    return marker[0], len(marker), info


def _closes_fence(line: str, fence: tuple[str, int]) -> bool:
    """A closing fence uses the opening's character, at least as many times, and nothing else."""
    if fence[0] * 3 not in line:
        return False
    match = _FENCE_CLOSE.match(line)
    return match is not None and match.group(1)[0] == fence[0] and len(match.group(1)) >= fence[1]


def _fence_close_index(lines: list[str], start: int, fence: tuple[str, int]) -> int | None:
    """Index of the line closing the fence opened at `start`, or None when it runs to the end."""
    for index in range(start + 1, len(lines)):
        if _closes_fence(lines[index], fence):
            return index
    return None


def _details_balance(line: str) -> int:
    """Openings minus closings of `<details>` on a line, so that nested blocks stay inside the outer one."""
    if "<" not in line:
        return 0
    return len(_DETAILS_OPEN.findall(line)) - len(_DETAILS_CLOSE.findall(line))


def _read_details(lines: list[str], start: int, end: int, *, closed: bool) -> Details:
    """Split a `<details>` block into the text before it, its summary and its body."""
    block = "\n".join(lines[start:end + 1])
    opening = _DETAILS_OPEN.search(block)
    assert opening is not None  # the scanner only starts a block on a line with <details>
    inner_start, inner_end = opening.end(), len(block)
    if closed:
        *_, closing = _DETAILS_CLOSE.finditer(block)  # the outermost block closes last
        inner_end = closing.start()
    summary = _SUMMARY.search(block, inner_start, inner_end)
    if summary is None:
        return Details(start, start, block[:opening.start()].strip(), None,
                       block[inner_start:inner_end].split("\n"), closed)
    body = block[inner_start:summary.start()] + "\n" + block[summary.end():inner_end]
    return Details(start, start + block.count("\n", 0, summary.start()), block[:opening.start()].strip(),
                   summary.group(1), body.split("\n"), closed)


def _heading_or_marker(line: str, index: int) -> Heading | Marker | None:
    """The heading or Q:/A: marker on a (non-code) line, if any."""
    if "#" in line and (heading := _HEADING.match(line)) is not None:
        text = _CLOSING_HASHES.sub("", heading.group(2) or "").strip()
        return Heading(index, len(heading.group(1)), text)
    marker = _MARKER.match(line)
    if marker is None:
        return None
    text, bold = marker.group("text").strip(), marker.group(1)
    if bold and text.endswith(bold):  # **Q: question** closes the bold at the end of the question
        text = text[:-len(bold)].rstrip()
    return Marker(index, bool(marker.group("q") or marker.group("qdot")), text)


def _unquote(value: str) -> str:
    """A front matter value without its surrounding quotes."""
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value

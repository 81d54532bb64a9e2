"""Flashcard exports read into (question, answer) cards: text in, cards out; no file I/O, no clock.

Formats read:

* Anki "Notes in Plain Text" exports (Anki 2.1.55+), recognised by their header lines whatever the file's
  suffix. The header block is the run of `#key:value` lines with a key Anki knows (`separator`, `html`,
  `tags column`, `deck column`, `notetype column`, `guid column`, `columns`, `notetype`, `deck`, `tags`,
  `if matches`, `match scope`) at the very top; the first line that is not one ends it, and a `#` line
  further down is an ordinary row. `#separator:` takes Anki's names (`tab`, `comma`, `semicolon`, `pipe`,
  `space`, `colon`, any case) or a single literal character; without a usable one the delimiter is guessed
  from the first row (tab, pipe, semicolon, comma, in that order; tab when none occurs, Anki's default).
  Rows are read with the `csv` module (double-quoted fields, `""` for a quote, newlines inside quotes).
  The question is the first field that is not the guid, notetype, deck or tags column, the answer the next
  such field; further fields are ignored. `#html:true` fields go through html_to_markdown; `#html:false`
  fields are kept as they are; without an `html` header, a field is converted only when it contains an
  HTML tag; an `#html:true` field without tags still has its entities (`&amp;`, `&nbsp;`) decoded.
  html_to_markdown's whitespace rule applies: a raw line break in a field without block tags (`<br>`,
  `<div>`, ...) is kept, not collapsed to a space as Anki's HTML view would show it. `[sound:...]`
  references are dropped: a chat bot cannot play them. Deck, tags and note type are not returned.
  Cloze notes: when the question field has `{{cN::text}}` / `{{cN::text::hint}}` deletions, one card is
  made for the whole note (not one per cN): the question is the text with each deletion shown as `[...]`
  (or `[hint]`), the answer the full text with the deleted text in bold, followed after a blank line by
  the next field (Anki's "Back Extra") when it is not empty. Nested deletions are resolved innermost first.
* Two-column CSV (`.csv`): the delimiter is csv.Sniffer's guess among `, ; TAB |` on the first lines,
  comma when it cannot tell. TSV (`.tsv`, and Quizlet's default "term<TAB>definition" export): tab.
  A `.txt` file without Anki headers is read as TSV when more than half of its non-blank lines have a tab;
  otherwise it is not a flashcard export and gives no cards (and nothing skipped). Any other suffix
  without Anki headers gives no cards either. The first row with any text is skipped as a "header row"
  when its first two fields are a question label and an answer label (question/front/term/q/질문/문제 then
  answer/back/definition/a/답변/정답, any case, trimmed); extra columns are ignored.

Common to both: a UTF-8 BOM at the start is dropped. Fields are stripped and their CR/CRLF line breaks
become LF; inner newlines are kept. Rows with no text at all (blank lines, `,,`) are dropped silently;
rows with one field are skipped as "only one field", rows with an empty question or answer as "empty
question" / "empty answer" (judged after HTML conversion, so a field of only `<br>` or `&nbsp;` is
empty). A row the csv module rejects (a field over its size limit) is skipped as "unreadable row".
`line` numbers are 1-based lines of the given text (LF, CRLF or CR), of the row's first line, also when a
quoted field spans lines. A skipped row's `text` is its first non-empty question/answer field, whitespace
runs collapsed to one space, cut to 80 characters with a trailing "…".
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.core.html_to_markdown import html_to_markdown

_BOM = "\ufeff"
_ANKI_KEYS = frozenset({
    "separator", "html", "tags column", "deck column", "notetype column", "guid column", "columns",
    "notetype", "deck", "tags", "if matches", "match scope",
})
_ANKI_HEADER = re.compile(r"#([A-Za-z][A-Za-z ]*?)[ \t]*:(.*)")
_ANKI_SEPARATORS = {
    "tab": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " ", "colon": ":",
}
# Anki's own order of preference when a file names no separator.
_GUESSED_SEPARATORS = ("\t", "|", ";", ",")
_CSV_DELIMITERS = ",;\t|"
# Enough lines for the sniffer to see a pattern; its regexes are slow on large samples.
_SNIFF_CHARS = 8192
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
_SOUND = re.compile(r"\[sound:[^\]\n]*\]")
# Innermost deletion only (no `{{cN::` or `}}` inside), so that nested clozes resolve from the inside out.
_CLOZE = re.compile(
    r"\{\{c\d+::((?:(?!\{\{c\d+::|\}\}|::).)*)(?:::((?:(?!\{\{c\d+::|\}\}).)*))?\}\}", re.DOTALL
)
# Marks around a deletion's text until nesting is resolved; control characters that notes never need.
_OPEN, _CLOSE = "\x02", "\x03"
_LINE_BREAKS = re.compile(r"\r\n?")
_FIRST_LINE = re.compile(r"[^\r\n]*")
_WHITESPACE = re.compile(r"\s+")
_QUESTION_LABELS = frozenset({"question", "front", "term", "q", "질문", "문제"})
_ANSWER_LABELS = frozenset({"answer", "back", "definition", "a", "답변", "정답"})
_SHORT_TEXT = 80


@dataclass(frozen=True)
class Card:
    """One question and answer read from a flashcard export; `line` is 1-based, of the card's first line."""

    question: str  # markdown
    answer: str  # markdown
    line: int


@dataclass(frozen=True)
class SkippedCard:
    """A row that is not a card, and why (shown to the notes' author as file:line: reason)."""

    line: int
    text: str  # the row's first field, shortened to 80 characters
    reason: str  # short English phrase, e.g. "empty answer", "header row", "only one field"


@dataclass(frozen=True)
class FlashcardFile:
    """The cards of one export, and the rows that were not cards."""

    cards: tuple[Card, ...]
    skipped: tuple[SkippedCard, ...]


@dataclass(frozen=True)
class _AnkiHeaders:
    line_count: int
    separator: str | None
    html: bool | None  # None: no `#html:` header, so each field is judged by whether it has tags
    metadata_columns: frozenset[int]  # 0-based guid, notetype, deck and tags columns


def is_anki_export(text: str) -> bool:
    """True when the text starts with Anki's "Notes in Plain Text" header lines (#separator:, #html:, ...)."""
    first_line = _FIRST_LINE.match(text.removeprefix(_BOM))[0]
    return _anki_header(first_line) is not None


def is_flashcard_export(text: str, suffix: str) -> bool:
    """Whether `read_flashcards` reads this file (else it is notes): Anki's headers, a .csv or .tsv, or a
    .txt whose lines are mostly tab-separated."""
    suffix = suffix.lower()
    return (is_anki_export(text) or suffix in (".csv", ".tsv")
            or (suffix == ".txt" and _mostly_tabbed(text.removeprefix(_BOM))))


def read_flashcards(text: str, suffix: str) -> FlashcardFile:
    """Cards from an Anki plain-text export (any suffix, detected by its headers) or a two-column CSV/TSV
    (suffix ".csv" or ".tsv"; also ".txt" with tabs and no Anki headers)."""
    text = text.removeprefix(_BOM)
    suffix = suffix.lower()
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    if is_anki_export(text):
        return _read_anki(text)
    if suffix == ".csv":
        return _read_table(text, _sniff_delimiter(text))
    if suffix == ".tsv" or (suffix == ".txt" and _mostly_tabbed(text)):
        return _read_table(text, "\t")
    return FlashcardFile((), ())


# --- Anki -----------------------------------------------------------------------------------------------

def _anki_header(line: str) -> tuple[str, str] | None:
    match = _ANKI_HEADER.fullmatch(line)
    if match is None or match[1].lower() not in _ANKI_KEYS:
        return None
    return match[1].lower(), match[2].strip()


def _read_anki_headers(lines: list[str]) -> _AnkiHeaders:
    separator: str | None = None
    html: bool | None = None
    metadata_columns: set[int] = set()
    count = 0
    for line in lines:
        header = _anki_header(line.rstrip("\r\n"))
        if header is None:
            break
        count += 1
        key, value = header
        if key == "separator":
            separator = _ANKI_SEPARATORS.get(value.lower(), value if len(value) == 1 else None)
            # The csv module cannot split on a quote or a line break.
            if separator in ('"', "\n", "\r"):
                separator = None
        elif key == "html":
            html = value.lower() == "true"
        elif key.endswith(" column") and value.isdecimal() and int(value) > 0:
            metadata_columns.add(int(value) - 1)
    return _AnkiHeaders(count, separator, html, frozenset(metadata_columns))


def _read_anki(text: str) -> FlashcardFile:
    lines = io.StringIO(text, newline="").readlines()
    headers = _read_anki_headers(lines)
    body = lines[headers.line_count:]
    separator = headers.separator or _guess_separator(body)
    cards: list[Card] = []
    skipped: list[SkippedCard] = []
    for line, fields in _rows(body, separator, headers.line_count):
        if fields is None:
            skipped.append(SkippedCard(line, "", "unreadable row"))
            continue
        content = [field for index, field in enumerate(fields) if index not in headers.metadata_columns]
        raw_question = content[0] if content else ""
        raw_answer = content[1] if len(content) > 1 else ""
        question = _anki_field(raw_question, headers.html)
        answer = _anki_field(raw_answer, headers.html)
        field_count = len(content)
        if _CLOZE.search(question):
            question, answer = _cloze_card(question, answer)
            # A cloze note's answer is in its first field: the "Back Extra" field may be left out.
            field_count = max(field_count, 2)
        _collect(cards, skipped, line, field_count, question, answer)
    return FlashcardFile(tuple(cards), tuple(skipped))


def _guess_separator(body: list[str]) -> str:
    first_row = next((line for line in body if line.strip()), "")
    return next((separator for separator in _GUESSED_SEPARATORS if separator in first_row), "\t")


def _anki_field(field: str, html: bool | None) -> str:
    field = _SOUND.sub("", field)
    has_tag = _HTML_TAG.search(field) is not None
    if html or (html is None and has_tag):
        # html_to_markdown returns a fragment without tags as it is (a markdown note), but an Anki HTML
        # field is HTML even without tags: the wrapper gets its entities (&amp;, &nbsp;) decoded.
        field = html_to_markdown(field if has_tag else f"<span>{field}</span>")
    return _clean(field)


def _cloze_card(text: str, extra: str) -> tuple[str, str]:
    text = text.replace(_OPEN, "").replace(_CLOSE, "")
    question = answer = text
    while (masked := _CLOZE.sub(_mask, question)) != question:
        question = masked
    while (marked := _CLOZE.sub(_mark, answer)) != answer:
        answer = marked
    answer = _clean(_bold_marked(answer))
    if extra and answer:
        answer = f"{answer}\n\n{extra}"
    return _clean(question), answer


def _mask(match: re.Match[str]) -> str:
    hint = (match[2] or "").strip()
    return f"[{hint}]" if hint else "[...]"


def _mark(match: re.Match[str]) -> str:
    deleted = match[1]
    core = deleted.strip()
    if not core:
        return deleted
    # Already bold text (an Anki field's <b> inside the deletion) is made bold once, not twice.
    if len(core) > 4 and core.startswith("**") and core.endswith("**"):
        core = core[2:-2]
    # Bold markers must touch the text, so surrounding spaces stay outside.
    leading = deleted[: len(deleted) - len(deleted.lstrip())]
    trailing = deleted[len(deleted.rstrip()):]
    return f"{leading}{_OPEN}{core}{_CLOSE}{trailing}"


def _bold_marked(text: str) -> str:
    """Marked deletions in bold; a deletion nested in another is inside the outer bold, not bold again."""
    out: list[str] = []
    depth = 0
    for char in text:
        if char == _OPEN:
            depth += 1
            if depth == 1:
                out.append("**")
        elif char == _CLOSE:
            depth -= 1
            if depth == 0:
                out.append("**")
        else:
            out.append(char)
    return "".join(out)


# --- CSV and TSV ----------------------------------------------------------------------------------------

def _sniff_delimiter(text: str) -> str:
    sample = text[:_SNIFF_CHARS]
    # A cut line would show the sniffer a row with fewer delimiters than the others.
    if len(text) > _SNIFF_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS).delimiter
    except csv.Error:
        return ","
    return delimiter if delimiter in _CSV_DELIMITERS else ","


def _mostly_tabbed(text: str) -> bool:
    lines = [line for line in _LINE_BREAKS.sub("\n", text).split("\n") if line.strip()]
    return bool(lines) and 2 * sum("\t" in line for line in lines) > len(lines)


def _read_table(text: str, delimiter: str) -> FlashcardFile:
    cards: list[Card] = []
    skipped: list[SkippedCard] = []
    seen_text = False
    for line, fields in _rows(io.StringIO(text, newline=""), delimiter, 0):
        if fields is None:
            skipped.append(SkippedCard(line, "", "unreadable row"))
            seen_text = True
            continue
        question = _clean(fields[0]) if fields else ""
        answer = _clean(fields[1]) if len(fields) > 1 else ""
        if not seen_text and (question or answer):
            seen_text = True
            if question.lower() in _QUESTION_LABELS and answer.lower() in _ANSWER_LABELS:
                skipped.append(SkippedCard(line, _short(question), "header row"))
                continue
        _collect(cards, skipped, line, len(fields), question, answer)
    return FlashcardFile(tuple(cards), tuple(skipped))


# --- shared ---------------------------------------------------------------------------------------------

def _rows(lines: Iterable[str], delimiter: str, offset: int) -> Iterator[tuple[int, list[str] | None]]:
    """(first line, fields) per row; fields is None for a row the csv module rejects."""
    # skipinitialspace: spreadsheets and Quizlet write `term, "a, b and c"`: the quotes still quote.
    reader = csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False,
                        skipinitialspace=delimiter != "\t")
    previous_end = 0
    while True:
        try:
            fields: list[str] | None = next(reader)
        except StopIteration:
            return
        except csv.Error:
            fields = None
        # line_num is the line where the row ended; the row began just after the previous one ended.
        yield offset + previous_end + 1, fields
        previous_end = reader.line_num


def _collect(
    cards: list[Card], skipped: list[SkippedCard], line: int, field_count: int, question: str, answer: str
) -> None:
    if not question and not answer:
        return
    if field_count < 2:
        skipped.append(SkippedCard(line, _short(question or answer), "only one field"))
    elif not question:
        skipped.append(SkippedCard(line, _short(answer), "empty question"))
    elif not answer:
        skipped.append(SkippedCard(line, _short(question), "empty answer"))
    else:
        cards.append(Card(question, answer, line))


def _clean(field: str) -> str:
    return _LINE_BREAKS.sub("\n", field).strip()


def _short(text: str) -> str:
    text = _WHITESPACE.sub(" ", text).strip()
    return text if len(text) <= _SHORT_TEXT else text[: _SHORT_TEXT - 1] + "…"

"""The question bank's parser: markdown notes text in, questions and warnings out.

Pure: no file I/O, no clock, standard library only. One file may mix these formats:

* Headings. An ATX heading (`#` to `######`) is a question when it has text of its own before the next
  heading of any level; its answer then runs to the next heading of the same or a higher level, so
  deeper headings in between belong to the answer. A heading with no text of its own that is followed by
  deeper headings, a `<details>` block or a `Q:` is a section heading: not a question, no warning. A
  heading followed directly by one of the same or a higher level (or by nothing) has no answer: warned,
  skipped. When the whole answer is one fenced block with no info string (the seed's shape) the answer is
  that block's text, unwrapped; otherwise the answer is kept as markdown, fences included.
* `<details><summary>question</summary> answer </details>`, tags in any case, over any number of lines,
  nested blocks kept inside the answer. `<br>` and `<p>` in the answer (outside code) become line breaks;
  other HTML is kept. When the summary is only a label ("답변", "Answer", "Show answer", ...) the question
  is the text before `<details>` on its line, else the nearest non-blank line before the block: a heading,
  a `Q:` line or a text line (list marker and bold stripped), which then is not read as anything else.
  A `<details>` block ends the answer of a heading before it.
* `Q:`/`A:` pairs (also `**Q:**`, `Q1:`, `Q.`, `질문:`/`답:`), markers in any case except the dotted form,
  which must be a capital. The question may continue on the lines up to the first blank line; the answer
  runs from `A:` to the next heading, `<details>` or `Q:`.

Not questions: `#` lines inside fenced code (``` or ~~~; an unclosed fence runs to the end of the file);
empty headings (warned); headings titled like "References" or "목차", and headings whose text is only a
list of links (silently). A "Reference"-style label line followed only by links is cut from the end of an
answer. Front matter (`---` lines at the very top, `key: value`) may set `title`, `language` and `topic`.

Topic: front matter `topic:` (lower-cased), else detect_topic() (keywords in the question, else in the
answer), else the file name's stem, lower-cased. Duplicates (same normalised question, hence same id) keep
the longer answer, on a tie the first, in the place of the first, and are warned about naming both places.
An answer looks cut off when its last line is prose without closing punctuation that stops on a Korean
particle or verb stem ("...담고 있으") or on "the", "and", "of"...; it is warned about even when dedup
drops it.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from bot.core.notes_markdown import (
    Details, Heading, Marker, ScannedNotes, is_link_line, looks_cut_off, render_answer, scan_notes,
)
from bot.core.topics import TOPIC_KEYWORDS, detect_topic

__all__ = [
    "ContentWarning", "ParsedNotes", "Question", "TOPIC_KEYWORDS", "detect_topic", "merge_notes",
    "normalise_question", "parse_notes", "question_id",
]

# Summaries that only label the answer; the question is then the text before the block.
ANSWER_LABELS = (
    "답변", "답", "정답", "해설", "풀이", "보기", "펼치기", "더보기", "답변 보기", "정답 보기", "정답 확인",
    "해설 보기", "answer", "answers", "show answer", "reveal answer", "the answer", "solution",
    "show solution", "explanation", "click to expand", "click to show", "expand", "show", "details",
)
# Headings (and label lines above trailing links) that introduce references or a table of contents.
REFERENCE_TITLES = (
    "reference", "references", "ref", "refs", "links", "link", "see also", "further reading", "resources",
    "sources", "source", "table of contents", "contents", "toc", "참고", "참고자료", "참고 자료", "참고문헌",
    "참고 문헌", "참조", "출처", "링크", "목차",
)


@dataclass(frozen=True)
class Question:
    """One Q&A from the notes."""

    id: str
    question: str
    answer: str
    topic: str
    source: str  # "path:line", line 1-based, of the question


@dataclass(frozen=True)
class ContentWarning:
    """Something in the notes worth fixing, at path:line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class ParsedNotes:
    """Questions and warnings from one notes file, or from the whole bank after merge_notes."""

    questions: tuple[Question, ...]
    warnings: tuple[ContentWarning, ...]
    title: str | None = None
    language: str | None = None


class _PunctuationAndSymbols(dict):
    """str.translate table dropping Unicode categories P* and S*, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code))[0] in "PS" else code
        self[code] = kept
        return kept


_DROP_PUNCTUATION = _PunctuationAndSymbols()


def normalise_question(text: str) -> str:
    """Question text reduced for comparison: NFKC, casefolded, no punctuation or symbols, single spaces."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # Markdown emphasis and code markers (* _ ` ~) are punctuation or symbols, so this drops them too.
    return " ".join(text.translate(_DROP_PUNCTUATION).split())


def question_id(text: str) -> str:
    """Stable id of a question: the first 16 hex digits of sha256 of its normalised text."""
    return hashlib.sha256(normalise_question(text).encode()).hexdigest()[:16]


_TAG = re.compile(r"<[^>]*>")
_LABELS = frozenset(normalise_question(label) for label in ANSWER_LABELS)
_REFERENCE_TITLES = frozenset(normalise_question(title) for title in REFERENCE_TITLES)


def parse_notes(text: str, path: str) -> ParsedNotes:
    """Parse one notes file; `path` is only used for sources, warnings and the fallback topic."""
    scanned = scan_notes(text)
    assembler = _Assembler(scanned, path)
    assembler.run()
    front = scanned.front_matter
    topic = (front.get("topic") or "").strip().lower() or None
    questions, warnings = [], assembler.warnings
    for question, answer, index in assembler.found:
        if looks_cut_off(answer):
            warnings.append(ContentWarning(path, index + 1, "answer looks cut off"))
        questions.append(Question(
            id=question_id(question), question=question, answer=answer, source=f"{path}:{index + 1}",
            topic=topic or detect_topic(question, answer) or _file_topic(path),
        ))
    kept, duplicates = _merge_duplicates(questions)
    warnings = sorted(warnings + duplicates, key=lambda warning: warning.line)
    return ParsedNotes(tuple(kept), tuple(warnings),
                       title=front.get("title") or None, language=front.get("language") or None)


def merge_notes(parts: Iterable[ParsedNotes]) -> ParsedNotes:
    """The bank across files: every question and warning, duplicates across files merged as within one."""
    questions: list[Question] = []
    warnings: list[ContentWarning] = []
    for part in parts:
        questions.extend(part.questions)
        warnings.extend(part.warnings)
    kept, duplicates = _merge_duplicates(questions)
    return ParsedNotes(tuple(kept), tuple(warnings + duplicates))


def _merge_duplicates(questions: list[Question]) -> tuple[list[Question], list[ContentWarning]]:
    """One question per id, in order of first appearance, keeping the longest answer (ties: the first)."""
    copies: dict[str, list[Question]] = {}
    for question in questions:
        copies.setdefault(question.id, []).append(question)
    kept, warnings = [], []
    for group in copies.values():
        best = max(group, key=lambda q: len(q.answer.strip()))  # max() keeps the first of equals
        kept.append(best)
        if len({len(q.answer.strip()) for q in group}) == 1:
            choice = f"answers equally long; kept the first, from {best.source}"
        else:
            choice = f"kept the more complete answer from {best.source}"
        for later in group[1:]:
            path, _, line = later.source.rpartition(":")
            message = f'duplicate question "{later.question}" (also at {group[0].source}); {choice}'
            warnings.append(ContentWarning(path, int(line), message))
    return kept, warnings


def _file_topic(path: str) -> str:
    """Fallback topic: the file name without its extension, lower-cased."""
    return PurePosixPath(path.replace("\\", "/")).stem.lower() or "general"


def _clean_question_line(line: str) -> str:
    """A text line used as a question: without list marker, quote marker or surrounding bold."""
    text = line.strip().lstrip(">").strip()
    head, _, rest = text.partition(" ")
    if rest and (head in ("-", "*", "+") or (head[:-1].isdigit() and head[-1:] in ".)")):
        text = rest.strip()
    for wrapper in ("**", "__"):
        if len(text) > 4 and text.startswith(wrapper) and text.endswith(wrapper):
            text = text[2:-2].strip()
    return text


@dataclass
class _Assembler:
    """Walks the scanned events of one file and collects (question, answer, line index) and warnings."""

    scanned: ScannedNotes
    path: str
    found: list[tuple[str, str, int]] = field(default_factory=list)
    warnings: list[ContentWarning] = field(default_factory=list)
    # Lines and events that became the question of a label-only <details>, so are nothing else.
    taken_lines: set[int] = field(default_factory=set)
    taken_events: set[int] = field(default_factory=set)
    label_questions: dict[int, tuple[str, int]] = field(default_factory=dict)

    def run(self) -> None:
        """Assemble the whole file."""
        events = self.scanned.events
        self._resolve_label_summaries()
        position = 0
        while position < len(events):
            event = events[position]
            if isinstance(event, Heading):
                position = self._heading(position)
            elif isinstance(event, Details):
                self._details(position)
                position += 1
            elif isinstance(event, Marker) and event.is_question:
                position = self._question_marker(position)
            else:
                position += 1  # text outside any question (a preamble, a stray A:): not a question

    def _resolve_label_summaries(self) -> None:
        """Find the question of each `<details>` whose summary is only a label, before anything reads it."""
        events, lines = self.scanned.events, self.scanned.lines
        for position, event in enumerate(events):
            if not isinstance(event, Details) or event.summary is None or not _is_label(event.summary):
                continue
            if event.lead:
                self.label_questions[position] = (_clean_question_line(event.lead), event.index)
                continue
            before = position - 1
            while before >= 0 and isinstance(events[before], int) and not lines[events[before]].strip():
                before -= 1
            previous = events[before] if before >= 0 else None
            if isinstance(previous, int) and not self.scanned.code[previous]:
                self.taken_lines.add(previous)
                self.label_questions[position] = (_clean_question_line(lines[previous]), previous)
            elif isinstance(previous, Heading) and previous.text or (
                    isinstance(previous, Marker) and previous.is_question):
                self.taken_events.add(before)
                self.label_questions[position] = (previous.text, previous.index)
            else:
                self._warn(event.index, f'answer label "{_summary_text(event.summary)}" has no question '
                                        "before it; skipped")

    def _heading(self, position: int) -> int:
        """Handle the heading at `position`; return the position of the next event to read."""
        events = self.scanned.events
        heading = events[position]
        assert isinstance(heading, Heading)
        own_end = self._body_end(position + 1)
        if position in self.taken_events:
            return own_end
        if not normalise_question(heading.text):
            self._warn(heading.index, "empty heading; skipped")
            return own_end
        if _is_reference_title(heading.text):
            return own_end
        own_lines = self._lines(position + 1, own_end)
        if _is_link_list(own_lines):
            return own_end
        if not self._answer(own_lines):
            following = events[own_end] if own_end < len(events) else None
            is_section = (isinstance(following, Heading) and following.level > heading.level
                          or isinstance(following, Details) or isinstance(following, Marker))
            if not is_section:
                self._warn(heading.index, "heading has no answer; skipped")
            return own_end
        end = own_end
        while end < len(events) and end not in self.taken_events and (
                isinstance(events[end], Heading) and events[end].level > heading.level):
            end = self._body_end(end + 1)
        self._add(heading.text, self._answer(self._lines(position + 1, end)), heading.index)
        return end

    def _details(self, position: int) -> None:
        """Handle the `<details>` block at `position`."""
        details = self.scanned.events[position]
        assert isinstance(details, Details)
        if not details.closed:
            self._warn(details.index, "<details> is never closed; it runs to the end of the file")
        if details.summary is None:
            self._warn(details.index, "<details> has no <summary>; skipped")
            return
        if _is_label(details.summary):
            if position not in self.label_questions:
                return  # already warned: a label with no question before it
            question, index = self.label_questions[position]
        else:
            question, index = _summary_text(details.summary), details.summary_index
        answer = self._answer(details.body, html_breaks=True)
        if not answer:
            self._warn(index, "<details> has no answer; skipped")
        elif not normalise_question(question):
            self._warn(index, "<details> has no question; skipped")
        else:
            self._add(question, answer, index)

    def _question_marker(self, position: int) -> int:
        """Handle a `Q:` line and its `A:`; return the position of the next event to read."""
        events, lines = self.scanned.events, self.scanned.lines
        marker = events[position]
        assert isinstance(marker, Marker)
        if position in self.taken_events:
            return position + 1
        parts, cursor = [marker.text], position + 1
        while (cursor < len(events) and isinstance(events[cursor], int) and lines[events[cursor]].strip()
               and not self.scanned.code[events[cursor]]):
            parts.append(lines[events[cursor]].strip())  # the question continues up to a blank line
            cursor += 1
        while cursor < len(events) and isinstance(events[cursor], int) and not lines[events[cursor]].strip():
            cursor += 1
        question = " ".join(part for part in parts if part)
        answer_marker = events[cursor] if cursor < len(events) else None
        if not isinstance(answer_marker, Marker) or answer_marker.is_question:
            self._warn(marker.index, "Q: has no A:; skipped")
            return cursor
        end = self._body_end(cursor + 1)
        answer = self._answer([answer_marker.text, *self._lines(cursor + 1, end)])
        if not normalise_question(question):
            self._warn(marker.index, "Q: has no question; skipped")
        elif not answer:
            self._warn(marker.index, "Q: has an empty answer; skipped")
        else:
            self._add(question, answer, marker.index)
        return end

    def _body_end(self, position: int) -> int:
        """Position of the first event from `position` on that is not answer text (lines and stray A:)."""
        events = self.scanned.events
        while position < len(events) and (isinstance(events[position], int) or (
                isinstance(events[position], Marker) and not events[position].is_question)):
            position += 1
        return position

    def _lines(self, start: int, end: int) -> list[str]:
        """The source lines of events[start:end] (headings and markers included), minus taken lines."""
        lines = self.scanned.lines
        indexes = (e if isinstance(e, int) else e.index for e in self.scanned.events[start:end])
        return [lines[index] for index in indexes if index not in self.taken_lines]

    @staticmethod
    def _answer(lines: list[str], *, html_breaks: bool = False) -> str:
        """Answer text from answer lines, without a trailing "References" list."""
        return render_answer(_without_reference_tail(lines), html_breaks=html_breaks)

    def _add(self, question: str, answer: str, index: int) -> None:
        """Record a question found at line `index`."""
        self.found.append((question.strip(), answer, index))

    def _warn(self, index: int, message: str) -> None:
        """Record a warning about line `index`."""
        self.warnings.append(ContentWarning(self.path, index + 1, message))


def _is_label(summary: str) -> bool:
    """True when a summary only labels the answer ("답변", "Show answer", "Answer:")."""
    return normalise_question(_summary_text(summary)) in _LABELS


def _summary_text(summary: str) -> str:
    """A summary as plain text: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub("", summary)).split())


def _is_reference_title(text: str) -> bool:
    """True for "References", "## 참고", "**Table of contents:**" and the like."""
    return len(text) < 40 and normalise_question(text) in _REFERENCE_TITLES  # long lines never are


def _is_link_list(lines: list[str]) -> bool:
    """True when the non-blank lines are links, optionally under a "References"-style label line."""
    content = [line for line in lines if line.strip()]
    if content and not is_link_line(content[0]) and _is_reference_title(content[0]):
        content = content[1:]
    return bool(content) and all(is_link_line(line) for line in content)


def _without_reference_tail(lines: list[str]) -> list[str]:
    """Lines without a trailing label line ("Reference", "참고") followed only by link lines."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and is_link_line(lines[start - 1]):
        start -= 1
    if start < end and start and _is_reference_title(lines[start - 1]):
        return lines[:start - 1]
    return lines

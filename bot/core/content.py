"""The question bank's parser: notes text in, questions, warnings and skipped candidates out.

Pure: no file I/O, no clock. Markdown notes are read by bot.core.notes_reader (markdown-it-py); flashcard
exports (Anki's plain text, two-column CSV/TSV) by bot.core.flashcards. This module gives what they find
an id, a topic and a source, merges duplicates and warns about answers that look cut off.

Topic: front matter `topic:` (lower-cased), else the topic a section heading names ("## Docker Interview
Questions"), else detect_topic() (keywords in the question, else in the answer), else the file name's
stem, lower-cased. Duplicates (same normalised question, hence same id) keep the longer answer, on a tie
the first, in the place of the first, and are warned about naming both places.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from bot.core.flashcards import is_flashcard_export, read_flashcards
from bot.core.notes_reader import read_notes
from bot.core.notes_text import looks_cut_off, normalise_question
from bot.core.topics import TOPIC_KEYWORDS, detect_topic

__all__ = [
    "TOPIC_KEYWORDS",
    "ContentWarning",
    "ParsedNotes",
    "Question",
    "SkippedCandidate",
    "detect_topic",
    "merge_notes",
    "normalise_question",
    "parse_notes",
    "question_id",
]

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
class SkippedCandidate:
    """Something that looked like a question and is not one, at path:line, and why."""

    path: str
    line: int
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: skipped ({self.reason}): {self.text}"


@dataclass(frozen=True)
class ParsedNotes:
    """Questions, warnings and skipped candidates from one notes file, or from the whole bank."""

    questions: tuple[Question, ...]
    warnings: tuple[ContentWarning, ...]
    title: str | None = None
    language: str | None = None
    skipped: tuple[SkippedCandidate, ...] = ()


def question_id(text: str) -> str:
    """Stable id of a question: the first 16 hex digits of sha256 of its normalised text."""
    return hashlib.sha256(normalise_question(text).encode()).hexdigest()[:16]


def parse_notes(text: str, path: str, image_base: str | None = None) -> ParsedNotes:
    """Parse one notes file; `path` gives sources and warnings, the fallback topic and, by its suffix,
    the format (a flashcard export or markdown); relative images resolve against `image_base`."""
    suffix = PurePosixPath(path.replace("\\", "/")).suffix.lower()
    if is_flashcard_export(text, suffix):
        return _parsed_flashcards(text, path, suffix)
    reading = read_notes(text, image_base)
    front = reading.front_matter
    topic = (front.get("topic") or "").strip().lower() or None
    questions, warnings = [], []
    for found in reading.found:
        if looks_cut_off(found.answer):
            warnings.append(ContentWarning(path, found.line + 1, "answer looks cut off"))
        questions.append(Question(
            id=question_id(found.question), question=found.question, answer=found.answer,
            source=f"{path}:{found.line + 1}",
            topic=topic or found.section or detect_topic(found.question, found.answer) or _file_topic(path),
        ))
    kept, duplicates = _merge_duplicates(questions)
    warnings = sorted(warnings + duplicates, key=lambda warning: warning.line)
    skipped = tuple(SkippedCandidate(path, s.line + 1, s.text, s.reason) for s in reading.skipped)
    return ParsedNotes(tuple(kept), tuple(warnings), title=front.get("title") or None,
                       language=front.get("language") or None, skipped=skipped)


def _parsed_flashcards(text: str, path: str, suffix: str) -> ParsedNotes:
    """A flashcard export's cards as questions (topic: detected, else the file name)."""
    cards = read_flashcards(text, suffix)
    questions = [Question(id=question_id(card.question), question=card.question, answer=card.answer,
                          source=f"{path}:{card.line}",
                          topic=detect_topic(card.question, card.answer) or _file_topic(path))
                 for card in cards.cards if normalise_question(card.question)]
    kept, duplicates = _merge_duplicates(questions)
    skipped = tuple(SkippedCandidate(path, s.line, s.text, s.reason) for s in cards.skipped)
    return ParsedNotes(tuple(kept), tuple(duplicates), skipped=skipped)


def merge_notes(parts: Iterable[ParsedNotes]) -> ParsedNotes:
    """The bank across files: every question and warning, duplicates across files merged as within one."""
    questions: list[Question] = []
    warnings: list[ContentWarning] = []
    skipped: list[SkippedCandidate] = []
    for part in parts:
        questions.extend(part.questions)
        warnings.extend(part.warnings)
        skipped.extend(part.skipped)
    kept, duplicates = _merge_duplicates(questions)
    return ParsedNotes(tuple(kept), tuple(warnings + duplicates), skipped=tuple(skipped))


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

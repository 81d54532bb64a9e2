"""What a chat's members know together: the questions they find hardest, as pure rules over grades."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from bot.core.practice import retrievability
from bot.core.progress import POINTS

GRADE_SCORES = POINTS  # knew 3, partly 2, missed 1: an average grade reads on the same scale as the points
WEAK_SPOTS = 5
WEAK_SPOT_DAYS = 30
FLAGS_TO_HOLD = 3  # members whose reports hold a question out of the daily choice until its notes change


@dataclass(frozen=True)
class QuestionScore:
    """How a chat did on one question: its average grade (1 missed .. 3 knew) over `grades` grades."""

    question_id: str
    average: float
    grades: int


def question_totals(grades: Iterable[tuple[str, date, str, str]]) -> list[tuple[str, int, int]]:
    """(question id, sum of grade scores, grades) from grades as (member, drill day, question id, grade)."""
    totals: dict[str, list[int]] = {}
    for _, _, question_id, grade in grades:
        totals.setdefault(question_id, [0, 0])
        totals[question_id][0] += GRADE_SCORES[grade]
        totals[question_id][1] += 1
    return [(question_id, total, count) for question_id, (total, count) in totals.items()]


def weak_spots(totals: Iterable[tuple[str, int, int]], size: int = WEAK_SPOTS) -> list[QuestionScore]:
    """The `size` questions with the lowest average grade, from (question id, sum of grade scores, grades).

    Ties go to the question graded more often (a surer weakness), then to the id, so the list is stable.
    """
    scores = [QuestionScore(qid, total / count, count) for qid, total, count in totals if count > 0]
    return sorted(scores, key=lambda s: (s.average, -s.grades, s.question_id))[:size]


def team_recall(cards: Iterable[tuple[str, float | None, datetime]], members: int, now: datetime) -> dict[str, float]:
    """question id -> the chat's mean FSRS retrievability of it at `now`, from its members' cards
    (question id, stability, last review); a member with no card for a question counts as not knowing it."""
    totals: defaultdict[str, float] = defaultdict(float)
    for question_id, stability, last_review in cards:
        totals[question_id] += retrievability(stability, last_review, now)
    return {question_id: total / max(members, 1) for question_id, total in totals.items()}


def held_out(reporters: Mapping[str, int], threshold: int = FLAGS_TO_HOLD) -> frozenset[str]:
    """The questions reported by `threshold` members or more (question id -> members who reported it as
    it reads now): they are not chosen as anyone's daily question until their notes change."""
    return frozenset(question_id for question_id, members in reporters.items() if members >= threshold)


def notes_version(question: str, answer: str) -> str:
    """What a report is about: the question as it read then. A change of its text or answer in the notes
    makes a new version, and the reports of the old one no longer count."""
    return hashlib.sha256(f"{question}\0{answer}".encode()).hexdigest()[:16]


RECAP_STREAKS = 3  # the longest current streaks a recap names


@dataclass(frozen=True)
class WeekRecap:
    """What a chat did last week, for the first drill day of the next one."""

    members: int  # members who graded at least once (hidden ones too: counted, never named)
    graded_days: int  # drill days on which somebody graded
    drill_days: int
    hardest: QuestionScore | None  # the lowest average grade of the week's questions
    streaks: tuple[tuple[str, int], ...]  # (member, current streak), the longest first, hidden members left out
    most_improved: tuple[str, int] | None  # (member, points gained on the week before), hidden left out
    fading_topic: str | None  # the topic with the lowest team recall today


def week_recap(
    grades: Iterable[tuple[str, date, str, str]], drill_days: Iterable[date], points: Mapping[str, int],
    points_before: Mapping[str, int], streaks: Mapping[str, int], hidden: Iterable[str],
    topic_recall: Mapping[str, float],
) -> WeekRecap:
    """The recap of a week from its grades (member, drill day, question id, grade), its drill days, each
    member's points in it and in the week before, their current streaks and the topics' team recall."""
    hidden = set(hidden)
    graded = list(grades)
    hardest = weak_spots(question_totals(graded), size=1)
    named = sorted(((member, days) for member, days in streaks.items() if days > 0 and member not in hidden),
                   key=lambda item: (-item[1], item[0]))
    gains = [(member, points.get(member, 0) - points_before.get(member, 0)) for member in points if member not in hidden]
    best_gain = min(gains, key=lambda item: (-item[1], item[0]), default=None)
    return WeekRecap(
        members=len({member for member, *_ in graded}),
        graded_days=len({day for _, day, *_ in graded}),
        drill_days=len(set(drill_days)),
        hardest=hardest[0] if hardest else None,
        streaks=tuple(named[:RECAP_STREAKS]),
        most_improved=best_gain if best_gain and best_gain[1] > 0 else None,
        fading_topic=min(topic_recall, key=lambda topic: (topic_recall[topic], topic)) if topic_recall else None,
    )

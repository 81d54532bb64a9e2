"""Spaced repetition with FSRS: updating a member's card from a grade, and picking a /quiz question."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from fsrs import Card, Rating, Scheduler

RATINGS = {"knew": Rating.Good, "partly": Rating.Hard, "missed": Rating.Again}
# No fuzzing: the same grades at the same times give the same due dates (reproducible tests).
_SCHEDULER = Scheduler(enable_fuzzing=False)


@dataclass(frozen=True)
class CardState:
    """What the store keeps of a member's card for one question."""

    card_json: str
    due: datetime
    stability: float | None


def review(card_json: str | None, grade: str, now: datetime, card_id: int) -> CardState:
    """The card after grading it `grade` at `now` (a new card when the member has none yet)."""
    card = Card.from_json(card_json) if card_json else Card(card_id=card_id, due=now)
    updated, _log = _SCHEDULER.review_card(card, RATINGS[grade], review_datetime=now)
    return CardState(card_json=updated.to_json(), due=updated.due, stability=updated.stability)


def pick_practice_question(
    candidates: Iterable[str], cards: Mapping[str, tuple[datetime, float | None]], now: datetime, member: str,
    exclude: str | None = None,
) -> str | None:
    """The question a member should practise now: due reviews first (earliest due), then questions
    they have never graded (in an order fixed per member), then the ones they know least (lowest
    stability). `exclude` (the question just shown) is only picked when it is the only candidate."""
    pool = [qid for qid in candidates if qid != exclude] or [qid for qid in candidates if qid == exclude]
    if not pool:
        return None
    due = [qid for qid in pool if qid in cards and cards[qid][0] <= now]
    if due:
        return min(due, key=lambda qid: (cards[qid][0], qid))
    unseen = [qid for qid in pool if qid not in cards]
    if unseen:
        return min(unseen, key=lambda qid: hashlib.sha256(f"{member}:{qid}".encode()).digest())
    return min(pool, key=lambda qid: (cards[qid][1] or 0.0, cards[qid][0], qid))


# FSRS's forgetting curve, R = (1 + FACTOR * days / stability) ** DECAY, with the scheduler's own parameters:
# the team-memory choice evaluates it for every card of a chat's members, every day, so not through a Card.
_DECAY = -_SCHEDULER.parameters[20]
_FACTOR = 0.9 ** (1 / _DECAY) - 1


def retrievability(stability: float | None, last_review: datetime, now: datetime) -> float:
    """FSRS's probability that a member recalls a question at `now`, from their card's stability and the
    time of its last review (0 for a card with no stability yet), as fsrs's get_card_retrievability."""
    if not stability:
        return 0.0
    days = max(0, (now - last_review).days)
    return (1 + _FACTOR * days / stability) ** _DECAY

"""Which question a chat gets today. The first cycle asks every eligible question once, in a random but
reproducible order, with questions added later joining it; after that the team's memory chooses."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Collection, Mapping, Sequence
from datetime import date


def choose_daily_question(
    eligible: Sequence[str], asked_in_cycle: Collection[str], cycle: int, seed: int,
) -> tuple[str, int] | None:
    """(question id, cycle) for the chat's next daily question, or None when nothing is eligible.

    `eligible` is in bank order; `asked_in_cycle` are the ids already delivered in cycle `cycle`.
    The pick is drawn from the questions not yet asked with a generator seeded by the chat, the cycle
    and how far into the cycle it is, so the same history always gives the same question. When
    every eligible question has been asked, the next cycle starts.
    """
    if not eligible:
        return None
    asked = set(asked_in_cycle)
    remaining = [question_id for question_id in eligible if question_id not in asked]
    if not remaining:
        cycle, asked, remaining = cycle + 1, set(), list(eligible)
    # One draw per chat and day, not a hash per question: this runs for every chat of the fan-out.
    draw = random.Random(f"{seed}:{cycle}:{len(asked)}")
    return draw.choice(remaining), cycle


def choose_by_team_memory(
    eligible: Sequence[str], asked_ever: Collection[str], recall: Mapping[str, float], recent: Collection[str],
    seed: int, day: date,
) -> str | None:
    """The question the chat is closest to forgetting, once every question has been asked: the lowest
    team recall (`recall`, the members' mean FSRS retrievability today; a question nobody has a card
    for is 0). Questions never asked in the chat (new in the notes) take their turn first; the `recent`
    ones (the last few days') wait while anything else is eligible, so no question comes two days
    running. Ties fall in an order fixed by the chat and the day."""
    if not eligible:
        return None

    def tie(question_id: str) -> bytes:
        return hashlib.sha256(f"{seed}:{day.isoformat()}:{question_id}".encode()).digest()

    new = [question_id for question_id in eligible if question_id not in asked_ever]
    if new:
        return min(new, key=tie)
    pool = [question_id for question_id in eligible if question_id not in recent] or list(eligible)
    return min(pool, key=lambda question_id: (recall.get(question_id, 0.0), tie(question_id)))

"""Which question a chat gets today: every eligible question once per cycle, in a random but
reproducible order, with questions added later joining the cycle in progress."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence


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

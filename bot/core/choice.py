"""Which question a chat gets today: every eligible question once per cycle, in a random but
reproducible order, with questions added later joining the cycle in progress."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable


def cycle_order_key(seed: int, cycle: int, question_id: str) -> bytes:
    """The question's place in a chat's cycle: a hash, so the order is fixed but looks random."""
    return hashlib.sha256(f"{seed}:{cycle}:{question_id}".encode()).digest()


def choose_daily_question(
    eligible: Iterable[str], asked_in_cycle: Collection[str], cycle: int, seed: int,
) -> tuple[str, int] | None:
    """(question id, cycle) for the chat's next daily question, or None when nothing is eligible.

    `asked_in_cycle` are the ids already delivered in cycle `cycle`; when every eligible question
    has been asked, the next cycle starts with a new order.
    """
    eligible = set(eligible)
    if not eligible:
        return None
    remaining = eligible - set(asked_in_cycle)
    if not remaining:
        cycle, remaining = cycle + 1, eligible
    return min(remaining, key=lambda qid: cycle_order_key(seed, cycle, qid)), cycle

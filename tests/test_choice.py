"""Daily question choice: each eligible question once per cycle, reproducible, new ones join."""

from bot.core.choice import choose_daily_question


def run_cycle(ids, seed, days):
    asked, cycle, picks = set(), 0, []
    for _ in range(days):
        qid, new_cycle = choose_daily_question(ids, asked, cycle, seed)
        if new_cycle != cycle:
            asked, cycle = set(), new_cycle
        asked.add(qid)
        picks.append((qid, cycle))
    return picks


def test_no_repeats_until_every_question_was_asked():
    ids = [f"q{i}" for i in range(20)]
    picks = run_cycle(ids, seed=7, days=40)
    first, second = [q for q, c in picks if c == 0], [q for q, c in picks if c == 1]
    assert sorted(first) == sorted(ids) and sorted(second) == sorted(ids)
    assert first != second  # each cycle has its own order


def test_order_is_reproducible_per_chat_and_differs_between_chats():
    ids = [f"q{i}" for i in range(20)]
    assert run_cycle(ids, seed=7, days=20) == run_cycle(ids, seed=7, days=20)
    assert run_cycle(ids, seed=7, days=20) != run_cycle(ids, seed=8, days=20)


def test_a_question_added_mid_cycle_joins_the_current_cycle():
    ids = ["a", "b", "c"]
    asked = {choose_daily_question(ids, set(), 0, 1)[0]}
    qid, cycle = choose_daily_question(ids + ["new"], asked, 0, 1)
    assert cycle == 0 and qid not in asked
    remaining = set(ids + ["new"]) - asked
    seen = set()
    while remaining - seen:
        qid, cycle = choose_daily_question(ids + ["new"], asked | seen, 0, 1)
        assert cycle == 0
        seen.add(qid)
    assert "new" in seen


def test_nothing_eligible():
    assert choose_daily_question([], set(), 0, 1) is None

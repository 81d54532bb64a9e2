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


# -- after the first cycle: the team's memory ------------------------------------------------------------

from datetime import date, datetime, timedelta, timezone  # noqa: E402

from bot.core.choice import choose_by_team_memory  # noqa: E402
from bot.core.practice import review  # noqa: E402
from bot.core.team import team_recall  # noqa: E402

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 0, tzinfo=timezone.utc)


def cards_after(grades: dict[str, dict[str, str]], when: datetime) -> list:
    """Cards as the store gives them, (question, stability, last review), after each member's one grade."""
    cards = []
    for graded in grades.values():
        for question, grade in graded.items():
            state = review(None, grade, when, card_id=1)
            cards.append((question, state.stability, when))
    return cards


def test_a_question_the_team_missed_last_week_comes_back_before_one_everybody_knew():
    week_ago = NOW - timedelta(days=7)
    cards = cards_after({"ann": {"q1": "knew", "q2": "missed"}, "bo": {"q1": "knew", "q2": "missed"}}, week_ago)
    recall = team_recall(cards, members=2, now=NOW)
    assert recall["q2"] < recall["q1"]
    assert choose_by_team_memory(["q1", "q2"], {"q1", "q2"}, recall, [], seed=1, day=TODAY) == "q2"


def test_a_member_who_never_graded_a_question_counts_as_not_knowing_it():
    cards = cards_after({"ann": {"q1": "knew", "q2": "knew"}, "bo": {"q1": "knew"}}, NOW - timedelta(days=3))
    recall = team_recall(cards, members=2, now=NOW)
    assert recall["q2"] == recall["q1"] / 2
    assert choose_by_team_memory(["q1", "q2"], {"q1", "q2"}, recall, [], seed=1, day=TODAY) == "q2"


def test_new_questions_take_their_turn_first_and_recent_ones_wait():
    recall = {"q1": 0.9, "q2": 0.1, "q3": 0.5}
    assert choose_by_team_memory(["q1", "q2", "q3", "new"], {"q1", "q2", "q3"}, recall, [], 1, TODAY) == "new"
    # q2 is the one most forgotten, but it was asked in the last days: the next most forgotten comes.
    assert choose_by_team_memory(["q1", "q2", "q3"], {"q1", "q2", "q3"}, recall, ["q2"], 1, TODAY) == "q3"
    # When every question is recent, the rule still picks one.
    assert choose_by_team_memory(["q2"], {"q2"}, recall, ["q2"], 1, TODAY) == "q2"


def test_the_team_memory_choice_is_deterministic_for_a_fixed_clock():
    ids = [f"q{n}" for n in range(30)]
    recall = {qid: 0.5 for qid in ids}  # all tied: the chat and the day decide
    picks = {choose_by_team_memory(ids, set(ids), recall, [], 7, TODAY) for _ in range(5)}
    assert len(picks) == 1
    other_days = {choose_by_team_memory(ids, set(ids), recall, [], 7, TODAY + timedelta(days=n)) for n in range(10)}
    assert len(other_days) > 1  # ties do not always fall the same way
    assert choose_by_team_memory([], set(), {}, [], 7, TODAY) is None


def test_team_recall_uses_fsrs_own_forgetting_curve():
    from fsrs import Card, Scheduler, State

    from bot.core.practice import retrievability

    scheduler = Scheduler(enable_fuzzing=False)
    for stability, days in ((0.5, 0), (2.3, 1), (2.3, 9), (40.0, 30), (300.0, 400)):
        last = NOW - timedelta(days=days, hours=5)
        card = Card(card_id=1, state=State.Review, stability=stability, last_review=last, due=NOW)
        assert retrievability(stability, last, NOW) == scheduler.get_card_retrievability(card, NOW)
    assert retrievability(None, NOW, NOW) == 0.0

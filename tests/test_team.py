"""The team rules: the chat's weak spots."""

from bot.core.team import QuestionScore, weak_spots


def test_weak_spots_are_the_five_lowest_average_grades():
    totals = [("a", 9, 3), ("b", 3, 3), ("c", 4, 2), ("d", 5, 2), ("e", 2, 1), ("f", 6, 3), ("g", 7, 3)]
    spots = weak_spots(totals)
    # Averages 1.0, then 2.0 three times (more grades first: f 3, c 2, e 1), then 2.33; d (2.5) and a (3.0) out.
    assert [s.question_id for s in spots] == ["b", "f", "c", "e", "g"]
    assert spots[0] == QuestionScore("b", 1.0, 3)


def test_ties_go_to_the_question_graded_more_often_then_to_its_id():
    assert [s.question_id for s in weak_spots([("y", 2, 2), ("x", 2, 2), ("z", 4, 4)], size=3)] == ["z", "x", "y"]


def test_no_grades_no_weak_spots():
    assert weak_spots([]) == [] and weak_spots([("a", 0, 0)]) == []


def test_a_question_is_held_out_once_three_members_report_it():
    from bot.core.team import held_out

    assert held_out({"a": 2, "b": 3, "c": 4}) == {"b", "c"}
    assert held_out({}) == frozenset()


def test_a_change_of_the_question_or_its_answer_is_a_new_version_of_it():
    from bot.core.team import notes_version

    version = notes_version("What is a Pod?", "The smallest unit.")
    assert version == notes_version("What is a Pod?", "The smallest unit.")
    assert version != notes_version("What is a Pod?", "The smallest deployable unit.")
    assert version != notes_version("What is a pod?", "The smallest unit.")


def test_the_recap_of_a_week_of_made_up_grades():
    from datetime import date, timedelta

    from bot.core.team import week_recap

    monday = date(2026, 11, 23)
    days = [monday + timedelta(days=n) for n in range(5)]
    grades = [
        ("ann", days[0], "q1", "knew"), ("bo", days[0], "q1", "missed"), ("cy", days[0], "q1", "partly"),
        ("ann", days[1], "q2", "missed"), ("bo", days[1], "q2", "missed"),
        ("ann", days[3], "q4", "knew"), ("hidden", days[3], "q4", "knew"),
    ]
    recap = week_recap(
        grades, days, points={"ann": 7, "bo": 2, "cy": 2, "hidden": 3}, points_before={"ann": 6, "bo": 0, "hidden": 0},
        streaks={"ann": 4, "bo": 0, "cy": 1, "hidden": 9, "di": 2}, hidden=["hidden"],
        topic_recall={"docker": 0.4, "kubernetes": 0.2})
    assert (recap.members, recap.graded_days, recap.drill_days) == (4, 3, 5)  # the hidden member is counted
    assert recap.hardest == QuestionScore("q2", 1.0, 2)
    assert recap.streaks == (("ann", 4), ("di", 2), ("cy", 1))  # the hidden member's 9 is not named
    assert recap.most_improved == ("bo", 2)  # a tie on +2 with cy goes by name; the hidden +3 is not named
    assert recap.fading_topic == "kubernetes"


def test_a_recap_of_a_quiet_week_names_nobody():
    from datetime import date

    from bot.core.team import week_recap

    recap = week_recap([], [date(2026, 11, 23)], {}, {}, {}, [], {})
    assert (recap.members, recap.hardest, recap.streaks, recap.most_improved, recap.fading_topic) == (0, None, (), None,
                                                                                                     None)


def test_question_totals_add_up_each_questions_grades():
    from datetime import date

    from bot.core.team import question_totals

    day = date(2026, 11, 23)
    grades = [("ann", day, "q1", "knew"), ("bo", day, "q1", "missed"), ("ann", day, "q2", "partly")]
    assert sorted(question_totals(grades)) == [("q1", 4, 2), ("q2", 2, 1)]

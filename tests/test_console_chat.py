"""`python -m bot chat` as a person uses it: a subprocess driven through stdin and stdout."""

from datetime import timedelta

from cli import run_bot, schedule_settings


def run_chat(db_path, lines: list[str], settings: dict | None = None):
    """The terminal chat fed these lines, to the end of input."""
    return run_bot(db_path, "chat", stdin="\n".join(lines) + "\n", env=settings)


def test_a_day_in_the_console_and_the_streak_survives_a_restart(tmp_path):
    db = tmp_path / "drill.db"
    settings = schedule_settings(tmp_path, due_in=-timedelta(minutes=1))  # due a minute ago
    # The first start subscribes with the default schedule, which is due: the question comes at once.
    first = run_chat(db, [
        "/answer",
        "/grade knew",
        "/quiz docker",
        "/answer",
        "2",
        "/streak",
        "/leaderboard",
        "/quit",
    ], settings)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Today's question" in out
    assert "Recorded: Knew it (+3). Streak: 1 days." in out
    assert "Practice (docker)" in out  # plain text when piped: no bold markers
    assert "Recorded: Partly. Next review" in out
    assert "Streak: 1 days (best 1)" in out
    # Piped, the streak calendar is characters: its title, a row per weekday with the one drill day, knew ("#").
    lines = out.splitlines()
    title = lines.index("Streak 1 · best 1 · freezes 0")
    rows = lines[title + 1 : title + 8]
    assert [row.split()[0] for row in rows] == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    cells = "".join(row[4:] for row in rows)
    assert cells.count("#") == 1 and set(cells) == {"#", ".", " "}
    assert "1. me: 3 pts, streak 1" in out

    second = run_chat(db, ["/streak"], settings)  # ends at end of input, not /quit
    assert second.returncode == 0, second.stderr
    assert "Streak: 1 days (best 1)" in second.stdout
    assert "Today's question" not in second.stdout  # the day was delivered once, not again


def test_bad_input_in_the_console_gets_one_line_and_the_chat_goes_on(tmp_path):
    result = run_chat(tmp_path / "drill.db", ["/schedule language en", "/subscribe 25:00", "hello", "/grade maybe",
                                              "/schedule zone Mars/Olympus", "/help"])
    assert result.returncode == 0
    assert "Invalid time: 25:00. Example: /subscribe 09:00" in result.stdout.replace("`", "")
    assert "Unknown time zone: Mars/Olympus" in result.stdout
    assert "Commands" in result.stdout

"""`python -m bot chat` as a person uses it: a subprocess driven through stdin and stdout."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from conftest import PROJECT_ROOT


def run_chat(db_path, lines: list[str], extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "DRILL_DB": str(db_path), **(extra_env or {})}
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", "chat"], input="\n".join(lines) + "\n", text=True,
                          capture_output=True, env=env, cwd=PROJECT_ROOT, timeout=60)


def test_a_day_in_the_console_and_the_streak_survives_a_restart(tmp_path):
    db = tmp_path / "drill.db"
    # A schedule that fell due a minute ago, every day, so the daily question appears at once.
    due = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%H:%M")
    first = run_chat(db, [
        "/schedule language en",
        "/schedule days daily",
        f"/subscribe {due} UTC",
        "/answer",
        "/grade knew",
        "/quiz docker",
        "/answer",
        "2",
        "/streak",
        "/leaderboard",
        "/quit",
    ])
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Today's question" in out
    assert "Recorded: Knew it (+3). Streak: 1 days." in out
    assert "*Practice* (docker)" in out
    assert "Recorded: Partly. Next review" in out
    assert "Streak: 1 days (best 1)" in out
    assert "1. me: 3 pts, streak 1" in out

    second = run_chat(db, ["/streak"])  # ends at end of input, not /quit
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

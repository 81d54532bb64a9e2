"""`python -m bot push`: one sweep from the command line, once per chat and day."""

import os
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone

from conftest import PROJECT_ROOT


def bot(db, *args, stdin: str = "") -> subprocess.CompletedProcess:
    env = {**os.environ, "DRILL_DB": str(db)}
    for name in ("TELEGRAM_BOT_TOKEN", "SLACK_BOT_TOKEN"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True, capture_output=True,
                          env=env, cwd=PROJECT_ROOT, timeout=60)


def not_due_yet() -> str:
    """Console input giving the terminal chat a daily schedule that falls due two hours from now."""
    later = (datetime.now(timezone.utc) + timedelta(hours=2)).strftime("%H:%M")
    return f"/schedule zone UTC\n/schedule time {later}\n/schedule days daily\n/quit\n"


def test_push_all_delivers_today_once_and_dry_run_sends_nothing(tmp_path):
    db = tmp_path / "drill.db"
    # The terminal chat subscribes on first start.
    assert bot(db, "chat", stdin=not_due_yet()).returncode == 0

    dry = bot(db, "push", "--dry-run", "--all")
    assert dry.returncode == 0, dry.stderr
    assert "console:local" in dry.stdout and "dry run: 1 chat(s) due, nothing sent" in dry.stdout
    assert "0 chat(s)" not in bot(db, "push", "--dry-run", "--all").stdout  # still not sent

    first = bot(db, "push", "--all")
    assert first.returncode == 0, first.stderr
    assert "sent 1," in first.stdout
    second = bot(db, "push", "--all")
    assert "sent 0," in second.stdout  # once per day, whatever the flag


def test_push_without_all_sends_only_due_chats(tmp_path):
    db = tmp_path / "drill.db"
    bot(db, "chat", stdin=not_due_yet())
    result = bot(db, "push")
    assert result.returncode == 0 and "sent 0," in result.stdout


def test_db_backup_copies_every_grade(tmp_path):
    db = tmp_path / "drill.db"
    bot(db, "chat", stdin="/quiz\n/answer\n1\n/quit\n")
    copy = tmp_path / "backup" / "copy.db"
    result = bot(db, "db", "backup", str(copy))
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(copy) as restored:
        assert restored.execute("select count(*) from cards").fetchone()[0] == 1

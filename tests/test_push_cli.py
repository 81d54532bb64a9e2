"""`python -m bot push`: one sweep from the command line, once per chat and day."""

import re
import sqlite3
from datetime import datetime, timedelta, timezone

from cli import run_bot, schedule_settings

from bot.store import Store, backup_database, open_database

NOT_DUE = timedelta(hours=2)


def test_push_all_delivers_today_once_and_dry_run_sends_nothing(tmp_path):
    db, settings = tmp_path / "drill.db", schedule_settings(tmp_path, NOT_DUE)
    # The terminal chat subscribes on first start, to a schedule not due for two hours.
    first_start = run_bot(db, "chat", stdin="/quit\n", env=settings)
    assert first_start.returncode == 0 and "Today's question" not in first_start.stdout

    dry = run_bot(db, "push", "--dry-run", "--all", env=settings)
    assert dry.returncode == 0, dry.stderr
    assert "console:local" in dry.stdout and "dry run: 1 chat(s) due, nothing sent" in dry.stdout
    assert "dry run: 1 chat(s) due" in run_bot(db, "push", "--dry-run", "--all", env=settings).stdout  # still not sent

    first = run_bot(db, "push", "--all", env=settings)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[-1].startswith("sent 1,")  # piped: no progress bar, one summary line
    second = run_bot(db, "push", "--all", env=settings)
    assert "sent 0," in second.stdout  # once per day, whatever the flag


def test_push_without_all_sends_only_due_chats(tmp_path):
    db = tmp_path / "drill.db"
    assert run_bot(db, "chat", stdin="/quit\n", env=schedule_settings(tmp_path, NOT_DUE)).returncode == 0
    not_due = run_bot(db, "push", env=schedule_settings(tmp_path, NOT_DUE))
    assert not_due.returncode == 0 and "sent 0," in not_due.stdout
    # The same chat made due a minute ago is pushed: the first push sent nothing for the right reason.
    now = datetime.now(timezone.utc)
    store = Store(open_database(db))
    store.chats.update_chat("console:local", {"at": (now - timedelta(minutes=1)).strftime("%H:%M")}, now)
    store.close()
    due = run_bot(db, "push")
    assert due.returncode == 0 and "sent 1," in due.stdout


def test_db_backup_copies_every_grade(tmp_path):
    db = tmp_path / "drill.db"
    run_bot(db, "chat", stdin="/quiz\n/answer\n1\n/quit\n", env=schedule_settings(tmp_path, NOT_DUE))
    copy = tmp_path / "backup" / "copy.db"
    result = run_bot(db, "db", "backup", str(copy))
    assert result.returncode == 0, result.stderr
    assert re.fullmatch(r"backed up .+ to .+copy\.db \([0-9,]+ pages\)\n", result.stdout)
    with sqlite3.connect(copy) as restored:
        assert restored.execute("select count(*) from cards").fetchone()[0] == 1


def test_db_backup_reports_its_progress_while_it_copies_and_replaces_an_old_copy(tmp_path):
    """The progress is read from the copy's growing file while the one backup step runs on its own thread."""
    source, copy = tmp_path / "big.db", tmp_path / "copy.db"
    with sqlite3.connect(source) as db:  # about 20 MB: SQLite writes the copy out well before its commit
        db.execute("create table t (v text)")
        db.executemany("insert into t values (?)", (("x" * 300,) for _ in range(60_000)))
    source_pages = sqlite3.connect(source).execute("pragma page_count").fetchone()[0]
    copy.write_bytes(b"an old copy, not a database")
    seen: list[tuple[int, int]] = []
    pages = backup_database(source, copy, lambda done, total: seen.append((done, total)), every=0.0005)
    assert pages == source_pages and seen[-1] == (pages, pages)
    assert any(0 < done < total for done, total in seen), seen  # shown while copying, not only at the end
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))  # it only moves forward
    with sqlite3.connect(copy) as restored:
        assert restored.execute("select count(*) from t").fetchone()[0] == 60_000

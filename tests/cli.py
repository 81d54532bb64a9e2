"""`python -m bot ...` as a person runs it: a subprocess on a test database, with no platform tokens."""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def run_bot(db: Path, *args: str, stdin: str = "", env: dict | None = None) -> subprocess.CompletedProcess:
    """Run one bot command to its end; stdout and stderr captured as text."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "SLACK_", "DRILL_"))}
    full_env.update({"DRILL_DB": str(db), **(env or {})})
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, text=True, capture_output=True,
                          env=full_env, cwd=PROJECT_ROOT, timeout=60)


def schedule_settings(folder: Path, due_in: timedelta, language: str = "en") -> dict:
    """A settings file whose default schedule is every day, in UTC, at the minute `due_in` from now.

    A negative `due_in` (a minute ago) makes the first start deliver at once; two hours ahead makes
    sure nothing is due while a test runs, whatever the time of day: the previous day's time is then
    22 hours back, far outside the 6-hour catch-up window.
    """
    at = (datetime.now(timezone.utc) + due_in).strftime("%H:%M")
    path = folder / "settings.toml"
    path.write_text(f'[schedule]\ntime = "{at}"\nzone = "UTC"\ndays = ["daily"]\nlanguage = "{language}"\n')
    return {"DRILL_CONFIG": str(path)}

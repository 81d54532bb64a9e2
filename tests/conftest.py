"""Shared fixtures: a fresh store per test and a fixed instant; the hypothesis profiles."""

import os
from datetime import datetime, timezone

import pytest
from hypothesis import settings

from bot.app import build_app
from bot.config import load_settings
from bot.core.replies import ChatRef, MemberRef
from bot.store import Store, open_database


# The suite (and CI) draws the same examples every run, so a pass or a failure repeats: a submission never
# fails on a rare example one run happens to draw. `HYPOTHESIS_PROFILE=explore pytest` draws new, more
# examples, to look for such inputs on purpose.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False, max_examples=2000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture
def store(tmp_path):
    """A store on a fresh SQLite file (WAL needs a real file)."""
    opened = Store(open_database(tmp_path / "drill.db"))
    yield opened
    opened.close()


@pytest.fixture
def now():
    """A fixed instant: Monday 2026-11-30 00:00 UTC (09:00 in Seoul)."""
    return datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def app(tmp_path, now):
    """The real composition root on a temporary database and the project's own notes."""
    built = build_app(load_settings({"DRILL_DB": str(tmp_path / "drill.db")}), now)
    yield built
    built.close()


SEOUL_GROUP = ChatRef("console:team", "console", "group", "team")
ADMIN = MemberRef("console:ann", "Ann", is_admin=True)
MEMBER = MemberRef("console:bo", "Bo")
PROJECT_ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent

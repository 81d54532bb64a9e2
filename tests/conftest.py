"""Shared fixtures: a fresh store per test and a fixed instant."""

from datetime import datetime, timezone
import pytest

from bot.store import Store, open_database


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

"""Upgrading a database written by the released bot (tests/upgrade/v0.1.0.db, made by
tests/upgrade/make_release_db.py from that release's code): nobody's streak, points, hidden flag or
review state may change. Every new migration must keep this test passing; a later release adds its own file."""

import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.store_schema import migrations

UPGRADE = Path(__file__).parent / "upgrade"
RELEASES = ["v0.1.0"]


@pytest.mark.parametrize("release", RELEASES)
def test_a_released_database_upgrades_with_every_member_as_they_were(tmp_path, release):
    from upgrade.make_release_db import readings

    expected = json.loads((UPGRADE / f"{release}.json").read_text(encoding="utf-8"))
    db = tmp_path / "drill.db"
    shutil.copy(UPGRADE / f"{release}.db", db)
    now = datetime.fromisoformat(expected["written_at"])

    app = build_app(load_settings({"DRILL_DB": str(db)}), now)  # migrates to the newest schema
    try:
        assert migrations.pending(app.store.db) == []
        assert readings(app, now) == expected
    finally:
        app.close()

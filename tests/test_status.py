"""What the people who run the bot see: `python -m bot status` (text, --json, --check) and /healthz, whose
503 tells a host to restart a bot whose scheduler is stuck. The clock is injected; nothing sleeps."""

import json
from datetime import date, datetime, timedelta, timezone

import aiohttp

from bot.app import build_app
from bot.config import load_settings
from bot.status import bot_status
from bot.store import Store
from bot.web import WebServer
from cli import run_bot

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)
DAY = date(2026, 11, 30)


def chats_and_deliveries(app) -> None:
    """Two active Telegram chats (one sent today, one claim stuck past its lease), one blocked, one new,
    and a Slack channel that was archived."""
    chats = app.store.chats
    for key, platform in (("telegram:1", "telegram"), ("telegram:2", "telegram"), ("telegram:3", "telegram"),
                          ("telegram:4", "telegram"), ("slack:T1:C1", "slack")):
        chats.ensure_chat(key, platform, "group", "Team", "ko", NOW)
    for key in ("telegram:1", "telegram:2", "telegram:3", "slack:T1:C1"):
        chats.subscribe(key, at="09:00", zone="Asia/Seoul", days="mon-fri", by="telegram:9", now=NOW)
    chats.set_status("telegram:3", "inactive", "blocked", NOW)
    chats.set_status("slack:T1:C1", "inactive", "channel_archive", NOW)
    question = app.store.bank.active_question_ids()[0]
    sent = app.store.deliveries.claim_delivery("telegram:1", DAY, question, 1, NOW)
    app.store.deliveries.mark_sent(sent, "77", NOW)
    app.store.deliveries.claim_delivery("telegram:2", DAY, question, 1, NOW - timedelta(minutes=10))


def test_status_counts_chats_deliveries_and_the_notes(tmp_path):
    app = build_app(load_settings({"DRILL_DB": str(tmp_path / "drill.db")}), NOW)
    try:
        chats_and_deliveries(app)
        status = bot_status(app.store, app.settings, NOW)
        assert status["chats"] == {
            "slack": {"active": 0, "new": 0, "stopped": 0, "inactive": {"channel_archive": 1}},
            "telegram": {"active": 2, "new": 1, "stopped": 0, "inactive": {"blocked": 1}},
        }
        assert status["deliveries_last_24h"] == {"sent": 1, "claimed": 1, "empty": 0, "failed": 0, "past_lease": 1}
        notes = status["notes"]
        assert sum(notes["topics"].values()) == len(app.bank.questions) and notes["synced_at"] == NOW.isoformat()
        assert notes["added"] == len(app.bank.questions) and notes["errors"] == []
        assert (status["healthy"], status["health"]) == (False, "the bot has never run here")
    finally:
        app.close()


async def test_a_completed_sweep_is_recorded_and_health_turns_503_after_three_sweeps_without_one(tmp_path):
    clock = [NOW]
    app = build_app(load_settings({"DRILL_DB": str(tmp_path / "drill.db")}), NOW)
    delivery = app.delivery({}, lambda: clock[0])

    async def health() -> dict:
        return await app.run(bot_status, app.store, app.settings, clock[0])

    server = WebServer(0, health, host="127.0.0.1")
    await server.start()
    try:
        async with aiohttp.ClientSession(f"http://127.0.0.1:{server.port}") as http:
            async def healthz() -> tuple[int, dict]:
                async with http.get("/healthz") as response:
                    return response.status, await response.json()

            assert (await healthz())[0] == 503  # never swept here
            await delivery.tick()
            sweep = app.store.runtime.get("last_sweep")
            assert sweep["finished_at"] == NOW.isoformat() and sweep["sent"] == 0 and sweep["seconds"] >= 0
            status, body = await healthz()
            assert status == 200 and body["healthy"] and body["last_sweep"] == sweep

            clock[0] = NOW + 3 * app.settings.sweep_every  # three intervals: still within the allowance
            assert (await healthz())[0] == 200
            clock[0] += timedelta(seconds=1)
            status, body = await healthz()
            assert status == 503 and body["health"] == "no sweep completed for 181 s (one is due every 60 s)"
            await delivery.tick()  # the scheduler came back
            assert (await healthz())[0] == 200
    finally:
        await server.stop()
        app.close()


def test_the_status_command_in_text_json_and_as_a_health_check(tmp_path):
    db = tmp_path / "drill.db"
    app = build_app(load_settings({"DRILL_DB": str(db)}), NOW)
    chats_and_deliveries(app)
    app.close()
    store = Store.open(db)
    now = datetime.now(timezone.utc)  # the command reads the real clock
    store.runtime.put("last_sweep", {"started_at": (now - timedelta(seconds=30)).isoformat(),
                                     "finished_at": (now - timedelta(seconds=29)).isoformat(),
                                     "seconds": 0.5, "sent": 3, "failed": 0})
    store.close()

    text = run_bot(db, "status")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert "  telegram: 2 active, 1 new, 0 stopped, 1 inactive (blocked 1)" in lines
    assert "  slack: 0 active, 0 new, 0 stopped, 1 inactive (channel_archive 1)" in lines
    assert lines[-1] == "Health: ok" and any(line.startswith("Last sweep: ") and "3 sent" in line for line in lines)
    as_json = json.loads(run_bot(db, "status", "--json").stdout)
    assert as_json["healthy"] and as_json["chats"]["telegram"]["active"] == 2
    check = run_bot(db, "status", "--check")
    assert (check.returncode, check.stdout.strip()) == (0, "ok")

    store = Store.open(db)
    store.runtime.put("last_sweep", {**as_json["last_sweep"], "finished_at": (now - timedelta(hours=1)).isoformat()})
    store.close()
    check = run_bot(db, "status", "--check")
    assert check.returncode == 1 and check.stdout.startswith("no sweep completed for 36")


def test_with_add_to_slack_the_status_counts_the_installed_workspaces(tmp_path):
    from slack_sdk.oauth.installation_store.models.installation import Installation

    from bot.adapters.slack_installations import Installations
    from bot.status import status_text

    settings = load_settings({"DRILL_DB": str(tmp_path / "drill.db"), "SLACK_CLIENT_ID": "1111.2222",
                              "SLACK_CLIENT_SECRET": "secret-of-the-app", "SLACK_SIGNING_SECRET": "s"})
    app = build_app(settings, NOW)
    try:
        assert bot_status(app.store, settings, NOW)["slack_workspaces_installed"] == 0  # no install yet
        installations = Installations(settings.db_path, "1111.2222")
        for team, enterprise, org_wide in (("T1", None, False), ("T1", None, False), ("T2", "E1", False),
                                           (None, "E9", True)):  # T1 installed twice: one workspace
            installations.save(Installation(app_id="A1", team_id=team, enterprise_id=enterprise, user_id="U1",
                                            bot_token=f"xoxb-{team}-{enterprise}", bot_id="B1", bot_user_id="U0",
                                            is_enterprise_install=org_wide))
        installations.delete_all(enterprise_id="E1", team_id="T2")  # uninstalled
        status = bot_status(app.store, settings, NOW)
        assert status["slack_workspaces_installed"] == 2
        assert "Slack workspaces with the app installed: 2" in status_text(status)
    finally:
        app.close()

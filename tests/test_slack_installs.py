"""One bot for many Slack workspaces: "Add to Slack" through bolt's OAuth flow, each workspace with its own
token, keys and boards, and an uninstall that stops only that workspace. The real bolt AsyncApp in HTTP
mode, signed requests, the fake Web API with oauth.v2.access."""

import io
import json
import logging
import re
import shutil
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import aiohttp
import pytest

from bot.app import build_app
from bot.config import load_settings
from bot.core.commands import grade_payload
from bot.core.progress import POINTS
from bot.logs import LineFormatter, _secrets
from bot.platforms import open_platforms
from fakes.slack_api import FakeSlackAPI
from test_slack_bot import SIGNING_SECRET, signed_post

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)  # Monday 09:00 in Seoul
TOKENS = {"T0RED": "xoxb-red-workspace-token", "T0BLUE": "xoxb-blue-workspace-token"}
COOKIE = "slack-app-oauth-state"


class Installs:
    """The bot serving every workspace that installs it, and a browser and Slack to drive it."""

    def __init__(self, fake: FakeSlackAPI, app, senders, http: aiohttp.ClientSession):
        self.fake, self.app, self.senders, self.http = fake, app, senders, http
        self.adapter = senders["slack"]
        self._codes = 0

    async def install_page(self) -> tuple[str, str]:
        """GET /slack/install as a browser: (the state in the "Add to Slack" link, the cookie it was given)."""
        async with self.http.get("/slack/install") as response:
            assert response.status == 200
            page = await response.text()
            cookie = response.cookies[COOKIE].value
        link = re.search(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page).group(1)
        return parse_qs(urlparse(link.replace("&amp;", "&")).query)["state"][0], cookie

    async def come_back(self, code: str, state: str, cookie: str | None) -> int:
        """Slack sends the installer's browser back to the redirect URL with a code and the state."""
        headers = {"Cookie": f"{COOKIE}={cookie}"} if cookie else {}
        async with self.http.get(f"/slack/oauth_redirect?{urlencode({'code': code, 'state': state})}",
                                 headers=headers) as response:
            await response.read()
            return response.status

    async def install(self, team: str, **shape) -> int:
        """A whole "Add to Slack" install of `team`, as an admin of it does it."""
        self._codes += 1
        code = f"code-{self._codes}"
        self.fake.add_install_code(code, team, TOKENS[team], team_name=team.lower(), **shape)
        state, cookie = await self.install_page()
        return await self.come_back(code, state, cookie)

    async def post(self, body: str, content_type: str, **signing) -> int:
        """A signed request, then its listener waited for (bolt answers at once and runs it after)."""
        status = await signed_post(self.http, body, content_type, **signing)
        await self.adapter.settled()
        return status

    async def slash(self, team: str, user: str, text: str, channel: str = "C1", org: str | None = None,
                    **signing) -> int:
        """`/quiz text` typed in `team` (a workspace of the organization `org`, when the app was installed
        for the whole organization)."""
        org_fields = {"enterprise_id": org, "is_enterprise_install": "true"} if org else {"is_enterprise_install": "false"}
        return await self.post(urlencode({
            "team_id": team, "channel_id": channel, "channel_name": "drill", "user_id": user, "user_name": user.lower(),
            "command": "/quiz", "text": text, "api_app_id": "A0DRILL", **org_fields,
            "response_url": self.fake.response_url(f"{team}-{user}"), "trigger_id": "1.2.3"}),
            "application/x-www-form-urlencoded", **signing)

    async def press(self, team: str, user: str, value: str, channel: str = "C1") -> int:
        payload = {"type": "block_actions", "team": {"id": team}, "user": {"id": user, "name": user.lower(), "team_id": team},
                   "api_app_id": "A0DRILL", "is_enterprise_install": False, "trigger_id": "1.2.3",
                   "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
                   "channel": {"id": channel, "name": "drill"}, "response_url": self.fake.response_url(f"press-{team}"),
                   "actions": [{"action_id": "drill_grade", "block_id": "drill", "type": "button", "value": value,
                                "action_ts": "1.1"}]}
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def event(self, team: str, event: dict) -> int:
        return await self.post(json.dumps({
            "team_id": team, "api_app_id": "A0DRILL", "type": "event_callback", "event_id": f"Ev{team}",
            "event_time": 1764460800, "authorizations": [{"team_id": team, "user_id": "U0BOT", "is_bot": True}],
            "event": event}), "application/json")

    async def sweep(self, now: datetime = NOW):
        return await self.app.delivery(self.senders, lambda: now).sweep(now)

    def installed_token(self, team: str) -> str | None:
        rows = self.app.store.db.execute("select bot_token from slack_bots where team_id = ?", [team]).fetchall()
        return rows[-1][0] if rows else None


@asynccontextmanager
async def running_installs(tmp_path, database: Path | None = None):
    """The bot with the app's client id and secret (no bot token) on a free port, on a fresh database (or
    a copy of `database`)."""
    if database is not None:
        shutil.copy(database, tmp_path / "drill.db")
    fake = FakeSlackAPI(enforce_limits=False)
    await fake.start()
    env = {"DRILL_DB": str(tmp_path / "drill.db"), "SLACK_CLIENT_ID": fake.client_id,
           "SLACK_CLIENT_SECRET": fake.client_secret, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
           "SLACK_API_URL": fake.base_url, "PORT": "0"}
    app = build_app(load_settings(env), NOW)
    async with AsyncExitStack() as stack:
        platforms = await open_platforms(app, lambda: NOW, stack, listen=True)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{platforms.server.port}") as http:
            yield Installs(fake, app, platforms.senders, http)
    app.close()
    await fake.stop()


@pytest.fixture
async def installs(tmp_path):
    async with running_installs(tmp_path) as running:
        yield running


def board_of(installs: Installs, team: str) -> dict[str, int]:
    return {member: points for member, (_, points)
            in installs.app.store.grades.points_by_member(f"slack:{team}:C1").items()}


async def test_the_install_page_links_to_slack_and_the_redirect_keeps_the_workspaces_token(installs):
    async with installs.http.get("/slack/install") as response:
        page = await response.text()
    link = parse_qs(urlparse(re.search(r'href="(https://slack[^"]+)"', page).group(1).replace("&amp;", "&")).query)
    assert link["client_id"] == [installs.fake.client_id]
    assert set(link["scope"][0].split(",")) >= {"commands", "chat:write", "im:write", "files:write"}

    assert await installs.install("T0RED") == 200
    (exchange,) = installs.fake.calls_to("oauth.v2.access")
    assert exchange.ok and exchange.params["code"] == "code-1"
    assert installs.installed_token("T0RED") == TOKENS["T0RED"]


@pytest.mark.parametrize("tampered", ["forged state", "no cookie", "another browser's cookie", "replayed"])
async def test_a_forged_or_replayed_state_is_refused_and_stores_nothing(installs, tampered):
    installs.fake.add_install_code("code-x", "T0RED", TOKENS["T0RED"])
    state, cookie = await installs.install_page()
    if tampered == "replayed":  # the first use installs; the same link again is refused
        assert await installs.come_back("code-x", state, cookie) == 200
        installs.fake.add_install_code("code-y", "T0BLUE", TOKENS["T0BLUE"])
        assert await installs.come_back("code-y", state, cookie) in (400, 401)
        assert installs.installed_token("T0BLUE") is None
        return
    other_state, other_cookie = await installs.install_page()
    state, cookie = {"forged state": ("not-a-state", "not-a-state"), "no cookie": (state, None),
                     "another browser's cookie": (state, other_cookie)}[tampered]
    assert await installs.come_back("code-x", state, cookie) in (400, 401)
    assert installs.installed_token("T0RED") is None
    assert installs.fake.calls_to("oauth.v2.access") == []


async def test_two_workspaces_with_the_same_channel_id_subscribe_grade_and_rank_apart(installs):
    for team in TOKENS:
        assert await installs.install(team) == 200
        installs.fake.set_user("U1", "sam", team=team)
        assert await installs.slash(team, "U1", "subscribe 09:00 Asia/Seoul") == 200
    report = await installs.sweep()
    assert report.sent == 2
    # Each workspace's C1 got its own question, posted with that workspace's own token.
    posted = [(call.team, call.params["channel"]) for call in installs.fake.calls_to("chat.postMessage") if call.ok]
    assert sorted(posted) == [("T0BLUE", "C1"), ("T0RED", "C1")]
    assert all(len(installs.fake.messages(channel="C1", team=team)) == 1 for team in TOKENS)
    deliveries = {team: installs.app.store.deliveries.latest_drill_day(f"slack:{team}:C1")["id"] for team in TOKENS}
    assert len(set(deliveries.values())) == 2
    # The same user id in both workspaces is two members: each grade counts only where it was given.
    assert await installs.press("T0RED", "U1", grade_payload(deliveries["T0RED"], "knew")) == 200
    assert await installs.press("T0BLUE", "U1", grade_payload(deliveries["T0BLUE"], "missed")) == 200
    assert board_of(installs, "T0RED") == {"slack:T0RED:U1": POINTS["knew"]}
    assert board_of(installs, "T0BLUE") == {"slack:T0BLUE:U1": POINTS["missed"]}
    assert await installs.slash("T0RED", "U1", "leaderboard") == 200
    (board,) = [r for r in installs.fake.responses("T0RED-U1") if r.get("response_type") == "in_channel"]
    title, *rows = board["text"].splitlines()
    assert len(rows) == 1 and f"u1: {POINTS['knew']}" in rows[0]  # one member: RED's, with RED's points


async def test_an_uninstall_stops_only_that_workspace_and_a_reinstall_brings_it_back(installs):
    for team in TOKENS:
        await installs.install(team)
        await installs.slash(team, "U1", "subscribe 09:00 Asia/Seoul")
    assert await installs.event("T0RED", {"type": "app_uninstalled"}) == 200
    installs.fake.revoke(TOKENS["T0RED"])
    chats = installs.app.store.chats
    assert (chats.chat("slack:T0RED:C1")["status"], chats.chat("slack:T0RED:C1")["reason"]) == ("inactive", "app_uninstalled")
    assert chats.chat("slack:T0BLUE:C1")["status"] == "active"
    assert installs.installed_token("T0RED") is None and installs.installed_token("T0BLUE") == TOKENS["T0BLUE"]

    assert (await installs.sweep()).sent == 1
    assert [m["team"] for m in installs.fake.messages()] == ["T0BLUE"]

    new_token = "xoxb-red-workspace-token-2"
    installs.fake.add_install_code("code-again", "T0RED", new_token)
    state, cookie = await installs.install_page()
    assert await installs.come_back("code-again", state, cookie) == 200
    assert chats.chat("slack:T0RED:C1")["status"] == "active"
    tomorrow = NOW + timedelta(days=1)
    assert (await installs.sweep(tomorrow)).sent == 2
    red = [call for call in installs.fake.calls_to("chat.postMessage") if call.team == "T0RED" and call.ok]
    assert len(red) == 1  # with the new token: the revoked one is refused by the fake


async def test_an_organization_wide_install_keeps_its_workspaces_chats_under_the_organization(installs):
    """Enterprise Grid: one install serves every workspace of the organization, with one token; channel ids
    are unique across an organization, so its chats are kept under the organization's id."""
    installs.fake.add_install_code("code-org", "E0ORG", "xoxb-org-wide-token", enterprise_id="E0ORG",
                                   is_enterprise_install=True, team_name="org")
    state, cookie = await installs.install_page()
    assert await installs.come_back("code-org", state, cookie) == 200
    assert await installs.slash("T0EAST", "W1", "subscribe 09:00 Asia/Seoul", channel="C7", org="E0ORG") == 200
    assert installs.app.store.chats.chat("slack:E0ORG:C7")["status"] == "active"
    assert (await installs.sweep()).sent == 1
    (post,) = [call for call in installs.fake.calls_to("chat.postMessage") if call.ok]
    assert post.params["channel"] == "C7" and post.team == "E0ORG"


async def test_a_token_revoked_without_an_event_stops_that_workspaces_chats_until_it_installs_again(installs):
    """Slack may refuse a send with `token_revoked` before (or without) its event reaching the bot."""
    await installs.install("T0RED")
    await installs.slash("T0RED", "U1", "subscribe 09:00 Asia/Seoul")
    installs.fake.revoke(TOKENS["T0RED"])
    report = await installs.sweep()
    assert (report.sent, report.deactivated) == (0, 1)
    chat = installs.app.store.chats.chat("slack:T0RED:C1")
    assert (chat["status"], chat["reason"]) == ("inactive", "token_revoked")
    installs.fake.add_install_code("code-again", "T0RED", "xoxb-red-workspace-token-2")
    state, cookie = await installs.install_page()
    assert await installs.come_back("code-again", state, cookie) == 200
    assert installs.app.store.chats.chat("slack:T0RED:C1")["status"] == "active"


async def test_every_request_is_signed_in_this_mode_too(installs):
    await installs.install("T0RED")
    assert await installs.slash("T0RED", "U1", "subscribe", secret="not-the-secret") == 401
    assert installs.app.store.chats.chat("slack:T0RED:C1") is None


async def test_the_client_secret_and_the_tokens_never_reach_the_log(installs):
    """Everything logged during an install, at DEBUG (slack-sdk logs request and response bodies there),
    through the bot's own log lines."""
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(LineFormatter(False, _secrets(installs.app.settings)))
    root.handlers[:], root.level = [handler], logging.DEBUG
    try:
        await installs.install("T0RED")
        installs.fake.add_install_code("code-bad", "T0BLUE", TOKENS["T0BLUE"])
        state, cookie = await installs.install_page()
        await installs.come_back("code-unknown", state, cookie)  # refused by Slack: logged as a warning
    finally:
        root.handlers[:], root.level = saved
    logged = stream.getvalue()
    assert "oauth.v2.access" in logged  # the exchange itself was logged, with its response
    assert installs.fake.client_secret not in logged
    assert TOKENS["T0RED"] not in logged


async def test_chats_kept_before_workspaces_wait_for_their_token_and_are_never_stopped(tmp_path, caplog):
    """A single-workspace database started without a bot token: which workspace its `slack:C...` chats
    belong to is unknown, so they stay as they are (the log says how to move them) and the fan-out leaves
    them be rather than stop them."""
    old = Path(__file__).parent / "upgrade" / "v0.3.0-slack.db"
    with caplog.at_level(logging.WARNING, logger="bot.adapters.slack"):
        async with running_installs(tmp_path, old) as installs:
            report = await installs.sweep(NOW + timedelta(days=1))
            assert report.sent == 0 and installs.fake.calls_to("chat.postMessage") == []
            assert installs.app.store.chats.chat("slack:C0TEAM")["status"] == "active"
    assert any("start the bot once with that workspace's SLACK_BOT_TOKEN" in r.getMessage() for r in caplog.records)

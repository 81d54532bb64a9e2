"""The Slack adapter end to end: the real bolt AsyncApp in HTTP mode, signed requests, the fake Web API."""

import asyncio
import io
import json
import time
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlencode

import aiohttp
import pytest
from PIL import Image, ImageColor
from slack_sdk.signature import SignatureVerifier

from bot.adapters.slack import chat_ref, member_ref
from bot.adapters.streak_calendar import FILLS, HEIGHT, WIDTH, cell_box
from bot.app import build_app
from bot.config import load_settings
from bot.core.commands import grade_payload
from bot.platforms import open_platforms
from bot.reminder_sweep import ReminderSweep
from factories import store_snapshot
from fakes.slack_api import UPLOAD_URL, FakeSlackAPI

UPLOAD_STEPS = ("conversations.open", "files.getUploadURLExternal", UPLOAD_URL, "files.completeUploadExternal")
NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)  # Monday 09:00 in Seoul
SIGNING_SECRET = "test-signing-secret"
CHANNEL, DM = "C0TEAM", "D0ANN"
TEAM = "T0001"  # the fake's workspace, whose bot token the tests run with
KEY = f"slack:{TEAM}:{CHANNEL}"  # the channel's store key
NAMES = {"U0ANN": "ann", "U0BO": "bo", "U0ADMIN": "chief"}


async def signed_post(http: aiohttp.ClientSession, body: str, content_type: str, *, timestamp: int | None = None,
                      secret: str = SIGNING_SECRET) -> int:
    """POST `body` to the bot's /slack/events as Slack does, signed with `secret`; the answer's status."""
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    signature = SignatureVerifier(secret).generate_signature(timestamp=stamp, body=body)
    headers = {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": signature, "Content-Type": content_type}
    async with http.post("/slack/events", data=body.encode(), headers=headers) as response:
        return response.status


class Slack:
    """Sends requests to the bot the way Slack does: signed, form-encoded, to /slack/events."""

    def __init__(self, fake: FakeSlackAPI, app, senders, http: aiohttp.ClientSession):
        self.fake, self.app, self.senders, self.http = fake, app, senders, http
        self.adapter = senders["slack"]

    async def post(self, body: str, content_type: str, **signing) -> int:
        return await signed_post(self.http, body, content_type, **signing)

    async def slash(self, user: str, text: str, channel: str = CHANNEL, **signing) -> int:
        body = urlencode({
            "token": "legacy", "team_id": "T0001", "team_domain": "team", "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "drill", "user_id": user,
            "user_name": NAMES.get(user, user), "command": "/quiz", "text": text, "api_app_id": "A0DRILL",
            "is_enterprise_install": "false", "response_url": self.fake.response_url(f"{user}-{len(text)}"),
            "trigger_id": "1.2.3",
        })
        status = await self.post(body, "application/x-www-form-urlencoded", **signing)
        await self.adapter.settled()  # bolt answers at once and runs the command after: wait for it
        return status

    async def press(self, user: str, button: dict, message_ts: str, channel: str = CHANNEL, *,
                    ephemeral: bool = False) -> int:
        payload = {
            "type": "block_actions", "user": {"id": user, "username": NAMES.get(user, user), "name": NAMES.get(user, user),
                                              "team_id": "T0001"},
            "api_app_id": "A0DRILL", "token": "legacy", "trigger_id": "1.2.3", "team": {"id": "T0001"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel,
                          "is_ephemeral": ephemeral},
            "channel": {"id": channel, "name": "drill"},
            "response_url": self.fake.response_url(f"action-{user}"),
            "actions": [{"action_id": button["action_id"], "block_id": "drill", "type": "button",
                         "value": button["value"], "text": button["text"], "action_ts": "1.1"}],
        }
        return await self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")

    async def event(self, event: dict) -> int:
        """An Events API callback, then wait for its listener: bolt answers 200 before running it."""
        body = json.dumps({"token": "legacy", "team_id": "T0001", "api_app_id": "A0DRILL", "type": "event_callback",
                           "event_id": "Ev1", "event_time": 1764460800, "authorizations": [
                               {"team_id": "T0001", "user_id": "U0BOT", "is_bot": True}], "event": event})
        status = await self.post(body, "application/json")
        await self.adapter.settled()
        return status

    async def sweep(self):
        return await self.app.delivery(self.senders, lambda: NOW).sweep(NOW)


def buttons(blocks: list[dict]) -> dict[str, dict]:
    """The buttons of a message, by action id."""
    return {e["action_id"]: e for b in blocks if b["type"] == "actions" for e in b["elements"]}


def shown_text(message: dict) -> str:
    """The text a member reads in a message's blocks (rich text elements, section texts), joined."""
    def texts(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str) and node.get("type") in ("text", "link", "mrkdwn", "plain_text"):
                yield node["text"]
            for value in node.values():
                yield from texts(value)
        elif isinstance(node, list):
            for value in node:
                yield from texts(value)
    return "".join(texts([b for b in message["blocks"] if b["type"] not in ("actions", "context")]))


@asynccontextmanager
async def running_slack(tmp_path, notes: str | None = None, **env: str):
    """The bot in Slack HTTP mode on a free port, on a fresh database, with the clock fixed at NOW; on
    `notes` as its only notes file when given, else on the project's own notes."""
    if notes is not None:
        (tmp_path / "notes.md").write_text(notes, encoding="utf-8")
        env["DRILL_CONTENT"] = str(tmp_path / "notes.md")
    fake = FakeSlackAPI(enforce_limits=False)
    await fake.start()
    fake.set_user("U0ADMIN", "chief", is_admin=True)
    for user in ("U0ANN", "U0BO"):
        fake.set_user(user, NAMES[user])
    env = {"DRILL_DB": str(tmp_path / "drill.db"), "SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.base_url,
           "SLACK_SIGNING_SECRET": SIGNING_SECRET, "PORT": "0", **env}
    app = build_app(load_settings(env), NOW)
    async with AsyncExitStack() as stack:
        platforms = await open_platforms(app, lambda: NOW, stack, listen=True)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{platforms.server.port}") as http:
            yield Slack(fake, app, platforms.senders, http)
    app.close()
    await fake.stop()


@pytest.fixture
async def slack(tmp_path):
    """The bot in Slack HTTP mode with the project's own notes."""
    async with running_slack(tmp_path) as running:
        yield running


async def test_subscribe_then_the_daily_question_is_posted_for_the_channel(slack):
    assert await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul") == 200
    (confirmation,) = [c.params for c in await slack.fake.wait_for_call("response_url")]
    assert confirmation["response_type"] == "ephemeral" and "09:00" in confirmation["text"]
    assert slack.app.store.chats.chat(KEY)["subscribed_by"] == "slack:T0001:U0ANN"

    report = await slack.sweep()
    assert report.sent == 1
    (daily,) = slack.fake.messages(CHANNEL)
    assert "오늘의 문제" in shown_text(daily) and set(buttons(daily["blocks"])) == {"drill_reveal"}


async def refused_after_ann_subscribed(slack, typed: str) -> None:
    """Ann subscribes the channel; Bo (no admin) then types `typed`: one ephemeral refusal, nothing changed."""
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url", 1)
    before = store_snapshot(slack.app.store)
    await slack.slash("U0BO", typed)
    refusal = (await slack.fake.wait_for_call("response_url", 2))[-1].params
    assert refusal["response_type"] == "ephemeral" and store_snapshot(slack.app.store) == before


async def test_only_the_subscriber_and_workspace_admins_change_the_schedule(slack):
    await refused_after_ann_subscribed(slack, "schedule time 10:00")
    await slack.slash("U0ADMIN", "schedule time 10:00")
    await slack.fake.wait_for_call("response_url", 3)
    assert slack.app.store.chats.chat(KEY)["at"] == "10:00"
    await slack.slash("U0ANN", "unsubscribe")
    await slack.fake.wait_for_call("response_url", 4)
    assert slack.app.store.chats.chat(KEY)["status"] == "stopped"


@pytest.mark.parametrize("typed", ["subscribe 25:00", "subscribe 09:00 Mars/Olympus", "schedule days funday",
                                   "leaderboard forever", "astrology", "schedule " + "x" * 5000])
async def test_bad_arguments_get_one_ephemeral_line_and_change_nothing(slack, typed):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url", 1)
    before = store_snapshot(slack.app.store)
    await slack.slash("U0ANN", typed)
    reply = (await slack.fake.wait_for_call("response_url", 2))[-1].params
    assert reply["response_type"] == "ephemeral" and len(reply["text"].splitlines()) == 1
    assert store_snapshot(slack.app.store) == before


async def test_practice_question_is_ephemeral_and_its_answer_goes_only_to_the_asker(slack):
    await slack.slash("U0BO", "docker")
    (practice,) = [c.params for c in await slack.fake.wait_for_call("response_url")]
    assert practice["response_type"] == "ephemeral"
    show = buttons(practice["blocks"])["drill_reveal"]
    await slack.press("U0BO", show, "1.0", ephemeral=True)
    (answer,) = [c.params for c in await slack.fake.wait_for_call("chat.postEphemeral")]
    assert answer["user"] == "U0BO" and set(buttons(answer["blocks"])) == {"drill_knew", "drill_partly", "drill_missed", "drill_flag"}
    await slack.press("U0BO", buttons(answer["blocks"])["drill_missed"], "1.1", ephemeral=True)
    await slack.fake.wait_for_call("chat.postEphemeral", 2)
    assert slack.app.store.db["cards"].count == 1 and slack.fake.messages() == []


async def test_reveal_and_grades_by_two_members_update_the_answered_count(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    (daily,) = slack.fake.messages(CHANNEL)
    show = buttons(daily["blocks"])["drill_reveal"]

    for count, user in enumerate(("U0ANN", "U0BO"), start=1):
        await slack.press(user, show, daily["ts"])
        answer = (await slack.fake.wait_for_call("chat.postEphemeral", 2 * count - 1))[-1].params
        assert answer["user"] == user  # the answer goes to the member who pressed, nobody else
        grade = buttons(answer["blocks"])["drill_knew" if user == "U0ANN" else "drill_partly"]
        await slack.press(user, grade, "1.5", ephemeral=True)
        await slack.fake.wait_for_call("chat.update", count)
        shown = slack.fake.message(CHANNEL, daily["ts"])
        assert f"{count}명이 채점" in json.dumps(shown["blocks"], ensure_ascii=False)
        assert "답:" not in shown_text(shown) and "정답" not in shown_text(shown)

    points = slack.app.store.grades.points_by_member(KEY)
    assert {member: p for member, (_, p) in points.items()} == {"slack:T0001:U0ANN": 3, "slack:T0001:U0BO": 2}
    await slack.slash("U0BO", "leaderboard")
    board = (await slack.fake.wait_for_call("response_url", 2))[-1].params
    assert board["response_type"] == "in_channel" and board["text"].index("ann") < board["text"].index("bo")
    await slack.slash("U0BO", "streak")
    streak = (await slack.fake.wait_for_call("response_url", 3))[-1].params
    assert streak["response_type"] == "ephemeral" and "1일" in streak["text"]
    # The calendar picture goes to Bo's own DM (a file in the channel would be everyone's): files_upload_v2's
    # three steps, in order.
    await slack.fake.wait_for_call("files.completeUploadExternal")
    steps = [c.method for c in slack.fake.calls if c.method in UPLOAD_STEPS]
    assert steps == ["conversations.open", "files.getUploadURLExternal", UPLOAD_URL, "files.completeUploadExternal"]
    (shared,) = slack.fake.shared_files
    assert shared["channel"] == "DU0BO" and shared["filename"] == "streak.png"
    picture = Image.open(io.BytesIO(shared["content"])).convert("RGB")
    assert picture.size == (WIDTH, HEIGHT)
    x0, y0, x1, y1 = cell_box(date(2026, 11, 30), date(2026, 11, 30))  # today, graded "partly" on time
    assert picture.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == ImageColor.getrgb(FILLS["partly"])


async def test_a_forged_or_stale_action_gets_a_notice_and_records_nothing(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    before = store_snapshot(slack.app.store)
    for value in ("g:999:k", "r:abc", "pg:0000000000000000:k", "x" * 300):
        await slack.press("U0BO", {"action_id": "drill_knew", "value": value, "text": {"type": "plain_text",
                                                                                       "text": "x"}}, "1.0")
    notices = await slack.fake.wait_for_call("chat.postEphemeral", 4)
    assert all(not buttons(n.params["blocks"]) for n in notices)
    assert store_snapshot(slack.app.store) == before and slack.fake.calls_to("chat.update") == []


async def test_channel_not_found_and_archived_deactivate_and_a_429_is_retried(slack):
    for channel in ("C0GONE", "C0ARCH", "C0BUSY"):
        await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul", channel=channel)
    await slack.fake.wait_for_call("response_url", 3)
    slack.fake.remove_channel("C0GONE")
    slack.fake.archive("C0ARCH")
    slack.fake.fail_next("chat.postMessage", error="ratelimited", channel="C0BUSY", retry_after=1)
    report = await slack.sweep()
    assert (report.sent, report.deactivated) == (1, 2)
    store = slack.app.store
    assert (store.chats.chat("slack:T0001:C0GONE")["reason"], store.chats.chat("slack:T0001:C0ARCH")["reason"]) == (
        "channel_not_found", "is_archived")
    assert len(slack.fake.messages("C0BUSY")) == 1


async def test_a_dm_with_the_app_gets_ordinary_messages(slack):
    await slack.slash("U0ANN", "subscribe", channel=DM)
    (confirmation,) = [c.params for c in await slack.fake.wait_for_call("response_url")]
    assert confirmation["response_type"] == "in_channel"
    await slack.sweep()
    (daily,) = slack.fake.messages(DM)
    await slack.press("U0ANN", buttons(daily["blocks"])["drill_reveal"], daily["ts"], channel=DM)
    await slack.fake.wait_for_call("chat.postMessage", 2)
    answer = slack.fake.messages(DM)[-1]
    assert set(buttons(answer["blocks"])) == {"drill_knew", "drill_partly", "drill_missed", "drill_flag"}
    assert slack.fake.calls_to("chat.postEphemeral") == []


async def test_removing_the_app_deactivates_and_inviting_it_back_reactivates(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url")
    assert await slack.event({"type": "channel_left", "channel": CHANNEL}) == 200
    assert slack.app.store.chats.chat(KEY)["status"] == "inactive"
    assert await slack.event({"type": "member_joined_channel", "user": "U0BOT", "channel": CHANNEL}) == 200
    assert slack.app.store.chats.chat(KEY)["status"] == "active"


@pytest.mark.parametrize("signing", [{"secret": "not-the-secret"}, {"timestamp": int(time.time()) - 6 * 60}],
                         ids=["bad signature", "older than 5 minutes"])
async def test_http_mode_rejects_bad_signatures_and_stale_requests_with_401(slack, signing):
    before = store_snapshot(slack.app.store)
    assert await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul", **signing) == 401
    await slack.adapter.settled()
    assert store_snapshot(slack.app.store) == before and slack.app.store.chats.chat(KEY) is None
    assert slack.fake.calls == []  # not even auth.test: the request stopped at the door
    assert await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul") == 200  # the same, properly signed
    await slack.fake.wait_for_call("response_url")
    assert slack.app.store.chats.chat(KEY)["status"] == "active"


async def test_push_delivers_through_slack_when_it_is_configured(slack, capsys):
    from bot.push import push

    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url")
    assert await push(slack.app, NOW) == 0
    assert "sent 1," in capsys.readouterr().out
    assert len(slack.fake.messages(CHANNEL)) == 1


async def test_a_revoked_bot_token_stops_every_channel_but_a_revoked_user_token_does_not(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url")
    await slack.event({"type": "tokens_revoked", "tokens": {"oauth": ["U0ANN"]}})
    assert slack.app.store.chats.chat(KEY)["status"] == "active"
    await slack.event({"type": "tokens_revoked", "tokens": {"bot": ["U0BOT"]}})
    assert slack.app.store.chats.chat(KEY)["reason"] == "tokens_revoked"


async def test_grades_at_once_leave_the_right_count_with_no_more_updates_than_grades(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    (daily,) = slack.fake.messages(CHANNEL)
    show = buttons(daily["blocks"])["drill_reveal"]
    members = list(NAMES)
    await asyncio.gather(*(slack.press(user, show, daily["ts"]) for user in members))
    answers = await slack.fake.wait_for_call("chat.postEphemeral", len(members))
    grade_buttons = {call.params["user"]: buttons(call.params["blocks"])["drill_knew"] for call in answers}
    await asyncio.gather(*(slack.press(user, grade_buttons[user], "1.5", ephemeral=True) for user in members))
    await slack.adapter.settled()
    assert 1 <= len(slack.fake.calls_to("chat.update")) <= len(members)
    final = json.dumps(slack.fake.message(CHANNEL, daily["ts"])["blocks"], ensure_ascii=False)
    assert f"{len(members)}명이 채점" in final


async def test_many_grades_while_the_count_is_being_updated_make_one_more_update_not_one_each(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    (daily,) = slack.fake.messages(CHANNEL)
    show = buttons(daily["blocks"])["drill_reveal"]
    members = [f"U0M{n:02d}" for n in range(12)]
    await asyncio.gather(*(slack.press(user, show, daily["ts"]) for user in members))
    answers = await slack.fake.wait_for_call("chat.postEphemeral", len(members))
    knew = {call.params["user"]: buttons(call.params["blocks"])["drill_knew"] for call in answers}

    slack.fake.hold("chat.update")
    await slack.press(members[0], knew[members[0]], "1.5", ephemeral=True)
    await slack.fake.wait_for_arrival("chat.update")  # the first count update is on its way, held
    await asyncio.gather(*(slack.press(user, knew[user], "1.5", ephemeral=True) for user in members[1:]))
    await slack.adapter.settled(running=1)  # every other grade is stored; only the held update runs
    slack.fake.release("chat.update")
    await slack.adapter.settled()

    assert slack.app.store.grades.graded_count(slack.app.store.deliveries.latest_drill_day(KEY)["id"]) == len(members)
    # The held update, then one more for the eleven grades that came in meanwhile.
    assert len(slack.fake.calls_to("chat.update")) == 2
    final = json.dumps(slack.fake.message(CHANNEL, daily["ts"])["blocks"], ensure_ascii=False)
    assert f"{len(members)}명이 채점" in final


async def test_a_running_subscription_is_not_taken_over_by_someone_subscribing_it_again(slack):
    await refused_after_ann_subscribed(slack, "subscribe 07:00 UTC")
    assert slack.app.store.chats.chat(KEY)["subscribed_by"] == "slack:T0001:U0ANN"
    # A workspace admin may; so may anyone once it was stopped.
    await slack.slash("U0ADMIN", "subscribe 08:00")
    await slack.fake.wait_for_call("response_url", 3)
    assert slack.app.store.chats.chat(KEY)["at"] == "08:00"
    await slack.slash("U0ADMIN", "unsubscribe")
    await slack.slash("U0BO", "subscribe 07:00 UTC")
    await slack.fake.wait_for_call("response_url", 5)
    row = slack.app.store.chats.chat(KEY)
    assert (row["status"], row["at"], row["subscribed_by"]) == ("active", "07:00", "slack:T0001:U0BO")


async def test_a_member_joining_does_not_reactivate_a_channel_only_the_app_joining_does(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.fake.wait_for_call("response_url")
    await slack.event({"type": "channel_left", "channel": CHANNEL})
    await slack.event({"type": "member_joined_channel", "user": "U0BO", "channel": CHANNEL})
    assert slack.app.store.chats.chat(KEY)["status"] == "inactive"
    await slack.event({"type": "member_joined_channel", "user": "U0BOT", "channel": CHANNEL})
    assert slack.app.store.chats.chat(KEY)["status"] == "active"


KOREAN_NOTES = """---
language: ko
---

## **파드**는 무엇인가요?

**파드**는 쿠버네티스에서 배포하는 가장 작은 단위입니다.

| 구분 | 설명 |
|---|---|
| 파드 | 컨테이너 묶음 |
"""


def bold_texts(blocks: list[dict]) -> set[str]:
    """Texts that Slack shows in bold: rich text elements with the bold style."""
    found = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "text" and node.get("style", {}).get("bold"):
                found.add(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(blocks)
    return found


@pytest.fixture
async def korean_slack(tmp_path):
    """The bot in Slack HTTP mode whose only note has a Korean bold word and a table."""
    async with running_slack(tmp_path, KOREAN_NOTES) as running:
        yield running


async def test_korean_bold_is_a_style_and_a_table_is_a_table_block_in_every_message(korean_slack):
    slack = korean_slack
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    (daily,) = slack.fake.messages(CHANNEL)
    assert "파드" in bold_texts(daily["blocks"]) and "**" not in shown_text(daily)

    await slack.press("U0ANN", buttons(daily["blocks"])["drill_reveal"], daily["ts"])
    revealed = (await slack.fake.wait_for_call("chat.postEphemeral", 1))[-1].params
    await slack.slash("U0ANN", "")  # practice: /quiz on its own
    practice = (await slack.fake.wait_for_call("response_url", 2))[-1].params
    await slack.press("U0ANN", buttons(practice["blocks"])["drill_reveal"], "2.0", ephemeral=True)
    answer = (await slack.fake.wait_for_call("chat.postEphemeral", 2))[-1].params
    for message in (revealed, answer):
        assert "파드" in bold_texts(message["blocks"]) and "**" not in shown_text(message)
        (table,) = [block for block in message["blocks"] if block["type"] == "table"]
        cells = [[shown_text({"blocks": [cell]}) for cell in row] for row in table["rows"]]
        assert cells == [["구분", "설명"], ["파드", "컨테이너 묶음"]]
        assert "|---" not in shown_text(message)


LONG_NOTES = "## 롤링 업데이트는 어떻게 진행되나요?\n\n" + "\n\n".join(
    f"단계{n:03}: **새 파드**를 하나 띄우고 준비되면 옛 파드를 하나 내린다. " * 8 for n in range(1, 61))


@pytest.fixture
async def long_slack(tmp_path):
    """The bot in Slack HTTP mode whose only note has an answer longer than one message may hold."""
    async with running_slack(tmp_path, LONG_NOTES) as running:
        yield running


async def test_an_answer_longer_than_one_message_goes_on_in_follow_ups_with_the_buttons_last(long_slack):
    slack = long_slack
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    await slack.sweep()
    (daily,) = slack.fake.messages(CHANNEL)
    await slack.press("U0ANN", buttons(daily["blocks"])["drill_reveal"], daily["ts"])
    assert len(LONG_NOTES) > 15_000  # more than one message's 12,000 characters, less than two
    calls = await slack.fake.wait_for_call("chat.postEphemeral", 2)
    parts = [call.params for call in calls]
    assert len(parts) == 2 and all(part["user"] == "U0ANN" for part in parts)
    for part in parts:
        assert len(part["blocks"]) <= 50 and len(shown_text(part)) <= 12_000
    assert [bool(buttons(part["blocks"])) for part in parts] == [False] * (len(parts) - 1) + [True]
    shown = "".join(shown_text(part) for part in parts)
    assert [shown.count(f"단계{n:03}") for n in (1, 30, 60)] == [8, 8, 8] and "…" not in shown


async def test_a_reminder_goes_to_the_members_dm_and_not_to_one_who_turned_it_off(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    for user, typed in (("U0BO", "remind on 20:00"), ("U0ANN", "remind on 20:00"), ("U0ANN", "remind off")):
        await slack.slash(user, typed)
    await slack.fake.wait_for_call("response_url", 4)
    await slack.sweep()
    evening = NOW + timedelta(hours=11)  # 20:00 in Seoul
    assert await ReminderSweep(slack.app.store, slack.app.drill, slack.senders).sweep(evening) == 1
    (opened,) = slack.fake.calls_to("conversations.open")
    assert opened.params["users"] == "U0BO"
    (reminder,) = slack.fake.messages("DU0BO")
    assert set(buttons(reminder["blocks"])) == {"drill_reveal"} and slack.fake.messages("DU0ANN") == []
    assert await ReminderSweep(slack.app.store, slack.app.drill, slack.senders).sweep(evening) == 0  # once a day


async def test_the_weekly_recap_is_posted_once_on_the_first_drill_day_of_a_week(slack):
    await slack.slash("U0ANN", "subscribe 09:00 Asia/Seoul")
    channel = chat_ref(TEAM, CHANNEL, "drill")
    for day in range(5):  # last week: Ann grades every day, Bo from Tuesday
        when = NOW - timedelta(days=7 - day)
        await slack.app.delivery(slack.senders, lambda when=when: when).sweep(when)
        delivery_id = slack.app.store.deliveries.latest_drill_day(channel.key)["id"]
        for user, grade in (("U0ANN", "knew"), ("U0BO", "partly" if day else None)):
            if grade:
                slack.app.drill.action(channel, member_ref(TEAM, user, NAMES[user]), grade_payload(delivery_id, grade),
                                       when + timedelta(hours=1))
    before = len(slack.fake.messages(CHANNEL))
    assert (await slack.sweep()).sent == 1
    posted = slack.fake.messages(CHANNEL)[before:]
    recaps = [m for m in posted if "Last week in review" in m["text"] or "지난주 돌아보기" in m["text"]]
    assert len(recaps) == 1 and len(posted) == 3  # last week's board, the recap, today's question
    assert set(buttons(recaps[0]["blocks"])) == {"drill_practice"}
    assert (await slack.sweep()).sent == 0 and len(slack.fake.messages(CHANNEL)) == before + 3

"""The fake Slack Web API, driven by the real slack_sdk AsyncWebClient."""

import asyncio
import json

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from fakes.slack_api import FakeSlackAPI

BLOCKS = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Q1* What is 2+2?"}}]


@pytest.fixture
async def fake():
    """A started fake without pacing (two posts to one channel in a second would 429)."""
    async with FakeSlackAPI(enforce_limits=False) as api:
        yield api


def client_for(fake, token=None, **kwargs):
    """A real client pointed at the fake; no retry handlers, so every error reaches the test."""
    return AsyncWebClient(token=token or fake.token, base_url=fake.base_url, retry_handlers=[], **kwargs)


@pytest.fixture
def client(fake):
    return client_for(fake)


class ManualClock:
    """A clock the test moves by hand, so pacing windows pass without sleeping."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def error_of(call) -> SlackApiError:
    """The SlackApiError the awaited call raises."""
    with pytest.raises(SlackApiError) as caught:
        await call
    return caught.value


async def test_auth_test_reports_the_bot_and_team(fake, client):
    response = await client.auth_test()
    assert (response["team_id"], response["user_id"], response["bot_id"]) == ("T0001", "U0BOT", "B0BOT")
    assert response["url"].startswith("https://")
    assert fake.base_url.endswith("/api/")
    assert [(call.status, call.ok) for call in fake.calls_to("auth.test")] == [(200, True)]


async def test_a_wrong_or_missing_token_is_invalid_auth_with_http_200(fake):
    wrong = await error_of(client_for(fake, token="xoxb-wrong").auth_test())
    assert (wrong.response.status_code, wrong.response["error"]) == (200, "invalid_auth")
    missing = await error_of(AsyncWebClient(base_url=fake.base_url, retry_handlers=[]).auth_test())
    assert missing.response["error"] == "invalid_auth"
    assert [call.error for call in fake.calls_to("auth.test")] == ["invalid_auth", "invalid_auth"]


async def test_post_message_stores_blocks_and_hands_out_increasing_ts(fake, client):
    first = await client.chat_postMessage(channel="C1", text="Q1", blocks=BLOCKS, unfurl_links=False)
    second = await client.chat_postMessage(channel="C1", text="Q2")
    other = await client.chat_postMessage(channel="C2", text="hello")
    assert first["ts"] == "1700000000.000100"
    assert float(first["ts"]) < float(second["ts"]) < float(other["ts"])
    assert first["message"]["blocks"] == BLOCKS and first["message"]["bot_id"] == "B0BOT"
    # JSON bodies keep their types: blocks a list, unfurl_links a bool.
    assert fake.messages("C1")[0] == {"channel": "C1", "text": "Q1", "blocks": BLOCKS, "unfurl_links": False,
                                      "ts": first["ts"], "team": "T0001"}
    assert [m["text"] for m in fake.messages()] == ["Q1", "Q2", "hello"]
    assert fake.message("C1", second["ts"])["text"] == "Q2"


async def test_form_bodies_are_accepted_and_blocks_given_as_json_text_are_decoded(fake, client):
    await client.api_call("chat.postMessage", data={"channel": "C1", "text": "Q", "blocks": json.dumps(BLOCKS)})
    assert fake.messages()[0]["blocks"] == BLOCKS
    bad = await error_of(client.api_call("chat.postMessage", data={"channel": "C1", "blocks": "{not json"}))
    assert bad.response["error"] == "invalid_blocks"


async def test_post_message_needs_content(fake, client):
    # api_call, because chat_postMessage itself warns about a missing text before sending.
    assert (await error_of(client.api_call("chat.postMessage", json={"channel": "C1"}))).response["error"] == "no_text"
    assert fake.messages() == []


async def test_chat_update_changes_the_stored_message_and_unknown_ts_is_message_not_found(fake, client):
    posted = await client.chat_postMessage(channel="C1", text="Q1", blocks=BLOCKS)
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="Q1 (answered)")
    assert (updated["ts"], updated["text"]) == (posted["ts"], "Q1 (answered)")
    stored = fake.message("C1", posted["ts"])
    assert (stored["text"], stored["blocks"]) == ("Q1 (answered)", BLOCKS)  # blocks left out are kept
    await client.chat_update(channel="C1", ts=posted["ts"], text="Q1", blocks=[])
    assert fake.message("C1", posted["ts"])["blocks"] == []
    assert [u["text"] for u in fake.updates("C1")] == ["Q1 (answered)", "Q1"]
    unknown = await error_of(client.chat_update(channel="C1", ts="1.000001", text="x"))
    elsewhere = await error_of(client.chat_update(channel="C2", ts=posted["ts"], text="x"))
    assert {unknown.response["error"], elsewhere.response["error"]} == {"message_not_found"}
    assert len(fake.updates()) == 2
    with pytest.raises(KeyError):
        fake.message("C2", posted["ts"])


async def test_post_ephemeral_is_recorded_per_user(fake, client):
    response = await client.chat_postEphemeral(channel="C1", user="U1", text="only you")
    await client.chat_postEphemeral(channel="C1", user="U2", text="only you too")
    assert response["message_ts"]
    assert [e["text"] for e in fake.ephemerals(user="U1")] == ["only you"]
    assert [e["user"] for e in fake.ephemerals("C1")] == ["U1", "U2"]
    assert fake.ephemerals("C1", "U2")[0]["message_ts"] > response["message_ts"]
    assert fake.messages() == []  # ephemerals are not channel messages
    assert len(fake.calls_to("chat.postEphemeral")) == 2


async def test_users_info_for_known_and_unknown_users(fake, client):
    fake.set_user("U1", "ann", real_name="Ann Lee", is_admin=True, tz="Asia/Seoul")
    user = (await client.users_info(user="U1"))["user"]
    assert (user["id"], user["name"], user["real_name"], user["is_admin"], user["is_owner"]) == (
        "U1", "ann", "Ann Lee", True, False)
    assert (user["profile"]["display_name"], user["tz"], user["tz_offset"]) == ("ann", "Asia/Seoul", 9 * 3600)
    assert (await client.users_info(user="U0BOT"))["user"]["is_bot"] is True
    assert (await error_of(client.users_info(user="U404"))).response["error"] == "user_not_found"


async def test_conversations_info_for_known_unknown_and_removed_channels(fake, client):
    fake.set_channel("C1", "drill")
    fake.set_channel("D1", is_im=True)
    channel = (await client.conversations_info(channel="C1"))["channel"]
    assert (channel["name"], channel["is_channel"], channel["is_im"], channel["is_archived"]) == (
        "drill", True, False, False)
    assert (await client.conversations_info(channel="D1"))["channel"]["is_im"] is True
    assert (await error_of(client.conversations_info(channel="C404"))).response["error"] == "channel_not_found"
    fake.remove_channel("C1")
    assert (await error_of(client.conversations_info(channel="C1"))).response["error"] == "channel_not_found"
    assert (await error_of(client.chat_postMessage(channel="C1", text="x"))).response["error"] == "channel_not_found"


async def test_unknown_method(client):
    assert (await error_of(client.api_call("drill.nothing"))).response["error"] == "unknown_method"


async def test_injected_ratelimit_is_a_429_with_retry_after(fake, client):
    fake.fail_next("chat.postMessage", error="ratelimited", retry_after=7)
    error = await error_of(client.chat_postMessage(channel="C1", text="x"))
    assert (error.response.status_code, error.response["error"]) == (429, "ratelimited")
    assert error.response.headers["Retry-After"] == "7"
    assert fake.rejected_429 == 0  # only pacing refusals count there
    await client.chat_postMessage(channel="C1", text="x")  # the fault was used up
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [429, 200]


async def test_the_rate_limit_retry_handler_waits_and_succeeds(fake):
    # The one test that really waits: the handler sleeps Retry-After plus up to 1 s of jitter.
    fake.fail_next("chat.postMessage", error="ratelimited", retry_after=1)
    client = client_for(fake)
    client.retry_handlers.append(AsyncRateLimitErrorRetryHandler(max_retry_count=1))
    response = await client.chat_postMessage(channel="C1", text="eventually")
    assert response["ok"]
    assert [call.status for call in fake.calls_to("chat.postMessage")] == [429, 200]
    assert [m["text"] for m in fake.messages()] == ["eventually"]


async def test_fail_next_with_a_channel_affects_only_that_channel(fake, client):
    fake.fail_next("chat.postMessage", error="channel_not_found", channel="C1")
    await client.chat_postMessage(channel="C2", text="fine")
    error = await error_of(client.chat_postMessage(channel="C1", text="lost"))
    assert (error.response.status_code, error.response["error"]) == (200, "channel_not_found")
    await client.chat_postMessage(channel="C1", text="back")
    assert [m["text"] for m in fake.messages()] == ["fine", "back"]


async def test_fail_next_with_count_and_other_methods(fake, client):
    fake.fail_next("users.info", error="account_inactive", count=2)
    fake.set_user("U1")
    for _ in range(2):
        assert (await error_of(client.users_info(user="U1"))).response["error"] == "account_inactive"
    assert (await client.users_info(user="U1"))["ok"]
    with pytest.raises(ValueError):
        fake.fail_next("chat.postMessage", error="")


async def test_archive_refuses_posts_and_shows_in_conversations_info(fake, client):
    fake.set_channel("C1", "drill")
    await client.chat_postMessage(channel="C1", text="before")
    fake.archive("C1")
    assert (await error_of(client.chat_postMessage(channel="C1", text="after"))).response["error"] == "is_archived"
    assert (await client.conversations_info(channel="C1"))["channel"]["is_archived"] is True
    await client.chat_postMessage(channel="C2", text="elsewhere")
    assert [m["text"] for m in fake.messages()] == ["before", "elsewhere"]


async def test_per_channel_pacing_refuses_a_second_immediate_post_until_the_clock_moves():
    clock = ManualClock()
    async with FakeSlackAPI(rate_scale=1, clock=clock) as fake:
        client = client_for(fake)
        await client.chat_postMessage(channel="C1", text="one")
        refused = await error_of(client.chat_postMessage(channel="C1", text="two"))
        assert (refused.response.status_code, refused.response.headers["Retry-After"]) == (429, "1")
        await client.chat_postMessage(channel="C2", text="other channel")
        clock.now += 1.0
        await client.chat_postMessage(channel="C1", text="two")
        assert fake.rejected_429 == 1
        assert [m["text"] for m in fake.messages("C1")] == ["one", "two"]


async def test_rate_scale_speeds_pacing_up():
    clock = ManualClock()
    async with FakeSlackAPI(rate_scale=10, clock=clock) as fake:
        client = client_for(fake)
        await client.chat_postMessage(channel="C1", text="one")
        await error_of(client.chat_postMessage(channel="C1", text="too soon"))
        clock.now += 0.1
        await client.chat_postMessage(channel="C1", text="two")
        assert fake.rejected_429 == 1


async def test_workspace_cap_counts_posts_across_channels():
    clock = ManualClock()
    async with FakeSlackAPI(workspace_per_minute=2, clock=clock) as fake:
        client = client_for(fake)
        await client.chat_postMessage(channel="C1", text="a")
        await client.chat_postMessage(channel="C2", text="b")
        refused = await error_of(client.chat_postMessage(channel="C3", text="c"))
        assert refused.response.headers["Retry-After"] == "60"
        clock.now += 60
        await client.chat_postMessage(channel="C3", text="c")
        assert fake.rejected_429 == 1


async def test_enforce_limits_false_lets_many_through(fake, client):
    for n in range(20):
        await client.chat_postMessage(channel="C1", text=str(n))
    assert len(fake.messages("C1")) == 20 and fake.rejected_429 == 0


async def test_wait_for_call_wakes_on_the_answer_and_times_out_otherwise(fake, client):
    waiter = asyncio.create_task(fake.wait_for_call("chat.postMessage", count=2, timeout=2))
    await client.chat_postMessage(channel="C1", text="one")
    await client.chat_postMessage(channel="C1", text="two")
    calls = await waiter
    assert [call.params["text"] for call in calls] == ["one", "two"]
    with pytest.raises(TimeoutError, match="chat.update: 0 of 1"):
        await fake.wait_for_call("chat.update", timeout=0.05)


def add_second_workspace(fake):
    """Workspace T0002 beside the default T0001, with the same channel C1 and user U1 in both."""
    fake.add_workspace("T0002", "xoxb-two", name="Second Team")
    fake.set_user("U1", "ann")
    fake.set_user("U1", "bo", team="T0002")
    fake.set_channel("C1", "drill")
    fake.set_channel("C1", "quiz", team="T0002")
    return client_for(fake), client_for(fake, token="xoxb-two")


async def test_two_workspaces_keep_their_users_channels_and_messages_apart(fake):
    one, two = add_second_workspace(fake)
    assert [(await c.users_info(user="U1"))["user"]["name"] for c in (one, two)] == ["ann", "bo"]
    assert (await two.users_info(user="U1"))["user"]["team_id"] == "T0002"
    assert [(await c.conversations_info(channel="C1"))["channel"]["name"] for c in (one, two)] == ["drill", "quiz"]
    fake.set_user("U2")  # only in T0001
    assert (await error_of(two.users_info(user="U2"))).response["error"] == "user_not_found"

    first = await one.chat_postMessage(channel="C1", text="for one")
    second = await two.chat_postMessage(channel="C1", text="for two")
    await two.chat_postEphemeral(channel="C1", user="U1", text="psst")
    await two.chat_update(channel="C1", ts=second["ts"], text="for two (edited)")
    assert second["message"]["team"] == "T0002"
    assert [m["text"] for m in fake.messages("C1", team="T0001")] == ["for one"]
    assert [(m["text"], m["team"]) for m in fake.messages(team="T0002")] == [("for two", "T0002")]
    assert [e["team"] for e in fake.ephemerals("C1", "U1")] == ["T0002"] and fake.ephemerals(team="T0001") == []
    assert [u["team"] for u in fake.updates("C1")] == ["T0002"]
    assert fake.message("C1", second["ts"], team="T0002")["text"] == "for two (edited)"
    assert fake.message("C1", first["ts"])["text"] == "for one"
    # chat.update looks in the caller's workspace only.
    assert (await error_of(one.chat_update(channel="C1", ts=second["ts"], text="x"))).response["error"] == (
        "message_not_found")
    assert [(c.method, c.team) for c in fake.calls[-3:]] == [
        ("chat.postEphemeral", "T0002"), ("chat.update", "T0002"), ("chat.update", "T0001")]


async def test_archive_remove_and_faults_touch_one_workspace_only(fake):
    one, two = add_second_workspace(fake)
    fake.archive("C1", team="T0002")
    assert (await error_of(two.chat_postMessage(channel="C1", text="x"))).response["error"] == "is_archived"
    await one.chat_postMessage(channel="C1", text="still open")
    fake.remove_channel("C1")
    assert (await error_of(one.conversations_info(channel="C1"))).response["error"] == "channel_not_found"
    assert (await two.conversations_info(channel="C1"))["channel"]["is_archived"] is True
    fake.fail_next("chat.postMessage", error="account_inactive", team="T0002")
    await one.chat_postMessage(channel="C2", text="one is fine")
    assert (await error_of(two.chat_postMessage(channel="C2", text="x"))).response["error"] == "account_inactive"
    await two.chat_postMessage(channel="C2", text="two is back")
    assert [(m["team"], m["text"]) for m in fake.messages("C2")] == [("T0001", "one is fine"), ("T0002", "two is back")]


async def test_pacing_is_kept_per_workspace():
    clock = ManualClock()
    async with FakeSlackAPI(clock=clock) as fake:
        one, two = add_second_workspace(fake)
        await one.chat_postMessage(channel="C1", text="one")
        await two.chat_postMessage(channel="C1", text="two's own C1")  # the same second, another workspace
        refused = await error_of(one.chat_postMessage(channel="C1", text="too soon"))
        assert (refused.response.status_code, refused.response.headers["Retry-After"]) == (429, "1")
        assert (fake.rejected_429, fake.rejected_429_by_team) == (1, {"T0001": 1})
        clock.now += 1.0
        await one.chat_postMessage(channel="C1", text="again")
        assert [m["text"] for m in fake.messages("C1", team="T0001")] == ["one", "again"]


async def test_the_workspace_cap_is_counted_per_workspace():
    clock = ManualClock()
    async with FakeSlackAPI(workspace_per_minute=1, clock=clock) as fake:
        one, two = add_second_workspace(fake)
        await one.chat_postMessage(channel="C1", text="a")
        await two.chat_postMessage(channel="C2", text="b")  # T0001's post does not count against T0002
        refused = await error_of(one.chat_postMessage(channel="C2", text="c"))
        assert refused.response.headers["Retry-After"] == "60"
        assert fake.rejected_429_by_team == {"T0001": 1}


async def test_auth_test_answers_for_the_tokens_workspace(fake):
    fake.add_workspace("T0003", "xoxb-three", name="Grid Team", enterprise_id="E0001", bot_user_id="U3BOT",
                       bot_id="B3BOT")
    default = await client_for(fake).auth_test()
    assert (default["team_id"], default["team"], default["url"]) == (
        "T0001", "Drill Test", "https://drill-test.slack.com/")
    assert "enterprise_id" not in default.data
    third = await client_for(fake, token="xoxb-three").auth_test()
    assert (third["team_id"], third["team"], third["enterprise_id"], third["user_id"], third["bot_id"]) == (
        "T0003", "Grid Team", "E0001", "U3BOT", "B3BOT")
    assert third["url"] == "https://grid-team.slack.com/" and third["is_enterprise_install"] is False
    assert (await client_for(fake, token="xoxb-three").users_info(user="U3BOT"))["user"]["is_bot"] is True
    assert [call.team for call in fake.calls_to("auth.test")] == ["T0001", "T0003"]


async def test_unknown_and_revoked_tokens_are_refused(fake):
    one, two = add_second_workspace(fake)
    unknown = await error_of(client_for(fake, token="xoxb-nobody").auth_test())
    assert (unknown.response.status_code, unknown.response["error"]) == (200, "invalid_auth")
    fake.revoke("xoxb-two")
    revoked = await error_of(two.chat_postMessage(channel="C1", text="after the uninstall"))
    assert (revoked.response.status_code, revoked.response["error"]) == (200, "token_revoked")
    assert (await one.auth_test())["team_id"] == "T0001"  # the other workspace is untouched
    assert [(c.team, c.error) for c in fake.calls] == [
        (None, "invalid_auth"), ("T0002", "token_revoked"), ("T0001", None)]
    with pytest.raises(KeyError):
        fake.revoke("xoxb-nobody")


def installer(fake):
    """A client with no bot token, as an app's OAuth redirect handler has."""
    return AsyncWebClient(base_url=fake.base_url, retry_handlers=[])


async def test_oauth_v2_access_exchanges_a_code_once_and_installs_the_workspace(fake):
    fake.add_install_code("code-1", "T0009", "xoxb-nine", team_name="Ninth Team", user_id="U9ADMIN")
    exchange = installer(fake).oauth_v2_access(client_id=fake.client_id, client_secret=fake.client_secret,
                                               code="code-1")
    answer = (await exchange).data
    assert answer == {"ok": True, "access_token": "xoxb-nine", "token_type": "bot", "scope": "commands,chat:write",
                      "bot_user_id": "U0BOT", "app_id": "A0DRILL", "team": {"id": "T0009", "name": "Ninth Team"},
                      "enterprise": None, "authed_user": {"id": "U9ADMIN"}, "is_enterprise_install": False}
    ninth = client_for(fake, token=answer["access_token"])
    assert (await ninth.auth_test())["team_id"] == "T0009"
    await ninth.chat_postMessage(channel="C1", text="hello ninth")
    assert [m["team"] for m in fake.messages()] == ["T0009"]
    again = await error_of(installer(fake).oauth_v2_access(client_id=fake.client_id,
                                                             client_secret=fake.client_secret, code="code-1"))
    assert (again.response.status_code, again.response["error"]) == (200, "invalid_code")
    assert [(c.status, c.error, c.team) for c in fake.calls_to("oauth.v2.access")] == [
        (200, None, None), (200, "invalid_code", None)]


async def test_oauth_v2_access_refuses_wrong_client_credentials_and_never_records_the_secret(fake):
    fake.add_install_code("code-2", "T0009", "xoxb-nine")
    wrong_id = installer(fake).oauth_v2_access(client_id="9999.9999", client_secret=fake.client_secret, code="code-2")
    assert (await error_of(wrong_id)).response["error"] == "invalid_client_id"
    wrong_secret = installer(fake).oauth_v2_access(client_id=fake.client_id, client_secret="guessed", code="code-2")
    assert (await error_of(wrong_secret)).response["error"] == "bad_client_secret"
    assert (await error_of(installer(fake).oauth_v2_access(client_id=fake.client_id,
                                                           client_secret=fake.client_secret, code="nope"))
            ).response["error"] == "invalid_code"
    # A refused exchange leaves the code unused; Slack also takes the credentials as form fields.
    form = {"client_id": fake.client_id, "client_secret": fake.client_secret, "code": "code-2"}
    assert (await installer(fake).api_call("oauth.v2.access", data=form))["access_token"] == "xoxb-nine"
    assert fake.calls_to("oauth.v2.access")[-1].params == {**form, "client_secret": "***"}
    recorded = json.dumps([call.params for call in fake.calls])
    assert fake.client_secret not in recorded and "guessed" not in recorded


async def test_oauth_v2_access_for_an_org_wide_install(fake):
    fake.add_install_code("org-code", "T0010", "xoxb-org", team_name="Drill Org", enterprise_id="E0ORG",
                          is_enterprise_install=True)
    answer = await installer(fake).oauth_v2_access(client_id=fake.client_id, client_secret=fake.client_secret,
                                                   code="org-code")
    assert (answer["team"], answer["enterprise"], answer["is_enterprise_install"]) == (
        None, {"id": "E0ORG", "name": "Drill Org"}, True)
    org = client_for(fake, token="xoxb-org")
    auth = await org.auth_test()
    assert (auth["enterprise_id"], auth["is_enterprise_install"], auth["url"]) == (
        "E0ORG", True, "https://drill-org.enterprise.slack.com/")
    # The install is reachable by its enterprise id too.
    fake.set_channel("C7", "org-drill", team="E0ORG")
    assert (await org.conversations_info(channel="C7"))["channel"]["name"] == "org-drill"
    await org.chat_postMessage(channel="C7", text="org-wide")
    assert [m["text"] for m in fake.messages(team="E0ORG")] == ["org-wide"] == [
        m["text"] for m in fake.messages(team="T0010")]
    with pytest.raises(ValueError):
        fake.add_install_code("bad", "T0011", "xoxb-bad", is_enterprise_install=True)

"""config/slack-manifest.yaml asks for exactly what the Slack adapter uses: its command, events and scopes."""

import re
from datetime import datetime, timezone

import yaml

from bot.adapters import slack
from bot.config import SlackSettings
from conftest import PROJECT_ROOT

MANIFEST = PROJECT_ROOT / "config" / "slack-manifest.yaml"
# From each method's and event's page on api.slack.com ("Required scopes").
METHOD_SCOPES = {
    "auth_test": set(),  # which workspace a bot token belongs to
    "chat_postMessage": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "chat_update": {"chat:write"},
    "users_info": {"users:read"},
    "conversations_open": {"im:write"},  # the DM a member's /streak picture goes to
    "files_upload_v2": {"files:write"},  # files.getUploadURLExternal and files.completeUploadExternal
}
EVENT_SCOPES = {
    "member_joined_channel": {"channels:read", "groups:read"},  # public and private channels
    "channel_left": {"channels:read"},
    "channel_archive": {"channels:read"},
    "group_left": {"groups:read"},
    "group_archive": {"groups:read"},
    "app_uninstalled": set(),
    "tokens_revoked": set(),
}


def manifest() -> dict:
    return yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))


def methods_called() -> set[str]:
    """Web API methods the adapter calls, read from its source (`self.client.chat_update(`)."""
    source = (PROJECT_ROOT / "bot" / "adapters" / "slack.py").read_text(encoding="utf-8")
    return set(re.findall(r"\bclient\.([a-z]+_[A-Za-z0-9_]+)\(", source))


def test_the_manifest_names_the_one_slash_command_and_interactivity():
    parsed = manifest()
    assert [c["command"] for c in parsed["features"]["slash_commands"]] == [slack.SLASH_COMMAND]
    assert parsed["settings"]["interactivity"]["is_enabled"] is True
    assert parsed["features"]["bot_user"]["display_name"]


def test_the_manifest_subscribes_to_exactly_the_events_the_adapter_handles(app):
    settings = SlackSettings(bot_token="xoxb-test", app_token=None, signing_secret="s", api_url="http://127.0.0.1:9/")
    adapter = slack.SlackAdapter(app, settings, lambda: datetime.now(timezone.utc))
    assert set(manifest()["settings"]["event_subscriptions"]["bot_events"]) == set(adapter.events)


def test_the_manifest_asks_for_exactly_the_scopes_the_code_needs():
    called = methods_called()
    assert called, "the adapter calls the Web API through `client.`"
    unknown = called - set(METHOD_SCOPES)
    assert not unknown, f"add the required scopes of {unknown} to METHOD_SCOPES (and the manifest)"
    needed = {"commands"}.union(*(METHOD_SCOPES[m] for m in called))
    needed = needed.union(*(EVENT_SCOPES[e] for e in manifest()["settings"]["event_subscriptions"]["bot_events"]))
    assert set(manifest()["oauth_config"]["scopes"]["bot"]) == needed


def test_an_install_asks_for_the_manifests_scopes_and_comes_back_to_its_redirect_url():
    """bolt's OAuth flow asks for slack.BOT_SCOPES: the same as the manifest, so that an "Add to Slack"
    install grants what the app configured in Slack asks for."""
    parsed = manifest()
    assert set(slack.BOT_SCOPES) == set(parsed["oauth_config"]["scopes"]["bot"])
    (redirect,) = parsed["oauth_config"]["redirect_urls"]
    assert redirect.endswith("/slack/oauth_redirect")
    assert redirect.rsplit("/slack/", 1)[0] == parsed["settings"]["event_subscriptions"]["request_url"].rsplit("/slack/", 1)[0]

"""Slack Socket Mode: the real bolt handler connects over a WebSocket and handles the envelopes it is sent."""

from contextlib import AsyncExitStack

from bot.app import build_app
from bot.config import load_settings
from bot.platforms import open_platforms
from fakes.slack_socket import FakeSlackWithSocketMode
from test_slack_bot import CHANNEL, NOW, buttons


def slash_payload(fake, user: str, text: str) -> dict:
    return {"token": "legacy", "team_id": "T0001", "team_domain": "team", "channel_id": CHANNEL,
            "channel_name": "drill", "user_id": user, "user_name": user.lower(), "command": "/quiz", "text": text,
            "api_app_id": "A0DRILL", "response_url": fake.response_url(f"{user}-{text}"), "trigger_id": "1.2.3"}


async def test_socket_mode_needs_no_port_and_handles_commands_and_buttons(tmp_path):
    async with FakeSlackWithSocketMode(enforce_limits=False) as fake:
        env = {"DRILL_DB": str(tmp_path / "drill.db"), "SLACK_BOT_TOKEN": fake.token, "SLACK_API_URL": fake.base_url,
               "SLACK_APP_TOKEN": fake.app_token}
        app = build_app(load_settings(env), NOW)
        async with AsyncExitStack() as stack:
            platforms = await open_platforms(app, lambda: NOW, stack, listen=True)
            assert platforms.server is None  # no HTTP server: nothing to expose
            await fake.wait_until_connected()

            envelope = await fake.send_envelope("slash_commands", slash_payload(fake, "U0ANN", "subscribe 09:00"))
            await fake.wait_for_ack(envelope)
            await fake.wait_for_call("response_url")
            assert app.store.chats.chat(f"slack:T0001:{CHANNEL}")["status"] == "active"

            await app.delivery(platforms.senders, lambda: NOW).sweep(NOW)
            (daily,) = fake.messages(CHANNEL)
            show = buttons(daily["blocks"])["drill_reveal"]
            press = {"type": "block_actions", "user": {"id": "U0BO", "username": "bo", "name": "bo"},
                     "channel": {"id": CHANNEL, "name": "drill"}, "team": {"id": "T0001"}, "api_app_id": "A0DRILL",
                     "container": {"type": "message", "message_ts": daily["ts"], "channel_id": CHANNEL},
                     "response_url": fake.response_url("press"), "trigger_id": "1.2.4",
                     "actions": [{"action_id": show["action_id"], "block_id": "drill", "value": show["value"],
                                  "type": "button", "action_ts": "1.2"}]}
            await fake.wait_for_ack(await fake.send_envelope("interactive", press))
            (answer,) = await fake.wait_for_call("chat.postEphemeral")
            assert answer.params["user"] == "U0BO"
        app.close()

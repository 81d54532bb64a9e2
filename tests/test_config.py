"""Settings come from config/settings.toml and the environment; bad values name key and file."""

from datetime import time, timedelta
from pathlib import Path

import pytest

from bot.config import PROJECT_ROOT, ConfigError, load_settings


def test_defaults_match_the_design(tmp_path):
    settings = load_settings({})
    assert settings.default_schedule.at == time(9, 0)
    assert settings.default_schedule.zone == "Asia/Seoul"
    assert settings.default_schedule.days == frozenset(range(5))
    assert settings.default_language == "ko"
    assert settings.catch_up == timedelta(hours=6)
    assert settings.db_path == PROJECT_ROOT / "data" / "drill.db"
    assert settings.content_paths == (PROJECT_ROOT / "content",)
    assert settings.telegram is None and settings.slack is None
    assert settings.image_base_url is None  # relative images show their alt text until it is set


def test_environment_overrides_paths(tmp_path):
    settings = load_settings({"DRILL_DB": str(tmp_path / "x.db"), "DRILL_CONTENT": f"{tmp_path}/a:{tmp_path}/b"})
    assert settings.db_path == tmp_path / "x.db"
    assert settings.content_paths == (tmp_path / "a", tmp_path / "b")


def _config(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return {"DRILL_CONFIG": str(path)}


@pytest.mark.parametrize(
    "text, key",
    [
        ('[schedule]\ntime = "25:00"\n', "schedule.time"),
        ('[schedule]\nzone = "Mars/Olympus"\n', "schedule.zone"),
        ('[schedule]\ndays = ["funday"]\n', "schedule.days"),
        ('[schedule]\nlanguage = "fr"\n', "schedule.language"),
        ("[delivery]\ncatch_up_hours = -1\n", "delivery.catch_up_hours"),
        ('[delivery]\nmax_concurrent_sends = "many"\n', "delivery.max_concurrent_sends"),
        ("[store]\npath = 3\n", "store.path"),
        ('[content]\nimage_base_url = "notes/images"\n', "content.image_base_url"),
    ],
)
def test_a_bad_value_names_the_key_and_the_file(tmp_path, text, key):
    env = _config(tmp_path, text)
    with pytest.raises(ConfigError) as error:
        load_settings(env)
    assert key in str(error.value)
    assert str(tmp_path / "settings.toml") in str(error.value)


def test_invalid_toml_names_the_file(tmp_path):
    env = _config(tmp_path, "[schedule\n")
    with pytest.raises(ConfigError, match="settings.toml: not valid TOML"):
        load_settings(env)


def test_tokens_come_from_the_environment():
    settings = load_settings({"TELEGRAM_BOT_TOKEN": "123:abc", "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot",
                              "SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert settings.telegram.token == "123:abc"
    assert settings.telegram.api_base_url == "http://127.0.0.1:9/bot"
    assert settings.slack.app_token == "xapp-1"


def test_slack_needs_a_mode():
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        load_settings({"SLACK_BOT_TOKEN": "xoxb-1"})


def test_slack_for_many_workspaces_needs_the_app_credentials_and_the_signing_secret_together():
    app = {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "secret-of-the-app", "SLACK_SIGNING_SECRET": "s"}
    settings = load_settings(app)
    assert settings.slack.installs and settings.slack.bot_token is None and settings.needs_http_server
    assert "secret-of-the-app" not in repr(settings)
    for missing in app:
        with pytest.raises(ConfigError, match="SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET"):
            load_settings({k: v for k, v in app.items() if k != missing})
    with pytest.raises(ConfigError, match="runs in HTTP mode"):
        load_settings({**app, "SLACK_APP_TOKEN": "xapp-1"})
    # A bot token means one workspace, whatever else is set.
    one = load_settings({**app, "SLACK_BOT_TOKEN": "xoxb-1"})
    assert not one.slack.installs and one.slack.client_id is None

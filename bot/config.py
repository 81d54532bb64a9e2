"""Settings: config/settings.toml plus environment overrides. The only module that reads os.environ."""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.core.schedule import Schedule, ScheduleError, parse_days, parse_time, parse_zone

_WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = PROJECT_ROOT / "config" / "settings.toml"
LANGUAGES = ("ko", "en")


class ConfigError(Exception):
    """A setting that cannot be used; the message names the key and where it came from."""


@dataclass(frozen=True)
class TelegramSettings:
    """Telegram connection: token, Bot API base URL, optional webhook."""

    token: str
    api_base_url: str
    webhook_url: str | None
    webhook_secret: str | None


@dataclass(frozen=True)
class TelegramPacing:
    """The send limits the bot keeps to on Telegram (raise them only for a local Bot API server)."""

    messages_per_second: float = 30
    group_messages_per_minute: int = 20
    chat_messages_per_second: float = 1


@dataclass(frozen=True)
class SlackPacing:
    """The send limits the bot keeps to on Slack; 0 per minute means no workspace-wide pacing."""

    channel_messages_per_second: float = 1
    workspace_messages_per_minute: int = 0


@dataclass(frozen=True)
class SlackSettings:
    """Slack connection. One workspace: its bot token and either Socket Mode (app token) or HTTP mode
    (signing secret). Many workspaces ("Add to Slack"): the app's client id and secret and HTTP mode; each
    workspace's bot token then comes from its installation."""

    bot_token: str | None
    app_token: str | None
    signing_secret: str | None
    api_url: str
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    redirect_uri: str | None = None  # the OAuth redirect URL when the app has more than one

    @property
    def installs(self) -> bool:
        """Many workspaces, each installing the app through OAuth (no bot token of our own)."""
        return self.bot_token is None


@dataclass(frozen=True)
class GitSource:
    """Notes kept in a git repository: where, which branch and folder, how often to pull, and the
    credentials of a private one (from the environment only)."""

    url: str
    branch: str
    subfolder: str
    pull_every: timedelta
    checkout: Path  # the bot's own clone, in its data folder
    username: str | None = None
    token: str | None = field(default=None, repr=False)

    @property
    def notes_path(self) -> Path:
        return self.checkout / self.subfolder if self.subfolder else self.checkout


@dataclass(frozen=True)
class Settings:
    """Everything the bot needs to start, already validated."""

    config_file: Path
    content_paths: tuple[Path, ...]
    db_path: Path
    default_schedule: Schedule
    default_language: str
    catch_up: timedelta
    claim_lease: timedelta
    max_concurrent_sends: int
    sweep_every: timedelta
    console_chat_id: str
    console_member_id: str
    console_member_name: str
    port: int
    telegram: TelegramSettings | None
    slack: SlackSettings | None
    telegram_pacing: TelegramPacing = TelegramPacing()
    slack_pacing: SlackPacing = SlackPacing()
    image_base_url: str | None = None  # where the content folders are served: relative images resolve there
    git: GitSource | None = None  # notes from a git repository: content_paths is then its checkout
    log_format: str = "text"  # or "json": one JSON object per line, for log collectors

    @property
    def needs_http_server(self) -> bool:
        """A Telegram webhook or Slack HTTP mode needs the web server on PORT."""
        telegram_webhook = self.telegram is not None and self.telegram.webhook_url is not None
        slack_http = self.slack is not None and self.slack.app_token is None
        return telegram_webhook or slack_http


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read the settings file named by DRILL_CONFIG (default config/settings.toml) and the environment."""
    env = os.environ if environ is None else environ
    config_file = Path(env["DRILL_CONFIG"]).resolve() if env.get("DRILL_CONFIG") else DEFAULT_CONFIG
    raw = _read_toml(config_file)
    reader = _Reader(raw, config_file)

    if env.get("DRILL_CONTENT"):
        content_paths = tuple(Path(p).resolve() for p in env["DRILL_CONTENT"].split(os.pathsep) if p)
    else:
        content_paths = tuple(reader.path(p) for p in reader.get("content.paths", list, ["content"]))
    db_path = Path(env["DRILL_DB"]).resolve() if env.get("DRILL_DB") else reader.path(
        reader.get("store.path", str, "data/drill.db"))

    schedule = Schedule(
        at=reader.parsed("schedule.time", "09:00", parse_time),
        zone=reader.parsed("schedule.zone", "Asia/Seoul", parse_zone),
        days=reader.parsed("schedule.days", ["mon", "tue", "wed", "thu", "fri"],
                           lambda days: parse_days(",".join(days) if isinstance(days, list) else days)),
    )
    language = reader.get("schedule.language", str, "ko")
    if language not in LANGUAGES:
        raise ConfigError(f"{config_file}: schedule.language must be one of {', '.join(LANGUAGES)}, not {language!r}")
    git = _git_source(reader, env, db_path)
    if git is not None:
        content_paths = (git.notes_path,)
    image_base_url = reader.get("content.image_base_url", str, "").strip() or None
    if image_base_url and not image_base_url.startswith(("https://", "http://")):
        raise ConfigError(f"{config_file}: content.image_base_url must start with https:// or http://")
    catch_up_hours = reader.number("delivery.catch_up_hours", 6, low=0, high=23)
    lease = reader.number("delivery.claim_lease_seconds", 120, low=5, high=3600)
    concurrency = int(reader.number("delivery.max_concurrent_sends", 16, low=1, high=1000))
    sweep_seconds = reader.number("delivery.sweep_every_seconds", 60, low=1, high=3600)

    return Settings(
        config_file=config_file,
        content_paths=content_paths,
        image_base_url=image_base_url,
        db_path=db_path,
        default_schedule=schedule,
        default_language=language,
        catch_up=timedelta(hours=catch_up_hours),
        claim_lease=timedelta(seconds=lease),
        max_concurrent_sends=concurrency,
        sweep_every=timedelta(seconds=sweep_seconds),
        git=git,
        log_format=_log_format(env),
        console_chat_id=reader.get("console.chat_id", str, "local"),
        console_member_id=reader.get("console.member_id", str, "me"),
        console_member_name=reader.get("console.member_name", str, "me"),
        port=_port(env),
        telegram=_telegram(env),
        slack=_slack(env),
        telegram_pacing=TelegramPacing(
            messages_per_second=reader.number("telegram.messages_per_second", 30, low=0.1, high=1e6),
            group_messages_per_minute=int(reader.number("telegram.group_messages_per_minute", 20, low=1, high=1e6)),
            chat_messages_per_second=reader.number("telegram.chat_messages_per_second", 1, low=0.01, high=1e6),
        ),
        slack_pacing=SlackPacing(
            channel_messages_per_second=reader.number("slack.channel_messages_per_second", 1, low=0.01, high=1e6),
            workspace_messages_per_minute=int(reader.number("slack.workspace_messages_per_minute", 0, low=0,
                                                            high=1e7)),
        ),
    )


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"{path}: settings file not found (set DRILL_CONFIG or restore config/settings.toml)") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None


class _Reader:
    """Typed look-ups of dotted keys in the parsed settings file, with errors naming key and file."""

    def __init__(self, raw: dict, file: Path):
        self.raw = raw
        self.file = file

    def _value(self, key: str, default):
        section, _, name = key.partition(".")
        table = self.raw.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{self.file}: [{section}] must be a table")
        return table.get(name, default)

    def get(self, key: str, kind: type, default):
        value = self._value(key, default)
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise ConfigError(f"{self.file}: {key} must be a {kind.__name__}, not {value!r}")
        return value

    def number(self, key: str, default: float, *, low: float, high: float) -> float:
        value = self._value(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise ConfigError(f"{self.file}: {key} must be a number from {low} to {high}, not {value!r}")
        return value

    def parsed(self, key: str, default, parse):
        value = self._value(key, default)
        try:
            return parse(value)
        except (ScheduleError, TypeError, AttributeError):
            raise ConfigError(f"{self.file}: {key} is not valid: {value!r}") from None

    def path(self, value: str) -> Path:
        path = Path(value)
        return path if path.is_absolute() else (PROJECT_ROOT / path)


def _port(env: Mapping[str, str]) -> int:
    value = env.get("PORT", "3000")
    if not value.isdigit() or not 0 <= int(value) < 65536:
        raise ConfigError(f"environment: PORT must be a port number, not {value!r}")
    return int(value)


def _telegram(env: Mapping[str, str]) -> TelegramSettings | None:
    token = env.get("TELEGRAM_BOT_TOKEN")
    if not token:
        return None
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL") or None
    if webhook_url and not webhook_url.startswith(("https://", "http://")):
        raise ConfigError(f"environment: TELEGRAM_WEBHOOK_URL must be an https:// URL, not {webhook_url!r}")
    webhook_secret = env.get("TELEGRAM_WEBHOOK_SECRET") or None
    if webhook_secret and not _WEBHOOK_SECRET.fullmatch(webhook_secret):
        raise ConfigError("environment: TELEGRAM_WEBHOOK_SECRET must be 1 to 256 characters of A-Z, a-z, 0-9, _ "
                          "and - (Telegram's rule)")
    return TelegramSettings(
        token=token,
        api_base_url=env.get("TELEGRAM_API_BASE_URL") or "https://api.telegram.org/bot",
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
    )


def _slack(env: Mapping[str, str]) -> SlackSettings | None:
    token = env.get("SLACK_BOT_TOKEN") or None
    app_token = env.get("SLACK_APP_TOKEN") or None
    signing_secret = env.get("SLACK_SIGNING_SECRET") or None
    client_id, client_secret = env.get("SLACK_CLIENT_ID") or None, env.get("SLACK_CLIENT_SECRET") or None
    api_url = env.get("SLACK_API_URL") or "https://slack.com/api/"
    if token:  # one workspace: the bot token wins over any OAuth settings
        if not app_token and not signing_secret:
            raise ConfigError("environment: SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) "
                              "nor SLACK_SIGNING_SECRET (HTTP mode) is")
        return SlackSettings(bot_token=token, app_token=app_token, signing_secret=signing_secret, api_url=api_url)
    if not client_id and not client_secret:
        return None
    if not (client_id and client_secret and signing_secret):
        raise ConfigError("environment: installing to many Slack workspaces needs SLACK_CLIENT_ID, "
                          "SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET together")
    if app_token:
        raise ConfigError("environment: SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN; installing to many "
                          "workspaces runs in HTTP mode")
    return SlackSettings(bot_token=None, app_token=None, signing_secret=signing_secret, api_url=api_url,
                         client_id=client_id, client_secret=client_secret,
                         redirect_uri=env.get("SLACK_REDIRECT_URI") or None)


def _git_source(reader: _Reader, env: Mapping[str, str], db_path: Path) -> GitSource | None:
    """`[content] git = URL` (with `branch`, `subfolder`, `pull_every_minutes`); DRILL_GIT_TOKEN (and
    DRILL_GIT_USERNAME, default "oauth2") for a private repository over HTTPS."""
    url = reader.get("content.git", str, "").strip()
    if not url:
        return None
    if "@" in url.split("://", 1)[-1].split("/", 1)[0]:
        raise ConfigError(f"{reader.file}: content.git must not hold credentials; set DRILL_GIT_TOKEN instead")
    subfolder = reader.get("content.subfolder", str, "").strip().strip("/")
    if ".." in Path(subfolder).parts:
        raise ConfigError(f"{reader.file}: content.subfolder must stay inside the repository")
    minutes = reader.number("content.pull_every_minutes", 10, low=1, high=24 * 60)
    token = env.get("DRILL_GIT_TOKEN") or None
    return GitSource(url=url, branch=reader.get("content.branch", str, "main").strip() or "main",
                     subfolder=subfolder, pull_every=timedelta(minutes=minutes), checkout=db_path.parent / "notes-git",
                     username=(env.get("DRILL_GIT_USERNAME") or "oauth2") if token else None, token=token)


def _log_format(env: Mapping[str, str]) -> str:
    value = env.get("LOG_FORMAT", "text").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ConfigError(f"environment: LOG_FORMAT must be text or json, not {value!r}")
    return value

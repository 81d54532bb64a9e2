"""Logging for the people who run the bot: one line per event (a traceback too), `LOG_FORMAT=json` for
log collectors, the chat and the delivery an event concerns as fields of their own, and no token or
secret ever written, whatever logged it (ours, a library's, a traceback)."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import datetime, timezone

from bot.config import Settings

FIELDS = ("chat", "delivery")  # passed as `extra=` by the log calls that concern one
# Slack tokens the settings do not hold: each workspace's bot token comes from its installation.
SLACK_TOKEN = re.compile(r"\b(?:xox[a-z]|xapp)-[0-9A-Za-z-]{8,}")


class LineFormatter(logging.Formatter):
    """A record as one line of text (`time level logger: message chat=... delivery=...`) or of JSON."""

    def __init__(self, json_lines: bool, secrets: tuple[str, ...] = ()):
        super().__init__()
        self.json_lines = json_lines
        self.secrets = tuple(secret for secret in secrets if len(secret) >= 8)  # never mask a common word

    def format(self, record: logging.LogRecord) -> str:
        fields = {name: getattr(record, name) for name in FIELDS if getattr(record, name, None) is not None}
        error = self.formatException(record.exc_info) if record.exc_info else None
        stamp = datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds")
        if self.json_lines:
            line = json.dumps({"time": stamp, "level": record.levelname, "logger": record.name,
                               "message": record.getMessage(), **fields, **({"error": error} if error else {})},
                              ensure_ascii=False, default=str)
        else:
            line = " ".join([stamp, record.levelname, f"{record.name}: {record.getMessage()}",
                             *(f"{name}={value}" for name, value in fields.items())])
            if error:
                line += " | " + " | ".join(error.splitlines())
        for secret in self.secrets:
            line = line.replace(secret, "***")
        return SLACK_TOKEN.sub("***", line).replace("\n", " | ")


def configure_logging(settings: Settings | None, level: int) -> None:
    """Log to stderr in the settings' format (text without settings), hiding every secret they hold."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LineFormatter(settings is not None and settings.log_format == "json",
                                       _secrets(settings) if settings else ()))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _secrets(settings: Settings) -> tuple[str, ...]:
    telegram, slack, git = settings.telegram, settings.slack, settings.git
    found = [telegram.token, telegram.webhook_secret] if telegram else []
    found += [slack.bot_token, slack.app_token, slack.signing_secret, slack.client_secret] if slack else []
    found += [git.token] if git else []
    return tuple(secret for secret in found if secret)

"""Entry point: `python -m bot [chat|run|content|push|db]`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

from bot.bank import load_bank
from bot.config import ConfigError, Settings, load_settings
from bot.logs import configure_logging


def build_parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per job."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="Daily Drill: one study question a day.")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("chat", help="the terminal chat on the local database (the default without tokens)")
    commands.add_parser("run", help="run the bot on the platforms whose tokens are set, with the scheduler")

    push = commands.add_parser("push", help="run one delivery sweep now")
    push.add_argument("--dry-run", action="store_true", help="print what would be sent; send and record nothing")
    push.add_argument("--all", action="store_true", help="every active chat, not only the due ones (still once a day)")

    content = commands.add_parser("content", help="check or search the notes")
    content_commands = content.add_subparsers(dest="content_command", required=True)
    check = content_commands.add_parser("check", help="parse the notes and report questions and warnings")
    check.add_argument("paths", nargs="*", type=Path, help="notes files or folders (default: the configured ones)")
    check.add_argument("--json", action="store_true", help="print one JSON object instead")
    show = content_commands.add_parser("show", help="print the questions matching a text, id or topic")
    show.add_argument("query")

    content_commands.add_parser("flags", help="open reports of problems with questions, for the notes' authors")
    status = commands.add_parser("status", help="chats, deliveries, the last sweep and the notes of the bot "
                                                "using this database, and whether it is healthy")
    status.add_argument("--json", action="store_true", help="print one JSON object instead")
    status.add_argument("--check", action="store_true",
                        help="only the health: exit 0 when healthy, 1 when the scheduler is stuck (a container's check)")

    db = commands.add_parser("db", help="database maintenance")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    backup = db_commands.add_parser("backup", help="a consistent copy of the database, safe while the bot runs")
    backup.add_argument("path", type=Path)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    command = args.command or ("run" if settings.telegram or settings.slack else "chat")
    configure_logging(settings, logging.INFO if command == "run" else logging.WARNING)
    if command == "content":
        from bot import content_report

        if args.content_command == "flags":
            from bot.store import Store

            store = Store.open(settings.db_path)
            try:
                return content_report.flags(store.bank.open_flags(), sys.stdout)
            finally:
                store.close()
        if args.content_command == "check":
            bank = load_bank(args.paths or settings.content_paths, settings.image_base_url)
            return content_report.check(bank, sys.stdout, sys.stderr, as_json=args.json)
        return content_report.show(load_bank(settings.content_paths, settings.image_base_url), args.query, sys.stdout)
    if command == "status":
        return _status(settings, as_json=args.json, check=args.check)
    if command == "db":
        from bot.store import backup_database

        from bot.terminal_progress import progress_bar

        with progress_bar("backing up", "pages", sys.stdout) as update:
            pages = backup_database(settings.db_path, args.path, update)
        print(f"backed up {settings.db_path} to {args.path} ({pages:,} pages)")
        return 0
    return _run_with_app(command, args, settings)


def _status(settings: Settings, *, as_json: bool, check: bool) -> int:
    import json

    from bot.scheduler import utc_now
    from bot.status import bot_status, status_text
    from bot.store import Store

    store = Store.open(settings.db_path)
    try:
        status = bot_status(store, settings, utc_now())
    finally:
        store.close()
    if check:
        print(status["health"])
    elif as_json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        print(status_text(status))
    return 0 if status["healthy"] or not check else 1


def _run_with_app(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot.app import StartupError, build_app
    from bot.scheduler import utc_now

    try:
        app = build_app(settings, utc_now())
    except StartupError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        if command == "chat":
            from bot.adapters.console import run_console

            return asyncio.run(run_console(app, utc_now))
        if command == "push":
            from bot.push import push

            return asyncio.run(push(app, utc_now(), dry_run=args.dry_run, every_active=args.all))
        from bot.runner import run_platforms

        return asyncio.run(run_platforms(app, utc_now))
    finally:
        app.close()


if __name__ == "__main__":
    sys.exit(main())

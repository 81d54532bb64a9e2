"""Benchmark of a Slack morning fan-out over many workspaces: a real `python -m bot run` ("Add to Slack"
mode: each workspace's bot token from its installation) and the fake Web API serving every workspace.

Run as `python tests/bench/bench_slack_workspaces.py [--workspaces 200] [--channels 10]
[--workspace-per-minute 60]`. Every channel of every workspace is due at once. The fake paces
chat.postMessage at one message per second per channel and `workspace-per-minute` per workspace (0: no
workspace limit), each workspace on its own, as Slack does; the bot is configured to the same pace.

A workspace can do no better than its own limit: L = (its channels - 1) / (its rate per second), the
time its pace needs between its first post and its last. What the fan-out adds is measured per workspace
as F - L, where F is the workspace's last delivery after the fan-out's first: the time it waited beyond
its own limit, for start-up or behind other workspaces. Workspaces served one after another would take
W x L in all; served side by side, about L.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from slack_sdk.oauth.installation_store.models.installation import Installation  # noqa: E402

from bench_calendar import cpu_model  # noqa: E402 - a sibling script: the same machine line
from bot.adapters.slack import BOT_SCOPES  # noqa: E402
from bot.adapters.slack_installations import Installations  # noqa: E402
from fakes.slack_api import BOT_ID, BOT_USER_ID, FakeSlackAPI  # noqa: E402
from fanout import (  # noqa: E402
    BotProcess, DailyCount, is_daily, print_figures, seed_chats, slack_oauth_env, timed_out, write_settings,
)

# The target: no workspace waits for its turn behind another. A workspace that waits behind another
# starts posting a whole L (9 s at the defaults) after the fan-out's first post, and served one after
# another the last one waits (W - 1) x L. Served side by side, every workspace's first post comes within
# the start-up of one sweep (all chats are claimed together): under one step of its own pace (1 s at
# 60/min). So the check is the latest first post, against one step of the pace.
#
# F - L is printed beside it, not checked: beyond the start, it is each workspace's own pacer stretching
# its steps. The bot counts a post inside its one-second window until Slack answers it (so that a late
# request is never over the limit at Slack), so each of the C - 1 steps takes the interval plus a round
# trip: 1.06-1.14 s a step measured with 2,000 sends in flight on two cores, 0.5-1.3 s over 9 steps.
#
# With no workspace pace (--workspace-per-minute 0) a workspace's own limit is nothing (each channel gets
# one post), every send is ready at once, and the first posts spread over the whole fan-out at the bot's
# throughput: that run measures the throughput, and the check does not apply.
def max_start_s(per_minute: int) -> float | None:
    """The latest a workspace's first post may come after the fan-out's first: one step of its pace."""
    return 60 / per_minute if per_minute else None


def install(fake: FakeSlackAPI, db: Path, teams: list[str]) -> None:
    """Install the app in every workspace: its own bot token, known to the fake and kept in the bot's
    database as an "Add to Slack" install keeps it."""
    installations = Installations(db, fake.client_id)
    for n, team in enumerate(teams):
        token = f"xoxb-bench-{team}"
        fake.add_workspace(team, token, name=f"Bench {n}")
        installations.save(Installation(
            app_id="A0DRILL", team_id=team, team_name=f"Bench {n}", bot_token=token, bot_id=BOT_ID,
            bot_user_id=BOT_USER_ID, bot_scopes=list(BOT_SCOPES), user_id="UINSTALLER", installed_at=time.time()))


def per_workspace(fake: FakeSlackAPI, teams: list[str]) -> dict[str, list[float]]:
    """The times of each workspace's successful daily-question posts, in order, on the fake's clock."""
    wanted = set(teams)
    times: dict[str, list[float]] = {}
    for call in fake.calls_to("chat.postMessage"):
        if call.ok and is_daily(call.params) and call.team in wanted:
            times.setdefault(call.team, []).append(call.at)
    return {team: sorted(at) for team, at in times.items()}


async def fan_out(work: Path, workspaces: int, channels: int, per_minute: int) -> dict:
    work.mkdir(parents=True)
    teams = [f"TB{n:06d}" for n in range(workspaces)]
    total = workspaces * channels
    limit_s = (channels - 1) / (per_minute / 60) if per_minute else 0.0  # L, the same for every workspace
    async with FakeSlackAPI(rate_scale=1, workspace_per_minute=per_minute or None) as fake:
        db = work / "drill.db"
        chat_ids = seed_chats(db, total, platform="slack", workspaces=teams)
        install(fake, db, teams)
        settings = write_settings(work / "settings.toml", scale=1, slack_workspace_per_minute=per_minute)
        count = DailyCount.watching(fake)
        bot = BotProcess(slack_oauth_env(fake, db, settings), work / "bot.log")
        await bot.start()
        try:
            # Side by side the fan-out takes about L plus start-up; a generous bound, far below W x L.
            done = await count.wait_for(total, timeout=max(120.0, 5 * limit_s + 60))
            figures = {"done": done, "delivered": count.delivered, "missing": count.missing(chat_ids),
                       "duplicates": count.duplicates, "429s": fake.rejected_429,
                       "429_teams": len(fake.rejected_429_by_team),
                       "requests": len(fake.calls_to("chat.postMessage")), "limit_s": limit_s,
                       "rss_mb": bot.peak_rss_mb()}
            figures["exit"] = await bot.stop()
        finally:
            if bot.process.returncode is None:  # the wait or the stop ran out of time: no child left behind
                bot.kill()
                await bot.process.wait()
        figures["log_tail"] = bot.log_path.read_text(errors="replace").splitlines()[-15:]
    if count.first_at is None:
        return figures | {"first_to_last_s": float("nan"), "start_to_first_s": float("nan"), "rate": float("nan"),
                          "finish": [], "beyond": [], "starts": [], "gaps": [], "workspaces_done": 0}
    times = per_workspace(fake, teams)
    figures["first_to_last_s"] = count.last_at - count.first_at
    figures["start_to_first_s"] = count.first_at - bot.started_at
    figures["rate"] = (count.delivered - 1) / figures["first_to_last_s"] if figures["first_to_last_s"] else float("nan")
    figures["finish"] = [at[-1] - count.first_at for at in times.values()]  # F per workspace
    figures["beyond"] = [f - limit_s for f in figures["finish"]]  # F - L per workspace
    figures["starts"] = [at[0] - count.first_at for at in times.values()]  # each one's first post
    figures["gaps"] = [b - a for at in times.values() for a, b in itertools.pairwise(at)]  # between a workspace's posts
    short = {team for team, _ in chat_ids if (team, _) not in count.per_chat}
    figures["workspaces_done"] = len(teams) - len(short)
    return figures


def spread(values: list[float]) -> str:
    """The median and the max of `values`, in seconds."""
    return f"{statistics.median(values):.2f} / {max(values):.2f} s" if values else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspaces", type=int, default=200)
    parser.add_argument("--channels", type=int, default=10, help="channels per workspace")
    parser.add_argument("--workspace-per-minute", type=int, default=60,
                        help="messages a minute per workspace, at the fake and in the bot (0: no workspace pace)")
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="keep the database and bot.log in DIR/slack (a new directory) instead of a temporary one")
    args = parser.parse_args()
    if args.workspaces < 1 or args.channels < 1 or args.workspace_per_minute < 0:
        parser.error("--workspaces and --channels must be at least 1, --workspace-per-minute at least 0")
    total = args.workspaces * args.channels
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs ({cpu_model()}), Python {platform.python_version()}")
    pace = f"{args.workspace_per_minute}/min per workspace" if args.workspace_per_minute else "no workspace pace"
    print(f"{args.workspaces:,} Slack workspaces x {args.channels} channels = {total:,} channels due at once; "
          f"1/s per channel, {pace}")
    with tempfile.TemporaryDirectory() as tmp:
        work = (args.keep or Path(tmp)) / "slack"
        run = asyncio.run(fan_out(work, args.workspaces, args.channels, args.workspace_per_minute))
    if args.keep:
        print(f"kept: {work}")
    limit_s = run["limit_s"]
    latest_start, start_target = max(run["starts"], default=float("inf")), max_start_s(args.workspace_per_minute)
    exactly_once = run["done"] and run["missing"] == run["duplicates"] == 0
    rows = [
        ("delivered / missing / duplicated", f"{run['delivered']:,} / {run['missing']} / {run['duplicates']}",
         f"{total:,} / 0 / 0", exactly_once),
        ("429s received", f"{run['429s']} (in {run['429_teams']} workspaces)", "0", run["429s"] == 0),
        ("chat.postMessage requests", f"{run['requests']:,} for {total:,} channels", "", None),
        ("deliveries per second, first to last", f"{run['rate']:.1f}/s", "", None),
        ("fan-out, first to last delivery", f"{run['first_to_last_s']:.2f} s", "", None),
        ("bot start to first delivery", f"{run['start_to_first_s']:.2f} s", "", None),
        ("workspaces with every channel", f"{run['workspaces_done']} of {args.workspaces}", "", None),
        ("own limit L per workspace", f"{limit_s:.2f} s", "", None),
        ("a workspace's first post after the first, median / max", spread(run["starts"]),
         f"max < {start_target:g} s" if start_target else "", latest_start < start_target if start_target else None),
        ("gap between a workspace's posts, median / max", spread(run["gaps"]), "", None),
        ("finish F, median / max", spread(run["finish"]), "", None),
        ("beyond own limit F - L, median / max", spread(run["beyond"]), "", None),
        ("workspace after workspace, W x L", f"{args.workspaces * limit_s:,.0f} s", "", None),
        ("peak RSS", f"{run['rss_mb']:.0f} MB", "", None),
        ("clean exit on SIGTERM", f"status {run['exit']}", "0", run["exit"] == 0),
    ]
    print_figures(rows)
    passed = all(ok for *_, ok in rows if ok is not None)
    if timed_out("fan-out", run, total) or not passed:
        print("bot log, last lines:", *run["log_tail"], sep="\n  ")
        print("FAIL")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the Slack morning fan-out: a real `python -m bot run` (HTTP mode) and the fake Web API.

Run as `python tests/bench/bench_slack_fanout.py [--channels 2000] [--scale 10] [--workspace 300]`.
The fake paces chat.postMessage at one message per second per channel and `workspace` messages a
minute across the workspace (Slack documents "several hundred per minute"), both times `scale`; the
bot is configured to the same workspace pace.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakes.slack_api import FakeSlackAPI  # noqa: E402
from fanout import BotProcess, DailyCount, bot_env, print_figures, seed_chats, timed_out, write_settings  # noqa: E402


async def fan_out(work: Path, channels: int, scale: float, workspace: int) -> dict:
    work.mkdir(parents=True)
    allowed_per_minute = workspace * scale
    async with FakeSlackAPI(rate_scale=scale, workspace_per_minute=workspace) as fake:
        db = work / "drill.db"
        channel_ids = seed_chats(db, channels, platform="slack")
        settings = write_settings(work / "settings.toml", scale=scale, slack_workspace_per_minute=int(allowed_per_minute))
        count = DailyCount.watching(fake)
        bot = BotProcess(bot_env(fake, db, settings), work / "bot.log")
        await bot.start()
        done = await count.wait_for(channels, timeout=max(120, 3 * channels / (allowed_per_minute / 60)))
        figures = {"done": done, "delivered": count.delivered, "missing": count.missing(channel_ids), "duplicates": count.duplicates,
                   "429s": fake.rejected_429, "first_to_last_s": count.last_at - count.first_at,
                   "start_to_last_s": count.last_at - bot.started_at, "allowed": allowed_per_minute / 60,
                   "requests": len(fake.calls_to("chat.postMessage"))}
        figures["rate"] = (count.delivered - 1) / figures["first_to_last_s"]  # made, not asked for
        figures["rss_mb"] = bot.peak_rss_mb()
        figures["exit"] = await bot.stop()
        return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=10)
    parser.add_argument("--workspace", type=int, default=300, help="messages per minute, before scaling")
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"{args.channels:,} Slack channels due at once; limits x{args.scale:g}: "
          f"{args.scale:g}/s per channel, {args.workspace * args.scale:,.0f}/min per workspace")
    with tempfile.TemporaryDirectory() as tmp:
        run = asyncio.run(fan_out(Path(tmp) / "slack", args.channels, args.scale, args.workspace))
    ratio = run["rate"] / run["allowed"]
    rows = [
        ("achieved rate / allowed", f"{run['rate']:.1f}/s of {run['allowed']:.1f}/s = {ratio:.3f}", ">= 0.95",
         ratio >= 0.95),
        ("429s received", f"{run['429s']}", "", None),
        ("chat.postMessage requests", f"{run['requests']:,} for {args.channels:,} channels", "", None),
        ("missing / duplicated", f"{run['missing']} / {run['duplicates']}", "0 / 0",
         run["missing"] == run["duplicates"] == 0),
        ("bot start to last delivery", f"{run['start_to_last_s']:.1f} s", "", None),
        ("peak RSS", f"{run['rss_mb']:.0f} MB", "", None),
        ("clean exit on SIGTERM", f"status {run['exit']}", "0", run["exit"] == 0),
    ]
    print_figures(rows)
    return 1 if timed_out("fan-out", run, args.channels) else 0


if __name__ == "__main__":
    sys.exit(main())

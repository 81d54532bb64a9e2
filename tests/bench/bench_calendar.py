"""Benchmark of the /streak picture: a full 16-week calendar of mixed days, in Korean, drawn over and over.

Run as `python tests/bench/bench_calendar.py [drawings]`. Goal: under 50 ms a drawing on one core.
"""

from __future__ import annotations

import platform
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.adapters.streak_calendar import WEEKS, calendar_png, first_monday  # noqa: E402
from bot.core.progress import Streak  # noqa: E402

RUNS = 3
GOAL_MS = 50
TODAY = date(2026, 11, 25)


def mixed_days(today: date) -> dict[date, str]:
    """Weekdays of all 16 weeks in every state (seeded, so every run draws the same), weekends off."""
    pick = random.Random(16)
    days = {}
    for offset in range(7 * WEEKS):
        day = first_monday(today) + timedelta(days=offset)
        if day < today and day.weekday() < 5:
            days[day] = pick.choice(("knew", "knew", "knew", "partly", "missed", "lost", "frozen"))
    days[today] = "open"
    return days


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown")


def main() -> None:
    drawings = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    days, summary = mixed_days(TODAY), Streak(current=12, best=30, freezes=1)
    png = calendar_png(days, TODAY, summary, "ko")  # loads the font: not part of a drawing's time
    medians = []
    for _ in range(RUNS):  # one process, one thread: this measures one core
        times = []
        for _ in range(drawings):
            started = time.perf_counter()
            calendar_png(days, TODAY, summary, "ko")
            times.append((time.perf_counter() - started) * 1000)
        medians.append(statistics.median(times))
    median = statistics.median(medians)
    print(f"machine: {cpu_model()}, Python {platform.python_version()}")
    print(f"streak calendar ({WEEKS} weeks, {len(days)} drill days, Korean): {median:.1f} ms a drawing "
          f"(median of {RUNS} runs of {drawings}; run medians {min(medians):.1f}-{max(medians):.1f} ms), "
          f"PNG {len(png):,} bytes: {'PASS' if median < GOAL_MS else 'MISS'} against {GOAL_MS} ms")


if __name__ == "__main__":
    main()

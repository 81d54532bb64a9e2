"""Run the test suite with the process clock moved, to prove no test depends on the real date and time.

    python tests/moved_clock.py                   # every instant below, one pytest run each
    python tests/moved_clock.py --at "2026-11-30 00:30:00" [-- PYTEST ARGS]

The clock is moved with libfaketime (the `libfaketime` test extra ships it; Debian's `faketime` package
works too): it is preloaded into pytest and every process the tests start, all moved by the same
offset, so that they read one clock that starts at the given UTC instant and runs on. Monotonic clocks are left alone, so timeouts and the event loop behave.
Exit status: 0 when every run passed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Instants (UTC) chosen around what the bot does with time: the default schedule is 09:00 Asia/Seoul on
# weekdays with a 6-hour catch-up window, weeks start on Monday, New York repeats 01:00-02:00 on
# 2026-11-01 (05:00-07:00 UTC).
INSTANTS = {
    "2026-11-30 00:30:00": "a weekday, 09:30 in Seoul: inside the default schedule's catch-up window",
    "2026-12-01 03:30:00": "a weekday, 12:30 in Seoul: late in the catch-up window",
    "2026-12-02 10:30:00": "a weekday, 19:30 in Seoul: after the window",
    "2026-12-05 01:30:00": "a Saturday, 10:30 in Seoul: no drill day",
    "2026-11-01 06:30:00": "New York's autumn change: 01:30 EST, the repeated hour's second pass",
    "2026-12-27 15:30:00": "Sunday night UTC, Monday 00:30 in Seoul: a new week begins",
}
SYSTEM_LIBRARIES = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                    "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1")


def faketime_environment(instant: str) -> dict[str, str]:
    """The environment that starts every process's wall clock at `instant` (UTC) and lets it run."""
    try:
        from libfaketime import get_reload_information

        _, additions = get_reload_information()
        env = dict(additions)
    except ImportError:
        library = next((path for path in SYSTEM_LIBRARIES if Path(path).exists()), None)
        if library is None:
            sys.exit("libfaketime not found: pip install -e '.[test]' (or apt-get install faketime)")
        env = {"LD_PRELOAD": library, "DONT_FAKE_MONOTONIC": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    if os.environ.get("LD_PRELOAD"):
        env["LD_PRELOAD"] = env["LD_PRELOAD"] + ":" + os.environ["LD_PRELOAD"]
    # An offset from the real clock, not "@instant": "@" starts each process's clock at the instant when
    # that process starts, so a bot started a minute into the run would live a minute behind the tests.
    # With an offset every process reads the same moving clock.
    target = datetime.strptime(instant, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
    env.update({"FAKETIME": f"{target.timestamp() - time.time():+.0f}", "TZ": "UTC"})
    return env


def run_at(instant: str, pytest_args: list[str]) -> tuple[bool, float]:
    """One pytest run with the clock moved; (passed, seconds)."""
    env = {**os.environ, **faketime_environment(instant)}
    probe = subprocess.run([sys.executable, "-c", "import datetime; print(datetime.datetime.now(datetime.timezone.utc))"],
                           env=env, capture_output=True, text=True, check=True)
    print(f"== {instant} UTC ({INSTANTS.get(instant, 'given')}); the process clock reads {probe.stdout.strip()}",
          flush=True)
    if not probe.stdout.startswith(instant[:13]):
        print("   the clock did not move: is libfaketime preloaded?", flush=True)
        return False, 0.0
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env, cwd=PROJECT_ROOT)
    return result.returncode == 0, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    """Run the suite at each instant; print one line per run; non-zero when any failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--at", action="append", help="a UTC instant 'YYYY-MM-DD HH:MM:SS' (repeatable)")
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    args = parser.parse_args(argv)
    results = [(instant, *run_at(instant, args.pytest_args)) for instant in (args.at or INSTANTS)]
    print()
    for instant, passed, seconds in results:
        print(f"{'passed' if passed else 'FAILED'}  {instant} UTC  {seconds:5.0f} s  {INSTANTS.get(instant, '')}")
    return 0 if all(passed for _, passed, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())

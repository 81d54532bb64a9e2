"""Benchmark of the store's leaderboard and streak queries on a year of drill history.

Run as `python tests/bench/bench_store.py [--chats 100] [--members 1000] [--days 365]`
(a quick run: `--chats 5`). Targets, p95 on this machine: a leaderboard under 50 ms, a streak under 5 ms.

It builds a real SQLite file with the real schema (`open_database`; the project's own notes are the
bank) in a temporary folder: chats subscribed Mon-Fri 09:00 Asia/Seoul, each with its own members and
a delivery (status sent, question chosen as the scheduler chooses it) on every weekday of the last
`--days` calendar days. Participation: every member gets a probability drawn uniformly from
[0.2, 0.9] and grades each drill day with it, so current streaks run from 0 to a few dozen days and
best streaks to a few months; 5 % of the grades of closed days come late (after the next question: no
points, the day is not completed); grades are knew / partly / missed at 50 / 30 / 20 %. Grade rows are
what `Store.record_daily_grade` writes: `card_before` is null on a member's first grade of a question
and a real fsrs card's JSON after that; `cards` holds one row per member and question graded. 1 % of
the members are hidden from boards. Rows go in day by day across all chats, by grading time, as the
bot writes them, with executemany in one transaction; a second process makes them meanwhile.

Then it measures, with random chats and members, the code paths the bot runs: `Drill.board_text`
as `/leaderboard week|month|all` calls it (with the caller's line) and `Drill.streak_of` as
`/streak` and every daily grade call it, on a fresh connection opened by `open_database`.
`--db PATH` keeps the file; running again with it skips the build and applies pending migrations.
"""
from __future__ import annotations

import argparse
import hashlib
import math
import multiprocessing
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, time as clock_time, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot.bank import load_bank  # noqa: E402
from bot.core import schedule as sched  # noqa: E402
from bot.core.choice import choose_daily_question  # noqa: E402
from bot.core.practice import review  # noqa: E402
from bot.core.progress import GRADES, POINTS  # noqa: E402
from bot.core.schedule import Defaults  # noqa: E402
from bot.drill import Drill  # noqa: E402
from bot.standings import board_text  # noqa: E402
from bot.store import Store, open_database  # noqa: E402

ZONE = "Asia/Seoul"
SCHEDULE = sched.Schedule(clock_time(9, 0), ZONE, frozenset(range(5)))
# A Wednesday noon in Seoul: this week has three drill days, the last one still open.
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
PARTICIPATION = (0.2, 0.9)
LATE_SHARE = 0.05
GRADE_WEIGHTS = (0.5, 0.3, 0.2)  # knew, partly, missed
HIDDEN_SHARE = 0.01
TARGETS_MS = {"leaderboard": 50.0, "streak": 5.0}


def card_pool(size: int = 64) -> list[str]:
    """Real fsrs card JSON after a few reviews, to fill `card_before` and `cards` with the real shape."""
    rng = random.Random(7)
    pool = []
    for n in range(size):
        card, at = None, datetime(2025, 12, 1, tzinfo=timezone.utc)
        for _ in range(1 + n % 4):
            at += timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
            card = review(card, rng.choice(GRADES), at, card_id=rng.getrandbits(40)).card_json
        pool.append(card)
    return pool


def time_pool(rng: random.Random, size: int = 4096, hours: int = 13) -> list[str]:
    """'THH:MM:SS.ffffff+00:00' suffixes within `hours` of 00:00 UTC (09:00 in Seoul), as isoformat() writes."""
    return [f"T{s // 3600:02}:{s // 60 % 60:02}:{s % 60:02}.{rng.randrange(1, 10**6):06}+00:00"
            for s in (rng.randrange(hours * 3600) for _ in range(size))]


def drill_dates(days: int) -> list[date]:
    """Weekdays of the last `days` calendar days up to NOW's local date: the chats' drill days."""
    today = sched.local_date(NOW, ZONE)
    span = (today - timedelta(days=n) for n in range(days - 1, -1, -1))
    return [day for day in span if day.weekday() in SCHEDULE.days]


def chat_keys(chats: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(key, platform, kind): half Slack channels, half Telegram supergroups."""
    keys = []
    for n in range(chats):
        if n % 2:
            keys.append((f"telegram:-100{rng.randrange(10**9, 10**10)}", "telegram", "group"))
        else:
            keys.append((f"slack:C{rng.getrandbits(40):010X}", "slack", "channel"))
    return keys


class ChatHistory:
    """One chat's generated year: its members, their participation, and which days each completed."""

    def __init__(self, key: str, platform_name: str, kind: str, members: int, rng: random.Random):
        self.key, self.platform, self.kind, self.rng = key, platform_name, kind, rng
        self.seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")
        if platform_name == "slack":
            self.people = [f"slack:U{rng.getrandbits(40):010X}" for _ in range(members)]
        else:
            self.people = [f"telegram:{rng.randrange(10**8, 8 * 10**9)}" for _ in range(members)]
        self.chance = [rng.uniform(*PARTICIPATION) for _ in self.people]
        self.completed = [0] * members  # bit i: the member completed drill day i
        self.points, self.graded = [0] * members, [0] * members
        self.reviews: list[dict[str, int]] = [{} for _ in self.people]
        self.reviewed_at: list[dict[str, str]] = [{} for _ in self.people]
        self.cycle, self.asked = 0, set()
        self.late: list[tuple] = []

    def deliver(self, question_ids: list[str]) -> tuple[str, int]:
        """The next daily question and its cycle, chosen as the scheduler chooses it."""
        question, cycle = choose_daily_question(question_ids, self.asked, self.cycle, self.seed)
        if cycle != self.cycle:
            self.cycle, self.asked = cycle, set()
        self.asked.add(question)
        return question, cycle

    def grades(self, delivery_id: int, index: int, day: str, next_day: str | None, question: str, pools) -> list[tuple]:
        """Grade rows written on drill day `index`: that day's on-time ones and the day before's late ones.

        `next_day` is None for the latest drill day, which is still open: nobody is late for it yet.
        """
        cards, on_time_times, late_times = pools
        random_, bits, chance = self.rng.random, self.rng.getrandbits, self.chance
        rows, late = self.late, []
        for m in [m for m in range(len(chance)) if random_() < chance[m]]:
            on_time = next_day is None or random_() >= LATE_SHARE
            roll = random_()
            grade = "knew" if roll < GRADE_WEIGHTS[0] else "partly" if roll < GRADE_WEIGHTS[0] + GRADE_WEIGHTS[1] else "missed"
            reviews, reviewed_at = self.reviews[m], self.reviewed_at[m]
            seen = reviews.get(question, 0)
            reviews[question] = seen + 1
            # As record_daily_grade stores it: the card before this grade, none on a first review.
            card_before = cards[bits(6)] if seen else None
            self.graded[m] += 1
            if on_time:
                self.points[m] += POINTS[grade]
                self.completed[m] |= 1 << index
                graded_at = reviewed_at[question] = day + on_time_times[bits(12)]
                rows.append((delivery_id, self.people[m], grade, POINTS[grade], 1, card_before, graded_at))
            else:
                graded_at = reviewed_at[question] = next_day + late_times[bits(12)]
                late.append((delivery_id, self.people[m], grade, 0, 0, card_before, graded_at))
        self.late = late
        return rows

    def streaks(self, days: int) -> list[tuple[int, int]]:
        """(current, best) of every member, by the README's rules, from the days they completed: a walk of
        its own over the bits, oldest day first, freezes included (one per 7 completed days, at most 2,
        used by a missed closed day while a streak runs)."""
        result = []
        for mask in self.completed:
            marks = format(mask, f"0{days}b")[::-1]  # the oldest day first; the last one is still open
            run = best = held = completed = 0
            for index, mark in enumerate(marks):
                if mark == "1":
                    run, completed = run + 1, completed + 1
                    held += completed % 7 == 0 and held < 2
                elif index == days - 1:
                    pass  # the open day: not having completed it yet breaks nothing
                elif run and held:
                    held -= 1  # a freeze keeps the streak; the day adds nothing
                else:
                    run = 0
                best = max(best, run)
            result.append((run, best))
        return result

    def totals(self) -> list[tuple]:
        """chat_totals rows, as the grade triggers would have kept them."""
        return [(self.key, member, self.points[m], self.graded[m]) for m, member in enumerate(self.people)
                if self.graded[m]]

    def cards(self, pool: list[str]) -> list[tuple]:
        """The members' cards after the year: one per question they graded."""
        bits = self.rng.getrandbits
        return [(member, question, pool[bits(6)], NOW.isoformat(), 5.0, reviews, self.reviewed_at[m][question])
                for m, member in enumerate(self.people) for question, reviews in self.reviews[m].items()]


def build(path: Path, chats: int, members: int, days: int, rng: random.Random) -> dict:
    """Fill a fresh database at `path`; returns the chat -> member keys map, row counts and true streaks.

    Rows go in in the order the bot writes them, day by day across all chats and by grading time
    within a day, so that one chat's grades are spread over the file as they are in production.
    """
    db = open_database(path)
    store = Store(db)
    bank = load_bank([ROOT / "content"])
    stamp = NOW - timedelta(days=days + 1)
    store.bank.sync_bank(list(bank.questions), stamp)
    question_ids = [q.id for q in bank.questions]
    pools = (card_pool(), time_pool(rng), time_pool(rng))
    dates = [day.isoformat() for day in drill_dates(days)]
    conn = db.conn
    # Build-only settings on this connection: one big transaction with no journal, no fsync and a big
    # page cache. The measurement reopens the file as the bot does (WAL, synchronous=NORMAL).
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA foreign_keys = OFF")  # the generator only makes consistent rows
    # Secondary indexes and the grade triggers are dropped for the load and made again from their own
    # SQL after it; the totals the triggers keep come from the generator. Sorting once is much faster
    # than millions of random index inserts and trigger runs.
    derived = list(conn.execute(
        "select type, name, sql from sqlite_master where type in ('index', 'trigger') and sql is not null"
        " and tbl_name in ('grades', 'cards', 'deliveries')"))
    histories = [ChatHistory(key, name, kind, members, rng) for key, name, kind in chat_keys(chats, rng)]
    counts = {"grades": 0, "on_time": 0, "cards": 0, "deliveries": 0}
    truth = {}
    has_totals = db["chat_totals"].exists()
    with db.atomic():
        for kind, name, _sql in derived:
            conn.execute(f'drop {kind} "{name}"')
        for chat in histories:
            conn.execute(
                "insert into chats (key, platform, kind, title, status, at, zone, days, topics, language,"
                " subscribed_by, seed, created_at, updated_at) values (?, ?, ?, ?, 'active', '09:00', ?, ?, '',"
                " 'ko', ?, ?, ?, ?)", [chat.key, chat.platform, chat.kind, f"team {chat.key[-4:]}", ZONE,
                                       sched.format_days(SCHEDULE.days), chat.people[0], chat.seed,
                                       stamp.isoformat(), stamp.isoformat()])
            conn.executemany("insert or ignore into members (key, name, hidden) values (?, ?, ?)",
                             [(m, f"Member {m[-6:]}", int(rng.random() < HIDDEN_SHARE)) for m in chat.people])
        # The rows are made in a second process while this one writes them (SQLite holds the GIL for
        # most of an insert, so a thread would not overlap).
        context = multiprocessing.get_context()
        reader, writer = context.Pipe(duplex=False)
        maker = context.Process(target=_generate, args=(writer, histories, dates, question_ids, pools, rng))
        maker.start()
        writer.close()
        while (batch := reader.recv()) is not None:
            deliveries, grades = batch
            conn.executemany(
                "insert into deliveries (id, chat, local_date, question_id, cycle, status, claimed_at, sent_at,"
                " message_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", deliveries)
            conn.executemany(
                "insert into grades (delivery_id, member, grade, points, on_time, card_before, graded_at)"
                " values (?, ?, ?, ?, ?, ?, ?)", grades)
            counts["deliveries"] += len(deliveries)
            counts["grades"] += len(grades)
            counts["on_time"] += sum(row[4] for row in grades)
        for chat in histories:
            cards, totals, streaks = reader.recv()
            conn.executemany("insert into cards (member, question_id, card, due, stability, reviews, updated_at)"
                             " values (?, ?, ?, ?, ?, ?, ?)", cards)
            if has_totals:  # absent before migration m003: the same script measures the store before it
                conn.executemany("insert into chat_totals (chat, member, points, grades) values (?, ?, ?, ?)", totals)
            counts["cards"] += len(cards)
            truth.update(((chat.key, member), found) for member, found in zip(chat.people, streaks))
        maker.join()
        for _kind, _name, sql in derived:
            conn.execute(sql)
    db.close()
    counts.update(chats=chats, members=chats * members, drill_days=len(dates))
    counts["current"] = [current for current, _best in truth.values()]
    counts["best"] = [best for _current, best in truth.values()]
    return {"roster": {chat.key: chat.people for chat in histories}, "counts": counts, "truth": truth}


def _generate(writer, histories: list[ChatHistory], dates: list[str], question_ids: list[str], pools,
              rng: random.Random) -> None:
    """In the generating process: every drill day's rows, then each chat's cards, totals and true streaks."""
    for batch in _drill_days(histories, dates, question_ids, pools, rng):
        writer.send(batch)
    writer.send(None)
    for chat in histories:
        writer.send((chat.cards(pools[0]), chat.totals(), chat.streaks(len(dates))))
    writer.close()


def _drill_days(histories: list[ChatHistory], dates: list[str], question_ids: list[str], pools,
                rng: random.Random) -> Iterator[tuple[list[tuple], list[tuple]]]:
    """(deliveries, grades) written on each drill day in turn, all chats together, grades by grading time."""
    delivery_id = 0
    for index, day in enumerate(dates):
        next_day = dates[index + 1] if index + 1 < len(dates) else None
        deliveries, grades = [], []
        for chat in histories:
            question, cycle = chat.deliver(question_ids)
            delivery_id += 1
            deliveries.append((delivery_id, chat.key, day, question, cycle, "sent",
                               f"{day}T00:00:00.{delivery_id:06}+00:00", f"{day}T00:00:01.{delivery_id:06}+00:00",
                               str(rng.getrandbits(32))))
            grades += chat.grades(delivery_id, index, day, next_day, question, pools)
        grades.sort(key=lambda row: row[6])
        yield deliveries, grades


def measure(call, repeats: int, budget: float) -> list[float]:
    """Milliseconds per call, `repeats` times or until `budget` seconds are spent (at least 20 calls)."""
    timings: list[float] = []
    started = time.perf_counter()
    while len(timings) < repeats and (len(timings) < 20 or time.perf_counter() - started < budget):
        begin = time.perf_counter()
        call()
        timings.append((time.perf_counter() - begin) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=100)
    parser.add_argument("--members", type=int, default=1000, help="members per chat")
    parser.add_argument("--days", type=int, default=365, help="calendar days of history (weekdays are drill days)")
    parser.add_argument("--repeats", type=int, default=300, help="calls per query")
    parser.add_argument("--budget", type=float, default=60.0, help="seconds per query at most (20 calls at least)")
    parser.add_argument("--db", type=Path, help="keep the database here; an existing file is reused, not rebuilt")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trigger-grades", type=int, default=5000, help="grades for the trigger cost (0: skip)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, SQLite {__import__('sqlite3').sqlite_version}")
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "drill.db"
        reused = path.exists()
        started = time.perf_counter()
        if not reused:
            built = build(path, args.chats, args.members, args.days, rng)
            counts = built["counts"]
            print(f"built in {time.perf_counter() - started:.1f} s: {counts['chats']:,} chats, "
                  f"{counts['members']:,} members, {counts['deliveries']:,} deliveries "
                  f"({counts['drill_days']} drill days each), {counts['grades']:,} grades "
                  f"({counts['on_time']:,} on time), {counts['cards']:,} cards")
        opened = time.perf_counter()
        store = Store(open_database(path))  # a fresh connection as the bot opens it (pending migrations run here)
        print(f"opened in {time.perf_counter() - opened:.2f} s; database {_size(path) / 2**20:,.0f} MiB"
              f"{' (reused ' + str(path) + ')' if reused else ''}")
        roster = _roster(store) if reused else built["roster"]
        if not reused:
            check(store, built["truth"], rng)
        print_streaks(store, roster, rng)
        report(store, roster, args.repeats, args.budget, rng)
        store.close()
    print_trigger_cost(args.trigger_grades)


def print_streaks(store: Store, roster: dict[str, list[str]], rng: random.Random, sample: int = 2000) -> None:
    """The streaks the measured queries walk, read back from the database for a sample of members."""
    drill = Drill(store, Defaults(SCHEDULE, "ko"))
    pairs = [(chat, member) for chat, members in roster.items() for member in members]
    found = [drill.streak_of(chat, member) for chat, member in rng.sample(pairs, min(sample, len(pairs)))]
    print(f"streaks read back from the database ({len(found):,} members):")
    for name in ("current", "best"):
        values = [getattr(s, name) for s in found]
        print(f"  {name}: mean {statistics.fmean(values):.1f}, p50 {percentile(values, .5):.0f}, "
              f"p95 {percentile(values, .95):.0f}, max {max(values)}")


def grades_per_second(grades: int, with_triggers: bool) -> float:
    """Daily grades written through Store.record_daily_grade into a fresh file, per second."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(open_database(Path(folder) / "drill.db"))
        questions = list(load_bank([ROOT / "content"]).questions)
        store.bank.sync_bank(questions, NOW)
        if not with_triggers:
            for (name,) in store.db.execute("select name from sqlite_master where type = 'trigger'").fetchall():
                store.db.execute(f'drop trigger "{name}"')
        store.chats.ensure_chat("console:bench", "console", "group", "bench", "ko", NOW)
        members = [f"console:m{n}" for n in range(50)]
        for member in members:
            store.chats.ensure_member(member, member)
        card = review(None, "knew", NOW, card_id=1)
        days = drill_dates(grades // len(members) * 2)[-(grades // len(members)):]
        started = time.perf_counter()
        for day in days:
            delivery_id = store.deliveries.claim_delivery("console:bench", day, questions[0].id, 0, NOW)
            for member in members:
                store.grades.record_daily_grade(delivery_id, member, questions[0].id, "knew", 3, True, None, card, NOW)
        elapsed = time.perf_counter() - started
        store.close()
    return len(days) * len(members) / elapsed


def print_trigger_cost(grades: int) -> None:
    """What the all-time totals' triggers cost each grade: three runs with and without them, medians."""
    if grades <= 0:
        return
    runs = {label: sorted(grades_per_second(grades, label == "with") for _ in range(3)) for label in ("with", "without")}
    print(f"grade writes ({grades:,} grades of 50 members, each its own transaction, 3 runs):")
    for label, rates in runs.items():
        print(f"  {label + ' triggers':<17} median {rates[1]:,.0f}/s (runs {', '.join(f'{r:,.0f}' for r in rates)})")
    print(f"  cost of the triggers: {100 * (1 - runs['with'][1] / runs['without'][1]):.1f}% of the grade rate")


def check(store: Store, truth: dict[tuple[str, str], tuple[int, int]], rng: random.Random) -> None:
    """The store's streaks for a sample of members are the ones the generator meant to make, and the
    all-time totals loaded with the rows are the sums of the grades."""
    drill = Drill(store, Defaults(SCHEDULE, "ko"))
    for chat, member in rng.sample(sorted(truth), min(200, len(truth))):
        found = drill.streak_of(chat, member)
        assert (found.current, found.best) == truth[chat, member], (chat, member, found, truth[chat, member])
    for chat in rng.sample(sorted({chat for chat, _member in truth}), 2 if len(truth) > 1 else 1):
        assert store.grades.points_by_member(chat) == store.grades.points_by_member(chat, since=date.min), chat


def report(store: Store, roster: dict[str, list[str]], repeats: int, budget: float, rng: random.Random) -> None:
    """Time each query with random chats and members and print the table."""
    drill = Drill(store, Defaults(SCHEDULE, "ko"))
    keys = sorted(roster)
    rows = {key: store.chats.chat(key) for key in keys}
    today = sched.local_date(NOW, ZONE)
    since = {"week": sched.week_start(today), "month": today.replace(day=1), "all": None}

    def board(period: str):
        def call():
            key = rng.choice(keys)
            # As drill_commands.leaderboard_ calls it: the caller's own line, open-ended period.
            board_text(store, rows[key], rng.choice(roster[key]), period, since[period], None)
        return call

    def streak():
        key = rng.choice(keys)
        drill.streak_of(key, rng.choice(roster[key]))

    queries = [("leaderboard week", "leaderboard", board("week")), ("leaderboard month", "leaderboard", board("month")),
               ("leaderboard all", "leaderboard", board("all")), ("streak", "streak", streak)]
    for _name, _kind, call in queries:  # warm the connection and the OS cache a little
        call()
    print(f"{'query':<18} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>8}  result")
    for name, kind, call in queries:
        timings = measure(call, repeats, budget)
        p95 = percentile(timings, .95)
        target = TARGETS_MS[kind]
        print(f"{name:<18} {len(timings):>5} {statistics.median(timings):>8.2f} {p95:>8.2f} {max(timings):>8.2f} "
              f"{'<' + format(target, 'g'):>8}  {'PASS' if p95 < target else 'MISS'}")


def _roster(store: Store) -> dict[str, list[str]]:
    """chat -> members who graded there, read back from a reused database."""
    roster: dict[str, set[str]] = {}
    for chat, member in store.db.execute(
            "select distinct d.chat, g.member from grades g join deliveries d on d.id = g.delivery_id"):
        roster.setdefault(chat, set()).add(member)
    return {chat: sorted(members) for chat, members in roster.items()}


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


if __name__ == "__main__":
    main()

"""The database schema: sqlite-utils migrations, applied in order when the store opens.

A new table or index is a new migration at the end; released migrations are never edited.
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("daily_drill")


@migrations()
def m001_questions(db: Database) -> None:
    """The question bank: active questions are asked; retired ones stay for history."""
    db["questions"].create(
        {
            "id": str,
            "question": str,
            "answer": str,
            "topic": str,
            "source": str,
            "position": int,
            "active": int,
            "added_at": str,
            "updated_at": str,
            "retired_at": str,
        },
        pk="id",
        not_null={"question", "answer", "topic", "source", "active", "added_at", "updated_at"},
    )
    db["questions"].create_index(["active", "topic"])


# One statement per item: executescript() would commit in the middle of the migration's transaction.
DRILL_SCHEMA = (
    """
    create table chats (
        key text primary key,           -- platform:id, e.g. telegram:-1001, slack:C123, console:local
        platform text not null,
        kind text not null,             -- private, group, channel, console
        title text,
        status text not null default 'new',   -- new, active, stopped, inactive
        reason text,                    -- why the bot stopped delivering (blocked, archived, ...)
        at text, zone text, days text, topics text not null default '', language text,
        subscribed_by text,
        seed integer not null,
        created_at text not null,
        updated_at text not null
    )
    """,
    """
    create index chats_status on chats(status)
    """,
    """
    create table members (
        key text primary key,           -- platform:user id
        name text not null default '',
        hidden integer not null default 0
    )
    """,
    """
    create table deliveries (
        id integer primary key,
        chat text not null references chats(key) on update cascade,
        local_date text not null,
        question_id text references questions(id),
        cycle integer not null default 0,
        status text not null,           -- claimed, sent, empty (no eligible question), failed
        claimed_at text not null,
        sent_at text,
        message_id text,
        answer_message_id text,         -- where a group reveal was posted, so it is posted once
        error text,
        unique (chat, local_date)
    )
    """,
    """
    create index deliveries_status on deliveries(status, claimed_at)
    """,
    """
    create table grades (
        delivery_id integer not null references deliveries(id),
        member text not null references members(key),
        grade text not null,            -- knew, partly, missed
        points integer not null,
        on_time integer not null,
        card_before text,               -- the member's card before this grade, so a changed grade replaces it
        graded_at text not null,
        primary key (delivery_id, member)
    )
    """,
    """
    create index grades_member on grades(member)
    """,
    """
    create table cards (
        member text not null references members(key),
        question_id text not null references questions(id),
        card text not null,             -- fsrs Card as JSON
        due text not null,
        stability real,
        reviews integer not null default 0,
        updated_at text not null,
        primary key (member, question_id)
    )
    """,
    """
    create index cards_due on cards(member, due)
    """,
)


@migrations()
def m002_drill(db: Database) -> None:
    """Chats with their schedules, members, the delivery log, grades and spaced-repetition cards."""
    for statement in DRILL_SCHEMA:
        db.execute(statement)


# Leaderboards and streaks of big chats (a year of a 1,000-member chat is ~140,000 grades; measured by
# tests/bench/bench_store.py). One statement per item, as in DRILL_SCHEMA.
BOARD_SCHEMA = (
    # A week's or month's board adds up the grades of the period's drill days, and the streak walk asks
    # who graded one drill day on time: both are answered from this index without reading the grade rows,
    # which are wide (card_before) and spread over the file in the order people graded.
    """
    create index grades_board on grades(delivery_id, on_time, member, points)
    """,
    # A member's streak reads the days they completed: from this index alone, in one place, rather than
    # a grade row per day from all over a file bigger than the page cache. It serves every lookup by
    # member that grades_member did, so that one goes.
    """
    create index grades_member_done on grades(member, on_time, delivery_id)
    """,
    """
    drop index grades_member
    """,
    # The all-time board cannot add up a year of grades per request, so each chat keeps its members'
    # totals. Triggers keep them in the transaction that writes the grade, whoever writes it.
    """
    create table chat_totals (
        chat text not null references chats(key) on update cascade,
        member text not null references members(key),
        points integer not null,
        grades integer not null,        -- grade rows: a member with only late grades is on the board with 0
        primary key (chat, member)
    ) without rowid
    """,
    """
    insert into chat_totals (chat, member, points, grades)
    select d.chat, g.member, sum(g.points), count(*) from grades g join deliveries d on d.id = g.delivery_id
    group by d.chat, g.member
    """,
    """
    create trigger grades_totals_insert after insert on grades begin
        insert into chat_totals (chat, member, points, grades)
        values ((select chat from deliveries where id = new.delivery_id), new.member, new.points, 1)
        on conflict (chat, member) do update set points = points + excluded.points, grades = grades + 1;
    end
    """,
    # A changed grade (the upsert in record_daily_grade) fires this one, not the insert trigger.
    """
    create trigger grades_totals_update after update of delivery_id, member, points on grades begin
        update chat_totals set points = points - old.points, grades = grades - 1
        where chat = (select chat from deliveries where id = old.delivery_id) and member = old.member;
        insert into chat_totals (chat, member, points, grades)
        values ((select chat from deliveries where id = new.delivery_id), new.member, new.points, 1)
        on conflict (chat, member) do update set points = points + excluded.points, grades = grades + 1;
    end
    """,
    """
    create trigger grades_totals_delete after delete on grades begin
        update chat_totals set points = points - old.points, grades = grades - 1
        where chat = (select chat from deliveries where id = old.delivery_id) and member = old.member;
    end
    """,
    # Every board asks who is hidden; few are, and a full scan of the members would grow with every chat.
    """
    create index members_hidden on members(key) where hidden = 1
    """,
)


@migrations()
def m003_leaderboards(db: Database) -> None:
    """Indexes for period boards and streaks, all-time totals per chat and member, hidden members."""
    for statement in BOARD_SCHEMA:
        db.execute(statement)


@migrations()
def m004_deliveries_by_day(db: Database) -> None:
    """The due sweep asks, every tick, which chats already have a delivery for a date."""
    db.execute("create index deliveries_day on deliveries(local_date, chat)")


@migrations()
def m005_runtime(db: Database) -> None:
    """What the running bot last did (its start, its last sweep, its last notes sync), as JSON by name:
    `status` and /healthz read it from any process."""
    db.execute("create table runtime (key text primary key, value text not null)")


@migrations()
def m006_streak_states(db: Database) -> None:
    """Each member's streak state as of a closed drill day (freezes make a streak depend on the whole
    history): boards carry it forward over the days since, rather than walking every member's history."""
    db.execute("""
        create table streak_states (         -- bot.core.progress.StreakState, a column per field
            chat text not null references chats(key) on update cascade on delete cascade,
            member text not null,
            run integer not null, best integer not null, freezes integer not null, completed integer not null,
            last_freeze text, through text, days integer not null,
            primary key (chat, member)
        ) without rowid
    """)
    # Streaks of the days before this upgrade stay as they were: freezes cover only the days after.
    db.execute("""
        insert into runtime (key, value) select 'streak_freezes_after', json_object('day', max(local_date))
        from deliveries having count(*) > 0
    """)


@migrations()
def m007_flags(db: Database) -> None:
    """Members' reports of a problem with a question (/flag, or the button under an answer), kept with the
    question's version (bot.core.team.notes_version): reports of a version the notes changed since are closed."""
    db.execute("""
        create table flags (
            question_id text not null references questions(id),
            version text not null,
            member text not null,
            chat text not null,
            reason text not null default '',
            source text not null,           -- the question's notes file and line when it was reported
            reported_at text not null,
            primary key (question_id, version, member)
        )
    """)


@migrations()
def m008_reminders(db: Database) -> None:
    """Members' reminders (opt-in per chat: their local time, or null for three hours before the next
    question), and the reminders sent: one per member and drill day, claimed before it is sent."""
    db.execute("""
        create table reminders (
            chat text not null references chats(key) on update cascade on delete cascade,
            member text not null,
            at text,                        -- HH:MM in the chat's zone; null: 3 hours before the next question
            primary key (chat, member)
        ) without rowid
    """)
    db.execute("""
        create table reminders_sent (
            delivery_id integer not null references deliveries(id),
            member text not null,
            sent_at text not null,
            primary key (delivery_id, member)
        ) without rowid
    """)

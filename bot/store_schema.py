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

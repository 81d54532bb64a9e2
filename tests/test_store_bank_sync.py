"""Syncing the parsed bank into the store: add, update, retire; a second sync changes nothing."""

from datetime import timedelta

from bot.store import open_database
from bot.store.schema import migrations

from factories import make_question


def test_first_sync_adds_everything(store, now):
    report = store.bank.sync_bank([make_question("What is a pod?"), make_question("What is etcd?")], now)
    assert (report.added, report.updated, report.retired) == (2, 0, 0)
    assert [store.bank.question(qid)["question"] for qid in store.bank.active_question_ids()] == ["What is a pod?", "What is etcd?"]


def test_syncing_twice_changes_nothing(store, now):
    bank = [make_question("What is a pod?"), make_question("What is etcd?")]
    store.bank.sync_bank(bank, now)
    before = list(store.db["questions"].rows)
    report = store.bank.sync_bank(bank, now + timedelta(days=1))
    assert not report.changed and report.unchanged == 2
    assert list(store.db["questions"].rows) == before


def test_changed_answer_updates_the_same_id(store, now):
    store.bank.sync_bank([make_question("What is a pod?", "Old.")], now)
    report = store.bank.sync_bank([make_question("What is a pod?", "New and better.")], now)
    assert report.updated == 1 and report.added == 0
    (question_id,) = store.bank.active_question_ids()
    row = store.bank.question(question_id)
    assert row["answer"] == "New and better."


def test_removed_question_is_retired_but_kept(store, now):
    pod, etcd = make_question("What is a pod?"), make_question("What is etcd?")
    store.bank.sync_bank([pod, etcd], now)
    report = store.bank.sync_bank([pod], now)
    assert report.retired == 1
    assert store.bank.active_question_ids() == [pod.id]
    retired = store.bank.question(etcd.id)
    assert retired["active"] == 0 and retired["retired_at"]
    # Coming back reactivates it with its id and history.
    assert store.bank.sync_bank([pod, etcd], now).updated == 1
    assert store.bank.question(etcd.id)["active"] == 1


def test_topics_counts_active_questions(store, now):
    store.bank.sync_bank([make_question("a?", topic="docker"), make_question("b?", topic="docker"),
                     make_question("c?", topic="kubernetes")], now)
    assert store.bank.topics() == {"docker": 2, "kubernetes": 1}
    assert len(store.bank.active_question_ids(frozenset({"kubernetes"}))) == 1


def test_database_file_is_created_in_wal_mode_with_migrations_applied(tmp_path):
    path = tmp_path / "nested" / "drill.db"
    db = open_database(path)
    assert path.exists()
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert migrations.pending(db) == []
    applied = [m.name for m in migrations.applied(db)]
    db.close()
    # Opening again applies nothing twice.
    again = open_database(path)
    assert [m.name for m in migrations.applied(again)] == applied
    assert again["questions"].exists()
    again.close()

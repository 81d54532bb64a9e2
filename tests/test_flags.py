"""Members' reports of a problem with a question: stored with where it is in the notes, thanked, listed
for the authors, and three of them hold the question out of the daily choice until its notes change."""

from datetime import datetime, timedelta, timezone

from bot.core.commands import flag_payload
from bot.core.replies import ChatRef, MemberRef
from cli import run_bot, schedule_settings
from factories import make_question

NOW = datetime(2026, 11, 30, 0, 0, tzinfo=timezone.utc)
TEAM = ChatRef("console:team", "console", "group", "team")
MEMBERS = [MemberRef(f"console:{name}", name.title()) for name in ("ann", "bo", "cy", "di")]


def bank_of(app, *questions):
    app.store.bank.sync_bank(list(questions), NOW)
    return questions


def test_the_report_button_under_an_answer_and_the_command_store_a_report_with_its_source(app):
    wrong, _ = bank_of(app, make_question("What is a Pod?", "A VM.", source="notes/k8s.md:12"),
                       make_question("What is a Node?"))
    app.drill.command(TEAM, MEMBERS[0], "/subscribe 09:00 Asia/Seoul", NOW)
    answer = app.drill.action(TEAM, MEMBERS[0], f"pr:{wrong.id}", NOW)[0]
    assert answer.buttons[-1].role == "flag" and answer.buttons[-1].payload == flag_payload(wrong.id)
    thanks = app.drill.action(TEAM, MEMBERS[0], flag_payload(wrong.id), NOW)[0]
    assert thanks.private and "Thank" in thanks.text or "고맙" in thanks.text
    (report,) = app.store.bank.open_flags()
    assert (report["question_id"], report["source"], report["member"], report["reason"]) == (
        wrong.id, "notes/k8s.md:12", "console:ann", "")


def test_flag_with_no_question_yet_says_so_and_stores_nothing(app):
    bank_of(app, make_question("What is a Pod?"))
    reply = app.drill.command(TEAM, MEMBERS[0], "/flag the answer is wrong", NOW)[0]
    assert reply.private and app.store.bank.open_flags() == []


def test_three_reports_hold_a_question_out_until_its_notes_change(app):
    wrong, right = bank_of(app, make_question("What is a Pod?", "A VM."), make_question("What is a Node?"))
    chat = app.store.chats.ensure_chat(TEAM.key, "console", "group", "team", "en", NOW)
    for member in MEMBERS[:2]:
        app.drill.action(TEAM, member, flag_payload(wrong.id), NOW)
    app.drill.action(TEAM, MEMBERS[0], flag_payload(wrong.id), NOW)  # the same member twice counts once
    assert wrong.id not in app.store.bank.held_question_ids()
    asked = {app.drill.next_daily_question(dict(chat, seed=seed), NOW.date(), NOW)[0] for seed in range(20)}
    assert asked == {wrong.id, right.id}

    app.drill.action(TEAM, MEMBERS[2], flag_payload(wrong.id), NOW)  # the third member
    assert app.store.bank.held_question_ids() == {wrong.id}
    asked = {app.drill.next_daily_question(dict(chat, seed=seed), NOW.date(), NOW)[0] for seed in range(20)}
    assert asked == {right.id}

    fixed = make_question("What is a Pod?", "The smallest deployable unit of Kubernetes.")
    app.store.bank.sync_bank([fixed, right], NOW)  # the authors fixed the answer: same question, new version
    assert app.store.bank.held_question_ids() == frozenset() and app.store.bank.open_flags() == []
    asked = {app.drill.next_daily_question(dict(chat, seed=seed), NOW.date(), NOW)[0] for seed in range(20)}
    assert asked == {wrong.id, right.id}


def test_every_question_held_still_leaves_a_daily_question(app):
    (only,) = bank_of(app, make_question("What is a Pod?", "A VM."))
    chat = app.store.chats.ensure_chat(TEAM.key, "console", "group", "team", "en", NOW)
    for member in MEMBERS[:3]:
        app.drill.action(TEAM, member, flag_payload(only.id), NOW)
    assert app.drill.next_daily_question(chat, NOW.date(), NOW)[0] == only.id


def test_content_flags_lists_open_reports_for_the_authors(tmp_path):
    db = tmp_path / "drill.db"
    empty = run_bot(db, "content", "flags")
    assert empty.returncode == 0 and "no open reports" in empty.stdout
    settings = schedule_settings(tmp_path, due_in=-timedelta(minutes=1))  # the question is due: it comes at once
    chat = run_bot(db, "chat", stdin="/flag the answer says a Pod is a VM\n/quit\n", env=settings)
    assert "Thank you" in chat.stdout, chat.stdout
    listed = run_bot(db, "content", "flags", env=settings)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split()[0].endswith(".md:" + lines[0].split()[0].rsplit(":", 1)[1]) and "1 report" in lines[0]
    assert lines[2].startswith("  - the answer says a Pod is a VM  [console:")

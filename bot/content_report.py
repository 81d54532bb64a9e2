"""`python -m bot content check|show|flags`: what the parser found in the notes, for people and for scripts,
and what members reported about the questions."""

from __future__ import annotations

import json
from collections import Counter
from typing import TextIO

from bot.bank import Bank
from bot.core.content import normalise_question
from bot.core.team import FLAGS_TO_HOLD


def check(bank: Bank, out: TextIO, err: TextIO, *, as_json: bool = False) -> int:
    """Print questions per topic, per file found and skipped, every warning and every skipped candidate;
    return the exit status (1 when there are errors)."""
    if as_json:
        json.dump(_as_dict(bank), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        per_topic = Counter(question.topic for question in bank.questions)
        width = max((len(topic) for topic in per_topic), default=0)
        for topic, count in sorted(per_topic.items()):
            out.write(f"  {topic:<{width}}  {count:>4}\n")
        out.write(f"{len(bank.questions)} questions in {len(per_topic)} topics "
                  f"from {len(bank.files)} file{'s' if len(bank.files) != 1 else ''}\n")
        for path, (found, skipped) in _per_file(bank).items():
            reasons = ", ".join(f"{count} {reason}" for reason, count in skipped.most_common())
            out.write(f"  {path}: {found} found, {sum(skipped.values())} skipped{f' ({reasons})' if reasons else ''}\n")
        for warning in bank.warnings:
            out.write(f"{warning}\n")
        for skipped in bank.notes.skipped:
            out.write(f"{skipped}\n")
        for error in bank.errors:
            err.write(f"error: {error}\n")
    return 1 if bank.errors or not bank.questions else 0


def show(bank: Bank, query: str, out: TextIO) -> int:
    """Print the questions whose id, topic or text matches `query`; 1 when nothing matches."""
    needle = normalise_question(query)
    matches = [
        q for q in bank.questions
        if q.id.startswith(query.strip()) or q.topic == query.strip()
        or (needle and needle in normalise_question(q.question))
    ]
    for question in matches:
        out.write(f"[{question.id}] ({question.topic}) {question.source}\n")
        out.write(f"Q: {question.question}\n")
        answer = "\n".join(f"   {line}" if line else "" for line in question.answer.splitlines())
        out.write(f"A: {answer.lstrip()}\n\n")
    out.write(f"{len(matches)} matching question{'s' if len(matches) != 1 else ''}\n")
    return 0 if matches else 1


def _per_file(bank: Bank) -> dict[str, tuple[int, Counter]]:
    """Per notes file: questions found, and candidates skipped by reason."""
    files: dict[str, tuple[int, Counter]] = {path: (0, Counter()) for path in bank.files}
    for question in bank.questions:
        path = question.source.rpartition(":")[0]
        found, skipped = files.get(path, (0, Counter()))
        files[path] = (found + 1, skipped)
    for candidate in bank.notes.skipped:
        found, skipped = files.get(candidate.path, (0, Counter()))
        skipped[candidate.reason] += 1
        files[candidate.path] = (found, skipped)
    return files


def _as_dict(bank: Bank) -> dict:
    return {
        "questions": [
            {"id": q.id, "question": q.question, "answer": q.answer, "topic": q.topic, "source": q.source}
            for q in bank.questions
        ],
        "warnings": [{"path": w.path, "line": w.line, "message": w.message, "text": str(w)} for w in bank.warnings],
        "skipped": [{"path": s.path, "line": s.line, "text": s.text, "reason": s.reason} for s in bank.notes.skipped],
        "files": [{"path": path, "found": found, "skipped": dict(skipped)}
                  for path, (found, skipped) in _per_file(bank).items()],
        "errors": list(bank.errors),
    }


def flags(reports: list[dict], out: TextIO) -> int:
    """Print the open reports, one block per question (where it is in the notes, how many members, their
    reasons), the most reported first. Always 0: reports are for reading, not a failure."""
    by_question: dict[str, list[dict]] = {}
    for report in reports:
        by_question.setdefault(report["question_id"], []).append(report)
    if not by_question:
        out.write("no open reports\n")
        return 0
    for question_id, found in sorted(by_question.items(), key=lambda item: (-len(item[1]), item[1][0]["source"])):
        first = found[0]
        held = " (held out of the daily choice)" if len(found) >= FLAGS_TO_HOLD else ""
        retired = " (retired)" if not first["active"] else ""
        out.write(f"{first['source']}  {question_id}  {len(found)} report{'s' * (len(found) != 1)}{held}{retired}\n")
        out.write(f"  {first['question']}\n")
        for report in found:
            out.write(f"  - {report['reason'] or '(no reason given)'}  [{report['chat']}, {report['reported_at'][:10]}]\n")
    return 0

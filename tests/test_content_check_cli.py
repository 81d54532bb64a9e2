"""`python -m bot content check|show`: what a notes author sees, and the exit status CI relies on."""

import json
import subprocess
import sys

from bot.__main__ import main
from conftest import PROJECT_ROOT

SEED = "content/kubernetes-docker-interview.md"


def test_the_seed_has_sixteen_questions_split_between_kubernetes_and_docker(capsys, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    assert main(["content", "check"]) == 0
    out = capsys.readouterr().out
    assert "16 questions in 2 topics from 1 file" in out
    assert f"{SEED}:120: answer looks cut off" in out
    assert f"{SEED}:226: skipped (empty heading)" in out
    assert f"{SEED}: 16 found, 1 skipped (1 empty heading)" in out
    duplicate = next(line for line in out.splitlines() if "duplicate question" in line)
    assert ":120" in duplicate and ":167" in duplicate


def test_json_output_for_scripts(capsys, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    assert main(["content", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert len(report["questions"]) == 16
    assert {q["topic"] for q in report["questions"]} == {"kubernetes", "docker"}
    assert set(report["questions"][0]) == {"id", "question", "answer", "topic", "source"}
    assert report["errors"] == [] and len(report["warnings"]) == 2
    assert report["skipped"] == [{"path": SEED, "line": 226, "text": "", "reason": "empty heading"}]
    assert report["files"] == [{"path": SEED, "found": 16, "skipped": {"empty heading": 1}}]


def test_errors_name_the_file_and_fail(tmp_path, capsys):
    (tmp_path / "latin1.md").write_bytes("# Frage\n\nAntwort mit \xfc\n".encode("latin-1"))
    (tmp_path / "empty.md").write_text("Just some prose, no questions.\n", encoding="utf-8")
    (tmp_path / "good.md").write_text("# What is a pod?\n\nThe smallest deployable unit.\n", encoding="utf-8")
    assert main(["content", "check", str(tmp_path), str(tmp_path / "missing.md")]) == 1
    err = capsys.readouterr().err
    assert "latin1.md: not valid UTF-8" in err
    assert "empty.md: no questions found" in err
    assert "missing.md: no such file or folder" in err


def test_warnings_alone_do_not_fail(tmp_path, capsys):
    (tmp_path / "notes.md").write_text("# What is a pod?\n\nA group of containers.\n\n# Empty?\n\n# \n", encoding="utf-8")
    assert main(["content", "check", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "notes.md:5:" in out and "1 questions" in out


def test_show_finds_questions_by_text_topic_or_id(capsys, monkeypatch):
    monkeypatch.chdir(PROJECT_ROOT)
    assert main(["content", "show", "도커 이미지"]) == 0
    out = capsys.readouterr().out
    assert "도커 이미지란?" in out and f"{SEED}:167" in out and "(docker)" in out
    assert main(["content", "show", "no such thing at all"]) == 1


def test_python_dash_m_bot_content_check_runs_as_a_command():
    result = subprocess.run([sys.executable, "-m", "bot", "content", "check"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "16 questions" in result.stdout

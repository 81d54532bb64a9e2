"""Every shape of notes the reader takes, and every rule for what is not a question, on short fixtures
laid out as real notes are (tests/notes/): the exact questions found (nothing extra), the first words of
each answer, and every candidate skipped with its reason."""

from pathlib import Path

import pytest

from bot.core.content import parse_notes

NOTES = Path(__file__).parent / "notes"

# file: ([(question, first three words of the answer)], [(line, why skipped)])
EXPECTED = {
    "a_heading_answers.md": (
        [('파드란 무엇인가요?', '파드는 쿠버네티스에서 배포할'),
         ('서비스와 인그레스의 차이점', '서비스는 파드 묶음에'),
         ('노드는 어떤 역할을 하나요?', '파드가 실행되는 워커'),
         ('컨테이너의 생명주기', '생성, 실행, 정지,')],
        [(1, 'section heading')]),
    "b_answer_label_headings.md": (
        [('프로세스와 스레드의 차이는?', '프로세스는 자원 할당의'),
         ('멀티스레드의 단점은?', '동기화 문제와 디버깅의'),
         ('데드락이란?', '서로가 가진 자원을')],
        [(1, 'section heading')]),
    "c_id_headings.md": (
        [('Redis는 왜 빠른가요?', '메모리에 데이터를 두고'),
         ('Redis의 영속성 옵션을 설명하세요.', 'RDB 스냅샷과 AOF'),
         ('What does `EXPIRE` do?', 'It sets a')],
        [(1, 'section heading'), (27, 'empty answer')]),
    "cleaning.md": (
        [('What is `kubectl apply`?', 'It creates or'),
         ('What does this print?\n\n```python\nprint(len("pod"))\n```', '3'),
         ('What is a DaemonSet?', 'A Pod on')],
        []),
    "d_details.md": (
        [('What is a commit?', 'A snapshot of'),
         ('What does `git stash` do?', 'It shelves changes'),
         ('How do you undo the last commit but keep its changes?', '```bash git reset')],
        [(1, 'section heading'), (26, 'empty answer'), (30, 'answer is only a list of further questions')]),
    "e_bold_numbered.md": (
        [('What is a Pod?', 'The smallest deployable'),
         ('What is a ReplicaSet?', 'It keeps a'),
         ('What is a headless Service?', 'A Service with'),
         ('Explain the NodePort Service type.', 'It opens the')],
        [(1, 'section heading'), (12, 'section heading')]),
    "f_labels.md": (
        [('What is Docker?', 'A platform that'),
         ('What is an image?', 'A read-only template'),
         ('What is a volume?', 'Storage that outlives'),
         ('What is a bind mount?', 'A host folder'),
         ('What does `docker ps` show?', 'The running containers.'),
         ('도커 허브란?', '공개 이미지 레지스트리.')],
        [(23, 'question label with no answer label')]),
    "g_chat_wrapped.md": (
        [('What is a Dockerfile?', 'A recipe for'),
         ('What does `docker build` do?', 'It builds an')],
        [(4, 'section heading')]),
    "h_spaced_repetition.md": (
        [('MIT licence', 'A permissive licence'),
         ('GPL', 'A copyleft licence'),
         ('A copyleft licence', 'GPL'),
         ('Which licence is copyleft and strong?', 'The GPL: derived'),
         ('Kubernetes and Docker', 'Orchestrator and container'),
         ('Orchestrator and container runtime', 'Kubernetes and Docker')],
        [(1, 'section heading')]),
    "i_anki_export.txt": (
        [('What is a **Pod**?', 'The smallest deployable'),
         ('What is a "Service"?', 'A stable address'),
         ('What is etcd?', 'The cluster store.')],
        []),
    "i_quizlet.tsv": (
        [('Pod', 'The smallest deployable'),
         ('Node', 'A worker machine')],
        []),
    "i_spreadsheet.csv": (
        [('What is a namespace?', 'A scope for'),
         ('What is a ConfigMap, briefly?', 'Configuration as key-value')],
        [(1, 'header row'), (4, 'empty answer')]),
    "sections/topics.md": (
        [('What is a container?', 'An isolated process'),
         ('What is a pipeline?', 'Stages that build,'),
         ('What is YAML?', 'A data format')],
        [(1, 'section heading'), (3, 'section heading'), (9, 'section heading'), (15, 'section heading')]),
    "skipped_not_questions.md": (
        [('What does the logo look like?', '![logo](https://example.com/docker-logo.png)')],
        [(6, 'section heading'), (8, 'references or table of contents'), (13, 'heading does not read as a question'), (17, 'answer label with no question above it'), (21, 'empty answer'), (25, 'empty answer'), (29, 'answer is only a list of further questions'), (34, 'answer is a table of links'), (41, 'answer is only an image at a relative path'), (49, 'references or table of contents')]),
}


def read(name: str):
    return parse_notes((NOTES / name).read_text(encoding="utf-8"), name)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_gives_exactly_its_questions_and_skips(name):
    parsed = read(name)
    questions, skipped = EXPECTED[name]
    assert [(q.question, " ".join(q.answer.split()[:3])) for q in parsed.questions] == questions
    assert [(s.line, s.reason) for s in parsed.skipped] == skipped


def test_every_fixture_is_checked():
    files = {str(path.relative_to(NOTES)) for path in NOTES.rglob("*") if path.is_file()}
    assert files == set(EXPECTED)


def answer_of(parsed, question: str) -> str:
    return next(q.answer for q in parsed.questions if q.question == question)


def test_answers_lose_labels_rules_wrappers_and_footnote_markers():
    parsed = read("cleaning.md")
    assert answer_of(parsed, "What is `kubectl apply`?") == (
        "It creates or updates resources from a file. (See the kubectl reference.)")
    assert answer_of(parsed, "What is a DaemonSet?") == "A Pod on every node."
    details = read("d_details.md")
    for question in details.questions:
        assert not any(tag in question.answer for tag in ("<b>", "</b>", "<p>", "<br", "<li>", "<pre>"))
    assert answer_of(details, "What is a commit?") == "A snapshot of the project, with a message and a parent."
    assert "- Run `git stash pop` to bring them back." in answer_of(details, "What does `git stash` do?")
    undo = answer_of(details, "How do you undo the last commit but keep its changes?")
    assert undo.startswith("```bash\ngit reset --soft HEAD~1\n```")
    assert "[git reset](https://git-scm.com/docs/git-reset)" in undo


def test_a_label_heading_answer_keeps_its_sub_headings_and_leaves_the_follow_up_out():
    answer = answer_of(read("b_answer_label_headings.md"), "프로세스와 스레드의 차이는?")
    assert answer.startswith("프로세스는 자원 할당의 단위이고")
    assert "#### 비교표" in answer and "| 메모리 | 독립 | 공유 |" in answer
    assert "꼬리 질문" not in answer and "멀티스레드" not in answer


def test_topics_come_from_front_matter_then_sections_then_keywords_then_the_file_name():
    assert {q.topic for q in read("skipped_not_questions.md").questions} == {"docker"}
    assert [q.topic for q in read("sections/topics.md").questions] == ["docker", "jenkins", "topics"]
    assert {q.topic for q in read("b_answer_label_headings.md").questions} == {"운영체제"}
    assert {q.topic for q in read("a_heading_answers.md").questions} == {"kubernetes"}


def test_the_pasted_notes_end_where_their_fence_ends():
    parsed = read("g_chat_wrapped.md")
    assert answer_of(parsed, "What does `docker build` do?") == "It builds an image from a Dockerfile."
    assert answer_of(parsed, "What is a Dockerfile?") == "A recipe for an image:\n\n```dockerfile\nFROM python:3.11\n```"


def test_sources_point_at_each_question():
    for name in EXPECTED:
        lines = (NOTES / name).read_text(encoding="utf-8").splitlines()
        for question in read(name).questions:
            start = int(question.source.rsplit(":", 1)[1]) - 1
            near = " ".join(lines[start:start + 3]).casefold()  # a card's question may be its second side
            first_word = question.question.split()[0].strip("`*\"").casefold()
            assert first_word in near, (name, question.source)


IMAGES = "## What does it look like?\n\n![arch](img/arch.png)\n\n## And the logo?\n\nSee ![the logo](logo.png) here.\n"


def test_relative_images_resolve_under_the_published_folder_or_show_their_alt_text():
    published = parse_notes(IMAGES, "k8s/images.md", image_base="https://raw.example.com/team/notes/main/k8s/")
    assert [(q.question, q.answer) for q in published.questions] == [
        ("What does it look like?", "![arch](https://raw.example.com/team/notes/main/k8s/img/arch.png)"),
        ("And the logo?", "See ![the logo](https://raw.example.com/team/notes/main/k8s/logo.png) here.")]
    local = parse_notes(IMAGES, "k8s/images.md")
    assert [(q.question, q.answer) for q in local.questions] == [("And the logo?", "See the logo here.")]
    assert [(s.line, s.reason) for s in local.skipped] == [(1, "answer is only an image at a relative path")]


def test_the_bank_publishes_each_file_under_its_folder(tmp_path):
    from bot.bank import load_bank
    (tmp_path / "notes" / "k8s").mkdir(parents=True)
    (tmp_path / "notes" / "k8s" / "pods.md").write_text(IMAGES, encoding="utf-8")
    bank = load_bank([tmp_path / "notes"], "https://raw.example.com/team/notes/main")
    assert bank.questions[0].answer == "![arch](https://raw.example.com/team/notes/main/k8s/img/arch.png)"

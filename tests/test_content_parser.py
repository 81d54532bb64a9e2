"""The notes parser (bot.core.content): every format, the seed's quirks, ids, duplicates and warnings."""

from pathlib import Path
from textwrap import dedent

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.content import (
    ContentWarning,
    ParsedNotes,
    detect_topic,
    merge_notes,
    normalise_question,
    parse_notes,
    question_id,
)
from bot.core.notes_text import is_answer_label

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SEED_COPY = PROJECT_ROOT / "content" / "kubernetes-docker-interview.md"
SHARED_SEED = PROJECT_ROOT.parent / "shared" / "seed" / "000_cf5eb929458b3998.txt"
FRONT_MATTER = "---\ntitle: 쿠버네티스·도커 면접 노트\nlanguage: ko\n---\n\n"
FENCE = "```"


def seed_text() -> str:
    """The seed notes as shipped in content/, without the front matter added on top."""
    text = SEED_COPY.read_text(encoding="utf-8")
    assert text.startswith(FRONT_MATTER)
    return text[len(FRONT_MATTER):]


@pytest.mark.skipif(not SHARED_SEED.exists(), reason="the shared seed is not beside this checkout")
def test_the_content_copy_keeps_the_seed_text_exactly():
    assert seed_text() == SHARED_SEED.read_text(encoding="utf-8")


def parse(text: str, path: str = "content/notes.md") -> ParsedNotes:
    """Parse a dedented fixture."""
    return parse_notes(dedent(text).lstrip("\n"), path)


def only(parsed: ParsedNotes):
    """The single question of a fixture."""
    assert len(parsed.questions) == 1, parsed
    return parsed.questions[0]


def messages(parsed: ParsedNotes) -> list[str]:
    return [str(warning) for warning in parsed.warnings]


def skips(parsed: ParsedNotes) -> list[tuple[int, str]]:
    """(line, reason) of every candidate skipped."""
    return [(skipped.line, skipped.reason) for skipped in parsed.skipped]


# --- the seed -------------------------------------------------------------------------------------------

def seed() -> ParsedNotes:
    return parse_notes(seed_text(), "content/seed.md")


def test_seed_gives_sixteen_questions_from_seventeen_named_headings():
    parsed = seed()
    assert len(parsed.questions) == 16
    assert len({q.id for q in parsed.questions}) == 16
    assert sum(q.question == "도커 이미지란?" for q in parsed.questions) == 1


# The seed's ids as every earlier reader gave them: members' histories hang on them.
SEED_IDS = [
    "2a7700ec0af5f3dd",
    "804e57077d7f5934",
    "bd9c2c31f3e3f083",
    "01b9f8b6fb764d8a",
    "0c9069d205b2fb23",
    "5cc485f1e5f0172b",
    "e43f08f31f6bf9ee",
    "7681ef15f91a4839",
    "b82ff0d33beac152",
    "540d459600e0c22d",
    "c2e07b7de6b2b3e3",
    "c9cbc354b1ffc3a0",
    "c4969e08807f0dca",
    "fe0cf9d04af94f5f",
    "0489136983667a5b",
    "ddda0b661375ba49",
]


def test_seed_ids_never_change():
    assert [q.id for q in seed().questions] == SEED_IDS


def test_seed_keeps_the_complete_docker_image_answer_and_warns_with_both_lines():
    parsed = seed()
    image = next(q for q in parsed.questions if q.question == "도커 이미지란?")
    assert image.answer.startswith("도커 이미지는 도커 컨테이너를 실행하기 위한 파일들의 묶음이다.")
    assert image.source == "content/seed.md:162"
    duplicate = [w for w in parsed.warnings if "duplicate" in w.message]
    assert len(duplicate) == 1
    assert "content/seed.md:115" in str(duplicate[0]) and "content/seed.md:162" in str(duplicate[0])


def test_seed_warns_about_the_cut_off_copy_and_the_empty_heading():
    parsed = seed()
    assert "content/seed.md:115: answer looks cut off" in messages(parsed)
    assert skips(parsed) == [(221, "empty heading")]
    assert sum("cut off" in w.message for w in parsed.warnings) == 1  # none of the other 15 answers
    assert len(parsed.warnings) == 2


def test_seed_source_lines_point_at_the_headings():
    lines = seed_text().splitlines()
    for question in seed().questions:
        line = int(question.source.rpartition(":")[2])
        assert lines[line - 1] == f"#### {question.question}"
    assert seed().questions[0].source == "content/seed.md:1"
    assert seed().questions[0].question == "마스터 노드 컴포넌트 무엇이 있을까요?"


def test_seed_answers_are_unwrapped_prose_without_the_reference_list():
    for question in seed().questions:
        assert question.answer == question.answer.strip() and question.answer
        assert FENCE not in question.answer
        assert "Reference" not in question.answer and "https://kubernetes.io" not in question.answer
    assert not any("Reference" in q.question for q in seed().questions)


def test_seed_topics_are_kubernetes_or_docker():
    topics = {q.question: q.topic for q in seed().questions}
    assert set(topics.values()) == {"kubernetes", "docker"}
    assert topics["마스터 노드 컴포넌트 무엇이 있을까요?"] == "kubernetes"
    assert topics["컨테이너의 생명주기"] == "docker"
    assert topics["느슨한 결합이란?"] == "kubernetes"
    assert topics["쿠버네티스 동작 과정"] == "kubernetes"
    assert topics["도커 이미지란?"] == "docker"


def test_seed_with_front_matter_on_top_parses_the_same_lines_shifted():
    text = FRONT_MATTER + seed_text()
    parsed = parse_notes(text, "content/000_kubernetes_docker_interview.md")
    assert (parsed.title, parsed.language) == ("쿠버네티스·도커 면접 노트", "ko")
    assert [q.id for q in parsed.questions] == [q.id for q in seed().questions]
    assert parsed.questions[0].source == "content/000_kubernetes_docker_interview.md:6"
    assert [str(s) for s in parsed.skipped] == ["content/000_kubernetes_docker_interview.md:226: skipped (empty heading): "]


# --- headings ------------------------------------------------------------------------------------------

def test_heading_with_fenced_answer_unwraps_the_fence():
    question = only(parse("""
        ## 파드란?

        ```
          쿠버네티스에서 배포할 수 있는 가장 작은 단위.
        ```
        """))
    assert question.question == "파드란?"
    assert question.answer == "쿠버네티스에서 배포할 수 있는 가장 작은 단위."
    assert question.source == "content/notes.md:1"


def test_heading_with_free_markdown_answer_runs_to_the_next_heading_of_the_same_level():
    parsed = parse("""
        ## What is a Pod?
        The smallest deployable unit.

        - one or more containers
        - shared network

        ## What is a Node?
        A worker machine.
        """)
    first, second = parsed.questions
    assert first.answer == "The smallest deployable unit.\n\n- one or more containers\n- shared network"
    assert (second.question, second.answer, second.source) == ("What is a Node?", "A worker machine.",
                                                                "content/notes.md:7")


def test_deeper_headings_after_own_text_belong_to_the_answer():
    parsed = parse("""
        ## What is a Deployment?
        It manages ReplicaSets.

        ### Example
        It rolls out a new image.

        ## What is a Service?
        A stable address.
        """)
    assert [q.question for q in parsed.questions] == ["What is a Deployment?", "What is a Service?"]
    assert parsed.questions[0].answer.endswith("### Example\nIt rolls out a new image.")
    assert parsed.warnings == ()


def test_heading_without_text_of_its_own_is_a_section_of_questions():
    parsed = parse("""
        # Docker

        ## What is an image?
        A read-only template.

        ## What is a container?
        A running image.
        """)
    assert [q.question for q in parsed.questions] == ["What is an image?", "What is a container?"]
    assert parsed.warnings == ()


def test_hash_lines_in_fenced_code_are_not_headings():
    question = only(parse("""
        ## How do you install kubectl?

        ```bash
        # install
        curl -LO https://dl.k8s.io/kubectl
        ## make it executable
        chmod +x kubectl
        ```

        ~~~~
        # still code
        ~~~
        # still code: a shorter fence does not close a longer one
        ~~~~
        """))
    assert "```bash\n# install" in question.answer
    assert "# still code: a shorter fence does not close a longer one\n~~~~" in question.answer


def test_fenced_block_with_a_language_stays_a_fenced_block():
    question = only(parse("""
        ## Show a Pod manifest
        ```yaml
        kind: Pod
        ```
        """))
    assert question.answer == "```yaml\nkind: Pod\n```"


def test_unclosed_fence_runs_to_the_end_of_the_file():
    question = only(parse("""
        ## Script?
        ```sh
        # step one
        ## step two
        """))
    assert question.answer == "```sh\n# step one\n## step two"


def test_heading_without_answer_is_warned_and_skipped():
    parsed = parse("""
        ## What is etcd?

        ## What is a Pod?
        The smallest unit.

        ## What is kube-proxy?
        ```
        ```
        """)
    assert [q.question for q in parsed.questions] == ["What is a Pod?"]
    assert skips(parsed) == [(1, "empty answer"), (6, "empty answer")]


def test_empty_heading_is_warned_and_skipped():
    parsed = parse("""
        ####
        text

        ## 
        ```
        ```
        """)
    assert parsed.questions == ()
    assert skips(parsed) == [(1, "empty heading"), (4, "empty heading")]


def test_reference_link_lists_and_tables_of_contents_are_not_questions():
    parsed = parse("""
        ## Table of contents
        1. [Pods](#pods)
        2. [Nodes](#nodes)

        ## What are Pods?
        A group of containers.

        Reference
        - https://kubernetes.io/docs/concepts/workloads/pods/

        ## Further material
        - [Docs](https://kubernetes.io/docs/home/)
        * <https://docs.docker.com/>
        - https://example.com/a

        ## 참고
        Some links I liked.
        """)
    assert [(q.question, q.answer) for q in parsed.questions] == [("What are Pods?", "A group of containers.")]
    assert parsed.warnings == ()


def test_closing_hashes_are_not_part_of_the_question():
    assert only(parse("## What is a Pod? ##\nA unit.\n")).question == "What is a Pod?"


# --- <details> ------------------------------------------------------------------------------------------

def test_details_block_on_one_line():
    question = only(parse("<details><summary>What is k8s?</summary>Kubernetes.</details>\n"))
    assert (question.question, question.answer, question.source) == ("What is k8s?", "Kubernetes.",
                                                                     "content/notes.md:1")


def test_details_block_over_lines_with_html_and_code_inside():
    question = only(parse("""
        Intro text that is not a question.

        <DETAILS>
          <Summary><b>How do you list pods?</b></Summary>

          Use kubectl:<br>

          ```bash
          # all namespaces<br>
          kubectl get pods -A
          ```
          <p>Done.</p>
        </DETAILS>
        """))
    assert question.question == "How do you list pods?"
    assert question.source == "content/notes.md:4"
    assert question.answer.startswith("Use kubectl:\n")
    assert "```bash\n# all namespaces<br>\nkubectl get pods -A\n```" in question.answer  # code untouched
    assert question.answer.endswith("Done.")
    assert "<p>" not in question.answer and "<summary>" not in question.answer.lower()


def test_details_block_ends_the_answer_of_the_heading_before_it():
    parsed = parse("""
        ## What is Docker?
        A container runtime.
        <details><summary>What is a container?</summary>An isolated process.</details>
        """)
    assert [(q.question, q.answer) for q in parsed.questions] == [
        ("What is Docker?", "A container runtime."), ("What is a container?", "An isolated process.")]


def test_label_only_summary_takes_the_text_line_before_it():
    parsed = parse("""
        ## Docker

        1. **도커 이미지란?**
        <details>
        <summary>답변</summary>

        컨테이너를 만드는 읽기 전용 템플릿.
        </details>

        What is a registry?

        <details><summary>Show answer</summary>A store for images.</details>
        """)
    assert [(q.question, q.answer, q.source) for q in parsed.questions] == [
        ("도커 이미지란?", "컨테이너를 만드는 읽기 전용 템플릿.", "content/notes.md:3"),
        ("What is a registry?", "A store for images.", "content/notes.md:10"),
    ]
    assert parsed.warnings == ()


def test_label_only_summary_takes_the_heading_before_it_without_a_no_answer_warning():
    parsed = parse("""
        ### What is a Pod?
        <details><summary>Answer:</summary>

        The smallest deployable unit.
        </details>

        ### What is a Node?
        <details><summary>👉 정답</summary>A machine.</details>
        """)
    assert [(q.question, q.source) for q in parsed.questions] == [
        ("What is a Pod?", "content/notes.md:1"), ("What is a Node?", "content/notes.md:7")]
    assert parsed.warnings == ()


def test_label_only_summary_with_nothing_before_it_is_warned():
    parsed = parse("<details><summary>Answer</summary>orphan</details>\n")
    assert parsed.questions == ()
    assert skips(parsed) == [(1, "answer label with no question above it")]


# --- Q:/A: ----------------------------------------------------------------------------------------------

def test_q_a_pairs_plain_bold_and_korean():
    parsed = parse("""
        Q: What is a Pod?
        A: The smallest unit.

        **Q:** What is a Node?
        **A:** A worker machine.
        It runs pods.

        - More detail in a list.

        질문: 도커란?
        답: 컨테이너 플랫폼.

        q: lower case too?
        a: yes
        """)
    assert [(q.question, q.answer, q.source) for q in parsed.questions] == [
        ("What is a Pod?", "The smallest unit.", "content/notes.md:1"),
        ("What is a Node?", "A worker machine.\nIt runs pods.\n\n- More detail in a list.",
         "content/notes.md:4"),
        ("도커란?", "컨테이너 플랫폼.", "content/notes.md:10"),
        ("lower case too?", "yes", "content/notes.md:13"),
    ]


def test_dotted_q_a_needs_capitals_so_lettered_lists_stay_in_the_answer():
    parsed = parse("""
        **Q1.** Which probes exist?
        **A1.** Three:
        a. liveness
        b. readiness
        c. startup
        """)
    assert [(q.question, q.answer) for q in parsed.questions] == [
        ("Which probes exist?", "Three:\na. liveness\nb. readiness\nc. startup")]


def test_q_a_answer_stops_at_a_heading_and_a_q_without_a_is_warned():
    parsed = parse("""
        **Q: What is etcd?**
        A:
        A key-value store.
        ## What is kubelet?
        The node agent.

        Q: Forgotten answer?

        Some unrelated text.
        """)
    assert [(q.question, q.answer) for q in parsed.questions] == [
        ("What is etcd?", "A key-value store."), ("What is kubelet?", "The node agent.")]
    assert skips(parsed) == [(7, "question label with no answer label")]


# --- line endings, BOM, front matter, empty files --------------------------------------------------------

MIXED = """\
## What is a Pod?

```
A unit.
```

<details>
<summary>What is a Node?</summary>
A machine.
</details>

Q: What is etcd?
A: A store.

## 
"""


def test_crlf_and_cr_line_endings_give_the_same_questions_and_lines():
    expected = parse_notes(MIXED, "n.md")
    assert [q.source for q in expected.questions] == ["n.md:1", "n.md:8", "n.md:12"]
    for ending in ("\r\n", "\r"):
        assert parse_notes(MIXED.replace("\n", ending), "n.md") == expected


def test_utf8_bom_is_ignored():
    assert parse_notes("\ufeff" + MIXED, "n.md") == parse_notes(MIXED, "n.md")
    assert parse_notes("\ufeff---\ntopic: k8s\n---\n## Why?\nA unit.\n", "n.md").questions[0].topic == "k8s"


def test_front_matter_topic_applies_to_every_question():
    parsed = parse("""
        ---
        title: "Networking notes"
        language: 'en'
        topic: Networking
        tags:
          - a
        ---
        ## What is a Pod?
        A unit.

        ## What is Docker?
        A runtime.
        """)
    assert (parsed.title, parsed.language) == ("Networking notes", "en")
    assert {q.topic for q in parsed.questions} == {"networking"}
    assert parsed.questions[0].source == "content/notes.md:8"


def test_thematic_break_at_the_top_is_not_front_matter():
    parsed = parse("---\n## What is a Pod?\nA unit.\n\n---\n")
    assert only(parsed).question == "What is a Pod?" and parsed.title is None


def test_files_without_questions_give_nothing():
    for text in ("", "\n\n", "Just some prose.\n\nMore prose.", "---\ntitle: x\n---\n", "```\n# code\n```"):
        parsed = parse_notes(text, "empty.md")
        assert parsed.questions == () and parsed.warnings == ()


# --- duplicates and cut-off answers -------------------------------------------------------------------

def test_duplicate_in_one_file_keeps_the_more_complete_answer_in_first_position():
    parsed = parse("""
        ## What is a Pod?
        Short.

        ## What is a Node?
        A machine.

        ## what is a pod
        The smallest deployable unit in Kubernetes.
        """)
    assert [q.question for q in parsed.questions] == ["what is a pod", "What is a Node?"]
    assert parsed.questions[0].source == "content/notes.md:7"
    assert messages(parsed) == [
        'content/notes.md:7: duplicate question "what is a pod" (also at content/notes.md:1); '
        "kept the more complete answer from content/notes.md:7"]


def test_duplicate_with_equal_answers_keeps_the_first():
    parsed = parse("## What is one\nSame.\n## What is one?\nSame.\n")
    assert only(parsed).source == "content/notes.md:1"
    assert "equally long" in parsed.warnings[0].message


def test_duplicates_across_files_are_merged_naming_both_places():
    first = parse_notes("## What is a Pod?\nShort.\n## Node?\nA machine.\n", "content/a.md")
    second = parse_notes("# intro\n\n## What is a pod\nA much longer answer.\n", "content/b.md")
    bank = merge_notes([first, second])
    assert [q.source for q in bank.questions] == ["content/b.md:3", "content/a.md:3"]
    assert [str(w) for w in bank.warnings] == [
        'content/b.md:3: duplicate question "What is a pod" (also at content/a.md:1); '
        "kept the more complete answer from content/b.md:3"]


def test_cut_off_answers_are_warned():
    parsed = parse("""
        ## 도커 이미지란?
        도커 이미지는 실행 파일과 런타임 환경 등의 정보를 담고 있으

        ## What is a Pod?
        A Pod is the smallest unit of

        ## Complete one
        Ends properly.
        """)
    assert messages(parsed) == ["content/notes.md:1: answer looks cut off",
                                "content/notes.md:4: answer looks cut off"]


def test_list_items_code_and_noun_endings_are_not_cut_off():
    parsed = parse("""
        ## Steps
        1. 노드 자동 복구: 파드를 다른 노드로 마이그레이션
        - 노드를 추가하고

        ## Code
        ```bash
        kubectl apply -f the
        ```

        ## Noun phrase
        컨테이너 간 통신의 결과

        ## Heading-only line
        text
        ### 및
        """)
    assert not any("cut off" in w.message for w in parsed.warnings)


# --- ids ----------------------------------------------------------------------------------------------

def test_ids_survive_answer_edits_reordering_and_moving_files():
    before = parse_notes("## What is a Pod?\nA unit.\n## What is a Node?\nA machine.\n", "content/a.md")
    after = parse_notes("## What is a Node?\nA worker machine.\n", "content/b.md")
    moved = parse_notes("## intro\ntext\n\n# What is a Pod?\n```\nEdited answer.\n```\n", "content/c.md")
    ids = {q.question: q.id for q in before.questions}
    assert after.questions[0].id == ids["What is a Node?"]
    assert [q.id for q in moved.questions if q.question == "What is a Pod?"] == [ids["What is a Pod?"]]


def test_ids_do_not_depend_on_order():
    forward = parse_notes("## What is a Pod?\nA unit.\n## What is a Node?\nA machine.\n", "n.md")
    backward = parse_notes("## What is a Node?\nA machine.\n\n\n## What is a Pod?\nA unit.\n", "n.md")
    assert {q.question: q.id for q in forward.questions} == {q.question: q.id for q in backward.questions}


def test_ids_ignore_whitespace_punctuation_case_and_emphasis():
    assert question_id("도커 이미지란?") == question_id(" 도커  이미지란 ") == question_id("**도커 이미지란**?")
    assert question_id("What is a `Pod`?") == question_id("what is a pod")
    assert question_id("ｗｈａｔ is a Pod") == question_id("what is a pod")  # NFKC folds full-width letters
    assert question_id("What is a Pod?") != question_id("What is a Node?")
    assert len(question_id("x")) == 16 and int(question_id("x"), 16) >= 0


def test_normalise_question():
    assert normalise_question("도커 이미지란?") == normalise_question(" 도커  이미지란 ") == "도커 이미지란"
    assert normalise_question("  **Straße** — _Pods_!  ") == "strasse pods"


# --- topics -------------------------------------------------------------------------------------------

def test_detect_topic_prefers_the_question_then_the_answer():
    assert detect_topic("마스터 노드 컴포넌트 무엇이 있을까요?", "") == "kubernetes"
    assert detect_topic("컨테이너의 생명주기", "쿠버네티스") == "docker"
    assert detect_topic("느슨한 결합이란?", "쿠버네티스 파드 서비스") == "kubernetes"
    assert detect_topic("What is a podcast?", "") is None
    assert detect_topic("Pods와 Docker", "") is None  # a tie, and no answer to break it
    assert detect_topic("What is DNS?", "nothing") is None


def test_topic_falls_back_to_the_file_name():
    parsed = parse_notes("## What is DNS?\nName resolution.\n", "content/Network_Notes.md")
    assert only(parsed).topic == "network_notes"


# --- properties ---------------------------------------------------------------------------------------

FRAGMENTS = ["#", "## q", "### deeper", "```", "```bash", "~~~", "<details>", "<summary>답변</summary>",
             "<summary>question?</summary>", "</details>", "Q: x", "A: y", "**Q:**", "---", "topic: k", "",
             "- [a](http://x)", "Reference", "text", "#### ", "\r", "\ufeff", "### K8S-001", "#### 답변",
             "a::b", "c:::d", "?", "??", "```markdown", "| Question | Answer |", "|---|---|", "| q? | a |",
             "<b></b>", "<br>", "꼬리 질문 1: 왜?", "1.  **What?**", "    **Answer:** x", "[^1]", "[^1]: n",
             "Question-3: x", "Ans:", "- \"Why?\" → because", "![i](x.png)", "<p>", "</p>", "- [ ] task"]
markdownish = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=30).map(
    "\n".join)


def check_result(parsed: ParsedNotes) -> None:
    ids = [q.id for q in parsed.questions]
    assert len(ids) == len(set(ids))
    for question in parsed.questions:
        assert question.question.strip() and question.answer.strip() and question.topic
        assert question.id == question_id(question.question)
        # never a question that is only a label or a number
        assert not is_answer_label(question.question) and not question.question.strip(" .:#").isdigit()
    for warning in parsed.warnings:
        assert isinstance(warning, ContentWarning) and warning.line >= 1


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_parses_without_error(text):
    check_result(parse_notes(text, "fuzz.md"))


@settings(max_examples=200, deadline=None)
@given(markdownish, markdownish)
def test_markdownish_text_parses_and_merges_without_error(first, second):
    parts = [parse_notes(first, "a.md"), parse_notes(second, "b.md")]
    for part in parts:
        check_result(part)
    check_result(merge_notes(parts))

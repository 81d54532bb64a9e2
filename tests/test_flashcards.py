"""The flashcard reader (bot.core.flashcards): Anki plain-text exports, CSV, TSV, skipped rows, line numbers."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.flashcards import Card, FlashcardFile, SkippedCard, is_anki_export, read_flashcards

# --- Anki "Notes in Plain Text" -------------------------------------------------------------------------

ANKI_TAB_HTML = (
    "#separator:tab\n"
    "#html:true\n"
    "#tags column:3\n"
    "Pod란 무엇인가?\t쿠버네티스에서 배포할 수 있는 <b>가장 작은 단위</b>로,<br>하나 이상의 컨테이너를 묶는다.\t"
    "kubernetes 기초\n"
    "Docker 이미지 레이어란?\t\"Dockerfile 명령 하나가 만드는\n읽기 전용 파일 시스템 변경분\"\tdocker\n"
    "What does a liveness probe do?\tkubelet restarts the container when the probe fails (exit code &gt; 0).\t"
    "kubernetes probes\n"
)


def test_anki_export_with_tab_separator_html_and_a_tags_column():
    assert read_flashcards(ANKI_TAB_HTML, ".txt") == FlashcardFile(
        cards=(
            Card("Pod란 무엇인가?", "쿠버네티스에서 배포할 수 있는 **가장 작은 단위**로,\n하나 이상의 컨테이너를 묶는다.", 4),
            # Without block tags, html_to_markdown keeps a raw line break as it is.
            Card("Docker 이미지 레이어란?", "Dockerfile 명령 하나가 만드는\n읽기 전용 파일 시스템 변경분", 5),
            # A field without tags is still HTML: its entities are decoded.
            Card(
                "What does a liveness probe do?", "kubelet restarts the container when the probe fails (exit code > 0).", 7
            ),
        ),
        skipped=(),
    )


def test_anki_export_is_detected_by_its_headers_whatever_the_suffix():
    assert read_flashcards(ANKI_TAB_HTML, ".csv") == read_flashcards(ANKI_TAB_HTML, ".txt")
    assert read_flashcards(ANKI_TAB_HTML, ".md") == read_flashcards(ANKI_TAB_HTML, ".txt")


ANKI_SEMICOLON_PLAIN = (
    "#separator:semicolon\n"
    "#html:false\n"
    "#columns:Front;Back\n"
    "TCP와 UDP의 차이는?;TCP는 연결 지향이며 순서와 전달을 보장하고, UDP는 비연결형이라 보장하지 않는다.\n"
    "\"DNS가 TCP 53번을 쓰는 경우는?\";\"응답이 512바이트를 넘어 잘릴 때,\n그리고 존 전송(AXFR)을 할 때.\"\n"
    "What does <br> mean in HTML?;A line break (kept as typed: this export is plain text).\n"
    "# NAT란?;사설 IP 주소를 공인 IP 주소로 바꿔 주는 것.\n"
)


def test_anki_export_with_semicolon_separator_and_plain_text_fields():
    assert read_flashcards(ANKI_SEMICOLON_PLAIN, ".txt") == FlashcardFile(
        cards=(
            Card("TCP와 UDP의 차이는?", "TCP는 연결 지향이며 순서와 전달을 보장하고, UDP는 비연결형이라 보장하지 않는다.", 4),
            Card("DNS가 TCP 53번을 쓰는 경우는?", "응답이 512바이트를 넘어 잘릴 때,\n그리고 존 전송(AXFR)을 할 때.", 5),
            Card("What does <br> mean in HTML?", "A line break (kept as typed: this export is plain text).", 7),
            # Only the block at the very top is headers: a `#` row further down is a note.
            Card("# NAT란?", "사설 IP 주소를 공인 IP 주소로 바꿔 주는 것.", 8),
        ),
        skipped=(),
    )


def test_anki_cloze_note_masks_the_deletions_in_the_question_and_bolds_them_in_the_answer():
    export = (
        "#separator:tab\n"
        "#html:true\n"
        "#notetype column:1\n"
        "#deck column:2\n"
        "#tags column:5\n"
        "Cloze\tKubernetes::Networking\t{{c1::kube-proxy}}는 Service의 가상 IP로 온 트래픽을 "
        "{{c2::Pod::어디로?}}로 보낸다.\tiptables 또는 IPVS 모드로 동작한다.\tkubernetes network\n"
        "Basic\tKubernetes::Networking\tClusterIP Service는 어디서 접근할 수 있나?\t클러스터 안에서만.\tkubernetes\n"
        "Cloze\tKubernetes::Storage\t<div>클러스터 상태는 {{c1::<b>etcd</b>}}에 저장된다.</div>\t&nbsp;\tkubernetes\n"
        "Basic\tKubernetes::Storage\tPV의 reclaim policy 종류는?\t<br>\tkubernetes storage\n"
    )
    assert read_flashcards(export, ".txt") == FlashcardFile(
        cards=(
            Card(
                "[...]는 Service의 가상 IP로 온 트래픽을 [어디로?]로 보낸다.",
                "**kube-proxy**는 Service의 가상 IP로 온 트래픽을 **Pod**로 보낸다.\n\niptables 또는 IPVS 모드로 동작한다.",
                6,
            ),
            Card("ClusterIP Service는 어디서 접근할 수 있나?", "클러스터 안에서만.", 7),
            # A deletion already in bold is bold once; a Back Extra of only &nbsp; adds nothing.
            Card("클러스터 상태는 [...]에 저장된다.", "클러스터 상태는 **etcd**에 저장된다.", 8),
        ),
        skipped=(SkippedCard(9, "PV의 reclaim policy 종류는?", "empty answer"),),
    )


def test_anki_cloze_note_without_back_extra_and_with_a_nested_deletion():
    export = (
        "#separator:comma\n"
        "#html:false\n"
        "Docker 이미지는 {{c1::읽기 전용 레이어}}를 쌓고 컨테이너는 그 위에 {{c2::쓰기 가능한 레이어 }}를 더한다.\n"
        "\"{{c1::HTTP/2는 {{c2::하나의 TCP 연결}}로 여러 요청을 보낸다}}\",\n"
    )
    assert read_flashcards(export, ".txt") == FlashcardFile(
        cards=(
            Card(
                "Docker 이미지는 [...]를 쌓고 컨테이너는 그 위에 [...]를 더한다.",
                "Docker 이미지는 **읽기 전용 레이어**를 쌓고 컨테이너는 그 위에 **쓰기 가능한 레이어** 를 더한다.",
                3,
            ),
            Card("[...]", "**HTTP/2는 하나의 TCP 연결로 여러 요청을 보낸다**", 4),
        ),
        skipped=(),
    )


def test_anki_rows_that_are_not_cards_are_skipped_with_their_reasons():
    export = (
        "#separator:tab\n"
        "#html:false\n"
        "#guid column:1\n"
        "#tags column:4\n"
        "Ab3$kQ9x_z\tService와 Ingress의 차이는?\tService는 L4, Ingress는 L7 HTTP 라우팅이다.\tkubernetes\n"
        "Cd7!mN2p+w\t서비스 메시란?\t\tkubernetes\n"
        "Ef1#rT5v-y\n"
        "Gh4%uW8s=q\t[sound:ingress-ko.mp3]\t[sound:answer.mp3]\n"
        "Ij2&oP6t.e\tCNI 플러그인은 무엇을 하나?[sound:cni.mp3]\tPod에 네트워크 인터페이스와 IP를 붙인다.\n"
    )
    assert read_flashcards(export, ".txt") == FlashcardFile(
        cards=(
            Card("Service와 Ingress의 차이는?", "Service는 L4, Ingress는 L7 HTTP 라우팅이다.", 5),
            Card("CNI 플러그인은 무엇을 하나?", "Pod에 네트워크 인터페이스와 IP를 붙인다.", 9),
        ),
        skipped=(SkippedCard(6, "서비스 메시란?", "empty answer"),),
    )


def test_anki_html_is_judged_per_field_without_an_html_header():
    export = "#separator:pipe\nHTTP 301과 302의 차이는?|301은 <i>영구</i> 이동, 302는 임시 이동.\na < b?|Plain text: 1 < 2 stays.\n"
    assert read_flashcards(export, ".txt").cards == (
        Card("HTTP 301과 302의 차이는?", "301은 *영구* 이동, 302는 임시 이동.", 2),
        Card("a < b?", "Plain text: 1 < 2 stays.", 3),
    )


def test_anki_separator_is_guessed_when_the_header_names_none():
    export = "#html:false\n#notetype:Basic\n#deck:네트워크\nARP가 하는 일은?;IP 주소로 MAC 주소를 찾는다.\n"
    assert read_flashcards(export, ".txt").cards == (Card("ARP가 하는 일은?", "IP 주소로 MAC 주소를 찾는다.", 4),)


@pytest.mark.parametrize("text", [
    "#separator:tab\n#html:true\nPod란?\t가장 작은 배포 단위\n",
    "#html:false\r\nPod란?\t가장 작은 배포 단위\r\n",
    "\ufeff#separator:Tab\nPod란?\t가장 작은 배포 단위\n",
    "#separator:comma",
    "#tags column:3\n",
    "#notetype column:1\n",
])
def test_is_anki_export_true(text):
    assert is_anki_export(text)


@pytest.mark.parametrize("text", [
    "",
    "# Kubernetes 면접 노트\n\n## Pod란?\n가장 작은 배포 단위\n",
    "question,answer\nPod란?,가장 작은 배포 단위\n",
    "\n#separator:tab\nPod란?\t가장 작은 배포 단위\n",
    " #separator:tab\n",
    "#tag: docker\n",
    "#include <stdio.h>\n",
    "#separator\ttab\n",
])
def test_is_anki_export_false(text):
    assert not is_anki_export(text)


# --- TSV and Quizlet ------------------------------------------------------------------------------------

QUIZLET = (
    "컨테이너 오케스트레이션\t여러 호스트에서 컨테이너의 배포, 확장, 복구를 자동화하는 것\n"
    "kubelet\t각 노드에서 Pod 명세대로 컨테이너가 실행되도록 관리하는 에이전트\n"
    "OSI 3계층\t네트워크 계층: IP 주소로 패킷의 경로를 정한다\n"
)
QUIZLET_CARDS = (
    Card("컨테이너 오케스트레이션", "여러 호스트에서 컨테이너의 배포, 확장, 복구를 자동화하는 것", 1),
    Card("kubelet", "각 노드에서 Pod 명세대로 컨테이너가 실행되도록 관리하는 에이전트", 2),
    Card("OSI 3계층", "네트워크 계층: IP 주소로 패킷의 경로를 정한다", 3),
)


@pytest.mark.parametrize("suffix", [".tsv", ".txt", ".TSV"])
def test_quizlet_style_tab_separated_export(suffix):
    assert read_flashcards(QUIZLET, suffix) == FlashcardFile(QUIZLET_CARDS, ())


def test_txt_without_tabs_in_most_lines_is_not_a_flashcard_export():
    notes = "Pod란?\n가장 작은 배포 단위\n\nkubelet\t노드 에이전트\nService란?\n"
    assert read_flashcards(notes, ".txt") == FlashcardFile((), ())
    assert read_flashcards(QUIZLET, ".md") == FlashcardFile((), ())


def test_tsv_with_a_term_definition_header_crlf_and_a_quoted_multi_line_definition():
    tsv = (
        "Term\tDefinition\r\n"
        "Dockerfile의 멀티 스테이지 빌드\t\"빌드 단계와 실행 단계를 나눠\r\n최종 이미지를 작게 만든다\"\r\n"
        "\r\n"
        "Readiness probe\tPod가 트래픽을 받을 준비가 됐는지 확인한다\r\n"
    )
    assert read_flashcards(tsv, ".tsv") == FlashcardFile(
        cards=(
            Card("Dockerfile의 멀티 스테이지 빌드", "빌드 단계와 실행 단계를 나눠\n최종 이미지를 작게 만든다", 2),
            Card("Readiness probe", "Pod가 트래픽을 받을 준비가 됐는지 확인한다", 5),
        ),
        skipped=(SkippedCard(1, "Term", "header row"),),
    )


# --- CSV ------------------------------------------------------------------------------------------------

def test_csv_with_a_question_answer_header():
    csv_text = (
        "question,answer\n"
        "What is a Docker volume?,Storage managed by Docker that outlives the container.\n"
        "Which port does HTTPS use by default?,443\n"
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card("What is a Docker volume?", "Storage managed by Docker that outlives the container.", 2),
            Card("Which port does HTTPS use by default?", "443", 3),
        ),
        skipped=(SkippedCard(1, "question", "header row"),),
    )


def test_csv_with_a_korean_header_in_crlf():
    csv_text = (
        " 질문 , 답변 \r\n"
        "StatefulSet은 언제 쓰나?,Pod마다 고정된 이름과 저장소가 필요할 때\r\n"
        "HPA는 무엇을 보고 Pod 수를 바꾸나?,CPU 사용률 같은 메트릭\r\n"
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card("StatefulSet은 언제 쓰나?", "Pod마다 고정된 이름과 저장소가 필요할 때", 2),
            Card("HPA는 무엇을 보고 Pod 수를 바꾸나?", "CPU 사용률 같은 메트릭", 3),
        ),
        skipped=(SkippedCard(1, "질문", "header row"),),
    )


def test_csv_without_a_header():
    csv_text = (
        "Docker 컨테이너와 VM의 차이는?,컨테이너는 호스트 커널을 공유하고 VM은 게스트 OS를 따로 띄운다\n"
        "Question: what does a Service selector match?,Pod labels\n"
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card("Docker 컨테이너와 VM의 차이는?", "컨테이너는 호스트 커널을 공유하고 VM은 게스트 OS를 따로 띄운다", 1),
            Card("Question: what does a Service selector match?", "Pod labels", 2),
        ),
        skipped=(),
    )


def test_csv_with_quoted_commas_a_multi_line_answer_and_extra_columns():
    csv_text = (
        "Question,Answer,Source\n"
        '"What do ENTRYPOINT and CMD do, together?","ENTRYPOINT fixes the executable; CMD gives its default '
        'arguments, which `docker run` can override.",Docker docs\n'
        'Name the steps of a Deployment rollout.,"1. A new ReplicaSet is created.\n'
        "2. Pods move over in steps (maxSurge, maxUnavailable).\n"
        '3. The old ReplicaSet is scaled to zero.",Kubernetes docs\n'
        '"What does ""CrashLoopBackOff"" mean?","The container keeps exiting, and kubelet waits longer '
        'before each restart.",\n'
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card(
                "What do ENTRYPOINT and CMD do, together?",
                "ENTRYPOINT fixes the executable; CMD gives its default arguments, which `docker run` can override.",
                2,
            ),
            Card(
                "Name the steps of a Deployment rollout.",
                "1. A new ReplicaSet is created.\n2. Pods move over in steps (maxSurge, maxUnavailable).\n"
                "3. The old ReplicaSet is scaled to zero.",
                3,
            ),
            Card(
                'What does "CrashLoopBackOff" mean?',
                "The container keeps exiting, and kubelet waits longer before each restart.",
                6,
            ),
        ),
        skipped=(SkippedCard(1, "Question", "header row"),),
    )


def test_semicolon_csv():
    csv_text = (
        "질문;정답\n"
        "서브넷 마스크 255.255.255.0을 CIDR로 쓰면?;/24\n"
        "\"Docker 네트워크 드라이버 bridge, host, none의 차이는?\";bridge는 격리된 가상 네트워크, host는 호스트 "
        "네트워크 공유, none은 네트워크 없음\n"
        "HTTP 기본 포트는?;80\n"
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card("서브넷 마스크 255.255.255.0을 CIDR로 쓰면?", "/24", 2),
            Card(
                "Docker 네트워크 드라이버 bridge, host, none의 차이는?",
                "bridge는 격리된 가상 네트워크, host는 호스트 네트워크 공유, none은 네트워크 없음",
                3,
            ),
            Card("HTTP 기본 포트는?", "80", 4),
        ),
        skipped=(SkippedCard(1, "질문", "header row"),),
    )


def test_rows_that_are_not_cards_are_skipped_with_their_reasons_and_lines():
    long_question = (
        "쿠버네티스에서 PersistentVolume, PersistentVolumeClaim, StorageClass가 각각 무엇이고 "
        "동적 프로비저닝은 어떻게 동작하는지 설명하라"
    )
    csv_text = (
        "term,definition\n"
        "Ingress,클러스터 밖의 HTTP(S) 요청을 규칙에 따라 Service로 보낸다\n"
        "\n"
        "ConfigMap\n"
        "Secret,   \n"
        ",etcd에 저장되는 키-값 데이터\n"
        ",,\n"
        f'"{long_question}",\n'
        "DaemonSet,모든 노드(또는 고른 노드)에 Pod를 하나씩 실행한다\n"
        "question,answer\n"
    )
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(
            Card("Ingress", "클러스터 밖의 HTTP(S) 요청을 규칙에 따라 Service로 보낸다", 2),
            Card("DaemonSet", "모든 노드(또는 고른 노드)에 Pod를 하나씩 실행한다", 9),
            # Only the first row can be a header; later it is an ordinary (if odd) card.
            Card("question", "answer", 10),
        ),
        skipped=(
            SkippedCard(1, "term", "header row"),
            SkippedCard(4, "ConfigMap", "only one field"),
            SkippedCard(5, "Secret", "empty answer"),
            SkippedCard(6, "etcd에 저장되는 키-값 데이터", "empty question"),
            SkippedCard(8, long_question[:79] + "…", "empty answer"),
        ),
    )


def test_a_bom_at_the_start_is_dropped():
    csv_text = "\ufeffQ,A\nTLS 핸드셰이크에서 서버가 보내는 것은?,인증서\n"
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(Card("TLS 핸드셰이크에서 서버가 보내는 것은?", "인증서", 2),),
        skipped=(SkippedCard(1, "Q", "header row"),),
    )
    assert read_flashcards("\ufeffkubectl get pods\t네임스페이스의 Pod 목록\n", ".tsv").cards == (
        Card("kubectl get pods", "네임스페이스의 Pod 목록", 1),
    )


def test_a_row_the_csv_module_rejects_is_skipped_and_reading_goes_on():
    # The csv module refuses a field over 131072 characters (its default field size limit).
    csv_text = f'pasted log,"{"x" * 200_000}"\nOOMKilled의 뜻은?,메모리 제한을 넘어 커널이 컨테이너를 종료했다\n'
    assert read_flashcards(csv_text, ".csv") == FlashcardFile(
        cards=(Card("OOMKilled의 뜻은?", "메모리 제한을 넘어 커널이 컨테이너를 종료했다", 2),),
        skipped=(SkippedCard(1, "", "unreadable row"),),
    )


def test_line_numbers_follow_cr_line_breaks_too():
    csv_text = 'front,back\r"CIDR /16의 주소 수는?","65,536개\r(네트워크·브로드캐스트 포함)"\rMTU 기본값은?,1500바이트\r'
    assert read_flashcards(csv_text, ".csv").cards == (
        Card("CIDR /16의 주소 수는?", "65,536개\n(네트워크·브로드캐스트 포함)", 2),
        Card("MTU 기본값은?", "1500바이트", 4),
    )


# --- never raises, never an empty card ------------------------------------------------------------------

INTERESTING = st.text(alphabet=st.sampled_from(list('ab가 \t,;|"\n\r#:{}c1<>/br&ufeff\ufeff')), max_size=200)
HEADERS = st.sampled_from([
    "", "#separator:tab\n#html:true\n", "#separator:comma\n#html:false\n", "#separator:semicolon\n",
    "#separator:tab\n#html:true\n#guid column:1\n#tags column:3\n", "#separator:\"\n", "#separator:\n",
    "#tags column:²\n#notetype column:0\n",
])


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".txt", ".md"])
@settings(max_examples=150, deadline=None)
@given(header=HEADERS, body=st.one_of(st.text(max_size=200), INTERESTING))
def test_read_flashcards_never_raises_and_never_returns_an_empty_card(suffix, header, body):
    read = read_flashcards(header + body, suffix)
    for card in read.cards:
        assert card.question.strip() and card.answer.strip()
        assert card.line >= 1
    for skipped in read.skipped:
        assert skipped.line >= 1 and len(skipped.text) <= 80

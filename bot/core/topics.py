"""Topic detection for questions: keyword scores over the question, then the answer."""

from __future__ import annotations

import re

# Topic -> keywords, matched case-insensitively. ASCII keywords match whole words (an optional plural "s"
# included), so "pod" does not match "podcast"; Korean ones match anywhere, because particles attach to
# the word ("파드를"). Add a topic or a keyword here; nothing else needs to change.
TOPIC_KEYWORDS: dict[str, tuple[str, ...]] = {
    "kubernetes": (
        "쿠버네티스", "kubernetes", "k8s", "kubectl", "kubelet", "kube-", "kubeadm", "minikube",
        "파드", "pod", "노드", "node", "인그레스", "ingress", "etcd", "헬름", "helm", "클러스터", "cluster",
        "deployment", "디플로이먼트", "레플리카셋", "replicaset", "스테이트풀셋", "statefulset",
        "데몬셋", "daemonset", "네임스페이스", "namespace", "컨피그맵", "configmap", "서비스 메시",
        "service mesh", "istio", "오토스케일", "hpa", "프로브", "probe", "control plane", "컨트롤 플레인",
    ),
    "docker": (
        "도커", "docker", "dockerfile", "docker-compose", "compose", "컨테이너", "container", "이미지",
        "image", "레지스트리", "registry", "도커 허브", "docker hub", "레이어", "layer", "볼륨", "volume",
        "podman", "containerd", "buildkit",
    ),
}


def _keyword_pattern(keywords: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation per topic, so that scoring a text is a single regex pass."""
    parts = []
    for keyword in sorted((k.casefold() for k in keywords), key=len, reverse=True):
        part = re.escape(keyword)
        if keyword.isascii():
            if keyword[0].isalnum():
                part = r"(?<![a-z0-9])" + part
            if keyword[-1].isalnum():
                part += r"s?(?![a-z0-9])"
        parts.append(part)
    return re.compile("|".join(parts))


_TOPIC_PATTERNS = {topic: _keyword_pattern(keywords) for topic, keywords in TOPIC_KEYWORDS.items()}


def detect_topic(question: str, answer: str) -> str | None:
    """The topic the question's keywords point to, else the answer's; None on a tie or no keywords."""
    return _leader(question) or _leader(answer)


def _leader(text: str) -> str | None:
    """The topic with strictly the most keyword hits in `text`, if any."""
    text = text.casefold()
    best, best_score, tied = None, 0, False
    for topic, pattern in _TOPIC_PATTERNS.items():
        score = len(pattern.findall(text))
        if score > best_score:
            best, best_score, tied = topic, score, False
        elif score == best_score and score:
            tied = True
    return None if tied else best

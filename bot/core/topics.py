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


def _keyword_pattern(keywords: tuple[str, ...]) -> str:
    """Regex alternation for one topic's keywords (whole ASCII words in one group, for speed)."""
    words = sorted({k.casefold() for k in keywords if k.isascii() and k[0].isalnum() and k[-1].isalnum()},
                   key=len, reverse=True)
    parts = [r"(?<![a-z0-9])(?:%s)s?(?![a-z0-9])" % "|".join(map(re.escape, words))] if words else []
    for keyword in sorted({k.casefold() for k in keywords} - set(words), key=len, reverse=True):
        ascii_start = keyword.isascii() and keyword[0].isalnum()  # e.g. "kube-": a word start, any end
        parts.append((r"(?<![a-z0-9])" if ascii_start else "") + re.escape(keyword))
    return "|".join(parts)


# One pass over a text scores every topic: each topic is a numbered group, and a match names its group.
_TOPICS = tuple(TOPIC_KEYWORDS)
_KEYWORDS = re.compile("|".join(f"(?P<t{number}>{_keyword_pattern(TOPIC_KEYWORDS[topic])})"
                                for number, topic in enumerate(_TOPICS)))


def detect_topic(question: str, answer: str) -> str | None:
    """The topic the question's keywords point to, else the answer's; None on a tie or no keywords."""
    return _leader(question) or _leader(answer)


def _leader(text: str) -> str | None:
    """The topic with strictly the most keyword hits in `text`, if any."""
    scores: dict[str, int] = {}
    for match in _KEYWORDS.finditer(text.casefold()):
        scores[match.lastgroup] = scores.get(match.lastgroup, 0) + 1
    if not scores:
        return None
    ranked = sorted(scores.values(), reverse=True)
    if len(ranked) > 1 and ranked[0] == ranked[1]:
        return None
    return _TOPICS[int(max(scores, key=scores.__getitem__)[1:])]

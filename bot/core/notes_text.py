"""The words of notes: what reads as a question, which headings and summaries are only labels, and how a
question and an answer lose their numbering and labels. Pure string rules, used by the notes reader."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.core.markdown import parse_markdown

# Headings, summaries and paragraph prefixes that only label an answer ("#### 답변", "<summary>Answer").
ANSWER_LABELS = (
    "답변", "답", "정답", "해설", "풀이", "답안", "모범 답안", "모범답안", "예시 답변", "예시답변", "설명",
    "보기", "펼치기", "더보기", "답변 보기", "정답 보기", "정답 확인", "해설 보기", "answer", "answers",
    "ans", "a", "show answer", "reveal answer", "the answer", "sample answer", "model answer", "solution",
    "show solution", "explanation", "click to expand", "click to show", "click here", "expand", "show",
    "details", "hint", "핵심 답변", "모범 답변", "short answer", "key answer",
)
# Headings that introduce references, an index or a table of contents: never questions.
REFERENCE_TITLES = (
    "reference", "references", "ref", "refs", "links", "link", "see also", "further reading", "resources",
    "sources", "source", "table of contents", "contents", "toc", "index", "참고", "참고자료", "참고 자료",
    "참고문헌", "참고 문헌", "참조", "출처", "링크", "목차",
)
# Headings of a document's own parts: never questions, however much text is under them.
DOCUMENT_TITLES = (
    "introduction", "intro", "overview", "conclusion", "summary", "prerequisites", "setup", "installation",
    "getting started", "license", "contributing", "about", "notes", "tips", "todo", "changelog", "usage",
    "소개", "개요", "결론", "마무리", "정리", "요약", "들어가며", "들어가기", "서론", "본론", "맺음말",
    "라이선스", "기여", "후기", "회고", "사용 방법", "사용법", "이용 방법", "체크리스트", "학습 체크리스트",
    "checklist", "how to use", "how to use this", "table of questions",
)
# Headings inside an answer whose list holds follow-up questions ("### 꼬리 질문 대비", "Follow-up questions").
FOLLOW_UP_TITLES = ("꼬리 질문", "꼬리질문", "추가 질문", "예상 질문", "follow-up", "follow up", "followup")

_ENGLISH_QUESTION_WORDS = frozenset((
    "what", "what's", "whats", "why", "how", "when", "where", "which", "who", "whom", "whose", "is", "are",
    "was", "were", "can", "could", "do", "does", "did", "should", "would", "will", "may", "explain",
    "describe", "define", "compare", "contrast", "list", "name", "give", "tell", "differentiate",
    "distinguish", "discuss", "mention", "state", "outline", "summarize", "summarise", "illustrate",
    "elaborate", "write", "difference", "differences", "show", "create", "implement", "design", "find",
))
# Korean asks with these anywhere in the line ("쿠버네티스 동작 과정", "인그레스와 서비스의 차이점").
_KOREAN_QUESTION_WORDS = (
    "무엇", "뭐", "뭔", "왜", "어떻게", "어떤", "어느", "언제", "어디", "누구", "몇", "무슨", "차이", "방법",
    "과정", "방식", "원리", "이유", "장점", "단점", "장단점", "특징", "종류", "개념", "정의", "역할", "설명",
    "비교", "동작", "구조", "까요", "나요", "는가", "인가", "할까", "는지", "은지", "인지", "란", "이란",
)
_KOREAN_ASKS = re.compile("|".join(_KOREAN_QUESTION_WORDS))

_BOLD = r"(?:\*\*|__)?"
_EMOJI = r"(?:[\u2190-\u2bff\U0001f000-\U0001ffff]\ufe0f?\s*)*"  # "❓ Question:", "💡 Answer:"
# "Q:", "Q1.", "Q.", "Question-19:", "Question 3)", "질문:", "문제 2." (optionally bold, list-marked).
QUESTION_LABEL = re.compile(
    rf"^{_BOLD}\s*{_EMOJI}(?:(?:[Qq]|[Qq]uestion|QUESTION|질문|문제|꼬리\s*질문|[Ff]ollow[- ]?up)\s*[-#]?\s*\d*\s*[:：)]|(?:Q|Question|질문|문제)\s*[-#]?\s*\d*\.)"
    rf"\s*{_BOLD}\s*")
# "A:", "A.", "Ans:", "**Answer:**", "답:", "답변:", "정답 -" ... at the start of an answer.
ANSWER_LABEL = re.compile(
    rf"^{_BOLD}\s*{_EMOJI}(?:(?:[Aa]|[Aa]ns|[Aa]nswer|ANSWER|답|답변|정답|해설|풀이)\s*\d*\s*[:：]|(?:A|Ans|Answer)\s*\d*\.)"
    rf"\s*{_BOLD}\s*")
# Ids that stand for a question stated below them: "K8S-001", "Q12", "Question 3", "#12", "문제 4".
_ID_ONLY = re.compile(r"^(?:[A-Z][A-Z0-9]*-\d+|Q\s*\d+|Question\s*[-#]?\s*\d+|#?\d+|문제\s*\d+|질문\s*\d+)[.:)]?$",
                      re.IGNORECASE)
_LEADING_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)*[.)]|\d+\s*[-–]\s|\(\d+\)|[A-Z][A-Z0-9]*-\d+[.:)]?)\s+")


class _PunctuationAndSymbols(dict):
    """str.translate table dropping Unicode categories P* and S*, filled in as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.category(chr(code))[0] in "PS" else code
        self[code] = kept
        return kept


_DROP_PUNCTUATION = _PunctuationAndSymbols()


@lru_cache(maxsize=16384)  # the reader asks about the same headings and labels many times
def normalise_question(text: str) -> str:
    """Question text reduced for comparison: NFKC, casefolded, no punctuation or symbols, single spaces."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    # Markdown emphasis and code markers (* _ ` ~) are punctuation or symbols, so this drops them too.
    return " ".join(text.translate(_DROP_PUNCTUATION).split())


_LABELS = frozenset(normalise_question(label) for label in ANSWER_LABELS)
_REFERENCES = frozenset(normalise_question(title) for title in REFERENCE_TITLES)
_DOCUMENT_PARTS = frozenset(normalise_question(title) for title in DOCUMENT_TITLES)


def is_answer_label(text: str) -> bool:
    """True for a line that only labels an answer: "답변", "**Answer:**", "Show answer", "A."."""
    return normalise_question(text) in _LABELS


def is_reference_title(text: str) -> bool:
    """True for "References", "## 참고", "**Table of contents:**" and the like."""
    return len(text) < 40 and normalise_question(text) in _REFERENCES


def is_document_part(text: str) -> bool:
    """True for headings of a document's own parts ("Introduction", "정리"), which are never questions."""
    return len(text) < 40 and normalise_question(strip_numbering(text)) in _DOCUMENT_PARTS


def is_id_only(text: str) -> bool:
    """True for a heading that only names a question stated below it ("K8S-001", "Q12")."""
    return _ID_ONLY.match(unwrap_emphasis(text.strip())) is not None


def has_question_label(text: str) -> bool:
    """True when the text starts with a question label ("Q:", "Question-3:", "질문:")."""
    return QUESTION_LABEL.match(text.strip()) is not None


def has_answer_label(text: str) -> bool:
    """True when the text starts with an answer label ("A:", "**Ans:**", "답변:")."""
    return ANSWER_LABEL.match(text.strip()) is not None


@lru_cache(maxsize=16384)
def asks_plainly(text: str) -> bool:
    """True for a line that is unmistakably a question: a question mark or a question label."""
    text = strip_symbols(unwrap_emphasis(strip_symbols(text.strip()))).rstrip(" *_:\"'”’")
    return has_question_label(text) or text.endswith(("?", "？"))


@lru_cache(maxsize=16384)
def reads_as_question(text: str) -> bool:
    """True when a line is phrased as a question: a question mark, a question label, an interrogative
    word first (English) or a word that asks anywhere in it (Korean)."""
    text = unwrap_emphasis(strip_symbols(text.strip()))
    if not normalise_question(text):
        return False
    if asks_plainly(text):
        return True
    first = strip_numbering(text).split(maxsplit=1)[0].casefold().strip("*_`\"'(") if text.split() else ""
    if first in _ENGLISH_QUESTION_WORDS:
        return True
    return _KOREAN_ASKS.search(text) is not None


def unwrap_emphasis(text: str) -> str:
    """Text without bold that wraps all of it (`**Q1: What is X?**` -> `Q1: What is X?`)."""
    text = text.strip()
    for marker in ("**", "__"):
        if len(text) > 4 and text.startswith(marker) and text.endswith(marker) and marker not in text[2:-2]:
            return unwrap_emphasis(text[2:-2])
    return text


def strip_numbering(text: str) -> str:
    """Text without a leading number ("1.", "2)", "K8S-001")."""
    return _LEADING_NUMBER.sub("", text.strip(), count=1)


def is_follow_up_title(text: str) -> bool:
    """True for a heading that introduces follow-up questions ("꼬리 질문 대비", "Follow-up questions")."""
    folded = text.casefold()
    return len(text) < 40 and any(title in folded for title in FOLLOW_UP_TITLES)


def strip_symbols(text: str) -> str:
    """Text without emoji and symbols around it ("❓ Question 1", "What is a Pod? ⭐⭐⭐")."""
    if not text or (text[0].isascii() and text[-1].isascii()):
        return text.strip()  # the common case: no emoji at either end
    start, end = 0, len(text)
    # Other symbols (So: emoji, stars) and format characters only: ` and ^ are markup (Sk) and stay.
    while start < end and (text[start].isspace() or unicodedata.category(text[start]) in ("So", "Cf")):
        start += 1
    while end > start and (text[end - 1].isspace() or unicodedata.category(text[end - 1]) in ("So", "Cf")):
        end -= 1
    return text[start:end]


def clean_question(text: str) -> str:
    """A question as the member sees it: no numbering, label, id, symbols or wrapping bold; code kept."""
    text = " ".join(text.split()) if "\n" not in text.strip() else text.strip()
    text = unwrap_emphasis(strip_symbols(text))
    for _ in range(3):  # "1. **Q1: What?**": a number, then bold, then a label
        before = text
        text = strip_symbols(strip_numbering(text))
        text = QUESTION_LABEL.sub("", text, count=1).strip()
        text = unwrap_emphasis(strip_symbols(text))
        if len(text) > 2 and (text[0], text[-1]) in (('"', '"'), ("“", "”"), ("'", "'")):
            text = text[1:-1].strip()  # a follow-up quoted as the interviewer would say it
        if text == before:
            break
    return text.strip()


def strip_answer_label(text: str) -> str:
    """An answer without its leading label ("**Answer:** X" -> "X", "답변\\n\\nX" -> "X")."""
    text = text.strip()
    first, _, rest = text.partition("\n")
    if is_answer_label(first):
        return rest.strip()
    return ANSWER_LABEL.sub("", text, count=1).strip()


# -- answers that look cut off -------------------------------------------------------------------------

_TERMINAL_PUNCTUATION = frozenset(".!?。！？…)]}）」』〉》:：;；\"'”’`*_~>")
# Korean endings after which a sentence cannot stop: verb stems (있으, 되), particles and connectives.
# Left out on purpose: endings that also end common nouns (추가, 결과, 경로, 정의, 참고, 저하, 속도 ...).
_OPEN_KOREAN_ENDINGS = (
    "으", "있", "없", "되", "및", "그리고", "또는", "를", "을", "는", "은", "며",
    "하여", "하고", "지만", "거나", "에서", "으로", "에게",
)
_OPEN_ENGLISH_WORDS = frozenset({"the", "a", "an", "and", "or", "of", "to", "with", "from", "that"})


def looks_cut_off(answer: str) -> bool:
    """True when the answer ends in a paragraph that stops where no sentence can ("...담고 있으")."""
    last = answer.rstrip().rsplit("\n", 1)[-1].strip()
    if not last or last[-1] in _TERMINAL_PUNCTUATION or not _stops_open(last):
        return False  # most answers: no need to parse
    blocks = [token for token in parse_markdown(answer, inline=False) if token.level == 0 and token.nesting != -1]
    return bool(blocks) and blocks[-1].type == "paragraph_open"  # a list, a table or code may end anywhere


def _stops_open(line: str) -> bool:
    """Whether a line of prose stops on a word no sentence ends with."""
    word = line.split()[-1]
    if "\uac00" <= word[-1] <= "\ud7a3":  # a Hangul syllable
        return word.endswith(_OPEN_KOREAN_ENDINGS)
    return len(line.split()) > 2 and word.casefold() in _OPEN_ENGLISH_WORDS

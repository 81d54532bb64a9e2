"""The notes reader: a markdown notes file in, (question, answer, line) found and candidates skipped out.

The file is parsed once with markdown-it-py (bot.core.markdown); the reader walks its top-level blocks
and their line maps, never regexes over lines. Answers are the notes' own markdown, cut from the source
by line, with HTML that only wraps text removed and HTML that means something turned into markdown.

Shapes read, mixed freely in one file:

* a heading and its answer (the answer runs to the next heading of the same or a higher level; a single
  fenced block without a language is unwrapped: the seed's shape);
* a question heading with an answer-label heading under it ("#### 답변"): the label's content is the
  answer, other sub-headings belong to it, and follow-up question headings are questions of their own;
* an id heading ("### K8S-001") whose question is the next paragraph;
* `<details><summary>`, the summary holding the question or only a label (then the question is the
  heading or paragraph just before the block);
* `Q:`/`A:` labels in their common spellings, bold questions, and list items that hold a question and
  its answer;
* Obsidian spaced-repetition cards (`q::a`, `q:::a`, multi-line cards around a `?` or `??` line);
* notes wrapped in a ```markdown fence before their first heading (text pasted from a chat assistant).

A heading with questions under it is a section (its name may give their topic), never a question.
"""

from __future__ import annotations

import html
import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin

from markdown_it.token import Token

from bot.core.html_to_markdown import html_to_markdown
from bot.core.markdown import parse_markdown
from bot.core.notes_text import (
    asks_plainly,
    clean_question,
    has_answer_label,
    has_question_label,
    is_answer_label,
    is_document_part,
    is_follow_up_title,
    is_id_only,
    is_reference_title,
    normalise_question,
    reads_as_question,
    strip_answer_label,
    unwrap_emphasis,
)
from bot.core.topics import detect_topic

_DETAILS_OPEN = re.compile(r"<details(?:\s[^>]*)?>", re.IGNORECASE)
_DETAILS_CLOSE = re.compile(r"</details\s*>", re.IGNORECASE)
# Tags that HTML in notes really uses; `List<String>` in prose is text, not a tag to drop.
_KNOWN_TAG = re.compile(r"</?(?:b|strong|i|em|u|s|del|strike|br|p|span|div|code|pre|kbd|a|img|sub|sup|mark|small|"
                        r"font|center|ul|ol|li|table|tr|td|th|thead|tbody|blockquote|hr|h[1-6]|details|summary)\b",
                        re.IGNORECASE)
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+\1", re.DOTALL)
_DETAILS_TAG = re.compile(r"</?(?:details|summary)\b", re.IGNORECASE)
_SUMMARY = re.compile(r"<summary(?:\s[^>]*)?>(.*?)</summary\s*>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_LINK = re.compile(r"\[[^\]]*\]\([^)]*\)|<https?://[^>]+>|https?://\S+")
_IMAGE_ONLY = re.compile(r"^!\[[^\]]*\]\((?P<url>[^)\s]+)(?:\s+\"[^\"]*\")?\)$")
_MARKUP_ONLY = re.compile(r"[\s*_`~#>|\-=+.:]+")  # what an answer of no words is made of ("- ÷" has one)
# An image at a relative path can be shown by no chat: it leaves the answer.
_RELATIVE_IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\((?!https?://)(?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_LONE_ITEM = re.compile(r"^(?:[-*+]|1[.)])\s+")
_IMAGES = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_FOOTNOTE_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
_CARD_SEPARATOR = re.compile(r"(?<!:):{2,3}(?!:)")
_SR_COMMENT = re.compile(r"<!--SR:.*?-->")
_WRAPPER_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*(markdown|md)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Found:
    """A question read from the notes, with its 0-based line and the section it sits in."""

    question: str
    answer: str
    line: int
    section: str | None = None


@dataclass(frozen=True)
class Skipped:
    """A candidate that is not a question, with its 0-based line and why."""

    line: int
    text: str
    reason: str


@dataclass
class Reading:
    """What one file holds."""

    found: list[Found] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    front_matter: dict[str, str] = field(default_factory=dict)


@dataclass
class Block:
    """One top-level markdown block: its kind, its 0-based first line, its source and its tokens."""

    kind: str  # heading, paragraph, fence, code, html, list, table, quote, hr, details
    line: int
    source: str
    tokens: list[Token]
    end: int = 0         # 0-based line after the block
    level: int = 0       # heading level
    text: str = ""       # a heading's or paragraph's inline source, a fence's info
    summary: str | None = None   # details: the summary's HTML, None when it has none
    summary_line: int = 0        # details: the summary's 0-based line
    body: list[Block] = field(default_factory=list)  # details: the blocks inside
    asks: bool | None = None     # whether it holds a question of its own (_asks_alone), once known
    items: list | None = None    # a list's (line, question, answer) items (_list_items), once known

    @property
    def has_html(self) -> bool:
        """Whether the block holds HTML tags (outside code)."""
        return self.kind == "html" or any(
            token.type == "inline" and "<" in token.content and _KNOWN_TAG.search(_CODE_SPAN.sub("", token.content))
            for token in self.tokens)


def read_notes(text: str, image_base: str | None = None) -> Reading:
    """Read one markdown notes file; an image at a relative path resolves against `image_base` (the
    URL of the file's folder), or shows its alt text when there is none."""
    lines, wrapper_end = _without_wrapper_fence(
        text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))
    reading = Reading()
    tokens = parse_markdown("\n".join(lines), front_matter=True, inline=False)
    if tokens and tokens[0].type == "front_matter" and not _is_key_values(tokens[0].content):
        tokens = parse_markdown("\n".join(lines), inline=False)  # a thematic break at the top, not front matter
    blocks, footnotes, reading.front_matter = _blocks(tokens, lines, 0)
    _Walker(reading, footnotes, image_base).run(blocks, wrapper_end)
    return reading


def _dedent(text: str) -> str:
    """textwrap.dedent, without its regexes when no line is indented (most blocks of notes)."""
    if text[:1].isspace() or "\n " in text or "\n\t" in text:
        return textwrap.dedent(text)
    return text


# -- blocks ---------------------------------------------------------------------------------------------

def _without_wrapper_fence(text: str) -> tuple[list[str], int | None]:
    """The lines, with a ```markdown fence that wraps the notes (before any heading) opened up.

    Pasted from a chat assistant, such a fence holds code fences of its own, which CommonMark lets
    close it early. So it is read by line: a fence with a language opens inner code, the next bare
    fence closes that, and a bare fence with no inner code open closes the wrapper. Also returns the
    wrapper's closing line: what follows it (the assistant's chatter) is no answer's part."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if line.strip().startswith("#"):
            return lines, None
        if (opening := _WRAPPER_FENCE.match(line)) is None:
            continue
        marker, inner = opening.group(1), False
        for end in range(index + 1, len(lines)):
            fence = lines[end].strip()
            if not fence.startswith(marker[0] * 3):
                continue
            if fence.strip(marker[0]).strip():
                inner = True  # ```dockerfile: code inside the notes
            elif inner:
                inner = False
            elif len(fence) >= len(marker):
                return [*lines[:index], "", *lines[index + 1:end], "", *lines[end + 1:]], end
        return [*lines[:index], "", *lines[index + 1:]], None
    return lines, None


def _blocks(tokens: list[Token], lines: list[str], offset: int) -> tuple[list[Block], dict[str, str], dict]:
    """Top-level blocks (details grouped), footnote definitions by label, front matter."""
    blocks: list[Block] = []
    footnotes: dict[str, str] = {}
    front: dict[str, str] = {}
    position = 0
    while position < len(tokens):
        token = tokens[position]
        end = _closing(tokens, position)
        if token.type == "front_matter":
            front = _front_matter(token.content)
        elif token.type == "footnote_reference_open":
            footnotes[token.meta.get("label", "")] = " ".join(
                t.content for t in tokens[position:end + 1] if t.type == "inline").strip()
        elif token.map is not None:
            start, stop = token.map
            source = "\n".join(lines[start:stop])
            kind = _KINDS.get(token.type, token.type)
            block = Block(kind, offset + start, source, tokens[position:end + 1], end=offset + stop)
            if kind == "heading":
                block.level, block.text = int(token.tag[1]), tokens[position + 1].content.strip()
            elif kind == "paragraph":
                block.text = tokens[position + 1].content
            elif kind == "fence":
                block.text = token.info.strip()
            if kind == "html" and not _DETAILS_TAG.search(source):
                # HTML around notes (a <div> card, <p>, <strong>Question:</strong>): read as the markdown
                # it stands for. Only tags and no text (a <br>, a comment) leaves nothing.
                converted = html_to_markdown(source)
                inner, _, _ = _blocks(parse_markdown(converted, inline=False), converted.split("\n"), offset + start)
                blocks.extend(inner)
            else:
                blocks.append(block)
        position = end + 1
    return _group_details(blocks, lines, offset), footnotes, front


_KINDS = {"heading_open": "heading", "paragraph_open": "paragraph", "fence": "fence", "code_block": "code",
          "html_block": "html", "bullet_list_open": "list", "ordered_list_open": "list", "table_open": "table",
          "blockquote_open": "quote", "hr": "hr"}


def _closing(tokens: list[Token], position: int) -> int:
    """Index of the token that closes the one at `position` (itself when it is not an opening)."""
    if tokens[position].nesting != 1:
        return position
    depth = 0
    for index in range(position, len(tokens)):
        depth += tokens[index].nesting
        if depth == 0:
            return index
    return len(tokens) - 1


def _is_key_values(content: str) -> bool:
    """Whether front matter reads as YAML `key: value` lines (else the `---` were thematic breaks)."""
    return all(re.match(r"[A-Za-z_][\w-]*\s*:", line) or not line.strip() or line[0] in " \t-"
               for line in content.splitlines())


def _front_matter(content: str) -> dict[str, str]:
    """Simple `key: value` pairs of the front matter (the keys the bank uses: title, language, topic)."""
    values = {}
    for line in content.splitlines():
        key, colon, value = line.partition(":")
        if colon and key.strip() and not line[0].isspace() and not line.startswith("- "):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            values[key.strip().lower()] = value
    return values


def _group_details(blocks: list[Block], lines: list[str], offset: int) -> list[Block]:
    """Blocks with each `<details>` region (which markdown splits at blank lines) made one block.

    A region ends on the line that closes it; what follows on the same block (another `<details>`
    right after a `</details>`) is read as a block of its own."""
    blocks = list(blocks)
    grouped: list[Block] = []
    index = 0
    while index < len(blocks):
        block = blocks[index]
        if block.kind not in ("html", "paragraph") or not _DETAILS_OPEN.search(block.source):
            grouped.append(block)
            index += 1
            continue
        depth, last, stop, opened = 0, len(blocks) - 1, None, False
        for last in range(index, len(blocks)):
            for number, text in enumerate(blocks[last].source.split("\n")):
                opens = len(_DETAILS_OPEN.findall(text))
                if not (opened or opens):
                    continue  # a stray </details> before this block's <details>
                opened = True
                depth += opens - len(_DETAILS_CLOSE.findall(text))
                if depth <= 0 and _DETAILS_CLOSE.search(text):
                    stop = blocks[last].line + number + 1
                    break
            if stop is not None:
                break
        closing = blocks[last]
        stop = stop if stop is not None else closing.end
        grouped.append(_details(lines[block.line - offset:stop - offset], block.line, blocks[index:last + 1]))
        rest = lines[stop - offset:closing.end - offset]
        if any(line.strip() for line in rest):
            blocks.insert(last + 1, Block("html", stop, "\n".join(rest), [], end=closing.end))
        index = last + 1
    return grouped


def _details(lines: list[str], line: int, parts: list[Block]) -> Block:
    """A `<details>` region read into its summary and the blocks of its body.

    Blocks that lie wholly inside the body are kept as the file's parse read them; only the pieces that
    share a line or a block with the tags (text after `</summary>`, before `</details>`) are parsed again."""
    region = "\n".join(lines)
    opening = _DETAILS_OPEN.search(region)
    closings = [closing for closing in _DETAILS_CLOSE.finditer(region) if closing.start() >= opening.end()]
    inner_end = closings[-1].start() if closings else len(region)
    summary = _SUMMARY.search(region, opening.end(), inner_end)
    body_start = summary.end() if summary else opening.end()
    starts = [0]
    for text in lines:
        starts.append(starts[-1] + len(text) + 1)
    body: list[Block] = []
    for part in parts:
        part_start = starts[min(part.line - line, len(lines))]
        part_end = starts[min(part.end - line, len(lines))] - 1
        low, high = max(part_start, body_start), min(part_end, inner_end)
        if low >= high:
            continue
        if (low, high) == (part_start, part_end):
            body.append(part)
        elif (text := _dedent(region[low:high])).strip():
            inner, _, _ = _blocks(parse_markdown(text, inline=False), text.split("\n"), line + region.count("\n", 0, low))
            body.extend(inner)
    return Block("details", line, region, [t for part in parts for t in part.tokens], end=line + len(lines),
                 text=region[:opening.start()].strip(), summary=summary.group(1) if summary else None,
                 summary_line=line + region.count("\n", 0, summary.start()) if summary else line,
                 body=_group_details(body, lines, line))


# -- the walk -------------------------------------------------------------------------------------------

@dataclass
class _Section:
    """A heading, the blocks before the next heading, and the deeper sections under it."""

    heading: Block
    own: list[Block]
    children: list[_Section]


def _sections(blocks: list[Block], boundary: int | None) -> tuple[list[Block], list[_Section]]:
    """The blocks outside any section (before the first heading, or after the `boundary` line that
    closes every section), and the heading tree."""
    preamble: list[Block] = []
    roots: list[_Section] = []
    stack: list[_Section] = []
    for block in blocks:
        if boundary is not None and block.line > boundary:
            stack, boundary = [], None
        if block.kind == "heading":
            section = _Section(block, [], [])
            while stack and stack[-1].heading.level >= block.level:
                stack.pop()
            (stack[-1].children if stack else roots).append(section)
            stack.append(section)
        elif stack:
            stack[-1].own.append(block)
        else:
            preamble.append(block)
    return preamble, roots


class _Walker:
    """Walks a file's sections and blocks, collecting what it finds into a Reading."""

    def __init__(self, reading: Reading, footnotes: dict[str, str], image_base: str | None = None):
        self.reading = reading
        self.footnotes = footnotes
        self.image_base = image_base
        self.questions_file = False

    def run(self, blocks: list[Block], boundary: int | None) -> None:
        """Read the whole file; no section runs past the `boundary` line."""
        preamble, roots = _sections(blocks, boundary)
        # A file whose leaf headings mostly ask is a file of questions: its topic-like headings
        # ("쿠버네티스 컨셉") are questions too. Elsewhere (a blog post) they are the text's own parts.
        self.questions_file = _mostly_asking(roots)
        self.blocks(preamble, None)
        for section in roots:
            self.section(section, None)

    # sections

    def section(self, section: _Section, topic: str | None) -> None:
        """Read one heading and everything under it."""
        heading = section.heading
        text = heading.text
        if not normalise_question(text):
            self.skip(heading.line, text, "empty heading")
            self.blocks(section.own, topic)
            self.sections(section.children, topic)
            return
        if is_reference_title(text) and not (_holds_questions(section.own) or section.children):
            self.skip(heading.line, text, "references or table of contents")
            return
        if is_answer_label(text):
            self.skip(heading.line, text, "answer label with no question above it")
            self.sections(section.children, topic)
            return
        if is_id_only(text):
            self.id_heading(section, topic)
            return
        asks = reads_as_question(text) and not is_document_part(text)
        if asks and any(is_answer_label(child.heading.text) for child in section.children):
            self.labelled(section, topic)
            return
        children_ask = any(self.candidate(child) for child in section.children)
        if section.children and (children_ask or not asks):
            # A section: its own text is an introduction, unless it asks and has an answer of its own.
            lead, rest = _split_lead(section.own)
            if asks and lead and children_ask:
                self.question(text, lead, heading.line, topic)
                self.blocks(rest, topic)
            else:
                self.skip(heading.line, text, "section heading" if section.children else "document title")
                topic = _section_topic(text) or topic
                self.blocks(section.own, topic)
            self.sections(section.children, topic)
            return
        if _holds_questions(section.own):
            lead, rest = _split_lead(section.own)
            if asks and lead:
                self.question(text, lead, heading.line, topic)
            else:
                self.skip(heading.line, text, "section heading")
                topic = _section_topic(text) or topic
            self.blocks(rest if asks and lead else section.own, topic)
            return
        answer = section.own + [b for child in _walk(section.children) for b in (child.heading, *child.own)]
        text, answer = _with_question_context(text, answer)
        if not asks and not (self.questions_file and not is_document_part(text)):
            if answer and not _mostly_links(self.answer(answer)):
                self.skip(heading.line, text, "heading does not read as a question")
            return
        self.question(text, answer, heading.line, topic)

    def sections(self, sections: list[_Section], topic: str | None) -> None:
        """Read sibling sections."""
        for section in sections:
            self.section(section, topic)

    def candidate(self, section: _Section) -> bool:
        """Whether a section is (or holds) a question on its own: then its parent is only a section."""
        text = section.heading.text
        if is_answer_label(text) or is_reference_title(text) or not normalise_question(text):
            return False
        if asks_plainly(text) or is_id_only(text) or _holds_questions(section.own):
            return True
        return any(self.candidate(child) for child in section.children)

    def id_heading(self, section: _Section, topic: str | None) -> None:
        """`### K8S-001` followed by the question's paragraph and then its answer."""
        blocks = section.own + [b for child in _walk(section.children) for b in (child.heading, *child.own)]
        if not blocks or blocks[0].kind != "paragraph":
            self.skip(section.heading.line, section.heading.text, "id heading with no question under it")
            return
        question, answer = _question_and_rest(blocks)
        self.question(question, answer, blocks[0].line, topic)

    def labelled(self, section: _Section, topic: str | None) -> None:
        """A question heading with an answer-label heading under it; follow-up questions read apart."""
        answer = list(section.own)
        follow_ups: list[_Section] = []

        def collect(children: list[_Section]) -> None:
            for child in children:
                text = child.heading.text
                if not is_answer_label(text) and asks_plainly(text):
                    follow_ups.append(child)  # "꼬리 질문 1: ...?": a question of its own, with what is under it
                    continue
                if not is_answer_label(text):
                    answer.append(child.heading)  # "비교표", "Example": part of the answer
                answer.extend(child.own)
                collect(child.children)

        collect(section.children)
        asked = next((c for c in section.children if normalise_question(c.heading.text) in _QUESTION_HEADINGS), None)
        if asked is not None and asked.own:  # "### Question" under a title: the question is its text
            answer = [block for block in answer if block is not asked.heading and block not in asked.own]
            question = "\n\n".join(_dedent(block.source) for block in asked.own)
            self.question(question, answer, asked.own[0].line, topic)
        else:
            self.question(section.heading.text, answer, section.heading.line, topic)
        for follow_up in follow_ups:
            self.section(follow_up, topic)

    # blocks without headings

    def blocks(self, blocks: list[Block], topic: str | None) -> None:
        """Questions held in a run of blocks: details, Q:/A:, bold questions, question lists, cards."""
        index = 0
        while index < len(blocks):
            block = blocks[index]
            if block.kind == "details":
                self.details(block, _question_run(blocks[:index]), topic)
                index += 1
            elif block.kind == "paragraph" and _opens_question(block):
                end = _answer_end(blocks, index + 1)
                if has_question_label(block.text) and not _has_answer_label(blocks[index:end]):
                    self.skip(block.line, block.text.split("\n")[0], "question label with no answer label")
                    index += 1
                    continue
                if index + 1 < end and blocks[index + 1].kind == "details" and _label_summary(blocks[index + 1]):
                    index += 1  # a label-only details block: it reads its question from this paragraph
                    continue
                question, answer = _question_and_rest(blocks[index:end])
                self.question(question, answer, block.line, topic)
                index = end
            elif block.kind == "list" and _list_of_questions(block):
                self.question_list(block, topic)
                index += 1
            elif block.kind == "paragraph" and _has_cards(block):
                self.cards(block, topic)
                index += 1
            elif block.kind == "table" and (rows := _qa_table(block)):
                for line, question, answer in rows:
                    self.question_text(question, answer, line, topic)
                index += 1
            elif block.kind == "table" and _mostly_links(block.source):
                self.skip(block.line, block.source.split("\n")[0], "table of links")
                index += 1
            else:
                index += 1

    def details(self, block: Block, before: list[Block] | None, topic: str | None) -> None:
        """A `<details>` block: its summary is the question, or a label with the question before it
        (the blocks since the last heading, rule or details block; a heading's answer when none)."""
        summary = _summary_text(block.summary or "")
        if block.summary is None:
            self.skip(block.line, block.text or "<details>", "details block without a summary")
            return
        if is_answer_label(summary):
            if block.text:
                self.question(block.text, block.body, block.line, topic)
            elif before:
                question = "\n\n".join(_dedent(b.source) for b in before)
                self.question(question, block.body, before[0].line, topic)
            elif before is None:
                self.skip(block.line, summary, "answer label with no question above it")
            return  # after a heading, the heading's answer was this block
        self.question(summary, block.body, block.summary_line, topic)

    def question_list(self, block: Block, topic: str | None) -> None:
        """A list whose items each hold a question and its answer."""
        for item_line, question, answer in _list_items(block):
            if answer.strip():
                self.question_text(question, answer, item_line, topic)
            else:
                self.skip(item_line, question, "question without an answer")

    def cards(self, block: Block, topic: str | None) -> None:
        """Obsidian spaced-repetition cards in a paragraph."""
        lines = _SR_COMMENT.sub("", block.text).split("\n")
        separators = [i for i, line in enumerate(lines) if line.strip() in ("?", "??")]
        if separators:
            split = separators[0]
            question, answer = "\n".join(lines[:split]), "\n".join(lines[split + 1:])
            self.question_text(question, answer, block.line, topic)
            if lines[split].strip() == "??":
                self.question_text(answer, question, block.line, topic)
            return
        for offset, line in enumerate(lines):
            parts = _CARD_SEPARATOR.split(_without_code(line), maxsplit=1)
            if len(parts) != 2:
                continue
            separator = _CARD_SEPARATOR.search(_without_code(line)).group()
            split = _CARD_SEPARATOR.search(_without_code(line))
            question, answer = line[:split.start()], line[split.end():]
            self.question_text(question, answer, block.line + offset, topic)
            if separator == ":::":
                self.question_text(answer, question, block.line + offset, topic)

    # results

    def question(self, question: str, answer_blocks: list[Block], line: int, topic: str | None) -> None:
        """Record a question whose answer is the given blocks, or skip it and say why; follow-up
        questions in the answer (nested details, a "꼬리 질문" section) are questions of their own."""
        answer_blocks, follow_ups = _without_follow_ups(answer_blocks)
        self.question_text(question, self.answer(answer_blocks), line, topic, answer_blocks)
        self.blocks(follow_ups, topic)

    def question_text(self, question: str, answer: str, line: int, topic: str | None,
                      answer_blocks: list[Block] | None = None) -> None:
        """Record a question with its answer's markdown, or skip it and say why."""
        question = clean_question(_plain_inline(question))
        image = _IMAGE_ONLY.match(strip_answer_label(answer))
        answer = _clean_answer(_with_images_resolved(answer, self.image_base), self.footnotes)
        reason = _not_a_question(question, answer, answer_blocks or [])
        if image and not self.image_base and not image.group("url").startswith(("http://", "https://")):
            reason = "answer is only an image at a relative path"
        if reason:
            self.skip(line, question, reason)
        else:
            self.reading.found.append(Found(question, answer, line, topic))

    def answer(self, blocks: list[Block]) -> str:
        """The markdown of answer blocks, spaced as in the notes: details opened, HTML made markdown."""
        text, previous_end = "", None
        for block in _without_reference_tail(blocks):
            part = self.block_markdown(block)
            if not part.strip():
                continue
            if text:
                text += "\n" if block.line == previous_end else "\n\n"
            text, previous_end = text + part, block.end
        return text

    def block_markdown(self, block: Block) -> str:
        """One answer block as markdown."""
        if block.kind == "details":
            return self.answer(block.body)
        if block.kind == "html" and not _TAG.sub("", block.source).strip():
            return ""  # only tags (a lone </details>, <br>): nothing to show
        if block.has_html and block.kind not in ("fence", "code"):
            return html_to_markdown(_dedent(block.source))
        return _dedent(block.source)

    def skip(self, line: int, text: str, reason: str) -> None:
        """Record a candidate that is not a question."""
        self.reading.skipped.append(Skipped(line, " ".join(_plain(text).split())[:80], reason))


# -- block rules ----------------------------------------------------------------------------------------

def _walk(sections: list[_Section]) -> Iterator[_Section]:
    """Every section, depth first, in document order."""
    for section in sections:
        yield section
        yield from _walk(section.children)


def _mostly_asking(roots: list[_Section]) -> bool:
    """Whether at the level where the file's questions sit, at least three headings in four ask (and
    three at least): then its topic-like headings there ("쿠버네티스 컨셉") are questions too."""
    headings = [s.heading for s in _walk(roots) if s.own and not _holds_questions(s.own) and not (
        is_answer_label(s.heading.text) or is_reference_title(s.heading.text) or is_document_part(s.heading.text))]
    asking = [h for h in headings if reads_as_question(h.text)]
    if len(asking) < 3:
        return False
    levels = [h.level for h in asking]
    level = max(set(levels), key=levels.count)
    at_level = [h for h in headings if h.level == level]
    return sum(h.level == level for h in asking) * 4 >= len(at_level) * 3


def _holds_questions(blocks: list[Block]) -> bool:
    """Whether blocks hold questions of their own (not a label-only details block, which is an answer)."""
    return any(_asks_alone(b) or (b.kind == "details" and b.summary is not None and index
                                  and blocks[index - 1].kind in ("paragraph", "list"))
               for index, b in enumerate(blocks))


def _asks_alone(block: Block) -> bool:
    """Whether one block holds a question of its own (worked out once per block: the walk asks often)."""
    if block.asks is None:
        b = block
        block.asks = bool(
            (b.kind == "details" and b.summary is not None and (not _label_summary(b) or bool(b.text)))
            or (b.kind == "paragraph" and (_opens_question(b) or _has_cards(b)))
            or (b.kind == "list" and _list_of_questions(b) and any(a.strip() for _, _, a in _list_items(b)))
            or (b.kind == "table" and bool(_qa_table(b))))
    return block.asks


def _split_lead(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """The blocks before the first one that starts a question of its own, and the rest."""
    for index, block in enumerate(blocks):
        following = blocks[index + 1] if index + 1 < len(blocks) else None
        if _holds_questions([block]) or (block.kind in ("paragraph", "list") and following is not None
                                         and following.kind == "details" and _label_summary(following)):
            return blocks[:index], blocks[index:]
    return blocks, []


def _label_summary(block: Block) -> bool:
    return block.summary is not None and is_answer_label(_plain(block.summary))



def _opens_question(block: Block) -> bool:
    """A paragraph that asks: with a question label, or wholly bold and asking."""
    first = block.text.split("\n", 1)[0].strip()
    if has_question_label(first):
        return True
    whole = block.text.strip()
    return whole != unwrap_emphasis(whole) and reads_as_question(whole) and "\n" not in whole


def _answer_end(blocks: list[Block], index: int) -> int:
    """Where the answer that starts at `index` ends: at the next block that opens a question."""
    while index < len(blocks) and not (
            blocks[index].kind == "paragraph" and _opens_question(blocks[index])
            or blocks[index].kind == "details" and not _label_summary(blocks[index])):
        index += 1
    return index


def _question_and_rest(blocks: list[Block]) -> tuple[str, list[Block]]:
    """The question held by the first block(s), and the answer blocks after it.

    A labelled paragraph may carry its answer after an `A:` line; code blocks between a question and its
    answer label belong to the question."""
    first = blocks[0]
    lines = first.text.split("\n")
    for index, line in enumerate(lines[1:], start=1):
        if has_answer_label(line) or is_answer_label(line):
            rest = Block("paragraph", first.line + index, "\n".join(lines[index:]), [])
            return "\n".join(lines[:index]), [rest, *blocks[1:]]
    question, rest = first.text, blocks[1:]
    codes = 0
    while codes < len(rest) and rest[codes].kind in ("fence", "code"):
        codes += 1
    if codes and codes < len(rest) and _starts_with_label(rest[codes]):
        question = "\n\n".join([question, *(block.source for block in rest[:codes])])
        rest = rest[codes:]
    return question, rest


def _with_question_context(question: str, blocks: list[Block]) -> tuple[str, list[Block]]:
    """A heading's question with the blocks before its answer's label (code to read, a scenario), and
    the answer from the label on; unchanged when no label follows them."""
    for index, block in enumerate(blocks):
        if block.kind not in ("paragraph", "fence", "code", "list", "table", "quote"):
            break
        if index and _starts_with_label(block):
            context = "\n\n".join(_dedent(b.source) for b in blocks[:index])
            return f"{question}\n\n{context}", blocks[index:]
    return question, blocks


def _has_answer_label(blocks: list[Block]) -> bool:
    """Whether a labelled question's blocks hold its answer's label (on a later line or block)."""
    lines = blocks[0].text.split("\n")[1:]
    if any(has_answer_label(line) or is_answer_label(line) for line in lines):
        return True
    rest = [b for b in blocks[1:] if b.kind not in ("fence", "code")]
    return bool(rest) and _starts_with_label(rest[0])


def _without_reference_tail(blocks: list[Block]) -> list[Block]:
    """Answer blocks without a trailing "References" label and the links under it."""
    if len(blocks) >= 2 and blocks[-1].kind in ("list", "paragraph") and _mostly_links(blocks[-1].source):
        label = blocks[-2]
        label_text = label.text if label.kind in ("heading", "paragraph") else ""
        if is_reference_title(unwrap_emphasis(label_text).rstrip(":：")):
            return blocks[:-2]
    return blocks


def _starts_with_label(block: Block) -> bool:
    if block.kind == "details":
        return _label_summary(block)
    first = block.source.split("\n", 1)[0]
    return has_answer_label(first) or is_answer_label(first)


def _list_of_questions(block: Block) -> bool:
    """A list whose items all start with a question."""
    items = _list_items(block)
    return bool(items) and all(asks_plainly(question) or (
        question != unwrap_emphasis(question) and reads_as_question(question)) for _, question, _ in items)


def _list_items(block: Block) -> list[tuple[int, str, str]]:
    """(line, first paragraph, rest of the item) for each item of a list."""
    if block.items is None:
        block.items = _read_list_items(block)
    return block.items


def _read_list_items(block: Block) -> list[tuple[int, str, str]]:
    items, tokens = [], block.tokens
    lines = block.source.split("\n")
    depth = 0
    for index, token in enumerate(tokens):
        depth += token.nesting if token.type.startswith(("list_item", "bullet_list", "ordered_list")) else 0
        if token.type == "list_item_open" and depth == 2 and token.map:
            start, stop = token.map[0] - tokens[0].map[0], token.map[1] - tokens[0].map[0]
            inline = next((t for t in tokens[index:] if t.type == "inline"), None)
            question = inline.content if inline is not None and inline.map and inline.map[0] == token.map[0] else ""
            question_lines = (inline.map[1] - inline.map[0]) if question else 1
            answer = _dedent("\n".join(lines[start + question_lines:stop]))
            if "→" in question:  # '"Why?" → because ...': a follow-up and its answer on one item
                question, _, first = question.partition("→")
                answer = (first.strip() + "\n\n" + answer).strip()
            items.append((block.line + start, question.strip(), answer))
    return items


def _without_follow_ups(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """Answer blocks (a label-only details block opened), and the blocks holding follow-up questions:
    details blocks with a question summary, and what is under a "꼬리 질문" or "Follow-up" heading."""
    answer: list[Block] = []
    follow_ups: list[Block] = []
    under: int | None = None  # the level of the follow-up heading being read
    for block in _opened(blocks):
        if under is not None and not (block.kind == "heading" and block.level <= under):
            follow_ups.append(block)
        elif block.kind == "heading" and is_follow_up_title(block.text):
            under = block.level
        elif block.kind == "details" and block.summary is not None and not _label_summary(block):
            under = None
            follow_ups.append(block)
        else:
            under = None
            answer.append(block)
    return answer, follow_ups


def _opened(blocks: list[Block]) -> Iterator[Block]:
    """Blocks with label-only details blocks replaced by their bodies."""
    for block in blocks:
        if block.kind == "details" and _label_summary(block):
            yield from _opened(block.body)
        else:
            yield block


def _qa_table(block: Block) -> list[tuple[int, str, str]] | None:
    """(line, question, answer) rows of a table whose header names a question and an answer column."""
    rows: list[tuple[int, list[str]]] = []
    for index, token in enumerate(block.tokens):
        if token.type == "tr_open":
            cells = []
            for inner in block.tokens[index + 1:]:
                if inner.type == "tr_close":
                    break
                if inner.type == "inline":
                    cells.append(inner.content.strip())
            rows.append((token.map[0] if token.map else 0, cells))
    if len(rows) < 2 or len(rows[0][1]) < 2:
        return None
    header = [normalise_question(cell) for cell in rows[0][1][:2]]
    if header[0] not in _QUESTION_COLUMNS or not is_answer_label(header[1]) and header[1] not in _ANSWER_COLUMNS:
        return None
    first = block.tokens[0].map[0]
    return [(block.line + line - first, cells[0], cells[1]) for line, cells in rows[1:] if len(cells) >= 2]


_QUESTION_HEADINGS = frozenset({"question", "questions", "q", "질문", "문제", "problem", "scenario", "task"})
_QUESTION_COLUMNS = frozenset({"question", "questions", "q", "질문", "문제", "term", "front", "prompt"})
_ANSWER_COLUMNS = frozenset({"answer", "answers", "a", "답", "답변", "정답", "definition", "back", "meaning"})


def _has_cards(block: Block) -> bool:
    """A paragraph holding spaced-repetition cards."""
    lines = block.text.split("\n")
    if any(line.strip() in ("?", "??") for line in lines[1:-1]):
        return True
    return any(_CARD_SEPARATOR.search(_without_code(line)) for line in lines)


def _without_code(line: str) -> str:
    """A line with inline code blanked out (`a::b` in code is not a card)."""
    return re.sub(r"`[^`]*`", lambda match: " " * len(match.group()), line)


def _mostly_links(source: str) -> bool:
    """Whether most non-empty table cells or list lines are links: an index of notes kept elsewhere."""
    cells = [c.strip() for row in source.split("\n") for c in row.strip().strip("|").split("|")]
    cells = [c for c in cells if c and not set(c) <= set("-: ")]
    return bool(cells) and sum(bool(_LINK.search(c)) for c in cells) * 2 > len(cells)


def _question_run(before: list[Block]) -> list[Block] | None:
    """The blocks a label-only details block answers: those since the last heading, rule or details
    block, from the last one that asks plainly; [] right after a heading; None at the start."""
    start = len(before)
    while start and before[start - 1].kind not in ("heading", "hr", "details"):
        start -= 1
    run = before[start:]
    if not run:
        return [] if start else None
    asking = [i for i, b in enumerate(run) if asks_plainly(b.text.split("\n")[0] if b.kind == "paragraph"
                                                          else _first_line_text(b))]
    return run[asking[-1]:] if asking else run


def _first_line_text(block: Block) -> str:
    """A block's first line without its list marker."""
    first = block.source.split("\n", 1)[0].strip()
    return re.sub(r"^(?:[-*+]|\d+[.)])\s+", "", first)


def _section_topic(heading: str) -> str | None:
    """The topic a section heading names ("## Docker Interview Questions", "Section-6 (Jenkins)");
    a document's own parts ("Introduction") name none."""
    if is_document_part(heading):
        return None
    known = detect_topic(heading, "")
    if known:
        return known
    inside = re.search(r"\(([^)]+)\)", heading)
    words = [w for w in re.sub(r"[^\w\s/+#.-]", " ", inside.group(1) if inside else heading).split()
             if not w.startswith("#")]  # an Obsidian tag (#flashcards) names no topic
    noise = {"interview", "interviews", "question", "questions", "answer", "answers", "and", "q&a", "qna",
             "section", "part", "chapter", "basic", "intermediate", "advanced", "level", "beginner", "expert",
             "면접", "질문", "답변", "모음", "정리", "예상", "기술", "질문과", "top", "common", "the", "for", "with",
             "prep", "preparation", "notes", "study", "cheatsheet", "cheat", "sheet", "guide", "practice", "review",
             "노트", "공부", "학습", "대비"}
    kept = [w for w in words if w.casefold() not in noise and not re.fullmatch(r"[\d.-]+|section-\d+", w.casefold())]
    if 1 <= len(kept) <= 2 and len(" ".join(kept)) <= 24:
        return " ".join(kept).casefold()
    return None


# -- text -----------------------------------------------------------------------------------------------

def _plain(html_or_markdown: str) -> str:
    """A summary or heading as one line of text: tags removed, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", html_or_markdown)).split())


def _summary_text(summary: str) -> str:
    """A summary's question as markdown on one line: `<code>` kept as code, wrappers (`<h3>`, `<b>`) gone."""
    return unwrap_emphasis(" ".join(html_to_markdown(summary).split())) if "<" in summary else summary.strip()


def _plain_inline(text: str) -> str:
    """A one-line question with its HTML (`<b>`, `<code>`) as markdown; `List<String>` stays text."""
    if "\n" in text.strip() or not _KNOWN_TAG.search(text):
        return text
    return " ".join(html_to_markdown(text).split())


def _with_images_resolved(answer: str, image_base: str | None) -> str:
    """Images at relative paths made absolute under `image_base`, or, with none, shown as their alt
    text: no chat can show a path on the notes author's disk."""
    def resolve(match: re.Match) -> str:
        if image_base:
            return f"![{match.group('alt')}]({urljoin(image_base, match.group('url'))})"
        return match.group("alt")
    return _RELATIVE_IMAGE.sub(resolve, answer)


def _clean_answer(answer: str, footnotes: dict[str, str]) -> str:
    """An answer without its label, trailing rules, wrapping bold, footnote markers turned into text."""
    answer = _dedent(strip_answer_label(answer))
    lines = [line.rstrip() for line in answer.split("\n")]
    while lines and (not lines[-1].strip() or set(lines[-1].strip()) <= set("-*_") and len(lines[-1].strip()) >= 3):
        lines.pop()
    answer = "\n".join(lines).strip()
    answer = _FOOTNOTE_REFERENCE.sub(lambda m: f" ({footnotes[m.group(1)]})" if m.group(1) in footnotes else "",
                                     answer)
    if "\n" not in answer:
        answer = unwrap_emphasis(_LONE_ITEM.sub("", answer))  # "- 헤더(머릿말)": one item is just the answer
    plain = answer.strip()
    if plain.startswith("```") and not plain.split("\n", 1)[0].strip("`").strip():
        lines = plain.split("\n")  # one fenced block without a language: the seed's prose in a fence
        if len(lines) >= 2 and lines[-1].strip().startswith("```") and not any(
                line.strip().startswith("```") for line in lines[1:-1]):
            answer = _dedent("\n".join(lines[1:-1])).strip()
    return answer


def _not_a_question(question: str, answer: str, answer_blocks: list[Block]) -> str | None:
    """Why a (question, answer) pair is not a question, or None when it is one."""
    if not normalise_question(question) or question.strip().isdigit():
        return "empty question"
    if is_answer_label(question):
        return "label only"
    if not _MARKUP_ONLY.sub("", answer):
        return "empty answer"
    if is_answer_label(answer):
        return "answer is only a label"
    if answer_blocks and all(b.kind == "list" for b in answer_blocks if b.kind not in ("hr",)):
        lists = [b for b in answer_blocks if b.kind == "list"]
        items = [item for b in lists for item in _list_items(b)]
        if items and all(reads_as_question(q) and q.rstrip(" *_").endswith(("?", "？")) and not a.strip()
                         for _, q, a in items):
            return "answer is only a list of further questions"
        if _mostly_links(answer):
            return "answer is a list of links"
    if answer_blocks and all(b.kind == "table" for b in answer_blocks) and _mostly_links(answer):
        return "answer is a table of links"
    paragraphs = [_IMAGES.sub(" ", p) for p in answer.split("\n\n")]
    first = next((p for p in paragraphs if p.strip()), "")
    if _LINK.search(first) and not normalise_question(_POINTER_WORDS.sub(" ", _LINK.sub(" ", first))):
        return "answer is only a link"  # "See 👉 [Answer](https://...)": the answer is elsewhere
    lines = [line.strip() for line in answer.split("\n") if line.strip()]
    if lines and all(_TASK_ITEM.match(line) for line in lines):
        return "answer is a checklist"
    return None


# What is left of "See 👉 **[Answer](https://...)**" once the link is gone: pointers, not an answer.
_POINTER_WORDS = re.compile(r"(?i)\b(?:see|answer|here|click|read|more|link|full|at|the|on|in)\b|참고|링크|보기|여기")
_TASK_ITEM = re.compile(r"^[-*+]\s+\[[ xX]\]\s")

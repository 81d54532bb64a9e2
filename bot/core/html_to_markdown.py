"""HTML fragments from notes (inside `<details>` answers) and Anki flashcard fields, as markdown.

Only tags are converted; the text between them is taken as markdown already and passes through. Tags
that only wrap text (`span`, `font`, `u`, unknown tags) are dropped with their content kept; tags that
carry meaning become the matching markdown: bold, italic, strike-through, code, fenced code, lists,
links, images, GFM tables, `>` quotes, `---` rules. Headings and `<summary>` become a bold line, not a
`#` heading, because a heading inside an answer would look like the next question to the notes reader.

A fragment without any tag comes back exactly as it was, entities and all. Otherwise entities are
decoded, with one exception outside code: a `<` that would start a tag (before a letter, `/`, `!`,
`?` or at the end of a text) stays `&lt;`, so that text never turns into markup for whoever reads the
result next (the notes reader takes `<br>` and `<details>` in an answer for structure). Markdown code
(backtick spans, fenced blocks) is set aside before parsing and comes back exactly as written, so the
tags and entities inside it stay literal.

Whitespace rule:

* A fragment with only inline tags (`b`, `i`, `a`, `code`, `span`, ...) keeps its text as it is,
  newlines included: that is a markdown note with an inline `<b>` in it.
* A fragment with any block tag (`p`, `div`, `br`, `li`, `ul`, `ol`, `table`, `pre`, `h1`-`h6`,
  `blockquote`, `hr`, `details`, `summary`, ...) is HTML: runs of spaces and newlines in its text
  collapse to one space, as in a browser. Two exceptions: `<pre>` keeps its text exactly, and a text
  run that holds markdown line structure (a list item, quote, heading, table row or fence line on a
  line of its own, or a blank line between two lines of text) keeps its lines as written.

Blocks are separated by one blank line (a list nested in a list item by a line break); there is never
more than one blank line in a row outside code, and the result has no blank lines at either end.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser

# Any of these makes the fragment HTML, whose text whitespace collapses (see the module docstring).
_BLOCK_TRIGGERS = frozenset({
    "p", "div", "br", "li", "ul", "ol", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td",
    "th", "caption", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "hr", "details", "summary",
    "section", "article", "center", "header", "footer", "main", "nav", "aside", "figure", "figcaption",
    "address",
})
_BLOCKS = _BLOCK_TRIGGERS - {"br"}
_CLOSES_P = tuple(_BLOCKS - {"p"})
_BOLD_LINES = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "summary"})
_TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})
_MARKS = {"b": "**", "strong": "**", "i": "*", "em": "*", "s": "~~", "del": "~~", "strike": "~~"}
_CODE = frozenset({"code", "kbd", "samp", "tt"})
# Elements whose content is one inline piece even when blocks are inside (a link's text, code's text).
_ALWAYS_INLINE = _CODE | {"a", "img", "br"}
_DROPPED = frozenset({"script", "style", "head", "title", "template"})
# HTML's own elements. Any other "tag" in notes is a placeholder written as text (`git branch <BRANCH>`,
# `List<String>`) and stays text.
HTML_ELEMENTS = frozenset("""a abbr address area article aside audio b base bdi bdo blockquote body br button canvas
caption center cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption
figure font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link
main map mark menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp rt ruby
s samp script section select small source span strike strong style sub summary sup table tbody td template textarea
tfoot th thead time title tr track tt u ul var video wbr""".split())
_VOID = frozenset({
    "br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "embed", "source", "track",
    "param",
})
# Deeper nesting is flattened: rendering recurses, and hostile input must not exhaust the stack.
_MAX_DEPTH = 64

_LINES = re.compile(r"[^\n]*\n|[^\n]+")
_FENCE_OPEN = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})([^\n]*)")
_FENCE_CLOSE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})[ \t]*")
_BACKTICKS = re.compile(r"`+")
# Backticks around HTML code are that code's content, not a markdown span to keep as written.
_HTML_CODE_TAG = re.compile(r"</?(?:code|pre)\b", re.IGNORECASE)
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
# Markdown autolinks look like tags to HTMLParser; only the schemes notes use, so `<br:x>` stays a tag.
_AUTOLINK = re.compile(
    r"<(?:(?:https?|ftp|mailto|tg|file):[^\s<>]*|[\w.!#$%&'*+/=?^{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)>",
    re.ASCII,
)
_MARKED_SECTION_END = re.compile(r"\]\s*\]?\s*>")
_TAG_LIKE_LT = re.compile(r"<(?=[A-Za-z/!?]|\Z)")
_COLLAPSIBLE = re.compile(r"([ \t\n\r\f]+)")
_MARKDOWN_LINE = re.compile(
    r"^[ \t]*(?:[-*+][ \t]+\S|\d{1,9}[.)][ \t]+\S|>|#{1,6}[ \t]|\||`{3,}|~{3,})", re.MULTILINE
)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_AFTER_BREAK = re.compile(r"\A[ \t]*\n")
_EDGES = re.compile(r"(\s*)(.*?)(\s*)", re.DOTALL)
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:")
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")

_SPACE = object()  # a collapsible space: one at most between words, none at a line's ends
_NEWLINE = object()  # a <br>
_PARA_BREAK = object()  # a </p> with no <p> open: browsers start a new paragraph there


@dataclass(slots=True, eq=False)
class _Text:
    """A run of text; parts are ("html", decoded text) or ("raw", markdown code kept as written)."""

    parts: list[tuple[str, str]] = field(default_factory=list)

    def add(self, kind: str, text: str) -> None:
        """Append a part, joining it to the last one when both are HTML text (`<` and `b` may come apart)."""
        if kind == "html" and self.parts and self.parts[-1][0] == "html":
            self.parts[-1] = ("html", self.parts[-1][1] + text)
        elif text:
            self.parts.append((kind, text))

    def whole(self) -> str:
        """All the text, raw parts as written."""
        return "".join(text for _, text in self.parts)


@dataclass(slots=True, eq=False)
class _Node:
    """An element with its attributes and children (_Text, _Node or _PARA_BREAK)."""

    tag: str
    attrs: dict[str, str]
    children: list = field(default_factory=list)
    has_block: bool = False  # a block element somewhere inside


class _Marked(str):
    """One line between marks, remembered so that `<b>a</b><b>b</b>` becomes `**ab**`, not `**a****b**`."""

    mark: str
    core: str


def _marked(core: str, mark: str) -> str:
    """`core` between marks: a _Marked for one line, every line wrapped for several."""
    if "\n" in core:
        return _wrap(core, mark)
    marked = _Marked(f"{mark}{core}{mark}")
    marked.mark, marked.core = mark, core
    return marked


@dataclass(frozen=True, slots=True)
class _Context:
    """How to render where we are."""

    collapse: bool  # the fragment has block tags, so text whitespace collapses
    marks: tuple[str, ...] = ()  # wrap every line of every paragraph (bold headings, a <b> around blocks)
    active: frozenset[str] = frozenset()  # marks in effect, so a <b> inside a <b> adds no second **
    in_item: bool = False  # directly inside a list item: a nested list follows on the next line


def html_to_markdown(fragment: str) -> str:
    """An HTML fragment (as found in notes and flashcard exports) as markdown: tags that only wrap text
    are dropped, tags that carry meaning become the matching markdown."""
    text, raws = _set_code_aside(fragment)
    builder = _TreeBuilder(raws)
    builder.feed(text)
    builder.close()
    if not builder.saw_tag:
        return fragment
    return _render_blocks(builder.root.children, _Context(collapse=builder.saw_block)).strip("\n")


def _set_code_aside(fragment: str) -> tuple[str, list[str]]:
    """The fragment with markdown fences and code spans replaced by placeholders, and their texts."""
    if "\ue000" in fragment:  # our placeholder character is taken: leave everything to the parser
        return fragment, []
    raws: list[str] = []
    out: list[str] = []
    lines = _LINES.findall(fragment)
    prose: list[str] = []
    i = 0
    while i < len(lines):
        end = _fence_end(lines, i)
        if end is None:
            prose.append(lines[i])
            i += 1
            continue
        out.append(_set_spans_aside("".join(prose), raws))
        prose = []
        block = "".join(lines[i:end + 1])
        body = block.rstrip("\r\n")
        raws.append(body)
        out.append(f"\ue000{len(raws) - 1}\ue001{block[len(body):]}")
        i = end + 1
    out.append(_set_spans_aside("".join(prose), raws))
    return "".join(out), raws


def _fence_end(lines: list[str], start: int) -> int | None:
    """The index of the line closing a fence opened at `start`, or None (an unclosed fence is text)."""
    run = _opens_fence(lines[start].rstrip("\r\n"))
    if run:
        for j in range(start + 1, len(lines)):
            if _closes_fence(lines[j].rstrip("\r\n"), run):
                return j
    return None


def _opens_fence(line: str) -> str:
    """The backtick or tilde run of a fence opening line, else ""."""
    opening = _FENCE_OPEN.fullmatch(line)
    if not opening or opening.group(1)[0] == "`" and "`" in opening.group(2):
        return ""  # CommonMark: a backtick in the info string makes the line inline code, not a fence
    return opening.group(1)


def _closes_fence(line: str, run: str) -> bool:
    """Whether the line closes a fence opened with `run`."""
    closing = _FENCE_CLOSE.fullmatch(line)
    return bool(closing) and closing.group(1)[0] == run[0] and len(closing.group(1)) >= len(run)


def _set_spans_aside(text: str, raws: list[str]) -> str:
    """`text` with each backtick code span replaced by a placeholder (CommonMark matching)."""
    out: list[str] = []
    position = 0
    search_from = 0
    while opening := _BACKTICKS.search(text, search_from):
        closing = _BACKTICKS.search(text, opening.end())
        while closing and len(closing.group()) != len(opening.group()):
            closing = _BACKTICKS.search(text, closing.end())
        if not closing or _HTML_CODE_TAG.search(text, opening.end(), closing.start()):
            search_from = opening.end()
            continue
        out.append(text[position:opening.start()])
        raws.append(text[opening.start():closing.end()])
        out.append(f"\ue000{len(raws) - 1}\ue001")
        position = search_from = closing.end()
    out.append(text[position:])
    return "".join(out)


class _TreeBuilder(HTMLParser):
    """Builds a _Node tree, closing elements the way browsers imply (`<p>`, `<li>`, `<td>` ...)."""

    def __init__(self, raws: list[str]) -> None:
        """A builder that puts the set-aside markdown code back where its placeholders are."""
        super().__init__(convert_charrefs=True)
        self.raws = raws
        self.root = _Node("", {})
        self.stack = [self.root]
        self.saw_tag = False
        self.saw_block = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open an element (or add a void one); a markdown autolink is text."""
        if self._autolink():
            return
        if tag not in HTML_ELEMENTS:
            self.saw_tag = True  # the fragment is still HTML: its text gets HTML's escaping
            self.handle_data(self.get_starttag_text() or "")
            return
        self._saw(tag)
        self._close_implied(tag)
        if len(self.stack) > _MAX_DEPTH and tag not in _VOID:
            return
        node = _Node(tag, {name: self._restore(value or "") for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag in _BLOCKS:
            for open_node in self.stack:
                open_node.has_block = True
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """`<br/>` is one `<br>`; `<b/>` opens and closes an empty element."""
        if self._autolink():
            return
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open element of this name and all inside it; `</br>` is a `<br>`."""
        if tag not in HTML_ELEMENTS:
            self.saw_tag = True
            self.handle_data(f"</{tag}>")
            return
        self._saw(tag)
        if tag == "br":
            self.stack[-1].children.append(_Node("br", {}))
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return
        if tag == "p":
            self.stack[-1].children.append(_PARA_BREAK)

    def handle_data(self, data: str) -> None:
        """Add text, putting set-aside markdown code back as raw parts."""
        position = 0
        for placeholder in _PLACEHOLDER.finditer(data) if self.raws else ():
            self._add_text("html", data[position:placeholder.start()])
            self._add_text("raw", self.raws[int(placeholder.group(1))])
            position = placeholder.end()
        self._add_text("html", data[position:])

    def handle_comment(self, data: str) -> None:
        """Comments are dropped, but they are tags: the fragment is HTML."""
        self.saw_tag = True

    def handle_decl(self, decl: str) -> None:
        """A doctype is dropped."""
        self.saw_tag = True

    def handle_pi(self, data: str) -> None:
        """A processing instruction is dropped."""
        self.saw_tag = True

    def unknown_decl(self, data: str) -> None:
        """A CDATA or other marked section is dropped, as browsers do in HTML."""
        self.saw_tag = True

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        """Skip `<![...]>`: the standard one raises AssertionError on keywords it does not know."""
        if end := _MARKED_SECTION_END.search(self.rawdata, i + 3):
            self.unknown_decl(self.rawdata[i + 3:end.start()])
            return end.end()
        # Unclosed: a bogus comment up to the next `>`, as in browsers (not text that hides tags).
        end_of_comment = self.rawdata.find(">", i + 3)
        if end_of_comment < 0:
            return -1
        self.unknown_decl(self.rawdata[i + 3:end_of_comment])
        return end_of_comment + 1

    def close(self) -> None:
        """Finish; an unclosed comment runs to the end, as in browsers (the standard parser makes it text)."""
        if (start := self.rawdata.find("<!--")) >= 0:
            self.rawdata = self.rawdata[:start]
            self.saw_tag = True
        if _TAG_LIKE_LT.search(self.rawdata, 1):
            # An unfinished tag with more markup after it (`<a title="<b>`) is text, but not unchanged text:
            # its `<`s are escaped like any text's, so the markup in it cannot come out as tags.
            self.saw_tag = True
        super().close()

    def _autolink(self) -> bool:
        """Whether the tag just read is a markdown autolink (`<https://...>`); if so it is kept as text."""
        raw = self._restore(self.get_starttag_text() or "")
        if not _AUTOLINK.fullmatch(raw):
            return False
        self._add_text("raw", raw)
        return True

    def _saw(self, tag: str) -> None:
        """Note that the fragment has a tag, and whether it has a block tag."""
        self.saw_tag = True
        self.saw_block = self.saw_block or tag in _BLOCK_TRIGGERS

    def _add_text(self, kind: str, text: str) -> None:
        """Append text to the open element, joining it to text just before."""
        if not text:
            return
        children = self.stack[-1].children
        if not children or not isinstance(children[-1], _Text):
            children.append(_Text())
        children[-1].add(kind, text)

    def _restore(self, value: str) -> str:
        """An attribute value with set-aside code put back (backticks in a URL are no code span)."""
        return _PLACEHOLDER.sub(lambda m: self.raws[int(m.group(1))], value) if self.raws else value

    def _close_implied(self, tag: str) -> None:
        """Close what this start tag closes in a browser: an open <p> before a block, an <li> before an <li>."""
        if tag in ("li", "dt", "dd"):
            self._close_up_to(("li",) if tag == "li" else ("dt", "dd"), ("ul", "ol", "dl", "table", "blockquote"))
        elif tag in ("td", "th"):
            self._close_up_to(("td", "th"), ("tr", "table"))
        elif tag == "tr":
            self._close_up_to(("tr",), ("table", "thead", "tbody", "tfoot"))
        elif tag in ("thead", "tbody", "tfoot"):
            self._close_up_to(("thead", "tbody", "tfoot"), ("table",))
        if tag in _BLOCKS:
            self._close_up_to(("p",), _CLOSES_P)

    def _close_up_to(self, names: tuple[str, ...], barriers: tuple[str, ...]) -> None:
        """Close the innermost open element named in `names`, unless a barrier element is open inside it."""
        for depth in range(len(self.stack) - 1, 0, -1):
            tag = self.stack[depth].tag
            if tag in names:
                del self.stack[depth:]
                return
            if tag in barriers:
                return


def _render_blocks(children: list, ctx: _Context) -> str:
    """Children as markdown blocks: runs of inline content become paragraphs between the blocks."""
    blocks: list[tuple[str, int, int]] = []  # (markdown, newlines before, newlines after)
    atoms: list = []

    def flush() -> None:
        """End the current paragraph."""
        if atoms:
            blocks.append((_paragraph(atoms, ctx), 2, 2))
            atoms.clear()

    for child in _group_items(children):
        if child is _PARA_BREAK:
            flush()
        elif isinstance(child, _Node) and child.tag in _DROPPED:
            continue
        elif isinstance(child, _Node) and child.tag in _BLOCKS:
            flush()
            blocks.append(_block(child, ctx))
        elif isinstance(child, _Node) and child.has_block and child.tag not in _ALWAYS_INLINE:
            # A wrapper around blocks (<b><p>..</p></b>) wraps each line of the paragraphs inside it.
            flush()
            mark = _MARKS.get(child.tag)
            inner = ctx if not mark or mark in ctx.active else replace(
                ctx, marks=(*ctx.marks, mark), active=ctx.active | {mark})
            blocks.append((_render_blocks(child.children, inner), 2, 2))
        else:
            atoms.extend(_inline(child, ctx))
    flush()
    out: list[str] = []
    after = 0
    for text, gap_before, gap_after in blocks:
        if not text:
            continue
        if out:
            out.append("\n" * min(after, gap_before))
        out.append(text)
        after = gap_after
    return "".join(out)


def _group_items(children: list) -> list:
    """Children with each run of list items outside a list (`<li>a<li>b`) put in one list."""
    grouped: list = []
    run: _Node | None = None  # the list gathering the current run of items
    for child in children:
        if isinstance(child, _Node) and child.tag == "li":
            if run is None:
                run = _Node("ul", {})
                grouped.append(run)
            run.children.append(child)
        elif run is not None and isinstance(child, _Text) and not child.whole().strip():
            continue  # whitespace between the items
        else:
            run = None
            grouped.append(child)
    return grouped


def _block(node: _Node, ctx: _Context) -> tuple[str, int, int]:
    """A block element as (markdown, newlines before, newlines after)."""
    tag = node.tag
    plain = replace(ctx, in_item=False)
    if tag in _BOLD_LINES:
        bold = plain if "**" in ctx.active else replace(plain, marks=(*ctx.marks, "**"), active=ctx.active | {"**"})
        return _render_blocks(node.children, bold), 2, 2
    if tag in ("ul", "ol", "li"):
        gap = 1 if ctx.in_item else 2
        return _list(node, plain), gap, 2
    if tag in _TABLE_PARTS:
        return _table(node, plain), 2, 2
    if tag == "blockquote":
        inner = _render_blocks(node.children, plain)
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n")) if inner else "", 2, 2
    if tag == "pre":
        return _fence(node), 2, 2
    if tag == "hr":
        return "---", 2, 2
    return _render_blocks(node.children, plain), 2, 2


def _inline(child: object, ctx: _Context) -> list:
    """One child as inline atoms: strings, _SPACE and _NEWLINE."""
    if child is _PARA_BREAK:
        return [_NEWLINE, _NEWLINE]
    if isinstance(child, _Text):
        return _text_atoms(child, ctx)
    assert isinstance(child, _Node)
    tag = child.tag
    if tag == "br":
        return [_NEWLINE]
    if tag in _DROPPED:
        return []
    if tag in _BLOCKS:  # a block inside an inline element (<a><div>..</div></a>): on lines of its own
        return [_NEWLINE, _block(child, ctx)[0], _NEWLINE]
    if tag in _MARKS:
        return _emphasis(child, _MARKS[tag], ctx)
    if tag in _CODE:
        return _code_span(_plain_text(child.children))
    if tag == "a":
        return _link(child, ctx)
    if tag == "img":
        return _image(child)
    return _inline_children(child.children, ctx)


def _inline_children(children: list, ctx: _Context) -> list:
    """All children as inline atoms."""
    atoms: list = []
    for child in children:
        atoms.extend(_inline(child, ctx))
    return atoms


def _text_atoms(text: _Text, ctx: _Context) -> list:
    """A text run as atoms: kept as written, or split into words and collapsible spaces."""
    if not ctx.collapse or _has_markdown_lines(text.whole()):
        return ["".join(_escape_text(part) if kind == "html" else part for kind, part in text.parts)]
    atoms: list = []
    for kind, part in text.parts:
        if kind == "raw":
            atoms.append(part)
            continue
        for piece in _COLLAPSIBLE.split(_escape_text(part)):
            if piece:
                atoms.append(_SPACE if piece[0] in " \t\n\r\f" else piece)
    return atoms


def _has_markdown_lines(text: str) -> bool:
    """Whether text spans lines that are markdown structure, which collapsing would destroy."""
    body = text.strip()
    return "\n" in body and bool(_BLANK_LINE.search(body) or _MARKDOWN_LINE.search(body))


def _escape_text(text: str) -> str:
    """HTML text for markdown: a `<` that could start a tag once next to other text stays an entity."""
    return _TAG_LIKE_LT.sub("&lt;", text)


def _join(atoms: list, keep_edges: bool = False) -> str:
    """Atoms as text: one space between words, none at line ends (at the very ends only if keep_edges)."""
    out: list[str] = []
    space = False
    after_break = False
    for atom in atoms:
        if atom is _SPACE:
            space = True
        elif atom is _NEWLINE:
            out.append("\n")
            space, after_break = False, True
        else:
            if after_break and _AFTER_BREAK.match(atom):  # "a<br>\nb" is one line break, not a blank line
                atom = _AFTER_BREAK.sub("", atom, count=1)
            after_break = False
            if not atom:
                continue
            if space and (out and not out[-1].endswith("\n") or not out and keep_edges):
                out.append(" ")
            elif isinstance(atom, _Marked) and out and isinstance(out[-1], _Marked) and out[-1].mark == atom.mark:
                out[-1] = _marked(out[-1].core + atom.core, atom.mark)
                continue
            space = False
            out.append(atom)
    if space and keep_edges:
        out.append(" ")
    return "".join(out)


def _paragraph(atoms: list, ctx: _Context) -> str:
    """Inline atoms as one tidy paragraph, each line wrapped in the context's marks."""
    text = _tidy(_join(atoms))
    if text[:1] in (" ", "\t"):  # indentation common to all lines is HTML source layout, not structure
        text = textwrap.dedent(text)
    for mark in reversed(ctx.marks):
        text = _wrap(text, mark)
    return text


def _tidy(text: str) -> str:
    """No trailing spaces, at most one blank line in a row, none at the ends; fenced code untouched."""
    out: list[str] = []
    fence = ""
    for line in text.split("\n"):
        if fence:
            out.append(line)
            fence = "" if _closes_fence(line, fence) else fence
            continue
        line = line.rstrip()
        fence = _opens_fence(line)
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def _wrap(text: str, mark: str) -> str:
    """Each non-blank line of text between marks, its surrounding spaces outside them."""
    lines = []
    for line in text.split("\n"):
        lead, core, trail = _EDGES.fullmatch(line).groups()
        lines.append(f"{lead}{mark}{core}{mark}{trail}" if core else line)
    return "\n".join(lines)


def _emphasis(node: _Node, mark: str, ctx: _Context) -> list:
    """Bold, italic or strike-through around the content; nothing around an empty or blank one."""
    if mark in ctx.active:
        return _inline_children(node.children, ctx)
    inner = _join(_inline_children(node.children, replace(ctx, active=ctx.active | {mark})), keep_edges=True)
    lead, core, trail = _EDGES.fullmatch(inner).groups()
    # Spaces go outside the marks: CommonMark does not close `**x **`, and Anki ends bold with &nbsp;.
    return [*_edge(lead), _marked(core, mark), *_edge(trail)] if core else _edge(lead + trail)


def _edge(whitespace: str) -> list:
    """The atoms for whitespace moved out of a wrapper: its line breaks, else one space."""
    if not whitespace:
        return []
    return [_NEWLINE] * whitespace.count("\n") or [_SPACE]


def _plain_text(children: list) -> str:
    """The text of code: entities decoded, no markdown, `<br>` and block ends as newlines."""
    out: list[str] = []
    for child in children:
        if child is _PARA_BREAK:
            out.append("\n")
        elif isinstance(child, _Text):
            out.append(child.whole())
        elif child.tag == "br":
            out.append("\n")
        elif child.tag not in _DROPPED:
            out.append(_plain_text(child.children))
            if child.tag in _BLOCKS and out[-1] and not out[-1].endswith("\n"):
                out.append("\n")
    return "".join(out)


def _code_span(code: str) -> list:
    """An inline code span, its backtick run longer than any inside; nothing for blank code."""
    code = re.sub(r"[ \t]*\n[ \t]*", " ", code)
    if not code.strip():
        return []
    ticks = "`" * (max((len(run) for run in _BACKTICKS.findall(code)), default=0) + 1)
    if code[0] == "`" or code[-1] == "`" or code[0] == code[-1] == " ":
        code = f" {code} "  # CommonMark strips one space each side, which lets code begin with a backtick
    return [f"{ticks}{code}{ticks}"]


def _fence(node: _Node) -> str:
    """A <pre> as a fenced code block, in the language its (or its <code>'s) class names."""
    code = _plain_text(node.children)
    code = re.sub(r"\A(?:[ \t]*\n)+", "", code).rstrip()
    if not code:
        return ""
    ticks = "`" * max(3, max((len(run) for run in _BACKTICKS.findall(code)), default=0) + 1)
    return f"{ticks}{_language(node)}\n{code}\n{ticks}"


def _language(node: _Node) -> str:
    """The language in a `language-xxx` or `lang-xxx` class on the node or an element inside it."""
    if found := _LANGUAGE.search(node.attrs.get("class", "")):
        return found.group(1)
    for child in node.children:
        if isinstance(child, _Node) and (language := _language(child)):
            return language
    return ""


def _link(node: _Node, ctx: _Context) -> list:
    """`[text](url)`, or `<url>` when the text is empty or the url itself; just the text without href."""
    href = node.attrs.get("href", "").strip().replace(" ", "%20")
    atoms = _inline_children(node.children, ctx)
    if not href:
        return atoms
    text = " ".join(_join(atoms).split())
    if text and text != href:
        return [f"[{text}]({href})"]
    return [f"<{href}>" if _SCHEME.match(href) else f"[{href}]({href})"]


def _image(node: _Node) -> list:
    """`![alt](src)`; just the alt text when there is no src."""
    alt = " ".join(node.attrs.get("alt", "").split()).replace("[", "\\[").replace("]", "\\]")
    src = node.attrs.get("src", "").strip().replace(" ", "%20")
    if not src:
        return [_escape_text(alt)] if alt else []
    return [f"![{alt}]({src})"]


def _list(node: _Node, ctx: _Context) -> str:
    """A <ul>/<ol> (or a lone <li>) as `- ` or numbered lines, each item's other lines indented under it."""
    ordered = node.tag == "ol"
    try:
        number = int(node.attrs.get("start", "1"))
    except ValueError:
        number = 1
    groups: list[list] = []
    for child in [node] if node.tag == "li" else node.children:
        if isinstance(child, _Node) and child.tag == "li":
            groups.append(list(child.children))
        elif groups:
            groups[-1].append(child)  # <ul><li>a</li><ul>..</ul></ul>: browsers nest the stray list
        elif not (isinstance(child, _Text) and not child.whole().strip()):
            groups.append([child])
    items = []
    item_ctx = replace(ctx, in_item=True)
    for group in groups:
        content = _render_blocks(group, item_ctx)
        if not content:
            continue
        marker = f"{number}. " if ordered else "- "
        number += 1
        indent = " " * len(marker)
        first, *rest = content.split("\n")
        items.append("\n".join([marker + first, *(indent + line if line else "" for line in rest)]))
    return "\n".join(items)


def _table(node: _Node, ctx: _Context) -> str:
    """A GFM pipe table, the first row as its header; each cell on one line, its pipes escaped."""
    rows: list[list[str]] = []
    caption: list[str] = []

    def collect(part: _Node) -> None:
        """Gather rows from the table and its row groups."""
        if part.tag == "tr":
            cells = [child for child in part.children if isinstance(child, _Node) and child.tag in ("td", "th")]
            rows.append([_cell(cell, ctx) for cell in cells])
            return
        for child in part.children:
            if isinstance(child, _Node) and child.tag in _TABLE_PARTS:
                collect(child)
            elif isinstance(child, _Node) and child.tag == "caption":
                caption.append(_render_blocks(child.children, ctx))

    collect(node)
    rows = [row for row in rows if row]
    if not rows:
        return "\n\n".join(text for text in caption if text)
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n\n".join([*(text for text in caption if text), "\n".join(lines)])


def _cell(cell: _Node, ctx: _Context) -> str:
    """A table cell's markdown on one line, pipes escaped."""
    text = " ".join(line.strip() for line in _render_blocks(cell.children, ctx).split("\n") if line.strip())
    return _UNESCAPED_PIPE.sub(r"\\|", text)

"""HTML fragments from notes and Anki exports as markdown (bot.core.html_to_markdown): one test per rule."""

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.html_to_markdown import html_to_markdown

FENCE = "```"


def test_text_without_tags_comes_back_unchanged_entities_included():
    text = "  **Pod** &amp; `kubectl`\n- a &lt; b\n\n\n1. item  "
    assert html_to_markdown(text) == text
    assert html_to_markdown("") == ""


def test_a_markdown_autolink_is_not_a_tag():
    assert html_to_markdown("see <https://kubernetes.io> &amp; more") == "see <https://kubernetes.io> &amp; more"
    assert html_to_markdown("<https://kubernetes.io> <b>x</b>") == "<https://kubernetes.io> **x**"


def test_empty_wrappers_produce_nothing():
    assert html_to_markdown("<b></b>") == ""
    assert html_to_markdown("<b> </b>") == ""
    assert html_to_markdown("<p></p>") == ""
    assert html_to_markdown("<p> <strong>&nbsp;</strong> </p>") == ""
    assert html_to_markdown("a<b> </b>b") == "a b"


def test_bold_italic_and_strike_through():
    assert html_to_markdown("<b>a</b> <strong>b</strong>") == "**a** **b**"
    assert html_to_markdown("<i>a</i> <em>b</em>") == "*a* *b*"
    assert html_to_markdown("<s>a</s> <del>b</del> <strike>c</strike>") == "~~a~~ ~~b~~ ~~c~~"
    assert html_to_markdown("<i><b>x</b></i>") == "***x***"


def test_spaces_at_the_edges_of_a_wrapper_go_outside_the_marks():
    assert html_to_markdown("Anki <b>bold&nbsp;</b>text") == "Anki **bold** text"
    assert html_to_markdown("a<i> b </i>c") == "a *b* c"


def test_nested_or_adjacent_bold_gives_one_pair_of_marks():
    assert html_to_markdown("<b>a <strong>b</strong></b>") == "**a b**"
    assert html_to_markdown("<b>Kube</b><b>rnetes</b>") == "**Kubernetes**"


def test_bold_over_several_lines_wraps_each_line():
    assert html_to_markdown("<b>one<br>two</b>") == "**one**\n**two**"
    assert html_to_markdown("<b>a<p>b</p></b>") == "**a**\n\n**b**"


def test_wrapper_tags_are_dropped_with_their_content():
    html = '<span class="x">a</span><font color="red">b</font><u>c</u>'
    assert html_to_markdown(html) == "abc"


def test_a_placeholder_that_is_no_html_element_stays_text():
    # `git branch <BRANCH>` in an answer's HTML: the reader sees the placeholder, escaped for markdown.
    assert html_to_markdown("<b>git branch <BRANCH></b>") == "**git branch &lt;BRANCH>**"
    assert html_to_markdown("<p>List<String> and <made-up>d</made-up></p>") == (
        "List&lt;String> and &lt;made-up>d&lt;/made-up>")


def test_block_wrappers_become_paragraphs():
    html = "<div>a</div><center>b</center><section>c</section><article>d</article>"
    assert html_to_markdown(html) == "a\n\nb\n\nc\n\nd"


def test_headings_become_a_bold_line_not_a_markdown_heading():
    assert html_to_markdown("<h2>Pods</h2>The smallest unit.") == "**Pods**\n\nThe smallest unit."
    assert html_to_markdown("<h1><b>Already bold</b></h1>") == "**Already bold**"
    assert html_to_markdown("<h3></h3>text") == "text"


def test_every_br_form_is_a_line_break():
    assert html_to_markdown("a<br>b<br/>c<br />d<BR>e</br>f") == "a\nb\nc\nd\ne\nf"


def test_a_br_followed_by_a_newline_is_one_line_break():
    assert html_to_markdown("first<br>\nsecond") == "first\nsecond"


def test_paragraphs_are_separated_by_one_blank_line():
    assert html_to_markdown("<p>A pod runs containers.</p><p>It has one IP.</p>") == (
        "A pod runs containers.\n\nIt has one IP."
    )
    assert html_to_markdown("<p>a<p>b") == "a\n\nb"
    assert html_to_markdown("before</p>after") == "before\n\nafter"
    assert html_to_markdown("<div>a</div><div><br></div><div>b</div>") == "a\n\nb"


def test_never_more_than_one_blank_line_and_none_at_the_ends():
    assert html_to_markdown("<br><br>a<br><br><br><br>b<br><br>") == "a\n\nb"
    assert html_to_markdown("\n\n<b>x</b>\n\n\n\ny\n\n") == "**x**\n\ny"


def test_inline_code_uses_a_longer_backtick_run_when_the_code_has_backticks():
    assert html_to_markdown("run <code>kubectl get pods</code>") == "run `kubectl get pods`"
    assert html_to_markdown("<code>a`b</code>") == "``a`b``"
    assert html_to_markdown("<code>`x`</code>") == "`` `x` ``"
    assert html_to_markdown("<code>a &lt; b</code>") == "`a < b`"
    assert html_to_markdown("<code></code>x") == "x"


def test_pre_with_a_language_class_becomes_a_fenced_block_with_literal_code():
    html = '<pre><code class="language-python">if a &lt; b:\n    pass</code></pre>'
    assert html_to_markdown(html) == f"{FENCE}python\nif a < b:\n    pass\n{FENCE}"
    assert html_to_markdown('<pre class="lang-yaml">kind: Pod</pre>') == f"{FENCE}yaml\nkind: Pod\n{FENCE}"


def test_pre_keeps_its_lines_and_blank_lines_and_needs_no_language():
    html = "<p>Example:</p><pre>\n  x = 1\n\n\n  y = *2* &gt; 1\n</pre>"
    assert html_to_markdown(html) == f"Example:\n\n{FENCE}\n  x = 1\n\n\n  y = *2* > 1\n{FENCE}"


def test_pre_with_a_fence_inside_gets_a_longer_fence():
    assert html_to_markdown("<pre>```\nx\n```</pre>") == "````\n```\nx\n```\n````"


def test_unordered_lists_nest_by_two_spaces():
    html = "<ul><li>Pod<ul><li>containers</li><li>volumes</li></ul></li><li>Node</li></ul>"
    assert html_to_markdown(html) == "- Pod\n  - containers\n  - volumes\n- Node"


def test_ordered_lists_nest_by_three_spaces_and_follow_start():
    html = '<ol start="3"><li>build<ol><li>tag</li></ol></li><li>push</li></ol>'
    assert html_to_markdown(html) == "3. build\n   1. tag\n4. push"


def test_a_list_after_text_and_items_with_paragraphs():
    html = "<p>Kinds:</p><ul><li><p>Deployment</p></li><li><p>Job</p><p>runs once</p></li></ul>"
    assert html_to_markdown(html) == "Kinds:\n\n- Deployment\n- Job\n\n  runs once"


def test_items_outside_a_list_and_a_list_directly_in_a_list():
    assert html_to_markdown("<li>a</li>\n<li>b") == "- a\n- b"
    assert html_to_markdown("<ul><li>a</li><ul><li>b</li></ul></ul>") == "- a\n  - b"


def test_links_images_and_autolinks():
    html = (
        '<a href="https://kubernetes.io/docs">the docs</a>, <a href="https://k8s.io">https://k8s.io</a>, '
        '<a href="https://k8s.io"></a> and <img src="pod.png" alt="a pod">'
    )
    assert html_to_markdown(html) == (
        "[the docs](https://kubernetes.io/docs), <https://k8s.io>, <https://k8s.io> and ![a pod](pod.png)"
    )


def test_a_link_without_href_is_its_text():
    assert html_to_markdown('<a name="top">Top</a>') == "Top"


def test_a_table_becomes_a_pipe_table_with_escaped_pipes_and_one_line_cells():
    html = (
        "<table><thead><tr><th>Option</th><th>Meaning</th></tr></thead>"
        "<tbody><tr><td><code>a|b</code></td><td>first<br>second</td></tr>"
        "<tr><td>x | y</td><td>\n  spread\n  over lines\n</td></tr></tbody></table>"
    )
    assert html_to_markdown(html) == (
        "| Option | Meaning |\n|---|---|\n| `a\\|b` | first second |\n| x \\| y | spread over lines |"
    )


def test_short_table_rows_are_padded():
    assert html_to_markdown("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == (
        "| a | b |\n|---|---|\n| c |  |"
    )


def test_blockquote_lines_are_prefixed():
    assert html_to_markdown("<blockquote><p>one</p><p>two<br>three</p></blockquote>") == "> one\n>\n> two\n> three"


def test_hr_is_a_rule_between_blank_lines():
    assert html_to_markdown("above<hr>below") == "above\n\n---\n\nbelow"


def test_summary_is_a_bold_line_and_details_a_plain_block():
    html = "<details><summary>What is a Pod?</summary><p>The smallest unit.</p></details>"
    assert html_to_markdown(html) == "**What is a Pod?**\n\nThe smallest unit."


def test_comments_scripts_and_styles_are_dropped():
    assert html_to_markdown("a<!-- note -->b<script>alert('<b>')</script><style>b { color: red }</style>c") == "abc"
    assert html_to_markdown("<!-- only a comment -->") == ""


def test_whitespace_collapses_in_a_fragment_with_block_tags():
    html = "<div>\n  A   pod\n  groups <b>one or\n  more</b>   containers.\n</div>"
    assert html_to_markdown(html) == "A pod groups **one or more** containers."


def test_a_fragment_with_only_inline_tags_keeps_its_lines():
    notes = "**Pod**: the smallest unit\n- runs <b>one or more</b> containers\n- shares   one IP\n\n  indented"
    assert html_to_markdown(notes) == (
        "**Pod**: the smallest unit\n- runs **one or more** containers\n- shares   one IP\n\n  indented"
    )


def test_markdown_lines_in_a_fragment_with_block_tags_keep_their_lines():
    html = "<p>Intro</p>\n- first\n- second\n<p><b>Note</b>\n1. one\n2. two</p>"
    assert html_to_markdown(html) == "Intro\n\n- first\n- second\n\n**Note**\n1. one\n2. two"


def test_entities_are_decoded_in_a_fragment_with_tags():
    html = "<p>a &amp; b &lt; c &gt; d&nbsp;e &quot;f&quot; &#39;g&#39;</p>"
    assert html_to_markdown(html) == "a & b < c > d\u00a0e \"f\" 'g'"


def test_an_escaped_tag_stays_an_entity_so_it_never_becomes_markup():
    assert html_to_markdown("<p>write &lt;br&gt; or &lt;/p&gt;, not a &lt; b</p>") == (
        "write &lt;br> or &lt;/p>, not a < b"
    )
    assert html_to_markdown("<b>x</b> a &lt;") == "**x** a &lt;"


def test_markdown_code_passes_through_with_its_tags_and_entities():
    notes = (
        "Use `<b>` or `&lt;` in <i>HTML</i>:\n"
        f"{FENCE}html\n<p>Hello</p>\n\n\n<b>&amp;</b>\n{FENCE}\n"
        "done"
    )
    assert html_to_markdown(notes) == (
        "Use `<b>` or `&lt;` in *HTML*:\n"
        f"{FENCE}html\n<p>Hello</p>\n\n\n<b>&amp;</b>\n{FENCE}\n"
        "done"
    )


def test_a_markdown_fence_in_a_fragment_with_block_tags_stays_a_block():
    notes = f"<p>Example</p>\n{FENCE}yaml\nkind:   Pod\n\n\nspec: {{}}\n{FENCE}\n<p>end</p>"
    assert html_to_markdown(notes) == f"Example\n\n{FENCE}yaml\nkind:   Pod\n\n\nspec: {{}}\n{FENCE}\n\nend"


def test_korean_answer_with_bold_and_a_line_break():
    html = "<b>파드</b>는 가장 작은 단위입니다.<br>컨테이너를 묶습니다."
    assert html_to_markdown(html) == "**파드**는 가장 작은 단위입니다.\n컨테이너를 묶습니다."


def test_deep_nesting_and_broken_markup_do_not_raise():
    assert html_to_markdown("<b>" * 1000 + "x") == "**x**"
    assert html_to_markdown("<div>" * 1000 + "x") == "x"
    assert html_to_markdown("<ul>" * 300 + "<li>x").endswith("x")
    assert html_to_markdown("a<![foo[x]]>b<![ c ]>d") == "abd"
    assert html_to_markdown("a <b") == "a <b"  # no tag: unchanged
    assert html_to_markdown("<i>x</i> a <b") == "*x* a &lt;b"


TAGS = ["<b>", "</b>", "<p>", "</p>", "<br>", "<br/>", "<br />", "<strong>", "<i>", "</i>"]
# No backticks or tildes (markdown code keeps tags literally, by design) and no `@` (`<br@x>` is an autolink).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="`~@"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(TAGS), TEXT), max_size=12))
def test_tags_never_survive_in_the_output(pieces):
    result = html_to_markdown("".join(pieces))
    if any(piece in TAGS for piece in pieces):  # text alone (even "<br") has no tag, so comes back unchanged
        for tag in ("<b>", "</b>", "<p>", "</p>", "<br"):
            assert tag not in result


def test_an_unfinished_tag_with_markup_after_it_is_escaped_text():
    assert html_to_markdown('<a title="<b>') == '&lt;a title="&lt;b>'
    assert html_to_markdown("<!--<b>") == ""
    assert html_to_markdown("<![<b>") == ""


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_never_raises_on_arbitrary_text(text):
    assert isinstance(html_to_markdown(text), str)

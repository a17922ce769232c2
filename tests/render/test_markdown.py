"""Seed text made safe as Markdown renders as exactly that text; the renderer's own features."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.render.markdown import Renderer, escape_line, escape_text, plain_html, simple_html

RENDER = Renderer()

# Every construct the issue names, then a few more that are markup in CommonMark or mistune.
HOSTILE = [
    "# not a heading", "1. not a list", "2) nor this", "- dash", "+ plus", "> quote", "*x*", "_x_",
    "`code` and ``more``", "[x](javascript:alert(1))", "<script>alert(1)</script>", "{{ jinja }} {% block %}",
    "a | b | c", "    four leading spaces", "trailing backslash \\", "caf&#233;", "---", "===", "***",
    "![i](x)", "<http://x>", "[^1]", "~~s~~",
    # more of the same kind
    "## h2", "###### h6", "* star", "1986. A great year", "123456789) nine digits", "__bold__", "**bold**",
    "___", "- - -", "* * *", "| a | b |", "[^1]: a footnote definition", "[x]: http://ref.example",
    "[x][y] and [z]", "<b>bold</b>", "<!-- comment -->", "<div>", "&amp; &lt; &gt; &quot; &#x41; &copy",
    "x\\y \\* \\\\", "foo_bar_baz", "<mailto:a@b.c>", "a@b.org http://bare.example.org www.x.org",
    "1\\. already escaped", "\\# escaped already", "~~~", "```python", ":::", "$x$", "<",
    "Setext\n===", "a\n---", "a\n- b", "a\n1. b", "a\n> b", "a\n    code?", "a\n# b",
]


def shown(markdown: str) -> str:
    """The text a reader sees: tags stripped, entities decoded. Only paragraphs and line breaks
    may appear: any other tag means seed text became markup."""
    out = RENDER(markdown)
    leaked = re.findall(r"<(?!/?p>|br />)[^>]*>", out)
    assert not leaked, f"markup leaked: {leaked} in {out!r}"
    out = out.replace("<br />\n", "\n").replace("</p>\n<p>", "\n\n")
    return html.unescape(re.sub(r"<[^>]+>", "", out)).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_typed(text):
    lines = [line.strip() for line in text.split("\n")]
    assert shown(escape_text([lines])) == "\n".join(lines)


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_the_middle_of_a_paragraph(text):
    paragraphs = [["First line.", *[line.strip() for line in text.split("\n")], "Last line."], ["Next paragraph."]]
    assert shown(escape_text(paragraphs)) == "\n\n".join("\n".join(p) for p in paragraphs)


def test_escaping_is_minimal_for_ordinary_text():
    assert escape_line("The Prime Minister said: it's 3.5% more, (really).") == \
        "The Prime Minister said: it's 3.5% more, (really)."
    assert escape_text([["a", "b"], ["c"]]) == "a\\\nb\n\nc"


def test_a_control_character_before_markup_does_not_unescape_it():
    """A content file loses its control characters as it is read (found by the fuzz test: a
    DEL before "# # #" made it a heading); escape_text escapes the line the Markdown will see."""
    from ssg.content.article import clean_text

    for line in ("\x7f # # # # # # #", "\x01- item", "\x7f1. one", "\x85> quote"):
        markdown = clean_text(escape_text([[line]]))[0]
        assert shown(markdown) == clean_text(line)[0].strip(), line


LETTERS = "abcXYZ\u00e9\u4e2d"
MARKUP = " #1234567890.)-+>*_`[]()<>!|~&;\\{}=:^$%'\"/@"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(st.text(alphabet=LETTERS + MARKUP, min_size=1, max_size=30)
                         .map(lambda s: " ".join(s.split())).filter(bool), min_size=1, max_size=4),
                min_size=1, max_size=3))
def test_any_text_renders_as_typed(paragraphs):
    assert shown(escape_text(paragraphs)) == "\n\n".join("\n".join(p) for p in paragraphs)


def test_raw_html_escaped_by_default_and_passed_when_allowed():
    out = Renderer()("<script>alert(1)</script>\n\n<div>block</div>\n\ntext <b>b</b>")
    assert "<script>" not in out and "<div>" not in out and "<b>" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out and "&lt;b&gt;b&lt;/b&gt;" in out
    out = Renderer(allow_html=True)("<div>block</div>\n\ntext <b>b</b>")
    assert "<div>block</div>" in out and "text <b>b</b>" in out


def test_tables_footnotes_strikethrough():
    out = RENDER("| a | b |\n|---|---|\n| 1 | 2 |\n\ntext[^n] ~~gone~~\n\n[^n]: the note\n")
    assert re.search(r"<table>.*<th>a</th>.*<th>b</th>.*<td>1</td>.*<td>2</td>.*</table>", out, re.S)
    assert "<del>gone</del>" in out
    assert re.search(r'<sup[^>]*><a href="#fn-1">1</a></sup>', out)
    assert re.search(r'<li id="fn-1"><p>the note', out)


def test_each_table_is_in_a_focusable_scroll_box_numbered_per_document():
    # A wide table scrolls inside its box on a phone; the keyboard can reach the box (axe's
    # scrollable-region-focusable), and each box of a page has its own name (landmark-unique).
    table = "| a | b |\n|---|---|\n| 1 | 2 |\n"
    out = RENDER(f"{table}\ntext\n\n{table}")
    boxes = re.findall(r'<div class="table-scroll" role="region" aria-label="([^"]+)" tabindex="0">\n<table>.*?</table>\n</div>',
                       out, re.S)
    assert boxes == ["Table 1", "Table 2"]
    assert re.findall(r'aria-label="([^"]+)"', RENDER(table)) == ["Table 1"]  # counted again for each document
    assert "Table" not in RENDER("text | not a table\n")


def test_ordinary_markdown_still_works():
    out = RENDER("# Title\n\n*em* **strong** `code` [link](https://example.org/)\n\n- a\n- b\n")
    assert "<h1>Title</h1>" in out and "<em>em</em>" in out and "<strong>strong</strong>" in out
    assert "<code>code</code>" in out and '<a href="https://example.org/">link</a>' in out and "<li>a</li>" in out


# --- plain paragraphs skip mistune (markdown.plain_html): the same HTML, always ------------------

_ORACLE = Renderer()


def MISTUNE(text: str) -> str:
    """mistune itself, without the plain-paragraph path (tables numbered per document, as
    ``Renderer`` numbers them)."""
    _ORACLE._tables = 0
    return _ORACLE._md(text)
LINE_CHARS = "abcXYZ\u00e9\u4e2d\u0661 " * 6 + "0123456789.,;:!?'\"()/%£$-=+#*_`[]<>|~&\\^{}@\t\u00a0\u2028\x0b\x0c\x00\x1f\x7f\u201c\u2018"


# Mostly what the plain path takes, so that the comparison happens often (about half the time).
SAFE_CHARS = "abcXYZ\u00e9\u4e2d\u0661 " * 4 + "0123456789.,;:!?'\"()/%£$-=+\u201c\u2018"


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.one_of(st.text(alphabet=LINE_CHARS, max_size=25), st.text(alphabet=SAFE_CHARS, max_size=25)),
                max_size=8))
@pytest.mark.slow
def test_plain_paragraphs_give_exactly_what_mistune_gives(lines):
    text = "\n".join(lines)
    fast = plain_html(text)
    assert fast is None or fast == MISTUNE(text), (text, fast, MISTUNE(text))
    assert RENDER(text) == MISTUNE(text)


def test_ordinary_news_text_takes_the_plain_path():
    text = ('The Prime Minister said "we will not" - and 3,000 people (a record) came.\n\n'
            "It's 5.5% more than in 2004, £3bn: the “largest” rise.\nA second line.\n\n\n2004 was a year.\n")
    assert plain_html(text) == MISTUNE(text) == (
        "<p>The Prime Minister said &quot;we will not&quot; - and 3,000 people (a record) came.</p>\n"
        "<p>It's 5.5% more than in 2004, £3bn: the “largest” rise.\nA second line.</p>\n<p>2004 was a year.</p>\n")
    for markup in ("1. a list", "a *b*", "x  \ny", "a\n===", "    code", "a & b", "- item", "a\tb", "> q"):
        assert plain_html(markup) is None, markup
    # Every whitespace character but the space and the newline, and every control character.
    for c in [chr(i) for i in range(0x110000) if chr(i).isspace() and chr(i) not in " \n"] + \
            [chr(i) for i in (*range(0x20), 0x7f) if chr(i) != "\n"]:
        assert plain_html(f"a{c}b") is None, hex(ord(c))


BBC = (Path(__file__).resolve().parents[2] / "../shared/corpora/bbc").resolve()


@pytest.mark.skipif(not BBC.is_dir(), reason=f"BBC corpus not found at {BBC} (../shared/corpora is not available here)")
def test_plain_path_agrees_with_mistune_on_every_bbc_body():
    taken = total = 0
    for path in sorted(BBC.rglob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        body = text.split("\n", 1)[1] if "\n" in text else ""
        paragraphs = [[line.strip() for line in p.split("\n") if line.strip()] for p in re.split(r"\n\s*\n", body)]
        for markdown in (escape_text([p for p in paragraphs if p]), body):  # as imported; as if typed by hand
            total += 1
            fast = plain_html(markdown)
            if fast is not None:
                taken += 1
                assert fast == MISTUNE(markdown), path
    assert total > 4000 and taken > total // 10, (taken, total)
    print(f"plain path taken for {taken} of {total} BBC bodies")


# --- simple Markdown (emphasis, strong, links, headings, quotes) skips mistune: the same HTML ---

_WORD = st.sampled_from("the vote Storm talks 2024 a b markets x9 Zürich Ελλάδα 中文 القدس ５ é".split())
_PUNCT = st.sampled_from(["", ".", ",", "?", ":", ";", ")", " (", " \"", "\" ", "'s"])
_GOOD_URL = st.sampled_from(["https://example.org/a-b", "http://x.org", "https://e.com/p/q_r.html"])
_GOOD_PUNCT = st.sampled_from(["", "", ".", ",", "?", ":", ";"])
_URL = st.sampled_from(["https://example.org/a-b", "http://x.org", "https://e.com/p/q_r.html", "https://e.org/x?y",
                        "https://e.org/a(b)", "ftp://e.org/", "https://e.org/a b"])


@st.composite
def _token(draw, noisy: bool):
    words = " ".join(draw(st.lists(_WORD, min_size=1, max_size=3)))
    kind = draw(st.sampled_from(["plain", "em", "strong", "link"] + (["noise"] if noisy else [])))
    if kind == "em":
        return f"*{words}*"
    if kind == "strong":
        return f"**{words}**"
    if kind == "link":
        return f"[{words}]({draw(_URL if noisy else _GOOD_URL)})"
    if kind == "noise":  # what must send a body to mistune (or be rendered the same)
        return draw(st.sampled_from(["*a", "a*", "**", "[a]", "](", "_x_", "`c`", "<b>", "&amp;", "!", "#", ">", "\\",
                                     "* ", "*a**b*", "a*b*c", "[a](b)", "~~s~~", "|", "  ", "\t"]))
    return words


@st.composite
def _line(draw, noisy: bool):
    parts = [draw(_token(noisy)) + draw(_PUNCT if noisy else _GOOD_PUNCT) for _ in range(draw(st.integers(1, 6)))]
    starts = ["", "", "", " ", "1. ", "- ", "* ", "# ", "## ", "> ", ">", "    ", "=== "] if noisy else [""]
    return draw(st.sampled_from(starts)) + " ".join(parts)


@st.composite
def _body(draw):
    """Bodies of the simple grammar (half of them clean, so that the fast path is taken often)
    with, in the other half, what must send them to mistune."""
    noisy = draw(st.booleans())
    blocks = []
    for _ in range(draw(st.integers(1, 5))):
        lines = draw(st.lists(_line(noisy), min_size=1, max_size=3))
        kind = draw(st.sampled_from(["para", "para", "heading", "quote"]))
        if kind == "heading":
            lines = ["#" * draw(st.integers(1, 7 if noisy else 6)) + " " + lines[0]] + lines[1 : 2 if noisy else 1]
        elif kind == "quote":
            lines = ["> " + line for line in lines]
        blocks.append("\n".join(lines))
    joints = ["\n\n", "\n\n\n", "\n"] if noisy else ["\n\n", "\n\n\n"]
    return draw(st.sampled_from(joints)).join(blocks) + draw(st.sampled_from(["", "\n", " "] if noisy else ["", "\n"]))


# 600 examples here (about 150 take the fast path): 20,000 were run once when the fast path was
# written (4,294 took it; all agreed); each run draws new ones. Slow (7 s): .ci/run runs it; the
# everyday loop (-m "not slow") keeps the per-line and BBC-body comparisons below.
@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(_body())
def test_simple_markdown_gives_exactly_what_mistune_gives(text):
    fast = simple_html(text)
    assert fast is None or fast == MISTUNE(text), (text, fast, MISTUNE(text))
    assert RENDER(text) == MISTUNE(text)


def test_simple_markdown_takes_the_common_forms():
    text = ("Text with *emphasis*, **strong words** and [a link](https://example.org/a-b).\nA second line (**here**).\n\n"
            "## A heading\n\n> A quote with *emphasis*\n> on two lines\n\nThe \"end\": 5 o'clock?")
    assert simple_html(text) == MISTUNE(text) == (
        '<p>Text with <em>emphasis</em>, <strong>strong words</strong> and <a href="https://example.org/a-b">a link</a>.\n'
        "A second line (<strong>here</strong>).</p>\n<h2>A heading</h2>\n<blockquote>\n<p>A quote with <em>emphasis</em>\n"
        "on two lines</p>\n</blockquote>\n<p>The &quot;end&quot;: 5 o'clock?</p>\n")
    for markup in ("a*b*c", "*a", "[a](b)", "_a_", "`c`", "a  \nb", "## a ##", "# a\nb", ">a", "> a\nb", "1. x", "- x",
                   "* x", "a & b", "![i](https://e.org/i.png)", "[a](https://e.org/x \"t\")", "####### x"):
        assert simple_html(markup) is None, markup


REFERENCE = (Path(__file__).resolve().parents[2] / "../shared/bench").resolve()


@pytest.mark.slow
@pytest.mark.skipif(not (REFERENCE / "gen_corpus.py").is_file(), reason=f"no reference corpus generator at {REFERENCE}")
def test_simple_path_agrees_with_mistune_on_the_reference_archive(tmp_path):
    """Every body of 1,000 articles of ../shared/bench's archive (links, emphasis, quotes,
    headings in most paragraphs): taken by the fast path and rendered exactly as mistune does."""
    import subprocess
    import sys

    from ssg.content.collect import read_body

    subprocess.run([sys.executable, str(REFERENCE / "gen_corpus.py"), "--n", "1000", "--layout", "plain",
                    "--out", str(tmp_path / "ref")], check=True, stdout=subprocess.DEVNULL)
    root = tmp_path / "ref" / "content"
    taken = 0
    for path in sorted(root.glob("*.md")):
        body = read_body(root, path.name)
        fast = simple_html(body)
        if fast is not None:
            taken += 1
            assert fast == MISTUNE(body), path.name
    assert taken > 900, taken

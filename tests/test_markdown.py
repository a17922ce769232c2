"""Seed text made safe as Markdown renders as exactly that text."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.markdown import Renderer, escape_text

RENDER = Renderer()
HOSTILE = [
    "# not a heading", "## nor this", "1. not a list", "2) nor this", "- dash", "+ plus", "* star",
    "> quote", "*stars* and _under_ and __bold__", "`code` and ``more``", "[x](javascript:alert(1))",
    "<script>alert(1)</script>", "{{ jinja }} {% block %}", "a | b | c", "    four spaces",
    "trailing backslash \\", "caf&#233; &lt; &amp;", "---", "===", "***", "___", "![img](x.png)",
    "<http://x.org>", "foo[^1]", "[^1]: note", "~~strike~~", "x\\y", "1986. A great year", "<!-- c -->",
    "http://bare.example.org", "Setext\n===", "a\n---", "\\# escaped already",
]


def shown(markdown: str) -> str:
    """The text a browser shows for rendered Markdown (tags dropped, entities decoded)."""
    out = RENDER(markdown)
    out = re.sub(r"<br />\n", "\n", out)
    out = re.sub(r"</p>\n<p>", "\n\n", out)
    assert not re.search(r"<(?!/?p>)", out), f"markup leaked: {out!r}"
    return html.unescape(re.sub(r"</?p>", "", out)).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_typed(text):
    lines = [line.strip() for line in text.split("\n")]
    assert shown(escape_text([lines])) == "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.text(alphabet="ab 1.)#-+*_`[]()<>!|~&\\{}=:^$%'\"", min_size=1, max_size=25)
                         .map(str.strip).filter(bool), min_size=1, max_size=3), min_size=1, max_size=3))
def test_any_text_renders_as_typed(paragraphs):
    assert shown(escape_text(paragraphs)) == "\n\n".join("\n".join(p) for p in paragraphs)


def test_raw_html_escaped_unless_allowed():
    assert "&lt;b&gt;" in Renderer()("<b>x</b>")
    assert "<b>x</b>" in Renderer(allow_html=True)("<b>x</b>")


def test_tables_footnotes_strikethrough():
    out = RENDER("| a | b |\n|---|---|\n| 1 | 2 |\n\ntext[^n] ~~gone~~\n\n[^n]: the note\n")
    assert "<table>" in out and "<del>gone</del>" in out and "the note" in out and "footnote" in out

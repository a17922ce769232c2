"""Markdown both ways: plain seed text made safe as Markdown, and Markdown rendered to HTML.

``escape_text`` backslash-escapes exactly what could start markup, so whatever a seed says is
shown as typed. ``Renderer`` wraps mistune 3 with HTML escaping on unless site.toml allows it.
"""

from __future__ import annotations

import re

from ssg.content.article import clean_text

# Characters that are markup anywhere in a line. '&' is here so that a literal `caf&#233;`
# stays those nine characters instead of becoming an entity.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# Constructs that are markup only at the start of a line: headings, quotes, list items,
# setext underlines, thematic breaks, ordered list markers ("1." / "1)").
_LINE_START = re.compile(r"^([#+\-=])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def escape_line(line: str) -> str:
    # Escaped as it will be read: a content file loses its control characters as it is read,
    # so "\x7f# x" must be escaped as the "# x" the Markdown will see.
    line = _INLINE.sub(r"\\\1", clean_text(line)[0].strip())
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED.sub(r"\1\\\2", line)


def escape_text(paragraphs) -> str:
    """Paragraphs (each a sequence of lines) to Markdown that renders as exactly that text.
    Lines inside a paragraph are kept apart with a hard line break (a trailing backslash)."""
    return "\n\n".join("\\\n".join(escape_line(line) for line in para) for para in paragraphs)


# Plain paragraphs, the bulk of a news archive, go through no Markdown rule at all: mistune would
# only wrap them in <p> and escape their quotes. A body is taken for plain when it holds none of
# the characters markup is made of, no control character and no whitespace but spaces and
# newlines; when no line starts with anything but a letter, a digit or an opening quote or
# bracket (so no list, heading, quote, code or break) nor like an ordered list item ("1.",
# "2)"); and when no line ends with a space (no hard break). Anything else goes to mistune.
# tests/test_markdown.py checks the two agree on random text (hypothesis) and on every BBC body.
_MARKUP_OR_SPACE = re.compile("[\\\\`*_\\[\\]<>|~&#\x00-\x09\x0b-\x1f\x7f"  # markup, controls, tab, CR…
                              "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")  # other whitespace
_ORDERED_ITEM = re.compile(r"\d+[.)]")
_PLAIN_STARTS = frozenset("\"'‘“(")
_PARAGRAPH_BREAK = re.compile(r"\n\n+")  # (not \n{2,}: ten times slower to split with)


def _plain_line(line: str, inline_markup: bool = False) -> bool:
    """Whether a (non-empty) line starts as plain text does: with a letter, a digit or an
    opening quote or bracket (with ``inline_markup``, also an emphasis or a link), but not as an
    ordered list item; and does not end with a space (a hard break)."""
    c = line[0]
    if line[-1] == " " or (c.isdigit() and _ORDERED_ITEM.match(line)):
        return False
    return c.isalnum() or c in _PLAIN_STARTS or (inline_markup and c in "*[" and len(line) > 1 and not line[1].isspace())


def plain_html(text: str) -> str | None:
    """The HTML mistune (escaping, with ssg's plugins) makes of ``text`` when it is plain
    paragraphs (see above); None when it is not."""
    if _MARKUP_OR_SPACE.search(text):
        return None
    text = text.strip("\n")
    if not text:
        return None
    for line in text.split("\n"):
        if line and not _plain_line(line):
            return None
    return "".join(f"<p>{p}</p>\n" for p in _PARAGRAPH_BREAK.split(text.replace('"', "&quot;")))


# Hand-written articles mostly use a little Markdown: emphasis, strong emphasis, links, a
# heading, a quote. ``simple_html`` renders bodies made only of those (and plain text), in the
# simplest forms, as mistune does, at a fraction of its cost; any other construct, or any
# doubt, and it gives None (mistune renders the body). tests/render/test_markdown.py checks
# the two agree on random bodies of that grammar and of noise (hypothesis), and on every body
# of the reference archive of ../shared/bench.
_SIMPLE_FORBIDDEN = re.compile("[\\\\`_<>|~&#!\x00-\x09\x0b-\x1f\x7f"
                               "\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")
_WORDS = r"[^\W_](?:[^\W_]| (?=[^\W_]))*"  # letters and digits of any script, words apart by one space
# (Each alternative starts with its literal, the look-behind after it, so that the regex engine
# skips to the next '*' or '[' instead of trying every position.)
_SIMPLE_TOKEN = re.compile(
    rf"\*\*(?<![^\s(]\*\*)({_WORDS})\*\*(?=[\s.,;:?)]|$)"  # **strong**, between spaces or punctuation
    rf"|\*(?<![^\s(]\*)({_WORDS})\*(?=[\s.,;:?)]|$)"  # *emphasis*
    rf"|\[({_WORDS})\]\((https?://[A-Za-z0-9.-]+(?:/[A-Za-z0-9._~/-]*)?)\)(?=[\s.,;:?)]|$)")  # [text](url)
_HEADING = re.compile(r"(#{1,6}) (\S.*)")
_LINE_MARKERS = re.compile(r"\n(?:>|#{1,6})")  # on "\n" + text (faster than ^ with re.M)


def _simple_inline(text: str) -> str | None:
    """A block's text with its tokens rendered; None when it holds anything else."""
    if "*" not in text and "[" not in text and "]" not in text:  # most paragraphs
        return text.replace('"', "&quot;")
    out, at = [], 0
    for m in _SIMPLE_TOKEN.finditer(text):
        plain = text[at : m.start()]
        if "*" in plain or "[" in plain or "]" in plain:
            return None
        out.append(plain.replace('"', "&quot;"))
        strong, em, label, url = m.groups()
        if strong is not None:
            out.append(f"<strong>{strong}</strong>")
        elif em is not None:
            out.append(f"<em>{em}</em>")
        else:
            out.append(f'<a href="{url}">{label}</a>')
        at = m.end()
    plain = text[at:]
    if "*" in plain or "[" in plain or "]" in plain:
        return None
    out.append(plain.replace('"', "&quot;"))
    return "".join(out)


def _simple_lines(lines: list[str]) -> str | None:
    """A paragraph's lines: each must start as plain text does or with an emphasis or a link,
    and none may end with a space (``_plain_line``)."""
    if not all(line and _plain_line(line, inline_markup=True) for line in lines):
        return None
    return _simple_inline("\n".join(lines))


def simple_html(text: str) -> str | None:
    """The HTML mistune makes of ``text`` when it is made only of paragraphs, one-line ATX
    headings and one-paragraph quotes, holding plain text, ``*emphasis*``, ``**strong**`` and
    ``[links](https://…)`` in their simplest forms; None when it is not."""
    # ('>' and '#' are markup only where a quote or a heading starts a line: checked there.)
    if _SIMPLE_FORBIDDEN.search(_LINE_MARKERS.sub("\n", "\n" + text)):
        return None
    text = text.strip("\n")
    if not text:
        return None
    out = []
    for block in _PARAGRAPH_BREAK.split(text):
        lines = block.split("\n")
        first = lines[0]
        if first.startswith("#"):
            m = _HEADING.fullmatch(first)
            if m is None or len(lines) > 1 or first.rstrip() != first:
                return None
            inner = _simple_inline(m.group(2))
            if inner is None:
                return None
            out.append(f"<h{len(m.group(1))}>{inner}</h{len(m.group(1))}>\n")
        elif first.startswith(">"):
            if not all(line.startswith("> ") and len(line) > 2 for line in lines):
                return None
            inner = _simple_lines([line[2:] for line in lines])
            if inner is None:
                return None
            out.append(f"<blockquote>\n<p>{inner}</p>\n</blockquote>\n")
        else:
            inner = _simple_lines(lines)
            if inner is None:
                return None
            out.append(f"<p>{inner}</p>\n")
    return "".join(out)


class Renderer:
    """Markdown to HTML with tables, footnotes and strikethrough.

    A table comes inside ``<div class="table-scroll" role="region" aria-label="Table N"
    tabindex="0">`` (N counting the document's tables): on a phone a wide table scrolls sideways
    inside that box instead of widening the page, and the box can take the keyboard focus, so
    that it can be scrolled without a mouse (axe's scrollable-region-focusable)."""

    # Part of the build cache's key for rendered bodies: change it whenever the HTML made from
    # the same Markdown changes, so that no body rendered by an older version is reused.
    FORMAT = "table-scroll-1"

    def __init__(self, allow_html: bool = False):
        import mistune  # only builds that render Markdown pay for loading it

        self._md = mistune.create_markdown(
            escape=not allow_html,
            plugins=["table", "footnotes", "strikethrough"],
        )
        self._tables = 0
        self._escape = not allow_html
        self._md.renderer.register("table", self._table)

    def _table(self, renderer, text: str) -> str:
        self._tables += 1
        return (f'<div class="table-scroll" role="region" aria-label="Table {self._tables}" tabindex="0">\n'
                f"<table>\n{text}</table>\n</div>\n")

    def __call__(self, text: str) -> str:
        if self._escape:
            html = plain_html(text)
            if html is None:
                html = simple_html(text)
            if html is not None:
                return html
        self._tables = 0
        return self._md(text)

"""Markdown both ways: plain seed text made safe as Markdown, and Markdown rendered to HTML.

``escape_text`` backslash-escapes exactly what could start markup, so whatever a seed says is
shown as typed. ``Renderer`` wraps mistune 3 with HTML escaping on unless site.toml allows it.
"""

from __future__ import annotations

import re

# Characters that are markup anywhere in a line. '&' is here so that a literal `caf&#233;`
# stays those nine characters instead of becoming an entity.
_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
# Constructs that are markup only at the start of a line: headings, quotes, list items,
# setext underlines, thematic breaks, ordered list markers ("1." / "1)").
_LINE_START = re.compile(r"^([#+\-=])")
_ORDERED = re.compile(r"^(\d{1,9})([.)])")


def escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line.strip())
    line = _LINE_START.sub(r"\\\1", line)
    return _ORDERED.sub(r"\1\\\2", line)


def escape_text(paragraphs) -> str:
    """Paragraphs (each a sequence of lines) to Markdown that renders as exactly that text.
    Lines inside a paragraph are kept apart with a hard line break (a trailing backslash)."""
    return "\n\n".join("\\\n".join(escape_line(line) for line in para) for para in paragraphs)


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
        self._md.renderer.register("table", self._table)

    def _table(self, renderer, text: str) -> str:
        self._tables += 1
        return (f'<div class="table-scroll" role="region" aria-label="Table {self._tables}" tabindex="0">\n'
                f"<table>\n{text}</table>\n</div>\n")

    def __call__(self, text: str) -> str:
        self._tables = 0
        return self._md(text)

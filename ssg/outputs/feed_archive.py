"""Archived feeds (RFC 5005 section 4): one Atom document per month of the site's articles.

The site's subscription feed (``/atom.xml``) holds the newest articles and links the newest
month's archive document (``rel="prev-archive"``); each archive document holds every article of
its month, newest first, is marked ``<fh:archive/>``, and links the subscription feed
(``current``) and the months before and after it that have articles (``prev-archive``,
``next-archive``). A reader walks the whole history from the subscription feed.

Written as strings rather than through feedgen: an archive of 100,000 articles puts every one
of them in a document, and feedgen's per-entry cost (an object, then an lxml tree) would show
in a clean build. The entries are the Atom feed's, field for field, and the text is shown as
typed: every text goes through ``_text`` (``&``, ``<``, ``>`` escaped; ``"`` too in attributes).
Dates come from the articles, so two builds give the same bytes.
"""

from __future__ import annotations

from ssg import __version__
from ssg.content.article import Article

ATOM_NS = "http://www.w3.org/2005/Atom"
HISTORY_NS = "http://purl.org/syndication/history/1.0"

# (str.replace, not str.translate: the bodies are most of an archive's bytes, and translate with
# a table is ten times slower on them.)


def _text(s: str) -> str:
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return s.replace("\r", "&#13;") if "\r" in s else s


def _attr(s: str) -> str:
    s = _text(s).replace('"', "&quot;")
    return s.replace("\n", "&#10;").replace("\t", "&#9;") if ("\n" in s or "\t" in s) else s


def _entry(article: Article, url: str, html: str, full_content: bool) -> str:
    date = article.date.isoformat()
    u = _attr(url)
    parts = [f"  <entry>\n    <id>{_text(url)}</id>\n    <title>{_text(article.title)}</title>\n"
             f"    <updated>{article.modified.isoformat()}</updated>\n"]
    if full_content and html:
        parts.append(f'    <content type="html">{_text(html)}</content>\n')
    parts.append(f'    <link href="{u}" rel="alternate"/>\n')
    if article.summary:
        parts.append(f"    <summary>{_text(article.summary)}</summary>\n")
    parts.append(f'    <category term="{_attr(article.section)}"/>\n    <published>{date}</published>\n  </entry>\n')
    return "".join(parts)


def archive_document(*, title: str, subtitle: str, language: str, author: str, home_url: str, self_url: str,
                     current_url: str, prev_url: str | None, next_url: str | None,
                     articles: list[tuple[Article, str, str]], full_content: bool) -> bytes:
    """One archive document. ``articles``: (article, absolute URL, body with absolute links or
    ""), newest first; ``prev_url``/``next_url``: the older and newer archive documents (None:
    none). Its ``updated`` is the latest change of its articles (a date, an ``updated``, a correction)."""
    updated = max(a.modified for a, _, _ in articles).isoformat() if articles else "1970-01-01T00:00:00+00:00"
    head = [
        "<?xml version='1.0' encoding='UTF-8'?>\n",
        f'<feed xmlns="{ATOM_NS}" xmlns:fh="{HISTORY_NS}" xml:lang="{_attr(language)}">\n',
        f"  <id>{_text(self_url)}</id>\n",
        f"  <title>{_text(title)}</title>\n",
        f"  <updated>{updated}</updated>\n",
        f"  <author>\n    <name>{_text(author)}</name>\n  </author>\n",
        f'  <link href="{_attr(home_url)}" rel="alternate"/>\n',
        f'  <link href="{_attr(self_url)}" rel="self"/>\n',
        f'  <link href="{_attr(current_url)}" rel="current"/>\n',
    ]
    if prev_url:
        head.append(f'  <link href="{_attr(prev_url)}" rel="prev-archive"/>\n')
    if next_url:
        head.append(f'  <link href="{_attr(next_url)}" rel="next-archive"/>\n')
    head += [f'  <generator version="{_attr(__version__)}">ssg</generator>\n',
             f"  <subtitle>{_text(subtitle)}</subtitle>\n",
             "  <fh:archive/>\n"]
    body = [_entry(a, url, html, full_content) for a, url, html in articles]
    return "".join([*head, *body, "</feed>\n"]).encode("utf-8")

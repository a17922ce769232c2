"""Feeds: RSS 2.0 and Atom, made with feedgen.

Feed dates come from the articles, never from the clock, so two builds give the same bytes.
feedgen prepends entries by default; we append in newest-first order instead.

Text is shown as typed in both formats. Atom says what its text is (``type="text"``); RSS
does not, and readers take its titles and descriptions as HTML: there, the text is escaped as
HTML before it goes into the XML, so a typed ``<img onerror=...>`` is shown, never run.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from html import escape
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from ssg import __version__
from ssg.content.article import Article

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_URL_ATTR = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


def absolutize(html: str, page_url: str) -> str:
    """Make every href/src in an HTML fragment absolute, relative to the page it came from."""
    return _URL_ATTR.sub(lambda m: m.group(1) + urljoin(page_url, m.group(2)) + m.group(3), html)


def _html(text: str) -> str:
    """Plain text as HTML that shows exactly that text."""
    return escape(text, quote=False)


def build_feeds(
    *,
    title: str,
    description: str,
    language: str,
    home_url: str,
    rss_url: str,
    atom_url: str,
    articles: list[tuple[Article, str, str]],  # (article, absolute URL, HTML body with absolute links), newest first
    full_content: bool,
    author: str | None = None,
) -> tuple[bytes, bytes]:
    fg = FeedGenerator()
    fg.id(home_url)
    fg.title(title)
    fg.subtitle(description or title)
    fg.language(language)
    fg.link(href=home_url, rel="alternate")
    fg.link(href=atom_url, rel="self")
    fg.generator("ssg", version=__version__)
    # RFC 4287 4.1.1: an Atom feed needs an author when its entries have none (name only: RSS
    # would want an e-mail address, so RSS output is unchanged).
    fg.author(name=author or title)
    # feedgen falls back to the clock when no date is set; an empty feed gets the epoch instead.
    newest = articles[0][0].date if articles else _EPOCH
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for article, url, html in articles:
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.guid(url, permalink=True)
        fe.title(article.title)
        fe.link(href=url, rel="alternate")
        fe.published(article.date)
        fe.updated(article.date)
        fe.category(term=article.section)
        if article.summary:
            fe.summary(article.summary)  # Atom <summary>, and RSS <description>
        if full_content and html:
            fe.content(html, type="html")
    atom = fg.atom_str(pretty=True)
    # The RSS <atom:link rel="self"> must name the RSS file itself.
    fg.link(href=rss_url, rel="self", replace=True)
    fg.link(href=home_url, rel="alternate")
    # RSS readers take these as HTML (the Atom feed, already made, keeps the plain text).
    fg.title(_html(title))
    fg.description(_html(description or title))
    for fe, (article, _, _) in zip(fg.entry(), articles):
        fe.title(_html(article.title))
        if article.summary:
            fe.description(_html(article.summary))
    rss = fg.rss_str(pretty=True)
    return rss, atom

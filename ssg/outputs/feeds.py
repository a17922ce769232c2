"""Feeds: RSS 2.0 and Atom, made with feedgen, and JSON Feed 1.1 (``json_feed``).

Feed dates come from the articles, never from the clock, so two builds give the same bytes.
feedgen prepends entries by default; we append in newest-first order instead.

Text is shown as typed in both formats. Atom says what its text is (``type="text"``); RSS
does not, and readers take its titles and descriptions as HTML: there, the text is escaped as
HTML before it goes into the XML, so a typed ``<img onerror=...>`` is shown, never run. JSON strings are text by definition: a
JSON Feed holds the typed text as it is (only ``content_html`` is HTML, the same as the other
feeds' content).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from html import escape
from typing import NamedTuple
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
    hub: str = "",
    archive_url: str | None = None,
) -> tuple[bytes, bytes]:
    """(RSS, Atom). ``hub``: a WebSub hub both name (``rel="hub"``; "" none). ``archive_url``: the
    newest archived feed (RFC 5005) before this one, for the site's Atom feed only: it then also
    says it is the subscription (``rel="current"``). The archives are Atom documents, whose
    ``current`` is the Atom feed: RSS gets no archive links (a reader following them from the
    RSS feed would land in another format with another subscription)."""
    fg = FeedGenerator()
    fg.id(home_url)
    fg.title(title)
    fg.subtitle(description or title)
    fg.language(language)
    fg.link(href=home_url, rel="alternate")
    fg.link(href=atom_url, rel="self")
    if hub:
        fg.link(href=hub, rel="hub")
    if archive_url:
        fg.link(href=atom_url, rel="current")
        fg.link(href=archive_url, rel="prev-archive")
    fg.generator("ssg", version=__version__)
    # RFC 4287 4.1.1: an Atom feed needs an author when its entries have none (name only: RSS
    # would want an e-mail address, so RSS output is unchanged).
    fg.author(name=author or title)
    # feedgen falls back to the clock when no date is set; an empty feed gets the epoch instead.
    # Its last change: the latest date, `updated` or correction of its articles.
    newest = max(a.modified for a, _, _ in articles) if articles else _EPOCH
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for article, url, html in articles:
        fe = fg.add_entry(order="append")
        fe.id(url)
        fe.guid(url, permalink=True)
        fe.title(article.title)
        fe.link(href=url, rel="alternate")
        fe.published(article.date)
        fe.updated(article.modified)
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
    return rss_bytes(fg, hub), atom


def rss_bytes(fg: FeedGenerator, hub: str = "") -> bytes:
    """The RSS of ``fg``, with the WebSub ``hub`` named (``<atom:link rel="hub">``) when given."""
    if not hub:
        return fg.rss_str(pretty=True)
    # feedgen writes only the self link of RSS: the hub's atom:link goes after it.
    from lxml import etree

    _, doc = fg._create_rss()
    self_link = doc.getroot().find("channel/{http://www.w3.org/2005/Atom}link")
    hub_link = etree.Element("{http://www.w3.org/2005/Atom}link", href=hub, rel="hub")
    self_link.addnext(hub_link)
    return etree.tostring(doc, pretty_print=True, encoding="UTF-8", xml_declaration=True)


JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"


class JsonItem(NamedTuple):
    """What a JSON Feed item holds of an article besides the article itself: its absolute URL
    (also its id, as the RSS guid and Atom id), its body as feeds hold it ("" without full
    content), the display names of its tags, its authors as (name, absolute URL or None) and
    its image as an absolute URL."""

    url: str
    html: str
    tags: tuple[str, ...]
    authors: tuple[tuple[str, str | None], ...]
    image: str | None


def json_item(article: Article, item: JsonItem) -> dict:
    """One item, fields in a fixed order. The spec wants ``content_html`` or ``content_text``:
    without the body (``[feeds] full_content = false``) the summary is its text."""
    out: dict = {"id": item.url, "url": item.url, "title": article.title}
    if item.html:
        out["content_html"] = item.html
    else:
        out["content_text"] = article.summary
    if article.summary:
        out["summary"] = article.summary
    if item.image:
        out["image"] = item.image
    out["date_published"] = article.date.isoformat()
    out["date_modified"] = article.modified.isoformat()
    if item.authors:
        out["authors"] = [{"name": name, **({"url": url} if url else {})} for name, url in item.authors]
    if item.tags:
        out["tags"] = list(item.tags)
    return out


def json_feed(*, title: str, description: str, language: str, home_url: str, feed_url: str,
              items: list[dict], hub: str = "") -> bytes:
    """A JSON Feed 1.1 document (https://www.jsonfeed.org/version/1.1/), ``items`` newest first;
    ``hub``: a WebSub hub it names ("" none).
    Deterministic bytes: keys in a fixed order, UTF-8 as it is (``ensure_ascii=False``), a
    final newline."""
    feed = {"version": JSON_FEED_VERSION, "title": title, "home_page_url": home_url, "feed_url": feed_url,
            "description": description or title, "language": language}
    if hub:
        feed["hubs"] = [{"type": "WebSub", "url": hub}]
    feed["items"] = items
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

"""sitemap.xml (split into a sitemap index past 50,000 URLs), news-sitemap.xml and robots.txt:
plain text, no XML library needed.

The news sitemap follows Google News: the articles of the last two days before the build's
``now`` (never the clock), at most 1,000, newest first. Its content depends on ``now``, so the
build asks to be run again when its oldest entry leaves the window (``news_due``).
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from ssg.content.article import clean_text

SITEMAP_LIMIT = 50_000  # URLs per sitemap file (the protocol's limit); past it, a sitemap index
NEWS_LIMIT = 1_000  # URLs in a news sitemap (Google News' limit)
NEWS_WINDOW = dt.timedelta(days=2)  # how old an article may be to be in the news sitemap

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


def escape(text: str) -> str:
    # xml.sax.saxutils.escape would do, but importing it pulls in urllib.request (10 ms a build).
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # Articles are clean from the moment they are read; site.toml's publisher name may not be.
    return clean_text(text)[0]


def sitemap_xml(entries: list[tuple[str, str]]) -> bytes:
    """entries: (absolute URL, lastmod ISO date), in a stable order."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for loc, lastmod in entries:
        lines.append(f"  <url><loc>{escape(loc)}</loc><lastmod>{escape(lastmod)}</lastmod></url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def split(entries: list, limit: int | None = None) -> list[list]:
    """Entries cut into sitemap files of at most ``limit`` (default: SITEMAP_LIMIT, read when
    called so that tests can lower it) URLs each; always at least one, possibly empty, file."""
    limit = limit or SITEMAP_LIMIT
    return [entries[i : i + limit] for i in range(0, len(entries), limit)] or [[]]


def sitemap_part_path(n: int) -> str:
    """Site path of part ``n`` (1-based) of a split sitemap."""
    return f"/sitemap-{n}.xml"


def sitemap_index_xml(parts: list[tuple[str, str | None]]) -> bytes:
    """parts: (absolute URL of a sitemap file, its newest lastmod or None)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for loc, lastmod in parts:
        mod = f"<lastmod>{escape(lastmod)}</lastmod>" if lastmod else ""
        lines.append(f"  <sitemap><loc>{escape(loc)}</loc>{mod}</sitemap>")
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def news_selection(newest_first: Iterable, now: dt.datetime, limit: int | None = None) -> list:
    """The articles (newest first, as the archive orders them) of the NEWS_WINDOW before ``now``,
    at most ``limit`` (default NEWS_LIMIT). Stops at the first article too old: the cost does
    not grow with the archive."""
    limit = limit or NEWS_LIMIT
    cutoff = now - NEWS_WINDOW
    chosen = []
    for a in newest_first:
        if a.date <= cutoff or len(chosen) >= limit:
            break
        chosen.append(a)
    return chosen


def news_due(selection: list) -> dt.datetime | None:
    """When the news sitemap built from ``selection`` goes stale by itself: its oldest article
    leaves the window then (the selection is newest first, so that is the last one)."""
    return selection[-1].date + NEWS_WINDOW if selection else None


def news_language(language: str) -> str:
    """Google News wants an ISO 639 code ("en", "fr"), except zh-cn / zh-tw for Chinese."""
    lang = language.strip().lower().replace("_", "-")
    if lang.startswith("zh"):
        return "zh-tw" if lang in ("zh-tw", "zh-hant", "zh-hk", "zh-hant-tw", "zh-hant-hk") else "zh-cn"
    return lang.split("-", 1)[0] or "en"


def news_sitemap_xml(entries: list[tuple], publication: str, language: str) -> bytes:
    """entries: (absolute URL, publication date in W3C format, title, and the date it last
    changed, its ``updated`` or latest correction, or None), newest first. A changed article's
    entry gets that date as its ``<lastmod>``; ``publication_date`` stays the first one."""
    name, lang = escape(publication), escape(news_language(language))
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">']
    for loc, published, title, *changed in entries:
        lines += ["  <url>", f"    <loc>{escape(loc)}</loc>"]
        if changed and changed[0]:
            lines.append(f"    <lastmod>{escape(changed[0])}</lastmod>")
        lines += [
            "    <news:news>",
            f"      <news:publication><news:name>{name}</news:name><news:language>{lang}</news:language></news:publication>",
            f"      <news:publication_date>{escape(published)}</news:publication_date>",
            f"      <news:title>{escape(title)}</news:title>",
            "    </news:news>",
            "  </url>",
        ]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots_txt(*sitemap_urls: str) -> bytes:
    listed = "".join(f"Sitemap: {url}\n" for url in sitemap_urls)
    return f"User-agent: *\nAllow: /\n\n{listed}".encode("utf-8")

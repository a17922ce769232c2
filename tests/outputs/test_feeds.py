"""Feeds (ssg/feeds.py) as a feed reader shows them: every text field of every feed, parsed by
feedparser, displays exactly what was typed, whatever markup it holds."""

from __future__ import annotations

import html
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitekit import build, make_site

feedparser = pytest.importorskip("feedparser", reason="feedparser (test extra) not installed")

HOSTILE = '<img src=x onerror=alert(1)> <b>bold</b> &amp; & {{ 7*7 }} <script>alert(2)</script> 5 < 6 > 4 "q" \'s'
SITE_TITLE = "News <i>&</i> " + HOSTILE[:20]
DESCRIPTION = "About <img src=x onerror=alert(3)> &lt;"
TOML = f"""\
title = {SITE_TITLE!r}
description = {DESCRIPTION!r}
base_url = "https://example.org/news/"
timezone = "UTC"
[search]
enabled = false
"""


def doc(title: str, date: str, section: str, summary: str, tag: str, author: str, slug: str) -> str:
    import json

    q = json.dumps  # a YAML double-quoted string
    return (f"---\ntitle: {q(title)}\ndate: {date}\nsection: {q(section)}\nslug: {slug}\nsummary: {q(summary)}\n"
            f"tags: [{q(tag)}]\nauthors: [{q(author)}]\n---\n\nBody.\n")


ARTICLES = {
    "content/a/one.md": ("Title " + HOSTILE, "2024-05-02T08:00:00+00:00", "Section <em>x</em> & y", "Summary " + HOSTILE,
                         "Tag <b>t</b>", "Author & <Sons>", "one"),
    "content/a/two.md": ("AT&T buys <T-Mobile>", "2024-05-01T08:00:00+00:00", "Section <em>x</em> & y", "Plain summary.",
                         "Tag <b>t</b>", "O'Hara", "two"),
}
TYPED_TITLES = {v[0] for v in ARTICLES.values()}
TYPED_SUMMARIES = {v[3] for v in ARTICLES.values()}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def shown(detail) -> str:
    """What a reader displays for a feedparser text construct: plain text as it is; HTML as the
    text it renders, which must hold no element at all (an <img onerror> would run)."""
    if detail.type == "text/plain":
        return detail.value
    assert detail.type == "text/html", detail.type
    parser = _Tags()
    parser.feed(detail.value)
    assert parser.tags == [], (detail.value, parser.tags)
    return html.unescape(detail.value)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("feeds"), {rel: doc(*v) for rel, v in ARTICLES.items()}, toml=TOML)
    build(site)
    return site


def all_feeds(site: Path) -> list[Path]:
    root = site / "public"
    return sorted([*root.rglob("feed.xml"), *root.rglob("atom.xml")])


def test_every_text_field_of_every_feed_shows_what_was_typed(site):
    paths = all_feeds(site)
    assert len(paths) == 10  # the site, the section, the tag, two authors: RSS and Atom each
    channel_titles = set()
    for path in paths:
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        feed = parsed.feed
        channel_titles.add(shown(feed.title_detail))
        assert shown(feed.subtitle_detail) == DESCRIPTION or shown(feed.subtitle_detail).endswith(f": {DESCRIPTION}")
        if path.name == "atom.xml":
            assert feed.author_detail.name == SITE_TITLE
        assert parsed.entries, path
        for entry in parsed.entries:
            title = shown(entry.title_detail)
            assert title in TYPED_TITLES, (path, entry.title_detail)
            assert shown(entry.summary_detail) in TYPED_SUMMARIES, (path, entry.summary_detail)
            assert [t.term for t in entry.tags] == ["Section <em>x</em> & y"]
    assert channel_titles == {SITE_TITLE, f"Section <em>x</em> & y — {SITE_TITLE}", f"Tag: Tag <b>t</b> — {SITE_TITLE}",
                              f"Author: Author & <Sons> — {SITE_TITLE}", f"Author: O'Hara — {SITE_TITLE}"}


def test_rss_descriptions_hold_no_live_markup(site):
    """The issue's case: a summary `<img src=x onerror=alert(1)>` reached RSS readers as an element."""
    parsed = feedparser.parse((site / "public/feed.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.title_detail.value.startswith("Title"))
    assert entry.summary_detail.type == "text/html"
    assert "<img" not in entry.summary and "&lt;img src=x onerror=alert(1)&gt;" in entry.summary

"""Feeds (ssg/feeds.py) as a feed reader shows them: every text field of every feed, parsed by
feedparser, displays exactly what was typed, whatever markup it holds. The JSON feeds
(feed.json) hold the RSS feeds' items and follow the JSON Feed 1.1 spec."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitekit import build, links, make_site, page

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
# An article with an image, an update, two authors and two spellings of markup-like text.
STORM = "Storm <script>alert(1)</script> & {{ x }} *hits*"
STORM_SUMMARY = "Winds <b>&amp;</b> rain \u2028 “quotes” — naïve"
STORM_DOC = f"""---
title: {json.dumps(STORM)}
date: 2024-05-03T09:30:00+02:00
updated: 2024-05-04T10:00:00+02:00
section: "Section <em>x</em> & y"
slug: storm
summary: {json.dumps(STORM_SUMMARY)}
tags: ["Tag <b>t</b>"]
authors: ["O'Hara", "Author & <Sons>"]
image: https://cdn.example.org/img/storm photo.jpg
---

Read [the other story](../one/) and <b>this</b>.
"""
TYPED_TITLES = {v[0] for v in ARTICLES.values()} | {STORM}
TYPED_SUMMARIES = {v[3] for v in ARTICLES.values()} | {STORM_SUMMARY}


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
    files = {rel: doc(*v) for rel, v in ARTICLES.items()} | {"content/a/storm.md": STORM_DOC}
    site = make_site(tmp_path_factory.mktemp("feeds"), files, toml=TOML)
    build(site)
    return site


def all_feeds(site: Path) -> list[Path]:
    """The subscription feeds (the monthly archived feeds, YYYY/MM/atom.xml: test_feed_archives.py)."""
    root = site / "public"
    return sorted(p for p in [*root.rglob("feed.xml"), *root.rglob("atom.xml")]
                  if not re.search(r"/\d{4}/\d\d/atom\.xml$", p.as_posix()))


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


# --- JSON Feed 1.1 (feed.json beside every feed.xml) -------------------------------------------

BASE = "https://example.org/news/"
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)\Z")


def json_feed_problems(feed) -> list[str]:
    """The rules of https://www.jsonfeed.org/version/1.1/ a feed must follow: top-level
    ``version`` (the 1.1 URL), ``title`` and ``items`` required; each item's ``id`` required and
    a string, ``content_html`` or ``content_text`` present; optional fields of the right types;
    dates in RFC 3339; URLs absolute."""
    problems = []

    def need(where: str, obj: dict, key: str, kind, required: bool = False) -> None:
        if key not in obj:
            if required:
                problems.append(f"{where}: no {key}")
        elif not isinstance(obj[key], kind):
            problems.append(f"{where}: {key} is {type(obj[key]).__name__}")
        elif key.endswith("url") or key == "image":
            if not obj[key].startswith("https://"):
                problems.append(f"{where}: {key} {obj[key]!r} is not absolute")

    if not isinstance(feed, dict):
        return ["not an object"]
    if feed.get("version") != "https://jsonfeed.org/version/1.1":
        problems.append(f"version {feed.get('version')!r}")
    need("feed", feed, "title", str, True)
    need("feed", feed, "items", list, True)
    for key in ("home_page_url", "feed_url", "description", "language"):
        need("feed", feed, key, str)
    for n, item in enumerate(feed.get("items") or []):
        where = f"item {n}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not an object")
            continue
        need(where, item, "id", str, True)
        for key in ("url", "title", "content_html", "content_text", "summary", "image", "date_published",
                    "date_modified"):
            need(where, item, key, str)
        if "content_html" not in item and "content_text" not in item:
            problems.append(f"{where}: neither content_html nor content_text")
        for key in ("date_published", "date_modified"):
            if isinstance(item.get(key), str) and not RFC3339.match(item[key]):
                problems.append(f"{where}: {key} {item[key]!r} is not RFC 3339")
        need(where, item, "tags", list)
        if not all(isinstance(t, str) for t in item.get("tags", [])):
            problems.append(f"{where}: a tag is not a string")
        need(where, item, "authors", list)
        for author in item.get("authors", []):
            if not isinstance(author, dict) or not isinstance(author.get("name"), str):
                problems.append(f"{where}: author {author!r} has no name")
            else:
                need(where, author, "url", str)
    return problems


def test_the_validator_catches_what_the_spec_forbids():
    good = {"version": "https://jsonfeed.org/version/1.1", "title": "t",
            "items": [{"id": "1", "content_text": "x", "date_published": "2024-05-01T08:00:00+02:00"}]}
    assert json_feed_problems(good) == []
    bad = {"version": "https://jsonfeed.org/version/1", "items": [
        {"id": 1, "content_text": "x"}, {"id": "2"}, {"id": "3", "content_html": "", "date_modified": "2024-05-01"},
        {"id": "4", "content_text": "", "url": "/relative/", "tags": [1], "authors": [{"url": "https://x/"}]}]}
    assert len(json_feed_problems(bad)) == 8


def json_feeds(site: Path) -> list[tuple[Path, Path]]:
    """(feed.xml, feed.json) of every RSS feed of the site."""
    return [(rss, rss.with_name("feed.json")) for rss in sorted((site / "public").rglob("feed.xml"))]


def test_a_json_feed_beside_every_rss_feed_with_its_items(site):
    pairs = json_feeds(site)
    assert len(pairs) == 5 and sorted((site / "public").rglob("feed.json")) == [j for _, j in pairs]
    for rss_path, json_path in pairs:
        data = json_path.read_bytes()
        feed = json.loads(data)
        assert json_feed_problems(feed) == [], json_path
        # Deterministic bytes: this exact formatting, UTF-8 as it is, a final newline.
        assert data == (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode()
        rss = feedparser.parse(rss_path.read_bytes())
        rel = json_path.relative_to(site / "public").as_posix()
        assert feed["feed_url"] == BASE + rel and feed["home_page_url"] == rss.feed.link
        assert feed["title"] == shown(rss.feed.title_detail) and feed["description"] == shown(rss.feed.subtitle_detail)
        assert feed["language"] == "en"
        items = feed["items"]
        assert [i["id"] for i in items] == [e.id for e in rss.entries]  # the RSS guids, in order
        assert [i["url"] for i in items] == [e.link for e in rss.entries]
        assert [i["title"] for i in items] == [shown(e.title_detail) for e in rss.entries]
        assert [i["summary"] for i in items] == [shown(e.summary_detail) for e in rss.entries]


def test_every_json_text_field_is_what_was_typed(site):
    import xml.etree.ElementTree as ET

    feed = json.loads((site / "public/feed.json").read_text(encoding="utf-8"))
    assert feed["title"] == SITE_TITLE and feed["description"] == DESCRIPTION
    storm, one, two = feed["items"]
    assert storm["title"] == STORM and storm["summary"] == STORM_SUMMARY
    assert storm["url"] == BASE + "section-em-x-em-y/storm/"
    assert storm["image"] == "https://cdn.example.org/img/storm%20photo.jpg"
    assert storm["date_published"] == "2024-05-03T09:30:00+02:00" and storm["date_modified"] == "2024-05-04T10:00:00+02:00"
    assert storm["authors"] == [{"name": "O'Hara", "url": BASE + "authors/ohara/"},
                                {"name": "Author & <Sons>", "url": BASE + "authors/author-sons/"}]
    assert storm["tags"] == ["Tag <b>t</b>"] and "image" not in one
    assert (one["title"], two["title"]) == (ARTICLES["content/a/one.md"][0], ARTICLES["content/a/two.md"][0])
    assert one["date_modified"] == one["date_published"] == "2024-05-02T08:00:00+00:00"
    # content_html: the same HTML as the Atom feed's content, links made absolute.
    atom = ET.parse(site / "public/atom.xml").getroot()
    ns = "{http://www.w3.org/2005/Atom}"
    contents = [e.find(f"{ns}content").text for e in atom.findall(f"{ns}entry")]
    assert [i["content_html"] for i in feed["items"]] == contents
    assert f'href="{BASE}section-em-x-em-y/one/"' in storm["content_html"]


def test_pages_link_their_json_feeds(site):
    alternates = links(page(site, "section-em-x-em-y/storm/index.html")).alternates
    json_links = [(a["title"], a["href"]) for a in alternates if a["type"] == "application/feed+json"]
    assert json_links == [("Section <em>x</em> & y (JSON Feed)", "/news/section-em-x-em-y/feed.json"),
                          (f"{SITE_TITLE} (JSON Feed)", "/news/feed.json")]
    alternates = links(page(site, "tags/tag-b-t-b/index.html")).alternates
    assert [a["type"] for a in alternates][:3] == ["application/rss+xml", "application/atom+xml", "application/feed+json"]
    assert alternates[2] == {"rel": "alternate", "type": "application/feed+json", "title": "Tag: Tag <b>t</b> (JSON Feed)",
                             "href": "/news/tags/tag-b-t-b/feed.json"}


def test_feedparser_reads_the_json_feeds(site):
    """feedparser reads JSON Feed from its 6.1 development line on; 6.0 does not (skipped)."""
    probe = feedparser.parse(b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []}')
    if not probe.version.startswith("json"):
        pytest.skip(f"feedparser {feedparser.__version__} does not read JSON Feed")
    for rss_path, json_path in json_feeds(site):
        parsed, rss = feedparser.parse(json_path.read_bytes()), feedparser.parse(rss_path.read_bytes())
        assert not parsed.bozo, (json_path, parsed.get("bozo_exception"))
        assert [(e.id, e.title, e.link) for e in parsed.entries] == [
            (e.id, shown(e.title_detail), e.link) for e in rss.entries]


def test_without_full_content_an_item_has_its_summary_as_text(tmp_path):
    files = {"content/a/one.md": doc("One & <two>", "2024-05-02T08:00:00+00:00", "World", "Sum <b>", "t", "a", "one")}
    site = make_site(tmp_path, files, toml=TOML + "[feeds]\nfull_content = false\n")
    build(site)
    (item,) = json.loads((site / "public/feed.json").read_text(encoding="utf-8"))["items"]
    assert "content_html" not in item and item["content_text"] == item["summary"] == "Sum <b>"

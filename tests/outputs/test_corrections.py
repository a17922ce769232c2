"""Corrections: the notice on the article, JSON-LD CorrectionComment and dateModified, the
sitemap, and the site-wide /corrections/ page and feeds."""

from __future__ import annotations

import html
import json
import re

import feedparser
import pytest

from sitekit import article, build, make_site, write

HOSTILE = "<script>alert(1)</script> {{ x }} *stars* # & more"


@pytest.fixture
def site(tmp_path):
    toml = ('title = "Test News"\nbase_url = "https://example.org/news/"\ntimezone = "UTC"\n'
            '[news]\ncorrections_policy = "/about/corrections/"\n')
    return make_site(tmp_path, {
        "content/world/a.md": article("Storm hits", "2024-05-01T10:00:00+00:00", "World", slug="storm", extra=(
            "corrections:\n"
            "  - {date: 2024-05-03T08:00:00+00:00, text: 'The storm hit on Monday, not Tuesday.'}\n"
            f"  - date: 2024-05-02\n    text: \"{HOSTILE}\"\n")),
        "content/world/b.md": article("Talks resume", "2024-05-02T10:00:00+00:00", "World", slug="talks",
                                      extra="corrections: [{date: 2024-05-04T12:00:00+00:00, text: Name spelt wrong.}]"),
        "content/world/c.md": article("Quiet day", "2024-05-05T10:00:00+00:00", "World", slug="quiet"),
    }, toml=toml)


def json_ld(html: str) -> list:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))


def test_the_article_shows_its_corrections_and_says_so_in_json_ld(site):
    build(site)
    html = (site / "public/world/storm/index.html").read_text()
    notice = html[html.index('<aside class="corrections"'):html.index("</aside>", html.index('<aside class="corrections"'))]
    assert '<time datetime="2024-05-02T00:00:00+00:00">2 May 2024</time>: &lt;script&gt;alert(1)&lt;/script&gt; ' \
           "{{ x }} *stars* # &amp; more" in notice
    assert notice.index("2 May 2024") < notice.index("3 May 2024")  # in the order they were made
    assert '<a href="#corrections">Corrected</a>' in html
    news, _ = json_ld(html)
    assert news["correction"] == [
        {"@type": "CorrectionComment", "text": HOSTILE, "datePublished": "2024-05-02T00:00:00+00:00"},
        {"@type": "CorrectionComment", "text": "The storm hit on Monday, not Tuesday.",
         "datePublished": "2024-05-03T08:00:00+00:00"}]
    assert news["dateModified"] == "2024-05-03T08:00:00+00:00" and news["datePublished"] == "2024-05-01T10:00:00+00:00"
    assert news["publisher"]["correctionsPolicy"] == "https://example.org/news/about/corrections/"
    assert 'content="2024-05-03T08:00:00+00:00"' in html  # article:modified_time
    quiet = (site / "public/world/quiet/index.html").read_text()
    assert "correction" not in json_ld(quiet)[0] and 'class="corrections"' not in quiet


def test_a_correction_moves_the_sitemap_lastmod(site):
    build(site)
    sitemap = (site / "public/sitemap.xml").read_text()
    assert re.search(r"<loc>https://example.org/news/world/storm/</loc>\s*<lastmod>2024-05-03</lastmod>", sitemap)


def test_the_corrections_page_and_feeds_list_every_correction_newest_first(site):
    build(site)
    public = site / "public"
    page = (public / "corrections/index.html").read_text()
    order = [page.index(s) for s in ("Name spelt wrong.", "The storm hit on Monday", "&lt;script&gt;alert(1)")]
    assert order == sorted(order)
    assert 'href="/news/world/talks/#corrections"' in page and 'href="/news/about/corrections/"' in page
    assert 'href="/news/corrections/"' in (public / "index.html").read_text()  # every footer links it
    for name in ("feed.xml", "atom.xml"):
        feed = feedparser.parse((public / "corrections" / name).read_bytes())
        assert not feed.bozo, feed.bozo_exception
        assert [e.title for e in feed.entries] == ["Correction: Talks resume", "Correction: Storm hits",
                                                   "Correction: Storm hits"]
        # Text as typed, in both formats: Atom says it is text; RSS holds it escaped as HTML.
        summary = feed.entries[2].summary_detail
        assert summary.type == ("text/plain" if name == "atom.xml" else "text/html")
        assert (summary.value if summary.type == "text/plain" else html.unescape(summary.value)) == HOSTILE
        assert feed.entries[0].link == "https://example.org/news/world/talks/#corrections"
        assert len({e.id for e in feed.entries}) == 3
        dates = [e.published_parsed for e in feed.entries]
        assert dates == sorted(dates, reverse=True)


def test_no_correction_no_corrections_page(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-05-01T10:00:00+00:00", "World")})
    build(site)
    assert not (site / "public/corrections").exists()
    assert "/corrections/" not in (site / "public/index.html").read_text()


@pytest.mark.parametrize("value, message", [
    ("corrections: fixed it", "corrections: expected a list of {date, text}, got 'fixed it'"),
    ("corrections: [{text: No date}]", "corrections: entry 1: date: expected a date, got None"),
    ("corrections: [{date: 2024-05-02, text: ''}]", "corrections: entry 1: text missing or not text"),
    ("corrections: [{date: 2024-05-02, text: x, by: me}]", "corrections: entry 1: expected date and text only"),
])
def test_bad_corrections_are_reported_with_their_line(tmp_path, value, message):
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-05-01T10:00:00+00:00", "World", extra=value)})
    _, problems = build(site, expect_ok=False)
    [p] = problems.errors
    assert str(p).startswith(f"content/world/a.md:5: {message}"), str(p)


def test_adding_a_correction_rebuilds_what_shows_it_like_a_clean_build(site, tmp_path):
    build(site)
    text = (site / "content/world/c.md").read_text().replace(
        "section:", "corrections: [{date: 2024-05-06T09:00:00+00:00, text: Late fix.}]\nsection:")
    write(site / "content/world/c.md", text)
    build(site)
    incremental = {p.relative_to(site / "public"): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    build(site, clean=True)
    clean = {p.relative_to(site / "public"): p.read_bytes() for p in (site / "public").rglob("*") if p.is_file()}
    assert incremental == clean and "Late fix." in (site / "public/corrections/index.html").read_text()


def test_a_correction_gives_the_news_sitemap_entry_its_lastmod(tmp_path):
    site = make_site(tmp_path, {
        "content/world/a.md": article("Fresh", "2024-05-31T10:00:00+00:00", "World", slug="fresh",
                                      extra="corrections: [{date: 2024-06-01T08:00:00+00:00, text: Fixed.}]"),
        "content/world/b.md": article("Also fresh", "2024-05-31T11:00:00+00:00", "World", slug="also")})
    build(site)
    news = (site / "public/news-sitemap.xml").read_text()
    fresh = news[news.index("world/fresh/"):news.index("</url>", news.index("world/fresh/"))]
    assert "<lastmod>2024-06-01T08:00:00+00:00</lastmod>" in fresh
    assert "<news:publication_date>2024-05-31T10:00:00+00:00</news:publication_date>" in fresh
    also = news[news.index("world/also/"):]
    assert "<lastmod>" not in also[:also.index("</url>")]


def test_a_correction_moves_the_feeds_updated_times(site):
    build(site)
    public = site / "public"
    atom = feedparser.parse((public / "world/atom.xml").read_bytes())
    storm = next(e for e in atom.entries if e.link.endswith("/world/storm/"))
    assert storm.updated == "2024-05-03T08:00:00+00:00" and storm.published == "2024-05-01T10:00:00+00:00"
    # The feed's own updated: its latest change, here the newest story's date (5 May, after every correction).
    assert atom.feed.updated == "2024-05-05T10:00:00+00:00"
    items = json.loads((public / "world/feed.json").read_text())["items"]
    assert next(i for i in items if i["url"].endswith("/world/talks/"))["date_modified"] == "2024-05-04T12:00:00+00:00"
    write(site / "content/world/c.md", (site / "content/world/c.md").read_text().replace(
        "section:", "corrections: [{date: 2024-05-07T09:00:00+00:00, text: Late fix.}]\nsection:"))
    build(site)
    assert feedparser.parse((public / "world/atom.xml").read_bytes()).feed.updated == "2024-05-07T09:00:00+00:00"
    archive = feedparser.parse((public / "2024/05/atom.xml").read_bytes())
    assert archive.feed.updated == "2024-05-07T09:00:00+00:00"

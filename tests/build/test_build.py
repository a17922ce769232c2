"""The build half (issue 3), on small inline sites: pages, feeds, sitemap, drafts and the future,
hosting under a subpath, escaping, determinism, never-half-written output, errors, themes."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import ssg.publish.writer
from ssg.cli import main
from sitekit import (SITE_TOML, article, build, html_files, leftovers, links, make_site, page, stats, tree,
                     without_json_ld, write)
from ssg.problems import Problems

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"

# Five World articles (w5 newest), two Business, one Sport, a draft and one after NOW.
NEWS = {
    "content/world/w1.md": article("World one", "2024-05-01T08:00:00+00:00", "World", "First world body.", slug="w1", summary="Sum w1"),
    "content/world/w2.md": article("World two", "2024-05-02T08:00:00+00:00", "World", "Second world body.", slug="w2", summary="Sum w2"),
    "content/world/w3.md": article("World three", "2024-05-03T08:00:00+00:00", "World", "Third world body.", slug="w3", summary="Sum w3"),
    "content/world/w4.md": article("World four", "2024-05-04T08:00:00+00:00", "World", "Fourth world body.", slug="w4", summary="Sum w4"),
    "content/world/w5.md": article("World five", "2024-05-05T08:00:00+00:00", "World",
                                   "Fifth world body with [a root link](/news/other/), [a relative one](../w4/) "
                                   "and a footnote[^1].\n\n[^1]: The note.", slug="w5", summary="Sum w5"),
    "content/business/b1.md": article("Business one", "2024-05-02T10:00:00+00:00", "Business", "B1 body.", slug="b1", summary="Sum b1"),
    "content/business/b2.md": article("Business two", "2024-05-06T10:00:00+00:00", "Business", "B2 body.", slug="b2", summary="Sum b2"),
    "content/sport/s1.md": article("Sport one", "2024-04-30T12:00:00+00:00", "Sport", "S1 body.", slug="s1", summary="Sum s1"),
    "content/world/draft.md": article("Draft story", "2024-05-03T09:00:00+00:00", "World", "DRAFT BODY", slug="draft-story",
                                      extra="draft: true"),
    "content/world/future.md": article("Future story", "2024-07-01T09:00:00+00:00", "World", "FUTURE BODY", slug="future-story"),
}


@pytest.fixture
def news(tmp_path) -> Path:
    site = make_site(tmp_path, NEWS)
    build(site)
    return site


def url_to_file(site: Path, url: str, base: str = "/news/") -> Path:
    """A root-relative or absolute URL of the built site -> its file in public/."""
    url = re.sub(r"^https://example\.org", "", url).split("#")[0]
    assert url.startswith(base), url
    rel = url[len(base):]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site / "public" / rel


def h1(doc: str) -> str:
    m = re.search(r"<h1[^>]*>(.*?)</h1>", doc, re.S)
    assert m, "no <h1>"
    return html.unescape(re.sub(r"<[^>]+>", "", m.group(1))).strip()


def teaser_titles(doc: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'class="teaser-title"><a href="[^"]*">(.*?)</a>', doc)]


def xml(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


# --- pages ----------------------------------------------------------------------------------

def test_article_page_has_headline_time_section_body_and_neighbours(news):
    doc = page(news, "world/w3/index.html")
    assert h1(doc) == "World three"
    assert '<time datetime="2024-05-03T08:00:00+00:00">3 May 2024</time>' in doc
    assert '<a href="/news/world/">World</a>' in doc
    assert "<p>Third world body.</p>" in doc
    # Previous/next within its section only: w2 is older, w4 newer (b1 of 2 May is elsewhere).
    assert re.search(r'href="/news/world/w4/" rel="next">World four<', doc)
    assert re.search(r'href="/news/world/w2/" rel="prev">World two<', doc)
    assert "/news/business/" not in doc.split('class="story-nav"')[1]
    newest, oldest = page(news, "world/w5/index.html"), page(news, "world/w1/index.html")
    assert 'rel="next"' not in newest and 'href="/news/world/w4/" rel="prev"' in newest
    assert 'rel="prev"' not in oldest and 'href="/news/world/w2/" rel="next"' in oldest
    lone = page(news, "sport/s1/index.html")
    assert 'class="story-nav"' not in lone


def test_section_index_newest_first_and_paginated(news):
    first = page(news, "world/index.html")
    assert teaser_titles(first) == ["World five", "World four"]
    assert "Sum w5" in first and '<time datetime="2024-05-05T08:00:00+00:00"' in first
    second, third = page(news, "world/page/2/index.html"), page(news, "world/page/3/index.html")
    assert teaser_titles(second) == ["World three", "World two"]
    assert teaser_titles(third) == ["World one"]
    assert not (news / "public/world/page/4").exists()
    assert not (news / "public/world/page/1").exists()  # page 1 is the section URL itself
    assert 'href="/news/world/page/2/" rel="next"' in first and 'rel="prev"' not in first
    assert 'href="/news/world/" rel="prev"' in second and 'href="/news/world/page/3/" rel="next"' in second
    assert 'href="/news/world/page/2/" rel="prev"' in third and 'rel="next"' not in third
    for doc in (first, second, third):
        nav = doc.split('class="pagination"')[1].split("</nav>")[0]
        hrefs = re.findall(r'href="([^"]+)"', nav)
        assert {"/news/world/", "/news/world/page/2/", "/news/world/page/3/"} <= set(hrefs)
        for href in hrefs:
            assert url_to_file(news, href).is_file(), href
    assert 'class="pagination"' not in page(news, "sport/index.html")  # one page: no pager


def test_home_page_latest_and_a_block_per_section(tmp_path):
    """A lead story, the next latest as teasers, then a block per section with its newest
    stories but those shown above: no story twice on the page (issue 17)."""
    site = make_site(tmp_path, NEWS, toml='base_url = "https://example.org/news/"\nhome_latest = 3\nhome_per_section = 2\n')
    build(site)
    doc = page(site, "index.html")
    front = doc.split('<section class="front"')[1].split("</section>")[0]
    lead = re.search(r'class="lead-title"><a href="([^"]+)">(.*?)</a>', front)
    assert lead.groups() == ("/news/business/b2/", "Business two") and "Sum b2" in front
    assert teaser_titles(front) == ["World five", "World four"]
    blocks = re.findall(r'<section class="section-block" aria-labelledby="block-([a-z-]+)">(.*?)</section>', doc, re.S)
    assert [slug for slug, _ in blocks] == ["business", "sport", "world"]
    links = {slug: re.findall(r'<li><a href="([^"]+)"', block) for slug, block in blocks}
    assert links == {"business": ["/news/business/b1/"], "sport": ["/news/sport/s1/"],
                     "world": ["/news/world/w3/", "/news/world/w2/"]}
    world = dict(blocks)["world"]
    assert 'href="/news/world/">' in world and "All 5 in World" in world
    shown = re.findall(r'<a href="(/news/[a-z]+/[a-z0-9]+/)">', doc.split('<main')[1].split("</main>")[0])
    assert len(shown) == len(set(shown)) == 7, shown
    assert "Draft story" not in doc and "Future story" not in doc


def test_drafts_and_future_left_out_unless_asked(tmp_path):
    site = make_site(tmp_path, NEWS)
    build(site)
    out = site / "public"
    assert not (out / "world/draft-story").exists() and not (out / "world/future-story").exists()
    everything = b"".join(tree(out).values())
    for word in (b"DRAFT BODY", b"FUTURE BODY", b"Draft story", b"Future story"):
        assert word not in everything
    build(site, drafts=True)
    assert "DRAFT BODY" in page(site, "world/draft-story/index.html")
    assert not (out / "world/future-story").exists()
    build(site, future=True)
    assert "FUTURE BODY" in page(site, "world/future-story/index.html")
    assert not (out / "world/draft-story").exists()  # and gone again without --drafts
    assert "/news/world/future-story/" in (out / "sitemap.xml").read_text()
    assert "Future story" in (out / "feed.xml").read_text()
    build(site)
    assert not (out / "world/future-story").exists()


def test_drafts_and_future_through_the_cli(tmp_path, capsys):
    files = dict(NEWS)
    files["content/world/future.md"] = article("Future story", "2999-01-01T00:00:00+00:00", "World", "FUTURE BODY", slug="future-story")
    site = make_site(tmp_path, files)
    out = site / "public"
    assert main(["build", "--site", str(site)]) == 0
    assert (out / "world/w1/index.html").is_file()
    assert not (out / "world/draft-story").exists() and not (out / "world/future-story").exists()
    assert main(["build", "--site", str(site), "--drafts"]) == 0
    assert (out / "world/draft-story/index.html").is_file() and not (out / "world/future-story").exists()
    assert main(["build", "--site", str(site), "--future"]) == 0
    assert (out / "world/future-story/index.html").is_file() and not (out / "world/draft-story").exists()
    assert main(["build", "--site", str(site), "--drafts", "--future"]) == 0
    assert (out / "world/future-story/index.html").is_file() and (out / "world/draft-story/index.html").is_file()
    assert "Traceback" not in capsys.readouterr().err


# --- feeds ----------------------------------------------------------------------------------

def rss_items(path: Path) -> list[ET.Element]:
    return xml(path).findall("./channel/item")


def test_feeds_exist_site_wide_and_per_section_and_are_linked(news):
    out = news / "public"
    for rel in ("feed.xml", "atom.xml", "world/feed.xml", "world/atom.xml", "business/feed.xml",
                "business/atom.xml", "sport/feed.xml", "sport/atom.xml"):
        assert (out / rel).is_file(), rel
    assert [i.findtext("title") for i in rss_items(out / "sport/feed.xml")] == ["Sport one"]
    assert [e.findtext(f"{ATOM}title") for e in xml(out / "business/atom.xml").findall(f"{ATOM}entry")] == [
        "Business two", "Business one"]
    for rel, expected in (
        ("index.html", {"/news/feed.xml", "/news/atom.xml"}),
        ("world/index.html", {"/news/world/feed.xml", "/news/world/atom.xml", "/news/feed.xml", "/news/atom.xml"}),
        ("world/page/2/index.html", {"/news/world/feed.xml", "/news/world/atom.xml"}),
        ("world/w2/index.html", {"/news/world/feed.xml", "/news/world/atom.xml", "/news/feed.xml"}),
        ("404.html", {"/news/feed.xml", "/news/atom.xml"}),
    ):
        alts = links(page(news, rel)).alternates
        hrefs = {a["href"] for a in alts}
        assert expected <= hrefs, (rel, hrefs)
        for a in alts:
            assert a["type"] in ("application/rss+xml", "application/atom+xml", "application/feed+json") and a.get("title")
            assert url_to_file(news, a["href"]).is_file()
            if a["type"] == "application/feed+json":  # beside its RSS feed (tests/outputs/test_feeds.py)
                assert a["href"].removesuffix(".json") + ".xml" in hrefs
                continue
            kind = "rss" if xml(url_to_file(news, a["href"])).tag == "rss" else "atom"
            assert a["type"] == f"application/{kind}+xml"


def test_feed_entries_newest_first_with_absolute_links_and_dates(news):
    out = news / "public"
    items = rss_items(out / "feed.xml")
    titles = [i.findtext("title") for i in items]
    assert titles == ["Business two", "World five", "World four", "World three", "Business one", "World two",
                      "World one", "Sport one"]
    dates = [email.utils.parsedate_to_datetime(i.findtext("pubDate")) for i in items]
    assert all(d.tzinfo is not None for d in dates)
    assert dates == sorted(dates, reverse=True)
    for i in items:
        assert i.findtext("link").startswith("https://example.org/news/")
        assert url_to_file(news, i.findtext("link")).is_file()
        assert i.findtext("guid") == i.findtext("link")
    root = xml(out / "atom.xml")
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == titles
    published = [dt.datetime.fromisoformat(e.findtext(f"{ATOM}published")) for e in entries]
    assert published == sorted(published, reverse=True) and all(p.tzinfo for p in published)
    for e in entries:
        href = e.find(f"{ATOM}link").get("href")
        assert href.startswith("https://example.org/news/") and e.findtext(f"{ATOM}id") == href
    # Feeds name themselves: RSS atom:link rel=self, Atom link rel=self, both absolute.
    selfs = [l.get("href") for l in xml(out / "world/feed.xml").iter(f"{ATOM}link") if l.get("rel") == "self"]
    assert selfs == ["https://example.org/news/world/feed.xml"]
    selfs = [l.get("href") for l in xml(out / "world/atom.xml").findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert selfs == ["https://example.org/news/world/atom.xml"]


def test_feed_atom_has_an_author(news):
    # RFC 4287 4.1.1: an atom:feed must have an atom:author unless every entry has one.
    for rel in ("atom.xml", "world/atom.xml"):
        root = xml(news / "public" / rel)
        entries = root.findall(f"{ATOM}entry")
        assert root.find(f"{ATOM}author/{ATOM}name") is not None or all(e.find(f"{ATOM}author") is not None for e in entries)


def test_links_inside_feed_content_are_absolute(news):
    w5 = next(i for i in rss_items(news / "public/world/feed.xml") if i.findtext("title") == "World five")
    body = w5.findtext(CONTENT)
    assert 'href="https://example.org/news/other/"' in body
    assert 'href="https://example.org/news/world/w4/"' in body  # ../w4/ from /news/world/w5/
    assert 'href="https://example.org/news/world/w5/#fn-1"' in body
    assert not re.search(r'(?:href|src)="(?!https?://)', body)
    entry = next(e for e in xml(news / "public/atom.xml").findall(f"{ATOM}entry") if e.findtext(f"{ATOM}title") == "World five")
    assert 'href="https://example.org/news/other/"' in entry.findtext(f"{ATOM}content")
    # The page itself keeps the link as written.
    assert 'href="/news/other/"' in page(news, "world/w5/index.html")


def test_feed_updated_is_the_newest_article_not_the_clock(tmp_path):
    site = make_site(tmp_path, NEWS)
    build(site, now=dt.datetime(2024, 6, 1, tzinfo=dt.timezone.utc))
    first = tree(site / "public")
    rss = xml(site / "public/feed.xml")
    newest = dt.datetime(2024, 5, 6, 10, 0, tzinfo=dt.timezone.utc)  # Business two
    assert email.utils.parsedate_to_datetime(rss.findtext("channel/lastBuildDate")) == newest
    atom = xml(site / "public/atom.xml")
    assert dt.datetime.fromisoformat(atom.findtext(f"{ATOM}updated")) == newest
    world = xml(site / "public/world/atom.xml")
    assert dt.datetime.fromisoformat(world.findtext(f"{ATOM}updated")) == dt.datetime(2024, 5, 5, 8, tzinfo=dt.timezone.utc)
    # A later clock changes nothing.
    build(site, now=dt.datetime(2024, 6, 20, tzinfo=dt.timezone.utc), clean=True)
    assert tree(site / "public") == first


def test_feed_items_and_full_content_settings(tmp_path):
    toml = 'base_url = "https://example.org/news/"\n[feeds]\nitems = 3\nfull_content = false\n'
    site = make_site(tmp_path, NEWS, toml=toml)
    build(site)
    items = rss_items(site / "public/feed.xml")
    assert [i.findtext("title") for i in items] == ["Business two", "World five", "World four"]
    assert all(i.find(CONTENT) is None for i in items)
    assert [i.findtext("description") for i in items] == ["Sum b2", "Sum w5", "Sum w4"]
    entries = xml(site / "public/world/atom.xml").findall(f"{ATOM}entry")
    assert len(entries) == 3
    assert [e.findtext(f"{ATOM}summary") for e in entries] == ["Sum w5", "Sum w4", "Sum w3"]
    for feed in [*(site / "public").rglob("feed.xml"), *(site / "public").rglob("atom.xml")]:
        assert b"body" not in feed.read_bytes(), feed  # no article body, only summaries
    # The default: full content.
    site2 = make_site(tmp_path, NEWS, name="full")
    build(site2)
    items = rss_items(site2 / "public/feed.xml")
    assert len(items) == 8
    assert items[0].findtext(CONTENT).strip() == "<p>B2 body.</p>"


# --- sitemap, robots, 404 ------------------------------------------------------------------

def test_sitemap_lists_every_page_with_lastmod_and_robots_points_to_it(news):
    out = news / "public"
    root = xml(out / "sitemap.xml")
    entries = {u.findtext(f"{SITEMAP}loc"): u.findtext(f"{SITEMAP}lastmod") for u in root.findall(f"{SITEMAP}url")}
    pages = {"https://example.org/news/" + p.relative_to(out).as_posix().removesuffix("index.html")
             for p in html_files(out) if p.name != "404.html" and p.parent != out / "search"}  # noindex
    assert set(entries) == pages
    dated = {u for u in pages if re.match(r"https://example.org/news/(\d{4}|archive)/", u)}  # date archives
    assert len(pages - dated) == 1 + 3 + 1 + 1 + 8  # home, world x3, business, sport, articles
    assert "https://example.org/news/archive/" in dated and "https://example.org/news/2024/05/" in dated
    for loc, lastmod in entries.items():
        assert re.fullmatch(r"\d{4}-\d\d-\d\d", lastmod), (loc, lastmod)
    assert entries["https://example.org/news/world/w3/"] == "2024-05-03"
    assert entries["https://example.org/news/"] == "2024-05-06"
    assert entries["https://example.org/news/world/page/3/"] == "2024-05-01"
    robots = (out / "robots.txt").read_text()
    assert "Sitemap: https://example.org/news/sitemap.xml" in robots.splitlines()
    assert robots.startswith("User-agent: *")


def test_404_page_exists_and_links_from_anywhere(news):
    doc = page(news, "404.html")
    assert "Page not found" in doc
    # Served for any missing path, so every link must be root-relative or absolute.
    for _, _, url in links(doc).urls:
        assert url.startswith(("/news/", "https://example.org/news/", "#")), url


# --- hosting under a subpath --------------------------------------------------------------

def archive_files() -> dict[str, str]:
    """NEWS with its in-content links pointing at pages of a site served under /archive/."""
    return {k: v.replace("/news/other/", "/archive/world/w1/").replace("../w4/", "/archive/world/w4/") for k, v in NEWS.items()}


def all_urls_under(site: Path, base_path: str) -> None:
    out = site / "public"
    checked = 0
    for path in html_files(out):
        for tag, attr, url in links(path.read_text()).urls:
            checked += 1
            assert url.startswith((base_path, f"https://example.org{base_path}", "#")), (path, tag, attr, url)
            if url.startswith(base_path):
                assert url_to_file(site, url, base_path).is_file(), (path, url)
    assert checked > 100
    for feed in [*out.rglob("feed.xml"), *out.rglob("atom.xml")]:
        text = feed.read_text()
        urls = re.findall(r"(?:<link>|<guid[^>]*>|href=\"|<id>)(.*?)[<\"]", text)
        assert urls and all(u.startswith(f"https://example.org{base_path}") for u in urls), (feed, urls)
    locs = re.findall(r"<loc>(.*?)</loc>", (out / "sitemap.xml").read_text())
    assert locs and all(u.startswith(f"https://example.org{base_path}") for u in locs)
    assert f"Sitemap: https://example.org{base_path}sitemap.xml" in (out / "robots.txt").read_text()


def test_base_url_with_a_path_puts_everything_under_it(tmp_path):
    site = make_site(tmp_path, archive_files(), toml='base_url = "https://example.org/archive/"\npage_size = 2\n')
    build(site)
    all_urls_under(site, "/archive/")
    assert re.search(r'<link rel="stylesheet" href="/archive/style\.[0-9a-f]{10}\.css">', page(site, "world/w1/index.html"))


def test_base_url_option_overrides_site_toml(tmp_path, capsys):
    site = make_site(tmp_path, archive_files())
    assert main(["build", "--site", str(site), "--base-url", "https://example.org/archive"]) == 0
    all_urls_under(site, "/archive/")
    assert main(["build", "--site", str(site), "--base-url", "example.org/x/"]) == 1
    assert "--base-url" in capsys.readouterr().err


# --- escaping -------------------------------------------------------------------------------

HOSTILE_TITLE = "Storm <script>alert(1)</script> & {{ x }} *stars* # hash caf&#233;"
HOSTILE_BODY = ("Raw <script>alert(2)</script> and <b>bold</b>, {{ x }} and {% if y %}z{% endif %}.\n\n"
                "Importer-escaped: caf\\&#233; \\*stars\\* \\&amp;\n")


def hostile_site(tmp_path, toml_extra: str = "", name: str = "site") -> Path:
    files = {"content/a.md": article(HOSTILE_TITLE, "2024-05-01T00:00:00+00:00", "World <i>&</i> {{ s }}", HOSTILE_BODY,
                                     slug="storm", summary="Sum <em>x</em> {{ y }}")}
    return make_site(tmp_path, files, toml=f'base_url = "https://example.org/"\n{toml_extra}', name=name)


def test_hostile_text_is_escaped_exactly_as_typed(tmp_path):
    site = hostile_site(tmp_path)
    build(site)
    out = site / "public"
    for path in html_files(out):
        if path.parent == out / "search":
            continue  # the search page's own script (tests/test_search.py); it shows no article text
        doc = without_json_ld(path.read_text())  # (and without the theme's own scripts: relative times)
        assert "<script" not in doc.lower(), path
        assert "<b>" not in doc and "<em>x" not in doc and "<i>&" not in doc, path
    doc = (out / "world-i-i-s/storm/index.html").read_text()
    assert h1(doc) == HOSTILE_TITLE
    assert "Storm &lt;script&gt;alert(1)&lt;/script&gt; &amp; {{ x }} *stars* # hash caf&amp;#233;" in doc
    assert "<p>Raw &lt;script&gt;alert(2)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;, {{ x }} and {% if y %}z{% endif %}.</p>" in doc
    assert "<p>Importer-escaped: caf&amp;#233; *stars* &amp;amp;</p>" in doc
    assert "World &lt;i&gt;&amp;&lt;/i&gt; {{ s }}" in doc
    assert 'content="Sum &lt;em&gt;x&lt;/em&gt; {{ y }}"' in doc
    # Feeds: the text is exactly what was typed (RSS titles and descriptions are HTML to a
    # reader: escaped text there); HTML content holds no live markup.
    item = rss_items(out / "feed.xml")[0]
    assert item.findtext("title") == html.escape(HOSTILE_TITLE, quote=False)
    assert item.findtext("description") == "Sum &lt;em&gt;x&lt;/em&gt; {{ y }}"
    assert item.findtext("category") == "World <i>&</i> {{ s }}"
    body = item.findtext(CONTENT)
    assert "<script" not in body and "&lt;script&gt;alert(2)&lt;/script&gt;" in body and "{{ x }}" in body
    entry = xml(out / "atom.xml").find(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}title") == HOSTILE_TITLE
    assert "<script" not in entry.findtext(f"{ATOM}content")


def test_raw_html_passes_only_when_allowed(tmp_path):
    site = hostile_site(tmp_path, "[markdown]\nallow_html = true\n")
    build(site)
    doc = page(site, "world-i-i-s/storm/index.html")
    assert "<b>bold</b>" in doc and "<script>alert(2)</script>" in doc
    assert h1(doc) == HOSTILE_TITLE and "<script>alert(1)" not in doc  # titles stay text


# --- determinism, staleness -----------------------------------------------------------------

def test_two_builds_give_byte_identical_trees(tmp_path):
    a = make_site(tmp_path, NEWS, name="a")
    build(a)
    b = tmp_path / "b"
    shutil.copytree(a, b, ignore=shutil.ignore_patterns("public", ".ssg"))
    time.sleep(0.01)
    for f in (b / "content").rglob("*.md"):  # other mtimes, same bytes
        f.touch()
    build(b)
    assert tree(a / "public") == tree(b / "public")
    build(a, clean=True)
    assert tree(a / "public") == tree(b / "public")


def test_parallel_and_serial_builds_are_identical(tmp_path):
    files = {f"content/s{i % 4}/a{i}.md": article(f"Story {i} <&>", f"2024-0{1 + i % 5}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00",
                                                  f"Section {i % 4}", f"Body *{i}*.", slug=f"story-{i}", summary=f"S {i}")
             for i in range(320)}
    a = make_site(tmp_path, files, name="serial")
    b = make_site(tmp_path, files, name="parallel")
    build(a, jobs=1)
    build(b, jobs=3)
    assert tree(a / "public") == tree(b / "public")


def test_deleted_and_renamed_articles_leave_nothing_stale(tmp_path):
    site = make_site(tmp_path, NEWS)
    build(site)
    out = site / "public"
    assert (out / "sport/s1/index.html").is_file()
    (site / "content/sport/s1.md").unlink()  # the only Sport article: the section goes too
    old = site / "content/world/w2.md"
    write(site / "content/world/renamed.md", old.read_text().replace("slug: w2", "slug: w2-renamed"))
    old.unlink()
    build(site)
    assert not (out / "sport").exists()
    assert not (out / "world/w2").exists()
    assert (out / "world/w2-renamed/index.html").is_file()
    everything = b"".join(tree(out).values())
    assert b"/news/sport/" not in everything and b"/news/world/w2/" not in everything
    # Exactly what a clean build of the same input gives, and nothing beside public/.
    fresh = tmp_path / "fresh"
    shutil.copytree(site, fresh, ignore=shutil.ignore_patterns("public", ".ssg"))
    build(fresh)
    assert tree(out) == tree(fresh / "public")
    assert leftovers(out) == []


def test_unchanged_output_files_are_not_rewritten(tmp_path):
    site = make_site(tmp_path, NEWS)
    build(site)
    out = site / "public"
    before = stats(out)
    time.sleep(0.02)
    write(site / "content/sport/s1.md", NEWS["content/sport/s1.md"].replace("S1 body.", "S1 body, edited."))
    build(site)
    after = stats(out)
    assert after["sport/s1/index.html"][0] != before["sport/s1/index.html"][0]
    assert after["sport/s1/index.html"][1] > before["sport/s1/index.html"][1]
    for rel in ("world/w1/index.html", "world/index.html", "business/b2/index.html", "style.css", "404.html",
                "world/feed.xml", "index.html", "sitemap.xml"):
        assert after[rel][1:] == before[rel][1:], rel  # same mtime and inode: not rewritten
    # A clean (full) rebuild also keeps the files whose bytes did not change.
    time.sleep(0.02)
    build(site, clean=True)
    again = stats(out)
    assert again == after


# --- errors and failed builds ------------------------------------------------------------------

def test_two_articles_claiming_one_url_is_an_error_naming_both(tmp_path, capsys):
    site = make_site(tmp_path, NEWS)
    build(site)
    before = stats(site / "public")
    write(site / "content/world/clash.md", article("Clash", "2024-05-07T00:00:00+00:00", "World", "x", slug="w3"))
    report, problems = build(site, expect_ok=False)
    assert not report.published
    text = "\n".join(map(str, problems.errors))
    assert "content/world/clash.md" in text and "content/world/w3.md" in text and "world/w3/index.html" in text
    assert stats(site / "public") == before
    assert leftovers(site / "public") == []
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "content/world/clash.md" in err and "content/world/w3.md" in err and "Traceback" not in err
    assert stats(site / "public") == before


def test_static_file_clashing_with_a_page_is_an_error(tmp_path):
    site = make_site(tmp_path, NEWS)
    write(site / "static/world/w1/index.html", "<p>static</p>")
    report, problems = build(site, expect_ok=False)
    assert not report.published and not (site / "public").exists()
    assert any("world/w1/index.html" in str(p) and "content/world/w1.md" in str(p) for p in problems.errors)


def test_bad_front_matter_reported_with_file_and_line(tmp_path, capsys):
    files = dict(NEWS)
    files["content/bad/yaml.md"] = "---\ntitle: Fine\ndate: 2024-05-01\nsummary: a: b\nsection: X\n---\n\nbody\n"
    files["content/bad/date.md"] = "---\ntitle: Fine\nsection: X\ndate: next tuesday\n---\n\nbody\n"
    files["content/bad/draft.md"] = "---\ntitle: Fine\nsection: X\ndate: 2024-05-01\n\ndraft: maybe\n---\n\nbody\n"
    files["content/bad/nofront.md"] = "Just text, no front matter.\n"
    site = make_site(tmp_path, files)
    assert main(["build", "--site", str(site)]) == 1
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert any(line.startswith("content/bad/yaml.md:4: invalid YAML front matter: mapping values are not allowed") for line in err)
    assert "content/bad/date.md:4: date: not an ISO 8601 date: 'next tuesday'" in err
    assert "content/bad/draft.md:6: draft: expected true or false, got 'maybe'" in err
    assert any(line.startswith("content/bad/nofront.md:1: ") for line in err)
    assert "Traceback" not in captured.err
    # Nothing was published: a typo must not take the articles off the site.
    assert not (site / "public").exists() and "build failed: public/ left as it was" in captured.out
    # --keep-going publishes the others, and still fails the exit status.
    assert main(["build", "--site", str(site), "--keep-going"]) == 1
    captured = capsys.readouterr()
    assert sum(line.startswith("content/bad/") for line in captured.err.splitlines()) == 4
    assert (site / "public/world/w3/index.html").is_file()
    assert not (site / "public/x").exists()
    assert "built" in captured.out


def test_a_typo_in_front_matter_does_not_unpublish_the_article(tmp_path, capsys):
    """The only Sport article gets a typo: the build fails and public/ stays exactly as it was
    (the story and its section stay on the web); --keep-going publishes the site without them."""
    site = make_site(tmp_path, NEWS)
    build(site)
    before = stats(site / "public")
    time.sleep(0.02)
    path = site / "content/sport/s1.md"
    path.write_text(path.read_text().replace("date: 2024-04-30T12:00:00+00:00", "date: 2024-04-31"))
    write(site / "content/world/w6.md", article("World six", "2024-05-07T08:00:00+00:00", "World", "Six.", slug="w6"))
    for args in ([], ["--clean"], ["-j", "2"]):
        assert main(["build", "--site", str(site), *args]) == 1
        captured = capsys.readouterr()
        assert "content/sport/s1.md:3: invalid YAML front matter: '2024-04-31': day is out of range for month" in captured.err
        assert "build failed: public/ left as it was" in captured.out and "Traceback" not in captured.err
        assert stats(site / "public") == before, args
        assert leftovers(site / "public") == []
    assert main(["build", "--site", str(site), "--keep-going"]) == 1
    assert not (site / "public/sport").exists() and (site / "public/world/w6/index.html").is_file()


def break_templates(site: Path) -> None:
    write(site / "templates/article.html", '{% extends "base.html" %}\n{% block main %}\n<h1>{{ article.title }</h1>\n{% endblock %}\n')
    write(site / "templates/section.html", '{% extends "base.html" %}\n{% block main %}\n\n\n{% for x in %}\n{% endblock %}\n')
    write(site / "templates/home.html", '{% extends "base.html" %}\n{% block main %}\n{{ site.no_such_thing }}\n{% endblock %}\n')


def test_template_errors_reported_all_at_once_and_public_untouched(tmp_path, capsys):
    site = make_site(tmp_path, NEWS)
    build(site)
    before = stats(site / "public")
    time.sleep(0.02)
    break_templates(site)
    assert main(["build", "--site", str(site)]) == 1
    captured = capsys.readouterr()
    err = captured.err
    assert "Traceback" not in err
    assert re.search(r"templates/article\.html:3: template syntax error", err), err
    assert re.search(r"templates/section\.html:5: template syntax error", err), err
    assert re.search(r"templates/home\.html:3: template error .*no_such_thing", err), err
    assert stats(site / "public") == before
    assert leftovers(site / "public") == []
    assert "left as it was" in captured.out
    # Same with a clean build, and through the API.
    report, problems = build(site, expect_ok=False, clean=True)
    assert not report.published and len(problems.errors) == 3
    assert stats(site / "public") == before


def test_an_error_in_a_shared_template_is_reported_once(tmp_path):
    site = make_site(tmp_path, NEWS)
    base = (Path(__file__).resolve().parents[2] / "themes/default/templates/base.html").read_text()
    lines = base.splitlines()
    lines[6] = "{{ broken( }}"
    write(site / "templates/base.html", "\n".join(lines) + "\n")
    report, problems = build(site, expect_ok=False)
    assert not report.published and not (site / "public").exists()
    assert [(Path(p.path).name, p.line) for p in problems.errors] == [("base.html", 7)]


@pytest.mark.parametrize("where", ["full-add", "full-commit", "incremental-add", "incremental-commit"])
def test_an_exception_while_publishing_leaves_public_as_it_was(tmp_path, monkeypatch, where):
    site = make_site(tmp_path, NEWS)
    build(site)
    out = site / "public"
    if where.startswith("full"):
        shutil.rmtree(out)  # a first build stages the whole site (later ones update it in place)
    before = stats(out) if out.exists() else None
    write(site / "content/world/new.md", article("New", "2024-05-10T00:00:00+00:00", "World", "New body.", slug="new"))
    calls = []

    def boom(*args, **kwargs):
        calls.append(args)
        raise OSError(28, "No space left on device")

    if where == "full-add":
        original = ssg.publish.writer.FullPublisher.add

        def add(self, rel, data):
            if len(calls) >= 5:
                boom()
            calls.append(rel)
            return original(self, rel, data)
        monkeypatch.setattr(ssg.publish.writer.FullPublisher, "add", add)
    elif where == "full-commit":
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):
            if os.fspath(dst) == os.fspath(out):
                boom()
            return real_replace(src, dst, *args, **kwargs)
        monkeypatch.setattr(os, "replace", replace)
    elif where == "incremental-add":
        monkeypatch.setattr(ssg.publish.writer.IncrementalPublisher, "add", boom)
    else:  # the journal cannot be written: the commit has not begun
        monkeypatch.setattr(ssg.publish.writer, "write_atomic", boom)
    with pytest.raises(OSError):
        build(site, expect_ok=False, clean=where.startswith("full"))
    assert calls
    assert (stats(out) == before) if before is not None else not out.exists()
    assert leftovers(out) == []
    monkeypatch.undo()
    build(site)
    assert (out / "world/new/index.html").is_file()
    assert leftovers(out) == []


def test_leftovers_of_a_killed_build_are_cleaned_even_when_nothing_changed(tmp_path):
    site = make_site(tmp_path, NEWS)
    old = time.time() - 3600  # not "racy": the no-change shortcut may be taken
    for f in [*site.rglob("*.md"), site / "site.toml"]:
        os.utime(f, (old, old))
    build(site)
    out = site / "public"
    before = stats(out)
    staging = tmp_path / "site" / ".public.staging-dead"
    write(staging / "world/w1/index.html", "half a page")
    pending = tmp_path / "site" / ".public.pending"
    write(pending / "index.html", "half")
    report, _ = build(site)
    assert report.nothing_changed
    assert leftovers(out) == []
    assert stats(out) == before


@pytest.mark.slow
def test_kill_9_mid_build_leaves_previous_public_intact(tmp_path):
    files = {f"content/s{i % 5}/a{i}.md": article(f"Article {i}", f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00",
                                                  f"Section {i % 5}", f"Body of article {i}. " * 20, slug=f"a{i}")
             for i in range(1500)}
    site = make_site(tmp_path, files, toml='base_url = "https://example.org/"\npage_size = 10\n[images]\ncards = false\n')
    build(site, jobs=2)
    out = site / "public"
    before = stats(out)
    write(site / "templates/article.html", '{% extends "base.html" %}\n{% block main %}<h1>NEW {{ article.title }}</h1>{% endblock %}\n')
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    proc = subprocess.Popen([sys.executable, "-m", "ssg", "build", "--site", str(site), "--clean", "-j", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while proc.poll() is None and time.monotonic() < deadline:
            if any(site.glob(".public.staging-*")):
                break
            time.sleep(0.001)
        assert proc.poll() is None, "the build ended before it could be killed: make it slower"
        time.sleep(0.05)  # some pages are staged by now
        assert proc.poll() is None, "the build ended before it could be killed: make it slower"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    staged = list(site.glob(".public.staging-*"))
    assert staged and any(staged[0].rglob("index.html")), "killed before anything was staged"
    assert stats(out) == before
    # The next build succeeds, publishes the change and removes what the killed one left.
    report, _ = build(site)
    assert report.published
    assert "<h1>NEW Article 7</h1>" in page(site, "section-2/a7/index.html")
    assert leftovers(out) == []


# --- themes ---------------------------------------------------------------------------------

def test_site_templates_override_the_theme(tmp_path):
    site = make_site(tmp_path, NEWS)
    write(site / "templates/article.html",
          '{% extends "base.html" %}\n{% block main %}<p class="mine">MINE {{ article.title }} {{ article.section.name }}</p>{% endblock %}\n')
    build(site)
    doc = page(site, "world/w1/index.html")
    assert '<p class="mine">MINE World one World</p>' in doc
    assert "<title>World one — " in doc  # base.html still the theme's
    assert 'class="teaser"' in page(site, "world/index.html")  # section.html still the theme's


def test_a_child_theme_inherits_its_parent_and_static_files_merge(tmp_path):
    site = make_site(tmp_path, NEWS, toml='base_url = "https://example.org/news/"\ntheme = "child"\n')
    write(site / "themes/child/theme.toml", 'name = "child"\nparent = "default"\n')
    write(site / "themes/child/templates/home.html", '{% extends "base.html" %}\n{% block main %}<p>CHILD HOME</p>{% endblock %}\n')
    write(site / "themes/child/static/child.css", "/* child */\n")
    write(site / "themes/child/static/img/logo.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    build(site)
    out = site / "public"
    assert "CHILD HOME" in page(site, "index.html")
    assert h1(page(site, "world/w1/index.html")) == "World one"  # the parent's article.html
    default_css = (Path(__file__).resolve().parents[2] / "themes/default/static/style.css").read_bytes()
    assert (out / "style.css").read_bytes() == default_css
    assert (out / "child.css").read_text() == "/* child */\n"
    assert (out / "img/logo.svg").is_file()
    # The site's own static/ overrides both; its templates/ override the child theme.
    write(site / "static/style.css", "/* site */\n")
    write(site / "static/child.css", "/* site child */\n")
    write(site / "static/extra.txt", "extra\n")
    write(site / "templates/home.html", '{% extends "base.html" %}\n{% block main %}<p>SITE HOME</p>{% endblock %}\n')
    build(site)
    assert (out / "style.css").read_text() == "/* site */\n"
    assert (out / "child.css").read_text() == "/* site child */\n"
    assert (out / "extra.txt").read_text() == "extra\n"
    assert "SITE HOME" in page(site, "index.html") and "CHILD HOME" not in page(site, "index.html")
    # A static file removed from the site is gone from the output (the child's comes back).
    (site / "static/child.css").unlink()
    build(site)
    assert (out / "child.css").read_text() == "/* child */\n"


def test_unknown_theme_is_an_error(tmp_path, capsys):
    site = make_site(tmp_path, NEWS, toml='base_url = "https://example.org/"\ntheme = "nope"\n')
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "theme" in err and "'nope'" in err and "Traceback" not in err
    assert not (site / "public").exists()


def test_default_theme_basics(news):
    doc = page(news, "world/w1/index.html")
    assert re.search(r'<html lang="en">', doc)
    assert 'name="viewport"' in doc and 'class="skip-link" href="#main"' in doc and 'id="main"' in doc
    css = (news / "public/style.css").read_text()
    assert "prefers-color-scheme: dark" in css and ":focus" in css
    # No request to any other host: stylesheets, scripts, images only from the site itself.
    for path in html_files(news / "public"):
        doc = path.read_text()
        for url in re.findall(r'<link rel="(?:stylesheet|icon|preload)"[^>]* href="([^"]*)"', doc) + re.findall(r' src="([^"]*)"', doc):
            assert url.startswith("/news/"), (path, url)
        if path.parent != news / "public" / "search":  # search runs in the browser (tests/test_search.py)
            assert "<script" not in without_json_ld(doc)
    assert "@import" not in css and "url(http" not in css and "url(//" not in css


# --- what a build leaves out says so (issue 17) ------------------------------------------------

SITE_TOML_NO_SEARCH = SITE_TOML + "[search]\nenabled = false\n"
LEFT_OUT = [("content/world/draft.md", "a draft: left out (--drafts to include)"),
            ("content/world/future.md", "dated 2024-07-01, in the future: left out (--future to include)")]


def _notes(problems) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in problems.notes]


def _aged(site: Path, *paths: Path) -> None:
    """Content files an hour old (or ``paths`` half an hour old): out of the racy window, so a
    build may stop at "nothing changed" or plan an edit alone."""
    old = time.time() - 3600
    for p in paths or [*(site / "content").rglob("*"), *(site / "templates").rglob("*"), site / "site.toml"]:
        os.utime(p, (old + 1800 * bool(paths),) * 2)


def test_articles_left_out_say_so_on_every_build(tmp_path):
    site = make_site(tmp_path, NEWS, toml=SITE_TOML_NO_SEARCH)
    report, problems = build(site)
    assert _notes(problems) == LEFT_OUT and not problems.errors and not problems.warnings
    assert str(problems.notes[1]) == "content/world/future.md: dated 2024-07-01, in the future: left out (--future to include)"
    assert ", 2 left out: 1 draft, 1 in the future (" in report.summary()
    _aged(site)
    build(site)  # the snapshot of aged files
    # Nothing changed: no file is read, and the notes still come, from the build state.
    report, problems = build(site)
    assert report.nothing_changed and _notes(problems) == LEFT_OUT, report.summary()
    assert report.summary().startswith("nothing changed: public/ is up to date, 2 left out: 1 draft, 1 in the future (")
    # An edit built alone (the draft's text too: it moves nothing) says the same.
    w1, draft = site / "content/world/w1.md", site / "content/world/draft.md"
    w1.write_text(w1.read_text().replace("Sum w1", "Sum w1, corrected"))
    draft.write_text(draft.read_text().replace("draft: true", "draft: true\nsummary: Still a draft"))
    _aged(site, w1, draft)
    report, problems = build(site)
    assert report.edit_only and _notes(problems) == LEFT_OUT, report.summary()
    assert "2 left out: 1 draft, 1 in the future" in report.summary()
    # With --drafts the draft is built; the future one is still left out (a full plan).
    report, problems = build(site, drafts=True)
    assert _notes(problems) == LEFT_OUT[1:] and ", 1 left out: 1 in the future (" in report.summary()
    report, problems = build(site, drafts=True, future=True)
    assert not problems.items and "left out" not in report.summary()


def test_a_state_that_does_not_remember_what_was_left_out_plans_the_site(tmp_path):
    from ssg.build.state import BuildState, state_path

    site = make_site(tmp_path, NEWS, toml=SITE_TOML_NO_SEARCH)
    build(site)
    _aged(site)
    build(site)
    state = BuildState(state_path(site, "public"), Problems())
    state.db.execute("DELETE FROM blobs WHERE name = 'left_out'")  # as a state written before this
    state.close()
    report, problems = build(site)
    assert not report.nothing_changed and report.written == 0 and _notes(problems) == LEFT_OUT, report.summary()
    report, problems = build(site)
    assert report.nothing_changed and _notes(problems) == LEFT_OUT


def test_left_out_articles_through_the_cli(tmp_path, capsys):
    files = dict(NEWS)
    files["content/world/future.md"] = article("Future story", "2999-01-01T00:00:00+00:00", "World", "FUTURE BODY", slug="future-story")
    site = make_site(tmp_path, files)
    assert main(["build", "--site", str(site)]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["content/world/draft.md: a draft: left out (--drafts to include)",
                                "content/world/future.md: dated 2999-01-01, in the future: left out (--future to include)"]
    assert ", 2 left out: 1 draft, 1 in the future (" in out.splitlines()[-1]
    assert main(["build", "--site", str(site), "-q"]) == 0
    assert capsys.readouterr() == ("", "")
    assert main(["build", "--site", str(site), "--drafts"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines() == ["content/world/future.md: dated 2999-01-01, in the future: left out (--future to include)"]
    assert ", 1 left out: 1 in the future (" in out


def test_the_summary_of_a_failed_build(tmp_path):
    from ssg.build.driver import BuildReport

    report = BuildReport(output="docs", seconds=0.5, drafts=1, future=2)
    assert report.summary() == "build failed: docs/ left as it was (0.50 s)"
    assert report.summary(kept="the preview still shows the last good build") == (
        "build failed: the preview still shows the last good build (0.50 s)")
    report.published = True
    assert report.summary().endswith(", 0 unchanged, 3 left out: 1 draft, 2 in the future (0.50 s)")


# --- image fields -------------------------------------------------------------------------------

IMAGE_TEMPLATE = ("{% for name in ['image', 'image_url', 'image_alt', 'image_caption'] %}"
                  "<p>{{ name }}=[{{ article[name] }}]</p>{% endfor %}\n")


def test_image_alt_and_caption_reach_the_page_through_builds_of_every_kind(tmp_path):
    files = {"content/world/w1.md": article("With a picture", "2024-05-01T08:00:00+00:00", "World", "Body.", slug="w1",
                                            extra='image: https://cdn.example.org/img/harbour one.jpg\nimage_alt: "Boats <moored> & a crane"\n'
                                                  'image_caption: "Photo: A. Reporter"'),
             "content/world/w2.md": article("Other", "2024-05-02T08:00:00+00:00", "World", "Body.", slug="w2",
                                            extra="image: https://cdn.example.net/x.jpg\nimage_alt: 5\nimage_caption: [a]")}
    site = make_site(tmp_path, files, toml=SITE_TOML_NO_SEARCH)
    write(site / "templates/article.html", IMAGE_TEMPLATE)
    _, problems = build(site)
    assert [(p.path, p.line, p.message) for p in problems.warnings] == [
        ("content/world/w2.md", 7, "image_alt: expected text, got 5; ignored"),
        ("content/world/w2.md", 8, "image_caption: expected text, got a list; ignored")]
    one = page(site, "world/w1/index.html")
    assert "<p>image=[https://cdn.example.org/img/harbour%20one.jpg]</p>" in one
    assert "<p>image_url=[https://cdn.example.org/img/harbour%20one.jpg]</p>" in one
    assert "<p>image_alt=[Boats &lt;moored&gt; &amp; a crane]</p><p>image_caption=[Photo: A. Reporter]</p>" in one
    two = page(site, "world/w2/index.html")
    assert "<p>image=[https://cdn.example.net/x.jpg]</p>" in two and "<p>image_alt=[None]</p><p>image_caption=[None]" in two
    # A new caption alone is an edit built alone; it reaches the page.
    _aged(site)
    build(site)
    w1 = site / "content/world/w1.md"
    w1.write_text(w1.read_text().replace("Photo: A. Reporter", "Photo: B. Reporter"))
    _aged(site, w1)
    report, _ = build(site)
    assert report.edit_only and "<p>image_caption=[Photo: B. Reporter]</p>" in page(site, "world/w1/index.html")
    # A new setting makes every page again, from the articles the state remembers (none re-read).
    (site / "site.toml").write_text(SITE_TOML_NO_SEARCH.replace('title = "Test News"', 'title = "Other News"'))
    _aged(site, site / "site.toml")
    report, _ = build(site)
    assert not report.edit_only and report.rendered >= 2, report.summary()
    one = page(site, "world/w1/index.html")
    assert "<p>image_alt=[Boats &lt;moored&gt; &amp; a crane]</p><p>image_caption=[Photo: B. Reporter]</p>" in one
    clean = make_site(tmp_path, {r: (site / r).read_text() for r in files}, toml=(site / "site.toml").read_text(), name="clean")
    write(clean / "templates/article.html", IMAGE_TEMPLATE)
    build(clean)
    assert tree(site / "public") == tree(clean / "public")

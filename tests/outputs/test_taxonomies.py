"""Tags and authors: a page per term (paginated, with RSS and Atom feeds), an index per taxonomy
with counts, links from every article, the `[taxonomies]` switches, escaping, subpaths,
determinism and incremental builds. Small inline sites (tests/sitekit.py)."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitekit import TOOLS, article, build, html_files, links, make_site, page, tree, validators_home, write

HOSTILE = '<script>&"{{ x }}'
TOML = """\
title = "Test News"
description = "A test archive."
base_url = "https://example.org/news/"
page_size = 2
[feeds]
items = 2
"""


def tagged(title, date, section, tags=(), authors=(), **kw) -> str:
    extra = []
    if tags:
        extra.append("tags: [" + ", ".join(_q(t) for t in tags) + "]")
    if authors:
        extra.append("authors: [" + ", ".join(_q(a) for a in authors) + "]")
    return article(title, date, section, f"Body of {title}.", extra="\n".join(extra), **kw)


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


# Newest first: e (May 5) … a (May 1). "Weather" is spelled "weather" by the older ones.
FILES = {
    "content/world/a.md": tagged("Alpha", "2024-05-01T08:00:00+00:00", "World", ["weather"], ["Jane Doe"], slug="a"),
    "content/world/b.md": tagged("Bravo", "2024-05-02T08:00:00+00:00", "World", ["weather", "Floods"], ["Jane Doe", "Bob Roe"], slug="b"),
    "content/business/c.md": tagged("Charlie", "2024-05-03T08:00:00+00:00", "Business", ["Markets"], ["bob roe"], slug="c"),
    "content/world/d.md": tagged("Delta", "2024-05-04T08:00:00+00:00", "World", ["Weather", HOSTILE], slug="d"),
    "content/business/e.md": tagged("Echo", "2024-05-05T08:00:00+00:00", "Business", slug="e"),
}


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("tax"), FILES, toml=TOML)
    build(site)
    return site


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="teaser-title"><a href="[^"]*">([^<]*)</a>', html)


def hrefs(html: str) -> set[str]:
    return {v for tag, attr, v in links(html).urls if attr == "href"}


# --- pages -------------------------------------------------------------------------------------

def test_term_pages_list_their_articles_newest_first_paginated(news):
    assert titles(page(news, "tags/weather/index.html")) == ["Delta", "Bravo"]
    assert titles(page(news, "tags/weather/page/2/index.html")) == ["Alpha"]
    assert not (news / "public/tags/weather/page/3").exists()
    first = page(news, "tags/weather/index.html")
    assert "3 articles · page 1 of 2" in first
    assert 'href="/news/tags/weather/page/2/" rel="next"' in first
    assert titles(page(news, "authors/jane-doe/index.html")) == ["Bravo", "Alpha"]
    assert titles(page(news, "authors/bob-roe/index.html")) == ["Charlie", "Bravo"]
    assert titles(page(news, "tags/markets/index.html")) == ["Charlie"]


def test_two_spellings_are_one_term_named_as_the_newest_article_spells_it(news):
    doc = page(news, "tags/weather/index.html")
    assert "<h1>Weather</h1>" in doc and "<title>Tag: Weather — Test News</title>" in doc
    assert "<h1>bob roe</h1>" in page(news, "authors/bob-roe/index.html")  # Charlie (newest) spells it so
    # Older articles link the term under its display name too.
    assert '<a href="/news/tags/weather/" rel="tag">Weather</a>' in page(news, "world/a/index.html")
    assert '<a href="/news/authors/bob-roe/" rel="author">bob roe</a>' in page(news, "world/b/index.html")
    assert not (news / "public/tags/weather-2").exists()


def test_index_lists_every_term_sorted_with_counts(news):
    doc = page(news, "tags/index.html")
    items = re.findall(r'<li><a href="/news/tags/([^/]+)/">([^<]*)</a> <span class="count">(\d+)', doc)
    assert items == [("script-x", "&lt;script&gt;&amp;&#34;{{ x }}", "1"), ("floods", "Floods", "1"),
                     ("markets", "Markets", "1"), ("weather", "Weather", "3")]
    assert "4 tags" in doc
    authors = re.findall(r'<li><a href="/news/authors/([^/]+)/">([^<]*)</a> <span class="count">(\d+)', page(news, "authors/index.html"))
    assert authors == [("bob-roe", "bob roe", "2"), ("jane-doe", "Jane Doe", "2")]


def test_article_pages_link_their_tags_and_authors(news):
    doc = page(news, "world/b/index.html")
    assert ('<p class="byline">By <a href="/news/authors/jane-doe/" rel="author">Jane Doe</a> and '
            '<a href="/news/authors/bob-roe/" rel="author">bob roe</a></p>') in doc
    tags = re.findall(r'<a href="([^"]*)" rel="tag">([^<]*)</a>', doc)
    assert tags == [("/news/tags/weather/", "Weather"), ("/news/tags/floods/", "Floods")]
    doc = page(news, "business/e/index.html")  # no tags, no authors: nothing shown
    assert 'class="byline"' not in doc and 'class="story-tags"' not in doc


def test_one_article_tag_has_a_linked_page(news):
    doc = page(news, "tags/floods/index.html")
    assert titles(doc) == ["Bravo"] and "1 article ·" in doc and 'class="pagination"' not in doc
    assert "/news/tags/floods/" in hrefs(page(news, "tags/index.html"))
    assert "/news/tags/floods/" in hrefs(page(news, "world/b/index.html"))


def test_every_page_links_the_indexes(news):
    for path in html_files(news / "public"):
        found = hrefs(path.read_text())
        assert {"/news/tags/", "/news/authors/", "/news/archive/"} <= found, path


def test_sitemap_lists_term_pages_with_lastmod(news):
    xml = (news / "public/sitemap.xml").read_text()
    for path, day in (("tags/", "2024-05-04"), ("tags/weather/", "2024-05-04"), ("tags/weather/page/2/", "2024-05-01"),
                      ("authors/bob-roe/", "2024-05-03")):
        assert f"<loc>https://example.org/news/{path}</loc><lastmod>{day}</lastmod>" in re.sub(r"\s+", "", xml), path


# --- feeds -------------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def test_term_feeds_newest_first_and_linked(news):
    rss = ET.parse(news / "public/tags/weather/feed.xml").getroot()
    channel = rss.find("channel")
    assert channel.findtext("title") == "Tag: Weather — Test News"
    assert [i.findtext("title") for i in channel.findall("item")] == ["Delta", "Bravo"]  # [feeds] items = 2
    assert [i.findtext("link") for i in channel.findall("item")] == ["https://example.org/news/world/d/",
                                                                    "https://example.org/news/world/b/"]
    atom = ET.parse(news / "public/authors/jane-doe/atom.xml").getroot()
    assert [e.findtext(f"{ATOM}title") for e in atom.findall(f"{ATOM}entry")] == ["Bravo", "Alpha"]
    self_link = [l.get("href") for l in atom.findall(f"{ATOM}link") if l.get("rel") == "self"]
    assert self_link == ["https://example.org/news/authors/jane-doe/atom.xml"]
    alternates = links(page(news, "tags/weather/page/2/index.html")).alternates
    assert [(a["type"], a["href"]) for a in alternates][:2] == [
        ("application/rss+xml", "/news/tags/weather/feed.xml"), ("application/atom+xml", "/news/tags/weather/atom.xml")]
    assert alternates[0]["title"] == "Tag: Weather (RSS)"


# --- escaping ----------------------------------------------------------------------------------

def test_hostile_tag_is_text_everywhere(news):
    out = news / "public"
    for path in html_files(out):
        doc = path.read_text()
        assert "<script>&" not in doc and "<script>x" not in doc, path
        assert "{{ x }}" not in doc or "&lt;script&gt;&amp;&#34;{{ x }}" in doc, path
    doc = page(news, "tags/script-x/index.html")
    assert "<h1>&lt;script&gt;&amp;&#34;{{ x }}</h1>" in doc
    assert "<title>Tag: &lt;script&gt;&amp;&#34;{{ x }} — Test News</title>" in doc
    rss = ET.parse(out / "tags/script-x/feed.xml").getroot()
    # (RSS titles are HTML to a reader: the text is escaped there)
    assert html.unescape(rss.find("channel").findtext("title")) == f"Tag: {HOSTILE} — Test News"
    assert "<" not in rss.find("channel").findtext("title")
    atom = ET.parse(out / "tags/script-x/atom.xml").getroot()
    assert atom.findtext(f"{ATOM}title") == f"Tag: {HOSTILE} — Test News"


# --- switches ----------------------------------------------------------------------------------

def test_switches_off_no_pages_no_links(tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML + "[taxonomies]\ntags = false\nauthors = false\n")
    build(site)
    out = site / "public"
    assert not (out / "tags").exists() and not (out / "authors").exists()
    for path in html_files(out):
        doc = path.read_text()
        assert "/tags/" not in doc and "/authors/" not in doc, path
        assert 'rel="tag"' not in doc and 'rel="author"' not in doc
    # The names are still the article's text, shown without links.
    doc = page(site, "world/b/index.html")
    assert '<p class="byline">By Jane Doe and Bob Roe</p>' in doc
    assert "<li><span>weather</span></li>" in doc
    assert "tags/" not in (out / "sitemap.xml").read_text()


def test_one_switch_off_keeps_the_other(tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML + "[taxonomies]\nauthors = false\n")
    build(site)
    assert (site / "public/tags/weather/feed.xml").is_file() and not (site / "public/authors").exists()
    assert "/news/tags/" in hrefs(page(site, "index.html")) and "/news/authors/" not in hrefs(page(site, "index.html"))


def test_no_terms_no_index_and_no_link(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World")}, toml=TOML)
    build(site)
    assert not (site / "public/tags").exists() and not (site / "public/authors").exists()
    assert not {"/news/tags/", "/news/authors/"} & hrefs(page(site, "index.html"))


# --- clashes, bad input, determinism -----------------------------------------------------------

def test_section_named_like_a_taxonomy_is_a_clash_not_a_crash(tmp_path):
    files = dict(FILES)
    files["content/tags/x.md"] = tagged("Xray", "2024-04-01T08:00:00+00:00", "Tags", slug="x")
    site = make_site(tmp_path, files, toml=TOML)
    report, problems = build(site, expect_ok=False)
    assert not report.published
    text = "\n".join(map(str, problems.errors))
    assert "tags/index.html" in text and "section 'Tags'" in text and "tags index" in text


def test_bad_tags_are_reported_and_the_rest_builds(tmp_path):
    files = dict(FILES)
    files["content/world/bad.md"] = "---\ntitle: Bad\ndate: 2024-05-06\nsection: World\ntags: {a: 1}\n---\n\nx\n"
    # A set's order changes from run to run and a value can be huge: the message names the kind.
    files["content/world/bad2.md"] = ("---\ntitle: Bad2\ndate: 2024-05-06\nsection: World\n"
                                      "authors: !!set {" + ", ".join(f"w{i}" for i in range(500)) + "}\n"
                                      "tags: [ok, [nested]]\n---\n\nx\n")
    site = make_site(tmp_path, files, toml=TOML)
    report, problems = build(site, expect_ok=False, keep_going=True)
    assert report.published
    assert [str(p) for p in problems.errors] == ["content/world/bad.md:5: tags: expected a list of names, got a mapping",
                                                 "content/world/bad2.md:6: tags: expected a list of names, got a list holding a list",
                                                 "content/world/bad2.md:5: authors: expected a list of names, got a set"]
    assert titles(page(site, "tags/weather/index.html")) == ["Delta", "Bravo"]


def test_same_input_same_bytes(tmp_path):
    one = make_site(tmp_path, FILES, toml=TOML, name="one")
    two = make_site(tmp_path, dict(reversed(list(FILES.items()))), toml=TOML, name="two")
    build(one)
    build(two, jobs=2)
    assert tree(one / "public") == tree(two / "public")


# --- incremental -------------------------------------------------------------------------------

def test_retagging_updates_term_pages_like_a_clean_build(tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML)
    build(site)
    # The newest "weather" article now spells it "WEATHER": every article shows that name.
    write(site / "content/world/d.md", tagged("Delta", "2024-05-04T08:00:00+00:00", "World", ["WEATHER"], slug="d"))
    # Charlie loses its author, Alpha gains a tag.
    write(site / "content/business/c.md", tagged("Charlie", "2024-05-03T08:00:00+00:00", "Business", ["Markets"], slug="c"))
    write(site / "content/world/a.md", tagged("Alpha", "2024-05-01T08:00:00+00:00", "World", ["weather", "Floods"],
                                              ["Jane Doe"], slug="a"))
    build(site)
    incremental = tree(site / "public")
    shutil.copytree(site, tmp_path / "clean", ignore=shutil.ignore_patterns("public", ".ssg"))
    build(tmp_path / "clean", clean=True)
    assert incremental == tree(tmp_path / "clean/public")
    assert '<a href="/news/tags/weather/" rel="tag">WEATHER</a>' in page(site, "world/b/index.html")
    assert not (site / "public/tags/script-x").exists()
    assert titles(page(site, "authors/bob-roe/index.html")) == ["Bravo"]
    assert titles(page(site, "tags/floods/index.html")) == ["Bravo", "Alpha"]


# --- external checkers -------------------------------------------------------------------------

HOME = validators_home()


def _tool(name: str, *args, env=None) -> str:
    proc = subprocess.run([str(TOOLS / name), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    last = (proc.stdout.strip().splitlines() or [""])[-1]
    assert proc.returncode == 0 and last.startswith(f"{name}: PASS"), proc.stdout[-4000:] + proc.stderr[-2000:]
    return last


@pytest.mark.slow
@pytest.mark.external
@pytest.mark.skipif(not TOOLS.is_dir() or not (HOME / "venv").is_dir(), reason="external checkers not installed")
def test_external_checkers_on_a_tagged_site(news):
    out = news / "public"
    for feed in sorted([*out.glob("tags/*/*.xml"), *out.glob("authors/*/*.xml")]):
        _tool("check-feed", feed)
    _tool("check-links", out, env={"BASE_PATH": "/news/", "SITE_URL": "https://example.org/news/", "LINKS_ANCHORS": "1"})
    if shutil.which("java") and (HOME / "node/node_modules/vnu-jar/build/dist/vnu.jar").is_file():
        assert " 0 errors" in _tool("check-html", out)

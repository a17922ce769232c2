"""Date archives: /<year>/ and /<year>/<month>/ pages (newest first, paginated), the /archive/
overview with counts, the link to it from every page, the `[archives] enabled` switch, clashes
with section slugs, and incremental builds. Small inline sites (tests/sitekit.py)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from sitekit import article, build, html_files, links, make_site, page, tree, write

TOML = """\
title = "Test News"
description = "A test archive."
base_url = "https://example.org/news/"
page_size = 2
"""

FILES = {
    "content/world/a.md": article("Alpha", "2023-11-20T08:00:00+00:00", "World", slug="a"),
    "content/world/b.md": article("Bravo", "2024-01-15T08:00:00+00:00", "World", slug="b"),
    "content/business/c.md": article("Charlie", "2024-02-01T08:00:00+00:00", "Business", slug="c"),
    "content/world/d.md": article("Delta", "2024-02-10T08:00:00+00:00", "World", slug="d"),
    "content/business/e.md": article("Echo", "2024-02-20T08:00:00+00:00", "Business", slug="e"),
    # Shown as 1 January 2024 (its own offset), though it is still 2023 in UTC: listed as shown.
    "content/world/f.md": article("Foxtrot", "2024-01-01T00:30:00+02:00", "World", slug="f"),
}


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("arch"), FILES, toml=TOML)
    build(site)
    return site


def titles(html: str) -> list[str]:
    return re.findall(r'<h2 class="teaser-title"><a href="[^"]*">([^<]*)</a>', html)


def hrefs(html: str) -> set[str]:
    return {v for tag, attr, v in links(html).urls if attr == "href"}


def test_year_pages_newest_first_paginated(news):
    assert titles(page(news, "2024/index.html")) == ["Echo", "Delta"]
    assert titles(page(news, "2024/page/2/index.html")) == ["Charlie", "Bravo"]
    assert titles(page(news, "2024/page/3/index.html")) == ["Foxtrot"]
    assert titles(page(news, "2023/index.html")) == ["Alpha"]
    doc = page(news, "2024/index.html")
    assert "<h1>2024</h1>" in doc and "5 articles · page 1 of 3" in doc
    assert "<title>2024 — Test News</title>" in doc
    assert "<title>2024 (page 2 of 3) — Test News</title>" in page(news, "2024/page/2/index.html")
    # The year's months, newest first, with counts.
    months = re.findall(r'<li><a href="/news/2024/(\d\d)/">(\w+)</a> <span class="count">(\d+)', doc)
    assert months == [("02", "February", "3"), ("01", "January", "2")]


def test_month_pages(news):
    assert titles(page(news, "2024/02/index.html")) == ["Echo", "Delta"]
    assert titles(page(news, "2024/02/page/2/index.html")) == ["Charlie"]
    assert titles(page(news, "2024/01/index.html")) == ["Bravo", "Foxtrot"]
    doc = page(news, "2024/01/index.html")
    assert "<h1>January 2024</h1>" in doc and "2 articles" in doc
    assert '<a href="/news/2024/">2024</a>' in doc and '<a href="/news/archive/">Archive</a>' in doc
    assert not (news / "public/2023/12").exists() and not (news / "public/2024/03").exists()


def test_overview_counts_every_year_and_month(news):
    doc = page(news, "archive/index.html")
    assert "6 articles from 2023 to 2024" in doc
    years = re.findall(r'<h2 id="year-(\d+)" class="block-title"><a href="/news/(\d+)/">\d+</a> <span class="count">(\d+)', doc)
    assert years == [("2024", "2024", "5"), ("2023", "2023", "1")]
    months = re.findall(r'<li><a href="/news/(\d+/\d\d)/">(\w+)</a> <span class="count">(\d+)', doc)
    assert months == [("2024/02", "February", "3"), ("2024/01", "January", "2"), ("2023/11", "November", "1")]


def test_every_page_links_the_overview(news):
    for path in html_files(news / "public"):
        assert "/news/archive/" in hrefs(path.read_text()), path


def test_sitemap_has_the_periods(news):
    xml = re.sub(r"\s+", "", (news / "public/sitemap.xml").read_text())
    for path, day in (("archive/", "2024-02-20"), ("2024/", "2024-02-20"), ("2024/page/3/", "2024-01-01"),
                      ("2024/01/", "2024-01-15"), ("2023/11/", "2023-11-20")):
        assert f"<loc>https://example.org/news/{path}</loc><lastmod>{day}</lastmod>" in xml, path


def test_switch_off_no_pages_no_links(tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML + "[archives]\nenabled = false\n")
    build(site)
    out = site / "public"
    assert not (out / "archive").exists()
    # Only the monthly archived feeds (RFC 5005) are left under the years: they are feeds, not pages.
    for year in ("2024", "2023"):
        assert sorted(p.name for p in (out / year).rglob("*") if p.is_file()) == \
            ["atom.xml"] * len(list((out / year).glob("*/atom.xml")))
    for path in html_files(out):
        assert "/archive/" not in path.read_text(), path


def test_empty_site_has_no_overview(tmp_path):
    site = make_site(tmp_path, {}, toml=TOML)
    build(site)
    assert not (site / "public/archive").exists()
    assert "/news/archive/" not in hrefs(page(site, "index.html"))


def test_section_named_like_a_year_is_a_clash_not_a_crash(tmp_path):
    files = dict(FILES)
    files["content/2024/x.md"] = article("Xray", "2022-03-01T08:00:00+00:00", "2024", slug="x")
    site = make_site(tmp_path, files, toml=TOML)
    report, problems = build(site, expect_ok=False)
    assert not report.published and not (site / "public").exists()
    text = "\n".join(map(str, problems.errors))
    assert "2024/index.html" in text and "section '2024'" in text and "year 2024" in text
    # Switching the date archive off resolves it.
    (site / "site.toml").write_text(TOML + "[archives]\nenabled = false\n")
    build(site)


def test_same_input_same_bytes(tmp_path):
    one = make_site(tmp_path, FILES, toml=TOML, name="one")
    two = make_site(tmp_path, dict(reversed(list(FILES.items()))), toml=TOML, name="two")
    build(one)
    build(two, jobs=2)
    assert tree(one / "public") == tree(two / "public")


def test_redating_moves_an_article_like_a_clean_build(tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML)
    build(site)
    write(site / "content/world/a.md", article("Alpha", "2024-03-02T08:00:00+00:00", "World", slug="a"))
    build(site)
    assert not (site / "public/2023").exists()
    assert titles(page(site, "2024/03/index.html")) == ["Alpha"]
    assert "6 articles in 2024" in page(site, "archive/index.html")
    shutil.copytree(site, tmp_path / "clean", ignore=shutil.ignore_patterns("public", ".ssg"))
    build(tmp_path / "clean", clean=True)
    assert tree(site / "public") == tree(tmp_path / "clean/public")

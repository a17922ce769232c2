"""Sitemaps (issue 6): news-sitemap.xml (window, limit, order, namespace, aging out with `now`
alone), the sitemap index past the URL limit, robots.txt, on small inline sites. Every file is
parsed with xml.etree."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ssg.outputs import sitemap
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems
from sitekit import NOW, build, make_site, tree

SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
HOSTILE = 'Storm </script> & <b>"quotes\'</b> ]]> {{ x }}'
TOML = 'title = "Daily"\nbase_url = "https://example.org/news/"\nlanguage = "en-GB"\n'


def story(title: str, date: dt.datetime, slug: str, section: str = "World") -> str:
    return (f"---\ntitle: {json.dumps(title)}\ndate: {date.isoformat()}\nsection: {section}\nslug: {slug}\n"
            f"---\n\nBody of {slug}.\n")


def hours_before(h: float) -> dt.datetime:
    return NOW - dt.timedelta(hours=h)


# NOW is 2024-06-01T12:00Z: the window is (2024-05-30T12:00Z, NOW].
STORIES = {
    "fresh": (hours_before(1), "Fresh"),
    "hostile": (hours_before(5), HOSTILE),
    "yesterday": (hours_before(30), "Yesterday"),
    "edge": (hours_before(48), "Exactly two days old"),  # out: the window excludes its start
    "old": (hours_before(72), "Old"),
}


def news_site(tmp_path: Path, toml: str = TOML, name: str = "site") -> Path:
    files = {f"content/{slug}.md": story(title, date, slug) for slug, (date, title) in STORIES.items()}
    return make_site(tmp_path, files, toml=toml, name=name)


def parse(path: Path) -> ET.Element:
    return ET.fromstring(path.read_bytes())


def news_entries(out: Path) -> list[tuple[str, str, str, str, str]]:
    root = parse(out / "news-sitemap.xml")
    assert root.tag == f"{SM}urlset"
    rows = []
    for url in root.findall(f"{SM}url"):
        news = url.find(f"{NEWS}news")
        pub = news.find(f"{NEWS}publication")
        rows.append((url.findtext(f"{SM}loc"), pub.findtext(f"{NEWS}name"), pub.findtext(f"{NEWS}language"),
                     news.findtext(f"{NEWS}publication_date"), news.findtext(f"{NEWS}title")))
    return rows


def locs(rows) -> list[str]:
    return [r[0].removeprefix("https://example.org/news/world/").rstrip("/") for r in rows]


# --- news sitemap ----------------------------------------------------------------------------

def test_news_sitemap_lists_the_last_two_days_newest_first(tmp_path):
    site = news_site(tmp_path)
    build(site)
    rows = news_entries(site / "public")
    assert locs(rows) == ["fresh", "hostile", "yesterday"]
    assert rows[0] == ("https://example.org/news/world/fresh/", "Daily", "en", hours_before(1).isoformat(), "Fresh")
    assert rows[1][4] == HOSTILE  # the title exactly as typed
    text = (site / "public" / "news-sitemap.xml").read_text()
    assert 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' in text


def test_news_sitemap_publication_name_and_switch(tmp_path):
    site = news_site(tmp_path, TOML + '[news]\npublisher = "Daily Press & Sons"\n')
    build(site)
    assert {r[1] for r in news_entries(site / "public")} == {"Daily Press & Sons"}
    robots = (site / "public" / "robots.txt").read_text()
    assert robots.splitlines()[-2:] == ["Sitemap: https://example.org/news/sitemap.xml",
                                        "Sitemap: https://example.org/news/news-sitemap.xml"]
    (site / "site.toml").write_text(TOML + "[news]\nnews_sitemap = false\n")
    build(site)
    assert not (site / "public" / "news-sitemap.xml").exists()
    assert "news-sitemap" not in (site / "public" / "robots.txt").read_text()


def test_news_sitemap_keeps_at_most_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(sitemap, "NEWS_LIMIT", 2)
    site = news_site(tmp_path)
    build(site)
    assert locs(news_entries(site / "public")) == ["fresh", "hostile"]


def test_news_sitemap_of_an_archive_with_nothing_recent_is_empty_and_valid(tmp_path):
    site = make_site(tmp_path, {"content/old.md": story("Old", hours_before(100), "old")}, toml=TOML)
    build(site)
    assert news_entries(site / "public") == []


def test_characters_xml_cannot_hold_are_dropped_not_fatal():
    # A YAML "\x07" escape can put one in a title; XML 1.0 has no way to write it.
    data = sitemap.news_sitemap_xml([("https://example.org/a/", "2024-06-01T00:00:00+00:00", "Bell\x07 and \x01 nul\ufffe")],
                                    "Pub\x0b", "en")
    root = ET.fromstring(data)
    assert root.find(f"{SM}url/{NEWS}news/{NEWS}title").text == "Bell and  nul"
    # VT is whitespace: like every such character (content.clean_text), it becomes a space.
    assert root.find(f"{SM}url/{NEWS}news/{NEWS}publication/{NEWS}name").text == "Pub "


def test_news_language_codes():
    assert [sitemap.news_language(x) for x in ("en", "en-GB", "FR", "pt_BR", "zh-TW", "zh-Hans", "zh")] == \
        ["en", "en", "fr", "pt", "zh-tw", "zh-cn", "zh-cn"]


def age(site: Path) -> None:
    """Age every input file past the build's racy window, so a no-op build can trust stats."""
    old = (NOW - dt.timedelta(days=10)).timestamp()
    for p in site.rglob("*"):
        if ".ssg" not in p.parts:
            os.utime(p, (old, old))


def run(site: Path, now: dt.datetime, output: str | None = None, clean: bool = False):
    config = load_config(site)
    if output:
        config = dataclasses.replace(config, output_dir=output)
    problems = Problems()
    report = build_site(site, config, problems, BuildOptions(now=now, jobs=1, clean=clean))
    assert report.published and not problems.errors, [str(p) for p in problems.items]
    return report


def test_a_later_build_with_no_input_change_drops_articles_that_aged_out(tmp_path):
    site = news_site(tmp_path)
    age(site)
    run(site, NOW)
    assert run(site, NOW).nothing_changed
    # Before the oldest entry ("yesterday", 30 h old) leaves the window: nothing to do.
    later = NOW + dt.timedelta(hours=17)
    assert run(site, later).nothing_changed
    assert locs(news_entries(site / "public")) == ["fresh", "hostile", "yesterday"]
    # Once it has left, the build is due again although no file changed; each entry leaves at
    # its own time (hostile at +43 h, fresh at +47 h), and then nothing is due any more.
    for hours, expected, due in ((18, ["fresh", "hostile"], True), (42, ["fresh", "hostile"], False),
                                 (43, ["fresh"], True), (47, [], True), (200, [], False)):
        now = NOW + dt.timedelta(hours=hours)
        report = run(site, now)
        assert report.nothing_changed is not due, hours
        assert locs(news_entries(site / "public")) == expected, hours
        if due:
            assert report.written == 1, report.summary()  # the news sitemap alone
            run(site, now, output="clean-public", clean=True)
            assert tree(site / "public") == tree(site / "clean-public"), hours
            shutil.rmtree(site / "clean-public")


def test_a_future_article_entering_the_window_is_picked_up(tmp_path):
    files = {"content/later.md": story("Later", NOW + dt.timedelta(hours=3), "later"),
             "content/fresh.md": story("Fresh", hours_before(1), "fresh")}
    site = make_site(tmp_path, files, toml=TOML)
    age(site)
    run(site, NOW)
    assert locs(news_entries(site / "public")) == ["fresh"]
    run(site, NOW + dt.timedelta(hours=4))
    assert locs(news_entries(site / "public")) == ["later", "fresh"]


def test_news_sitemap_is_deterministic(tmp_path):
    a, b = news_site(tmp_path, name="a"), news_site(tmp_path, name="b")
    build(a)
    build(b)
    for rel in ("news-sitemap.xml", "sitemap.xml", "robots.txt"):
        assert (a / "public" / rel).read_bytes() == (b / "public" / rel).read_bytes()


# --- the sitemap index -----------------------------------------------------------------------

def sitemap_locs(root: ET.Element) -> list[str]:
    assert root.tag == f"{SM}urlset"
    return [u.findtext(f"{SM}loc") for u in root.findall(f"{SM}url")]


def test_sitemap_splits_into_an_index_past_the_limit_and_joins_back(tmp_path, monkeypatch):
    files = {f"content/s{i}.md": story(f"Story {i}", hours_before(24 * i), f"s{i}", section=("World", "Sport")[i % 2])
             for i in range(7)}
    site = make_site(tmp_path, files, toml=TOML)
    build(site)
    out = site / "public"
    whole = sitemap_locs(parse(out / "sitemap.xml"))
    assert len(whole) >= 10  # home, 2 section pages, 7 articles (and any other listing pages)

    # (The limit is not a setting any build looks at: --clean plans the site again.)
    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 3)
    build(site, clean=True)
    index = parse(out / "sitemap.xml")
    assert index.tag == f"{SM}sitemapindex"
    parts = [(s.findtext(f"{SM}loc"), s.findtext(f"{SM}lastmod")) for s in index.findall(f"{SM}sitemap")]
    count = -(-len(whole) // 3)
    assert [loc for loc, _ in parts] == [f"https://example.org/news/sitemap-{n}.xml" for n in range(1, count + 1)]
    joined = []
    for n, (_, lastmod) in enumerate(parts, start=1):
        part = parse(out / f"sitemap-{n}.xml")
        urls = sitemap_locs(part)
        assert 1 <= len(urls) <= 3
        assert lastmod == max(u.findtext(f"{SM}lastmod") for u in part.findall(f"{SM}url"))
        joined += urls
    assert joined == whole
    assert "Sitemap: https://example.org/news/sitemap.xml" in (out / "robots.txt").read_text()

    monkeypatch.setattr(sitemap, "SITEMAP_LIMIT", 50_000)
    build(site, clean=True)  # back under the limit: the parts are gone
    assert sitemap_locs(parse(out / "sitemap.xml")) == whole
    assert not list(out.glob("sitemap-*.xml"))


def test_split_helper():
    assert sitemap.split([], 2) == [[]]
    assert sitemap.split([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]


@pytest.mark.parametrize("base", ["https://example.org/", "https://example.org/a/b/"])
def test_sitemaps_under_root_and_subpath(tmp_path, base):
    site = news_site(tmp_path, TOML.replace("https://example.org/news/", base))
    build(site)
    out = site / "public"
    assert all(r[0].startswith(f"{base}world/") for r in news_entries(out))
    assert f"Sitemap: {base}news-sitemap.xml" in (out / "robots.txt").read_text()

"""Archived feeds (RFC 5005, ssg/outputs/feed_archive.py) and the WebSub hub every feed names.

A reader walks the site's whole history from /atom.xml: ``prev-archive`` to the newest month's
archive document, then from month to month, every article exactly once, each document
``<fh:archive/>``, newest first, linking back to the subscription feed (``current``)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitekit import SITE_TOML, TOOLS, article, build, make_site, site_files

feedparser = pytest.importorskip("feedparser", reason="feedparser (test extra) not installed")

BASE = "https://example.org/news/"
ATOM = "{http://www.w3.org/2005/Atom}"
FH = "{http://purl.org/syndication/history/1.0}"
HOSTILE = 'A <b>&amp;</b> & "q" <img src=x onerror=alert(1)> ]]> {{ x }}'
HUB = "https://hub.example.org/?a=1&b=2"

# 9 articles over 4 months of two years, one month (2023-11) without any: the chain skips it.
DATES = ["2024-02-03T10:00:00+00:00", "2024-02-01T09:00:00+01:00", "2024-01-31T23:30:00+00:00",
         "2024-01-15T12:00:00-05:00", "2024-01-02T08:00:00+00:00", "2023-12-24T18:00:00+00:00",
         "2023-12-01T00:30:00+02:00", "2023-10-10T10:10:00+00:00", "2023-10-01T07:00:00+00:00"]
MONTHS = ["2024/02", "2024/01", "2023/12", "2023/10"]


def files() -> dict[str, str]:
    out = {}
    for i, date in enumerate(DATES):
        section = "World" if i % 2 else "Business"
        out[f"content/{section.lower()}/s{i}.md"] = article(
            f"Story {i}: {HOSTILE}", date, section, f"Body {i} with [a link](../s0/).", slug=f"s{i}",
            summary=f"Summary {i} {HOSTILE}")
    return out


def make(tmp_path: Path, extra: str = "", name: str = "site") -> Path:
    site = make_site(tmp_path, files(), toml=SITE_TOML + "[search]\nenabled = false\n" + extra, name=name)
    build(site)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return make(tmp_path_factory.mktemp("archives"), f"[feeds]\nitems = 3\nwebsub_hub = {json.dumps(HUB)}\n")


def links(root: ET.Element) -> dict[str, str]:
    return {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}


def walk(public: Path) -> list[tuple[str, ET.Element]]:
    """The archive documents from the subscription feed's prev-archive on, as a reader would."""
    out, url, seen = [], links(ET.parse(public / "atom.xml").getroot()).get("prev-archive"), set()
    while url:
        assert url.startswith(BASE) and url not in seen, url
        seen.add(url)
        root = ET.parse(public / url[len(BASE):]).getroot()
        out.append((url, root))
        url = links(root).get("prev-archive")
    return out


def test_the_history_is_walked_from_the_subscription_feed(site):
    public = site / "public"
    current = ET.parse(public / "atom.xml").getroot()
    assert links(current)["current"] == links(current)["self"] == BASE + "atom.xml"
    assert len(current.findall(f"{ATOM}entry")) == 3  # [feeds] items: the subscription feed only
    chain = walk(public)
    assert [url for url, _ in chain] == [f"{BASE}{m}/atom.xml" for m in MONTHS]
    ids = []
    for i, (url, root) in enumerate(chain):
        got = links(root)
        assert root.find(f"{FH}archive") is not None, url
        assert got["self"] == url == root.find(f"{ATOM}id").text
        assert got["current"] == BASE + "atom.xml"
        assert got.get("next-archive") == (chain[i - 1][0] if i else None)
        assert "hub" not in got  # nobody subscribes to an archive
        assert got["alternate"] == f"{BASE}{MONTHS[i]}/"  # the month's page ([archives] is on)
        entries = root.findall(f"{ATOM}entry")
        published = [e.find(f"{ATOM}published").text for e in entries]
        assert all(p[:7].replace("-", "/") == MONTHS[i] for p in published), (url, published)
        ids += [e.find(f"{ATOM}id").text for e in entries]
        assert root.find(f"{ATOM}updated").text == published[0]
    # Every article once, newest first over the whole walk (dates as written decide the month).
    assert ids == [f"{BASE}{'world' if i % 2 else 'business'}/s{i}/" for i in range(len(DATES))]
    assert {p.relative_to(public).as_posix() for p in public.rglob("atom.xml")} == {
        "atom.xml", "business/atom.xml", "world/atom.xml", *(f"{m}/atom.xml" for m in MONTHS)}


def test_archive_entries_are_the_atom_feeds_and_show_what_was_typed(site):
    public = site / "public"
    subscription = feedparser.parse((public / "atom.xml").read_bytes())
    newest = feedparser.parse((public / "2024/02/atom.xml").read_bytes())
    assert not newest.bozo, newest.get("bozo_exception")
    for mine, theirs in zip(newest.entries, subscription.entries):
        for key in ("id", "link", "title", "summary", "published", "updated"):
            assert mine[key] == theirs[key], key
        assert mine.content[0].value == theirs.content[0].value
        assert mine.title_detail.type == "text/plain" and HOSTILE in mine.title
        assert mine.published_parsed and mine.get("published").endswith(("+00:00", "+01:00"))
    assert f'href="{BASE}business/s0/"' in newest.entries[0].content[0].value  # links made absolute
    every = [e for p in public.glob("20*/*/atom.xml") for e in feedparser.parse(p.read_bytes()).entries]
    assert sorted(e.title for e in every) == sorted(f"Story {i}: {HOSTILE}" for i in range(len(DATES)))


def test_every_subscription_feed_names_the_hub(site):
    public = site / "public"
    atoms = [p.relative_to(public).as_posix() for p in public.rglob("atom.xml")]
    subscriptions = [rel for rel in atoms if not re.fullmatch(r"\d{4}/\d\d/atom\.xml", rel)]
    assert len(subscriptions) == 3  # the site's and two sections'
    for rel in subscriptions:
        root = ET.parse(public / rel).getroot()
        assert links(root)["hub"] == HUB, rel
    for rel in ("feed.xml", "world/feed.xml"):
        channel = ET.parse(public / rel).getroot().find("channel")
        rels = {link.get("rel"): link.get("href") for link in channel.findall(f"{ATOM}link")}
        assert rels == {"self": BASE + rel, "hub": HUB}, rel  # RSS: no archive links (Atom documents)
        assert not feedparser.parse((public / rel).read_bytes()).bozo
    for rel in ("feed.json", "world/feed.json"):
        assert json.loads((public / rel).read_text())["hubs"] == [{"type": "WebSub", "url": HUB}]


def test_without_a_hub_no_feed_names_one_and_a_bad_hub_is_refused(tmp_path):
    from ssg.config import parse_config
    from ssg.problems import SsgError

    site = make(tmp_path)
    for path, data in site_files(site).items():
        if path.endswith(("feed.xml", "atom.xml")):
            assert b'rel="hub"' not in data, path
        if path.endswith("feed.json"):
            assert "hubs" not in json.loads(data), path
    for bad in ("ftp://hub.example/", "hub.example", "https://", "https://hub example/"):
        with pytest.raises(SsgError) as exc:
            parse_config(f'title = "x"\n\n[feeds]\nitems = 5\nwebsub_hub = {json.dumps(bad)}\n')
        (problem,) = exc.value.problems
        assert (problem.line, problem.message) == (
            5, f'feeds.websub_hub: must be an http:// or https:// URL such as "https://pubsubhubbub.appspot.com/", '
               f"got {bad!r}")
    assert parse_config('[feeds]\nwebsub_hub = "http://127.0.0.1:8080/hub"\n').feeds.websub_hub


def test_archives_without_month_pages_at_the_root_of_a_domain(tmp_path):
    """[archives] off: no month pages, the same archived feeds, whose alternate is the home page."""
    site = make(tmp_path, "[archives]\nenabled = false\n")
    text = (site / "site.toml").read_text().replace("https://example.org/news/", "https://example.org/")
    (site / "site.toml").write_text(text)
    build(site)
    public = site / "public"
    assert not (public / "2024/02/index.html").exists()
    global BASE
    base, BASE = BASE, "https://example.org/"
    try:
        chain = walk(public)
    finally:
        BASE = base
    assert [url for url, _ in chain] == [f"https://example.org/{m}/atom.xml" for m in MONTHS]
    assert {links(root)["alternate"] for _, root in chain} == {"https://example.org/"}


def test_an_edit_remakes_its_months_archive_only(tmp_path):
    site = make(tmp_path)
    before = site_files(site)
    path = site / "content/world/s3.md"  # 2024-01
    path.write_text(path.read_text().replace("Body 3", "Body 3, corrected"))
    build(site)
    after = site_files(site)
    changed = {rel for rel in after if before.get(rel) != after[rel]}
    assert "2024/01/atom.xml" in changed
    assert not changed & {f"{m}/atom.xml" for m in MONTHS if m != "2024/01"}
    # A new month: the old newest month's document gains a next-archive, the others stay.
    (site / "content/world/new.md").write_text(article("New", "2024-03-01T10:00:00+00:00", "World", slug="new"))
    build(site)
    again = site_files(site)
    changed = {rel for rel in again if after.get(rel) != again[rel]}
    assert {"2024/03/atom.xml", "2024/02/atom.xml", "atom.xml"} <= changed
    assert not changed & {f"{m}/atom.xml" for m in MONTHS[1:]}
    root = ET.fromstring(again["atom.xml"])
    assert links(root)["prev-archive"] == BASE + "2024/03/atom.xml"


def test_two_clean_builds_give_the_same_archives(tmp_path):
    a, b = make(tmp_path, name="a"), make(tmp_path, name="b")
    pick = lambda s: {k: v for k, v in site_files(s).items() if re.fullmatch(r"\d{4}/\d\d/atom\.xml", k)}  # noqa: E731
    assert pick(a) == pick(b) and len(pick(a)) == len(MONTHS)


def test_without_full_content_archives_hold_summaries(tmp_path):
    site = make(tmp_path, "[feeds]\nfull_content = false\n")
    parsed = feedparser.parse((site / "public/2024/01/atom.xml").read_bytes())
    assert parsed.entries and all("content" not in e for e in parsed.entries)
    assert all(e.summary.startswith("Summary ") for e in parsed.entries)


@pytest.mark.skipif(not (TOOLS / "check-feed").exists(), reason="../shared/tools/check-feed is not here")
def test_check_feed_passes_the_subscription_feeds_and_the_archives(site):
    public = site / "public"
    paths = ["atom.xml", "feed.xml", "world/atom.xml", "world/feed.xml", *(f"{m}/atom.xml" for m in MONTHS)]
    for rel in paths:
        result = subprocess.run([str(TOOLS / "check-feed"), str(public / rel)], capture_output=True, text=True)
        assert result.returncode == 0 and "PASS" in result.stdout, (rel, result.stdout, result.stderr)

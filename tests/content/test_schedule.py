"""Schedules: `publish_at` (an embargo), `expires` (a takedown), `ssg build --at` and `ssg schedule`."""

from __future__ import annotations

import datetime as dt
import gzip
import subprocess
import sys

import pytest

from sitekit import NOW, article, build, make_site, write
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems

UTC = dt.timezone.utc


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path, {
        "content/world/now.md": article("Published story", "2024-05-30T10:00:00+00:00", "World", slug="now"),
        "content/world/embargo.md": article("Embargoed budget", "2024-05-31T10:00:00+00:00", "World", slug="budget",
                                            extra="publish_at: 2024-06-03T09:00:00+00:00"),
        "content/world/hold.md": article("Legal hold story", "2024-05-20T10:00:00+00:00", "World", slug="hold",
                                         extra="expires: 2024-06-02T12:00:00+00:00",
                                         body="Zanzibarish unique word."),
        "content/world/later.md": article("Dated later", "2024-06-05T08:00:00+00:00", "World", slug="later"),
        "content/world/draft.md": article("A draft", "2024-06-04T08:00:00+00:00", "World", slug="draft",
                                          extra="draft: true"),
    })


def everything(public) -> str:
    """Every page, feed, sitemap and search file of the site, as one text."""
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(public.rglob("*"))
                     if p.is_file() and p.suffix in (".html", ".xml", ".json", ".txt"))


def test_an_embargo_leaves_the_story_out_until_its_moment(site):
    report, problems = build(site)
    public = site / "public"
    assert not (public / "world/budget").exists() and "Embargoed budget" not in everything(public)
    assert "content/world/embargo.md: embargoed until 2024-06-03T09:00:00+00:00: left out (--future or --at " \
           "2024-06-03T09:00:00+00:00 to include)" in [str(p) for p in problems.items]
    assert report.embargoed == 1 and "1 embargoed" in report.summary()
    # Its moment is due: the next build plans the site again and publishes it.
    report, _ = build(site, now=dt.datetime(2024, 6, 3, 9, 0, 1, tzinfo=UTC))
    assert not report.nothing_changed and (public / "world/budget/index.html").is_file()


def test_an_expired_story_leaves_every_output_and_its_url_becomes_a_gone_page(site):
    build(site)
    public = site / "public"
    assert "Legal hold story" in everything(public)
    assert any(b"Zanzibarish" in gzip.decompress(p.read_bytes()) for p in (public / "pagefind/fragment").glob("*"))
    report, problems = build(site, now=dt.datetime(2024, 6, 2, 12, 0, tzinfo=UTC))
    assert report.expired == 1
    page = (public / "world/hold/index.html").read_text()
    assert "This story was removed" in page and "Legal hold" not in page
    text = everything(public)
    assert "Legal hold story" not in text and "/world/hold/" not in text.replace(page, "")
    fragments = [gzip.decompress(p.read_bytes()) for p in (public / "pagefind/fragment").glob("*.pf_fragment")]
    assert fragments and not any(b"Zanzibarish" in f for f in fragments)  # (each page's text in the index)
    sitemap = (public / "sitemap.xml").read_text()
    assert "world/hold" not in sitemap
    assert "content/world/hold.md: expired at 2024-06-02T12:00:00+00:00: taken down, its URL is a gone page" in \
        [str(p) for p in problems.items]


def test_build_at_shows_the_site_as_it_will_be_then(site):
    build(site)
    at = dt.datetime(2024, 6, 4, 0, 0, tzinfo=UTC)
    report, _ = build(site, at=at)
    public = site / "public"
    assert (public / "world/budget/index.html").is_file()  # the embargo is over
    assert "This story was removed" in (public / "world/hold/index.html").read_text()  # the hold began
    assert not (public / "world/later").exists() and not (public / "world/draft").exists()
    # Built at no chosen moment again: the site as it is now, not as it was at --at.
    report, _ = build(site)
    assert not report.nothing_changed and not (public / "world/budget").exists()
    assert "Legal hold story" in (public / "world/hold/index.html").read_text()


def test_expires_before_publish_at_is_an_error(site):
    write(site / "content/world/bad.md", article("Bad", "2024-05-01T10:00:00+00:00", "World",
                                                 extra="publish_at: 2024-07-01\nexpires: 2024-06-01"))
    _, problems = build(site, expect_ok=False)
    assert [str(p) for p in problems.errors] == [
        "content/world/bad.md:6: expires: not after publish_at: the story would never be published"]


def test_a_bad_publish_at_is_reported_with_its_line(site):
    write(site / "content/world/bad.md", article("Bad", "2024-05-01T10:00:00+00:00", "World", extra="publish_at: soon"))
    _, problems = build(site, expect_ok=False)
    assert [str(p) for p in problems.errors] == ["content/world/bad.md:5: publish_at: not an ISO 8601 date: 'soon'"]


def ssg(site, *args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssg", *args, "--site", str(site)], capture_output=True, text=True,
                          timeout=60)


def test_ssg_schedule_prints_the_next_moments_the_site_changes(site):
    r = ssg(site, "schedule", "--at", NOW.isoformat())
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "2024-06-02T12:00:00+00:00 expire content/world/hold.md",
        "2024-06-03T09:00:00+00:00 publish content/world/embargo.md",
        "2024-06-05T08:00:00+00:00 publish content/world/later.md",
    ]  # (the draft is never published by itself)
    r = ssg(site, "schedule", "--at", "2024-06-06T00:00")
    assert r.stdout.splitlines() == ["nothing scheduled after 2024-06-06T00:00+00:00"]


def test_ssg_build_at_from_the_command_line(site):
    r = ssg(site, "build", "--at", "2024-06-03T09:00")
    assert r.returncode == 0, r.stderr
    assert (site / "public/world/budget/index.html").is_file()
    assert not (site / "published-urls.txt").exists()  # a preview of the future records no URL
    r = ssg(site, "build", "--at", "tomorrow")
    assert r.returncode == 2 and "--at: expected YYYY-MM-DDTHH:MM, got 'tomorrow'" in r.stderr

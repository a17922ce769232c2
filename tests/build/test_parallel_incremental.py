"""An incremental build that renders many pages in worker processes publishes what they wrote.

The workers stage their pages in the pending folder; the parent commits them. (They used to
stay there: the parent's list of files to commit never heard of them.)
"""

from __future__ import annotations

import os
import time

from sitekit import article, build, make_site, page, tree

from ssg.build import driver as build_module


def test_parallel_incremental_build_publishes_the_workers_pages(tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 10)
    files = {f"content/world/a{i}.md": article(f"Story {i}", f"2024-01-{1 + i % 28:02d}T08:00:00+00:00", "World",
                                                 f"Body {i}.", slug=f"a{i}") for i in range(40)}
    site = make_site(tmp_path, files, toml='title = "T"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n')
    build(site, jobs=2)
    template = site / "templates" / "article.html"
    template.parent.mkdir()
    template.write_text('{% extends "base.html" %}{% block main %}<h1>Changed: {{ article.title }}</h1>{% endblock %}\n')
    old = time.time() - 60  # out of the racy window: the incremental path, not a fresh look
    os.utime(template, (old, old))
    report, _ = build(site, jobs=2)
    assert report.rendered >= 40 and report.written >= 40
    for i in range(40):
        assert f"<h1>Changed: Story {i}</h1>" in page(site, f"world/a{i}/index.html")
    assert not [p.name for p in site.iterdir() if p.name.startswith(".public.")]


def test_feeds_made_in_worker_processes_equal_those_made_in_one(tmp_path, monkeypatch):
    """Term and section feeds are made over worker processes when there are many: the same bytes
    as one process makes, on a clean build and on an incremental one (full-content feeds read
    article bodies from the build cache there)."""
    files = {f"content/{('world', 'sport')[i % 2]}/a{i}.md": article(
        f"Story {i}", f"2024-01-{1 + i % 28:02d}T08:00:00+00:00", ("World", "Sport")[i % 2], f"Body *{i}*.",
        slug=f"a{i}", extra=f'tags: ["tag {i % 7}", "topic {i % 5}"]') for i in range(40)}
    toml = 'title = "T"\nbase_url = "https://example.org/"\n[feeds]\nfull_content = true\n[search]\nenabled = false\n'
    serial = make_site(tmp_path / "serial", files, toml=toml)
    build(serial, jobs=1, clean=True)
    monkeypatch.setattr(build_module, "PARALLEL_MIN", 2)  # every output, feeds too, made over workers
    parallel = make_site(tmp_path / "parallel", files, toml=toml)
    build(parallel, jobs=2, clean=True)
    assert tree(parallel / "public") == tree(serial / "public")
    for site in (serial, parallel):  # a retitled story: its section's, tags' and the site's feeds change
        story = site / "content/world/a0.md"
        story.write_text(story.read_text().replace("Story 0", "Story zero"))
        old = time.time() - 60
        os.utime(story, (old, old))
    build(serial, jobs=1)
    report, _ = build(parallel, jobs=2)
    assert report.written >= 8
    assert tree(parallel / "public") == tree(serial / "public")
    assert "Story zero" in (parallel / "public/tags/tag-0/feed.xml").read_text()


def test_pagination_shows_a_window_of_pages_not_every_page(tmp_path):
    """Each listing page links the first, the last and the two pages either side of it, with a
    gap where pages are left out: its navigation does not grow with the listing (at 100,000
    articles a section has thousands of pages)."""
    files = {f"content/world/a{i:02d}.md": article(f"Story {i}", f"2024-01-{1 + i:02d}T08:00:00+00:00", "World",
                                                    slug=f"a{i:02d}") for i in range(24)}
    site = make_site(tmp_path, files, toml='title = "T"\nbase_url = "https://example.org/"\npage_size = 2\n'
                                            '[search]\nenabled = false\n')
    build(site)
    nav = page(site, "world/page/6/index.html").split('<nav class="pagination"')[1].split("</nav>")[0]
    import re

    shown = re.findall(r'<li><a href="[^"]*"(?: aria-current="page")?>(\d+)</a></li>|<li class="gap" aria-hidden="true">…</li>', nav)
    assert [s or "…" for s in shown] == ["1", "…", "4", "5", "6", "7", "8", "…", "12"]
    assert 'aria-current="page">6<' in nav and 'aria-label="Pages"' in page(site, "world/page/6/index.html")

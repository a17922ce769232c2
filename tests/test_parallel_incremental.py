"""An incremental build that renders many pages in worker processes publishes what they wrote.

The workers stage their pages in the pending folder; the parent commits them. (They used to
stay there: the parent's list of files to commit never heard of them.)
"""

from __future__ import annotations

import os
import time

from sitekit import article, build, make_site, page

from ssg import build as build_module


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

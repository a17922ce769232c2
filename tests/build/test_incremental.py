"""An incremental build must give exactly the output of a clean build, after any edit.

Hypothesis applies random sequences of edits (tests/editkit.py: a new article, a body, a
headline, a date that moves an article between listing pages, a section, a renamed file, a
deletion, tags and authors, a draft, metadata, a template, a setting) to a small site and,
after each, compares the incrementally built tree with a clean build of the same input, byte
for byte. Edit-only builds (ssg/build/edits.py) have their own: tests/build/test_edits.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from editkit import NOW, apply, article, build, edits, make_site, tree
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(edits, min_size=1, max_size=6))
def test_incremental_equals_clean(tmp_path, sequence):
    site = make_site(tmp_path / "site")
    build(site)
    for edit in sequence:
        apply(site, edit)
        build(site)
        build(site, output="clean-public", clean=True)
        incremental, clean = tree(site / "public"), tree(site / "clean-public")
        assert incremental.keys() == clean.keys(), edit
        for path in clean:
            assert incremental[path] == clean[path], (edit, path)


def test_nothing_changed_stops_early_and_edit_renders_few(tmp_path):
    site = make_site(tmp_path / "site")
    build(site)
    # Age every file past the racy window so their stats can be trusted.
    import os
    old = (NOW - dt.timedelta(days=1)).timestamp()
    for p in site.rglob("*"):
        os.utime(p, (old, old))
    config = load_config(site)
    problems = Problems()
    build_site(site, config, problems, BuildOptions(now=NOW, jobs=1))  # records the fingerprint
    report = build_site(site, config, problems, BuildOptions(now=NOW, jobs=1))
    assert report.nothing_changed
    (site / "content" / "a0.md").write_text(article("Markets rally", 1, "World", "Changed body."))
    report = build_site(site, config, problems, BuildOptions(now=NOW, jobs=1))
    assert report.published and not report.nothing_changed
    # Its page, its section page, neighbours, home, the year and month pages listing it, the
    # site feed's RSS and Atom files, and its month's archived feed.
    assert report.rendered <= 9, report.summary()


def test_corrupt_cache_is_rebuilt_with_warning(tmp_path):
    site = make_site(tmp_path / "site")
    build(site)
    before = tree(site / "public")
    for f in (site / ".ssg").glob("build-*.sqlite*"):
        f.write_bytes(b"this is not a database" * 100)
    problems = build(site)
    assert any("build cache unreadable" in p.message for p in problems.warnings)
    assert tree(site / "public") == before


def test_related_stories_turned_on_after_builds_without_them(tmp_path):
    # Without related stories no key terms are found, so the parsed articles cached by those
    # builds must not be reused once related stories are on.
    site = make_site(tmp_path / "site")
    for i, words in enumerate(["volcano ash flights", "volcano ash flights", "budget vote"]):
        apply(site, ("words", i, words.split()))
    apply(site, ("config", "related.count = 0"))
    import os
    old = (NOW - dt.timedelta(days=1)).timestamp()
    for p in (site / "content").iterdir():  # past the racy window: their stats are trusted
        os.utime(p, (old, old))
    build(site)
    apply(site, ("config", "related.count = 2"))
    build(site)
    build(site, output="clean-public", clean=True)
    incremental, clean = tree(site / "public"), tree(site / "clean-public")
    assert incremental == clean
    assert b'class="related-meta"' in clean["business/a1/index.html"]  # the terms were found this time

"""Edit-only builds (ssg/edits.py): an edit that moves no article is followed through the
dependency index to the outputs that show it, and gives exactly what a clean build gives."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitekit import NOW, article, build, make_site, tree
from ssg.outputs import search
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems
from ssg.build.state import BuildState, state_path

HAS_PAGEFIND = search.find_indexer()[0] is not None
SECTIONS = ("World", "Business", "Sport")
TAGS = ("[vote]", "[storm, vote]", "[cup]", "")


# Each body repeats more than related.TERMS words twice, so a word added once by an edit does
# not change its key terms (which would move its related stories: the whole way).
WORDS = "markets votes storm budget court league harbour river bridge school museum orchestra tunnel".split()


def files(n: int = 9) -> dict[str, str]:
    out = {}
    for i in range(n):
        tags = TAGS[i % len(TAGS)]
        body = f"Body of story {i}: " + " ".join(WORDS[i % 5:] + WORDS[: i % 5]) * 2 + "."
        out[f"content/{SECTIONS[i % 3].lower()}/a{i}.md"] = article(
            f"Story {i}", f"2024-05-{1 + i:02d}T08:00:00+00:00", SECTIONS[i % 3], body,
            slug=f"a{i}", summary=f"Summary {i}", extra=f"tags: {tags}" if tags else "")
    return out


def aged(site: Path) -> None:
    """Every input file an hour old: out of the racy window, as files edited a moment ago are not."""
    old = time.time() - 3600
    for p in (site / "content").rglob("*"):
        os.utime(p, (old, old))
    os.utime(site / "site.toml", (old, old))


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new, 1))
    t = time.time() - 1800
    os.utime(path, (t, t))


def clean_tree(site: Path, **options) -> dict[str, bytes]:
    """The site built from scratch into another folder, for comparison."""
    config = dataclasses.replace(load_config(site), output_dir="clean-public")
    problems = Problems()
    report = build_site(site, config, problems, BuildOptions(now=NOW, jobs=1, clean=True, **options))
    assert report.published, [str(p) for p in problems.items]
    return tree(site / "clean-public")


SEARCH_OFF = 'title = "T"\nbase_url = "https://example.org/news/"\npage_size = 2\n[search]\nenabled = false\n'
SEARCH_ON = 'title = "T"\nbase_url = "https://example.org/news/"\npage_size = 2\n'


@pytest.mark.parametrize("toml", [SEARCH_OFF, pytest.param(SEARCH_ON, marks=pytest.mark.skipif(
    not HAS_PAGEFIND, reason="Pagefind is not installed"))], ids=["search-off", "search-on"])
@pytest.mark.parametrize("jobs", [1, 2])
def test_a_text_edit_is_built_alone_and_equals_a_clean_build(tmp_path, toml, jobs):
    site = make_site(tmp_path, files(), toml=toml)
    build(site, jobs=jobs)
    aged(site)
    build(site, jobs=jobs)  # the snapshot of aged files
    story = site / "content/business/a4.md"
    edit(story, "Body of story 4", "A new first paragraph.\n\nBody of story 4")
    edit(site / "content/world/a3.md", "Summary 3", "A better summary, with <b>markup</b> & an ampersand")
    report, _ = build(site, jobs=jobs)
    assert report.edit_only and report.rendered >= 3, report.summary()
    assert tree(site / "public") == clean_tree(site)
    page = (site / "public/business/a4/index.html").read_text()
    assert "A new first paragraph." in page
    # Only what shows the two stories was made: their pages, listings, feeds (not every file;
    # each listing's three feeds count as files, not pages).
    assert report.rendered < report.files / 2, report.summary()


def test_moves_plan_the_whole_site(tmp_path):
    site = make_site(tmp_path, files(), toml=SEARCH_OFF)
    build(site)
    aged(site)
    build(site)
    story = site / "content/world/a0.md"
    for old, new in (("title: \"Story 0\"", "title: \"Story zero\""), ("2024-05-01T08", "2024-05-20T08"),
                     ("section: \"World\"", "section: \"Sport\""), ("tags: [vote]", "tags: [cup]"),
                     ("slug: a0", "slug: a-zero")):
        edit(story, old, new)
        report, _ = build(site)
        assert report.published and not report.edit_only, (old, report.summary())
        assert tree(site / "public") == clean_tree(site), old
    (site / "content/world/new.md").write_text(article("New", "2024-05-30T08:00:00+00:00", "World", "New.", slug="new"))
    report, _ = build(site)
    assert not report.edit_only and tree(site / "public") == clean_tree(site)


def test_an_output_deleted_by_hand_is_made_again_with_an_edit(tmp_path):
    site = make_site(tmp_path, files(), toml=SEARCH_OFF)
    build(site)
    aged(site)
    build(site)
    (site / "public/sport/a2/index.html").unlink()
    edit(site / "content/world/a0.md", "Body of story 0", "Edited body")
    report, _ = build(site)
    assert report.published and tree(site / "public") == clean_tree(site)


def test_the_dependency_index_follows_an_article_to_what_shows_it(tmp_path):
    site = make_site(tmp_path, files(), toml=SEARCH_OFF)
    build(site)
    state = BuildState(state_path(site, "public"), Problems())
    try:
        shown = state.shown_on(["business/a4.md"])
    finally:
        state.close()
    # Its page, its section's first page, the home page, the feeds of the site, its section and
    # its tag, its tag's second page (vote: a8, a5 | a4, a1 | a0), its month's third page and
    # its month's archived feed.
    assert shown == {"business/a4/index.html", "business/index.html", "index.html", "feed.xml", "atom.xml", "feed.json",
                     "business/feed.xml", "business/atom.xml", "business/feed.json", "tags/vote/feed.xml",
                     "tags/vote/atom.xml", "tags/vote/feed.json",
                     "tags/vote/page/2/index.html", "2024/05/page/3/index.html", "2024/page/3/index.html",
                     "2024/05/atom.xml"}
    # (its neighbours' pages hold only its headline and path, in their arg: not in the index)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["body", "summary", "extra", "retitle", "image"])),
                min_size=1, max_size=5))
@pytest.mark.slow
def test_edit_sequences_equal_clean_builds(tmp_path_factory, edits):
    site = make_site(tmp_path_factory.mktemp("edits"), files(), toml=SEARCH_OFF)
    build(site)
    aged(site)
    build(site)
    for n, (i, kind) in enumerate(edits):
        path = sorted((site / "content").rglob("*.md"))[i]
        text = path.read_text()
        head, _, body = text.partition("\n---\n")
        if kind == "body":
            text = head + "\n---\n\n" + body.rstrip("\n") + " New words " + str(n) + " *em* & <x>.\n"
        elif kind == "summary":
            text = text.replace("summary: ", f"summary: \"S{n}\"\nx_old: ", 1)
        elif kind == "extra":
            text = text.replace("---\n\n", f"note{n}: value {n}\n---\n\n", 1)
        elif kind == "retitle":
            text = text.replace("title: \"Story", f"title: \"Retitled {n}", 1)
        elif kind == "image":
            text = text.replace("---\n\n", f"image: img/{n}.jpg\n---\n\n", 1)
        path.write_text(text)
        t = time.time() - 1800 + n
        os.utime(path, (t, t))
        report, problems = build(site)
        assert report.published and not problems.errors
        assert tree(site / "public") == clean_tree(site), (n, kind)

"""The golden fixture site (tests/golden/site) built and compared byte for byte, file by file,
with the checked-in tree tests/golden/expected/.

After an intended change of the output, regenerate the expected tree and review its diff:

    SSG_REGEN_GOLDEN=1 python -m pytest tests/build/test_golden.py
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from sitekit import GOLDEN_EXPECTED, GOLDEN_SITE, build, copy_golden, import_and_build, tree, without_json_ld

REGEN = os.environ.get("SSG_REGEN_GOLDEN") == "1"


def built(tmp_path: Path) -> Path:
    site = copy_golden(tmp_path)
    import_and_build(site)
    return site


def describe(rel: str, got: bytes, want: bytes) -> str:
    try:
        diff = difflib.unified_diff(want.decode().splitlines(), got.decode().splitlines(), f"expected/{rel}",
                                    f"built/{rel}", lineterm="", n=2)
        return "\n".join(list(diff)[:60])
    except UnicodeDecodeError:
        return f"{rel}: binary files differ"


def assert_same_tree(got: dict[str, bytes], want: dict[str, bytes]) -> None:
    missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
    assert not missing and not extra, f"missing from the build: {missing}; not expected: {extra}"
    changed = [rel for rel in want if got[rel] != want[rel]]
    assert not changed, (f"{len(changed)} files differ from tests/golden/expected (SSG_REGEN_GOLDEN=1 regenerates "
                         f"it after an intended change): {changed}\n" + describe(changed[0], got[changed[0]], want[changed[0]]))


def test_golden_site_matches_expected_tree(tmp_path):
    site = built(tmp_path)
    got = tree(site / "public")
    if REGEN:
        if GOLDEN_EXPECTED.exists():
            shutil.rmtree(GOLDEN_EXPECTED)
        shutil.copytree(site / "public", GOLDEN_EXPECTED)
    assert GOLDEN_EXPECTED.is_dir(), "no expected tree: run with SSG_REGEN_GOLDEN=1 once"
    assert_same_tree(got, tree(GOLDEN_EXPECTED))


def test_golden_rebuilds_give_the_same_tree(tmp_path):
    site = built(tmp_path)
    first = tree(site / "public")
    report, _ = build(site)  # the second build: nothing (or nothing visible) changed
    assert report.published
    assert tree(site / "public") == first
    build(site, clean=True)
    assert tree(site / "public") == first


def test_golden_fixture_is_what_it_claims(tmp_path):
    """The fixture really exercises what it is there for (so the golden tree proves it)."""
    site = built(tmp_path)
    out = site / "public"
    files = tree(out)
    # Both seed layouts were imported, into their sections.
    assert "world/flat-seed-script-alert-1-script-x/index.html" in files
    assert "business/folder-seed-the-section-comes-from-the-folder/index.html" in files
    imported = sorted(p.relative_to(site / "content").as_posix() for p in (site / "content").rglob("*.md")
                      if "source: seeds/" in p.read_text())
    assert imported == ["business/folder-seed-the-section-comes-from-the-folder.md",
                        "world/flat-seed-script-alert-1-script-x.md"]
    assert "Comment here" not in files["world/flat-seed-script-alert-1-script-x/index.html"].decode()
    # The draft and the future article are left out everywhere.
    everything = b"".join(files.values())
    assert b"must not appear" not in everything and b"unpublished-draft" not in everything
    assert b"from-the-future" not in everything
    # Hostile text: no live tag from content, template syntax shown literally.
    for rel, data in files.items():
        if rel.endswith(".html") and rel != "search/index.html":  # the search page's own script
            text = data.decode()
            text = without_json_ld(text)
            assert "<script" not in text and "<b>" not in text, rel
    storm = files["world/storm-hits-coast/index.html"].decode()
    assert "Storm &lt;script&gt;alert(1)&lt;/script&gt; hits {{ x }} coast" in storm
    assert "{% if true %}no{% endif %}" in storm
    cafe = files["business/cafe-owners/index.html"].decode()
    assert "caf&amp;#233;" in cafe and "*stars* are not emphasis, # hash is not a heading" in cafe
    # Markdown extensions: a table, a footnote, strikethrough.
    election = files["world/election-results/index.html"].decode()
    assert "<table>" in election and 'id="fn-1"' in election and "<del>low</del>" in election
    # Feed content links absolute; lastBuildDate from the latest change: the storm story's
    # correction of 22 May (a date alone: midnight, BST), after its date (20 May, 09:30 BST).
    feed = files["world/feed.xml"].decode()
    assert 'href="https://example.org/news/world/storm-hits-coast/"' in feed
    assert "<lastBuildDate>Wed, 22 May 2024 00:00:00 +0100</lastBuildDate>" in feed
    # URLs that never break: the published-URLs file's moved story, its gone and hand lines, the
    # storm story's aliases, the film's url: and its old URL, the expired story's gone page.
    moved = {"world/storm-old-slug/index.html": "/news/world/storm-hits-coast/",
             "world/storm/index.html": "/news/world/storm-hits-coast/",
             "2024/05/20/storm.html": "/news/world/storm-hits-coast/",
             "arts-culture/film-review/index.html": "/news/culture/2024/film-review.html",
             "old/business-index/index.html": "/news/business/"}
    for rel, to in moved.items():
        assert f'<meta http-equiv="refresh" content="0; url={to}">' in files[rel].decode(), rel
    assert "culture/2024/film-review.html" in files and "Film review" in files["culture/2024/film-review.html"].decode()
    for rel in ("business/closed-story/index.html", "world/legal-hold/index.html"):
        assert "This story was removed" in files[rel].decode()
    assert all(f"/news/{rel.removesuffix('index.html')}" in files["_redirects"].decode() for rel in moved)
    assert b"Results under embargo" not in b"".join(files.values())  # (publish_at 2099)
    # Corrections: the notice, the site-wide page and feeds; the monthly archived feeds.
    assert "The storm&#39;s *speed* &amp; # was corrected." in files["world/storm-hits-coast/index.html"].decode()
    assert {"corrections/index.html", "corrections/feed.xml", "corrections/atom.xml", "2024/05/atom.xml",
            "2024/03/atom.xml"} <= set(files)
    # The hand-added key is kept in the article's extra (and so in its fingerprint).
    assert "desk_note:" in (site / "content/business/markets.md").read_text()
    # The fixture itself is never built in place.
    assert not (GOLDEN_SITE / "public").exists() and not (GOLDEN_SITE / ".ssg").exists()


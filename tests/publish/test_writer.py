"""The writer (ssg/output.py): finding outputs deleted by hand, in a forked child or in process,
and builds that make them again (even when nothing else changed)."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from ssg.publish.writer import MARKER, Claims, OutputCheck, read_marker, write_atomic
from sitekit import article, build, make_site, tree


def _folder(tmp_path: Path) -> tuple[Path, list[str]]:
    out = tmp_path / "public"
    rels = ["index.html", "a/index.html", "a/b/index.html", "é/ü.html", "feed.xml", "dir-not-file/index.html"]
    for rel in rels:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    return out, rels


@pytest.mark.parametrize("parallel", [True, False])
def test_missing_files_found_in_a_child_or_in_process(tmp_path, parallel):
    out, rels = _folder(tmp_path)
    (out / "a/b/index.html").unlink()
    (out / "é/ü.html").unlink()
    (out / "dir-not-file/index.html").unlink()
    (out / "dir-not-file/index.html").mkdir()  # a folder where the file was is not the file
    checker = OutputCheck(out, rels + ["never/made.html"], parallel=parallel)
    assert checker.missing() == {"a/b/index.html", "é/ü.html", "dir-not-file/index.html", "never/made.html"}
    assert checker.missing() is checker.missing()  # asked once, remembered
    checker.close()


@pytest.mark.parametrize("parallel", [True, False])
def test_the_contents_of_a_folder_in_a_child_or_in_process(tmp_path, parallel):
    out, rels = _folder(tmp_path)
    (out / "empty").mkdir()
    os.symlink(out / "a", out / "link-to-a")
    check = OutputCheck(out, None, parallel=parallel)
    files, folders = check.contents()
    assert sorted(files) == sorted(rels + ["link-to-a"])
    assert sorted(folders) == ["a", "a/b", "dir-not-file", "empty", "é"]


def test_missing_files_none_missing_and_nothing_asked(tmp_path):
    out, rels = _folder(tmp_path)
    assert OutputCheck(out, rels).missing() == set()
    assert OutputCheck(out, []).missing() == set()


def _variants(tmp_path: Path, age: float = 60) -> tuple[Path, list[str]]:
    """A folder of a picture's variants (several outputs in one folder), its time ``age`` s ago."""
    out = tmp_path / "public"
    rels = [f"img/abc/{w}.{fmt}" for w in (480, 800) for fmt in ("jpg", "webp", "avif")] + ["index.html"]
    for rel in rels:
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_text(rel)
    old = time.time() - age
    os.utime(out / "img/abc", (old, old))
    return out, rels


def test_a_stamped_folder_is_not_listed_until_its_time_changes(tmp_path, monkeypatch):
    from ssg.publish import writer

    out, rels = _variants(tmp_path)
    missing, stamps = writer.missing_files(str(out), rels)
    assert missing == [] and list(stamps) == ["img/abc"]
    listed = []
    real = os.listdir
    monkeypatch.setattr(writer.os, "listdir", lambda p: listed.append(p) or real(p))
    assert writer.missing_files(str(out), rels, stamps) == ([], stamps) and listed == []
    (out / "img/abc/800.webp").unlink()  # deleted by hand: the folder's time changes
    missing, now = writer.missing_files(str(out), rels, stamps)
    assert missing == ["img/abc/800.webp"] and len(listed) == 1
    assert "img/abc" not in now  # not stamped while a file is missing: found again next time
    assert writer.missing_files(str(out), rels, now)[0] == ["img/abc/800.webp"]


def test_a_folder_changed_just_now_or_incomplete_is_never_stamped(tmp_path):
    from ssg.publish import writer

    out, rels = _variants(tmp_path, age=0)  # within the racy window: a change in the same tick could go unseen
    assert writer.missing_files(str(out), rels) == ([], {})
    out, rels = _variants(tmp_path / "b")
    assert writer.missing_files(str(out), rels + ["img/abc/1200.jpg"]) == (["img/abc/1200.jpg"], {})
    # A stamp that no longer matches (the folder was replaced, or is gone) is dropped.
    missing, stamps = writer.missing_files(str(out), rels)
    assert writer.missing_files(str(out), rels, {"img/abc": stamps["img/abc"] + 1, "gone/x": 5}) == ([], stamps)


@pytest.mark.parametrize("jobs", [1, 2])
def test_stamps_are_kept_by_the_build_and_a_deleted_variant_is_still_made_again(tmp_path, jobs):
    from PIL import Image

    from ssg.build.state import output_paths, state_path
    from ssg.config import load_config

    site = make_site(tmp_path, {"content/world/a.md": article(
        "Alpha", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a", extra="image: /img/p.jpg\nimage_alt: A picture")})
    (site / "static/img").mkdir(parents=True)
    Image.new("RGB", (900, 600), (20, 120, 200)).save(site / "static/img/p.jpg")
    build(site, jobs=jobs)
    _age(site)
    build(site, jobs=jobs)  # (the aged inputs' stats are new: their fingerprints are compared)
    report, _ = build(site, jobs=jobs)  # stamps the folders it listed, now out of the racy window
    assert report.nothing_changed
    path = state_path(site, load_config(site).output_dir)
    rels, stamps = output_paths(path)
    variants = [r for r in rels if r.endswith(".webp")]
    folder = variants[0].rpartition("/")[0]
    assert folder in stamps and len(variants) >= 2
    report, _ = build(site, jobs=jobs)
    assert report.nothing_changed and output_paths(path)[1] == stamps
    before = (site / "public" / variants[0]).read_bytes()
    (site / "public" / variants[0]).unlink()
    report, _ = build(site, jobs=jobs)
    assert not report.nothing_changed and (site / "public" / variants[0]).read_bytes() == before


def test_write_atomic_and_claims(tmp_path):
    target = tmp_path / "x.html"
    assert write_atomic(target, b"one") is True
    mtime = target.stat().st_mtime_ns
    assert write_atomic(target, b"one") is False and target.stat().st_mtime_ns == mtime
    claims = Claims()
    assert claims.claim("a/index.html", "article a") and not claims.claim("A/Index.html", "article b")
    assert "also produced by article a" in claims.problems[0].message


def _age(site: Path) -> None:
    """Files older than the racy window, as after an ordinary pause between builds."""
    old = time.time() - 60
    for p in site.rglob("*"):
        os.utime(p, (old, old))


@pytest.mark.parametrize("jobs", [1, 2])
def test_an_output_deleted_by_hand_is_made_again_even_when_nothing_changed(tmp_path, jobs):
    site = make_site(tmp_path, {
        "content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World", "Alpha body.", slug="a"),
        "content/world/b.md": article("Beta", "2024-05-02T08:00:00+00:00", "World", "Beta body.", slug="b"),
    })
    build(site, jobs=jobs)
    _age(site)
    build(site, jobs=jobs)
    report, _ = build(site, jobs=jobs)
    assert report.nothing_changed  # the fingerprint holds: a true no-op
    page, feed = site / "public/world/a/index.html", site / "public/world/feed.xml"
    before = page.read_bytes(), feed.read_bytes()
    page.unlink()
    feed.unlink()
    report, _ = build(site, jobs=jobs)
    assert not report.nothing_changed and report.rendered >= 1
    assert (page.read_bytes(), feed.read_bytes()) == before
    report, _ = build(site, jobs=jobs)
    assert report.nothing_changed


def test_recover_deletes_what_interrupted_builds_left(tmp_path):
    """A first build's staging folder, pending files without a journal, and the copies of
    replaced sites that ssg versions which swapped whole sites in could leave."""
    from ssg.publish.writer import recover

    output = tmp_path / "public"
    output.mkdir()
    (output / "index.html").write_text("site")
    left = [tmp_path / n for n in (".public.staging-x", ".public.pending", ".public.old-3-3")]
    for folder in left:
        (folder / "a").mkdir(parents=True)
        (folder / "a" / "index.html").write_text("x")
    recover(output)
    assert not any(folder.exists() for folder in left)
    assert (output / "index.html").read_text() == "site"


def test_full_builds_leave_no_copies_behind(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a")})
    for _ in range(3):
        build(site, clean=True)
    from sitekit import leftovers

    assert leftovers(site / "public") == []


def test_a_staged_site_never_replaces_a_folder_that_appeared_meanwhile(tmp_path):
    from ssg.publish.writer import FullPublisher
    from sitekit import leftovers, stats

    out = tmp_path / "public"
    publisher = FullPublisher(out)
    publisher.add("index.html", b"new")
    _, rels = _folder(tmp_path)  # another writer fills the folder before the commit
    before = stats(out)
    with pytest.raises(OSError):
        publisher.commit()
    publisher.abort()
    assert stats(out) == before and leftovers(out) == []
    shutil.rmtree(out)
    publisher = FullPublisher(out)
    publisher.add("index.html", b"new")
    publisher.commit()
    assert sorted(p.name for p in out.iterdir()) == ["index.html"] and (out / "index.html").read_bytes() == b"new"
    assert leftovers(out) == []


def test_a_clean_build_updates_the_folder_in_place_and_removes_strays(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a")})
    build(site)
    out = site / "public"
    from sitekit import stats, tree

    before = stats(out)
    (out / "stray.html").write_text("not made by ssg")
    (out / "old" / "deep").mkdir(parents=True)
    (out / "old" / "deep" / "index.html").write_text("gone")
    (out / "empty" / "folders").mkdir(parents=True)
    os.symlink(out / "world", out / "linked")
    os.unlink(out / "world/a/index.html")
    (out / "world/index.html").write_text("edited by hand")
    report, _ = build(site, clean=True)
    assert report.removed == 3  # stray.html, old/deep/index.html, the link
    after = stats(out)
    assert {r: v[0] for r, v in after.items()} == {r: v[0] for r, v in before.items()}
    assert not (out / "old").exists() and not (out / "empty").exists() and not (out / "linked").exists()
    # Files whose bytes were right were neither rewritten nor replaced: same inode and time.
    for rel, (_, mtime, inode) in before.items():
        if rel not in ("world/a/index.html", "world/index.html"):
            assert after[rel][1:] == (mtime, inode), rel
    fresh = make_site(tmp_path, {"content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a")},
                      name="fresh")
    build(fresh)
    assert tree(out) == tree(fresh / "public")


# --- whose folder it is: a folder ssg did not make is never emptied ---------------------------

A = {"content/world/a.md": article("Alpha", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a"),
     "content/world/b.md": article("Bravo", "2024-05-02T08:00:00+00:00", "World", "B.", slug="b")}


def _others(folder: Path) -> dict[str, bytes]:
    """A GitHub Pages docs/ folder of someone else's files."""
    files = {"CNAME": b"news.example.org\n", "index.md": b"# Docs\n", "guide/setup.md": b"Set up.\n", ".nojekyll": b""}
    for rel, data in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    return files


@pytest.mark.parametrize("clean", [False, True])
def test_a_folder_of_other_files_is_refused_and_left_alone(tmp_path, run_cli, clean):
    site = make_site(tmp_path, A, toml='base_url = "https://example.org/"\noutput_dir = "docs"\n')
    theirs = _others(site / "docs")
    result = run_cli(site, "build", *(["--clean"] if clean else []))
    assert result.code == 1 and "Traceback" not in result.err
    (line,) = [line for line in result.err.splitlines() if line.startswith("docs: ")]
    assert "not made by ssg (no .ssg-output.json) and holds 4 files or folders" in line
    assert ".nojekyll, CNAME, guide/setup.md, index.md" in line and "--replace-output" in line
    assert tree(site / "docs") == theirs and "build failed: docs/ left as it was" in result.out


def test_replace_output_lists_and_deletes_what_was_there(tmp_path, run_cli):
    site = make_site(tmp_path, A, toml='base_url = "https://example.org/"\noutput_dir = "docs"\n')
    _others(site / "docs")
    result = run_cli(site, "build", "--replace-output")
    assert result.code == 0, result.err
    assert "docs: warning: not made by ssg: --replace-output deletes what it holds that no page produces" in result.err
    assert "of 4 files and folders: .nojekyll, CNAME, guide/setup.md, index.md" in result.err
    fresh = make_site(tmp_path, A, name="fresh", toml='base_url = "https://example.org/"\n')
    build(fresh)
    assert tree(site / "docs") == tree(fresh / "public")
    # From now on it is ssg's: no flag needed.
    assert run_cli(site, "build").code == 0


def test_an_empty_existing_folder_is_built_into(tmp_path):
    site = make_site(tmp_path, A)
    (site / "public").mkdir()
    build(site)
    assert (site / "public/world/a/index.html").is_file() and (site / "public" / MARKER).is_file()


def test_the_marker_lists_the_outputs_and_comes_back_when_deleted(tmp_path):
    # (search off: the names of Pagefind's files change with every edit of an article)
    site = make_site(tmp_path, A, toml='base_url = "https://example.org/"\n[search]\nenabled = false\n')
    build(site)
    out = site / "public"
    listed = read_marker(out)
    assert listed == sorted(rel for rel in tree(out) if rel != MARKER) and "world/a/index.html" in listed
    (out / MARKER).unlink()
    build(site)
    assert read_marker(out) == listed
    # A new article changes the list; an edited one does not rewrite the marker.
    (site / "content/world/c.md").write_text(article("Charlie", "2024-05-03T08:00:00+00:00", "World", "C.", slug="c"))
    build(site)
    assert "world/c/index.html" in read_marker(out)
    mtime = (out / MARKER).stat().st_mtime_ns
    time.sleep(0.01)
    (site / "content/world/c.md").write_text(article("Charlie!", "2024-05-03T08:00:00+00:00", "World", "C!", slug="c"))
    build(site)
    assert (out / MARKER).stat().st_mtime_ns == mtime


def test_without_the_build_state_only_recorded_outputs_go(tmp_path):
    """A fresh clone or a deleted .ssg/: the marker says which files are ssg's. A normal build
    removes only those no longer produced; --clean also what no page produces."""
    site = make_site(tmp_path, A)
    build(site)
    out = site / "public"
    (out / "notes.txt").write_text("put here by hand")
    (out / "world/a/extra.html").write_text("also by hand")
    shutil.rmtree(site / ".ssg")
    (site / "content/world/a.md").unlink()
    report, _ = build(site)
    assert not (out / "world/a/index.html").exists() and report.removed >= 1
    assert (out / "notes.txt").read_text() == "put here by hand" and (out / "world/a/extra.html").is_file()
    shutil.rmtree(site / ".ssg")
    build(site, clean=True)
    assert not (out / "notes.txt").exists() and not (out / "world/a").exists()
    fresh = make_site(tmp_path, {"content/world/b.md": A["content/world/b.md"]}, name="fresh")
    build(fresh)
    assert tree(out) == tree(fresh / "public")


def test_a_recorded_build_without_a_marker_is_still_ssgs(tmp_path):
    """A site built by an ssg that wrote no marker: the build state says the folder is ssg's."""
    site = make_site(tmp_path, A)
    build(site)
    (site / "public" / MARKER).unlink()
    (site / "public" / "stray.html").write_text("x")
    build(site)  # normal: only recorded outputs may go, the stray stays
    assert (site / "public/stray.html").exists() and (site / "public" / MARKER).is_file()
    (site / "public" / MARKER).unlink()
    build(site, clean=True)  # --clean: the state (read before it is dropped) says it is ssg's
    assert not (site / "public/stray.html").exists()

"""The writer (ssg/output.py): finding outputs deleted by hand, in a forked child or in process,
and builds that make them again (even when nothing else changed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from ssg.output import Claims, MissingFiles, write_atomic
from sitekit import article, build, make_site


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
    checker = MissingFiles(out, rels + ["never/made.html"], parallel=parallel)
    assert (checker.pid is not None) == parallel
    assert checker.missing() == {"a/b/index.html", "é/ü.html", "dir-not-file/index.html", "never/made.html"}
    assert checker.missing() is checker.missing()  # asked once, remembered
    assert checker.pid is None and checker.fd is None  # the child was waited for


def test_missing_files_none_missing_and_nothing_asked(tmp_path):
    out, rels = _folder(tmp_path)
    assert MissingFiles(out, rels).missing() == set()
    empty = MissingFiles(out, [])
    assert empty.pid is None and empty.missing() == set()


def test_a_child_that_fails_is_not_trusted(tmp_path, monkeypatch):
    out, rels = _folder(tmp_path)
    (out / "feed.xml").unlink()
    parent = os.getpid()
    look = MissingFiles._look

    def failing_in_the_child(self):
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return look(self)

    monkeypatch.setattr(MissingFiles, "_look", failing_in_the_child)
    checker = MissingFiles(out, rels)
    assert checker.pid is not None
    assert checker.missing() == {"feed.xml"}  # looked again in process


def test_close_without_asking_leaves_no_child(tmp_path):
    out, rels = _folder(tmp_path)
    checker = MissingFiles(out, rels)
    pid = checker.pid
    checker.close()
    checker.close()  # twice is harmless
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no zombie left


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

"""Crash safety: `ssg build` killed with SIGKILL at many moments loses nothing.

A site of a few hundred seeds (plus hand-written and hand-edited content files) goes through
three rounds of changes: the first build (import of every seed, then the whole site staged and
renamed into place), an edit round (seeds changed and added, a hand edit, a template change:
part of the import rewritten and nearly every page committed in place under a journal), and a
`--clean` round (a whole new site swapped in). For each round an uninterrupted run from the same
starting state (a hard-linked clone) gives the "new" site and content and the timeline; then
`ssg build` is started and killed again and again in the real site, each run starting from what
the previous kill left, at moments drawn by a seeded RNG:

- at a random time over the whole run (its process group, fork workers included); or
- at the k-th `os.replace` of a kind (a content file of the import, the journal, a file of the
  in-place commit, the swap of a staged site), just before or just after it, through a wrapper
  that patches `os.replace` in the ssg process: the import and the publish step are a small
  part of a run's time, so random times alone would rarely hit them.

After every kill: `public/` is exactly the old site or exactly the new one (or, only while an
in-place commit's journal exists, a mix of whole old and new files that the next run completes),
every content file is absent, the old bytes or the new bytes (temporary files are hidden and end
in `.tmp`), the build cache passes SQLite's integrity check. After each round the next run
succeeds and gives exactly the uninterrupted run's output, with nothing left beside `public/`;
the edit round's incremental result equals the clean build of the `--clean` round.
"""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from sitekit import finish, instrumented_build as ssg, leftovers

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = 400
SEED = 20261128

def hashes(root: Path) -> dict[str, str] | None:
    """relpath -> digest of every file below root (None when root does not exist)."""
    if not root.exists():
        return None
    return {p.relative_to(root).as_posix(): hashlib.blake2b(p.read_bytes(), digest_size=16).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def content_files(site: Path) -> tuple[dict[str, bytes], list[str]]:
    """The content files (bytes) and the hidden temporaries beside them."""
    files, hidden = {}, []
    for p in sorted((site / "content").rglob("*")):
        if p.is_file():
            rel = p.relative_to(site / "content").as_posix()
            if any(part.startswith(".") for part in Path(rel).parts):
                hidden.append(rel)
            else:
                files[rel] = p.read_bytes()
    return files, hidden


def clone(src: Path, dst: Path) -> Path:
    """A copy of a site at rest: hard links (ssg only ever replaces files, never rewrites them in
    place), but a real copy of .ssg/, whose SQLite cache is written in place."""
    shutil.copytree(src, dst, copy_function=os.link, ignore=shutil.ignore_patterns(".ssg"), symlinks=True)
    if (src / ".ssg").exists():
        shutil.copytree(src / ".ssg", dst / ".ssg")
    return dst


def remove(site: Path) -> None:
    shutil.rmtree(site)


def put(path: Path, text: str) -> None:
    """Write a file as a new inode: clones made earlier share the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.write_text(text, encoding="utf-8")


WORDS = ("market vote storm river court bank police school minister talks strike border rain "
         "harvest rail energy port museum festival budget").split()


def seed_text(rng: random.Random, i: int, section: str, version: int = 0) -> str:
    head = " ".join(rng.choice(WORDS) for _ in range(5)).capitalize() + f" number {i}"
    paras = [" ".join(rng.choice(WORDS) for _ in range(25)) + "." for _ in range(3)]
    if version:
        paras.append(f"Revised, version {version}.")
    return f"{section}\n\n{head}\n\n" + "\n\n".join(paras) + "\n"


def hand_article(i: int, body: str) -> str:
    return (f"---\ntitle: \"Hand written {i} <b>&</b>\"\ndate: 2024-02-{1 + i % 27:02d}T08:00:00+00:00\n"
            f"section: Opinion\nslug: hand-{i}\n---\n\n{body}\n")


def write_initial(site: Path, rng: random.Random) -> None:
    site.mkdir(parents=True)
    (site / "site.toml").write_text(
        'title = "Crash News"\nbase_url = "https://example.org/news/"\npage_size = 20\n'
        "[search]\nenabled = false\n[images]\ncards = false\n", encoding="utf-8")  # (cards: tests/outputs/test_images.py)
    for i in range(ARTICLES):
        put(site / f"seeds/{i:05d}.txt", seed_text(rng, i, ("World", "Business", "Sport", "Science")[i % 4]))
    for i in range(20):
        put(site / f"content/opinion/hand-{i}.md", hand_article(i, f"A column, number {i}."))


def edit_round(site: Path, rng: random.Random) -> None:
    """Seeds changed and added, one imported article edited by hand (its seed changes too: a
    conflict, the hand edit must survive), a new hand-written file, and a template change."""
    for i in rng.sample(range(ARTICLES), 60):
        put(site / f"seeds/{i:05d}.txt", seed_text(rng, i, ("World", "Business", "Sport", "Science")[i % 4], version=2))
    for i in range(ARTICLES, ARTICLES + 30):
        put(site / f"seeds/{i:05d}.txt", seed_text(rng, i, "Health"))
    victim = next(p for p in sorted((site / "content").rglob("*.md")) if "source: seeds/00003.txt" in p.read_text())
    put(victim, victim.read_text() + "\nA paragraph added by hand.\n")
    put(site / "seeds/00003.txt", seed_text(rng, 3, "Sport", version=2))
    put(site / "content/opinion/hand-new.md", hand_article(99, "A new column."))
    put(site / "templates/article.html",
        '{% extends "base.html" %}\n{% block main %}<article><h1>{{ article.title }}</h1>'
        "<p class=edited>{{ article.date_display }}</p>{{ article.body }}</article>{% endblock %}\n")


def reference(site: Path, work: Path, args: tuple[str, ...]) -> tuple[float, Counter, dict, dict]:
    """An uninterrupted run from the same state, in a clone (``work``, kept): its duration, its
    os.replace calls by kind, and the site and content it leaves."""
    ref = clone(site, work)
    log = work.parent / f"{work.name}.log"
    started = time.monotonic()
    code, err = finish(ssg(ref, *args, log=log))
    duration = time.monotonic() - started
    assert code == 0, err
    kinds = Counter(line.split("\t")[0] for line in log.read_text().splitlines() if line)
    public = hashes(ref / "public")
    content, hidden = content_files(ref)
    assert not hidden
    return duration, kinds, public, content


def check_after_kill(site: Path, old_pub, new_pub, old_content, new_content, what: str) -> str:
    """The invariants that must hold whenever a build dies; returns how public/ was found."""
    pub = hashes(site / "public")
    if pub == old_pub:
        state = "old" if old_pub is not None else "absent"
    elif pub == new_pub:
        state = "new"
    else:
        # Only an in-place commit under way may show a mix, of whole files, old or new.
        assert old_pub is not None and pub is not None, f"{what}: public/ neither old nor new"
        assert (site / ".public.journal").exists(), f"{what}: public/ is a mix of old and new without a journal"
        for rel, h in pub.items():
            assert h in (old_pub.get(rel), new_pub.get(rel)), f"{what}: public/{rel} is neither its old nor its new bytes"
        for rel in old_pub.keys() & new_pub.keys():
            assert rel in pub, f"{what}: public/{rel} went missing mid-commit"
        state = "mixed (journal)"
    files, hidden = content_files(site)
    for rel, data in files.items():
        assert data in (old_content.get(rel), new_content.get(rel)), f"{what}: content/{rel} is a partial or foreign file"
    for rel in old_content:
        assert rel in files, f"{what}: content/{rel} was lost"
    for rel in hidden:
        assert Path(rel).name.endswith(".tmp"), f"{what}: unexpected hidden file content/{rel}"
    db = site / ".ssg" / "build-public.sqlite"
    if db.exists():
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", f"{what}: build cache corrupt"
        finally:
            conn.close()
    return state


def clean_round(site: Path, rng: random.Random) -> None:
    """A new site title: every page changes, and --clean stages and swaps in a whole new site."""
    toml = site / "site.toml"
    put(toml, toml.read_text().replace('title = "Crash News"', 'title = "Crash News, cleaned"'))


def kill_run(site: Path, args, how: str, at) -> tuple[int, str]:
    proc = ssg(site, *args, crash_at=at if how == "replace" else None)
    if how == "time":
        try:
            proc.wait(timeout=at)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    return finish(proc)


def test_sigkill_at_many_moments_keeps_public_and_content_whole(tmp_path, run_cli):
    rng = random.Random(SEED)
    site = tmp_path / "site"
    write_initial(site, rng)
    common = ("-j", "2", "--date", "2024-03-10")
    rounds = [("first build", common, None, 7), ("edits", common, edit_round, 7),
              ("clean", (*common, "--clean"), clean_round, 6)]
    outcomes: list[tuple[str, str, str]] = []
    for n, (name, args, change, kills) in enumerate(rounds):
        if change is not None:
            change(site, rng)
        old_pub = hashes(site / "public")
        old_content, _ = content_files(site)
        duration, kinds, new_pub, new_content = reference(site, tmp_path / f"ref{n}", args)
        if name == "clean":  # incremental equals clean: the same change built without --clean
            assert reference(site, tmp_path / "incremental", common)[2] == new_pub
            remove(tmp_path / "incremental")
        # Moments: half at random times over the run, half at an os.replace of each kind the
        # run makes (import, journal, commit, swap), just before or after it.
        targets = [k for k in ("import", "journal", "commit", "swap") if kinds[k]]
        moments = []
        for i in range(kills):
            if i % 2 == 0 or not targets:
                moments.append(("time", round(rng.uniform(0.05, duration * 0.9), 2)))
            else:
                kind = targets[(i // 2) % len(targets)]
                moments.append(("replace", f"{kind}:{rng.randint(1, kinds[kind])}:{rng.choice(('before', 'after'))}"))
        for i, (how, at) in enumerate(moments):
            # Each kill starts from the round's starting state (a hard-linked clone).
            work = clone(site, tmp_path / f"run{n}-{i}")
            what = f"{name}, kill at {how} {at}"
            code, err = kill_run(work, args, how, at)
            assert code in (0, -signal.SIGKILL), f"{what}: exit {code}: {err}"
            assert "Traceback" not in err, f"{what}: {err}"
            state = "finished" if code == 0 else check_after_kill(work, old_pub, new_pub, old_content, new_content, what)
            outcomes.append((name, f"{how} {at}", state))
            again = round(rng.uniform(0.05, duration), 2)  # drawn always: the same moments on every run
            if code != 0 and i % 3 == 2:  # killed again while it recovers
                code, err = kill_run(work, args, "time", again)
                assert code in (0, -signal.SIGKILL) and "Traceback" not in err, f"{what}, then at {again} s: {err}"
                if code != 0:
                    state = check_after_kill(work, old_pub, new_pub, old_content, new_content, f"{what}, then at {again} s")
                outcomes.append((name, f"  then time {again}", state if code else "finished"))
            # The next run completes what was interrupted and gives the uninterrupted run's output.
            # (A temporary file of a killed write is removed once 10 minutes old: it may be
            # another process's write in progress until then.)
            for rel in content_files(work)[1]:
                os.utime(work / "content" / rel, (time.time() - 3600,) * 2)
            code, _, err = run_cli(work, "build", "-q", *args)  # in this process: no start-up cost
            assert code == 0 and "unreadable" not in err, f"{what}: {err}"
            assert hashes(work / "public") == new_pub, f"{what}: the next build differs from an uninterrupted one"
            files, hidden = content_files(work)
            assert files == new_content, f"{what}: content differs from an uninterrupted run"
            assert hidden == [], f"{what}: temporary files left in content/: {hidden}"
            assert leftovers(work / "public") == []
            shutil.rmtree(work)
        # The next round starts from the site as the uninterrupted run left it.
        remove(site)
        site = tmp_path / f"ref{n}"
    print("\n".join(f"{r}: {m} -> {s}" for r, m, s in outcomes))
    states = Counter(s for _, _, s in outcomes)
    # Kills landed before, during and after publishing.
    assert states["old"] and states["new"] and states["absent"] and states["mixed (journal)"], states


def test_a_second_build_waits_for_the_first_and_never_publishes_a_partial_site(tmp_path):
    """Two builds of one output folder at once: the second waits for the first (a lock in
    .ssg/). Without it, the second's clean-up of leftovers deleted the first's staging (or
    pending) folder while it was being filled, and the first then published a partial site."""
    rng = random.Random(SEED)
    site = tmp_path / "site"
    write_initial(site, rng)
    code, err = finish(ssg(site, "-j", "1", "--date", "2024-03-10"))
    assert code == 0, err
    expected = hashes(site / "public")
    go = tmp_path / "go"
    # The first build stops half way through staging its files, until the second is running.
    first = ssg(site, "-j", "1", "--clean", PAUSE_AT_ADD="200", PAUSE_FILE=str(go))
    second = None
    try:
        deadline = time.monotonic() + 60
        while not Path(f"{go}.paused").exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert first.poll() is None and Path(f"{go}.paused").exists()
        second = ssg(site, "-j", "1", "--clean")
        line = second.stderr.readline()  # blocks until it says it waits (or ends)
        assert "another build of this output folder is running: waiting" in line, line
        go.touch()
        code, err = finish(first)
        assert code == 0, err
        assert hashes(site / "public") == expected  # complete, before the second one publishes
        os.killpg(second.pid, signal.SIGKILL)  # the second dies: the first's site stays
        finish(second)
        assert hashes(site / "public") == expected
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    code, err = finish(ssg(site, "-j", "1"))
    assert code == 0 and "waiting" not in err, err  # a killed holder released the lock
    assert hashes(site / "public") == expected
    assert leftovers(site / "public") == []


def test_a_file_changed_or_deleted_while_being_built_stops_the_build(tmp_path, monkeypatch):
    """Bodies are read a second time to be rendered: a file saved (or deleted) in between, as an
    editor does during `ssg serve`'s rebuilds, must neither mix two versions in a page, nor
    leave HTML remembered under the other body's hash, nor crash. The build reports the file and
    publishes nothing; the next build is exactly a clean one. Over worker processes too."""
    import ssg.build.driver
    from sitekit import article, build, make_site, tree

    files = {f"content/s{i % 3}/a{i}.md": article(f"Article {i}", f"2024-01-{1 + i % 28:02d}T10:00:00+00:00",
                                                  f"Section {i % 3}", f"Body {i}.", slug=f"a{i}") for i in range(400)}
    site = make_site(tmp_path, files)
    build(site, jobs=2)
    before = tree(site / "public")
    real = ssg.build.driver.read_body
    for how, jobs in (("edit", 1), ("delete", 2), ("edit", 2)):
        target = site / "content/s1/a7.md" if how == "edit" else site / "content/s2/a8.md"
        slug = target.stem
        new_text = article(f"Article {slug}", "2024-01-08T10:00:00+00:00", "Section 1", f"Saved again {jobs}.", slug=slug)
        write = article(f"Article {slug}", "2024-01-08T10:00:00+00:00", "Section 1", f"Collected {jobs}.", slug=slug)

        def racing(root, relpath, target=target, how=how, new_text=new_text):
            if root / relpath == target:
                if how == "edit":
                    target.write_text(new_text)  # saved again, after the build read it
                elif target.exists():
                    target.unlink()
            return real(root, relpath)

        target.write_text(write)
        monkeypatch.setattr(ssg.build.driver, "read_body", racing)
        # With two jobs, a clean build: every page is rendered in the worker processes.
        report, problems = build(site, jobs=jobs, expect_ok=False, clean=jobs > 1)
        monkeypatch.setattr(ssg.build.driver, "read_body", real)
        assert not report.published
        assert [str(p) for p in problems.errors] == [f"{target}: changed while the site was being built: build again"]
        assert tree(site / "public") == before
        build(site, jobs=jobs)  # the next build publishes the file as it now is
        before = tree(site / "public")
        clean = make_site(tmp_path, {}, name=f"clean-{how}-{jobs}")
        shutil.rmtree(clean / "content")
        shutil.copytree(site / "content", clean / "content")
        build(clean, jobs=1)
        assert tree(clean / "public") == before


def test_temporary_files_of_a_killed_import_are_removed_once_stale(tmp_path):
    """A write killed between its temporary file and the rename leaves `.NAME.XXXXXXXX.tmp`
    beside the content file: never read as content (hidden), and removed by the next import
    once 10 minutes old (a younger one may be another process's write in progress)."""
    from ssg.config import load_config
    from ssg.importer import import_seeds
    from ssg.problems import Problems

    site = tmp_path / "site"
    write_initial(site, random.Random(1))
    folder = site / "content" / "opinion"
    stale, fresh, other = folder / ".hand-1.md.k2j_9xqa.tmp", folder / ".hand-2.md.0abcdefg.tmp", folder / ".notes.tmp"
    for path in (stale, fresh, other):
        path.write_text("---\ntitle: half")
    old = time.time() - 3600
    for path in (stale, other):
        os.utime(path, (old, old))
    import_seeds(site, load_config(site), Problems())
    assert not stale.exists() and fresh.exists() and other.exists()

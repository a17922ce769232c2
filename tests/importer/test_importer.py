"""Import end to end: awkward seeds in, content files out, and re-imports that lose nothing."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
from pathlib import Path

import pytest

from ssg.content import article as cf
from ssg.config import load_config
from ssg.importer import ImportReport, import_seeds, summarize
from ssg.render.markdown import Renderer

DATE = dt.date(2024, 3, 5)
HOSTILE_HEADLINE = "<script>alert(1)</script> {{ x }} *bold* # not"
HOSTILE_BODY = [
    "# heading?", "1. list?", "2) list?", "- dash", "+ plus", "> quote", "*x* _x_ `code` ~~s~~",
    "[x](javascript:alert(1)) ![i](x) <http://x> [^1]", "<script>alert(2)</script> {{ y }} a | b",
    "    four leading spaces", "trailing backslash \\", "caf&#233; &amp;", "---", "===", "***",
]
LONG_HEADLINE = ("Prime Minister announces sweeping reforms to the national health service and education "
                 "system in landmark speech")

# One of everything the issue lists, in both layouts; four of them are refused.
AWKWARD: dict[str, str | bytes] = {
    "seeds/000_real.txt": "Middle East\n\nMacron meets Putin, says he seeks to \u2018avoid war\u2019\n\n"
                          "\u201cThis discussion can make a start,\u201d Macron said.\n\nComment here",
    "seeds/hostile.txt": "World\n\n" + HOSTILE_HEADLINE + "\n\n" + "\n\n".join(HOSTILE_BODY) + "\n",
    "seeds/unicode.txt": "\u00dcn\u00efc\u00f6d\u00e9 W\u00f6rld\n\n\u5317\u4eac\u6b22\u8fce\u4f60\n\nText.\n",
    "seeds/escape.txt": "../../etc\n\nEscape attempt\n\nBody.\n",
    "seeds/bom.txt": "\ufeffTech\r\n\r\nBOM and CRLF\r\n\r\nBody line.\r\n",
    "seeds/cr.txt": b"Tech\r\r\r\tOld Mac\tline endings \r   \r Body one.\r\r\r\rBody two.",
    "seeds/punct.txt": "World\n\n!!! ???\n\nNothing to slugify in the headline.\n",
    "seeds/long.txt": "World\n\n" + LONG_HEADLINE + "\n\nBody.\n",
    "seeds/latin1.txt": b"World\n\nPound\n\nA \xa35m deal.\n",
    "seeds/business/001.txt": "Same headline\n\nFirst story.\n",
    "seeds/business/002.txt": "Same headline\n\nSecond, different story.\n",
    "seeds/business/003.txt": "Same headline\n\nFirst story.\n",  # byte-identical to 001
    "seeds/Middle East/folder.txt": "Folder layout headline\n\nBody.\n",
    "seeds/empty.txt": "",
    "seeds/nohead.txt": "Section only\n",
    "seeds/nobody.txt": "World\n\nHeadline but no body\n\n\n",
    "seeds/binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 16,
}
EXPECTED_FILES = {
    "content/business/same-headline.md": "seeds/business/001.txt",
    "content/business/same-headline-2.md": "seeds/business/002.txt",
    "content/etc/escape-attempt.md": "seeds/escape.txt",
    "content/middle-east/folder-layout-headline.md": "seeds/Middle East/folder.txt",
    "content/middle-east/macron-meets-putin-says-he-seeks-to-avoid-war.md": "seeds/000_real.txt",
    "content/tech/bom-and-crlf.md": "seeds/bom.txt",
    "content/tech/old-mac-line-endings.md": "seeds/cr.txt",
    "content/unicode-world/bei-jing-huan-ying-ni.md": "seeds/unicode.txt",
    "content/world/pound.md": "seeds/latin1.txt",
    "content/world/prime-minister-announces-sweeping-reforms-to-the-national-health-service-and.md": "seeds/long.txt",
    "content/world/punct.md": "seeds/punct.txt",
    "content/world/script-alert-1-script-x-bold-not.md": "seeds/hostile.txt",
}
BOM = "content/tech/bom-and-crlf.md"


def run_import(site: Path, **kw):
    from ssg.problems import Problems

    problems = Problems()
    report = import_seeds(site, load_config(site), problems, **kw)
    return report, problems


def content(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "content").rglob("*.md"))}


def front(site: Path, rel: str) -> dict:
    return cf.split_document((site / rel).read_text(encoding="utf-8"))[0]


def messages(problems, severity: str) -> list[str]:
    return sorted(str(p) for p in problems.items if p.severity == severity)


@pytest.fixture
def site(tmp_path, make_site):
    return make_site(tmp_path, AWKWARD)


@pytest.fixture
def imported(site, age):
    """The awkward site, imported, its files aged out of the racy-stat window and imported again,
    so that the cache now knows every file: the next run skips unchanged seeds unread."""
    report, problems = run_import(site, date=DATE)
    assert report.imported == len(EXPECTED_FILES), messages(problems, "error")
    age(site)
    report, _ = run_import(site)
    assert (report.unchanged, report.written) == (len(EXPECTED_FILES), [])
    return site


def test_a_no_change_reimport_reads_no_seed(imported, monkeypatch):
    import ssg.importer

    parsed = []
    real = ssg.importer.parse_seed
    monkeypatch.setattr(ssg.importer, "parse_seed", lambda sf, *a: parsed.append(sf.relpath) or real(sf, *a))
    report, _ = run_import(imported)
    assert (report.unchanged, report.duplicates) == (12, 1)
    assert sorted(parsed) == ["seeds/binary.txt", "seeds/empty.txt", "seeds/nobody.txt", "seeds/nohead.txt"]
    (imported / ".ssg" / "import.json").unlink()  # without the cache, every seed is read again
    run_import(imported)
    assert len(parsed) == 4 + len(AWKWARD)


# --- the first import -----------------------------------------------------------------------


def test_awkward_seeds_become_one_file_each(site):
    report, problems = run_import(site, date=DATE)
    files = content(site)
    assert sorted(files) == sorted(EXPECTED_FILES)
    assert {rel: front(site, rel)["source"] for rel in files} == EXPECTED_FILES
    assert (report.imported, report.updated, report.unchanged, report.duplicates, report.conflicts, report.errors) == (
        12, 0, 0, 1, 0, 4)
    assert sorted(report.written) == sorted(EXPECTED_FILES)
    assert report.summary() == "imported 12, updated 0, unchanged 0, duplicates 1, conflicts 0, errors 4"
    assert messages(problems, "error") == [
        "seeds/binary.txt: binary data, not a text file",
        "seeds/empty.txt: empty file",
        "seeds/nobody.txt:3: headline 'Headline but no body' but no body",
        "seeds/nohead.txt:1: section 'Section only' but no headline",
    ]
    warnings = messages(problems, "warning")
    assert len(warnings) == 2
    assert warnings[0].startswith("seeds/business/003.txt: duplicate of seeds/business/001.txt")
    assert warnings[1].startswith("seeds/latin1.txt:5: not valid UTF-8")
    # Nothing outside content/, no temporary files left behind, and a cache for next time.
    root = (site / "content").resolve()
    assert all(p.resolve().is_relative_to(root) for p in (site / "content").rglob("*"))
    assert not (site / "etc").exists() and not (site.parent / "etc").exists()
    assert [p.name for p in (site / "content").rglob(".*")] == []
    assert json.loads((site / ".ssg" / "import.json").read_text())["version"] == 1


def test_front_matter_keys_and_values(site):
    run_import(site, date=DATE)
    rel = "content/middle-east/macron-meets-putin-says-he-seeks-to-avoid-war.md"
    text = (site / rel).read_text(encoding="utf-8")
    meta, body, _ = cf.split_document(text)
    assert list(meta) == ["title", "date", "section", "slug", "summary", "source", "seed_hash", "import_hash"]
    assert meta["title"] == "Macron meets Putin, says he seeks to \u2018avoid war\u2019"
    assert re.search(r"^date: 2024-03-05T00:00:00\+00:00$", text, re.M)  # ISO 8601 with the UTC offset
    assert meta["date"] == dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc)
    assert meta["section"] == "Middle East" and meta["slug"] == "macron-meets-putin-says-he-seeks-to-avoid-war"
    assert meta["summary"] == "\u201cThis discussion can make a start,\u201d Macron said."
    assert meta["source"] == "seeds/000_real.txt"
    assert body.strip() == "\u201cThis discussion can make a start,\u201d Macron said."  # no "Comment here"
    assert cf.is_untouched(text)
    # Every file: the slug is the file name, the section the display name.
    for rel in EXPECTED_FILES:
        m = front(site, rel)
        assert m["slug"] == Path(rel).stem and m["date"] == meta["date"]
    assert front(site, "content/etc/escape-attempt.md")["section"] == "../../etc"
    assert front(site, "content/middle-east/folder-layout-headline.md")["section"] == "Middle East"
    assert front(site, "content/unicode-world/bei-jing-huan-ying-ni.md")["section"] == "\u00dcn\u00efc\u00f6d\u00e9 W\u00f6rld"
    assert front(site, "content/world/punct.md")["title"] == "!!! ???"
    assert front(site, "content/tech/old-mac-line-endings.md")["title"] == "Old Mac line endings"
    assert "A \u00a35m deal." in (site / "content/world/pound.md").read_text(encoding="utf-8")


def test_mess_is_cleaned_in_the_body(site):
    run_import(site, date=DATE)
    _, body, _ = cf.split_document((site / "content/tech/old-mac-line-endings.md").read_text(encoding="utf-8"))
    assert body == "\nBody one.\n\nBody two.\n"
    _, body, _ = cf.split_document((site / BOM).read_text(encoding="utf-8"))
    assert body == "\nBody line.\n" and "\r" not in (site / BOM).read_text(encoding="utf-8")


def shown(markdown: str) -> str:
    """What a reader sees of rendered Markdown; fails when anything but <p> and <br> appears."""
    out = Renderer()(markdown)
    leaked = re.findall(r"<(?!/?p>|br />)[^>]*>", out)
    assert not leaked, f"markup leaked: {leaked}"
    out = out.replace("<br />\n", "\n").replace("</p>\n<p>", "\n\n")
    return html.unescape(re.sub(r"<[^>]+>", "", out)).strip()


def test_hostile_text_is_kept_as_typed(site):
    run_import(site, date=DATE)
    meta, body, _ = cf.split_document((site / "content/world/script-alert-1-script-x-bold-not.md").read_text())
    assert meta["title"] == HOSTILE_HEADLINE
    decoded = ["caf\u00e9 &" if line == "caf&#233; &amp;" else line for line in HOSTILE_BODY]  # [import] decode_entities
    assert shown(body) == "\n\n".join(line.strip() for line in decoded)
    assert meta["summary"] == "# heading?"  # the summary is plain text, not Markdown


@pytest.mark.parametrize("limit, expected", [
    (40, "The quick brown fox jumps over the lazy\u2026"),  # "lazy" ends exactly at the cut: it stays
    (42, "The quick brown fox jumps over the lazy\u2026"),  # "dog" would be split: it goes
    (45, "The quick brown fox jumps over the lazy dog\u2026"),  # the comma goes
    (23, "The quick brown fox\u2026"),
    (500, "The quick brown fox jumps over the lazy dog, and keeps running far away."),
])
def test_summary_is_the_lede_cut_at_a_word_boundary(limit, expected):
    lede = ("The quick brown fox jumps", "over the lazy dog, and keeps running far away.")
    assert summarize([lede, ("Second paragraph.",)], limit) == expected
    assert len(expected) <= limit


def test_summary_length_from_site_toml(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "World\n\nFox\n\nThe quick brown fox jumps\nover the lazy dog, and "
                                                "keeps running far away.\n\nSecond paragraph.\n"},
                     toml="[import]\nsummary_length = 40\n")
    run_import(site, date=DATE)
    summary = front(site, "content/world/fox.md")["summary"]
    assert summary == "The quick brown fox jumps over the lazy\u2026"
    words = "The quick brown fox jumps over the lazy dog, and keeps running far away.".split()
    assert summary[:-1].split() == words[: len(summary[:-1].split())]  # whole words only


def test_summary_line_format():
    assert ImportReport().summary() == "imported 0, updated 0, unchanged 0, duplicates 0, conflicts 0, errors 0"
    r = ImportReport(imported=2127, updated=3, unchanged=12345, duplicates=98, conflicts=1, deleted=2, errors=1234)
    assert r.summary() == ("imported 2,127, updated 3, unchanged 12,345, duplicates 98, conflicts 1, "
                           "seeds deleted 2 (articles kept), errors 1,234")


# --- slugs ----------------------------------------------------------------------------------


def test_same_headline_slugs_do_not_depend_on_creation_order(tmp_path, make_site):
    files = {f"seeds/tech/{n:03d}.txt": f"Same title\n\nStory {n}.\n" for n in range(1, 6)}
    files["seeds/same.txt"] = "Tech\n\nSame title\n\nA flat-layout story.\n"
    a = make_site(tmp_path, files, name="a")
    b = make_site(tmp_path, dict(reversed(list(files.items()))), name="b")
    for i, rel in enumerate(reversed(sorted(files))):  # creation times in opposite orders too
        os.utime(b / rel, (1_600_000_000 + i, 1_600_000_000 + i))
    run_import(a, date=DATE)
    run_import(b, date=DATE)
    assert content(a) == content(b)
    sources = {rel: front(a, rel)["source"] for rel in content(a)}
    assert sources == {
        "content/tech/same-title.md": "seeds/same.txt",
        "content/tech/same-title-2.md": "seeds/tech/001.txt",
        "content/tech/same-title-3.md": "seeds/tech/002.txt",
        "content/tech/same-title-4.md": "seeds/tech/003.txt",
        "content/tech/same-title-5.md": "seeds/tech/004.txt",
        "content/tech/same-title-6.md": "seeds/tech/005.txt",
    }
    assert {front(a, rel)["title"] for rel in sources} == {"Same title"}


def test_slugs_never_move_once_written(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/tech/005.txt": "Same title\n\nOld story.\n"})
    run_import(site, date=DATE)
    (site / "seeds/tech/001.txt").write_text("Same title\n\nNew story, sorts first.\n")
    report, _ = run_import(site, date=DATE)
    assert report.imported == 1 and report.unchanged == 1
    assert front(site, "content/tech/same-title.md")["source"] == "seeds/tech/005.txt"
    assert front(site, "content/tech/same-title-2.md")["source"] == "seeds/tech/001.txt"


def test_a_content_file_is_found_by_its_source_not_its_name(imported):
    (imported / "content/tech/renamed.md").write_bytes((imported / BOM).read_bytes())
    (imported / BOM).unlink()
    report, _ = run_import(imported)
    assert report.imported == 0 and not (imported / BOM).exists()
    (imported / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA corrected body.\n")
    report, _ = run_import(imported)
    assert (report.imported, report.updated) == (0, 1) and not (imported / BOM).exists()
    assert "A corrected body." in (imported / "content/tech/renamed.md").read_text()


def test_a_huge_front_matter_does_not_hide_the_source(tmp_path, make_site, age):
    """A long lede with a big summary_length, or a headline that runs into the body (no blank line
    after it), puts `source:` far down the file: it must still be found, or each run adds a copy."""
    long_para = " ".join(["word"] * 1500)
    headline = "\n".join(["A headline that runs into the body without a blank line"] * 80)
    site = make_site(tmp_path, {"seeds/a.txt": f"World\n\nShort\n\n{long_para}\n",
                                "seeds/b.txt": f"World\n\n{headline}\n\nBody.\n"},
                     toml="[import]\nsummary_length = 20000\n")
    run_import(site, date=DATE)
    assert len(content(site)) == 2
    for with_cache in (True, False):
        if not with_cache:
            (site / ".ssg" / "import.json").unlink()
        age(site)
        report, _ = run_import(site)
        assert len(content(site)) == 2 and (report.imported, report.unchanged) == (0, 2)


# --- duplicates -----------------------------------------------------------------------------


def test_byte_identical_duplicates_are_imported_once_and_counted(imported):
    assert "seeds/business/003.txt" not in {front(imported, rel)["source"] for rel in content(imported)}
    for with_cache in (True, False):  # still a duplicate on every later run, from the cache or not
        if not with_cache:
            (imported / ".ssg" / "import.json").unlink()
        report, problems = run_import(imported)
        assert report.duplicates == 1 and report.imported == 0


@pytest.mark.parametrize("with_cache", [True, False])
def test_a_duplicate_whose_original_changed_is_imported(imported, with_cache):
    """The copy is unique now: the cache must not keep calling it a duplicate."""
    (imported / "seeds/business/001.txt").write_text("Same headline\n\nFirst story, corrected.\n")
    if not with_cache:
        (imported / ".ssg" / "import.json").unlink()
    report, _ = run_import(imported, date=DATE)
    assert (report.updated, report.imported, report.duplicates) == (1, 1, 0)
    assert front(imported, "content/business/same-headline-3.md")["source"] == "seeds/business/003.txt"


# --- re-import ------------------------------------------------------------------------------


@pytest.mark.parametrize("aged", [True, False], ids=["aged", "just-written"])
@pytest.mark.parametrize("with_cache", [True, False], ids=["cache", "no-cache"])
def test_reimport_with_nothing_changed_rewrites_nothing(site, snapshot, age, with_cache, aged):
    run_import(site, date=DATE)
    if aged:
        age(site)
    before = snapshot(site / "content")
    if not with_cache:
        (site / ".ssg" / "import.json").unlink()
    for _ in range(2):  # and once more, from the cache written just now
        report, problems = run_import(site)  # no --date: a later run must not move dates either
        assert snapshot(site / "content") == before
        assert (report.imported, report.updated, report.unchanged, report.duplicates, report.conflicts) == (0, 0, 12, 1, 0)
        assert report.errors == 4 and report.written == []


def test_changed_seed_updates_its_untouched_file_keeping_date_slug_and_path(imported):
    meta = front(imported, BOM)
    (imported / "seeds/bom.txt").write_text("Tech\n\nA new headline\n\nA corrected body.\n")
    report, problems = run_import(imported, date=dt.date(2030, 1, 1))
    assert (report.updated, report.unchanged, report.imported) == (1, 11, 0) and report.written == [BOM]
    text = (imported / BOM).read_text()
    new, body, _ = cf.split_document(text)
    assert new["date"] == meta["date"]  # written once, never moved (not even by --date)
    assert (new["slug"], new["source"]) == (meta["slug"], meta["source"])
    assert new["title"] == "A new headline" and new["summary"] == "A corrected body."
    assert body.strip() == "A corrected body." and cf.is_untouched(text)
    assert sorted(content(imported)) == sorted(EXPECTED_FILES)  # no new file for the new headline


def test_hand_edited_file_is_a_conflict_and_force_overwrites_keeping_hand_keys(imported, snapshot, age):
    path = imported / BOM
    date = front(imported, BOM)["date"]
    path.write_text(path.read_text().replace("title: BOM and CRLF", "title: Better headline\ntags: [kept]"))
    age(imported)
    (imported / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA corrected body.\n")
    before = snapshot(imported / "content")
    for _ in range(2):  # reported on every run until resolved
        report, problems = run_import(imported)
        assert snapshot(imported / "content") == before
        assert report.conflicts == 1 and report.updated == 0 and "conflicts 1" in report.summary()
        (conflict,) = [p for p in problems.warnings if "edited by hand" in p.message]
        assert conflict.path == BOM and "seeds/bom.txt" in conflict.message and "--force" in conflict.message

    report, _ = run_import(imported, force=True, date=dt.date(2030, 1, 1))
    assert report.updated == 1 and report.conflicts == 0
    meta, body, _ = cf.split_document(path.read_text())
    assert meta["title"] == "BOM and CRLF" and meta["tags"] == ["kept"] and meta["date"] == date
    assert body.strip() == "A corrected body." and cf.is_untouched(path.read_text())

    # From now on the file is as imported again: the next seed change updates it, keeping the key.
    (imported / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA second correction.\n")
    report, _ = run_import(imported)
    meta, body, _ = cf.split_document(path.read_text())
    assert report.updated == 1 and meta["tags"] == ["kept"] and meta["date"] == date
    assert body.strip() == "A second correction."


def test_hand_edit_without_a_seed_change_is_kept_silently(imported, snapshot):
    path = imported / BOM
    path.write_text(path.read_text() + "\nAn editor's addition.\n")
    before = snapshot(imported / "content")
    for _ in range(2):
        report, problems = run_import(imported)
        assert snapshot(imported / "content") == before and report.conflicts == 0 and report.unchanged == 12
        assert not any("edited by hand" in p.message for p in problems.items)


@pytest.mark.parametrize("with_cache", [True, False])
def test_deleted_seed_keeps_its_article_and_is_reported(imported, snapshot, with_cache):
    before = snapshot(imported / "content")
    (imported / "seeds/bom.txt").unlink()
    if not with_cache:
        (imported / ".ssg" / "import.json").unlink()
    for _ in range(2):
        report, problems = run_import(imported)
        assert snapshot(imported / "content") == before
        assert report.deleted == 1 and report.unchanged == 11
        assert "seeds deleted 1 (articles kept)" in report.summary()
        assert any(p.path == "seeds/bom.txt" and f"its article {BOM} is kept" in p.message for p in problems.warnings)


def test_hand_written_content_is_never_touched(tmp_path, make_site, snapshot, age):
    mine = "---\ntitle: Headline\ndate: 2020-01-01\n---\n\nNo seed behind me.\n"
    broken = "no front matter at all, and [broken: yaml\n"
    site = make_site(tmp_path, {"content/world/headline.md": mine, "content/notes/broken.md": broken,
                                "seeds/a.txt": "World\n\nHeadline\n\nFrom a seed.\n"})
    age(site)
    mtimes = {rel: (site / rel).stat().st_mtime_ns for rel in ("content/world/headline.md", "content/notes/broken.md")}
    for kw in ({"date": DATE}, {}, {"force": True}):
        report, problems = run_import(site, **kw)
        assert not problems.errors
        assert (site / "content/world/headline.md").read_text() == mine
        assert (site / "content/notes/broken.md").read_text() == broken
        assert {rel: (site / rel).stat().st_mtime_ns for rel in mtimes} == mtimes
    # The seed's article took the next free name instead.
    assert front(site, "content/world/headline-2.md")["source"] == "seeds/a.txt"


def test_broken_front_matter_in_an_imported_file_is_reported_with_its_line(imported):
    path = imported / BOM
    path.write_text(path.read_text().replace("section: Tech", "section: [Tech"))
    (imported / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA corrected body.\n")
    broken = path.read_text()
    report, problems = run_import(imported)
    assert path.read_text() == broken and report.errors == 5
    (error,) = [str(p) for p in problems.errors if p.path == BOM]
    assert error.startswith(f"{BOM}:4: invalid YAML front matter")


def test_unwritable_content_is_an_error_not_a_traceback(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "Tech\n\nA\n\nBody.\n", "seeds/b.txt": "World\n\nB\n\nBody.\n",
                                "content/tech": "a file where the tech/ folder should be\n"})
    report, problems = run_import(site, date=DATE)
    assert (report.imported, report.errors) == (1, 1) and (site / "content/world/b.md").is_file()
    (error,) = problems.errors
    assert error.path == "content/tech/a.md" and "seeds/a.txt" in error.message


def test_an_interrupted_import_leaves_every_file_old_or_new(imported, monkeypatch):
    import ssg.publish.writer

    targets = ["seeds/bom.txt", "seeds/cr.txt", "seeds/escape.txt"]
    old = content(imported)
    for rel in targets:
        (imported / rel).write_text((imported / rel).read_bytes().decode("latin-1").replace("Body", "New body"))
    calls = []
    real_replace = ssg.publish.writer.os.replace

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise KeyboardInterrupt  # Ctrl-C between the first and the second article
        real_replace(src, dst)

    monkeypatch.setattr(ssg.publish.writer.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        run_import(imported)
    monkeypatch.setattr(ssg.publish.writer.os, "replace", real_replace)
    now = content(imported)
    assert sorted(now) == sorted(old)
    changed = [rel for rel in now if now[rel] != old[rel]]
    assert len(changed) == 1 and cf.is_untouched(now[changed[0]].decode())  # one new, whole file
    assert [p.name for p in (imported / "content").rglob(".*")] == []  # no temporary file left
    report, _ = run_import(imported)  # the next run finishes the job
    assert report.updated == 2 and report.unchanged == 10


# --- dates ----------------------------------------------------------------------------------


def test_date_option_sets_the_date_in_the_site_timezone(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "W\n\nH\n\nB.\n"}, toml='timezone = "Asia/Tokyo"\n')
    run_import(site, date=dt.date(2001, 2, 3))
    assert re.search(r"^date: 2001-02-03T00:00:00\+09:00$", (site / "content/w/h.md").read_text(), re.M)


def test_date_defaults_to_the_seed_mtime_in_the_site_timezone(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "W\n\nH\n\nB.\n"}, toml='timezone = "Asia/Tokyo"\n')
    stamp = dt.datetime(2021, 6, 1, 12, 0, 30, tzinfo=dt.timezone.utc).timestamp()
    os.utime(site / "seeds/a.txt", (stamp, stamp))
    run_import(site)
    text = (site / "content/w/h.md").read_text()
    assert re.search(r"^date: 2021-06-01T21:00:30\+09:00$", text, re.M)
    # A later run, with the seed touched and even with --date, does not move it.
    os.utime(site / "seeds/a.txt", (stamp + 86400, stamp + 86400))
    run_import(site, date=dt.date(2030, 1, 1))
    assert (site / "content/w/h.md").read_text() == text


MTIME_WARNING = ("seeds: warning: {n} seeds took their date ({day}) from their files' modification time; give the "
                 "real dates with `ssg import --date YYYY-MM-DD` or a `date:` in each content file")


def _seeds_of_one_day(site: Path, n: int, day: dt.date, start: int = 0) -> None:
    """``n`` different seeds whose files were all modified on ``day`` (as after a copy)."""
    for i in range(start, start + n):
        path = site / "seeds" / f"s{i:03d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"World\n\nStory number {i}\n\nBody {i}.\n")
        stamp = dt.datetime(day.year, day.month, day.day, 8, i % 60, tzinfo=dt.timezone.utc).timestamp()
        os.utime(path, (stamp, stamp))


def test_many_seeds_dated_by_one_days_modification_time_warn_once(tmp_path, make_site, run_cli):
    site = make_site(tmp_path, {})
    _seeds_of_one_day(site, 20, dt.date(2021, 6, 1))
    _seeds_of_one_day(site, 19, dt.date(2021, 6, 2), start=20)
    result = run_cli(site, "import")
    assert result.code == 0 and result.out.startswith("imported 39,")
    assert result.err.splitlines() == [MTIME_WARNING.format(n=20, day="2021-06-01")]
    # Only what this run dated counts: nothing more is said for seeds imported before.
    _seeds_of_one_day(site, 1, dt.date(2021, 6, 1), start=39)
    result = run_cli(site, "import")
    assert result.code == 0 and result.out.startswith("imported 1,") and result.err == ""


def test_seeds_dated_by_the_date_option_or_under_twenty_say_nothing(tmp_path, make_site):
    site = make_site(tmp_path, {})
    _seeds_of_one_day(site, 25, dt.date(2021, 6, 1))
    report, problems = run_import(site, date=dt.date(2021, 6, 1))
    assert report.imported == 25 and not problems.items
    other = make_site(tmp_path, {}, name="other")
    _seeds_of_one_day(other, 19, dt.date(2021, 6, 1))
    report, problems = run_import(other)
    assert report.imported == 19 and not problems.items


# --- the cache is only an accelerator -------------------------------------------------------


@pytest.mark.parametrize("junk", ["{not json", "[]", '{"version": 99, "seeds": {}}', '{"version": 1, "seeds": 3}'])
def test_corrupt_cache_warns_and_recovers(imported, snapshot, junk):
    before = snapshot(imported / "content")
    (imported / ".ssg" / "import.json").write_text(junk)
    report, problems = run_import(imported)
    assert (report.unchanged, report.duplicates, report.imported, report.updated) == (12, 1, 0, 0)
    assert snapshot(imported / "content") == before
    (warning,) = [p for p in problems.warnings if p.path == ".ssg/import.json"]
    assert "import cache unreadable" in warning.message
    assert json.loads((imported / ".ssg" / "import.json").read_text())["version"] == 1  # rewritten
    _, problems = run_import(imported)
    assert not [p for p in problems.warnings if p.path == ".ssg/import.json"]


# --- through the command line ---------------------------------------------------------------


def test_refused_seeds_give_exit_status_1_and_the_others_are_imported(site, run_cli):
    result = run_cli(site, "import", "--date", "2024-03-05")
    assert result.code == 1
    assert result.out == "imported 12, updated 0, unchanged 0, duplicates 1, conflicts 0, errors 4\n"
    errors = [line for line in result.err.splitlines() if ": warning: " not in line]
    assert errors == [
        "seeds/binary.txt: binary data, not a text file",
        "seeds/empty.txt: empty file",
        "seeds/nobody.txt:3: headline 'Headline but no body' but no body",
        "seeds/nohead.txt:1: section 'Section only' but no headline",
        "seeds: decoded HTML entities in 1 seed ([import] decode_entities = false keeps them)",  # a note
    ]
    assert "seeds/latin1.txt:5: warning: not valid UTF-8" in result.err and "Traceback" not in result.err
    assert sorted(content(site)) == sorted(EXPECTED_FILES)
    assert re.search(r"^date: 2024-03-05T00:00:00\+00:00$", (site / BOM).read_text(), re.M)


def test_only_warnings_give_exit_status_0(tmp_path, make_site, run_cli):
    site = make_site(tmp_path, {"seeds/a.txt": b"W\n\nH\n\n\xa3 body\n", "seeds/b.txt": b"W\n\nH\n\n\xa3 body\n"})
    result = run_cli(site, "import")
    assert result.code == 0 and "warning" in result.err
    assert result.out == "imported 1, updated 0, unchanged 0, duplicates 1, conflicts 0, errors 0\n"


def test_force_through_the_command_line(imported, run_cli):
    path = imported / BOM
    path.write_text(path.read_text().replace("title: BOM and CRLF", "title: Mine"))
    (imported / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nNew.\n")
    result = run_cli(imported, "import")
    assert "conflicts 1" in result.out and f"{BOM}: warning: edited by hand" in result.err
    assert front(imported, BOM)["title"] == "Mine"
    result = run_cli(imported, "import", "--force")
    assert "updated 1" in result.out and "conflicts 0" in result.out
    assert front(imported, BOM)["title"] == "BOM and CRLF"

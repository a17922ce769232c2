"""Import end to end: awkward seeds in, content files out, and re-imports that lose nothing."""

from __future__ import annotations

import datetime as dt
import os
import re
import time
from pathlib import Path

import pytest

from ssg import content as cf
from ssg.config import load_config
from ssg.importer import import_seeds, summarize
from ssg.problems import Problems

DATE = dt.date(2024, 3, 5)

AWKWARD = {
    "seeds/000_real.txt": "Middle East\n\nMacron meets Putin, says he seeks to ‘avoid war’\n\n“This discussion can make a start,” Macron said.\n\nComment here",
    "seeds/hostile.txt": "World\n\n<script>alert(1)</script> {{ x }} *bold* # not\n\n# heading?\n\n1. list?\n\n- dash\n\n> quote\n\n`code` [x](javascript:alert(1)) a | b ~~s~~ \\\n\n    four spaces\n\ncaf&#233; &amp;",
    "seeds/unicode.txt": "Ünïcödé Wörld\n\n北京欢迎你\n\nText.\n",
    "seeds/escape.txt": "../../etc\n\nEscape attempt\n\nBody.\n",
    "seeds/bom.txt": "\ufeffTech\r\n\r\nBOM and CRLF\r\n\r\nBody line.\r\n",
    "seeds/business/001.txt": "Same headline\n\nFirst story.\n",
    "seeds/business/002.txt": "Same headline\n\nSecond, different story.\n",
    "seeds/business/003.txt": "Same headline\n\nFirst story.\n",  # byte-identical to 001
    "seeds/empty.txt": "",
    "seeds/nohead.txt": "Section only\n",
}


def make_site(root: Path, files: dict[str, str | bytes], toml: str = 'base_url = "https://example.org/"\n') -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(toml, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return root


def run_import(site: Path, **kw):
    problems = Problems()
    report = import_seeds(site, load_config(site), problems, **kw)
    return report, problems


def content_files(site: Path) -> dict[str, bytes]:
    return {p.relative_to(site).as_posix(): p.read_bytes() for p in sorted((site / "content").rglob("*.md"))}


def stamps(site: Path) -> dict[str, int]:
    return {p.as_posix(): p.stat().st_mtime_ns for p in (site / "content").rglob("*.md")}


def age(site: Path, seconds: float = 3600) -> None:
    """Move every file's mtime back, out of the importer's racy window."""
    old = time.time() - seconds
    for p in site.rglob("*"):
        if p.is_file():
            os.utime(p, (old, old))


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path / "site", AWKWARD)


def test_awkward_seeds(site):
    report, problems = run_import(site, date=DATE)
    files = content_files(site)
    assert sorted(files) == [
        "content/business/same-headline-2.md",
        "content/business/same-headline.md",
        "content/etc/escape-attempt.md",
        "content/middle-east/macron-meets-putin-says-he-seeks-to-avoid-war.md",
        "content/tech/bom-and-crlf.md",
        "content/unicode-world/bei-jing-huan-ying-ni.md",
        "content/world/script-alert-1-script-x-bold-not.md",
    ]
    assert (report.imported, report.duplicates, report.errors) == (7, 1, 2)
    errors = sorted(str(p) for p in problems.errors)
    assert errors == ["seeds/empty.txt: empty file", "seeds/nohead.txt:1: section 'Section only' but no headline"]
    assert any(p.path == "seeds/business/003.txt" and "duplicate of seeds/business/001.txt" in p.message for p in problems.warnings)
    assert report.summary() == "imported 7, updated 0, unchanged 0, duplicates 1, conflicts 0, errors 2"

    meta, body, _ = cf.split_document(files["content/middle-east/macron-meets-putin-says-he-seeks-to-avoid-war.md"].decode())
    assert meta["title"] == "Macron meets Putin, says he seeks to ‘avoid war’"
    assert meta["date"] == dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc)
    assert meta["section"] == "Middle East" and meta["source"] == "seeds/000_real.txt"
    assert meta["summary"] == "“This discussion can make a start,” Macron said."
    assert "Comment here" not in body
    # Same headline, different stories: numbered in path order; the identical copy is skipped.
    first = cf.split_document(files["content/business/same-headline.md"].decode())[0]
    second = cf.split_document(files["content/business/same-headline-2.md"].decode())[0]
    assert (first["source"], second["source"]) == ("seeds/business/001.txt", "seeds/business/002.txt")


def test_hostile_body_is_escaped_markdown(site):
    run_import(site, date=DATE)
    text = (site / "content/world/script-alert-1-script-x-bold-not.md").read_text()
    meta, body, _ = cf.split_document(text)
    assert meta["title"] == "<script>alert(1)</script> {{ x }} *bold* # not"
    from ssg.markdown import Renderer

    html = Renderer()(body)
    assert "<script>" not in html and "<h1>" not in html and "<ol>" not in html and "<ul>" not in html
    assert "<blockquote>" not in html and "<code>" not in html and "<a " not in html and "<pre>" not in html
    assert "caf&amp;#233; &amp;amp;" in html and "{{ x }}" not in html  # the body has no braces; title does


def test_order_of_creation_does_not_change_slugs(tmp_path):
    files = {f"seeds/tech/{n:03d}.txt": f"Same title\n\nStory {n}.\n" for n in range(1, 5)}
    a = make_site(tmp_path / "a", files)
    b = make_site(tmp_path / "b", dict(reversed(list(files.items()))))
    run_import(a, date=DATE)
    run_import(b, date=DATE)
    assert content_files(a) == content_files(b)
    sources = {rel: cf.split_document(data.decode())[0]["source"] for rel, data in content_files(a).items()}
    assert sources == {f"content/tech/same-title{s}.md": f"seeds/tech/00{n}.txt"
                       for n, s in ((1, ""), (2, "-2"), (3, "-3"), (4, "-4"))}


@pytest.mark.parametrize("with_cache", [True, False])
def test_reimport_with_nothing_changed_writes_nothing(site, with_cache):
    run_import(site, date=DATE)
    age(site)
    before, times = content_files(site), stamps(site)
    if not with_cache:
        (site / ".ssg" / "import.json").unlink()
    report, problems = run_import(site)
    assert content_files(site) == before and stamps(site) == times
    assert (report.imported, report.updated, report.unchanged, report.duplicates) == (0, 0, 7, 1)
    report, _ = run_import(site)  # and once more, from the cache written just now
    assert stamps(site) == times and report.unchanged == 7


def test_changed_seed_updates_untouched_file_keeping_date_and_hand_keys(site):
    run_import(site, date=DATE)
    path = site / "content/tech/bom-and-crlf.md"
    meta, body, _ = cf.split_document(path.read_text())
    (site / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA corrected body.\n")
    report, _ = run_import(site, date=dt.date(2030, 1, 1))
    assert report.updated == 1
    new_meta, new_body, _ = cf.split_document(path.read_text())
    assert new_meta["date"] == meta["date"] and "A corrected body." in new_body
    assert cf.is_untouched(path.read_text())


def test_hand_edited_file_is_a_conflict_and_force_overwrites(site):
    run_import(site, date=DATE)
    path = site / "content/tech/bom-and-crlf.md"
    edited = path.read_text().replace("title: BOM and CRLF", "title: Better headline\ntags: [kept]")
    path.write_text(edited)
    (site / "seeds/bom.txt").write_text("Tech\n\nBOM and CRLF\n\nA corrected body.\n")
    report, problems = run_import(site)
    assert report.conflicts == 1 and path.read_text() == edited
    assert any(p.path == "content/tech/bom-and-crlf.md" and "edited by hand" in p.message for p in problems.warnings)
    report, _ = run_import(site, force=True)
    meta, body, _ = cf.split_document(path.read_text())
    assert report.updated == 1 and meta["title"] == "BOM and CRLF" and meta["tags"] == ["kept"]
    assert "A corrected body." in body


def test_hand_edit_without_seed_change_is_kept_silently(site):
    run_import(site, date=DATE)
    path = site / "content/tech/bom-and-crlf.md"
    path.write_text(path.read_text() + "\nAn editor's addition.\n")
    kept = path.read_text()
    report, problems = run_import(site)
    assert path.read_text() == kept and report.conflicts == 0


def test_deleted_seed_keeps_its_article_and_is_reported(site):
    run_import(site, date=DATE)
    (site / "seeds/bom.txt").unlink()
    for cache in (True, False):
        if not cache:
            (site / ".ssg" / "import.json").unlink()
            (site / "seeds/unicode.txt").write_text("Ünïcödé Wörld\n\n北京欢迎你\n\nText, changed.\n")
        report, problems = run_import(site)
        assert (site / "content/tech/bom-and-crlf.md").exists()
        assert report.deleted == 1
        assert any(p.path == "seeds/bom.txt" and "seed deleted" in p.message for p in problems.warnings)


def test_hand_written_content_is_never_touched(site):
    mine = site / "content/world/my-own.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\ntitle: Mine\ndate: 2020-01-01\n---\n\nNo seed behind me.\n")
    run_import(site, date=DATE)
    run_import(site, force=True)
    assert mine.read_text() == "---\ntitle: Mine\ndate: 2020-01-01\n---\n\nNo seed behind me.\n"


def test_date_defaults_to_seed_mtime_in_site_timezone(tmp_path):
    site = make_site(tmp_path / "s", {"seeds/a.txt": "W\n\nH\n\nB.\n"}, toml='timezone = "Asia/Tokyo"\n')
    stamp = dt.datetime(2021, 6, 1, 12, 0, tzinfo=dt.timezone.utc).timestamp()
    os.utime(site / "seeds/a.txt", (stamp, stamp))
    run_import(site)
    meta = cf.split_document((site / "content/w/h.md").read_text())[0]
    assert meta["date"].isoformat() == "2021-06-01T21:00:00+09:00"
    assert re.search(r"^date: 2021-06-01T21:00:00\+09:00$", (site / "content/w/h.md").read_text(), re.M)


def test_corrupt_cache_warns_and_recovers(site):
    run_import(site, date=DATE)
    (site / ".ssg" / "import.json").write_text("{not json")
    report, problems = run_import(site)
    assert report.unchanged == 7
    assert any("import cache unreadable" in p.message for p in problems.warnings)


def test_summary_cut_at_word_boundary():
    text = "word " * 100
    s = summarize([[text.strip()]], 50)
    assert len(s) <= 50 and s.endswith("word…")
    assert summarize([["Short lede."]], 50) == "Short lede."

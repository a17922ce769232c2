"""The real BBC corpus (../shared/corpora/bbc) imported as section folders: counts, duplicates,
every headline intact. Skipped where ../shared is absent: the corpus may not be copied here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssg import content as cf
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.problems import Problems

BBC = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "bbc"
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")

pytestmark = pytest.mark.skipif(not BBC.is_dir(), reason=f"BBC corpus not found at {BBC} (../shared is absent)")


@pytest.fixture(scope="module")
def bbc_site(tmp_path_factory):
    site = tmp_path_factory.mktemp("bbc")
    (site / "site.toml").write_text('base_url = "https://example.org/"\n')
    for section in SECTIONS:
        shutil.copytree(BBC / section, site / "seeds" / section)
    return site


def test_bbc_import(bbc_site):
    problems = Problems()
    report = import_seeds(bbc_site, load_config(bbc_site), problems)
    assert not problems.errors, problems.errors[:5]
    assert (report.imported, report.duplicates, report.errors) == (2127, 98, 0)
    files = sorted((bbc_site / "content").rglob("*.md"))
    assert len(files) == 2127
    warned = [p for p in problems.warnings if "not valid UTF-8" in p.message]
    assert [p.path for p in warned] == ["seeds/sport/199.txt"]

    titles = {}
    for f in files:
        meta = cf.split_document(f.read_text(encoding="utf-8"))[0]
        titles.setdefault(meta["source"], meta["title"])
    headlines = set()
    for section in SECTIONS:
        for seed in (BBC / section).glob("*.txt"):
            line = seed.read_bytes().decode("cp1252" if seed.name == "199.txt" else "utf-8").split("\n", 1)[0]
            headlines.add(" ".join(line.split()))  # runs of spaces become one, as a browser shows them
    assert headlines == set(titles.values())
    pound = next(f for f in files if cf.split_document(f.read_text())[0]["source"] == "seeds/sport/199.txt")
    assert "£15.8m" in pound.read_text()

    # Nothing changed: nothing rewritten.
    stamps = {f: f.stat().st_mtime_ns for f in files}
    again = import_seeds(bbc_site, load_config(bbc_site), Problems())
    assert (again.unchanged, again.imported, again.updated, again.duplicates) == (2127, 0, 0, 98)
    assert stamps == {f: f.stat().st_mtime_ns for f in files}

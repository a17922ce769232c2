"""The real BBC corpus imported as section folders: counts, duplicates, every headline intact.

The corpus lives outside the project (../shared/corpora/bbc) and is copied into a temporary site
at test time only; it is never part of the repository. Without it these tests are skipped.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ssg.content import article as cf
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.importer.seeds import unescape_line
from ssg.problems import Problems

BBC = (Path(__file__).resolve().parents[1] / "../shared/corpora/bbc").resolve()
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")
ARTICLES, DUPLICATE_PAIRS = 2225, 98

pytestmark = pytest.mark.skipif(
    not all((BBC / s).is_dir() for s in SECTIONS),
    reason=f"BBC corpus not found at {BBC} (../shared/corpora is not available here)",
)
pytestmark = [pytestmark, pytest.mark.external, pytest.mark.slow]


@pytest.fixture(scope="module")
def bbc(tmp_path_factory):
    """The corpus copied into a site and imported once: (site, report, problems)."""
    site = tmp_path_factory.mktemp("bbc")
    (site / "site.toml").write_text('base_url = "https://example.org/"\n')
    for section in SECTIONS:
        shutil.copytree(BBC / section, site / "seeds" / section)
    problems = Problems()
    report = import_seeds(site, load_config(site), problems)
    return site, report, problems


def content_files(site: Path) -> list[Path]:
    return sorted((site / "content").rglob("*.md"))


def test_counts_and_no_errors(bbc):
    site, report, problems = bbc
    assert not problems.errors, [str(p) for p in problems.errors[:5]]
    assert len(list((site / "seeds").rglob("*.txt"))) == ARTICLES
    assert (report.imported, report.duplicates, report.errors) == (ARTICLES - DUPLICATE_PAIRS, DUPLICATE_PAIRS, 0)
    assert report.summary() == "imported 2,127, updated 0, unchanged 0, duplicates 98, conflicts 0, errors 0"
    files = content_files(site)
    assert len(files) == 2127
    assert sorted({f.parent.name for f in files}) == list(SECTIONS)
    assert all(len(f.stem) <= 80 for f in files)


def test_duplicates_are_the_byte_identical_pairs(bbc):
    site, _, problems = bbc
    by_bytes: dict[bytes, list[str]] = {}
    for seed in sorted((site / "seeds").rglob("*.txt")):
        by_bytes.setdefault(seed.read_bytes(), []).append(seed.relative_to(site).as_posix())
    pairs = [names for names in by_bytes.values() if len(names) > 1]
    assert len(pairs) == DUPLICATE_PAIRS and all(len(p) == 2 for p in pairs)
    warned = {p.path: p.message for p in problems.warnings if "duplicate of" in p.message}
    assert warned == {second: f"duplicate of {first}; not imported" for first, second in pairs}
    sources = {cf.read_front_source(f) for f in content_files(site)}
    assert all(first in sources and second not in sources for first, second in pairs)


def test_every_headline_survives(bbc):
    site, _, _ = bbc
    titles = {}
    for f in content_files(site):
        meta = cf.split_document(f.read_text(encoding="utf-8"))[0]
        titles[meta["source"]] = meta["title"]
    seeds = sorted((site / "seeds").rglob("*.txt"))
    headlines = {}
    for seed in seeds:
        data = seed.read_bytes()
        text = data.decode("cp1252") if seed.name == "199.txt" and seed.parent.name == "sport" else data.decode("utf-8")
        # (entities decoded, as the import does by default: [import] decode_entities)
        headlines[seed.relative_to(site).as_posix()] = unescape_line(text.split("\n", 1)[0].strip())
    # Every distinct headline is some article's title, exactly...
    missing = set(headlines.values()) - set(titles.values())
    # ...except that a run of spaces inside a headline becomes one space (as a browser shows it):
    # one BBC headline has such a run, "Job cuts 'false economy'  - TUC".
    assert missing == {"Job cuts 'false economy'  - TUC"}
    assert titles["seeds/politics/084.txt"] == "Job cuts 'false economy' - TUC"
    # ...and each article's title is its own seed's headline.
    assert all(title == " ".join(headlines[source].split()) for source, title in titles.items())
    assert len(set(headlines.values())) == 2225 - DUPLICATE_PAIRS - 31  # 31 more same-headline pairs


def test_the_latin1_pound_is_decoded_with_a_warning(bbc):
    site, _, problems = bbc
    warned = [p for p in problems.warnings if "not valid UTF-8" in p.message]
    assert [(p.path, p.line) for p in warned] == [("seeds/sport/199.txt", 5)]
    (article,) = [f for f in content_files(site) if cf.read_front_source(f) == "seeds/sport/199.txt"]
    text = article.read_text(encoding="utf-8")
    assert "a \u00a315.8m signing from Parma" in text and "\ufffd" not in text


def test_entities_are_decoded_on_import(bbc):
    site, _, _ = bbc
    (article,) = [f for f in content_files(site) if cf.read_front_source(f) == "seeds/tech/401.txt"]
    assert "person\u00bfs" in article.read_text(encoding="utf-8")  # "&#191;" decoded on import (the default)


def test_second_import_rewrites_nothing(bbc, snapshot, run_cli):
    site, _, _ = bbc
    before = snapshot(site / "content")
    result = run_cli(site, "import")
    assert result.code == 0, result.err
    assert result.out == "imported 0, updated 0, unchanged 2,127, duplicates 98, conflicts 0, errors 0\n"
    assert snapshot(site / "content") == before

"""Import quality (issue 18): HTML entities in seeds decoded (and still text), dates from paths."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from dom import parse
from sitekit import build
from ssg.config import load_config
from ssg.content import article as cf
from ssg.importer import import_seeds
from ssg.problems import Problems

TOML = 'base_url = "https://example.org/"\ntimezone = "UTC"\n'
NOTE = "decoded HTML entities in {} ([import] decode_entities = false keeps them)"
ENTITY_SEED = "R&amp;B\n\nSinger&#39;s &#163;1.8m deal\n\nA &#163;1.8m deal for R&amp;B&nbsp;star Jos&#233;.\n"
PLAIN_SEED = "World\n\nAT&T and Q&A, &nothing; &bogus; here\n\nMarks&Spencer &notice.\n"
BBC = (Path(__file__).resolve().parents[2] / "../shared/corpora/bbc").resolve()


def run_import(site: Path, **kw) -> tuple:
    problems = Problems()
    report = import_seeds(site, load_config(site), problems, **kw)
    return report, problems


def by_source(site: Path, source: str) -> Path:
    (path,) = [p for p in (site / "content").rglob("*.md") if cf.read_front_source(p) == source]
    return path


def notes(problems: Problems) -> list[str]:
    return [str(p) for p in problems.notes]


# --- HTML entities ------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path, make_site):
    return make_site(tmp_path, {"seeds/deal.txt": ENTITY_SEED, "seeds/plain.txt": PLAIN_SEED}, toml=TOML)


def test_decoded_on_import_with_one_note(site):
    report, problems = run_import(site, date=dt.date(2024, 3, 5))
    assert not problems.errors and report.decoded == 1
    assert notes(problems) == ["seeds: " + NOTE.format("1 seed")]
    meta, body, _ = cf.split_document(by_source(site, "seeds/deal.txt").read_text(encoding="utf-8"))
    assert (meta["section"], meta["title"]) == ("R&B", "Singer's \u00a31.8m deal")
    assert meta["summary"] == "A \u00a31.8m deal for R&B star Jos\u00e9."  # &nbsp; is a blank, cleaned as one
    assert body == "\nA \u00a31.8m deal for R\\&B star Jos\u00e9.\n"  # the & escaped as any other


def test_only_whole_references_are_decoded(site):
    run_import(site, date=dt.date(2024, 3, 5))
    meta, body, _ = cf.split_document(by_source(site, "seeds/plain.txt").read_text())
    # html.unescape alone would make `&nothing;` "¬hing;" and `&notice` "¬ice".
    assert meta["title"] == "AT&T and Q&A, &nothing; &bogus; here"
    assert meta["summary"] == "Marks&Spencer &notice."


def test_false_keeps_them_as_typed(site):
    (site / "site.toml").write_text(TOML + "[import]\ndecode_entities = false\n")
    report, problems = run_import(site, date=dt.date(2024, 3, 5))
    assert report.decoded == 0 and not problems.notes and not problems.errors
    meta = cf.split_document(by_source(site, "seeds/deal.txt").read_text())[0]
    assert (meta["section"], meta["title"]) == ("R&amp;B", "Singer&#39;s &#163;1.8m deal")


def test_a_decoded_script_tag_is_text_on_the_page(tmp_path, make_site):
    seed = "World\n\nWhy &lt;script&gt; tags matter\n\nThey wrote &lt;script&gt;alert(1)&lt;/script&gt; there.\n"
    site = make_site(tmp_path, {"seeds/s.txt": seed}, toml=TOML)
    report, problems = run_import(site, date=dt.date(2024, 3, 5))
    assert report.decoded == 1 and not problems.errors
    build(site)
    doc = parse((site / "public/world/why-script-tags-matter/index.html").read_text(encoding="utf-8"))
    assert "They wrote <script>alert(1)</script> there." in doc.find("main").text
    assert "Why <script> tags matter" in doc.find("h1").text
    assert not doc.find("main").find_all("script")
    for script in doc.find_all("script"):  # the theme's own (JSON-LD holds the headline as JSON)
        assert "<script>" not in script.text and (script.attrs.get("type") == "application/ld+json" or not script.text)


def test_changing_the_setting_reimports_what_the_importer_wrote(site, age):
    run_import(site, date=dt.date(2024, 3, 5))
    decoded = by_source(site, "seeds/deal.txt")
    plain = by_source(site, "seeds/plain.txt")
    plain_before = plain.read_bytes()
    age(site)
    (site / "site.toml").write_text(TOML + "[import]\ndecode_entities = false\n")
    report, problems = run_import(site)
    # The stat cache does not hide the change; the seed without entities keeps its file.
    assert (report.updated, report.unchanged, report.conflicts, report.decoded) == (1, 1, 0, 0), report.summary()
    assert "Jos&#233;" in decoded.read_text() and plain.read_bytes() == plain_before
    assert cf.split_document(decoded.read_text())[0]["date"] == dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc)
    # Back to true: decoded again, with the note; an unchanged run after that writes nothing.
    (site / "site.toml").write_text(TOML)
    report, problems = run_import(site)
    assert (report.updated, report.unchanged, report.decoded) == (1, 1, 1) and notes(problems)
    assert "Jos\u00e9" in decoded.read_text()
    age(site)
    report, problems = run_import(site)
    assert (report.updated, report.unchanged, report.decoded) == (0, 2, 0) and not problems.items


def test_a_file_edited_by_hand_is_left_alone_when_the_setting_changes(site, age):
    run_import(site, date=dt.date(2024, 3, 5))
    decoded = by_source(site, "seeds/deal.txt")
    decoded.write_text(decoded.read_text().replace("star", "singer"))
    edited = decoded.read_bytes()
    age(site)
    (site / "site.toml").write_text(TOML + "[import]\ndecode_entities = false\n")
    report, problems = run_import(site)
    assert (report.updated, report.conflicts, report.errors) == (0, 0, 0) and not problems.items
    assert decoded.read_bytes() == edited
    # A changed seed is still a conflict, as ever.
    (site / "seeds/deal.txt").write_text(ENTITY_SEED + "\nMore.\n")
    report, problems = run_import(site)
    assert report.conflicts == 1 and decoded.read_bytes() == edited


def test_seeds_with_entities_that_differ_only_by_them_are_duplicates(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "W\n\nCaf\u00e9\n\nBody.\n", "seeds/b.txt": "W\n\nCaf&#233;\n\nBody.\n"},
                     toml=TOML)
    report, problems = run_import(site, date=dt.date(2024, 3, 5))
    assert (report.imported, report.duplicates, report.decoded) == (1, 1, 0)
    assert [(p.path, p.message) for p in problems.warnings] == [("seeds/b.txt", "duplicate of seeds/a.txt; not imported")]


@pytest.mark.external
@pytest.mark.skipif(not (BBC / "tech").is_dir(), reason=f"BBC corpus not found at {BBC} (../shared/corpora is not available here)")
def test_the_bbc_corpus_has_25_seeds_with_entities(tmp_path, make_site):
    site = make_site(tmp_path, toml=TOML)
    for section in ("business", "entertainment", "politics", "sport", "tech"):
        shutil.copytree(BBC / section, site / "seeds" / section)
    report, problems = run_import(site, date=dt.date(2005, 1, 1))
    assert report.decoded == 25 and not problems.errors
    assert notes(problems) == ["seeds: " + NOTE.format("25 seeds")]
    (article,) = [f for f in (site / "content/tech").glob("*.md") if cf.read_front_source(f) == "seeds/tech/401.txt"]
    assert "person\u00bfs" in article.read_text(encoding="utf-8")  # `&#191;` as the page will show it


# --- dates from paths ---------------------------------------------------------------------------

PATTERN = r"(?P<year>\d{4})/(?P<month>\d\d)/(?P<day>\d\d)"
DATED_TOML = TOML + f"[import]\ndate_from_path = '{PATTERN}'\n"


def dates(site: Path) -> dict[str, dt.datetime]:
    out = {}
    for path in sorted((site / "content").rglob("*.md")):
        meta = cf.split_document(path.read_text(encoding="utf-8"))[0]
        out[meta["source"]] = meta["date"]
    return out


def test_the_date_comes_from_the_path(tmp_path, make_site):
    site = make_site(tmp_path, {
        "seeds/world/2024/03/05/storm.txt": "Storm\n\nBody.\n",
        "seeds/world/undated.txt": "Undated\n\nBody.\n",
    }, toml=DATED_TOML)
    os.utime(site / "seeds/world/undated.txt", (1_600_000_000, 1_600_000_000))
    report, problems = run_import(site)
    assert not problems.items and report.imported == 2
    assert dates(site) == {
        "seeds/world/2024/03/05/storm.txt": dt.datetime(2024, 3, 5, tzinfo=dt.timezone.utc),
        "seeds/world/undated.txt": dt.datetime.fromtimestamp(1_600_000_000, dt.timezone.utc),  # no match: mtime
    }


def test_hour_and_minute_and_the_site_time_zone(tmp_path, make_site):
    toml = ('base_url = "https://example.org/"\ntimezone = "Europe/London"\n[import]\n'
            r"date_from_path = '(?P<year>\d{4})(?P<month>\d\d)(?P<day>\d\d)-(?P<hour>\d\d)(?P<minute>\d\d)'" "\n")
    site = make_site(tmp_path, {"seeds/wire/20240705-1430_x.txt": "Wire\n\nBody.\n"}, toml=toml)
    run_import(site)
    (when,) = dates(site).values()
    assert when.isoformat() == "2024-07-05T14:30:00+01:00"


def test_date_option_wins_over_the_path(tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/2024/03/05/a.txt": "W\n\nA\n\nBody.\n"}, toml=DATED_TOML)
    run_import(site, date=dt.date(2020, 1, 2))
    assert list(dates(site).values()) == [dt.datetime(2020, 1, 2, tzinfo=dt.timezone.utc)]


def test_a_match_that_is_no_date_is_an_error_on_that_seed(tmp_path, make_site, run_cli):
    site = make_site(tmp_path, {"seeds/2024/02/30/a.txt": "W\n\nA\n\nBody.\n", "seeds/2024/02/29/b.txt": "W\n\nB\n\nBody.\n"},
                     toml=DATED_TOML)
    result = run_cli(site, "import")
    assert result.code == 1
    assert result.err == ("seeds/2024/02/30/a.txt: [import] date_from_path found '2024/02/30', not a date "
                          "(day is out of range for month): not imported\n")
    assert result.out == "imported 1, updated 0, unchanged 0, duplicates 0, conflicts 0, errors 1\n"
    assert list(dates(site)) == ["seeds/2024/02/29/b.txt"]


def test_seeds_dated_by_path_do_not_warn_of_mtime_dates(tmp_path, make_site):
    files = {f"seeds/news/2024/03/{day:02}/s.txt": f"Story {day}\n\nBody {day}.\n" for day in range(1, 26)}
    files.update({f"seeds/news/undated-{n}.txt": f"Undated {n}\n\nBody {n}.\n" for n in range(3)})
    site = make_site(tmp_path, files, toml=DATED_TOML)
    report, problems = run_import(site)
    assert report.imported == 28 and not problems.items
    assert sum(report.mtime_days.values()) == 3
    # The same 25 seeds without the setting all take today's mtime: the warning fires.
    shutil.rmtree(site / "content")
    (site / ".ssg/import.json").unlink()
    (site / "site.toml").write_text(TOML)
    report, problems = run_import(site)
    assert [p.message for p in problems.warnings] and "28 seeds took their date" in problems.warnings[0].message


def test_the_path_is_relative_to_a_configured_seeds_dir(tmp_path, make_site):
    toml = ('base_url = "https://example.org/"\nseeds_dir = "data/wire"\n[import]\n'
            r"date_from_path = '^(?P<year>\d{4})-(?P<month>\d\d)-(?P<day>\d\d)/'" "\n")
    site = make_site(tmp_path, {"data/wire/2023-12-31/a.txt": "W\n\nA\n\nBody.\n"}, toml=toml)
    report, problems = run_import(site)
    assert not problems.items and list(dates(site).values()) == [dt.datetime(2023, 12, 31, tzinfo=dt.timezone.utc)]

"""site.toml: defaults, validation with every error at once, upward discovery."""

from __future__ import annotations

import os
import zoneinfo
from pathlib import Path

import pytest

from ssg.config import Config, find_site, load_config, parse_config
from ssg.problems import SsgError


def errors(text: str) -> list[str]:
    with pytest.raises(SsgError) as exc:
        parse_config(text)
    return [str(p) for p in exc.value.problems]


def test_empty_file_gives_the_documented_defaults():
    c = parse_config("")
    assert c == Config()
    assert (c.title, c.base_url, c.language, c.timezone, c.theme) == (
        "News Archive", "http://localhost:8000/", "en", "UTC", "default")
    assert (c.seeds_dir, c.content_dir, c.output_dir) == ("seeds", "content", "public")
    assert (c.page_size, c.home_latest, c.home_per_section) == (20, 10, 5)
    assert c.imports.boilerplate == ("Comment here",) and c.imports.summary_length == 300
    assert c.imports.decode_entities is True and c.imports.date_from_path == "" and c.imports.date_pattern is None
    assert (c.feeds.items, c.feeds.full_content, c.markdown.allow_html) == (20, True, False)
    assert (c.permalinks.article, c.permalinks.section) == ("/{section}/{slug}/", "/{section}/")
    assert c.tz == zoneinfo.ZoneInfo("UTC")


def test_values_are_read_and_lists_become_tuples():
    c = parse_config('title = "X"\npage_size = 5\ntimezone = "Europe/London"\n[import]\nboilerplate = ["A", "B"]\n'
                     '[feeds]\nfull_content = false\n[markdown]\nallow_html = true\n')
    assert (c.title, c.page_size, c.imports.boilerplate, c.feeds.full_content, c.markdown.allow_html) == (
        "X", 5, ("A", "B"), False, True)
    assert c.tz == zoneinfo.ZoneInfo("Europe/London")
    assert parse_config("[import]\nboilerplate = []\n").imports.boilerplate == ()


def test_load_config_reads_the_site(make_site, tmp_path):
    site = make_site(tmp_path, toml='title = "From disk"\n')
    assert load_config(site).title == "From disk"


def test_load_config_unreadable_file_is_a_problem_not_a_traceback(make_site, tmp_path):
    site = make_site(tmp_path)
    (site / "site.toml").write_bytes(b'title = "\xff"\n')
    with pytest.raises(SsgError) as exc:
        load_config(site)
    (problem,) = exc.value.problems
    assert problem.path == "site.toml" and "cannot read" in problem.message


@pytest.mark.parametrize(
    "text, expected",
    [
        ('titel = "x"', "site.toml: unknown key 'titel' (did you mean 'title'?)"),
        ("page_sise = 3", "site.toml: unknown key 'page_sise' (did you mean 'page_size'?)"),
        ("[feeds]\nitem = 3", "site.toml: unknown key 'feeds.item' (did you mean 'feeds.items'?)"),
        ("[imports]\nsummary_length = 50", "site.toml: unknown key 'imports' (did you mean 'import'?)"),
        ("[import]\nboilerplates = []", "site.toml: unknown key 'import.boilerplates' (did you mean 'import.boilerplate'?)"),
        ("zzzzzz = 1", "site.toml: unknown key 'zzzzzz'"),  # no near miss: no suggestion
    ],
)
def test_unknown_key_names_it_and_suggests_a_near_miss(text, expected):
    assert errors(text) == [expected]


@pytest.mark.parametrize(
    "text, expected",
    [
        ('page_size = "ten"', "page_size: expected an integer, got 'ten'"),
        ("page_size = true", "page_size: expected an integer, got True"),  # bool is not an int here
        ("page_size = 1.5", "page_size: expected an integer, got 1.5"),
        ("title = 3", "title: expected a string, got 3"),
        ("title = false", "title: expected a string, got False"),
        ("[feeds]\nitems = true", "feeds.items: expected an integer, got True"),
        ("[feeds]\nfull_content = 1", "feeds.full_content: expected a boolean, got 1"),
        ('[markdown]\nallow_html = "yes"', "markdown.allow_html: expected a boolean, got 'yes'"),
        ("[import]\nsummary_length = false", "import.summary_length: expected an integer, got False"),
        ('[import]\nboilerplate = "Comment here"', "import.boilerplate: expected a list of string, got 'Comment here'"),
        ('[import]\nboilerplate = ["ok", 1]', "import.boilerplate: expected a list of string, got ['ok', 1]"),
        ("import = 3", "[import] must be a table"),
        ('feeds = "x"', "[feeds] must be a table"),
    ],
)
def test_wrong_type_names_the_key(text, expected):
    assert errors(text) == [f"site.toml: {expected}"]


def test_all_errors_are_reported_at_once():
    found = errors(
        'titel = "x"\npage_size = "ten"\nlanguage = 3\nhome_latest = true\ntimezone = "Nowhere/Land"\n'
        '[import]\nboilerplate = "x"\nsurprise = 1\n[feeds]\nitems = 0\n'
    )
    expected = [
        "unknown key 'titel' (did you mean 'title'?)",
        "page_size: expected an integer, got 'ten'",
        "language: expected a string, got 3",
        "home_latest: expected an integer, got True",
        "import.boilerplate: expected a list of string, got 'x'",
        "unknown key 'import.surprise'",
        "timezone: unknown time zone 'Nowhere/Land'",
        "feeds.items: must be at least 1",
    ]
    assert sorted(found) == sorted(f"site.toml: {e}" for e in expected)


@pytest.mark.parametrize(
    "text, line",
    [
        ('title = "x"\npage_size = = 3\n', 2),
        ('title = "x"\n\n[feeds\nitems = 3\n', 3),
        ('title = "unclosed\n', 1),
    ],
)
def test_invalid_toml_names_the_line(text, line):
    with pytest.raises(SsgError) as exc:
        parse_config(text)
    (problem,) = exc.value.problems
    assert problem.line == line and problem.message.startswith("invalid TOML")
    assert str(problem).startswith(f"site.toml:{line}: invalid TOML")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/Londn", "", "../../etc/passwd", "/etc/localtime"])
def test_bad_timezone_is_an_error_naming_it(zone):
    assert errors(f'timezone = "{zone}"') == [f"site.toml: timezone: unknown time zone {zone!r}"]


def test_good_timezones():
    for zone in ("Asia/Tokyo", "America/New_York", "UTC"):
        assert parse_config(f'timezone = "{zone}"').tz == zoneinfo.ZoneInfo(zone)


def test_bad_values():
    found = errors('base_url = "example.org"\npage_size = 0\nhome_per_section = -1\n'
                   '[import]\nsummary_length = 5\n[permalinks]\narticle = "/{slug}/"\n')
    assert any("base_url: must start with http" in e for e in found)
    assert any("page_size: must be at least 1" in e for e in found)
    assert any("home_per_section: must be at least 1" in e for e in found)
    assert any("import.summary_length: must be at least 20" in e for e in found)
    assert any("permalinks.article" in e and "{section}" in e for e in found)


@pytest.mark.parametrize(
    "pattern, message",
    [
        ("/{section}/{slug}/{foo}/", "unknown placeholder {foo}"),
        ("/{section}/{0}/{slug}/", "unknown placeholder {0}"),
        ("/{section}/{slug}/{section!r}/", "unknown placeholder {section!r}"),
        ("/{section}/{slug}/{/", "expected '}'"),
        ("/../{section}/{slug}/", "'..'"),
        ("/{section}//{slug}/", "empty"),
    ],
)
def test_permalink_patterns_that_would_break_the_build_are_refused(pattern, message):
    (found,) = errors(f'[permalinks]\narticle = "{pattern}"\n')
    assert found.startswith("site.toml: permalinks.article: ") and message in found
    (found,) = errors('[permalinks]\nsection = "/{section}/{slug}/"\n')
    assert "permalinks.section: unknown placeholder {slug}" in found


def test_permalink_patterns_that_work():
    c = parse_config('[permalinks]\narticle = "/news/{section}/{slug}.html/"\nsection = "/topics/{section}/"\n')
    assert c.permalinks.article == "/news/{section}/{slug}.html/"


DATES = r"(?P<year>\d{4})/(?P<month>\d\d)/(?P<day>\d\d)"


def test_date_from_path_is_read_and_compiled():
    c = parse_config(f"[import]\ndecode_entities = false\ndate_from_path = '{DATES}(/(?P<hour>\\d\\d))?'\n")
    assert c.imports.decode_entities is False
    assert c.imports.date_pattern.search("world/2024/03/05/x.txt").group("year", "month", "day") == ("2024", "03", "05")


@pytest.mark.parametrize("text, expected", [
    ("title = 'X'\n\n[import]\nsummary_length = 40\ndate_from_path = '(?P<year>\\d{4}'\n",
     "site.toml:5: import.date_from_path: not a valid regular expression: missing ), unterminated subpattern at position 0"),
    ("[import]\ndate_from_path = '(?P<year>\\d{4})/(?P<mon>\\d\\d)'\n",
     "site.toml:2: import.date_from_path: needs the named groups year, month and day, as in "
     f"'{DATES}' (missing: month, day)"),
    ("import.date_from_path = '[0-9'\ntitle = 'X'\n",
     "site.toml:1: import.date_from_path: not a valid regular expression: unterminated character set at position 0"),
    ("[feeds]\nitems = 3\n[import]\n  'date_from_path' = '\\d+'\n",
     "site.toml:4: import.date_from_path: needs the named groups year, month and day, as in "
     f"'{DATES}' (missing: year, month, day)"),
])
def test_a_bad_date_from_path_is_an_error_with_its_line(text, expected):
    assert errors(text) == [expected]


def test_find_site_walks_upward_like_git(tmp_path: Path):
    outer = tmp_path / "outer"
    deep = outer / "content" / "a" / "b"
    deep.mkdir(parents=True)
    (outer / "site.toml").write_text("")
    assert find_site(outer) == outer.resolve()
    assert find_site(deep) == outer.resolve()
    # The nearest site wins.
    inner = outer / "content" / "a"
    (inner / "site.toml").write_text("")
    assert find_site(deep) == inner.resolve()
    # A folder named site.toml is no site.
    (deep / "site.toml").mkdir()
    assert find_site(deep) == inner.resolve()


def test_find_site_none_when_no_site_above(tmp_path: Path):
    if any((p / "site.toml").is_file() for p in tmp_path.resolve().parents):
        pytest.skip("a site.toml above the temporary folder")
    lonely = tmp_path / "x" / "y"
    lonely.mkdir(parents=True)
    assert find_site(lonely) is None


def test_characters_html_and_xml_forbid_are_refused_by_key():
    # TOML escapes make them; in a title they crashed feedgen with a traceback.
    assert errors('title = "Bad\\u0001 title\\uFFFF"\ndescription = "ok"\n[import]\nboilerplate = ["x\\u0008"]\n') == [
        "site.toml: title: holds a character that HTML and XML forbid (U+0001, U+FFFF)",
        "site.toml: import.boilerplate: holds a character that HTML and XML forbid (U+0008)",
    ]
    assert parse_config('title = "Tab\\tand é and \\u00a0 are fine"\n', "site.toml").title == "Tab\tand é and \u00a0 are fine"


def test_a_forbidden_character_in_site_toml_is_an_error_not_a_traceback(run_cli, make_site, tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": "---\ntitle: A\ndate: 2024-01-01\nsection: World\n---\n\nBody.\n"},
                     toml='title = "Bad\\u0001title"\nbase_url = "https://example.org/"\n')
    r = run_cli(site, "build")
    assert r.code == 1 and "Traceback" not in r.err
    assert r.err == "site.toml: title: holds a character that HTML and XML forbid (U+0001)\n"


# --- output_dir may not point at the site or its sources ---------------------------------------

@pytest.mark.parametrize("output_dir, why", [
    (".", "is the site folder itself"),
    ("./", "is the site folder itself"),
    ("..", "is a folder above the site"),
    ("../..", "is a folder above the site"),
    ("/", "is a folder above the site"),
    ("content", "is the site's content/ folder"),
    ("content/public", "lies inside the site's content/ folder"),
    ("seeds", "is the site's seeds/ folder"),
    ("themes/out", "lies inside the site's themes/ folder"),
    ("static", "is the site's static/ folder"),
    ("templates", "is the site's templates/ folder"),
    (".ssg", "is the site's .ssg/ folder"),
    (".ssg/serve", "lies inside the site's .ssg/ folder"),
    ("articles", "is the site's articles/ folder"),  # content_dir = "articles"
    ("linked", "is the site folder itself"),  # a symbolic link to the site
])
def test_an_output_dir_holding_or_inside_the_sources_is_refused_before_anything_runs(tmp_path, run_cli, output_dir, why):
    outer = tmp_path / "outer"
    site = outer / "site"
    files = {"site.toml": f'base_url = "https://example.org/"\noutput_dir = "{output_dir}"\n'
                          + ('content_dir = "articles"\n' if output_dir == "articles" else ""),
             "seeds/one.txt": "World\n\nA headline\n\nA body.\n", "content/world/hand.md": "kept\n",
             "articles/world/hand.md": "kept\n", "themes/mine/theme.toml": "", "static/logo.svg": "<svg/>",
             "templates/base.html": "x", ".ssg/keep": "x"}
    for rel, text in files.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text)
    (outer / "unrelated.txt").write_text("not the site's")
    os.symlink(site, site / "linked")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    for command in ("build", "import", "check", "deploy"):
        result = run_cli(site, command, "--clean") if command == "build" else run_cli(site, command)
        assert result.code == 1 and "Traceback" not in result.err, (command, result)
        assert result.err.startswith(f"site.toml: output_dir: '{output_dir}' {why}"), (command, result.err)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # nothing made, nothing lost


def test_an_output_dir_elsewhere_is_fine(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    for output_dir in ("public", "build/www", str(tmp_path / "www"), "../www", "content-out"):
        (site / "site.toml").write_text(f'output_dir = "{output_dir}"\n')
        assert load_config(site).output_dir == output_dir

"""The command line: thin, with exit codes and messages instead of tracebacks."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
import typing
from importlib import resources

from ssg import __version__
from ssg.config import Config, parse_config

SUMMARY = re.compile(r"^imported \d+, updated \d+, unchanged \d+, duplicates \d+, conflicts \d+, errors \d+$")


def test_version(run_cli, tmp_path):
    result = run_cli(tmp_path, "--version")
    assert result.code == 0 and result.out.strip() == f"ssg {__version__}"
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", __version__)


def test_help(run_cli, tmp_path):
    result = run_cli(tmp_path, "--help")
    assert result.code == 0
    for command in ("init", "import", "build"):
        assert re.search(rf"^\s+{command}\s+\S", result.out, re.M), f"{command} missing from --help"
    result = run_cli(tmp_path, "import", "--help")
    assert result.code == 0 and all(opt in result.out for opt in ("--site", "--date", "--force", "-q", "-v"))
    result = run_cli(tmp_path)  # no command: the help, and a usage exit status
    assert result.code == 2 and "usage: ssg" in result.out


def test_the_installed_entry_points(tmp_path):
    """`python -m ssg` (and so the `ssg` script, which calls the same main) in a real process."""
    r = subprocess.run([sys.executable, "-m", "ssg", "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stdout.strip() == f"ssg {__version__}"
    (tmp_path / "site.toml").write_text("")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "bad.txt").write_bytes(b"\x00\x01binary")
    (tmp_path / "seeds" / "good.txt").write_text("W\n\nGood\n\nBody.\n")
    r = subprocess.run([sys.executable, "-m", "ssg", "import"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert r.stderr == "seeds/bad.txt: binary data, not a text file\n"
    assert r.stdout == "imported 1, updated 0, unchanged 0, duplicates 0, conflicts 0, errors 1\n"
    # `build` leaves the process through os._exit (cli.entry): all it printed still arrives.
    r = subprocess.run([sys.executable, "-m", "ssg", "build", "-j", "1"], cwd=tmp_path, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 1 and r.stderr == "seeds/bad.txt: binary data, not a text file\n"
    assert "\nbuild failed: public/ left as it was" in r.stdout and not (tmp_path / "public").exists()
    r = subprocess.run([sys.executable, "-m", "ssg", "build", "-j", "1", "--keep-going"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and r.stderr == "seeds/bad.txt: binary data, not a text file\n"
    assert r.stdout.startswith("imported 0, updated 0, unchanged 1") and "\nbuilt " in r.stdout
    assert (tmp_path / "public" / "index.html").is_file()
    r = subprocess.run([sys.executable, "-m", "ssg", "build", "--no-such-option"], cwd=tmp_path, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 2 and "unrecognized arguments: --no-such-option" in r.stderr and "Traceback" not in r.stderr
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "ssg"]
    assert script.value == "ssg.cli:entry"


def test_init_then_import(run_cli, tmp_path):
    result = run_cli(tmp_path, "init", "news")
    site = tmp_path / "news"
    assert result.code == 0 and str(site.resolve()) in result.out
    assert (site / "seeds").is_dir() and (site / "content").is_dir()
    assert (site / "site.toml").read_text() == resources.files("ssg").joinpath("site.toml.example").read_text()
    (site / "seeds" / "a.txt").write_text("World\n\nA headline\n\nA body.\n")
    (site / "seeds" / "tech").mkdir()
    (site / "seeds" / "tech" / "001.txt").write_text("Folder headline\n\nBody.\n")
    result = run_cli(site, "import", "--date", "2024-01-02")
    assert result.code == 0, result.err
    assert result.out == "imported 2, updated 0, unchanged 0, duplicates 0, conflicts 0, errors 0\n"
    text = (site / "content" / "world" / "a-headline.md").read_text()
    assert "title: A headline\n" in text and "date: 2024-01-02T00:00:00+00:00\n" in text
    assert (site / "content" / "tech" / "folder-headline.md").is_file()
    # init never overwrites a site
    before = (site / "site.toml").read_bytes()
    result = run_cli(tmp_path, "init", "news")
    assert result.code == 1 and "already exists" in result.err and (site / "site.toml").read_bytes() == before


def _schema_keys(cls, prefix=""):
    """Every key site.toml accepts, from the dataclasses that are its schema ("feeds.items")."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key = f.metadata.get("key", f.name)
        if typing.get_origin(hints[f.name]) is dict:
            continue  # [deploy.NAME] tables: their example blocks are checked by test_deploy.py
        if dataclasses.is_dataclass(hints[f.name]):
            yield from _schema_keys(hints[f.name], f"{key}.")
        else:
            yield prefix + key


def test_example_config_lists_every_key_with_its_default():
    example = resources.files("ssg").joinpath("site.toml.example").read_text(encoding="utf-8")
    # Uncomment every `# key = value` line and every `# [table]` line; prose comments stay.
    uncommented = "\n".join(re.sub(r"^# (?=\w+ = |\[\w+\]$)", "", line) for line in example.splitlines())
    assert uncommented != example
    assert parse_config(uncommented) == Config()
    # ...and every key of the schema is there (so the example cannot fall behind the code).
    listed, table = set(), ""
    for line in uncommented.splitlines():
        if m := re.match(r"^\[(\w+)\]$", line):
            table = m.group(1) + "."
        elif m := re.match(r"^(\w+) = ", line):
            listed.add(table + m.group(1))
    assert listed == set(_schema_keys(Config))
    assert parse_config(example) == Config()  # as shipped, everything is commented out


def test_site_option_and_upward_discovery(run_cli, tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "World\n\nFound\n\nBody.\n"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = run_cli(elsewhere, "import", "--site", str(site))
    assert result.code == 0 and (site / "content/world/found.md").is_file()
    assert result.out.startswith("imported 1,")
    # From deep inside the site, with no --site: found like git finds its repository.
    deep = site / "content" / "world"
    result = run_cli(deep, "import")
    assert result.code == 0 and result.out.startswith("imported 0, updated 0, unchanged 1,")
    assert not (deep / "content").exists()
    # A relative --site
    result = run_cli(tmp_path, "import", "--site", "site")
    assert result.code == 0 and "unchanged 1" in result.out


def test_no_site_is_a_clear_error(run_cli, tmp_path):
    result = run_cli(tmp_path, "import", "--site", str(tmp_path))
    assert result.code == 1 and "no site.toml here" in result.err
    if not any((p / "site.toml").is_file() for p in tmp_path.resolve().parents):
        result = run_cli(tmp_path, "import")
        assert result.code == 1 and "no site.toml in this folder or any above it" in result.err


def test_quiet_suppresses_the_summary_and_warnings_but_not_errors(run_cli, tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": b"W\n\nH\n\n\xa3 body\n"})
    result = run_cli(site, "import", "-q")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (site / "content/w/h.md").is_file()
    (site / "seeds/bad.txt").write_bytes(b"")
    result = run_cli(site, "import", "-q")
    assert (result.code, result.out, result.err) == (1, "", "seeds/bad.txt: empty file\n")
    result = run_cli(site, "import")
    assert SUMMARY.match(result.out.strip()) and "seeds/a.txt:5: warning: not valid UTF-8" in result.err


def test_bad_date_is_a_usage_error(run_cli, tmp_path, make_site):
    site = make_site(tmp_path)
    result = run_cli(site, "import", "--date", "05/03/2024")
    assert result.code == 2 and "expected YYYY-MM-DD, got '05/03/2024'" in result.err


def test_invalid_config_reports_all_errors(run_cli, tmp_path, make_site):
    site = make_site(tmp_path, {"seeds/a.txt": "W\n\nH\n\nB.\n"}, toml='titel = "x"\npage_size = "a"\n')
    result = run_cli(site, "import")
    assert result.code == 1 and result.out == ""
    assert result.err.splitlines() == [
        "site.toml: unknown key 'titel' (did you mean 'title'?)",
        "site.toml: page_size: expected an integer, got 'a'",
    ]
    assert not (site / "content").exists()  # nothing imported with a broken config


def test_a_usage_error_shows_the_commands_own_usage(run_cli, tmp_path, make_site):
    site = make_site(tmp_path)
    for args, usage, error in (
        (["build", "--dry-run"], "usage: ssg build ", "ssg build: error: unrecognized arguments: --dry-run"),
        (["serve", "--port", "x"], "usage: ssg serve ", "ssg serve: error: argument --port: expected a port number, got 'x'"),
        (["init"], "usage: ssg init ", "ssg init: error: the following arguments are required: dir"),
        (["theme", "copy", "--force"], "usage: ssg theme copy ", "ssg theme copy: error: unrecognized arguments: --force"),
        (["new", "Headline"], "usage: ssg new ", "ssg new: error: the following arguments are required: --section"),
    ):
        result = run_cli(site, *args)
        assert result.code == 2 and result.out == "", args
        assert result.err.startswith(usage) and result.err.endswith(f"\n{error}\n"), result.err
        assert "COMMAND" not in result.err and "Traceback" not in result.err
    assert not (site / "public").exists()


def test_init_takes_no_site_option(run_cli, tmp_path):
    result = run_cli(tmp_path, "init", "--help")
    assert result.code == 0 and "--site" not in result.out and "-q" in result.out and "-v" in result.out
    result = run_cli(tmp_path, "init", "news", "--site", "x")
    assert result.code == 2 and "ssg init: error: unrecognized arguments: --site x" in result.err
    assert not (tmp_path / "news").exists()
    for command in ("new", "theme copy", "build"):  # the others keep it
        assert "--site" in run_cli(tmp_path, *command.split(), "--help").out

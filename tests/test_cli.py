"""The command line: thin, with exit codes and messages instead of tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from ssg import __version__
from ssg.cli import main
from ssg.config import Config, parse_config


def ssg(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ssg", *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_version_and_help(capsys):
    r = ssg("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"ssg {__version__}"
    r = ssg("--help")
    assert r.returncode == 0 and all(c in r.stdout for c in ("init", "import", "build", "serve"))
    assert main([]) == 2


def test_init_then_import_and_build(tmp_path):
    r = ssg("init", str(tmp_path / "new"))
    assert r.returncode == 0, r.stderr
    site = tmp_path / "new"
    assert (site / "seeds").is_dir() and (site / "content").is_dir()
    (site / "seeds" / "a.txt").write_text("World\n\nA headline\n\nA body.\n")
    r = ssg("build", cwd=site / "seeds")  # found by walking upward
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("imported 1, updated 0, unchanged 0, duplicates 0, conflicts 0, errors 0\n")
    assert (site / "public" / "world" / "a-headline" / "index.html").is_file()
    assert ssg("init", str(site)).returncode == 1  # never overwrites a site


def test_example_config_lists_every_key_with_its_default():
    example = (Path(__file__).resolve().parents[1] / "ssg" / "site.toml.example").read_text()
    uncommented = "\n".join(re.sub(r"^# (\w+ = |\[)", r"\1", line) for line in example.splitlines())
    assert parse_config(uncommented) == Config()
    keys = set(re.findall(r"^# (\w+) = ", example, re.M))
    assert {"title", "base_url", "timezone", "page_size", "boilerplate", "items", "allow_html", "article"} <= keys


def test_site_option_and_missing_site(tmp_path):
    r = ssg("import", "--site", str(tmp_path))
    assert r.returncode == 1 and "no site.toml here" in r.stderr and "Traceback" not in r.stderr
    r = ssg("import", cwd=tmp_path)
    assert r.returncode == 1 and "no site.toml" in r.stderr


def test_refused_seed_exits_1_without_traceback_others_imported(tmp_path):
    (tmp_path / "site.toml").write_text("")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "bad.txt").write_bytes(b"")
    (tmp_path / "seeds" / "good.txt").write_text("W\n\nGood\n\nBody.\n")
    r = ssg("import", "--site", str(tmp_path))
    assert r.returncode == 1
    assert "seeds/bad.txt: empty file" in r.stderr and "Traceback" not in r.stderr
    assert (tmp_path / "content" / "w" / "good.md").exists()
    assert "errors 1" in r.stdout


def test_invalid_config_reports_all_errors(tmp_path):
    (tmp_path / "site.toml").write_text('titel = "x"\npage_size = "a"\n')
    r = ssg("build", "--site", str(tmp_path))
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "unknown key 'titel' (did you mean 'title'?)" in r.stderr and "page_size: expected an integer" in r.stderr


def test_quiet_hides_summary_and_warnings(tmp_path):
    (tmp_path / "site.toml").write_text("")
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "a.txt").write_bytes(b"W\n\nH\n\n\xa3 body\n")
    r = ssg("import", "-q", "--site", str(tmp_path))
    assert r.returncode == 0 and r.stdout == "" and r.stderr == ""

"""Helpers for the build tests (test_build, test_golden, test_external_checkers).

Small sites are written from a dict of files; builds use a fixed ``now`` so that the
future-dated filter, and so the output, never depends on the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.server
import os
import threading
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path

from ssg.build import BuildOptions, BuildReport, build_site
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.problems import Problems

NOW = dt.datetime(2024, 6, 1, 12, 0, tzinfo=dt.timezone.utc)
IMPORT_DATE = dt.date(2024, 3, 10)
TESTS = Path(__file__).resolve().parent
GOLDEN_SITE = TESTS / "golden" / "site"
GOLDEN_EXPECTED = TESTS / "golden" / "expected"
TOOLS = Path(__file__).resolve().parents[1].parent / "shared" / "tools"

SITE_TOML = """\
title = "Test News"
description = "A test archive."
base_url = "https://example.org/news/"
timezone = "UTC"
page_size = 2
"""


def article(title: str, date: str, section: str, body: str = "Body.", *, slug: str | None = None,
            summary: str | None = None, extra: str = "") -> str:
    """A content file. ``title``/``summary`` are written as YAML double-quoted strings."""

    def q(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["---", f"title: {q(title)}", f"date: {date}", f"section: {q(section)}"]
    if slug is not None:
        lines.append(f"slug: {slug}")
    if summary is not None:
        lines.append(f"summary: {q(summary)}")
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["---", "", body.rstrip("\n"), ""]
    return "\n".join(lines)


def make_site(tmp_path: Path, files: dict[str, str] | None = None, *, toml: str | None = None,
              name: str = "site") -> Path:
    """A site folder under tmp_path: site.toml plus ``files`` (paths relative to the site)."""
    site = tmp_path / name
    site.mkdir(parents=True, exist_ok=True)
    (site / "site.toml").write_text(textwrap.dedent(toml) if toml is not None else SITE_TOML, encoding="utf-8")
    (site / "content").mkdir(exist_ok=True)
    for rel, text in (files or {}).items():
        write(site / rel, text)
    return site


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def build(site: Path, *, expect_ok: bool = True, **options) -> tuple[BuildReport, Problems]:
    """Build with ``now=NOW`` (and one process unless ``jobs`` is given)."""
    options.setdefault("now", NOW)
    options.setdefault("jobs", 1)
    config = load_config(site)
    problems = Problems()
    report = build_site(site, config, problems, BuildOptions(**options))
    if expect_ok:
        assert report.published and not problems.errors, [str(p) for p in problems.items]
    return report, problems


def import_and_build(site: Path, **options) -> tuple[BuildReport, Problems]:
    config = load_config(site)
    problems = Problems()
    import_seeds(site, config, problems, date=IMPORT_DATE)
    assert not problems.errors, [str(p) for p in problems.items]
    report, more = build(site, **options)
    problems.extend(more)
    return report, problems


def copy_golden(tmp_path: Path, name: str = "golden") -> Path:
    """A copy of the golden fixture site (never build inside tests/golden/site itself)."""
    site = tmp_path / name
    shutil.copytree(GOLDEN_SITE, site, ignore=shutil.ignore_patterns("public", ".ssg", ".public*"))
    return site


def tree(root: Path) -> dict[str, bytes]:
    """Every file below root (hidden ones included): relpath -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def stats(root: Path) -> dict[str, tuple[bytes, int, int]]:
    """relpath -> (bytes, mtime_ns, inode) of every file below root."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_file():
            st = p.stat()
            out[p.relative_to(root).as_posix()] = (p.read_bytes(), st.st_mtime_ns, st.st_ino)
    return out


def leftovers(output: Path) -> list[str]:
    """Working folders/files a build keeps beside its output folder while it runs."""
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(f".{output.name}."))


def page(site: Path, rel: str) -> str:
    return (site / "public" / rel).read_text(encoding="utf-8")


class Links(HTMLParser):
    """Collects (tag, attribute, value) of every href/src, and <link rel=alternate>s."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str, str]] = []
        self.alternates: list[dict[str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        d = {k: v or "" for k, v in attrs}
        for key in ("href", "src"):
            if key in d:
                self.urls.append((tag, key, d[key]))
        if tag == "link" and d.get("rel") == "alternate":
            self.alternates.append(d)


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    parser.close()
    return parser


def html_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.html"))


def validators_home() -> Path:
    return Path(os.environ.get("VALIDATORS_HOME") or Path.home() / ".cache" / "site-validators")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serving(public: Path, prefix: str, tmp_path: Path):
    """``public`` served by http.server under ``prefix`` (``/`` or ``/news/``), as a static host
    would; yields the server's URL (without the prefix)."""
    www = public
    if prefix != "/":
        www = tmp_path / f"www{prefix.replace('/', '-')}"
        www.mkdir()
        os.symlink(public, www / prefix.strip("/"))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()

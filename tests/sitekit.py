"""Helpers for the build tests (test_build, test_golden, test_external_checkers).

Small sites are written from a dict of files; builds use a fixed ``now`` so that the
future-dated filter, and so the output, never depends on the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import http.client
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
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
ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT.parent / "shared" / "tools"

SITE_TOML = """\
title = "Test News"
description = "A test archive."
base_url = "https://example.org/news/"
timezone = "UTC"
page_size = 2
# Share cards (a JPEG per article) are tested in tests/outputs/test_images.py; elsewhere they
# would only add files to compare.
[images]
cards = false
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


def site_files(site: Path, folder: str = "public") -> dict[str, bytes]:
    """The built site as it is deployed: every file of its output folder but ssg's marker."""
    from ssg.publish.writer import MARKER

    return {rel: data for rel, data in tree(site / folder).items() if rel != MARKER}


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


# --- builds killed or paused at chosen moments (tests/test_crash_safety.py, test_deploy.py) -----

# Runs ssg's CLI with os.replace instrumented. CRASH_AT="kind:k:before|after" kills the whole
# process group at the k-th os.replace of that kind in the main process; CRASH_LOG names a file
# that receives every call's kind and destination (for the uninterrupted reference run).
# PAUSE_AT="kind:k" (with PAUSE_FILE) waits before that os.replace until PAUSE_FILE exists, having
# created PAUSE_FILE.paused; PAUSE_AT_ADD=n does the same at the n-th file staged.
CRASH_WRAPPER = r"""
import atexit, os, signal, sys
site = os.environ["CRASH_SITE"]
content, public = os.path.join(site, "content"), os.path.join(site, "public")
main_pid = os.getpid()
spec = os.environ.get("CRASH_AT")
kind_at, k_at, when = (spec.split(":") if spec else (None, "0", None))
k_at = int(k_at)
counts, log = {}, []
real_replace = os.replace

def kind(src, dst):
    dst, src = os.fspath(dst), os.fspath(src)
    name = os.path.basename(dst)
    if dst.startswith(content + os.sep):
        return "import"
    if name == ".public.journal":
        return "journal"
    if dst.startswith(public + os.sep):
        return "commit"
    if dst == public:  # a first build's staged site moved into place
        return "swap"
    return "other"

def die():
    os.killpg(os.getpgrp(), signal.SIGKILL)

pause = os.environ.get("PAUSE_AT")  # "kind:k": wait before the k-th os.replace of that kind
pause_kind, pause_k = (pause.split(":") if pause else (None, "0"))

def replace(src, dst, *args, **kwargs):
    if os.getpid() != main_pid:
        return real_replace(src, dst, *args, **kwargs)
    k = kind(src, dst)
    counts[k] = counts.get(k, 0) + 1
    log.append(f"{k}\t{os.fspath(dst)}")
    if k == pause_kind and counts[k] == int(pause_k):  # until PAUSE_FILE exists
        import time
        open(os.environ["PAUSE_FILE"] + ".paused", "w").close()
        while not os.path.exists(os.environ["PAUSE_FILE"]):
            time.sleep(0.01)
    hit = k == kind_at and counts[k] == k_at
    if hit and when == "before":
        die()
    result = real_replace(src, dst, *args, **kwargs)
    if hit:
        die()
    return result

os.replace = replace
if os.environ.get("PAUSE_AT_ADD"):  # stop at the n-th file staged until PAUSE_FILE exists
    import time
    import ssg.publish.writer
    added = [0]
    def pausing(real_add):
        def add(self, rel, data):
            added[0] += 1
            if added[0] == int(os.environ["PAUSE_AT_ADD"]):
                open(os.environ["PAUSE_FILE"] + ".paused", "w").close()
                while not os.path.exists(os.environ["PAUSE_FILE"]):
                    time.sleep(0.01)
            return real_add(self, rel, data)
        return add
    for publisher in (ssg.publish.writer.FullPublisher, ssg.publish.writer.IncrementalPublisher):
        publisher.add = pausing(publisher.add)
if os.environ.get("CRASH_LOG"):
    atexit.register(lambda: open(os.environ["CRASH_LOG"], "w").write("\n".join(log)))
from ssg.cli import main
sys.exit(main(sys.argv[1:]))
"""


def instrumented_build(site: Path, *args: str, crash_at: str | None = None, log: Path | None = None,
                       **env_extra: str) -> subprocess.Popen:
    """`ssg build --site SITE -q ARGS` in a process group of its own, through ``CRASH_WRAPPER``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), CRASH_SITE=str(site), **env_extra)
    env.pop("SSG_TIMINGS", None)
    if crash_at:
        env["CRASH_AT"] = crash_at
    if log:
        env["CRASH_LOG"] = str(log)
    return subprocess.Popen([sys.executable, "-c", CRASH_WRAPPER, "build", "--site", str(site), "-q", *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)


def finish(proc: subprocess.Popen, timeout: float = 120) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc.returncode, err


# --- `ssg serve` in a process (tests/serve/) ----------------------------------------------------


def free_port() -> int:
    """A port nobody listens on now (``ssg serve --port`` takes 1 to 65535)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`ssg serve` in a process of its own, on a free port, its output collected."""

    def __init__(self, site: Path, *extra: str):
        port = [] if "--port" in extra else ["--port", str(free_port())]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ssg", "serve", "--site", str(site), *port, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
        )
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(r"serving http://([^:/\]]+|\[[^\]]+\]):(\d+)(/\S*)", line)
            if m:
                self.host, self.port, self.base = m.group(1), int(m.group(2)), m.group(3)
                break
        else:
            self.stop()
            raise AssertionError("server did not start: " + "".join(self.lines))
        if not hasattr(self, "port"):
            err = self.proc.stderr.read()
            raise AssertionError("server did not start: " + "".join(self.lines) + err)
        import threading

        def pump():
            for line in self.proc.stdout:
                self.lines.append(line)

        threading.Thread(target=pump, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.base}"

    def get(self, raw_path: str, method: str = "GET"):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        conn.putrequest(method, raw_path, skip_accept_encoding=True)
        conn.endheaders()
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, dict(resp.getheaders()), body

    def builds(self) -> int:
        return sum(1 for line in self.lines if line.startswith(("built ", "build failed", "nothing changed")))

    def wait_builds(self, n: int, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while self.builds() < n and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.builds() >= n, "".join(self.lines)

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.stderr.read() if self.proc.stderr else ""


_JSON_LD = re.compile(r'<script type="application/ld\+json">([^<]*)</script>')


def without_json_ld(doc: str) -> str:
    """The page without its JSON-LD data blocks (inert data, not script: ssg/render/metadata.py),
    each checked to hold no '<' that could end it early, and without the theme's own scripts:
    empty elements loading a fingerprinted .js file of the site (``asset()``), which no text
    from an article can make (its quotes and angle brackets are escaped)."""
    return _THEME_SCRIPT.sub("", _JSON_LD.sub("", doc))


_THEME_SCRIPT = re.compile(r'<script (?:type="module" )?src="/(?:[a-z0-9-]+/)*[a-z0-9-]+\.[0-9a-f]{10}\.js"'
                           r'(?: defer)?></script>')

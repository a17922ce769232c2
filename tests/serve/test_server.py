"""ssg serve: serving safety, base paths, debounced rebuilds, and live reload in real Chromium."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitekit import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

ARTICLE = """---
title: {title}
date: 2024-03-0{day}T10:00:00+00:00
section: World
slug: {slug}
summary: A summary.
---

Body of {slug}.
"""


def write_site(root: Path, base_url: str = "https://example.org/") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "site.toml").write_text(f'title = "Preview test"\nbase_url = "{base_url}"\n', encoding="utf-8")
    for day, slug in ((1, "first"), (2, "second")):
        path = root / "content" / "world" / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ARTICLE.format(title=f"Headline {slug}", day=day, slug=slug), encoding="utf-8")
    (root / "seeds").mkdir(exist_ok=True)
    return root


@pytest.fixture
def site(tmp_path):
    return write_site(tmp_path / "site")


@pytest.fixture
def server(site):
    s = Server(site)
    yield s
    s.stop()


def test_listens_on_loopback_by_default(server):
    assert server.host == "127.0.0.1"
    status, headers, body = server.get("/")
    assert status == 200
    assert b"Headline second" in body


def test_warns_when_not_loopback(site):
    s = Server(site, "--host", "0.0.0.0")
    try:
        time.sleep(0.2)
    finally:
        err = s.stop()
    assert "warning: listening on 0.0.0.0" in err


def raw_request(port: int, lines: list[str]) -> tuple[int, bytes]:
    """Send a request exactly as written (any Host, or none) and return (status, body)."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
            head, sep, body = data.partition(b"\r\n\r\n")
            if sep:  # whole when a 101, or when Content-Length bytes followed (a connection may stay open)
                length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                if head.startswith(b"HTTP/1.1 101") or (length and len(body) >= int(length.group(1))):
                    break
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


def fetch(port: int, path: str, host: str | None) -> tuple[int, bytes]:
    """GET ``path`` with ``host`` as Host; None: no Host at all, as HTTP/1.0 allows."""
    if host is None:
        return raw_request(port, [f"GET {path} HTTP/1.0"])
    return raw_request(port, [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close"])


def websocket(port: int, origin: str | None, host: str | None = None) -> int:
    """The status of a /livereload WebSocket handshake."""
    return raw_request(port, ["GET /livereload HTTP/1.1", f"Host: {host or f'127.0.0.1:{port}'}",
                              "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
                              "Sec-WebSocket-Version: 13", *([f"Origin: {origin}"] if origin else [])])[0]


def test_only_local_names_are_answered(server):
    """DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1 sends its own
    name as Host. Only the listening address and the loopback names, with the port, are served."""
    port = server.port
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LOCALHOST:{port}"):
        status, body = fetch(port, "/", host)
        assert status == 200 and b"Headline second" in body, host
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", "127.0.0.1", f"127.0.0.2:{port}",
                 "x:1&host=attacker", f"localhost.evil.example:{port}", "", None):
        for path in ("/", "/world/first/", "/livereload.js", "/no-such-page/"):
            status, body = fetch(port, path, host)
            assert status == 403 and b"Headline" not in body and b"attacker" not in body, (host, path, status)


def test_the_host_header_never_reaches_the_page(server):
    status, body = fetch(server.port, "/", f"localhost:{server.port}")
    scripts = re.findall(rb'<script src="/livereload\.js\?port=([^&"]*)', body)
    assert status == 200 and scripts == [str(server.port).encode()]


def test_the_reload_socket_refuses_foreign_origins(server):
    port = server.port
    assert websocket(port, f"http://127.0.0.1:{port}") == 101
    assert websocket(port, f"http://localhost:{port}") == 101
    for origin in ("http://evil.example", f"http://evil.example:{port}", "null", f"https://127.0.0.1:{port + 1}"):
        assert websocket(port, origin) == 403, origin
    # (A browser always sends its Origin; a program that sends none is no web page to guard against.)
    assert websocket(port, f"http://127.0.0.1:{port}", host=f"evil.example:{port}") == 403


def test_listening_on_every_interface_answers_addresses_not_names(site):
    s = Server(site, "--host", "0.0.0.0")
    try:
        assert fetch(s.port, "/", f"192.0.2.7:{s.port}")[0] == 200  # the machine's address on a LAN
        assert fetch(s.port, "/", f"localhost:{s.port}")[0] == 200
        assert fetch(s.port, "/", f"evil.example:{s.port}")[0] == 403
    finally:
        s.stop()


@pytest.mark.parametrize("port", ["0", "80000", "-1", "65536", "http"])
def test_a_port_out_of_range_is_a_usage_error(site, port):
    r = subprocess.run([sys.executable, "-m", "ssg", "serve", "--site", str(site), "--port", port],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--port" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_a_port_in_use_says_so(site):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        r = subprocess.run([sys.executable, "-m", "ssg", "serve", "--site", str(site), "--port", str(port)],
                           capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert f"port {port} is in use (another `ssg serve`?): choose another with --port" in r.stderr
    assert "building" not in r.stdout  # said at once, before a build


@pytest.mark.parametrize(
    "raw",
    [
        "/../site.toml",
        "/../../../../etc/passwd",
        "/%2e%2e/site.toml",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/world/%2e%2e%2f%2e%2e%2fsite.toml",
        "/..%2fsite.toml",
        "/..%5csite.toml",
        "/world/first/%00index.html",
    ],
)
def test_traversal_attempts_are_refused(server, raw):
    status, headers, body = server.get(raw)
    assert status == 404
    assert b"Preview test" in body  # the site's own 404 page
    assert b"base_url" not in body and b"root:" not in body


def test_symlink_pointing_out_is_refused(server, site, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    link = site / ".ssg" / "serve" / "leak.txt"
    link.symlink_to(secret)
    status, _, body = server.get("/leak.txt")
    assert status == 404 and b"top secret" not in body


def test_no_directory_listing_and_site_404(server, site):
    (site / ".ssg" / "serve" / "empty").mkdir()
    status, _, body = server.get("/empty/")
    assert status == 404
    assert b"Page not found" in body
    status, headers, _ = server.get("/world")
    assert status == 302 and headers["Location"] == "/world/"


def test_reload_script_only_in_served_pages(server, site):
    status, _, body = server.get("/world/first/")
    assert status == 200 and b"/livereload.js" in body
    assert subprocess.run([sys.executable, "-m", "ssg", "build", "--site", str(site), "-q"]).returncode == 0
    built = [p for p in (site / "public").rglob("*") if p.is_file()]
    assert built
    assert not any(b"livereload" in p.read_bytes() for p in built)


def test_no_reload_flag(site):
    s = Server(site, "--no-reload")
    try:
        status, _, body = s.get("/world/first/")
        assert status == 200 and b"livereload" not in body
    finally:
        s.stop()


def test_burst_of_saves_gives_one_rebuild(server, site):
    server.wait_builds(1)
    before = server.builds()
    for i in range(30):
        (site / "content" / "world" / f"burst-{i}.md").write_text(
            ARTICLE.format(title=f"Burst {i}", day=3, slug=f"burst-{i}"), encoding="utf-8")
    server.wait_builds(before + 1)
    time.sleep(1.5)
    assert server.builds() == before + 1, "".join(server.lines)
    status, _, body = server.get("/world/burst-29/")
    assert status == 200 and b"Burst 29" in body


def test_failed_rebuild_keeps_last_good_site_and_recovers(server, site):
    server.wait_builds(1)
    (site / "templates").mkdir()
    (site / "templates" / "article.html").write_text("{% extends 'base.html' %}\n{% block main %}\n{% if %}\n{% endblock %}\n")
    server.wait_builds(2)
    status, _, body = server.get("/world/first/")
    assert status == 200 and b"Headline first" in body  # the last good page
    assert b"ssg-error-overlay" in body and b"article.html:3" in body
    shutil.rmtree(site / "templates")
    server.wait_builds(3)
    status, _, body = server.get("/world/first/")
    assert b"ssg-error-overlay" not in body


def test_served_under_base_path(tmp_path):
    site = write_site(tmp_path / "sub", base_url="https://example.org/archive/")
    s = Server(site)
    try:
        assert s.base == "/archive/"
        status, headers, _ = s.get("/")
        assert status == 302 and headers["Location"] == "/archive/"
        status, _, body = s.get("/archive/world/first/")
        css = re.search(rb'href="(/archive/style\.[0-9a-f]{10}\.css)"', body)
        assert status == 200 and css, body[:400]
        assert s.get(css.group(1).decode())[0] == 200 and s.get("/archive/style.css")[0] == 200
        assert s.get("/world/first/")[0] == 404
    finally:
        s.stop()


def _browser():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (.ci/run installs it via ../shared/tools/install.sh)")
    return playwright.sync_playwright()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("base_url", ["https://example.org/", "https://example.org/archive/"])
def test_live_reload_in_chromium(tmp_path, base_url):
    site = write_site(tmp_path / "live", base_url=base_url)
    s = Server(site)
    try:
        with _browser() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                      "--disable-sync", "--no-first-run"],
            )
            page = browser.new_page()
            page.goto(s.url + "world/first/")
            assert page.text_content("h1") == "Headline first"
            # livereload.js has connected once the server counts a waiter; give it a moment.
            page.wait_for_function("() => window.LiveReload && window.LiveReload.connector && window.LiveReload.connector._connectionDesired", timeout=10000)
            time.sleep(0.3)

            article = site / "content" / "world" / "first.md"
            article.write_text(article.read_text().replace("Headline first", "Changed on disk"), encoding="utf-8")
            page.wait_for_function("() => document.querySelector('h1').textContent === 'Changed on disk'", timeout=15000)

            (site / "templates").mkdir()
            (site / "templates" / "article.html").write_text("{% extends 'base.html' %}\n{% block main %}{{ broken( }}{% endblock %}\n")
            page.wait_for_selector("#ssg-error-overlay", timeout=15000)
            assert "article.html" in page.text_content("#ssg-error-overlay")

            shutil.rmtree(site / "templates")
            page.wait_for_selector("#ssg-error-overlay", state="detached", timeout=15000)
            assert page.text_content("h1") == "Changed on disk"
            browser.close()
    finally:
        s.stop()


def test_bad_front_matter_keeps_the_page_and_shows_file_and_line(server, site):
    server.wait_builds(1)
    article = site / "content" / "world" / "first.md"
    good = article.read_text()
    article.write_text(good.replace("slug: first", "slug: [unclosed"))
    server.wait_builds(2)
    status, _, body = server.get("/world/first/")
    assert status == 200 and b"Headline first" in body
    assert b"content/world/first.md:5: invalid YAML" in body
    article.write_text(good)
    server.wait_builds(3)
    assert b"ssg-error-overlay" not in server.get("/world/first/")[2]


def _search_ready(server, timeout: float = 30) -> float:
    """Seconds until the preview says its search index caught up."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if server.get("/__ssg/search-status")[2] == b"ready":
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError("the search index did not catch up: " + "".join(server.lines))


def _indexed_text(site: Path) -> bytes:
    import gzip

    root = site / ".ssg" / "serve" / "pagefind"
    return b"".join(gzip.decompress(p.read_bytes()) for p in root.rglob("*.pf_fragment"))


def _has_pagefind() -> bool:
    from ssg.outputs import search

    return search.find_indexer()[0] is not None


@pytest.mark.skipif(not _has_pagefind(), reason="Pagefind is not installed")
def test_search_catches_up_after_the_pages_are_served(tmp_path):
    """The pages of an edit are served (and browsers reloaded) first; the search index follows
    in the background, and the search page says so until it has."""
    site = write_site(tmp_path / "site")
    (site / "site.toml").write_text('title = "Preview test"\nbase_url = "https://example.org/"\n')
    s = Server(site)
    try:
        _search_ready(s)
        assert b"Body of first" in _indexed_text(site)
        status, _, body = s.get("/search/")
        assert status == 200 and b"ssg-search-notice" not in body
        path = site / "content" / "world" / "first.md"
        path.write_text(path.read_text().replace("Body of first.", "Body of first, with a zeppelin."))
        s.wait_builds(2)
        page = s.get("/world/first/")[2]
        assert b"zeppelin" in page  # served before the index has it
        waited = _search_ready(s)
        assert b"zeppelin" in _indexed_text(site), waited
        assert any(line.startswith("search index caught up") for line in s.lines)
    finally:
        s.stop()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".ssg-output.json"}


def test_builds_told_what_changed_equal_builds_that_walk(tmp_path, monkeypatch):
    """`ssg serve` tells its builds which content files the watcher saw change, and they do not
    walk content/ again: after every kind of change, the preview equals a fresh build's."""
    from ssg.serve.preview import PreviewBuild

    site = write_site(tmp_path / "site")
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n')
    world = site / "content" / "world"
    preview = PreviewBuild(site)
    assert preview.build(True)[0] == []
    old = time.time() - 60

    def write(path: Path, title: str, day: int = 3) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ARTICLE.format(title=title, day=day, slug=path.stem), encoding="utf-8")
        os.utime(path, (old, old))  # an old mtime: only the hint can tell the build

    steps = [
        (lambda: write(world / "first.md", "Edited headline", 1), ["world/first.md"]),
        (lambda: write(world / "third.md", "A new one"), ["world/third.md"]),
        (lambda: (world / "second.md").unlink(), ["world/second.md"]),
        (lambda: (world / "third.md").rename(world / "fourth.md"), ["world/third.md", "world/fourth.md"]),
        (lambda: write(site / "content" / "sport" / "match.md", "A match", 4), None),  # a new folder: walked
        (lambda: write(world / "fourth.md", "Renamed and edited", 5), ["world/fourth.md"]),
    ]
    from ssg.build import driver

    walks, walk = [], driver.scan
    monkeypatch.setattr(driver, "scan", lambda *args, **kwargs: walks.append(1) or walk(*args, **kwargs))
    for n, (change, touched) in enumerate(steps):
        change()
        walks.clear()
        errors, _, summary = preview.build(False, touched)
        assert errors == [], summary
        assert len(walks) == (touched is None), n  # told what changed: content/ is not walked
        fresh = tmp_path / f"fresh-{n}"
        shutil.copytree(site / "content", fresh / "content")
        shutil.copy(site / "site.toml", fresh / "site.toml")
        assert PreviewBuild(fresh).build(True)[0] == []
        assert _tree(site / ".ssg" / "serve") == _tree(fresh / ".ssg" / "serve"), (n, summary)


def test_a_failed_preview_build_says_what_the_preview_shows(tmp_path):
    """The preview builds into its own folder: a failed build leaves no `public/` "as it was",
    it leaves the preview showing the last good build (or nothing, before the first)."""
    from ssg.serve.preview import PreviewBuild

    site = write_site(tmp_path / "site")
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n')
    bad = site / "content" / "world" / "bad.md"
    bad.write_text("---\ntitle: [unclosed\n---\n\nBody.\n")
    preview = PreviewBuild(site)
    errors, _, summary = preview.build(True)
    assert [p.path for p in errors] == ["content/world/bad.md"]
    assert summary.startswith("build failed: nothing to preview until a build succeeds (")
    bad.unlink()
    errors, _, summary = preview.build(False, ["world/bad.md"])
    assert errors == [] and summary.startswith("built "), summary
    bad.write_text("---\ntitle: [unclosed\n---\n\nBody.\n")
    errors, _, summary = preview.build(False, ["world/bad.md"])
    assert [p.severity for p in errors] == ["error"]
    assert summary.startswith("build failed: the preview still shows the last good build (")
    assert "left as it was" not in summary


def test_articles_left_out_go_to_the_preview_log(tmp_path):
    from ssg.serve.preview import PreviewBuild
    from ssg.serve.server import Preview

    site = write_site(tmp_path / "site")
    (site / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n')
    (site / "content" / "world" / "later.md").write_text(ARTICLE.format(title="Later", day=1, slug="later")
                                                         .replace("2024-03-01", "2999-03-01"))
    (site / "content" / "world" / "draft.md").write_text(ARTICLE.format(title="Draft", day=2, slug="draft")
                                                         .replace("summary:", "draft: true\nsummary:"))
    reported, _, summary = PreviewBuild(site).build(True)
    assert [str(p) for p in reported] == [
        "content/world/draft.md: a draft: left out (--drafts to include)",
        "content/world/later.md: dated 2999-03-01, in the future: left out (--future to include)"]
    assert ", 2 left out: 1 draft, 1 in the future (" in summary
    # The server logs them as they are, errors as errors; only errors go over the pages.
    lines: list[str] = []
    preview = Preview(site, reload=False, log=lines.append)
    from ssg.problems import Problem

    error = Problem(str(site / "content/world/bad.md"), 2, "invalid YAML front matter: x")
    preview._finished([*reported, error], "/", "build failed: the preview still shows the last good build (0.01 s)")
    assert lines == ["content/world/draft.md: a draft: left out (--drafts to include)",
                     "content/world/later.md: dated 2999-03-01, in the future: left out (--future to include)",
                     "error: content/world/bad.md:2: invalid YAML front matter: x",
                     "build failed: the preview still shows the last good build (0.01 s)"]
    assert [str(p) for p in preview.state.errors] == ["content/world/bad.md:2: invalid YAML front matter: x"]

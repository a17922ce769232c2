"""WebSub (ssg/publish/websub.py): after a deploy, the hub is told of every feed whose bytes were
uploaded, and of no other. The hub is an http.server on 127.0.0.1 run by the test."""

from __future__ import annotations

import http.server
import shutil
import threading
import urllib.parse
from pathlib import Path

import pytest

from sitekit import SITE_TOML, article, build, make_site, site_files
from ssg.config import load_config
from ssg.deploy import deploy
from ssg.problems import Problems
from ssg.publish import websub

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (tests/install-deps.sh)")
BASE = "https://example.org/news/"


class Hub:
    """A WebSub hub that records every request (path, form) and answers ``status``."""

    def __init__(self, status: int = 204):
        self.requests: list[tuple[str, dict[str, list[str]], str]] = []
        self.status = status
        hub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                form = urllib.parse.parse_qs(self.rfile.read(length).decode("ascii"), strict_parsing=True)
                hub.requests.append((self.path, form, self.headers.get("Content-Type")))
                self.send_response(hub.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hub"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def topics(self) -> list[str]:
        out = []
        for path, form, ctype in self.requests:
            assert path == "/hub" and ctype == "application/x-www-form-urlencoded"
            assert form["hub.mode"] == ["publish"] and len(form["hub.url"]) == 1, form
            out.append(form["hub.url"][0])
        self.requests.clear()
        return sorted(out)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub():
    h = Hub()
    yield h
    h.close()


def files() -> dict[str, str]:
    return {
        "content/world/a.md": article("A", "2024-05-02T08:00:00+00:00", "World", slug="a", extra="tags: [Storms]"),
        "content/world/b.md": article("B", "2024-04-02T08:00:00+00:00", "World", slug="b"),
        "content/business/c.md": article("C", "2024-04-01T08:00:00+00:00", "Business", slug="c"),
    }


def make(tmp_path: Path, hub_url: str) -> Path:
    dest = tmp_path / "www"
    toml = (SITE_TOML + f'[search]\nenabled = false\n[feeds]\nwebsub_hub = "{hub_url}"\n'
            f'[deploy.www]\ndestination = "{dest}"\n')
    site = make_site(tmp_path, files(), toml=toml)
    build(site)
    return site


def run_deploy(site: Path, **kwargs):
    problems, lines = Problems(), []
    plan = deploy(site, load_config(site), None, problems, say=lines.append, **kwargs)
    return plan, problems, lines


def feed_urls(public: Path, names=("feed.xml", "atom.xml", "feed.json")) -> list[str]:
    """The absolute URL of every subscription feed (not the archived feeds, which name no hub)."""
    out = []
    for p in public.rglob("*"):
        rel = p.relative_to(public).as_posix()
        if p.name in names and not (rel[:4].isdigit() and rel.count("/") == 2):
            out.append(BASE + rel)
    return sorted(out)


@needs_rsync
def test_a_deploy_pings_the_hub_for_each_changed_feed_only(tmp_path, hub):
    site = make(tmp_path, hub.url)
    public = site / "public"
    every = feed_urls(public)
    assert len(every) == 3 * 4  # the site, two sections, one tag: RSS, Atom, JSON each
    # A dry run tells nobody.
    plan, problems, _ = run_deploy(site, dry_run=True)
    assert plan is not None and not problems.items and hub.topics() == []
    # First deploy: every feed is new.
    plan, problems, lines = run_deploy(site)
    assert plan is not None and not problems.items, [str(p) for p in problems.items]
    assert hub.topics() == every
    assert f"WebSub: {hub.url} told of 12 changed feeds" in lines
    # Nothing changed: nothing uploaded, nobody told.
    plan, problems, _ = run_deploy(site)
    assert plan.empty and not problems.items and hub.topics() == []
    # One article of the Business section edited: its feeds and the site's change, not World's or the tag's.
    before = site_files(site)
    path = site / "content/business/c.md"
    path.write_text(path.read_text().replace("Body.", "Body, corrected."))
    build(site)
    changed = {rel for rel, data in site_files(site).items() if before.get(rel) != data}
    assert "2024/04/atom.xml" in changed  # an archived feed changed too: not announced
    plan, problems, _ = run_deploy(site)
    assert not problems.items
    assert hub.topics() == sorted(BASE + rel for rel in ("feed.xml", "atom.xml", "feed.json", "business/feed.xml",
                                                          "business/atom.xml", "business/feed.json"))
    assert {BASE + rel for rel in changed if rel.rsplit("/", 1)[-1] in websub.FEED_NAMES
            and not rel.startswith("2024/")} == set(BASE + rel for rel in (
                "feed.xml", "atom.xml", "feed.json", "business/feed.xml", "business/atom.xml", "business/feed.json"))


@needs_rsync
def test_a_failing_or_unreachable_hub_warns_per_feed_and_the_deploy_stands(tmp_path):
    failing = Hub(status=500)
    try:
        site = make(tmp_path, failing.url)
        plan, problems, lines = run_deploy(site)
        assert plan is not None and not problems.errors  # deployed: warnings only (exit status 0)
        warned = sorted(str(p) for p in problems.warnings)
        assert len(warned) == 12 == len(failing.requests)
        assert warned[0] == f"public/atom.xml: WebSub: the hub {failing.url} answered HTTP 500 Internal Server Error"
        assert (tmp_path / "www" / "feed.xml").read_bytes() == (site / "public/feed.xml").read_bytes()
    finally:
        failing.close()
    # A hub nobody listens on: one warning per feed, no traceback, the deploy stands.
    gone = Hub()
    url = gone.url
    gone.close()
    text = (site / "site.toml").read_text().replace(failing.url, url)
    (site / "site.toml").write_text(text)
    path = site / "content/world/a.md"
    path.write_text(path.read_text().replace("Body.", "Body, again."))
    build(site)
    plan, problems, lines = run_deploy(site)
    assert plan is not None and not problems.errors and plan.uploads
    warned = [str(p) for p in problems.warnings]
    assert len(warned) == len([u for u in plan.uploads if u.rsplit("/", 1)[-1] in websub.FEED_NAMES
                               and not u.startswith("2024/")]) > 0
    assert all(f"cannot reach the hub {url}" in w for w in warned), warned


def test_which_files_are_announced(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/atom.xml").write_bytes(b'<feed><link href="h" rel="hub"/></feed>')
    (tmp_path / "a/feed.xml").write_bytes(b'<rss><channel><atom:link href="h" rel="hub"/></channel></rss>')
    (tmp_path / "a/feed.json").write_bytes(b'{"hubs": [{"type": "WebSub", "url": "h"}], "items": []}')
    (tmp_path / "2024/05").mkdir(parents=True)
    (tmp_path / "2024/05/atom.xml").write_bytes(b'<feed><link href="x" rel="current"/></feed>')  # an archive
    (tmp_path / "b.json").write_bytes(b'{"hubs": [1]}')  # not a feed's name
    (tmp_path / "feed.json").write_bytes(b'{"items": []}')  # names no hub
    uploaded = ["a/atom.xml", "a/feed.xml", "a/feed.json", "2024/05/atom.xml", "b.json", "feed.json", "gone/feed.xml"]
    assert websub.feeds_to_announce(tmp_path, uploaded) == ["a/atom.xml", "a/feed.xml", "a/feed.json"]

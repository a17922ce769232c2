"""`ssg serve` under stress: files edited, created and deleted while it rebuilds, and many
concurrent clients.

- Concurrent edits: a thread rewrites (in place, in two halves, or atomically), creates,
  deletes and briefly breaks about 100 content files for a few seconds while other threads
  fetch pages without pause. The server never dies, never answers 5xx, every HTML response is
  a whole page (one `</html>`, at the end, and it parses), and once the edits stop and the last
  rebuild is done the served folder equals a clean build of the final content byte for byte.
- Load: 50 clients for a few seconds (pages, feeds, static files and 404s): no error, and the
  server's memory (RSS) does not keep growing. `bench/serve_load.py` runs the full 10-second
  version and prints the figures given in docs/reliability.md.
"""

from __future__ import annotations

import http.client
import random
import shutil
import threading
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from sitekit import Server, tree

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


def article(i: int, version: int, *, broken: bool = False) -> str:
    title = f"Story {i} version {version} <b>&amp;</b>"
    front = f'title: "{title}"' if not broken else 'title: [unclosed'
    body = "\n\n".join(f"Paragraph {p} of story {i}, version {version}. " * 4 for p in range(3 + version % 3))
    return (f"---\n{front}\ndate: 2024-03-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00\nsection: {('World', 'Science')[i % 2]}\n"
            f"slug: story-{i}\ntags: [Tag {i % 7}]\n---\n\n{body}\n")


def write_site(root: Path, n: int = 100) -> Path:
    root.mkdir(parents=True)
    (root / "site.toml").write_text('title = "Stress"\nbase_url = "https://example.org/"\npage_size = 10\n'
                                    "[search]\nenabled = false\n", encoding="utf-8")
    for i in range(n):
        path = root / "content" / ("world" if i % 2 == 0 else "science") / f"story-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article(i, 0), encoding="utf-8")
    (root / "seeds").mkdir()
    return root


class Quiet(Server):
    """The test server, with its stderr drained too (a failed rebuild prints its errors there,
    and a full pipe would block the server)."""

    def __init__(self, site: Path, *extra: str):
        super().__init__(site, *extra)
        self.errors: list[str] = []

        def pump():
            for line in self.proc.stderr:
                self.errors.append(line)

        self._err = threading.Thread(target=pump, daemon=True)
        self._err.start()

    def stop(self) -> str:
        if self.proc.poll() is None:
            self.proc.send_signal(2)
            try:
                self.proc.wait(10)
            except Exception:
                self.proc.kill()
                self.proc.wait()
        self._err.join(5)
        return "".join(self.errors)

    def quiet(self, seconds: float = 2.5, timeout: float = 60) -> None:
        """Wait until no rebuild has finished for ``seconds`` (the last one is done)."""
        deadline = time.monotonic() + timeout
        count, since = self.builds(), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self.builds() != count:
                count, since = self.builds(), time.monotonic()
            elif time.monotonic() - since >= seconds:
                return
        raise AssertionError("the server kept rebuilding: " + "".join(self.lines[-20:]))


class Checker(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.h1 = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        self._in_h1 = tag == "h1"

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)


def whole_page(body: bytes) -> bool:
    text = body.decode("utf-8")
    if not text.lstrip().lower().startswith("<!doctype html>") or text.count("</html>") != 1 or not text.rstrip().endswith("</html>"):
        return False
    parser = Checker()
    parser.feed(text)
    parser.close()
    return True


class Fetcher(threading.Thread):
    """Fetches ``paths`` in a loop until stopped; records every status and anything wrong."""

    def __init__(self, port: int, paths: list[str], seed: int, keep_alive: bool = True):
        super().__init__(daemon=True)
        self.port, self.paths, self.rng, self.keep_alive = port, paths, random.Random(seed), keep_alive
        self.stop = threading.Event()
        self.statuses: dict[int, int] = {}
        self.problems: list[str] = []
        self.latencies: list[float] = []

    def run(self):
        conn = None
        while not self.stop.is_set():
            path = self.rng.choice(self.paths)
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", path)
                resp = conn.getresponse()
                body = resp.read()
                if not self.keep_alive or resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException) as exc:
                self.problems.append(f"{path}: {type(exc).__name__}: {exc}")
                if conn is not None:
                    conn.close()
                conn = None
                time.sleep(0.01)
                continue
            self.latencies.append(time.perf_counter() - started)
            self.statuses[resp.status] = self.statuses.get(resp.status, 0) + 1
            if resp.status >= 500:
                self.problems.append(f"{path}: {resp.status}")
            elif int(resp.getheader("Content-Length", "-1")) != len(body):
                self.problems.append(f"{path}: {len(body)} bytes, Content-Length {resp.getheader('Content-Length')}")
            elif (resp.getheader("Content-Type") or "").startswith("text/html") and not whole_page(body):
                self.problems.append(f"{path}: {resp.status} not a whole page: {body[-80:]!r}")
        if conn is not None:
            conn.close()


def clean_build(site: Path, tmp: Path) -> dict[str, bytes]:
    """A clean build of the site's current input, as `ssg serve` builds it (the clock's date)."""
    from ssg.build import BuildOptions, build_site
    from ssg.config import load_config
    from ssg.problems import Problems

    copy = tmp / "clean"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".ssg", "public", ".public*"))
    problems = Problems()
    report = build_site(copy, load_config(copy), problems, BuildOptions(jobs=1))
    assert report.published and not problems.errors, [str(p) for p in problems.items]
    return tree(copy / "public")


def test_edits_during_serve_never_break_a_response_and_end_as_a_clean_build(tmp_path):
    site = write_site(tmp_path / "site")
    server = Quiet(site)
    try:
        server.wait_builds(1)
        paths = ["/", "/world/", "/science/", "/world/page/2/", "/tags/", "/tags/tag-3/", "/archive/",
                 "/feed.xml", "/style.css", "/missing/", "/world/story-999/"]
        paths += [f"/{('world', 'science')[i % 2]}/story-{i}/" for i in range(0, 100, 3)]
        fetchers = [Fetcher(server.port, paths, seed, keep_alive=seed % 2 == 0) for seed in range(4)]
        for f in fetchers:
            f.start()

        rng = random.Random(7)
        version = {i: 0 for i in range(100)}
        alive = set(range(100))
        ops = {"in place": 0, "halves": 0, "atomic": 0, "delete": 0, "create": 0, "broken": 0}

        def path_of(i):
            return site / "content" / ("world" if i % 2 == 0 else "science") / f"story-{i}.md"

        deadline = time.monotonic() + 4.0
        while time.monotonic() < deadline:
            i = rng.randrange(100)
            path = path_of(i)
            op = rng.choice(["in place", "in place", "halves", "atomic", "atomic", "delete", "broken"])
            if i not in alive:
                op = "create"
            version[i] += 1
            text = article(i, version[i], broken=op == "broken")
            if op == "delete":
                path.unlink()
                alive.discard(i)
            elif op in ("in place", "create", "broken"):
                path.write_text(text, encoding="utf-8")
                alive.add(i)
            elif op == "halves":  # an editor that writes in two goes: a half-written file for a moment
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text[: len(text) // 2])
                    fh.flush()
                    time.sleep(0.005)
                    fh.write(text[len(text) // 2:])
            else:  # write a temporary file, rename it over the old one
                tmp = path.with_name(f".{path.name}.swp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)
            ops[op] += 1
            time.sleep(rng.uniform(0.002, 0.02))
        # The broken files are fixed at the end (the last word on each file is a good version).
        for i in sorted(alive):
            if "title: [unclosed" in path_of(i).read_text(encoding="utf-8"):
                version[i] += 1
                path_of(i).write_text(article(i, version[i]), encoding="utf-8")
        server.quiet()
        for f in fetchers:
            f.stop.set()
        for f in fetchers:
            f.join(15)
        assert server.proc.poll() is None, "the server died: " + "".join(server.errors[-20:])
        problems = [p for f in fetchers for p in f.problems]
        statuses: dict[int, int] = {}
        for f in fetchers:
            for status, count in f.statuses.items():
                statuses[status] = statuses.get(status, 0) + count
        print(f"\nedits {ops}, rebuilds {server.builds()}, responses {statuses}")
        assert not problems, problems[:10]
        assert statuses.get(200, 0) > 100 and not any(s >= 500 for s in statuses)
        served = tree(site / ".ssg" / "serve")
        expected = clean_build(site, tmp_path)
        assert served.keys() == expected.keys()
        assert [k for k in served if served[k] != expected[k]] == []
        # The served pages show the final versions.
        status, _, body = server.get("/world/story-0/" if 0 in alive else "/science/story-1/")
        assert status == 200 and b"ssg-error-overlay" not in body
    finally:
        err = server.stop()
    err = "".join(line for line in err.splitlines(True) if not line.startswith("404 GET"))
    assert "Traceback" not in err and "internal error" not in err, err[-3000:]


def test_fifty_clients_get_answers_without_errors_and_memory_stays_flat(tmp_path):
    """A shorter run of bench/serve_load.py (whose 10-second figures are in docs/reliability.md)."""
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import serve_load
    finally:
        sys.path.remove(str(ROOT / "bench"))
    site = write_site(tmp_path / "site", n=200)
    server = Quiet(site)
    try:
        server.wait_builds(1)
        paths = serve_load.served_paths(site / ".ssg" / "serve", server.base)
        serve_load.load(server.port, paths, clients=50, seconds=0.5)  # warm up: first pages read, buffers made
        fig = serve_load.load(server.port, paths, clients=50, seconds=3.0, pid=server.proc.pid)
        print("\n" + serve_load.report(fig))
        assert server.proc.poll() is None, "the server died"
        assert fig["errors"] == [], fig["errors"][:10]
        assert set(fig["statuses"]) == {200, 404} and fig["requests"] > 500
        start, middle, end, peak = serve_load.rss_points(fig["rss"])
        # Memory does not keep growing: the second half of the run adds (almost) nothing.
        assert end - middle < 8 * 1024 and peak - start < 40 * 1024, fig["rss"]
        status, _, body = server.get("/")  # still answering, whole pages
        assert status == 200 and whole_page(body)
    finally:
        server.stop()

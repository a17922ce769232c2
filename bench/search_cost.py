"""What full-text search (Pagefind) costs on the benchmark archive: the index's size and parts,
the time and memory of building it (clean, after editing one article, after adding one), and,
with --browser, what a first search downloads in Chromium.

    python bench/search_cost.py [--size 10000] [--runs 3] [--root /tmp/ssg-bench] [--browser]

Builds the same synthetic archive as bench/run.py (with search on, which run.py leaves off),
and prints medians of CPU time (user + system of the whole build, steadier than wall time on a
shared machine), wall time and the peak memory of the largest process (a Pagefind indexer, when
one runs), with the load average.
"""

from __future__ import annotations

import argparse
import collections
import functools
import http.server
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (bench/run.py: the benchmark archive)

SEARCH_ON = 'title = "Bench"\nbase_url = "https://example.org/"\npage_size = 20\n[archives]\nenabled = false\n'
SEARCH_OFF = SEARCH_ON + "[search]\nenabled = false\n"
TIME = "/usr/bin/time"


def timed(site: Path, *args: str) -> tuple[float, float, int]:
    """(wall s, CPU s, peak MB of the largest process) of `ssg build` on site."""
    cmd = [sys.executable, "-m", "ssg", "build", "-q", "--site", str(site), *args]
    report = site.parent / f".{site.name}.time"
    before = os.times()
    started = time.perf_counter()
    if os.path.exists(TIME):  # GNU time: the peak of this build's processes alone
        subprocess.run([TIME, "-o", str(report), "-f", "%M", *cmd], check=True)
    else:
        subprocess.run(cmd, check=True)
    wall = time.perf_counter() - started
    after = os.times()
    if report.exists():
        peak = int(report.read_text().split()[-1]) // 1024
        report.unlink()
    else:
        import resource

        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # the largest child so far
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system), peak


def index_summary(index: Path) -> str:
    files = [p for p in index.rglob("*") if p.is_file()]
    parts = [json.loads(p.read_text())["languages"] for p in sorted(index.rglob("pagefind-entry.json"))]
    pages = sorted((sum(lang["page_count"] for lang in langs.values()) for langs in parts), reverse=True)
    return (f"index: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {len(files):,} files, {len(parts)} part(s) "
            f"of {', '.join(f'{n:,}' for n in pages)} articles "
            f"({sum(1 for p in files if p.parent.name == 'fragment'):,} fragments, "
            f"{sum(1 for p in files if p.parent.name == 'index')} index chunks)")


def words_by_frequency(site: Path) -> list[tuple[str, int]]:
    """Body words with the number of articles holding them, rarest first."""
    df: collections.Counter = collections.Counter()
    for md in (site / "content").rglob("*.md"):
        body = md.read_text(encoding="utf-8").split("\n---\n", 1)[-1].lower()
        df.update(set(re.findall(r"[a-z]+", body)))
    return sorted(df.items(), key=lambda kv: (kv[1], kv[0]))


def browser_cost(site: Path, queries: list[str]) -> None:
    """A first search for each query in a new browser context (nothing cached), on the built
    site served by http.server: what it downloads from pagefind/, by kind."""
    from playwright.sync_api import sync_playwright

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site / "public")))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            for query in queries:
                context = browser.new_context()
                page = context.new_page()
                got: list[tuple[str, int]] = []
                page.on("requestfinished", lambda r: got.append((r.url, r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"])))
                started = time.perf_counter()
                page.goto(f"{base}/search/?q={query}")
                page.wait_for_function("() => document.querySelectorAll('.search-result').length > 0", timeout=120000)
                page.wait_for_load_state("networkidle")
                seconds = time.perf_counter() - started
                kinds: dict[str, list[int]] = {}
                for url, size in got:
                    if "/pagefind/" not in url:
                        continue
                    kind = ("fragments" if "/fragment/" in url else "index chunks" if "/index/" in url
                            else "page lists" if url.endswith(".pf_meta") else "entries" if "pagefind-entry" in url else "engine")
                    kinds.setdefault(kind, [0, 0])
                    kinds[kind][0] += 1
                    kinds[kind][1] += size
                total = sum(v[1] for v in kinds.values())
                print(f"  first search {query!r}: {page.text_content('#search-status')} {total / 1000:.0f} kB in "
                      f"{sum(v[0] for v in kinds.values())} requests, {seconds:.1f} s: "
                      + ", ".join(f"{k} {v[0]}× {v[1] / 1000:.1f} kB" for k, v in sorted(kinds.items())))
                context.close()
            browser.close()
    finally:
        httpd.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ssg-bench"))
    ap.add_argument("--browser", action="store_true", help="also measure first searches in Chromium (playwright)")
    ap.add_argument("--no-off", action="store_true", help="skip the clean builds with search off")
    args = ap.parse_args()
    site = run.ssg_build_site(args.root, args.size)
    toml = site / "site.toml"
    article = sorted((site / "content").rglob("*.md"))[args.size // 2]
    original = article.read_text(encoding="utf-8")
    added = article.with_name("zz-added.md")  # newer than every other article: the newest part
    old = time.time() - 3600  # out of the racy window, as the files of a real archive are
    results: dict[str, list[tuple[float, float, int]]] = {}
    try:
        for i in range(args.runs):
            if not args.no_off:
                toml.write_text(SEARCH_OFF)
                os.utime(toml, (old, old))
                results.setdefault("clean build, search off", []).append(timed(site, "--clean"))
            toml.write_text(SEARCH_ON)
            os.utime(toml, (old, old))
            results.setdefault("clean build, search on", []).append(timed(site, "--clean"))
            article.write_text(original.replace("title: ", f"title: Edited {i} ", 1), encoding="utf-8")
            os.utime(article, (old + i + 1, old + i + 1))
            results.setdefault("one article edited (its part indexed again)", []).append(timed(site))
            added.write_text(re.sub(r"(?m)^date: .*$", "date: 2025-06-01T00:00:00+00:00",
                                    re.sub(r"(?m)^slug: .*$", f"slug: added-{i}", original, count=1), count=1), encoding="utf-8")
            os.utime(added, (old + i + 1, old + i + 1))
            results.setdefault("one article added (the newest part indexed again)", []).append(timed(site))
            added.unlink()
            if i < args.runs - 1:
                timed(site)  # back to the archive as generated
    finally:
        added.unlink(missing_ok=True)
        article.write_text(original, encoding="utf-8")
        toml.write_text(SEARCH_ON)
        os.utime(article, (old, old))
        os.utime(toml, (old, old))
    timed(site)  # the index of the archive as generated, to measure and search
    print(f"{args.size:,} articles, load average {os.getloadavg()[0]:.1f}, medians of {args.runs}:")
    for name, rows in results.items():
        print(f"  {name}: CPU {statistics.median(r[1] for r in rows):.1f} s, wall {statistics.median(r[0] for r in rows):.1f} s, "
              f"peak memory {statistics.median(r[2] for r in rows):.0f} MB (largest process)")
    print("  " + index_summary(site / "public" / "pagefind"))
    if args.browser:
        words = words_by_frequency(site)
        rare = next(w for w, n in words if n >= 50)
        middle = next(w for w, n in words if n >= args.size // 15)
        common = words[-1][0]
        browser_cost(site, [rare, middle, common, f"{rare}&sort=newest"])
    toml.write_text(run.SITE_TOML)


if __name__ == "__main__":
    main()

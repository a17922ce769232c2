"""Resource limits: a huge seed or content file is refused (unread) or handled, never a traceback
or a blow-up of memory. Peak memory is measured in the `ssg build` process itself, one process
(`-j 1`): its VmHWM, the high-water mark of its memory since it started. (``getrusage``'s
``ru_maxrss`` would include the RSS of the pytest process it was forked from: Linux keeps the
maximum across ``exec``.)

`[limits] max_article_mb` (default 10) refuses a seed or content file larger than that, with a
`path: message` naming the limit, while the rest of the site is built (exit status 1). Within
the limit a file is handled: memory grows with the largest article (about 17 times its size).
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
MB = 1_048_576

# Runs the CLI and writes the process's peak RSS (kB) to the file named by PEAK_FILE.
WRAPPER = r"""
import os, sys
from ssg.cli import main
try:
    code = main(sys.argv[1:])
finally:
    with open("/proc/self/status") as fh:
        peak = next(line.split()[1] for line in fh if line.startswith("VmHWM:"))
    with open(os.environ["PEAK_FILE"], "w") as fh:
        fh.write(peak)
sys.exit(code)
"""


def ssg_build(site: Path, tmp_path: Path) -> tuple[int, str, float]:
    """(exit status, stderr, peak RSS in MB) of `ssg build -j 1 --keep-going` on ``site``."""
    peak = tmp_path / "peak"
    proc = subprocess.run([sys.executable, "-c", WRAPPER, "build", "--site", str(site), "-j", "1", "--date", "2024-03-10",
                           "--keep-going"],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(ROOT), PEAK_FILE=str(peak)),
                          timeout=300)
    return proc.returncode, proc.stderr, int(peak.read_text()) / 1024


def words(rng: random.Random, n: int) -> str:
    vocabulary = "market vote storm river court bank police school minister talks strike border".split()
    return " ".join(rng.choice(vocabulary) for _ in range(n))


def make(tmp_path: Path, limits: str = "") -> Path:
    site = tmp_path / "site"
    (site / "seeds").mkdir(parents=True)
    (site / "content").mkdir()
    (site / "site.toml").write_text('title = "Limits"\nbase_url = "https://example.org/"\n[search]\nenabled = false\n'
                                    + limits, encoding="utf-8")
    (site / "seeds" / "small.txt").write_text("World\n\nA small story\n\nJust one line.\n", encoding="utf-8")
    return site


def big_seed(path: Path, size: int, rng: random.Random) -> None:
    """A seed of ``size`` bytes: a headline and paragraphs of about 500 bytes."""
    para = words(rng, 80) + "."
    count = size // (len(para) + 2)
    path.write_text("World\n\nA very long story\n\n" + "\n\n".join([para] * count) + "\n", encoding="utf-8")


def test_a_20_mb_seed_and_content_file_are_refused_unread(tmp_path):
    rng = random.Random(1)
    site = make(tmp_path)
    big_seed(site / "seeds" / "big.txt", 20 * MB, rng)
    body = (words(rng, 80) + ".\n\n") * (20 * MB // 500)
    huge = site / "content" / "x" / "huge.md"
    huge.parent.mkdir()
    huge.write_text(f'---\ntitle: "Huge"\ndate: 2024-01-01T00:00:00+00:00\nsection: X\n---\n\n{body}', encoding="utf-8")
    code, err, peak = ssg_build(site, tmp_path)
    assert code == 1 and "Traceback" not in err, err
    limit = "larger than the limit of 10 MB for one article ([limits] max_article_mb in site.toml)"
    lines = err.splitlines()
    assert f"seeds/big.txt: {(site / 'seeds/big.txt').stat().st_size / MB:.1f} MB, {limit}: not imported" in lines, err
    assert f"content/x/huge.md: {huge.stat().st_size / MB:.1f} MB, {limit}: left out" in lines, err
    assert len(lines) == 2, err
    assert (site / "public" / "world" / "a-small-story" / "index.html").is_file()  # the rest is built
    assert not (site / "public" / "x").exists()
    print(f"\n20 MB seed and content file refused: peak RSS {peak:.0f} MB")
    assert peak < 80, f"peak RSS {peak:.0f} MB: the refused files were read"


def test_a_10_mb_one_line_seed_is_handled_in_bounded_memory(tmp_path):
    rng = random.Random(2)
    site = make(tmp_path)
    line = words(rng, 2_000_000)[: 10_000_000].rstrip()
    (site / "seeds" / "oneline.txt").write_text(f"World\n\nOne enormous line\n\n{line}\n", encoding="utf-8")
    code, err, peak = ssg_build(site, tmp_path)
    assert code == 0 and err == "", err
    page = (site / "public" / "world" / "one-enormous-line" / "index.html").read_text(encoding="utf-8")
    assert line.isascii() and "&" not in line and "<" not in line and line in page  # the whole line, as typed
    print(f"\n10 MB one-line seed: peak RSS {peak:.0f} MB")
    assert peak < 300, f"peak RSS {peak:.0f} MB for a 10 MB seed"


def test_with_the_limit_off_a_20_mb_seed_is_handled(tmp_path):
    rng = random.Random(3)
    site = make(tmp_path, "[limits]\nmax_article_mb = 0\n")
    big_seed(site / "seeds" / "big.txt", 20 * MB, rng)
    code, err, peak = ssg_build(site, tmp_path)
    assert code == 0 and err == "", err
    page = site / "public" / "world" / "a-very-long-story" / "index.html"
    assert page.stat().st_size > 20 * MB
    print(f"\n20 MB seed, no limit: peak RSS {peak:.0f} MB")
    assert peak < 600, f"peak RSS {peak:.0f} MB for a 20 MB seed"


def test_the_limit_is_a_checked_setting(tmp_path):
    site = make(tmp_path, "[limits]\nmax_article_mb = -1\n")
    proc = subprocess.run([sys.executable, "-m", "ssg", "build", "--site", str(site)], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 1 and "limits.max_article_mb: must be 0 (no limit) or more" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr

"""A non-editable install works: wheel built from a copy of the source, installed into a plain
folder, then `ssg init` in an empty folder elsewhere and `ssg build` there use the default
theme shipped inside the package (not the repository's themes/)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_d2dcb3eeb09a57c7.txt"


def pip(*args: str, cwd: Path, offline: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    if offline:
        env["PIP_NO_INDEX"] = "1"
    return subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=env)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A folder holding the installed package (pip install --target), dependencies excluded."""
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip is not available")
    try:
        import setuptools  # noqa: F401  (the build backend, used without build isolation)
    except ImportError:
        pytest.skip("setuptools is not installed: cannot build a wheel offline")
    root = tmp_path_factory.mktemp("install")
    # Build from a copy, so that the repository gets no build/ or egg-info from this test.
    src = root / "src"
    anywhere = shutil.ignore_patterns(".git", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis")
    top = {"public", ".ssg", "tests", "bench", "build", "content", "seeds", "a11y-out", "artifacts"}  # (ssg/build/ stays)

    def ignore(folder, names):
        skipped = set(anywhere(folder, names))
        if Path(folder) == REPO:
            skipped |= {n for n in names if n in top or n.startswith(".public.")}
        return skipped

    shutil.copytree(REPO, src, ignore=ignore)
    wheels = root / "wheels"
    # Offline first, with the setuptools already installed. An older setuptools (< 70.1) needs
    # the `wheel` package for bdist_wheel: then let pip fetch the build backend from the
    # package index into an isolated build environment, as `pip install .` would.
    proc = pip("wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src), cwd=root)
    if proc.returncode != 0:
        offline_error = proc.stderr
        proc = pip("wheel", "--no-deps", "-w", str(wheels), str(src), cwd=root, offline=False)
        if proc.returncode != 0:
            pytest.skip("cannot build a wheel: offline (no build isolation) it failed with\n"
                        f"{offline_error[-1500:]}\nand with build isolation (needs the package index) with\n"
                        f"{proc.stderr[-1500:]}")
    (wheel,) = wheels.glob("ssg-*.whl")
    target = root / "target"
    proc = pip("install", "--no-deps", "--target", str(target), str(wheel), cwd=root)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return target


def ssg(*args: str, cwd: Path, target: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(target)}
    return subprocess.run([sys.executable, "-m", "ssg", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=120)


def test_wheel_ships_the_default_theme(installed):
    assert (installed / "ssg" / "themes" / "default" / "templates" / "base.html").is_file()
    assert (installed / "ssg" / "themes" / "default" / "static" / "style.css").is_file()
    assert (installed / "ssg" / "site.toml.example").is_file()
    assert (installed / "bin" / "ssg").is_file()  # the console script


def test_init_then_build_in_an_empty_folder_elsewhere(installed, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(installed)}
    where = subprocess.run([sys.executable, "-c", "import ssg; print(ssg.__file__)"], cwd=elsewhere, env=env,
                           capture_output=True, text=True)
    assert Path(where.stdout.strip()).is_relative_to(installed), where.stdout  # not the editable checkout

    proc = ssg("init", "news", cwd=elsewhere, target=installed)
    assert proc.returncode == 0, proc.stderr
    site = elsewhere / "news"
    assert (site / "site.toml").is_file() and (site / "seeds").is_dir()
    shutil.copy(SEED, site / "seeds" / SEED.name)

    proc = ssg("build", "--date", "2024-02-07", cwd=site, target=installed)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    public = site / "public"
    shipped = installed / "ssg" / "themes" / "default" / "static" / "style.css"
    assert (public / "style.css").read_bytes() == shipped.read_bytes()
    home = (public / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<link rel="stylesheet" href="/style\.[0-9a-f]{10}\.css">', home) and 'class="skip-link"' in home
    (page,) = public.glob("middle-east/*/index.html")
    text = page.read_text(encoding="utf-8")
    assert "\u2018avoid war\u2019" in text and "\u201c" in text  # curly quotes intact
    assert "Comment here" not in text
    for rel in ("404.html", "feed.xml", "atom.xml", "sitemap.xml", "robots.txt", "middle-east/index.html"):
        assert (public / rel).is_file(), rel

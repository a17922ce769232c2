"""Fixtures shared by every test module. Kept small and generic on purpose.

- ``make_site(tmp_path, files={...}, toml=...)`` writes a site inline and returns its folder;
- ``run_cli(cwd, *args)`` runs ``ssg ARGS`` in this process from folder ``cwd`` and returns
  ``(code, out, err)``; an uncaught exception fails the test (a user would see a traceback);
- ``snapshot(folder)`` is every file's bytes and mtime below a folder, to prove "nothing rewritten";
- ``age(folder)`` moves mtimes an hour back, out of the importer's racy-stat window, so that a
  re-import may take its stat-cache fast path.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

import pytest

DEFAULT_TOML = 'base_url = "https://example.org/"\ntimezone = "UTC"\n'


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    """Write ``files`` (paths relative to ``root``); text is UTF-8 with no newline translation."""
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))


def _make_site(tmp_path: Path, files: dict[str, str | bytes] | None = None, *, toml: str = DEFAULT_TOML,
               name: str = "site") -> Path:
    site = tmp_path / name
    site.mkdir(parents=True, exist_ok=True)
    (site / "site.toml").write_text(toml, encoding="utf-8")
    write_files(site, files or {})
    return site


@pytest.fixture
def make_site():
    """``make_site(tmp_path, files=None, *, toml=DEFAULT_TOML, name="site") -> Path``."""
    return _make_site


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


@pytest.fixture
def run_cli(capsys, monkeypatch):
    """``run_cli(cwd, *args) -> CliResult``: ``ssg ARGS`` run from ``cwd`` (so that the site is
    found upward from there unless ``--site`` is given); argparse exits become exit codes."""
    from ssg.cli import main

    def run(cwd: Path, *args: str) -> CliResult:
        capsys.readouterr()  # drop anything printed before
        monkeypatch.chdir(cwd)
        try:
            code = main([str(a) for a in args])
        except SystemExit as exc:  # --help, --version, usage errors
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        out, err = capsys.readouterr()
        return CliResult(code, out, err)

    return run


def _snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def snapshot():
    """``snapshot(folder) -> {relpath: (bytes, st_mtime_ns)}`` of every file below ``folder``."""
    return _snapshot


def _age(root: Path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    for p in root.rglob("*"):
        if p.is_file():
            os.utime(p, (old, old))


@pytest.fixture
def age():
    """``age(folder, seconds=3600)``: every file's mtime moved back by ``seconds``."""
    return _age


def pytest_collection_modifyitems(config, items):
    """The files that hold slow tests first, each file's tests in their own order: pytest-xdist
    (``--dist loadfile``) hands files to the workers in this order, so the long ones start at once
    and the short ones fill in around them, instead of one worker running the last long file
    while the other waits."""
    slow = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow)

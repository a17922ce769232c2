"""The one writer: every file ssg produces goes through here.

``write_atomic`` replaces one file so that a reader (or a crash) sees the old or the new bytes,
never half of them. ``Publisher`` (the build's writer) stages a whole site beside the output
folder and swaps it in only when everything succeeded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)
_MODE = 0o666 & ~_UMASK  # what open() would give; mkstemp alone gives 0600


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` via a temporary file and rename. Returns False (and leaves the
    file, including its modification time, alone) when it already holds exactly these bytes."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, _MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return True


# --- the build's writer -------------------------------------------------------------------

import ctypes
import ctypes.util
import shutil

from .problems import Problem, SsgError


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux renameat2 RENAME_EXCHANGE); False if unsupported."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    AT_FDCWD, RENAME_EXCHANGE = -100, 2
    rc = renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE)
    return rc == 0


class Publisher:
    """Stages a whole site beside the output folder, then swaps it in.

    - two outputs claiming one path are refused, naming both sources;
    - a file whose bytes equal the current output's is hard-linked, not rewritten, so its
      modification time (and a CDN's or rsync's view of it) stays;
    - nothing reaches ``output`` until ``commit``; ``abort`` (or a crash, or Ctrl-C) leaves
      the previous site exactly as it was. Files no longer produced are simply not staged.
    """

    def __init__(self, output: Path):
        self.output = output
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self._recover()
        self.staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-", dir=output.parent))
        self.claims: dict[str, str] = {}
        self.problems: list[Problem] = []
        self.written = 0
        self.reused = 0

    def _recover(self) -> None:
        """Undo what an interrupted earlier commit or build left behind."""
        parent, name = self.output.parent, self.output.name
        olds = sorted(parent.glob(f".{name}.old-*"))
        if not self.output.exists() and olds:
            os.replace(olds[-1], self.output)  # crashed between the two renames: roll back
            olds = olds[:-1]
        for leftover in [*olds, *parent.glob(f".{name}.staging-*")]:
            shutil.rmtree(leftover, ignore_errors=True)

    def add(self, rel: str, data: bytes, source: str) -> None:
        key = rel.casefold()  # case-insensitive hosts (S3 is not, macOS is) would collide too
        if key in self.claims:
            self.problems.append(Problem(source, None, f"output {rel} is also produced by {self.claims[key]}"))
            return
        self.claims[key] = source
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        current = self.output / rel
        try:
            if current.is_file() and not current.is_symlink() and current.stat().st_size == len(data) and current.read_bytes() == data:
                os.link(current, target)
                self.reused += 1
                return
        except OSError:
            pass
        with open(target, "wb") as fh:
            fh.write(data)
        os.chmod(target, _MODE)
        self.written += 1

    def add_file(self, rel: str, source_path: Path, source: str) -> None:
        self.add(rel, source_path.read_bytes(), source)

    def commit(self) -> None:
        if self.problems:
            self.abort()
            raise SsgError(self.problems)
        os.chmod(self.staging, 0o777 & ~_UMASK)
        if self.output.exists():
            if _exchange(self.staging, self.output):
                shutil.rmtree(self.staging, ignore_errors=True)
                return
            old = self.output.parent / f".{self.output.name}.old-{os.getpid()}"
            os.replace(self.output, old)
            os.replace(self.staging, self.output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(self.staging, self.output)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)

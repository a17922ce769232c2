"""The one writer: every file ssg produces goes through here.

``write_atomic`` replaces one file so that a reader (or a crash) sees the old or the new bytes,
never half of them. A first build publishes through ``FullPublisher`` (stage a whole site
beside the output folder, move it into place; over an existing folder it would swap the two);
every later one, ``--clean`` included, through ``IncrementalPublisher`` (stage the files whose
bytes changed, then commit them under a journal). ``Claims`` refuses two outputs on one path.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

from ssg.keys import RACY_NS
from ssg.problems import Problem

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


_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp")  # what write_atomic's mkstemp names look like
STALE_TEMPORARY = 600  # seconds: no write_atomic takes this long, so its writer was killed


def remove_stale_temporary(path: Path) -> bool:
    """Delete ``path`` if it is a temporary file of ``write_atomic`` whose writer died (kill -9
    between writing it and renaming it); True if it was. A fresh one may be another process's
    write in progress, and is left alone."""
    if not _TEMPORARY.fullmatch(path.name):
        return False
    try:
        if path.lstat().st_mtime > time.time() - STALE_TEMPORARY:
            return False
        path.unlink()
    except OSError:
        return False
    return True


# --- whose folder it is -------------------------------------------------------------------

# Written into every output folder: it says ssg made the folder, and lists the files ssg wrote
# there, so that a build whose state is gone (a fresh clone, .ssg/ deleted) still knows which
# files are its own to remove. Never deployed.
MARKER = ".ssg-output.json"


def marker_bytes(outputs) -> bytes:
    """The marker's bytes for a site of ``outputs`` (relative paths): the same set, the same bytes."""
    listed = sorted(rel for rel in outputs if rel != MARKER)
    return json.dumps({"made_by": "ssg", "outputs": listed}, ensure_ascii=False, indent=0).encode("utf-8") + b"\n"


def read_marker(output: Path) -> list[str] | None:
    """The outputs ``output``'s marker lists; None when there is no marker (or it is not a file
    ssg wrote); an empty list when it is unreadable (the folder is still ssg's)."""
    path = output / MARKER
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return None
        data = json.loads(path.read_bytes())
        listed = data["outputs"]
        if data.get("made_by") != "ssg" or not all(isinstance(rel, str) for rel in listed):
            raise ValueError
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
    # Only plain relative paths below the folder: the file may have been edited by hand.
    return [rel for rel in listed if rel and not rel.startswith("/") and ".." not in rel.split("/")]


def folder_entries(output: Path, limit: int) -> tuple[list[str], int]:
    """Up to ``limit`` of what ``output`` holds (relative paths, files and folders, sorted), and
    how many entries it holds in all."""
    names, count = [], 0
    for here, dirs, files in os.walk(output):
        dirs.sort()
        rel = os.path.relpath(here, output).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        for name in sorted(files + [d for d in dirs if os.path.islink(os.path.join(here, d))]):
            count += 1
            if len(names) < limit:
                names.append(prefix + name)
        if not files and not dirs and prefix:
            count += 1
            if len(names) < limit:
                names.append(prefix)
    return sorted(names), count


# --- the build's writer -------------------------------------------------------------------


class BuildLock:
    """One build of an output folder at a time: an exclusive ``flock`` on ``path``, waited for.

    Without it a second build's ``recover`` would delete the first one's staging folder while
    it is being filled, and the first would then publish a partial site. The kernel releases
    the lock when its holder dies (kill -9 included); forked workers share it."""

    def __init__(self, path: Path, waiter: str = "another build"):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, _MODE)
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"{path}: {waiter} of this output folder is running: waiting for it to finish",
                  file=sys.stderr, flush=True)
            fcntl.flock(self.fd, fcntl.LOCK_EX)

    def share(self) -> None:
        """From now on, other readers may hold the lock too; a build still waits for all of them."""
        try:
            import fcntl
        except ImportError:
            return
        fcntl.flock(self.fd, fcntl.LOCK_SH)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor releases the lock
            self.fd = None


def read_published(output: Path, lock_path: Path) -> BuildLock:
    """For a reader of the published site (``ssg check``, ``ssg deploy``): wait for a build of
    ``output`` that is running, finish the commit of one that was killed (as the next build
    would), then hold the lock shared until ``release``, so that no build commits while the
    site is read: the reader sees one whole version of the site."""
    lock = BuildLock(lock_path, waiter="a build")
    try:
        recover(output)
        lock.share()
    except BaseException:
        lock.release()
        raise
    return lock


def recover(output: Path) -> None:
    """Finish or undo what an interrupted earlier build left beside ``output``.

    - ``.NAME.journal`` exists: an incremental commit was under way; it is rolled forward
      (every file it names was complete in ``.NAME.pending`` before the journal was written);
    - anything else is deleted: a first build's staging folder, pending files without a
      journal, and the ``.NAME.old-*`` copies of replaced sites that ssg versions which
      swapped whole sites in could leave.
    """
    parent, name = output.parent, output.name
    journal = parent / f".{name}.journal"
    pending = parent / f".{name}.pending"
    if journal.exists():
        try:
            plan = json.loads(journal.read_text(encoding="utf-8"))
            _apply(output, pending, plan["write"], plan["delete"])
        except (OSError, ValueError, KeyError):
            pass  # a journal that cannot be read was never completed: the commit had not begun
        journal.unlink(missing_ok=True)
    for leftover in [*parent.glob(f".{name}.staging-*"), *parent.glob(f".{name}.old-*"), pending]:
        shutil.rmtree(leftover, ignore_errors=True)


def _apply(output: Path, pending: Path, write: list[str], delete: list[str]) -> None:
    # Deletions first: a file no longer produced may stand where a new file needs a folder.
    for rel in delete:
        target = output / rel
        try:
            target.unlink()
        except (FileNotFoundError, IsADirectoryError):
            continue
        folder = target.parent
        while folder != output and folder.is_relative_to(output):
            try:
                folder.rmdir()  # only succeeds once the folder is empty
            except OSError:
                break
            folder = folder.parent
    for rel in write:
        src = pending / rel
        if src.exists():
            (output / rel).parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, output / rel)


def _same_bytes(path: Path, data: bytes) -> bool:
    """Whether ``path`` is a regular file (not a link) holding exactly ``data``: one open, one
    fstat and, only when the sizes agree, one read (a clean build asks this of every output)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != len(data):
            return False
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read(len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(fd)


def remove_empty_folders(output: Path, folders: list[str], files) -> None:
    """Remove those of ``folders`` (below ``output``) that are empty, deepest first; the folders
    holding any of ``files`` (relative paths) are not even tried."""
    holding = set()
    for rel in files:
        folder = rel.rpartition("/")[0]
        while folder and folder not in holding:
            holding.add(folder)
            folder = folder.rpartition("/")[0]
    for rel in sorted((f for f in folders if f not in holding), key=lambda r: r.count("/"), reverse=True):
        try:
            os.rmdir(output / rel)
        except OSError:
            pass


def missing_files(root: str, rels, stamps: dict[str, int] | None = None) -> tuple[list[str], dict[str, int]]:
    """Those of ``rels`` (relative, POSIX) that are not regular files below ``root``, and the
    folder stamps for the next look.

    A folder expected to hold several files (a processed picture's 19 variants share one) is
    read once (``listdir``: names only); a lone file is looked at by itself. ``stamps`` (folder
    -> modification time in ns) are folders seen holding every file expected of them: one whose
    time is still that has had no entry added, removed or renamed since, so its stat stands for
    its listing (1,000 pictures' folders: 3 ms instead of 16). A folder is stamped only when its
    listing had every name, its time taken before that listing (a later change shows as a later
    time), and never within ``RACY_NS`` of now (a change within the same timestamp tick could
    leave its time unchanged)."""
    sep = os.sep

    def base_of(folder: str) -> str:
        return f"{root}{sep}{folder.replace('/', sep)}{sep}" if folder else f"{root}{sep}"

    kept: dict[str, int] = {}
    for folder, ns in (stamps or {}).items():
        try:
            st = os.stat(base_of(folder))
        except OSError:
            continue
        if st.st_mtime_ns == ns and stat.S_ISDIR(st.st_mode):
            kept[folder] = ns
    by_folder: dict[str, list[str]] = {}
    for rel in rels:
        folder, _, name = rel.rpartition("/")
        if folder not in kept:
            by_folder.setdefault(folder, []).append(name)
    isfile, out, racy = os.path.isfile, [], time.time_ns() - RACY_NS
    for folder, names in by_folder.items():
        base = base_of(folder)
        prefix = f"{folder}/" if folder else ""
        if len(names) < 4:
            out += [prefix + name for name in names if not isfile(base + name)]
            continue
        try:
            ns = os.stat(base).st_mtime_ns  # (before the listing)
            present = set(os.listdir(base))  # (names only: one call, no object per entry)
        except OSError:
            ns, present = None, set()
        lost = [prefix + name for name in names if name not in present]
        out += lost
        if not lost and ns is not None and ns < racy:
            kept[folder] = ns
    return out, kept


class OutputCheck:
    """What the output folder holds, looked at once while the build goes on: in a forked child,
    on another core (``parallel``), else (or should the child fail) in process when asked.

    With ``rels``, the last build's outputs: which of them are missing (deleted by hand since),
    ~12 ms for 22,000 outputs (1,000 articles with pictures) once their folders are stamped
    (``missing_files``). Without (a ``--clean`` build, a lost state): every file and folder
    below ``folder`` (~0.2 s at 10,000 articles)."""

    def __init__(self, folder: Path, rels, parallel: bool = True):
        """``rels``: a list, or a function that gives it (called where the look happens: in the
        child, the parent never reads them), or (outputs, folder stamps) from such a function."""
        from ssg.parallel import Background

        self.folder, self.rels = folder, rels
        self._missing: set[str] | None = None
        self._look_up = Background(self._look, enabled=parallel and rels != [])

    def _look(self) -> tuple[list[str], dict[str, int] | None]:
        """("f" + path of each file (missing ones with ``rels``), "d" + path of each folder;
        the new folder stamps, None when they are the old ones)."""
        if self.rels is not None:
            rels = self.rels() if callable(self.rels) else self.rels
            rels, stamps = rels if isinstance(rels, tuple) else (rels, {})
            missing, now = missing_files(str(self.folder), rels, stamps)
            return ["f" + rel for rel in missing], (now if now != stamps else None)
        out = []
        root = str(self.folder)
        for here, dirs, files in os.walk(root):
            rel = os.path.relpath(here, root).replace(os.sep, "/")
            prefix = "" if rel == "." else rel + "/"
            if prefix:
                out.append("d" + rel)
            out += ["f" + prefix + name for name in files]
            # A link to a folder is not walked into: it is an output of no build, and goes.
            out += ["f" + prefix + name for name in dirs if os.path.islink(os.path.join(here, name))]
        return out, None

    def _answer(self) -> list[str]:
        return self._look_up.result()[0]

    def stamps(self) -> dict[str, int] | None:
        """The folder stamps to remember (``missing_files``); None when nothing changed."""
        return self._look_up.result()[1]

    def missing(self) -> set[str]:
        """Those of ``rels`` that are not files."""
        assert self.rels is not None
        if self._missing is None:
            self._missing = {entry[1:] for entry in self._answer()}
        return self._missing

    def contents(self) -> tuple[list[str], list[str]]:
        """(files, folders) below ``folder``, relative, with POSIX separators; links count as files."""
        assert self.rels is None
        entries = self._answer()
        return [e[1:] for e in entries if e[0] == "f"], [e[1:] for e in entries if e[0] == "d"]

    def close(self) -> None:
        self._look_up.close()


class Claims:
    """Two outputs may never claim one path (case-insensitively: macOS and some hosts fold case)."""

    def __init__(self):
        self.by_path: dict[str, tuple[str, str]] = {}
        self.problems: list[Problem] = []

    def claim(self, rel: str, source: str) -> bool:
        key = rel.casefold()
        if key in self.by_path:
            self.problems.append(Problem(source, None, f"output {rel} is also produced by {self.by_path[key][1]}"))
            return False
        self.by_path[key] = (rel, source)
        return True


class FullPublisher:
    """A first build: stages the whole site beside the output folder, which does not exist
    yet, then renames it into place.

    Nothing reaches ``output`` until ``commit``; an error, Ctrl-C or kill -9 before that leaves
    no output folder, and the next build deletes the staging folder. (A build of an existing
    site goes through ``IncrementalPublisher``; should an output folder with files have
    appeared meanwhile, the rename fails and that folder is left as it is.)
    """

    def __init__(self, output: Path):
        self.output = output
        output.parent.mkdir(parents=True, exist_ok=True)
        recover(output)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-", dir=output.parent))
        self.written = 0
        self.reused = 0

    def add(self, rel: str, data: bytes) -> None:
        target = self.staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:  # a new file: open() gives it the umask's mode already
            fh.write(data)
        self.written += 1

    def path(self, rel: str) -> Path:
        """Where the bytes this build publishes at ``rel`` are now."""
        return self.staging / rel

    def commit(self) -> None:
        os.chmod(self.staging, 0o777 & ~_UMASK)
        os.replace(self.staging, self.output)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


class IncrementalPublisher:
    """Updates an existing site in place, for small changes.

    New bytes are written to ``.NAME.pending`` first; only when all of them are complete is a
    journal written, and then each file is renamed into place (every file is always whole) and
    removed outputs deleted. Before the journal exists, an interruption leaves the site exactly
    as it was; after, the next build rolls the commit forward (``recover``).
    """

    def __init__(self, output: Path):
        self.output = output
        recover(output)
        self.pending = output.parent / f".{output.name}.pending"
        self.pending.mkdir()
        self.write: list[str] = []
        self.delete: list[str] = []
        self.written = 0
        self.reused = 0

    def add(self, rel: str, data: bytes) -> None:
        if _same_bytes(self.output / rel, data):
            self.reused += 1
            return
        target = self.pending / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "wb") as fh:  # a new file: open() gives it the umask's mode already
            fh.write(data)
        self.write.append(rel)
        self.written += 1

    def keep(self, rel: str) -> None:
        self.reused += 1

    def path(self, rel: str) -> Path:
        """Where the bytes this build publishes at ``rel`` (added or kept) are now: pending
        when this build wrote them (in this process or a worker), else still in place."""
        pending = self.pending / rel
        return pending if pending.is_file() else self.output / rel

    def remove(self, rel: str) -> None:
        self.delete.append(rel)

    def commit(self) -> None:
        journal = self.output.parent / f".{self.output.name}.journal"
        if self.write or self.delete:
            write_atomic(journal, json.dumps({"write": self.write, "delete": self.delete}).encode("utf-8"))
            _apply(self.output, self.pending, self.write, self.delete)
            journal.unlink()
        shutil.rmtree(self.pending, ignore_errors=True)

    def abort(self) -> None:
        shutil.rmtree(self.pending, ignore_errors=True)

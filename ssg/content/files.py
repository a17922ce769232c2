"""Walking the site's source folders (content/, seeds/, static/, a theme's static/).

A symbolic link is followed only when what it points at lies inside the site (or, for a
theme's files, inside that theme's folder): a link to ``/etc/hostname`` or to a folder outside
the site is left out with a warning, never published. Folders are walked in name order, so
every run sees the same files in the same order; hidden names (``.git``, editor files) are
skipped, and a folder reached twice through links is walked once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

from ssg.problems import Problems


def real(path: Path | str) -> str:
    return os.path.realpath(path)


def inside(target: str, roots: tuple[str, ...]) -> bool:
    """Whether the resolved path ``target`` is one of ``roots`` or lies below one."""
    return any(target == root or target.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _outside(path: str, roots: tuple[str, ...], shown: str, kind: str, problems: Problems | None) -> bool:
    if inside(real(path), roots):
        return False
    if problems is not None:
        problems.warning(shown, f"symbolic link to a {kind} outside the site; left out")
    return True


def walk_files(root: Path, roots: tuple[str, ...], problems: Problems | None = None, shown: str = "",
               suffix: str | None = None) -> Iterator[tuple[str, os.DirEntry]]:
    """(path relative to ``root`` with ``/``, entry) of every file below ``root`` whose name ends
    in ``suffix`` (any when None), links followed only into ``roots`` (resolved paths).
    ``shown``: how ``root`` is named in warnings (``content``, ``static``...). A ``root`` that is
    itself a link out of ``roots`` gives nothing."""
    if not root.is_dir():
        return
    if root.is_symlink() and _outside(str(root), roots, shown or str(root), "folder", problems):
        return
    seen: set[tuple[int, int]] = set()
    yield from _walk(str(root), "", roots, problems, shown, suffix, seen)


def _walk(folder: str, prefix: str, roots, problems, shown: str, suffix, seen) -> Iterator[tuple[str, os.DirEntry]]:
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen:
            return  # a link back to a folder walked already
        seen.add((st.st_dev, st.st_ino))
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        rel = f"{prefix}{entry.name}"
        link = entry.is_symlink()
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            continue
        if is_dir:
            if link and _outside(entry.path, roots, f"{shown}/{rel}" if shown else rel, "folder", problems):
                continue
            yield from _walk(entry.path, rel + "/", roots, problems, shown, suffix, seen)
        elif suffix is None or entry.name.endswith(suffix):
            if link and _outside(entry.path, roots, f"{shown}/{rel}" if shown else rel, "file", problems):
                continue
            yield rel, entry


def stat_files(root: Path, roots: tuple[str, ...], problems: Problems | None, shown: str,
               suffix: str) -> dict[str, tuple[int, int]]:
    """``walk_files``'s files ending in ``suffix``, as relpath -> (size, mtime_ns): the same
    files in the same order, with the common case (a regular file, a plain folder) in a tight
    loop, since a build of a large archive starts with it (100,000 stats): names from
    ``listdir`` (sorted strings, no entry objects) and one ``lstat`` each, relative to the
    folder's descriptor."""
    found: dict[str, tuple[int, int]] = {}
    if not root.is_dir():
        return found
    if root.is_symlink() and _outside(str(root), roots, shown or str(root), "folder", problems):
        return found
    seen: set[tuple[int, int]] = set()
    lstat, S_ISREG, S_ISDIR, S_ISLNK = os.lstat, stat.S_ISREG, stat.S_ISDIR, stat.S_ISLNK

    def walk(folder: str, prefix: str) -> None:
        try:
            fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            return
        try:
            st = os.fstat(fd)
            if (st.st_dev, st.st_ino) in seen:
                return  # a link back to a folder walked already
            seen.add((st.st_dev, st.st_ino))
            names = sorted(os.listdir(fd))
            for name in names:
                if name[0] == ".":
                    continue
                try:
                    st = lstat(name, dir_fd=fd)
                except OSError:
                    continue
                mode = st.st_mode
                if S_ISREG(mode):
                    if name.endswith(suffix):
                        found[prefix + name] = (st.st_size, st.st_mtime_ns)
                elif S_ISDIR(mode):
                    walk(f"{folder}/{name}", f"{prefix}{name}/")
                elif S_ISLNK(mode):
                    link(f"{folder}/{name}", prefix + name, name)
        except OSError:
            return
        finally:
            os.close(fd)

    def link(path: str, rel: str, name: str) -> None:
        try:
            target = os.stat(path)
        except OSError:
            target = None
        is_dir = target is not None and S_ISDIR(target.st_mode)
        if _outside(path, roots, f"{shown}/{rel}" if shown else rel, "folder" if is_dir else "file", problems):
            return
        if is_dir:
            walk(path, rel + "/")
        elif target is not None and S_ISREG(target.st_mode) and name.endswith(suffix):
            found[rel] = (target.st_size, target.st_mtime_ns)

    walk(str(root), "")
    return found


def restat(root: Path, listing: dict[str, tuple[int, int]], relpaths, suffix: str) -> dict[str, tuple[int, int]] | None:
    """``listing`` (``stat_files``'s) with the files at ``relpaths`` looked at again: what a new
    ``stat_files`` would give when nothing else below ``root`` changed (a watcher says so), in
    the same order. None when that cannot be told file by file (a folder, a link, a hidden
    name): then the caller walks the folder."""
    found = dict(listing)
    for rel in relpaths:
        parts = rel.split("/")
        if not rel or any(not part or part[0] == "." or part == ".." for part in parts):
            return None
        try:
            st = os.lstat(root / rel)
        except FileNotFoundError:
            found.pop(rel, None)
            continue
        except OSError:
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        for depth in range(1, len(parts)):  # every folder on the way a plain folder
            try:
                if not stat.S_ISDIR(os.lstat(root.joinpath(*parts[:depth])).st_mode):
                    return None
            except OSError:
                return None
        if rel.endswith(suffix):
            found[rel] = (st.st_size, st.st_mtime_ns)
    if found.keys() != listing.keys():  # in the walk's order: by name, folder by folder
        found = {rel: found[rel] for rel in sorted(found, key=lambda r: r.split("/"))}
    return found

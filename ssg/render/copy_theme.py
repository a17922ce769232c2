"""``ssg theme copy``: a built-in theme copied into the site, to be edited there.

Themes are looked up in the site's ``themes/`` before the built-in ones (``theme.find_theme``),
so a copy in ``themes/default`` replaces the built-in default at once, with no change to
site.toml. A copy under another name is used once site.toml names it. Nothing is ever
overwritten: an existing destination is refused, and the copy is made in a hidden folder and
renamed into place, so an interrupted copy never leaves half a theme where ssg looks for one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import NamedTuple

from ssg.config import load_config
from ssg.content.files import real, walk_files
from ssg.problems import Problem, SsgError
from ssg.render import theme as themes

THEMES = "themes"
PARTS = ("templates", "static", "fonts")  # folders copied (fonts: the share cards'); and theme.toml


class Copied(NamedTuple):
    name: str  # the built-in theme copied
    files: int
    destination: str  # relative to the site, with "/"
    site_toml_line: str | None  # what site.toml needs for the copy to be used; None: used already


def copy_theme(site: Path, to: str | None = None) -> Copied:
    """Copy the built-in theme the site uses (its configured theme, or the nearest built-in
    parent of it; the default theme otherwise) to ``to`` (``themes/NAME``, relative to the site;
    default ``themes/<its name>``). Raises SsgError, having written nothing, when it cannot."""
    config = load_config(site)
    site = site.resolve()
    source, used = _source(site, config.theme)
    target = _destination(site, to, source.name)
    shown = target.relative_to(site).as_posix()
    if target.exists() or target.is_symlink():
        raise SsgError([Problem(shown, None, "already exists; not overwritten (name another folder: --to themes/NAME)")])
    files = _files(source)
    _copy(files, target, shown)
    line = None if target.name in used else f"theme = {json.dumps(target.name, ensure_ascii=False)}"
    return Copied(source.name, len(files), shown, line)


def _builtin() -> Path:
    folder = themes.builtin_themes()
    if folder is None:
        raise SsgError([Problem(THEMES, None, "no built-in themes found: ssg is not installed whole")])
    return folder


def _source(site: Path, configured: str) -> tuple[Path, set[str]]:
    """The built-in theme folder to copy, and the names of the themes the site uses now (a copy
    under one of those names is found at once). A configured theme that cannot be found (a name
    in site.toml whose folder is missing) leaves the default theme to copy."""
    builtin = _builtin()
    try:
        chain = themes.find_theme(site, configured).chain
    except SsgError:
        chain = ()
    used = {folder.name for folder in chain} | {configured}
    found = next((folder for folder in chain if folder.parent == builtin), None)
    if found is None:
        found = builtin / "default"
        if not found.is_dir():
            raise SsgError([Problem(THEMES, None, f"no built-in default theme in {builtin}")])
    return found, used


def _destination(site: Path, to: str | None, name: str) -> Path:
    """``site/themes/NAME``: ``to`` (relative to the site) must name a folder there, since that
    is where ssg looks for a site's themes; anything outside the site is refused."""
    if to is None:
        return site / THEMES / name
    target = Path(os.path.abspath(site / to))  # ".." resolved as written; links checked below
    if site not in target.parents or not Path(real(target)).is_relative_to(site):
        raise SsgError([Problem(to, None, f"--to: outside the site folder {site}; a theme goes in {THEMES}/NAME")])
    if target.parent != site / THEMES or target.name.startswith("."):
        raise SsgError([Problem(to, None, f"--to: not {THEMES}/NAME, where ssg looks for a site's themes")])
    return target


def _files(source: Path) -> list[tuple[str, Path]]:
    """(path relative to the theme folder, file) of what is copied: templates/, static/, fonts/ and
    theme.toml, in name order, hidden files left out."""
    roots = (real(source),)
    found = [(f"{part}/{rel}", Path(entry.path)) for part in PARTS for rel, entry in walk_files(source / part, roots)]
    if (source / "theme.toml").is_file():
        found.append(("theme.toml", source / "theme.toml"))
    return found


def _copy(files: list[tuple[str, Path]], target: Path, shown: str) -> None:
    """Copy into a hidden folder beside ``target``, then rename it into place."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    except OSError as exc:
        raise SsgError([Problem(shown, None, f"cannot write: {exc.strerror or exc}")]) from None
    try:
        os.chmod(scratch, 0o777 & ~_umask())  # mkdtemp makes it 0700
        for rel, path in files:
            (scratch / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, scratch / rel)
        os.rename(scratch, target)  # (fails on a non-empty target: never an overwrite)
    except OSError as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise SsgError([Problem(shown, None, f"cannot write: {exc.strerror or exc}")]) from None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

"""Search: a Pagefind index of the article pages, built with the site and published with it.

Pagefind (https://pagefind.app) turns HTML into a static, chunked full-text index plus a small
WebAssembly search engine that runs in the browser: a search only fetches the index chunks for
the words typed and the fragments of the results shown, so it works on any static host.

The indexer is Pagefind's own binary (the ``pagefind-bin`` package ships it), run on a private
folder of hard links to the article pages exactly as this build publishes them, with its output
read back and published through the build's publisher like every other file: ``public/`` is
always exactly the old or the new site, and index files no longer produced are removed.
(Pagefind's Python API, ``pagefind.index.PagefindIndex``, answers one call per 100 ms — 10,000
pages would take 17 minutes — and returns the whole index in one message, so it is not used.)

The index is a function of the article pages: its key is a digest of their paths and keys and
of the Pagefind version. While that key is unchanged, the previous index files are kept as they
are; otherwise the whole index is rebuilt (Pagefind cannot update an index).

Where no indexer can be run, the site is built without search (no search page, no search box)
with a ``search: …`` warning.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .problems import Problem, Problems, SsgError
from .state import digest

PREFIX = "pagefind/"  # every index file is published below this folder
TEMPLATE = "search.html"
INSTALL_HINT = "install it with `pip install pagefind-bin`"


@dataclass(frozen=True)
class Indexer:
    path: str
    version: str  # as the binary says it: "pagefind 1.5.2"


def find_executable() -> str | None:
    """Pagefind's binary: the one the ``pagefind-bin`` (or ``pagefind-bin-extended``) package
    ships, else a ``pagefind`` on PATH."""
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            found = __import__(module).get_executable()
        except (ImportError, OSError, AttributeError):
            continue
        if found:
            return str(found)
    return shutil.which("pagefind_extended") or shutil.which("pagefind")


def _environment() -> dict[str, str]:
    # Pagefind reads PAGEFIND_* variables as options: the index must depend on the input alone.
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("PAGEFIND_")}


def find_indexer() -> tuple[Indexer | None, str]:
    """(the indexer, "") or (None, why there is none)."""
    path = find_executable()
    if path is None:
        return None, f"Pagefind is not installed ({INSTALL_HINT})"
    try:
        proc = subprocess.run([path, "--version"], capture_output=True, text=True, errors="replace",
                              timeout=60, env=_environment(), stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"Pagefind at {path} cannot run ({exc})"
    version = proc.stdout.strip()
    if proc.returncode != 0 or not version.startswith("pagefind"):
        return None, f"Pagefind at {path} cannot run (exit status {proc.returncode})"
    return Indexer(path, version), ""


def effective(config, template_dirs: list[Path], problems: Problems):
    """(config, indexer): ``config`` with search turned off, and a ``search: …`` warning, when
    it is enabled but cannot be had (no indexer that runs, or a theme without search.html)."""
    if not config.search.enabled:
        return config, None
    indexer, why = find_indexer()
    if indexer is not None and not any((d / TEMPLATE).is_file() for d in template_dirs):
        indexer, why = None, f"the theme has no {TEMPLATE} template"
    if indexer is None:
        problems.warning("search", f"{why}; the site is built without search")
        return off(config), None
    return config, indexer


def off(config):
    """``config`` with search turned off (Pagefind cannot index an archive without articles)."""
    return dataclasses.replace(config, search=dataclasses.replace(config.search, enabled=False))


def index_key(indexer: Indexer, indexed: list[tuple[str, str]]) -> str:
    """The key of the whole index: the indexer's version and every indexed page's (path, key)."""
    return digest("search index", indexer.version, indexed)


def previous_files(previous: dict[str, str], key: str, output: Path) -> list[str] | None:
    """The index files of the previous build when they are exactly the index with this key
    and all still on disk; else None (the index must be built)."""
    rels = sorted(rel for rel, k in previous.items() if rel.startswith(PREFIX) and k == key)
    if not rels or not all((output / rel).is_file() for rel in rels):
        return None
    return rels


def build_index(indexer: Indexer, pages: list[tuple[str, Path]], output: Path) -> dict[str, bytes]:
    """Run Pagefind over ``pages`` (output path, where its bytes are now) and return the index
    files (path below the output folder -> bytes). Works in a private folder beside ``output``,
    named so that the next build's recovery deletes it should this one be killed."""
    work = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-search-", dir=output.parent))
    try:
        source, bundle = work / "site", work / "bundle"
        made: set[Path] = set()
        for rel, path in pages:
            target = source / rel
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            try:
                os.link(path, target)
            except OSError:
                shutil.copyfile(path, target)
        source.mkdir(exist_ok=True)
        try:
            proc = subprocess.run([indexer.path, "--site", str(source), "--output-path", str(bundle), "--silent"],
                                  cwd=work, env=_environment(), capture_output=True, text=True, errors="replace",
                                  stdin=subprocess.DEVNULL)
        except OSError as exc:
            raise SsgError([Problem("search", None, f"Pagefind could not be started: {exc}")]) from None
        if proc.returncode != 0 or not (bundle / "pagefind.js").is_file():
            said = " ".join((proc.stderr or proc.stdout).split())[-500:]
            raise SsgError([Problem("search", None, f"Pagefind failed (exit status {proc.returncode}): {said}")])
        return {PREFIX + p.relative_to(bundle).as_posix(): p.read_bytes()
                for p in sorted(bundle.rglob("*")) if p.is_file()}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def index_outputs(indexer: Indexer, pages, publisher, previous: dict[str, str], full: bool, output: Path):
    """(output path, key, make bytes, source) for every index file, as build._site_files gives
    them: the previous files (kept) when no indexed page changed, else a new index.

    ``pages``: the build's planned pages; the article pages are indexed, read from where the
    publisher has them (staged, pending or unchanged in place)."""
    from .urls import Urls

    indexed = [(Urls.output_file(p.path), p.key) for p in pages if p.kind == "article"]
    key = index_key(indexer, indexed)
    source = "search index"
    kept = None if full else previous_files(previous, key, output)
    if kept is not None:
        return [(rel, key, lambda rel=rel: (output / rel).read_bytes(), source) for rel in kept]
    files = build_index(indexer, [(rel, publisher.path(rel)) for rel, _ in indexed], output)
    return [(rel, key, lambda data=data: data, source) for rel, data in files.items()]

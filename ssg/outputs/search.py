"""Search: a Pagefind index of the article pages, built with the site and published with it.

Pagefind (https://pagefind.app) turns HTML into a static, chunked full-text index plus a small
WebAssembly search engine that runs in the browser: a search only fetches the index chunks for
the words typed and the fragments of the results shown, so it works on any static host.

The indexer is Pagefind's own binary (the ``pagefind-bin`` package ships it), run on a private
folder of hard links to the article pages exactly as this build publishes them, with its output
read back and published through the build's publisher like every other file: ``public/`` is
always exactly the old or the new site, and index files no longer produced are removed.
(Pagefind's Python API, ``pagefind.index.PagefindIndex``, answers one call per 100 ms — 10,000
pages would take 17 minutes — and returns the whole index in one message, so it is not used.
Nor does it help to give the indexer only the indexed element of each page: the same index, the
same memory, 20% less time.)

Pagefind's indexer needs memory in proportion to the text it indexes (about 175 kB an article
of 2.5 kB of text: 1.7 GB for 10,000 such articles, 17 GB for 100,000) and cannot update an
index, so the archive is indexed in *parts* of bounded size (``partition``), each its own
Pagefind index, which the search page merges in the browser (Pagefind's ``mergeIndex``). The
articles, oldest first, are cut into parts at points chosen by the articles themselves (a hash
of the page's path), so adding, editing, re-dating or removing an article changes the part that
holds it (at times one or two next to it), never the others, and new articles change the newest
part (rarely the newest few). The oldest part is a complete Pagefind bundle at ``pagefind/`` (with the engine:
pagefind.js, its WebAssembly and worker); each later part holds only its index, at ``pagefind/part-<id>/``.

Each part's key is a digest of its folder, its pages' paths and keys and the Pagefind version:
while it is unchanged, that part's files are kept as they are; otherwise the part is indexed
again, on its own, in a private folder the published files are read from.

Where no indexer can be run, the site is built without search (no search page, no search box)
with a ``search: …`` warning.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from ssg.problems import Problem, Problems, SsgError
from ssg.keys import digest

PREFIX = "pagefind/"  # every index file is published below this folder
TEMPLATE = "search.html"
INSTALL_HINT = "install it with `pip install pagefind-bin`"


class Indexer(NamedTuple):
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


# A part's weight: words of article text plus PAGE_WORDS an article (Pagefind's cost for a page
# apart from its text), about 450 bytes of the indexer's memory each. The archive is cut after
# every article whose path hashes to 0 modulo PART_CUT (on average every PART_CUT articles); a
# stretch lighter than PART_MIN joins the next, and one heavier than PART_MAX is cut into parts
# of equal weight. For articles of 370 words: parts of about 500-600 articles on average
# (about 100 MB to index, 0.7 s) and 770 (135 MB, 1 s) at most, so that one edit with search on
# costs under 2 s at 10,000 articles. Bigger parts need more memory and make an edit index more
# (the whole part holding the article edited); more parts cost the browser more (a piece of
# each part's index for every word searched).
PART_CUT = 500
PART_MIN = 130_000
PART_MAX = 300_000
PAGE_WORDS = 20
PARALLEL = 2  # parts indexed at once, at most (each its own Pagefind process, with its memory)
# What a part's bundle keeps: its index. The rest (pagefind.js, WebAssembly, worker, UI) is the
# engine, published once, with the first part.
_INDEX_FILES = ("pagefind-entry.json", "index/", "fragment/", "filter/")


class Part(NamedTuple):
    """One part of the search index: ``folder`` below ``pagefind/`` ("" for the first part,
    whose bundle also holds the engine; else ``part-<id>/``) and its article pages' site
    paths, oldest first."""

    folder: str
    paths: tuple[str, ...]


def _cut_hash(path: str) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode("utf-8"), digest_size=8).digest(), "big")


def partition(articles: list[tuple[str, int]]) -> list[Part]:
    """The parts the index is built in: ``articles`` are (site path, words), oldest first.

    Content-defined cut points (as in backup tools' chunking): the archive is cut after each
    article whose path hashes to 0 modulo ``PART_CUT``, whatever comes before or after it; a
    stretch between two cuts lighter than ``PART_MIN`` joins the next one; one heavier than
    ``PART_MAX`` is cut into parts of equal weight (the newest, still growing, is filled in
    order). So adding, editing, re-dating or removing an article changes the parts of its
    stretch (and, when the article is a cut or the stretch crosses ``PART_MIN``, of the next)
    and no other, new articles change the newest part (or, when one closes a stretch cut into
    several parts, those), and the parts are contiguous in date order (a search sorted by date can go through them one after the other)."""
    stretches: list[list[tuple[str, int]]] = [[]]
    for path, words in articles:
        stretches[-1].append((path, max(words, 0) + PAGE_WORDS))
        if _cut_hash(path) % PART_CUT == 0:
            stretches.append([])
    groups: list[list[tuple[str, int]]] = [[]]
    for stretch in stretches:
        groups[-1] += stretch
        if sum(w for _, w in stretch) >= PART_MIN:
            groups.append([])
    groups = [group for group in groups if group]
    growing = bool(stretches[-1])  # the newest articles, after the last cut, are still a stretch
    parts: list[list[str]] = []
    for n, group in enumerate(groups):
        parts.append([])
        if n == len(groups) - 1 and growing:  # filled in order: new articles change its last part only
            weight = 0
            for path, w in group:
                if weight and weight + w > PART_MAX:
                    parts.append([])
                    weight = 0
                parts[-1].append(path)
                weight += w
        else:  # as few parts as can be, of about equal weight
            total = sum(w for _, w in group)
            count = -(-total // PART_MAX)
            k, weight = 1, 0
            for path, w in group:
                if k < count and weight >= k * total / count:
                    parts.append([])
                    k += 1
                parts[-1].append(path)
                weight += w
    return [Part("" if i == 0 else f"part-{digest('search part', paths[0])[:10]}/", tuple(paths))
            for i, paths in enumerate(parts)]


def part_key(indexer: Indexer, part: Part, indexed: list[tuple[str, str]]) -> str:
    """The key of one part's files: the indexer's version, the part's folder and every page's
    (output path, key)."""
    return digest("search index part", indexer.version, part.folder, indexed)


def previous_files(previous: dict[str, str]) -> dict[str, list[str]]:
    """The previous build's index files, by the key of their part."""
    by_key: dict[str, list[str]] = {}
    for rel, k in previous.items():
        if rel.startswith(PREFIX):
            by_key.setdefault(k, []).append(rel)
    return by_key


def kept_files(by_key: dict[str, list[str]], key: str, missing: set[str]) -> list[str] | None:
    """The files of the previous build's part with this key when none of them is ``missing``
    from the output folder (``output.OutputCheck`` looked); else None (the part must be indexed)."""
    rels = sorted(by_key.get(key, ()))
    if not rels or any(rel in missing for rel in rels):
        return None
    return rels


class IndexJob:
    """Pagefind indexing ``pages`` (output path, where its bytes are now), running in the
    background from the moment it is made: in a private folder beside ``output`` (``work``, or
    a new one) named so that the next build's recovery deletes it should this one be killed.
    The pages are hard links made at once, so the job indexes them as they were then, whatever
    a build publishes meanwhile."""

    def __init__(self, indexer: Indexer, pages: list[tuple[str, Path]], output: Path, work: Path | None = None,
                 background: bool = False):
        """``background``: Pagefind runs at a low priority (``ssg serve``: the next build first)."""
        if work is None:
            work = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-search-", dir=output.parent))
        self.work = work.resolve()  # Pagefind runs in ``work``: a relative path would be taken from there
        self.bundle = self.work / "bundle"
        try:
            source = self.work / "site"
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
                self.proc = subprocess.Popen(
                    [indexer.path, "--site", str(source), "--output-path", str(self.bundle), "--silent"], cwd=self.work,
                    env=_environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                    preexec_fn=(lambda: os.nice(15)) if background and hasattr(os, "nice") else None)
            except OSError as exc:
                raise SsgError([Problem("search", None, f"Pagefind could not be started: {exc}")]) from None
        except BaseException:
            self.close()
            raise

    def done(self) -> bool:
        return self.proc.poll() is not None

    def files(self) -> dict[str, Path]:
        """Waits for Pagefind; its bundle's files (path below the bundle -> where they are, in
        ``work``: ``close`` removes them)."""
        said = self.proc.communicate()[0].decode("utf-8", "replace")
        if self.proc.returncode != 0 or not (self.bundle / "pagefind.js").is_file():
            said = " ".join(said.split())[-500:]
            raise SsgError([Problem("search", None, f"Pagefind failed (exit status {self.proc.returncode}): {said}")])
        shutil.rmtree(self.work / "site", ignore_errors=True)  # the links: only the bundle is needed now
        return {p.relative_to(self.bundle).as_posix(): p for p in sorted(self.bundle.rglob("*")) if p.is_file()}

    def close(self) -> None:
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(self.work, ignore_errors=True)


def build_index(indexer: Indexer, pages: list[tuple[str, Path]], output: Path, work: Path | None = None) -> dict[str, Path]:
    """Run Pagefind over ``pages`` and return its bundle's files (see ``IndexJob``; the caller
    removes ``work``)."""
    job = IndexJob(indexer, pages, output, work)
    try:
        return job.files()
    except BaseException:
        job.close()
        raise


def part_files(part: "Part", files: dict[str, Path]) -> dict[str, Path]:
    """What a part's bundle publishes (below pagefind/): a later part its index only; the engine
    comes with the first."""
    if part.folder:
        files = {rel: path for rel, path in files.items() if rel.startswith(_INDEX_FILES) or rel.endswith(".pf_meta")}
    return {PREFIX + part.folder + rel: path for rel, path in files.items()}


def files_of(previous: dict[str, str], folder: str) -> list[str]:
    """The previous build's files of the part published in ``folder`` ("" for the first)."""
    prefix = PREFIX + folder
    later = PREFIX + "part-"
    return sorted(rel for rel in previous if rel.startswith(prefix) and (folder or not rel.startswith(later)))


class IndexFile(NamedTuple):
    file: str
    key: str
    source: str


def index_outputs(indexer: Indexer, parts: list[Part], outputs, publisher, previous: dict[str, str], full: bool,
                  missing: set[str], output: Path, jobs: int = 1, later: bool = False) -> tuple[list[IndexFile], bool]:
    """Publish every index file through ``publisher`` and return them: for each part, the
    previous files (kept) when none of its pages changed, else its new index, made by Pagefind
    in a private folder from the article pages as this build publishes them.

    ``parts``: ``partition`` of the articles; ``outputs``: the build's outputs, whose article
    pages are indexed, read from where the publisher has them (staged, pending or unchanged in
    place); ``missing``: the last build's outputs no longer in the folder. ``later``: a part
    whose pages changed keeps its previous files for now (``ssg serve`` indexes it in the
    background: ``preview.py``). Returns the files, and whether any part was left stale."""
    from concurrent.futures import ThreadPoolExecutor

    keys = {o.path: (o.file, o.key) for o in outputs if o.kind == "article"}
    out: list[IndexFile] = []
    todo: list[tuple[Part, str, list[tuple[str, Path]]]] = []
    source = "search index"
    before = {} if full else previous_files(previous)
    for part in parts:
        indexed = [keys[path] for path in part.paths]
        key = part_key(indexer, part, indexed)
        kept = None if full else kept_files(before, key, missing)
        if kept is not None:
            for rel in kept:
                publisher.keep(rel)
                out.append(IndexFile(rel, key, source))
            continue
        if later:
            for rel in files_of(previous, part.folder):
                if rel not in missing:
                    publisher.keep(rel)
                    out.append(IndexFile(rel, previous[rel], source))
            continue
        todo.append((part, key, [(rel, publisher.path(rel)) for rel, _ in indexed]))

    def run(job):
        part, key, sources = job
        folder = Path(tempfile.mkdtemp(prefix=f".{output.name}.staging-search-", dir=output.parent))
        try:
            files = part_files(part, build_index(indexer, sources, output, folder))
            return [(rel, key, path.read_bytes()) for rel, path in files.items()]
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    with ThreadPoolExecutor(max_workers=max(1, min(jobs, PARALLEL, len(todo) or 1))) as pool:
        for made in pool.map(run, todo):
            for rel, key, data in made:
                publisher.add(rel, data)
                out.append(IndexFile(rel, key, source))
    return out, later and any(kept_files(before, part_key(indexer, part, [keys[path] for path in part.paths]), missing)
                              is None for part in parts)

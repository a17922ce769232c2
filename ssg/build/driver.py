"""The build, phase by phase: scan → collect → plan → make → publish → remember.

Each phase is a function that takes the values the ones before it returned and returns its
own; ``build_site`` calls them in order. Nothing is written to the output folder before every
output was planned and made: an output (``outputs.Output``) whose key matches the last
build's is neither made nor written, and a build whose whole input is unchanged stops after
looking at file stats. An incremental build gives exactly the output of a clean one.

Any error (a bad seed or content file, a template that does not render, two outputs on one
path) fails the build and leaves the previous site exactly as it was: an article with a typo
in its front matter must not disappear from the published site. ``--keep-going`` publishes the
rest anyway when the errors are in seeds or content; template errors and clashes never publish.

The output folder must be ssg's: made by it (its marker, ``output.MARKER``, lists the files it
wrote) or recorded in the build state, or empty. A folder of other files is never emptied
unless asked (``--replace-output``).
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import marshal
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, TYPE_CHECKING

from ssg import __version__
from ssg.outputs import search
from ssg.config import Config, load_config
from ssg.content.article import Article, body_hash
from ssg.content.files import real, walk_files
from ssg.importer import import_seeds
from ssg.publish.writer import (MARKER, Claims, FullPublisher, IncrementalPublisher, OutputCheck, folder_entries, marker_bytes,
                     read_marker, recover, remove_empty_folders)
from ssg.parallel import chunked, fan_out
from ssg.problems import Problem, Problems, SsgError
from ssg.content.collect import Collected, collect, note_left_out, read_body, scan
from ssg.build.state import BuildState, output_paths, state_path
from ssg.keys import RACY_NS, digest
from ssg.render.theme import Theme, find_theme
from ssg.urls import Urls

if TYPE_CHECKING:  # (loaded when a plan is made: a no-op build needs none of it)
    from ssg.outputs.kinds import Output

PARALLEL_MIN = 300  # outputs to make: below this, forking workers costs more than it saves


class _Timings:
    """``SSG_TIMINGS=1``: each phase's wall and CPU time, printed to stderr at the end of a build."""

    def __init__(self):
        self.on = bool(os.environ.get("SSG_TIMINGS"))
        self.last = self.start = self._now()
        self.phases: list[tuple[str, float, float]] = []

    @staticmethod
    def _now() -> tuple[float, float]:
        """(wall, CPU) seconds; CPU counts this process and its finished workers."""
        t = os.times()
        return time.perf_counter(), t.user + t.system + t.children_user + t.children_system

    def __call__(self, phase: str) -> None:
        if self.on:
            now = self._now()
            self.phases.append((phase, now[0] - self.last[0], now[1] - self.last[1]))
            self.last = now

    def report(self) -> None:
        if self.on:
            import sys

            now = self._now()
            print("timings (wall/CPU s): " + ", ".join(f"{name} {w:.3f}/{c:.3f}" for name, w, c in self.phases)
                  + f"; total {now[0] - self.start[0]:.3f}/{now[1] - self.start[1]:.3f}", file=sys.stderr)


class BuildOptions(NamedTuple):
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    now: dt.datetime | None = None
    clean: bool = False  # ignore and rebuild the cache, make everything
    jobs: int | None = None  # worker processes; None: all cores
    # Publish the site without the articles (and seeds) that have errors, instead of leaving the
    # previous site as it was (`--keep-going`).
    keep_going: bool = False
    # Build into an output folder that ssg did not make, deleting what it holds that no page
    # produces (`--replace-output`; `ssg serve`'s private folder).
    replace_output: bool = False
    # Parts of the search index whose pages changed keep their old files: `ssg serve` publishes
    # the pages at once and indexes those parts in the background (preview.py).
    search_later: bool = False
    # The content files' stats, from a caller that watched them since the last build (`ssg
    # serve`): content/ is not walked, and the outputs are taken to be as the last build left
    # them (its private folder) instead of being looked at one by one.
    listing: dict | None = None
    # The process exits right after the build (`ssg build`): its objects are left for the exit
    # (``cli.entry``'s ``os._exit``) instead of being freed one by one, ~25 ms at 10,000 articles.
    exiting: bool = False
    # Add the URLs of the articles published to the site's published-URLs file (`ssg build`,
    # but not with --drafts, --future or --at, nor `ssg serve`: what they show is not published).
    record_urls: bool = False
    # `ssg build --at`: the site as it will be at that moment (takes the place of ``now``, and is
    # part of the settings: a build at another moment, or at none, plans the site again).
    at: dt.datetime | None = None


_LEFT_FOR_EXIT: list = []


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    rendered: int = 0
    written: int = 0
    reused: int = 0
    removed: int = 0
    seconds: float = 0.0
    published: bool = False
    nothing_changed: bool = False
    edit_only: bool = False  # only the outputs showing the edited articles were planned (edits.py)
    search_stale: bool = False  # (search_later) parts of the search index wait to be made again
    output: str = "public"  # the output folder, as site.toml names it
    listing: dict | None = None  # the content files' stats this build saw
    drafts: int = 0  # articles left out as drafts (no --drafts)
    future: int = 0  # articles left out as dated in the future (no --future)
    embargoed: int = 0  # articles left out before their publish_at (no --future)
    expired: int = 0  # articles past their expires: gone pages

    def summary(self, kept: str | None = None) -> str:
        """The build's one line. ``kept``: what a failed build leaves to be seen, for a caller
        whose output folder is not the one readers see (``ssg serve``'s preview); by default
        the output folder, exactly as it was."""
        folder = self.output.rstrip("/") + "/"
        if self.nothing_changed:
            return f"nothing changed: {folder} is up to date{self._left_out()} ({self.seconds:.2f} s)"
        if not self.published:
            return f"build failed: {kept or f'{folder} left as it was'} ({self.seconds:.2f} s)"
        return (f"built {self.pages:,} pages, {self.files:,} files: {self.rendered:,} rendered, "
                f"{self.written:,} written, {self.removed:,} removed, {self.reused:,} unchanged{self._left_out()} "
                f"({self.seconds:.2f} s)")

    def _left_out(self) -> str:
        """What the summary says of the articles left out: ", 2 left out: 1 draft, 1 in the
        future"; nothing when none was."""
        counts = [(self.drafts, "draft", "drafts"), (self.future, "in the future", "in the future"),
                  (self.embargoed, "embargoed", "embargoed"), (self.expired, "expired", "expired")]
        total = sum(n for n, _, _ in counts)
        if not total:
            return ""
        return f", {total:,} left out: " + ", ".join(f"{n:,} {one if n == 1 else many}" for n, one, many in counts if n)


# --- the values the phases pass on --------------------------------------------------------------


class Setup(NamedTuple):
    """What a build starts from, decided before anything is read."""

    site: Path
    config: Config  # search switched off where it cannot be had
    options: BuildOptions
    urls: Urls
    output: Path
    content_root: Path
    theme: Theme
    indexer: search.Indexer | None
    now: dt.datetime
    jobs: int


class Folder(NamedTuple):
    """The output folder as this build found it."""

    previous: Mapping[str, str]  # the last build's outputs and keys ({} on --clean or without state; read lazily)
    full: bool  # no folder yet: the whole site is staged and moved into place
    walk: bool  # what no output produces goes: --clean, or a folder of other files to replace
    marked: list[str] | None  # the files its marker lists (None: no marker)


class Scanned(NamedTuple):
    listing: dict[str, tuple[int, int]]  # content file -> (size, mtime_ns)
    theme_files: list[tuple[str, int, int]]
    racy: int  # a file modified after this (ns) may change again unseen: never trusted later
    fresh: bool  # an input file is racy: nothing can be taken as unchanged
    fresh_theme: bool  # a template or static file is racy: the settings' fingerprint cannot be trusted
    settings: str  # fingerprint of every input but the content files (settings, options, theme files)
    registry: str = ""  # the stat of the published-URLs file ("" without one): a hand edit plans the site

    def snapshot(self) -> bytes:
        """The content files' stats as the next build compares them (racy ones never match)."""
        racy = self.racy
        return marshal.dumps({r: (st if st[1] < racy else (-1, -1)) for r, st in self.listing.items()})


class Plan(NamedTuple):
    outputs: list[Output]  # the outputs planned: every output of the site, pages first (an edit: those it touches)
    pages: int
    terms: dict  # relpath -> display names of its terms, where they differ from its own
    related: object  # related.Result (None: unchanged)
    due: str  # when the site goes stale by itself (a future article, the news window); "" never
    views: object  # views.Views
    search_parts: list
    articles: dict[str, Article]  # the articles outputs may show
    snapshot: dict[str, bytes]  # what an edit-only build starts from (state.blob)
    edit: bool = False  # only the outputs an edit touches were planned: every other output is kept
    parsed: dict = None  # relpath -> (stat, article, fingerprint, row) read on this run
    left_out: tuple = ()  # (relpath, reason, date) of the drafts and future articles not published
    published_urls: tuple | None = None  # (redirects.Registry, relpath -> site path): what the build records


class Made(NamedTuple):
    outputs: dict[str, str]  # every output file of the site -> its key (an edit: those whose key changed)
    failed: frozenset[str]  # templates that did not render
    rendered: int  # outputs made (their keys had changed)
    html: dict[str, str]  # article bodies rendered in this process, for the state
    search_stale: bool = False  # parts of the search index kept their old files (search_later)
    gone: tuple[str, ...] = ()  # (an edit) outputs no longer produced: old files of a part of the search index


# --- the driver ---------------------------------------------------------------------------------


def build_site(site: Path, config: Config, problems: Problems, options: BuildOptions = BuildOptions()) -> BuildReport:
    started, timings = time.perf_counter(), _Timings()
    report = BuildReport(output=config.output_dir)
    gc_was_on = gc.isenabled()
    setup = make_setup(site, config, options, problems)
    state = BuildState(state_path(site, config.output_dir), problems, exclusive=True)
    present = publisher = None
    try:
        folder, present = look_at_folder(setup, state, problems)
        scanned = scan_input(setup, problems, state)
        report.listing = scanned.listing
        timings("scan")
        changed = changed_files(state, scanned) if folder.previous else None
        if unchanged(setup, state, folder, present, scanned, changed) and (left := left_out_of(state)) is not None:
            keep_stamps(state, present)
            report.nothing_changed = report.published = True
            recover(setup.output)  # what a killed build left beside the folder goes even when nothing changed
            tell_left_out(setup, left, problems, report)
        else:
            gc.disable()  # collecting and planning make many objects and no cycles (see collect_archive)
            plan, dropped = plan_edit_only(setup, state, folder, present, scanned, changed), ()
            if plan is None:
                collected = collect_archive(setup, state, folder, scanned, problems)
                if setup.indexer is not None and not collected.archive.articles:  # nothing to search
                    setup = setup._replace(config=search.off(setup.config), indexer=None)
                timings("collect")
                plan, dropped = plan_outputs(setup, collected, state, folder, problems, timings), collected.dropped
            else:
                report.edit_only = True
                timings("plan an edit")
            tell_left_out(setup, plan.left_out, problems, report)
            gc.freeze()  # forked workers neither walk nor touch (copy) these objects
            if gc_was_on:
                gc.enable()
            publisher = FullPublisher(setup.output) if folder.full else IncrementalPublisher(setup.output)
            missing = present.missing() if present is not None and folder.previous else set()
            keep_stamps(state, present)
            made = make_outputs(setup, plan, folder, missing, state, publisher, problems, timings)
            if publish(setup, folder, present, plan, made, missing, publisher, problems, report):
                scanned = record_urls(setup, plan, scanned)
                remember(state, scanned, dropped, plan, made, folder, problems)
            publisher = None
            timings("publish and remember")
            if options.exiting:
                _LEFT_FOR_EXIT.append((plan, made))
    except SsgError as exc:
        problems.extend(exc.problems)
    finally:
        if publisher is not None:
            publisher.abort()
        if present is not None:
            present.close()
        state.close()
        if gc_was_on:
            gc.enable()
        gc.unfreeze()
    timings.report()
    report.seconds = time.perf_counter() - started
    return report


def make_setup(site: Path, config: Config, options: BuildOptions, problems: Problems) -> Setup:
    theme = find_theme(site, config.theme)
    # Search off (with a warning) where it cannot be had: no page, no box, so in every output's key.
    config, indexer = search.effective(config, theme.template_dirs(site), problems)
    return Setup(site, config, options, Urls.from_config(config, options.base_url), site / config.output_dir,
                 site / config.content_dir, theme, indexer, options.at or options.now or dt.datetime.now(dt.timezone.utc),
                 options.jobs or os.cpu_count() or 1)


# --- scan -------------------------------------------------------------------------------------


def look_at_folder(setup: Setup, state: BuildState, problems: Problems) -> tuple[Folder, OutputCheck | None]:
    """The output folder: its last build's outputs, whether it is ssg's, and (looked at on
    another core while the content is scanned) which outputs were deleted by hand since, or
    all it holds when what no output produces must go."""
    previous = state.recorded()  # read only when needed: an edit or a no-op build never reads them all
    recorded = bool(previous)  # a build of this folder is recorded in the state
    if setup.options.clean:
        state.clear()
        previous = {}
    output, options = setup.output, setup.options
    full = not output.is_dir()
    # The marker (every output, as JSON) is needed only when no build of this folder is recorded.
    marked = None if full or recorded else read_marker(output)
    walk = not full and not previous and (
        (options.clean and (marked is not None or recorded)) or _not_ours(output, marked, recorded, options, problems))
    present = None
    if previous and options.listing is not None:
        present = _AsLeft()
    elif previous:  # (the outputs are read by the child that looks at them)
        path = state.path
        present = OutputCheck(output, lambda: output_paths(path), parallel=setup.jobs > 1)
    elif walk:
        present = OutputCheck(output, None, parallel=setup.jobs > 1)
    return Folder(previous, full, walk, marked), present


def keep_stamps(state: BuildState, present) -> None:
    """The output folders' stamps the look for missing outputs made anew, kept for the next
    build's look (``writer.missing_files``)."""
    if isinstance(present, OutputCheck) and present.rels is not None:
        stamps = present.stamps()
        if stamps is not None:
            state.store_blob("folders", marshal.dumps(stamps))


class _AsLeft:
    """The output folder as the last build left it (``BuildOptions.listing``): nothing missing."""

    def missing(self) -> set[str]:
        return set()

    def close(self) -> None:
        pass


def _not_ours(output: Path, marked, recorded: bool, options: BuildOptions, problems: Problems) -> bool:
    """Whether ``output`` is a folder of someone else's files that this build was asked to
    replace (``--replace-output``: it is walked, and what no page produces goes). A folder that
    is ssg's (its marker, a recorded build) or empty: False. Any other: refused."""
    if marked is not None or recorded:
        return False
    names, count = folder_entries(output, 10)
    if not count:
        return False
    listed = ", ".join(names) + (f" and {count - len(names):,} more" if count > len(names) else "")
    if not options.replace_output:
        raise SsgError([Problem(str(output), None,
                                f"not built: this folder was not made by ssg (no {MARKER}) and holds {count:,} "
                                f"files or folders that a build would delete ({listed}). Build into a new or empty "
                                "folder (output_dir in site.toml), or build with --replace-output to delete them")])
    problems.warning(str(output), f"not made by ssg: --replace-output deletes what it holds that no page produces, "
                                  f"of {count:,} files and folders: {listed}")
    return True


def _files(folders: list[Path]) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every file below ``folders`` (symbolic links followed, as
    ``rglob`` did), in path order: with ``os.walk`` and ``os.stat``, as a static/ may hold
    thousands of pictures and a no-op build looks at each."""
    out = []
    stat = os.stat
    for folder in folders:
        found, seen = [], set()
        for root, dirs, names in os.walk(folder, followlinks=True):
            st = stat(root)
            if (st.st_dev, st.st_ino) in seen:  # a link back to a folder walked already
                dirs[:] = []
                continue
            seen.add((st.st_dev, st.st_ino))
            for name in names:
                path = os.path.join(root, name)
                try:
                    st = stat(path)
                except OSError:
                    continue
                if st.st_mode & 0o170000 == 0o100000:  # a regular file
                    found.append((path, st.st_size, st.st_mtime_ns))
        out += sorted(found)
    return out


def scan_input(setup: Setup, problems: Problems, state: BuildState | None = None) -> Scanned:
    """Stats of every input: content files, templates and static files, and a fingerprint of
    all but the content files with the settings."""
    scanned_ns = time.time_ns()
    listing = setup.options.listing
    if listing is None:
        listing = scan(setup.content_root, setup.site, problems, setup.config.content_dir.rstrip("/"))
    theme_files = _files(setup.theme.template_dirs(setup.site) + setup.theme.static_dirs(setup.site))
    # A file modified within RACY_NS of the scan may change again within the same timestamp
    # tick without its stat changing (git's "racy" files): never trust its stat later.
    racy = scanned_ns - RACY_NS
    fresh_theme = any(m >= racy for _, _, m in theme_files)
    fresh = fresh_theme or any(m >= racy for _, m in listing.values())
    o = setup.options
    settings = digest(__version__, repr(setup.config), setup.urls.base_url, o.drafts, o.future, theme_files,
                      setup.indexer, o.at.isoformat() if o.at else None, o.record_urls,
                      _image_stats(state, tuple(str(d) + os.sep for d in setup.theme.static_dirs(setup.site))))
    return Scanned(listing, theme_files, racy, fresh, fresh_theme, settings,
                   registry_stat(setup.site / setup.config.redirects.file))


def _image_stats(state: BuildState | None, skip: tuple[str, ...] = ()) -> list:
    """The stats of the image files the last build used or looked for (``outputs.images``): a
    changed, added or deleted picture plans the site again."""
    data = state.blob("image_files") if state is not None else None
    if not data:
        return []
    out = []
    for name in marshal.loads(data):
        if name.startswith(skip):
            continue  # (below static/: among the theme files already)
        try:
            st = os.stat(name)
            out.append((name, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((name, -1, -1))
    return out


def registry_stat(path: Path) -> str:
    try:
        st = path.stat()
    except OSError:
        return ""
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ino}"


def record_urls(setup: Setup, plan: Plan, scanned: Scanned) -> Scanned:
    """After a build that published the whole site's plan: its article URLs added to the
    published-URLs file (``redirects.record``), when this build records them."""
    if plan.published_urls is None or not setup.options.record_urls:
        return scanned
    from ssg.outputs import redirects

    registry, article_paths = plan.published_urls
    try:
        if redirects.record(registry, article_paths, setup.config.content_dir.rstrip("/")):
            return scanned._replace(registry=registry_stat(registry.file))
    except OSError as exc:
        raise SsgError([Problem(registry.shown, None, f"cannot be written: {exc}")]) from None
    return scanned


def same_input(state: BuildState, scanned: Scanned) -> bool:
    """Whether the settings and theme files are those of the last build (which reported no
    problem); the content files are compared apart (``changed_files``)."""
    return state.get("settings") == scanned.settings and (state.get("registry") or "") == scanned.registry


def changed_files(state: BuildState, scanned: Scanned) -> list[str] | None:
    """The content files whose stats differ from the last build's; None when files were added
    or removed (or the last build left no snapshot)."""
    data = state.blob("listing")
    if data is None:
        return None
    try:
        before = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None
    listing = scanned.listing
    if len(before) != len(listing):
        return None
    changed = []
    for relpath, st in listing.items():
        old = before.get(relpath)
        if old is None:
            return None
        if old != st:
            changed.append(relpath)
    return changed


def _as_left(setup: Setup, state: BuildState, present, scanned: Scanned) -> bool:
    """Whether the output folder is as the last build left it, for the same settings and theme:
    no commit to finish, nothing due since (a future article, the news window), no output
    deleted by hand."""
    due = state.get("next_due")
    journal = setup.output.parent / f".{setup.output.name}.journal"
    return (same_input(state, scanned) and not journal.exists()
            and (not due or setup.now < dt.datetime.fromisoformat(due)) and not present.missing())


def unchanged(setup: Setup, state: BuildState, folder: Folder, present, scanned: Scanned,
              changed: list[str] | None) -> bool:
    """Whether the last build's output is still exactly what this one would make: the folder
    as it left it (``_as_left``) and no content file changed."""
    if scanned.fresh or not folder.previous or present is None:
        return False
    if state.get("search_stale") and not setup.options.search_later:
        return False  # `ssg serve` left parts of the index to be made
    return changed == [] and _as_left(setup, state, present, scanned)


def plan_edit_only(setup: Setup, state: BuildState, folder: Folder, present, scanned: Scanned,
                   changed: list[str] | None) -> Plan | None:
    """The plan of a build whose only change is the text of a few articles (``edits.py``): the
    outputs that show them; None when anything else changed (then the whole site is planned)."""
    if (setup.options.clean or folder.full or not folder.previous or present is None or scanned.fresh_theme
            or not changed or not _as_left(setup, state, present, scanned)):
        return None
    from ssg.build.edits import plan_edit

    left = left_out_of(state)  # (an edit changes none: it neither moves nor publishes an article)
    edit = plan_edit(setup, state, changed, scanned.listing, folder.previous) if left is not None else None
    if edit is None:
        return None
    return Plan(edit.outputs, int(state.get("pages") or 0), edit.terms, None, state.get("next_due") or "", edit.views,
                edit.search_parts, edit.articles, edit.snapshot, edit=True, parsed=edit.parsed, left_out=left)


def left_out_of(state: BuildState) -> list | None:
    """The articles the last build left out (drafts, future ones), as it remembered them; None
    when it did not (a state from before they were remembered): then the site is planned."""
    data = state.blob("left_out")
    try:
        return None if data is None else marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None


def tell_left_out(setup: Setup, left_out, problems: Problems, report: BuildReport) -> None:
    """A note for each article left out, on every build (one that collects nothing too, from
    what the state remembers), and their count in the summary."""
    note_left_out(setup.config.content_dir, left_out, problems)
    reasons = [reason for _, reason, _ in left_out]
    report.drafts, report.future = reasons.count("draft"), reasons.count("future")
    report.embargoed, report.expired = reasons.count("embargo"), reasons.count("expired")


# --- collect ----------------------------------------------------------------------------------


def collect_archive(setup: Setup, state: BuildState, folder: Folder, scanned: Scanned, problems: Problems) -> Collected:
    """The archive: changed files parsed, the others from the build state. The cyclic garbage
    collector is off meanwhile: it would walk the many objects made again and again for nothing."""
    o = setup.options
    known = {} if o.clean else state.articles()
    return collect(setup.site, setup.config, problems, listing=scanned.listing, known=known, drafts=o.drafts,
                   future=o.future, now=setup.now, jobs=setup.jobs)


# --- plan -------------------------------------------------------------------------------------


def plan_outputs(setup: Setup, collected: Collected, state: BuildState, folder: Folder, problems: Problems,
                 timings) -> Plan:
    """Every output of the site with its key: pages, feeds, site files, static files."""
    from ssg.outputs import sitemap
    from ssg.outputs import redirects
    from ssg.outputs.kinds import (Planner, display_terms, global_key, make_globals, plan_moved, plan_static,
                                   published_names)
    from ssg.content.related import compute as compute_related
    from ssg.render.views import Views

    from ssg.outputs.kinds import structure_of

    archive, config = collected.archive, setup.config
    # Related stories, once for the whole archive: only what the articles changed since the last
    # build can touch is scored again.
    related = compute_related(archive, config.related.count, None if setup.options.clean else state.related(),
                              maybe_changed=set(collected.parsed), jobs=setup.jobs)
    timings("related")
    terms, fps = display_terms(config, archive, collected.fps)
    from ssg.outputs import images

    hashes = images.Index(state.path.parent / "images")  # SHA-256 of pictures and static files, by stat
    planned_images = images.plan_images(setup.site, config, archive, setup.content_root,
                                        setup.theme.static_dirs(setup.site), problems, setup.jobs,
                                        state.path.parent / "images", hashes, setup.urls)
    if planned_images.pictures:
        fps = {**fps, **{r: images.fingerprint(fps[r], e) for r, e in planned_images.pictures.items()}}
    timings(f"images ({planned_images.processed} processed)")
    # Static files first: their published (fingerprinted) names are in every page (asset()).
    roots = lambda folder: (real(setup.site),) if folder.parent == setup.site else (real(setup.site), real(folder.parent))
    static = plan_static([(f, roots(f)) for f in setup.theme.static_dirs(setup.site)], problems,
                         lambda f, r: walk_files(f, r, problems, _shown(setup.site, f)), hashes.sha)
    hashes.save()
    assets = published_names(static)
    key = global_key(__version__, config, setup.urls, _templates_key(setup), archive, assets)
    structure = structure_of(archive, key, assets)
    g = make_globals(config, setup.urls, structure)
    views = Views(g, planned_images.pictures)
    planner = Planner(g, archive, fps, related.links, views)
    from ssg.outputs.kinds import card_look

    if config.images.cards:
        planner.card_look = card_look(setup.theme)
    pages = planner.pages()
    news = sitemap.news_selection(archive.articles.values(), setup.now) if config.news.news_sitemap else None
    outputs = pages + planner.feeds() + planner.site_files(pages, news) + static + planned_images.outputs
    cards = planner.cards()
    outputs += cards
    if cards:
        from ssg.images.card import unshaped

        if unshaped(o.arg[0] for o in cards):
            problems.warning("share cards", "Arabic and Hebrew headlines are set without shaping (their letters "
                                            "not joined): Pillow's raqm layout needs libfribidi (Debian: libfribidi0)")
    registry = redirects.read(setup.site, config, problems)
    moved, article_paths = plan_moved(planner, registry, collected.expired, collected.left_out,
                                      {o.file for o in outputs}, problems)
    outputs += moved
    dues = [t for t in (collected.next_due, sitemap.news_due(news) if news else None) if t is not None]
    parts = planner.search_parts() if setup.indexer is not None else []
    snapshot = {"structure": marshal.dumps(structure), "terms": marshal.dumps(terms),
                "search": marshal.dumps(search_snapshot(parts, archive, views)),
                "left_out": marshal.dumps([tuple(item) for item in collected.left_out]),
                "images": marshal.dumps(planned_images.pictures), "image_files": marshal.dumps(planned_images.files)}
    timings("plan")
    return Plan(outputs, len(pages), terms, related, min(dues).isoformat() if dues else "", views, parts,
                archive.articles, snapshot, parsed=collected.parsed, left_out=collected.left_out,
                published_urls=(registry, article_paths))


def search_snapshot(parts, archive, views) -> list:
    """The search index's parts and every article page's (path, words), oldest first: an edit
    partitions them again with its new word counts."""
    if not parts:
        return []
    return [[(p.folder, p.paths) for p in parts],
            [(views.article_path(a), a.words) for a in reversed(list(archive.articles.values()))]]


def _shown(site: Path, folder: Path) -> str:
    return str(folder.relative_to(site)) if folder.is_relative_to(site) else str(folder)


def _templates_key(setup: Setup) -> str:
    return digest([(Path(f).read_bytes(),) for f, _, _ in _files(setup.theme.template_dirs(setup.site))])


# --- make -------------------------------------------------------------------------------------


class _Html:
    """Article bodies as HTML: from this build, from the state, or rendered now."""

    def __init__(self, config: Config, content_root: Path, state: BuildState):
        import mistune

        from ssg.render.markdown import Renderer

        self.settings = f"mistune-{mistune.__version__}/{Renderer.FORMAT}/allow_html={config.markdown.allow_html}"
        self.markdown = Renderer(allow_html=config.markdown.allow_html)
        self.root, self.state = content_root, state
        self.new: dict[str, str] = {}
        self.lookup = True  # False while the state cannot hold what is asked (a clean build)

    def __call__(self, article: Article) -> str:
        key = digest(self.settings, article.body_hash)
        html = self.new.get(key)
        if html is None and self.lookup:
            html = self.state.html(key)
        if html is None:
            # Bodies are read again when needed rather than held: memory stays flat with size.
            # The file may have changed (or gone) since it was collected, say an editor saving
            # during `ssg serve`'s rebuild: its HTML would then be remembered under the hash of
            # the other body, and the page would mix two versions. The build stops instead.
            try:
                body = read_body(self.root, article.relpath)
            except (OSError, ValueError):
                body = None
            if body is None or body_hash(body) != article.body_hash:
                raise SsgError([Problem(str(self.root / article.relpath), None,
                                        "changed while the site was being built: build again")])
            html = self.new[key] = self.markdown(body)
        return html


def make_outputs(setup: Setup, plan: Plan, folder: Folder, missing: set[str], state: BuildState, publisher,
                 problems: Problems, timings) -> Made:
    """Make every planned output whose key changed (or whose file went missing) and hand its
    bytes to the publisher; then the search index, from the article pages as they will be
    published. An edit's plan holds only the outputs it touches: the others are kept."""
    from ssg.outputs.kinds import Maker
    from ssg.render.theme import Templates, environment

    claims = Claims()
    if not plan.edit:  # (an edit moves no output)
        for o in plan.outputs:
            claims.claim(o.file, o.source)
        if claims.problems:
            raise SsgError(claims.problems)
    previous = folder.previous
    outputs: dict[str, str] = {}
    if plan.edit:  # planned because their keys changed; every other output is kept as it is
        todo = list(plan.outputs)
        publisher.reused += max(0, int(state.get("files") or 0) - len(todo))
    else:
        todo = []
        for o in plan.outputs:
            if not folder.full and previous.get(o.file) == o.key and o.file not in missing:
                publisher.keep(o.file)
                outputs[o.file] = o.key
            else:
                todo.append(o)
    timings("compare")
    env = environment(setup.site, setup.theme, cache_dir=state.path.parent / "templates")
    templates = Templates(env, problems, plan.views.g.site)
    html = _Html(setup.config, setup.content_root, state)
    html.lookup = not setup.options.clean  # a clean build's state holds no body yet
    maker = Maker(plan.views, templates, plan.articles, plan.terms, html)
    done = _make_all(maker, todo, publisher, html, state, setup.jobs, problems)
    outputs.update((o.file, o.key) for o in todo if o.file in done)
    timings(f"make {len(todo)}")
    stale, gone = False, ()
    if setup.indexer is not None and not templates.failed:
        if plan.edit:
            if any(o.kind == "article" for o in todo):
                outputs, stale, gone = _index_edit(setup, plan, folder, missing, publisher, outputs)
        else:
            stale = _index(setup, plan, folder, missing, publisher, outputs, claims)
        timings("search")
    return Made(outputs, frozenset(templates.failed), len(todo), html.new, stale, gone)


def _index(setup: Setup, plan: Plan, folder: Folder, missing: set[str], publisher, outputs: dict[str, str],
           claims: Claims) -> bool:
    """The search index's files, into ``outputs``. Returns whether parts were left stale
    (``search_later``)."""
    files, stale = search.index_outputs(setup.indexer, plan.search_parts, plan.outputs, publisher, folder.previous,
                                        folder.full, missing, setup.output, setup.jobs, later=setup.options.search_later)
    for o in files:
        if claims.claim(o.file, o.source):
            outputs[o.file] = o.key
    if claims.problems:
        raise SsgError(claims.problems)
    return stale


def _index_edit(setup: Setup, plan: Plan, folder: Folder, missing: set[str], publisher,
                outputs: dict[str, str]) -> tuple[dict[str, str], bool, tuple[str, ...]]:
    """After an edit, the parts of the search index holding a page made again (the others are
    kept): (the outputs whose key changed, with the new index files; whether parts were left
    stale; the old files that go)."""
    previous = folder.previous
    current = {**previous, **outputs}
    made = {o.path for o in plan.outputs if o.kind == "article"}
    parts = [part for part in plan.search_parts if made.intersection(part.paths)]
    from ssg.outputs.kinds import Output

    pages = [Output(Urls.output_file(path), "article", None, (), current[Urls.output_file(path)], "", path)
             for part in parts for path in part.paths]
    for part in parts:
        for rel in search.files_of(previous, part.folder):
            current.pop(rel, None)
    files, stale = search.index_outputs(setup.indexer, parts, pages, publisher, previous, folder.full, missing,
                                        setup.output, setup.jobs, later=setup.options.search_later)
    for o in files:
        current[o.file] = o.key
    changed = {rel: key for rel, key in current.items() if previous.get(rel) != key}
    return changed, stale, tuple(rel for rel in previous if rel not in current)


def _make_all(maker, todo: list[Output], publisher, html: _Html, state: BuildState, jobs: int,
              problems: Problems) -> set[str]:
    """Make ``todo``, over ``jobs`` processes when there are many; returns the files made."""
    if jobs <= 1 or len(todo) < PARALLEL_MIN:
        return _make_chunk(maker, todo, publisher)
    state_file = state.path

    def work(chunk):
        # A forked worker: its own SQLite connection, its own counts, the files it staged.
        html.state, html.new = BuildState(state_file, Problems()), {}
        publisher.written = publisher.reused = 0
        if isinstance(publisher, IncrementalPublisher):
            publisher.write = []
        maker.templates.problems = Problems()
        try:
            done = _make_chunk(maker, chunk, publisher)
            html.state.store_html(html.new)
        finally:
            html.state.close()
        return (done, maker.templates.problems.items, sorted(maker.templates.failed), publisher.written,
                publisher.reused, getattr(publisher, "write", []))

    made: set[str] = set()
    for done, found, failed, written, reused, staged in fan_out(work, chunked(todo, jobs, 50, 500), jobs):
        made |= done
        for p in found:
            if p not in problems.items:
                problems.items.append(p)
        maker.templates.failed.update(failed)
        publisher.written += written
        publisher.reused += reused
        if staged:
            publisher.write.extend(staged)
    return made


def _make_chunk(maker, chunk: list[Output], publisher) -> set[str]:
    done = set()
    for o in chunk:
        data = maker.make(o)
        if data is not None:
            publisher.add(o.file, data)
            done.add(o.file)
    return done


# --- publish and remember ---------------------------------------------------------------------


def publish(setup: Setup, folder: Folder, present, plan: Plan, made: Made, missing: set[str], publisher,
            problems: Problems, report: BuildReport) -> bool:
    """Commit what was made, remove what is no longer produced, and write the marker; or, on
    any error (unless --keep-going, for content errors), leave the folder exactly as it was."""
    if made.failed or (problems.errors and not setup.options.keep_going):
        publisher.abort()
        return False
    if plan.edit:
        return _publish_edit(setup, folder, plan, made, publisher, report)
    outputs, previous = made.outputs, folder.previous
    # The marker: rewritten only when the set of outputs changed (or it went missing).
    if (not folder.full and MARKER in previous and MARKER not in missing and len(previous) == len(outputs) + 1
            and all(rel in previous for rel in outputs)):
        publisher.keep(MARKER)
        outputs[MARKER] = previous[MARKER]
    else:
        data = marker_bytes(outputs)
        publisher.add(MARKER, data)
        outputs[MARKER] = hashlib.blake2b(data, digest_size=16).hexdigest()
    folders: list[str] = []
    removed = 0
    if not folder.full:
        if previous:
            before = previous
        elif folder.walk:  # --clean, or a folder of other files to replace: whatever it holds
            before, folders = present.contents()
        else:  # the state is gone: the files the marker lists
            before = folder.marked or []
        for rel in sorted(set(before) - set(outputs)):
            publisher.remove(rel)
            removed += 1
    publisher.commit()
    if folders:
        remove_empty_folders(setup.output, folders, outputs)  # as a staged site would have none
    report.published, report.search_stale = True, made.search_stale
    report.pages, report.files, report.rendered = plan.pages, len(outputs) - 1, made.rendered
    report.written, report.reused, report.removed = publisher.written, publisher.reused, removed
    return True


def _publish_edit(setup: Setup, folder: Folder, plan: Plan, made: Made, publisher, report: BuildReport) -> bool:
    """An edit's commit: the outputs made again, and, when the search index's files changed, the
    old ones removed and the marker written again."""
    new = [rel for rel in made.outputs if rel.startswith(search.PREFIX)]
    if made.gone or new:
        files = {**folder.previous, **made.outputs}
        for rel in made.gone:
            del files[rel]
            publisher.remove(rel)
        files.pop(MARKER, None)
        data = marker_bytes(files)
        publisher.add(MARKER, data)
        made.outputs[MARKER] = hashlib.blake2b(data, digest_size=16).hexdigest()
    else:
        publisher.keep(MARKER)
    publisher.commit()
    report.published, report.search_stale = True, made.search_stale
    report.pages, report.rendered = plan.pages, made.rendered
    report.files = publisher.written + publisher.reused
    report.written, report.reused, report.removed = publisher.written, publisher.reused, len(made.gone)
    return True


def remember(state: BuildState, scanned: Scanned, dropped, plan: Plan, made: Made, folder: Folder,
             problems: Problems) -> None:
    """What the next build starts from: the articles read, the bodies rendered, every output
    and its key (with, for outputs that show articles, what they are made of and show: the
    dependency index), the related stories, the snapshot an edit-only build starts from, and
    (when this build reported no problem) the fingerprint of its settings."""
    listing, racy = scanned.listing, scanned.racy
    details = None if plan.edit else {o.file: (o.kind, repr(o.arg), o.shows) for o in plan.outputs if o.shows}
    state.set("pages", str(plan.pages))
    if not plan.edit:
        state.set("files", str(len(made.outputs)))
    elif made.gone:  # index files were replaced (their names are their contents' hashes)
        new = sum(1 for rel in made.outputs if rel.startswith(search.PREFIX))
        state.set("files", str(int(state.get("files") or 0) + new - len(made.gone)))
    state.set("search_stale", "1" if made.search_stale else "")
    state.set("registry", scanned.registry)
    state.save(
        settings=scanned.settings if not problems.errors else "",
        next_due=plan.due,
        articles={r: ("racy" if listing[r][1] >= racy else stat, fp, row)
                  for r, (stat, _, fp, row) in plan.parsed.items()},
        dropped_articles=list(dropped),
        html=made.html,
        outputs=made.outputs,
        previous=folder.previous,
        full=folder.full or not folder.previous,
        related=plan.related,
        details=details,
        snapshot={**plan.snapshot, "listing": scanned.snapshot(), **_paths_snapshot(plan, made, folder)},
        delta=plan.edit,
        removed=made.gone,
    )


def _paths_snapshot(plan: Plan, made: Made, folder: Folder) -> dict[str, bytes]:
    """Every output's path in one blob (``state.output_paths``: what the next build's check for
    outputs deleted by hand reads), when the set of outputs may have changed."""
    if not plan.edit:
        return {"outputs": marshal.dumps(list(made.outputs))}
    if made.gone or any(rel.startswith(search.PREFIX) for rel in made.outputs):
        files = {**folder.previous, **made.outputs}
        for rel in made.gone:
            files.pop(rel, None)
        return {"outputs": marshal.dumps(list(files))}
    return {}


# --- the commands -------------------------------------------------------------------------------


def run(command: str, site: Path, args, problems: Problems, exiting: bool = False) -> list[str]:
    """``ssg import`` and ``ssg build``; ``exiting``: the process exits right after (see
    ``BuildOptions.exiting``)."""
    config = load_config(site)
    lines = []
    report = import_seeds(site, config, problems, date=args.date, force=args.force, progress=args.quiet == 0)
    lines.append(report.summary())
    if command == "build":
        base_url = getattr(args, "base_url", None)
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise SsgError([Problem("--base-url", None, f"must start with http:// or https://, got {base_url!r}")])
        at = getattr(args, "at", None)
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=config.tz)
        options = BuildOptions(drafts=args.drafts, future=args.future, base_url=base_url, clean=args.clean,
                               jobs=args.jobs, keep_going=args.keep_going, replace_output=args.replace_output,
                               exiting=exiting, at=at,
                               record_urls=not (args.drafts or args.future or at is not None))
        lines.append(build_site(site, config, problems, options).summary())
    return lines

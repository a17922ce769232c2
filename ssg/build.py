"""The pipeline, phase by phase: import → collect → plan → render → publish → remember.

Everything is planned and rendered before anything is written. Each output carries a
fingerprint of all its inputs (``render.Planned.key``); a page whose fingerprint matches the
last build's is neither rendered nor written, and a build whose whole input is unchanged stops
right after looking at file stats. An incremental build must give exactly the output of a clean
one: the fingerprints are the dependency tracking, so anything a page shows must be in its key.

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
import os
import shutil
from itertools import islice
import time
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .config import Config, load_config
from .importer import import_seeds
from .output import (MARKER, Claims, FullPublisher, IncrementalPublisher, OutputCheck, folder_entries, marker_bytes,
                     read_marker, recover, remove_empty_folders)
from . import search, sitemap
from .problems import Problem, Problems, SsgError
from .content import body_hash
from .files import real, walk_files
from .site import collect, read_body, scan
from .state import BuildState, digest, state_path
from .theme import find_theme
from .urls import Urls

PARALLEL_MIN = 300  # pages: below this, forking workers costs more than it saves
RACY_NS = 2_000_000_000


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


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    now: dt.datetime | None = None
    clean: bool = False  # ignore and rebuild the cache, render everything
    jobs: int | None = None  # worker processes; None: all cores
    # Publish the site without the articles (and seeds) that have errors, instead of leaving the
    # previous site as it was (`--keep-going`).
    keep_going: bool = False
    # Build into an output folder that ssg did not make, deleting what it holds that no page
    # produces (`--replace-output`; `ssg serve`'s private folder).
    replace_output: bool = False
    # The process exits right after the build (`ssg build`): its objects are left for the exit
    # (``cli.entry``'s ``os._exit``) instead of being freed one by one, ~25 ms at 10,000 articles.
    exiting: bool = False


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
    output: str = "public"  # the output folder, as site.toml names it

    def summary(self) -> str:
        folder = self.output.rstrip("/") + "/"
        if self.nothing_changed:
            return f"nothing changed: {folder} is up to date ({self.seconds:.2f} s)"
        if not self.published:
            return f"build failed: {folder} left as it was ({self.seconds:.2f} s)"
        return (f"built {self.pages:,} pages, {self.files:,} files: {self.rendered:,} rendered, "
                f"{self.written:,} written, {self.removed:,} removed, {self.reused:,} unchanged ({self.seconds:.2f} s)")


def _files(folders: list[Path]) -> list[tuple[str, int, int]]:
    out = []
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                st = path.stat()
                out.append((str(path), st.st_size, st.st_mtime_ns))
    return out


class _Html:
    """Article bodies as HTML: from this build, from the state, or rendered now."""

    def __init__(self, config: Config, content_root: Path, state: BuildState):
        import mistune

        from .markdown import Renderer

        self.settings = f"mistune-{mistune.__version__}/{Renderer.FORMAT}/allow_html={config.markdown.allow_html}"
        self.markdown = Renderer(allow_html=config.markdown.allow_html)
        self.root, self.state = content_root, state
        self.new: dict[str, str] = {}
        self.lookup = True  # False while the state cannot hold what is asked (article pages of a clean build)

    def __call__(self, article) -> str:
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


# Set in the parent just before forking: workers inherit it instead of receiving it.
_WORK = None


def _start_chunk(publisher, html, state_file) -> None:
    """A forked worker's copies, made ready for one chunk of work."""
    # A forked child must not use its parent's SQLite connection: open its own.
    html.state = BuildState(state_file, Problems())
    html.new = {}
    publisher.written = publisher.reused = 0  # this worker's copy counts per chunk
    if isinstance(publisher, IncrementalPublisher):
        publisher.write = []  # ... and lists the files it staged, for the parent's commit


def _render_chunk(chunk):
    renderer, publisher, html, state_file = _WORK
    _start_chunk(publisher, html, state_file)
    renderer.problems = Problems()
    done = []
    for p in chunk:
        data = renderer.render_page(p)
        if data is not None:
            publisher.add(Urls.output_file(p.path), data)
            done.append(p.path)
    html.state.store_html(html.new)
    html.state.close()
    return (done, renderer.problems.items, sorted(renderer.failed), publisher.written, publisher.reused,
            getattr(publisher, "write", []))


def _render_all(renderer, publisher, html, state, pages, jobs: int, problems: Problems) -> list[str]:
    global _WORK
    if jobs <= 1 or len(pages) < PARALLEL_MIN:
        done = []
        for p in pages:
            data = renderer.render_page(p)
            if data is not None:
                publisher.add(Urls.output_file(p.path), data)
                done.append(p.path)
        return done
    import multiprocessing

    _WORK = (renderer, publisher, html, state.path)
    size = max(50, min(500, len(pages) // (jobs * 4) + 1))
    chunks = [pages[i : i + size] for i in range(0, len(pages), size)]
    done: list[str] = []
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for paths, found, failed, written, reused, staged in pool.imap(_render_chunk, chunks):
                if staged:
                    publisher.write.extend(staged)
                done.extend(paths)
                for p in found:
                    if p not in problems.items:
                        problems.items.append(p)
                renderer.failed.update(failed)
                publisher.written += written
                publisher.reused += reused
    finally:
        _WORK = None
    return done


FEEDS_PARALLEL_MIN = 64  # feed files to make: below this, forking workers costs more than it saves


def _feed_chunk(indices):
    extra, publisher, html, state_file = _WORK
    _start_chunk(publisher, html, state_file)
    try:
        for i in indices:
            publisher.add(extra[i][0], extra[i][2]())  # written here: the parent never holds them all
        html.state.store_html(html.new)
    finally:
        html.state.close()
    return indices, publisher.written, publisher.reused, getattr(publisher, "write", [])


def _make_feeds(extra, unchanged, publisher, html, state, jobs: int) -> None:
    """Make and add to ``publisher`` the feeds of ``extra`` (from ``_feeds``) that changed, over
    ``jobs`` processes when there are many (a pair per section, tag and author); their entries'
    makers become None (done)."""
    global _WORK
    todo = [i for i, (rel, key, _, _) in enumerate(extra) if not unchanged(rel, key)]
    if jobs <= 1 or len(todo) < FEEDS_PARALLEL_MIN:
        return
    import multiprocessing

    # An RSS file and its Atom twin come from one make: they stay in the same chunk.
    size = max(8, 2 * (len(todo) // (jobs * 8) + 1))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    _WORK = (extra, publisher, html, state.path)
    try:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            for done, written, reused, staged in pool.imap(_feed_chunk, chunks):
                if staged:
                    publisher.write.extend(staged)
                publisher.written += written
                publisher.reused += reused
                for i in done:
                    rel, key, _, source = extra[i]
                    extra[i] = (rel, key, None, source)
    finally:
        _WORK = None


def build_site(site: Path, config: Config, problems: Problems, options: BuildOptions = BuildOptions()) -> BuildReport:
    started = time.perf_counter()
    timings = _Timings()
    gc_was_on = gc.isenabled()
    report = BuildReport(output=config.output_dir)
    urls = Urls.from_config(config, options.base_url)
    output = site / config.output_dir
    content_root = site / config.content_dir
    theme = find_theme(site, config.theme)
    # Search off (with a warning) where it cannot be had: no page, no box, so in every page's key.
    config, indexer = search.effective(config, theme.template_dirs(site), problems)
    now = options.now or dt.datetime.now(dt.timezone.utc)
    state = BuildState(state_path(site, config.output_dir), problems, exclusive=True)
    present = None
    try:
        jobs = options.jobs or os.cpu_count() or 1
        previous = state.outputs()
        recorded = bool(previous)  # a build of this folder is recorded in the state
        if options.clean:
            state.clear()
            previous = {}
        # An existing output folder is updated in place: changed files through a journal, the
        # rest left alone (a --clean build, which renders everything again, rewrites only what
        # differs). Only a first build stages a whole site and moves it into place.
        full = not output.is_dir()
        marked = None if full else read_marker(output)
        # What may go from the folder: without the state's list of the last build's outputs,
        # the marker's; everything it holds only on --clean in a folder that is ssg's, or when
        # asked to replace a folder of other files.
        walk = not full and not previous and (
            (options.clean and (marked is not None or recorded)) or _not_ours(output, marked, recorded, options, problems))
        # Looked at on another core while the content is scanned: which of the last build's
        # outputs were deleted by hand (they are made again, even when nothing else changed);
        # or, to ``walk``, all the folder holds (what no page produces goes).
        present = None
        if previous:
            present = OutputCheck(output, list(previous), parallel=jobs > 1)
        elif walk:
            present = OutputCheck(output, None, parallel=jobs > 1)
        scanned_ns = time.time_ns()
        listing = scan(content_root, site, problems, config.content_dir.rstrip("/"))
        theme_files = _files(theme.template_dirs(site) + theme.static_dirs(site))
        # A file modified within RACY_NS of the scan may change again within the same timestamp
        # tick without its stat changing (git's "racy" files): never trust its stat later.
        racy = scanned_ns - RACY_NS
        fresh_input = any(m >= racy for _, m in listing.values()) or any(m >= racy for _, _, m in theme_files)
        fingerprint = "" if fresh_input else digest(__version__, repr(config), urls.base_url, options.drafts, options.future,
                             list(listing.items()), theme_files, indexer)
        timings("scan")
        due = state.get("next_due")
        journal = output.parent / f".{output.name}.journal"
        if (fingerprint and state.get("fingerprint") == fingerprint and previous and present is not None and not journal.exists()
                and (not due or now < dt.datetime.fromisoformat(due)) and not present.missing()):
            report.nothing_changed = report.published = True
            recover(output)  # what a killed build left beside public/ goes even when nothing changed
            timings.report()
            report.seconds = time.perf_counter() - started
            return report

        # Collecting and planning make a great many objects and no garbage cycles: the cyclic
        # collector would walk them all again and again for nothing. It is back on (with what was
        # made so far frozen out of its sight) for rendering.
        gc.disable()
        known = {} if options.clean else state.articles()
        collected = collect(site, config, problems, listing=listing, known=known,
                            drafts=options.drafts, future=options.future, now=now, jobs=jobs)
        archive = collected.archive
        timings("collect")
        if indexer is not None and not archive.articles:
            config, indexer = search.off(config), None  # nothing to search (sections: in global_key)

        from .render import PageRenderer
        from .theme import environment

        env = environment(site, theme, cache_dir=state.path.parent / "templates")
        templates_key = digest([(Path(f).read_bytes(),) for f, _, _ in _files(theme.template_dirs(site))])
        global_key = digest(__version__, repr(config), urls.base_url, templates_key,
                            [(s.name, s.slug) for s in archive.sections],
                            # Every page links the archive overview and term indexes that exist.
                            bool(archive.years), bool(archive.tags), bool(archive.authors))
        html = _Html(config, content_root, state)
        fingerprints = {r: fp for r, (_, _, fp) in known.items()}
        fingerprints.update({r: entry[2] for r, entry in collected.parsed.items()})
        # Related stories, once for the whole archive (render workers inherit them): only what
        # the articles changed since the last build can touch is scored again.
        from .related import compute as compute_related

        related = compute_related(archive, config.related.count, None if options.clean else state.related(),
                                  maybe_changed=set(collected.parsed), jobs=jobs)
        timings("related")
        renderer = PageRenderer(config, urls, env, archive, problems, html, global_key, fingerprints,
                                related=related.links)
        pages = renderer.plan()
        timings("plan")
        gc.freeze()  # forked render workers neither walk nor touch (copy) these objects either
        if gc_was_on:
            gc.enable()

        claims = Claims()
        files = [Urls.output_file(p.path) for p in pages]  # each page's output file, worked out once
        for rel, p in zip(files, pages):
            claims.claim(rel, p.source)
        if claims.problems:
            raise SsgError(claims.problems)

        timings("claims")
        publisher = FullPublisher(output) if full else IncrementalPublisher(output)
        outputs: dict[str, str] = {}
        search_work: list[Path] = []  # Pagefind's private folders, removed once published
        try:
            missing = present.missing() if present is not None and previous else set()

            def unchanged(rel: str, key: str) -> bool:
                return not full and previous.get(rel) == key and rel not in missing

            if full:
                todo = list(pages)
            else:
                todo, keep = [], publisher.keep
                for rel, p in zip(files, pages):  # ``unchanged``, inlined: this runs for every page
                    if previous.get(rel) == p.key and rel not in missing:
                        keep(rel)
                        outputs[rel] = p.key
                    else:
                        todo.append(p)
            keys = {p.path: p.key for p in todo}
            timings("compare")
            # A clean build's state starts empty: each article's body is rendered once, on its
            # own page, and asking the state for it first only costs a query per article.
            html.lookup = not options.clean
            for path in _render_all(renderer, publisher, html, state, todo, jobs, problems):
                outputs[Urls.output_file(path)] = keys[path]
            html.lookup = True
            timings(f"render {len(todo)}")
            report.rendered = len(todo)
            report.pages = len(pages)

            extra = list(_feeds(renderer, urls, config, archive, global_key))
            _make_feeds(extra, unchanged, publisher, html, state, jobs)
            timings("feeds")
            # The news sitemap changes with `now` alone: be due again when its oldest entry ages out.
            news = news_entries = news_due = None
            if config.news.news_sitemap:
                news = sitemap.news_selection(archive.articles.values(), now)
                news_entries = [(urls.absolute(renderer.article_path(a)), a.date.isoformat(), a.title) for a in news]
                news_due = sitemap.news_due(news)
            extra += _site_files(urls, pages, global_key, news=news_entries, config=config)
            if indexer is not None and not renderer.failed:
                extra += search.index_outputs(indexer, renderer.search_parts(), pages, publisher, previous, full,
                                              missing, output, search_work, jobs)
            due_times = [t for t in (collected.next_due, news_due) if t is not None]
            static: dict[str, Path] = {}
            for folder in theme.static_dirs(site):  # the site's static/ overrides the theme's
                # Links may point anywhere in the site, and a theme's into its own folder.
                roots = (real(site),) if folder.parent == site else (real(site), real(folder.parent))
                shown = str(folder.relative_to(site)) if folder.is_relative_to(site) else str(folder)
                for rel, entry in walk_files(folder, roots, problems, shown):
                    static[rel] = Path(entry.path)
            for rel, path in sorted(static.items()):
                data = path.read_bytes()
                extra.append((rel, digest(data), lambda data=data: data, f"static file {path}"))
            for rel, key, make, source in extra:
                if not claims.claim(rel, source):
                    continue
                if unchanged(rel, key):
                    publisher.keep(rel)
                elif make is not None:  # None: made and added already (_make_feeds)
                    publisher.add(rel, make())
                outputs[rel] = key
            timings("other files")
            if claims.problems:
                raise SsgError(claims.problems)
            if renderer.failed or (problems.errors and not options.keep_going):
                publisher.abort()
                report.seconds = time.perf_counter() - started
                return report
            # The marker: rewritten only when the set of outputs changed (or it went missing).
            if (not full and MARKER in previous and MARKER not in missing and len(previous) == len(outputs) + 1
                    and all(rel in previous for rel in outputs)):
                publisher.keep(MARKER)
                outputs[MARKER] = previous[MARKER]
            else:
                data = marker_bytes(outputs)
                publisher.add(MARKER, data)
                outputs[MARKER] = hashlib.blake2b(data, digest_size=16).hexdigest()
            folders: list[str] = []
            if not full:
                if previous:
                    before = previous
                elif walk:  # --clean, or a folder of other files to replace: whatever it holds
                    before, folders = present.contents()
                else:  # the state is gone: the files the marker lists
                    before = marked or []
                for rel in sorted(set(before) - set(outputs)):
                    publisher.remove(rel)
                    report.removed += 1
            publisher.commit()
            if folders:
                remove_empty_folders(output, folders, outputs)  # as a staged site would have none
            timings("publish")
        except BaseException:
            publisher.abort()
            raise
        finally:
            for folder in search_work:
                shutil.rmtree(folder, ignore_errors=True)
        report.published = True
        report.files = len(outputs) - 1  # the marker is not a file of the site
        report.written, report.reused = publisher.written, publisher.reused
        state.save(
            # A build that reported problems must look at its input again next time.
            fingerprint=fingerprint if not problems.errors else "",
            next_due=min(due_times).isoformat() if due_times else "",
            articles={r: ("racy" if listing[r][1] >= racy else stat, fp, row) for r, (stat, _, fp, row) in collected.parsed.items()},
            dropped_articles=[r for r in known if r not in listing],
            html=html.new,
            outputs=outputs,
            previous=previous,
            full=full,
            related=related,
        )
        timings("save state")
    except SsgError as exc:
        problems.extend(exc.problems)
    finally:
        if present is not None:
            present.close()
        state.close()
        if gc_was_on:
            gc.enable()
        gc.unfreeze()
    timings.report()
    report.seconds = time.perf_counter() - started
    if options.exiting:
        _LEFT_FOR_EXIT.append(dict(locals()))
    return report


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


def _feeds(renderer, urls: Urls, config: Config, archive, global_key: str):
    """(output path, key, make bytes, source) for every feed; bytes are made only when needed."""
    targets = [(config.title, config.description, "/", "/feed.xml", "/atom.xml",
                list(islice(archive.articles, config.feeds.items)))]
    for s in archive.sections:
        targets.append((f"{s.name} — {config.title}", f"{s.name}: {config.description}", urls.section_path(s.slug),
                        urls.section_feed_path(s.slug, "feed"), urls.section_feed_path(s.slug, "atom"), list(s.keys)))
    from .render import TAXONOMY_NAMES, taxonomies

    for kind, terms in taxonomies(config, archive):  # a feed pair per tag and per author
        for t in terms:
            what = f"Articles tagged {t.name}" if kind == "tags" else f"Articles by {t.name}"
            targets.append((f"{TAXONOMY_NAMES[kind]}: {t.name} — {config.title}", f"{what}: {config.description}",
                            urls.term_path(kind, t.slug), urls.term_feed_path(kind, t.slug, "feed"),
                            urls.term_feed_path(kind, t.slug, "atom"), t.keys))
    for title, description, home, rss_path, atom_path, keys in targets:
        chosen = [archive.articles[k] for k in keys[: config.feeds.items]]
        key = digest(global_key, "feed", title, home, [renderer.fingerprint(a) for a in chosen])
        cached: dict[str, bytes] = {}

        def make(kind, chosen=chosen, title=title, description=description, home=home, rss_path=rss_path,
                 atom_path=atom_path, cached=cached):
            if not cached:
                from . import feeds  # feedgen and lxml load only when a feed must be made

                entries = [(a, urls.absolute(renderer.article_path(a)),
                            renderer.html_source(a) if config.feeds.full_content else "") for a in chosen]
                cached["rss"], cached["atom"] = feeds.build_feeds(
                    title=title, description=description, language=config.language,
                    home_url=urls.absolute(home), rss_url=urls.absolute(rss_path), atom_url=urls.absolute(atom_path),
                    articles=entries, full_content=config.feeds.full_content, author=config.title,
                )
            # Each half is handed out once and let go: hundreds of term feeds are not all held.
            return cached.pop(kind)

        source = f"feed {title!r}"
        yield Urls.output_file(rss_path), key, lambda make=make: make("rss"), source
        yield Urls.output_file(atom_path), key, lambda make=make: make("atom"), source


def _site_files(urls: Urls, pages, global_key: str, *, news: list[tuple[str, str, str]] | None = None,
                config: Config | None = None):
    """The sitemap (every planned page with a lastmod, in plan order; past sitemap.SITEMAP_LIMIT
    URLs, sitemap.xml is an index of sitemap-1.xml, sitemap-2.xml…), the news sitemap when
    ``news`` (absolute URL, publication date, title: the selection, newest first) is given, and
    robots.txt listing both."""
    entries = [(urls.absolute(p.path), p.lastmod) for p in pages if p.lastmod is not None]
    parts = sitemap.split(entries)
    files = []
    if len(parts) == 1:
        files.append(("sitemap.xml", digest(global_key, "sitemap", entries), lambda: sitemap.sitemap_xml(entries), "sitemap"))
    else:
        index = []
        for n, part in enumerate(parts, start=1):
            path = sitemap.sitemap_part_path(n)
            index.append((urls.absolute(path), max(lastmod for _, lastmod in part)))
            files.append((Urls.output_file(path), digest(global_key, "sitemap", part),
                          lambda part=part: sitemap.sitemap_xml(part), f"sitemap part {n}"))
        files.insert(0, ("sitemap.xml", digest(global_key, "sitemap index", index),
                         lambda: sitemap.sitemap_index_xml(index), "sitemap index"))
    listed = [urls.absolute("/sitemap.xml")]
    if news is not None:
        publication = (config.news.publisher or config.title) if config else ""
        language = config.language if config else "en"
        files.append(("news-sitemap.xml", digest(global_key, "news sitemap", publication, language, news),
                      lambda: sitemap.news_sitemap_xml(news, publication, language), "news sitemap"))
        listed.append(urls.absolute("/news-sitemap.xml"))
    robots = sitemap.robots_txt(*listed)
    files.append(("robots.txt", digest(robots), lambda: robots, "robots.txt"))
    return files


def run(command: str, site: Path, args, problems: Problems, exiting: bool = False) -> list[str]:
    """``exiting``: the process exits right after (see ``BuildOptions.exiting``)."""
    config = load_config(site)
    lines = []
    report = import_seeds(site, config, problems, date=args.date, force=args.force, progress=args.quiet == 0)
    lines.append(report.summary())
    if command == "build":
        base_url = getattr(args, "base_url", None)
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise SsgError([Problem("--base-url", None, f"must start with http:// or https://, got {base_url!r}")])
        options = BuildOptions(drafts=args.drafts, future=args.future, base_url=base_url, clean=args.clean,
                               jobs=args.jobs, keep_going=args.keep_going, replace_output=args.replace_output,
                               exiting=exiting)
        lines.append(build_site(site, config, problems, options).summary())
    return lines

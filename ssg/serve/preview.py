"""What ``ssg serve``'s build process does (``worker.py`` runs it): import and build into
``.ssg/serve/`` with the search index left for later, then, between requests, bring the index
up to date one part at a time.

A part whose pages changed is indexed by Pagefind from hard links to its pages as they were
published (``search.IndexJob``), without holding the build lock: a new edit builds meanwhile.
When Pagefind is done, the part is published only if its pages are still those it indexed
(else it is indexed again from the newer pages), through the journal like every output.
"""

from __future__ import annotations

import dataclasses
import hashlib
import shutil
import tempfile
import time
from pathlib import Path

from ssg.outputs import search
from ssg.build.driver import BuildOptions, build_site
from ssg.serve.worker import SERVE_DIR
from ssg.config import load_config
from ssg.content.files import restat
from ssg.importer import import_seeds
from ssg.publish.writer import MARKER, IncrementalPublisher, marker_bytes
from ssg.problems import Problem, Problems, SsgError
from ssg.build.state import BuildState, state_path
from ssg.render.theme import find_theme
from ssg.urls import Urls



@dataclasses.dataclass(frozen=True)
class _Job:
    part: search.Part
    key: str
    index: search.IndexJob
    started: float


JOB_PREFIX = "search-job-"  # a background indexing job's folder, beside the serve folder


class PreviewBuild:
    def __init__(self, site: Path, *, drafts: bool = False, future: bool = False):
        self.site, self.drafts, self.future = site, drafts, future
        self.search_pending = False
        self.job: _Job | None = None
        self.base_path = "/"
        self.import_problems: list[Problem] | None = None  # what the last import reported
        self.listing: dict | None = None  # the content files' stats the last build saw
        serve = site / SERVE_DIR
        if serve.parent.is_dir():  # what a killed session's jobs left
            for leftover in serve.parent.glob(f".{serve.name}.{JOB_PREFIX}*"):
                shutil.rmtree(leftover, ignore_errors=True)

    def _config(self):
        config = load_config(self.site)
        return config, dataclasses.replace(config, output_dir=str(SERVE_DIR))

    def build(self, do_import: bool = True, touched: list[str] | None = None) -> tuple[list[Problem], str, str]:
        """Import (``do_import``: seeds or site.toml changed) and build the pages; (errors and
        notes, base path, summary). ``touched``: the only content files (relative to content/)
        that may have changed since the last build, as the watcher saw; None: any may have."""
        problems = Problems()
        listing, self.listing = self.listing, None  # (should this build fail: walk next time)
        try:
            config, serve_config = self._config()
            if do_import or self.import_problems is None:
                found = Problems()
                import_seeds(self.site, serve_config, found)
                self.import_problems = found.items
                listing = None  # the import may have written content files
            problems.extend(self.import_problems)  # still true: no seed changed since
            hint = None  # the content listing, when the watcher says which files to look at again
            if listing is not None and touched is not None and config.content_dir.strip("/") == "content":
                hint = restat(self.site / config.content_dir, listing, touched, ".md")  # (it watches content/)
            report = build_site(self.site, serve_config, problems,
                                BuildOptions(drafts=self.drafts, future=self.future, replace_output=True, search_later=True,
                                             listing=hint))
            self.listing = report.listing if report.published else None
            self.base_path = Urls.from_config(config).base_path
            self.search_pending = self.search_pending or report.search_stale
            summary = report.summary(kept=self._kept())
        except SsgError as exc:
            problems.extend(exc.problems)
            summary = f"build failed: {self._kept()}"
        except Exception as exc:  # keep serving whatever happens in a rebuild
            problems.error("ssg", f"internal error during rebuild: {type(exc).__name__}: {exc}")
            summary = f"build failed: {self._kept()}"
        return [p for p in problems.items if p.severity != "warning"], self.base_path, summary

    def _kept(self) -> str:
        """What the browser shows after a failed build: the preview folder is private (nothing
        is left "as it was" for readers), and holds the last build that succeeded, if any."""
        if (self.site / SERVE_DIR / MARKER).is_file():
            return "the preview still shows the last good build"
        return "nothing to preview until a build succeeds"

    def poll_interval(self) -> float | None:
        """How long to wait for the next request before looking at the search index again
        (None: until one comes)."""
        return 0.05 if self.job is not None else (0.0 if self.search_pending else None)

    def search_step(self) -> str | None:
        """Advance the search index by a step; a note when it has caught up."""
        try:
            if self.job is None:
                self.job = self._start()
                if self.job is None:
                    self.search_pending = False
                    return "search index up to date"
                return None
            if not self.job.index.done():
                return None
            job, self.job = self.job, None
            return self._finish(job)
        except (SsgError, OSError, ValueError) as exc:
            if self.job is not None:
                self.job.index.close()
                self.job = None
            self.search_pending = False
            problems = exc.problems if isinstance(exc, SsgError) else [Problem("search", None, str(exc))]
            return "search index not updated: " + "; ".join(map(str, problems))

    def _open(self):
        """(config, output folder, indexer, state with the build lock held)."""
        config, serve_config = self._config()
        theme = find_theme(self.site, config.theme)
        serve_config, indexer = search.effective(serve_config, theme.template_dirs(self.site), Problems())
        output = self.site / SERVE_DIR
        state = BuildState(state_path(self.site, serve_config.output_dir), Problems(), exclusive=True)
        return output, indexer, state

    def _stale(self, state: BuildState, indexer) -> tuple[list, dict[str, str], object] | None:
        """The parts, the outputs, and the first part whose index is out of date (or None)."""
        import marshal

        data = state.blob("search")
        if indexer is None or not data:
            return None
        saved = marshal.loads(data)
        if not saved:
            return None
        parts = [search.Part(folder, tuple(paths)) for folder, paths in saved[0]]
        previous = state.outputs()
        by_key = search.previous_files(previous)
        for part in parts:
            key = _key(indexer, part, previous)
            if key is None:
                continue
            if search.kept_files(by_key, key, set()) is None:
                return parts, previous, (part, key)
        return None

    def _start(self) -> _Job | None:
        output, indexer, state = self._open()
        try:
            found = self._stale(state, indexer)
            if found is None:
                state.set("search_stale", "")
                return None
            _, _, (part, key) = found
            pages = [(Urls.output_file(path), output / Urls.output_file(path)) for path in part.paths]
            # Not named as a build's staging folder: the recovery of every build deletes those.
            work = Path(tempfile.mkdtemp(prefix=f".{output.name}.{JOB_PREFIX}", dir=output.parent))
            return _Job(part, key, search.IndexJob(indexer, pages, output, work, background=True), time.perf_counter())
        finally:
            state.close()

    def _finish(self, job: _Job) -> str | None:
        """Publish the part Pagefind made, if its pages are still those it indexed."""
        try:
            files = {rel: path.read_bytes() for rel, path in search.part_files(job.part, job.index.files()).items()}
            output, indexer, state = self._open()
            try:
                previous = state.outputs()
                if _key(indexer, job.part, previous) != job.key:
                    return None  # an edit changed its pages meanwhile: indexed again from them
                _publish(output, state, previous, job, files)
                if self._stale(state, indexer) is None:
                    state.set("search_stale", "")
                    self.search_pending = False
                    return f"search index caught up ({time.perf_counter() - job.started:.1f} s)"
                return None
            finally:
                state.close()
        finally:
            job.index.close()

    def close(self) -> None:
        if self.job is not None:
            self.job.index.close()
            self.job = None


def _key(indexer, part: search.Part, previous: dict[str, str]) -> str | None:
    files = [Urls.output_file(path) for path in part.paths]
    if any(f not in previous for f in files):
        return None  # a page the last build did not publish: its part waits for it
    return search.part_key(indexer, part, [(f, previous[f]) for f in files])


def _publish(output: Path, state: BuildState, previous: dict[str, str], job: _Job, files: dict[str, bytes]) -> None:
    publisher = IncrementalPublisher(output)
    try:
        outputs = dict(previous)
        for rel in search.files_of(previous, job.part.folder):
            if rel not in files:
                publisher.remove(rel)
            del outputs[rel]
        for rel, data in files.items():
            publisher.add(rel, data)
            outputs[rel] = job.key
        outputs.pop(MARKER, None)
        data = marker_bytes(outputs)
        publisher.add(MARKER, data)
        outputs[MARKER] = hashlib.blake2b(data, digest_size=16).hexdigest()
        publisher.commit()
    except BaseException:
        publisher.abort()
        raise
    state.save(settings=state.get("settings") or "", next_due=state.get("next_due") or "", articles={},
               dropped_articles=[], html={}, outputs=outputs, full=False, previous=previous)

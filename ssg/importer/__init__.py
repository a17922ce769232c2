"""Import: raw seeds become front-mattered Markdown files in content/.

content/ is the archive's editable source of truth, so the importer is conservative:
- a content file is found by its ``source:`` key, never by its name, so slugs never move;
- it rewrites a file only when the seed changed and the file is exactly as last imported
  (``import_hash``), unless ``force``; a hand-edited file is reported as a conflict;
- the date and any hand-added keys are kept on every rewrite; files with no seed behind them,
  and articles whose seed was deleted, are never touched.
A small stat cache (``.ssg/import.json``) lets a no-change run skip reading files; it is only an
accelerator: without it, or when it disagrees with the disk, the files themselves decide.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ssg.content import article as cf
from ssg.config import Config
from ssg.render.markdown import escape_text
from ssg.publish.writer import remove_stale_temporary, write_atomic
from ssg.keys import RACY_NS
from ssg.problems import Problems
from ssg.importer.seeds import Seed, SeedFile, find_seeds, parse_seed
from ssg.urls import content_relpath, slugify

CACHE_FILE = Path(".ssg") / "import.json"
CACHE_VERSION = 1


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    conflicts: int = 0
    deleted: int = 0
    errors: int = 0
    written: list[str] = field(default_factory=list)  # content paths, relative to the site
    # How many articles written in this run took their date from their seed's modification
    # time (no --date), by calendar day (YYYY-MM-DD): a copy or a checkout gives many one day.
    mtime_days: dict[str, int] = field(default_factory=dict)
    decoded: int = 0  # articles written in this run from seeds whose HTML entities were decoded

    def summary(self) -> str:
        parts = [
            f"imported {self.imported:,}",
            f"updated {self.updated:,}",
            f"unchanged {self.unchanged:,}",
            f"duplicates {self.duplicates:,}",
            f"conflicts {self.conflicts:,}",
        ]
        if self.deleted:
            parts.append(f"seeds deleted {self.deleted:,} (articles kept)")
        parts.append(f"errors {self.errors:,}")
        return ", ".join(parts)


def summarize(paragraphs, limit: int) -> str:
    """The lede: the first paragraph, cut at a word boundary with an ellipsis."""
    text = " ".join(paragraphs[0]) if paragraphs else ""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # A word that ends exactly at the cut is whole and stays; only a word split by it goes.
    if " " in cut and text[limit - 1] != " ":
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.-") + "…"




def _stat_key(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    if st.st_mtime_ns >= time.time_ns() - RACY_NS:
        return None
    return [st.st_size, st.st_mtime_ns]


def _same_stat(remembered, path: Path) -> bool:
    current = _stat_key(path)
    return current is not None and remembered == current


def _settings(config: Config) -> dict:
    """The settings that change what a seed's article says (and so its ``seed_hash``): the cache
    remembers them, and when they changed it is not trusted, so every seed is read again."""
    return {"decode_entities": config.imports.decode_entities}


class _Cache:
    def __init__(self, site: Path, problems: Problems, settings: dict):
        self.path = site / CACHE_FILE
        self.settings = settings
        self.entries: dict[str, dict] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == CACHE_VERSION and isinstance(data.get("seeds"), dict):
                self.entries = data["seeds"] if data.get("settings") == settings else {}
            else:
                raise ValueError("unknown format")
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            problems.warning(str(CACHE_FILE), f"import cache unreadable ({exc}); rebuilding it")

    def save(self, entries: dict[str, dict]) -> None:
        data = json.dumps({"version": CACHE_VERSION, "settings": self.settings, "seeds": entries},
                          sort_keys=True, separators=(",", ":"))
        try:
            write_atomic(self.path, data.encode("utf-8"))
        except OSError:
            pass  # only an accelerator


def _index_content(content_root: Path, site: Path) -> tuple[dict[str, Path], set[str]]:
    """source -> content file, and every occupied content path (relative to content/)."""
    by_source: dict[str, Path] = {}
    occupied: set[str] = set()
    if not content_root.is_dir():
        return by_source, occupied
    for dirpath, dirnames, filenames in os.walk(content_root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") and name.endswith(".tmp"):
                remove_stale_temporary(Path(dirpath) / name)  # left by a killed import
            if not name.endswith(".md") or name.startswith("."):
                continue
            path = Path(dirpath) / name
            occupied.add(path.relative_to(content_root).as_posix().casefold())
            source = cf.read_front_source(path)
            if source is not None and source not in by_source:
                by_source[source] = path
    return by_source, occupied


def _document(seed: Seed, config: Config, date: dt.datetime, slug: str, keep: dict) -> str:
    meta = {
        "title": seed.headline,
        "date": date,
        "section": seed.section,
        "slug": slug,
        "summary": summarize(seed.paragraphs, config.imports.summary_length),
        "source": seed.relpath,
    }
    for key, value in keep.items():  # hand-added keys survive
        if key not in meta and key not in (cf.SEED_HASH, cf.IMPORT_HASH):
            meta[key] = value
    meta[cf.SEED_HASH] = seed.seed_hash
    return cf.with_import_hash(meta, escape_text(seed.paragraphs))


# Seeds dated by their files' modification time on one day, in one run, past which the dates are
# taken to be those of a copy or a checkout rather than of the stories (and a warning says so).
SAME_MTIME_DAY = 20


DATE_PARTS = ("year", "month", "day", "hour", "minute")  # the groups of [import] date_from_path


def _seed_date(seed_file: SeedFile, config: Config, date: dt.date | None,
               problems: Problems) -> tuple[dt.datetime | None, bool]:
    """A new article's date and whether it came from the seed's modification time: ``--date``,
    else [import] date_from_path when it matches the seed's path below seeds/, else the mtime.
    (None, False) after an error on the seed: a match that is not a real date."""
    tz = config.tz
    if date is not None:
        return dt.datetime(date.year, date.month, date.day, tzinfo=tz), False
    pattern = config.imports.date_pattern
    shown = Path(config.seeds_dir).as_posix().rstrip("/")  # as find_seeds names seeds
    match = pattern.search(seed_file.relpath[len(shown) + 1:]) if pattern is not None else None
    if match is not None:
        parts = match.groupdict()
        try:
            return dt.datetime(*(int(parts.get(g) or 0) for g in DATE_PARTS), tzinfo=tz), False
        except (ValueError, OverflowError) as exc:
            problems.error(seed_file.relpath, f"[import] date_from_path found {match.group()!r}, not a date ({exc}): not imported")
            return None, False
    mtime = seed_file.path.stat().st_mtime
    return dt.datetime.fromtimestamp(int(mtime), tz), True


def import_seeds(
    site: Path,
    config: Config,
    problems: Problems,
    date: dt.date | None = None,
    force: bool = False,
    progress: bool = False,
) -> ImportReport:
    """Seeds turned into content files: new and changed ones read and written, unchanged ones
    skipped unread, duplicates and deleted seeds reported; hand edits are never overwritten."""
    report = ImportReport()
    content_root = site / config.content_dir
    cache = _Cache(site, problems, _settings(config))
    seed_files = find_seeds(site, config.seeds_dir, problems)
    new_entries: dict[str, dict] = {}
    todo = _changed_seeds(site, seed_files, cache, force, new_entries, report)
    parsed = _parse_seeds(todo, config, problems, report, progress)
    by_source: dict[str, Path] = {}
    if parsed:
        by_source, occupied = _index_content(content_root, site)
        _write_articles(site, content_root, config, parsed, by_source, occupied, date, force, problems, report, new_entries)
    # Seeds that went away: their articles stay, as an archive keeps articles.
    present = {sf.relpath for sf in seed_files}
    gone = {k: e["content"] for k, e in cache.entries.items() if k not in present and e.get("status") == "article"}
    prefix = config.seeds_dir.rstrip("/") + "/"
    for source, path in by_source.items():  # read when anything was parsed: it also knows articles the cache forgot
        if source.startswith(prefix) and source not in present:
            gone.setdefault(source, path.relative_to(site).as_posix())
    for relpath, content_path in sorted(gone.items()):
        report.deleted += 1
        problems.warning(relpath, f"seed deleted; its article {content_path} is kept")
        new_entries[relpath] = {"status": "article", "digest": "", "seed_stat": None, "content": content_path, "content_stat": None}
    cache.save(new_entries)
    _warn_mtime_days(config, report, problems)
    if report.decoded:
        seeds = f"{report.decoded:,} seed{'s' if report.decoded != 1 else ''}"
        problems.note(config.seeds_dir.rstrip("/"),
                      f"decoded HTML entities in {seeds} ([import] decode_entities = false keeps them)")
    return report


def _warn_mtime_days(config: Config, report: ImportReport, problems: Problems) -> None:
    """One warning for each day on which SAME_MTIME_DAY or more seeds of this run were dated
    by their files' modification time: those are seldom the stories' dates, and no later
    import moves a date once written."""
    for day, count in sorted(report.mtime_days.items()):
        if count >= SAME_MTIME_DAY:
            problems.warning(config.seeds_dir.rstrip("/"),
                             f"{count:,} seeds took their date ({day}) from their files' modification time; give the "
                             "real dates with `ssg import --date YYYY-MM-DD` or a `date:` in each content file")


def _dated_by_mtime(report: ImportReport, when: dt.datetime) -> None:
    day = when.date().isoformat()
    report.mtime_days[day] = report.mtime_days.get(day, 0) + 1


def _changed_seeds(site, seed_files, cache, force, new_entries, report) -> list[tuple[SeedFile, list[int] | None]]:
    """The seeds to read: those whose bytes or content file changed since the last run (the
    others are kept in ``new_entries`` unread)."""
    todo: list[tuple[SeedFile, list[int] | None]] = []
    cached_duplicates: list[tuple[SeedFile, list[int] | None, dict]] = []
    for sf in seed_files:
        stat = _stat_key(sf.path)
        entry = cache.entries.get(sf.relpath)
        if (
            not force
            and entry
            and stat is not None
            and entry.get("seed_stat") == stat
            and (entry.get("content") is None or _same_stat(entry.get("content_stat"), site / entry["content"]))
        ):
            if entry["status"] == "duplicate":
                cached_duplicates.append((sf, stat, entry))
                continue
            new_entries[sf.relpath] = entry
            report.unchanged += 1
            continue
        todo.append((sf, stat))
    # An unchanged duplicate is still a duplicate only while the article it copies is unchanged
    # too: when that seed was edited or deleted, the copy may now be unique and is parsed again,
    # exactly as a run without the cache would (the cache must never change the outcome).
    skipped_digests = {e["digest"] for e in new_entries.values() if e["status"] != "duplicate"}
    for sf, stat, entry in cached_duplicates:
        if entry.get("digest") in skipped_digests:
            new_entries[sf.relpath] = entry
            report.duplicates += 1
        else:
            todo.append((sf, stat))
    return todo


def _parse_seeds(todo, config: Config, problems: Problems, report: ImportReport, progress: bool):
    """The seeds read and parsed; unreadable, too big and malformed ones reported."""
    parsed: list[tuple[SeedFile, Seed, list[int] | None]] = []
    with _progress(progress and len(todo) > 200, len(todo), "reading seeds") as advance:
        limit = config.limits.max_article_bytes
        for sf, stat in todo:
            advance()
            try:
                with open(sf.path, "rb") as fh:  # too big: refused unread; never more than the limit read
                    why = config.limits.too_big(os.fstat(fh.fileno()).st_size)
                    data = b"" if why else fh.read(-1 if limit is None else limit + 1)
                    why = why or config.limits.too_big(len(data))  # grown since, or not a plain file
            except OSError as exc:
                problems.error(sf.relpath, f"cannot read: {exc.strerror or exc}")
                report.errors += 1
                continue
            if why:
                problems.error(sf.relpath, f"{why}: not imported")
                report.errors += 1
                continue
            before = len(problems.errors)
            seed = parse_seed(sf, data, config.imports.boilerplate, problems, config.imports.decode_entities)
            if seed is None:
                report.errors += len(problems.errors) - before or 1
                continue
            parsed.append((sf, seed, stat))
    return parsed


def _write_articles(site, content_root, config, parsed, by_source, occupied, date, force, problems, report, new_entries) -> None:
    """Parsed seeds written as articles, duplicates (by digest) reported and skipped."""
    # Seeds that already own an article come first, so a newly added copy of an imported
    # seed is the duplicate, not the original.
    parsed.sort(key=lambda item: (item[1].relpath not in by_source, item[1].relpath))
    seen: dict[str, str] = {e["digest"]: k for k, e in new_entries.items() if e["status"] != "duplicate"}
    for sf, seed, stat in parsed:
        original = seen.get(seed.digest)
        if original is not None:
            problems.warning(seed.relpath, f"duplicate of {original}; not imported")
            report.duplicates += 1
            new_entries[seed.relpath] = {"status": "duplicate", "digest": seed.digest, "seed_stat": stat, "content": None}
            continue
        seen[seed.digest] = seed.relpath
        target = _import_one(site, content_root, config, sf, seed, by_source, occupied, date, force, problems, report)
        if target is not None:
            new_entries[seed.relpath] = {
                "status": "article",
                "digest": seed.digest,
                "seed_stat": stat,
                "content": target.relative_to(site).as_posix(),
                "content_stat": _stat_key(target),
            }


def _import_new(site, content_root, config, sf, seed, occupied, date, problems, report) -> Path | None:
    """A seed's first article: a free slug in its section, dated by ``_seed_date``."""
    when, by_mtime = _seed_date(sf, config, date, problems)
    if when is None:
        report.errors += 1
        return None
    section_slug = slugify(seed.section, fallback="section")
    base = slugify(seed.headline, fallback=seed.stem)
    slug, n = base, 1
    while content_relpath(section_slug, slug).as_posix().casefold() in occupied:
        n += 1
        slug = f"{base}-{n}"
    rel = content_relpath(section_slug, slug)
    occupied.add(rel.as_posix().casefold())
    target = content_root / rel
    text = _document(seed, config, when, slug, {})
    if not _write(target, text, site, seed, problems, report):
        return None
    if by_mtime:
        _dated_by_mtime(report, when)
    report.imported += 1
    report.decoded += seed.decoded
    report.written.append(target.relative_to(site).as_posix())
    return target


def _import_one(site, content_root, config, sf, seed, by_source, occupied, date, force, problems, report) -> Path | None:
    existing = by_source.get(seed.relpath)
    if existing is None:
        return _import_new(site, content_root, config, sf, seed, occupied, date, problems, report)

    rel_existing = existing.relative_to(site).as_posix()
    try:
        old_text = existing.read_text(encoding="utf-8")
        meta, _, _ = cf.split_document(old_text)
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(rel_existing, f"cannot read: {exc}")
        report.errors += 1
        return None
    except cf.FrontMatterError as exc:
        if not force:
            problems.error(rel_existing, exc.message, exc.line)
            report.errors += 1
            return None
        meta = {}

    if meta.get(cf.SEED_HASH) == seed.seed_hash and not force:
        report.unchanged += 1
        return existing
    untouched = force or cf.is_untouched(old_text)
    if not untouched and seed.other_hash is not None and meta.get(cf.SEED_HASH) == seed.other_hash:
        # Only [import] decode_entities changed, not the seed: a file edited by hand is the
        # editor's, and stays as it is (no conflict either: nothing new came from the seed).
        report.unchanged += 1
        return existing
    if not untouched:
        problems.warning(
            rel_existing,
            f"edited by hand, and its seed {seed.relpath} changed: left alone (--force overwrites)",
        )
        report.conflicts += 1
        return None
    date_value = _kept_date(meta, config)
    by_mtime = False
    if date_value is None:  # (the file lost its date, or never had one)
        date_value, by_mtime = _seed_date(sf, config, date, problems)
        if date_value is None:
            report.errors += 1
            return None
    slug = str(meta.get("slug") or existing.stem)
    text = _document(seed, config, date_value, slug, meta)
    written = _write(existing, text, site, seed, problems, report)
    if written is None:
        return None
    if written and by_mtime:
        _dated_by_mtime(report, date_value)
    if written:
        report.updated += 1
        report.decoded += seed.decoded
        report.written.append(rel_existing)
    else:
        report.unchanged += 1
    return existing


def _kept_date(meta: dict, config: Config) -> dt.datetime | None:
    """The date a content file already has (a re-import never moves it); None if it has none."""
    try:
        return cf.parse_date(meta["date"], config.tz) if "date" in meta else None
    except ValueError:
        return None


def _write(path: Path, text: str, site: Path, seed: Seed, problems: Problems, report: ImportReport) -> bool | None:
    """write_atomic, with a failure (a file where a folder should be, a read-only or full disk)
    reported as an error on that content file instead of a traceback; None when it failed."""
    try:
        return write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        problems.error(path.relative_to(site).as_posix(), f"cannot write the article of {seed.relpath}: {exc.strerror or exc}")
        report.errors += 1
        return None


class _progress:
    """A rich progress bar on a terminal for long runs; nothing in logs or CI."""

    def __init__(self, enabled: bool, total: int, label: str):
        self.enabled = enabled and sys.stderr.isatty() and not os.environ.get("CI")
        self.total, self.label = total, label

    def __enter__(self):
        if not self.enabled:
            return lambda: None
        from rich.progress import Progress

        self._bar = Progress(transient=True)
        self._bar.start()
        task = self._bar.add_task(self.label, total=self.total)
        return lambda: self._bar.advance(task)

    def __exit__(self, *exc):
        if self.enabled:
            self._bar.stop()
        return False

"""Build state kept between builds, beside the site in ``.ssg/`` (git-ignored), in SQLite.

It remembers, per output folder:
- parsed articles, keyed by their file's size and modification time (and the settings that
  shape parsing), so unchanged files are not read again;
- rendered Markdown, keyed by a hash of the Markdown and the Markdown settings;
- every output file with a fingerprint of all the inputs that made it, so a page whose inputs
  did not change is neither rendered nor written; for outputs that show articles, also what
  they are made of (their ``arg``) and the articles they show;
- the dependency index: for each article, the outputs that show it (table ``shown``), so that
  an edited article is followed to the few outputs it changes without planning the site again;
- a fingerprint of the whole input, so a build with nothing changed stops at once, and the
  snapshot an edit-only build starts from (``Snapshot``: the content files' stats, the
  settings' fingerprint, the site's navigation, the search index's parts).
Every key is a content hash or a stat of the very file it describes: an entry can only be
reused for identical input. A corrupt or foreign state file is set aside with a warning and
rebuilt, never trusted. SQLite (standard library) gives atomic commits and row-level updates,
so a one-article change rewrites one row, not a whole JSON file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from ssg import __version__
from ssg.content.article import Article, article_from_row
from ssg.publish.writer import BuildLock
from ssg.problems import Problems

SCHEMA = "ssg-state-7"  # 7: image_focus, body_images; 6: url, aliases, corrections, publish_at, expires; 5: the dependency index


def state_path(site: Path, output_dir: str) -> Path:
    name = "".join(c if c.isalnum() else "_" for c in output_dir.strip("/")) or "public"
    return site / ".ssg" / f"build-{name}.sqlite"


def _batches(items: list, size: int = 500):
    """SQLite takes a bounded number of parameters in one statement."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _detail(detail) -> tuple:
    """(kind, arg, shows) columns of an output's row."""
    if detail is None:
        return (None, None, None)
    kind, arg, shows = detail
    return (kind, arg, "\0".join(shows))


def lock_path(site: Path, output_dir: str) -> Path:
    """The lock a build of ``output_dir`` holds (``output.BuildLock``), readers too."""
    return state_path(site, output_dir).with_suffix(".lock")


class BuildState:
    def __init__(self, path: Path, problems: Problems, clean: bool = False, exclusive: bool = False):
        """``exclusive``: the build itself (not a worker) holds this output folder's lock until
        ``close``: a second build of the same folder waits for it (see ``output.BuildLock``)."""
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.lock = BuildLock(path.with_suffix(".lock")) if exclusive else None
        try:
            if clean:
                self._remove()
            try:
                self._open()
            except sqlite3.DatabaseError as exc:
                problems.warning(str(path.relative_to(path.parents[1])), f"build cache unreadable ({exc}); rebuilding it")
                self._remove()
                self._open()
        except BaseException:
            if self.lock is not None:  # a long-lived `ssg serve` must not keep it
                self.lock.release()
            raise

    def clear(self) -> None:
        """Forget everything (``--clean``): the file is made again, empty."""
        self.db.close()
        self._remove()
        self._open()

    def _remove(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            try:
                os.unlink(f"{self.path}{suffix}")
            except FileNotFoundError:
                pass

    def _open(self) -> None:
        self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not tables:
                self._create()
                return
            meta = dict(self.db.execute("SELECT key, value FROM meta"))
            if meta.get("schema") != SCHEMA or meta.get("version") != __version__:
                raise sqlite3.DatabaseError(f"made by another version ({meta.get('schema')}, ssg {meta.get('version')})")
        except sqlite3.DatabaseError:
            self.db.close()
            raise

    def _create(self) -> None:
        self.db.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE articles (relpath TEXT PRIMARY KEY, stat TEXT NOT NULL, fp TEXT NOT NULL, data TEXT NOT NULL);
            CREATE TABLE html (key TEXT PRIMARY KEY, html TEXT NOT NULL);
            CREATE TABLE outputs (path TEXT PRIMARY KEY, key TEXT NOT NULL, kind TEXT, arg TEXT, shows TEXT);
            CREATE TABLE shown (relpath TEXT NOT NULL, path TEXT NOT NULL, PRIMARY KEY (relpath, path)) WITHOUT ROWID;
            CREATE TABLE related (relpath TEXT PRIMARY KEY, inputs TEXT NOT NULL, links TEXT NOT NULL);
            CREATE TABLE blobs (name TEXT PRIMARY KEY, data BLOB NOT NULL);
            """
        )
        self.db.executemany("INSERT INTO meta VALUES (?, ?)", [("schema", SCHEMA), ("version", __version__)])

    # --- meta ---------------------------------------------------------------------------
    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # --- reads --------------------------------------------------------------------------
    def articles(self) -> dict[str, tuple[str, Article, str]]:
        """relpath -> (stat key, article, fingerprint: a hash of the stored row)."""
        keys = self.db.execute("SELECT relpath, stat, fp, data FROM articles ORDER BY relpath").fetchall()
        try:
            # One JSON document for all rows decodes about twice as fast as a row at a time.
            rows = json.loads("[" + ",".join([k[3] for k in keys]) + "]")
            if len(rows) != len(keys):
                raise ValueError("row count")
        except ValueError:
            return {}  # unreadable: every article is parsed again from its file
        out = {}
        for (relpath, stat, fp, _), row in zip(keys, rows):
            try:
                out[relpath] = (stat, article_from_row(row), fp)
            except (ValueError, TypeError, KeyError):
                continue
        return out

    def related(self):
        """The related stories of the last build (``related.Stored``), or None. Every article's
        links are read; the inputs they came from only when asked for (a few per build)."""
        from ssg.content.related import Stored

        params = self.get("related")
        if not params:
            return None
        db = self.db
        links = {r: text.split("\0") if text else () for r, text in db.execute("SELECT relpath, links FROM related")}

        class Inputs(dict):
            def __missing__(self, relpath):
                row = db.execute("SELECT inputs FROM related WHERE relpath = ?", (relpath,)).fetchone()
                if row is None:
                    raise KeyError(relpath)
                self[relpath] = row[0]
                return row[0]

            def get(self, relpath, default=None):
                try:
                    return self[relpath]
                except KeyError:
                    return default

        return Stored(params, links, Inputs())

    def html(self, key: str) -> str | None:
        row = self.db.execute("SELECT html FROM html WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def outputs(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT path, key FROM outputs"))

    def has_outputs(self) -> bool:
        return self.db.execute("SELECT 1 FROM outputs LIMIT 1").fetchone() is not None

    def recorded(self) -> "Recorded":
        """The last build's outputs and keys, read when first needed (see ``Recorded``)."""
        return Recorded(self)

    # --- one write, after the site was published ---------------------------------------
    def save(
        self,
        *,
        settings: str,
        next_due: str,
        articles: dict[str, tuple[str, str, str]],  # relpath -> (stat key, fingerprint, row)
        dropped_articles: list[str],
        html: dict[str, str],
        outputs: dict[str, str],
        full: bool,
        previous: dict[str, str] | None = None,  # what ``outputs()`` gave at the start of this build
        related=None,  # related.Result: the related stories to remember (None: leave them)
        details: dict[str, tuple[str, str | None, tuple[str, ...]]] | None = None,
        snapshot: dict[str, bytes] | None = None,
        delta: bool = False,
        removed: tuple[str, ...] = (),
    ) -> None:
        """``details``: of outputs planned this build, (kind, repr of its arg or None, shows);
        their rows and their part of the dependency index are replaced. ``snapshot``: blobs
        an edit-only build starts from (None: leave them). ``delta``: ``outputs`` holds only
        the outputs whose key changed (an edit-only build): the others stay as they are."""
        db = self.db
        db.execute("BEGIN")
        try:
            if dropped_articles:
                db.executemany("DELETE FROM articles WHERE relpath = ?", [(r,) for r in dropped_articles])
            db.executemany(
                "INSERT OR REPLACE INTO articles VALUES (?, ?, ?, ?)",
                [(r, stat, fp, row) for r, (stat, fp, row) in articles.items()],
            )
            db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", list(html.items()))
            if delta:  # (new outputs of an edit are files of the search index: no details)
                db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in removed])
                db.executemany("INSERT INTO outputs VALUES (?, ?, NULL, NULL, NULL) ON CONFLICT(path) DO UPDATE SET key = excluded.key",
                               list(outputs.items()))
            else:
                self._save_outputs(outputs, full, previous, details or {})
            db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [("settings", settings), ("next_due", next_due)])
            if snapshot is not None:
                db.executemany("INSERT OR REPLACE INTO blobs VALUES (?, ?)", list(snapshot.items()))
            if related is not None:
                if related.full:
                    db.execute("DELETE FROM related")
                else:
                    db.executemany("DELETE FROM related WHERE relpath = ?", [(r,) for r in related.dropped])
                db.executemany("INSERT OR REPLACE INTO related VALUES (?, ?, ?)",
                               [(r, inputs, links) for r, (inputs, links) in related.rows.items()])
                db.execute("INSERT OR REPLACE INTO meta VALUES ('related', ?)", (related.params,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _save_outputs(self, outputs: dict[str, str], full: bool, previous: dict[str, str] | None, details: dict) -> None:
        db = self.db
        row = lambda p, k: (p, k, *_detail(details.get(p)))  # noqa: E731
        if full:
            db.execute("DELETE FROM outputs")
            db.execute("DELETE FROM shown")
            db.executemany("INSERT INTO outputs VALUES (?, ?, ?, ?, ?)", [row(p, k) for p, k in outputs.items()])
            db.executemany("INSERT INTO shown VALUES (?, ?)",
                           [(r, p) for p, (_, _, shows) in details.items() if p in outputs for r in set(shows)])
            return
        old = self.outputs() if previous is None else previous
        gone = [p for p in old if p not in outputs]
        replaced = [p for p in details if p in outputs and old.get(p) != outputs[p]]
        # The dependency index: the pairs of outputs that went or were planned anew are replaced.
        stale = self.shows_of(gone + [p for p in replaced if p in old])
        db.executemany("DELETE FROM shown WHERE relpath = ? AND path = ?", [(r, p) for p, shows in stale.items()
                                                                            for r in set(shows)])
        db.executemany("INSERT OR REPLACE INTO shown VALUES (?, ?)", [(r, p) for p in replaced
                                                                      for r in set(details[p][2])])
        db.executemany("DELETE FROM outputs WHERE path = ?", [(p,) for p in gone])
        db.executemany("INSERT OR REPLACE INTO outputs VALUES (?, ?, ?, ?, ?)", [row(p, outputs[p]) for p in replaced])
        # Others (search index files, the marker; an edit-only build's outputs): their key.
        other = [(p, k) for p, k in outputs.items() if old.get(p) != k and p not in details]
        db.executemany("UPDATE outputs SET key = ? WHERE path = ?", [(k, p) for p, k in other if p in old])
        db.executemany("INSERT INTO outputs VALUES (?, ?, NULL, NULL, NULL)", [(p, k) for p, k in other if p not in old])

    # --- the dependency index and the snapshot ---------------------------------------------
    def shows_of(self, paths) -> dict[str, tuple[str, ...]]:
        """The articles each of these outputs showed (by the last build that planned it)."""
        out = {}
        for batch in _batches(list(paths)):
            marks = ",".join("?" * len(batch))
            for path, shows in self.db.execute(f"SELECT path, shows FROM outputs WHERE path IN ({marks})", batch):
                out[path] = tuple(shows.split("\0")) if shows else ()
        return out

    def shown_on(self, relpaths) -> set[str]:
        """The outputs that show any of these articles."""
        out: set[str] = set()
        for batch in _batches(list(relpaths)):
            marks = ",".join("?" * len(batch))
            out.update(p for (p,) in self.db.execute(f"SELECT path FROM shown WHERE relpath IN ({marks})", batch))
        return out

    def output_details(self, paths) -> dict[str, tuple[str, str, str, str, tuple[str, ...]]]:
        """path -> (key, kind, arg repr, shows) of outputs planned with their details."""
        out = {}
        for batch in _batches(list(paths)):
            marks = ",".join("?" * len(batch))
            for path, key, kind, arg, shows in self.db.execute(
                    f"SELECT path, key, kind, arg, shows FROM outputs WHERE path IN ({marks})", batch):
                if kind is not None:
                    out[path] = (key, kind, arg, tuple(shows.split("\0")) if shows else ())
        return out

    def rows(self, relpaths) -> dict[str, tuple[str, str, Article]]:
        """relpath -> (stat key, fingerprint, article) of these stored articles."""
        out = {}
        for batch in _batches(list(relpaths)):
            marks = ",".join("?" * len(batch))
            for relpath, stat, fp, data in self.db.execute(
                    f"SELECT relpath, stat, fp, data FROM articles WHERE relpath IN ({marks})", batch):
                try:
                    out[relpath] = (stat, fp, article_from_row(json.loads(data)))
                except (ValueError, TypeError, KeyError):
                    continue
        return out

    def blob(self, name: str) -> bytes | None:
        row = self.db.execute("SELECT data FROM blobs WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def _store(self, sql: str, rows: list[tuple]) -> None:
        """Rows kept at once, in a transaction of their own (waiting for a worker's)."""
        self.db.execute("PRAGMA busy_timeout = 30000")
        self.db.execute("BEGIN IMMEDIATE")
        self.db.executemany(sql, rows)
        self.db.execute("COMMIT")

    def store_blob(self, name: str, data: bytes) -> None:
        """One blob kept at once (the output folders' stamps)."""
        self._store("INSERT OR REPLACE INTO blobs VALUES (?, ?)", [(name, data)])

    def store_html(self, html: dict[str, str]) -> None:
        """Rendered Markdown from a worker process: content-addressed, so safe to keep at once."""
        if html:
            self._store("INSERT OR REPLACE INTO html VALUES (?, ?)", list(html.items()))

    def close(self) -> None:
        self.db.close()
        if self.lock is not None:
            self.lock.release()


class Recorded(Mapping):
    """The last build's outputs and their keys, read from the state only when first needed: a
    build that finds nothing changed, or only an edit, never reads them all (120,000 rows at
    100,000 articles). Its truth value asks the state without reading them."""

    def __init__(self, state: BuildState):
        self._state = state
        self._data: dict[str, str] | None = None

    def _all(self) -> dict[str, str]:
        if self._data is None:
            self._data = self._state.outputs()
        return self._data

    def __getitem__(self, path: str) -> str:
        return self._all()[path]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __bool__(self) -> bool:
        return bool(self._data) if self._data is not None else self._state.has_outputs()


def output_paths(path: Path) -> tuple[list[str], dict[str, int]]:
    """The outputs the state file at ``path`` records, and the output folders' stamps
    (``writer.missing_files``), through a connection of its own (safe in a forked child, which
    must not use its parent's): from the list the last build kept in one blob (``outputs``
    table rows take five times as long to read at 100,000 articles)."""
    import marshal

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        blobs = dict(db.execute("SELECT name, data FROM blobs WHERE name IN ('outputs', 'folders')").fetchall())
        stamps = {}
        try:
            stamps = marshal.loads(blobs["folders"]) if "folders" in blobs else {}
        except (ValueError, EOFError, TypeError):
            pass
        if not isinstance(stamps, dict):
            stamps = {}
        if "outputs" in blobs:
            try:
                return marshal.loads(blobs["outputs"]), stamps
            except (ValueError, EOFError, TypeError):
                pass
        return [p for (p,) in db.execute("SELECT path FROM outputs")], {}
    finally:
        db.close()

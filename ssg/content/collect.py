"""Collect: content/ read into an ``Archive`` (articles, sections, tags, authors, years and
months), before anything is written.

Articles are keyed by their path below content/; sections hold keys, never object cycles.
Bad files are reported (``content/x.md:LINE: message``) and left out; the rest still builds.
"""

from __future__ import annotations

from typing import NamedTuple

import datetime as dt
import functools
import os
import re
from pathlib import Path

from ssg.content import article as cf
from ssg.config import Config
from ssg.content.files import real, stat_files
from ssg.problems import Problems
from ssg.content.related import terms_of
from ssg.urls import given_path, is_elsewhere, segment_problem, shown_slug, slugify, unsafe_slug_message


class Section(NamedTuple):
    name: str
    slug: str
    keys: tuple[str, ...]  # article relpaths, newest first


class Term(NamedTuple):
    """A tag or an author: every spelling with one slug is one term."""

    name: str  # the spelling its newest article uses
    slug: str
    keys: tuple[str, ...]  # article relpaths, newest first


class Month(NamedTuple):
    year: int
    month: int  # 1-12
    keys: tuple[str, ...]  # newest first


class Year(NamedTuple):
    year: int
    keys: tuple[str, ...]  # newest first
    months: tuple[Month, ...]  # the months with articles, newest first


class Archive(NamedTuple):
    articles: dict[str, cf.Article]  # relpath -> article, in newest-first order
    sections: tuple[Section, ...]  # sorted by name
    tags: tuple[Term, ...] = ()  # sorted by name (casefolded), then slug
    authors: tuple[Term, ...] = ()
    years: tuple[Year, ...] = ()  # newest first; by each article's date as written (as shown)

    @property
    def newest_first(self) -> list[cf.Article]:
        return list(self.articles.values())


@functools.lru_cache(maxsize=65536)
def term_slug(name: str) -> str:
    """The slug of a tag or author name (as ``content`` de-duplicates them): names repeat
    across an archive, so each spelling is slugged once."""
    return slugify(name, fallback="term")


def _terms(found: list[cf.Article], attr: str) -> tuple[Term, ...]:
    """The terms of one taxonomy (``tags`` or ``authors``) over articles sorted newest first."""
    keys: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for article in found:
        for name in getattr(article, attr):
            slug = term_slug(name)
            bucket = keys.get(slug)
            if bucket is None:
                keys[slug] = bucket = []
                names[slug] = name  # the newest article's spelling
            if not bucket or bucket[-1] != article.relpath:  # one article lists a term once
                bucket.append(article.relpath)
    terms = (Term(names[s], s, tuple(k)) for s, k in keys.items())
    return tuple(sorted(terms, key=lambda t: (t.name.casefold(), t.slug)))


def _years(found: list[cf.Article]) -> tuple[Year, ...]:
    """Articles by year and month of their date as written (the date their page shows)."""
    years: dict[int, list[str]] = {}
    months: dict[tuple[int, int], list[str]] = {}
    for article in found:
        d = article.date
        years.setdefault(d.year, []).append(article.relpath)
        months.setdefault((d.year, d.month), []).append(article.relpath)
    by_year: dict[int, list[Month]] = {}
    for (y, m) in sorted(months, reverse=True):
        by_year.setdefault(y, []).append(Month(y, m, tuple(months[(y, m)])))
    return tuple(Year(y, tuple(years[y]), tuple(by_year[y])) for y in sorted(years, reverse=True))


def _sort_key(article: cf.Article):
    # Newest first; ties broken by path so the order never depends on the file system.
    return (-article.date.timestamp(), article.relpath)


def _kind(value) -> str:
    """What a front matter value is, for a message: short and the same on every run (a YAML set's
    order is not, and a value can be megabytes long)."""
    if value is None or isinstance(value, (str, int, float, bool)):
        shown = repr(value)
        return shown if len(shown) <= 60 else shown[:57] + "..."
    if isinstance(value, list):
        bad = [v for v in value if v is None or isinstance(v, bool) or not isinstance(v, (str, int, float))]
        return f"a list holding {_kind(bad[0])}" if bad else "a list"
    kinds = {dict: "a mapping", set: "a set", bytes: "binary data"}
    return next((name for t, name in kinds.items() if isinstance(value, t)), f"a {type(value).__name__}")


def _written(text: str, line: int | None) -> str | None:
    """A plain value as its ``key: value`` line spells it (without a comment); None if unknown."""
    if line is None:
        return None
    value = text.split("\n")[line - 1].partition(":")[2]
    return value.split(" #", 1)[0].strip() or None


def _line_of(text: str, key: str) -> int | None:
    """The line of a top-level front matter key, for a message."""
    for number, line in enumerate(text.split("\n")[1:], start=2):  # not splitlines: U+2028 is text
        if line.startswith(f"{key}:"):
            return number
        if line == "---":
            break
    return None


# A Markdown image: ![alt](ref) or ![alt](<ref> "title"); refs with spaces need the <…> form.
_MD_IMAGE = re.compile(r'!\[([^\]\n]*)\]\(\s*(?:<([^>\n]+)>|([^\s)]+))(?:\s+"[^"\n]*")?\s*\)')


class _Document(NamedTuple):
    text: str  # the whole file, cleaned
    meta: dict
    body: str
    dirty: frozenset[int] = frozenset()  # the lines control characters were taken out of


def _dirty_lines(raw: str) -> set[int]:
    """The lines of ``raw`` holding characters ``clean_text`` takes out (looked for only when
    it took some): a slug on one is refused, as what was written is not what is left."""
    return {n for n, line in enumerate(raw.split("\n"), start=1) if cf.clean_text(line)[1]}


def _read_document(path: Path, shown: str, config: Config, problems: Problems) -> _Document | None:
    """A content file read, cleaned of control characters and split into front matter and body;
    None (with problems reported) when it cannot be."""
    try:
        with open(path, "rb") as fh:
            why = config.limits.too_big(os.fstat(fh.fileno()).st_size)  # refused unread: memory grows with it
            if why:
                problems.error(shown, f"{why}: left out")
                return None
            # As read_text (and read_body) read it: universal newlines.
            raw = fh.read().decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        problems.error(shown, f"not valid UTF-8 at byte {exc.start}")
        return None
    except OSError as exc:
        problems.error(shown, f"cannot read: {exc.strerror or exc}")
        return None
    # Control characters and noncharacters are taken out here, once, for every output.
    text, removed, first = cf.clean_text(raw)
    lines = [raw.count("\n", 0, first) + 1] if removed else []  # where they were
    dirty = _dirty_lines(raw) if removed else set()
    try:
        meta, body, _ = cf.split_document(text)
    except cf.FrontMatterError as exc:
        if removed:
            problems.warning(shown, cf.removed_message(removed), lines[0])
        problems.error(shown, exc.message, exc.line)
        return None
    if "\\" in text[: len(text) - len(body)]:  # YAML's escapes ("\x01") can make them too
        cleaned = {}
        for key, value in meta.items():
            (key, value), found = cf.clean_value((key, value))
            cleaned[key] = value
            if found:
                removed += found
                lines.append(_line_of(text, str(key)) or 2)
                dirty.add(lines[-1])
        meta = cleaned
    if removed:  # one warning per file, at the first place
        problems.warning(shown, cf.removed_message(removed), min(lines))
    return _Document(text, meta, body, frozenset(dirty))


class _Checker:
    """Front matter values checked one by one; every problem reported, ``ok`` says if any was."""

    def __init__(self, doc: _Document, shown: str, problems: Problems):
        self.doc, self.shown, self.problems, self.ok = doc, shown, problems, True

    def error(self, message: str, key: str | None = None, line: int | None = None) -> None:
        self.problems.error(self.shown, message, line if key is None else _line_of(self.doc.text, key))
        self.ok = False

    def warning(self, message: str, key: str) -> None:
        self.problems.warning(self.shown, message, _line_of(self.doc.text, key))

    def caption(self, key: str) -> str | None:
        """An optional text about the image (``image_alt``, ``image_caption``): anything but a
        string is reported and ignored, as the page is fine without it; blank is none."""
        value = self.doc.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.warning(f"{key}: expected text, got {_kind(value)}; ignored", key)
            return None
        return value.strip() or None

    def date(self, key: str, tz) -> dt.datetime | None:
        try:
            return cf.parse_date(self.doc.meta[key], tz)
        except ValueError as exc:
            self.error(str(exc).replace("date:", f"{key}:", 1), key)
            return None

    def slug(self, fallback: str) -> None:
        """A front matter slug is used exactly as written, so it must be a safe URL segment
        (``urls.segment_problem``) and must be text as written: ``slug: 1.50`` reads as 1.5."""
        value = self.doc.meta.get("slug")
        if value is None or not isinstance(value, (str, int, float)):
            return  # absent, or reported as the wrong type
        line = _line_of(self.doc.text, "slug")
        slug = str(value)
        written = _written(self.doc.text, line) if not isinstance(value, str) else slug
        if written is not None and written != slug:
            self.error(f'slug: {written} is read as {value!r}, not as text: write slug: "{written}"', line=line)
            return
        why = "it held control characters" if line in self.doc.dirty else segment_problem(slug)
        if why:
            self.error(unsafe_slug_message(slug, why, fallback), line=line)

    def site_path(self, key: str, value) -> str | None:
        """One site path given by hand (``url``, an entry of ``aliases``), as ssg publishes it."""
        if not isinstance(value, str):
            self.error(f"{key}: expected a site path such as /2019/03/12/story.html, got {_kind(value)}", key)
            return None
        path, why = given_path(value)
        if why:
            self.error(f"{key}: {shown_slug(value)} cannot be published: {why}", key)
        return path

    def aliases(self) -> tuple[str, ...]:
        value = self.doc.meta.get("aliases")
        if value is None:
            return ()
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list):
            self.error(f"aliases: expected a list of site paths, got {_kind(value)}", "aliases")
            return ()
        paths = [self.site_path("aliases", v) for v in items]
        return tuple(dict.fromkeys(p for p in paths if p))

    def corrections(self, tz) -> tuple[tuple[str, str], ...]:
        """``corrections:`` a list of ``{date, text}``: (ISO date-time, text), oldest first."""
        value = self.doc.meta.get("corrections")
        if value is None:
            return ()
        if not isinstance(value, list):
            self.error(f"corrections: expected a list of {{date, text}}, got {_kind(value)}", "corrections")
            return ()
        out = []
        for n, item in enumerate(value, start=1):
            if not isinstance(item, dict) or set(item) - {"date", "text"}:
                self.error(f"corrections: entry {n}: expected date and text only, got {_kind(item)}", "corrections")
                continue
            text = item.get("text")
            if not isinstance(text, str) or not text.strip():
                self.error(f"corrections: entry {n}: text missing or not text", "corrections")
                continue
            try:
                when = cf.parse_date(item.get("date"), tz)
            except ValueError as exc:
                self.error(f"corrections: entry {n}: {exc}", "corrections")
                continue
            out.append((when.isoformat(), " ".join(text.split())))
        return tuple(sorted(out, key=lambda c: dt.datetime.fromisoformat(c[0])))

    def focus(self) -> tuple[float, float] | None:
        """``image_focus: [x, y]``: the point crops keep in view, each 0 to 1 (0, 0: top left)."""
        value = self.doc.meta.get("image_focus")
        if value is None:
            return None
        if (isinstance(value, list) and len(value) == 2
                and all(isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1 for v in value)):
            return float(value[0]), float(value[1])
        self.warning(f"image_focus: expected [x, y], each 0 to 1 (0.5 the middle), got {_kind(value)}; the centre "
                     "is used", "image_focus")
        return None

    def body_images(self) -> tuple[str, ...]:
        """The images of the Markdown body (``![alt](ref)``), each once, in order; one without
        alt text is a warning with its line."""
        body = self.doc.body
        if "![" not in body:
            return ()
        first = self.doc.text.count("\n", 0, len(self.doc.text) - len(body)) + 1  # the body's first line
        refs = []
        for m in _MD_IMAGE.finditer(body):
            ref = m.group(2) or m.group(3)
            if not m.group(1).strip() and not is_elsewhere(ref):
                line = first + body.count("\n", 0, m.start())
                self.problems.warning(self.shown, f"image {ref} has no alt text: describe it between the brackets, "
                                                  f"![what it shows]({ref})", line)
            refs.append(ref)
        return tuple(dict.fromkeys(refs))

    def names(self, key: str) -> tuple[str, ...]:
        value = self.doc.meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str) and "," in value:
            self._one_name(key, value)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            self.error(f"{key}: expected a list of names, got {_kind(value)}", key)
            return ()
        seen: dict[str, str] = {}
        for v in value:  # blank entries dropped, duplicates (by slug) kept once, first spelling wins
            name = " ".join(str(v).split())
            if name:
                seen.setdefault(slugify(name, fallback="term"), name)
        return tuple(seen.values())

    def _one_name(self, key: str, value: str) -> None:
        """``tags: Transport, Local government`` is one tag named with a comma, which is seldom
        what was meant: it is kept as written, and the list that was probably meant is shown."""
        one = {"tags": "tag", "authors": "author"}.get(key, "name")
        names = ", ".join(n for n in (" ".join(part.split()) for part in value.split(",")) if n)
        self.warning(f'{key}: "{value}" became one {one}; for several write a list: {key}: [{names}]', key)


def read_article(path: Path, relpath: str, config: Config, problems: Problems) -> tuple[cf.Article, str] | None:
    """The parsed article and its Markdown body; None (with problems reported) when unusable."""
    shown = f"{config.content_dir}/{relpath}"
    doc = _read_document(path, shown, config, problems)
    if doc is None:
        return None
    meta, body = doc.meta, doc.body
    check = _Checker(doc, shown, problems)
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        check.error("title: missing or not a string", line=_line_of(doc.text, "title") or 1)
    date = check.date("date", config.tz) if "date" in meta else None
    if "date" not in meta:
        check.error("date: missing", line=1)
    for key in ("section", "slug", "summary", "source"):
        if key in meta and not isinstance(meta[key], (str, int, float)):
            check.error(f"{key}: expected text, got {type(meta[key]).__name__}", key)
    check.slug(fallback=Path(relpath).stem)
    tags, authors = check.names("tags"), check.names("authors")
    updated = check.date("updated", config.tz) if meta.get("updated") is not None else None
    image = meta.get("image")
    if image is not None and not isinstance(image, str):
        check.error(f"image: expected a URL or path, got {_kind(image)}", "image")
    image_alt, image_caption = check.caption("image_alt"), check.caption("image_caption")
    if isinstance(image, str) and image.strip() and image_alt is None and not is_elsewhere(image):
        check.warning("image: no image_alt: describe the picture for readers who cannot see it "
                      "(image_alt: what it shows)", "image")
    image_focus, body_images = check.focus(), check.body_images()
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        check.error(f"draft: expected true or false, got {_kind(draft)}", "draft")
    url = check.site_path("url", meta["url"]) if meta.get("url") is not None else None
    aliases = check.aliases()
    corrections = check.corrections(config.tz)
    publish_at = check.date("publish_at", config.tz) if meta.get("publish_at") is not None else None
    expires = check.date("expires", config.tz) if meta.get("expires") is not None else None
    if publish_at and expires and expires <= publish_at:
        check.error("expires: not after publish_at: the story would never be published", "expires")
    if not check.ok:
        return None

    section, section_slug, slug = place_of(relpath, meta)
    return cf.Article(
        relpath=relpath,
        title=title.strip(),
        date=date,
        section=section,
        section_slug=section_slug,
        slug=slug,
        summary=str(meta.get("summary") or "").strip(),
        body_hash=cf.body_hash(body),
        draft=draft,
        source=str(meta["source"]) if meta.get("source") is not None else None,
        extra={k: v for k, v in meta.items() if k not in cf.KNOWN_KEYS},
        tags=tags,
        authors=authors,
        updated=updated,
        image=image.strip() or None if isinstance(image, str) else None,
        words=len(body.split()),
        terms=terms_of(title, body) if config.related.count else (),  # only related stories use them
        image_alt=image_alt,
        image_caption=image_caption,
        url=url,
        aliases=tuple(a for a in aliases if a != url),
        corrections=corrections,
        publish_at=publish_at,
        expires=expires,
        image_focus=image_focus,
        body_images=body_images,
    ), body


def place_of(relpath: str, meta: dict) -> tuple[str, str, str]:
    """Where a content file is published: (section, section slug, slug). The section is the
    front matter's, else the file's folder (else "News"); the slug the front matter's, else the
    file's name. A front matter slug is used exactly as written (``read_article`` refuses
    unsafe ones: a URL once published must not change); only the file's name is slugified.
    ``ssg new`` asks the same of every file, to find a free URL."""
    path = Path(relpath)
    folder = path.parent.as_posix()
    section = str(meta.get("section") or (folder if folder != "." else "News")).strip()
    given = meta.get("slug")
    slug = str(given) if given is not None else slugify(path.stem, fallback=path.stem)
    return section, slugify(section, fallback="section"), slug


def parsed_stat(size: int, mtime: int, config: Config) -> str:
    """What a parsed article depends on besides its file: the time zone shapes its dates, and
    its key terms are found only when related stories are on; nothing else in site.toml does."""
    return f"{size}:{mtime}:{config.timezone}:{'terms' if config.related.count else ''}"


def read_body(root: Path, relpath: str) -> str:
    """The Markdown body of a content file whose front matter was parsed already."""
    return cf.body_of(cf.clean_text((root / relpath).read_text(encoding="utf-8"))[0])


def scan(root: Path, site: Path | None = None, problems: Problems | None = None, shown: str = "content"
         ) -> dict[str, tuple[int, int]]:
    """Every content file below ``root``: relpath -> (size, mtime_ns), in path order. Symbolic
    links out of ``site`` (default: ``root``'s parent) are left out, with a warning."""
    return stat_files(root, (real(site if site is not None else root.parent),), problems, shown, ".md")


PARALLEL_MIN = 400  # files: below this, forking parsers costs more than it saves


def _parse_chunk(root: Path, relpaths: list[str], config: Config) -> list:
    out = []
    for relpath in relpaths:
        problems = Problems()
        result = read_article(root / relpath, relpath, config, problems)
        if result is None:
            out.append((relpath, None, "", "", problems.items))
            continue
        # Serialised here, in the worker: the row the state stores, and its fingerprint.
        row = cf.article_to_json(result[0])
        out.append((relpath, result[0], row, cf.row_fingerprint(row), problems.items))
    return out


def _parse_all(root: Path, relpaths: list[str], config: Config, jobs: int):
    """Parse files, over ``jobs`` processes when there are many (YAML parsing dominates)."""
    if jobs <= 1 or len(relpaths) < PARALLEL_MIN:
        yield from _parse_chunk(root, relpaths, config)
        return
    from ssg.parallel import chunked, fan_out

    for results in fan_out(lambda chunk: _parse_chunk(root, chunk, config), chunked(relpaths, jobs, 100, 10**9), jobs):
        yield from results


class Collected(NamedTuple):
    archive: "Archive"
    parsed: dict[str, tuple[str, cf.Article, str, str]]  # read on this run: stat, article, fingerprint, stored row
    next_due: dt.datetime | None  # the earliest moment an article left out is published, or one published expires
    fps: dict[str, str]  # relpath -> fingerprint (a hash of its stored row) of every article collected
    dropped: tuple[str, ...] = ()  # articles the state knew whose files are gone
    left_out: tuple["LeftOut", ...] = ()  # drafts, future-dated, embargoed and expired articles, in path order
    expired: tuple[cf.Article, ...] = ()  # articles past their `expires`: their URLs become gone pages


class LeftOut(NamedTuple):
    """An article that parsed but is not published by this build: plain values, so the build
    state can remember them for the builds that do not collect (an edit, nothing changed)."""

    relpath: str
    reason: str  # "draft", "future", "embargo" or "expired"
    date: str  # the moment that decides it, as written (YYYY-MM-DD, or ISO with the time for embargo and expiry)


REASONS = ("draft", "future", "embargo", "expired")


def status(a: cf.Article, now: dt.datetime, drafts: bool = False, future: bool = False) -> str | None:
    """Why ``a`` is not published at ``now`` (one of ``REASONS``); None when it is. ``--drafts``
    publishes drafts; ``--future`` future-dated and embargoed stories; nothing publishes an
    expired one (``ssg build --at`` moves ``now``)."""
    if a.expires is not None and a.expires <= now:
        return "expired"
    if a.draft and not drafts:
        return "draft"
    if not future:
        if a.date > now:
            return "future"
        if a.publish_at is not None and a.publish_at > now:
            return "embargo"
    return None


def changes(a: cf.Article) -> list[tuple[dt.datetime, str]]:
    """The moments at which ``a`` changes the site by itself: (when, "publish" or "expire")."""
    out = []
    start = max(a.date, a.publish_at) if a.publish_at else a.date
    out.append((start, "publish"))
    if a.expires is not None:
        out.append((a.expires, "expire"))
    return out


def note_left_out(content_dir: str, left_out, problems: Problems) -> None:
    """One note per article left out, so that none disappears without a word."""
    for relpath, reason, date in left_out:
        shown = f"{content_dir.rstrip('/')}/{relpath}"
        if reason == "draft":
            problems.note(shown, "a draft: left out (--drafts to include)")
        elif reason == "future":
            problems.note(shown, f"dated {date}, in the future: left out (--future to include)")
        elif reason == "embargo":
            problems.note(shown, f"embargoed until {date}: left out (--future or --at {date} to include)")
        else:
            problems.note(shown, f"expired at {date}: taken down, its URL is a gone page")


def collect(
    site: Path,
    config: Config,
    problems: Problems,
    *,
    listing: dict[str, tuple[int, int]],
    known: dict[str, tuple[str, cf.Article, str]],
    drafts: bool = False,
    future: bool = False,
    now: dt.datetime | None = None,
    jobs: int = 1,
) -> Collected:
    """Parse what changed (by size and mtime), reuse the rest, and order the archive."""
    root = site / config.content_dir
    now = now or dt.datetime.now(dt.timezone.utc)
    stats = {relpath: parsed_stat(size, mtime, config) for relpath, (size, mtime) in listing.items()}
    stale = [r for r, stat in stats.items() if (hit := known.get(r)) is None or hit[0] != stat]
    parsed: dict[str, tuple[str, cf.Article, str, str]] = {}
    for relpath, article, row, fp, found_problems in _parse_all(root, stale, config, jobs):
        problems.extend(found_problems)
        if article is not None:
            parsed[relpath] = (stats[relpath], article, fp, row)
    found: list[cf.Article] = []
    fps: dict[str, str] = {}
    left_out: list[LeftOut] = []
    expired: list[cf.Article] = []
    dues: list[dt.datetime] = []
    for relpath in listing:
        entry = parsed.get(relpath) or known.get(relpath)
        if entry is None or entry[0] != stats[relpath]:
            continue  # could not be parsed: reported above
        article = entry[1]
        fps[relpath] = entry[2]
        reason = status(article, now, drafts, future)
        if reason in (None, "future", "embargo"):  # (a draft or an expired story changes nothing by itself)
            dues += [when for when, what in changes(article) if when > now and (reason or what == "expire")]
        if reason is None:
            found.append(article)
            continue
        when = {"future": article.date.date().isoformat(), "draft": article.date.date().isoformat(),
                "embargo": article.publish_at.isoformat() if article.publish_at else "",
                "expired": article.expires.isoformat() if article.expires else ""}[reason]
        left_out.append(LeftOut(relpath, reason, when))
        if reason == "expired":
            expired.append(article)
    next_due = min(dues, default=None)
    found.sort(key=_sort_key)
    articles = {a.relpath: a for a in found}

    by_slug: dict[str, list[cf.Article]] = {}
    names: dict[str, str] = {}
    for article in found:
        by_slug.setdefault(article.section_slug, []).append(article)
        # The section's display name: the one its newest article uses.
        names.setdefault(article.section_slug, article.section)
    sections = tuple(
        sorted(
            (Section(names[s], s, tuple(a.relpath for a in items)) for s, items in by_slug.items()),
            key=lambda sec: (sec.name.casefold(), sec.slug),
        )
    )
    archive = Archive(articles, sections, tags=_terms(found, "tags"), authors=_terms(found, "authors"),
                      years=_years(found) if config.archives.enabled else ())  # nothing shows them otherwise
    dropped = tuple(r for r in known if r not in listing)
    return Collected(archive, parsed, next_due, fps, dropped, tuple(sorted(left_out)),
                     tuple(sorted(expired, key=lambda a: a.relpath)))

"""The one place that decides slugs, URLs and output paths.

Nothing else in ssg builds a URL or an output path by string concatenation. URLs handed to
templates are root-relative and already carry the path of ``base_url`` (``/archive/…``), so a
site built for a subpath works when served there; ``absolute`` turns them into full URLs.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit


MAX_SLUG = 80
# Transliteration would spell these out ("£5m" -> "ps5m", "Macron's" -> "macron-s"): drop them.
_REPLACEMENTS = [[c, ""] for c in "£€$¥'’‘"]


@functools.lru_cache(maxsize=4096)  # sections, tags and authors are slugged again and again
def slugify(text: str, fallback: str = "untitled", max_length: int = MAX_SLUG) -> str:
    """Lowercase ASCII words joined by '-', transliterated from any script, cut at a word
    boundary, never empty and never containing a path separator or a dot segment."""
    from slugify import slugify as _slugify  # (imported on first use: a no-op build makes no slug)

    slug = _slugify(text, max_length=max_length, word_boundary=True, save_order=True, replacements=_REPLACEMENTS)
    if not slug:
        slug = _slugify(fallback, max_length=max_length, word_boundary=True, save_order=True, replacements=_REPLACEMENTS)
    return slug or "untitled"


MAX_SEGMENT = 255  # bytes: the longest file name most file systems allow (the slug names a folder)
# RFC 3986's unreserved characters: a URL segment made of them needs no escaping anywhere, and
# names the same folder on every file system (the case-insensitive check is the writer's Claims).
_UNRESERVED = re.compile(r"[A-Za-z0-9._~-]+")


def segment_problem(slug: str) -> str | None:
    """Why a slug given by hand (front matter ``slug``, ``ssg new --slug``) cannot be used as it
    is written; None when it can. Such a slug is never slugified again, so that the URL it was
    published at does not change; one that is unsafe in a URL or a path is refused instead."""
    if not slug:
        return "empty"
    if slug in (".", ".."):
        return "a path step, not a name"
    if not _UNRESERVED.fullmatch(slug):
        return "only letters, digits, - . _ ~"
    if len(slug.encode("utf-8")) > MAX_SEGMENT:
        return f"longer than {MAX_SEGMENT} bytes"
    return None


def shown_slug(slug: str) -> str:
    """A refused slug as a message quotes it: in double quotes, control characters escaped,
    cut after 60 characters (it may be megabytes long)."""
    return json.dumps(slug if len(slug) <= 60 else slug[:57] + "...", ensure_ascii=False)


def unsafe_slug_message(slug: str, why: str, fallback: str, key: str = "slug:") -> str:
    """The refusal of a hand-given slug, with the slugified form to write instead."""
    return f"{key} {shown_slug(slug)} is not a safe URL segment ({why}): write {key} {slugify(slug, fallback=fallback)}"


_ELSEWHERE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:|//")  # https:, data:, javascript:, //host


def is_elsewhere(ref: str) -> bool:
    """Whether a reference (an ``image:``, a Markdown image) names something that is not a file
    of the site: a URL with a scheme or a host."""
    return _ELSEWHERE.match(ref.strip()) is not None


def given_path(value: str) -> tuple[str | None, str | None]:
    """A site path given by hand (front matter ``url`` and ``aliases``, a migrated archive's
    ``/2019/03/12/story.html`` or ``/news/world-123``): (the path as ssg publishes it, None) or
    (None, why it cannot be used). A last segment ending in ``.html`` or ``.htm`` names that
    file; any other path names a folder (its ``index.html``) and gets its final ``/``, as a
    static host serves it. Every segment must be a safe one (``segment_problem``): no ``..``, no
    empty segment, nothing that needs escaping, so no path leaves the output folder."""
    text = value.strip()
    if not text.startswith("/"):
        return None, "a site path starts with /"
    if text == "/":
        return None, "/ is the home page"
    for part in text.strip("/").split("/"):
        why = segment_problem(part)
        if why:
            return None, f"segment {shown_slug(part)}: {why}"
    if not text.endswith("/") and not text.lower().endswith((".html", ".htm")):
        text += "/"
    return text, None


def content_relpath(section_slug: str, slug: str) -> PurePosixPath:
    """Where an imported (or ``ssg new``) article lives below content/: ``<section-slug>/<slug>.md``.
    A hand-given slug the file name cannot carry (a leading dot hides the file from the build;
    over 252 bytes, ".md" makes it too long) names its file slugified: its front matter has it."""
    if slug.startswith(".") or len(slug.encode("utf-8")) > MAX_SEGMENT - 3:
        slug = slugify(slug, fallback="untitled")
    return PurePosixPath(section_slug) / f"{slug}.md"


@dataclass(frozen=True)
class Urls:
    """Built from ``base_url`` and the permalink patterns of site.toml."""

    base_url: str  # always ends with "/"
    article_pattern: str = "/{section}/{slug}/"
    section_pattern: str = "/{section}/"

    @classmethod
    def from_config(cls, config, base_url: str | None = None) -> "Urls":
        base = base_url or config.base_url
        if not base.endswith("/"):
            base += "/"
        return cls(base, config.permalinks.article, config.permalinks.section)

    # Worked out once: every link of every page goes through ``url``.
    @functools.cached_property
    def base_path(self) -> str:
        """The path part of base_url: "/" or "/archive/"."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @functools.cached_property
    def origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    # Site paths: "/" based, without the base path; they name outputs.
    def article_path(self, section_slug: str, slug: str) -> str:
        return self.article_pattern.format(section=section_slug, slug=slug)

    def section_path(self, section_slug: str, page: int = 1) -> str:
        return self.paged(self.section_pattern.format(section=section_slug), page)

    def section_feed_path(self, section_slug: str, kind: str) -> str:
        return f"{self.section_pattern.format(section=section_slug)}{kind}.xml"

    home_path = "/"
    archive_path = "/archive/"  # the overview of years and months
    search_path = "/search/"
    corrections_path = "/corrections/"  # every correction, newest first, with its RSS and Atom feeds

    def corrections_feed_path(self, kind: str) -> str:
        """``kind``: "feed" (RSS) or "atom"."""
        return f"{self.corrections_path}{kind}.xml"

    @staticmethod
    def paged(path: str, page: int) -> str:
        """Page ``page`` of a paginated listing whose first page is ``path``."""
        return path if page == 1 else f"{path}page/{page}/"

    # Taxonomies: kind is "tags" or "authors".
    @staticmethod
    def terms_path(kind: str) -> str:
        return f"/{kind}/"

    def term_path(self, kind: str, slug: str, page: int = 1) -> str:
        return self.paged(f"/{kind}/{slug}/", page)

    @staticmethod
    def term_feed_path(kind: str, slug: str, feed: str) -> str:
        return f"/{kind}/{slug}/{feed}.xml"

    # Date archives.
    def year_path(self, year: int, page: int = 1) -> str:
        return self.paged(f"/{year:04d}/", page)

    def month_path(self, year: int, month: int, page: int = 1) -> str:
        return self.paged(f"/{year:04d}/{month:02d}/", page)

    # Site path -> what templates and feeds see.
    def url(self, site_path: str) -> str:
        """Root-relative URL including the base path."""
        return self.base_path + site_path.lstrip("/")

    def absolute(self, site_path: str) -> str:
        return self.origin + self.url(site_path)

    @staticmethod
    def json_feed_path(rss_path: str) -> str:
        """The site path of the JSON Feed beside an RSS feed (``/world/feed.xml`` ->
        ``/world/feed.json``), so the three feeds of a listing stay side by side whatever
        ``[permalinks]`` says."""
        return rss_path.removesuffix(".xml") + ".json"

    @staticmethod
    def output_file(site_path: str) -> str:
        """Output file (relative to public/, POSIX separators) for a site path: directories get
        index.html. Plain string work: this runs for every page of every build."""
        rel = site_path.lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        if "/./" in f"/{rel}" or "/../" in f"/{rel}" or rel.endswith(("/.", "/..")) or "//" in rel:
            raise ValueError(f"unsafe output path {site_path!r}")
        return rel

    def month_feed_path(self, year: int, month: int) -> str:
        """The site path of a month's archived feed (RFC 5005): ``/2024/05/atom.xml``, beside
        the month's page (whether ``[archives]`` makes that page or not)."""
        return f"{self.month_path(year, month)}atom.xml"

    def file_url(self, rel: str) -> str:
        """The absolute URL of an output file (``world/feed.xml``, relative to the output folder)."""
        return self.absolute("/" + rel)

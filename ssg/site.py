"""Collect: content/ read into an ``Archive`` (articles, sections), before anything is written.

Articles are keyed by their path below content/; sections hold keys, never object cycles.
Bad files are reported (``content/x.md:LINE: message``) and left out; the rest still builds.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from . import content as cf
from .cache import BuildCache
from .config import Config
from .problems import Problems
from .urls import slugify


@dataclass(frozen=True)
class Section:
    name: str
    slug: str
    keys: tuple[str, ...]  # article relpaths, newest first


@dataclass(frozen=True)
class Archive:
    articles: dict[str, cf.Article]  # relpath -> article, in newest-first order
    sections: tuple[Section, ...]  # sorted by name

    @property
    def newest_first(self) -> list[cf.Article]:
        return list(self.articles.values())


def _sort_key(article: cf.Article):
    # Newest first; ties broken by path so the order never depends on the file system.
    return (-article.date.timestamp(), article.relpath)


def read_article(path: Path, relpath: str, config: Config, problems: Problems) -> cf.Article | None:
    shown = f"{config.content_dir}/{relpath}"
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        problems.error(shown, f"not valid UTF-8 at byte {exc.start}")
        return None
    except OSError as exc:
        problems.error(shown, f"cannot read: {exc.strerror or exc}")
        return None
    try:
        meta, body, _ = cf.split_document(text)
    except cf.FrontMatterError as exc:
        problems.error(shown, exc.message, exc.line)
        return None

    def line_of(key: str) -> int | None:
        for number, line in enumerate(text.splitlines()[1:], start=2):
            if line.startswith(f"{key}:"):
                return number
            if line == "---":
                break
        return None

    ok = True
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.error(shown, "title: missing or not a string", line_of("title") or 1)
        ok = False
    try:
        date = cf.parse_date(meta["date"], config.tz) if "date" in meta else None
        if date is None:
            problems.error(shown, "date: missing", 1)
            ok = False
    except ValueError as exc:
        problems.error(shown, str(exc), line_of("date"))
        ok = False
    for key in ("section", "slug", "summary", "source"):
        if key in meta and not isinstance(meta[key], (str, int, float)):
            problems.error(shown, f"{key}: expected text, got {type(meta[key]).__name__}", line_of(key))
            ok = False
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        problems.error(shown, f"draft: expected true or false, got {draft!r}", line_of("draft"))
        ok = False
    if not ok:
        return None

    folder = Path(relpath).parent.as_posix()
    section = str(meta.get("section") or (folder if folder != "." else "News")).strip()
    slug = slugify(str(meta.get("slug") or Path(relpath).stem), fallback=Path(relpath).stem)
    summary = str(meta.get("summary") or "").strip()
    extra = {k: v for k, v in meta.items() if k not in cf.KNOWN_KEYS}
    return cf.Article(
        relpath=relpath,
        title=title.strip(),
        date=date,
        section=section,
        section_slug=slugify(section, fallback="section"),
        slug=slug,
        summary=summary,
        body=body,
        draft=draft,
        source=str(meta["source"]) if meta.get("source") is not None else None,
        extra=extra,
    )


def collect(
    site: Path,
    config: Config,
    problems: Problems,
    drafts: bool = False,
    future: bool = False,
    now: dt.datetime | None = None,
    cache: BuildCache | None = None,
) -> Archive:
    root = site / config.content_dir
    found: list[cf.Article] = []
    now = now or dt.datetime.now(dt.timezone.utc)
    if root.is_dir():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if not name.endswith(".md") or name.startswith("."):
                    continue
                path = Path(dirpath) / name
                relpath = path.relative_to(root).as_posix()
                article = None
                if cache is not None:
                    st = path.stat()
                    # The time zone shapes parsed dates; nothing else in site.toml does.
                    key = (st.st_size, st.st_mtime_ns, config.timezone, config.content_dir)
                    article = cache.article(relpath, key)
                if article is None:
                    article = read_article(path, relpath, config, problems)
                    if article is None:
                        continue
                    if cache is not None:
                        cache.store_article(relpath, key, article)
                if article.draft and not drafts:
                    continue
                if article.date > now and not future:
                    continue
                found.append(article)
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
    return Archive(articles, sections)

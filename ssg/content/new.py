"""``ssg new``: one new content file, written by ssg but owned by the user from the start.

It follows the importer's conventions exactly (``content/<section-slug>/<slug>.md``, slugs
from ``ssg.urls.slugify``, ``-2``, ``-3`` for a taken slug, the same front matter writer), but
writes no ``source``, ``seed_hash`` or ``import_hash``: the importer only ever touches files
it wrote, so this one is the user's own and no later import rewrites it. An existing file is
never overwritten, and a URL another content file already has is never given twice.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from ssg.config import Config, load_config
from ssg.content import article as cf
from ssg.content.collect import place_of, scan
from ssg.problems import Problem, Problems, SsgError
from ssg.urls import Urls, content_relpath, given_path, segment_problem, slugify, unsafe_slug_message

# A plain sentence (no Markdown markup), so the page shows it as it reads here.
PLACEHOLDER = ("Write the story here. This paragraph is a placeholder: replace it with the "
               "article's text, in Markdown, one blank line between paragraphs.")


@dataclass(frozen=True)
class NewArticle:
    """What ``ssg new`` was asked for, as typed (names already split into lists)."""

    headline: str
    section: str
    tags: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    date: dt.date | None = None  # None: now
    slug: str | None = None  # None: from the headline
    draft: bool = False


def split_names(comma_separated: list[str], repeated: list[str]) -> tuple[str, ...]:
    """``--tags "A, B"`` (split on commas) and ``--tag A --tag B``, in the order given; spaces
    collapsed, blanks dropped, and one spelling per slug kept (the first), as the build does."""
    names = [part for value in comma_separated for part in value.split(",")] + list(repeated)
    seen: dict[str, str] = {}
    for name in names:
        name = " ".join(name.split())
        if name:
            seen.setdefault(slugify(name, fallback="term"), name)
    return tuple(seen.values())


def create_article(site: Path, request: NewArticle, problems: Problems, now: dt.datetime | None = None) -> Path:
    """Write the new content file and return its path. Raises SsgError (nothing written) when
    the request is unusable, the file exists or its URL is taken."""
    config = load_config(site)
    content = config.content_dir.rstrip("/")
    refused = _request_problems(request, content)
    if refused:
        raise SsgError(refused)
    root = site / config.content_dir
    section_slug = slugify(request.section.strip(), fallback="section")
    paths, urls = _taken(root, site, config)
    slug = _free_slug(request, section_slug, paths, urls, Urls.from_config(config), content)
    target = root / content_relpath(section_slug, slug)
    shown = f"{content}/{content_relpath(section_slug, slug)}"
    date = _date(request.date, config, now)
    _write_new(target, cf.dump_document(_front_matter(request, date, slug), PLACEHOLDER), shown)
    _warn_if_hidden(request, date, config, shown, problems, now)
    return target


def _text_problem(what: str, value: str) -> str | None:
    """Why a one-line value (headline, section, name) cannot be used; None when it can. The
    build removes control characters as it reads a file: one here would not be shown as typed."""
    if not value.strip():
        return f"{what} is empty"
    if "\n" in value or "\r" in value:
        return f"{what} must be one line"
    removed = cf.clean_text(value)[1]
    if removed:
        return f"{what} holds control characters ({cf.code_points(removed)})"
    return None


def _request_problems(request: NewArticle, content: str) -> list[Problem]:
    """Every problem of the request at once (shown against the content folder: no file yet)."""
    found = [_text_problem("the headline", request.headline), _text_problem("--section", request.section)]
    found += [_text_problem(f"tag {name!r}", name) for name in request.tags]
    found += [_text_problem(f"author {name!r}", name) for name in request.authors]
    why = segment_problem(request.slug) if request.slug is not None else None
    if why:  # as the build refuses a front matter slug: it is used exactly as given, or not at all
        found.append(unsafe_slug_message(request.slug, why, request.headline.strip() or "untitled", key="--slug"))
    return [Problem(content, None, message) for message in found if message]


def _url_of(relpath: str, meta: dict, urls: Urls) -> str:
    """The URL the build gives a content file: its ``url:`` when it has a usable one, else
    ``collect.place_of`` through the permalink pattern."""
    given = meta.get("url")
    if isinstance(given, str) and given_path(given)[0]:
        return given_path(given)[0]
    _, section_slug, slug = place_of(relpath, meta)
    return urls.article_path(section_slug, slug)


def _taken(root: Path, site: Path, config: Config) -> tuple[set[str], dict[str, tuple[str, str]]]:
    """Every content path (casefolded, as the importer's ``occupied``), and every URL (casefolded)
    with the content file that has it and the URL as it has it, drafts and future articles included."""
    urls = Urls.from_config(config)
    paths: set[str] = set()
    taken: dict[str, tuple[str, str]] = {}
    content = config.content_dir.rstrip("/")
    for relpath in scan(root, site):
        paths.add(relpath.casefold())
        url = _url_of(relpath, cf.read_front_matter(root / relpath), urls)
        taken.setdefault(url.casefold(), (f"{content}/{relpath}", url))
    return paths, taken


def _free_slug(request: NewArticle, section_slug: str, paths: set[str], taken: dict[str, tuple[str, str]], urls: Urls,
               content: str) -> str:
    """The slug to use: ``--slug`` exactly (refused when its file or URL is taken), else the
    headline's slug, with ``-2``, ``-3``... while taken, as the importer numbers them."""

    def clash(slug: str) -> str | None:
        rel = content_relpath(section_slug, slug).as_posix()
        url = urls.article_path(section_slug, slug)
        if rel.casefold() in paths:
            return "already exists; not overwritten"
        if url.casefold() in taken:
            other, its_url = taken[url.casefold()]  # (perhaps in another case: one output folder)
            return f"not written: {other} already has the URL {urls.url(its_url)}"
        return None

    if request.slug is not None:
        why = clash(request.slug)
        if why:
            shown = f"{content}/{content_relpath(section_slug, request.slug)}"
            raise SsgError([Problem(shown, None, f"{why} (choose another --slug)")])
        return request.slug
    base = slugify(request.headline.strip())
    slug, n = base, 1
    while clash(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _date(day: dt.date | None, config: Config, now: dt.datetime | None) -> dt.datetime:
    """``--date``: midnight of that day in the site's time zone (as the importer's ``--date``);
    otherwise now, to the second."""
    tz = config.tz
    if day is not None:
        return dt.datetime(day.year, day.month, day.day, tzinfo=tz)
    return (now or dt.datetime.now(tz)).astimezone(tz).replace(microsecond=0)


def _front_matter(request: NewArticle, date: dt.datetime, slug: str) -> dict:
    meta = {"title": request.headline.strip(), "date": date, "section": request.section.strip(), "slug": slug}
    if request.tags:
        meta["tags"] = list(request.tags)
    if request.authors:
        meta["authors"] = list(request.authors)
    if request.draft:
        meta["draft"] = True
    return meta


def _write_new(target: Path, text: str, shown: str) -> None:
    """Create ``target`` only if it does not exist (``x`` mode: never an overwrite, even when
    another process wrote it a moment ago); a failed write leaves no partial file."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8", newline="\n") as fh:
            try:
                fh.write(text)
            except BaseException:
                fh.close()
                os.unlink(target)
                raise
    except FileExistsError:
        raise SsgError([Problem(shown, None, "already exists; not overwritten")]) from None
    except OSError as exc:
        raise SsgError([Problem(shown, None, f"cannot write: {exc.strerror or exc}")]) from None


def _warn_if_hidden(request: NewArticle, date: dt.datetime, config: Config, shown: str, problems: Problems,
                    now: dt.datetime | None) -> None:
    """Say so when ``ssg build`` will leave the new article out, so that its absence is no surprise."""
    if request.draft:
        problems.note(shown, "draft: ssg build leaves it out until its draft: true is removed "
                             "(ssg serve --drafts shows it)")
    if date > (now or dt.datetime.now(config.tz)):
        problems.note(shown, "dated in the future: ssg build leaves it out until then (ssg serve --future shows it)")

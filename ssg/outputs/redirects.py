"""URLs that never break: redirects from URLs a site published before, aliases, and gone pages.

The URLs of the article pages a site has published are kept in a file of the site folder
(``[redirects] file``, ``published-urls.txt``) that is meant to be committed, so that a fresh
clone knows them too. ``ssg build`` adds each new article URL to it; nothing removes one. A line
is a site path and what it stands for now::

    /politics/old-slug/ content/politics/story.md   the story published there (kept by ssg build)
    /world/removed/ gone                            removed on purpose: a page saying so
    /news/1234/ -> /world/new-home/                 a redirect written by hand (a site path or a URL)

Every path of that file that no output of the build produces becomes a page: a redirect to the
story's URL now (its slug, section, permalink pattern or ``url:`` changed), or a gone page when
it is marked ``gone`` or the story expired (``expires:``). Front matter ``aliases:`` are old URLs
of one story, made redirects the same way. A path whose story is no longer published (its file
deleted, not marked gone) resolves to nothing: the build warns and ``ssg check`` fails.

Redirect pages are small HTML documents (``<meta http-equiv="refresh">``, ``rel=canonical``, a
link) that work on any static host; ``_redirects`` lists them again in Netlify and Cloudflare
Pages syntax, and ``ssg deploy`` to S3 sets each one's website redirect header.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import NamedTuple

from ssg.problems import Problems, text_lines
from ssg.publish.writer import write_atomic
from ssg.urls import Urls, given_path, shown_slug

HEADER = """\
# The URLs this site has published, kept by `ssg build`: commit this file, so that they keep
# working. A line is a site path and what it is now: the content file published there (kept up
# to date by ssg build), `gone` (removed on purpose: a page says so), or `-> /path/` or
# `-> https://…` (a redirect by hand). A URL whose story is no longer published must be marked
# one of those: `ssg check` fails until it is. See docs/output.md, "URLs that never break".
"""


# A site path as ``given_path`` leaves it, in the common form (segments that start with no dot:
# never "." or ".."; a folder's final "/" or a ".html" file): taken as it is, as re-checking the
# 100,000 lines of a large archive's file one segment at a time costs a third of a second.
_SEG = r"[A-Za-z0-9_~-][A-Za-z0-9._~-]{0,254}"
_PATH = rf"/(?:{_SEG}/)+|/(?:{_SEG}/)*{_SEG}\.html?"
_NORMAL = re.compile(_PATH)


class Entry(NamedTuple):
    line: int
    path: str  # a site path, as ``urls.given_path`` normalises it
    what: str  # "content", "gone" or "to"
    target: str  # the content relpath (below content/), or the redirect's site path or URL ("" for gone)


class Registry(NamedTuple):
    file: Path
    shown: str  # the file as messages name it (relative to the site)
    entries: tuple[Entry, ...]
    lines: tuple[str, ...]  # the file's lines as read (to rewrite it with hand-written lines kept)


def read(site: Path, config, problems: Problems) -> Registry:
    """The published-URLs file (none yet: no entries). A line that cannot be read is an error
    with its line number; the others are used."""
    shown = config.redirects.file
    file = site / shown
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Registry(file, shown, (), ())
    except (OSError, UnicodeDecodeError) as exc:
        problems.error(shown, f"cannot be read: {exc}")
        return Registry(file, shown, (), ())
    prefix = config.content_dir.rstrip("/") + "/"
    entries, seen = [], {}
    lines = tuple(text_lines(text))
    common = re.compile(rf"({_PATH}) {re.escape(prefix)}((?:{_SEG}/)*{_SEG}\.md)").fullmatch  # (the usual line)
    for n, raw in enumerate(lines, start=1):
        m = common(raw)
        if m is not None:
            path = m.group(1)
            if path in seen:
                problems.error(shown, f"{path} is listed twice (line {seen[path]} too)", n)
                continue
            seen[path] = n
            entries.append(Entry(n, path, "content", m.group(2)))
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        first, _, rest = line.partition(" ")
        rest = rest.strip()
        path, why = (first, None) if _NORMAL.fullmatch(first) else given_path(first)
        if why:
            problems.error(shown, f"{shown_slug(first)} is not a site path: {why}", n)
            continue
        if rest == "gone":
            entry = Entry(n, path, "gone", "")
        elif rest.startswith("->"):
            to = rest[2:].strip()
            if to.startswith(("http://", "https://")) and " " not in to:
                entry = Entry(n, path, "to", to)
            else:
                target, why = given_path(to)
                if why:
                    problems.error(shown, f"-> {shown_slug(to)}: not a site path or an http(s) URL: {why}", n)
                    continue
                entry = Entry(n, path, "to", target)
        elif rest.startswith(prefix) and rest.endswith(".md") and ".." not in rest.split("/"):
            entry = Entry(n, path, "content", rest[len(prefix):])
        else:
            problems.error(shown, f"{path}: expected a content file ({prefix}…/x.md), gone, or -> a URL; got "
                                  f"{shown_slug(rest)}", n)
            continue
        if path in seen:
            problems.error(shown, f"{path} is listed twice (line {seen[path]} too)", n)
            continue
        seen[path] = n
        entries.append(entry)
    return Registry(file, shown, tuple(entries), lines)


class Moved(NamedTuple):
    """What the build makes of old URLs: (site path, target) redirects, gone paths, and what
    resolves to nothing (for messages)."""

    redirects: list[tuple[str, str, str]]  # (site path, target site path or URL, source for messages)
    gone: list[tuple[str, str]]  # (site path, source)


def resolve(registry: Registry, urls: Urls, article_paths: dict[str, str], expired: dict[str, tuple[str, ...]], left_out: dict[str, str], aliases, planned: set[str],
            content_dir: str, problems: Problems) -> Moved:
    """The redirect and gone pages of a build. ``article_paths``: relpath -> site path of every
    published article; ``planned``: the output files planned; ``expired``: relpath -> the
    site paths of an expired story (its URL and aliases); ``left_out``: relpath -> why (drafts,
    embargoes); ``aliases``: (relpath, alias path) of published articles."""
    redirects, gone, taken = [], [], set(planned)

    def free(path: str) -> bool:
        file = Urls.output_file(path)
        if file in taken:
            return False
        taken.add(file)
        return True

    for relpath, path in aliases:
        shown = f"{content_dir}/{relpath}"
        if not free(path):
            problems.error(shown, f"aliases: {path} is already a page of this site: an alias must be an old URL "
                                  "that nothing else publishes")
            continue
        redirects.append((path, article_paths[relpath], shown))
    for relpath, paths in expired.items():
        for path in paths:
            if free(path):
                gone.append((path, f"{content_dir}/{relpath}"))
    for e in registry.entries:
        if Urls.output_file(e.path) in taken:
            continue  # a page of this build, or made above
        source = f"{registry.shown}:{e.line}"
        if e.what == "gone":
            free(e.path)
            gone.append((e.path, source))
        elif e.what == "to":
            free(e.path)
            redirects.append((e.path, e.target, source))
        elif e.target in article_paths:
            free(e.path)
            redirects.append((e.path, article_paths[e.target], source))
        else:
            why = (f"is left out ({left_out[e.target]})" if e.target in left_out
                   else "is no longer published")
            problems.warning(registry.shown, f"{e.path} was {content_dir}/{e.target}, which {why}: this URL now "
                                             "resolves to nothing. Mark it `gone`, or point it elsewhere with "
                                             "`-> /new/path/`", e.line)
    return Moved(redirects, gone)


def record(registry: Registry, article_paths: dict[str, str], content_dir: str) -> bool:
    """Add every published article URL the file lacks, and point a path that is an article's
    page now at that article; hand-written lines (gone, ->, comments) stay as they are. Written
    atomically, only when something changed. Returns whether it was written."""
    by_path = {path: relpath for relpath, path in article_paths.items()}
    lines = list(registry.lines) if registry.lines else HEADER.rstrip("\n").split("\n")
    changed = False
    known = set()
    for e in registry.entries:
        known.add(e.path)
        now = by_path.get(e.path)
        if e.what == "content" and now is not None and now != e.target:
            lines[e.line - 1] = f"{e.path} {content_dir}/{now}"
            changed = True
    new = sorted((path, relpath) for path, relpath in by_path.items() if path not in known)
    if new:
        lines += [f"{path} {content_dir}/{relpath}" for path, relpath in new]
        changed = True
    if not changed:
        return False
    write_atomic(registry.file, ("\n".join(lines) + "\n").encode("utf-8"))
    return True


# --- the pages ------------------------------------------------------------------------------

def redirect_html(*, language: str, title: str, to_url: str, canonical: str) -> bytes:
    """A redirect that works on any static host: a refresh at once, the canonical URL for
    search engines, and a link for anyone whose browser does not follow it."""
    to, can = escape(to_url), escape(canonical)
    return (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>Moved — {escape(title)}</title>\n<meta http-equiv="refresh" content="0; url={to}">\n'
            f'<link rel="canonical" href="{can}">\n<meta name="robots" content="noindex">\n</head>\n<body>\n'
            f'<main>\n<h1>This page has moved</h1>\n<p><a href="{to}">{can}</a></p>\n</main>\n</body>\n</html>\n'
            ).encode("utf-8")


def gone_html(*, language: str, title: str, home_url: str) -> bytes:
    """The page at the URL of a story removed on purpose (the HTTP 410 of a static site): says
    so, keeps search engines from indexing it, and names nothing of the story."""
    return (f'<!DOCTYPE html>\n<html lang="{escape(language)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>Story removed — {escape(title)}</title>\n<meta name="robots" content="noindex">\n</head>\n'
            f'<body>\n<main>\n<h1>This story was removed</h1>\n<p>The story published at this address was removed '
            f'and is no longer available.</p>\n<p><a href="{escape(home_url)}">{escape(title)}: front page</a></p>\n'
            f'</main>\n</body>\n</html>\n').encode("utf-8")


def redirects_file(pairs) -> bytes:
    """``_redirects`` (Netlify, Cloudflare Pages): ``from to 301``, one per line, by path."""
    head = "# Made by ssg from published-urls.txt and aliases: each old URL and where it moved.\n"
    return (head + "".join(f"{src} {dst} 301\n" for src, dst in pairs)).encode("utf-8")

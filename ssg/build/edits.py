"""Edit-only builds: from edited articles to the outputs that show them, without planning the
site again.

The common change to an archive is an edit of a few articles' text: a corrected paragraph, a
new summary. Such an edit moves no article: its place in every listing, feed and archive, its
URL, its neighbours and its related stories stay as they were. When that is so for every
changed file, the outputs to make again are those that show a changed article, found in the
build state's dependency index (``state.shown_on``); each is planned again from what the state
remembers of it (its kind, its ``arg``, the articles it shows) with the articles' new
fingerprints, and only those whose key changed are made. Everything else is kept as it is.

Anything else (a file added or removed, an article moved: a new title, date, section, slug,
tags, authors, key terms; new settings or templates; a file that does not parse; an output
deleted by hand; something due) goes the whole way (``build.plan_outputs``), which gives the
same bytes: ``tests/test_edits.py`` checks every edit-only build against a clean one.
"""

from __future__ import annotations

from typing import NamedTuple

import ast
import marshal

from ssg.content.article import Article, article_to_json, row_fingerprint
from ssg.outputs.images import fingerprint
from ssg.outputs.kinds import Output, make_globals
from ssg.problems import Problems
from ssg.content.collect import parsed_stat, read_article, status
from ssg.build.state import BuildState
from ssg.keys import digest, strings_key
from ssg.render.views import Views

MAX_EDITED = 200  # files: past this many, planning the whole site costs about as much


class Edit(NamedTuple):
    """What an edit-only build makes: the outputs whose key changed, and what they need."""

    outputs: list[Output]
    articles: dict[str, Article]  # every article those outputs show
    terms: dict
    parsed: dict[str, tuple[str, Article, str, str]]  # the changed files: stat, article, fingerprint, row
    views: Views
    search_parts: list
    snapshot: dict[str, bytes]


def _placement(a: Article) -> tuple:
    """What of an article other outputs hold or depend on besides its fingerprint: where it is
    listed and linked, under which headline and URL, and what makes its related stories."""
    return (a.title, a.date, a.updated, a.section, a.section_slug, a.slug, a.draft, a.tags, a.authors, a.terms,
            a.url, a.aliases, a.corrections, a.publish_at, a.expires, a.image, a.image_focus, a.body_images)


def _published(a: Article, options, now) -> str | None:
    return status(a, now, options.drafts, options.future)


def plan_edit(setup, state: BuildState, changed: list[str], listing: dict[str, tuple[int, int]],
              previous: dict[str, str]) -> Edit | None:
    """The outputs ``changed`` content files touch, or None when the edit moves anything (then
    the whole site is planned)."""
    if not changed or len(changed) > MAX_EDITED:
        return None
    snapshot = {name: state.blob(name) for name in ("structure", "terms", "search", "images")}
    if any(data is None for data in snapshot.values()):
        return None
    old = state.rows(changed)
    parsed = _read(setup, changed, old, listing)
    if parsed is None:
        return None
    structure, terms = marshal.loads(snapshot["structure"]), marshal.loads(snapshot["terms"])
    pictures = marshal.loads(snapshot["images"])
    new_fps = {r: fingerprint(_shown_fp(fp, terms.get(r)), pictures.get(r)) for r, (_, _, fp, _) in parsed.items()}
    views = Views(make_globals(setup.config, setup.urls, structure), pictures)
    parts = _search_parts(setup, snapshot["search"], parsed, views)
    if parts is None:
        return None
    affected = state.output_details(state.shown_on(changed))
    shown = {r for _, _, _, shows in affected.values() for r in shows}
    stored = state.rows(shown - set(parsed))
    if len(stored) != len(shown - set(parsed)):
        return None
    fps = {r: fingerprint(_shown_fp(fp, terms.get(r)), pictures.get(r)) for r, (_, fp, _) in stored.items()}
    fps.update(new_fps)
    articles = {r: a for r, (_, _, a) in stored.items()}
    articles.update((r, entry[1]) for r, entry in parsed.items())
    outputs = []
    for file, (key, kind, arg, shows) in sorted(affected.items()):
        new = strings_key(structure["key"], kind, arg, *[fps[r] for r in shows])
        if new != key:
            outputs.append(Output(file, kind, ast.literal_eval(arg), shows, new, _source(kind, file, shows),
                                  _site_path(file)))
    search = marshal.dumps([[(p.folder, p.paths) for p in parts], _words(snapshot["search"], parsed, views)]) if parts else snapshot["search"]
    return Edit(outputs, articles, terms, parsed, views, parts, {"search": search})


def _read(setup, changed: list[str], old: dict, listing: dict[str, tuple[int, int]]) -> dict | None:
    """The changed files, parsed; None when one cannot be, or moves (see ``_placement``)."""
    parsed = {}
    for relpath in changed:
        before = old.get(relpath)
        if before is None:
            return None  # not parsed last time: the whole way, which reports it
        found = Problems()
        result = read_article(setup.content_root / relpath, relpath, setup.config, found)
        if result is None or found.items:
            return None
        article = result[0]
        if _placement(article) != _placement(before[2]):
            return None
        if _published(article, setup.options, setup.now) != _published(before[2], setup.options, setup.now):
            return None
        row = article_to_json(article)
        size, mtime = listing[relpath]
        parsed[relpath] = (parsed_stat(size, mtime, setup.config), article, row_fingerprint(row), row)
    return parsed


def _shown_fp(fp: str, names: dict | None) -> str:
    """An article's fingerprint as outputs key on it: with the display names of its terms
    where they differ from its own (``outputs.display_terms``)."""
    if names:
        for kind in ("tags", "authors"):
            if kind in names:
                fp = digest(fp, kind, tuple(names[kind]))
    return fp


def _words(search: bytes, parsed: dict, views: Views) -> list:
    parts, words = marshal.loads(search) if search else ([], [])
    new = {views.article_path(a): a.words for _, a, _, _ in parsed.values()}
    return [(path, new.get(path, w)) for path, w in words]


def _search_parts(setup, search: bytes, parsed: dict, views: Views) -> list | None:
    """The search index's parts, as before the edit (its new word counts may move a cut: then
    None, and the whole way)."""
    if setup.indexer is None:
        return []
    from ssg.outputs.search import Part, partition

    data = marshal.loads(search)
    if not data:
        return None
    before = [Part(folder, tuple(paths)) for folder, paths in data[0]]
    parts = partition(_words(search, parsed, views))
    return parts if parts == before else None


def _site_path(file: str) -> str:
    return "/" + (file[: -len("index.html")] if file.endswith("index.html") else file)


def _source(kind: str, file: str, shows: tuple[str, ...]) -> str:
    if kind == "article" and shows:
        return "content/" + shows[0]
    return f"{kind} {file}"

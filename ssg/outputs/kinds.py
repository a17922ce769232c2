"""Outputs: every file a build writes is an ``Output``, planned here and made by its kind.

An ``Output`` is plain data: where it goes (``file``), which kind makes it, its ``arg`` (what it
is made of: page numbers, counts, and what it shows of other articles, such as a neighbour's
headline and path), the articles whose data its view reads (``shows``, in order) and its
``key``. The key is ``key_of`` those: the global key (configuration, templates, navigation),
the kind, the arg and the fingerprint of every shown article. A kind makes its bytes from
``views.Globals``, the arg and a ``views.Shown`` that refuses any article not in ``shows``:
what an output holds is covered by its key by construction, and an output whose key did not
change is neither made nor written. ``shows`` and ``refs`` (the articles whose data the arg
holds) are the dependency index the build state keeps: for an edited article, the outputs
that show it.

Kinds: the pages (article, section, home, term, terms, year, month, archive, search, 404),
feeds (RSS, Atom and JSON Feed of the site, each section, tag and author), site files (sitemaps, the
news sitemap, robots.txt), static files, and the search index (``search.py``).

To add a kind: a ``plan_*`` function that yields its outputs from the archive, and a maker in
``MAKERS`` that turns one into bytes (see docs/architecture.md).
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from pathlib import Path
from typing import Any, Callable, NamedTuple

from ssg.config import Config
from ssg.content.article import Article
from ssg.content.collect import Archive, term_slug
from ssg.keys import digest, strings_key
from ssg.urls import Urls
from ssg.render.views import (TAXONOMY_NAMES, Assets, Globals, Link, SearchView, SectionLink, Shown, SiteView, TaxonomyView,
                              corrections_feed_links,
                    Views, feed_links)


class Output(NamedTuple):
    """One file of the site. A named tuple: a build plans one per page of the site."""

    file: str  # below the output folder, POSIX separators ("world/a/index.html")
    kind: str  # the maker in MAKERS
    arg: Any  # plain values (str, int, tuples): what it is made of, besides the shown articles
    shows: tuple[str, ...]  # the articles (relpaths) its view reads, in order
    key: str
    source: str  # what produced it, for messages
    path: str | None = None  # a page's site path ("/world/a/"); None for other files
    lastmod: str | None = None  # ISO day of the newest article it shows; None: not in the sitemap
    refs: tuple[str, ...] = ()  # articles of which the arg holds some data (neighbours, related stories)


def key_of(global_key: str, kind: str, arg, shows, fps: dict[str, str]) -> str:
    """An output's key: everything its bytes are made of."""
    return strings_key(global_key, kind, repr(arg), *[fps[r] for r in shows])


def day(a: Article) -> str:
    """The ISO day of an article's last change (its date, ``updated`` or latest correction):
    a sitemap ``lastmod``."""
    return a.modified.date().isoformat()


# --- the context of a build -------------------------------------------------------------------


def taxonomies(config: Config, archive: Archive):
    """(kind, terms) of each taxonomy that is switched on and has terms."""
    for kind in ("tags", "authors"):
        terms = getattr(archive, kind)
        if getattr(config.taxonomies, kind) and terms:
            yield kind, terms


def structure_of(archive: Archive, key: str, assets: tuple[tuple[str, str], ...] | None = None) -> dict:
    """What ``make_globals`` needs of the archive (kept by the build state for edit-only
    builds): the global key, the sections' names and slugs, which taxonomies and date archives
    have something to list, and the published names of the static files (``published_names``;
    None: not given, ``asset()`` then gives plain names)."""
    return {"key": key, "sections": [(s.name, s.slug) for s in archive.sections], "years": bool(archive.years),
            "tags": bool(archive.tags), "authors": bool(archive.authors), "assets": assets,
            "corrections": has_corrections(archive)}


def has_corrections(archive: Archive) -> bool:
    """Whether an article has a correction: then /corrections/ exists, and every footer links it."""
    return any(a.corrections for a in archive.articles.values())


def make_globals(config: Config, urls: Urls, structure: dict) -> Globals:
    sections = [tuple(s) for s in structure["sections"]]
    links = {slug: SectionLink(name, slug, urls.url(urls.section_path(slug)), feed_links(urls, name, slug))
             for name, slug in sections}
    on = [kind for kind in ("tags", "authors") if getattr(config.taxonomies, kind) and structure[kind]]
    browse = {"archive_url": urls.url(urls.archive_path) if config.archives.enabled and structure["years"] else None,
              "tags_url": urls.url(urls.terms_path("tags")) if "tags" in on else None,
              "authors_url": urls.url(urls.terms_path("authors")) if "authors" in on else None}
    site = SiteView(
        title=config.title, description=config.description, language=config.language, base_url=urls.base_url,
        url=urls.url("/"), sections=tuple(links[slug] for _, slug in sections), feeds=feed_links(urls, config.title),
        sitemap_url=urls.url("/sitemap.xml"), **browse,
        search_url=urls.url(urls.search_path) if config.search.enabled else None,
        corrections_url=urls.url(urls.corrections_path) if structure.get("corrections") else None,
        asset=Assets(urls, None if structure.get("assets") is None else dict(structure["assets"])))
    tax = {kind: TaxonomyView(kind, kind.capitalize(), TAXONOMY_NAMES[kind], urls.url(urls.terms_path(kind)))
           for kind in on}
    return Globals(config, urls, structure["key"], site, links, tax)


def global_key(version: str, config: Config, urls: Urls, templates_key: str, archive: Archive,
               assets: tuple[tuple[str, str], ...] | None = None) -> str:
    """What every output shows: the configuration, the base URL, the templates, the sections'
    names and slugs (every page's navigation), which browse pages exist (every footer) and the
    published names of the static files (``asset()``'s URLs, in every page's head)."""
    return digest(version, repr(config), urls.base_url, templates_key, [(s.name, s.slug) for s in archive.sections],
                  bool(archive.years), bool(archive.tags), bool(archive.authors), assets, has_corrections(archive))


def display_terms(config: Config, archive: Archive, fps: dict[str, str]) -> tuple[dict, dict]:
    """Every article shows its tags and authors by their display names (the spelling of each
    term's newest article). Where those differ from its own spellings they are returned
    (relpath -> {kind: names}) and join its fingerprint (the fingerprints returned)."""
    terms: dict[str, dict[str, tuple[str, ...]]] = {}
    changed: dict[str, str] = {}
    for kind, all_terms in taxonomies(config, archive):
        by_slug = {t.slug: t for t in all_terms}
        for a in archive.articles.values():
            own = getattr(a, kind)
            if own:
                names = tuple(by_slug[term_slug(n)].name for n in own)
                if names != own:
                    terms.setdefault(a.relpath, {})[kind] = names
                    changed[a.relpath] = digest(changed.get(a.relpath) or fps[a.relpath], kind, names)
    return terms, ({**fps, **changed} if changed else fps)


# --- planning: every output of the site, from the archive -------------------------------------


class Planner:
    """Plans every output of a site from its archive. ``fps``: relpath -> the article's
    fingerprint (display names of its terms included); ``related``: relpath -> its related
    stories' relpaths."""

    def __init__(self, g: Globals, archive: Archive, fps: dict[str, str], related: dict[str, tuple[str, ...]],
                 views: Views):
        self.g, self.archive, self.fps, self.related, self.views = g, archive, fps, related, views
        self.config, self.urls = g.config, g.urls
        self._days: dict[str, str] = {}

    def output(self, path: str | None, file: str, kind: str, arg, shows, source: str, lastmod: str | None = None,
               refs: tuple[str, ...] = ()) -> Output:
        return Output(file, kind, arg, shows, key_of(self.g.key, kind, arg, shows, self.fps), source, path, lastmod, refs)

    def page(self, path: str, kind: str, arg, shows, source: str, lastmod: str | None = None,
             refs: tuple[str, ...] = ()) -> Output:
        return self.output(path, Urls.output_file(path), kind, arg, shows, source, lastmod, refs)

    def _day(self, relpath: str) -> str:
        d = self._days.get(relpath)
        if d is None:
            d = self._days[relpath] = day(self.archive.articles[relpath])
        return d

    def lastmod(self, keys) -> str | None:
        return max(map(self._day, keys), default=None)

    def pages(self) -> list[Output]:
        """Every page, in the order of the sitemap."""
        out = [self.home()]
        out += self.sections()
        out += self.articles()
        out += self.term_pages()
        out += self.periods()
        out += self.corrections()
        if self.config.search.enabled:  # not in the sitemap: a search page has nothing to index
            out.append(self.page(self.urls.search_path, "search", tuple(p.folder for p in self.search_parts()), (),
                                 "search page"))
        out.append(self.page("/404.html", "404", None, (), "404 page"))
        return out

    def home(self) -> Output:
        a, c = self.archive, self.config
        latest = tuple(islice(a.articles, c.home_latest))
        # Each section's block: its newest stories that the latest do not show already (a story
        # appears once on the page).
        above = set(latest)
        rest = [tuple(islice((k for k in s.keys if k not in above), c.home_per_section)) for s in a.sections]
        blocks = tuple((s.slug, len(s.keys), len(keys)) for s, keys in zip(a.sections, rest))
        shows = latest + tuple(k for keys in rest for k in keys)
        return self.page("/", "home", (len(latest), blocks), shows, "home page", self.lastmod(latest[:1]))

    def listing(self, kind: str, keys, path_of, head: tuple, source: str) -> list[Output]:
        """The pages of one paginated listing of ``keys``: each page's arg is ``head`` (what
        every page of it shows besides its articles), its number and the listing's length."""
        size = self.config.page_size
        count = max(1, -(-len(keys) // size))
        out = []
        for n in range(1, count + 1):
            shown = tuple(keys[(n - 1) * size : n * size])
            out.append(self.page(path_of(n), kind, (*head, n, len(keys)), shown, source, self.lastmod(shown)))
        return out

    def sections(self) -> list[Output]:
        out = []
        for s in self.archive.sections:
            out += self.listing("section", s.keys, lambda n, s=s: self.urls.section_path(s.slug, n), (s.slug,),
                                f"section {s.name!r}")
        return out

    def articles(self) -> list[Output]:
        """An article's page shows its own article, and of others only what its arg holds: the
        headline and path of its neighbours in its section, and the headline, path, date and
        section of its related stories (a body edited there changes nothing here)."""
        out, articles, related, path_of = [], self.archive.articles, self.related, self.views.article_path
        link: dict[str, tuple] = {}

        def related_link(r: str) -> tuple:
            if r not in link:
                a = articles[r]
                link[r] = (a.title, path_of(a), a.date.isoformat(), a.section_slug)
            return link[r]

        for s in self.archive.sections:
            keys = s.keys
            shown = [articles[k] for k in keys]
            near = [(a.title, path_of(a)) for a in shown] + [None]  # None: no neighbour
            for i, relpath in enumerate(keys):
                rel = tuple(related.get(relpath, ()))
                arg = (relpath, near[i + 1], near[i - 1] if i else None, tuple(map(related_link, rel)))
                refs = (*keys[i + 1 : i + 2], *keys[max(0, i - 1) : i], *rel)
                out.append(self.page(near[i][1], "article", arg, (relpath,), "content/" + relpath, self._day(relpath),
                                     refs))
        return out

    def term_pages(self) -> list[Output]:
        out, urls = [], self.urls
        for kind, terms in taxonomies(self.config, self.archive):
            singular = TAXONOMY_NAMES[kind].lower()
            for t in terms:
                out += self.listing("term", t.keys, lambda n, t=t: urls.term_path(kind, t.slug, n), (kind, t.name, t.slug),
                                    f"{singular} {t.name!r}")
            arg = (kind, tuple((t.name, t.slug, len(t.keys)) for t in terms))
            out.append(self.page(urls.terms_path(kind), "terms", arg, (), f"{kind} index",
                                 self.lastmod([t.keys[0] for t in terms])))
        return out

    def periods(self) -> list[Output]:
        a, urls, out = self.archive, self.urls, []
        if not (self.config.archives.enabled and a.years):
            return out
        for y in a.years:
            months = tuple((m.month, len(m.keys)) for m in y.months)
            out += self.listing("year", y.keys, lambda n, y=y: urls.year_path(y.year, n), (y.year, months), f"year {y.year}")
            for m in y.months:
                out += self.listing("month", m.keys, lambda n, m=m: urls.month_path(m.year, m.month, n), (m.year, m.month),
                                    f"month {m.year}-{m.month:02d}")
        arg = (tuple((y.year, len(y.keys), tuple((m.month, len(m.keys)) for m in y.months)) for y in a.years), len(a.articles))
        out.append(self.page(urls.archive_path, "archive", arg, (), "archive overview",
                             self.lastmod(list(islice(a.articles, 1)))))
        return out

    def corrections(self) -> list[Output]:
        """/corrections/ and its RSS and Atom feeds: every correction, newest first (none when
        no article has one). Each shows the articles corrected; the arg holds which correction
        of which article, in order."""
        found = sorted(((dt.datetime.fromisoformat(iso), relpath, i) for relpath, a in self.archive.articles.items()
                        for i, (iso, _) in enumerate(a.corrections)), key=lambda c: (-c[0].timestamp(), c[1], c[2]))
        if not found:
            return []
        urls = self.urls
        arg = tuple((relpath, i) for _, relpath, i in found)
        shows = tuple(dict.fromkeys(relpath for _, relpath, _ in found))
        out = [self.page(urls.corrections_path, "corrections", arg, shows, "corrections page",
                         found[0][0].date().isoformat())]
        for fmt, kind in (("rss", "feed"), ("atom", "atom")):
            path = urls.corrections_feed_path(kind)
            out.append(self.output(None, Urls.output_file(path), "corrections feed", (fmt, arg), shows,
                                   f"corrections feed ({fmt})"))
        return out

    def cards(self) -> list[Output]:
        """A generated share card (``images/card.py``) for every article with no picture of its
        own (its picture's card crop serves otherwise; a remote image is its own card): its
        arg is all it shows (headline, section, site name, the theme's card style)."""
        if not self.config.images.cards:
            return []
        from ssg.outputs.images import card_path, is_remote

        out, pictures, (fonts, style) = [], self.views.pictures, self.card_look
        for a in self.archive.articles.values():
            pics = pictures.get(a.relpath)
            if (pics and pics[0]) or (a.image and is_remote(a.image)):
                continue
            path = card_path(self.views.article_path(a))
            out.append(self.output(None, Urls.output_file(path), "card",
                                   (a.title, self.g.links[a.section_slug].name, self.config.title, style, fonts), (),
                                   f"share card of {self.config.content_dir.rstrip('/')}/{a.relpath}"))
        return out

    card_look: tuple = ("", ())  # (the theme's fonts folder or "", its card colours or ()): card_look()

    _search_parts = None

    def search_parts(self):
        """The parts the search index is built in (``search.partition``), oldest articles first."""
        if self._search_parts is None:
            from ssg.outputs.search import partition

            articles = self.archive.articles.values()
            self._search_parts = partition([(self.views.article_path(a), a.words) for a in reversed(list(articles))])
        return self._search_parts

    def feeds(self) -> list[Output]:
        """An RSS, an Atom and a JSON feed of the newest articles of the site, each section, tag and
        author: the same articles in the same order. And the site's archived feeds (RFC 5005,
        ``feed_archive.py``): an Atom document per month with articles, showing all of them; its
        arg holds its month and its neighbours' only, so it changes when they do."""
        c, a, urls = self.config, self.archive, self.urls
        if a.years:  # [archives] on: grouped already (by each date as written, as the month pages)
            months = [(m.year, m.month, m.keys) for y in a.years for m in y.months]
        else:
            grouped: dict[tuple[int, int], list[str]] = {}
            for relpath, article in a.articles.items():  # newest first, so is each month
                grouped.setdefault((article.date.year, article.date.month), []).append(relpath)
            months = [(y, m, tuple(grouped[(y, m)])) for y, m in sorted(grouped, reverse=True)]
        archives = []
        for i, (year, month, keys) in enumerate(months):
            older = months[i + 1][:2] if i + 1 < len(months) else None
            newer = months[i - 1][:2] if i else None
            archives.append(self.output(None, Urls.output_file(urls.month_feed_path(year, month)), "feed archive",
                                        (year, month, older, newer), tuple(keys), f"archived feed {year}-{month:02d}"))
        newest = (urls.month_feed_path(*months[0][:2]),) if months else ()  # the site's Atom feed links it
        targets = [(c.title, c.description, "/", "/feed.xml", "/atom.xml", tuple(islice(a.articles, c.feeds.items)),
                    newest)]
        for s in a.sections:
            targets.append((f"{s.name} — {c.title}", f"{s.name}: {c.description}", urls.section_path(s.slug),
                            urls.section_feed_path(s.slug, "feed"), urls.section_feed_path(s.slug, "atom"),
                            s.keys[: c.feeds.items], ()))
        for kind, terms in taxonomies(c, a):
            for t in terms:
                what = f"Articles tagged {t.name}" if kind == "tags" else f"Articles by {t.name}"
                targets.append((f"{TAXONOMY_NAMES[kind]}: {t.name} — {c.title}", f"{what}: {c.description}",
                                urls.term_path(kind, t.slug), urls.term_feed_path(kind, t.slug, "feed"),
                                urls.term_feed_path(kind, t.slug, "atom"), t.keys[: c.feeds.items], ()))
        out = []
        for title, description, home, rss, atom, keys, archive in targets:
            head = (title, description, home, rss, atom, *archive)
            for fmt, path in (("rss", rss), ("atom", atom)):
                out.append(self.output(None, Urls.output_file(path), "feed", (fmt, *head), tuple(keys), f"feed {title!r}"))
            json_path = Urls.json_feed_path(rss)
            out.append(self.output(None, Urls.output_file(json_path), "json feed", (title, description, home, json_path),
                                   tuple(keys), f"JSON feed {title!r}"))
        # The archives first: the largest files of a build, made before the many small feeds
        # rather than in the last chunk of the workers' work, where one worker would be left alone.
        return archives + out

    def site_files(self, pages: list[Output], news: list[Article] | None) -> list[Output]:
        """The sitemap (every page with a lastmod, in plan order; past sitemap.SITEMAP_LIMIT URLs,
        sitemap.xml is an index of sitemap-1.xml, sitemap-2.xml…), the news sitemap when
        ``news`` (its selection, newest first) is given, and robots.txt listing both."""
        from ssg.outputs import sitemap

        urls, out = self.urls, []
        entries = tuple((urls.absolute(p.path), p.lastmod) for p in pages if p.lastmod is not None)
        parts = sitemap.split(list(entries))
        if len(parts) == 1:
            out.append(self.output(None, "sitemap.xml", "sitemap", entries, (), "sitemap"))
        else:
            index = []
            for n, part in enumerate(parts, start=1):
                path = sitemap.sitemap_part_path(n)
                index.append((urls.absolute(path), max(lastmod for _, lastmod in part)))
                out.append(self.output(None, Urls.output_file(path), "sitemap", tuple(part), (), f"sitemap part {n}"))
            out.insert(0, self.output(None, "sitemap.xml", "sitemap index", tuple(index), (), "sitemap index"))
        listed = [urls.absolute("/sitemap.xml")]
        if news is not None:
            c = self.config
            entries = tuple((urls.absolute(self.views.article_path(a)), a.date.isoformat(), a.title,
                             a.modified.isoformat() if a.modified != a.date else None) for a in news)
            arg = (c.news.publisher or c.title, c.language, entries)
            out.append(self.output(None, "news-sitemap.xml", "news sitemap", arg, tuple(a.relpath for a in news),
                                   "news sitemap"))
            listed.append(urls.absolute("/news-sitemap.xml"))
        out.append(self.output(None, "robots.txt", "robots", tuple(listed), (), "robots.txt"))
        return out


def plan_moved(planner: "Planner", registry, expired, left_out, planned: set[str], problems
               ) -> tuple[list[Output], dict[str, str]]:
    """The pages at URLs the site published before (``redirects.py``): a redirect where a story
    moved, a gone page where one was removed or expired; a story's ``aliases`` redirect to it;
    and ``_redirects`` listing every redirect (by path) for the hosts that read it. Also every
    published article's site path (relpath -> path), which the build records."""
    from ssg.outputs import redirects

    urls, path_of, content_dir = planner.urls, planner.views.article_path, planner.config.content_dir.rstrip("/")
    articles = planner.archive.articles.values()
    article_paths = {a.relpath: path_of(a) for a in articles}
    aliases = [(a.relpath, alias) for a in articles for alias in a.aliases]
    gone = {a.relpath: (path_of(a), *a.aliases) for a in expired}
    moved = redirects.resolve(registry, urls, article_paths, gone, {r: why for r, why, _ in left_out},
                              aliases, planned, content_dir, problems)
    out, pairs = [], []
    for path, target, source in moved.redirects:
        to = target if target.startswith(("http://", "https://")) else urls.url(target)
        out.append(planner.output(None, Urls.output_file(path), "redirect", (path, to), (), f"redirect {source}"))
        pairs.append((urls.url(path), to))
    for path, source in moved.gone:
        out.append(planner.output(None, Urls.output_file(path), "gone", (), (), f"gone page {source}"))
    if moved.redirects:
        out.append(planner.output(None, "_redirects", "redirects", tuple(sorted(pairs)), (), "_redirects"))
    return out, article_paths


# Static files published a second time under a name carrying a hash of their bytes.
FINGERPRINTED = frozenset({".css", ".js", ".svg", ".woff2", ".png", ".ico"})
FINGERPRINT_LENGTH = 10  # hex digits of the SHA-256 of the file


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks."""
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def fingerprinted_name(rel: str, sha256: str) -> str:
    """``css/style.css`` -> ``css/style.<first 10 hex of the SHA-256 of its bytes>.css``."""
    folder, _, name = rel.rpartition("/")
    stem, _, ext = name.rpartition(".")
    hashed = f"{stem}.{sha256[:FINGERPRINT_LENGTH]}.{ext}"
    return f"{folder}/{hashed}" if folder else hashed


def plan_static(folders: list[tuple[Path, str]], problems, walk, sha=sha256_of) -> list[Output]:
    """A file of the theme's or the site's ``static/`` (later folders override earlier ones):
    its key is the SHA-256 of its bytes (``sha(path)``: the build's is cached by the file's stat,
    as a site's static/ may hold gigabytes of pictures).

    A stylesheet, script, SVG, font, PNG or icon (``FINGERPRINTED``) is published twice: under
    its own name and, just after it in the plan, under ``fingerprinted_name``, which is what
    ``asset()`` gives templates. Every such file rather than only those a template asks for:
    which files the templates ask for is only known while pages are made, after the plan, and
    a URL must be decided before the page keys that hold it. The plain name stays so that a
    site whose templates still say ``{{ site.url }}style.css`` (and a stylesheet's relative
    ``url(font.woff2)``) keeps working; the copies cost a few kilobytes. When a file changes, its
    old fingerprinted name is no longer planned, so the build removes it."""
    found: dict[str, Path] = {}
    for folder, roots in folders:
        for rel, entry in walk(folder, roots):
            found[rel] = Path(entry.path)
    out = []
    for rel, path in sorted(found.items()):
        hex_digest = sha(path)
        key = "sha256:" + hex_digest
        out.append(Output(rel, "static", str(path), (), key, f"static file {path}"))
        if Path(rel).suffix.lower() in FINGERPRINTED:
            out.append(Output(fingerprinted_name(rel, hex_digest), "static", str(path), (), key,
                              f"static file {path}"))
    return out


def published_names(static: list[Output]) -> tuple[tuple[str, str], ...]:
    """(name, fingerprinted name) of the static files ``plan_static`` published twice: what
    ``asset()`` serves, and what the global key and the build state's structure hold
    (``structure_of``). Only those: adding or changing a file that has no fingerprinted name
    (``robots.txt``, a PDF) changes no page, so it must not change every page's key."""
    names: dict[str, str] = {}
    for before, o in zip(static, static[1:]):
        if o.arg == before.arg:  # the fingerprinted copy of the file just before it
            names[before.file] = o.file
    return tuple(sorted(names.items()))


# --- making: an output's bytes ----------------------------------------------------------------


class Maker:
    """Turns outputs into bytes: ``make(output)``. ``templates``: theme.Templates (collects
    errors); ``html(article)``: an article's body as HTML."""

    def __init__(self, views: Views, templates, articles: dict[str, Article], terms: dict, html: Callable[[Article], str]):
        self.views, self.templates, self.articles, self.terms, self.html = views, templates, articles, terms, html
        self.g, self.config, self.urls = views.g, views.config, views.urls
        self._feeds: dict[tuple, bytes] = {}  # the other format of a feed made together with one
        self._feed_html: dict[str, str] = {}  # relpath -> body with absolute links (in several feeds)

    def feed_html(self, a: Article) -> str:
        """An article's body as feeds hold it: its links made absolute (once per article, not
        once per feed listing it)."""
        html = self._feed_html.get(a.relpath)
        if html is None:
            from ssg.outputs.feeds import absolutize

            body = self.html(a)
            pictures = self.views.body_pictures(a.relpath)
            if pictures:
                from ssg.outputs.images import rewrite_feed_body

                body = rewrite_feed_body(body, pictures, self.urls.url)
            html = self._feed_html[a.relpath] = absolutize(body, self.urls.absolute(self.views.article_path(a)))
        return html

    def make(self, o: Output) -> bytes | None:
        shown = Shown(self.articles, frozenset(o.shows), self.terms)
        return MAKERS[o.kind](self, o, shown)

    def render(self, template: str, o: Output, **context) -> bytes | None:
        return self.templates.render(template, o.source, **context)


def _article(m: Maker, o: Output, shown: Shown) -> bytes | None:
    relpath, older, newer, related = o.arg
    v = m.views
    a = shown(relpath)
    body = m.html(a)
    pictures = v.body_pictures(relpath)
    if pictures:  # its body's local pictures, with their variants
        from ssg.outputs.images import rewrite_body

        body = rewrite_body(body, pictures, m.urls.url)
    view = v.article(shown, a, body, prev=older, next=newer, related=v.related_links(related))
    description = a.summary or m.config.description
    page = v.page("article", a.title, o.path, description, m.g.links[a.section_slug].feeds + m.g.site.feeds,
                  **v.article_meta(a, view, o.path, description))
    return m.render("article.html", o, page=page, article=view)


def _section(m: Maker, o: Output, shown: Shown) -> bytes | None:
    slug, n, total = o.arg
    v = m.views
    paginator = v.paginator(("section", slug), lambda i: m.urls.section_path(slug, i), n, total)
    section = v.section_view(slug, total)
    page = v.page("section", v.numbered(section.name, paginator), o.path, f"{section.name}: {m.config.description}",
                  section.feeds + m.g.site.feeds)
    return m.render("section.html", o, page=page, section=section, articles=v.teasers(shown, o.shows), paginator=paginator)


def _home(m: Maker, o: Output, shown: Shown) -> bytes | None:
    latest_count, blocks = o.arg
    v = m.views
    latest = v.teasers(shown, o.shows[:latest_count])
    views, at = [], latest_count
    for slug, total, count in blocks:
        views.append((v.section_view(slug, total), v.teasers(shown, o.shows[at : at + count])))
        at += count
    page = v.page("home", m.config.title, "/", m.config.description)
    return m.render("home.html", o, page=page, latest=latest, blocks=tuple(views))


def _term(m: Maker, o: Output, shown: Shown) -> bytes | None:
    kind, name, slug, n, total = o.arg
    v = m.views
    tax = m.g.taxonomies[kind]
    term = v.term_view(kind, name, slug, total)
    paginator = v.paginator(("term", kind, slug), lambda i: m.urls.term_path(kind, slug, i), n, total)
    what = f"Articles tagged {name}" if kind == "tags" else f"Articles by {name}"
    page = v.page("term", v.numbered(f"{tax.singular}: {name}", paginator), o.path, f"{what}: {m.config.description}",
                  term.feeds + m.g.site.feeds)
    return m.render("term.html", o, page=page, taxonomy=tax, term=term, articles=v.teasers(shown, o.shows),
                    paginator=paginator)


def _terms(m: Maker, o: Output, shown: Shown) -> bytes | None:
    kind, terms = o.arg
    tax = m.g.taxonomies[kind]
    page = m.views.page("terms", tax.name, o.path, f"{tax.name}: {m.config.description}")
    return m.render("terms.html", o, page=page, taxonomy=tax,
                    terms=tuple(m.views.term_view(kind, name, slug, count) for name, slug, count in terms))


def _year(m: Maker, o: Output, shown: Shown) -> bytes | None:
    year, months, n, total = o.arg
    period = m.views.period_view(year, None, total, months)
    paginator = m.views.paginator(("year", year), lambda i: m.urls.year_path(year, i), n, total)
    return _period(m, o, shown, period, None, paginator)


def _month(m: Maker, o: Output, shown: Shown) -> bytes | None:
    year, month, n, total = o.arg
    period = m.views.period_view(year, month, total)
    paginator = m.views.paginator(("month", year, month), lambda i: m.urls.month_path(year, month, i), n, total)
    return _period(m, o, shown, period, Link(str(year), m.urls.url(m.urls.year_path(year))), paginator)


def _period(m: Maker, o: Output, shown: Shown, period, parent, paginator) -> bytes | None:
    v = m.views
    page = v.page(o.kind, v.numbered(period.name, paginator), o.path, f"Articles from {period.name}: {m.config.description}")
    return m.render("period.html", o, page=page, period=period, parent=parent, archive_url=m.g.site.archive_url,
                    articles=v.teasers(shown, o.shows), paginator=paginator)


def _archive(m: Maker, o: Output, shown: Shown) -> bytes | None:
    years, count = o.arg
    v = m.views
    page = v.page("archive", "Archive", o.path, f"Every article by year and month: {m.config.description}")
    return m.render("archive.html", o, page=page, count=count,
                    years=tuple(v.period_view(year, None, total, months) for year, total, months in years))


def _search(m: Maker, o: Output, shown: Shown) -> bytes | None:
    from ssg.outputs.search import PREFIX

    bundle = m.urls.url("/" + PREFIX)
    page = m.views.page("search", "Search", o.path, f"Search {m.config.title}")
    search = SearchView(bundle_url=bundle, script_url=bundle + "pagefind.js",
                        index_urls=tuple(bundle + folder for folder in o.arg))
    return m.render("search.html", o, page=page, search=search)


def _not_found(m: Maker, o: Output, shown: Shown) -> bytes | None:
    return m.render("404.html", o, page=m.views.page("404", "Page not found", "/404.html", m.config.description))


def _feed(m: Maker, o: Output, shown: Shown) -> bytes | None:
    fmt, title, description, home, rss, atom, *archive = o.arg  # archive: the site's newest archived feed
    cache_key = (title, home, o.shows, *archive)
    made = m._feeds.pop((fmt, cache_key), None)  # made with its twin just before
    if made is not None:
        return made
    from . import feeds  # feedgen and lxml load only when a feed must be made

    c, urls = m.config, m.urls
    entries = [(a, urls.absolute(m.views.article_path(a)), m.feed_html(a) if c.feeds.full_content else "")
               for a in map(shown, o.shows)]
    both = dict(zip(("rss", "atom"), feeds.build_feeds(
        title=title, description=description, language=c.language, home_url=urls.absolute(home),
        rss_url=urls.absolute(rss), atom_url=urls.absolute(atom), articles=entries, full_content=c.feeds.full_content,
        author=c.title, hub=c.feeds.websub_hub, archive_url=urls.absolute(archive[0]) if archive else None)))
    m._feeds[("atom" if fmt == "rss" else "rss", cache_key)] = both["atom" if fmt == "rss" else "rss"]
    return both[fmt]


def _json_feed(m: Maker, o: Output, shown: Shown) -> bytes:
    """A JSON Feed: its items are the RSS feed's (same ids, links, order). Tags and authors by
    their display names (in the shown articles' fingerprints); an author links its page when
    the authors taxonomy is on (in the global key)."""
    from . import feeds
    from ssg.content.collect import term_slug

    title, description, home, path = o.arg
    c, urls = m.config, m.urls
    linked = "authors" in m.g.taxonomies
    items = []
    for a in map(shown, o.shows):
        authors = tuple((name, urls.absolute(urls.term_path("authors", term_slug(name))) if linked else None)
                        for name in shown.term_names(a, "authors"))
        item = feeds.JsonItem(urls.absolute(m.views.article_path(a)), m.feed_html(a) if c.feeds.full_content else "",
                              shown.term_names(a, "tags"), authors, _image_of(m, shown, a))
        items.append(feeds.json_item(a, item))
    return feeds.json_feed(title=title, description=description, language=c.language, home_url=urls.absolute(home),
                           feed_url=urls.absolute(path), items=items, hub=c.feeds.websub_hub)


def _feed_archive(m: Maker, o: Output, shown: Shown) -> bytes:
    """A month's archived feed (RFC 5005): every article of the month, newest first, linking the
    site's Atom feed and the archived feeds of the months around it that have articles. Its
    alternate is the month's page when ``[archives]`` makes one (in the global key), else the
    home page."""
    from .feed_archive import archive_document

    year, month, older, newer = o.arg
    c, urls = m.config, m.urls
    full = c.feeds.full_content
    entries = [(a, urls.absolute(m.views.article_path(a)), m.feed_html(a) if full else "") for a in map(shown, o.shows)]
    home = urls.month_path(year, month) if m.g.site.archive_url else "/"
    return archive_document(
        title=f"{c.title} — {year:04d}-{month:02d}", subtitle=c.description or c.title, language=c.language,
        author=c.title, home_url=urls.absolute(home), self_url=urls.absolute(urls.month_feed_path(year, month)),
        current_url=urls.absolute("/atom.xml"), prev_url=urls.absolute(urls.month_feed_path(*older)) if older else None,
        next_url=urls.absolute(urls.month_feed_path(*newer)) if newer else None, articles=entries, full_content=full)


def _image_of(m: Maker, shown: Shown, a: Article) -> str | None:
    """An article's picture as an absolute URL (its largest variant when it is processed; a
    remote image as it is), or None."""
    image = m.views.teaser(shown, a.relpath).image
    if image is None:
        return None
    return m.urls.origin + image if image.startswith("/") else image


def _sitemap(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs import sitemap

    return sitemap.sitemap_xml(list(o.arg))


def _sitemap_index(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs import sitemap

    return sitemap.sitemap_index_xml(list(o.arg))


def _news_sitemap(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs import sitemap

    publication, language, entries = o.arg
    return sitemap.news_sitemap_xml(list(entries), publication, language)


def _robots(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs import sitemap

    return sitemap.robots_txt(*o.arg)


def _redirect(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs.redirects import redirect_html

    path, to = o.arg
    canonical = to if to.startswith(("http://", "https://")) else m.urls.origin + to
    return redirect_html(language=m.config.language, title=m.config.title, to_url=to, canonical=canonical)


def _gone(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs.redirects import gone_html

    return gone_html(language=m.config.language, title=m.config.title, home_url=m.urls.url("/"))


def _redirects(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs.redirects import redirects_file

    return redirects_file(o.arg)


def _corrections(m: Maker, o: Output, shown: Shown) -> bytes | None:
    v, urls = m.views, m.urls
    items = []
    for relpath, i in o.arg:
        teaser = v.teaser(shown, relpath)
        items.append((teaser, teaser.corrections[i]))
    policy = m.config.news.corrections_policy
    page = v.page("corrections", "Corrections", o.path, f"Every correction made to a story: {m.config.description}",
                  corrections_feed_links(urls, m.config.title) + m.g.site.feeds)
    from ssg.render.metadata import absolute_url

    return m.render("corrections.html", o, page=page, corrections=tuple(items),
                    policy_url=v._image_src(policy, absolute_url(urls, policy)) if policy else None)


def _corrections_feed(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.outputs import corrections

    fmt, arg = o.arg
    c, urls = m.config, m.urls
    items = [corrections.item(shown(relpath), i, m.views.article_path, urls.absolute) for relpath, i in arg]
    rss, atom = corrections.feeds(title=f"Corrections — {c.title}", description=f"Every correction made to a story: "
                                  f"{c.description}", language=c.language, home_url=urls.absolute(urls.corrections_path),
                                  rss_url=urls.absolute(urls.corrections_feed_path("feed")),
                                  atom_url=urls.absolute(urls.corrections_feed_path("atom")), items=items,
                                  hub=c.feeds.websub_hub)
    return rss if fmt == "rss" else atom


def card_look(theme) -> tuple[str, tuple]:
    """How the theme sets share cards: the first ``fonts/`` of its chain ("" for ssg's), and the
    colours of ``[card]`` in its theme.toml (``background``, ``foreground``, ``accent``; () for
    the default theme's)."""
    import tomllib

    from ssg.images.card import CardStyle

    fonts = next((str(d / "fonts") for d in theme.chain if (d / "fonts").is_dir()), "")
    colours: dict = {}
    for d in reversed(theme.chain):  # a child's over its parent's
        try:
            colours.update(tomllib.loads((d / "theme.toml").read_text(encoding="utf-8")).get("card", {}))
        except (OSError, ValueError):
            pass
    from PIL import ImageColor

    def colour(value) -> bool:
        try:
            ImageColor.getrgb(str(value))
            return True
        except ValueError:
            return False

    style = CardStyle(**{k: str(v) for k, v in colours.items() if k in CardStyle._fields and colour(v)})
    return fonts, tuple(style)


def _card(m: Maker, o: Output, shown: Shown) -> bytes:
    from ssg.images.card import CardStyle, render_card

    title, section, site, style, fonts = o.arg
    try:
        return render_card(headline=title, section=section, site_name=site, style=CardStyle(*style),
                           fonts=Path(fonts) if fonts else None)
    except (OSError, ValueError) as exc:  # (a theme's broken font file, say)
        m.templates.problems.error(o.source, f"the share card cannot be made: {exc}")
        return None


def _image(m: Maker, o: Output, shown: Shown) -> bytes:
    """A variant of a processed picture, from the image cache (``outputs/images.py``); made
    again there when it went missing."""
    path = Path(o.arg)
    try:
        if not path.is_file():
            from ssg.outputs.images import remake

            remake(path.parent)
        return path.read_bytes()
    except (OSError, ValueError, KeyError) as exc:
        m.templates.problems.error(o.source, f"{o.file}: cannot be made from the image cache ({exc!r}); "
                                             "`rm -rf .ssg/images` and build again")
        return None


def _static(m: Maker, o: Output, shown: Shown) -> bytes:
    return Path(o.arg).read_bytes()


MAKERS: dict[str, Callable[[Maker, Output, Shown], bytes | None]] = {
    "article": _article, "section": _section, "home": _home, "term": _term, "terms": _terms, "year": _year,
    "month": _month, "archive": _archive, "search": _search, "404": _not_found, "feed": _feed, "json feed": _json_feed,
    "feed archive": _feed_archive,
    "sitemap": _sitemap,
    "sitemap index": _sitemap_index, "redirect": _redirect, "gone": _gone, "redirects": _redirects,
    "corrections": _corrections, "corrections feed": _corrections_feed, "card": _card, "image": _image, "news sitemap": _news_sitemap, "robots": _robots, "static": _static,
}

# The templates each kind renders: a template that fails makes its outputs fail.
TEMPLATES = {"article": "article.html", "section": "section.html", "home": "home.html", "term": "term.html",
             "terms": "terms.html", "year": "period.html", "month": "period.html", "archive": "archive.html",
             "search": "search.html", "404": "404.html", "corrections": "corrections.html"}

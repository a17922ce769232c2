"""Render: the archive planned as pages (each with a fingerprint of its inputs) and turned into
HTML through the theme, as bytes; nothing is written here.

Templates receive plain frozen view objects (documented in the README), never the models.
Every template error is collected with the template's name and line; rendering goes on so
that all of them are reported at once.
"""

from __future__ import annotations

import datetime as dt
import traceback
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Sequence

import jinja2
from markupsafe import Markup

from .config import Config
from .content import Article
from . import metadata
from .metadata import Crumb, MetaTag
from .problems import Problem, Problems
from .site import Archive, term_slug
from .state import digest, strings_key
from .urls import Urls

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def _day(a: Article) -> str:
    """The ISO day of an article's date or, when later, its update: a sitemap ``lastmod``."""
    return max(a.date, a.updated or a.date).date().isoformat()


def display_date(d: dt.datetime) -> str:
    # Not strftime: its month names follow the process locale, and output must not.
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class FeedLink:
    type: str  # MIME type
    title: str
    url: str


@dataclass(frozen=True)
class SectionLink:
    """A section as every page sees it (navigation): no counts, so that adding an article to
    one section does not change every page of the site."""

    name: str
    slug: str
    url: str
    feeds: tuple[FeedLink, ...]


@dataclass(frozen=True)
class SectionView:
    """A section on its own index pages and the home page."""

    name: str
    slug: str
    url: str
    count: int
    feeds: tuple[FeedLink, ...]


@dataclass(frozen=True)
class TermLink:
    """A tag or author as an article shows it: the term's display name (the spelling of its
    newest article) and its page; ``url`` is None when that taxonomy is switched off."""

    name: str
    slug: str
    url: str | None


@dataclass(frozen=True)
class TermView:
    """A tag or author on its own pages and in the index of its taxonomy."""

    name: str
    slug: str
    url: str
    count: int
    feeds: tuple[FeedLink, ...]


@dataclass(frozen=True)
class TaxonomyView:
    kind: str  # "tags" or "authors"
    name: str  # "Tags", "Authors"
    singular: str  # "Tag", "Author"
    url: str  # the index of all its terms


@dataclass(frozen=True)
class PeriodView:
    """A year or a month of the date archive."""

    year: int
    month: int | None  # None: the whole year
    name: str  # "2022", "February 2022"
    month_name: str | None  # "February"; None for a year
    url: str
    count: int
    months: tuple["PeriodView", ...] = ()  # a year's months that have articles, newest first


@dataclass(frozen=True)
class RelatedLink:
    """A related story under an article (``ssg/related.py`` chooses them)."""

    title: str
    url: str
    date: dt.datetime
    date_iso: str
    date_display: str
    section: SectionLink


@dataclass(frozen=True)
class ArticleView:
    title: str
    url: str
    date: dt.datetime
    date_iso: str
    date_display: str
    section: SectionLink
    summary: str
    slug: str
    source: str | None
    extra: dict[str, Any] = field(hash=False, compare=False)
    body: Markup = Markup("")
    prev: Link | None = None  # the next older article in its section
    next: Link | None = None  # the next newer article in its section
    # Reading aids and metadata (metadata helper).
    updated: dt.datetime | None = None  # front matter `updated`
    updated_iso: str | None = None
    updated_display: str | None = None
    words: int = 0
    reading_minutes: int = 1
    image_url: str | None = None  # absolute
    # Taxonomies (front matter `tags`, `authors`), in the order the article gives them.
    tags: tuple[TermLink, ...] = ()
    authors: tuple[TermLink, ...] = ()
    # Related stories, best first (only on article pages; empty when `[related] count` is 0).
    related: tuple[RelatedLink, ...] = ()


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool
    gap_before: bool = False  # pages are left out between the one before and this one


# The page numbers a listing's navigation shows around the current page (besides the first and
# the last): a fixed window, so each page's navigation costs the same however long the listing.
PAGE_WINDOW = 2


@dataclass(frozen=True)
class Paginator:
    number: int
    count: int
    prev_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]


@dataclass(frozen=True)
class SiteView:
    title: str
    description: str
    language: str
    base_url: str
    url: str  # home page URL
    sections: tuple[SectionLink, ...]
    feeds: tuple[FeedLink, ...]
    sitemap_url: str
    # Browse links; None when switched off or when there is nothing to list.
    archive_url: str | None = None  # the overview of years and months
    tags_url: str | None = None  # the index of all tags
    authors_url: str | None = None  # the index of all authors
    search_url: str | None = None  # the search page; None when search is off


@dataclass(frozen=True)
class SearchView:
    """The search page's Pagefind bundle: root-relative URLs."""

    bundle_url: str  # the folder of the index and of pagefind.js ("/news/pagefind/")
    script_url: str  # pagefind.js, Pagefind's search API (an ES module)
    # The folder of every part of the index, oldest articles first: the first is bundle_url,
    # the others are merged into it (Pagefind's mergeIndex). See ssg/search.py.
    index_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class PageView:
    kind: str  # "article", "section", "home", "404", "term", "terms", "year", "month", "archive", "search"
    title: str
    url: str
    canonical: str
    description: str
    feeds: tuple[FeedLink, ...]
    # Social and search metadata (ssg/metadata.py): Open Graph <meta property>, Twitter
    # <meta name>, the finished JSON-LD <script> element, the breadcrumb trail, og:image.
    og: tuple[MetaTag, ...] = ()
    twitter: tuple[MetaTag, ...] = ()
    json_ld: Markup = Markup("")
    breadcrumbs: tuple[Crumb, ...] = ()
    image: str | None = None


def feed_links(urls: Urls, title: str, section_slug: str | None = None) -> tuple[FeedLink, ...]:
    if section_slug is None:
        rss, atom = urls.url("/feed.xml"), urls.url("/atom.xml")
    else:
        rss, atom = urls.url(urls.section_feed_path(section_slug, "feed")), urls.url(urls.section_feed_path(section_slug, "atom"))
    return (FeedLink("application/rss+xml", f"{title} (RSS)", rss), FeedLink("application/atom+xml", f"{title} (Atom)", atom))


class Planned(NamedTuple):
    """One page the build will produce, with a fingerprint of everything that shapes it. A
    named tuple rather than a frozen dataclass: every build makes one per page of the site, and
    a tuple is made several times faster."""

    path: str  # site path
    key: str
    source: str  # what produced it, for error messages
    kind: str  # "article", "section", "home", "404"
    arg: Any = None  # article relpath, or (section slug, page number)
    lastmod: str | None = None  # ISO day of the newest article it shows; None: not in the sitemap


class PageRenderer:
    def __init__(self, config: Config, urls: Urls, env: jinja2.Environment, archive: Archive, problems: Problems,
                 html_source, global_key: str, fingerprints: dict[str, str],
                 related: dict[str, Sequence[str]] | None = None):
        """``html_source(article)`` returns the article's body as HTML (cached or rendered);
        ``related``: relpath -> the relpaths of its related stories (``related.compute``)."""
        self.config, self.urls, self.env, self.archive, self.problems = config, urls, env, archive, problems
        self.html_source = html_source
        self.related = related or {}
        self._search_parts = None
        self._related_views: dict[str, RelatedLink] = {}
        self._teasers: dict[str, ArticleView] = {}  # an article is listed on several index pages
        self.global_key = global_key
        self.links = {
            s.slug: SectionLink(s.name, s.slug, urls.url(urls.section_path(s.slug)), feed_links(urls, s.name, s.slug))
            for s in archive.sections
        }
        self.sections = {
            s.slug: SectionView(s.name, s.slug, self.links[s.slug].url, len(s.keys), self.links[s.slug].feeds)
            for s in archive.sections
        }
        self.site = SiteView(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=urls.base_url,
            url=urls.url("/"),
            sections=tuple(self.links[s.slug] for s in archive.sections),
            feeds=feed_links(urls, config.title),
            sitemap_url=urls.url("/sitemap.xml"),
            **browse_links(config, urls, archive),
            search_url=urls.url(urls.search_path) if config.search.enabled else None,
        )
        news = config.news
        self.publisher = metadata.publisher(
            news.publisher or config.title, urls.absolute("/"),
            metadata.absolute_url(urls, news.publisher_logo) if news.publisher_logo else None)
        self._origin = urls.origin
        self._wpm = max(1, news.words_per_minute)
        self._twitter = {image: metadata.twitter_card(image=image, site=news.twitter_site) for image in (False, True)}
        self.failed: set[str] = set()
        self._fps = fingerprints  # relpath -> content.row_fingerprint of the article
        self._paths: dict[str, str] = {}
        self._positions = {key: (s, i) for s in archive.sections for i, key in enumerate(s.keys)}
        self._init_archives()

    # --- views -------------------------------------------------------------------------
    def article_path(self, a: Article) -> str:
        path = self._paths.get(a.relpath)
        if path is None:
            path = self._paths[a.relpath] = self.urls.article_path(a.section_slug, a.slug)
        return path

    def fingerprint(self, a: Article) -> str:
        return self._fps[a.relpath]

    def neighbours(self, a: Article) -> tuple[Article | None, Article | None]:
        """(older, newer) in the article's section."""
        section, i = self._positions[a.relpath]
        keys = section.keys
        older = self.archive.articles[keys[i + 1]] if i + 1 < len(keys) else None
        newer = self.archive.articles[keys[i - 1]] if i > 0 else None
        return older, newer

    def related_links(self, a: Article) -> tuple[RelatedLink, ...]:
        cache = self._related_views  # each story is listed under several articles: one view each
        out = []
        for relpath in self.related.get(a.relpath, ()):
            link = cache.get(relpath)
            if link is None:
                r = self.archive.articles[relpath]
                link = cache[relpath] = RelatedLink(r.title, self.urls.url(self.article_path(r)), r.date, r.date.isoformat(),
                                                    display_date(r.date), self.links[r.section_slug])
            out.append(link)
        return tuple(out)

    def view(self, a: Article, body: str = "", prev: Article | None = None, next: Article | None = None,
             related: tuple[RelatedLink, ...] = ()) -> ArticleView:
        return ArticleView(
            title=a.title,
            url=self.urls.url(self.article_path(a)),
            date=a.date,
            date_iso=a.date.isoformat(),
            date_display=display_date(a.date),
            section=self.links[a.section_slug],
            summary=a.summary,
            slug=a.slug,
            source=a.source,
            extra=a.extra,
            body=Markup(body),
            prev=Link(prev.title, self.urls.url(self.article_path(prev))) if prev else None,
            next=Link(next.title, self.urls.url(self.article_path(next))) if next else None,
            updated=a.updated,
            updated_iso=a.updated.isoformat() if a.updated else None,
            updated_display=display_date(a.updated) if a.updated else None,
            words=a.words,
            reading_minutes=max(1, -(-a.words // self._wpm)),  # metadata.reading_minutes, inlined: every teaser
            image_url=metadata.absolute_url(self.urls, a.image) if a.image else None,
            tags=self.term_links("tags", a.tags) if a.tags else (),
            authors=self.term_links("authors", a.authors) if a.authors else (),
            related=related,
        )

    def page(self, kind: str, title: str, path: str, description: str, feeds=None, **meta) -> PageView:
        """``meta``: PageView's metadata fields (og, twitter, json_ld, breadcrumbs, image); by
        default a page gets the Open Graph tags of a website page and a summary card."""
        canonical = self.urls.absolute(path)
        if "og" not in meta:
            meta["og"] = metadata.open_graph(og_type="website", title=title, description=description,
                                             url=canonical, site_name=self.config.title)
            meta.setdefault("twitter", self._twitter[False])
        return PageView(kind, title, self.urls.url(path), canonical, description, feeds or self.site.feeds, **meta)

    def article_meta(self, a: Article, view: ArticleView, path: str, description: str) -> dict:
        """An article page's metadata: NewsArticle and BreadcrumbList JSON-LD, Open Graph,
        Twitter card, breadcrumbs (home › section › article)."""
        section = view.section
        crumbs = (Crumb("Home", self.site.url), Crumb(section.name, section.url), Crumb(a.title, view.url, True))
        return metadata.article_page_meta(
            a, origin=self._origin, canonical=self.urls.absolute(path), site_name=self.config.title, section=section.name,
            crumbs=crumbs, language=self.config.language, org=self.publisher, image=view.image_url,
            description=description, twitter=self._twitter[view.image_url is not None],
            published=view.date_iso, modified=view.updated_iso or view.date_iso)

    # --- templates ---------------------------------------------------------------------
    def render(self, template: str, source: str, **context) -> bytes | None:
        if template in self.failed:
            return None
        try:
            html = self.env.get_template(template).render(site=self.site, **context)
        except jinja2.TemplateSyntaxError as exc:
            self.failed.add(template)
            # A syntax error in a shared template (base.html) fails every template that extends
            # it: report it once, as the parallel path (build._render_all) already does.
            problem = Problem(str(exc.filename or exc.name or template), exc.lineno, f"template syntax error: {exc.message}")
            if problem not in self.problems.items:
                self.problems.items.append(problem)
            return None
        except jinja2.TemplateNotFound as exc:
            self.failed.add(template)
            self.problems.error(template, f"template not found: {exc.name}")
            return None
        except Exception as exc:  # a template's runtime error, reported where it happened
            self.failed.add(template)
            filename, line = template, None
            for frame in traceback.extract_tb(exc.__traceback__):
                if frame.filename and frame.filename.endswith((".html", ".xml", ".txt", ".j2")):
                    filename, line = frame.filename, frame.lineno
            self.problems.error(filename, f"template error while rendering {source}: {type(exc).__name__}: {exc}", line)
            return None
        return html.encode("utf-8")

    # --- the plan: every page, with its fingerprint -------------------------------------
    @staticmethod
    def lastmod(articles) -> str | None:
        """The sitemap's lastmod of a page showing these articles: the latest date or update."""
        days = [_day(a) for a in articles]
        return max(days) if days else None

    def plan(self) -> list[Planned]:
        g = self.global_key
        pages: list[Planned] = []
        latest = self.archive.newest_first[: self.config.home_latest]
        blocks = [(s.slug, len(s.keys), [self.fingerprint(self.archive.articles[k]) for k in s.keys[: self.config.home_per_section]])
                  for s in self.archive.sections]
        pages.append(Planned("/", digest(g, "home", [self.fingerprint(a) for a in latest], blocks), "home page", "home",
                             lastmod=self.lastmod(self.archive.newest_first[:1])))
        size = self.config.page_size
        for s in self.archive.sections:
            count = max(1, -(-len(s.keys) // size))
            for n in range(1, count + 1):
                keys = s.keys[(n - 1) * size : n * size]
                key = strings_key(g, "section", s.name, s.slug, str(len(s.keys)), str(n), " ".join([self._fps[k] for k in keys]))
                pages.append(Planned(self.urls.section_path(s.slug, n), key, f"section {s.name!r}", "section", (s.slug, n),
                                     self._lastmod(keys)))
        articles, fps, path_of, related, day = self.archive.articles, self._fps, self.article_path, self.related, self._day
        for s in self.archive.sections:
            # What each article's neighbours show of it (title, path), worked out once per article.
            keys = s.keys
            shown = [articles[k] for k in keys]
            titles = [a.title for a in shown] + [""]
            paths = [path_of(a) for a in shown] + [""]  # "": no neighbour (a path is never empty)
            for i, relpath in enumerate(keys):  # older: i + 1; newer: i - 1 (-1, the "", for the first)
                # The related stories: the fingerprint of each covers all a page shows of them
                # (title, path, date, section; the permalink pattern is in the global key) at the
                # price of re-rendering the few pages listing a story whose body alone changed.
                key = strings_key(g, "article", fps[relpath], titles[i + 1], paths[i + 1], titles[i - 1], paths[i - 1],
                                  " ".join(map(fps.__getitem__, related.get(relpath, ()))))
                pages.append(Planned(paths[i], key, "content/" + relpath, "article", relpath, day(relpath)))
        pages.extend(self.plan_archives())
        if self.config.search.enabled:  # not in the sitemap: a search page has nothing to index
            pages.append(Planned(self.urls.search_path, digest(g, "search", [part.folder for part in self.search_parts()]),
                                 "search page", "search"))
        pages.append(Planned("/404.html", digest(g, "404"), "404 page", "404"))
        return pages

    def render_page(self, p: Planned) -> bytes | None:
        return getattr(self, f"_render_{p.kind}")(p)

    # --- pages -------------------------------------------------------------------------
    def _render_article(self, p: Planned) -> bytes | None:
        a = self.archive.articles[p.arg]
        older, newer = self.neighbours(a)
        view = self.view(a, self.html_source(a), prev=older, next=newer, related=self.related_links(a))
        description = a.summary or self.config.description
        return self.render(
            "article.html", p.source,
            page=self.page("article", a.title, p.path, description,
                           self.links[a.section_slug].feeds + self.site.feeds,
                           **self.article_meta(a, view, p.path, description)),
            article=view,
        )

    def _render_section(self, p: Planned) -> bytes | None:
        slug, n = p.arg
        section = next(s for s in self.archive.sections if s.slug == slug)
        paginator = self._paginator(("section", slug), lambda i: self.urls.section_path(slug, i), n, len(section.keys))
        sview = self.sections[slug]
        return self.render(
            "section.html", p.source,
            page=self.page("section", self._numbered(section.name, paginator), p.path,
                           f"{section.name}: {self.config.description}", sview.feeds + self.site.feeds),
            section=sview,
            articles=self._page_of(section.keys, n),
            paginator=paginator,
        )

    def _render_home(self, p: Planned) -> bytes | None:
        latest = tuple(self.view(a) for a in self.archive.newest_first[: self.config.home_latest])
        blocks = tuple(
            (self.sections[s.slug], tuple(self.view(self.archive.articles[k]) for k in s.keys[: self.config.home_per_section]))
            for s in self.archive.sections
        )
        return self.render("home.html", p.source, page=self.page("home", self.config.title, "/", self.config.description),
                           latest=latest, blocks=blocks)

    def _render_404(self, p: Planned) -> bytes | None:
        return self.render("404.html", p.source, page=self.page("404", "Page not found", "/404.html", self.config.description))

    def _render_search(self, p: Planned) -> bytes | None:
        from .search import PREFIX

        bundle = self.urls.url("/" + PREFIX)
        return self.render("search.html", p.source,
                           page=self.page("search", "Search", p.path, f"Search {self.config.title}"),
                           search=SearchView(bundle_url=bundle, script_url=bundle + "pagefind.js",
                                             index_urls=tuple(bundle + part.folder for part in self.search_parts())))

    def search_parts(self):
        """The parts the search index is built in (``search.partition``), oldest articles first."""
        if self._search_parts is None:
            from .search import partition

            self._search_parts = partition([(self.article_path(a), a.words) for a in reversed(self.archive.newest_first)])
        return self._search_parts

    # --- taxonomies (tags, authors) and date archives (years, months, overview) -----------
    def _init_archives(self) -> None:
        urls, archive = self.urls, self.archive
        self.taxonomies: dict[str, tuple[TaxonomyView, dict]] = {}  # switched on and not empty
        for kind, terms in taxonomies(self.config, archive):
            singular = TAXONOMY_NAMES[kind]
            view = TaxonomyView(kind, kind.capitalize(), singular, urls.url(urls.terms_path(kind)))
            self.taxonomies[kind] = (view, {t.slug: t for t in terms})
        # Every article shows its terms by their display names: where those differ from its own
        # spellings (another article spells the term otherwise), they join its fingerprint.
        self._term_fps: dict[str, str] = {}
        self._term_link_cache: dict[tuple[str, str], TermLink] = {}
        for kind, (_, by_slug) in self.taxonomies.items():
            for a in archive.articles.values():
                own = getattr(a, kind)
                if own:
                    names = tuple(by_slug[term_slug(n)].name for n in own)
                    if names != own:
                        base = self._term_fps.get(a.relpath) or self._fps[a.relpath]
                        self._term_fps[a.relpath] = digest(base, kind, names)
        if self._term_fps:
            self._fps = {**self._fps, **self._term_fps}
        self._years = {y.year: y for y in archive.years}
        self._months = {(m.year, m.month): m for y in archive.years for m in y.months}
        self._page_urls: dict[tuple, list[str]] = {}
        self._days: dict[str, str] = {}  # relpath -> the day its listings' sitemap lastmod counts

    def term_links(self, kind: str, names: tuple[str, ...]) -> tuple[TermLink, ...]:
        """An article's tags or authors; without URLs when the taxonomy is switched off."""
        entry = self.taxonomies.get(kind)
        if entry is None:
            return tuple(TermLink(n, term_slug(n), None) for n in names)
        links = []
        for name in names:
            slug = term_slug(name)
            link = self._term_link_cache.get((kind, slug))
            if link is None:
                term = entry[1][slug]
                link = self._term_link_cache[(kind, slug)] = TermLink(
                    term.name, slug, self.urls.url(self.urls.term_path(kind, slug)))
            links.append(link)
        return tuple(links)

    def term_feed_links(self, kind: str, term) -> tuple[FeedLink, ...]:
        title = f"{TAXONOMY_NAMES[kind]}: {term.name}"
        return (FeedLink("application/rss+xml", f"{title} (RSS)", self.urls.url(self.urls.term_feed_path(kind, term.slug, "feed"))),
                FeedLink("application/atom+xml", f"{title} (Atom)", self.urls.url(self.urls.term_feed_path(kind, term.slug, "atom"))))

    def _term_view(self, kind: str, term) -> TermView:
        return TermView(term.name, term.slug, self.urls.url(self.urls.term_path(kind, term.slug)), len(term.keys),
                        self.term_feed_links(kind, term))

    def _period_view(self, year: int, month: int | None, with_months: bool = False) -> PeriodView:
        if month is None:
            y = self._years[year]
            months = tuple(self._period_view(year, m.month) for m in y.months) if with_months else ()
            return PeriodView(year, None, str(year), None, self.urls.url(self.urls.year_path(year)), len(y.keys), months)
        m = self._months[(year, month)]
        name = MONTHS[month - 1]
        return PeriodView(year, month, f"{name} {year}", name, self.urls.url(self.urls.month_path(year, month)), len(m.keys))

    def _listing(self, kind: str, keys, path_of, head, source: str, arg):
        """The pages of one paginated listing of ``keys``; ``head`` is what every page of it shows
        besides its articles (names, counts): it goes into each page's key."""
        size, fps, g = self.config.page_size, self._fps, self.global_key
        count = max(1, -(-len(keys) // size))
        for n in range(1, count + 1):
            shown = keys[(n - 1) * size : n * size]
            key = strings_key(g, kind, repr(head), str(len(keys)), str(n), str(count), " ".join([fps[k] for k in shown]))
            yield Planned(path_of(n), key, source, kind, (arg, n), self._lastmod(shown))

    def _day(self, relpath: str) -> str:
        """An article's day for ``lastmod``, worked out once (it is on several pages)."""
        day = self._days.get(relpath)
        if day is None:
            day = self._days[relpath] = _day(self.archive.articles[relpath])
        return day

    def _lastmod(self, shown) -> str | None:
        """``lastmod`` of the articles with these keys."""
        return max(map(self._day, shown), default=None)

    def plan_archives(self) -> list[Planned]:
        """Term pages and indexes, year and month pages and the archive overview."""
        g, urls, pages = self.global_key, self.urls, []
        articles = self.archive.articles
        for kind, (tax, terms) in self.taxonomies.items():
            for t in terms.values():
                pages.extend(self._listing("term", t.keys, lambda n, t=t: urls.term_path(kind, t.slug, n),
                                           (kind, t.name, t.slug), f"{tax.singular.lower()} {t.name!r}", (kind, t.slug)))
            key = digest(g, "terms", kind, [(t.name, t.slug, len(t.keys)) for t in terms.values()])
            pages.append(Planned(urls.terms_path(kind), key, f"{kind} index", "terms", kind,
                                 self.lastmod(articles[t.keys[0]] for t in terms.values())))
        if self.config.archives.enabled and self.archive.years:
            for y in self.archive.years:
                months = [(m.month, len(m.keys)) for m in y.months]
                pages.extend(self._listing("year", y.keys, lambda n, y=y: urls.year_path(y.year, n), (y.year, months),
                                           f"year {y.year}", y.year))
                for m in y.months:
                    pages.extend(self._listing("month", m.keys, lambda n, m=m: urls.month_path(m.year, m.month, n),
                                               (m.year, m.month), f"month {m.year}-{m.month:02d}", (m.year, m.month)))
            key = digest(g, "archive", [(y.year, len(y.keys), [(m.month, len(m.keys)) for m in y.months])
                                        for y in self.archive.years])
            pages.append(Planned(urls.archive_path, key, "archive overview", "archive", None,
                                 self.lastmod(self.archive.newest_first[:1])))
        return pages

    def _paginator(self, listing: tuple, path_of, n: int, total: int) -> Paginator:
        count = max(1, -(-total // self.config.page_size))
        page_urls = self._page_urls.get(listing)
        if page_urls is None:
            page_urls = self._page_urls[listing] = [self.urls.url(path_of(i)) for i in range(1, count + 1)]
        shown = sorted({1, count, *range(max(1, n - PAGE_WINDOW), min(count, n + PAGE_WINDOW) + 1)})
        links = tuple(PageLink(i, page_urls[i - 1], i == n, j > 0 and i != shown[j - 1] + 1) for j, i in enumerate(shown))
        return Paginator(n, count, page_urls[n - 2] if n > 1 else None, page_urls[n] if n < count else None, links)

    def _page_of(self, keys, n: int) -> tuple[ArticleView, ...]:
        size = self.config.page_size
        cache, articles = self._teasers, self.archive.articles
        out = []
        for k in keys[(n - 1) * size : n * size]:
            view = cache.get(k)
            if view is None:
                view = cache[k] = self.view(articles[k])
            out.append(view)
        return tuple(out)

    @staticmethod
    def _numbered(title: str, paginator: Paginator) -> str:
        return title if paginator.number == 1 else f"{title} (page {paginator.number} of {paginator.count})"

    def _render_term(self, p: Planned) -> bytes | None:
        (kind, slug), n = p.arg
        tax, terms = self.taxonomies[kind]
        term = terms[slug]
        view = self._term_view(kind, term)
        paginator = self._paginator(("term", kind, slug), lambda i: self.urls.term_path(kind, slug, i), n, len(term.keys))
        what = f"Articles tagged {term.name}" if kind == "tags" else f"Articles by {term.name}"
        return self.render(
            "term.html", p.source,
            page=self.page("term", self._numbered(f"{tax.singular}: {term.name}", paginator), p.path,
                           f"{what}: {self.config.description}", view.feeds + self.site.feeds),
            taxonomy=tax, term=view, articles=self._page_of(term.keys, n), paginator=paginator,
        )

    def _render_terms(self, p: Planned) -> bytes | None:
        tax, terms = self.taxonomies[p.arg]
        return self.render(
            "terms.html", p.source,
            page=self.page("terms", tax.name, p.path, f"{tax.name}: {self.config.description}"),
            taxonomy=tax, terms=tuple(self._term_view(p.arg, t) for t in terms.values()),
        )

    def _render_year(self, p: Planned) -> bytes | None:
        year, n = p.arg
        period = self._period_view(year, None, with_months=True)
        keys = self._years[year].keys
        paginator = self._paginator(("year", year), lambda i: self.urls.year_path(year, i), n, len(keys))
        return self._render_period(p, period, None, keys, paginator)

    def _render_month(self, p: Planned) -> bytes | None:
        (year, month), n = p.arg
        period = self._period_view(year, month)
        keys = self._months[(year, month)].keys
        paginator = self._paginator(("month", year, month), lambda i: self.urls.month_path(year, month, i), n, len(keys))
        parent = Link(str(year), self.urls.url(self.urls.year_path(year)))
        return self._render_period(p, period, parent, keys, paginator)

    def _render_period(self, p: Planned, period: PeriodView, parent: Link | None, keys, paginator: Paginator):
        return self.render(
            "period.html", p.source,
            page=self.page(p.kind, self._numbered(period.name, paginator), p.path,
                           f"Articles from {period.name}: {self.config.description}"),
            period=period, parent=parent, archive_url=self.site.archive_url,
            articles=self._page_of(keys, paginator.number), paginator=paginator,
        )

    def _render_archive(self, p: Planned) -> bytes | None:
        years = tuple(self._period_view(y.year, None, with_months=True) for y in self.archive.years)
        return self.render(
            "archive.html", p.source,
            page=self.page("archive", "Archive", p.path, f"Every article by year and month: {self.config.description}"),
            years=years, count=len(self.archive.articles),
        )


TAXONOMY_NAMES = {"tags": "Tag", "authors": "Author"}


def taxonomies(config: Config, archive: Archive):
    """(kind, terms) of each taxonomy that is switched on and has terms."""
    for kind in ("tags", "authors"):
        terms = getattr(archive, kind)
        if getattr(config.taxonomies, kind) and terms:
            yield kind, terms


def browse_links(config: Config, urls: Urls, archive: Archive) -> dict[str, str | None]:
    """SiteView's links to the archive overview and the term indexes: only to pages that exist
    (switched on, with something to list). ``build`` keys every page on their presence."""
    on = dict(taxonomies(config, archive))
    return {
        "archive_url": urls.url(urls.archive_path) if config.archives.enabled and archive.years else None,
        "tags_url": urls.url(urls.terms_path("tags")) if "tags" in on else None,
        "authors_url": urls.url(urls.terms_path("authors")) if "authors" in on else None,
    }

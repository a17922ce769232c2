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
from typing import Any

import jinja2
from markupsafe import Markup

from .config import Config
from .content import Article
from .problems import Problem, Problems
from .site import Archive
from .state import digest
from .urls import Urls

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


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


@dataclass(frozen=True)
class PageLink:
    number: int
    url: str
    current: bool


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


@dataclass(frozen=True)
class PageView:
    kind: str  # "article", "section", "home", "404"
    title: str
    url: str
    canonical: str
    description: str
    feeds: tuple[FeedLink, ...]


def feed_links(urls: Urls, title: str, section_slug: str | None = None) -> tuple[FeedLink, ...]:
    if section_slug is None:
        rss, atom = urls.url("/feed.xml"), urls.url("/atom.xml")
    else:
        rss, atom = urls.url(urls.section_feed_path(section_slug, "feed")), urls.url(urls.section_feed_path(section_slug, "atom"))
    return (FeedLink("application/rss+xml", f"{title} (RSS)", rss), FeedLink("application/atom+xml", f"{title} (Atom)", atom))


@dataclass(frozen=True)
class Planned:
    """One page the build will produce, with a fingerprint of everything that shapes it."""

    path: str  # site path
    key: str
    source: str  # what produced it, for error messages
    kind: str  # "article", "section", "home", "404"
    arg: Any = None  # article relpath, or (section slug, page number)
    lastmod: str | None = None  # ISO day of the newest article it shows; None: not in the sitemap


class PageRenderer:
    def __init__(self, config: Config, urls: Urls, env: jinja2.Environment, archive: Archive, problems: Problems,
                 html_source, global_key: str, fingerprints: dict[str, str]):
        """``html_source(article)`` returns the article's body as HTML (cached or rendered)."""
        self.config, self.urls, self.env, self.archive, self.problems = config, urls, env, archive, problems
        self.html_source = html_source
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
        )
        self.failed: set[str] = set()
        self._fps = fingerprints  # relpath -> content.row_fingerprint of the article
        self._paths: dict[str, str] = {}
        self._positions = {key: (s, i) for s in archive.sections for i, key in enumerate(s.keys)}

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

    def view(self, a: Article, body: str = "", prev: Article | None = None, next: Article | None = None) -> ArticleView:
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
        )

    def page(self, kind: str, title: str, path: str, description: str, feeds=None) -> PageView:
        return PageView(kind, title, self.urls.url(path), self.urls.absolute(path), description, feeds or self.site.feeds)

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
    def _link_key(self, a: Article | None):
        return None if a is None else (a.title, self.article_path(a))

    @staticmethod
    def lastmod(articles) -> str | None:
        """The sitemap's lastmod of a page showing these articles: the latest date or update."""
        days = [max(a.date, a.updated or a.date).date().isoformat() for a in articles]
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
                key = digest(g, "section", s.name, s.slug, len(s.keys), n, [self.fingerprint(self.archive.articles[k]) for k in keys])
                pages.append(Planned(self.urls.section_path(s.slug, n), key, f"section {s.name!r}", "section", (s.slug, n),
                                     self.lastmod(self.archive.articles[k] for k in keys)))
        for s in self.archive.sections:
            for relpath in s.keys:
                a = self.archive.articles[relpath]
                older, newer = self.neighbours(a)
                key = digest(g, "article", self.fingerprint(a), self._link_key(older), self._link_key(newer))
                pages.append(Planned(self.article_path(a), key, f"content/{relpath}", "article", relpath, self.lastmod([a])))
        pages.append(Planned("/404.html", digest(g, "404"), "404 page", "404"))
        return pages

    def render_page(self, p: Planned) -> bytes | None:
        return getattr(self, f"_render_{p.kind}")(p)

    # --- pages -------------------------------------------------------------------------
    def _render_article(self, p: Planned) -> bytes | None:
        a = self.archive.articles[p.arg]
        older, newer = self.neighbours(a)
        view = self.view(a, self.html_source(a), prev=older, next=newer)
        return self.render(
            "article.html", p.source,
            page=self.page("article", a.title, p.path, a.summary or self.config.description,
                           self.links[a.section_slug].feeds + self.site.feeds),
            article=view,
        )

    def _render_section(self, p: Planned) -> bytes | None:
        slug, n = p.arg
        section = next(s for s in self.archive.sections if s.slug == slug)
        size = self.config.page_size
        count = max(1, -(-len(section.keys) // size))
        urls = [self.urls.url(self.urls.section_path(slug, i)) for i in range(1, count + 1)]
        paginator = Paginator(
            n, count, urls[n - 2] if n > 1 else None, urls[n] if n < count else None,
            tuple(PageLink(i, urls[i - 1], i == n) for i in range(1, count + 1)),
        )
        sview = self.sections[slug]
        keys = section.keys[(n - 1) * size : n * size]
        title = section.name if n == 1 else f"{section.name} (page {n} of {count})"
        return self.render(
            "section.html", p.source,
            page=self.page("section", title, p.path, f"{section.name}: {self.config.description}", sview.feeds + self.site.feeds),
            section=sview,
            articles=tuple(self.view(self.archive.articles[k]) for k in keys),
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

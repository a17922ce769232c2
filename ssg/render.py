"""Render: the archive turned into pages (HTML through the theme) as bytes, nothing written.

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
import mistune
from markupsafe import Markup

from .cache import BuildCache
from .config import Config
from .content import Article
from .markdown import Renderer
from .problems import Problems
from .site import Archive, Section
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
class SectionView:
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
    section: SectionView
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
    sections: tuple[SectionView, ...]
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


@dataclass(frozen=True)
class Output:
    """One file of the built site: its site path, bytes, and what produced it."""

    path: str
    data: bytes
    source: str


def feed_links(urls: Urls, title: str, section_slug: str | None = None) -> tuple[FeedLink, ...]:
    if section_slug is None:
        rss, atom = urls.url("/feed.xml"), urls.url("/atom.xml")
    else:
        rss, atom = urls.url(urls.section_feed_path(section_slug, "feed")), urls.url(urls.section_feed_path(section_slug, "atom"))
    return (FeedLink("application/rss+xml", f"{title} (RSS)", rss), FeedLink("application/atom+xml", f"{title} (Atom)", atom))


class PageRenderer:
    def __init__(self, config: Config, urls: Urls, env: jinja2.Environment, archive: Archive, problems: Problems,
                 cache: BuildCache | None = None):
        self.config, self.urls, self.env, self.archive, self.problems = config, urls, env, archive, problems
        self.markdown = Renderer(allow_html=config.markdown.allow_html)
        self._md_settings = f"mistune-{mistune.__version__}/html={config.markdown.allow_html}"
        self.cache = cache if cache is not None else BuildCache()
        self.sections = {
            s.slug: SectionView(
                s.name, s.slug, urls.url(urls.section_path(s.slug)), len(s.keys), feed_links(urls, s.name, s.slug)
            )
            for s in archive.sections
        }
        self.site = SiteView(
            title=config.title,
            description=config.description,
            language=config.language,
            base_url=urls.base_url,
            url=urls.url("/"),
            sections=tuple(self.sections[s.slug] for s in archive.sections),
            feeds=feed_links(urls, config.title),
            sitemap_url=urls.url("/sitemap.xml"),
        )
        self._failed: set[str] = set()

    # --- views -------------------------------------------------------------------------
    def article_path(self, a: Article) -> str:
        return self.urls.article_path(a.section_slug, a.slug)

    def body_html(self, a: Article) -> str:
        key = BuildCache.html_key(a.body, self._md_settings)
        html = self.cache.html.get(key)
        if html is None:
            html = self.cache.html[key] = self.markdown(a.body)
        return html

    def view(self, a: Article, body: str = "", prev: Article | None = None, next: Article | None = None) -> ArticleView:
        return ArticleView(
            title=a.title,
            url=self.urls.url(self.article_path(a)),
            date=a.date,
            date_iso=a.date.isoformat(),
            date_display=display_date(a.date),
            section=self.sections[a.section_slug],
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
        if template in self._failed:
            return None
        try:
            html = self.env.get_template(template).render(site=self.site, **context)
        except jinja2.TemplateSyntaxError as exc:
            self._failed.add(template)
            self.problems.error(exc.filename or exc.name or template, f"template syntax error: {exc.message}", exc.lineno)
            return None
        except jinja2.TemplateNotFound as exc:
            self._failed.add(template)
            self.problems.error(template, f"template not found: {exc.name}")
            return None
        except Exception as exc:  # a template's runtime error, reported where it happened
            self._failed.add(template)
            filename, line = template, None
            for frame in traceback.extract_tb(exc.__traceback__):
                if frame.filename and frame.filename.endswith((".html", ".xml", ".txt", ".j2")):
                    filename, line = frame.filename, frame.lineno
            self.problems.error(filename, f"template error while rendering {source}: {type(exc).__name__}: {exc}", line)
            return None
        return html.encode("utf-8")

    # --- pages -------------------------------------------------------------------------
    def articles(self):
        for section in self.archive.sections:
            keys = section.keys
            for i, key in enumerate(keys):
                a = self.archive.articles[key]
                newer = self.archive.articles[keys[i - 1]] if i > 0 else None
                older = self.archive.articles[keys[i + 1]] if i + 1 < len(keys) else None
                view = self.view(a, self.body_html(a), prev=older, next=newer)
                path = self.article_path(a)
                data = self.render(
                    "article.html",
                    f"content/{a.relpath}",
                    page=self.page("article", a.title, path, a.summary or self.config.description,
                                   self.sections[a.section_slug].feeds + self.site.feeds),
                    article=view,
                )
                if data is not None:
                    yield Output(path, data, f"content/{a.relpath}")

    def section_pages(self, section: Section):
        size = self.config.page_size
        count = max(1, -(-len(section.keys) // size))
        urls = [self.urls.url(self.urls.section_path(section.slug, n)) for n in range(1, count + 1)]
        sview = self.sections[section.slug]
        for n in range(1, count + 1):
            keys = section.keys[(n - 1) * size : n * size]
            paginator = Paginator(
                n, count, urls[n - 2] if n > 1 else None, urls[n] if n < count else None,
                tuple(PageLink(i, urls[i - 1], i == n) for i in range(1, count + 1)),
            )
            path = self.urls.section_path(section.slug, n)
            title = section.name if n == 1 else f"{section.name} (page {n} of {count})"
            data = self.render(
                "section.html",
                f"section {section.name!r}",
                page=self.page("section", title, path, f"{section.name}: {self.config.description}", sview.feeds + self.site.feeds),
                section=sview,
                articles=tuple(self.view(self.archive.articles[k]) for k in keys),
                paginator=paginator,
            )
            if data is not None:
                yield Output(path, data, f"section {section.name!r}")

    def home(self):
        latest = tuple(self.view(a) for a in self.archive.newest_first[: self.config.home_latest])
        blocks = tuple(
            (self.sections[s.slug], tuple(self.view(self.archive.articles[k]) for k in s.keys[: self.config.home_per_section]))
            for s in self.archive.sections
        )
        data = self.render("home.html", "home page", page=self.page("home", self.config.title, "/", self.config.description),
                           latest=latest, blocks=blocks)
        if data is not None:
            yield Output("/", data, "home page")

    def not_found(self):
        data = self.render("404.html", "404 page", page=self.page("404", "Page not found", "/404.html", self.config.description))
        if data is not None:
            yield Output("/404.html", data, "404 page")

    def all(self):
        yield from self.home()
        for section in self.archive.sections:
            yield from self.section_pages(section)
        yield from self.articles()
        yield from self.not_found()

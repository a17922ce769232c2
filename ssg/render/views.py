"""Template views: the plain frozen objects templates receive (documented in the README), and
the functions that make them.

Views are named tuples: frozen, with attributes as templates use them, and several times
cheaper to make than frozen dataclasses (a clean build makes one per teaser of every listing).
A view is made from three things only: the build's ``Globals`` (configuration, URLs, the
site's navigation: everything in the global key), an output's ``arg`` (which articles in
which order, page numbers, counts) and ``Shown``, the articles the output declared it shows.
``Shown`` refuses any other article, so a view cannot hold anything its output's key
(``outputs.key_of``: the global key, the arg, the fingerprints of the shown articles) does not
cover: the rule "anything a page shows is in its key" holds by construction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from markupsafe import Markup

from ssg.render import metadata
from ssg.outputs import images
from ssg.config import Config
from ssg.content.article import Article
from ssg.render.metadata import Crumb, MetaTag
from ssg.urls import Urls

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
TAXONOMY_NAMES = {"tags": "Tag", "authors": "Author"}
# The page numbers a listing's navigation shows around the current page (besides the first and
# the last): a fixed window, so each page's navigation costs the same however long the listing.
PAGE_WINDOW = 2


def display_date(d: dt.datetime) -> str:
    # Not strftime: its month names follow the process locale, and output must not.
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


class Link(NamedTuple):
    title: str
    url: str


class FeedLink(NamedTuple):
    type: str  # MIME type
    title: str
    url: str


class SectionLink(NamedTuple):
    """A section as every page sees it (navigation): no counts, so that adding an article to
    one section does not change every page of the site."""

    name: str
    slug: str
    url: str
    feeds: tuple[FeedLink, ...]


class SectionView(NamedTuple):
    """A section on its own index pages and the home page."""

    name: str
    slug: str
    url: str
    count: int
    feeds: tuple[FeedLink, ...]


class TermLink(NamedTuple):
    """A tag or author as an article shows it: the term's display name (the spelling of its
    newest article) and its page; ``url`` is None when that taxonomy is switched off."""

    name: str
    slug: str
    url: str | None


class TermView(NamedTuple):
    """A tag or author on its own pages and in the index of its taxonomy."""

    name: str
    slug: str
    url: str
    count: int
    feeds: tuple[FeedLink, ...]


class TaxonomyView(NamedTuple):
    kind: str  # "tags" or "authors"
    name: str  # "Tags", "Authors"
    singular: str  # "Tag", "Author"
    url: str  # the index of all its terms


class PeriodView(NamedTuple):
    """A year or a month of the date archive."""

    year: int
    month: int | None  # None: the whole year
    name: str  # "2022", "February 2022"
    month_name: str | None  # "February"; None for a year
    url: str
    count: int
    months: tuple["PeriodView", ...] = ()  # a year's months that have articles, newest first


class RelatedLink(NamedTuple):
    """A related story under an article (``ssg/related.py`` chooses them)."""

    title: str
    url: str
    date: dt.datetime
    date_iso: str
    date_display: str
    section: SectionLink


class CorrectionView(NamedTuple):
    """One correction of an article (front matter ``corrections``), as its page shows it."""

    date: dt.datetime
    date_iso: str
    date_display: str
    text: str


class ArticleView(NamedTuple):
    title: str
    url: str
    date: dt.datetime
    date_iso: str
    date_display: str
    section: SectionLink
    summary: str
    slug: str
    source: str | None
    extra: dict[str, Any]
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
    # The picture as the page shows it: `image` as an <img src> (root-relative for a site path,
    # an http(s) URL as it is; None without one), `image_alt` and `image_caption` as written.
    image: str | None = None
    image_alt: str | None = None
    image_caption: str | None = None
    # Taxonomies (front matter `tags`, `authors`), in the order the article gives them.
    tags: tuple[TermLink, ...] = ()
    authors: tuple[TermLink, ...] = ()
    # Related stories, best first (only on article pages; empty when `[related] count` is 0).
    related: tuple[RelatedLink, ...] = ()
    # Front matter `corrections`, oldest first; `modified`: the latest of date, updated and corrections.
    corrections: tuple[CorrectionView, ...] = ()
    modified_iso: str = ""
    # Its own picture processed (outputs/images.py): `picture` for the page (<picture> with
    # srcset), `thumb` cropped for teasers; None for a remote image or none. `card_url`: the
    # absolute URL of its share card (its picture's crop, or the generated card), or None.
    picture: Any = None
    thumb: Any = None
    card_url: str | None = None


class PageLink(NamedTuple):
    number: int
    url: str
    current: bool
    gap_before: bool = False  # pages are left out between the one before and this one


class Paginator(NamedTuple):
    number: int
    count: int
    prev_url: str | None
    next_url: str | None
    pages: tuple[PageLink, ...]


class SiteView(NamedTuple):
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
    corrections_url: str | None = None  # /corrections/; None while no story has a correction
    asset: "Assets | None" = None  # asset("style.css"): a static file's URL (also the template global)


class Assets:
    """The template global ``asset(name)``: the URL of a stylesheet, script, SVG, font, PNG or
    icon of the theme's or the site's ``static/`` under its fingerprinted name
    (``style.<hash>.css``, ``outputs.kinds.plan_static``), so that a host may cache it for a
    year. ``published``: name -> fingerprinted name of those files, planned from their bytes
    and part of the global key (a changed file changes every page's key, so every page is made
    again with its new URL); None when the build gave none (then the plain name's URL, which
    every static file also has). Any other name is a template error: other files have no
    fingerprinted name (link them as ``{{ site.url }}name``)."""

    __slots__ = ("urls", "published")

    def __init__(self, urls: Urls, published: dict[str, str] | None):
        self.urls, self.published = urls, published

    def __call__(self, name: str) -> str:
        name = str(name).lstrip("/")
        if self.published is None:
            return self.urls.url("/" + name)
        published = self.published.get(name)
        if published is None:
            raise LookupError(f"asset({name!r}): no stylesheet, script, SVG, font, PNG or icon of that name in the "
                              "theme's or the site's static/ (other files: {{ site.url }}name)")
        return self.urls.url("/" + published)

    def __repr__(self) -> str:  # (SiteView's repr: what it says, not where it is)
        return f"Assets({self.published!r})"


class SearchView(NamedTuple):
    """The search page's Pagefind bundle: root-relative URLs."""

    bundle_url: str  # the folder of the index and of pagefind.js ("/news/pagefind/")
    script_url: str  # pagefind.js, Pagefind's search API (an ES module)
    # The folder of every part of the index, oldest articles first: the first is bundle_url,
    # the others are merged into it (Pagefind's mergeIndex). See ssg/search.py.
    index_urls: tuple[str, ...] = ()


class PageView(NamedTuple):
    kind: str  # "article", "section", "home", "404", "term", "terms", "year", "month", "archive", "search", "corrections"
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


def _feed_trio(urls: Urls, title: str, rss: str, atom: str) -> tuple[FeedLink, ...]:
    """The RSS, Atom and JSON feeds of one listing (site paths), in that order: templates
    link ``feeds[0]`` and ``feeds[1]`` by position, and every page links all three."""
    return (FeedLink("application/rss+xml", f"{title} (RSS)", urls.url(rss)),
            FeedLink("application/atom+xml", f"{title} (Atom)", urls.url(atom)),
            FeedLink("application/feed+json", f"{title} (JSON Feed)", urls.url(Urls.json_feed_path(rss))))


def feed_links(urls: Urls, title: str, section_slug: str | None = None) -> tuple[FeedLink, ...]:
    if section_slug is None:
        return _feed_trio(urls, title, "/feed.xml", "/atom.xml")
    return _feed_trio(urls, title, urls.section_feed_path(section_slug, "feed"), urls.section_feed_path(section_slug, "atom"))


def corrections_feed_links(urls: Urls, title: str) -> tuple[FeedLink, ...]:
    """The corrections page's feeds: RSS and Atom."""
    name = f"Corrections — {title}"
    return (FeedLink("application/rss+xml", f"{name} (RSS)", urls.url(urls.corrections_feed_path("feed"))),
            FeedLink("application/atom+xml", f"{name} (Atom)", urls.url(urls.corrections_feed_path("atom"))))


def term_feed_links(urls: Urls, kind: str, name: str, slug: str) -> tuple[FeedLink, ...]:
    return _feed_trio(urls, f"{TAXONOMY_NAMES[kind]}: {name}", urls.term_feed_path(kind, slug, "feed"),
                      urls.term_feed_path(kind, slug, "atom"))


class Shown:
    """The articles one output declared it shows, and nothing else: asking for another is a
    bug in that output's kind, caught at once (its key would not cover what it shows).
    ``terms``: the display names of an article's tags and authors, where they differ from its
    own spellings (another article spells the term otherwise); they are in its fingerprint."""

    __slots__ = ("_articles", "_allowed", "_terms")

    def __init__(self, articles, allowed, terms):
        self._articles, self._allowed, self._terms = articles, allowed, terms

    def __call__(self, relpath: str) -> Article:
        if relpath not in self._allowed:
            raise KeyError(f"{relpath}: not among the articles this output declared it shows")
        return self._articles[relpath]

    def term_names(self, a: Article, kind: str) -> tuple[str, ...]:
        names = self._terms.get(a.relpath)
        return names[kind] if names and kind in names else getattr(a, kind)


class Globals(NamedTuple):
    """What every output of a build may use besides its arg and its shown articles: all of it
    is in the global key (the configuration, the base URL, the templates, the sections' names
    and slugs, which browse pages exist)."""

    config: Config
    urls: Urls
    key: str
    site: SiteView
    links: dict[str, SectionLink]  # section slug -> its link (name, URL, feeds)
    taxonomies: dict[str, TaxonomyView]  # kind -> view, for those switched on and not empty


def corrections(a: Article):
    for iso, text in a.corrections:
        when = dt.datetime.fromisoformat(iso)
        yield CorrectionView(when, iso, display_date(when), text)


class Views:
    """Makes the views of a build's outputs from ``Globals``, an output's arg and ``Shown``.
    Views of one article (a teaser, a related link) are made once and reused by every output
    that shows it: each output asks through its own ``Shown`` first."""

    def __init__(self, g: Globals, pictures: dict | None = None):
        self.g, self.config, self.urls, self.site = g, g.config, g.urls, g.site
        # relpath -> (lead picture or None, {body reference: picture}): outputs/images.py
        self.pictures = pictures or {}
        news = g.config.news
        self.publisher = metadata.publisher(
            news.publisher or g.config.title, g.urls.absolute("/"),
            metadata.absolute_url(g.urls, news.publisher_logo) if news.publisher_logo else None,
            metadata.absolute_url(g.urls, news.corrections_policy) if news.corrections_policy else None)
        self._origin = g.urls.origin
        self._wpm = max(1, news.words_per_minute)
        self._twitter = {image: metadata.twitter_card(image=image, site=news.twitter_site) for image in (False, True)}
        self._paths: dict[str, str] = {}
        self._teasers: dict[str, ArticleView] = {}
        self._related: dict[tuple, RelatedLink] = {}
        self._term_links: dict[tuple[str, str, str], TermLink] = {}
        self._page_urls: dict[tuple, list[str]] = {}

    def article_path(self, a: Article) -> str:
        path = self._paths.get(a.relpath)
        if path is None:
            path = self._paths[a.relpath] = a.url or self.urls.article_path(a.section_slug, a.slug)
        return path

    # --- articles ----------------------------------------------------------------------
    def teaser(self, shown: Shown, relpath: str) -> ArticleView:
        a = shown(relpath)
        view = self._teasers.get(relpath)
        if view is None:
            view = self._teasers[relpath] = self.article(shown, a)
        return view

    def body_pictures(self, relpath: str) -> dict:
        """The processed pictures of an article's body: the reference as written -> Picture."""
        pics = self.pictures.get(relpath)
        return {ref: images.Picture(*p) for ref, p in pics[1].items()} if pics and pics[1] else {}

    def article(self, shown: Shown, a: Article, body: str = "", prev: tuple[str, str] | None = None,
                next: tuple[str, str] | None = None, related: tuple[RelatedLink, ...] = ()) -> ArticleView:
        """``prev``/``next``: the (headline, site path) of its older and newer neighbours."""
        url = self.urls.url
        picture = thumb = card_url = image = image_url = None
        pics = self.pictures.get(a.relpath)
        lead = images.Picture(*pics[0]) if pics and pics[0] else None
        if lead is not None:
            picture = images.picture_view(lead, "full", url, images.ARTICLE_SIZES)
            thumb = images.picture_view(lead, "thumb", url, images.THUMB_SIZES)
            card = images.card_variant(lead)
            image = picture.src if picture else None
            card_url = self.urls.absolute(card) if card else None
            image_url = card_url or (self._origin + image if image else None)
        elif a.image and images.is_remote(a.image):  # as it is: not fetched, or fetched but unusable
            image_url = metadata.absolute_url(self.urls, a.image)
            image = self._image_src(a.image, image_url)
        elif self.config.images.cards:
            card_url = image_url = self.urls.absolute(images.card_path(self.article_path(a)))
        return ArticleView(
            title=a.title,
            url=url(self.article_path(a)),
            date=a.date,
            date_iso=a.date.isoformat(),
            date_display=display_date(a.date),
            section=self.g.links[a.section_slug],
            summary=a.summary,
            slug=a.slug,
            source=a.source,
            extra=a.extra,
            body=Markup(body),
            prev=Link(prev[0], url(prev[1])) if prev else None,
            next=Link(next[0], url(next[1])) if next else None,
            updated=a.updated,
            updated_iso=a.updated.isoformat() if a.updated else None,
            updated_display=display_date(a.updated) if a.updated else None,
            words=a.words,
            reading_minutes=max(1, -(-a.words // self._wpm)),  # metadata.reading_minutes, inlined: every teaser
            image_url=image_url,
            image=image,
            image_alt=a.image_alt,
            image_caption=a.image_caption,
            tags=self.term_links("tags", shown.term_names(a, "tags")) if a.tags else (),
            authors=self.term_links("authors", shown.term_names(a, "authors")) if a.authors else (),
            related=related,
            corrections=tuple(corrections(a)) if a.corrections else (),
            modified_iso=a.modified.isoformat(),
            picture=picture,
            thumb=thumb,
            card_url=card_url,
        )

    def _image_src(self, ref: str, absolute: str) -> str:
        """The front matter ``image`` as a page links it: a site path root-relative (below the
        base path, as every other link of the page), a URL to another site as it is. Made from
        its absolute URL, so that both are encoded the same way (``metadata.absolute_url``)."""
        if ref.lstrip().startswith(("http://", "https://", "//")) or not absolute.startswith(self._origin):
            return absolute
        return absolute[len(self._origin):]

    def related_links(self, related) -> tuple[RelatedLink, ...]:
        """``related``: (headline, site path, ISO date, section slug) of each related story."""
        out = []
        for item in related:
            link = self._related.get(item)
            if link is None:
                title, path, iso, section = item
                date = dt.datetime.fromisoformat(iso)
                link = self._related[item] = RelatedLink(title, self.urls.url(path), date, iso, display_date(date),
                                                         self.g.links[section])
            out.append(link)
        return tuple(out)

    def term_links(self, kind: str, names: tuple[str, ...]) -> tuple[TermLink, ...]:
        """An article's tags or authors, by their display names; without URLs when the
        taxonomy is switched off."""
        from ssg.content.collect import term_slug

        on = kind in self.g.taxonomies
        links = []
        for name in names:
            slug = term_slug(name)
            link = self._term_links.get((kind, slug, name))
            if link is None:
                url = self.urls.url(self.urls.term_path(kind, slug)) if on else None
                link = self._term_links[(kind, slug, name)] = TermLink(name, slug, url)
            links.append(link)
        return tuple(links)

    def teasers(self, shown: Shown, keys) -> tuple[ArticleView, ...]:
        return tuple(self.teaser(shown, k) for k in keys)

    # --- pages -------------------------------------------------------------------------
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
            published=view.date_iso, modified=view.modified_iso)

    def section_view(self, slug: str, count: int) -> SectionView:
        link = self.g.links[slug]
        return SectionView(link.name, link.slug, link.url, count, link.feeds)

    def term_view(self, kind: str, name: str, slug: str, count: int) -> TermView:
        return TermView(name, slug, self.urls.url(self.urls.term_path(kind, slug)), count,
                        term_feed_links(self.urls, kind, name, slug))

    def period_view(self, year: int, month: int | None, count: int, months=()) -> PeriodView:
        """``months``: a year's (month, count), newest first."""
        if month is None:
            return PeriodView(year, None, str(year), None, self.urls.url(self.urls.year_path(year)), count,
                              tuple(self.period_view(year, m, c) for m, c in months))
        name = MONTHS[month - 1]
        return PeriodView(year, month, f"{name} {year}", name, self.urls.url(self.urls.month_path(year, month)), count)

    def paginator(self, listing: tuple, path_of, n: int, total: int) -> Paginator:
        count = max(1, -(-total // self.config.page_size))
        page_urls = self._page_urls.get(listing)
        if page_urls is None:
            page_urls = self._page_urls[listing] = [self.urls.url(path_of(i)) for i in range(1, count + 1)]
        shown = sorted({1, count, *range(max(1, n - PAGE_WINDOW), min(count, n + PAGE_WINDOW) + 1)})
        links = tuple(PageLink(i, page_urls[i - 1], i == n, j > 0 and i != shown[j - 1] + 1) for j, i in enumerate(shown))
        return Paginator(n, count, page_urls[n - 2] if n > 1 else None, page_urls[n] if n < count else None, links)

    @staticmethod
    def numbered(title: str, paginator: Paginator) -> str:
        return title if paginator.number == 1 else f"{title} (page {paginator.number} of {paginator.count})"

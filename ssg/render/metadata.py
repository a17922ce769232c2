"""Metadata for search engines and news platforms: JSON-LD (schema.org ``NewsArticle`` and
``BreadcrumbList``), Open Graph and Twitter card tags, breadcrumbs and reading time.

Everything here is made from values already in a page's key (the article's own fields, the
configuration, the section names), so no page key needs more than it has.

JSON-LD goes inside ``<script type="application/ld+json">``, where HTML escaping does not
apply and ``</script>`` or ``<!--`` in a headline would end or derail the script element. It is
serialised with ``json.dumps`` and every ``<``, ``>``, ``&``, U+2028 and U+2029 is written as a
``\\uXXXX`` escape (the same string to any JSON parser), then handed to templates as a finished
``Markup`` element: templates never build it themselves.
"""

from __future__ import annotations

import json
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from ssg.content.article import Article
from ssg.urls import Urls

SCHEMA = "https://schema.org"
# (str.replace, chained, is many times faster than str.translate with a table.)
_JSON_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# Characters a URL keeps as they are; everything else (spaces, non-ASCII) is percent-encoded.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


# Named tuples rather than frozen dataclasses: an article page makes a dozen of them, and a
# frozen dataclass costs several times more to create. Templates see attributes all the same.
class MetaTag(NamedTuple):
    """One ``<meta>``: ``name`` is the property (``og:title``) or name (``twitter:card``)."""

    name: str
    content: str


class Crumb(NamedTuple):
    """One step of a breadcrumb trail: the last one is the page itself (``current``)."""

    title: str
    url: str  # root-relative, with the base path
    current: bool = False


def json_ld(data) -> Markup:
    """A ``<script type="application/ld+json">`` element holding ``data`` (an object, or a list
    of objects), safe whatever the strings inside contain."""
    text = _ENCODER.encode(data)
    for char, escaped in _JSON_ESCAPES:
        text = text.replace(char, escaped)
    return Markup(f'<script type="application/ld+json">{text}</script>')


def absolute_url(urls: Urls, ref: str) -> str:
    """An image reference from front matter or site.toml as an absolute URL: ``http(s)://`` URLs
    as they are, ``//host/…`` with the site's scheme, anything else as a path below the site's
    base URL (``img/a.jpg`` and ``/img/a.jpg`` both give ``https://example.org/news/img/a.jpg``).
    Spaces and non-ASCII characters are percent-encoded."""
    ref = quote(ref.strip(), safe=_URL_SAFE)
    if ref.startswith(("http://", "https://")):
        return ref
    if ref.startswith("//"):
        return f"{urlsplit(urls.base_url).scheme}:{ref}"
    return urls.absolute("/" + ref.lstrip("/"))


def reading_minutes(words: int, words_per_minute: int) -> int:
    """Minutes to read ``words`` words, rounded up, at least 1."""
    return max(1, -(-words // max(1, words_per_minute)))


def publisher(name: str, home_url: str, logo_url: str | None, corrections_policy: str | None = None) -> dict:
    """The schema.org Organization publishing the site (``corrections_policy``: the absolute URL
    of its corrections policy, ``[news] corrections_policy``)."""
    org = {"@type": "Organization", "name": name, "url": home_url}
    if logo_url:
        org["logo"] = {"@type": "ImageObject", "url": logo_url}
    if corrections_policy:
        org["correctionsPolicy"] = corrections_policy
    return org


def open_graph(*, og_type: str, title: str, description: str, url: str, site_name: str,
               image: str | None = None, extra: tuple[MetaTag, ...] = ()) -> tuple[MetaTag, ...]:
    tags = [MetaTag("og:type", og_type), MetaTag("og:title", title)]
    if description:
        tags.append(MetaTag("og:description", description))
    tags += [MetaTag("og:url", url), MetaTag("og:site_name", site_name)]
    if image:
        tags.append(MetaTag("og:image", image))
    return (*tags, *extra)


def twitter_card(*, image: str | None, site: str) -> tuple[MetaTag, ...]:
    """Twitter reads title, description and image from the Open Graph tags; only the card type
    and the site's account are its own."""
    tags = [MetaTag("twitter:card", "summary_large_image" if image else "summary")]
    if site:
        tags.append(MetaTag("twitter:site", site if site.startswith("@") else f"@{site}"))
    return tuple(tags)


def breadcrumb_list(crumbs: tuple[Crumb, ...], origin: str) -> dict:
    """``origin``: scheme and host (``https://example.org``), as the crumbs' URLs are root-relative."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": c.title, "item": origin + c.url}
            for i, c in enumerate(crumbs, start=1)
        ],
    }


def news_article(a: Article, *, url: str, section: str, language: str, org: dict, image: str | None,
                 published: str, modified: str) -> dict:
    """The schema.org NewsArticle of an article page (``url``: its canonical URL; ``published``,
    ``modified``: ISO dates)."""
    ld = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "url": url,
        "headline": a.title,
    }
    if a.summary:
        ld["description"] = a.summary
    if image:
        ld["image"] = [image]
    ld["datePublished"] = published
    ld["dateModified"] = modified
    ld["articleSection"] = section
    if a.tags:
        ld["keywords"] = list(a.tags)
    ld["wordCount"] = a.words
    ld["inLanguage"] = language
    ld["author"] = [{"@type": "Person", "name": name} for name in a.authors] if a.authors else org
    ld["publisher"] = org
    if a.corrections:  # schema.org CorrectionComment, oldest first
        ld["correction"] = [{"@type": "CorrectionComment", "text": text, "datePublished": iso} for iso, text in a.corrections]
    return ld


def article_page_meta(a: Article, *, origin: str, canonical: str, site_name: str, section: str,
                      crumbs: tuple[Crumb, ...], language: str, org: dict, image: str | None,
                      description: str, twitter: tuple[MetaTag, ...], published: str, modified: str) -> dict:
    """What an article page adds to its ``PageView``: keyword arguments of ``PageRenderer.page``.
    ``twitter``: the page's Twitter tags (the same for every page with, or without, an image)."""
    extra = [MetaTag("article:published_time", published), MetaTag("article:modified_time", modified),
             MetaTag("article:section", section)]
    extra += [MetaTag("article:tag", tag) for tag in a.tags]
    article = news_article(a, url=canonical, section=section, language=language, org=org, image=image,
                           published=published, modified=modified)
    return {
        "og": open_graph(og_type="article", title=a.title, description=description, url=canonical,
                         site_name=site_name, image=image, extra=tuple(extra)),
        "twitter": twitter,
        "json_ld": json_ld([article, breadcrumb_list(crumbs, origin)]),
        "breadcrumbs": crumbs,
        "image": image,
    }

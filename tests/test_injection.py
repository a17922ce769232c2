"""Injection (issue 7): text that looks like markup, template syntax or a script is shown as typed
in every output, and never becomes an element, a comment, a template expression or a link.

One site is built (``[markdown] allow_html = false``, the default) whose headlines, summaries,
section, tags, authors and bodies hold ``<script>``, ``</script>``, ``<!--``, ``{{ }}``,
``{% %}``, ``]]>``, ``javascript:`` (as text, as a Markdown link, an autolink, an image, a
reference and a raw HTML link), quotes, a literal ``&amp;`` and U+2028; one article comes from a
seed through the importer, the others are content files. Every output is parsed (html.parser,
ElementTree, json; Pagefind's fragments un-gzipped) and the text found is compared with the text
typed, exactly (tags and authors are names: their whitespace is normalised on reading, so U+2028
there is a space). Nothing is grepped.
"""

from __future__ import annotations

import datetime as dt
import gzip
import html
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
import yaml

from dom import Document, parse, squash
from sitekit import build, make_site
from ssg.outputs import search
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.render.markdown import escape_text
from ssg.problems import Problems

HAS_PAGEFIND = search.find_indexer()[0] is not None

# Everything the issue names, in one string; U+2028 is a line separator to JavaScript and YAML.
P = '<script>alert(1)</script> </script> <!-- {{ 7*7 }} {% raw %} ]]> javascript:alert(1) "\' &amp; \u2028 end'

TITLE = "Title " + P
SUMMARY = "Summary " + P
SECTION = "Section " + P
TAG = "Tag " + P
AUTHOR = "Author " + P
BODY = "Body " + P
JS_TITLE = "javascript:alert(1)"  # a whole headline that is a javascript: URL
JS_TAG = "javascript:alert(1)"
QUOTE_AUTHOR = "\"O'Hara\" & <Sons>"
# A seed's lines are read as text whose runs of whitespace (U+2028 too) are one space.
SEED_SECTION_TYPED = "Seed section " + P
SEED_SECTION = squash(SEED_SECTION_TYPED)
SEED_TITLE_TYPED = "Seed " + P
SEED_TITLE = squash(SEED_TITLE_TYPED)
SEED_LINES = [squash("Seed body " + P), "[x](javascript:alert(1)) <b>not bold</b> &lt; &#233;"]
SEED_PARA2 = "# not a heading {{ 7*7 }} {% endraw %} ]]> <!-- -->"
SITE_TITLE = "Test News"
BASE = "https://example.org/news/"


def shown_name(name: str) -> str:
    """Tag and author names as read: runs of whitespace become one space."""
    return squash(name)


TAG_SHOWN, AUTHOR_SHOWN = shown_name(TAG), shown_name(AUTHOR)

# A hand-written Markdown body: a paragraph of typed text (escaped as the importer escapes it),
# then raw Markdown and HTML that must come out as text or as harmless elements.
RAW_MARKDOWN = (
    "Raw <script>alert(1)</script> and <b>bold</b> and [click](javascript:alert(1)) and "
    "![img](javascript:alert(1)) and <javascript:alert(1)> and [ref][r] and [case](JaVaScRiPt:alert(1)) "
    "and [spaced](java\tscript:alert(1)) and [entity](&#106;avascript:alert(1))"
)
BODY_MARKDOWN = "\n\n".join([
    escape_text([[BODY]]),
    RAW_MARKDOWN,
    "<!-- an HTML comment block -->",
    '<a href="javascript:alert(1)">an HTML link</a>',
    "<script>alert(2)</script>",
    "[r]: javascript:alert(1)",
])


def document(meta: dict, body: str) -> str:
    head = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10**6)
    assert yaml.safe_load(head) == meta  # the front matter says exactly what was typed
    return f"---\n{head}---\n\n{body}\n"


FILES = {
    "content/s/main.md": document(
        {"title": TITLE, "date": "2024-05-31T10:00:00+00:00", "section": SECTION, "slug": "main",
         "summary": SUMMARY, "tags": [TAG, JS_TAG], "authors": [AUTHOR, QUOTE_AUTHOR]}, BODY_MARKDOWN),
    "content/s/js.md": document(
        {"title": JS_TITLE, "date": "2024-05-31T09:00:00+00:00", "section": SECTION, "slug": "js",
         "summary": JS_TITLE, "tags": [JS_TAG], "authors": [QUOTE_AUTHOR], "image": "javascript:alert(1)"},
        "A [link](javascript:alert(1))."),
    # Flat layout: the section on line 1, then the headline, then paragraphs.
    "seeds/hostile.txt": "\n".join([SEED_SECTION_TYPED, "", SEED_TITLE_TYPED, "", "Seed body " + P, *SEED_LINES[1:], "", SEED_PARA2, ""]),
}
TITLES = {TITLE, JS_TITLE, SEED_TITLE}

TOML = f"""\
title = "{SITE_TITLE}"
description = "A test archive."
base_url = "{BASE}"
timezone = "UTC"
page_size = 10
[import]
decode_entities = false  # the seed's "&amp;" and "&#233;" are typed on purpose: shown as typed
"""

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "cite", "background", "srcset",
                  "xlink:href", "manifest", "ping", "longdesc", "usemap", "codebase", "archive", "profile"}


def is_script_url(value: str) -> bool:
    """What a browser would run: it drops ASCII whitespace and controls before the scheme."""
    cleaned = re.sub(r"[\x00-\x20]", "", value).lower()
    return cleaned.startswith(("javascript:", "vbscript:", "data:text/html"))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("inj"), FILES, toml=TOML)
    problems = Problems()
    import_seeds(site, load_config(site), problems, date=dt.date(2024, 5, 31))
    assert not problems.errors, [str(p) for p in problems.items]
    _, problems = build(site)
    assert not problems.items, [str(p) for p in problems.items]
    return site


def public(site: Path) -> Path:
    return site / "public"


def html_pages(site: Path) -> dict[str, Document]:
    root = public(site)
    return {p.relative_to(root).as_posix(): parse(p.read_text(encoding="utf-8"))
            for p in sorted(root.rglob("*.html")) if "pagefind" not in p.relative_to(root).parts}


@pytest.fixture(scope="module")
def pages(site) -> dict[str, Document]:
    return html_pages(site)


def article_page(pages: dict[str, Document], title: str) -> Document:
    found = [d for rel, d in pages.items() if d.find_all("article", "story") and d.find("h1").text == title]
    assert len(found) == 1, title
    return found[0]


def meta(doc: Document, **attrs) -> list[str]:
    return [m.attrs["content"] for m in doc.find_all("meta", **attrs)]


def json_ld(doc: Document) -> list[dict]:
    [script] = doc.find_all("script", type="application/ld+json")
    data = json.loads(script.text)
    return data if isinstance(data, list) else [data]


def lines(e) -> list[str]:
    """The lines of an element's text, as ``<br>`` breaks them."""
    return [line for line in e.text.split("\n") if line]


def teaser_titles(doc: Document) -> list[str]:
    return [t.text for t in doc.find_all(cls="teaser-title")]


# --- every HTML page --------------------------------------------------------------------------


def test_the_site_has_every_kind_of_page(pages):
    kinds = Counter(d.find("body").attrs["class"] for d in pages.values())
    for kind in ("page-home", "page-section", "page-article", "page-term", "page-terms", "page-year",
                 "page-month", "page-archive", "page-404"):
        assert kinds[kind] >= 1, (kind, kinds)
    assert kinds["page-article"] == 3
    if HAS_PAGEFIND:
        assert kinds["page-search"] == 1


def test_no_script_element_but_the_themes_own(pages):
    for rel, doc in pages.items():
        scripts = doc.find_all("script")
        kind = doc.find("body").attrs["class"]
        expected = {"page-article": ["application/ld+json"], "page-search": ["module"], "page-home": [None]}.get(kind, [])
        assert [s.attrs.get("type") for s in scripts] == expected, rel
        for s in scripts:  # the theme's own files (asset()), empty: no text from an article in them
            src = s.attrs.get("src")
            assert (src is None) == (s.attrs.get("type") == "application/ld+json"), rel
            assert src is None or re.fullmatch(r"/news/(search|relative-time)\.[0-9a-f]{10}\.js", src), (rel, src)
            assert src is None or not s.text, rel
        # No element, comment or CDATA section came out of the text either.
        assert doc.comments == [] and doc.declarations == ["DOCTYPE html"], rel
        assert not doc.find_all("b"), rel
        # (an image's source is a javascript: URL: Markdown makes it a harmless "#harmful-link"; the
        # front matter's image, shown as a thumbnail, is a path below the site like any other text)
        assert all(i.attrs["src"] in ("#harmful-link", "/news/javascript:alert(1)") for i in doc.find_all("img")), rel


def test_no_link_or_source_is_a_javascript_url(pages):
    checked = 0
    for rel, doc in pages.items():
        for e in doc.root.iter():
            for name, value in e.attrs.items():
                if name in URL_ATTRIBUTES or name.startswith("on"):
                    assert not name.startswith("on"), (rel, e.tag, name)  # no event handler attribute
                    assert not is_script_url(value), (rel, e.tag, name, value)
                    checked += 1
    assert checked > 100


def test_template_syntax_is_never_evaluated(pages):
    # {{ 7*7 }} would be 49 and {% raw %} would vanish: the text holds them as typed wherever the
    # headline appears (in teasers, headline lists, breadcrumbs, previous/next links, <title>).
    seen = 0
    for rel, doc in pages.items():
        for a in doc.find_all("a"):
            if a.text.startswith("Title <script>"):
                assert a.text == TITLE, rel
                seen += 1
    assert seen >= 8


# --- the article page ---------------------------------------------------------------------------


def test_article_page_shows_every_field_as_typed(pages):
    doc = article_page(pages, TITLE)
    assert doc.find("title").text == f"{TITLE} — {SITE_TITLE}"
    assert meta(doc, name="description") == [SUMMARY]
    assert meta(doc, property="og:title") == [TITLE]
    assert meta(doc, property="og:description") == [SUMMARY]
    assert meta(doc, property="article:section") == [SECTION]
    assert meta(doc, property="article:tag") == [TAG_SHOWN, JS_TAG]
    story = doc.find("article", "story")
    assert story.attrs["data-pagefind-body"] == ""
    assert story.find(cls="kicker").text == SECTION
    assert story.find("h1").text == TITLE
    assert [a.text for a in story.find(cls="byline").find_all("a")] == [AUTHOR_SHOWN, QUOTE_AUTHOR]
    assert [a.text for a in story.find(cls="tag-list").find_all("a")] == [TAG_SHOWN, JS_TAG]
    assert [a.text for a in doc.find("nav", cls="breadcrumbs").find_all("a")] == ["Home", SECTION, TITLE]
    assert SECTION in [a.text for a in doc.find("nav", cls="sections").find_all("a")]
    alternates = [link.attrs["title"] for link in doc.find_all("link", rel="alternate")]
    assert f"{SECTION} (RSS)" in alternates and f"{SECTION} (Atom)" in alternates
    nav = doc.find("nav", cls="story-nav")
    assert nav.attrs["aria-label"] == f"More in {SECTION}"
    assert [a.text for a in nav.find_all("a")] == [JS_TITLE]  # the older story (the seed's is newer… or same day)


def test_article_body_is_text_and_links_are_harmless(pages):
    body = article_page(pages, TITLE).find(cls="story-body")
    paragraphs = [p.text for p in body.find_all("p")]
    assert paragraphs[0] == BODY
    # Raw HTML is shown as text (allow_html = false): the script, the comment, the HTML link.
    assert "Raw <script>alert(1)</script> and <b>bold</b> and click and" in paragraphs[1]
    assert "<!-- an HTML comment block -->" in paragraphs
    assert '<a href="javascript:alert(1)">an HTML link</a>' in paragraphs
    assert "<script>alert(2)</script>" in paragraphs
    links = {a.text: a.attrs.get("href") for a in body.find_all("a")}
    assert set(links) >= {"click", "ref", "case", "entity"}
    assert all(not is_script_url(h or "") for h in links.values()), links


def test_seed_article_shows_the_seed_as_typed(pages):
    doc = article_page(pages, SEED_TITLE)
    assert doc.find("title").text == f"{SEED_TITLE} — {SITE_TITLE}"
    body = doc.find(cls="story-body")
    assert [lines(p) for p in body.find_all("p")] == [SEED_LINES, [SEED_PARA2]]
    assert not body.find_all("a") and not body.find_all("b") and not body.find_all("h1")
    # The importer's summary is the first paragraph, whole (it is short).
    summary = " ".join(SEED_LINES)
    assert meta(doc, name="description") == [summary]
    [ld] = [d for d in json_ld(doc) if d["@type"] == "NewsArticle"]
    assert ld["headline"] == SEED_TITLE and ld["description"] == summary and ld["articleSection"] == SEED_SECTION
    assert doc.find(cls="kicker").text == SEED_SECTION


def test_json_ld_holds_the_typed_text(pages):
    doc = article_page(pages, TITLE)
    [script] = doc.find_all("script", type="application/ld+json")
    assert "</" not in script.text and "<!--" not in script.text and "\u2028" not in script.text
    objects = {d["@type"]: d for d in json_ld(doc)}
    ld = objects["NewsArticle"]
    assert ld["headline"] == TITLE
    assert ld["description"] == SUMMARY
    assert ld["articleSection"] == SECTION
    assert ld["keywords"] == [TAG_SHOWN, JS_TAG]
    assert ld["author"] == [{"@type": "Person", "name": AUTHOR_SHOWN}, {"@type": "Person", "name": QUOTE_AUTHOR}]
    crumbs = objects["BreadcrumbList"]["itemListElement"]
    assert [c["name"] for c in crumbs] == ["Home", SECTION, TITLE]
    assert all(c["item"].startswith(BASE) for c in crumbs)
    doc = article_page(pages, JS_TITLE)
    js = {d["@type"]: d for d in json_ld(doc)}["NewsArticle"]
    assert js["headline"] == JS_TITLE and js["description"] == JS_TITLE
    # An image that is a javascript: URL is taken as a path below the site, as any other text.
    assert js["image"] == [BASE + "javascript:alert(1)"]
    assert meta(doc, property="og:image") == [BASE + "javascript:alert(1)"]


# --- indexes ------------------------------------------------------------------------------------


def by_kind(pages, kind: str) -> dict[str, Document]:
    return {rel: d for rel, d in pages.items() if d.find("body").attrs["class"] == f"page-{kind}"}


def test_home_page(pages):
    doc = pages["index.html"]
    assert doc.find("title").text == SITE_TITLE
    lead = [t.text for t in doc.find_all(cls="lead-title")]
    assert len(lead) == 1 and set(lead + teaser_titles(doc)) == TITLES
    assert {k.text for k in doc.find_all("a", "kicker")} == {SECTION, SEED_SECTION}
    assert {p.text for p in doc.find_all("p", "summary")} == {SUMMARY, JS_TITLE, " ".join(SEED_LINES)}
    blocks = {b.find("h2").text: b for b in doc.find_all("section", "section-block")}
    assert set(blocks) == {SECTION, SEED_SECTION}
    # Every story is among the latest above: the blocks list none again, and link to the rest.
    assert not blocks[SECTION].find_all("ul") and not blocks[SEED_SECTION].find_all("ul")
    assert blocks[SECTION].find("p", "more").text == f"All 2 in {SECTION}"
    assert blocks[SEED_SECTION].find("p", "more").text == f"All 1 in {SEED_SECTION}"


def test_section_page(pages):
    sections = {d.find("h1").text: d for d in by_kind(pages, "section").values()}
    assert set(sections) == {SECTION, SEED_SECTION}
    for name, doc in sections.items():
        assert doc.find("title").text == f"{name} — {SITE_TITLE}"
        assert meta(doc, property="og:title") == [name]
        alternates = [link.attrs["title"] for link in doc.find_all("link", rel="alternate")]
        assert f"{name} (RSS)" in alternates and f"{name} (Atom)" in alternates
    assert teaser_titles(sections[SECTION]) == [TITLE, JS_TITLE]
    assert teaser_titles(sections[SEED_SECTION]) == [SEED_TITLE]


def test_tag_and_author_pages_and_indexes(pages):
    terms = by_kind(pages, "term")
    names = {d.find("h1").text: d for d in terms.values()}
    assert set(names) == {TAG_SHOWN, JS_TAG, AUTHOR_SHOWN, QUOTE_AUTHOR}
    assert names[TAG_SHOWN].find("title").text == f"Tag: {TAG_SHOWN} — {SITE_TITLE}"
    assert names[AUTHOR_SHOWN].find("title").text == f"Author: {AUTHOR_SHOWN} — {SITE_TITLE}"
    assert teaser_titles(names[TAG_SHOWN]) == [TITLE]
    assert set(teaser_titles(names[JS_TAG])) == {TITLE, JS_TITLE}
    assert set(teaser_titles(names[QUOTE_AUTHOR])) == {TITLE, JS_TITLE}
    for doc in terms.values():
        assert {k.text for k in doc.find_all("a", "kicker") if k.attrs["href"] != doc.find("p", "kicker").find("a").attrs["href"]} <= {SECTION}
    indexes = by_kind(pages, "terms")
    listed = sorted(a.text for d in indexes.values() for a in d.find("ul", "term-list").find_all("a"))
    assert listed == sorted([TAG_SHOWN, JS_TAG, AUTHOR_SHOWN, QUOTE_AUTHOR])


def test_date_archives_and_overview(pages):
    periods = {**by_kind(pages, "year"), **by_kind(pages, "month")}
    assert set(periods) == {"2024/index.html", "2024/05/index.html"}
    for doc in periods.values():
        assert set(teaser_titles(doc)) == TITLES
        assert {k.text for k in doc.find_all("a", "kicker") if k.attrs["href"].count("/") > 2} == {SECTION, SEED_SECTION}
    [(_, overview)] = by_kind(pages, "archive").items()
    assert overview.find("h1").text == "Archive"


def test_search_and_404_pages_list_the_section(pages):
    for kind in ("404", *(["search"] if HAS_PAGEFIND else [])):
        [(_, doc)] = by_kind(pages, kind).items()
        assert [a.text for a in doc.find("nav", cls="sections").find_all("a")] == [SECTION, SEED_SECTION]


# --- feeds, sitemaps, search index ------------------------------------------------------------

NS = {"atom": "http://www.w3.org/2005/Atom", "content": "http://purl.org/rss/1.0/modules/content/",
      "sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "news": "http://www.google.com/schemas/sitemap-news/0.9"}


def check_entry_html(html: str, title: str) -> None:
    """The HTML inside a feed entry: the body as on the page, no script, no javascript: link."""
    doc = parse(html)
    assert not doc.find_all("script") and not doc.comments, title
    for e in doc.root.iter():
        for name, value in e.attrs.items():
            assert not name.startswith("on") and not (name in URL_ATTRIBUTES and is_script_url(value)), (title, e.tag, value)
            if name in ("href", "src"):
                assert value.startswith(BASE), value  # made absolute
    paragraphs = [p.text for p in doc.find_all("p")]
    if title == TITLE:
        assert paragraphs[0] == BODY and "<script>alert(2)</script>" in paragraphs
    elif title == SEED_TITLE:
        assert [lines(p) for p in doc.find_all("p")] == [SEED_LINES, [SEED_PARA2]]


def feeds(site: Path) -> list[Path]:
    root = public(site)
    return sorted([*root.rglob("feed.xml"), *root.rglob("atom.xml")])


def rss_text(element, name: str) -> str:
    """An RSS title or description: HTML to readers, so it must hold no markup but escaped text."""
    value = element.findtext(name)
    assert "<" not in value and ">" not in value, value
    return html.unescape(value)


def test_rss_feeds(site):
    titles = set()
    rss = [p for p in feeds(site) if p.name == "feed.xml"]
    assert len(rss) == 7  # the site, two sections, two tags, two authors
    for path in rss:
        channel = ET.parse(path).getroot().find("channel")
        titles.add(rss_text(channel, "title"))
        for item in channel.findall("item"):
            title = rss_text(item, "title")
            assert title in TITLES
            assert item.findtext("category") == (SEED_SECTION if title == SEED_TITLE else SECTION)
            assert rss_text(item, "description") in {SUMMARY, JS_TITLE, " ".join(SEED_LINES)}
            check_entry_html(item.findtext("content:encoded", namespaces=NS), title)
    assert titles == {SITE_TITLE, f"{SECTION} — {SITE_TITLE}", f"{SEED_SECTION} — {SITE_TITLE}", f"Tag: {TAG_SHOWN} — {SITE_TITLE}",
                      f"Tag: {JS_TAG} — {SITE_TITLE}", f"Author: {AUTHOR_SHOWN} — {SITE_TITLE}",
                      f"Author: {QUOTE_AUTHOR} — {SITE_TITLE}"}


def test_atom_feeds(site):
    titles = set()
    atom = [p for p in feeds(site) if p.name == "atom.xml"]
    assert len(atom) == 8  # as the RSS feeds, and the month's archived feed (2024/05/atom.xml)
    for path in atom:
        root = ET.parse(path).getroot()
        titles.add(root.findtext("atom:title", namespaces=NS))
        for entry in root.findall("atom:entry", NS):
            title = entry.findtext("atom:title", namespaces=NS)
            assert title in TITLES
            assert entry.find("atom:category", NS).attrib["term"] == (SEED_SECTION if title == SEED_TITLE else SECTION)
            assert entry.findtext("atom:summary", namespaces=NS) in {SUMMARY, JS_TITLE, " ".join(SEED_LINES)}
            content = entry.find("atom:content", NS)
            assert content.attrib["type"] == "html"
            check_entry_html(content.text, title)
    assert f"{SECTION} — {SITE_TITLE}" in titles and f"Tag: {TAG_SHOWN} — {SITE_TITLE}" in titles


def test_sitemaps(site):
    root = ET.parse(public(site) / "sitemap.xml").getroot()
    locs = [u.findtext("sm:loc", namespaces=NS) for u in root.findall("sm:url", NS)]
    assert len(locs) > 10
    assert all(loc.startswith(BASE) and loc.isascii() and not re.search(r"[<>\"' {}]", loc) for loc in locs), locs
    news = ET.parse(public(site) / "news-sitemap.xml").getroot()
    entries = news.findall("sm:url", NS)
    assert {u.findtext("news:news/news:title", namespaces=NS) for u in entries} == TITLES
    assert {u.findtext("news:news/news:publication/news:name", namespaces=NS) for u in entries} == {SITE_TITLE}
    assert all(u.findtext("sm:loc", namespaces=NS).startswith(BASE) for u in entries)


@pytest.mark.skipif(not HAS_PAGEFIND, reason="Pagefind is not installed")
def test_search_index_holds_the_typed_text(site):
    fragments = []
    for path in sorted((public(site) / "pagefind").rglob("*.pf_fragment")):
        data = gzip.decompress(path.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        fragments.append(json.loads(data[len(b"pagefind_dcd"):]))
    by_title = {f["meta"]["title"]: f for f in fragments}
    # Pagefind normalises whitespace in what it indexes (U+2028 becomes a space): nothing else.
    assert set(by_title) == {squash(t) for t in TITLES}
    main = by_title[squash(TITLE)]
    assert main["meta"]["section"] == squash(SECTION)
    content = main["content"]
    # (Pagefind ends a heading with a full stop)
    assert content.startswith(squash(TITLE) + ". By " + f"{AUTHOR_SHOWN} and {QUOTE_AUTHOR} " + squash(BODY) + ". ")
    assert squash(BODY) in content and "<script>alert(2)</script>" in content
    seed = by_title[squash(SEED_TITLE)]
    assert squash(" ".join(SEED_LINES)) in seed["content"] and squash(SEED_PARA2) in seed["content"]

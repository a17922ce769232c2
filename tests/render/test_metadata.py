"""Metadata for news platforms (issue 6): NewsArticle and BreadcrumbList JSON-LD, Open Graph and
Twitter card tags, canonical URL and meta description, and the reading aids on article pages
(reading time, word count, updated date, breadcrumbs, previous/next), on small inline sites.

The JSON-LD is read back the way a browser and a crawler do: html.parser finds the end of the
<script> element, json.loads parses what is inside, and the fields must equal the front matter
exactly, whatever the headline holds.
"""

from __future__ import annotations

import json
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssg.render import metadata
from ssg.urls import Urls
from sitekit import build, make_site, page, tree

# Everything that could end or derail a <script> element or a JSON string.
HOSTILE = 'Evil </script><!-- "quote\' & \u2028 \u2029 <b>bold</b> </SCRIPT > {{ x }} end'
BASE_TOML = 'title = "Daily & Co"\ndescription = "All the news."\nbase_url = "https://example.org/news/"\n[images]\ncards = false\n'


def story(title: str, date: str, section: str = "World", body: str = "Body text here.", **meta) -> str:
    """A content file; every value written as a JSON string, which YAML reads back exactly."""
    lines = ["---", f"title: {json.dumps(title)}", f"date: {date}", f"section: {json.dumps(section)}"]
    for key, value in meta.items():
        lines.append(f"{key}: {json.dumps(value)}")
    return "\n".join(lines + ["---", "", body, ""])


class Meta(HTMLParser):
    """JSON-LD blocks, <meta property/name>, canonical, description, breadcrumbs, <time>s."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.json_ld: list = []
        self.scripts: list[str] = []  # type of every <script>
        self.props: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        self.canonical: str | None = None
        self.crumb_navs = 0
        self.crumbs: list[tuple[str, str | None, str]] = []  # (href, aria-current, text)
        self.times: list[str] = []
        self.prev_next: dict[str, str] = {}
        self._ld: list[str] | None = None
        self._in_crumbs = False
        self._a: list | None = None

    def handle_starttag(self, tag, attrs):
        d = dict(attrs)
        if tag == "script":
            self.scripts.append(d.get("type", ""))
            if d.get("type") == "application/ld+json":
                self._ld = []
        elif tag == "meta" and "property" in d:
            self.props.setdefault(d["property"], []).append(d["content"])
        elif tag == "meta" and "name" in d:
            self.names.setdefault(d["name"], []).append(d["content"])
        elif tag == "link" and d.get("rel") == "canonical":
            self.canonical = d["href"]
        elif tag == "nav" and d.get("aria-label") == "Breadcrumb":
            self._in_crumbs = True
            self.crumb_navs += 1
        elif tag == "a" and self._in_crumbs:
            self._a = [d["href"], d.get("aria-current"), ""]
        elif tag == "a" and d.get("rel") in ("prev", "next"):
            self.prev_next[d["rel"]] = d["href"]
        elif tag == "time":
            self.times.append(d["datetime"])

    def handle_endtag(self, tag):
        if tag == "script" and self._ld is not None:
            data = json.loads("".join(self._ld))
            self.json_ld += data if isinstance(data, list) else [data]
            self._ld = None
        elif tag == "nav":
            self._in_crumbs = False
        elif tag == "a" and self._a is not None:
            self.crumbs.append(tuple(self._a))
            self._a = None

    def handle_data(self, data):
        if self._ld is not None:
            self._ld.append(data)
        elif self._a is not None:
            self._a[2] += data

    def ld(self, kind: str) -> dict:
        found = [x for x in self.json_ld if x.get("@type") == kind]
        assert len(found) == 1, self.json_ld
        return found[0]

    def prop(self, name: str) -> str:
        assert len(self.props.get(name, [])) == 1, (name, self.props)
        return self.props[name][0]


def parse(doc: str) -> Meta:
    m = Meta()
    m.feed(doc)
    m.close()
    return m


@pytest.fixture
def site(tmp_path) -> Path:
    toml = BASE_TOML + ('[news]\npublisher = "Daily Publisher </script>"\npublisher_logo = "img/logo.png"\n'
                        'twitter_site = "dailyco"\nwords_per_minute = 100\n')
    files = {
        "content/world/hostile.md": story(
            HOSTILE, "2024-05-31T10:00:00+00:00", "World", " ".join(["word"] * 250),
            slug="hostile", summary=f"Summary {HOSTILE}", updated="2024-06-01T09:30:00+00:00",
            tags=["Politics </script>", "A&B"], authors=["Jane <Doe>", "Ann </script><!-- Lee"], image="https://cdn.example.org/img/storm photo.jpg"),
        "content/world/older.md": story("Older story", "2024-05-20T08:00:00+00:00", "World", "Short.", slug="older"),
        "content/world/newer.md": story("Newer story", "2024-06-01T08:00:00+00:00", "World", "Newer body.", slug="newer",
                                        image="https://cdn.example.com/a.jpg?w=1&h=2"),
        "content/sport/plain.md": story("Plain story", "2024-05-25T08:00:00+00:00", "Sport", "One two three.", slug="plain"),
    }
    s = make_site(tmp_path, files, toml=toml)
    build(s)
    return s


# --- JSON-LD ---------------------------------------------------------------------------------

def test_news_article_json_ld_equals_front_matter_whatever_the_headline(site):
    doc = page(site, "world/hostile/index.html")
    m = parse(doc)
    assert m.scripts == ["application/ld+json"]  # nothing else is a script
    ld = m.ld("NewsArticle")
    url = "https://example.org/news/world/hostile/"
    assert ld["@context"] == "https://schema.org"
    assert ld["headline"] == HOSTILE
    assert ld["description"] == f"Summary {HOSTILE}"
    assert ld["datePublished"] == "2024-05-31T10:00:00+00:00"
    assert ld["dateModified"] == "2024-06-01T09:30:00+00:00"
    assert ld["articleSection"] == "World"
    assert ld["keywords"] == ["Politics </script>", "A&B"]
    assert ld["wordCount"] == 250
    assert ld["inLanguage"] == "en"
    assert ld["url"] == url and ld["mainEntityOfPage"] == {"@type": "WebPage", "@id": url}
    assert ld["image"] == ["https://cdn.example.org/img/storm%20photo.jpg"]
    assert ld["author"] == [{"@type": "Person", "name": "Jane <Doe>"}, {"@type": "Person", "name": "Ann </script><!-- Lee"}]
    assert ld["publisher"] == {"@type": "Organization", "name": "Daily Publisher </script>", "url": "https://example.org/news/",
                               "logo": {"@type": "ImageObject", "url": "https://example.org/news/img/logo.png"}}
    # Inside the script elements: no character that HTML or a JS parser could take for markup.
    for block in doc.split('<script type="application/ld+json">')[1:]:
        inner = block.split("</script>", 1)[0]
        assert not set(inner) & {"<", ">", "&", "\u2028", "\u2029"}, inner


def test_author_defaults_to_publisher_and_optional_fields_are_left_out(tmp_path):
    s = make_site(tmp_path, {"content/a.md": story("Plain", "2024-05-01T08:00:00+00:00", "World", "Two words.", slug="a")},
                  toml=BASE_TOML)
    build(s)
    ld = parse(page(s, "world/a/index.html")).ld("NewsArticle")
    org = {"@type": "Organization", "name": "Daily & Co", "url": "https://example.org/news/"}  # title, no logo
    assert ld["publisher"] == org and ld["author"] == org
    assert ld["dateModified"] == ld["datePublished"] == "2024-05-01T08:00:00+00:00"
    assert ld["wordCount"] == 2
    assert "image" not in ld and "description" not in ld and "keywords" not in ld


def test_breadcrumb_list_json_ld(site):
    ld = parse(page(site, "world/hostile/index.html")).ld("BreadcrumbList")
    assert ld["itemListElement"] == [
        {"@type": "ListItem", "position": 1, "name": "Home", "item": "https://example.org/news/"},
        {"@type": "ListItem", "position": 2, "name": "World", "item": "https://example.org/news/world/"},
        {"@type": "ListItem", "position": 3, "name": HOSTILE, "item": "https://example.org/news/world/hostile/"},
    ]


@given(st.recursive(st.text() | st.integers() | st.booleans() | st.none(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=8))
def test_json_ld_element_holds_any_value_exactly(value):
    out = str(metadata.json_ld({"v": value}))
    head, tail = '<script type="application/ld+json">', "</script>"
    assert out.startswith(head) and out.endswith(tail)
    inner = out[len(head):-len(tail)]
    assert not set(inner) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(inner) == {"v": value}


# --- Open Graph, Twitter, canonical, description ---------------------------------------------

def test_open_graph_and_twitter_tags_on_an_article(site):
    m = parse(page(site, "world/hostile/index.html"))
    url = "https://example.org/news/world/hostile/"
    assert m.canonical == url
    assert m.names["description"] == [f"Summary {HOSTILE}"]
    assert m.prop("og:type") == "article"
    assert m.prop("og:title") == HOSTILE
    assert m.prop("og:description") == f"Summary {HOSTILE}"
    assert m.prop("og:url") == url
    assert m.prop("og:site_name") == "Daily & Co"
    assert m.prop("og:image") == "https://cdn.example.org/img/storm%20photo.jpg"
    assert m.prop("article:published_time") == "2024-05-31T10:00:00+00:00"
    assert m.prop("article:modified_time") == "2024-06-01T09:30:00+00:00"
    assert m.prop("article:section") == "World"
    assert m.props["article:tag"] == ["Politics </script>", "A&B"]
    assert m.names["twitter:card"] == ["summary_large_image"]
    assert m.names["twitter:site"] == ["@dailyco"]


def test_article_without_image_gets_a_summary_card_and_no_og_image(site):
    m = parse(page(site, "sport/plain/index.html"))
    assert "og:image" not in m.props and "article:tag" not in m.props
    assert m.names["twitter:card"] == ["summary"]
    assert m.prop("article:modified_time") == m.prop("article:published_time") == "2024-05-25T08:00:00+00:00"
    # An absolute image URL is kept as it is (its & escaped in HTML only).
    assert parse(page(site, "world/newer/index.html")).prop("og:image") == "https://cdn.example.com/a.jpg?w=1&h=2"


@pytest.mark.parametrize("rel, canonical, title", [
    ("index.html", "https://example.org/news/", "Daily & Co"),
    ("world/index.html", "https://example.org/news/world/", "World"),
    ("404.html", "https://example.org/news/404.html", "Page not found"),
])
def test_every_page_has_canonical_description_and_website_tags(site, rel, canonical, title):
    m = parse(page(site, rel))
    assert m.canonical == canonical and m.prop("og:url") == canonical
    assert m.prop("og:type") == "website" and m.prop("og:title") == title
    assert m.prop("og:site_name") == "Daily & Co"
    assert m.names["description"][0] and m.prop("og:description") == m.names["description"][0]
    assert m.names["twitter:card"] == ["summary"] and m.names["twitter:site"] == ["@dailyco"]
    assert m.json_ld == [] and m.crumb_navs == 0


def test_no_twitter_site_unless_configured(tmp_path):
    s = make_site(tmp_path, {"content/a.md": story("A", "2024-05-01T08:00:00+00:00", slug="a")}, toml=BASE_TOML)
    build(s)
    for rel in ("index.html", "world/a/index.html"):
        assert "twitter:site" not in parse(page(s, rel)).names


def test_absolute_url_of_image_references():
    urls = Urls("https://example.org/news/")
    assert metadata.absolute_url(urls, "https://cdn.example.com/x.jpg") == "https://cdn.example.com/x.jpg"
    assert metadata.absolute_url(urls, "//cdn.example.com/x.jpg") == "https://cdn.example.com/x.jpg"
    assert metadata.absolute_url(urls, "/img/a b.jpg") == "https://example.org/news/img/a%20b.jpg"
    assert metadata.absolute_url(urls, "img/café.jpg") == "https://example.org/news/img/caf%C3%A9.jpg"
    assert metadata.absolute_url(urls, " img/x%20y.jpg ") == "https://example.org/news/img/x%20y.jpg"


# --- reading aids ----------------------------------------------------------------------------

def test_reading_time_word_count_and_updated_date(site):
    doc = page(site, "world/hostile/index.html")
    assert "3 min read (250 words)" in doc  # 250 words at 100 a minute, rounded up
    m = parse(doc)
    assert m.times[:2] == ["2024-05-31T10:00:00+00:00", "2024-06-01T09:30:00+00:00"]
    assert 'Updated <time datetime="2024-06-01T09:30:00+00:00">1 June 2024</time>' in doc
    plain = page(site, "sport/plain/index.html")
    assert "1 min read (3 words)" in plain and "Updated" not in plain


def test_reading_minutes():
    assert [metadata.reading_minutes(w, 230) for w in (0, 1, 230, 231, 460, 461)] == [1, 1, 1, 2, 2, 3]


def test_breadcrumbs_are_an_accessible_trail(site):
    m = parse(page(site, "world/hostile/index.html"))
    assert m.crumb_navs == 1
    assert m.crumbs == [("/news/", None, "Home"), ("/news/world/", None, "World"), ("/news/world/hostile/", "page", HOSTILE)]
    assert '<nav class="breadcrumbs" aria-label="Breadcrumb">\n  <ol>' in page(site, "world/hostile/index.html")


def test_previous_and_next_within_the_section_stay(site):
    m = parse(page(site, "world/hostile/index.html"))
    assert m.prev_next == {"prev": "/news/world/older/", "next": "/news/world/newer/"}


def test_metadata_is_deterministic_and_follows_a_changed_setting(site):
    first = tree(site / "public")
    shutil.rmtree(site / "public")
    build(site, clean=True)
    assert tree(site / "public") == first
    toml = (site / "site.toml").read_text().replace("words_per_minute = 100", "words_per_minute = 50")
    (site / "site.toml").write_text(toml)
    build(site)  # incremental: the setting is in every page's key
    assert "5 min read (250 words)" in page(site, "world/hostile/index.html")

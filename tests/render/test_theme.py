"""The theme engine: blocks of base.html a site overrides one at a time, templates extending the
theme's own (``theme/base.html``, ``<theme name>/article.html``), the macros of _macros.html,
and static files published under fingerprinted names through ``asset()``, whose URLs are in
every page's key (an incremental build after a stylesheet edit equals a clean build)."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from sitekit import article, build, make_site, page, site_files, write
from ssg.check import check_site
from ssg.problems import Problems
from ssg.render.theme import environment, find_theme

THEME = Path(__file__).resolve().parents[2] / "themes" / "default"

ARTICLES = {
    "content/world/storm.md": article("Storm hits coast", "2024-01-03T08:00:00+00:00", "World", summary="Wind & rain."),
    "content/world/flood.md": article("Flood warning", "2024-01-02T08:00:00+00:00", "World"),
    "content/world/calm.md": article("Calm returns", "2024-01-01T08:00:00+00:00", "World"),
    "content/business/rally.md": article("Markets rally", "2024-01-04T08:00:00+00:00", "Business",
                                         extra="tags: [markets]"),
}


def site_with(tmp_path: Path, files: dict[str, str] | None = None, **kw) -> Path:
    return make_site(tmp_path, {**ARTICLES, **(files or {})}, **kw)


def messages(problems: Problems) -> list[str]:
    return [str(p) for p in problems.items]


def fingerprint(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:10]


# --- blocks and extending the theme's templates ------------------------------------------------


def test_site_base_extends_the_themes_base_and_overrides_one_block(tmp_path):
    plain = site_with(tmp_path, name="plain")
    build(plain)
    site = site_with(tmp_path, {"templates/base.html": '{% extends "theme/base.html" %}\n'
                                                        '{% block footer %}<footer class="mine">Ours</footer>\n'
                                                        '{% endblock %}\n'})
    build(site)
    html, before = page(site, "world/storm/index.html"), page(plain, "world/storm/index.html")
    assert '<footer class="mine">Ours</footer>' in html and 'class="site-footer"' not in html
    # Everything else is the theme's, byte for byte: head, masthead, main.
    assert html.split("<footer")[0] == before.split("<footer")[0]


def test_masthead_and_scripts_blocks(tmp_path):
    site = site_with(tmp_path, {"templates/base.html": '{% extends "theme/base.html" %}\n'
                                                        '{% block masthead %}<header>Masthead</header>\n{% endblock %}\n'
                                                        '{% block scripts %}<script src="{{ asset(\'extra.js\') }}">'
                                                        '</script>\n{% endblock %}\n',
                                "static/extra.js": "console.log(1);\n"})
    build(site)
    html = page(site, "world/storm/index.html")  # (a page whose template leaves both blocks alone)
    assert "<header>Masthead</header>" in html and 'class="masthead"' not in html
    extra = "extra.{}.js".format(fingerprint(b"console.log(1);\n"))
    assert f'<script src="/news/{extra}"></script>\n</body>' in html
    assert (site / "public" / extra).read_bytes() == b"console.log(1);\n"


def test_child_theme_extends_its_parents_template_by_name(tmp_path):
    site = site_with(tmp_path, {
        "themes/child/theme.toml": 'parent = "default"\n',
        "themes/child/templates/article.html": '{% extends "default/article.html" %}\n'
                                               '{% block main %}<p class="child">Child</p>\n{{ super() }}{% endblock %}\n',
    }, toml='title = "T"\nbase_url = "https://example.org/"\ntheme = "child"\n')
    build(site)
    html = page(site, "world/storm/index.html")
    assert '<p class="child">Child</p>' in html
    assert "Storm hits coast</h1>" in html  # the default article.html's main block, through super()
    assert 'class="masthead"' in html  # and base.html, found through the chain


def test_missing_theme_template_is_reported_with_path_and_line(tmp_path):
    site = site_with(tmp_path, {"templates/base.html": '{# ours #}\n{% extends "theme/nope.html" %}\n'})
    report, problems = build(site, expect_ok=False)
    assert not report.published
    found = [m for m in messages(problems) if "template not found: theme/nope.html" in m]
    assert found and all(m.startswith(str(site / "templates" / "base.html") + ":2:") for m in found), messages(problems)
    assert len(found) == 1  # one shared template, one problem
    assert not any("Traceback" in m for m in messages(problems))


def test_a_template_extending_itself_is_reported_not_a_crash(tmp_path):
    site = site_with(tmp_path, {"templates/base.html": '{% extends "base.html" %}\n'})
    report, problems = build(site, expect_ok=False)
    assert not report.published
    found = [m for m in messages(problems) if "extends, includes or imports itself" in m]
    assert found, messages(problems)
    assert all(m.startswith(str(site / "templates" / "base.html") + ":1:") for m in found)


def test_theme_prefix_skips_the_sites_own_templates(tmp_path):
    site = site_with(tmp_path, {"templates/base.html": "site's own\n"})
    env = environment(site, find_theme(site, "default"))
    assert env.get_template("base.html").filename == str(site / "templates" / "base.html")
    assert env.get_template("theme/base.html").filename == str(THEME / "templates" / "base.html")
    assert env.get_template("default/base.html").filename == str(THEME / "templates" / "base.html")


# --- macros -----------------------------------------------------------------------------------

OLD_SECTION = """{% extends "base.html" %}
{% block main %}
<header class="section-header">
  <h1>{{ section.name }}</h1>
  <p class="meta">{{ "{:,}".format(section.count) }} article{{ "" if section.count == 1 else "s" }}{% if paginator.count > 1 %} · page {{ paginator.number }} of {{ paginator.count }}{% endif %} · <a href="{{ section.feeds[0].url }}">RSS</a> · <a href="{{ section.feeds[1].url }}">Atom</a></p>
</header>
<div class="teasers">
{% for item in articles %}
{% set show_section = true %}{% set level = 3 %}
{% include "_teaser.html" %}
{% endfor %}
</div>
{% include "_pagination.html" %}
{% endblock %}
"""

NEW_SECTION = OLD_SECTION.replace('{% extends "base.html" %}\n',
                                  '{% extends "base.html" %}\n{% from "_macros.html" import teaser, pagination %}\n') \
    .replace('{% set show_section = true %}{% set level = 3 %}\n{% include "_teaser.html" %}\n',
             "{{ teaser(item, level=3, show_section=true) -}}\n") \
    .replace('{% include "_pagination.html" %}\n', "{{ pagination(paginator) -}}\n")


def test_old_includes_and_the_macros_render_the_same(tmp_path):
    """A site that still sets variables and includes _teaser.html / _pagination.html gets what the
    macros give, byte for byte (and the teasers do show what was set)."""
    old = site_with(tmp_path, {"templates/section.html": OLD_SECTION}, name="old")
    new = site_with(tmp_path, {"templates/section.html": NEW_SECTION}, name="new")
    build(old)
    build(new)
    for rel in ("world/index.html", "world/page/2/index.html"):
        assert page(old, rel) == page(new, rel)
    html = page(new, "world/index.html")
    assert '<h3 class="teaser-title"><a href="/news/world/storm/">Storm hits coast</a></h3>' in html
    assert '<a class="kicker" href="/news/world/">World</a> · <time' in html
    assert '<nav class="pagination" aria-label="Pages">' in html and 'rel="next">Older</a>' in html


def test_listing_header_macro(tmp_path):
    site = make_site(tmp_path)
    env = environment(site, find_theme(site, "default"))
    html = env.from_string('{% from "_macros.html" import listing_header %}'
                           '{% call listing_header("A & B", kicker=[("/x/", "X"), ("/y/", "<Y>")]) %}2 articles'
                           '{% endcall %}').render()
    assert html == ('<header class="section-header">\n'
                    '  <p class="kicker"><a href="/x/">X</a> › <a href="/y/">&lt;Y&gt;</a></p>\n'
                    '  <h1>A &amp; B</h1>\n  <p class="meta">2 articles</p>\n</header>\n')
    plain = env.from_string('{% from "_macros.html" import listing_header %}{{ listing_header("T") }}').render()
    assert plain == '<header class="section-header">\n  <h1>T</h1>\n</header>\n'


# --- static files: fingerprinted names, asset(), keys -----------------------------------------


def head_links(html: str) -> list[str]:
    return re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html)


def test_asset_urls_are_fingerprinted_and_respect_the_base_path(tmp_path):
    site = site_with(tmp_path)
    build(site)
    css = (THEME / "static" / "style.css").read_bytes()
    svg = (THEME / "static" / "favicon.svg").read_bytes()
    style, icon = f"style.{fingerprint(css)}.css", f"favicon.{fingerprint(svg)}.svg"
    assert head_links(page(site, "index.html")) == [f"/news/{style}", f"/news/{icon}"]
    public = site / "public"
    assert (public / style).read_bytes() == css and (public / "style.css").read_bytes() == css  # both names
    assert (public / icon).read_bytes() == svg
    assert not (public / f"404.{fingerprint((public / '404.html').read_bytes())}.html").exists()  # pages: no copy
    build(site, base_url="https://example.org/")
    assert head_links(page(site, "index.html")) == [f"/{style}", f"/{icon}"]


def test_unknown_asset_is_a_template_error_with_its_line(tmp_path):
    site = site_with(tmp_path, {"templates/base.html": '{% extends "theme/base.html" %}\n'
                                                        '{% block head %}\n<link href="{{ asset(\'nope.css\') }}">\n'
                                                        '{% endblock %}\n'})
    report, problems = build(site, expect_ok=False)
    assert not report.published
    found = [m for m in messages(problems) if "asset('nope.css'): no stylesheet, script, SVG" in m]
    assert found and all(m.startswith(str(site / "templates" / "base.html") + ":3:") for m in found), messages(problems)


def clean_copy(site: Path, tmp_path: Path) -> dict[str, bytes]:
    """The site built from scratch (--clean) in another folder: its published files."""
    other = tmp_path / "clean"
    shutil.copytree(site, other, ignore=shutil.ignore_patterns("public", ".ssg", ".public*"))
    build(other, clean=True)
    return site_files(other)


def test_stylesheet_edit_remakes_every_page_and_equals_a_clean_build(tmp_path):
    site = site_with(tmp_path, {"static/style.css": "body { color: black }\n"})
    build(site)
    old = "style.{}.css".format(fingerprint(b"body { color: black }\n"))
    assert (site / "public" / old).is_file()
    write(site / "static" / "style.css", "body { color: navy }\n")
    build(site)
    new = "style.{}.css".format(fingerprint(b"body { color: navy }\n"))
    files = site_files(site)
    assert new in files and old not in files  # the old fingerprinted file is gone
    pages = [rel for rel in files if rel.endswith(".html")]
    assert pages and all(f'href="/news/{new}"' in files[rel].decode() for rel in pages)
    assert files == clean_copy(site, tmp_path)  # byte for byte
    # An article edit after it (an edit-only build) keeps the new URL.
    write(site / "content" / "world" / "calm.md", ARTICLES["content/world/calm.md"].replace("Body.", "New body."))
    build(site)
    assert f'href="/news/{new}"' in page(site, "world/calm/index.html")
    problems = Problems()
    report = check_site(site, problems)
    assert not problems.items and report.errors == 0, messages(problems)
    assert report.links > 0


def test_search_page_only_loads_search_js(tmp_path):
    site = site_with(tmp_path)
    build(site)
    public = site / "public"
    js = (THEME / "static" / "search.js").read_bytes()
    script = f"search.{fingerprint(js)}.js"
    assert (public / script).read_bytes() == js
    if (public / "search" / "index.html").is_file():  # (search on: Pagefind installed)
        html = page(site, "search/index.html")
        assert f'<script type="module" src="/news/{script}"></script>' in html
        assert "<script type=\"module\">" not in html  # no inline script left
    assert "<script" not in page(site, "world/storm/index.html").split("</main>")[1]


def test_a_static_file_without_fingerprint_changes_no_page(tmp_path):
    """Only the fingerprinted names are in the global key: a new robots-like file makes no page."""
    site = site_with(tmp_path)
    build(site)
    write(site / "static" / "notes.txt", "hello\n")
    report, _ = build(site)
    assert report.rendered == 1 and (site / "public" / "notes.txt").read_text() == "hello\n"  # (made: that file only)
    write(site / "static" / "extra.css", "p { margin: 0 }\n")
    report, _ = build(site)
    assert report.rendered > 0  # a new asset() name: every page's key changed
    assert site_files(site) == clean_copy(site, tmp_path)

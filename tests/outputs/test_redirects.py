"""URLs that never break (ssg/outputs/redirects.py): `url:`, `aliases:`, the published-URLs
file, redirect and gone pages, `_redirects`, and `ssg check` on URLs that resolve to nothing."""

from __future__ import annotations

import re

import pytest

from sitekit import Server, article, build, make_site, write
from ssg.check import check_site
from ssg.problems import Problems

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')
CANONICAL = re.compile(r'<link rel="canonical" href="([^"]+)">')


def redirect_of(public, rel: str) -> tuple[str, str]:
    """(refresh URL, canonical URL) of a redirect page; the page also links its target."""
    html = (public / rel).read_text(encoding="utf-8")
    to, canonical = REFRESH.search(html).group(1), CANONICAL.search(html).group(1)
    assert f'<a href="{to}">' in html and 'name="robots" content="noindex"' in html
    return to, canonical


def checked(site) -> list[str]:
    problems = Problems()
    check_site(site, problems)
    return [str(p) for p in problems.errors]


@pytest.fixture
def site(tmp_path):
    return make_site(tmp_path, {
        "content/world/a.md": article("Storm hits", "2024-05-01T10:00:00+00:00", "World", slug="storm"),
        "content/world/b.md": article("Talks resume", "2024-05-02T10:00:00+00:00", "World", slug="talks"),
    })


def registry(site) -> list[str]:
    return [ln for ln in (site / "published-urls.txt").read_text().splitlines() if not ln.startswith("#")]


def test_a_build_records_the_urls_it_published_and_a_changed_slug_redirects(site):
    build(site, record_urls=True)
    assert registry(site) == ["/world/storm/ content/world/a.md", "/world/talks/ content/world/b.md"]
    text = (site / "content/world/a.md").read_text().replace("slug: storm", "slug: storm-hits-the-coast")
    write(site / "content/world/a.md", text)
    build(site, record_urls=True)
    public = site / "public"
    assert (public / "world/storm-hits-the-coast/index.html").is_file()
    assert redirect_of(public, "world/storm/index.html") == (
        "/news/world/storm-hits-the-coast/", "https://example.org/news/world/storm-hits-the-coast/")
    assert (public / "_redirects").read_text().splitlines()[1:] == ["/news/world/storm/ /news/world/storm-hits-the-coast/ 301"]
    # Both URLs are remembered; a third slug redirects both old ones straight to the new page.
    assert "/world/storm-hits-the-coast/ content/world/a.md" in registry(site)
    write(site / "content/world/a.md", text.replace("storm-hits-the-coast", "storm-3"))
    build(site, record_urls=True)
    assert redirect_of(public, "world/storm/index.html")[0] == "/news/world/storm-3/"
    assert redirect_of(public, "world/storm-hits-the-coast/index.html")[0] == "/news/world/storm-3/"
    assert checked(site) == []


def test_a_changed_section_or_permalink_pattern_redirects_too(site):
    build(site, record_urls=True)
    write(site / "site.toml", (site / "site.toml").read_text() + '\n[permalinks]\narticle = "/{section}/story/{slug}/"\n')
    build(site, record_urls=True)
    assert redirect_of(site / "public", "world/storm/index.html")[0] == "/news/world/story/storm/"
    assert checked(site) == []


def test_builds_that_do_not_publish_record_nothing(site):
    build(site)  # (the default of build_site; `ssg build` records, but not with --drafts, --future or --at)
    assert not (site / "published-urls.txt").exists()


def test_url_gives_an_article_the_path_of_a_migrated_archive(site):
    write(site / "content/world/c.md", article("Old one", "2019-03-12T10:00:00+00:00", "World",
                                               extra="url: /2019/03/12/story.html"))
    write(site / "content/world/d.md", article("Older", "2019-03-11T10:00:00+00:00", "World", extra="url: /news/world-123"))
    build(site, record_urls=True)
    public = site / "public"
    assert "<h1" in (public / "2019/03/12/story.html").read_text() and (public / "news/world-123/index.html").is_file()
    assert 'href="/news/2019/03/12/story.html"' in (public / "world/index.html").read_text() + \
        (public / "world/page/2/index.html").read_text()
    assert "/2019/03/12/story.html content/world/c.md" in registry(site)
    assert checked(site) == []


@pytest.mark.parametrize("value, why", [
    ("2019/story.html", "a site path starts with /"),
    ("/a/../../etc/passwd", '".."'),
    ("/a//b/", 'segment "": empty'),
    ("/a b/", "only letters, digits"),
    ("/", "the home page"),
    ("[1, 2]", "expected a site path"),
])
def test_an_unsafe_url_is_refused_with_its_line(site, value, why):
    write(site / "content/world/c.md", article("Bad", "2024-05-03T10:00:00+00:00", "World", extra=f"url: {value}"))
    report, problems = build(site, expect_ok=False)
    assert not report.published
    [p] = problems.errors
    assert str(p).startswith("content/world/c.md:5: url: ") and why in str(p), str(p)


def test_two_articles_on_one_url_clash(site):
    write(site / "content/world/c.md", article("Clash", "2024-05-03T10:00:00+00:00", "World", extra="url: /world/storm/"))
    report, problems = build(site, expect_ok=False)
    assert not report.published and any("world/storm/index.html" in str(p) for p in problems.errors), problems.items


def test_aliases_redirect_and_may_not_take_a_page(site):
    write(site / "content/world/c.md", article("Moved in", "2024-05-03T10:00:00+00:00", "World", slug="moved",
                                               extra="aliases: [/old/moved/, /2020/01/01/moved.html]"))
    build(site, record_urls=True)
    public = site / "public"
    assert redirect_of(public, "old/moved/index.html")[0] == "/news/world/moved/"
    assert redirect_of(public, "2020/01/01/moved.html")[0] == "/news/world/moved/"
    assert not any(line.startswith("/old/") for line in registry(site))  # aliases live in front matter
    write(site / "content/world/c.md", article("Moved in", "2024-05-03T10:00:00+00:00", "World", slug="moved",
                                               extra="aliases: [/world/talks/]"))
    report, problems = build(site, expect_ok=False)
    assert [str(p) for p in problems.errors] == [
        "content/world/c.md: aliases: /world/talks/ is already a page of this site: an alias must be an old URL "
        "that nothing else publishes"]


def test_a_deleted_story_fails_the_check_until_it_is_marked_gone(site):
    build(site, record_urls=True)
    (site / "content/world/b.md").unlink()
    report, problems = build(site, record_urls=True)
    [warning] = [str(p) for p in problems.items if p.severity == "warning"]
    assert warning.startswith("published-urls.txt:7: /world/talks/ was content/world/b.md, which is no "
                              "longer published")
    [error] = checked(site)
    assert error.startswith("published-urls.txt:7: /world/talks/ (content/world/b.md) resolves to nothing")
    write(site / "published-urls.txt", (site / "published-urls.txt").read_text().replace(
        "/world/talks/ content/world/b.md", "/world/talks/ gone"))
    report, problems = build(site, record_urls=True)
    assert not report.nothing_changed  # (a hand edit of the file is an input change)
    html = (site / "public/world/talks/index.html").read_text()
    assert "This story was removed" in html and "Talks resume" not in html and 'content="noindex"' in html
    assert checked(site) == []
    # A redirect by hand, to a page of the site or elsewhere.
    write(site / "published-urls.txt", (site / "published-urls.txt").read_text().replace(
        "/world/talks/ gone", "/world/talks/ -> https://elsewhere.example/talks"))
    build(site, record_urls=True)
    assert redirect_of(site / "public", "world/talks/index.html") == ("https://elsewhere.example/talks",) * 2


def test_a_bad_line_in_the_published_urls_file_is_an_error_with_its_line(site):
    write(site / "published-urls.txt", "# comment\n/world/x/ content/world/x.md\n/world/y/ maybe\nnot-a-path gone\n"
                                        "/world/x/ gone\n")
    report, problems = build(site, expect_ok=False)
    assert [str(p) for p in problems.errors] == [
        'published-urls.txt:3: /world/y/: expected a content file (content/…/x.md), gone, or -> a URL; got "maybe"',
        'published-urls.txt:4: "not-a-path" is not a site path: a site path starts with /',
        "published-urls.txt:5: /world/x/ is listed twice (line 2 too)",
    ]


def test_the_preview_server_serves_redirect_and_gone_pages(site):
    write(site / "published-urls.txt", "/world/old-storm/ content/world/a.md\n/world/removed/ gone\n")
    server = Server(site)
    try:
        status, _, body = server.get(f"{server.base}world/old-storm/")
        assert status == 200 and f'<meta http-equiv="refresh" content="0; url={server.base}world/storm/">'.encode() in body
        status, _, body = server.get(f"{server.base}world/removed/")
        assert status == 200 and b"This story was removed" in body
    finally:
        server.stop()

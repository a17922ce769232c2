"""`ssg check`: the built site checked offline. It passes the golden site at the root and under
a subpath, and catches each kind of breakage with a message naming the page and the target."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from sitekit import build, copy_golden, import_and_build
from ssg.check import PER_TARGET, check_output, check_site
from ssg.config import load_config
from ssg.problems import Problems

BASE = "https://example.org/news/"


def problems_of(root: Path, base_url: str | None = BASE, label: str = "public") -> list[str]:
    problems = Problems()
    check_output(root, base_url, problems, label)
    return [str(p) for p in problems.items]


# -- the golden site --------------------------------------------------------------------------
def test_the_golden_site_passes_under_its_subpath_and_at_the_root(tmp_path):
    site = copy_golden(tmp_path)
    import_and_build(site)
    problems = Problems()
    report = check_site(site, problems)
    assert not problems.items, [str(p) for p in problems.items]
    assert report.pages == 33 and report.xml >= 10 and report.links > 500 and report.errors == 0
    # The same site built for the root of its host.
    build(site, base_url="https://example.org/")
    problems = Problems()
    check_site(site, problems, base_url="https://example.org/")
    assert not problems.items, [str(p) for p in problems.items]
    # Checked against the wrong base URL, every link is broken: the check does look.
    assert any("outside the site's base path /news/" in p for p in problems_of(site / "public", BASE))


# -- each kind of breakage --------------------------------------------------------------------
def html(*body: str, head: str = "", canonical: str | None = None) -> str:
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return "\n".join(['<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">', '<title>t</title>',
                      canon, head, '</head>', '<body>', *body, '</body>', '</html>', ''])


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<title>T</title>
<link>https://example.org/news/</link>
<description>d</description>
<atom:link href="https://example.org/news/feed.xml" rel="self"/>
<item><title>A</title><link>https://example.org/news/a/</link><guid>https://example.org/news/a/</guid>
<description>&lt;p&gt;See &lt;a href="https://example.org/news/a/#sec"&gt;this&lt;/a&gt; and &lt;a href="mailto:x@example.org"&gt;mail&lt;/a&gt;&lt;/p&gt;</description></item>
</channel></rss>
"""
ATOM = """<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>https://example.org/news/</id><title>T</title>
<updated>2024-01-01T00:00:00Z</updated><link href="https://example.org/news/" rel="alternate"/>
<link href="https://example.org/news/atom.xml" rel="self"/>
<entry><id>urn:uuid:1b4e28ba-2fa1-11d2-883f-0016d3cca427</id><title>A</title><updated>2024-01-01T00:00:00Z</updated>
<link href="https://example.org/news/a/"/><content type="html">&lt;img src="https://example.org/news/img/x.png"&gt;</content></entry>
</feed>
"""
SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>https://example.org/news/</loc></url>
<url><loc>https://example.org/news/a/</loc></url>
</urlset>
"""


def good_site(root: Path) -> Path:
    """A small built site using every kind of reference the check follows, all of them good."""
    files = {
        "index.html": html(
            '<a href="/news/a/">a</a>',  # line 12: root-relative
            '<a href="a/#sec">section</a>',  # relative, with a fragment
            '<a href="https://example.org/news/a/">absolute on our host</a>',
            '<a href="/news/a">a folder without its slash: the host redirects</a>',
            '<a href="#top">top</a> <a href="#main">main</a> <a href="">this page</a> <a href="?q=1">query</a>',
            '<a href="https://other.example/x/">external</a> <a href="mailto:x@example.org">mail</a>',
            '<a href="tel:+441234">tel</a> <a href="javascript:void(0)">js</a>',
            '<img src="/news/img/x.png" srcset="img/x.png 1x, /news/img/x.png 2x" alt="">',
            '<main id="main"><form action="/news/search/" method="get"><input name="q"></form></main>',
            '<a href="/news/caf%C3%A9/">encoded</a>',
            head='<link rel="stylesheet" href="/news/style.css">\n<link rel="preconnect" href="https://cdn.example/">'
                 '\n<meta property="og:image" content="https://example.org/news/img/x.png">',
            canonical="https://example.org/news/"),
        "a/index.html": html('<h2 id="sec">Section</h2>', '<a href="../">home</a> <a name="old">old anchor</a>',
                             '<a href="../index.html#main">main</a>', canonical="https://example.org/news/a/"),
        "search/index.html": html("<p>search</p>", canonical="https://example.org/news/search/"),
        "café/index.html": html("<p>encoded path</p>", canonical="https://example.org/news/caf%C3%A9/"),
        "style.css": "/* url(nothing.png) in a comment */\nbody { background: url(img/x.png); }\n"
                     "@import 'print.css';\n.a { background: url(\"data:image/png;base64,AAAA\"); }\n",
        "print.css": "",
        "img/x.png": "png",
        "feed.xml": RSS,
        "atom.xml": ATOM,
        "sitemap.xml": SITEMAP,
        "robots.txt": "User-agent: *\nAllow: /\n\nSitemap: https://example.org/news/sitemap.xml\n",
    }
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def replace(rel: str, old: str, new: str):
    def change(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return change


def remove(rel: str):
    return lambda root: (root / rel).unlink()


BREAKAGES = [
    ("missing page", remove("a/index.html"), [
        "public/index.html:12: broken link /news/a/ (no public/a/index.html)",
        "public/index.html:13: broken link a/#sec (no public/a/index.html)",
        "public/index.html:14: broken link https://example.org/news/a/ (no public/a/index.html)",
        "public/index.html:15: broken link /news/a (no public/a)",
        "public/atom.xml: broken feed <link> https://example.org/news/a/ (no public/a/index.html)",
        "public/feed.xml: broken feed <link> https://example.org/news/a/ (no public/a/index.html)",
        "public/feed.xml: broken feed <guid> https://example.org/news/a/ (no public/a/index.html)",
        "public/feed.xml: broken URL in feed content https://example.org/news/a/#sec (no public/a/index.html)",
        "public/sitemap.xml: broken sitemap URL https://example.org/news/a/ (no public/a/index.html)"]),
    ("relative link", replace("a/index.html", 'href="../"', 'href="../nowhere/"'), [
        "public/a/index.html:11: broken link ../nowhere/ (no public/nowhere/index.html)"]),
    ("stylesheet", remove("style.css"), [
        "public/index.html:7: broken stylesheet /news/style.css (no public/style.css)"]),
    ("image and srcset", remove("img/x.png"), [
        "public/index.html:9: broken og:image URL https://example.org/news/img/x.png (no public/img/x.png)",
        "public/index.html:19: broken image /news/img/x.png (no public/img/x.png)",
        "public/index.html:19: broken image img/x.png (no public/img/x.png)",
        "public/style.css:2: broken stylesheet URL img/x.png (no public/img/x.png)",
        "public/atom.xml: broken URL in feed content https://example.org/news/img/x.png (no public/img/x.png)"]),
    ("css import", remove("print.css"), ["public/style.css:3: broken stylesheet URL print.css (no public/print.css)"]),
    ("fragment in another page", replace("a/index.html", 'id="sec"', 'id="section"'), [
        'public/index.html:13: broken fragment a/#sec (no id "sec" in public/a/index.html)',
        'public/feed.xml: broken fragment https://example.org/news/a/#sec (no id "sec" in public/a/index.html)']),
    ("fragment in the same page", replace("index.html", 'href="#main"', 'href="#mian"'), [
        'public/index.html:16: broken fragment #mian (no id "mian" in public/index.html)']),
    ("outside the base path", replace("index.html", 'href="/news/a/"', 'href="/a/"'), [
        "public/index.html:12: broken link /a/ (outside the site's base path /news/)"]),
    ("form action", remove("search/index.html"), [
        "public/index.html:20: broken form action /news/search/ (no public/search/index.html)"]),
    ("percent-encoded path", remove("café/index.html"), [
        "public/index.html:21: broken link /news/caf%C3%A9/ (no public/café/index.html)"]),
    ("duplicate canonical", replace("a/index.html", "https://example.org/news/a/", "https://example.org/news/"), [
        "public/a/index.html:6: canonical https://example.org/news/ is also the canonical of public/index.html"]),
    ("relative canonical", replace("a/index.html", 'href="https://example.org/news/a/"', 'href="/news/a/"'), [
        "public/a/index.html:6: canonical URL is not absolute: /news/a/"]),
    ("feed not well-formed", replace("feed.xml", "<title>T</title>", "<title>T & U</title>"), [
        "public/feed.xml:3: not well-formed XML: not well-formed (invalid token)"]),
    ("feed relative link", replace("feed.xml", "<link>https://example.org/news/a/</link>", "<link>/news/a/</link>"), [
        "public/feed.xml: feed <link> is not an absolute http(s) URL: '/news/a/'"]),
    ("feed content relative", replace("feed.xml", "https://example.org/news/a/#sec", "/news/a/#sec"), [
        "public/feed.xml: URL in feed content is not an absolute http(s) URL: '/news/a/#sec'"]),
    ("atom id", replace("atom.xml", "<id>https://example.org/news/</id>", "<id>/news/</id>"), [
        "public/atom.xml: feed <id> is not an absolute IRI: '/news/'"]),
    ("atom self link", replace("atom.xml", 'href="https://example.org/news/atom.xml"', 'href="atom.xml"'), [
        "public/atom.xml: feed <link> is not an absolute http(s) URL: 'atom.xml'"]),
    ("sitemap relative", replace("sitemap.xml", "<loc>https://example.org/news/a/</loc>", "<loc>a/</loc>"), [
        "public/sitemap.xml: sitemap URL is not an absolute http(s) URL: 'a/'"]),
    ("sitemap missing page", replace("sitemap.xml", "news/a/</loc>", "news/b/</loc>"), [
        "public/sitemap.xml: broken sitemap URL https://example.org/news/b/ (no public/b/index.html)"]),
    ("robots sitemap", replace("robots.txt", "Sitemap: https://example.org/news/sitemap.xml", "Sitemap: /sitemap.xml"), [
        "public/robots.txt:4: Sitemap is not an absolute http(s) URL: '/sitemap.xml'"]),
    ("robots sitemap missing", remove("sitemap.xml"), [
        "public/robots.txt:4: broken sitemap https://example.org/news/sitemap.xml (no public/sitemap.xml)"]),
]


def test_the_good_site_passes(tmp_path):
    root = good_site(tmp_path / "public")
    assert problems_of(root) == []


@pytest.mark.parametrize("name, change, expected", BREAKAGES, ids=[b[0] for b in BREAKAGES])
def test_each_kind_of_breakage_is_caught(tmp_path, name, change, expected):
    root = good_site(tmp_path / "public")
    change(root)
    assert problems_of(root) == expected


def test_a_page_that_is_not_utf8_is_reported_and_still_checked(tmp_path):
    root = good_site(tmp_path / "public")
    (root / "bad.html").write_bytes(b"<p>caf\xe9</p>\n<a href='/news/gone/'>x</a>\n")
    assert problems_of(root) == ["public/bad.html:1: not valid UTF-8",
                                 "public/bad.html:2: broken link /news/gone/ (no public/gone/index.html)"]


def test_a_target_broken_on_many_pages_is_named_on_the_first_few(tmp_path):
    root = good_site(tmp_path / "public")
    for i in range(PER_TARGET + 5):
        (root / f"p{i:02d}.html").write_text(html('<a href="/news/gone/">x</a>', '<a href="/news/gone/">again</a>'))
    found = problems_of(root)
    assert len(found) == PER_TARGET + 1
    assert found[0] == "public/p00.html:10: broken link /news/gone/ (no public/gone/index.html)"
    assert found[-1] == "public: broken link /news/gone/ (no public/gone/index.html) on 5 more files, not listed"


def test_base_href_is_honoured(tmp_path):
    root = good_site(tmp_path / "public")
    (root / "deep").mkdir()
    (root / "deep" / "page.html").write_text(html('<a href="a/">a</a>', head='<base href="/news/">'))
    (root / "deep" / "ext.html").write_text(html('<a href="nope/">x</a>', head='<base href="https://cdn.example/">'))
    assert problems_of(root) == []


@pytest.mark.slow
def test_a_large_site_is_checked_in_seconds(tmp_path):
    """3,000 pages of 61 links each (the BBC archive has 2,455 pages)."""
    root = tmp_path / "public"
    n = 3000
    for i in range(n):
        links = [f'<li><a href="/news/p/{(i * 7 + k) % n}/">story {k}</a></li>' for k in range(50)]
        links += [f'<a href="../{(i + 1) % n}/#s{k}">next</a>' for k in range(10)]
        body = [f'<h2 id="s{k}">s</h2>' for k in range(10)] + links
        page = root / "p" / str(i) / "index.html"
        page.parent.mkdir(parents=True)
        page.write_text(html(*body, head='<link rel="stylesheet" href="/news/style.css">',
                             canonical=f"https://example.org/news/p/{i}/"))
    (root / "style.css").write_text("")
    started = time.perf_counter()
    problems = Problems()
    report = check_output(root, BASE, problems, "public")
    took = time.perf_counter() - started
    assert not problems.items and report.pages == n and report.links == n * 62  # and the canonical
    assert took < 20, f"{took:.1f} s"  # about 2 s on 2 cores; generous for a shared machine


# -- the command line -------------------------------------------------------------------------
def test_cli_check(run_cli, tmp_path):
    site = copy_golden(tmp_path)
    import_and_build(site)
    result = run_cli(site, "check")
    assert result.code == 0 and result.err == ""
    assert result.out.startswith("checked 33 pages, ") and ": no problems (" in result.out
    page404 = (site / "public" / "404.html").read_text().splitlines()
    line, css = next((n, m.group(1)) for n, text in enumerate(page404, 1)
                     if (m := re.search(r'<link rel="stylesheet" href="/news/(style\.[0-9a-f]{10}\.css)">', text)))
    (site / "public" / css).unlink()  # the fingerprinted stylesheet every page links
    result = run_cli(site, "check")
    assert result.code == 1
    errors = result.err.splitlines()
    assert errors[0] == f"public/404.html:{line}: broken stylesheet /news/{css} (no public/{css})"
    assert errors[-1].startswith(f"public: broken stylesheet /news/{css} (no public/{css}) on ")
    assert "problems (" in result.out
    # --dir: any folder; the base URL is the home page's canonical unless given.
    result = run_cli(tmp_path, "check", "--dir", site / "public")
    assert result.code == 1 and f"{site / 'public'}/404.html:{line}: broken stylesheet" in result.err
    (site / "public" / css).write_text("")
    result = run_cli(tmp_path, "check", "--dir", site / "public")
    assert result.code == 0, result.err
    result = run_cli(tmp_path, "check", "--dir", site / "public", "--base-url", "https://example.org/")
    assert result.code == 1 and "outside the site's base path /" not in result.err  # (root: nothing is outside)
    assert "broken link /news/world/ (no " in result.err
    result = run_cli(tmp_path, "check", "--dir", tmp_path / "missing")
    assert result.code == 1 and result.err.endswith("missing: no built site here (run `ssg build` first)\n")
    assert load_config(site).output_dir == "public"
    result = run_cli(site, "check", "--base-url", "example.org")
    assert result.code == 1 and result.err == "--base-url: must start with http:// or https://, got 'example.org'\n"


@pytest.mark.parametrize("moment", ["killed", "running"])
def test_check_reads_one_whole_version_of_the_site(tmp_path, run_cli, moment):
    """A build killed in the middle of its commit leaves old and new pages side by side (links
    from new pages to a page not yet moved into place). `ssg check` finishes that commit first,
    as the next build would; while a build commits, it waits for it."""
    import shutil
    import signal
    import threading

    from sitekit import finish, instrumented_build, site_files

    site = copy_golden(tmp_path)
    import_and_build(site)
    reference = tmp_path / "reference"
    shutil.copytree(site, reference, symlinks=True)
    for folder in (site, reference):  # a new story, linked from every section page and the home page
        (folder / "content/business/new.md").write_text(
            "---\ntitle: Brand new\ndate: 2024-05-30T10:00:00+00:00\nsection: Business\nslug: brand-new\n---\n\nNew.\n")
    build(reference)
    new = site_files(reference)
    if moment == "killed":
        code, _ = finish(instrumented_build(site, "-j", "1", crash_at="commit:2:after"))
        assert code == -signal.SIGKILL and (site / ".public.journal").exists() and site_files(site) != new
        result = run_cli(site, "check")
    else:
        go = tmp_path / "go"
        proc = instrumented_build(site, "-j", "1", PAUSE_AT="commit:2", PAUSE_FILE=str(go))
        try:
            deadline = time.monotonic() + 60
            while not (tmp_path / "go.paused").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert site_files(site) != new
            done = {}
            checker = threading.Thread(target=lambda: done.update(result=check_site(site, Problems())))
            checker.start()
            time.sleep(1.0)
            assert checker.is_alive() and not done  # waits for the build
            go.touch()
            checker.join(60)
            assert done["result"].errors == 0
        finally:
            go.touch()
            assert finish(proc)[0] == 0
        result = run_cli(site, "check")
    assert result.code == 0 and "no problems" in result.out, result.err
    assert site_files(site) == new and not (site / ".public.journal").exists()

"""Search: the Pagefind index and the search page, the search box, re-use of the index, search
off where Pagefind is missing or `[search] enabled = false`, and a real search in Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from sitekit import article, build, links, make_site, page, serving, tree, validators_home

from ssg import cli
from ssg.outputs import search

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HAS_PAGEFIND = search.find_indexer()[0] is not None
needs_pagefind = pytest.mark.skipif(not HAS_PAGEFIND, reason="Pagefind (pagefind-bin, a dependency of ssg) is not installed")

FILES = {
    "content/world/storm.md": article("Storm <script>x</script> & co hits coast", "2024-01-02T08:00:00+00:00", "World",
                                      "The zebrafish migration was huge: &lt;b&gt; means <b>.\n\nA second paragraph about tides.", slug="storm"),
    "content/business/markets.md": article("Markets rally", "2024-01-03T08:00:00+00:00", "Business",
                                           "Shares rose as the kumquat index climbed.", slug="markets"),
    "content/business/older.md": article("Older story", "2023-05-03T08:00:00+00:00", "Business",
                                         "Nothing about the fish here.", slug="older"),
}


def site_with(tmp_path: Path, extra_toml: str = "", files: dict[str, str] | None = None) -> Path:
    toml = ('title = "Test News"\ndescription = "A test archive."\nbase_url = "https://example.org/news/"\n'
            'timezone = "UTC"\npage_size = 2\n' + extra_toml)
    return make_site(tmp_path, FILES if files is None else files, toml=toml)


def index_files(site: Path) -> dict[str, bytes]:
    root = site / "public" / "pagefind"
    return tree(root) if root.is_dir() else {}


def entry(site: Path) -> dict:
    return json.loads(page(site, "pagefind/pagefind-entry.json"))


def fragments(site: Path) -> list[dict]:
    import gzip

    out = []
    for p in sorted((site / "public" / "pagefind" / "fragment").iterdir()):
        data = gzip.decompress(p.read_bytes())
        assert data.startswith(b"pagefind_dcd")
        out.append(json.loads(data[len(b"pagefind_dcd"):]))
    return out


def search_box(html: str) -> list[dict[str, str]]:
    """The masthead search forms of a page, as their action URLs."""
    return [dict(action=m.group(1)) for m in re.finditer(r'<form class="site-search" role="search" action="([^"]*)"', html)]


@pytest.fixture
def no_pagefind(monkeypatch):
    monkeypatch.setattr(search, "find_executable", lambda: None)


# --- with Pagefind ------------------------------------------------------------------------


@needs_pagefind
def test_builds_index_chunks_and_search_page(tmp_path):
    site = site_with(tmp_path)
    report, problems = build(site)
    assert not problems.items, [str(p) for p in problems.items]
    files = index_files(site)
    assert "pagefind.js" in files and "pagefind-entry.json" in files
    assert any(re.fullmatch(r"index/[^/]+\.pf_index", f) for f in files)
    assert any(re.fullmatch(r"fragment/[^/]+\.pf_fragment", f) for f in files)
    assert any(re.fullmatch(r"wasm\.[a-z]+\.pagefind", f) for f in files)
    # Only the article pages are indexed, with title, date and section taken from the page.
    assert sum(lang["page_count"] for lang in entry(site)["languages"].values()) == 3
    by_url = {f["url"]: f for f in fragments(site)}
    assert set(by_url) == {"/world/storm/", "/business/markets/", "/business/older/"}
    storm = by_url["/world/storm/"]
    assert storm["meta"]["title"] == "Storm <script>x</script> & co hits coast"
    assert storm["meta"]["date"] == "2 January 2024"
    assert storm["meta"]["section"] == "World"
    # No filters: Pagefind 1.5 writes filter values in hash order, so its output would vary.
    assert storm["filters"] == {} and not (site / "public" / "pagefind" / "filter").exists()
    assert "zebrafish migration" in storm["content"]
    assert "min read" not in storm["content"]  # the meta line is not searchable text
    # The search page exists, is not in the sitemap, and every page but it has the search box.
    assert (site / "public" / "search" / "index.html").is_file()
    assert "/search/" not in page(site, "sitemap.xml")
    for rel in ("index.html", "world/storm/index.html", "business/index.html", "404.html"):
        assert search_box(page(site, rel)) == [{"action": "/news/search/"}], rel
    assert search_box(page(site, "search/index.html")) == []  # it has its own form
    assert 'class="page-search"' in page(site, "search/index.html")  # page.kind == "search"


@needs_pagefind
def test_search_box_is_a_labelled_form_that_works_without_javascript(tmp_path):
    site = site_with(tmp_path)
    build(site)
    html = page(site, "world/storm/index.html")
    form = re.search(r'<form class="site-search".*?</form>', html, re.S).group(0)
    assert 'method="get"' in form
    assert re.search(r'<label[^>]*for="site-search-q"[^>]*>Search the archive</label>', form)
    assert re.search(r'<input type="search" id="site-search-q" name="q"', form)
    assert "<button" in form


@pytest.mark.parametrize("base_url, base", [("https://example.org/news/", "/news/"), ("https://example.org/", "/")])
@needs_pagefind
def test_search_page_has_labelled_input_and_works_under_subpath(tmp_path, base_url, base):
    site = site_with(tmp_path)
    build(site, base_url=base_url)
    html = page(site, "search/index.html")
    form = re.search(r'<form id="search-form"[^>]*>', html).group(0)
    assert f'action="{base}search/"' in form
    assert f'data-pagefind="{base}pagefind/pagefind.js"' in form
    assert f'data-base="{base}"' in form
    assert re.search(r'<label for="search-q">[^<]+</label>', html) and 'id="search-q" name="q"' in html
    assert re.search(r'<label for="search-sort">[^<]+</label>', html)
    assert 'role="status"' in html
    assert '<meta name="robots" content="noindex">' in html
    # No request to any other host: every script and stylesheet is the site's own.
    for tag, attr, url in links(html).urls:
        if tag in ("script", "link") and not (tag == "link" and url.startswith("https://example.org/")):
            assert url.startswith(base), (tag, attr, url)
    script = re.search(r'<script type="module" src="([^"]+)"></script>', html).group(1)  # the theme's search.js
    assert script.startswith(base) and "http" not in (site / "public" / script[len(base):]).read_text(encoding="utf-8")
    assert (site / "public" / "pagefind" / "pagefind.js").is_file()


@needs_pagefind
def test_index_is_reused_when_no_indexed_page_changed(tmp_path, monkeypatch):
    site = site_with(tmp_path)
    build(site)
    before = {rel: (site / "public" / "pagefind" / rel).stat().st_ino for rel in index_files(site)}
    runs = []
    real = search.build_index
    monkeypatch.setattr(search, "build_index", lambda *a, **k: runs.append(1) or real(*a, **k))

    # A static file changes: no article page changes, so the index is kept as it is (same files).
    (site / "static").mkdir()
    (site / "static" / "extra.txt").write_text("hello\n")
    report, _ = build(site)
    assert report.published and runs == []
    assert {rel: (site / "public" / "pagefind" / rel).stat().st_ino for rel in index_files(site)} == before

    # An article changes: the index is rebuilt, with the new word, and the stale chunks are gone.
    old = index_files(site)
    path = site / "content" / "business" / "markets.md"
    path.write_text(path.read_text().replace("kumquat", "persimmon"))
    build(site)
    assert runs == [1]
    new = index_files(site)
    assert new != old
    assert any("persimmon" in f["content"] for f in fragments(site))
    assert not any("kumquat" in f["content"] for f in fragments(site))
    # Exactly the files of a clean build of the same input: nothing stale is left.
    clean = site_with(tmp_path / "clean")
    (clean / "content" / "business" / "markets.md").write_text(path.read_text())
    (clean / "static").mkdir()
    (clean / "static" / "extra.txt").write_text("hello\n")
    build(clean)
    assert new == index_files(clean)
    assert tree(site / "public") == tree(clean / "public")


@needs_pagefind
def test_index_is_deterministic(tmp_path):
    a, b = site_with(tmp_path / "a"), site_with(tmp_path / "b")
    build(a)
    build(b, jobs=2)
    assert index_files(a) == index_files(b) and index_files(a)
    assert tree(a / "public") == tree(b / "public")


@needs_pagefind
def test_deleting_every_article_removes_search(tmp_path):
    site = site_with(tmp_path)
    build(site)
    assert index_files(site)
    for p in (site / "content").rglob("*.md"):
        p.unlink()
    _, problems = build(site)
    assert not problems.items
    assert not (site / "public" / "pagefind").exists() and not (site / "public" / "search").exists()
    assert search_box(page(site, "index.html")) == []


@needs_pagefind
def test_theme_without_search_template_builds_without_search(tmp_path):
    site = site_with(tmp_path)
    theme = site / "themes" / "plain"
    builtin = Path(search.__file__).resolve().parents[2] / "themes" / "default"
    shutil.copytree(builtin, theme)
    (theme / "templates" / "search.html").unlink()
    (theme / "theme.toml").write_text('name = "plain"\n')
    (site / "site.toml").write_text('theme = "plain"\n' + (site / "site.toml").read_text())
    _, problems = build(site)
    assert [str(p) for p in problems.warnings] == ["search: the theme has no search.html template; the site is built without search"]
    assert not (site / "public" / "pagefind").exists() and not (site / "public" / "search").exists()


@needs_pagefind
def test_pagefind_failure_keeps_the_previous_site(tmp_path, monkeypatch):
    site = site_with(tmp_path)
    build(site)
    before = tree(site / "public")
    real = search.find_indexer

    def broken():
        indexer, why = real()
        return search.Indexer("/bin/false", indexer.version), why

    monkeypatch.setattr(search, "find_indexer", broken)
    path = site / "content" / "world" / "storm.md"
    path.write_text(path.read_text().replace("zebrafish", "axolotl"))
    report, problems = build(site, expect_ok=False)
    assert not report.published
    assert [p.path for p in problems.errors] == ["search"] and "Pagefind failed" in problems.errors[0].message
    assert tree(site / "public") == before
    assert not [p for p in site.iterdir() if p.name.startswith(".public.")]


# --- an index in parts ---------------------------------------------------------------------


def test_partition_cuts_depend_on_the_articles_alone(monkeypatch):
    # Parts of 30 articles on average (weight 100 each), as in production: 3,000.
    for name, value in {"PART_MIN": 2000, "PART_MAX": 4500, "PART_CUT": 30, "PAGE_WORDS": 0}.items():
        monkeypatch.setattr(search, name, value)
    arts = [(f"/s/a{i:04d}/", 100) for i in range(600)]
    parts = search.partition(arts)
    assert [path for part in parts for path in part.paths] == [path for path, _ in arts]  # each once, in order
    assert parts[0].folder == "" and all(re.fullmatch(r"part-[0-9a-f]{10}/", p.folder) for p in parts[1:])
    assert len({p.folder for p in parts}) == len(parts) > 10
    assert all(20 <= len(p.paths) <= 46 for p in parts[:-1]) and len(parts[-1].paths) <= 46
    assert search.partition(list(arts)) == parts
    # New articles change the newest part only (here, for one in a hundred, the newest three).
    changed = 0
    for n in range(300, 600):
        old, new = search.partition(arts[:n]), search.partition(arts[: n + 1])
        changed += new[: len(old) - 1] != old[:-1]
        assert new[: len(old) - 3] == old[:-3]
    assert changed <= 3
    # An article removed, added or made longer anywhere: at most 4 parts change, from at most
    # two parts before the one holding it (cut in equal parts with it); the rest stay as they are.
    for j in range(0, 600, 7):
        holder = next(i for i, p in enumerate(parts) if arts[j][0] in p.paths)
        for other in (arts[:j] + arts[j + 1:], arts[:j] + [("/s/new/", 100)] + arts[j:],
                      arts[:j] + [(arts[j][0], 1500)] + arts[j + 1:]):
            new = search.partition(other)
            assert new[: max(0, holder - 2)] == parts[: max(0, holder - 2)]
            assert len(set(new) - set(parts)) <= 4
            assert len(set(parts) - set(new)) <= 4
    # A small archive is one part: the bundle at pagefind/ as Pagefind writes it.
    assert [p.folder for p in search.partition(arts[:5])] == [""]


@pytest.fixture
def small_parts(monkeypatch):
    """One article a part."""
    monkeypatch.setattr(search, "PART_MAX", 1)


def parts_of(site: Path) -> dict[str, dict]:
    root = site / "public" / "pagefind"
    return {p.parent.relative_to(root).as_posix(): json.loads(p.read_text()) for p in sorted(root.rglob("pagefind-entry.json"))}


@needs_pagefind
def test_index_in_parts_merged_by_the_search_page(tmp_path, small_parts, monkeypatch):
    site = site_with(tmp_path)
    build(site)
    parts = parts_of(site)
    assert len(parts) == 3 and "." in parts
    assert all(sum(lang["page_count"] for lang in entry["languages"].values()) == 1 for entry in parts.values())
    files = index_files(site)
    later = sorted(folder for folder in parts if folder != ".")
    for folder in later:  # a later part: its index only (the engine is published once, with the first part)
        own = [rel[len(folder) + 1:] for rel in files if rel.startswith(folder + "/")]
        assert "pagefind-entry.json" in own and any(rel.endswith(".pf_meta") for rel in own)
        assert any(rel.startswith("index/") for rel in own) and any(rel.startswith("fragment/") for rel in own)
        assert not any(rel.startswith(("pagefind", "wasm")) and rel != "pagefind-entry.json" and not rel.endswith(".pf_meta") for rel in own), own
    # The search page lists the later parts in date order: the oldest article is in the first.
    html = page(site, "search/index.html")
    listed = re.search(r'data-parts="([^"]*)"', html).group(1).split(" ")
    assert sorted(listed) == [f"/news/pagefind/{folder}/" for folder in later]
    urls = {}
    for folder, url in [(".", "/news/pagefind/")] + [(u.split("/")[-2], u) for u in listed]:
        frag = next((site / "public" / "pagefind" / folder / "fragment").iterdir())
        import gzip
        urls[url] = json.loads(gzip.decompress(frag.read_bytes())[len(b"pagefind_dcd"):])["url"]
    assert [urls[u] for u in ["/news/pagefind/"] + listed] == ["/business/older/", "/world/storm/", "/business/markets/"]

    # One article edited: only its part is indexed again; the other parts' files stay as they are.
    runs = []
    real = search.build_index
    monkeypatch.setattr(search, "build_index", lambda *a, **k: runs.append(1) or real(*a, **k))
    inodes = {rel: (site / "public" / "pagefind" / rel).stat().st_ino for rel in files}
    path = site / "content" / "business" / "markets.md"
    path.write_text(path.read_text().replace("kumquat", "persimmon"))
    build(site)
    assert runs == [1]
    markets = listed[-1].split("/")[-2] + "/"
    after = index_files(site)
    assert {rel for rel in after if not rel.startswith(markets)} == {rel for rel in files if not rel.startswith(markets)}
    assert all((site / "public" / "pagefind" / rel).stat().st_ino == inodes[rel] for rel in after if not rel.startswith(markets))
    assert {rel: d for rel, d in after.items() if rel.startswith(markets)} != {rel: d for rel, d in files.items() if rel.startswith(markets)}
    clean = site_with(tmp_path / "clean")
    (clean / "content" / "business" / "markets.md").write_text(path.read_text())
    build(clean, jobs=2)
    assert tree(site / "public") == tree(clean / "public")


@needs_pagefind
def test_parts_follow_the_archive_incrementally(tmp_path, small_parts):
    """Adding, re-dating and deleting articles moves parts; each build equals a clean one."""
    site = site_with(tmp_path)
    build(site)
    steps = [
        ("content/world/new.md", article("Newest", "2024-02-01T08:00:00+00:00", "World", "Fresh words.", slug="new")),
        ("content/business/older.md", article("Older story", "2024-03-01T08:00:00+00:00", "Business", "Moved.", slug="older")),
        ("content/world/storm.md", None),
    ]
    for n, (rel, text) in enumerate(steps):
        if text is None:
            (site / rel).unlink()
        else:
            (site / rel).write_text(text)
        build(site)
        clean = site_with(tmp_path / f"clean{n}", files={})
        shutil.rmtree(clean / "content", ignore_errors=True)
        shutil.copytree(site / "content", clean / "content")
        build(clean)
        assert tree(site / "public") == tree(clean / "public"), rel
    assert len(parts_of(site)) == 3


@pytest.mark.slow
@needs_pagefind
def test_incremental_equals_clean_with_parts(tmp_path, monkeypatch):
    """The incremental property test (tests/build/test_incremental.py), with an index in parts of
    about two articles."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import editkit as inc

    for name, value in {"PART_MIN": 25, "PART_MAX": 60, "PART_CUT": 2}.items():
        monkeypatch.setattr(search, name, value)

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.lists(inc.edits, min_size=1, max_size=5))
    def check(sequence):
        site = inc.make_site(tmp_path / "site")
        inc.build(site)
        assert len(parts_of(site)) >= 3
        for edit in sequence:
            inc.apply(site, edit)
            inc.build(site)
            inc.build(site, output="clean-public", clean=True)
            assert inc.tree(site / "public") == inc.tree(site / "clean-public"), edit

    check()


# --- without Pagefind, or switched off ----------------------------------------------------


def test_without_pagefind_the_site_builds_with_a_warning_and_no_search(tmp_path, no_pagefind, capsys):
    site = site_with(tmp_path)
    assert cli.main(["build", "--site", str(site)]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^search: warning: Pagefind is not installed \(.*pip install pagefind-bin.*\); "
                     r"the site is built without search$", err, re.M), err
    public = site / "public"
    assert public.is_dir() and (public / "world" / "storm" / "index.html").is_file()
    assert not (public / "search").exists() and not (public / "pagefind").exists()
    for html in public.rglob("*.html"):
        assert "site-search" not in html.read_text(), html


@needs_pagefind
def test_search_appears_once_pagefind_is_installed(tmp_path, monkeypatch):
    site = site_with(tmp_path)
    old = time.time() - 3600  # input older than the racy window: a build may stop at "nothing changed"
    for p in site.rglob("*"):
        os.utime(p, (old, old))
    real = search.find_executable
    monkeypatch.setattr(search, "find_executable", lambda: None)
    _, problems = build(site)
    assert [p.path for p in problems.warnings] == ["search"]
    assert not (site / "public" / "search").exists()
    assert build(site)[0].nothing_changed
    monkeypatch.setattr(search, "find_executable", real)
    report, problems = build(site)  # the same input: only the indexer changed
    assert not problems.items and not report.nothing_changed
    assert (site / "public" / "search" / "index.html").is_file() and index_files(site)
    assert search_box(page(site, "index.html")) == [{"action": "/news/search/"}]


def test_search_disabled_gives_no_page_no_box_no_index(tmp_path, monkeypatch):
    site = site_with(tmp_path, "[search]\nenabled = false\n")
    monkeypatch.setattr(search, "find_executable", lambda: pytest.fail("Pagefind looked for while search is off"))
    _, problems = build(site)
    assert not problems.items
    public = site / "public"
    assert not (public / "search").exists() and not (public / "pagefind").exists()
    for html in public.rglob("*.html"):
        text = html.read_text()
        # (the data-pagefind-* attributes of article.html stay: inert without an index)
        assert "site-search" not in text and "pagefind.js" not in text and "/search/" not in text, html


def test_empty_archive_has_no_search_and_no_warning(tmp_path):
    site = site_with(tmp_path, files={})
    _, problems = build(site)
    assert not problems.items
    assert not (site / "public" / "search").exists() and not (site / "public" / "pagefind").exists()


# --- in a browser -------------------------------------------------------------------------


@pytest.fixture(params=["whole", "parts"])
def served(tmp_path, request, monkeypatch):
    """The built site of FILES served by http.server under /news/, as a static host would:
    its index whole, or in parts (one article a part)."""
    if not HAS_PAGEFIND:
        pytest.skip("Pagefind (pagefind-bin, a dependency of ssg) is not installed")
    if request.param == "parts":
        monkeypatch.setattr(search, "PART_MAX", 1)
    site = site_with(tmp_path)
    build(site)
    with serving(site / "public", "/news/", tmp_path) as url:
        yield url


@pytest.fixture
def chromium():
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (tests/install-deps.sh installs it)")
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            yield browser
        finally:
            browser.close()


def assert_accessible(page_) -> None:
    """No serious or critical axe-core violations (axe-core as the external checkers install it)."""
    axe = validators_home() / "node" / "node_modules" / "axe-core" / "axe.min.js"
    if not axe.is_file():
        return  # tests/install-deps.sh installs it with the other checkers; the rest still runs
    page_.evaluate(axe.read_text(encoding="utf-8"))
    found = page_.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                           ".map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])")
    assert not [v for v in found if v[1] in ("serious", "critical")], found
    width = page_.viewport_size["width"]
    assert page_.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_typing_a_word_finds_the_article_in_chromium(served, chromium, scheme):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page_ = context.new_page()
    requests, errors = [], []
    page_.on("request", lambda r: requests.append(r.url))
    page_.on("pageerror", lambda e: errors.append(str(e)))
    page_.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)

    # From an article page, through the masthead's search link (on a phone the box is a link to
    # the search page, to keep the masthead one row), then the search page's own box.
    page_.goto(f"{served}/news/business/markets/")
    assert_accessible(page_)
    assert not page_.is_visible("#site-search-q")
    page_.click(".search-link")
    page_.wait_for_url(re.compile(r"/news/search/$"))
    page_.fill("#search-q", "zebrafish")
    page_.press("#search-q", "Enter")
    page_.wait_for_url(re.compile(r"/news/search/\?q=zebrafish$"))
    result = page_.wait_for_selector(".search-result a", timeout=15000)
    assert result.text_content() == "Storm <script>x</script> & co hits coast"
    assert result.get_attribute("href") == "/news/world/storm/"
    assert page_.text_content(".search-result .meta") == "World · 2 January 2024"
    assert page_.text_content(".search-result mark").lower() == "zebrafish"
    # The excerpt is text: "&lt;" typed in the article stays "&lt;", and "<b>" stays "<b>".
    assert "The zebrafish migration was huge: &lt;b&gt; means <b>." in page_.text_content(".search-result .summary")
    assert page_.query_selector(".search-result .summary b") is None
    assert "1 article found" in page_.text_content("#search-status")
    assert_accessible(page_)

    # Typing on the search page searches as you type, and updates the address.
    page_.fill("#search-q", "kumquat")
    page_.wait_for_function("() => document.querySelector('.search-result a')?.textContent === 'Markets rally'", timeout=15000)
    assert page_.url.endswith("/news/search/?q=kumquat")
    page_.fill("#search-q", "nonexistentword")
    page_.wait_for_function("() => document.getElementById('search-status').textContent.startsWith('Nothing found')", timeout=15000)
    assert page_.query_selector_all(".search-result") == []

    # Clicking a result goes to the article.
    page_.fill("#search-q", "zebrafish")
    page_.click(".search-result a", timeout=15000)
    page_.wait_for_url(f"{served}/news/world/storm/")
    assert not errors, errors
    assert requests and all(u.startswith(served + "/news/") or u == served + "/favicon.ico" for u in requests), requests
    context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_search_sorted_by_date_in_chromium(served, chromium, order):
    page_ = chromium.new_page()
    page_.goto(f"{served}/news/search/?q=the&sort={order}")
    page_.wait_for_function("() => document.querySelectorAll('.search-result').length === 3", timeout=15000)
    titles = [a.text_content() for a in page_.query_selector_all(".search-result a")]
    assert page_.eval_on_selector("#search-sort", "s => s.value") == order
    newest = ["Markets rally", "Storm <script>x</script> & co hits coast", "Older story"]
    assert titles == (newest if order == "newest" else newest[::-1])

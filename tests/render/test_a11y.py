"""The default theme in a browser: axe-core (check-a11y, Debian's Chromium) on every kind of page
of a small but complete site, at desktop (1280 px) and phone (390 px) widths, served at the root
and under /news/. No serious or critical violation, no page wider than the phone, no JS error,
no failed request. Long words (a URL headline, a German compound, a long tag) must wrap.

Screenshots of every page at both widths are kept in artifacts/a11y/ at the repository root
(git-ignored, replaced on each run): root/ and news/ for the two builds, search/ for the search
page with results (and, in dark mode, the feature article), dark/ for every page of the root build
in dark mode (where the phone's masthead and pagination are measured too). Where ../shared/tools (check-a11y) is
absent, as in CI, the same audit runs through Playwright with the axe-core script of the
axe-playwright-python wheel. Skips with a reason when Chromium (tests/install-deps.sh installs
it) or axe-core is absent.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import NamedTuple

import pytest

from sitekit import TOOLS, article, build, make_site, serving, validators_home
from ssg.outputs import search

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HOME = validators_home()
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "a11y"
HAS_PAGEFIND = search.find_indexer()[0] is not None



def _check_a11y_missing() -> str | None:
    """Why ../shared/tools/check-a11y cannot run here, or None."""
    if not TOOLS.is_dir():
        return f"external checkers absent: no {TOOLS}"
    if not (HOME / "node" / "node_modules" / "playwright-core").is_dir() or \
            not (HOME / "node" / "node_modules" / "axe-core").is_dir():
        return (f"check-a11y not installed: {HOME / 'node'} lacks playwright-core/axe-core "
                f"(run {TOOLS / 'install.sh'}, or set VALIDATORS_HOME)")
    if shutil.which("node") is None:
        return "check-a11y needs node (run ../shared/tools/install.sh)"
    return None


def axe_script() -> str | None:
    """axe-core for Playwright: check-a11y's copy, else the one the axe-playwright-python wheel
    (test extra) ships, so that the browser tests also run where ../shared is absent (CI)."""
    shared = HOME / "node" / "node_modules" / "axe-core" / "axe.min.js"
    if shared.is_file():
        return shared.read_text(encoding="utf-8")
    try:
        import axe_playwright_python
    except ImportError:
        return None
    bundled = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    return bundled.read_text(encoding="utf-8") if bundled.is_file() else None


NO_CHECK_A11Y = _check_a11y_missing()
needs_check_a11y = pytest.mark.skipif(NO_CHECK_A11Y is not None, reason=NO_CHECK_A11Y or "")
if not os.path.exists(CHROMIUM):
    pytestmark = [*pytestmark, pytest.mark.skip(reason="Debian's chromium is not installed (tests/install-deps.sh installs it)")]

# Headlines and names that are one long unbroken word: they must wrap, not widen the page.
COMPOUND = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"  # 80 characters
URL_WORD = "https://example.org/reports/2024/annual-budget-statement-full-text-with-appendices-final.pdf"
LONG_TAG = "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz"  # 63 characters
WIDE_TAG = "International Monetary Fund and World Bank spring meetings in Washington"
AUTHORS = ("Zoë O'Brien-Smith", "Maximilian Alexander von Hohenzollern-Sigmaringen", "Ana Núñez")

TOML = """\
title = "The Long Wharf Evening Chronicle & Gazette"
description = "A test archive for the browser checks: long words, wide tables, many sections."
base_url = "{base_url}"
timezone = "UTC"
page_size = 2
home_latest = 6
home_per_section = 3
"""


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-colour PNG (a picture wider than a phone, for `max-width: 100%`)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    row = b"\x00" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height, 9)) + chunk(b"IEND", b""))


def meta(tags=(), authors=()) -> str:
    return f"tags: {json.dumps(list(tags), ensure_ascii=False)}\nauthors: {json.dumps(list(authors), ensure_ascii=False)}"


FEATURE_BODY = f"""\
The harbour board met on Tuesday. The full statement is at {URL_WORD} and runs to 400 pages.

![The harbour at dusk, cranes against an orange sky](../../img/harbour.png)

> "We have never seen a year like it," said the harbour master, who asked that the
> {COMPOUND} be thanked by name.

| Quarter | Ships | Tonnage | Passengers | Revenue | Costs | Margin | Change on a year |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
| Q1 2024 | 1,204 | 3,400,000 | 120,000 | £12,400,000 | £9,100,000 | 26.6% | up strongly everywhere |
| Q2 2024 | 1,310 | 3,650,000 | 131,500 | £13,050,000 | £9,420,000 | 27.8% | up again in every port |

```
berth_allocation --port=long-wharf --from=2024-01-01 --to=2024-12-31 --include-cancelled --format=csv --output=/var/reports/berths-2024-full.csv
```

Smaller ports[^1] are not covered.

[^1]: Those with fewer than 100 ships a year.
"""

FILES = {
    # World: five articles (three pages of two), spread over two years and several months.
    "content/world/a.md": article(f"{COMPOUND} wins the harbour prize", "2024-02-20T09:00:00+00:00", "World",
                                  FEATURE_BODY, slug="harbour-prize", summary=f"The {COMPOUND} is thanked by name.",
                                  extra=meta([LONG_TAG, WIDE_TAG, "Harbours"], AUTHORS[:2])
                                  + "\nupdated: 2024-02-21T10:30:00+00:00\nimage: /img/harbour.png"
                                  + '\nimage_alt: "Cranes on the quay at dusk"\nimage_caption: "The Long Wharf at dusk"'),
    "content/world/b.md": article(f"Read {URL_WORD} before the vote", "2024-02-12T09:00:00+00:00", "World",
                                  f"The link is {URL_WORD}: the harbour board's report.", slug="read-the-report",
                                  extra=meta([WIDE_TAG, "Harbours"], AUTHORS[2:])),
    "content/world/c.md": article("Storm closes the coast road", "2024-02-03T09:00:00+00:00", "World",
                                  "Gales of 90 mph closed the coast road for a day.", slug="storm",
                                  extra=meta(["Weather", "Harbours"], AUTHORS[:1]) + "\nimage: img/harbour.png\nimage_alt: Cranes at dusk"),
    "content/world/d.md": article("Ferry timetable changes for winter", "2024-01-15T09:00:00+00:00", "World",
                                  "Fewer sailings from November to March.", slug="ferries",
                                  extra=meta(["Harbours"], AUTHORS[:1])),
    "content/world/e.md": article("New year fireworks over the harbour", "2023-12-31T23:00:00+00:00", "World",
                                  "Thousands watched from the quays.", slug="fireworks",
                                  extra=meta(["Harbours"], AUTHORS[1:2])),
    # Three more sections, so that the section navigation is wider than a phone (it scrolls sideways).
    "content/business/a.md": article("Shipping costs fall for a third month", "2024-02-25T09:00:00+00:00", "Business",
                                     "Rates fell by 4%.", slug="shipping-costs",
                                     extra=meta([WIDE_TAG], AUTHORS[2:]) + "\nimage: /img/harbour.png\nimage_alt: The harbour"),
    "content/business/b.md": article("Fish market opens a second hall", "2023-11-08T09:00:00+00:00", "Business",
                                     "The hall has 40 stalls.", slug="fish-market", extra=meta(["Harbours"], AUTHORS[2:])),
    "content/science-technology/a.md": article("Tide gauges go online", "2024-01-20T09:00:00+00:00",
                                               "Science & Technology", "Readings every minute.", slug="tide-gauges",
                                               extra=meta(["Weather"], AUTHORS[:1])),
    "content/entertainment-arts/a.md": article("Sea shanty festival returns", "2024-02-14T09:00:00+00:00",
                                               "Entertainment & Arts", "Choirs from twelve towns.", slug="shanties",
                                               extra=meta([LONG_TAG], AUTHORS[1:2])),
    # A fifth section with ten pages (older stories, off the front page's latest): its page 5 has
    # the longest pagination (newer, 1, gap, 3 to 7, gap, 10, older), which must stay on one line.
    **{f"content/sport/{n:02d}.md": article(f"Rowing club regatta, heat {n}", f"2023-06-{n:02d}T09:00:00+00:00", "Sport",
                                            f"Heat {n} of the summer regatta.", slug=f"regatta-{n}")
       for n in range(1, 21)},
}

TAG_SLUG = "rindfleischetikettierungsuberwachungsaufgabenubertragungsgesetz"
AUTHOR_SLUG = "maximilian-alexander-von-hohenzollern-sigmaringen"
# One page of every kind (paths relative to public/).
PAGES = [
    "index.html",                            # home
    "world/index.html",                      # a section, page 1 of 3
    "world/page/2/index.html",               # and its page 2
    "sport/page/5/index.html",               # page 5 of 10: the longest pagination
    "world/harbour-prize/index.html",        # an article: long word, image, table, code, quote, footnote
    "world/read-the-report/index.html",      # an article whose headline is a URL
    "archive/index.html",                    # the date archive overview
    "2024/index.html",                       # a year
    "2024/02/index.html",                    # a month (page 1 of 3)
    f"tags/{TAG_SLUG}/index.html",           # a tag with a 63-character name
    "tags/index.html",                       # the tags index
    f"authors/{AUTHOR_SLUG}/index.html",     # an author
    "search/index.html",                     # search (without a query: check-a11y takes files)
    "404.html",
]


def make(tmp_path: Path, name: str, base_url: str) -> Path:
    site = make_site(tmp_path, FILES, toml=TOML.format(base_url=base_url), name=name)
    (site / "static" / "img").mkdir(parents=True)
    (site / "static" / "img" / "harbour.png").write_bytes(png(1600, 900, (214, 120, 40)))
    _, problems = build(site)
    assert not problems.items, [str(p) for p in problems.items]
    return site / "public"


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """public/ of the site built for the root of a host and for /news/."""
    root = tmp_path_factory.mktemp("a11y")
    return {"root": make(root, "root", "https://example.org/"), "news": make(root, "news", "https://example.org/news/")}


def fresh(folder: Path) -> Path:
    """An artifacts folder emptied of a previous run's screenshots."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


class Run(NamedTuple):
    out: Path          # screenshots and report.json
    code: int
    stdout: str
    report: dict       # report.json: {"pages": [{rel, viewport, status, violations, overflowX, ...}]}


@pytest.fixture(scope="module")
def runs(sites, tmp_path_factory) -> dict[str, Run]:
    """check-a11y over PAGES of both builds, and over a copy with a broken stylesheet (to show that
    an overflow fails this test). Each run spends most of its ~6 s waiting on two browser starts,
    so the three run side by side."""
    broken = tmp_path_factory.mktemp("broken") / "public"
    shutil.copytree(sites["root"], broken)
    for name in broken.glob("style*.css"):  # style.css and the fingerprinted copy the pages link
        with name.open("a") as css:
            css.write("\nh1 { overflow-wrap: normal !important; }\n")
    pages = [p for p in PAGES if HAS_PAGEFIND or not p.startswith("search/")]
    jobs = {"root": (sites["root"], fresh(ARTIFACTS / "root"), pages, "/"),
            "news": (sites["news"], fresh(ARTIFACTS / "news"), pages, "/news/"),
            "broken": (broken, broken.parent / "out", ["world/harbour-prize/index.html"], "/")}
    procs = {name: subprocess.Popen([str(TOOLS / "check-a11y"), "-o", str(out), str(public), *rels],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                    env={**os.environ, "BASE_PATH": base})
             for name, (public, out, rels, base) in jobs.items()}
    done = {}
    try:
        for name, proc in procs.items():
            stdout, _ = proc.communicate(timeout=300)
            report = jobs[name][1] / "report.json"
            done[name] = Run(jobs[name][1], proc.returncode, stdout, json.loads(report.read_text()) if report.is_file() else {})
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return done


def problems_in(run: Run) -> list[str]:
    """Everything that makes a page fail here: serious/critical violations, load errors, and what
    check-a11y only warns about (horizontal overflow, JS errors, failed requests)."""
    found = [line for line in run.stdout.splitlines() if line.startswith(("VIOLATION", "ERROR", "WARN"))]
    for rec in run.report.get("pages", []):
        where = f"{rec['rel']} [{rec['viewport']}]"
        found += [f"{where}: {v['id']} ({v['impact']}) {v['targets']}" for v in rec["violations"]
                  if v["impact"] in ("serious", "critical")]
        if rec.get("loadError") or rec["status"] != 200:
            found.append(f"{where}: did not load ({rec.get('loadError') or rec['status']})")
        if rec["overflowX"]:
            found.append(f"{where}: {rec['overflowX']}px wider than the viewport")
        found += [f"{where}: JS error {e}" for e in rec["errors"]]
        found += [f"{where}: failed request {f}" for f in rec["failedRequests"]]
    return found


def test_the_site_has_every_kind_of_page(sites):
    for public in sites.values():
        for rel in PAGES:
            if rel == "search/index.html" and not HAS_PAGEFIND:
                continue
            assert (public / rel).is_file(), rel
        assert not (public / "world/page/4").exists() and (public / "world/page/3/index.html").is_file()
        assert (public / "2024/02/page/2/index.html").is_file()
        html = (public / "world/harbour-prize/index.html").read_text()
        assert '<picture>' in html and 'alt="The harbour at dusk, cranes against an orange sky"' in html and '<div class="table-scroll"' in html and "<pre>" in html


@needs_check_a11y
@pytest.mark.parametrize("variant", ["root", "news"])
def test_every_kind_of_page_passes_axe_and_fits_a_phone(runs, variant):
    run = runs[variant]
    last = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else ""
    assert run.code == 0 and last.startswith("check-a11y: PASS"), f"check-a11y failed (exit {run.code}):\n{run.stdout[-6000:]}"
    assert not problems_in(run), "\n".join(problems_in(run))
    pages = [p for p in PAGES if HAS_PAGEFIND or not p.startswith("search/")]
    assert sorted((r["rel"], r["viewport"]) for r in run.report["pages"]) == \
        sorted((p, vp) for p in pages for vp in ("desktop", "mobile"))
    for rec in run.report["pages"]:
        assert Path(rec["screenshot"]).is_file() and Path(rec["screenshot"]).parent == run.out.resolve()


@needs_check_a11y
def test_overflow_on_a_phone_fails_this_test(runs):
    """The check above can fail: a stylesheet that stops a headline's long word from wrapping
    (and so makes the page wider than a phone) is reported."""
    found = problems_in(runs["broken"])
    assert any("[mobile]" in line and "wider than" in line for line in found), (found, runs["broken"].stdout)


# --- the search page with results (check-a11y loads files, not `?q=` URLs) ------------------


@pytest.fixture
def served_news(sites, tmp_path):
    """The /news/ build served under /news/."""
    with serving(sites["news"], "/news/", tmp_path) as url:
        yield url


def audit(page, axe: str, where: str, width: int) -> list[str]:
    """Serious/critical axe violations of the page as it is now, and sideways overflow."""
    page.evaluate(axe)
    violations = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                               ".violations.map(v => [v.id, v.impact, v.nodes.map(n => n.target.join(' '))])")
    found = [f"{where}: {v}" for v in violations if v[1] in ("serious", "critical")]
    wider = page.evaluate("w => Math.max(0, document.documentElement.scrollWidth - w)", width)
    return found + ([f"{where}: {wider}px wider than the viewport"] if wider else [])


@pytest.mark.skipif(not HAS_PAGEFIND, reason="Pagefind (pagefind-bin, a dependency of ssg) is not installed")
def test_search_results_pass_axe_and_fit_a_phone(served_news):
    """The search page with results (rendered by its script), at both widths, and in dark mode on a
    phone also the feature article (table, code, quote, tags): axe and no sideways scrolling."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    axe = axe_script()
    if axe is None:
        pytest.skip("no axe-core: neither check-a11y's nor axe-playwright-python's (test extra)")
    out = fresh(ARTIFACTS / "search")
    found = []
    with playwright.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        try:
            for name, (width, height), scheme in (("desktop", (1280, 800), "light"), ("mobile", (390, 844), "light"),
                                                  ("mobile-dark", (390, 844), "dark")):
                mobile = width < 600
                context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile,
                                              has_touch=mobile, color_scheme=scheme)
                context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(served_news + "/")
                              else route.abort("blockedbyclient"))
                page = context.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(f"JS error {e}"))
                page.on("requestfailed", lambda r: errors.append(f"failed request {r.url}"))
                page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
                # "harbour" finds the long-word headline, the URL headline and two more.
                page.goto(f"{served_news}/news/search/?q=harbour")
                page.wait_for_function("() => document.querySelectorAll('.search-result').length >= 3", timeout=15000)
                titles = [a.text_content() for a in page.query_selector_all(".search-result a")]
                assert any(COMPOUND in t for t in titles) and any(URL_WORD in t for t in titles), titles
                found += audit(page, axe, f"search/?q=harbour [{name}]", width)
                page.screenshot(path=str(out / f"search-harbour--{name}.png"), full_page=True)
                if scheme == "dark":
                    page.goto(f"{served_news}/news/world/harbour-prize/")
                    found += audit(page, axe, f"world/harbour-prize/ [{name}]", width)
                    page.screenshot(path=str(out / f"world__harbour-prize--{name}.png"), full_page=True)
                found += [f"[{name}]: {e}" for e in errors if not e.endswith("/favicon.ico")]
                context.close()
        finally:
            browser.close()
    assert not found, "\n".join(found)


# --- the same audit without check-a11y: Playwright, Debian's Chromium, axe-core from the wheel ---
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]
VIEWPORTS = (("desktop", (1280, 800)), ("mobile", (390, 844)))


def only_from(url: str):
    """A route handler: requests to the site go through, any other is blocked."""
    return lambda route: route.continue_() if route.request.url.startswith(url + "/") else route.abort("blockedbyclient")


@pytest.mark.skipif(NO_CHECK_A11Y is None and os.environ.get("SSG_A11Y_PLAYWRIGHT") != "1",
                    reason="check-a11y is installed and runs the same audit above (SSG_A11Y_PLAYWRIGHT=1 runs this too)")
def test_every_kind_of_page_in_chromium_where_check_a11y_is_absent(sites, tmp_path):
    """Where ../shared/tools is absent (CI), the audit of test_every_kind_of_page_passes_axe_and_fits_a_phone
    through Playwright: every kind of page of both builds, served at / and /news/, at both widths;
    no serious or critical axe violation, no page wider than the viewport, no JS error, no failed
    request; screenshots in artifacts/a11y/root/ and artifacts/a11y/news/. A copy of the article
    with word wrapping switched off in its headline must be reported (the check can fail)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    axe = axe_script()
    if axe is None:
        pytest.skip("no axe-core: neither check-a11y's nor axe-playwright-python's (test extra)")
    pages = [p for p in PAGES if HAS_PAGEFIND or not p.startswith("search/")]
    found, shots, broken = [], [], []
    with playwright.sync_playwright() as pw, contextlib.ExitStack() as stack:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        stack.callback(browser.close)
        for variant, prefix in (("root", "/"), ("news", "/news/")):
            url = stack.enter_context(serving(sites[variant], prefix, tmp_path))
            out = fresh(ARTIFACTS / variant)
            for viewport, (width, height) in VIEWPORTS:
                mobile = width < 600
                context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile,
                                              has_touch=mobile)
                context.route("**/*", only_from(url))
                page = context.new_page()
                errors = []
                page.on("pageerror", lambda e: errors.append(f"JS error {e}"))
                page.on("requestfailed", lambda r: errors.append(f"failed request {r.url}"))
                page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
                for rel in pages:
                    where = f"{variant} {rel} [{viewport}]"
                    page.goto(url + prefix + rel.removesuffix("index.html"))
                    found += audit(page, axe, where, width)
                    shot = out / f"{rel.removesuffix('/index.html').replace('/', '__') or 'home'}--{viewport}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    shots.append(shot)
                    found += [f"{where}: {e}" for e in errors if not e.endswith("/favicon.ico")]
                    errors.clear()
                if variant == "root" and mobile:  # the check can fail: a headline's long word kept whole
                    page.goto(url + "/world/harbour-prize/")
                    page.add_style_tag(content="h1 { overflow-wrap: normal !important; }")
                    broken = audit(page, axe, "broken copy", width)
                context.close()
    assert not found, "\n".join(found)
    assert len(shots) == 2 * len(VIEWPORTS) * len(pages) and all(s.stat().st_size > 1000 for s in shots)
    assert any("wider than the viewport" in line for line in broken), broken


# --- dark mode, and the phone's masthead and pagination ---------------------------------------
PHONE = (390, 844)
# The masthead at 390 px, and the pagination's lines (of the links shown: some hide on a phone).
PHONE_LAYOUT = """() => {
  const masthead = document.querySelector('.masthead');
  const items = [...document.querySelectorAll('.pagination li')].filter((li) => li.getClientRects().length);
  return {masthead: masthead ? masthead.getBoundingClientRect().height : null,
          lines: new Set(items.map((li) => Math.round(li.getBoundingClientRect().top))).size,
          items: items.map((li) => li.textContent.trim())};
}"""
# The phone header and pagination as they were before issue 17: the sections wrapping onto two
# rows, the search box on a row of its own, the pagination wrapping with every link shown.
OLD_PHONE_LAYOUT = """
.masthead-inner { display: flex !important; flex-wrap: wrap !important; }
.sections ul { flex-wrap: wrap !important; width: auto !important; }
.masthead .site-search { display: flex !important; width: 100% !important; }
.search-link { display: none !important; }
.pagination ul { flex-wrap: wrap !important; }
.pagination li { display: list-item !important; }
.pagination a { font-size: 1rem !important; min-width: 2.75rem !important; padding: 0.5rem 0.75rem !important; }
"""


def phone_layout(page, where: str) -> tuple[list[str], dict]:
    """What is wrong with the page's phone layout: a masthead over 100 px high (title, sections
    and search must leave the screen to the content), a pagination on more than one line."""
    found, measured = [], page.evaluate(PHONE_LAYOUT)
    if measured["masthead"] is None or measured["masthead"] > 100:
        found.append(f"{where}: masthead {measured['masthead']} px high (at most 100 at 390 px)")
    if measured["lines"] > 1:
        found.append(f"{where}: pagination on {measured['lines']} lines: {measured['items']}")
    return found, measured


def test_dark_mode_and_the_phone_masthead_and_pagination(sites, tmp_path):
    """Every kind of page of the root build with ``prefers-color-scheme: dark`` at both widths:
    no serious or critical axe violation (colour contrast included), no page wider than the
    viewport, no JS error or failed request; screenshots in artifacts/a11y/dark/. On a phone
    (390 px), in both schemes, the masthead is at most 100 px high and the pagination one line,
    sport/page/5 holding the longest one (newer, 1, …, 3 to 7, …, 10, older: the pages two away
    from the current one are hidden). The same measure reports the layout before issue 17 (the
    check can fail)."""
    playwright = pytest.importorskip("playwright.sync_api", reason="playwright (test extra) not installed")
    axe = axe_script()
    if axe is None:
        pytest.skip("no axe-core: neither check-a11y's nor axe-playwright-python's (test extra)")
    pages = [p for p in PAGES if HAS_PAGEFIND or not p.startswith("search/")]
    out = fresh(ARTIFACTS / "dark")
    found, shots, old = [], [], []
    with playwright.sync_playwright() as pw, contextlib.ExitStack() as stack:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        stack.callback(browser.close)
        url = stack.enter_context(serving(sites["root"], "/", tmp_path))
        for scheme, (viewport, (width, height)) in [("dark", vp) for vp in VIEWPORTS] + [("light", ("mobile", PHONE))]:
            mobile = width < 600
            context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=mobile,
                                          has_touch=mobile, color_scheme=scheme)
            stack.callback(context.close)
            context.route("**/*", only_from(url))
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(f"JS error {e}"))
            page.on("requestfailed", lambda r: errors.append(f"failed request {r.url}"))
            page.on("response", lambda r: errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
            for rel in pages:
                where = f"{rel} [{viewport} {scheme}]"
                page.goto(url + "/" + rel.removesuffix("index.html"))
                if mobile:
                    found += phone_layout(page, where)[0]
                if scheme == "dark":
                    found += audit(page, axe, where, width)
                    shot = out / f"{rel.removesuffix('/index.html').replace('/', '__') or 'home'}--{viewport}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    shots.append(shot)
                    found += [f"{where}: {e}" for e in errors if not e.endswith("/favicon.ico")]
                errors.clear()  # (the light pass only measures: it leaves before lazy images load)
            if scheme == "light":  # the check can fail: the phone layout of before
                page.goto(url + "/sport/page/5/")
                assert phone_layout(page, "now")[1]["items"] == ["Newer", "1", "…", "4", "5", "6", "…", "10", "Older"]
                page.add_style_tag(content=OLD_PHONE_LAYOUT)
                old = phone_layout(page, "before issue 17")[0]
    assert not found, "\n".join(found)
    assert len(shots) == len(VIEWPORTS) * len(pages) and all(s.stat().st_size > 1000 for s in shots)
    assert any("masthead" in line for line in old) and any("pagination" in line for line in old), old

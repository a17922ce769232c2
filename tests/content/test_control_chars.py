"""Control characters and noncharacters in article text (issue 6 hardening).

XML 1.0 forbids C0 controls (but TAB, LF, CR), lone surrogates, U+FFFE and U+FFFF: one in a
title made feedgen raise. HTML also calls C1 controls (U+007F-U+009F) and every noncharacter an
error. ssg removes them where text comes in (content files as they are read, seeds as they are
imported), with one warning per file at the line of the first; whitespace-like ones (VT, FF,
U+001C-U+001F, NEL) become a space so words stay apart. Every output is then clean: pages,
feeds, JSON-LD, sitemaps, the search index.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sitekit import IMPORT_DATE, TOOLS, build, make_site, page, validators_home
from ssg.content import article as cf
from ssg.outputs import search
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.problems import Problems
from ssg.importer.seeds import decode
from ssg.content.collect import read_article, read_body


def forbidden(text: str) -> list[str]:
    """The characters of ``text`` that XML 1.0 or HTML forbid: an oracle written apart from ssg's."""
    def bad(c: str) -> bool:
        o = ord(c)
        return ((o < 0x20 and c not in "\t\n\r") or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF
                or 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE)
    return [c for c in text if bad(c)]


def squash(text: str) -> str:
    return " ".join(text.split())


# Escaped (YAML double-quoted "\x01") in the front matter, literal in the body.
STORM = (
    "---\n"
    'title: "Storm\\x01 hits\\vcoast\\uFFFF"\n'  # line 2: the first one
    "date: 2024-05-31T08:00:00+00:00\n"
    'section: "Wor\\x02ld"\n'
    'summary: "Waves\\x0cand wind\\x7f"\n'
    'tags: ["Wea\\x1bther", "Flo\\x7fods"]\n'
    'authors: ["Jane\\x08 Doe"]\n'
    'image: "https://cdn.example.org/img/storm\\x01.jpg"\n'
    "slug: storm\n"
    "---\n"
    "\n"
    "Heavy\x0crain fell\x01 all night\x0blong.\n"
    "\x07Sirens\x90 sounded\x85today.\n"
)
STORM_REMOVED = 16  # title 3, section 1, summary 2, tags 2, authors 1, image 1, body 6

FILES = {
    "content/world/storm.md": STORM,
    # Literal in the front matter (YAML alone refuses them: "control characters are not allowed").
    "content/world/literal.md": ("---\ntitle: Literal\x01 title\x0bhere\ndate: 2024-05-30T08:00:00+00:00\n"
                                 "section: World\nslug: literal\n---\n\nBody.\n"),
    # Only in the body: the warning names the body's line.
    "content/world/body.md": ("---\ntitle: Body only\ndate: 2024-05-29T08:00:00+00:00\nsection: World\n"
                              "slug: body\n---\n\nFirst line.\n\nSecond\ufffe line\U0001FFFF here.\n"),
    "content/world/plain.md": ("---\ntitle: Plain\ndate: 2024-05-28T08:00:00+00:00\nsection: World\n"
                               "slug: plain\n---\n\nNothing odd.\n"),
}

TOML = """\
title = "Test News"
description = "A test archive."
base_url = "https://example.org/news/"
timezone = "UTC"
"""


def warnings_of(problems: Problems) -> list[str]:
    return sorted(str(p) for p in problems.warnings)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Problems]:
    site = make_site(tmp_path_factory.mktemp("cc"), FILES, toml=TOML)
    _, problems = build(site)  # asserts: published, no errors
    return site, problems


def test_one_warning_per_file_at_the_first_occurrence(built):
    _, problems = built
    assert warnings_of(problems) == [
        "content/world/body.md:10: removed 2 control characters (U+FFFE, U+1FFFF)",
        "content/world/literal.md:2: removed 2 control characters (U+0001, U+000B)",
        f"content/world/storm.md:2: removed {STORM_REMOVED} control characters "
        "(U+0001, U+0002, U+0007, U+0008, U+000B, U+000C, …)",
    ]
    assert all(p.severity == "warning" for p in problems.items)


def test_every_output_is_free_of_them(built):
    site, _ = built
    public = site / "public"
    checked = 0
    for path in sorted(public.rglob("*")):
        # Not pagefind/: Pagefind's own scripts hold such characters (the index is checked below).
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".txt", ".css"} and "pagefind" not in path.parts:
            assert forbidden(path.read_text(encoding="utf-8")) == [], path
            checked += 1
    assert checked > 10


def test_page_shows_the_text_without_them(built):
    site, _ = built
    html = page(site, "world/storm/index.html")
    assert "<h1" in html and ">Storm hits coast</h1>" in html
    assert "Heavy rain fell all night long.\nSirens sounded today." in html  # FF, VT, NEL became spaces
    assert "Literal title here" in page(site, "world/literal/index.html")
    assert "Second line here." in page(site, "world/body/index.html")
    assert (site / "public/tags/weather/index.html").is_file() and (site / "public/tags/floods/index.html").is_file()
    assert (site / "public/authors/jane-doe/index.html").is_file()


def test_json_ld_parses_and_holds_the_clean_text(built):
    site, _ = built
    html = page(site, "world/storm/index.html")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert blocks
    found = [json.loads(b) for b in blocks]
    objects = [d for item in found for d in (item if isinstance(item, list) else [item])]
    ld = next(d for d in objects if d.get("@type") == "NewsArticle")
    assert ld["headline"] == "Storm hits coast"
    assert ld["description"] == "Waves and wind"
    assert ld["articleSection"] == "World"
    assert ld["keywords"] == ["Weather", "Floods"]
    assert ld["author"] == [{"@type": "Person", "name": "Jane Doe"}]
    assert ld["image"] == ["https://cdn.example.org/img/storm.jpg"]


def test_feeds_parse_and_hold_the_clean_text(built):
    site, _ = built
    public = site / "public"
    feeds = sorted([*public.rglob("feed.xml"), *public.rglob("atom.xml")])
    assert len(feeds) >= 8  # site, section, tags, author: RSS and Atom each
    for feed in feeds:
        root = ET.parse(feed).getroot()  # raises on anything XML 1.0 forbids
        titles = [e.text for e in root.iter() if e.tag.rsplit("}", 1)[-1] == "title"]
        assert "Storm hits coast" in titles, feed
    rss = ET.parse(public / "feed.xml").getroot()
    item = next(i for i in rss.iter("item") if i.findtext("title") == "Storm hits coast")
    body = "".join(e.text or "" for e in item if e.tag.endswith("encoded") or e.tag == "description")
    assert "Heavy rain fell all night long." in body


def test_sitemaps_parse_and_hold_the_clean_text(built):
    site, _ = built
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "n": "http://www.google.com/schemas/sitemap-news/0.9"}
    locs = [e.text for e in ET.parse(site / "public/sitemap.xml").getroot().iterfind("s:url/s:loc", ns)]
    assert "https://example.org/news/world/storm/" in locs
    news = ET.parse(site / "public/news-sitemap.xml").getroot()
    assert "Storm hits coast" in [e.text for e in news.iterfind(".//n:title", ns)]


@pytest.mark.skipif(search.find_indexer()[0] is None, reason="Pagefind (pagefind-bin) is not installed")
def test_search_index_holds_the_clean_text(built):
    site, _ = built
    fragments = []
    for p in sorted((site / "public/pagefind/fragment").iterdir()):
        data = gzip.decompress(p.read_bytes())
        fragments.append(json.loads(data[len(b"pagefind_dcd"):]))
    storm = next(f for f in fragments if f["meta"].get("title") == "Storm hits coast")
    assert "Heavy rain fell all night long." in storm["content"]
    assert all(forbidden(json.dumps(f, ensure_ascii=False)) == [] for f in fragments)


def test_cli_prints_the_warning_and_exits_0(run_cli, tmp_path):
    site = make_site(tmp_path, FILES, toml=TOML)
    result = run_cli(site, "build")
    assert result.code == 0, result.err
    assert "Traceback" not in result.err
    assert "content/world/literal.md:2: warning: removed 2 control characters (U+0001, U+000B)\n" in result.err
    assert "content/world/body.md:10: warning: removed 2 control characters (U+FFFE, U+1FFFF)\n" in result.err
    assert result.err.count("warning: removed") == 3


# --- every character, one at a time --------------------------------------------------------

C0 = [chr(o) for o in range(0x20) if chr(o) not in "\t\n\r"]
OTHERS = ["\x7f", "\x80", "\x85", "\x9f", "\ufdd0", "\ufdef", "\ufffe", "\uffff", "\U0001fffe", "\U0010ffff"]


def yaml_escape(c: str) -> str:
    o = ord(c)
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}" if o < 0x10000 else f"\\U{o:08x}"


@pytest.mark.parametrize("c", C0 + OTHERS, ids=lambda c: f"U+{ord(c):04X}")
def test_each_character_is_removed_where_it_comes_in(tmp_path, c):
    joined = "Alpha Beta" if c.isspace() else "AlphaBeta"  # whitespace-like ones become a space
    config = load_config(make_site(tmp_path, {}, toml=TOML))
    path = tmp_path / "site/content/a.md"
    path.write_text(f'---\ntitle: Alpha{c}Beta\ndate: 2024-05-01\nsummary: "Alpha{yaml_escape(c)}Beta"\n'
                    f'tags: ["Alpha{yaml_escape(c)}Beta"]\n---\n\nAlpha{c}Beta\n', encoding="utf-8")
    problems = Problems()
    result = read_article(path, "a.md", config, problems)
    assert result is not None, [str(p) for p in problems.items]
    article, body = result
    assert (article.title, article.summary, article.tags, body) == (joined, joined, (joined,), f"\n{joined}\n")
    assert read_body(tmp_path / "site/content", "a.md") == body
    assert [str(p) for p in problems.items] == [
        f"content/a.md:2: removed 4 control characters (U+{ord(c):04X})"]
    # What feedgen (lxml) and json accept now.
    import lxml.etree

    lxml.etree.Element("title").text = article.title
    assert json.loads(json.dumps(article.title)) == joined

    # A seed: removed as it is decoded, warned about with the seed's line (NUL means binary data).
    problems = Problems()
    text = decode(f"World\n\nAlpha{c}Beta\n\nBody.\n".encode("utf-8"), "seeds/a.txt", problems)
    if c == "\x00":
        assert text is None and [str(p) for p in problems.items] == ["seeds/a.txt: binary data, not a text file"]
        return
    assert text == f"World\n\n{joined}\n\nBody.\n"
    assert [str(p) for p in problems.items] == [f"seeds/a.txt:3: removed 1 control character (U+{ord(c):04X})"]


def test_clean_text_keeps_tab_lf_cr_and_removes_lone_surrogates():
    assert cf.clean_text("a\tb\nc\rd") == ("a\tb\nc\rd", "", -1)
    assert cf.clean_text("ab\ud800c\udfff") == ("abc", "\ud800\udfff", 2)
    assert cf.clean_text("x\x0c\x0b\x1c\x85y") == ("x    y", "\x0c\x0b\x1c\x85", 1)
    # Everything else passes: U+2028, private use, U+FFFD, astral characters, no-break space.
    keep = "\u2028\u2029\ue000\ufffd\U0001f600\xa0\ufdcf\ufdf0\U0010fffd"
    assert cf.clean_text(keep) == (keep, "", -1)
    every = "".join(map(chr, range(0x110000)))
    clean, removed, _ = cf.clean_text(every.replace("\x0b", "").replace("\x0c", "").replace("\x85", ""))
    assert forbidden(clean) == [] and len(removed) == len(forbidden(every)) - 3


# --- the importer ---------------------------------------------------------------------------

# At most two controls besides VT and FF: more in so short a file would be taken for binary data.
SEED = "World\n\nFlood\x01 warning\x0bissued\n\nRivers rose\x0cfast.\nRoads closed\x1ftoday.\n\nMore later.\n"


def test_importer_writes_clean_content_and_warns_with_the_seed_line(tmp_path):
    site = make_site(tmp_path, {"seeds/flood.txt": SEED}, toml=TOML)
    config = load_config(site)
    problems = Problems()
    report = import_seeds(site, config, problems, date=IMPORT_DATE)
    assert report.imported == 1 and not problems.errors
    assert [str(p) for p in problems.items] == [
        "seeds/flood.txt:3: removed 4 control characters (U+0001, U+000B, U+000C, U+001F)"]
    written = (site / report.written[0]).read_text(encoding="utf-8")
    assert forbidden(written) == [] and "\\x" not in written  # no YAML escapes either
    _, problems = build(site)
    assert problems.items == []  # the content file is clean: nothing more to say
    html = page(site, "world/flood-warning-issued/index.html")
    # The visible text equals the seed's, whitespace normalised, without the removed characters.
    headline, body = SEED.replace("\x01", "").split("\n\n", 2)[1:]
    assert re.search(r"<h1[^>]*>([^<]*)</h1>", html).group(1) == squash(headline) == "Flood warning issued"
    shown = html.split('<div class="story-body">', 1)[1].split("</div>", 1)[0]
    assert squash(re.sub(r"<[^>]+>", " ", shown)) == squash(body) == "Rivers rose fast. Roads closed today. More later."


# --- the Nu HTML checker --------------------------------------------------------------------

HOME = validators_home()
VNU = HOME / "node/node_modules/vnu-jar/build/dist/vnu.jar"


@pytest.mark.skipif(not (TOOLS / "check-html").is_file() or not VNU.is_file() or shutil.which("java") is None,
                    reason=f"check-html needs {TOOLS / 'check-html'}, java and {VNU} (run install.sh)")
@pytest.mark.slow
@pytest.mark.external
def test_nu_checker_passes(tmp_path):
    files = dict(FILES)
    # One article holding every forbidden character below U+00A0, literally, in title and body.
    every = "".join(c for c in map(chr, range(0xA0)) if forbidden(c)) + "\ufdd0\ufffe\uffff\U0001fffe"
    files["content/world/every.md"] = (f"---\ntitle: Every{every}one\ndate: 2024-05-27T08:00:00+00:00\n"
                                       f"section: World\nslug: every\n---\n\nEvery{every}one.\n")
    site = make_site(tmp_path, files, toml=TOML)
    build(site)
    proc = subprocess.run([str(TOOLS / "check-html"), str(site / "public")], capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0 and "check-html: PASS" in proc.stdout, proc.stdout[-4000:] + proc.stderr[-2000:]
    feeds = sorted([*(site / "public").rglob("feed.xml"), *(site / "public").rglob("atom.xml")])
    for feed in feeds if (TOOLS / "check-feed").is_file() else []:
        proc = subprocess.run([str(TOOLS / "check-feed"), str(feed)], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout[-4000:]

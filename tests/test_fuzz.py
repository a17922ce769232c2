"""Fuzzing the importer and the content loader (issue 7).

Random seeds (random Unicode with RTL marks, U+2028/U+2029, combining marks and emoji; Markdown
metacharacters at line starts and inline; huge lines; deep nesting such as ``>>>>>>`` or
``[[[[``; HTML-like text; control characters; odd line endings and blank lines), random bytes,
and random front matter (every key given values of random YAML types, odd dates, lists for
strings and strings for lists, nested maps, anchors and aliases, very long values) are imported
and built. The properties:

- nothing raises: every problem is reported as ``path[:line]: message`` on a file that exists,
  and everything else is still built and published;
- every article's page shows the text it was made from: the headline (``<h1>`` of the
  ``<article class="story">``) and the body (``<div class="story-body">``), parsed with
  html.parser, equal the seed's headline and paragraphs once whitespace is normalised
  (``str.split``: Unicode spaces, U+2028 and U+2029 included) and the characters XML and HTML
  forbid are taken out (the whitespace ones as a space), the boilerplate lines dropped;
- a 10 MB seed (many paragraphs, or one line) is imported and built within bounded time and
  memory (or refused with a message naming it).

Examples are derandomized (the same on every run and in CI); ``SSG_FUZZ_SCALE=10`` runs ten times
as many, and ``SSG_FUZZ_RANDOM=1`` draws new ones on every run (to hunt, not for CI).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dom import parse, squash
from sitekit import IMPORT_DATE, build, make_site, tree
from ssg.content import article as cf
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.render.markdown import escape_text
from ssg.problems import Problems
from ssg.urls import slugify

pytestmark = [pytest.mark.slow]

settings.register_profile(
    "ssg-fuzz", deadline=None, derandomize=not os.environ.get("SSG_FUZZ_RANDOM"), database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
                           HealthCheck.large_base_example],
)
SCALE = float(os.environ.get("SSG_FUZZ_SCALE", "1"))


def fuzz(examples: int):
    return settings(settings.get_profile("ssg-fuzz"), max_examples=max(1, int(examples * SCALE)))


TOML = """\
title = "Fuzz News"
description = "A fuzzed archive."
base_url = "https://example.org/news/"
timezone = "UTC"
page_size = 2
[import]
decode_entities = false  # entities drawn into seeds are text here (decoding: tests/importer/test_import_quality.py)
[search]
enabled = false
"""

# --- the oracle: what a reader sees of a text -------------------------------------------------


def forbidden(c: str) -> bool:
    """XML 1.0 or HTML forbid it (written apart from ssg's own table)."""
    o = ord(c)
    return ((o < 0x20 and c not in "\t\n\r") or 0x7F <= o <= 0x9F or 0xD800 <= o <= 0xDFFF
            or 0xFDD0 <= o <= 0xFDEF or (o & 0xFFFE) == 0xFFFE)


def visible(text: str) -> str:
    """The text as shown: forbidden characters out (those that are whitespace become a space),
    whitespace normalised."""
    return squash("".join((" " if c.isspace() else "") if forbidden(c) else c for c in text))


BOILERPLATE = "comment here"  # site.toml's default [import] boilerplate


def story(html: str) -> tuple[str, str]:
    """(headline, body) of an article page, whitespace normalised."""
    doc = parse(html)
    [article] = doc.find_all("article", "story")
    [h1] = article.find("header", "story-header").find_all("h1")
    [body] = article.find_all("div", "story-body")
    return squash(h1.text), squash(body.text)


def article_pages(site: Path) -> list[Path]:
    public = site / "public"
    return [p for p in sorted(public.rglob("index.html")) if '<body class="page-article">' in p.read_text(encoding="utf-8")]


PROBLEM = re.compile(r"^(?P<path>(?:seeds|content)/[^\n]+?\.(?:txt|md))(?::(?P<line>\d+))?: (?P<message>[^\n]+)$")


def check_problems(site: Path, problems: Problems) -> None:
    """Every problem names a file of the site (and a line inside it), in one line of text."""
    for p in problems.items:
        m = PROBLEM.match(str(p))
        assert m, str(p)
        path = site / m["path"]
        assert path.is_file(), str(p)
        if m["line"]:
            lines = len(re.split(rb"\r\n|\r|\n", path.read_bytes()))  # CR alone ends a line too
            assert 1 <= int(m["line"]) <= lines, (str(p), lines)
        assert "Traceback" not in p.message and "Error(" not in p.message, str(p)


def import_and_build(site: Path, **options) -> tuple[Problems, object]:
    problems = Problems()
    import_seeds(site, load_config(site), problems, date=IMPORT_DATE)
    # Bad files are left out and the rest is published: what --keep-going asks for.
    report, more = build(site, expect_ok=False, keep_going=True, **options)
    problems.extend(more)
    check_problems(site, problems)
    assert report.published, [str(p) for p in problems.items]
    return problems, report


# --- strategies: hostile text -----------------------------------------------------------------

MARKUP = [
    "#", "##", "###### ", "1.", "2)", "1986.", "123456789)", "-", "- ", "+", "*", "**", "***", "_", "__", "___",
    ">", "> ", ">>>>>>", "`", "``", "```", "~~~", "~~", "|", "| a | b |", "|---|", "[", "]", "[[[[", "]]]]",
    "(", ")", "[x](y)", "[x](javascript:alert(1))", "![i](x.png)", "[^1]", "[^1]:", "[r]: /x", "<", ">",
    "<b>", "</p>", "<script>alert(1)</script>", "</script>", "<!--", "-->", "<http://x.org>", "http://bare.org",
    "&", "&amp;", "&#233;", "&lt;", "&#x0;", "&nbsp", "\\", "\\*", "!", "---", "===", "    ", "{{ 7*7 }}",
    "{% raw %}", "]]>", "<![CDATA[", "$x$", ":::", "=", "a@b.org", "~", "\\\\", "*_`",
]
SPECIAL = [
    "\u200f", "\u200e", "\u202e", "\u202c", "\u2066", "\u2028", "\u2029", "\u0301", "\u0336", "\u20dd",
    "e\u0301", "\U0001f44d\U0001f3fd", "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\U0001f1eb\U0001f1f7",
    "\ufeff", "\u00a0", "\u3000", "\u200b", "\t", "\x0b", "\x0c", "\x85", "\x01", "\x1b", "\x7f", "\x9f",
    "\ufffe", "\uffff", "\U0001fffe", "\ufdd0", "\ufffd", "\u05d0\u05d1", "\u0627\u0644", "\u4e2d\u6587",
]
WORDS = ["storm", "Minister", "élan", "naïve", "über", "Ω", "said", "2024", "3.5%", "it's", "O'Hara", "x"]
# Huge lines and deep nesting: each a single token.
# (10 MB seeds are tested on their own, below: these stay small enough for shrinking to be quick)
HUGE = ["word " * 4000, "x" * 20_000, ">" * 2000 + " q", "[" * 2000, "]" * 2000, "*" * 2000, "_" * 2000,
        "`" * 1000, "<" * 1000, "\\" * 2000, "(" * 2000, "- " * 1000 + "x", "1. " * 700, "&" * 1000,
        "[x](" * 500, "<b>" * 500, "\u0301" * 3000, "\u202e" * 500]

token = st.one_of(
    st.sampled_from(MARKUP),
    st.sampled_from(SPECIAL),
    st.sampled_from(WORDS),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r\n"), min_size=1, max_size=8),
)
separator = st.sampled_from([" ", " ", " ", "", "  ", "\t", "\u00a0", "\u2028"])


@st.composite
def line(draw, allow_huge: bool = True) -> str:
    parts = draw(st.lists(token, min_size=1, max_size=8))
    if allow_huge and draw(st.integers(0, 30)) == 0:
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from(HUGE)))
    text = parts[0]
    for part in parts[1:]:
        text += draw(separator) + part
    # A line that shows nothing is a blank line (it separates blocks), and a last line that is
    # the boilerplate is dropped: the seeds are made so that neither happens by chance.
    assume(visible(text) and visible(text).casefold() != BOILERPLATE)
    return text


# File and folder names: the folder names the section; the importer finds an article again by
# its seed's path (`source:`), whatever the path holds.
NAME_CHARS = "abcxyzéü中 _-#'\"&*!%:<>\\\t\u2028\u200f[]{}|,?@`~"


def controls(text: str) -> int:
    return len(re.findall(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]", text))


def reserved(section) -> bool:
    """A section whose slug is a page of the site's own (or a year) clashes with it, and the
    build stops (README, Output): not what these tests are about."""
    slug = slugify(str(section), fallback="section")
    return slug in {"archive", "search", "tags", "authors", "pagefind"} or slug.isdigit()


@st.composite
def seed(draw) -> dict:
    folder = draw(st.one_of(st.none(), st.text(st.sampled_from(NAME_CHARS), min_size=1, max_size=10)
                            .filter(lambda s: s.strip(" ") and not s.startswith("."))))
    stem = draw(st.text(st.sampled_from(NAME_CHARS), max_size=8))
    section = draw(line(allow_huge=False)) if folder is None else None
    shown_section = visible(section) if folder is None else folder.replace("_", " ").replace("-", " ").strip()
    assume(not reserved(shown_section or "x"))
    headline = draw(st.lists(line(), min_size=1, max_size=2))
    paragraphs = draw(st.lists(st.lists(line(), min_size=1, max_size=3), min_size=1, max_size=4))
    return {
        "folder": folder, "stem": stem, "section": section, "shown_section": shown_section, "headline": headline, "paragraphs": paragraphs,
        "boilerplate": draw(st.sampled_from(["", "", "Comment here", "  COMMENT   here ", "comment here\n\nComment here"])),
        "newline": draw(st.sampled_from(["\n", "\n", "\r\n", "\r"])),
        "bom": draw(st.booleans()),
        "blank": draw(st.sampled_from(["", "", "   ", "\t", "\u2028", "\u00a0 ", "\x0c"])),
        "blanks": draw(st.integers(1, 3)),
        "pad": draw(st.sampled_from(["", "", " ", "\t ", "\u3000"])),
        "final_newline": draw(st.booleans()),
    }


def seed_text(s: dict) -> str:
    blocks: list[list[str]] = []
    if s["section"] is not None:
        blocks.append([s["section"]])
    blocks.append(s["headline"])
    blocks += s["paragraphs"]
    if s["boilerplate"]:
        blocks.append(s["boilerplate"].split("\n"))
    gap = [s["blank"]] * s["blanks"]
    out: list[str] = []
    for i, block in enumerate(blocks):
        if i:
            out += gap
        out += [s["pad"] + line + s["pad"] for line in block]
    text = s["newline"].join(out) + (s["newline"] if s["final_newline"] else "")
    return ("\ufeff" if s["bom"] else "") + text


def seed_expected(s: dict) -> tuple[str, str]:
    return (visible(" ".join(s["headline"])),
            visible(" ".join(line for para in s["paragraphs"] for line in para)))


# --- random seeds -----------------------------------------------------------------------------


@fuzz(60)
@given(st.lists(seed(), min_size=1, max_size=4))
def test_random_seeds_are_imported_and_shown_as_typed(seeds):
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for i, s in enumerate(seeds):
            name = f"{i:02d}{s['stem']}.txt"
            name = name if s["folder"] is None else f"{s['folder']}/{name}"
            files[f"seeds/{name}"] = seed_text(s)
        site = make_site(Path(tmp), {}, toml=TOML)
        for rel, text in files.items():
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_bytes(text.encode("utf-8"))
        problems, _ = import_and_build(site)

        expected: Counter = Counter()
        for (rel, text), s in zip(files.items(), seeds):
            errors = [p for p in problems.errors if p.path == rel]
            duplicate = [p for p in problems.warnings if p.path == rel and p.message.startswith("duplicate of ")]
            if errors:
                # Only a seed full of control characters may be taken for binary data.
                assert [p.message for p in errors] == ["binary data, not a text file"] and controls(text) > 2, \
                    [str(p) for p in errors]
            elif duplicate:
                original = re.fullmatch(r"duplicate of (.+); not imported", duplicate[0].message)[1]
                other = seeds[list(files).index(original)]
                assert seed_expected(other) == seed_expected(s) and other["shown_section"] == s["shown_section"]
            else:
                expected[seed_expected(s)] += 1
        shown = Counter(story(p.read_text(encoding="utf-8")) for p in article_pages(site))
        assert shown == expected

        # Imported again without the stat cache, every seed finds its article by `source:`.
        before = tree(site / "content")
        (site / ".ssg/import.json").unlink(missing_ok=True)
        again = Problems()
        report = import_seeds(site, load_config(site), again, date=IMPORT_DATE)
        assert report.imported == report.updated == report.conflicts == 0, [str(p) for p in again.items]
        assert tree(site / "content") == before


def test_hostile_seed_examples_by_hand(tmp_path):
    """The cases the issue names, each once, whatever hypothesis draws."""
    lines = ["\u200fRTL mark and \u202eoverride\u202c then text", "line\u2028separator and\u2029paragraph",
             "combining e\u0301\u0301\u0301 and emoji \U0001f468\u200d\U0001f469\u200d\U0001f467",
             "> " * 50 + "deep quote", "[" * 500 + "brackets" + "]" * 500, "# * _ ` [ ] ( ) < > | ~ & \\ ! -",
             "1. not a list", "<div>html-like</div> <!-- c --> &amp; &#233;", "x" * 200_000]
    seeds = {f"seeds/{i}.txt": f"World\n\nHeadline {i}: {text}\n\n{text}\n\n{text} again\n" for i, text in enumerate(lines)}
    site = make_site(tmp_path, seeds, toml=TOML)
    import_and_build(site)
    shown = Counter(story(p.read_text(encoding="utf-8")) for p in article_pages(site))
    assert shown == Counter((visible(f"Headline {i}: {t}"), visible(f"{t} {t} again")) for i, t in enumerate(lines))


# --- random bytes -----------------------------------------------------------------------------

BYTES = [b"\xff", b"\xa3", b"\x80", b"\x81", b"\x00", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff", b"\r", b"\n",
         b"\n\n", b"\r\n", b"\x1b", b"\x01", b"\xe2\x80\xa8", "é".encode(), "é".encode("cp1252"), b"abc ",
         b"Word ", b"#", b"<", b"&", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf0\x9f\x98", b" ", b"\t"]


def decoded(data: bytes) -> str | None:
    """The text of a seed's bytes as documented (UTF-8 BOM, UTF-16 BOM, UTF-8, else cp1252); None
    when it cannot be text."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n")


@fuzz(40)
@given(st.lists(st.one_of(st.binary(min_size=1, max_size=300),
                          st.lists(st.sampled_from(BYTES), min_size=1, max_size=60).map(b"".join)),
                min_size=1, max_size=4))
def test_random_bytes_never_crash_the_import_or_the_build(blobs):
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp), {}, toml=TOML)
        # The section-folder layout: every line of the file is the headline or the body.
        for i, data in enumerate(blobs):
            (site / "seeds/news").mkdir(parents=True, exist_ok=True)
            (site / f"seeds/news/{i}.txt").write_bytes(data)
        problems, _ = import_and_build(site)
        assert not [p for p in problems.errors if p.path.startswith("content/")], "the importer wrote a bad file"
        expected: Counter = Counter()
        for i, data in enumerate(blobs):
            rel = f"seeds/news/{i}.txt"
            errors = [p.message for p in problems.errors if p.path == rel]
            text = decoded(data)
            if errors:
                [message] = errors
                if message == "binary data, not a text file":
                    assert text is None or "\x00" in text or controls(text) > 2, (data, text)
                else:
                    assert message in ("empty file", "nothing but blank lines and boilerplate") or \
                        re.fullmatch(r"headline .* but no body", message, re.S), message
                continue
            if any(p.path == rel and p.message.startswith("duplicate of ") for p in problems.warnings):
                continue
            expected[visible(text)] += 1
        shown = Counter(squash(" ".join(story(p.read_text(encoding="utf-8")))) for p in article_pages(site))
        assert shown == expected


# --- random front matter ----------------------------------------------------------------------

hostile = line(allow_huge=False)
offsets = st.integers(-23 * 60 - 59, 23 * 60 + 59).map(lambda m: dt.timezone(dt.timedelta(minutes=m)))
good_dates = st.one_of(
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(2100, 1, 1), timezones=st.one_of(st.none(), offsets)),
    st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1)),
)
scalars = st.one_of(
    hostile, st.text(max_size=5), st.integers(-2**70, 2**70), st.floats(), st.booleans(), st.none(),
    st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31)),
    st.datetimes(dt.datetime(1, 1, 2), dt.datetime(9999, 12, 30), timezones=st.one_of(st.none(), offsets)),
    st.binary(max_size=8),
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6) | st.integers(), inner, max_size=3),
    max_leaves=8,
)
ODD_DATES = ["2024-02-30", "2024-13-01", "2024-01-01T25:00:00", "2024-05-01T08:00:00+25:00", "0000-01-01",
             "9999-12-31", "0001-01-01T00:00:00+05:00", "1e10", "now", "", "2024-05-01 08:00:00.123456789",
             "+2024-05-01", "2024-W01", "20240501", "2024/05/01", "May 1, 2024", "\u0662\u0660\u0662\u0664-01-01"]
# Raw YAML that no dump of a Python value writes: anchors and aliases, tags, merge keys,
# duplicate keys, block scalars, complex keys, undefined aliases, tabs, long values.
RAW = [
    "anchor: &a [Alpha, Beta]\ntags: *a\nauthors: *a",
    "base: &b {x: 1, y: [1, 2]}\ncopy: *b\n<<: *b",
    "loop: &r [*r]",
    "map_loop: &m {self: *m}",
    "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\nl1: &l1 [*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]\n"
    "l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]\nl3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]\n"
    "l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]\nl5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]\n"
    "l6: [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]",
    "deep: " + "[" * 2000 + "]" * 2000,
    "deep_map: " + "{a: " * 1000 + "1" + "}" * 1000,
    "title: &t Shared title\nsummary: *t",
    "tags: !!set {a, b}",
    "authors: !!omap [a: 1, b: 2]",
    "title: !!binary aGVsbG8=",
    "title: !!str 123",
    "date: !!timestamp 2024-01-01",
    "title: |\n  multi\n  line\u2028title",
    "summary: >\n  folded\n\n  summary",
    "? [a, b]\n: complex key",
    "? complex\n: key",
    "title: A\ntitle: B",
    "extra: *undefined",
    "\ttabbed: x",
    "title: 'unclosed",
    "tags: [a, [b, c]]",
    "authors: {name: x}",
    "draft: yes",
    "draft: 'true'",
    "date: 2024-05-01\nupdated: 2023-01-01",
    "image: 'javascript:alert(1)'",
    "slug: ../../../etc/passwd",
    "section: ../..",
    "long: " + "v" * 200_000,
    "title: \"\\x01\\x85\\u2028\\uFFFE\\U0001FFFE\"",
    "%YAML 1.1\n---",
    "- a list\n- not a map",
    "just text",
    "title: [unclosed",
    "{title: flow, date: 2024-01-01}",
    # Values YAML's own constructors fail on (ValueError, once a crash)
    "when: 2024-02-30",
    "when: 2024-05-01T08:00:00+25:00",
    "n: !!int abc",
    "f: !!float x",
]


@st.composite
def front_matter(draw, i: int) -> dict:
    """One content file: its text, and whether every key was drawn valid."""
    valid = True

    def pick(good, bad=anything, p_bad=6):
        nonlocal valid
        if draw(st.integers(0, p_bad)) == 0:
            valid = False
            return draw(bad)
        return draw(good)

    meta: dict = {}
    title = pick(hostile)
    meta["title"] = f"F{i} {title}" if isinstance(title, str) else title
    if draw(st.integers(0, 8)):
        meta["date"] = pick(good_dates, st.one_of(anything, st.sampled_from(ODD_DATES)))
    else:
        valid = False  # no date
    for key, good in [("section", hostile.filter(lambda s: not reserved(visible(s)))),
                      ("summary", hostile), ("source", hostile), ("image", hostile),
                      ("tags", st.one_of(hostile, st.lists(hostile, max_size=3))),
                      ("authors", st.one_of(hostile, st.lists(hostile, max_size=3))),
                      ("updated", good_dates), ("draft", st.booleans())]:
        if draw(st.booleans()):
            value = pick(good)
            if key == "section" and isinstance(value, (str, int, float)):
                assume(not reserved(value))
            meta[key] = value
    if draw(st.booleans()):  # unique (s{i}): two articles on one path fail the build
        if draw(st.booleans()):  # a safe URL segment, any case, any length: used exactly
            meta["slug"] = f"s{i}-" + draw(st.text(alphabet=string.ascii_letters + string.digits + "-._~", max_size=90))
        else:  # anything else is refused, with its line (issue 18: a slug is never changed silently)
            meta["slug"] = f"s{i} {draw(hostile)}"
            valid = False
    for _ in range(draw(st.integers(0, 2))):
        meta[draw(st.text(min_size=1, max_size=10).filter(lambda k: k not in cf.KNOWN_KEYS and k != "slug"))] = draw(anything)
    head = yaml.safe_dump(meta, allow_unicode=draw(st.booleans()), sort_keys=False, width=draw(st.sampled_from([80, 10**6])))
    raw = None
    if draw(st.booleans()):
        raw = draw(st.sampled_from(RAW))
        valid = False
    escaped = draw(st.booleans())
    paragraphs = draw(st.lists(st.lists(line(), min_size=1, max_size=3), min_size=1, max_size=3))
    body = escape_text(paragraphs) if escaped else "\n\n".join("\n".join(p) for p in paragraphs)
    text = f"---\n{head}{raw + chr(10) if raw else ''}---\n\n{body}\n"
    return {"text": text, "valid": valid, "meta": meta, "raw": raw,
            "body": visible(" ".join(line for p in paragraphs for line in p)) if escaped else None}


CONTROL = "---\ntitle: Control article\ndate: 2024-01-01T00:00:00+00:00\nsection: World\n---\n\nStill built.\n"


def shown_title(meta: dict) -> str | None:
    title = meta.get("title")
    return visible(title) if isinstance(title, str) else None


@fuzz(50)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(*(front_matter(i) for i in range(n)))))
def test_random_front_matter_never_crashes_and_is_shown_as_typed(files):
    with tempfile.TemporaryDirectory() as tmp:
        site = make_site(Path(tmp), {"content/world/control.md": CONTROL}, toml=TOML)
        for i, f in enumerate(files):
            path = site / f"content/f/{i}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f["text"], encoding="utf-8")
        problems, _ = import_and_build(site, drafts=True, future=True)
        assert not [p for p in problems.errors if p.path == "content/world/control.md"]
        pages = {}
        for p in article_pages(site):
            headline, body = story(p.read_text(encoding="utf-8"))
            pages[headline] = body
        assert pages.get("Control article") == "Still built."
        for i, f in enumerate(files):
            rel = f"content/f/{i}.md"
            errors = [str(p) for p in problems.errors if p.path == rel]
            if f["valid"]:
                assert not errors, (f["text"][:2000], errors)
            title = shown_title(f["meta"])
            shown = [h for h in pages if h.split(" ", 1)[0] == f"F{i}"]
            if errors:
                assert not shown, errors  # left out, and said why
                continue
            if f["raw"] is None:  # (raw YAML may change the title: a duplicate key, a merge)
                assert shown == [title], (shown, title)
                if f["body"] is not None:
                    assert pages[title] == f["body"]

        # The build cache gives the same site back: one file edited, the rest read from the cache,
        # equals a clean build (odd values survive the cache's JSON).
        control = site / "content/world/control.md"
        control.write_text(CONTROL.replace("Still built.", "Edited."), encoding="utf-8")
        build(site, expect_ok=False, drafts=True, future=True, keep_going=True)
        incremental = tree(site / "public")
        build(site, expect_ok=False, drafts=True, future=True, clean=True, keep_going=True)
        assert tree(site / "public") == incremental


def test_every_raw_front_matter_and_odd_date_by_hand(tmp_path):
    """Each raw YAML snippet and odd date once, whatever hypothesis draws: no crash, problems on
    their file and line, every other file built (each found by its body, as a snippet may change
    its title)."""
    files = {f"content/raw/{i}.md": f"---\ntitle: R{i} raw\ndate: 2024-01-01\n{raw}\n---\n\nBody R{i}.\n"
             for i, raw in enumerate(RAW)}
    for i, d in enumerate(ODD_DATES):
        files[f"content/date/{i}.md"] = f"---\ntitle: D{i} date\ndate: {json.dumps(d)}\n---\n\nBody D{i}.\n"
        files[f"content/date/u{i}.md"] = f"---\ntitle: U{i}\ndate: 2024-01-01\nupdated: {d or '~'}\n---\n\nBody U{i}.\n"
    site = make_site(tmp_path, {**files, "content/world/control.md": CONTROL}, toml=TOML)
    problems, _ = import_and_build(site, drafts=True, future=True)
    bad = {p.path for p in problems.errors}
    assert 10 < len(bad) < len(files)
    shown = sorted(story(p.read_text(encoding="utf-8"))[1] for p in article_pages(site))
    assert shown == sorted(["Still built.", *(files[rel].rsplit("\n\n", 1)[1].strip() for rel in files if rel not in bad)])


def test_nesting_that_overflowed_the_c_parser_is_reported(tmp_path):
    """libyaml recursed once a level and died of a segmentation fault past some 20,000 levels
    (exit status 139, no message): run through the command line in a process of its own."""
    deep = 50_000
    files = {
        "content/a/flow.md": f"---\ntitle: Flow\ndate: 2024-01-01\nx: {'[' * deep}{']' * deep}\n---\n\nBody.\n",
        "content/a/block.md": f"---\ntitle: Block\ndate: 2024-01-01\nx:\n{'- ' * deep}x\n---\n\nBody.\n",
        "content/a/map.md": f"---\ntitle: Map\ndate: 2024-01-01\nx: {'{a: ' * deep}1{'}' * deep}\n---\n\nBody.\n",
        # read by the importer, for its `source:` line alone
        "content/a/source.md": f"---\nsource: {'[' * deep}\ntitle: Source\ndate: 2024-01-01\n---\n\nBody.\n",
        "seeds/one.txt": "World\n\nSeed story\n\nFrom a seed.\n",
        "content/world/control.md": CONTROL,
    }
    site = make_site(tmp_path, files, toml=TOML)
    proc = subprocess.run([sys.executable, "-m", "ssg", "build", "--site", str(site), "--date", "2024-03-10",
                           "--keep-going"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, (proc.returncode, proc.stderr[-2000:])
    errors = sorted(line for line in proc.stderr.splitlines() if line.startswith("content/a/"))
    assert errors == [
        "content/a/block.md:5: front matter nested more than 32 levels deep",
        "content/a/flow.md:4: front matter nested more than 32 levels deep",
        "content/a/map.md:4: front matter nested more than 32 levels deep",
        "content/a/source.md:2: front matter nested more than 32 levels deep",
    ], proc.stderr[-2000:]
    assert {story(p.read_text(encoding="utf-8"))[0] for p in article_pages(site)} == {"Control article", "Seed story"}


def test_front_matter_made_by_aliases_is_refused_with_its_line(tmp_path):
    files = {f"content/a/{i}.md": f"---\ntitle: T{i}\ndate: 2024-01-01\n{raw}\n---\n\nBody.\n"
             for i, raw in enumerate(RAW[2:7])}
    site = make_site(tmp_path, {**files, "content/world/control.md": CONTROL}, toml=TOML)
    _, problems = build(site, expect_ok=False)
    assert sorted(str(p) for p in problems.items) == [
        "content/a/0.md:4: loop: nested more than 32 levels deep (or an alias that contains itself)",
        "content/a/1.md:4: map_loop: nested more than 32 levels deep (or an alias that contains itself)",
        "content/a/2.md:8: l4: more than 100,000 values (aliases repeated over and over)",
        # (past 4,000 characters the pure-Python YAML parser reads them: it gives up sooner)
        "content/a/3.md:4: front matter nested more than 32 levels deep",
        "content/a/4.md:4: front matter nested more than 32 levels deep",
    ]


def test_dates_out_of_range_are_refused(tmp_path):
    files = {f"content/a/{i}.md": f"---\ntitle: T{i}\ndate: {d}\n---\n\nBody.\n"
             for i, d in enumerate(["0001-01-01T00:00:00+05:00", "9999-12-31", "9999-12-31T23:59:59-12:00"])}
    site = make_site(tmp_path, {**files, "content/world/control.md": CONTROL}, toml=TOML)
    _, problems = build(site, expect_ok=False, future=True)
    assert sorted(str(p) for p in problems.items) == [
        "content/a/0.md:3: date: year 1 is out of range (2 to 9998)",
        "content/a/1.md:3: date: year 9999 is out of range (2 to 9998)",
        "content/a/2.md:3: date: year 9999 is out of range (2 to 9998)",
    ]


# --- 10 MB seeds ------------------------------------------------------------------------------

TEN_MB = 10_000_000  # bytes: under the default [limits] max_article_mb = 10 (10 x 2^20 bytes)
VOCABULARY = ("the minister said on tuesday that talks would resume after a long pause in the capital while "
              "markets rose and élan grew über naïve").split() + ["#", "*", "&", "<b>", "[x]", "1."]


def ten_mb(paragraphs: bool) -> tuple[str, str, str]:
    """(seed text of 10 MB, headline, body as shown)."""
    rnd = random.Random(7)
    headline = "A story of ten megabytes"
    head = f"World\n\n{headline}\n\n"
    words = rnd.choices(VOCABULARY, k=TEN_MB // 5)
    if paragraphs:
        body = "\n\n".join(" ".join(words[i:i + 80]) for i in range(0, len(words), 80))
    else:
        body = " ".join(words)
    room = TEN_MB - len(head.encode("utf-8")) - 1
    body = body.encode("utf-8")[:room].decode("utf-8", errors="ignore").rsplit(" ", 1)[0]
    return f"{head}{body}\n", headline, squash(body)


# (A 10 MB seed that is one line: tests/test_resource_limits.py, which checks its memory and text.)
def test_ten_megabyte_seed_is_built_or_refused_cleanly(tmp_path, paragraphs=True):
    text, headline, body = ten_mb(paragraphs)
    size = len(text.encode("utf-8"))
    assert TEN_MB - 1000 <= size <= TEN_MB
    toml = TOML.replace("enabled = false", "enabled = true")  # as a real site: with its search index
    site = make_site(tmp_path, {"seeds/big.txt": text, "seeds/small.txt": "World\n\nSmall story\n\nFine.\n"}, toml=toml)
    refused = load_config(site).limits.too_big(size)  # None under the limit of site.toml
    # In a process of its own, through the command line, so that its peak memory can be measured.
    script = ("import resource, sys\nfrom ssg.cli import main\ncode = main(sys.argv[1:])\n"
              "r = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
              "print(f'PEAK {r}', file=sys.stderr)\nsys.exit(code)\n")
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script, "build", "--site", str(site), "--date", IMPORT_DATE.isoformat()],
                          capture_output=True, text=True, timeout=600)
    seconds = time.monotonic() - started
    peak_mb = int(re.search(r"PEAK (\d+)", proc.stderr)[1]) // 1024
    print(f"10 MB seed ({'paragraphs' if paragraphs else 'one line'}): {seconds:.1f} s, peak {peak_mb} MB")
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert seconds < 300 and peak_mb < 2048, (seconds, peak_mb)
    pages = {story(p.read_text(encoding="utf-8"))[0]: p for p in article_pages(site)}
    assert "Small story" in pages
    if refused is None:
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert story(pages[headline].read_text(encoding="utf-8")) == (headline, body)
    else:  # refused: said so, naming the seed, and the rest built
        assert proc.returncode == 1 and f"seeds/big.txt: {refused}: not imported" in proc.stderr.splitlines(), \
            proc.stderr[-3000:]
        assert headline not in pages


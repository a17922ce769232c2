"""Slugs (and the URLs built from them): one module decides them."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.urls import Urls, content_relpath, segment_problem, slugify, unsafe_slug_message

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Macron meets Putin in Moscow", "macron-meets-putin-in-moscow"),
        ("UPPER and lower CASE", "upper-and-lower-case"),
        ("  Hello,   World!  ", "hello-world"),
        ("Ünïcödé", "unicode"),
        ("Ünïcödé Headline", "unicode-headline"),
        ("naïve café in São Paulo", "naive-cafe-in-sao-paulo"),
        ("ß straße", "ss-strasse"),
        ("北京欢迎你", "bei-jing-huan-ying-ni"),
        ("£5m deal: 'No re-draft' for EU patent law", "5m-deal-no-re-draft-for-eu-patent-law"),
        ("Macron says he seeks to ‘avoid war’", "macron-says-he-seeks-to-avoid-war"),
        ("tab\tand/slash\\back", "tab-and-slash-back"),
    ],
)
def test_slugify(text, expected):
    assert slugify(text) == expected


@pytest.mark.parametrize("text", ["مرحبا بالعالم", "Привет мир", "Γειά σου Κόσμε", "日本語のテキスト", "שלום עולם", "नमस्ते"])
def test_any_script_is_transliterated_to_ascii_words(text):
    slug = slugify(text, fallback="")
    assert slug != "untitled" and SLUG.match(slug), slug


@pytest.mark.parametrize(
    "text",
    [
        " ".join(["archive"] * 30),
        "Prime Minister announces sweeping reforms to the national health service and education system in landmark speech",
        "a " * 100,
        "supercalifragilistic " * 10,
    ],
)
def test_at_most_80_characters_cut_at_a_word_boundary(text):
    slug = slugify(text)
    full = slugify(text, max_length=10_000)
    assert len(full) > 80  # the case is real
    assert 0 < len(slug) <= 80 and SLUG.match(slug)
    assert full.startswith(slug + "-")  # whole words only...
    next_word = full[len(slug) + 1 :].split("-", 1)[0]
    assert len(slug) + 1 + len(next_word) > 80  # ...and as many as fit


def test_one_overlong_word_is_cut_but_kept():
    slug = slugify("x" * 200)
    assert slug == "x" * 80


@pytest.mark.parametrize("text", ["", "   ", "!!! ???", "…", "---", "🙂🙂", ".."])
def test_never_empty_falls_back_to_the_file_name(text):
    assert slugify(text, fallback="000_d2dcb3eeb09a57c7") == "000-d2dcb3eeb09a57c7"
    assert slugify(text, fallback="") == "untitled"


@pytest.mark.parametrize("hostile", ["../../etc", "/etc/passwd", "..", "a/../../b", "..\\..\\windows", "./.", "~/x"])
def test_never_a_path_separator_or_dot_segment(hostile):
    slug = slugify(hostile, fallback="x")
    assert slug and SLUG.match(slug)
    assert "/" not in slug and "\\" not in slug and ".." not in slug
    rel = content_relpath(slugify(hostile, fallback="section"), slug)
    assert len(rel.parts) == 2 and ".." not in rel.parts


def test_slug_of_dot_dot_etc():
    assert slugify("../../etc") == "etc"


def test_content_relpath():
    assert content_relpath("middle-east", "a-b") == PurePosixPath("middle-east/a-b.md")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_gives_a_safe_slug(text):
    slug = slugify(text, fallback="fallback")
    assert SLUG.match(slug) and len(slug) <= 80


def test_urls_under_a_subpath():
    urls = Urls("https://example.org/archive/")
    assert urls.base_path == "/archive/"
    assert urls.url(urls.article_path("world", "a")) == "/archive/world/a/"
    assert urls.absolute("/feed.xml") == "https://example.org/archive/feed.xml"
    assert urls.section_path("world", 2) == "/world/page/2/"
    assert Urls.output_file("/world/a/") == "world/a/index.html"
    assert Urls.output_file("/") == "index.html"
    with pytest.raises(ValueError):
        Urls.output_file("/a/../../b/")


# --- slugs given by hand (front matter `slug`, `ssg new --slug`): used as written, or refused --------

@pytest.mark.parametrize("slug", ["a" * 85, "Mixed_Case.v2~x", "2024", "~", "...", ".hidden", "A-B", "x" * 255])
def test_a_safe_segment_is_accepted_as_it_is(slug):
    assert segment_problem(slug) is None


@pytest.mark.parametrize(
    "slug, why",
    [
        ("", "empty"),
        (".", "a path step, not a name"),
        ("..", "a path step, not a name"),
        ("a/b", "only letters, digits, - . _ ~"),
        ("../etc", "only letters, digits, - . _ ~"),
        ("a b", "only letters, digits, - . _ ~"),
        ("a?b", "only letters, digits, - . _ ~"),
        ("a#b", "only letters, digits, - . _ ~"),
        ("a%20b", "only letters, digits, - . _ ~"),
        ("a\x01b", "only letters, digits, - . _ ~"),
        ("a\tb", "only letters, digits, - . _ ~"),
        ("café", "only letters, digits, - . _ ~"),
        ("a\\b", "only letters, digits, - . _ ~"),
        ("x" * 256, "longer than 255 bytes"),
    ],
)
def test_an_unsafe_segment_is_refused_saying_why(slug, why):
    assert segment_problem(slug) == why


def test_the_refusal_suggests_the_slugified_form():
    assert unsafe_slug_message("a/b", segment_problem("a/b"), "x") == (
        'slug: "a/b" is not a safe URL segment (only letters, digits, - . _ ~): write slug: a-b')
    assert unsafe_slug_message("..", "a path step, not a name", "my-file", key="--slug") == (
        '--slug ".." is not a safe URL segment (a path step, not a name): write --slug my-file')
    long = unsafe_slug_message("y" * 300, "longer than 255 bytes", "x")
    assert long == f'slug: "{"y" * 57}..." is not a safe URL segment (longer than 255 bytes): write slug: {"y" * 80}'


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_an_accepted_segment_is_one_output_folder(text):
    if segment_problem(text) is None:
        rel = Urls.output_file(Urls("https://example.org/").article_path("world", text))
        assert rel == f"world/{text}/index.html" and PurePosixPath(rel).parts[1] == text


def test_content_relpath_of_a_name_a_file_cannot_carry():
    assert content_relpath("world", "Mixed_Case.v2~x") == PurePosixPath("world/Mixed_Case.v2~x.md")
    assert content_relpath("world", ".hidden") == PurePosixPath("world/hidden.md")  # a dot file is not content
    assert content_relpath("world", "a" * 252) == PurePosixPath(f"world/{'a' * 252}.md")
    assert content_relpath("world", "a" * 253) == PurePosixPath(f"world/{'a' * 80}.md")  # 256 bytes with .md

"""Slugs (and the URLs built from them): one module decides them."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.urls import Urls, content_relpath, slugify

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

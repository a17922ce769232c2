"""Slugs and URLs: one module decides them."""

from __future__ import annotations

import re

import pytest

from ssg.urls import Urls, slugify

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Macron meets Putin in Moscow", "macron-meets-putin-in-moscow"),
        ("Ünïcödé Headline", "unicode-headline"),
        ("北京欢迎你", "bei-jing-huan-ying-ni"),
        ("£5m deal: 'No re-draft' for EU patent law", "5m-deal-no-re-draft-for-eu-patent-law"),
    ],
)
def test_slugify(text, expected):
    assert slugify(text) == expected


@pytest.mark.parametrize("text", ["مرحبا بالعالم", "Привет мир", "Γειά σου Κόσμε", "日本語のテキスト"])
def test_any_script_gives_ascii_words(text):
    slug = slugify(text)
    assert slug and SLUG.match(slug)


def test_length_cut_at_word_boundary():
    text = " ".join(["archive"] * 30)
    slug = slugify(text)
    assert len(slug) <= 80 and slug.endswith("archive") and SLUG.match(slug)


def test_never_empty_and_never_escapes():
    assert slugify("!!! ???", fallback="seed-007") == "seed-007"
    assert slugify("", fallback="") == "untitled"
    for hostile in ("../../etc", "/etc/passwd", "..", "a/../../b"):
        slug = slugify(hostile, fallback="x")
        assert "/" not in slug and ".." not in slug and slug


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

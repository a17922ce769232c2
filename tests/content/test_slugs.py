"""A front matter ``slug`` is used exactly as written (a published URL must never change under
it), when it is a safe URL segment; any other is refused with its line and the slugified form."""

from __future__ import annotations

import pytest

from editkit import NOW, tree
from sitekit import build, write
from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems

LONG = "a" * 85


def _article(title: str, slug: str, day: int = 1) -> str:
    # slug: on line 5, after title, date and section.
    return f"---\ntitle: {title}\ndate: 2024-05-{day:02d}T08:00:00+00:00\nsection: World\nslug: {slug}\n---\n\nBody of {title}.\n"


def _site(tmp_path, articles: dict[str, str]):
    site = tmp_path / "site"
    write(site / "site.toml", 'title = "T"\nbase_url = "https://example.org/"\n')
    for name, text in articles.items():
        write(site / "content" / name, text)
    return site


def test_a_safe_slug_is_the_url_exactly(tmp_path):
    site = _site(tmp_path, {"long.md": _article("Long", LONG), "mixed.md": _article("Mixed", "Mixed_Case.v2~x", 2),
                            "number.md": _article("Number", "2024", 3), "plain.md": "---\ntitle: P\ndate: 2024-05-04\n---\n\nB.\n",
                            "Odd Name.md": "---\ntitle: O\ndate: 2024-05-05\n---\n\nB.\n"})
    build(site)
    out = site / "public"
    assert (out / f"world/{LONG}/index.html").is_file()  # not cut to 80 characters
    assert (out / "world/Mixed_Case.v2~x/index.html").is_file()  # nor lowercased
    assert (out / "world/2024/index.html").is_file()
    # Without a slug, the file's name is slugified as before.
    assert (out / "news/plain/index.html").is_file() and (out / "news/odd-name/index.html").is_file()
    home = (out / "index.html").read_text()
    assert f'href="/world/{LONG}/"' in home and 'href="/world/Mixed_Case.v2~x/"' in home


UNSAFE = [
    ('"a/b"', 'slug: "a/b" is not a safe URL segment (only letters, digits, - . _ ~): write slug: a-b'),
    ("..", 'slug: ".." is not a safe URL segment (a path step, not a name): write slug: bad'),
    (".", 'slug: "." is not a safe URL segment (a path step, not a name): write slug: bad'),
    ('"a b"', 'slug: "a b" is not a safe URL segment (only letters, digits, - . _ ~): write slug: a-b'),
    ('"what?"', 'slug: "what?" is not a safe URL segment (only letters, digits, - . _ ~): write slug: what'),
    ('"a#b"', 'slug: "a#b" is not a safe URL segment (only letters, digits, - . _ ~): write slug: a-b'),
    ("100%", 'slug: "100%" is not a safe URL segment (only letters, digits, - . _ ~): write slug: 100'),
    ('"tab\\there"', 'slug: "tab\\there" is not a safe URL segment (only letters, digits, - . _ ~): write slug: tab-here'),
    ('"a\\x01b"', 'slug: "ab" is not a safe URL segment (it held control characters): write slug: ab'),
    ("a\x01b", 'slug: "ab" is not a safe URL segment (it held control characters): write slug: ab'),
    ("Café", 'slug: "Café" is not a safe URL segment (only letters, digits, - . _ ~): write slug: cafe'),
    ('""', 'slug: "" is not a safe URL segment (empty): write slug: bad'),
    ("b" * 256, f'slug: "{"b" * 57}..." is not a safe URL segment (longer than 255 bytes): write slug: {"b" * 80}'),
    # Not text as written: YAML reads these as a number or a boolean.
    ("1.50", 'slug: 1.50 is read as 1.5, not as text: write slug: "1.50"'),
    ("yes", "slug: yes is read as True, not as text: write slug: \"yes\""),
]


@pytest.mark.parametrize("slug, message", UNSAFE)
def test_an_unsafe_slug_is_refused_with_its_line_and_the_rest_is_built(tmp_path, slug, message):
    site = _site(tmp_path, {"bad.md": _article("Bad", slug), "good.md": _article("Good", "Good_One", 2)})
    report, problems = build(site, expect_ok=False, keep_going=True)
    errors = [str(p) for p in problems.errors]
    assert errors == [f"content/bad.md:5: {message}"]
    assert report.published  # --keep-going: the rest of the site (ssg build exits 1)
    assert (site / "public/world/Good_One/index.html").is_file()
    assert not any("Bad" in p.read_text() for p in (site / "public/world").rglob("*.html"))


def test_urls_differing_only_in_case_still_clash(tmp_path):
    site = _site(tmp_path, {"one.md": _article("One", "Storm"), "two.md": _article("Two", "storm", 2)})
    _, problems = build(site, expect_ok=False)
    assert any("output world/" in str(p) and "also produced by" in str(p) for p in problems.errors), \
        [str(p) for p in problems.items]


def test_an_incremental_build_after_a_slug_change_equals_a_clean_one(tmp_path):
    site = _site(tmp_path, {"a.md": _article("A", "first"), "b.md": _article("B", "other", 2)})

    def built(output: str | None = None, clean: bool = False):
        config = load_config(site)
        if output:
            import dataclasses
            config = dataclasses.replace(config, output_dir=output)
        problems = Problems()
        build_site(site, config, problems, BuildOptions(now=NOW, clean=clean, jobs=1, keep_going=True))
        return tree(site / (output or "public"))

    built()
    for slug in ("First", LONG, "Mixed_Case.v2~x", '"a/b"', "first"):
        write(site / "content/a.md", _article("A", slug))
        incremental, clean = built(), built("clean-public", clean=True)
        assert incremental == clean, slug
        assert ("world/a-b/index.html" not in incremental and "world/first/index.html" not in incremental
                if slug == '"a/b"' else f"world/{slug}/index.html" in incremental), slug

"""site.toml: defaults, validation with every error at once, upward discovery."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ssg.config import Config, find_site, parse_config
from ssg.problems import SsgError


def errors(text: str) -> list[str]:
    with pytest.raises(SsgError) as exc:
        parse_config(text)
    return [str(p) for p in exc.value.problems]


def test_empty_file_gives_defaults():
    assert parse_config("") == Config()


def test_values_are_read():
    c = parse_config('title = "X"\npage_size = 5\n[import]\nboilerplate = ["A", "B"]\n[feeds]\nfull_content = false\n')
    assert (c.title, c.page_size, c.imports.boilerplate, c.feeds.full_content) == ("X", 5, ("A", "B"), False)


def test_unknown_key_suggests_near_miss():
    assert errors('titel = "x"') == ["site.toml: unknown key 'titel' (did you mean 'title'?)"]
    assert errors('[feeds]\nitem = 3') == ["site.toml: unknown key 'feeds.item' (did you mean 'feeds.items'?)"]


def test_wrong_types_all_at_once():
    found = errors('page_size = "ten"\nlanguage = 3\nhome_latest = true\n[import]\nboilerplate = "x"\nsurprise = 1\n')
    assert len(found) == 5, found
    assert any("page_size: expected an integer" in e for e in found)
    assert any("home_latest: expected an integer, got True" in e for e in found)
    assert any("language: expected a string" in e for e in found)
    assert any("import.boilerplate: expected a list of string" in e for e in found)
    assert any("unknown key 'import.surprise'" in e for e in found)


def test_invalid_toml_names_the_line():
    (problem,) = errors('title = "x"\npage_size = = 3\n')
    assert re.match(r"site\.toml:2: invalid TOML", problem)


def test_bad_values():
    found = errors('timezone = "Mars/Olympus"\nbase_url = "example.org"\npage_size = 0\n[permalinks]\narticle = "/{slug}/"\n')
    assert any("unknown time zone" in e for e in found)
    assert any("base_url: must start with http" in e for e in found)
    assert any("page_size: must be at least 1" in e for e in found)
    assert any("permalinks.article" in e for e in found)


def test_find_site_walks_upward(tmp_path: Path):
    (tmp_path / "site.toml").write_text("")
    deep = tmp_path / "content" / "a" / "b"
    deep.mkdir(parents=True)
    assert find_site(deep) == tmp_path.resolve()
    assert find_site(tmp_path.parent) is None or find_site(tmp_path.parent) != tmp_path.resolve()

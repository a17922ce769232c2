"""Every JSON Feed a build writes validates against a JSON Schema of JSON Feed 1.1
(jsonfeed-1.1.schema.json beside this file, written from https://www.jsonfeed.org/version/1.1/),
and the schema refuses what the spec forbids (so this test can fail)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from sitekit import build, make_site

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (test extra) not installed")

SCHEMA = json.loads((Path(__file__).with_name("jsonfeed-1.1.schema.json")).read_text(encoding="utf-8"))
TOML = """\
title = "Schema <News> & Co"
description = "Feeds checked against the JSON Feed 1.1 schema."
base_url = "https://example.org/news/"
timezone = "Europe/London"
[search]
enabled = false
[feeds]
websub_hub = "https://hub.example.org/"
"""


def doc(title: str, date: str, section: str, tags: str, authors: str, extra: str = "") -> str:
    return (f"---\ntitle: {json.dumps(title)}\ndate: {date}\nsection: {section}\nsummary: \"A summary & <b>x</b>\"\n"
            f"tags: [{tags}]\nauthors: [{authors}]\n{extra}---\n\nA body with [a link](/elsewhere/).\n")


FILES = {
    "content/world/a.md": doc("A <story> & more", "2024-05-02T08:00:00+01:00", "World", "Storms, Coast", "Ann Lee",
                              "updated: 2024-05-03T09:00:00+01:00\nimage: https://cdn.example.org/img/a.jpg\nimage_alt: A\n"),
    "content/world/b.md": doc("B", "2024-04-01T08:00:00Z", "World", "Storms", "Bo", ""),
    "content/business/c.md": doc("C", "2023-12-31T23:59:59-05:00", "Business", "Markets", "Ann Lee, Bo", ""),
}


def validator():
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA, format_checker=cls.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def public(tmp_path_factory) -> Path:
    site = make_site(tmp_path_factory.mktemp("schema"), FILES, toml=TOML)
    build(site)
    return site / "public"


def errors(feed) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(feed)]


def test_every_json_feed_of_a_site_validates(public):
    feeds = sorted(p.relative_to(public).as_posix() for p in public.rglob("feed.json"))
    # The site, each section, tag and author.
    for must in ("feed.json", "world/feed.json", "tags/storms/feed.json", "authors/ann-lee/feed.json"):
        assert must in feeds, feeds
    assert len(feeds) == 1 + 2 + 3 + 2
    for rel in feeds:
        feed = json.loads((public / rel).read_text(encoding="utf-8"))
        assert feed["items"], rel
        assert errors(feed) == [], rel
    site = json.loads((public / "feed.json").read_text(encoding="utf-8"))
    assert site["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
    assert {"image", "authors", "tags", "date_modified"} <= set(site["items"][0])  # the optional fields are checked too


@pytest.mark.parametrize("break_it, where", [
    (lambda f: f["items"][0].pop("id"), "'id' is a required property"),
    (lambda f: f.pop("title"), "'title' is a required property"),
    (lambda f: f.pop("items"), "'items' is a required property"),
    (lambda f: f.update(version="https://jsonfeed.org/version/1"), "version"),
    (lambda f: [f["items"][0].pop(k, None) for k in ("content_html", "content_text")], "not valid under any"),
    (lambda f: f["items"][0].update(id=7), "7 is not of type 'string'"),
    (lambda f: f["items"][0].update(date_published="2024-05-02 08:00"), "date_published"),
    (lambda f: f["items"][0].update(date_modified="2024-05-02T08:00:00"), "date_modified"),
    (lambda f: f["items"][0].update(url="/news/world/a/"), "url"),
    (lambda f: f["items"][0].update(authors=[{}]), "authors"),
    (lambda f: f["items"][0].update(tags=["ok", 3]), "tags"),
    (lambda f: f.update(hubs=[{"type": "WebSub"}]), "'url' is a required property"),
    (lambda f: f.update(hub=[{"type": "WebSub", "url": "https://h/"}]), "hub"),  # a misspelt key
])
def test_a_broken_feed_fails_validation(public, break_it, where):
    feed = json.loads((public / "feed.json").read_text(encoding="utf-8"))
    assert errors(feed) == []
    broken = copy.deepcopy(feed)
    break_it(broken)
    found = errors(broken)
    assert found and any(where in e for e in found), found

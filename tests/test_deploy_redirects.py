"""The S3 target turns the build's ``_redirects`` (``<from> <to> [status]`` lines, Netlify and
Cloudflare Pages syntax) into object redirects: the page a ``<from>`` names is uploaded with
``WebsiteRedirectLocation: <to>``, which an S3 website endpoint answers with a 301.
Against moto's S3 server (the fixtures of test_deploy.py)."""

from __future__ import annotations

import pytest

from sitekit import article, build, make_site
from ssg.deploy import Redirect, parse_redirects, redirect_objects
from test_deploy import bucket, deployed_ok, run_deploy, s3_endpoint, s3_toml  # noqa: F401 (fixtures)

REDIRECTS = """\
# Moved stories (written by ssg build)
/news/world/old-slug/ /news/world/a/ 301

/world/older.html https://elsewhere.example/story 302
/news/world/b/   /news/world/a/
/gone/* /news/ 301
/news/search/ /news/?q=:q 200
/news/world/x/ relative/target 301
/news/no-such-page/ /news/ 301
/news/cond/ /news/ 301 Country=fr
"""


def test_parse_redirects_takes_plain_redirects_and_says_what_it_skips():
    rules, skipped = parse_redirects(REDIRECTS)
    assert rules == [Redirect(2, "/news/world/old-slug/", "/news/world/a/", 301),
                     Redirect(4, "/world/older.html", "https://elsewhere.example/story", 302),
                     Redirect(5, "/news/world/b/", "/news/world/a/", 301),
                     Redirect(9, "/news/no-such-page/", "/news/", 301)]
    assert [line for line, _ in skipped] == [6, 7, 8, 10]
    assert "not a plain path" in skipped[0][1] and "status 200 is not a redirect" == skipped[1][1]
    assert "only to a path starting with '/'" in skipped[2][1] and "conditions" in skipped[3][1]
    assert parse_redirects("") == ([], []) and parse_redirects("# only\n\n   \n") == ([], [])
    assert parse_redirects("/a/\n") == ([], [(1, "no target")])
    assert parse_redirects("/a/ /b/ 301!\n")[0] == [Redirect(1, "/a/", "/b/", 301)]  # forced


def test_redirect_sources_name_output_files_with_or_without_the_base_path():
    rules, _ = parse_redirects(REDIRECTS)
    files = {"world/old-slug/index.html", "world/older.html", "world/b/index.html", "world/a/index.html"}
    redirects, missing = redirect_objects(rules, files, "/news/")
    assert redirects == {"world/old-slug/index.html": "/news/world/a/",
                         "world/older.html": "https://elsewhere.example/story",
                         "world/b/index.html": "/news/world/a/"}
    assert missing == [(9, "no file for /news/no-such-page/ in the built site (S3 redirects an object)")]
    assert redirect_objects(rules, files, "/")[0] == {"world/older.html": "https://elsewhere.example/story"}
    assert redirect_objects([Redirect(1, "/../etc/", "/x/", 301)], {"etc/index.html"}, "/")[0] == {}


def test_s3_objects_of_redirected_pages_carry_their_location(tmp_path, s3_endpoint, bucket):  # noqa: F811
    client, name = bucket
    files = {"content/world/a.md": article("A", "2024-05-02T08:00:00+00:00", "World", slug="a"),
             "content/world/b.md": article("B", "2024-05-01T08:00:00+00:00", "World", slug="b")}
    toml = ('title = "R"\nbase_url = "https://example.org/news/"\n[search]\nenabled = false\n'
            + s3_toml(s3_endpoint, name))
    site = make_site(tmp_path, files, toml=toml)
    build(site)
    public = site / "public"
    # By hand, as the build will: the old URL's page and the _redirects line for it.
    (public / "world/old-slug").mkdir(parents=True)
    (public / "world/old-slug/index.html").write_text('<!doctype html><html lang="en"><head><meta charset="utf-8">'
                                                      '<title>Moved</title><link rel="canonical" '
                                                      'href="https://example.org/news/world/a/"></head><body>'
                                                      '<a href="/news/world/a/">Moved</a></body></html>\n')
    (public / "_redirects").write_text(REDIRECTS)
    plan, problems, _ = run_deploy(site, force=True)  # (check may object to the hand-made page)
    assert plan is not None and not problems.errors, [str(p) for p in problems.items]
    head = client.head_object(Bucket=name, Key="news/world/old-slug/index.html")
    assert head["WebsiteRedirectLocation"] == "/news/world/a/"
    head = client.head_object(Bucket=name, Key="news/world/b/index.html")
    assert head["WebsiteRedirectLocation"] == "/news/world/a/"
    assert "WebsiteRedirectLocation" not in client.head_object(Bucket=name, Key="news/world/a/index.html")
    warned = [str(p) for p in problems.warnings if "_redirects" in p.path]
    assert warned[:2] == ["public/_redirects:6: not an S3 redirect: '/gone/*' is not a plain path "
                          "(no splats, placeholders or queries on S3)",
                          "public/_redirects:7: not an S3 redirect: status 200 is not a redirect"]
    assert len(warned) == 6  # lines 6, 7, 8, 10; and 4, 9: no such file
    # Nothing changed: nothing uploaded. A new target for the same bytes: uploaded again.
    plan, _ = deployed_ok(site, force=True)
    assert plan.empty
    (public / "_redirects").write_text("/news/world/b/ https://example.org/news/world/a/ 301\n")
    plan, _ = deployed_ok(site, force=True)
    assert set(plan.uploads) == {"_redirects", "world/b/index.html", "world/old-slug/index.html"}
    assert client.head_object(Bucket=name, Key="news/world/b/index.html")["WebsiteRedirectLocation"] == \
        "https://example.org/news/world/a/"
    assert "WebsiteRedirectLocation" not in client.head_object(Bucket=name, Key="news/world/old-slug/index.html")

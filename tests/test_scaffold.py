"""The first hour with ssg: `ssg init` (and what it says to do next), `ssg new`, `ssg theme copy`."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from dom import parse, squash

HEADLINE = "Storm <script>alert(1)</script> & {{ x }} *hits*"


def _site(run_cli, tmp_path: Path, name: str = "site") -> Path:
    result = run_cli(tmp_path, "init", name)
    assert result.code == 0, result.err
    return tmp_path / name


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n")])


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- ssg init ------------------------------------------------------------------------------------

def test_init_prints_the_next_steps(run_cli, tmp_path):
    result = run_cli(tmp_path, "init", "mysite")
    assert result.code == 0 and result.err == ""
    assert result.out.splitlines() == [
        f"created a new site in {(tmp_path / 'mysite').resolve()}",
        "next steps:",
        "  cd mysite",
        '  ssg new "Your first headline" --section News',
        "  ssg serve            # preview at http://127.0.0.1:8000/, reloads on every change",
    ]


def test_init_names_the_folder_as_typed_and_quoted(run_cli, tmp_path):
    (tmp_path / "sub").mkdir()
    result = run_cli(tmp_path / "sub", "init", "../my site/")  # as typed: relative, trailing slash
    assert result.code == 0 and (tmp_path / "my site" / "site.toml").is_file()
    assert "\n  cd '../my site/'\n" in result.out
    # In the current folder: nothing to cd into.
    here = tmp_path / "here"
    here.mkdir()
    result = run_cli(here, "init", ".")
    assert result.code == 0 and "cd " not in result.out and "  ssg new " in result.out
    # -q: silent.
    result = run_cli(tmp_path, "init", "quiet", "-q")
    assert (result.code, result.out, result.err) == (0, "", "")
    assert (tmp_path / "quiet" / "site.toml").is_file()


# --- ssg new -------------------------------------------------------------------------------------

def test_new_then_build_shows_the_headline_exactly_as_typed(run_cli, tmp_path):
    site = _site(run_cli, tmp_path)
    result = run_cli(site, "new", HEADLINE, "--section", "Politics", "--tags", "Transport, Local government",
                     "--author", "Jane Doe", "--author", "Smith, John", "--date", "2024-03-05")
    assert result.code == 0 and result.err == ""
    assert result.out == "content/politics/storm-script-alert-1-script-x-hits.md\n"
    path = site / result.out.strip()
    meta = _front_matter(path)
    assert meta["title"] == HEADLINE
    assert meta["section"] == "Politics" and meta["slug"] == "storm-script-alert-1-script-x-hits"
    assert meta["tags"] == ["Transport", "Local government"] and meta["authors"] == ["Jane Doe", "Smith, John"]
    assert "draft" not in meta and str(meta["date"]) == "2024-03-05 00:00:00+00:00"
    assert "\ndate: 2024-03-05T00:00:00+00:00\n" in path.read_text()
    # The user's own file: none of the importer's bookkeeping, so no import ever rewrites it.
    assert not {"source", "seed_hash", "import_hash"} & meta.keys()
    body = path.read_text().split("\n---\n", 1)[1].strip()
    assert body.startswith("Write the story here.") and "\n" not in body and not re.search(r"[<>*_#`\[]", body)

    written = path.read_bytes()
    (site / "seeds/a.txt").write_text(f"Politics\n\n{HEADLINE}\n\nA seed with the same headline.\n")
    result = run_cli(site, "build", "-j", "1", "--date", "2024-01-01")
    assert result.code == 0 and result.err == "", result.err
    html = (site / "public/politics/storm-script-alert-1-script-x-hits/index.html").read_text()
    assert [squash(h.text) for h in parse(html).find_all("h1")] == [HEADLINE]
    assert "<script>alert(1)</script>" not in html
    section = parse((site / "public/politics/index.html").read_text())
    links = [squash(a.text) for a in section.find_all("a", href="/politics/storm-script-alert-1-script-x-hits/")]
    assert HEADLINE in links
    assert (site / "public/tags/local-government/index.html").is_file()
    assert (site / "public/authors/smith-john/index.html").is_file()
    # The build's import left the user's file alone and gave its own article the next slug.
    assert path.read_bytes() == written
    assert _front_matter(site / "content/politics/storm-script-alert-1-script-x-hits-2.md")["source"] == "seeds/a.txt"


def test_new_now_in_the_site_time_zone_draft_and_tag_options(run_cli, tmp_path, make_site):
    site = make_site(tmp_path, toml='timezone = "Asia/Kolkata"\n')
    (tmp_path / "elsewhere").mkdir()
    result = run_cli(tmp_path / "elsewhere", "new", "Rates rise", "--section", "Business", "--tag", "Economy", "--tag", "Banks",
                     "--tag", "economy", "--draft", "--site", str(site))
    assert result.code == 0
    # Outside the site: the path in full. The draft is said to be left out (a note, not a warning).
    assert result.out == f"{site.resolve()}/content/business/rates-rise.md\n"
    assert "content/business/rates-rise.md: draft:" in result.err and "warning" not in result.err
    text = (site / "content/business/rates-rise.md").read_text()
    assert re.search(r"^date: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+05:30$", text, re.M), text
    meta = _front_matter(site / "content/business/rates-rise.md")
    assert meta["tags"] == ["Economy", "Banks"] and meta["draft"] is True and "authors" not in meta
    # From a folder inside the site: relative to it.
    result = run_cli(site / "content", "new", "Rates fall", "--section", "Business")
    assert result.out == "business/rates-fall.md\n"


def test_new_numbers_a_taken_slug_as_the_importer_does(run_cli, tmp_path):
    site = _site(run_cli, tmp_path)
    outs = [run_cli(site, "new", "Storm hits", "--section", "News").out for _ in range(3)]
    assert outs == ["content/news/storm-hits.md\n", "content/news/storm-hits-2.md\n", "content/news/storm-hits-3.md\n"]
    # A file elsewhere whose front matter gives it the URL /world/quake/ takes that URL too.
    (site / "content/misc").mkdir()
    (site / "content/misc/x.md").write_text("---\ntitle: Q\ndate: 2024-01-01\nsection: World\nslug: Quake\n---\n\nB.\n")
    assert run_cli(site, "new", "Quake", "--section", "world").out == "content/world/quake-2.md\n"


def test_new_takes_a_safe_slug_exactly_as_given(run_cli, tmp_path):
    """Any RFC 3986 unreserved segment, as the build takes it from front matter: never slugified."""
    site = _site(run_cli, tmp_path)
    long = "a" * 85
    for slug in ("Mixed_Case.v2~x", long, "2024"):
        result = run_cli(site, "new", "Storm hits", "--section", "World", "--slug", slug)
        assert (result.code, result.out) == (0, f"content/world/{slug}.md\n"), slug
        assert _front_matter(site / f"content/world/{slug}.md")["slug"] == slug
    # A name the file cannot carry (hidden, or too long with ".md") is slugified; the front matter keeps the slug.
    for slug, name in ((".hidden", "hidden"), ("b" * 255, "b" * 80)):
        assert run_cli(site, "new", "Storm hits", "--section", "World", "--slug", slug).out == f"content/world/{name}.md\n"
        assert _front_matter(site / f"content/world/{name}.md")["slug"] == slug


def test_new_refuses_and_writes_nothing(run_cli, tmp_path, snapshot):
    site = _site(run_cli, tmp_path)
    (site / "content/world").mkdir()
    (site / "content/world/quake.md").write_text("---\ntitle: Quake\ndate: 2024-01-01\n---\n\nMine.\n")
    (site / "content/misc").mkdir()
    (site / "content/misc/x.md").write_text("---\ntitle: X\ndate: 2024-01-01\nsection: News\nslug: Flood\n---\n\nB.\n")
    before = snapshot(site)
    cases = [
        (["Quake", "--section", "World", "--slug", "quake"],
         "content/world/quake.md: already exists; not overwritten (choose another --slug)\n"),
        (["Flood", "--section", "news", "--slug", "flood"],
         "content/news/flood.md: not written: content/misc/x.md already has the URL /news/Flood/ (choose another --slug)\n"),
        (["  ", "--section", " "], "content: the headline is empty\ncontent: --section is empty\n"),
        (["Fine", "--section", "News", "--slug", "../Evil"],
         'content: --slug "../Evil" is not a safe URL segment (only letters, digits, - . _ ~): write --slug evil\n'),
        (["Fine", "--section", "News", "--slug", ".."],
         'content: --slug ".." is not a safe URL segment (a path step, not a name): write --slug fine\n'),
        (["Fine", "--section", "News", "--slug", ""],
         'content: --slug "" is not a safe URL segment (empty): write --slug fine\n'),
        (["Fine", "--section", "News", "--slug", "caf\u00e9 #1"],
         'content: --slug "caf\u00e9 #1" is not a safe URL segment (only letters, digits, - . _ ~): write --slug cafe-1\n'),
        (["Fine", "--section", "News", "--slug", "x" * 256],
         f'content: --slug "{"x" * 57}..." is not a safe URL segment (longer than 255 bytes): write --slug {"x" * 80}\n'),
        # Another case of a taken URL is taken: the writer's Claims would refuse the second.
        (["Flood", "--section", "news", "--slug", "FLOOD"],
         "content/news/FLOOD.md: not written: content/misc/x.md already has the URL /news/Flood/ (choose another --slug)\n"),
        (["Two\nlines", "--section", "News"], "content: the headline must be one line\n"),
        (["Bell\x07", "--section", "News"], "content: the headline holds control characters (U+0007)\n"),
    ]
    for args, err in cases:
        result = run_cli(site, "new", *args)
        assert (result.code, result.out, result.err) == (1, "", err), args
    assert snapshot(site) == before
    assert run_cli(site, "new", "X", "--section", "News", "--date", "5/3/2024").code == 2  # a usage error


# --- ssg theme copy ------------------------------------------------------------------------------

def test_theme_copy_is_used_at_once_and_never_overwritten(run_cli, tmp_path):
    site = _site(run_cli, tmp_path)
    run_cli(site, "new", "Storm hits", "--section", "News", "--date", "2024-03-05")
    result = run_cli(site, "theme", "copy")
    copied = _files(site / "themes/default")
    assert result.code == 0 and result.err == ""
    assert result.out == (f"copied the default theme ({len(copied)} files) to themes/default: "
                          "edit its templates/ and static/; ssg serve shows each change\n")
    assert "templates/article.html" in copied and "static/style.css" in copied and "theme.toml" in copied
    from ssg.render.theme import builtin_themes

    assert copied == _files(builtin_themes() / "default")
    article = site / "themes/default/templates/article.html"
    article.write_text(article.read_text().replace("</h1>", "</h1><p>EDITED-COPY-MARKER</p>", 1))
    result = run_cli(site, "build", "-j", "1")
    assert result.code == 0, result.err
    assert "EDITED-COPY-MARKER" in (site / "public/news/storm-hits/index.html").read_text()
    # A second copy is refused and changes nothing.
    edited = _files(site / "themes")
    result = run_cli(site, "theme", "copy")
    assert (result.code, result.out) == (1, "")
    assert result.err == "themes/default: already exists; not overwritten (name another folder: --to themes/NAME)\n"
    assert _files(site / "themes") == edited and not [p for p in (site / "themes").iterdir() if p.name != "default"]


def test_theme_copy_to_another_name_and_refusals(run_cli, tmp_path, snapshot):
    site = _site(run_cli, tmp_path)
    result = run_cli(site / "content", "theme", "copy", "--to", "themes/house")  # relative to the site
    assert result.code == 0 and (site / "themes/house/templates/article.html").is_file()
    assert result.out.splitlines()[1] == 'to use it, put this line in site.toml: theme = "house"'
    before = snapshot(site)
    for to, message in (("../elsewhere", "outside the site folder"), ("/tmp", "outside the site folder"),
                        ("templates", "not themes/NAME"), ("themes/a/b", "not themes/NAME"),
                        ("themes/house", "already exists; not overwritten")):
        result = run_cli(site, "theme", "copy", "--to", to)
        assert result.code == 1 and result.out == "" and message in result.err, (to, result.err)
        assert result.err.count("\n") == 1 and "Traceback" not in result.err
    assert snapshot(site) == before and not (tmp_path / "elsewhere").exists()
    # A theme site.toml names but that is missing: the default theme copied under that name, which
    # site.toml already names (no line to add).
    (site / "site.toml").write_text('theme = "paper"\n')
    assert run_cli(site, "build", "-j", "1").code == 1
    result = run_cli(site, "theme", "copy", "--to", "themes/paper")
    assert result.code == 0 and result.out.startswith("copied the default theme (") and result.out.count("\n") == 1
    assert run_cli(site, "build", "-j", "1").code == 0
    # Once site.toml names it, the copy is the theme in use: a copy under that name needs no line.
    (site / "site.toml").write_text('theme = "house"\n')
    result = run_cli(site, "theme", "copy")  # the built-in parent of nothing: the default theme
    assert result.code == 0 and result.out.count("\n") == 2 and "themes/default" in result.out

"""Random edits of a small site, for the property tests that compare an incremental build with
a clean one (tests/build/test_incremental.py, tests/outputs/test_search.py): every kind of change
a user makes (add, edit the body, retitle, re-date, move to another section, rename the file,
delete, tag, draft, metadata, a template, a setting)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from pathlib import Path

from hypothesis import strategies as st

from ssg.build import BuildOptions, build_site
from ssg.config import load_config
from ssg.problems import Problems

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.timezone.utc)
SECTIONS = ["World", "Business", "Sport"]
TITLES = ["Markets rally", "Storm hits coast", "<script>x</script> & co", "{{ braces }}", "Cup final", "Vote today"]


def article(title: str, day: int, section: str, body: str, extra: str = "") -> str:
    return (f"---\ntitle: {title!r}\ndate: 2025-05-{day:02d}T08:00:00+00:00\nsection: {section}\n"
            f"summary: About {title!r}\n{extra}---\n\n{body}\n")


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def build(site: Path, output: str | None = None, clean: bool = False) -> Problems:
    config = load_config(site)
    if output:
        config = dataclasses.replace(config, output_dir=output)
    problems = Problems()
    report = build_site(site, config, problems, BuildOptions(now=NOW, clean=clean, jobs=1))
    assert report.published, [str(p) for p in problems.items]
    return problems


def make_site(root: Path) -> Path:
    # A clean build deletes the site it replaced in a detached process, which may still be at
    # work inside root: delete what is left until nothing is.
    while root.exists():
        shutil.rmtree(root, ignore_errors=True)
    (root / "content").mkdir(parents=True)
    (root / "site.toml").write_text('title = "T"\nbase_url = "https://example.org/news/"\npage_size = 2\n[feeds]\nitems = 3\n')
    for i in range(5):
        (root / "content" / f"a{i}.md").write_text(article(TITLES[i], i + 1, SECTIONS[i % 3], f"Body {i}."))
    return root


edits = st.one_of(
    st.tuples(st.just("add"), st.integers(0, 50), st.sampled_from(SECTIONS), st.integers(1, 28)),
    st.tuples(st.just("body"), st.integers(0, 50), st.text("abc *#<>&\n\x01\x0c", max_size=30)),  # controls: removed
    st.tuples(st.just("retitle"), st.integers(0, 50), st.sampled_from(TITLES)),
    st.tuples(st.just("redate"), st.integers(0, 50), st.integers(1, 28)),
    st.tuples(st.just("move"), st.integers(0, 50), st.sampled_from(SECTIONS)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("rename"), st.integers(0, 50)),  # the same article in another file
    # Taxonomies: set, change or remove tags/authors; "A"/"a" is one term named as its newest article spells it.
    st.tuples(st.just("tag"), st.integers(0, 50), st.sampled_from(["tags", "authors"]),
              st.sampled_from([None, "[a]", "[A, b]", "[b]", '["<x> & {{ y }}"]', "[a, c]"])),
    st.tuples(st.just("draft"), st.integers(0, 50)),
    # Metadata (JSON-LD, Open Graph, reading aids) and the news sitemap's two-day window.
    st.tuples(st.just("meta"), st.integers(0, 50), st.sampled_from(
        ["updated: 2025-05-30T10:00:00+00:00", "image: /img/a b.jpg", "image: https://cdn.example.com/x.jpg",
         "authors: [Jane Doe]", "authors: [Ann </script>]"])),
    st.tuples(st.just("recent"), st.integers(0, 50), st.integers(0, 60)),
    st.tuples(st.just("template"), st.sampled_from(["<p>{{ article.extra }}</p>", "<p>v2</p>", None])),
    st.tuples(st.just("config"), st.sampled_from(["page_size = 1", "page_size = 3", 'title = "Other"',
                                                  "archives.enabled = false", "taxonomies.tags = false",
                                                  "taxonomies.authors = false", "search.enabled = false",
                                                  "related.count = 1", "related.count = 0"])),
    # Related stories: bodies sharing words (tags are shared by the "tag" edits).
    st.tuples(st.just("words"), st.integers(0, 50), st.lists(st.sampled_from(["volcano", "ash", "flights", "budget", "vote"]),
                                                             max_size=4)),
)


def apply(site: Path, edit) -> None:
    files = sorted((site / "content").glob("*.md"))
    kind = edit[0]
    pick = files[edit[1] % len(files)] if files and isinstance(edit[1], int) else None
    if kind == "add":
        n = len(list((site / "content").glob("*.md"))) + edit[1]
        (site / "content" / f"new{n}.md").write_text(article(f"New {n}", edit[3], edit[2], f"New body {n}."))
    elif pick is None:
        pass
    elif kind == "words":
        text = pick.read_text()
        head, _, _ = text.partition("\n---\n")
        pick.write_text(head + "\n---\n\n" + " ".join(edit[2]) + " news.\n")
    elif kind == "body":
        text = pick.read_text()
        head, _, _ = text.partition("\n---\n")
        pick.write_text(head + "\n---\n\n" + edit[2].replace("---", "- - -") + "\n")
    elif kind == "retitle":
        lines = pick.read_text().splitlines(keepends=True)
        lines[1] = f"title: {edit[2]!r}\n"
        pick.write_text("".join(lines))
    elif kind == "redate":
        lines = pick.read_text().splitlines(keepends=True)
        lines[2] = f"date: 2025-05-{edit[2]:02d}T08:00:00+00:00\n"
        pick.write_text("".join(lines))
    elif kind == "move":
        lines = pick.read_text().splitlines(keepends=True)
        lines[3] = f"section: {edit[2]}\n"
        pick.write_text("".join(lines))
    elif kind == "delete":
        pick.unlink()
    elif kind == "rename":
        pick.rename(pick.with_name("renamed-" + pick.name))
    elif kind == "tag":
        lines = [line for line in pick.read_text().splitlines(keepends=True) if not line.startswith(f"{edit[2]}:")]
        text = "".join(lines)
        pick.write_text(text if edit[3] is None else text.replace("\n---\n", f"\n{edit[2]}: {edit[3]}\n---\n", 1))
    elif kind == "meta":
        key = edit[2].split(":")[0]
        lines = [line for line in pick.read_text().splitlines(keepends=True) if not line.startswith(f"{key}:")]
        pick.write_text("".join(lines).replace("\n---\n", f"\n{edit[2]}\n---\n", 1))
    elif kind == "recent":  # hours before NOW: inside or outside the news sitemap's window
        lines = pick.read_text().splitlines(keepends=True)
        lines[2] = f"date: {(NOW - dt.timedelta(hours=edit[2])).isoformat()}\n"
        pick.write_text("".join(lines))
    elif kind == "draft":
        text = pick.read_text()
        pick.write_text(text.replace("\n---\n", "\ndraft: true\n---\n", 1) if "draft:" not in text else text.replace("draft: true\n", ""))
    if kind == "template":
        folder = site / "templates"
        if edit[1] is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.mkdir(exist_ok=True)
            (folder / "article.html").write_text("{% extends 'base.html' %}{% block main %}<h1>{{ article.title }}</h1>"
                                                 + edit[1] + "{% endblock %}\n")
    elif kind == "config":
        base = 'title = "T"\nbase_url = "https://example.org/news/"\npage_size = 2\n[feeds]\nitems = 3\n'
        key = edit[1].split(" = ")[0]
        lines = [line for line in base.splitlines() if not line.startswith(key)]
        (site / "site.toml").write_text(edit[1] + "\n" + "\n".join(lines) + "\n")



"""Source folders (ssg/files.py): symbolic links that leave the site are never followed."""

from __future__ import annotations

import os
from pathlib import Path

from sitekit import IMPORT_DATE, article, build, make_site, tree, write
from ssg.config import load_config
from ssg.importer import import_seeds
from ssg.problems import Problems

SECRET = "TOP-SECRET-4f1d"


def test_links_out_of_the_site_are_left_out_with_a_warning(tmp_path):
    outside = tmp_path / "outside"
    write(outside / "secret.md", article(f"Leaked {SECRET}", "2024-05-01T08:00:00+00:00", "World", SECRET, slug="leak"))
    write(outside / "folder/story.md", article(f"Folder {SECRET}", "2024-05-01T08:00:00+00:00", "World", SECRET, slug="f"))
    write(outside / "seed.txt", f"World\n\nSeed {SECRET}\n\n{SECRET}\n")
    write(outside / "seeds/one.txt", f"World\n\nSeed folder {SECRET}\n\n{SECRET}\n")
    write(outside / "secret.txt", SECRET)
    write(outside / "assets/secret.css", SECRET)
    site = make_site(tmp_path, {
        "content/world/ok.md": article("Fine story", "2024-05-02T08:00:00+00:00", "World", "Fine.", slug="ok"),
        "drafts/kept.md": article("Linked inside", "2024-05-03T08:00:00+00:00", "World", "Inside.", slug="kept"),
        "seeds/good.txt": "World\n\nA seed story\n\nFrom a seed.\n",
        "themes/mine/theme.toml": 'parent = "default"\n',
        "themes/mine/static/theme.css": "body{}",
        "site.toml": 'base_url = "https://example.org/"\ntheme = "mine"\n[search]\nenabled = false\n',
    })
    links = {
        "content/world/leak.md": outside / "secret.md",
        "content/world/etc.md": "/etc/hostname",
        "content/folder": outside / "folder",
        "content/world/inside.md": site / "drafts/kept.md",  # stays in the site: followed
        "content/loop": site / "content",  # a loop inside the site: walked once
        "seeds/leak.txt": outside / "seed.txt",
        "seeds/world": outside / "seeds",
        "static/secret.txt": outside / "secret.txt",
        "static/etc.txt": "/etc/hostname",
        "static/assets": outside / "assets",
        "static/ok.css": site / "themes/mine/static/theme.css",
        "themes/mine/static/leak.txt": outside / "secret.txt",
        "themes/mine/static/own.css": site / "themes/mine/static/theme.css",
    }
    for rel, target in links.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(target, site / rel)
    problems = Problems()
    import_seeds(site, load_config(site), problems, date=IMPORT_DATE)
    report, more = build(site, expect_ok=False)
    problems.extend(more)
    assert report.published and not problems.errors, [str(p) for p in problems.items]
    warnings = sorted(str(p) for p in problems.warnings)
    assert warnings == sorted([
        "content/world/leak.md: symbolic link to a file outside the site; left out",
        "content/world/etc.md: symbolic link to a file outside the site; left out",
        "content/folder: symbolic link to a folder outside the site; left out",
        "seeds/leak.txt: symbolic link to a file outside the site; left out",
        "seeds/world: symbolic link to a folder outside the site; left out",
        "static/secret.txt: symbolic link to a file outside the site; left out",
        "static/etc.txt: symbolic link to a file outside the site; left out",
        "static/assets: symbolic link to a folder outside the site; left out",
        "themes/mine/static/leak.txt: symbolic link to a file outside the site; left out",
    ]), warnings
    files = tree(site / "public")
    hostname = Path("/etc/hostname").read_bytes().strip()
    for rel, data in files.items():
        assert SECRET.encode() not in data, rel
        assert not (hostname and data.strip() == hostname), rel
    assert "world/kept/index.html" in files and "world/ok/index.html" in files
    assert "world/a-seed-story/index.html" in files
    assert {"ok.css", "theme.css", "own.css"} <= set(files) and "secret.txt" not in files
    # Nothing imported from the linked seeds either.
    assert not any(SECRET in p.read_text() for p in (site / "content").rglob("*.md") if not p.is_symlink()
                   and p.resolve().is_relative_to(site))


def test_the_content_folder_itself_linked_out_of_the_site_is_left_out(tmp_path):
    outside = tmp_path / "elsewhere"
    write(outside / "world/story.md", article(f"Story {SECRET}", "2024-05-01T08:00:00+00:00", "World", SECRET, slug="s"))
    site = make_site(tmp_path, {})
    (site / "content").rmdir()
    os.symlink(outside, site / "content")
    report, problems = build(site, expect_ok=False)
    assert "content: symbolic link to a folder outside the site; left out" in [str(p) for p in problems.warnings]
    assert not any(SECRET.encode() in data for data in tree(site / "public").values())


def test_restat_gives_what_a_walk_gives_or_none(tmp_path):
    import os

    from ssg.content.files import real, restat, stat_files

    root = tmp_path / "content"
    for rel in ("a.md", "b/c.md", "b/d.md", "b.md", "z.md"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    walk = lambda: stat_files(root, (real(tmp_path),), None, "content", ".md")  # noqa: E731
    listing = walk()
    (root / "b" / "c.md").write_text("longer text")
    (root / "a.md").unlink()
    (root / "b" / "e.md").write_text("new")
    (root / "b" / "notes.txt").write_text("not content")
    got = restat(root, listing, ["b/c.md", "a.md", "b/e.md", "b/notes.txt"], ".md")
    assert got == walk() and list(got) == list(walk())  # the same files, in the walk's order
    os.symlink(root / "z.md", root / "link.md")
    (root / "new").mkdir()
    for rel in ("link.md", "new", ".hidden.md", "b/../z.md"):
        assert restat(root, listing, [rel], ".md") is None, rel

"""`ssg deploy`: a BBC-sized site (2,000 generated articles) sent through rsync to a folder, to a
branch of a local bare git repository, and to an S3 endpoint on loopback (moto's standalone
server, started and stopped here); plus the [deploy.NAME] configuration and the CLI.

Each target is checked the same way: the target ends up holding exactly public/; a second
deploy of an unchanged site transfers nothing; after one article is edited and the site
rebuilt, only the files whose bytes changed are sent; deletions past max_deletes are refused
without --force; a dry run changes nothing; an interrupted deploy is completed by the next one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path

import pytest

from sitekit import article, build, copy_golden, import_and_build, make_site, site_files, tree
from ssg import deploy as deploy_mod
from ssg.config import DeployTarget, load_config, parse_config
from ssg.deploy import GitTarget, S3Target, cache_control, choose_target, content_type, deploy
from ssg.problems import Problems, SsgError

pytestmark = [pytest.mark.slow]

SECTIONS = ["Business", "Entertainment", "Politics", "Sport", "Tech"]
WORDS = "market rate vote match phone film tax league chip court price band poll goal data".split()
ARTICLES = 2000
TOML = """\
title = "Deploy Test"
base_url = "https://example.org/news/"
[search]
enabled = false
[images]
cards = false
"""

needs_rsync = pytest.mark.skipif(shutil.which("rsync") is None, reason="rsync is not installed (tests/install-deps.sh)")
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def bbc_sized_files(n: int = ARTICLES) -> dict[str, str]:
    rnd = random.Random(8)
    files = {}
    for i in range(n):
        section = SECTIONS[i % len(SECTIONS)]
        title = f"Story {i}: the {rnd.choice(WORDS)} and the {rnd.choice(WORDS)}"
        body = "\n\n".join(" ".join(rnd.choice(WORDS) for _ in range(50)) for _ in range(3))
        date = f"2023-{1 + (i // 28) % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:00:00+00:00"
        files[f"content/{section.lower()}/story-{i}.md"] = article(
            title, date, section, body, slug=f"story-{i}", extra=f"tags: [{rnd.choice(WORDS).title()}]")
    # Static files: an asset with a content hash in its name (long cache) and one without.
    files["static/app.3f9a0c1d.js"] = "console.log('fingerprinted');\n"
    files["static/img/logo.svg"] = '<svg xmlns="http://www.w3.org/2000/svg"/>\n'
    return files


@pytest.fixture(scope="module")
def bbc_site(tmp_path_factory) -> Path:
    """Built once per module; tests work on copies (``fresh``)."""
    site = make_site(tmp_path_factory.mktemp("bbc"), bbc_sized_files(), toml=TOML)
    report, _ = build(site, jobs=2)
    assert report.pages > ARTICLES
    return site


@pytest.fixture
def fresh(bbc_site, tmp_path):
    """A private copy of the built site (content, public/ and the build cache)."""

    def copy(toml_extra: str = "") -> Path:
        site = tmp_path / "site"
        shutil.copytree(bbc_site, site, symlinks=True)
        if toml_extra:
            with (site / "site.toml").open("a", encoding="utf-8") as f:
                f.write("\n" + toml_extra)
        return site

    return copy


def run_deploy(site: Path, name: str | None = None, **kwargs):
    problems = Problems()
    lines: list[str] = []
    plan = deploy(site, load_config(site), name, problems, say=lines.append, **kwargs)
    return plan, problems, lines


def deployed_ok(site: Path, name: str | None = None, **kwargs):
    plan, problems, lines = run_deploy(site, name, **kwargs)
    assert plan is not None and not problems.errors, [str(p) for p in problems.items] + lines
    return plan, lines


def edit_one_article(site: Path, number: int = 7) -> None:
    """A new headline: its page, its neighbours, the listings, tag and date pages, feeds show it."""
    path = site / "content" / SECTIONS[number % len(SECTIONS)].lower() / f"story-{number}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", f'title: "Story {number}, corrected"', text, count=1, flags=re.M),
                    encoding="utf-8")


def rebuild(site: Path) -> tuple[set[str], set[str]]:
    """Rebuild; returns (files whose bytes changed or are new, files removed)."""
    before = site_files(site)
    build(site, jobs=2)
    after = site_files(site)
    return {k for k, v in after.items() if before.get(k) != v}, set(before) - set(after)


def delete_articles(site: Path, numbers) -> None:
    for n in numbers:
        (site / "content" / SECTIONS[n % len(SECTIONS)].lower() / f"story-{n}.md").unlink()


# -- configuration ----------------------------------------------------------------------------
def test_deploy_tables_are_parsed_typed_and_validated():
    c = parse_config('[deploy.www]\ndestination = "host:/srv/www/"\n[deploy.pages]\nrepository = "."\n'
                     'cname = "news.example.org"\n[deploy.bucket]\nbucket = "b"\nprefix = "news"\ndefault = true\n')
    assert {n: t.type for n, t in c.deploy.items()} == {"www": "rsync", "pages": "git", "bucket": "s3"}
    assert c.deploy["pages"].branch == "gh-pages" and c.deploy["pages"].nojekyll
    assert choose_target(c, None)[0] == "bucket"  # default = true
    assert choose_target(c, "www")[1].destination == "host:/srv/www/"
    # Deploy settings are not part of the build's fingerprint (repr): editing them re-renders nothing.
    assert repr(c) == repr(dataclasses.replace(c, deploy={}))

    def errors(text):
        with pytest.raises(SsgError) as exc:
            parse_config(text)
        return [str(p) for p in exc.value.problems]

    assert errors('[deploy.x]\ndestination = "/srv"\nbuckett = "b"\n') == [
        "site.toml: unknown key 'deploy.x.buckett' (did you mean 'deploy.x.bucket'?)"]
    assert errors('[deploy.x]\ntype = "sftp"\n') == [
        'site.toml: deploy.x.type: must be "rsync", "git" or "s3", got \'sftp\'']
    assert errors('[deploy.x]\ntype = "gti"\nrepository = "."\n')[0].endswith("(did you mean 'git'?)")
    assert errors('[deploy.x]\nmax_deletes = 3\n') == [
        'site.toml: deploy.x: set type = "rsync", "git" or "s3" (or one of destination, repository, bucket)']
    assert errors('[deploy.x]\ndestination = "/srv"\nbucket = "b"\n') == [
        "site.toml: deploy.x: has destination and bucket: set type"]
    assert errors('[deploy.x]\ntype = "s3"\n') == ['site.toml: deploy.x: type = "s3" needs bucket = "..."']
    assert errors('[deploy.x]\ndestination = "/srv"\nbranch = "main"\n') == [
        'site.toml: deploy.x.branch: only for type = "git" (this target is rsync)']
    assert errors('[deploy.x]\nrepository = "."\nbranch = "a b"\nmax_deletes = -1\ncname = "a/b"\n') == [
        "site.toml: deploy.x.max_deletes: must be 0 or more",
        "site.toml: deploy.x.branch: not a valid git branch name: 'a b'",
        'site.toml: deploy.x.cname: a host name such as "news.example.org", got \'a/b\'']
    assert errors('[deploy.a]\ndestination = "/a"\ndefault = true\n[deploy.b]\ndestination = "/b"\ndefault = true\n') == [
        "site.toml: deploy: only one target may have default = true (a, b)"]
    assert errors("deploy = 3\n") == ["site.toml: [deploy] must be a table of tables ([deploy.NAME])"]
    assert errors('[deploy]\nx = 1\n') == ["site.toml: [deploy.x] must be a table"]
    # Credentials are never read from site.toml: there is no key for them.
    assert "unknown key 'deploy.b.aws_secret_access_key'" in errors(
        '[deploy.b]\nbucket = "b"\naws_secret_access_key = "x"\n')[0]


def test_choosing_the_target():
    def pick(text, name=None):
        return choose_target(parse_config(text), name)[0]

    assert pick('[deploy.only]\ndestination = "/x"\n') == "only"
    assert pick('[deploy.a]\ndestination = "/x"\n[deploy.default]\ndestination = "/y"\n') == "default"
    for text, name, message in (
            ("", None, "no deploy target: add a [deploy.NAME] table"),
            ('[deploy.a]\ndestination = "/x"\n[deploy.b]\ndestination = "/y"\n', None, "several deploy targets (a, b)"),
            ('[deploy.production]\ndestination = "/x"\n', "prodution", "(did you mean 'production'?)")):
        with pytest.raises(SsgError) as exc:
            pick(text, name)
        assert message in str(exc.value)


def test_example_config_deploy_blocks_list_every_key():
    example = resources.files("ssg").joinpath("site.toml.example").read_text(encoding="utf-8")
    blocks, keys = re.split(r"^# (?=\[deploy\.[a-z]+\])", example, flags=re.M)[1:], set()
    assert len(blocks) == 3
    for block in blocks:
        text = "\n".join(re.sub(r"^#? *", "", line) for line in block.splitlines())
        config = parse_config(text)  # each block, uncommented, is a valid target
        (target,) = config.deploy.values()
        keys |= set(re.findall(r"^(\w+) = ", text, re.M))
        for key in re.findall(r"^(\w+) = ", text, re.M):  # values shown are the defaults where there is one
            default = DeployTarget.__dataclass_fields__[key].default
            if key not in ("destination", "repository", "bucket", "type") and default is not dataclasses.MISSING:
                assert getattr(target, key) == default, key
    assert keys == {f.name for f in dataclasses.fields(DeployTarget)}


def test_content_types_and_cache_control_per_kind():
    t = DeployTarget(type="s3", bucket="b")
    assert content_type("a/index.html") == "text/html; charset=utf-8"
    assert content_type("feed.xml") == "application/xml; charset=utf-8"
    assert content_type("style.css") == "text/css; charset=utf-8"
    assert content_type("pagefind/pagefind.js") == "text/javascript; charset=utf-8"
    assert content_type("img/a.png") == "image/png" and content_type("x.wasm") == "application/wasm"
    assert content_type("pagefind/fragment/en_1a2b3c4.pf_fragment") == "application/octet-stream"
    for rel in ("index.html", "a/b/index.html", "feed.xml", "sitemap.xml", "robots.txt",
                "pagefind/pagefind-entry.json", "404.html"):
        assert cache_control(rel, t) == "public, max-age=300", rel
    for rel in ("pagefind/fragment/en_99e7d96.pf_fragment", "pagefind/index/en-gb_405b13f.pf_index",
                "pagefind/pagefind.en-gb_d61997656365c.pf_meta", "pagefind/fragment/en-gb_3131756.pf_fragment",
                "app.3f9a0c1d.js", "img/photo-a1b2c3d4e5.jpg"):
        assert cache_control(rel, t) == "public, max-age=31536000, immutable", rel
    for rel in ("style.css", "pagefind/pagefind.js", "pagefind/wasm.en.pagefind", "img/photo-20240101.jpg",
                "img/decade.png", "img/deadbeefcafe.png"):
        assert cache_control(rel, t) == "public, max-age=3600", rel


# -- rsync ------------------------------------------------------------------------------------
def golden(tmp_path: Path, toml: str) -> Path:
    """The golden fixture site, built, with ``toml`` added to its site.toml (for the cases that
    need no size: deletions, refusals, interruptions)."""
    site = copy_golden(tmp_path)
    import_and_build(site)
    with (site / "site.toml").open("a", encoding="utf-8") as f:
        f.write("\n" + toml)
    return site


def edit_golden_content(site: Path) -> None:
    """A new headline and a story deleted."""
    (site / "content" / "arts" / "film.md").unlink()  # (the storm story is linked from another: check would refuse)
    path = site / "content" / "business" / "markets.md"
    path.write_text(path.read_text().replace("Markets rally as rates hold", "Markets rally again"))


def edit_golden(site: Path) -> tuple[set[str], set[str]]:
    """A new headline and a story deleted; returns rebuild()'s (changed, removed)."""
    edit_golden_content(site)
    changed, removed = rebuild(site)
    assert len(changed) > 10 and removed
    return changed, removed


@needs_rsync
def test_rsync_deploy_of_a_bbc_sized_site(fresh, tmp_path):
    dest = tmp_path / "www" / "news"
    site = fresh(f'[deploy.www]\ndestination = "{dest}"\n')
    plan, lines = deployed_ok(site)
    files = site_files(site)
    assert plan.new == len(plan.uploads) == len(files) > 2400 and not plan.deletions
    assert tree(dest) == files
    # Again: nothing to transfer, nothing touched.
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*")}
    plan, lines = deployed_ok(site)
    assert plan.empty and plan.unchanged == len(files) and "up to date" in lines[-1]
    assert {p: p.stat().st_mtime_ns for p in dest.rglob("*")} == before
    # One article edited: only the files it changed are sent.
    edit_one_article(site)
    changed, removed = rebuild(site)
    assert 3 < len(changed) < 60 and not removed
    plan, _ = deployed_ok(site)
    assert set(plan.uploads) == changed and plan.new == 0 and not plan.deletions
    assert tree(dest) == site_files(site)
    untouched = {p for p in before if p.is_file() and p.relative_to(dest).as_posix() not in changed}
    assert {p: p.stat().st_mtime_ns for p in untouched} == {p: before[p] for p in untouched}


@needs_rsync
def test_rsync_deletions_max_deletes_and_dry_run(tmp_path):
    dest = tmp_path / "www"
    site = golden(tmp_path, f'[deploy.www]\ndestination = "{dest}"\nmax_deletes = 2\n')
    # A dry run reports everything as new and creates nothing.
    plan, lines = deployed_ok(site, dry_run=True)
    assert plan.new == len(plan.uploads) == len(site_files(site)) and not plan.deletions
    assert lines[-1] == "dry run: nothing was changed" and f"  upload {plan.uploads[0]}" in lines
    assert lines[1].startswith("dry run: deploy.www (rsync to ")
    assert not dest.exists()
    deployed_ok(site)
    (dest / "stale.html").write_text("old")  # only on the target: deleted
    plan, _ = deployed_ok(site)
    assert plan.deletions == ["stale.html"] and not (dest / "stale.html").exists()
    changed, removed = edit_golden(site)
    assert len(removed) > 2
    snapshot = tree(dest)
    plan, problems, _ = run_deploy(site)
    assert plan is None and tree(dest) == snapshot
    assert [str(p) for p in problems.errors] == [
        f"deploy.www: refusing to delete {len(removed)} files (more than max_deletes = 2): check the target, "
        "then deploy with --force"]
    plan, problems, lines = run_deploy(site, dry_run=True, force=True)
    assert set(plan.uploads) == changed and set(plan.deletions) == removed and tree(dest) == snapshot
    assert f"  delete {sorted(removed)[0]}" in lines
    plan, _ = deployed_ok(site, force=True)
    assert tree(dest) == site_files(site)


@needs_rsync
def test_rsync_refuses_a_destination_that_is_the_site_or_above_it(tmp_path, make_site):
    site = make_site(tmp_path, {"public/index.html": "<!doctype html><title>x</title>"})
    for dest in (".", "..", "public", "public/sub", str(tmp_path)):
        (site / "site.toml").write_text(f'[deploy.www]\ndestination = "{dest}"\n')
        plan, problems, lines = run_deploy(site)
        assert plan is None and "would overwrite the site itself" in str(problems.errors[0]), dest
        assert not lines  # said before anything else runs
        assert (site / "site.toml").is_file() and (site / "public" / "index.html").is_file()


@needs_rsync
def test_rsync_refuses_a_destination_in_the_sites_sources(tmp_path, make_site):
    """`destination = "content"` deleted the articles (rsync --delete), and the next build
    published an empty site."""
    files = {"public/index.html": "<!doctype html><title>x</title>", "content/world/a.md": "article",
             "seeds/a.txt": "seed", "themes/t/theme.toml": "", "static/a.css": "a{}", "templates/base.html": "t",
             ".ssg/keep": "state", "notes/n.txt": "n"}
    site = make_site(tmp_path, files)
    for dest, name in (("content", "content"), ("content/", "content"), ("./content/world", "content"),
                       ("seeds", "seeds"), ("themes/t", "themes"), ("static", "static"),
                       ("templates/new", "templates"), (".ssg", ".ssg"), (".ssg/deploy/x", ".ssg"),
                       (str(site / "content"), "content")):
        (site / "site.toml").write_text(f'base_url = "https://example.org/"\n[deploy.www]\ndestination = "{dest}"\n')
        plan, problems, lines = run_deploy(site)
        assert plan is None and not lines, dest
        (error,) = problems.errors
        assert f"the site's {name}/ folder, which a deploy would overwrite" in error.message, (dest, error)
    assert all((site / rel).read_text() == text for rel, text in files.items())
    # A folder of the site that holds no sources is a place like any other.
    (site / "site.toml").write_text('base_url = "https://example.org/"\n[deploy.www]\ndestination = "notes/www"\n')
    assert run_deploy(site)[0] is not None


@needs_rsync
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("runuser") is None,
                    reason="reading as another user needs root and runuser")
def test_deployed_files_are_readable_by_the_web_server(tmp_path):
    """nginx runs as another user: every folder must be 755 and every file 644, whatever the
    deploying user's umask (rsync's --chmod=Du=rwx,go=rx,Fu=rw,go=r gave folders 744: 403)."""
    import tempfile

    www = Path(tempfile.mkdtemp(prefix="ssg-www-", dir="/tmp"))  # tmp_path's parents are private
    try:
        os.chmod(www, 0o755)
        dest = www / "site"
        site = golden(tmp_path, f'[deploy.www]\ndestination = "{dest}"\n')
        old = os.umask(0o077)  # a careful user's umask: every file the deploy makes would be private
        try:
            for path in (site / "public").rglob("*"):
                path.chmod(0o700 if path.is_dir() else 0o600)
            deployed_ok(site)
        finally:
            os.umask(old)
        script = ('cd "$1" && find . -type d -exec ls {} + >/dev/null && find . -type f -exec cat {} + >/dev/null '
                  '&& cat index.html world/index.html')
        r = subprocess.run(["runuser", "-u", "nobody", "--", "sh", "-c", script, "sh", str(dest)],
                           capture_output=True, timeout=60)
        assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()[:2000]
        assert b"<html" in r.stdout
        modes = {oct(p.stat().st_mode & 0o777) for p in [dest, *dest.rglob("*")]}
        assert modes == {"0o755", "0o644"}, modes
    finally:
        shutil.rmtree(www, ignore_errors=True)


@needs_rsync
def test_a_site_built_for_localhost_is_not_deployed_unless_forced(tmp_path, make_site):
    dest = tmp_path / "www"
    site = make_site(tmp_path, {"content/world/a.md": article("A", "2024-05-01T08:00:00+00:00", "World", "A.", slug="a"),
                                "site.toml": f'[search]\nenabled = false\n[deploy.www]\ndestination = "{dest}"\n'})
    build(site)  # base_url left as `ssg init` leaves it: http://localhost:8000/
    plan, problems, _ = run_deploy(site)
    assert plan is None and not dest.exists()
    (error,) = problems.errors
    assert str(error).startswith("deploy.www: not deployed: the site was built for http://localhost:8000/")
    assert "Set base_url to the address the site is served at and build again, or deploy anyway with --force" in str(error)
    plan, problems, _ = run_deploy(site, force=True)
    assert plan is not None and tree(dest) == site_files(site)
    assert [p.message for p in problems.warnings if p.path == "deploy.www"][0].startswith("the site was built for")
    # Built for its real address with --base-url: what was built is what counts.
    shutil.rmtree(site / "public")
    build(site, base_url="https://news.example.org/")
    assert run_deploy(site)[0] is not None


@needs_git
def test_a_git_repository_is_never_read_as_an_option(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    site = golden(tmp_path, '[deploy.gh]\nrepository = "--upload-pack=touch pwned:"\n')
    plan, problems, lines = run_deploy(site)
    assert plan is None and not lines
    assert [str(p) for p in problems.errors] == [
        "deploy.gh: repository '--upload-pack=touch pwned:' starts with '-': name a URL or a path"]
    assert not list(tmp_path.rglob("pwned*"))
    # The same for rsync: a destination is never an option either.
    (site / "site.toml").write_text((site / "site.toml").read_text() + '\n[deploy.r]\ndestination = "--rsh=touch pwned:x"\n')
    plan, problems, _ = run_deploy(site, "r")
    assert plan is None and "starts with '-'" in str(problems.errors[0]) and not list(tmp_path.rglob("pwned*"))


def test_git_commands_end_options_before_the_repository(tmp_path, monkeypatch):
    """Should a value starting with '-' ever get past the check, git still reads it as a repository."""
    calls = []
    monkeypatch.setattr(GitTarget, "git", lambda self, *args, **kw: calls.append(args) or "")
    target = GitTarget(tmp_path, tmp_path / "public", "gh", DeployTarget(type="git", repository="https://e.org/r.git"))
    target.remote = "--upload-pack=touch pwned"
    (tmp_path / "public").mkdir()
    target.plan()
    target.parent, target.tree = "0" * 40, "1" * 40
    target.apply(deploy_mod.Plan(), False, lambda line: None)
    for args in calls:
        if "--upload-pack=touch pwned" in args:
            assert args.index("--") < args.index("--upload-pack=touch pwned"), args


@needs_rsync
@pytest.mark.parametrize("moment", ["killed", "running"])
def test_a_deploy_ships_exactly_one_version_of_the_site(tmp_path, moment):
    """A build killed in the middle of its commit (journal written, some files moved into place),
    or one still committing when the deploy starts: the deploy ships the new site whole, never
    a mix of old and new files."""
    from sitekit import finish, instrumented_build

    dest = tmp_path / "www"
    site = golden(tmp_path, f'[deploy.www]\ndestination = "{dest}"\n')
    old = site_files(site)
    reference = tmp_path / "reference"  # the same edit, built without interruption: the new site
    shutil.copytree(site, reference, symlinks=True)
    edit_golden(reference)
    new = site_files(reference)
    assert new != old
    edit_golden_content(site)  # committed by a build that we kill or pause
    if moment == "killed":
        code, _ = finish(instrumented_build(site, "-j", "1", crash_at="commit:3:after"))
        assert code == -signal.SIGKILL and (site / ".public.journal").exists()
        assert site_files(site) not in (old, new)  # half committed
        deployed_ok(site)
    else:
        go = tmp_path / "go"
        proc = instrumented_build(site, "-j", "1", PAUSE_AT="commit:3", PAUSE_FILE=str(go))
        try:
            deadline = time.monotonic() + 60
            while not Path(f"{go}.paused").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
            assert Path(f"{go}.paused").exists() and site_files(site) not in (old, new)
            result: dict = {}
            import threading

            worker = threading.Thread(target=lambda: result.update(zip(("plan", "problems", "lines"), run_deploy(site))))
            worker.start()
            time.sleep(1.0)
            assert worker.is_alive() and not dest.exists()  # waiting for the build
            go.touch()
            worker.join(60)
            assert result["plan"] is not None and not result["problems"].errors, [str(p) for p in result["problems"].items]
        finally:
            go.touch()
            code, err = finish(proc)
        assert code == 0, err
    assert tree(dest) == new and site_files(site) == new
    assert not (site / ".public.journal").exists()


@needs_rsync
def test_an_interrupted_rsync_deploy_is_completed_by_the_next(tmp_path):
    dest = tmp_path / "www"
    site = golden(tmp_path, f'[deploy.www]\ndestination = "{dest}"\n')
    # An rsync killed half way (slowed down to 50 kB/s): the target holds part of the site.
    proc = subprocess.Popen(["rsync", "-r", "--bwlimit=50", f"{site / 'public'}/", str(dest)])
    try:
        deadline = time.monotonic() + 20
        while proc.poll() is None and time.monotonic() < deadline:
            if dest.is_dir() and sum(1 for p in dest.rglob("*") if p.is_file()) > 10:
                break
            time.sleep(0.05)
    finally:
        proc.kill()
        proc.wait()
    assert tree(dest) != site_files(site)
    deployed_ok(site)
    assert tree(dest) == site_files(site)


# -- git --------------------------------------------------------------------------------------
def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", str(repo), *args], check=True, capture_output=True, text=True).stdout


def blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def branch_tree(repo: Path, branch: str) -> dict[str, str]:
    out = git(repo, "ls-tree", "-r", "-z", branch)
    entries = {}
    for item in filter(None, out.split("\0")):
        meta, name = item.split("\t", 1)
        entries[name] = meta.split()[2]
    return entries


def expected_tree(site: Path, cname: str | None) -> dict[str, str]:
    want = {rel: blob_sha(data) for rel, data in site_files(site).items()}
    want[".nojekyll"] = blob_sha(b"")
    if cname:
        want["CNAME"] = blob_sha(cname.encode() + b"\n")
    return want


@needs_git
def test_git_deploy_of_a_bbc_sized_site(fresh, tmp_path):
    repo = tmp_path / "pages.git"
    subprocess.run(["git", "init", "--bare", "-q", str(repo)], check=True)
    site = fresh(f'[deploy.pages]\nrepository = "{repo}"\ncname = "news.example.org"\nmessage = "Publish"\n')
    plan, _ = deployed_ok(site)
    assert plan.new == len(site_files(site)) + 2
    assert branch_tree(repo, "gh-pages") == expected_tree(site, "news.example.org")
    first = git(repo, "rev-parse", "gh-pages").strip()
    assert git(repo, "log", "-1", "--format=%s", "gh-pages").strip() == "Publish"
    # Unchanged site: no commit.
    plan, lines = deployed_ok(site)
    assert plan.empty and git(repo, "rev-parse", "gh-pages").strip() == first
    # One article edited: one new commit on top of the last (history kept) with only its files.
    edit_one_article(site)
    changed, _ = rebuild(site)
    plan, _ = deployed_ok(site)
    assert set(plan.uploads) == changed
    assert git(repo, "rev-list", "--count", "gh-pages").strip() == "2"
    assert git(repo, "rev-parse", "gh-pages^").strip() == first
    assert set(git(repo, "diff-tree", "-r", "--name-only", "--no-commit-id", "gh-pages").split()) == changed
    assert branch_tree(repo, "gh-pages") == expected_tree(site, "news.example.org")


@needs_git
def test_git_deletions_max_deletes_and_an_interrupted_push(tmp_path):
    repo = tmp_path / "pages.git"
    subprocess.run(["git", "init", "--bare", "-q", str(repo)], check=True)
    site = golden(tmp_path, f'[deploy.pages]\nrepository = "{repo}"\nmax_deletes = 2\n')
    plan, _ = deployed_ok(site, dry_run=True)
    assert plan.new == len(site_files(site)) + 1  # and .nojekyll
    assert git(repo, "branch", "--list") == ""  # a dry run commits and pushes nothing
    deployed_ok(site)
    head = git(repo, "rev-parse", "gh-pages").strip()
    changed, removed = edit_golden(site)
    # Deletions past max_deletes are refused; a dry run commits nothing.
    plan, problems, _ = run_deploy(site)
    assert plan is None and f"refusing to delete {len(removed)} files" in str(problems.errors[0])
    plan, problems, _ = run_deploy(site, dry_run=True, force=True)
    assert set(plan.uploads) == changed and set(plan.deletions) == removed
    assert git(repo, "rev-parse", "gh-pages").strip() == head
    # A push that fails (the network went away) leaves the branch as it was; the next deploy completes.
    real = GitTarget.git

    def failing_push(self, *args, **kwargs):
        if args[0] == "push":
            raise deploy_mod.DeployError("git push failed: fatal: the remote end hung up unexpectedly")
        return real(self, *args, **kwargs)

    GitTarget.git = failing_push
    try:
        plan, problems, _ = run_deploy(site, force=True)
    finally:
        GitTarget.git = real
    assert plan is None and [str(p) for p in problems.errors] == [
        "deploy.pages: git push failed: fatal: the remote end hung up unexpectedly"]
    assert git(repo, "rev-parse", "gh-pages").strip() == head
    plan, _ = deployed_ok(site, force=True)
    assert set(plan.uploads) == changed and set(plan.deletions) == removed
    assert branch_tree(repo, "gh-pages") == expected_tree(site, None)
    assert git(repo, "rev-parse", "gh-pages^").strip() == head


@needs_git
def test_git_deploy_to_an_existing_branch_keeps_its_history(tmp_path):
    """The branch made by someone else (with files ssg does not have): ssg's commit follows it."""
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "pages", str(work)], check=True)
    (work / "old.html").write_text("old site")
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@b"}
    subprocess.run(["git", "-C", str(work), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "commit", "-q", "-m", "old"], check=True, env=env)
    subprocess.run(["git", "-C", str(work), "checkout", "-q", "--detach"], check=True)
    site = copy_golden(tmp_path)
    import_and_build(site)
    with (site / "site.toml").open("a") as f:
        f.write('\n[deploy.pages]\nrepository = "../work"\nbranch = "pages"\nnojekyll = false\n')
    plan, _ = deployed_ok(site)
    assert plan.deletions == ["old.html"] and plan.changed == 0
    repo = work / ".git"
    assert git(repo, "rev-list", "--count", "pages").strip() == "2"
    assert branch_tree(repo, "pages") == {rel: blob_sha(d) for rel, d in site_files(site).items()}


# -- S3 ---------------------------------------------------------------------------------------
MOTO = r"""
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()  # until the test closes stdin
server.stop()
"""


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server in its own process on a free loopback port, with dummy credentials in
    the environment (and no AWS config file, no instance metadata): nothing real is reached."""
    pytest.importorskip("boto3")
    pytest.importorskip("moto.server")
    nowhere = tmp_path_factory.mktemp("aws") / "none"
    with pytest.MonkeyPatch.context() as mp:
        for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
                     "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"):
            mp.delenv(name, raising=False)
        mp.setenv("AWS_ACCESS_KEY_ID", "testing")
        mp.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        mp.setenv("AWS_CONFIG_FILE", str(nowhere))
        mp.setenv("AWS_SHARED_CREDENTIALS_FILE", str(nowhere))
        mp.setenv("AWS_EC2_METADATA_DISABLED", "true")
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        log = (nowhere.parent / "moto.log").open("w")  # its request log
        proc = subprocess.Popen([sys.executable, "-c", MOTO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=log, text=True)
        try:
            line = proc.stdout.readline()
            assert line.strip().isdigit(), f"moto server did not start: {line!r}"
            yield f"http://127.0.0.1:{int(line)}"
        finally:
            proc.stdin.close()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()


@pytest.fixture
def bucket(s3_endpoint, request):
    import boto3

    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    name = re.sub(r"[^a-z0-9-]", "-", request.node.name.lower())[:50].strip("-")
    client.create_bucket(Bucket=name)
    return client, name


def s3_toml(endpoint: str, bucket: str, extra: str = "") -> str:
    return (f'[deploy.s3]\nbucket = "{bucket}"\nprefix = "news/"\nendpoint_url = "{endpoint}"\n'
            f'region = "us-east-1"\n{extra}')


def listing(client, bucket: str) -> dict[str, str]:
    out = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        out.update({o["Key"]: o["ETag"].strip('"') for o in page.get("Contents", [])})
    return out


def expected_listing(site: Path, prefix: str = "news/") -> dict[str, str]:
    return {prefix + rel: hashlib.md5(data).hexdigest() for rel, data in site_files(site).items()}


def test_s3_deploy_of_a_bbc_sized_site(fresh, s3_endpoint, bucket):
    client, name = bucket
    client.put_object(Bucket=name, Key="other/keep.txt", Body=b"not ours")  # outside the prefix
    site = fresh(s3_toml(s3_endpoint, name))
    plan, _ = deployed_ok(site)
    assert plan.new == len(site_files(site))
    want = expected_listing(site)
    assert listing(client, name) == {**want, "other/keep.txt": hashlib.md5(b"not ours").hexdigest()}
    # Content-Type and Cache-Control per kind of file.
    for key, ctype, cache in (
            ("news/index.html", "text/html; charset=utf-8", "public, max-age=300"),
            ("news/business/story-0/index.html", "text/html; charset=utf-8", "public, max-age=300"),
            ("news/feed.xml", "application/xml; charset=utf-8", "public, max-age=300"),
            ("news/sitemap.xml", "application/xml; charset=utf-8", "public, max-age=300"),
            ("news/robots.txt", "text/plain; charset=utf-8", "public, max-age=300"),
            ("news/style.css", "text/css; charset=utf-8", "public, max-age=3600"),
            ("news/img/logo.svg", "image/svg+xml; charset=utf-8", "public, max-age=3600"),
            ("news/app.3f9a0c1d.js", "text/javascript; charset=utf-8", "public, max-age=31536000, immutable")):
        head = client.head_object(Bucket=name, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key
        assert head["Metadata"]["sha256"] == hashlib.sha256((site / "public" / key[5:]).read_bytes()).hexdigest()
    # Unchanged: nothing uploaded.
    plan, lines = deployed_ok(site)
    assert plan.empty and "up to date" in lines[-1]
    # One article edited: exactly the files it changed are uploaded.
    edit_one_article(site)
    changed, _ = rebuild(site)
    plan, _ = deployed_ok(site)
    assert set(plan.uploads) == changed and not plan.deletions
    assert {k: v for k, v in listing(client, name).items() if k.startswith("news/")} == expected_listing(site)


def test_s3_deletions_max_deletes_and_dry_run(tmp_path, s3_endpoint, bucket):
    client, name = bucket
    client.put_object(Bucket=name, Key="news-old/keep.txt", Body=b"not ours")  # beside the prefix
    site = golden(tmp_path, s3_toml(s3_endpoint, name, "max_deletes = 2\n"))
    plan, _ = deployed_ok(site, dry_run=True)
    assert plan.new == len(site_files(site)) and list(listing(client, name)) == ["news-old/keep.txt"]
    deployed_ok(site)
    client.put_object(Bucket=name, Key="news/stale.html", Body=b"old")  # only in the bucket: deleted
    plan, _ = deployed_ok(site)
    assert plan.deletions == ["stale.html"] and plan.empty is False and not plan.uploads
    changed, removed = edit_golden(site)
    before = listing(client, name)
    plan, problems, _ = run_deploy(site)
    assert plan is None and [str(p) for p in problems.errors] == [
        f"deploy.s3: refusing to delete {len(removed)} files (more than max_deletes = 2): check the target, "
        "then deploy with --force"]
    assert listing(client, name) == before
    plan, problems, lines = run_deploy(site, dry_run=True, force=True)
    assert set(plan.uploads) == changed and set(plan.deletions) == removed and listing(client, name) == before
    assert f"  delete {sorted(removed)[0]}" in lines and lines[-1] == "dry run: nothing was changed"
    plan, _ = deployed_ok(site, force=True)
    assert listing(client, name) == {**expected_listing(site), "news-old/keep.txt": hashlib.md5(b"not ours").hexdigest()}


def test_an_interrupted_s3_deploy_is_completed_by_the_next(tmp_path, s3_endpoint, bucket, monkeypatch):
    client, name = bucket
    site = golden(tmp_path, s3_toml(s3_endpoint, name))
    deployed_ok(site)
    changed, removed = edit_golden(site)  # then the deploy is stopped after 5 uploads
    real, calls = S3Target._put, []

    def put_then_fail(self, rel):
        calls.append(rel)
        if len(calls) > 5:
            raise KeyboardInterrupt  # Ctrl-C (or the connection lost) half way
        return real(self, rel)

    monkeypatch.setattr(S3Target, "_put", put_then_fail)
    with pytest.raises(KeyboardInterrupt):
        run_deploy(site)
    monkeypatch.setattr(S3Target, "_put", real)
    want, partial = expected_listing(site), listing(client, name)
    done = {k for k, v in partial.items() if want.get(k) == v}
    assert 5 <= len(done & {"news/" + c for c in changed}) < len(changed)  # stopped, not finished
    assert all("news/" + r in partial for r in removed)  # deletions come last: none happened
    plan, _ = deployed_ok(site)
    assert set(plan.uploads) == {c for c in changed if "news/" + c not in done}
    assert set(plan.deletions) == removed
    assert listing(client, name) == want


def test_s3_objects_without_an_md5_etag_are_compared_by_their_sha256(tmp_path, s3_endpoint, bucket):
    """A multipart upload's ETag is no MD5: ssg's sha256 metadata decides."""
    client, name = bucket
    site = copy_golden(tmp_path)
    import_and_build(site)
    (site / "site.toml").write_text((site / "site.toml").read_text() + "\n" + s3_toml(s3_endpoint, name))
    deployed_ok(site)

    def multipart(key: str, data: bytes, sha256: str) -> None:
        part = data + b" " * (5 * 1024 * 1024)  # parts but the last must be 5 MiB
        up = client.create_multipart_upload(Bucket=name, Key=key, Metadata={"sha256": sha256})
        etags = [client.upload_part(Bucket=name, Key=key, UploadId=up["UploadId"], PartNumber=n, Body=body)["ETag"]
                 for n, body in ((1, part), (2, b"x"))]
        client.complete_multipart_upload(Bucket=name, Key=key, UploadId=up["UploadId"], MultipartUpload={
            "Parts": [{"ETag": e, "PartNumber": n} for n, e in zip((1, 2), etags)]})

    css = (site / "public" / "style.css").read_bytes()
    multipart("news/style.css", css, hashlib.sha256(css).hexdigest())  # same sha256 recorded: unchanged
    multipart("news/robots.txt", b"x", "0" * 64)  # another sha256: uploaded again
    assert "-" in listing(client, name)["news/style.css"]
    plan, _ = deployed_ok(site)
    assert plan.uploads == ["robots.txt"] and plan.unchanged == len(site_files(site)) - 1


def test_s3_deploy_of_the_golden_site_sets_pagefind_cache_headers(tmp_path, s3_endpoint, bucket):
    client, name = bucket
    site = copy_golden(tmp_path)
    import_and_build(site)
    (site / "site.toml").write_text((site / "site.toml").read_text() + "\n" + s3_toml(s3_endpoint, name))
    deployed_ok(site)
    keys = listing(client, name)
    assert keys == expected_listing(site)
    fragment = next(k for k in keys if k.startswith("news/pagefind/fragment/"))
    for key, ctype, cache in ((fragment, "application/octet-stream", "public, max-age=31536000, immutable"),
                              ("news/pagefind/pagefind.js", "text/javascript; charset=utf-8", "public, max-age=3600"),
                              ("news/pagefind/pagefind-entry.json", "application/json; charset=utf-8", "public, max-age=300"),
                              ("news/atom.xml", "application/xml; charset=utf-8", "public, max-age=300")):
        head = client.head_object(Bucket=name, Key=key)
        assert (head["ContentType"], head["CacheControl"]) == (ctype, cache), key


def test_s3_errors_are_problems_not_tracebacks(tmp_path, s3_endpoint):
    site = copy_golden(tmp_path)
    import_and_build(site)
    (site / "site.toml").write_text((site / "site.toml").read_text() + "\n" + s3_toml(s3_endpoint, "no-such-bucket"))
    plan, problems, _ = run_deploy(site)
    assert plan is None and [str(p) for p in problems.errors] == [
        "deploy.s3: listing s3://no-such-bucket/news/: NoSuchBucket: The specified bucket does not exist"]


# -- the command line -------------------------------------------------------------------------
@needs_rsync
def test_cli_deploy_refuses_a_broken_site_unless_forced(run_cli, tmp_path):
    site = copy_golden(tmp_path)
    import_and_build(site)
    dest = tmp_path / "www"
    (site / "site.toml").write_text((site / "site.toml").read_text() + f'\n[deploy.www]\ndestination = "{dest}"\n')
    (site / "public" / "world" / "index.html").unlink()  # every page's navigation links it
    result = run_cli(site, "deploy")
    assert result.code == 1 and not dest.exists()
    errors = result.err.splitlines()
    line = next(n for n, text in enumerate((site / "public" / "404.html").read_text().splitlines(), 1)
                if 'href="/news/world/"' in text)
    assert f"public/404.html:{line}: broken link /news/world/ (no public/world/index.html)" in errors
    assert re.fullmatch(r"deploy\.www: not deployed: `ssg check` found \d+ problems \(fix them, or deploy anyway "
                        r"with --force\)", errors[-1])
    result = run_cli(site, "deploy", "www", "--force")
    assert result.code == 0, result.err
    assert f"public/404.html:{line}: warning: broken link /news/world/" in result.err
    assert tree(dest) == site_files(site)
    result = run_cli(site, "deploy", "--dry-run", "--force")
    assert result.code == 0 and "dry run: deploy.www (rsync to " in result.out
    assert f"0 to upload (0 new, 0 changed), 0 to delete, {len(site_files(site))} unchanged" in result.out


def test_cli_deploy_without_a_target_or_a_build(run_cli, tmp_path, make_site):
    site = make_site(tmp_path)
    result = run_cli(site, "deploy")
    assert result.code == 1 and result.err.startswith("site.toml: no deploy target: add a [deploy.NAME] table")
    (site / "site.toml").write_text((site / "site.toml").read_text() + '[deploy.www]\ndestination = "/tmp/x"\n')
    result = run_cli(site, "deploy", "ww")
    assert result.code == 1 and "no [deploy.ww] target (did you mean 'www'?)" in result.err
    result = run_cli(site, "deploy")
    assert result.code == 1 and result.err == "public: no built site here (run `ssg build` first)\n"
    result = run_cli(site, "deploy", "--help")
    assert result.code == 0 and all(o in result.out for o in ("--dry-run", "--force", "--site", "target"))

"""`ssg deploy [TARGET]`: the built site sent to a target of site.toml's ``[deploy.<name>]``.

Every target works the same way: ``ssg check`` first (a broken site is refused unless
``--force``), then a *plan* comparing the site with what the target holds, by content (hashes,
never times): files to upload (new or changed), files to delete, files unchanged. More
deletions than ``max_deletes`` are refused unless ``--force``; ``--dry-run`` prints the plan
and stops. Only the plan is carried out, so a second deploy of an unchanged site transfers
nothing and a deploy that was interrupted is completed by the next one.

- rsync (``destination``: a local folder or ``[user@]host:path``): ``rsync --checksum
  --delete``; the plan is rsync's own ``--dry-run --itemize-changes``.
- git (``repository``: a URL or a path; ``branch``): the site, plus ``.nojekyll`` and an
  optional ``CNAME``, becomes one commit on top of the branch, pushed; a site whose tree equals
  the branch's makes no commit. Plain git plumbing in a cache repository under
  ``.ssg/deploy/``: nothing touches the site's own repository or working tree.
- s3 (``bucket``, ``prefix``, ``endpoint_url``, ``region``, ``profile``): boto3, with
  credentials only from the AWS environment and config files; objects are compared by MD5
  (their ETag) or by the SHA-256 ssg stores in their metadata, uploaded with ``Content-Type``
  and ``Cache-Control`` per kind of file, assets before the pages that use them, deletions last.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import mimetypes
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ssg.check import check_output, infer_base_url
from ssg.config import Config, DeployTarget, load_config, source_folders
from ssg.publish.writer import MARKER, read_published
from ssg.problems import Problem, Problems, SsgError, text_lines
from ssg.build.state import lock_path
from ssg.urls import Urls

LISTED = 20  # files named per kind in a dry run's plan (-v: all)


class DeployError(Exception):
    """The target refused or failed: the message says what and, where it can, what to do."""


@dataclass
class Plan:
    uploads: list[str] = field(default_factory=list)  # new or changed files (relative to public/)
    new: int = 0
    deletions: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> int:
        return len(self.uploads) - self.new

    @property
    def empty(self) -> bool:
        return not self.uploads and not self.deletions

    def counts(self) -> str:
        return (f"{len(self.uploads):,} to upload ({self.new:,} new, {self.changed:,} changed), "
                f"{len(self.deletions):,} to delete, {self.unchanged:,} unchanged")

    def listing(self, limit: int | None) -> list[str]:
        lines = []
        for verb, names in (("upload", self.uploads), ("delete", self.deletions)):
            shown = names if limit is None else names[:limit]
            lines += [f"  {verb} {name}" for name in shown]
            if len(names) > len(shown):
                lines.append(f"  ... and {len(names) - len(shown):,} more to {verb} (-v lists them all)")
        return lines


# -- choosing the target ---------------------------------------------------------------------
def choose_target(config: Config, name: str | None) -> tuple[str, DeployTarget]:
    targets = config.deploy
    if not targets:
        raise SsgError([Problem("site.toml", None, "no deploy target: add a [deploy.NAME] table "
                                                   "(see docs/deploying.md)")])
    if name is not None:
        if name not in targets:
            near = difflib.get_close_matches(name, list(targets), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else f" (targets: {', '.join(sorted(targets))})"
            raise SsgError([Problem("site.toml", None, f"no [deploy.{name}] target{hint}")])
        return name, targets[name]
    defaults = [n for n, t in targets.items() if t.default]
    if defaults:
        return defaults[0], targets[defaults[0]]
    if "default" in targets:
        return "default", targets["default"]
    if len(targets) == 1:
        return next(iter(targets.items()))
    raise SsgError([Problem("site.toml", None, f"several deploy targets ({', '.join(sorted(targets))}): name one, "
                                               "or mark one with default = true")])


# -- the local side ---------------------------------------------------------------------------
def local_files(output: Path) -> list[str]:
    """Every file below ``output`` (relative, POSIX separators, sorted), but for ssg's marker;
    symlinks are followed."""
    out = []
    for folder, dirnames, filenames in os.walk(output, followlinks=True):
        dirnames.sort()
        rel = os.path.relpath(folder, output).replace(os.sep, "/")
        prefix = "" if rel == "." else rel + "/"
        out += [prefix + name for name in sorted(filenames)]
    return sorted(rel for rel in out if rel != MARKER)


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this machine (``localhost``, 127.0.0.1, [::1]...)."""
    import ipaddress
    from urllib.parse import urlsplit

    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_TYPES = {
    ".html": "text/html", ".htm": "text/html", ".css": "text/css", ".js": "text/javascript",
    ".mjs": "text/javascript", ".json": "application/json", ".xml": "application/xml",
    ".txt": "text/plain", ".svg": "image/svg+xml", ".wasm": "application/wasm",
    ".webmanifest": "application/manifest+json", ".ico": "image/vnd.microsoft.icon", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".woff2": "font/woff2", ".woff": "font/woff", ".pdf": "application/pdf",
}
_TEXT = ("text/", "application/json", "application/xml", "application/manifest+json", "image/svg+xml")
# Documents a visitor must see fresh: pages, feeds, sitemaps, robots.txt, JSON (Pagefind's entry).
_DOCUMENTS = {".html", ".htm", ".xml", ".txt", ".json", ".webmanifest", ""}
# A content hash in the name (Pagefind's `en_1a2b3c4.pf_fragment`, `style.3f9a0c1d.css`): at
# least 7 hex digits after `_`, `.` or `-`, with a digit and a letter (so a date or a word is not one).
_FINGERPRINT = re.compile(r"[._-](?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,64}(?:\.[\w-]+)+$")


# Pagefind names every chunk of its index by its hash (`en_3131756.pf_fragment`: all digits, too).
_CONTENT_ADDRESSED = {".pf_fragment", ".pf_index", ".pf_meta"}


def content_type(rel: str) -> str:
    ext = os.path.splitext(rel)[1].lower()
    kind = _TYPES.get(ext) or mimetypes.guess_type(rel, strict=False)[0] or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith(_TEXT) else kind


def cache_control(rel: str, target: DeployTarget) -> str:
    name = rel.rsplit("/", 1)[-1]
    ext = os.path.splitext(name)[1].lower()
    if ext in _DOCUMENTS:
        return target.cache_control
    if ext in _CONTENT_ADDRESSED or _FINGERPRINT.search(name):
        return target.cache_control_fingerprinted
    return target.cache_control_assets


def _upload_order(rel: str) -> tuple[int, str]:
    """Assets first, then pages, then feeds and sitemaps: a page is never there before what it uses."""
    ext = os.path.splitext(rel)[1].lower()
    return ({".html": 1, ".htm": 1, ".xml": 2, ".txt": 2}.get(ext, 0), rel)


# -- rsync ------------------------------------------------------------------------------------
def _is_remote(destination: str) -> bool:
    """rsync's own rule: ``host:path``, ``host::module`` and ``rsync://`` are remote."""
    return destination.startswith("rsync://") or bool(re.match(r"^[^/]*:", destination))


def _make_folders(path: Path) -> None:
    """``mkdir -p``, each new folder 755 whatever the umask: a web server running as another
    user must be able to pass through them."""
    missing = []
    while not path.exists():
        missing.append(path)
        if path.parent == path:
            break
        path = path.parent
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)


class RsyncTarget:
    def __init__(self, site: Path, output: Path, target: DeployTarget, config: Config | None = None):
        self.output = output
        self.target = target
        dest = target.destination
        if dest.startswith("-"):  # rsync would read it as an option
            raise DeployError(f"destination {dest!r} starts with '-': name a folder or [user@]host:path")
        if not _is_remote(dest):
            site = site.resolve()
            path = (site / os.path.expanduser(dest)).resolve()
            if path == site or path in site.parents or path == output.resolve() or output.resolve() in path.parents:
                raise DeployError(f"destination {dest!r} would overwrite the site itself ({path}); "
                                  "name a folder outside it")
            # rsync --delete empties the destination of what the site does not hold: inside the
            # site's sources it would delete the articles, the theme, the build state.
            for name, folder in source_folders(site, config or Config()):
                if path == folder or folder in path.parents:
                    raise DeployError(f"destination {dest!r} is {'' if path == folder else 'inside '}the site's "
                                      f"{name}/ folder, which a deploy would overwrite; name a folder outside the site")
            dest = str(path)
        self.destination = dest.rstrip("/") + "/"
        self.local = not _is_remote(dest)

    def describe(self) -> str:
        return f"rsync to {self.target.destination}"

    def _rsync(self, *extra: str) -> list[str]:
        if shutil.which("rsync") is None:
            raise DeployError("rsync is not installed (Debian/Ubuntu: apt-get install rsync)")
        if self.local:
            _make_folders(Path(self.destination))
        # --perms --chmod: readable by the web server, whatever the umask (folders 755, files 644);
        # the marker is ssg's bookkeeping, not part of the site: hidden from the transfer (not
        # protected: a copy of it on the destination goes).
        cmd = ["rsync", "--recursive", "--links", "--times", "--omit-dir-times", "--checksum", "--delete",
               "--delete-delay", "--perms", "--chmod=D755,F644", f"--filter=H /{MARKER}", "--itemize-changes",
               "--out-format=%i %n", *extra, *self.target.rsync_args, "--", f"{self.output}/", self.destination]
        result = subprocess.run(cmd, capture_output=True, text=True, errors="replace", stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            message = " ".join(result.stderr.split())[:600] or f"exit status {result.returncode}"
            raise DeployError(f"rsync failed (exit {result.returncode}): {message}")
        return result.stdout.splitlines()

    def plan(self) -> Plan:
        plan = Plan()
        if self.local and not Path(self.destination).exists():  # a first deploy: all new (and a dry
            plan.uploads = sorted(local_files(self.output), key=_upload_order)  # run creates no folder)
            plan.new = len(plan.uploads)
            return plan
        for line in self._rsync("--dry-run"):
            code, _, name = line.partition(" ")
            if code.startswith("*deleting"):
                name = name.strip()
                if not name.endswith("/"):
                    plan.deletions.append(name)
            elif len(code) == 11 and code[1] == "f" and code[0] in "<>ch":
                if "+" in code:
                    plan.new += 1
                    plan.uploads.append(name)
                elif code[2] == "c" or code[3] == "s":  # checksum or size differ (not just the time)
                    plan.uploads.append(name)
        files = len(local_files(self.output))
        plan.unchanged = files - len(plan.uploads)
        plan.uploads.sort(key=_upload_order)
        plan.deletions.sort()
        return plan

    def apply(self, plan: Plan, force: bool, say) -> None:
        extra = [] if force else [f"--max-delete={max(len(plan.deletions), self.target.max_deletes)}"]
        self._rsync(*extra)


# -- git --------------------------------------------------------------------------------------
def _is_url(repository: str) -> bool:
    return "://" in repository or bool(re.match(r"^[^/]+@[^/]+:", repository)) or bool(re.match(r"^[^/]{2,}:", repository))


# Variables that would point git at another repository than the cache (a deploy run from a hook).
_GIT_LOCATION = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_COMMON_DIR",
                 "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_PREFIX"}


class GitTarget:
    """The built site as a commit on ``branch`` of ``repository``, through a bare cache
    repository ``.ssg/deploy/<name>.git`` (objects fetched once, an index that remembers
    file stats so unchanged files are not hashed again)."""

    def __init__(self, site: Path, output: Path, name: str, target: DeployTarget):
        self.output = output
        self.target = target
        repo = target.repository
        if repo.startswith("-"):  # git would read it as an option (--upload-pack=... runs a command)
            raise DeployError(f"repository {repo!r} starts with '-': name a URL or a path")
        self.remote = repo if _is_url(repo) else str((site / os.path.expanduser(repo)).resolve())
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        self.cache = site / ".ssg" / "deploy" / f"{safe}.git"
        self.ref = f"refs/heads/{target.branch}"
        self.remote_ref = f"refs/ssg/remote/{target.branch}"
        self.parent: str | None = None
        self.tree: str | None = None

    def describe(self) -> str:
        return f"git {self.target.repository} branch {self.target.branch}"

    def git(self, *args: str, input: str | None = None, index: bool = False, check: bool = True,
            env_extra: dict[str, str] | None = None) -> str:
        if shutil.which("git") is None:
            raise DeployError("git is not installed")
        env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION}
        env.update(GIT_DIR=str(self.cache), GIT_TERMINAL_PROMPT="0")
        if index:
            env.update(GIT_INDEX_FILE=str(self.cache / "ssg-index"), GIT_WORK_TREE=str(self.output))
        env.update(env_extra or {})
        result = subprocess.run(["git", *args], capture_output=True, text=True, errors="replace", env=env,
                                input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and result.returncode != 0:
            message = " ".join(result.stderr.split())[:600] or f"exit status {result.returncode}"
            raise DeployError(f"git {args[0]} failed: {message}")
        return result.stdout if result.returncode == 0 else ""

    def _blob(self, text: str) -> str:
        return self.git("hash-object", "-w", "--stdin", input=text).strip()

    def plan(self) -> Plan:
        if not (self.cache / "HEAD").is_file():
            self.cache.parent.mkdir(parents=True, exist_ok=True)
            self.git("init", "--bare", "--quiet", str(self.cache))
        heads = self.git("ls-remote", "--heads", "--", self.remote, self.ref)
        self.parent = None
        for line in heads.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == self.ref:
                self.parent = sha
        if self.parent:
            self.git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", self.remote,
                     f"+{self.ref}:{self.remote_ref}")
        # The tree: public/ as it is (ignore rules do not apply: --force) but for ssg's marker,
        # plus the extras.
        self.git("add", "--all", "--force", "--", ".", f":(exclude,top){MARKER}", index=True)
        extras = {".nojekyll": "" if self.target.nojekyll else None,
                  "CNAME": f"{self.target.cname}\n" if self.target.cname else None}
        for name, text in extras.items():
            if text is not None:
                self.git("update-index", "--add", "--cacheinfo", f"100644,{self._blob(text)},{name}", index=True)
        self.tree = self.git("write-tree", index=True).strip()
        plan = Plan()
        if self.parent:
            diff = self.git("diff-tree", "-r", "-z", "--no-renames", "--name-status", self.parent, self.tree)
            fields = diff.split("\0")
            changed = set()
            for status, name in zip(fields[0::2], fields[1::2]):
                if status == "A":
                    plan.new += 1
                    plan.uploads.append(name)
                elif status == "D":
                    plan.deletions.append(name)
                elif status:
                    plan.uploads.append(name)
                changed.add(name)
            everything = self.git("ls-tree", "-r", "-z", "--name-only", self.tree).split("\0")
            plan.unchanged = sum(1 for n in everything if n and n not in changed)
        else:
            plan.uploads = [n for n in self.git("ls-tree", "-r", "-z", "--name-only", self.tree).split("\0") if n]
            plan.new = len(plan.uploads)
        plan.uploads.sort(key=_upload_order)
        plan.deletions.sort()
        return plan

    def _identity(self) -> dict[str, str]:
        """Who commits: git's own settings, else "ssg deploy <ssg@localhost>" (a CI runner often
        has no user.name, and git would refuse to commit)."""
        env = {}
        for key, fallback in (("name", "ssg deploy"), ("email", "ssg@localhost")):
            if not self.git("config", f"user.{key}", check=False).strip():
                for who in ("AUTHOR", "COMMITTER"):
                    env.setdefault(f"GIT_{who}_{key.upper()}", os.environ.get(f"GIT_{who}_{key.upper()}") or fallback)
        return env

    def apply(self, plan: Plan, force: bool, say) -> None:
        args = ["commit-tree", self.tree, "-m", self.target.message]
        if self.parent:
            args[2:2] = ["-p", self.parent]
        commit = self.git(*args, env_extra=self._identity()).strip()
        self.git("push", "--quiet", "--", self.remote, f"{commit}:{self.ref}")
        say(f"pushed {commit[:12]} to {self.target.branch}")


# -- S3 ---------------------------------------------------------------------------------------
REDIRECTS = "_redirects"  # written by the build: "<from> <to> [status]" lines (Netlify, Cloudflare Pages)


class Redirect(NamedTuple):
    line: int
    source: str  # a root-relative URL path: "/world/old-slug/" or "/old.html"
    target: str  # a root-relative path or an absolute http(s) URL
    status: int


def parse_redirects(text: str) -> tuple[list[Redirect], list[tuple[int, str]]]:
    """The rules of a ``_redirects`` file, and what was skipped (line, why). Blank lines
    and ``#`` comments are nothing; a rule is ``<from> <to>`` and an optional status (301 when
    left out). Only plain redirects of one path to another can be S3 object redirects: rules
    with splats (``*``), placeholders (``:name``), query conditions or a status that is not a
    redirect (200 rewrites, 404s) are skipped, as is a target S3 refuses (neither ``/``,
    ``http://`` nor ``https://`` at its start)."""
    rules, skipped = [], []
    for number, raw in enumerate(text_lines(text), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 2:
            skipped.append((number, "no target"))
            continue
        source, target, *rest = fields
        status_text = rest[0].rstrip("!") if rest else "301"
        if len(rest) > 1 or not status_text.isdigit():
            skipped.append((number, "conditions are not supported on S3"))
            continue
        status = int(status_text)
        if not 300 <= status < 400:
            skipped.append((number, f"status {status} is not a redirect"))
        elif not source.startswith("/") or "*" in source or "/:" in source or "?" in source:
            skipped.append((number, f"{source!r} is not a plain path (no splats, placeholders or queries on S3)"))
        elif not target.startswith(("/", "http://", "https://")) or "*" in target or "/:" in target:
            skipped.append((number, f"S3 redirects only to a path starting with '/' or an http(s) URL, "
                           f"not {target!r}"))
        else:
            rules.append(Redirect(number, source, target, status))
    return rules, skipped


def redirect_objects(rules: list[Redirect], files, base_path: str = "/") -> tuple[dict[str, str], list[tuple[int, str]]]:
    """The output file each rule's source names (``/a/`` -> ``a/index.html``, ``/a.html`` ->
    ``a.html``; with the site's base path or without it) -> its target, for the files in
    ``files``; and the rules whose file the site does not hold (S3 redirects an existing object)."""
    redirects, missing = {}, []
    for rule in rules:
        candidates = []
        if base_path != "/" and rule.source.startswith(base_path):
            candidates.append(rule.source[len(base_path) - 1:])
        candidates.append(rule.source)
        for path in candidates:
            try:
                rel = Urls.output_file(path)
            except ValueError:
                continue
            if rel in files:
                redirects[rel] = rule.target
                break
        else:
            missing.append((rule.line, f"no file for {rule.source} in the built site (S3 redirects an object)"))
    return redirects, missing


class S3Target:
    WORKERS = 8

    def __init__(self, output: Path, target: DeployTarget, base_path: str = "/"):
        self.output = output
        self.target = target
        self.base_path = base_path  # the path of base_url: _redirects may name pages with it
        prefix = target.prefix.strip("/")
        if any(seg in (".", "..") for seg in prefix.split("/")):
            raise DeployError(f"prefix {target.prefix!r}: no '.' or '..' segments")
        self.prefix = prefix + "/" if prefix else ""
        self._client = None
        self.local: dict[str, tuple[str, str]] = {}  # rel -> (md5 hex, sha256 hex)
        self.redirects: dict[str, str] = {}  # rel -> its WebsiteRedirectLocation (from _redirects)
        self.redirect_problems: list[tuple[int, str]] = []  # (line of _redirects, why it is not applied)

    def describe(self) -> str:
        where = self.target.endpoint_url or "S3"
        return f"s3://{self.target.bucket}/{self.prefix} ({where})"

    @property
    def client(self):
        if self._client is None:
            try:
                import boto3
                from botocore.config import Config as BotoConfig
            except ImportError:
                raise DeployError("the s3 target needs boto3: pip install 'ssg[s3]' (or pip install boto3)") from None
            options = {"retries": {"max_attempts": 5, "mode": "standard"}, "max_pool_connections": self.WORKERS * 2}
            if self.target.endpoint_url:  # S3-compatible services want path-style addressing
                options["s3"] = {"addressing_style": "path"}
            try:
                session = boto3.session.Session(profile_name=self.target.profile or None)
                self._client = session.client("s3", endpoint_url=self.target.endpoint_url or None,
                                              region_name=self.target.region or None, config=BotoConfig(**options))
            except Exception as exc:  # noqa: BLE001 - botocore's ProfileNotFound etc.
                raise DeployError(f"cannot set up the S3 client: {exc}") from None
        return self._client

    def _call(self, what: str, fn, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            err = exc.response.get("Error", {})
            raise DeployError(f"{what}: {err.get('Code', 'error')}: {err.get('Message', '')}".rstrip(": ")) from None
        except BotoCoreError as exc:  # no credentials, endpoint unreachable...
            raise DeployError(f"{what}: {exc}") from None

    def _hash(self, rel: str) -> tuple[str, str]:
        data = (self.output / rel).read_bytes()
        return hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()

    def plan(self) -> Plan:
        files = local_files(self.output)
        with ThreadPoolExecutor(self.WORKERS) as pool:
            self.local = dict(zip(files, pool.map(self._hash, files)))
        self.redirects, self.redirect_problems = {}, []
        if REDIRECTS in self.local:
            rules, self.redirect_problems = parse_redirects((self.output / REDIRECTS).read_text(encoding="utf-8",
                                                                                             errors="replace"))
            self.redirects, more = redirect_objects(rules, self.local, self.base_path)
            self.redirect_problems += more
        remote: dict[str, str] = {}
        token = None
        while True:
            kwargs = {"Bucket": self.target.bucket, "Prefix": self.prefix}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(f"listing s3://{self.target.bucket}/{self.prefix}", self.client.list_objects_v2, **kwargs)
            for obj in page.get("Contents", []):
                remote[obj["Key"]] = obj.get("ETag", "").strip('"')
            if not page.get("IsTruncated"):
                break
            token = page.get("NextContinuationToken")
        # Pages that redirect now or did at the last deploy (its _redirects, in the bucket): their
        # bytes may be the same while their WebsiteRedirectLocation is not, so their heads decide.
        redirected = set(self.redirects) | self._deployed_redirects(remote)
        plan = Plan()
        unsure = []
        for rel, (md5, sha256) in self.local.items():
            etag = remote.get(self.prefix + rel)
            if etag is None:
                plan.new += 1
                plan.uploads.append(rel)
            elif etag == md5 and rel not in redirected:
                plan.unchanged += 1
            else:  # changed, or an ETag that is no MD5 (multipart, KMS): ssg's sha256 metadata says
                unsure.append(rel)
        with ThreadPoolExecutor(self.WORKERS) as pool:
            for rel, same in zip(unsure, pool.map(self._same_sha256, unsure)):
                if same:
                    plan.unchanged += 1
                else:
                    plan.uploads.append(rel)
        local_keys = {self.prefix + rel for rel in self.local}
        plan.deletions = sorted(key[len(self.prefix):] for key in remote if key not in local_keys)
        plan.uploads.sort(key=_upload_order)
        return plan

    def _deployed_redirects(self, remote: dict[str, str]) -> set[str]:
        """The files the ``_redirects`` deployed last time made redirects (nothing without one)."""
        if self.prefix + REDIRECTS not in remote:
            return set()
        body = self._call(f"reading {self.prefix + REDIRECTS}", self.client.get_object, Bucket=self.target.bucket,
                          Key=self.prefix + REDIRECTS)["Body"].read()
        rules, _ = parse_redirects(body.decode("utf-8", errors="replace"))
        return set(redirect_objects(rules, self.local, self.base_path)[0])

    def _same_sha256(self, rel: str) -> bool:
        """Whether the object holds these bytes (ssg's sha256 metadata) and, for a redirect
        page, redirects where ``_redirects`` says (a new target for the same page is an upload)."""
        head = self._call(f"reading {self.prefix + rel}", self.client.head_object, Bucket=self.target.bucket,
                          Key=self.prefix + rel)
        return (head.get("Metadata", {}).get("sha256") == self.local[rel][1]
                and head.get("WebsiteRedirectLocation") == self.redirects.get(rel))

    def _put(self, rel: str) -> None:
        md5, sha256 = self.local[rel] if rel in self.local else self._hash(rel)
        body = (self.output / rel).read_bytes()
        extra = {"WebsiteRedirectLocation": self.redirects[rel]} if rel in self.redirects else {}
        self._call(f"uploading {self.prefix + rel}", self.client.put_object, Bucket=self.target.bucket,
                   Key=self.prefix + rel, Body=body, ContentType=content_type(rel),
                   CacheControl=cache_control(rel, self.target), Metadata={"sha256": sha256},
                   ContentMD5=base64.b64encode(bytes.fromhex(md5)).decode(), **extra)

    def apply(self, plan: Plan, force: bool, say) -> None:
        # In order: assets, pages, feeds; each group in parallel, the next once it is all there.
        groups: dict[int, list[str]] = {}
        for rel in plan.uploads:
            groups.setdefault(_upload_order(rel)[0], []).append(rel)
        for _, names in sorted(groups.items()):
            _parallel(self._put, names, self.WORKERS)
        keys = [self.prefix + rel for rel in plan.deletions]
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            result = self._call("deleting", self.client.delete_objects, Bucket=self.target.bucket,
                                Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
            errors = result.get("Errors") or []
            if errors:
                first = errors[0]
                raise DeployError(f"deleting {first.get('Key')}: {first.get('Code')}: {first.get('Message')}"
                                  + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""))


def _parallel(fn, items: list, workers: int) -> None:
    """``fn`` on every item over ``workers`` threads; the first failure (or Ctrl-C) cancels what
    has not started and is raised once the running calls are done."""
    pool = ThreadPoolExecutor(workers)
    futures = [pool.submit(fn, item) for item in items]
    try:
        for future in as_completed(futures):
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# -- the command ------------------------------------------------------------------------------
def make_target(site: Path, output: Path, name: str, target: DeployTarget, config: Config | None = None):
    if target.type == "rsync":
        return RsyncTarget(site, output, target, config)
    if target.type == "git":
        return GitTarget(site, output, name, target)
    base = (config or Config()).base_url
    return S3Target(output, target, Urls.from_config(config or Config(), base).base_path)


def deploy(site: Path, config: Config, name: str | None, problems: Problems, *, dry_run: bool = False,
           force: bool = False, base_url: str | None = None, say=print, verbose: bool = False) -> Plan | None:
    """Check, plan and (unless ``dry_run``) deploy; returns the plan, or None when refused.
    Problems (check errors, refusals, failures) go to ``problems``."""
    name, target = choose_target(config, name)
    where = f"deploy.{name}"
    output = site / config.output_dir
    try:
        remote = make_target(site, output, name, target, config)  # a target that cannot be is said first
    except DeployError as exc:
        problems.error(where, str(exc))
        return None
    # One version of the site goes out: a running build is waited for, a killed one's commit
    # finished, and no build commits until the deploy is done.
    lock = read_published(output, lock_path(site, config.output_dir))
    try:
        return _deploy(site, config, output, where, target, remote, problems, dry_run=dry_run, force=force,
                       base_url=base_url, say=say, verbose=verbose)
    finally:
        lock.release()


def _deploy(site, config, output, where, target, remote, problems, *, dry_run, force, base_url, say, verbose):
    if not output.is_dir() or not any(entry.name != MARKER for entry in output.iterdir()):
        problems.error(config.output_dir, "no built site here (run `ssg build` first)")
        return None
    built_for = infer_base_url(output) or base_url or config.base_url
    if is_loopback_url(built_for):
        message = (f"the site was built for {built_for} (base_url in site.toml; `ssg init` starts with "
                   "http://localhost:8000/): its canonical links, feeds and sitemaps would point at this machine")
        if not force:
            problems.error(where, f"not deployed: {message}. Set base_url to the address the site is served at "
                                  "and build again, or deploy anyway with --force")
            return None
        problems.warning(where, message)
    checked = Problems()
    report = check_output(output, base_url or config.base_url, checked, label=config.output_dir)
    say(report.summary())
    if checked.errors:
        if not force:
            problems.extend(checked)
            problems.error(where, f"not deployed: `ssg check` found {len(checked.errors):,} problem"
                                  f"{'s' if len(checked.errors) != 1 else ''} (fix them, or deploy anyway with --force)")
            return None
        for p in checked.items:
            problems.warning(p.path, p.message, p.line)
    if isinstance(remote, S3Target):  # _redirects may name pages with the base path the site was built for
        remote.base_path = Urls.from_config(config, built_for).base_path
    try:
        plan = remote.plan()
        for line, message in getattr(remote, "redirect_problems", ()):
            problems.warning(f"{config.output_dir}/{REDIRECTS}", f"not an S3 redirect: {message}", line)
        say(f"{'dry run: ' if dry_run else ''}{where} ({remote.describe()}): {plan.counts()}")
        if dry_run:
            for line in plan.listing(None if verbose else LISTED):
                say(line)
        elif verbose:
            for line in plan.listing(None):
                say(line)
        if len(plan.deletions) > target.max_deletes and not force:
            problems.error(where, f"refusing to delete {len(plan.deletions):,} files (more than max_deletes = "
                                  f"{target.max_deletes}): check the target, then deploy with --force")
            return None
        if dry_run:
            say("dry run: nothing was changed")
            return plan
        if plan.empty:
            say(f"{where}: up to date, nothing transferred")
            return plan
        remote.apply(plan, force, say)
        say(f"{where}: deployed: {len(plan.uploads):,} uploaded, {len(plan.deletions):,} deleted, "
            f"{plan.unchanged:,} unchanged")
        if config.feeds.websub_hub:
            _announce(config, output, built_for, plan, problems, say)
        return plan
    except DeployError as exc:
        problems.error(where, str(exc))
        return None
    except OSError as exc:
        problems.error(where, f"{exc.strerror or exc}{f': {exc.filename}' if exc.filename else ''}")
        return None


def _announce(config: Config, output: Path, built_for: str, plan: Plan, problems: Problems, say) -> None:
    """WebSub: the hub told of every feed this deploy uploaded (``ssg/publish/websub.py``), at
    the URL the site was built for. A hub that fails gives a warning per feed: the deploy
    itself succeeded (exit status 0), and a deploy run again would upload, so announce, nothing."""
    from ssg.publish import websub

    hub = config.feeds.websub_hub
    feeds = websub.feeds_to_announce(output, plan.uploads)
    if not feeds:
        return
    urls = Urls.from_config(config, built_for)
    failed = websub.notify(hub, [(rel, urls.file_url(rel)) for rel in feeds])
    for rel, message in failed:
        problems.warning(f"{config.output_dir}/{rel}", f"WebSub: {message}")
    say(f"WebSub: {hub} told of {len(feeds) - len(failed):,} changed feed{'s' if len(feeds) != 1 else ''}"
        + (f" ({len(failed):,} failed)" if failed else ""))


def run(site: Path, args, problems: Problems, say=print) -> list[str]:
    """``ssg deploy`` for the CLI."""
    config = load_config(site)
    if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
        problems.error("--base-url", f"must start with http:// or https://, got {args.base_url!r}")
        return []
    deploy(site, config, args.target, problems, dry_run=args.dry_run, force=args.force,
           base_url=args.base_url, say=say, verbose=args.verbose > 0)
    return []

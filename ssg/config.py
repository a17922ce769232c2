"""Site configuration: ``site.toml`` read into frozen dataclasses, validated all at once.

The dataclasses below are the schema: a key that is not a field is an error (with a suggestion
for a near miss), a value of the wrong type is an error naming the key. Every error is reported,
not just the first.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import string
import tomllib
import typing
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from ssg.content.article import clean_text, code_points
from ssg.problems import Problem, SsgError, text_lines

CONFIG_NAME = "site.toml"


@dataclass(frozen=True)
class ImportConfig:
    boilerplate: tuple[str, ...] = ("Comment here",)
    summary_length: int = 300
    decode_entities: bool = True  # `&#163;` in a seed becomes `£` (false: kept as typed)
    # A regular expression searched in a seed's path below seeds/ whose named groups year, month
    # and day (and optionally hour, minute) date the article; "" (off): the file's modification time.
    date_from_path: str = ""

    @property
    def date_pattern(self) -> re.Pattern | None:
        """date_from_path compiled (validated when site.toml is read), None when it is off."""
        return re.compile(self.date_from_path) if self.date_from_path else None


@dataclass(frozen=True)
class FeedConfig:
    items: int = 20
    full_content: bool = True
    # A WebSub hub (https://www.w3.org/TR/websub/): every feed names it, and `ssg deploy` tells
    # it which feeds changed. "": off.
    websub_hub: str = ""

    def problems(self, text: str, path: str) -> list[Problem]:
        """What is wrong with [feeds] beyond types (site.toml's ``text`` gives the lines)."""
        from urllib.parse import urlsplit

        hub = self.websub_hub
        if not hub:
            return []
        try:
            parts = urlsplit(hub)
            ok = parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in hub)
        except ValueError:
            ok = False
        if ok:
            return []
        return [Problem(path, _key_line(text, "feeds", "websub_hub"),
                        f"feeds.websub_hub: must be an http:// or https:// URL such as "
                        f"\"https://pubsubhubbub.appspot.com/\", got {hub!r}")]


@dataclass(frozen=True)
class MarkdownConfig:
    allow_html: bool = False


@dataclass(frozen=True)
class PermalinkConfig:
    article: str = "/{section}/{slug}/"
    section: str = "/{section}/"


@dataclass(frozen=True)
class TaxonomyConfig:
    tags: bool = True  # /tags/, /tags/<slug>/ with feeds
    authors: bool = True  # /authors/, /authors/<slug>/ with feeds


@dataclass(frozen=True)
class ArchiveConfig:
    enabled: bool = True  # /archive/, /<year>/, /<year>/<month>/


@dataclass(frozen=True)
class RelatedConfig:
    count: int = 5  # related stories under each article; 0 turns them off


@dataclass(frozen=True)
class SearchConfig:
    enabled: bool = True  # client-side full-text search (Pagefind) with a /search/ page


@dataclass(frozen=True)
class LimitsConfig:
    # A seed or content file larger than this (MB, 2^20 bytes) is refused, unread: a build needs
    # about 17 times the size of its largest article in memory. 0: no limit.
    max_article_mb: int = 10

    @property
    def max_article_bytes(self) -> int | None:
        return self.max_article_mb * 1_048_576 if self.max_article_mb else None

    def too_big(self, size: int) -> str | None:
        """Why a file of ``size`` bytes is refused, or None when it is not."""
        limit = self.max_article_bytes
        if limit is None or size <= limit:
            return None
        return (f"{size / 1_048_576:.1f} MB, larger than the limit of {self.max_article_mb} MB for one article "
                "([limits] max_article_mb in site.toml)")


@dataclass(frozen=True)
class ImagesConfig:
    # Local images (front matter `image`, Markdown images) resized to these widths (never up)...
    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    # ...and encoded in these formats beside their own ("webp", "avif"; [] for none)
    formats: tuple[str, ...] = ("webp", "avif")
    quality: int = 80  # 1 to 100, for every lossy format
    thumb_widths: tuple[int, ...] = (320, 640)  # teaser thumbnails, cropped to thumb_ratio
    thumb_ratio: tuple[int, ...] = (3, 2)
    cards: bool = True  # a 1200x630 share card for every article (its own image cropped, or generated)
    fetch_remote: bool = False  # download http(s) images to process them too (off: left as they are)
    max_megapixels: int = 50  # a larger image is refused before it is decoded


@dataclass(frozen=True)
class RedirectsConfig:
    # The URLs the site has published (article pages), kept by `ssg build` in this file of the
    # site folder, to be committed: every one that is no longer a page becomes a redirect or a
    # gone page. Relative to the site folder.
    file: str = "published-urls.txt"


@dataclass(frozen=True)
class NewsConfig:
    publisher: str = ""  # JSON-LD publisher and Google News publication name; default: title
    publisher_logo: str = ""  # URL or site path of the publisher's logo (JSON-LD)
    twitter_site: str = ""  # @account for Twitter cards
    news_sitemap: bool = True  # news-sitemap.xml: the last two days' articles
    words_per_minute: int = 230  # for reading time
    corrections_policy: str = ""  # URL or site path of the corrections policy (publisher JSON-LD); "" none


@dataclass(frozen=True)
class DeployTarget:
    """One ``[deploy.<name>]`` table: where ``ssg deploy`` sends the built site (see deploy.py).
    ``type`` may be left out: ``destination`` means rsync, ``repository`` git, ``bucket`` s3."""

    type: str = ""  # "rsync", "git" or "s3"
    default: bool = False  # the target `ssg deploy` uses when none is named
    max_deletes: int = 256  # refuse to delete more remote files than this without --force
    # rsync: a local folder or [user@]host:path
    destination: str = ""
    rsync_args: tuple[str, ...] = ()  # extra rsync arguments, e.g. ["-e", "ssh -p 2222"]
    # git: a repository URL or path, and its branch (GitHub Pages)
    repository: str = ""
    branch: str = "gh-pages"
    cname: str = ""  # written as CNAME at the branch's root
    nojekyll: bool = True  # an empty .nojekyll, so GitHub Pages serves the files as they are
    message: str = "Deploy site"
    # s3: an S3-compatible bucket; credentials only from the AWS environment and config files
    bucket: str = ""
    prefix: str = ""  # a folder in the bucket, "" for its root
    endpoint_url: str = ""  # another S3-compatible service (MinIO, R2, ...); "" for AWS
    region: str = ""
    profile: str = ""  # a profile of ~/.aws/config (its name, never a secret)
    cache_control: str = "public, max-age=300"  # HTML, feeds, sitemaps, robots.txt, JSON
    cache_control_assets: str = "public, max-age=3600"  # CSS, JS, images... without a fingerprint
    cache_control_fingerprinted: str = "public, max-age=31536000, immutable"  # names carrying a content hash


DEPLOY_TYPES = {"rsync": ("destination", "rsync_args"),
                "git": ("repository", "branch", "cname", "nojekyll", "message"),
                "s3": ("bucket", "prefix", "endpoint_url", "region", "profile", "cache_control",
                       "cache_control_assets", "cache_control_fingerprinted")}
DEPLOY_REQUIRED = {"rsync": "destination", "git": "repository", "s3": "bucket"}


@dataclass(frozen=True)
class Config:
    title: str = "News Archive"
    description: str = "An archive of news articles."
    base_url: str = "http://localhost:8000/"
    language: str = "en"
    timezone: str = "UTC"
    theme: str = "default"
    page_size: int = 20
    home_latest: int = 10
    home_per_section: int = 5
    seeds_dir: str = "seeds"
    content_dir: str = "content"
    output_dir: str = "public"
    imports: ImportConfig = field(default_factory=ImportConfig, metadata={"key": "import"})
    feeds: FeedConfig = field(default_factory=FeedConfig)
    markdown: MarkdownConfig = field(default_factory=MarkdownConfig)
    permalinks: PermalinkConfig = field(default_factory=PermalinkConfig)
    taxonomies: TaxonomyConfig = field(default_factory=TaxonomyConfig)
    archives: ArchiveConfig = field(default_factory=ArchiveConfig)
    related: RelatedConfig = field(default_factory=RelatedConfig)
    redirects: RedirectsConfig = field(default_factory=RedirectsConfig)
    images: ImagesConfig = field(default_factory=ImagesConfig)
    search: SearchConfig = field(default_factory=SearchConfig)
    news: NewsConfig = field(default_factory=NewsConfig)
    limits: LimitsConfig = field(default_factory=LimitsConfig)
    # [deploy.<name>] tables. Not part of repr(): the build fingerprints repr(config), and a
    # deploy setting changes nothing the build writes.
    deploy: dict[str, DeployTarget] = field(default_factory=dict, repr=False)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def _key(f: dataclasses.Field) -> str:
    return f.metadata.get("key", f.name)


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
    if origin is dict:
        return "table of tables"
    if origin is tuple:
        return f"list of {_type_name(typing.get_args(tp)[0])}"
    return {str: "string", int: "integer", bool: "boolean"}.get(tp, getattr(tp, "__name__", str(tp)))


def _coerce(value, tp, where: str, errors: list[Problem], path: str):
    """Check ``value`` against ``tp``; returns the converted value or None after an error."""
    if dataclasses.is_dataclass(tp):
        if not isinstance(value, dict):
            errors.append(Problem(path, None, f"[{where}] must be a table"))
            return None
        return _build(tp, value, where + ".", errors, path)
    origin = typing.get_origin(tp)
    if origin is dict:  # a table of named tables: [deploy.<name>]
        (_, item_tp) = typing.get_args(tp)
        if not isinstance(value, dict):
            errors.append(Problem(path, None, f"[{where}] must be a table of tables ([{where}.NAME])"))
            return None
        out = {}
        for name, item in value.items():
            converted = _coerce(item, item_tp, f"{where}.{name}", errors, path)
            if converted is not None:
                out[name] = converted
        return out
    if origin is tuple:
        (item_tp, _) = typing.get_args(tp)
        if not isinstance(value, list) or not all(isinstance(v, item_tp) for v in value):
            errors.append(Problem(path, None, f"{where}: expected a {_type_name(tp)}, got {value!r}"))
            return None
        if item_tp is str and not all(_clean(v, where, errors, path) for v in value):
            return None
        return tuple(value)
    # bool is an int in Python: keep them apart so `page_size = true` is refused.
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append(Problem(path, None, f"{where}: expected an integer, got {value!r}"))
        return None
    if not isinstance(value, tp):
        errors.append(Problem(path, None, f"{where}: expected a {_type_name(tp)}, got {value!r}"))
        return None
    if tp is str and not _clean(value, where, errors, path):
        return None
    return value


def _clean(text: str, where: str, errors: list[Problem], path: str) -> bool:
    """A setting's text may not hold characters XML or HTML forbid (TOML's ``\\u0001`` escapes
    make them): they would end up in every page and feed."""
    _, removed, _ = clean_text(text)
    if removed:
        errors.append(Problem(path, None, f"{where}: holds a character that HTML and XML forbid ({code_points(removed)})"))
    return not removed


def _build(cls, data: dict, prefix: str, errors: list[Problem], path: str):
    hints = typing.get_type_hints(cls)
    fields = {_key(f): f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        f = fields.get(key)
        if f is None:
            near = difflib.get_close_matches(key, list(fields), n=1)
            hint = f" (did you mean '{prefix}{near[0]}'?)" if near else ""
            errors.append(Problem(path, None, f"unknown key '{prefix}{key}'{hint}"))
            continue
        converted = _coerce(value, hints[f.name], prefix + key, errors, path)
        if converted is not None:
            kwargs[f.name] = converted
    return cls(**kwargs)


def _validate(config: Config, errors: list[Problem], path: str) -> Config:
    try:
        zoneinfo.ZoneInfo(config.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        errors.append(Problem(path, None, f"timezone: unknown time zone {config.timezone!r}"))
        config = dataclasses.replace(config, timezone="UTC")
    if not config.base_url.startswith(("http://", "https://")):
        errors.append(Problem(path, None, f"base_url: must start with http:// or https://, got {config.base_url!r}"))
    for name in ("page_size", "home_latest", "home_per_section"):
        if getattr(config, name) < 1:
            errors.append(Problem(path, None, f"{name}: must be at least 1"))
    if config.feeds.items < 1:
        errors.append(Problem(path, None, "feeds.items: must be at least 1"))
    if config.related.count < 0:
        errors.append(Problem(path, None, "related.count: must be 0 (off) or more"))
    if config.news.words_per_minute < 1:
        errors.append(Problem(path, None, "news.words_per_minute: must be at least 1"))
    if config.limits.max_article_mb < 0:
        errors.append(Problem(path, None, "limits.max_article_mb: must be 0 (no limit) or more"))
    im = config.images
    if not im.widths or any(not isinstance(w, int) or not 16 <= w <= 10000 for w in im.widths):
        errors.append(Problem(path, None, "images.widths: a list of widths in pixels, 16 to 10000"))
    if any(not isinstance(w, int) or not 16 <= w <= 10000 for w in im.thumb_widths):
        errors.append(Problem(path, None, "images.thumb_widths: a list of widths in pixels, 16 to 10000"))
    if len(im.thumb_ratio) != 2 or any(not isinstance(n, int) or n < 1 for n in im.thumb_ratio):
        errors.append(Problem(path, None, "images.thumb_ratio: two whole numbers, width and height, e.g. [3, 2]"))
    if any(f not in ("webp", "avif") for f in im.formats):
        errors.append(Problem(path, None, f"images.formats: only \"webp\" and \"avif\", got {list(im.formats)}"))
    if not 1 <= im.quality <= 100:
        errors.append(Problem(path, None, "images.quality: 1 to 100"))
    if im.max_megapixels < 1:
        errors.append(Problem(path, None, "images.max_megapixels: at least 1"))
    if config.imports.summary_length < 20:
        errors.append(Problem(path, None, "import.summary_length: must be at least 20"))
    for name in ("article", "section"):
        pattern = getattr(config.permalinks, name)
        if not (pattern.startswith("/") and pattern.endswith("/")) or "{section}" not in pattern:
            errors.append(Problem(path, None, f"permalinks.{name}: must start and end with '/' and contain {{section}}"))
        if name == "article" and "{slug}" not in pattern:
            errors.append(Problem(path, None, "permalinks.article: must contain {slug}"))
        # The patterns go through str.format at build time: a stray brace, an unknown
        # placeholder or a '..' / empty segment would end the build with a traceback there.
        allowed = {"section", "slug"} if name == "article" else {"section"}
        try:
            fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(pattern) if f is not None]
        except ValueError as exc:
            errors.append(Problem(path, None, f"permalinks.{name}: {exc}"))
            continue
        bad = sorted({"{" + f + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
                      for f, spec, conv in fields if f not in allowed or spec or conv})
        if bad:
            names = ", ".join("{" + a + "}" for a in sorted(allowed))
            errors.append(Problem(path, None, f"permalinks.{name}: unknown placeholder {', '.join(bad)} (only {names})"))
        if any(seg in (".", "..", "") for seg in pattern.strip("/").split("/")) and pattern != "/":
            errors.append(Problem(path, None, f"permalinks.{name}: no empty, '.' or '..' path segments"))
    return _validate_deploy(config, errors, path)


def _validate_deploy(config: Config, errors: list[Problem], path: str) -> Config:
    """Each [deploy.<name>] gets its type (given or inferred from its keys), and keys of
    another type, a missing destination or an impossible value are errors."""
    targets = {}
    for name, target in config.deploy.items():
        where = f"deploy.{name}"
        given = {f.name for f in dataclasses.fields(target) if getattr(target, f.name) != f.default}
        kind = target.type
        if not kind:
            kinds = [k for k, required in DEPLOY_REQUIRED.items() if required in given]
            if len(kinds) != 1:
                what = (f"has {' and '.join(DEPLOY_REQUIRED[k] for k in kinds)}: set type" if kinds else
                        "set type = \"rsync\", \"git\" or \"s3\" (or one of destination, repository, bucket)")
                errors.append(Problem(path, None, f"{where}: {what}"))
                continue
            kind = kinds[0]
        elif kind not in DEPLOY_TYPES:
            near = difflib.get_close_matches(kind, list(DEPLOY_TYPES), n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            errors.append(Problem(path, None, f"{where}.type: must be \"rsync\", \"git\" or \"s3\", got {kind!r}{hint}"))
            continue
        for key in sorted(given):
            owner = next((k for k, keys in DEPLOY_TYPES.items() if key in keys), kind)
            if owner != kind:
                errors.append(Problem(path, None, f"{where}.{key}: only for type = \"{owner}\" (this target is {kind})"))
        if not getattr(target, DEPLOY_REQUIRED[kind]).strip():
            errors.append(Problem(path, None, f"{where}: type = \"{kind}\" needs {DEPLOY_REQUIRED[kind]} = \"...\""))
        if target.max_deletes < 0:
            errors.append(Problem(path, None, f"{where}.max_deletes: must be 0 or more"))
        branch = target.branch
        if kind == "git" and (not branch or branch.startswith(("-", "/", ".")) or branch.endswith(("/", ".lock", "."))
                              or any(bad in branch for bad in ("..", "//", "@{", "\\"))
                              or any(c.isspace() or c in "~^:?*[" or ord(c) < 32 for c in branch)):
            errors.append(Problem(path, None, f"{where}.branch: not a valid git branch name: {branch!r}"))
        if kind == "git" and any(c.isspace() or c in "/\\" for c in target.cname):
            errors.append(Problem(path, None, f"{where}.cname: a host name such as \"news.example.org\", got {target.cname!r}"))
        if kind == "s3" and target.endpoint_url and not target.endpoint_url.startswith(("http://", "https://")):
            errors.append(Problem(path, None, f"{where}.endpoint_url: must start with http:// or https://"))
        targets[name] = dataclasses.replace(target, type=kind)
    defaults = sorted(name for name, t in targets.items() if t.default)
    if len(defaults) > 1:
        errors.append(Problem(path, None, f"deploy: only one target may have default = true ({', '.join(defaults)})"))
    return dataclasses.replace(config, deploy=targets)


DATE_GROUPS = ("year", "month", "day")


def _validate_date_from_path(config: Config, errors: list[Problem], path: str, text: str) -> Config:
    """[import] date_from_path must compile and name the groups year, month and day: a mistake
    found now, with its line, rather than as one error per seed at import time."""
    pattern = config.imports.date_from_path
    if not pattern:
        return config
    where = "import.date_from_path"
    try:
        groups = re.compile(pattern).groupindex
    except re.error as exc:
        problem = f"{where}: not a valid regular expression: {exc}"
    else:
        missing = [g for g in DATE_GROUPS if g not in groups]
        if not missing:
            return config
        problem = (f"{where}: needs the named groups year, month and day, as in "
                   f"'(?P<year>\\d{{4}})/(?P<month>\\d\\d)/(?P<day>\\d\\d)' (missing: {', '.join(missing)})")
    errors.append(Problem(path, _key_line(text, "import", "date_from_path"), problem))
    return dataclasses.replace(config, imports=dataclasses.replace(config.imports, date_from_path=""))


def _key_line(text: str, table: str, key: str) -> int | None:
    """The line of ``key`` in ``[table]`` (or ``table.key`` / ``table = {key = ..}`` at the top):
    tomllib gives values, not places, and a problem is best shown where it was typed."""
    current = ""
    key_re = re.compile(rf"""^\s*(?:{re.escape(table)}\s*\.\s*)?["']?{re.escape(key)}["']?\s*=""")
    header = re.compile(r"^\s*\[\s*([^\]]*?)\s*\]")
    fallback = None
    for number, line in enumerate(text_lines(text), start=1):
        found = header.match(line)
        if found and not line.lstrip().startswith("[["):
            current = found.group(1).strip("\"' ")
            continue
        if key_re.match(line) and (current == table or (not current and line.lstrip().startswith(table))):
            return number
        if fallback is None and key in line and not line.lstrip().startswith("#"):
            fallback = number
    return fallback


def parse_config(text: str, path: str = CONFIG_NAME) -> Config:
    """Parse ``site.toml`` text; raises SsgError listing every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        # tomllib puts "(at line N, column M)" in its message.
        line = None
        msg = str(exc)
        if "(at line " in msg:
            try:
                line = int(msg.rsplit("(at line ", 1)[1].split(",")[0])
            except ValueError:
                pass
        raise SsgError([Problem(path, line, f"invalid TOML: {msg}")]) from None
    errors: list[Problem] = []
    config = _validate(_build(Config, data, "", errors, path), errors, path)
    config = _validate_date_from_path(config, errors, path, text)
    errors += config.feeds.problems(text, path)
    if errors:
        raise SsgError(errors)
    return config


def load_config(site: Path) -> Config:
    path = site / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SsgError([Problem(CONFIG_NAME, None, f"cannot read: {exc}")]) from None
    config = parse_config(text, CONFIG_NAME)
    problem = output_dir_problem(site, config)
    if problem:
        raise SsgError([Problem(CONFIG_NAME, None, problem)])
    return config


# The site's own folders: an output folder may neither be one of them, nor hold one, nor lie in one.
SOURCE_FOLDERS = ("themes", "static", "templates", ".ssg")


def source_folders(site: Path, config: Config) -> list[tuple[str, Path]]:
    """(name as configured, resolved path) of every folder holding the site's sources or state."""
    names = [config.content_dir, config.seeds_dir, *SOURCE_FOLDERS]
    return [(name, (site / name).resolve()) for name in dict.fromkeys(names)]


def output_dir_problem(site: Path, config: Config) -> str | None:
    """Why ``output_dir`` may not be built into, or None. A build removes from its output folder
    the files no page produces: pointed at the site itself, a folder above it or a folder of
    sources, it would delete them."""
    site = site.resolve()
    out = (site / config.output_dir).resolve()
    what = f"output_dir: {config.output_dir!r}"
    advice = "ssg removes from its output folder what no page produces: name a folder of its own, such as \"public\""
    if out == site:
        return f"{what} is the site folder itself; {advice}"
    if out in site.parents:
        return f"{what} is a folder above the site ({out}); {advice}"
    for name, folder in source_folders(site, config):
        if out == folder:
            return f"{what} is the site's {name}/ folder; {advice}"
        if out in folder.parents:
            return f"{what} holds the site's {name}/ folder; {advice}"
        if folder in out.parents:
            return f"{what} lies inside the site's {name}/ folder; {advice}"
    return None


def find_site(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding site.toml, as git finds a repository."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None

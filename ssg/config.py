"""Site configuration: ``site.toml`` read into frozen dataclasses, validated all at once.

The dataclasses below are the schema: a key that is not a field is an error (with a suggestion
for a near miss), a value of the wrong type is an error naming the key. Every error is reported,
not just the first.
"""

from __future__ import annotations

import dataclasses
import difflib
import string
import tomllib
import types
import typing
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path

from .problems import Problem, SsgError

CONFIG_NAME = "site.toml"


@dataclass(frozen=True)
class ImportConfig:
    boilerplate: tuple[str, ...] = ("Comment here",)
    summary_length: int = 300


@dataclass(frozen=True)
class FeedConfig:
    items: int = 20
    full_content: bool = True


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
class NewsConfig:
    publisher: str = ""  # JSON-LD publisher and Google News publication name; default: title
    publisher_logo: str = ""  # URL or site path of the publisher's logo (JSON-LD)
    twitter_site: str = ""  # @account for Twitter cards
    news_sitemap: bool = True  # news-sitemap.xml: the last two days' articles
    words_per_minute: int = 230  # for reading time


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
    search: SearchConfig = field(default_factory=SearchConfig)
    news: NewsConfig = field(default_factory=NewsConfig)

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def _key(f: dataclasses.Field) -> str:
    return f.metadata.get("key", f.name)


def _type_name(tp) -> str:
    origin = typing.get_origin(tp)
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
    if origin is tuple:
        (item_tp, _) = typing.get_args(tp)
        if not isinstance(value, list) or not all(isinstance(v, item_tp) for v in value):
            errors.append(Problem(path, None, f"{where}: expected a {_type_name(tp)}, got {value!r}"))
            return None
        return tuple(value)
    # bool is an int in Python: keep them apart so `page_size = true` is refused.
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        errors.append(Problem(path, None, f"{where}: expected an integer, got {value!r}"))
        return None
    if not isinstance(value, tp):
        errors.append(Problem(path, None, f"{where}: expected a {_type_name(tp)}, got {value!r}"))
        return None
    return value


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
    return config


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
    if errors:
        raise SsgError(errors)
    return config


def load_config(site: Path) -> Config:
    path = site / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SsgError([Problem(CONFIG_NAME, None, f"cannot read: {exc}")]) from None
    return parse_config(text, CONFIG_NAME)


def find_site(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding site.toml, as git finds a repository."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    return None

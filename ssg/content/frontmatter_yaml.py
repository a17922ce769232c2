"""The YAML of front matter: PyYAML's C loader and dumper, made safe for any input. Loaded on
first use (``article._yaml``): a build that reads no front matter does not import PyYAML."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

YAMLError = yaml.YAMLError


class _Constructing:
    """A value YAML's constructors cannot make (an unquoted ``2024-02-30``, a timestamp offset of
    ``+25:00``, ``!!int abc``) raises ValueError and the like, with no place in the file: made a
    ConstructorError at that value's line, as any other YAML error."""

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, OverflowError, ArithmeticError) as exc:
            what = f"{node.value[:60]!r}: " if isinstance(node.value, str) else ""
            raise yaml.constructor.ConstructorError(None, None, f"{what}{exc}", node.start_mark) from None


class _Loader(_Constructing, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    pass


class _PyLoader(_Constructing, yaml.SafeLoader):
    pass


# libyaml (the C loader) recurses once per level of nesting and, some 20,000 levels down,
# overflows the C stack: the process dies of a segmentation fault, with no message at all. A
# level takes at least one character, so longer text goes to the pure-Python loader, which
# raises RecursionError instead (reported on the file). Real front matter is far shorter.
C_LOADER_MAX = 4_000


def load(text: str) -> Any:
    simple = load_simple(text)
    if simple is not None:
        return simple
    return yaml.load(text, Loader=_Loader if len(text) <= C_LOADER_MAX else _PyLoader)


_BaseDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_BaseDumper):
    pass


def _represent_datetime(dumper, value: dt.datetime):
    # ISO 8601 with "T" and the offset, which YAML reads back as a timestamp.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(dt.datetime, _represent_datetime)


def dump(meta: dict[str, Any], **options) -> str:
    return yaml.dump(meta, Dumper=_Dumper, **options)


# --- the common case, without the YAML machinery -------------------------------------------------
# Front matter as ssg writes it (and as most people do): one ``key: value`` a line, plain or
# quoted values on one line, timestamps, and lists as ``- item`` lines. Read here it costs a
# fraction of a YAML load, which is a third of the parsing of a whole article. Anything else
# (flow collections, comments, continued lines, escapes, a value YAML would read as a number,
# a boolean or null...) goes to YAML; so does anything this reading is not sure of.
_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")  # may not start a plain value (YAML 1.1)
_RESOLVERS = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character -> (tag, pattern)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_UNSURE = object()
_keys_seen: dict[str, bool] = {}


def _key(key: str) -> bool:
    """Whether YAML reads ``key`` as this string (no boolean, null...): remembered."""
    ok = _keys_seen.get(key)
    if ok is None:
        ok = bool(_KEY.match(key)) and _plain(key) is key
        if len(_keys_seen) < 1000:
            _keys_seen[key] = ok
    return ok


def _plain(value: str) -> Any:
    """What YAML reads a one-line value as, when it is surely a string or a timestamp; else
    ``_UNSURE``."""
    if not value:
        return _UNSURE
    first = value[0]
    if first in _INDICATORS:
        if len(value) < 2 or value[-1] != first or first not in "'\"":
            return _UNSURE
        inner = value[1:-1]
        if not inner.isprintable() or "\t" in inner:
            return _UNSURE
        if first == "'":  # 'single quoted': '' is a quote, and nothing else is special
            return _UNSURE if "'" in inner.replace("''", "") else inner.replace("''", "'")
        return _UNSURE if '"' in inner or "\\" in inner else inner  # "double quoted", without escapes
    if value[-1] in " :" or ": " in value or " #" in value or "\t" in value or not value.isprintable():
        return _UNSURE
    for tag, pattern in _RESOLVERS.get(first, ()):
        if pattern.match(value):
            return _timestamp(value) if tag == _TIMESTAMP else _UNSURE
    return value


def _timestamp(value: str) -> Any:
    """A YAML timestamp as PyYAML's SafeConstructor makes it (its own pattern and rules)."""
    match = yaml.constructor.SafeConstructor.timestamp_regexp.match(value)
    if match is None:
        return _UNSURE
    v = match.groupdict()
    try:
        if not v["hour"]:
            return dt.date(int(v["year"]), int(v["month"]), int(v["day"]))
        fraction = int((v["fraction"] or "")[:6].ljust(6, "0"))
        tz = None
        if v["tz_sign"]:
            delta = dt.timedelta(hours=int(v["tz_hour"]), minutes=int(v["tz_minute"] or 0))
            tz = dt.timezone(-delta if v["tz_sign"] == "-" else delta)
        elif v["tz"]:
            tz = dt.timezone.utc
        return dt.datetime(int(v["year"]), int(v["month"]), int(v["day"]), int(v["hour"]), int(v["minute"]),
                           int(v["second"]), fraction, tzinfo=tz)
    except (ValueError, OverflowError):
        return _UNSURE  # (YAML reports it, with its line)


def load_simple(text: str) -> dict[str, Any] | None:
    """``text`` read as YAML would read it, when it is simple front matter (see above); None
    when it is not, or when in doubt. ``tests/content/test_frontmatter_yaml.py`` compares the
    two on random front matter made of YAML's pitfalls."""
    meta: dict[str, Any] = {}
    items: list | None = None  # the list being read
    indent = -1  # its items' indent (-1: none read yet)
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    for line in lines:
        first = line[:1]
        if first == "-" or first == " ":  # a list's item
            rest = line.lstrip(" ")
            at = len(line) - len(rest)
            if items is None or rest[:2] != "- " or (indent >= 0 and at != indent):
                return None
            indent = at
            item = _plain(rest[2:].lstrip(" "))
            if item is _UNSURE or not isinstance(item, str):
                return None
            items.append(item)
            continue
        if items is not None and not items:
            return None  # "key:" with nothing after it: null
        key, colon, value = line.partition(": ")
        if not colon:
            if line[-1:] != ":":
                return None
            key = line[:-1]
        if key in meta or not _key(key):
            return None
        if not colon:
            meta[key] = items = []
            indent = -1
            continue
        items = None
        value = _plain(value.lstrip(" "))
        if value is _UNSURE:
            return None
        meta[key] = value
    if items is not None and not items:
        return None
    return meta

"""The YAML of front matter: PyYAML's C loader and dumper, made safe for any input. Loaded on
first use (``article._yaml``): a build that reads no front matter does not import PyYAML."""

from __future__ import annotations

import datetime as dt
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

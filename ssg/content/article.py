"""Content files: YAML front matter between ``---`` lines, then a Markdown body.

Owns reading and writing that format (with the C YAML loader and dumper) and the ``Article``
model the rest of the build works on. Keys the code does not know go into ``Article.extra``
unchanged, so hand-written keys reach templates and survive re-imports. ``clean_text`` takes out
the characters XML and HTML forbid, from seeds and content files alike, as they are read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ssg.problems import Problem


def _yaml():
    """The YAML loader and dumper (``frontmatter_yaml``), imported on first use."""
    from ssg.content import frontmatter_yaml

    return frontmatter_yaml


# Bookkeeping written by the importer: the seed's hash, and the hash of the file as it was
# written (computed without that line), which tells an untouched file from a hand-edited one.
SEED_HASH = "seed_hash"
IMPORT_HASH = "import_hash"
_IMPORT_HASH_LINE = re.compile(rf"^{IMPORT_HASH}: *([0-9a-f]+)\n", re.MULTILINE)

# Characters that XML 1.0 forbids (C0 controls but TAB, LF, CR; lone surrogates; U+FFFE, U+FFFF)
# or that HTML makes a parse error (DEL and the C1 controls U+007F-U+009F, every noncharacter):
# one in a title made feedgen raise and the Nu checker reject the page. Written as the complement
# of what is allowed: a few ranges are scanned eight times faster than a list of 66 noncharacters.
_INVALID = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd"
    + "".join(f"{chr(plane << 16)}-{chr(plane << 16 | 0xFFFD)}" for plane in range(1, 17))
    + "]"
)
# Of those, the ones that are whitespace (VT, FF, U+001C-U+001F, NEL) become a space, so the
# words around them stay apart, as the seed parser and every browser treat them.
_AS_SPACE = frozenset("\x0b\x0c\x1c\x1d\x1e\x1f\x85")


def _replacement(m: re.Match) -> str:
    return " " if m.group() in _AS_SPACE else ""


def clean_text(text: str) -> tuple[str, str, int]:
    """``text`` without the characters XML 1.0 or HTML forbid (see ``_INVALID``); also the
    characters taken out, in order, and the index in ``text`` of the first (-1 when none).
    Applied to every seed and content file as it is read, so no output ever has to."""
    first = _INVALID.search(text)
    if first is None:
        return text, "", -1
    return _INVALID.sub(_replacement, text), "".join(_INVALID.findall(text)), first.start()


def clean_value(value: Any) -> tuple[Any, str]:
    """``clean_text`` over every string in a front matter value (its lists and mappings too):
    YAML's escapes (``"\\x01"``) make such characters where the file itself has none."""
    if isinstance(value, str):
        text, removed, _ = clean_text(value)
        return text, removed
    if isinstance(value, (list, tuple)):
        pairs = [clean_value(v) for v in value]
        return type(value)(v for v, _ in pairs), "".join(r for _, r in pairs)
    if isinstance(value, dict):
        out, removed = {}, ""
        for k, v in value.items():
            (k, v), found = clean_value((k, v))
            out[k] = v
            removed += found
        return out, removed
    return value, ""


def code_points(chars: str) -> str:
    """The distinct characters of ``chars`` as code points, the first six in order: "U+0001, U+FFFF"."""
    distinct = [f"U+{ord(c):04X}" for c in sorted(set(chars))]
    return ", ".join(distinct[:6]) + (", …" if len(distinct) > 6 else "")


def removed_message(removed: str) -> str:
    """The warning for what ``clean_text`` took out: how many characters, and which."""
    return f"removed {len(removed)} control character{'' if len(removed) == 1 else 's'} ({code_points(removed)})"


class FrontMatterError(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.line = line


def split_document(text: str) -> tuple[dict[str, Any], str, int]:
    """(front matter, body, line number where the body starts). Raises FrontMatterError."""
    if text.startswith("\ufeff"):
        text = text[1:]
    text = text.replace("\r\n", "\n")
    if not text.startswith("---\n"):
        raise FrontMatterError("no front matter: the file must start with a '---' line", 1)
    end = text.find("\n---\n", 3)
    if end == -1:
        if text.endswith("\n---"):
            end = len(text) - 4
        else:
            raise FrontMatterError("front matter is not closed by a '---' line", 1)
    raw = text[4 : end + 1]
    body = text[end + 5 :]
    try:
        meta = _yaml().load(raw) if raw.strip() else {}
    except RecursionError:  # (the line nesting most: the most brackets, or the deepest indent)
        lines = raw.split("\n")
        deepest = max(range(len(lines)), key=lambda n: lines[n].count("[") + lines[n].count("{")
                      + len(lines[n]) - len(lines[n].lstrip(" -?")))
        raise FrontMatterError(f"front matter nested more than {MAX_DEPTH} levels deep", deepest + 2) from None
    except _yaml().YAMLError as exc:
        # The context mark is where the broken construct starts (an unclosed [ or quote); the
        # problem mark is where the parser noticed, often the next line.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1  # +1 for the '---', +1 for 1-based
        problem = getattr(exc, "problem", None) or str(exc)
        raise FrontMatterError(f"invalid YAML front matter: {problem}", line) from None
    if not isinstance(meta, dict):
        raise FrontMatterError("front matter must be a mapping of keys to values", 2)
    budget = [MAX_VALUES]  # for the whole front matter
    for key, value in meta.items():
        why = _too_big(value, budget) if isinstance(value, (dict, list, set)) else None  # (a scalar: fine)
        if why:
            line = next((n for n, ln in enumerate(raw.split("\n"), start=2) if ln.startswith(f"{key}:")), 2)
            raise FrontMatterError(f"{key}: {why}", line)
    body_line = raw.count("\n") + 3
    return meta, body, body_line


# YAML aliases let a few lines make a value that contains itself (`a: &x [*x]`), or one that
# repeats a list within a list far past anything a page could show ("billion laughs": 10^9
# values from 300 bytes). Every later step walks values recursively (validation, the cache's
# JSON, templates): such front matter is refused here, before any of them.
MAX_DEPTH = 32
MAX_VALUES = 100_000


def _too_big(value: Any, budget: list[int]) -> str | None:
    """Why ``value`` (a front matter value) cannot be used; None when it can. ``budget``: how
    many values the front matter may still hold (counted down)."""
    stack = [(value, 0)]
    while stack:
        v, depth = stack.pop()
        budget[0] -= 1
        if budget[0] < 0:
            return f"more than {MAX_VALUES:,} values (aliases repeated over and over)"
        if isinstance(v, dict):
            children = [*v.keys(), *v.values()]
        elif isinstance(v, (list, tuple, set, frozenset)):
            children = v
        else:
            continue
        if children and depth == MAX_DEPTH:
            return f"nested more than {MAX_DEPTH} levels deep (or an alias that contains itself)"
        stack.extend((c, depth + 1) for c in children)
    return None


def body_of(text: str) -> str:
    """The body of a document known to be well-formed, without parsing its front matter."""
    text = text.replace("\r\n", "\n")
    end = text.find("\n---\n", 3)
    return text[end + 5 :] if end != -1 else ""  # front matter closed at the very end: no body


def dump_document(meta: dict[str, Any], body: str) -> str:
    head = _yaml().dump(
        meta, sort_keys=False, allow_unicode=True, width=10_000, default_flow_style=False
    )
    return f"---\n{head}---\n\n{body.rstrip()}\n"


def file_hash(text: str) -> str:
    """Hash of a content file's text without its import_hash line."""
    return hashlib.sha256(_IMPORT_HASH_LINE.sub("", text, count=1).encode("utf-8")).hexdigest()[:16]


def with_import_hash(meta: dict[str, Any], body: str) -> str:
    """The document text with an import_hash key (last in the front matter) matching its own
    contents. Dumped once: the key is appended as text, exactly as YAML would write it."""
    meta = {k: v for k, v in meta.items() if k != IMPORT_HASH}
    text = dump_document(meta, body)
    cut = text.index("\n---\n", 3) + 1
    return f"{text[:cut]}{IMPORT_HASH}: {file_hash(text)}\n{text[cut:]}"


def is_untouched(text: str) -> bool:
    """True when the file is exactly as the importer wrote it."""
    m = _IMPORT_HASH_LINE.search(text)
    return bool(m) and m.group(1) == file_hash(text)


def parse_date(value: Any, tz: dt.tzinfo) -> dt.datetime:
    """Front matter dates: timestamps, dates, or ISO strings; naive ones are in the site's zone."""
    if isinstance(value, dt.datetime):
        result = value
    elif isinstance(value, dt.date):
        result = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            result = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"date: not an ISO 8601 date: {value!r}") from None
    else:
        raise ValueError(f"date: expected a date, got {value!r}")
    if not 2 <= result.year <= 9998:  # a day's offset or a news window must not overflow
        raise ValueError(f"date: year {result.year} is out of range (2 to 9998)")
    if result.tzinfo is None:
        result = result.replace(tzinfo=tz)
    return result


@dataclass(frozen=True)
class Article:
    """One content file, parsed. ``relpath`` is relative to content/ and keys the archive.

    The Markdown body is not kept here (an archive of 100,000 bodies would not fit the memory
    budget); ``body_hash`` names it, and ``site.read_body`` reads it when it must be rendered.
    """

    relpath: str
    title: str
    date: dt.datetime
    section: str
    section_slug: str
    slug: str
    summary: str
    body_hash: str
    draft: bool = False
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    tags: tuple[str, ...] = ()  # display names, in the order the front matter gives them
    authors: tuple[str, ...] = ()
    updated: dt.datetime | None = None  # front matter `updated`: when the story was last revised
    image: str | None = None  # front matter `image`: a URL or a site path
    words: int = 0  # words in the body
    terms: tuple[str, ...] = ()  # the body's most frequent content words, for related stories
    # Front matter `image_alt` and `image_caption`: the picture described for those who cannot see
    # it, and its caption (credit) as the page shows it; None when not given.
    image_alt: str | None = None
    image_caption: str | None = None
    # Front matter `url`: the site path given by hand (a migrated archive's "/2019/03/12/story.html"),
    # normalised by ``urls.given_path``; None: the permalink pattern decides.
    url: str | None = None
    aliases: tuple[str, ...] = ()  # front matter `aliases`: old site paths that redirect here, normalised
    # Front matter `corrections`: (ISO date-time, text) of each, oldest first.
    corrections: tuple[tuple[str, str], ...] = ()
    publish_at: dt.datetime | None = None  # front matter `publish_at`: an embargo, not published before
    expires: dt.datetime | None = None  # front matter `expires`: taken down (a gone page) from then on
    # Front matter `image_focus`: the point (x, y, 0 to 1 from the top left) that crops keep in view.
    image_focus: tuple[float, float] | None = None
    body_images: tuple[str, ...] = ()  # the images of the Markdown body, as written (![alt](ref))

    @property
    def modified(self) -> dt.datetime:
        """When the story last changed for its readers: its date, its ``updated`` or its
        latest correction, whichever is latest (JSON-LD dateModified, feeds, sitemaps)."""
        latest = self.updated or self.date
        if self.corrections:
            latest = max(latest, dt.datetime.fromisoformat(self.corrections[-1][0]))
        return max(self.date, latest)


def body_hash(body: str) -> str:
    return hashlib.blake2b(body.encode("utf-8"), digest_size=16).hexdigest()


def _encode_value(value: Any) -> Any:
    # YAML front matter may hold dates, timestamps and nested lists/maps: tag what JSON lacks.
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, dict):
        return {"$map": [[_encode_value(k), _encode_value(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_encode_value(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"$set": sorted((_encode_value(v) for v in value), key=repr)}
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode_value(v) for v in value]
    if isinstance(value, dict):
        if "$datetime" in value:
            return dt.datetime.fromisoformat(value["$datetime"])
        if "$date" in value:
            return dt.date.fromisoformat(value["$date"])
        if "$map" in value:
            return {_freeze(_decode_value(k)): _decode_value(v) for k, v in value["$map"]}
        if "$set" in value:
            return {_freeze(_decode_value(v)) for v in value["$set"]}
        if "$bytes" in value:
            return bytes.fromhex(value["$bytes"])
    return value


def _freeze(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def _plain(value: Any) -> bool:
    """True when JSON gives this value back exactly (the usual case: strings, numbers, lists)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return True
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and not k.startswith("$") and _plain(v) for k, v in value.items())
    return False


def article_to_json(a: Article) -> str:
    extra = [0, a.extra] if _plain(a.extra) else [1, _encode_value(a.extra)]
    return json.dumps(
        [a.relpath, a.title, a.date.isoformat(), a.section, a.section_slug, a.slug, a.summary,
         a.body_hash, a.draft, a.source, extra, a.tags, a.authors, a.updated.isoformat() if a.updated else None,
         a.image, a.words, a.terms, a.image_alt, a.image_caption, a.url, a.aliases, a.corrections,
         a.publish_at.isoformat() if a.publish_at else None, a.expires.isoformat() if a.expires else None,
         a.image_focus, a.body_images],
        ensure_ascii=False, separators=(",", ":"),
    )


def article_from_json(text: str) -> Article:
    return article_from_row(json.loads(text))


_new, _set_dict, _from_iso, _intern = object.__new__, object.__setattr__, dt.datetime.fromisoformat, sys.intern


def article_from_row(row: list) -> Article:
    """The article of a stored row (``article_to_json``). Made without the dataclass's
    ``__init__`` (a frozen one sets each of the 26 fields through ``object.__setattr__``): an
    incremental build loads every article of the archive, and this is ~40% faster.
    ``tests/test_content.py`` checks that every field is set, as the constructor would."""
    (relpath, title, date, section, section_slug, slug, summary, bhash, draft, source, (tagged, extra),
     tags, authors, updated, image, words, terms, image_alt, image_caption, url, aliases, corrections, publish_at,
     expires, image_focus, body_images) = row
    article = _new(Article)
    _set_dict(article, "__dict__", {
        "relpath": relpath, "title": title, "date": _from_iso(date), "section": section,
        "section_slug": section_slug, "slug": slug, "summary": summary, "body_hash": bhash, "draft": draft,
        "source": source, "extra": _decode_value(extra) if tagged else extra,
        # Interned: tags and terms repeat across an archive; shared strings take less memory
        # and make related.py's counting over them several times faster.
        "tags": tuple(map(_intern, tags)), "authors": tuple(authors),
        "updated": _from_iso(updated) if updated else None, "image": image, "words": words,
        "terms": tuple(map(_intern, terms)), "image_alt": image_alt, "image_caption": image_caption,
        "url": url, "aliases": tuple(aliases), "corrections": tuple(map(tuple, corrections)),
        "publish_at": _from_iso(publish_at) if publish_at else None, "expires": _from_iso(expires) if expires else None,
        "image_focus": tuple(image_focus) if image_focus else None, "body_images": tuple(body_images),
    })
    return article


def row_fingerprint(row: str) -> str:
    """Of an article's stored row (``article_to_json``): changes whenever anything a page could
    show of the article changes."""
    return hashlib.blake2b(row.encode("utf-8"), digest_size=16).hexdigest()


KNOWN_KEYS = {"title", "date", "section", "slug", "summary", "source", "draft", "tags", "authors", "updated", "image",
              "image_alt", "image_caption", "url", "aliases", "corrections", "publish_at", "expires", "image_focus", SEED_HASH,
              IMPORT_HASH}


def front_lines(path: Path) -> Iterator[str]:
    """The lines of a content file's front matter (without line ends), read no further than its
    closing ``---``; none when the file does not open with ``---``. Raises OSError. A front
    matter left open yields its lines, then raises ``FrontMatterError``."""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        if fh.readline().lstrip("\ufeff").rstrip("\r\n") != "---":
            return
        for line in fh:
            line = line.rstrip("\r\n")
            if line == "---":
                return
            yield line
    raise FrontMatterError("front matter is not closed by a '---' line", 1)


def read_front_matter(path: Path) -> dict[str, Any]:
    """A content file's front matter, read no further than its closing ``---``; {} when it cannot
    be read (then its folder and name say where it is published)."""
    try:
        meta, _, _ = split_document("---\n" + "".join(line + "\n" for line in front_lines(path)) + "---\n")
    except (OSError, FrontMatterError):
        return {}
    return meta


def read_front_source(path: Path) -> str | None:
    """The ``source:`` of a content file, read from its front matter without a full YAML parse.

    The whole front matter is scanned, line by line up to its closing ``---``: a fixed-size head
    missed ``source:`` behind a long title or summary (``summary_length`` is configurable), and
    the importer then took the article for a new one and wrote a copy on every run."""
    try:
        found = next((line for line in front_lines(path) if line.startswith("source:")), None)
    except (OSError, FrontMatterError):
        return None
    m = re.match(r"^source: *(.+)$", found) if found else None
    if not m:
        return None
    try:
        value = _yaml().load(m.group(1))
    except (_yaml().YAMLError, RecursionError):
        return None
    return value if isinstance(value, str) else None


def problem(relpath: str, exc: FrontMatterError) -> Problem:
    return Problem(relpath, exc.line, exc.message)

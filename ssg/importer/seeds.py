"""Raw seeds: find them under seeds/, decode them, and parse them into ``Seed`` values.

Two layouts, decided by the file's place and never by a guess:
- ``seeds/NAME.txt``: line 1 is the section, then the headline, then paragraphs;
- ``seeds/<section>/NAME.txt``: the folder names the section and line 1 is the headline.
Blocks are separated by blank lines. Trailing boilerplate lines from site.toml are dropped.
"""

from __future__ import annotations

from typing import NamedTuple

import hashlib
import html
import html.entities
import re
from pathlib import Path

from ssg.content.article import clean_text, removed_message
from ssg.content.files import real, walk_files
from ssg.problems import Problems

_WS = re.compile(r"\s+")
# Control characters other than tab, LF, CR, FF: their presence means binary data.
_BINARY = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


class SeedFile(NamedTuple):
    relpath: str  # relative to the site, POSIX separators: "seeds/tech/001.txt"
    path: Path
    folder_section: str | None  # the folder name in the section-folder layout


class Seed(NamedTuple):
    relpath: str
    section: str
    headline: str
    paragraphs: tuple[tuple[str, ...], ...]  # paragraphs, each a tuple of its lines
    digest: str  # of the parsed article, to find byte-identical duplicates
    raw_digest: str  # of the file's bytes, to tell a changed seed
    entities: bool = False  # its text holds HTML character references (`&#163;`, `&amp;`)
    decoded: bool = False  # ...and they were decoded ([import] decode_entities)

    @property
    def stem(self) -> str:
        return Path(self.relpath).stem

    @property
    def seed_hash(self) -> str:
        """What a content file records as ``seed_hash``: the seed's bytes and, for a seed whose
        entities were decoded, that too. Changing [import] decode_entities thus re-imports the
        seeds it changes, and only those (a seed without entities keeps its hash either way)."""
        return _seed_hash(self.raw_digest, self.decoded)

    @property
    def other_hash(self) -> str | None:
        """The ``seed_hash`` the other decode_entities setting gives, or None when the setting
        makes no difference to this seed."""
        return _seed_hash(self.raw_digest, not self.decoded) if self.entities else None


def _seed_hash(raw_digest: str, decoded: bool) -> str:
    if not decoded:
        return raw_digest[:16]
    return hashlib.sha256(f"{raw_digest}:entities decoded".encode()).hexdigest()[:16]


def find_seeds(site: Path, seeds_dir: str, problems: Problems | None = None) -> list[SeedFile]:
    """Every ``*.txt`` under seeds/, sorted by path so that every run sees the same order;
    symbolic links out of the site are left out (with a warning in ``problems``)."""
    root = site / seeds_dir
    found: list[SeedFile] = []
    shown = Path(seeds_dir).as_posix().rstrip("/")
    for rel, entry in walk_files(root, (real(site),), problems, shown, ".txt"):
        folder_section = rel.split("/", 1)[0] if "/" in rel else None
        found.append(SeedFile(f"{shown}/{rel}", root / rel, folder_section))
    found.sort(key=lambda s: s.relpath)
    return found


def decode(data: bytes, relpath: str, problems: Problems) -> str | None:
    """Bytes to text with LF line endings; None (and an error) for binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            problems.error(relpath, "binary data, not a text file")
            return None
    fallback = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # Scraped text that is not UTF-8 is almost always cp1252 (Latin-1 plus curly quotes);
        # bytes cp1252 leaves undefined become U+FFFD rather than failing the import.
        text = data.decode("cp1252", errors="replace")
        line = data[: exc.start].count(b"\n") + 1
        fallback = (f"not valid UTF-8 (byte 0x{data[exc.start]:02X} at offset {exc.start}); read as cp1252", line)
    if "\x00" in text or len(_BINARY.findall(text)) > max(2, len(text) // 1000):
        problems.error(relpath, "binary data, not a text file")
        return None
    if fallback is not None:  # only for text: a refused binary file gets the one error, no warning
        problems.warning(relpath, *fallback)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # Control characters and noncharacters would make the content file (and every output) invalid.
    clean, removed, first = clean_text(text)
    if removed:
        problems.warning(relpath, removed_message(removed), text.count("\n", 0, first) + 1)
    return clean


def _clean(line: str) -> str:
    # Tabs, no-break spaces and runs of blanks become one space; ends are trimmed.
    return _WS.sub(" ", line).strip()


def _blocks(text: str) -> list[tuple[int, list[str]]]:
    """Blank-line separated blocks as (first line number, cleaned lines)."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _clean(raw)
        if line:
            if not current:
                start = number
            current.append(line)
        elif current:
            blocks.append((start, current))
            current = []
    if current:
        blocks.append((start, current))
    return blocks


# A whole character reference: decimal, hexadecimal or named, ended by ';'.
_ENTITY = re.compile(r"&(?:#[0-9]{1,8}|#[xX][0-9a-fA-F]{1,8}|[A-Za-z][A-Za-z0-9]{1,31});")


def _reference(match: re.Match) -> str:
    ref = match.group()
    # html.unescape alone also decodes a known name's prefix (`&nothing;` to `¬hing;`), as
    # browsers do: only whole references are decoded, so ordinary text is never changed.
    if ref[1] == "#" or ref[1:] in html.entities.html5:
        return html.unescape(ref)  # (it drops noncharacters and controls, maps surrogates to U+FFFD)
    return ref


def unescape_line(line: str) -> str:
    """A seed line with its HTML character references decoded (scraped text often carries
    `&#163;1.8m` or `R&amp;B`), blanks cleaned again (`&nbsp;` is one)."""
    if "&" not in line:
        return line
    return _clean(_ENTITY.sub(_reference, line))


def _unescape_blocks(blocks: list[tuple[int, list[str]]]) -> tuple[list[tuple[int, list[str]]], bool]:
    """The blocks decoded, lines that decode to nothing dropped; and whether anything changed."""
    out: list[tuple[int, list[str]]] = []
    changed = False
    for start, lines in blocks:
        decoded = [unescape_line(line) for line in lines]
        changed = changed or decoded != lines
        decoded = [line for line in decoded if line]
        if decoded:
            out.append((start, decoded))
    return out, changed


def _strip_boilerplate(blocks: list[tuple[int, list[str]]], boilerplate: tuple[str, ...]) -> None:
    wanted = {_clean(b).casefold() for b in boilerplate if _clean(b)}
    while blocks:
        start, lines = blocks[-1]
        if lines[-1].casefold() not in wanted:
            return
        lines.pop()
        if not lines:
            blocks.pop()


def parse_seed(seed_file: SeedFile, data: bytes, boilerplate: tuple[str, ...], problems: Problems,
               decode_entities: bool = False) -> Seed | None:
    """Parse one seed; reports and returns None when it cannot become an article.
    ``decode_entities``: HTML character references in its section, headline and paragraphs are
    decoded (they are text either way: the importer escapes what could be markup)."""
    rel = seed_file.relpath
    if not data.strip():
        problems.error(rel, "empty file")
        return None
    text = decode(data, rel, problems)
    if text is None:
        return None
    blocks = _blocks(text)
    decoded_blocks, entities = _unescape_blocks(blocks)
    folder = seed_file.folder_section
    entities = entities or (folder is not None and unescape_line(folder) != folder)
    decoded = decode_entities and entities
    if decoded:
        blocks = decoded_blocks
    _strip_boilerplate(blocks, boilerplate)
    if not blocks:
        problems.error(rel, "nothing but blank lines and boilerplate")
        return None

    if seed_file.folder_section is None:
        start, lines = blocks.pop(0)
        if len(lines) > 1:
            problems.error(rel, "line 1 must be the section, followed by a blank line", start + 1)
            return None
        section = lines[0]
        if not blocks:
            problems.error(rel, f"section {section!r} but no headline", start)
            return None
    else:
        section = (unescape_line(folder) if decoded else folder).replace("_", " ").replace("-", " ").strip()
        # A lower-case folder name (`business`) is shown capitalised (`Business`).
        if section == section.lower():
            section = section.title()
        section = _clean(section) or seed_file.folder_section

    start, lines = blocks.pop(0)
    headline = " ".join(lines)
    if not blocks:
        problems.error(rel, f"headline {headline!r} but no body", start)
        return None
    paragraphs = tuple(tuple(lines) for _, lines in blocks)
    digest = hashlib.sha256(
        "\x1e".join([section, headline, *("\n".join(p) for p in paragraphs)]).encode("utf-8")
    ).hexdigest()
    return Seed(rel, section, headline, paragraphs, digest, hashlib.sha256(data).hexdigest(), entities, decoded)

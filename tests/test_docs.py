"""The docs stay usable and true to the code: every relative link in README.md, CONTRIBUTING.md
and docs/*.md reaches a file and, with a ``#fragment``, a heading of it (as a code host slugs
headings); every ``site.toml`` key that ssg.config accepts is in docs/configuration.md, the keys
derived from the dataclasses the way ``ssg.config`` maps them (never from a list kept by hand,
which would go stale with the code it describes); the README stays a short door into docs/.

Fast and offline: nothing is built, nothing is fetched."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path

import pytest

from ssg import config as cfg

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"
CONFIGURATION = DOCS / "configuration.md"
README_MAX_LINES = 150


def doc_files() -> list[Path]:
    return [README, REPO / "CONTRIBUTING.md", *sorted(DOCS.glob("*.md"))]


# ---- Markdown, as far as links and headings need it ----------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$")
_HTML_ID = re.compile(r"<a\s+(?:id|name)=\"([^\"]+)\"")


def prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every line outside fenced code blocks: a link or heading in a
    code example is not one."""
    out, fenced = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            out.append((number, line))
    return out


def slug(heading: str) -> str:
    """The anchor a code host gives a heading (GitHub's rules): its text without Markdown
    markers, lower-cased, punctuation dropped (``-`` and ``_`` kept), each space a ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").replace("*", "")
    return re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every fragment that names a place in a Markdown text: its headings' slugs (a repeated
    one gets ``-1``, ``-2``…) and explicit ``<a id>`` / ``<a name>`` anchors."""
    seen: dict[str, int] = {}
    out = set()
    for _, line in prose_lines(text):
        m = _HEADING.match(line)
        if m:
            base = slug(m.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            out.add(base if count == 0 else f"{base}-{count}")
        out.update(_HTML_ID.findall(line))
    return out


def links(text: str) -> list[tuple[int, str]]:
    """(line number, target) of every Markdown link and image, code spans and blocks left out."""
    found = []
    for number, line in prose_lines(text):
        for target in _LINK.findall(_CODE_SPAN.sub("", line)):
            found.append((number, target))
    return found


def link_problems(path: Path) -> list[str]:
    """``path:line: message`` for each relative link of ``path`` that leads nowhere."""
    problems = []
    shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path
    for number, target in links(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, mailto:… (not checked: offline)
            continue
        file, _, fragment = target.partition("#")
        dest = (path.parent / file).resolve() if file else path
        if not dest.exists():
            problems.append(f"{shown}:{number}: {target}: no such file {file}")
        elif fragment and dest.suffix != ".md":
            problems.append(f"{shown}:{number}: {target}: a #fragment into {dest.name}, not a Markdown file")
        elif fragment and fragment not in anchors(dest.read_text(encoding="utf-8")):
            problems.append(f"{shown}:{number}: {target}: no heading #{fragment} in {file or shown}")
    return problems


# ---- site.toml keys, from ssg.config --------------------------------------------------------


def config_keys(cls=cfg.Config, table: str = "") -> list[tuple[str, str]]:
    """(table, key) of every key ``site.toml`` may hold: ``("", "title")``,
    ``("import", "boilerplate")``, ``("deploy.NAME", "bucket")``. Walks the dataclasses as
    ``ssg.config._build`` and ``_coerce`` do: a field's TOML name is ``_key``; a dataclass field
    is a table, a ``dict`` of dataclasses a table of named tables."""
    keys = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        key, tp = cfg._key(f), hints[f.name]
        inner = f"{table}.{key}" if table else key
        if dataclasses.is_dataclass(tp):
            keys += config_keys(tp, inner)
        elif typing.get_origin(tp) is dict:
            keys += config_keys(typing.get_args(tp)[1], f"{inner}.NAME")
        else:
            keys.append((table, key))
    return keys


def with_defaults(keys: list[tuple[str, str]]) -> dict:
    """A ``site.toml`` (as parsed TOML) setting every key to its default value."""
    data: dict = {}
    for table, key in keys:
        node, cls = data, cfg.Config
        for part in table.split(".") if table else []:
            node = node.setdefault(part, {})
            if part != "NAME":
                f = next(f for f in dataclasses.fields(cls) if cfg._key(f) == part)
                tp = typing.get_type_hints(cls)[f.name]
                cls = typing.get_args(tp)[1] if typing.get_origin(tp) is dict else tp
        default = next(f for f in dataclasses.fields(cls) if cfg._key(f) == key).default
        node[key] = list(default) if isinstance(default, tuple) else default
    return data


def reference_rows(text: str) -> list[tuple[frozenset[str], str]]:
    """(tables named in ``[...]`` by the heading above it, first cell) of every table row of a
    Markdown text: ``(frozenset({"import"}), "`boilerplate`")``."""
    rows, tables = [], frozenset()
    for _, line in prose_lines(text):
        m = _HEADING.match(line)
        if m:
            tables = frozenset(re.findall(r"\[([\w.]+)\]", m.group(1)))
        elif line.startswith("|") and not re.match(r"^\|\s*-", line):
            rows.append((tables, line.split("|")[1].strip()))
    return rows


def undocumented(keys: list[tuple[str, str]], text: str) -> list[str]:
    """The keys ``text`` does not document: neither written as ``table.key`` anywhere, nor in
    the first cell of a table row under a heading naming ``[table]`` (under a heading naming no
    table, for a top-level key)."""
    rows = reference_rows(text)
    missing = []
    for table, key in keys:
        dotted = f"`{table}.{key}`" in text if table else False
        listed = any(f"`{key}`" in cell and (table in tables if table else not tables) for tables, cell in rows)
        if not (dotted or listed):
            missing.append(f"{table}.{key}" if table else key)
    return missing


def unknown(keys: list[tuple[str, str]], text: str) -> list[str]:
    """Keys in the reference tables of ``text`` (first cells under a ``[table]`` heading) that
    ssg does not know: a renamed or removed setting still documented."""
    known = set(keys)
    return sorted(f"{table}.{cell.strip('`')}" for tables, cell in reference_rows(text) for table in tables
                  if cell.startswith("`") and (table, cell.strip("`")) not in known)


# ---- the tests ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", doc_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_and_anchor_resolves(path):
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    problems = link_problems(path)
    assert not problems, "\n".join(problems)


def test_headings_are_slugged_as_a_code_host_does():
    assert slug("Preview: `ssg serve`") == "preview-ssg-serve"
    assert slug("Errors and `--keep-going`") == "errors-and---keep-going"
    assert slug("Where the time goes: `SSG_TIMINGS=1`") == "where-the-time-goes-ssg_timings1"
    assert slug("`[deploy.NAME]`: deploy targets") == "deployname-deploy-targets"
    assert slug("Text is text (escaping)") == "text-is-text-escaping"
    assert slug("3. Write an article") == "3-write-an-article"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


def test_a_broken_link_or_anchor_is_reported(tmp_path):
    (tmp_path / "other.md").write_text("# Other page\n\n## A part\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[ok](other.md#a-part) [self](#page) [web](https://example.org/x)\n"
                    "`[in code](missing.md)`\n\n```\n[in a block](missing.md)\n```\n", encoding="utf-8")
    assert link_problems(page) == []
    page.write_text("# Page\n\n[gone](missing.md)\n[no such part](other.md#b-part)\n[self](#nowhere)\n",
                    encoding="utf-8")
    problems = link_problems(page)
    assert [p.split(": ", 1)[0].rsplit(":", 1)[1] for p in problems] == ["3", "4", "5"], problems
    assert "no such file missing.md" in problems[0] and "#b-part" in problems[1] and "#nowhere" in problems[2]


def test_the_keys_are_those_ssg_config_accepts():
    keys = config_keys()
    assert ("", "title") in keys and ("import", "boilerplate") in keys and ("deploy.NAME", "bucket") in keys
    assert ("", "imports") not in keys and not any(t == "imports" for t, _ in keys)  # the TOML name, not the field's
    errors: list = []
    cfg._build(cfg.Config, with_defaults(keys), "", errors, cfg.CONFIG_NAME)
    assert errors == [], errors  # every derived key, at its default, is accepted as it is


def test_every_site_toml_key_is_in_the_configuration_reference():
    text = CONFIGURATION.read_text(encoding="utf-8")
    missing = undocumented(config_keys(), text)
    assert not missing, f"docs/configuration.md does not document: {', '.join(missing)}"
    stale = unknown(config_keys(), text)
    assert not stale, f"docs/configuration.md documents keys ssg does not know: {', '.join(stale)}"


def test_a_key_missing_from_the_reference_is_reported():
    keys = [("", "title"), ("import", "boilerplate"), ("deploy.NAME", "bucket")]
    text = ("# Reference\n\n## Top-level keys\n\n| key | meaning |\n| --- | --- |\n| `title` | the name |\n\n"
            "## `[feeds]`\n\n| key | meaning |\n| --- | --- |\n| `boilerplate` | under the wrong table |\n\n"
            "## `[deploy.NAME]`\n\n| key | meaning |\n| --- | --- |\n| `bucket` | the bucket |\n")
    assert undocumented(keys, text) == ["import.boilerplate"]
    assert undocumented(keys, text + "\nAlso `import.boilerplate`.\n") == []
    assert undocumented(keys, text.replace("| `title` |", "| `titel` |")) == ["title", "import.boilerplate"]
    assert unknown(keys, text) == ["feeds.boilerplate"]


def test_the_readme_is_a_short_door():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines; move detail into docs/"


def test_the_readme_opens_with_the_set_up_commands_ci_runs():
    """The project's rule: the README's first lines give the command that installs and builds
    the bundled archive, and the one that installs and runs the tests, which `.ci/run` runs."""
    head = README.read_text(encoding="utf-8").splitlines()[:20]
    commands = [line.split("#")[0].strip() for line in head if line.startswith(("python3 -m pip", "tests/"))]
    assert commands[:2] == ["python3 -m pip install -e . && ssg build",
                            "tests/install-deps.sh && python3 -m pytest -q"], head
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci == commands[1]

"""Raw seeds: both layouts, real-world mess accepted, broken files refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssg.problems import Problems
from ssg.seeds import SeedFile, find_seeds, parse_seed

BOILERPLATE = ("Comment here",)


def parse(data: bytes, folder: str | None = None, name: str = "x.txt", boilerplate=BOILERPLATE):
    rel = f"seeds/{folder}/{name}" if folder else f"seeds/{name}"
    problems = Problems()
    seed = parse_seed(SeedFile(rel, Path(rel), folder), data, boilerplate, problems)
    return seed, problems


def test_section_line_layout():
    seed, problems = parse(b"Middle East\n\nHeadline here\n\nFirst para.\n\nSecond para.\n\nComment here")
    assert (seed.section, seed.headline) == ("Middle East", "Headline here")
    assert seed.paragraphs == (("First para.",), ("Second para.",))
    assert not problems.items


def test_section_folder_layout():
    seed, _ = parse(b"Headline\n\nBody.\n", folder="business")
    assert (seed.section, seed.headline, seed.paragraphs) == ("Business", "Headline", (("Body.",),))
    seed, _ = parse(b"Headline\n\nBody.\n", folder="Middle East")
    assert seed.section == "Middle East"


def test_same_bytes_decided_by_place_not_guess():
    data = b"Sport\n\nHeadline\n\nBody.\n"
    flat, _ = parse(data)
    nested, _ = parse(data, folder="tech")
    assert (flat.section, flat.headline) == ("Sport", "Headline")
    assert (nested.section, nested.headline) == ("Tech", "Sport")


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfWorld\n\nHeadline\n\nBody one.\n\nBody two.\n",
        b"World\r\n\r\nHeadline\r\n\r\nBody one.\r\n\r\nBody two.\r\n",
        b"World\r\rHeadline\r\rBody one.\r\rBody two.",
        b"  World  \n \n\tHeadline\t\n\n\n\n   \n  Body one.  \n\n\n\nBody   two.",
        b"World\n\nHeadline\n\nBody one.\n\nBody two.\n\n  Comment here  \n\n\n",
        b"World\n\nHeadline\n\nBody one.\n\nBody two.\n\ncomment   HERE",
    ],
)
def test_mess_is_accepted(data):
    seed, problems = parse(data)
    assert not problems.errors
    assert (seed.section, seed.headline, seed.paragraphs) == ("World", "Headline", (("Body one.",), ("Body two.",)))


def test_boilerplate_list_is_configurable():
    seed, _ = parse(b"W\n\nH\n\nBody.\n\nRead more\n\nShare this", boilerplate=("Share this", "Read more"))
    assert seed.paragraphs == (("Body.",),)
    seed, _ = parse(b"W\n\nH\n\nBody.\n\nComment here", boilerplate=())
    assert seed.paragraphs == (("Body.",), ("Comment here",))


def test_lines_inside_a_paragraph_are_kept():
    seed, _ = parse(b"W\n\nH\n\nIntro:\n - one \n - two\n")
    assert seed.paragraphs == (("Intro:", "- one", "- two"),)


def test_latin1_byte_is_decoded_with_a_warning():
    seed, problems = parse(b"Sport\n\nDeal\n\nA \xa315.8m signing from Parma.\n", name="199.txt")
    assert seed.paragraphs[0][0] == "A £15.8m signing from Parma."
    (warning,) = problems.warnings
    assert warning.path == "seeds/199.txt" and warning.line == 5 and "not valid UTF-8" in warning.message


def test_entities_stay_text():
    seed, _ = parse(b"W\n\nCaf&#233; owner\n\nJos&#233; said &lt;no&gt;.\n")
    assert seed.headline == "Caf&#233; owner" and seed.paragraphs[0][0] == "Jos&#233; said &lt;no&gt;."


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "empty file"),
        (b"  \n\n \t\n", "empty file"),
        (b"World\n", "no headline"),
        (b"World\n\nHeadline only\n", "no body"),
        (b"World\n\nHeadline\n\nComment here\n", "no body"),
        (b"\x00\x01\x02\x03binary\x00\xff\xfe" * 20, "binary data"),
        (bytes(range(256)) * 4, "binary data"),
    ],
)
def test_refused_with_a_message_naming_the_file(data, message):
    seed, problems = parse(data, name="bad.txt")
    assert seed is None
    (error,) = problems.errors
    assert error.path == "seeds/bad.txt" and message in error.message


def test_find_seeds_sorted_and_both_layouts(tmp_path: Path):
    for rel in ("seeds/b.txt", "seeds/a.txt", "seeds/tech/002.txt", "seeds/tech/001.txt", "seeds/.hidden.txt",
                "seeds/notes.md", "seeds/.git/x.txt"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = find_seeds(tmp_path, "seeds")
    assert [s.relpath for s in found] == ["seeds/a.txt", "seeds/b.txt", "seeds/tech/001.txt", "seeds/tech/002.txt"]
    assert [s.folder_section for s in found] == [None, None, "tech", "tech"]

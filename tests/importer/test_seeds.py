"""Raw seeds: both layouts, real-world mess accepted, broken files refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssg.problems import Problems
from ssg.importer.seeds import SeedFile, find_seeds, parse_seed

BOILERPLATE = ("Comment here",)
REPO = Path(__file__).resolve().parents[2]
EXPECTED = ("World", "Headline", (("Body one.",), ("Body two.",)))


def parse(data: bytes, folder: str | None = None, name: str = "x.txt", boilerplate=BOILERPLATE):
    rel = f"seeds/{folder}/{name}" if folder else f"seeds/{name}"
    problems = Problems()
    seed = parse_seed(SeedFile(rel, Path(rel), folder), data, boilerplate, problems)
    return seed, problems


def parsed(seed) -> tuple:
    return (seed.section, seed.headline, seed.paragraphs)


def test_section_line_layout():
    seed, problems = parse(b"Middle East\n\nHeadline here\n\nFirst para.\n\nSecond para.\n\nComment here")
    assert parsed(seed) == ("Middle East", "Headline here", (("First para.",), ("Second para.",)))
    assert seed.relpath == "seeds/x.txt" and seed.stem == "x"
    assert not problems.items


def test_the_shipped_project_seed():
    path = REPO / "seeds" / "000_d2dcb3eeb09a57c7.txt"
    if not path.is_file():
        pytest.skip("the project's sample seed is not in seeds/")
    seed, problems = parse(path.read_bytes(), name=path.name)
    assert not problems.items
    assert seed.section == "Middle East"
    assert seed.headline == "Macron meets Putin in Moscow, says he seeks to \u2018avoid war\u2019 amid Ukraine tensions"
    assert len(seed.paragraphs) == 19  # the trailing "Comment here" is gone, the 19 paragraphs stay
    assert all("Comment here" not in line for para in seed.paragraphs for line in para)
    assert seed.paragraphs[0][0].startswith("French President Emmanuel Macron has expressed hope")


@pytest.mark.parametrize(
    "folder, section",
    [("business", "Business"), ("Middle East", "Middle East"), ("middle_east", "Middle East"),
     ("sci-tech", "Sci Tech"), ("UK", "UK"), ("eCommerce", "eCommerce")],
)
def test_section_folder_layout(folder, section):
    seed, problems = parse(b"Headline\n\nBody.\n", folder=folder)
    assert parsed(seed) == (section, "Headline", (("Body.",),))
    assert seed.relpath == f"seeds/{folder}/x.txt" and not problems.items


def test_the_layout_is_decided_by_place_never_by_a_guess():
    data = b"Sport\n\nHeadline\n\nBody.\n"
    flat, _ = parse(data)
    nested, _ = parse(data, folder="tech")
    assert parsed(flat) == ("Sport", "Headline", (("Body.",),))
    assert parsed(nested) == ("Tech", "Sport", (("Headline",), ("Body.",)))


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"World\n\nHeadline\n\nBody one.\n\nBody two.\n", id="plain"),
        pytest.param(b"\xef\xbb\xbfWorld\n\nHeadline\n\nBody one.\n\nBody two.\n", id="bom"),
        pytest.param(b"World\r\n\r\nHeadline\r\n\r\nBody one.\r\n\r\nBody two.\r\n", id="crlf"),
        pytest.param(b"World\r\rHeadline\r\rBody one.\r\rBody two.\r", id="cr"),
        pytest.param(b"World\r\n\rHeadline\n\r\nBody one.\r\rBody two.", id="mixed-endings"),
        pytest.param(b"\tWorld\t\n\n\tHeadline\n\nBody\tone.\n\n\t\tBody \t two.\t\n", id="tabs"),
        pytest.param(b"  World  \n\n   Headline   \n\n Body one. \n\n    Body two.    \n", id="leading-trailing-spaces"),
        pytest.param(b"\n\n\nWorld\n\n\n\n\nHeadline\n\n\n\nBody one.\n\n\n\n\n\nBody two.\n\n\n\n", id="runs-of-blank-lines"),
        pytest.param(b"World\n   \nHeadline\n \t \nBody one.\n        \nBody two.\n   ", id="space-only-lines"),
        pytest.param(b"World\n\nHeadline\n\nBody one.\n\nBody two.", id="no-final-newline"),
        pytest.param(b"World\n\nHeadline\n\nBody   one.\n\nBody\xc2\xa0two.\n", id="inner-runs-and-nbsp"),
        pytest.param(b"\xef\xbb\xbf  World \r\n \r\n\tHeadline\r\r\n\r\n Body one.\t\r\n   \r\n\r\nBody two.", id="everything-at-once"),
        pytest.param("World\n\nHeadline\n\nBody one.\n\nBody two.\n".encode("utf-16"), id="utf-16-with-bom"),
    ],
)
def test_real_world_mess_is_accepted(data):
    seed, problems = parse(data)
    assert not problems.items, [str(p) for p in problems.items]
    assert parsed(seed) == EXPECTED


def test_bom_in_the_folder_layout_is_not_part_of_the_headline():
    seed, _ = parse(b"\xef\xbb\xbfHeadline\n\nBody.\n", folder="tech")
    assert seed.headline == "Headline"


def test_lines_inside_a_paragraph_are_kept_apart():
    seed, _ = parse(b"W\n\nA headline\non two lines\n\nIntro:\n - one \n - two\n")
    assert seed.headline == "A headline on two lines"
    assert seed.paragraphs == (("Intro:", "- one", "- two"),)


@pytest.mark.parametrize(
    "tail",
    [
        b"\n\nComment here",
        b"\n\nComment here\n",
        b"\n\n   Comment here   \n\n\n",
        b"\n\n\tComment   here\t\r\n",
        b"\n\ncomment HERE",
        b"\nComment here\n",  # last line of the last paragraph, no blank line before it
        b"\n\nComment here\n\nComment here\n",
    ],
)
def test_trailing_boilerplate_is_dropped_whatever_surrounds_it(tail):
    seed, problems = parse(b"W\n\nH\n\nBody one.\n\nBody two." + tail)
    assert seed.paragraphs == (("Body one.",), ("Body two.",)) and not problems.items


def test_boilerplate_is_only_dropped_at_the_end():
    seed, _ = parse(b"W\n\nH\n\nComment here\n\nBody.\n\nThe words Comment here stay.\n")
    assert seed.paragraphs == (("Comment here",), ("Body.",), ("The words Comment here stay.",))


def test_boilerplate_list_is_configurable():
    seed, _ = parse(b"W\n\nH\n\nBody.\n\nRead more\n\nShare  this\nComment here", boilerplate=("Share this", " Read more ", "Comment here"))
    assert seed.paragraphs == (("Body.",),)
    seed, _ = parse(b"W\n\nH\n\nBody.\n\nComment here", boilerplate=())
    assert seed.paragraphs == (("Body.",), ("Comment here",))
    seed, _ = parse(b"W\n\nH\n\nBody.\n\nComment here", boilerplate=("", "  "))  # blank entries match nothing
    assert seed.paragraphs == (("Body.",), ("Comment here",))


def test_latin1_byte_is_decoded_as_cp1252_with_a_warning_naming_the_file():
    seed, problems = parse(b"Deal\n\n\nA \xa315.8m signing from Parma.\n", folder="sport", name="199.txt")
    assert seed.paragraphs[0][0] == "A \u00a315.8m signing from Parma."
    assert not problems.errors
    (warning,) = problems.warnings
    assert warning.path == "seeds/sport/199.txt" and warning.line == 4
    assert "not valid UTF-8" in warning.message and "cp1252" in warning.message and "0xA3" in warning.message


def test_cp1252_curly_quotes():
    seed, problems = parse(b"W\n\n\x93Quoted\x94 \x96 dash\n\nBody.\n")
    assert seed.headline == "\u201cQuoted\u201d \u2013 dash" and len(problems.warnings) == 1


def test_entities_stay_text():
    seed, problems = parse(b"W\n\nCaf&#233; owner\n\nJos&#233; said &lt;no&gt; &amp; &#163;5.\n")
    assert seed.headline == "Caf&#233; owner"
    assert seed.paragraphs[0][0] == "Jos&#233; said &lt;no&gt; &amp; &#163;5."
    assert not problems.items


@pytest.mark.parametrize(
    "data, folder, message",
    [
        pytest.param(b"", None, "empty file", id="empty"),
        pytest.param(b"  \n\n \t\r\n", None, "empty file", id="whitespace-only"),
        pytest.param(b"\xef\xbb\xbf\n\n", None, "nothing but blank lines", id="bom-only"),
        pytest.param(b"Comment here\n", None, "nothing but blank lines and boilerplate", id="boilerplate-only"),
        pytest.param(b"World\n", None, "section 'World' but no headline", id="section-no-headline"),
        pytest.param(b"World\n\n\n   \n", None, "section 'World' but no headline", id="section-then-blanks"),
        pytest.param(b"World\n\nHeadline only\n", None, "headline 'Headline only' but no body", id="headline-no-body"),
        pytest.param(b"World\n\nHeadline\n\nComment here\n", None, "but no body", id="body-only-boilerplate"),
        pytest.param(b"Headline only\n", "tech", "headline 'Headline only' but no body", id="folder-headline-no-body"),
        pytest.param(b"World\nHeadline\n\nBody.\n", None, "line 1 must be the section", id="no-blank-after-section"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" * 8, None, "binary data", id="png"),
        pytest.param(b"World\n\nHeadline\n\nBody with a NUL\x00 byte.\n", None, "binary data", id="nul"),
        pytest.param(bytes(range(256)) * 4, None, "binary data", id="all-bytes"),
        pytest.param(b"\xff\xfe\x00\xd8", None, "binary data", id="bad-utf16"),
    ],
)
def test_refused_with_a_message_naming_the_file(data, folder, message):
    seed, problems = parse(data, folder=folder, name="bad.txt")
    assert seed is None
    (error,) = problems.errors
    relpath = f"seeds/{folder}/bad.txt" if folder else "seeds/bad.txt"
    assert error.path == relpath and message in error.message
    assert str(error).startswith(relpath)
    assert not problems.warnings  # one clear message, not a cp1252 warning before it


def test_refusals_point_at_the_line():
    _, problems = parse(b"\n\nWorld\n\n\nHeadline only\n")
    assert problems.errors[0].line == 6
    _, problems = parse(b"World\nHeadline\n\nBody.\n")
    assert problems.errors[0].line == 2


def test_a_few_control_characters_are_not_binary():
    seed, problems = parse(b"W\n\nH\n\nPage one.\x0c\n\nEsc \x1b here.\n")
    assert seed is not None and not problems.errors


def test_digests_find_duplicates_and_changes():
    a, _ = parse(b"W\n\nH\n\nBody.\n", name="a.txt")
    b, _ = parse(b"W\n\nH\n\nBody.\n", name="b.txt")
    crlf, _ = parse(b"W\r\n\r\nH\r\n\r\nBody.\r\n", name="c.txt")
    other, _ = parse(b"W\n\nH\n\nOther body.\n", name="d.txt")
    assert a.digest == b.digest == crlf.digest != other.digest
    assert a.raw_digest == b.raw_digest != crlf.raw_digest


def test_find_seeds_sorted_and_both_layouts(tmp_path: Path):
    for rel in ("seeds/b.txt", "seeds/a.txt", "seeds/tech/002.txt", "seeds/tech/001.txt", "seeds/.hidden.txt",
                "seeds/notes.md", "seeds/.git/x.txt", "seeds/world/europe/deep.txt", "seeds/README.TXT"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x")
    found = find_seeds(tmp_path, "seeds")
    assert [s.relpath for s in found] == ["seeds/a.txt", "seeds/b.txt", "seeds/tech/001.txt", "seeds/tech/002.txt",
                                          "seeds/world/europe/deep.txt"]
    assert [s.folder_section for s in found] == [None, None, "tech", "tech", "world"]
    assert all(s.path == tmp_path / s.relpath for s in found)
    assert find_seeds(tmp_path, "missing") == []

"""The front matter's fast reading (``frontmatter_yaml.load_simple``) against YAML itself: on
random front matter made of YAML's pitfalls, whenever it answers, it answers what PyYAML's C
loader does; and it does answer for front matter as ssg writes it."""

from __future__ import annotations

import datetime as dt

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from ssg.content import frontmatter_yaml as fy
from ssg.content.article import dump_document, split_document

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Values YAML reads as something else than the string typed, or cannot read at all, and
# ordinary ones, glued together at random.
PIECES = [
    "yes", "No", "on", "OFF", "true", "False", "null", "~", "Null", "y", "n", "=", "<<", ".inf", ".NaN", "-.5",
    "1", "0x1f", "0o7", "017", "1_000", "1:30", "+12", "3.14", "1e3", "2024", "2024-02-30", "2024-02-29",
    "2022-05-15T06:13:00+00:00", "2022-05-15 06:13:00", "2022-05-15T06:13:00Z", "2022-05-15T06:13:00.5-03:30",
    "2022-5-1T1:02:03", "2022-05-15T25:13:00+00:00", "2022-05-15T06:13:00+25:00",
    "Storm", "hits", "the", "coast", "£1.8m", "“quoted”", "naïve", "東京", "مرحبا", "a-b", "R&B", "C#", "50%",
    "#", " #", "# x", ":", ": ", "a:b", "http://x.org/a?b=c", "- ", "-", "?", "? x", ",", "[", "]", "{", "}", "{{ x }}",
    "&anchor", "*alias", "!tag", "!!str", "|", ">", "'", '"', "`", "@", "%", "\\", "\t", " ", "  ", "\u00a0", "\u2028",
    "\x85", "\r", "\ufeff", "\x07", "---", "...", "''", "'a'", "a''b", "\\n", '\\"', '"a"',
]
NICE = ["Storm", "hits", "coast", "Politics", "a", "B", "£1.8m", "“quoted”", "naïve", "東京", "R&B", "x-y", "it's", "2024"]
PIECE = st.sampled_from(NICE * 80 + PIECES)  # mostly harmless, so that many examples are read the fast way
WORDS = st.lists(PIECE, min_size=1, max_size=4).map("".join)
SPACED = st.lists(PIECE, min_size=1, max_size=4).map(" ".join)
QUOTED = st.builds(lambda q, v: q + v + q, st.sampled_from(["'", '"']),
                   st.lists(st.sampled_from(NICE + PIECES), max_size=4).map("".join))
VALUES = st.one_of(WORDS, SPACED, QUOTED)
KEYS = st.sampled_from(["title", "date", "section", "slug", "tags", "summary", "a_b", "T1", "x"] * 3
                       + ["on", "yes", "null", "No"])


def _mostly(common, *rare):
    """``common`` nine times in ten, else one of ``rare``."""
    return st.one_of(*[st.just(common)] * 9, st.sampled_from(rare))


@st.composite
def front_matters(draw) -> str:
    lines = []
    keys = draw(st.lists(KEYS, max_size=6, unique=True))
    if keys and draw(st.integers(0, 9)) == 0:
        keys.append(keys[0])  # a repeated key
    for key in keys:
        if draw(st.booleans()):
            lines.append(f"{key}:" + draw(_mostly(" ", "  ", "", "\t")) + draw(VALUES))
        else:
            lines.append(f"{key}:")
            indent = draw(st.sampled_from(["", "  "]))
            for _ in range(draw(_mostly(2, 0, 1, 3))):
                lines.append(draw(_mostly(indent, " ", "   ")) + "- " + draw(VALUES))
        if draw(st.integers(0, 19)) == 0:
            lines.append(draw(st.sampled_from(["", "# comment", "  continued", "key :x", "- stray"])))
    return "\n".join(lines) + "\n"


def _yaml(text: str):
    try:
        return "value", yaml.load(text, Loader=LOADER)
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        return "error", type(exc).__name__


def _same(a, b) -> bool:
    """Equal, with the same types all the way down (True == 1, a date is not a datetime)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, dt.datetime):
        return a == b and a.utcoffset() == b.utcoffset()
    return a == b


@settings(max_examples=600, deadline=None)
@given(front_matters())
def test_the_fast_reading_answers_what_yaml_answers(text):
    fast = fy.load_simple(text)
    if fast is None:
        return  # not sure: YAML reads it
    kind, slow = _yaml(text)
    assert kind == "value", f"read {text!r} as {fast!r}, YAML says {slow}"
    assert _same(fast, slow), f"{text!r}: fast {fast!r}, YAML {slow!r}"


@pytest.mark.parametrize("text, expected", [
    ("title: Storm hits\ndate: 2022-05-15T06:13:00+01:00\ntags:\n- A b\n- C\n",
     {"title": "Storm hits", "date": dt.datetime(2022, 5, 15, 6, 13, tzinfo=dt.timezone(dt.timedelta(hours=1))),
      "tags": ["A b", "C"]}),
    ("title: Über £1.8m: no\n", None),  # ": " would be a mapping: YAML decides (and refuses)
    ("title: yes\n", None),  # a boolean
    ("title: 1:30\n", None),  # 90, in YAML 1.1
    ("tags:\n", None),  # null
    ("title: a #b\n", None),  # a comment
    ("title: a\ntitle: b\n", None),  # a repeated key
    ("tags:\n  - a\n- b\n", None),  # items at two indents
    ("title: 'it''s: fine'\nslug: \"a # b\"\n", {"title": "it's: fine", "slug": "a # b"}),
    ('title: "a\\tb"\n', None),  # an escape
    ("title: 'a' 'b'\n", None),
])
def test_cases(text, expected):
    assert fy.load_simple(text) == expected
    if expected is not None:
        assert _same(fy.load(text), yaml.load(text, Loader=LOADER))


def test_front_matter_as_ssg_writes_it_is_read_the_fast_way():
    meta = {"title": "Storm <script>alert(1)</script> & {{ x }} *hits*", "date": dt.datetime(2024, 3, 1, 9, 30,
            tzinfo=dt.timezone.utc), "section": "Middle East", "slug": "storm-hits", "summary": "A long summary, "
            "with commas, an ampersand & “quotes”.", "tags": ["Transport", "Local government"], "source": "a/b.txt"}
    text = dump_document(meta, "Body.\n")
    raw = text[4 : text.index("\n---\n", 3) + 1]
    fast = fy.load_simple(raw)
    assert fast is not None, raw
    assert _same(fast, yaml.load(raw, Loader=LOADER))
    assert split_document(text)[0] == meta

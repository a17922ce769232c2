"""The content file format: front matter, bookkeeping hashes, dates, stored rows."""

from __future__ import annotations

import datetime as dt

import pytest

from ssg import content as cf


def test_round_trip_keeps_keys_and_order():
    meta = {"title": "A: b # c", "date": dt.datetime(2022, 2, 7, tzinfo=dt.timezone.utc), "tags": ["x", "y"], "n": 3}
    text = cf.dump_document(meta, "Body *text*.")
    assert text.startswith("---\ntitle: 'A: b # c'\ndate: 2022-02-07T00:00:00+00:00\n")
    back, body, line = cf.split_document(text)
    assert back == meta and list(back) == list(meta)
    assert body.strip() == "Body *text*." and line == 9  # the blank line after the closing ---


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\ntitle: ok\ndate: [unclosed\n---\nbody\n", 3, "invalid YAML"),
        ("---\ntitle: 'unclosed\nsummary: x\n---\n", 2, "invalid YAML"),
        ("---\ntitle: ok\n  bad: indent\n---\n", 3, "invalid YAML"),
        ("title: no fence\n", 1, "no front matter"),
        ("---\ntitle: never closed\n", 1, "not closed"),
        ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
    ],
)
def test_errors_carry_line_numbers(text, line, message):
    with pytest.raises(cf.FrontMatterError) as exc:
        cf.split_document(text)
    assert exc.value.line == line and message in exc.value.message


def test_import_hash_tells_untouched_from_edited():
    text = cf.with_import_hash({"title": "T", "summary": "S"}, "Body.")
    assert cf.is_untouched(text)
    assert text.splitlines()[3].startswith("import_hash: ")
    assert not cf.is_untouched(text.replace("Body.", "Body, edited."))
    assert not cf.is_untouched(text.replace("title: T", "title: T2"))
    assert not cf.is_untouched(cf.dump_document({"title": "T"}, "Body."))  # never imported


def test_parse_date():
    london = dt.timezone(dt.timedelta(hours=1))
    assert cf.parse_date(dt.date(2024, 5, 1), london) == dt.datetime(2024, 5, 1, tzinfo=london)
    assert cf.parse_date("2024-05-01T10:00:00+02:00", london).utcoffset() == dt.timedelta(hours=2)
    assert cf.parse_date("2024-05-01 10:00", london).tzinfo is london
    with pytest.raises(ValueError):
        cf.parse_date("yesterday", london)
    with pytest.raises(ValueError):
        cf.parse_date(12, london)


def test_article_rows_round_trip_any_extra():
    extra = {"tags": ["a", "b"], "when": dt.date(2020, 1, 2), "at": dt.datetime(2020, 1, 2, 3, 4, tzinfo=dt.timezone.utc),
             "nested": {1: "int key", "$x": [1.5, None, True]}}
    a = cf.Article("w/a.md", "T", dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), "World", "world", "a", "S",
                   cf.body_hash("body"), False, "seeds/a.txt", extra)
    back = cf.article_from_json(cf.article_to_json(a))
    assert back == a and back.extra == extra
    assert cf.row_fingerprint(cf.article_to_json(a)) == cf.row_fingerprint(cf.article_to_json(back))


def test_body_of():
    assert cf.body_of("---\ntitle: x\n---\n\nHello\n") == "\nHello\n"
    assert cf.body_of("---\ntitle: x\n---") == ""

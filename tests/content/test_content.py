"""The content file format: front matter, bookkeeping hashes, dates, stored rows."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from ssg.content import article as cf

UTC = dt.timezone.utc


def test_round_trip_keeps_keys_values_and_order():
    meta = {"title": "A: b # c", "date": dt.datetime(2022, 2, 7, tzinfo=UTC), "tags": ["x", "y"], "n": 3}
    text = cf.dump_document(meta, "Body *text*.")
    assert text.startswith("---\ntitle: 'A: b # c'\ndate: 2022-02-07T00:00:00+00:00\n")
    back, body, line = cf.split_document(text)
    assert back == meta and list(back) == list(meta)
    assert body.strip() == "Body *text*." and line == 9  # the body starts right after the closing '---'
    assert text.splitlines()[line - 2] == "---" and text.splitlines()[line - 1] == ""


@pytest.mark.parametrize(
    "title",
    ["yes", "no", "null", "~", "1e3", "0x10", "2024-01-01", "- item", "a: b", "#hash", "'single'", '"double"',
     "---", "...", "[list]", "{map}", "*anchor", "&ref", "!tag", "% pct", "@at", "`tick`", "ünïcödé 北京 مرحبا",
     "tab\there", "  spaced  ", "x" * 5000, "line\u2028sep", "<script>{{ x }}</script>"],
)
def test_any_title_survives_a_round_trip(title):
    meta = {"title": title, "date": dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5)))}
    back, body, _ = cf.split_document(cf.dump_document(meta, "Body."))
    assert back == meta and type(back["title"]) is str and body.strip() == "Body."


def test_datetimes_are_written_as_iso_8601_with_the_offset():
    tokyo = dt.timezone(dt.timedelta(hours=9))
    text = cf.dump_document({"date": dt.datetime(2021, 6, 1, 21, 0, tzinfo=tokyo)}, "")
    assert "\ndate: 2021-06-01T21:00:00+09:00\n" in text
    assert cf.split_document(text)[0]["date"].utcoffset() == dt.timedelta(hours=9)


def test_bom_and_crlf_are_read():
    meta, body, _ = cf.split_document("\ufeff---\r\ntitle: T\r\n---\r\n\r\nBody.\r\n")
    assert meta == {"title": "T"} and body.strip() == "Body."


def test_empty_front_matter_and_closing_fence_at_the_end():
    assert cf.split_document("---\n---\nBody\n")[0] == {}
    assert cf.split_document("---\ntitle: x\n---")[0] == {"title": "x"}


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("---\ntitle: ok\ndate: [unclosed\n---\nbody\n", 3, "invalid YAML"),
        ("---\ntitle: ok\nsummary: x\ntags: {a: 1\n---\nbody\n", 4, "invalid YAML"),
        ("---\ntitle: 'unclosed\nsummary: x\n---\n", 2, "invalid YAML"),
        ("---\ntitle: ok\n  bad: indent\n---\n", 3, "invalid YAML"),
        ("---\na: 1\nb: 2\nc: 3\nd: [4\ne: 5\n---\n", 5, "invalid YAML"),  # where the '[' opens
        ("title: no fence\n", 1, "no front matter"),
        ("", 1, "no front matter"),
        ("---\ntitle: never closed\n", 1, "not closed"),
        ("---\ntitle: x\n--\nbody\n", 1, "not closed"),
        ("---\n- a\n- b\n---\n", 2, "must be a mapping"),
        ("---\njust a string\n---\n", 2, "must be a mapping"),
    ],
)
def test_errors_carry_the_line_number(text, line, message):
    with pytest.raises(cf.FrontMatterError) as exc:
        cf.split_document(text)
    assert exc.value.line == line and message in exc.value.message
    # ...and are reported as content/x.md:LINE: message
    assert str(cf.problem("content/x.md", exc.value)) == f"content/x.md:{line}: {exc.value.message}"


def test_import_hash_tells_untouched_from_edited():
    text = cf.with_import_hash({"title": "T", "summary": "S"}, "Body.")
    assert cf.is_untouched(text)
    lines = text.splitlines()
    assert lines[3].startswith("import_hash: ") and lines[4] == "---"  # last key of the front matter
    assert cf.split_document(text)[0]["import_hash"] == lines[3].split(": ")[1]
    for edited in (
        text.replace("Body.", "Body, edited."),
        text.replace("title: T", "title: T2"),
        text.replace("summary: S\n", "summary: S\ntags: [x]\n"),
        text + "\n",
        text.replace("\n", "\r\n"),
        "\n".join(line for line in lines if not line.startswith("import_hash")) + "\n",
    ):
        assert not cf.is_untouched(edited), edited
    assert not cf.is_untouched(cf.dump_document({"title": "T"}, "Body."))  # never imported


def test_with_import_hash_replaces_an_old_one():
    text = cf.with_import_hash({"title": "T", "import_hash": "0000"}, "Body.")
    assert text.count("import_hash") == 1 and cf.is_untouched(text)


def test_parse_date():
    plus1 = dt.timezone(dt.timedelta(hours=1))
    aware = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert cf.parse_date(aware, plus1) is aware  # an offset is kept as written
    assert cf.parse_date(dt.datetime(2024, 5, 1, 10, 0), plus1) == dt.datetime(2024, 5, 1, 10, 0, tzinfo=plus1)
    assert cf.parse_date(dt.date(2024, 5, 1), plus1) == dt.datetime(2024, 5, 1, tzinfo=plus1)
    assert cf.parse_date("2024-05-01T10:00:00+02:00", plus1) == aware
    assert cf.parse_date("2024-05-01T08:00:00Z", plus1) == aware
    naive = cf.parse_date(" 2024-05-01 10:00 ", plus1)
    assert naive == dt.datetime(2024, 5, 1, 10, 0, tzinfo=plus1) and naive.tzinfo is plus1
    assert cf.parse_date("2024-05-01", plus1) == dt.datetime(2024, 5, 1, tzinfo=plus1)
    for bad in ("yesterday", "2024-13-01", "", 12, None, ["2024-01-01"]):
        with pytest.raises(ValueError, match="date"):
            cf.parse_date(bad, plus1)


def test_read_front_source(tmp_path):
    def source_of(text: str):
        path = tmp_path / "a.md"
        path.write_text(text, encoding="utf-8")
        return cf.read_front_source(path)

    assert source_of("---\ntitle: T\nsource: seeds/a.txt\n---\n\nBody.\n") == "seeds/a.txt"
    assert source_of("---\nsource: 'seeds/it''s.txt'\n---\n") == "seeds/it's.txt"
    assert source_of("---\ntitle: T\n---\n\nsource: seeds/in-the-body.txt\n") is None
    assert source_of("title: T\nsource: seeds/a.txt\n") is None
    assert source_of("---\ntitle: T\n  source: nested.txt\n---\n") is None
    assert source_of("---\nsource: [not, a, string]\n---\n") is None
    # Far behind a long title and summary (a big summary_length, a headline that ran into the body).
    long = "---\ntitle: " + "word " * 3000 + "\nsummary: " + "ü" * 5000 + "\nsource: seeds/far.txt\n---\n"
    assert source_of(long) == "seeds/far.txt"
    assert cf.read_front_source(tmp_path / "missing.md") is None


def test_article_rows_round_trip_any_extra():
    extra = {"tags": ["a", "b"], "when": dt.date(2020, 1, 2), "at": dt.datetime(2020, 1, 2, 3, 4, tzinfo=UTC),
             "nested": {1: "int key", "$x": [1.5, None, True]}}
    a = cf.Article("w/a.md", "T", dt.datetime(2024, 1, 1, tzinfo=UTC), "World", "world", "a", "S",
                   cf.body_hash("body"), False, "seeds/a.txt", extra)
    back = cf.article_from_json(cf.article_to_json(a))
    assert back == a and back.extra == extra
    # Made without __init__: every field is set, and nothing else, exactly as the constructor would.
    assert vars(back) == vars(a)
    full = cf.Article("w/b.md", "T", dt.datetime(2024, 1, 1, tzinfo=UTC), "World", "world", "b", "S", "h", True, None,
                      {}, ("Tag",), ("Ann",), dt.datetime(2024, 2, 1, tzinfo=UTC), "/i.png", 42, ("word",),
                      "A harbour at dawn", "Photo: A. Reporter")
    again = cf.article_from_json(cf.article_to_json(full))
    assert vars(again) == vars(full) and list(vars(again)) == [f.name for f in dataclasses.fields(cf.Article)]
    assert (again.image_alt, again.image_caption) == ("A harbour at dawn", "Photo: A. Reporter")
    with pytest.raises(dataclasses.FrozenInstanceError):
        again.title = "changed"
    assert cf.row_fingerprint(cf.article_to_json(a)) == cf.row_fingerprint(cf.article_to_json(back))


def test_body_of():
    assert cf.body_of("---\ntitle: x\n---\n\nHello\n") == "\nHello\n"
    assert cf.body_of("---\ntitle: x\n---") == ""


# --- front matter read into an Article (collect.read_article) ----------------------------------


def _read(tmp_path, front: str):
    from ssg.config import load_config
    from ssg.content.collect import read_article
    from ssg.problems import Problems

    (tmp_path / "site.toml").write_text('base_url = "https://example.org/"\n')
    path = tmp_path / "content" / "x.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"---\ntitle: T\ndate: 2024-05-01\n{front}---\n\nBody.\n")
    problems = Problems()
    result = read_article(path, "x.md", load_config(tmp_path), problems)
    return (result[0] if result else None), [(p.line, p.severity, str(p)) for p in problems.items]


def test_a_comma_in_a_name_where_a_list_was_meant_warns(tmp_path):
    a, found = _read(tmp_path, "summary: S\ntags: Transport, Local government\n")
    assert a.tags == ("Transport, Local government",)  # as before: one tag
    assert found == [(5, "warning", 'content/x.md:5: tags: "Transport, Local government" became one tag; '
                                    "for several write a list: tags: [Transport, Local government]")]
    a, found = _read(tmp_path, 'authors: "Jane Doe,  John Roe,"\n')
    assert a.authors == ("Jane Doe, John Roe,",)
    assert found == [(4, "warning", 'content/x.md:4: authors: "Jane Doe,  John Roe," became one author; '
                                    "for several write a list: authors: [Jane Doe, John Roe]")]
    # Lists, and names without a comma, say nothing.
    for front in ("tags: [Transport, Local government]\n", "tags: Transport\n", "authors:\n- Doe, Jane\n"):
        a, found = _read(tmp_path, front)
        assert found == [] and a is not None, front


def test_image_alt_and_caption(tmp_path):
    a, found = _read(tmp_path, 'image: /i.jpg\nimage_alt: " Boats <b>moored</b> "\nimage_caption: "Photo: A & B"\n')
    assert (a.image, a.image_alt, a.image_caption) == ("/i.jpg", "Boats <b>moored</b>", "Photo: A & B") and found == []
    assert "image_alt" not in a.extra and "image_caption" not in a.extra
    a, found = _read(tmp_path, "image_alt: ''\n")
    assert a.image_alt is None and found == []
    # Any other type: a warning with its line, and ignored (the article is published).
    a, found = _read(tmp_path, "image_alt: 12\nimage_caption:\n  a: b\n")
    assert (a.image_alt, a.image_caption) == (None, None)
    assert found == [(4, "warning", "content/x.md:4: image_alt: expected text, got 12; ignored"),
                     (5, "warning", "content/x.md:5: image_caption: expected text, got a mapping; ignored")]

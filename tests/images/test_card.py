"""ssg.images.card: share cards in several scripts, fallbacks, determinism and long headlines."""
from __future__ import annotations

import io
import shutil

import pytest
from PIL import Image, ImageChops, features

from ssg.images import card as C
from ssg.images.card import CardStyle, fonts_dir, render_card, shaping_available

SITE = "The Daily Example"
# The headline area of the default 1200x630 layout (below the kicker, above the rule).
HEAD_BOX = (60, 112, 1140, 494)
LATIN = "Parliament approves the emergency budget after a night of talks"
JAPANESE = "東京で大規模な地震"
CHINESE = "北京举行新闻发布会"
KOREAN = "서울에서 강한 지진 발생"
ARABIC = "عاجل: زلزال قوي يضرب المدينة"
HEBREW = "רעידת אדמה חזקה פוגעת בעיר"
needs_raqm = pytest.mark.skipif(not features.check("raqm"), reason="libraqm is not available")


def image(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def card(headline: str, **kw) -> Image.Image:
    kw.setdefault("section", "News")
    kw.setdefault("site_name", SITE)
    return image(render_card(headline=headline, **kw))


def changed(a: Image.Image, b: Image.Image, box=HEAD_BOX, threshold: int = 60) -> int:
    """How many pixels of ``box`` differ clearly between two cards."""
    diff = ImageChops.difference(a.crop(box), b.crop(box)).convert("L")
    return diff.point(lambda v: 255 if v > threshold else 0).histogram()[255]


def ink_bbox(im: Image.Image, box=HEAD_BOX):
    """Bounding box (in card coordinates) of the light text on the dark background in ``box``."""
    bbox = im.crop(box).convert("L").point(lambda v: 255 if v > 128 else 0).getbbox()
    assert bbox is not None
    return (bbox[0] + box[0], bbox[1] + box[1], bbox[2] + box[0], bbox[3] + box[1])


def test_fonts_are_shipped_with_their_licences():
    folder = fonts_dir()
    assert folder.is_dir()
    for name in C.FONT_FILES.values():
        assert (folder / name).stat().st_size > 10_000, name
    names = {p.name for p in folder.iterdir()}
    assert {"README.md", "LICENSE-DejaVu.txt", "LICENSE-Noto.txt", "LICENSE-DroidSansFallback.txt",
            "LICENSE-Apache-2.0.txt"} <= names
    assert sum(p.stat().st_size for p in folder.iterdir()) < 6_000_000


def test_shaping_available_reports_raqm():
    assert shaping_available() is features.check("raqm")


@pytest.mark.parametrize("headline", [LATIN, "Москва и Αθήνα: новости дня", JAPANESE, CHINESE, KOREAN, ARABIC, HEBREW])
def test_each_script_renders_a_headline(headline):
    im = card(headline)
    assert (im.format, im.size, im.mode) == ("JPEG", (1200, 630), "RGB")
    empty = card("")
    assert changed(im, empty) > 2000  # the headline area has text
    # Kicker and site name are the same in both.
    assert changed(im, empty, box=(0, 0, 1200, 110)) == 0
    assert changed(im, empty, box=(0, 500, 1200, 630)) == 0


@pytest.mark.parametrize("headline", [JAPANESE, CHINESE, KOREAN])
def test_cjk_glyphs_are_not_notdef_boxes(tmp_path, headline):
    latin_only = tmp_path / "fonts"
    shutil.copytree(fonts_dir(), latin_only)
    shutil.copy(latin_only / C.FONT_FILES["latin"], latin_only / C.FONT_FILES["cjk"])  # no CJK glyphs
    real = card(headline)
    boxes = card(headline, fonts=latin_only)
    assert changed(real, boxes) > 2000
    # .notdef boxes of one size are all alike: the real glyphs are not. Compare two characters' cells.
    b = ink_bbox(real)
    assert b[2] - b[0] > 200


def test_arabic_is_right_aligned_and_latin_left_aligned():
    assert ink_bbox(card(ARABIC))[2] > 1100  # ends at the right margin (1128)
    assert ink_bbox(card("عاجل"))[0] > 800  # a short word: at the right
    assert ink_bbox(card(HEBREW))[2] > 1100
    assert ink_bbox(card(LATIN))[0] < 90  # starts at the left margin (72)


@needs_raqm
@pytest.mark.parametrize("headline", [ARABIC, "مرحبا بالعالم"])
def test_arabic_is_shaped(monkeypatch, headline):
    shaped = card(headline)
    monkeypatch.setattr(C, "shaping_available", lambda: False)
    basic = card(headline)  # Pillow's basic layout: isolated letter forms
    assert changed(shaped, basic) > 1000
    # Joined letters make a different (narrower) line than the isolated forms.
    assert ink_bbox(shaped) != ink_bbox(basic)


def test_without_raqm_every_script_still_renders(monkeypatch):
    monkeypatch.setattr(C, "shaping_available", lambda: False)
    empty = card("")
    for headline in (LATIN, JAPANESE, KOREAN, ARABIC, HEBREW):
        assert changed(card(headline), empty) > 1000, headline
    assert ink_bbox(card(ARABIC))[2] > 1100  # still right-aligned


def test_same_input_gives_identical_bytes():
    kw = dict(headline=LATIN + " " + JAPANESE + " " + ARABIC, section="World", site_name=SITE)
    first = render_card(**kw)
    C._load_font.cache_clear()
    C._has_glyph.cache_clear()
    assert render_card(**kw) == first
    assert render_card(**{**kw, "headline": LATIN}) != first


def test_a_300_character_headline_is_cut_with_an_ellipsis_and_stays_inside():
    words = "Officials confirm that the regional transport authority will review every contract signed"
    headline = (words + " ") * 4
    headline = headline[:300]
    assert len(headline) == 300
    fonts = C._Fonts(fonts_dir(), shaping_available())
    size, leading, lines = C._fit_headline(headline, fonts, 1056, 494 - 170)
    assert len(lines) <= C.MAX_HEADLINE_LINES
    assert lines[-1].text.endswith(C.ELLIPSIS)
    assert size == 44  # shrunk to the smallest size first
    for line in lines:
        assert C._width(line, size, fonts) <= 1056

    im = card(headline)
    empty = card("")
    diff = ImageChops.difference(im, empty).convert("L").point(lambda v: 255 if v > 40 else 0).getbbox()
    assert diff is not None
    left, top, right, bottom = diff
    assert left >= 68 and right <= 1132 and top >= 112 and bottom <= 500  # inside the margins, above the rule


def test_long_unbroken_and_cjk_headlines_wrap_inside():
    fonts = C._Fonts(fonts_dir(), shaping_available())
    for headline in ("x" * 200, JAPANESE * 12, "https://example.org/" + "a" * 120):
        size, _, lines = C._fit_headline(headline, fonts, 1056, 324)
        assert 1 < len(lines) <= 4, headline
        assert all(C._width(line, size, fonts) <= 1056 for line in lines)
    # Japanese breaks between characters, but not before 、 or 。
    _, _, lines = C._fit_headline("東京、大阪。" * 30, fonts, 1056, 324)
    assert not any(line.text[0] in "、。" for line in lines)
    # Latin breaks between words only.
    _, _, lines = C._fit_headline(LATIN + " " + LATIN, fonts, 1056, 324)
    assert all(set(line.text.split()) <= set(LATIN.split()) for line in lines)


def test_style_and_size():
    im = card(LATIN, style=CardStyle(background="#ffffff", foreground="#000000", accent="#0000ff"),
              size=(800, 420))
    assert im.size == (800, 420)
    assert im.getpixel((400, 300))[0] > 240  # white background
    assert im.getpixel((400, 3))[2] > 200 and im.getpixel((400, 3))[0] < 60  # blue accent stripe
    with pytest.raises(ValueError, match="accent colour"):
        render_card(headline="x", section="", site_name="", style=CardStyle(accent="nope"))


def test_unshaped_names_arabic_and_hebrew_headlines_only_without_raqm(monkeypatch):
    import ssg.images.card as C

    monkeypatch.setattr(C, "shaping_available", lambda: False)
    assert not C.unshaped(["Storm hits the coast", "暴风雨袭击海岸", "Шторм"])
    assert C.unshaped(["Storm", "عاصفة تضرب الساحل"]) and C.unshaped(["סערה פוגעת בחוף"])
    monkeypatch.setattr(C, "shaping_available", lambda: True)
    assert not C.unshaped(["عاصفة تضرب الساحل"])

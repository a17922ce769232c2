"""The text share card (Open Graph / Twitter image) of an article without an image of its own.

``render_card`` draws the section as a kicker in the accent colour, the headline large and
wrapped (at most four lines, the font shrinks for long headlines, an ellipsis cuts what still
does not fit) and the site name at the bottom, and returns JPEG bytes: the same inputs give the
same bytes.

Text of any script: each character is given a font by its script (CJK -> Droid Sans Fallback,
Arabic -> Noto Sans Arabic, Hebrew -> Noto Sans Hebrew, everything else -> DejaVu Sans Bold,
which covers Latin, Greek and Cyrillic); punctuation, digits and spaces stay in the font of the
run they are in when it has them. Runs are shaped by libraqm (``ImageFont.Layout.RAQM``),
right-to-left runs with ``direction="rtl"``, and a paragraph whose first strong character is
right-to-left is right-aligned with its runs in right-to-left order. Chinese and Japanese text
wraps between characters (with the common no-break-before/after punctuation rules), other
text (Korean too, which has spaces between words) between words; a word wider than the card
is broken between characters.

Without raqm (``shaping_available()`` False) the card still renders with Pillow's basic
layout: right-to-left runs are reversed character by character, so the letters come in the
right order but unjoined. The build should warn once in that case.
"""
from __future__ import annotations

import functools
import io
import re
import unicodedata
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageColor, ImageDraw, ImageFont, features


class CardStyle(NamedTuple):
    background: str = "#111111"
    foreground: str = "#ffffff"
    accent: str = "#b00020"


# Font file per script key, inside fonts_dir().
FONT_FILES = {
    "latin": "DejaVuSans-Bold.ttf",
    "cjk": "DroidSansFallback.ttf",
    "arabic": "NotoSansArabic-Bold.ttf",
    "hebrew": "NotoSansHebrew-Bold.ttf",
}
ELLIPSIS = "\u2026"
MAX_HEADLINE_LINES = 4
JPEG_QUALITY = 85


def fonts_dir() -> Path:
    """The fonts shipped with ssg: ``themes/default/fonts`` (``ssg/themes/default/fonts`` when
    installed)."""
    from ssg.render.theme import builtin_themes
    themes = builtin_themes()
    if themes is None:  # pragma: no cover - a broken install
        return Path(__file__).resolve().parents[2] / "themes" / "default" / "fonts"
    return themes / "default" / "fonts"


def shaping_available() -> bool:
    """Whether complex text layout (libraqm: Arabic joining, bidi, Indic) is available. When
    False, cards still render but right-to-left text is unshaped."""
    return bool(features.check("raqm"))


# ---------------------------------------------------------------------------------------------
# Scripts and fonts

_CJK_RANGES = (
    (0x1100, 0x11FF), (0x2E80, 0x2FDF), (0x2FF0, 0x303F), (0x3040, 0x33FF), (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF), (0xA960, 0xA97F), (0xAC00, 0xD7FF), (0xF900, 0xFAFF), (0xFE30, 0xFE4F),
    (0xFF00, 0xFFEF), (0x20000, 0x3FFFF),
)
_ARABIC_RANGES = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))
_HEBREW_RANGES = ((0x0590, 0x05FF), (0xFB1D, 0xFB4F))
_SHAPED = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _ARABIC_RANGES + _HEBREW_RANGES) + "]")


def unshaped(headlines) -> bool:
    """Whether some of ``headlines`` are Arabic or Hebrew and this Pillow cannot shape them
    (no raqm: their letters would be set unjoined, left to right)."""
    return any(_SHAPED.search(h) for h in headlines) and not shaping_available()


# Line-breaking rules for CJK (kinsoku): no line starts with these, none ends with the openers.
_NO_START = set("、。，．・：；？！ーｰ)）]］}｝〕〉》」』】〙〗〟’”｠»ゝゞヽヾ々〻ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ‐゠–〜…‥,.!?;:%")
_NO_END = set("(（[［{｛〔〈《「『【〘〖〝‘“｟«")


def _in(cp: int, ranges) -> bool:
    return any(lo <= cp <= hi for lo, hi in ranges)


def _script(ch: str) -> str | None:
    """The font key of a strong character, or None for neutral ones (spaces, punctuation,
    digits, symbols, marks)."""
    cp = ord(ch)
    if _in(cp, _CJK_RANGES):
        cat = unicodedata.category(ch)
        return "cjk" if cat[0] in "LN" or cp >= 0x3000 else None
    cat = unicodedata.category(ch)
    if cat[0] != "L":
        return None
    if _in(cp, _ARABIC_RANGES):
        return "arabic"
    if _in(cp, _HEBREW_RANGES):
        return "hebrew"
    return "latin"


_HANGUL_RANGES = ((0x1100, 0x11FF), (0x3130, 0x318F), (0xA960, 0xA97F), (0xAC00, 0xD7FF))


def _is_cjk(ch: str) -> bool:
    """Whether a line may break before and after ``ch`` without a space: Chinese and Japanese
    characters. Korean, written with spaces between words, wraps between words like Latin."""
    cp = ord(ch)
    return _in(cp, _CJK_RANGES) and not _in(cp, _HANGUL_RANGES)


def _is_rtl(ch: str) -> bool:
    return unicodedata.bidirectional(ch) in ("R", "AL")


def _first_strong_rtl(text: str) -> bool:
    for ch in text:
        bidi = unicodedata.bidirectional(ch)
        if bidi in ("R", "AL"):
            return True
        if bidi == "L":
            return False
    return False


class _Fonts:
    """The fonts of one folder, cached per size; knows which characters each one has."""

    def __init__(self, folder: Path, raqm: bool) -> None:
        self.folder = folder
        self.layout = ImageFont.Layout.RAQM if raqm else ImageFont.Layout.BASIC
        self.raqm = raqm

    def get(self, key: str, size: int) -> ImageFont.FreeTypeFont:
        return _load_font(str(self.folder / FONT_FILES[key]), size, self.layout)

    def has(self, key: str, ch: str) -> bool:
        return _has_glyph(str(self.folder / FONT_FILES[key]), ch)


@functools.lru_cache(maxsize=128)
def _load_font(path: str, size: int, layout: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    try:
        return ImageFont.truetype(path, size, layout_engine=layout)
    except OSError:
        # A missing font: Pillow's own (Latin only) font rather than no card at all.
        return ImageFont.load_default(size)  # type: ignore[return-value]


@functools.lru_cache(maxsize=8192)
def _has_glyph(path: str, ch: str) -> bool:
    font = _load_font(path, 16, ImageFont.Layout.BASIC)
    missing = "\U0010FFFD"  # a private-use character: no font of ours has it -> .notdef
    if ch == missing:
        return False
    return (font.getlength(ch), bytes(font.getmask(ch))) != (font.getlength(missing), bytes(font.getmask(missing)))


def _runs(text: str, fonts: _Fonts) -> list[tuple[str, str]]:
    """Split ``text`` into (font key, text) runs in logical order."""
    runs: list[list[str]] = []  # [key, text]
    # A leading neutral takes the font of the first strong character.
    first = next((k for k in map(_script, text) if k), "latin")
    current = first
    for ch in text:
        key = _script(ch)
        if key is None:
            key = current if fonts.has(current, ch) else ("latin" if fonts.has("latin", ch) else
                                                          "cjk" if fonts.has("cjk", ch) else current)
        elif key == "latin" and not fonts.has("latin", ch) and fonts.has("cjk", ch):
            key = "cjk"
        if runs and runs[-1][0] == key:
            runs[-1][1] += ch
        else:
            runs.append([key, ch])
        current = key
    return [(k, t) for k, t in runs]


# ---------------------------------------------------------------------------------------------
# Measuring and drawing lines


class _Line(NamedTuple):
    text: str
    rtl: bool  # the paragraph direction


def _run_direction(text: str) -> str:
    return "rtl" if any(_is_rtl(c) for c in text) else "ltr"


def _visual_runs(line: _Line, fonts: _Fonts) -> list[tuple[str, str, str]]:
    """(font key, text, direction) in left-to-right drawing order."""
    out = []
    for key, text in _runs(line.text, fonts):
        direction = _run_direction(text)
        if not fonts.raqm and direction == "rtl":
            text = text[::-1]  # basic layout: at least the letters in reading order
        out.append((key, text, direction))
    if line.rtl:
        out.reverse()
    return out


def _width(line: _Line, size: int, fonts: _Fonts) -> float:
    total = 0.0
    for key, text, direction in _visual_runs(line, fonts):
        font = fonts.get(key, size)
        total += font.getlength(text, direction=direction) if fonts.raqm else font.getlength(text)
    return total


def _draw_line(draw: ImageDraw.ImageDraw, line: _Line, size: int, fonts: _Fonts, box: tuple[int, int],
               baseline: float, fill) -> None:
    left, right = box
    width = _width(line, size, fonts)
    x = right - width if line.rtl else left
    for key, text, direction in _visual_runs(line, fonts):
        font = fonts.get(key, size)
        if fonts.raqm:
            draw.text((x, baseline), text, font=font, fill=fill, anchor="ls", direction=direction)
            x += font.getlength(text, direction=direction)
        else:
            draw.text((x, baseline), text, font=font, fill=fill, anchor="ls")
            x += font.getlength(text)


# ---------------------------------------------------------------------------------------------
# Wrapping


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Break opportunities: (token, space before it). Words are split at spaces; CJK
    characters are tokens of their own, respecting the no-start/no-end punctuation."""
    tokens: list[tuple[str, bool]] = []
    space = False
    glue_next = False  # the previous token ends with an opener: the next one sticks to it
    for ch in text:
        if ch.isspace():
            space = bool(tokens)
            glue_next = False
            continue
        prev_cjk = bool(tokens) and _is_cjk(tokens[-1][0][-1])
        if tokens and not space and (glue_next or ch in _NO_START or
                                     not (_is_cjk(ch) or prev_cjk)):
            tokens[-1] = (tokens[-1][0] + ch, tokens[-1][1])
        else:
            tokens.append((ch, space))
        glue_next = ch in _NO_END
        space = False
    return tokens


def _join(tokens: list[tuple[str, bool]]) -> str:
    return "".join((" " if sp and i else "") + t for i, (t, sp) in enumerate(tokens))


def _wrap(text: str, size: int, width: int, fonts: _Fonts, rtl: bool, max_lines: int) -> tuple[list[_Line], bool]:
    """Greedy wrap; returns (lines, whether everything fit in ``max_lines``)."""
    tokens: list[tuple[str, bool]] = []
    # At most this many characters can be shown: the rest need not be measured.
    budget = len(text) if len(text) < 2000 else 2000
    for tok, sp in _tokens(text[:budget]):
        if _width(_Line(tok, rtl), size, fonts) <= width:
            tokens.append((tok, sp))
            continue
        # A word wider than the card: break it between characters.
        piece = ""
        for ch in tok:
            if piece and _width(_Line(piece + ch, rtl), size, fonts) > width:
                tokens.append((piece, sp))
                sp = False
                piece = ""
            piece += ch
        if piece:
            tokens.append((piece, sp))
    lines: list[list[tuple[str, bool]]] = []
    current: list[tuple[str, bool]] = []
    for tok in tokens:
        trial = current + [tok]
        if current and _width(_Line(_join(trial), rtl), size, fonts) > width:
            lines.append(current)
            current = [tok]
            if len(lines) > max_lines:  # enough to know it does not fit: stop measuring
                break
        else:
            current = trial
    if current:
        lines.append(current)
    if len(lines) <= max_lines:
        return [_Line(_join(t), rtl) for t in lines], True
    kept = lines[:max_lines]
    last = list(kept[-1])
    rest_first = lines[max_lines][0]
    # Cut the last line until it has room for the ellipsis; keep at least one token.
    candidate = last + [(rest_first[0], rest_first[1])]
    while candidate:
        text_ = _join(candidate).rstrip(" ,;:.-–—、，。") + ELLIPSIS
        if _width(_Line(text_, rtl), size, fonts) <= width:
            break
        candidate.pop()
    if not candidate:
        text_ = ELLIPSIS
    out = [_Line(_join(t), rtl) for t in kept[:-1]] + [_Line(text_, rtl)]
    return out, False


# ---------------------------------------------------------------------------------------------
# The card


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b))  # type: ignore[return-value]


def _rgb(colour: str, what: str) -> tuple[int, int, int]:
    try:
        return ImageColor.getrgb(colour)[:3]  # type: ignore[return-value]
    except (ValueError, TypeError):
        raise ValueError(f"card {what} colour: {colour!r} is not a colour") from None


def _clean(text: str) -> str:
    # One line of text: controls and line breaks become spaces.
    return " ".join("".join(" " if unicodedata.category(c)[0] == "C" and c not in "\u200c\u200d\u200e\u200f"
                            else c for c in text or "").split())


def _fit_headline(headline: str, fonts: _Fonts, width: int, room: int, u: float = 1.0) -> tuple[int, int, list[_Line]]:
    """(font size, line spacing, lines): the largest size at which the headline fits in
    ``MAX_HEADLINE_LINES`` lines and ``room`` pixels of height, else the smallest size with
    the text cut by an ellipsis."""
    rtl = _first_strong_rtl(headline)
    chosen: tuple[int, int, list[_Line]] | None = None
    for px in (76, 70, 64, 58, 52, 48, 44):
        fs = round(px * u)
        leading = round(fs * 1.22)
        max_lines = max(1, min(MAX_HEADLINE_LINES, (room - fs + leading) // leading))
        lines, fits = _wrap(headline, fs, width, fonts, rtl, max_lines)
        chosen = (fs, leading, lines)
        if fits:
            break
    assert chosen is not None
    return chosen


def render_card(*, headline: str, section: str, site_name: str, style: CardStyle = CardStyle(),
                size: tuple[int, int] = (1200, 630), fonts: Path | None = None) -> bytes:
    """The share card as JPEG bytes (deterministic for the same arguments and fonts)."""
    W, H = int(size[0]), int(size[1])
    if W < 200 or H < 100:
        raise ValueError(f"card size {W}x{H} is too small (at least 200x100)")
    bg = _rgb(style.background, "background")
    fg = _rgb(style.foreground, "foreground")
    accent = _rgb(style.accent, "accent")
    fset = _Fonts(Path(fonts) if fonts is not None else fonts_dir(), shaping_available())

    u = H / 630  # scale everything from the 1200x630 design
    pad = round(72 * u)
    img = Image.new("RGB", (W, H), bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, W, max(1, round(12 * u)) - 1), fill=accent)

    headline, section, site_name = _clean(headline), _clean(section), _clean(site_name)
    text_box = (pad, W - pad)
    text_width = W - 2 * pad

    # Kicker.
    kicker_size = round(32 * u)
    top = round(60 * u)
    if section:
        lines, _ = _wrap(section, kicker_size, text_width, fset, _first_strong_rtl(section), 1)
        _draw_line(draw, lines[0], kicker_size, fset, text_box, top + kicker_size, accent)
    head_top = top + round(kicker_size * 1.9)

    # Site name, with a rule above it.
    site_size = round(30 * u)
    site_base = H - round(56 * u)
    rule_y = site_base - site_size - round(26 * u)
    draw.rectangle((pad, rule_y, pad + round(80 * u), rule_y + max(1, round(4 * u)) - 1), fill=accent)
    if site_name:
        lines, _ = _wrap(site_name, site_size, text_width, fset, _first_strong_rtl(site_name), 1)
        _draw_line(draw, lines[0], site_size, fset, text_box, site_base, _mix(fg, bg, 0.25))

    # Headline: the largest size at which it fits in four lines and the space left.
    if headline:
        fs, leading, lines = _fit_headline(headline, fset, text_width, rule_y - round(24 * u) - head_top, u)
        for i, line in enumerate(lines):
            _draw_line(draw, line, fs, fset, text_box, head_top + fs + i * leading, fg)

    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
    return buf.getvalue()

"""ssg.images.process: variants, geometry, determinism and hostile input, on real images made here."""
from __future__ import annotations

import pickle
import random
import resource
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageStat, features

from ssg.images import process as P
from ssg.images.process import ImageProblem, Info, Settings, Variant, check_svg, probe, process

HAS_AVIF = features.check("avif")
PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF"}


def photo(size: tuple[int, int], seed: int = 0) -> Image.Image:
    """A photo-like RGB image: gradients, noise and some shapes (not flat, so the encoders work)."""
    w, h = size
    base = Image.merge("RGB", (
        Image.linear_gradient("L").resize(size),
        Image.linear_gradient("L").rotate(90).resize(size),
        Image.effect_noise(size, 40).point(lambda v: min(255, max(0, v))),
    ))
    draw = ImageDraw.Draw(base)
    rng = random.Random(seed)
    for _ in range(30):
        x, y = rng.randrange(w), rng.randrange(h)
        draw.ellipse((x, y, x + w // 8, y + h // 8), fill=(rng.randrange(256), rng.randrange(256), 90))
    return base


def save(img: Image.Image, path: Path, **opts) -> Path:
    img.save(path, **opts)
    return path


def red_count(img: Image.Image) -> int:
    """Pixels that are clearly red."""
    r, g, b = img.convert("RGB").split()
    mask = Image.merge("RGB", (r.point(lambda v: 255 if v > 180 else 0),
                               g.point(lambda v: 255 if v < 80 else 0),
                               b.point(lambda v: 255 if v < 80 else 0))).convert("L").point(lambda v: 255 if v == 255 else 0)
    return mask.histogram()[255]


def by_name(manifest: list[Variant]) -> dict[str, Variant]:
    return {v.name: v for v in manifest}


# ---------------------------------------------------------------------------------------------
# Variants


def test_jpeg_source_gives_every_width_and_format_and_they_decode(tmp_path):
    src = save(photo((2000, 1333)), tmp_path / "a.jpg", quality=90)
    out = tmp_path / "out"
    manifest = process(src, Settings(), (0.5, 0.5), out)
    formats = ("jpeg", "webp") + (("avif",) if HAS_AVIF else ())
    names = {v.name for v in manifest}
    expected = {f"full-{w}.{f}" for w in (480, 800, 1200, 1600) for f in formats}
    expected |= {f"thumb-{w}.{f}" for w in (320, 640) for f in formats} | {"card.jpeg"}
    assert names == expected
    assert sorted(p.name for p in out.iterdir()) == sorted(expected)  # nothing else in out_dir
    for v in manifest:
        with Image.open(out / v.name) as im:
            im.load()
            assert im.format == PIL_FORMATS[v.format], v
            assert im.size == (v.width, v.height), v
        if v.role == "full":
            assert v.height == round(1333 * v.width / 2000), v  # aspect ratio kept
        elif v.role == "thumb":
            assert v.height == round(v.width * 2 / 3), v  # 3:2 exactly (to the pixel)
        else:
            assert (v.role, v.width, v.height, v.format) == ("card", 1200, 630, "jpeg")


def test_small_png_source_is_never_upscaled_and_stays_png(tmp_path):
    src = save(photo((1000, 500)), tmp_path / "b.png")
    manifest = process(src, Settings(), (0.5, 0.5), tmp_path / "out")
    full = sorted({(v.width, v.height) for v in manifest if v.role == "full"})
    assert full == [(480, 240), (800, 400), (1000, 500)]  # the source width itself, no 1200/1600
    assert {v.format for v in manifest if v.role != "card"} == {"png", "webp"} | ({"avif"} if HAS_AVIF else set())
    thumbs = sorted({(v.width, v.height) for v in manifest if v.role == "thumb"})
    assert thumbs == [(320, 213), (640, 427)]  # the 3:2 crop is 750x500: both fit

    tiny = save(photo((300, 200)), tmp_path / "c.png")
    manifest = process(tiny, Settings(), (0.5, 0.5), tmp_path / "out2")
    assert sorted({(v.role, v.width, v.height) for v in manifest}) == [
        ("card", 1200, 630), ("full", 300, 200), ("thumb", 300, 200)]
    for v in manifest:
        if v.role != "card":
            assert v.width <= 300 and v.height <= 200


def test_source_as_wide_as_a_configured_width_keeps_that_width(tmp_path):
    src = save(photo((1600, 900)), tmp_path / "a.jpg")
    widths = sorted({v.width for v in process(src, Settings(), (0.5, 0.5), tmp_path / "o") if v.role == "full"})
    assert widths == [480, 800, 1200, 1600]


def test_fallback_formats_for_gif_webp_and_transparent_sources(tmp_path):
    settings = Settings(formats=("webp",))
    gif = save(photo((600, 400)).convert("P"), tmp_path / "a.gif")
    assert {v.format for v in process(gif, settings, (0.5, 0.5), tmp_path / "g") if v.role == "full"} == {"png", "webp"}
    webp = save(photo((600, 400)), tmp_path / "a.webp")
    assert {v.format for v in process(webp, settings, (0.5, 0.5), tmp_path / "w") if v.role == "full"} == {"jpeg", "webp"}
    rgba = photo((600, 400)).convert("RGBA")
    rgba.putalpha(Image.linear_gradient("L").resize((600, 400)))
    src = save(rgba, tmp_path / "t.webp")
    manifest = process(src, settings, (0.5, 0.5), tmp_path / "t")
    assert {v.format for v in manifest if v.role == "full"} == {"png", "webp"}
    with Image.open(tmp_path / "t" / "full-480.png") as im:
        assert im.mode == "RGBA"  # transparency kept
    with Image.open(tmp_path / "t" / "card.jpeg") as im:
        assert im.mode == "RGB"


@pytest.mark.parametrize("role", ["thumb", "card"])
def test_focus_moves_the_crop_to_the_red_square(tmp_path, role):
    img = Image.new("RGB", (2400, 1200), (255, 255, 255))
    ImageDraw.Draw(img).rectangle((20, 20, 100, 100), fill=(255, 0, 0))
    src = save(img, tmp_path / "f.png")
    counts = {}
    for focus in ((0.1, 0.1), (0.9, 0.9)):
        out = tmp_path / f"out-{focus[0]}"
        manifest = process(src, Settings(formats=()), focus, out)
        variant = max((v for v in manifest if v.role == role), key=lambda v: v.width)
        with Image.open(out / variant.name) as im:
            counts[focus] = red_count(im)
    assert counts[(0.1, 0.1)] > 50  # the square is in the crop
    assert counts[(0.9, 0.9)] == 0  # the crop window moved to the other end


def test_crop_box_is_the_largest_window_moved_to_the_focus():
    assert P.crop_box((2400, 1200), (3, 2), (0.5, 0.5)) == (300, 0, 2100, 1200)
    assert P.crop_box((2400, 1200), (3, 2), (0.0, 0.0)) == (0, 0, 1800, 1200)
    assert P.crop_box((2400, 1200), (3, 2), (1.0, 1.0)) == (600, 0, 2400, 1200)
    assert P.crop_box((1200, 1200), (3, 2), (0.5, 0.9)) == (0, 400, 1200, 1200)
    assert P.crop_box((1200, 1200), (3, 2), (0.5, 0.4)) == (0, 80, 1200, 880)  # focus centred
    assert P.crop_box((100, 100), (1, 1), (float("nan"), 7.0)) == (0, 0, 100, 100)


def test_exif_orientation_is_applied_and_exif_dropped(tmp_path):
    img = Image.new("RGB", (600, 300), (0, 0, 255))
    ImageDraw.Draw(img).rectangle((0, 0, 299, 299), fill=(255, 0, 0))  # stored: red left, blue right
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90 degrees clockwise: red on top
    exif[0x010F] = "TestCam"
    src = save(img, tmp_path / "o.jpg", exif=exif, quality=95)
    assert probe(src, Settings()) == Info(300, 600, "jpeg")
    manifest = process(src, Settings(formats=("webp",)), (0.5, 0.5), tmp_path / "out")
    full = by_name(manifest)["full-300.jpeg"]
    assert (full.width, full.height) == (300, 600)
    for name in ("full-300.jpeg", "full-300.webp"):
        with Image.open(tmp_path / "out" / name) as im:
            rgb = im.convert("RGB")
            assert rgb.size == (300, 600)
            assert rgb.getpixel((150, 100))[0] > 200 and rgb.getpixel((150, 100))[2] < 60  # red on top
            assert rgb.getpixel((150, 500))[2] > 200 and rgb.getpixel((150, 500))[0] < 60  # blue below
            assert not im.getexif() and "exif" not in im.info


def test_same_source_and_settings_give_identical_bytes(tmp_path):
    src = save(photo((1700, 1100), seed=3), tmp_path / "d.jpg", quality=88)
    one = process(src, Settings(), (0.3, 0.6), tmp_path / "one")
    two = process(src, Settings(), (0.3, 0.6), tmp_path / "two")
    assert one == two
    for v in one:
        assert (tmp_path / "one" / v.name).read_bytes() == (tmp_path / "two" / v.name).read_bytes(), v.name


def test_large_jpeg_is_decoded_at_a_reduced_dct_scale(tmp_path, monkeypatch):
    src = save(photo((3400, 2000)), tmp_path / "big.jpg", quality=85)
    seen = []
    from PIL import JpegImagePlugin
    original = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = original(self, mode, size)
        seen.append(self.size)  # the size the decoder will produce
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    manifest = process(src, Settings(), (0.5, 0.5), tmp_path / "out")
    assert (1700, 1000) in seen  # 1600 wide is the largest output: half scale is enough
    with Image.open(tmp_path / "out" / "full-1600.jpeg") as im:
        assert im.size == (1600, 941)
    assert max(v.width for v in manifest if v.role == "full") == 1600


def test_out_dir_is_replaced_whole_and_a_failed_run_leaves_no_half_set(tmp_path, monkeypatch):
    src = save(photo((900, 600)), tmp_path / "a.jpg")
    out = tmp_path / "out"
    out.mkdir()
    (out / "full-2000.jpeg").write_bytes(b"stale")
    manifest = process(src, Settings(formats=("webp",)), (0.5, 0.5), out)
    assert sorted(p.name for p in out.iterdir()) == sorted(v.name for v in manifest)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    calls = []
    real_save = P._save

    def failing(img, path, fmt, quality):
        calls.append(path.name)
        if len(calls) == 3:
            raise KeyboardInterrupt  # like a kill in the middle of encoding
        real_save(img, path, fmt, quality)

    monkeypatch.setattr(P, "_save", failing)
    with pytest.raises(KeyboardInterrupt):
        process(src, Settings(), (0.2, 0.2), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # the old complete set
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jpg", "out"]  # no temp folders left

    new = tmp_path / "new"
    with pytest.raises(KeyboardInterrupt):
        calls.clear()
        process(src, Settings(), (0.2, 0.2), new)
    assert not new.exists()


def test_probe_reads_the_header(tmp_path):
    assert probe(save(photo((640, 480)), tmp_path / "a.png"), Settings()) == Info(640, 480, "png")
    assert probe(save(photo((64, 48)), tmp_path / "a.gif"), Settings()) == Info(64, 48, "gif")
    assert probe(save(photo((64, 48)), tmp_path / "a.webp"), Settings()) == Info(64, 48, "webp")
    # The content decides, not the suffix.
    assert probe(save(photo((64, 48)), tmp_path / "really-a-png.jpg", format="PNG"), Settings()).format == "png"
    if HAS_AVIF:
        assert probe(save(photo((64, 48)), tmp_path / "a.avif"), Settings()) == Info(64, 48, "avif")
    assert {".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg"} == set(P.SOURCE_SUFFIXES)


# ---------------------------------------------------------------------------------------------
# Hostile and broken input


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose header claims ``width`` x ``height``."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def assert_problem(call, *, starts: str) -> str:
    with pytest.raises(ImageProblem) as info:
        call()
    message = info.value.message
    assert message.startswith(starts), message
    assert "\n" not in message and str(info.value) == message
    return message


def test_huge_dimensions_are_refused_before_decoding(tmp_path):
    src = tmp_path / "bomb.png"
    src.write_bytes(png_claiming(100_000, 100_000))
    assert src.stat().st_size < 200
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    assert_problem(lambda: probe(src, Settings()), starts="image too large")
    assert_problem(lambda: process(src, Settings(), (0.5, 0.5), tmp_path / "out"), starts="image too large")
    assert time.perf_counter() - start < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss < 100 * 1024  # KiB on Linux
    assert not (tmp_path / "out").exists()


def test_the_pixel_limit_of_the_settings_is_applied(tmp_path):
    src = tmp_path / "big.png"
    src.write_bytes(png_claiming(8000, 7000))  # below Pillow's own bomb limit, above ours
    message = assert_problem(lambda: probe(src, Settings()), starts="image too large")
    assert message == "image too large: 8000x7000 pixels (the limit is 50000000)"
    small = save(photo((200, 100)), tmp_path / "s.png")
    assert_problem(lambda: process(small, Settings(max_pixels=10_000), (0.5, 0.5), tmp_path / "o"),
                   starts="image too large: 200x100 pixels")


def test_truncated_jpeg(tmp_path):
    data = (save(photo((800, 600)), tmp_path / "whole.jpg", quality=90)).read_bytes()
    src = tmp_path / "cut.jpg"
    src.write_bytes(data[: len(data) // 2])
    assert probe(src, Settings()) == Info(800, 600, "jpeg")  # the header is intact
    message = assert_problem(lambda: process(src, Settings(), (0.5, 0.5), tmp_path / "out"), starts="broken image")
    assert "truncated" in message
    assert not (tmp_path / "out").exists()


def test_random_bytes_named_jpg(tmp_path):
    src = tmp_path / "noise.jpg"
    src.write_bytes(random.Random(7).randbytes(4096))
    message = "not an image (cannot identify image file)"
    assert assert_problem(lambda: probe(src, Settings()), starts=message) == message
    assert assert_problem(lambda: process(src, Settings(), (0.5, 0.5), tmp_path / "o"), starts=message) == message


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert assert_problem(lambda: probe(empty, Settings()), starts="empty file") == "empty file (0 bytes)"
    assert_problem(lambda: process(empty, Settings(), (0.5, 0.5), tmp_path / "o"), starts="empty file")
    missing = tmp_path / "nope.jpg"
    assert assert_problem(lambda: probe(missing, Settings()), starts="file not found") == "file not found"
    assert_problem(lambda: process(missing, Settings(), (0.5, 0.5), tmp_path / "o"), starts="file not found")
    assert_problem(lambda: check_svg(tmp_path / "nope.svg"), starts="file not found")
    # Problems cross from build workers to the parent pickled.
    assert pickle.loads(pickle.dumps(ImageProblem("file not found"))).message == "file not found"


SAFE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
            'width="100" height="50" viewBox="0 0 200 100"><style>.a{fill:red}</style>'
            '<defs><linearGradient id="g"/></defs><rect class="a" width="10" height="10" fill="url(#g)"/>'
            '<use xlink:href="#g"/><a href="/about/"><text>hi</text></a></svg>')


@pytest.mark.parametrize("svg, starts", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "unsafe SVG: <script> elements are not allowed"),
    ('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
     "unsafe SVG: event attribute onload= is not allowed"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect onClick="x()"/></svg>',
     "unsafe SVG: event attribute onclick= is not allowed"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink"><a x:href=" java\tscript:alert(1)">a</a></svg>',
     "unsafe SVG: javascript: URL"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><set attributeName="href" to="javascript:alert(1)"/></svg>',
     "unsafe SVG: javascript: URL"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>',
     "unsafe SVG: <foreignObject> elements are not allowed"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>',
     "unsafe SVG: external reference"),
    ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><use xlink:href="file:///etc/passwd#x"/></svg>',
     "unsafe SVG: external reference"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>',
     "unsafe SVG: @import in CSS"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(//evil.example/p.svg#a)"/></svg>',
     "unsafe SVG: external reference in CSS"),
    ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
     '<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>',
     "unsafe SVG: DOCTYPE declarations are not allowed"),
    ('<?xml-stylesheet href="https://evil.example/a.css"?><svg xmlns="http://www.w3.org/2000/svg"/>',
     "unsafe SVG: <?xml-stylesheet?>"),
    ('<html><body/></html>', "not an SVG image (the root element is <html>)"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>', "not a valid SVG (XML error: mismatched tag at line 1)"),
])
def test_unsafe_or_broken_svg_is_refused(tmp_path, svg, starts):
    src = tmp_path / "x.svg"
    src.write_text(svg, encoding="utf-8")
    assert_problem(lambda: check_svg(src), starts=starts)
    assert_problem(lambda: process(src, Settings(), (0.5, 0.5), tmp_path / "o"), starts=starts)
    assert_problem(lambda: probe(src, Settings()), starts=starts)


def test_safe_svg_is_accepted(tmp_path):
    src = tmp_path / "logo.svg"
    src.write_text(SAFE_SVG, encoding="utf-8")
    check_svg(src)  # no exception
    assert process(src, Settings(), (0.5, 0.5), tmp_path / "o") == []
    assert not (tmp_path / "o").exists()
    assert probe(src, Settings()) == Info(100, 50, "svg")
    src.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 150"/>', encoding="utf-8")
    assert probe(src, Settings()) == Info(300, 150, "svg")


@pytest.mark.parametrize("mode, suffix", [("L", ".jpg"), ("CMYK", ".jpg"), ("LA", ".png"), ("P", ".png"), ("1", ".png"),
                                          ("I;16", ".png"), ("RGBA", ".gif"), ("P", ".gif")])
def test_unusual_modes_convert(tmp_path, mode, suffix):
    img = photo((500, 400))
    if mode == "I;16":
        img = img.convert("L").point(lambda v: v * 257, "I").convert("I;16")
    elif mode == "P" and suffix == ".png":
        img = img.convert("P")
        img.info["transparency"] = 0
    else:
        img = img.convert(mode)
    src = save(img, tmp_path / f"m{suffix}")
    manifest = process(src, Settings(formats=("webp",)), (0.5, 0.5), tmp_path / "out")
    assert {v.role for v in manifest} == {"full", "thumb", "card"}
    for v in manifest:
        with Image.open(tmp_path / "out" / v.name) as im:
            im.load()
            assert im.size == (v.width, v.height)
            assert im.mode in ("RGB", "RGBA")
            if mode == "I;16":  # 16-bit grey scaled down, not clipped to white
                assert 20 < ImageStat.Stat(im.convert("L")).mean[0] < 235


def test_animated_gif_keeps_the_first_frame(tmp_path):
    frames = [Image.new("RGB", (300, 200), c) for c in ((255, 0, 0), (0, 0, 255))]
    src = tmp_path / "anim.gif"
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100)
    process(src, Settings(formats=()), (0.5, 0.5), tmp_path / "out")
    with Image.open(tmp_path / "out" / "full-300.png") as im:
        assert im.convert("RGB").getpixel((150, 100)) == (255, 0, 0)


def test_pillow_as_installed_encodes_webp_and_avif_and_lays_out_with_raqm():
    """What the build needs of Pillow's wheel on a fresh machine (CI installs it into a new
    virtual environment, with Debian's libfribidi0): WebP and AVIF encoders, and raqm for the
    share cards' right-to-left and complex scripts."""
    assert features.check("webp") and features.check("avif"), "Pillow without WebP or AVIF"
    assert features.check("raqm"), "Pillow without raqm (is libfribidi installed?)"

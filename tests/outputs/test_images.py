"""Images in the build (ssg/outputs/images.py): local pictures processed into srcset variants,
teaser thumbnails, share cards, hostile files, and the cache."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image, ImageDraw

from sitekit import article, build, make_site, write

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def jpeg(path, size=(2000, 1500), color=(40, 90, 160)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    im = Image.new("RGB", size, color)
    ImageDraw.Draw(im).rectangle((100, 100, size[0] // 3, size[1] // 3), fill=(220, 30, 30))
    im.save(path, quality=90)


CARDS_ON = 'title = "Test News"\nbase_url = "https://example.org/news/"\ntimezone = "UTC"\npage_size = 2\n'


@pytest.fixture
def site(tmp_path):
    site = make_site(tmp_path, {
        "content/world/storm.md": article("Storm hits", "2024-05-01T10:00:00+00:00", "World", slug="storm", extra=(
            "image: /img/storm.jpg\nimage_alt: Waves over the harbour wall\nimage_caption: \"Photo: A. Reporter\""),
            body="The storm came at night.\n\n![A flooded field](field.png)\n\nMore text."),
        "content/world/calm.md": article("Calm day", "2024-05-02T10:00:00+00:00", "World", slug="calm"),
    }, toml=CARDS_ON)
    jpeg(site / "static/img/storm.jpg")
    Image.new("RGB", (900, 600), (10, 160, 60)).save(site / "content/world/field.png")
    return site


def pictures_of(html: str) -> list[str]:
    return re.findall(r"<picture>.*?</picture>", html, re.S)


def decoded(public, url: str) -> Image.Image:
    path = public / url.split("/news/", 1)[1]
    im = Image.open(path)
    im.load()
    return im


def test_a_local_picture_becomes_a_picture_with_srcset_widths_and_formats(site):
    build(site)
    public = site / "public"
    html = (public / "world/storm/index.html").read_text()
    lead, body = pictures_of(html)
    # The lead: eager (fetched first); AVIF and WebP sources and a JPEG <img>, 480 to 1600 wide.
    assert 'fetchpriority="high"' in lead and 'loading="lazy"' not in lead
    assert '<source type="image/avif"' in lead and '<source type="image/webp"' in lead
    img = re.search(r'<img src="([^"]+)" srcset="([^"]+)" sizes="[^"]+" width="(\d+)" height="(\d+)" '
                    r'alt="Waves over the harbour wall"', lead)
    assert img, lead
    src, srcset, width, height = img.group(1), img.group(2), int(img.group(3)), int(img.group(4))
    assert (width, height) == (1600, 1200) and decoded(public, src).size == (1600, 1200)
    for fmt in ("jpeg", "webp", "avif"):
        candidates = re.search(rf'srcset="([^"]*\.{fmt} [^"]*)"', lead).group(1).split(", ")
        assert [c.rsplit(" ", 1)[1] for c in candidates] == ["480w", "800w", "1200w", "1600w"]
        for candidate in candidates:
            url, w = candidate.rsplit(" ", 1)
            im = decoded(public, url)
            assert im.format.lower() == fmt and im.size == (int(w[:-1]), int(w[:-1]) * 3 // 4)
    assert srcset.count("w,") == 3
    # The body's picture (beside the content file, 900 wide: never upscaled): lazy.
    assert 'loading="lazy"' in body and 'alt="A flooded field"' in body and 'width="900" height="600"' in body
    assert "1200w" not in body
    assert "<figcaption>Photo: A. Reporter</figcaption>" in html


def test_teasers_show_a_thumbnail_cropped_to_the_ratio(site):
    build(site)
    public = site / "public"
    listing = (public / "world/index.html").read_text()
    [thumb] = pictures_of(listing)
    assert 'loading="lazy"' in thumb
    src = re.search(r'<img src="([^"]+)"', thumb).group(1)
    w, h = decoded(public, src).size
    assert abs(w * 2 - h * 3) <= 3  # 3:2, to the pixel


def test_share_cards_crop_the_picture_or_are_generated(site):
    build(site)
    public = site / "public"
    storm = (public / "world/storm/index.html").read_text()
    og = re.search(r'<meta property="og:image" content="([^"]+)">', storm).group(1)
    assert og.startswith("https://example.org/news/img/") and decoded(public, og).size == (1200, 630)
    news = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', storm).group(1))[0]
    assert news["image"] == [og]
    assert '<meta name="twitter:card" content="summary_large_image">' in storm
    calm = (public / "world/calm/index.html").read_text()
    og = re.search(r'<meta property="og:image" content="([^"]+)">', calm).group(1)
    assert og == "https://example.org/news/world/calm/card.jpeg"
    card = Image.open(public / "world/calm/card.jpeg")
    assert card.size == (1200, 630) and card.format == "JPEG"
    assert "<figure" not in calm  # a generated card is not the story's picture


def test_a_build_with_no_changed_picture_processes_none(site, monkeypatch):
    build(site)
    from ssg.images import process as proc

    calls = []
    real = proc.process
    monkeypatch.setattr(proc, "process", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    write(site / "content/world/calm.md", (site / "content/world/calm.md").read_text() + "\nMore.\n")
    build(site)
    assert calls == []
    build(site, clean=True)  # the processed variants are kept by content: --clean reuses them
    assert calls == []
    jpeg(site / "static/img/storm.jpg", color=(200, 200, 40))
    before = {p.relative_to(site / "public") for p in (site / "public/img").rglob("*")}
    report, _ = build(site)
    assert [p.name for p in calls] == ["storm.jpg"]
    after = {p.relative_to(site / "public") for p in (site / "public/img").rglob("*")}
    assert before != after and not any((site / "public" / p).exists() for p in before - after)


@pytest.mark.parametrize("name, data, message", [
    ("missing.jpg", None, "no such image file"),
    ("corrupt.jpg", b"this is not a picture at all", ""),
    ("empty.png", b"", ""),
    ("script.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "script"),
])
def test_a_bad_picture_is_a_warning_and_the_article_is_built_without_it(tmp_path, name, data, message):
    site = make_site(tmp_path, {"content/world/a.md": article("Bad picture", "2024-05-01T10:00:00+00:00", "World",
                                                              slug="a", extra=f"image: /img/{name}\nimage_alt: x")})
    if data is not None:
        write(site / "static/img/x", "")
        (site / "static/img" / name).write_bytes(data)
    report, problems = build(site)  # published: the story stays, without its picture
    [warning] = [str(p) for p in problems.items if p.severity == "warning"]
    assert warning.startswith(f"content/world/a.md:6: image: /img/{name}: ") and message in warning, warning
    html = (site / "public/world/a/index.html").read_text()
    assert "<figure" not in html and "<h1" in html


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path):
    import struct
    import zlib

    def chunk(kind, payload):
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    bomb = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))
    site = make_site(tmp_path, {"content/world/a.md": article("Bomb", "2024-05-01T10:00:00+00:00", "World",
                                                              slug="a", extra="image: /img/bomb.png\nimage_alt: x")})
    (site / "static/img").mkdir(parents=True)
    (site / "static/img/bomb.png").write_bytes(bomb)
    report, problems = build(site)
    [warning] = [str(p) for p in problems.items if p.severity == "warning"]
    assert "image: /img/bomb.png" in warning and "pixels" in warning, warning


def test_a_missing_alt_is_a_warning_with_its_line(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("No alt", "2024-05-01T10:00:00+00:00", "World",
                                                              slug="a", body="Text.\n\n![](pic.png)\n")})
    Image.new("RGB", (100, 80)).save(site / "content/world/pic.png")
    _, problems = build(site)
    assert "content/world/a.md:10: image pic.png has no alt text: describe it between the brackets, " \
           "![what it shows](pic.png)" in [str(p) for p in problems.items]


def test_a_picture_s_line_counts_only_real_line_ends(tmp_path):
    """U+2028 and NEL are text in a content file, not line ends (found by the fuzz test: the
    line named was past the end of the file)."""
    body = "One\u2028two\u2028three.\n\nFour\x85five.\n\n![A picture](missing.png)\n"
    site = make_site(tmp_path, {"content/world/a.md": article("Lines", "2024-05-01T10:00:00+00:00", "World",
                                                              slug="a", body=body)})
    _, problems = build(site)
    text = (site / "content/world/a.md").read_text(encoding="utf-8")
    line = text.split("\n").index("![A picture](missing.png)") + 1
    assert [str(p) for p in problems.items if "missing.png" in str(p)] == [
        f"content/world/a.md:{line}: image missing.png: no such image file beside the content file or in static/ (left out)"]


def test_remote_images_are_left_as_they_are(tmp_path):
    site = make_site(tmp_path, {"content/world/a.md": article("Remote", "2024-05-01T10:00:00+00:00", "World",
                                                              slug="a", extra="image: https://cdn.example/x.jpg\n"
                                                                              "image_alt: A remote one")})
    build(site)
    html = (site / "public/world/a/index.html").read_text()
    assert '<img src="https://cdn.example/x.jpg"' in html
    assert '<meta property="og:image" content="https://cdn.example/x.jpg">' in html
    assert not (site / "public/img").exists() and not (site / "public/world/a/card.jpeg").exists()


def test_fetch_remote_downloads_a_picture_once_and_processes_it(tmp_path):
    from sitekit import serving

    www = tmp_path / "www"
    jpeg(www / "remote.jpg", size=(1000, 800))
    with serving(www, "/", tmp_path) as origin:
        site = make_site(tmp_path, {"content/world/a.md": article(
            "Remote", "2024-05-01T10:00:00+00:00", "World", slug="a",
            extra=f"image: {origin}/remote.jpg\nimage_alt: A remote one")},
            toml='title = "T"\nbase_url = "https://example.org/news/"\n[images]\nfetch_remote = true\n')
        build(site)
        html = (site / "public/world/a/index.html").read_text()
        [lead] = pictures_of(html)
        assert 'width="1000" height="800"' in lead and origin not in lead
        missing = make_site(tmp_path, {"content/world/b.md": article(
            "Gone", "2024-05-01T10:00:00+00:00", "World", slug="b",
            extra=f"image: {origin}/nothing.jpg\nimage_alt: x")},
            toml='title = "T"\nbase_url = "https://example.org/"\n[images]\nfetch_remote = true\n', name="other")
        _, problems = build(missing)
    [warning] = [str(p) for p in problems.items if p.severity == "warning"]
    assert f"image: {origin}/nothing.jpg: cannot be fetched: File not found (left as it is)" in warning
    assert f'<img src="{origin}/nothing.jpg"' in (missing / "public/world/b/index.html").read_text()
    build(site)  # the server is gone: the download is kept in the cache
    assert pictures_of((site / "public/world/a/index.html").read_text())

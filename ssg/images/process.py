"""Probe and convert one source image into its responsive variants.

``probe`` reads only the header; ``process`` decodes the source once and writes every
variant ("full" widths, focus-cropped "thumb"s and the share "card") into a fresh folder that
replaces ``out_dir`` at the end, so a killed run never leaves a half set. Every failure a user
can cause (missing, empty, truncated, hostile or oversized files, unsafe SVG) is an
``ImageProblem`` with a one-line ``message``.

Decisions worth knowing:

* "Fallback" format (the format every browser shows, used beside ``Settings.formats``):
  JPEG sources stay JPEG, PNG stays PNG, GIF becomes PNG (first frame only), and WebP/AVIF
  become PNG when they have transparency, JPEG otherwise. Animated sources keep their first
  frame.
* ``Info`` and the manifest report sizes after the EXIF orientation is applied.
* The card is always exactly ``Settings.card_size``: a source smaller than the card is
  upscaled for the card only (social sites want that size); "full" and "thumb" never upscale.
* Output files carry no EXIF/XMP/timestamps; an ICC profile of an RGB source is kept. The
  same source and settings give byte-identical files (AVIF is encoded on one thread).
* ``out_dir`` belongs to one source image: it is replaced as a whole, which also removes
  variants of earlier settings.
* A format of ``Settings.formats`` this Pillow cannot write (AVIF without libavif) is
  skipped: ``can_encode(fmt)`` tells the build, to warn once.
* Each "full" width of ``Settings.widths`` up to and including the source width is made (a
  1600-px source gets its 1600 variant), plus the source width when it is below the largest.
"""
from __future__ import annotations

import math
import os
import shutil
import tempfile
import warnings
import xml.parsers.expat
from pathlib import Path
from typing import NamedTuple

from PIL import Image, ImageOps, UnidentifiedImageError, features


class ImageProblem(Exception):
    """A problem with a source image; ``message`` is one line meant for users."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Settings(NamedTuple):
    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    formats: tuple[str, ...] = ("webp", "avif")  # encoded beside the fallback format
    quality: int = 80
    thumb_widths: tuple[int, ...] = (320, 640)
    thumb_ratio: tuple[int, int] = (3, 2)
    card_size: tuple[int, int] = (1200, 630)
    max_pixels: int = 50_000_000  # larger images are refused before decoding


class Info(NamedTuple):
    width: int
    height: int
    format: str  # "jpeg", "png", "webp", "gif", "avif" or "svg"


class Variant(NamedTuple):
    role: str  # "full", "thumb" or "card"
    width: int
    height: int
    format: str  # "jpeg", "png", "webp", "avif"
    name: str  # file name inside out_dir: "full-800.webp", "thumb-320.jpeg", "card.jpeg"


SOURCE_SUFFIXES: frozenset[str] = frozenset({".jpg", ".jpeg", ".png", ".webp", ".gif", ".avif", ".svg"})

# Pillow format name -> ours. MPO is what Pillow calls a JPEG with extra (preview) frames.
_FORMATS = {"JPEG": "jpeg", "MPO": "jpeg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "AVIF": "avif"}
# What Image.open may try (a JPEG with extra frames still comes back as MPO).
_OPEN_FORMATS = ["JPEG", "PNG", "WEBP", "GIF", "AVIF"]
Image.init()
_OPEN_FORMATS = [f for f in _OPEN_FORMATS if f in Image.OPEN]
_ENCODABLE = {"jpeg", "png", "webp", "avif"}
_SVG_MAX_BYTES = 10_000_000

# Encoder settings, chosen for speed (a 4000x3000 JPEG in well under 2 s on one core) and
# determinism. WebP method 3 is close to the default 4 in size at about half the time; AVIF
# speed 8 keeps most of the compression at a fraction of the default speed 6's time.
_WEBP_METHOD = 3
_AVIF_SPEED = 8


# ---------------------------------------------------------------------------------------------
# Opening and probing


def can_encode(fmt: str) -> bool:
    """Whether this Pillow can write ``fmt`` ("jpeg", "png", "webp", "avif"). ``process``
    skips the formats of ``Settings.formats`` it cannot write (the build can warn once)."""
    if fmt in ("jpeg", "png"):
        return True
    if fmt in ("webp", "avif"):
        return bool(features.check(fmt))
    return False


def _open(path: Path, settings: Settings) -> tuple[Image.Image, str, tuple[int, int]]:
    """Open (header only) and check the size; returns (image, format, oriented size)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ImageProblem("file not found") from None
    except OSError as exc:
        raise ImageProblem(f"cannot read the file ({exc.strerror or exc})") from None
    if size == 0:
        raise ImageProblem("empty file (0 bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path, formats=_OPEN_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem(f"image too large (more than {settings.max_pixels} pixels)") from None
    except UnidentifiedImageError:
        raise ImageProblem("not an image (cannot identify image file)") from None
    except IsADirectoryError:
        raise ImageProblem("not a file (a directory)") from None
    except OSError as exc:
        raise ImageProblem(f"cannot read the image ({_one_line(exc)})") from None
    except (SyntaxError, ValueError, TypeError, IndexError, KeyError, EOFError) as exc:
        # Pillow's header parsers raise these for malformed headers.
        raise ImageProblem(f"broken image header ({_one_line(exc)})") from None
    fmt = _FORMATS.get(im.format or "")
    if fmt is None:  # pragma: no cover - Image.open(formats=...) already limits this
        im.close()
        raise ImageProblem(f"unsupported image format {im.format}")
    w, h = im.size
    if w <= 0 or h <= 0:
        im.close()
        raise ImageProblem(f"broken image header (size {w}x{h})")
    if w * h > settings.max_pixels:
        im.close()
        raise ImageProblem(f"image too large: {w}x{h} pixels (the limit is {settings.max_pixels})")
    try:
        orientation = im.getexif().get(0x0112, 1)
    except Exception:  # a broken EXIF block is ignored, as browsers do
        orientation = 1
    if orientation in (5, 6, 7, 8):
        w, h = h, w
    return im, fmt, (w, h)


def probe(path: Path, settings: Settings) -> Info:
    """Size and format of a source image, from its header only (SVG: checked as safe too).

    The size is after the EXIF orientation. An SVG's size comes from its width/height
    attributes, else its viewBox, else 0x0.
    """
    path = Path(path)
    if path.suffix.lower() == ".svg":
        w, h = _scan_svg(path)
        return Info(w, h, "svg")
    im, fmt, (w, h) = _open(path, settings)
    im.close()
    return Info(w, h, fmt)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


# ---------------------------------------------------------------------------------------------
# Geometry


def full_widths(src_width: int, widths: tuple[int, ...]) -> list[int]:
    """The configured widths up to the source's, plus the source width when it is smaller
    than the largest configured one (never upscale)."""
    out = sorted({w for w in widths if 0 < w <= src_width})
    if widths and src_width < max(widths) and src_width not in out:
        out.append(src_width)
    return out


def crop_box(size: tuple[int, int], ratio: tuple[int, int], focus: tuple[float, float]) -> tuple[int, int, int, int]:
    """The largest ``ratio`` rectangle inside ``size``, moved so that ``focus`` (fractions of
    the image, (0.5, 0.5) the centre) is as central as possible while staying inside."""
    w, h = size
    rw, rh = ratio
    if w * rh >= h * rw:  # wider than the ratio: full height
        ch = h
        cw = min(w, max(1, round(h * rw / rh)))
    else:
        cw = w
        ch = min(h, max(1, round(w * rh / rw)))
    fx = min(max(float(focus[0]), 0.0), 1.0) if math.isfinite(focus[0]) else 0.5
    fy = min(max(float(focus[1]), 0.0), 1.0) if math.isfinite(focus[1]) else 0.5
    x0 = min(max(round(fx * w - cw / 2), 0), w - cw)
    y0 = min(max(round(fy * h - ch / 2), 0), h - ch)
    return x0, y0, x0 + cw, y0 + ch


class _Job(NamedTuple):
    role: str
    width: int
    height: int
    box: tuple[int, int, int, int]  # in oriented source pixels
    formats: tuple[str, ...]
    stem: str


def _plan(size: tuple[int, int], settings: Settings, focus: tuple[float, float], fallback: str) -> list[_Job]:
    w, h = size
    extra = tuple(f for f in dict.fromkeys(settings.formats) if f != fallback and can_encode(f))
    jobs: list[_Job] = []
    for fw in full_widths(w, settings.widths):
        fh = max(1, round(h * fw / w))
        jobs.append(_Job("full", fw, fh, (0, 0, w, h), (fallback, *extra), f"full-{fw}"))
    rw, rh = settings.thumb_ratio
    box = crop_box(size, settings.thumb_ratio, focus)
    cw = box[2] - box[0]
    for tw in sorted({min(t, cw) for t in settings.thumb_widths if t > 0}):
        th = max(1, round(tw * rh / rw))
        jobs.append(_Job("thumb", tw, th, box, (fallback, *extra), f"thumb-{tw}"))
    cw_, ch_ = settings.card_size
    jobs.append(_Job("card", cw_, ch_, crop_box(size, settings.card_size, focus), ("jpeg",), "card"))
    return jobs


def _draft_scale(size: tuple[int, int], jobs: list[_Job]) -> float:
    """The smallest fraction of the source size that still gives every output without
    upscaling (1.0 when an output needs the full resolution or more)."""
    need = 0.0
    for job in jobs:
        bw = job.box[2] - job.box[0]
        bh = job.box[3] - job.box[1]
        need = max(need, job.width / bw, job.height / bh)
    return min(need, 1.0)


# ---------------------------------------------------------------------------------------------
# Processing


def _decode(im: Image.Image, fmt: str, jobs: list[_Job], oriented: tuple[int, int]) -> Image.Image:
    if fmt == "jpeg" and im.format in ("JPEG", "MPO"):
        scale = _draft_scale(oriented, jobs)
        if scale < 1.0:
            raw_w, raw_h = im.size
            im.draft(None, (max(1, math.ceil(raw_w * scale)), max(1, math.ceil(raw_h * scale))))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im.seek(0)
            im.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageProblem("image too large to decode") from None
    except MemoryError:
        raise ImageProblem("image too large to decode (out of memory)") from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError, ZeroDivisionError) as exc:
        raise ImageProblem(f"broken image ({_one_line(exc)})") from None
    try:
        out = ImageOps.exif_transpose(im)
    except Exception:  # a broken EXIF block: keep the pixels as they are
        out = im.copy()
    icc = im.info.get("icc_profile")
    alpha = out.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (out.mode == "P" and "transparency" in out.info) \
        or (out.mode in ("RGB", "L") and "transparency" in out.info)
    if out.mode == "CMYK":
        icc = None  # a CMYK profile does not describe the converted RGB pixels
    if out.mode.startswith("I;16") or out.mode == "I":
        out = out.point(lambda v: v / 257).convert("L")
    out = out.convert("RGBA" if alpha else "RGB")
    out.info = {"icc_profile": icc} if icc else {}
    return out


def _fallback(fmt: str, alpha: bool) -> str:
    if fmt in ("jpeg", "png"):
        return fmt
    if fmt == "gif":
        return "png"
    return "png" if alpha else "jpeg"


def _save(img: Image.Image, path: Path, fmt: str, quality: int) -> None:
    icc = img.info.get("icc_profile")
    opts: dict = {}
    if icc:
        opts["icc_profile"] = icc
    if fmt == "jpeg":
        if img.mode == "RGBA":  # only the card: flatten on white
            flat = Image.new("RGB", img.size, (255, 255, 255))
            flat.paste(img, mask=img.getchannel("A"))
            img = flat
        img.save(path, "JPEG", quality=quality, optimize=True, progressive=True, **opts)
    elif fmt == "png":
        img.save(path, "PNG", optimize=False, compress_level=6, **opts)
    elif fmt == "webp":
        img.save(path, "WEBP", quality=quality, method=_WEBP_METHOD, exif=b"", xmp=b"", **opts)
    elif fmt == "avif":
        img.save(path, "AVIF", quality=quality, speed=_AVIF_SPEED, max_threads=1, **opts)
    else:
        raise ImageProblem(f"unsupported output format {fmt!r} (use jpeg, png, webp or avif)")


def process(path: Path, settings: Settings, focus: tuple[float, float], out_dir: Path) -> list[Variant]:
    """Write every variant of ``path`` into ``out_dir`` (replaced as a whole) and return the
    manifest, in a stable order (full by width, thumb by width, card; formats as configured).
    SVG sources are only checked (``check_svg``) and give ``[]``."""
    path = Path(path)
    out_dir = Path(out_dir)
    for f in settings.formats:
        if f not in _ENCODABLE:
            raise ImageProblem(f"unsupported output format {f!r} (use jpeg, png, webp or avif)")
    if path.suffix.lower() == ".svg":
        check_svg(path)
        return []
    im, fmt, oriented = _open(path, settings)
    try:
        # Plan with a provisional fallback to size the draft; the real one needs the mode.
        jobs = _plan(oriented, settings, focus, "jpeg")
        img = _decode(im, fmt, jobs, oriented)
    finally:
        im.close()
    alpha = img.mode == "RGBA"
    if alpha and not _has_transparent_pixel(img):
        alpha = False
        img = _rgb(img)
    fallback = _fallback(fmt, alpha)
    jobs = _plan(oriented, settings, focus, fallback)
    # The decoded image may be smaller than the oriented source size (JPEG draft).
    sx = img.width / oriented[0]
    sy = img.height / oriented[1]

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    manifest: list[Variant] = []
    try:
        for job in jobs:
            box = (job.box[0] * sx, job.box[1] * sy, job.box[2] * sx, job.box[3] * sy)
            src = img
            if job.role == "card" and src.mode == "RGBA":
                src = _flatten(src)
            if (job.width, job.height) == src.size and box == (0, 0, src.width, src.height):
                resized = src
            else:
                resized = src.resize((job.width, job.height), Image.Resampling.LANCZOS, box=box,
                                     reducing_gap=3.0)
                resized.info = dict(src.info)
            for f in job.formats:
                name = f"{job.stem}.{f}"
                _save(resized, tmp / name, f, 85 if job.role == "card" else settings.quality)
                manifest.append(Variant(job.role, job.width, job.height, f, name))
        for p in tmp.iterdir():
            os.chmod(p, 0o644)
        os.chmod(tmp, 0o755)
        _swap_in(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _has_transparent_pixel(img: Image.Image) -> bool:
    lo, _hi = img.getchannel("A").getextrema()
    return lo < 255


def _rgb(img: Image.Image) -> Image.Image:
    out = img.convert("RGB")
    out.info = dict(img.info)
    return out


def _flatten(img: Image.Image) -> Image.Image:
    flat = Image.new("RGB", img.size, (255, 255, 255))
    flat.paste(img, mask=img.getchannel("A"))
    flat.info = dict(img.info)
    return flat


def _swap_in(tmp: Path, out_dir: Path) -> None:
    """Put the finished folder ``tmp`` at ``out_dir``; an older ``out_dir`` is moved aside
    first and removed after, so ``out_dir`` is always a complete set or absent."""
    old: Path | None = None
    if out_dir.exists() or out_dir.is_symlink():
        old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
        os.replace(out_dir, old / "set")
    os.replace(tmp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# SVG

_SVG_NS = "http://www.w3.org/2000/svg"
_FORBIDDEN_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener", "applet",
                       "frame", "frameset", "meta", "link", "base"}
_URL_ATTRS = {"href", "src", "action", "formaction", "data", "xlink:href"}


def check_svg(path: Path) -> None:
    """Raise ``ImageProblem`` unless the SVG is safe to publish as a file of the site: no
    scripts, event attributes, ``javascript:`` URLs, ``<foreignObject>``, external references,
    DOCTYPE/ENTITY declarations or style sheets from elsewhere. Parsed with expat without
    DTDs, so nothing is fetched or expanded."""
    _scan_svg(Path(path))


def _scan_svg(path: Path) -> tuple[int, int]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImageProblem("file not found") from None
    except IsADirectoryError:
        raise ImageProblem("not a file (a directory)") from None
    except OSError as exc:
        raise ImageProblem(f"cannot read the file ({exc.strerror or exc})") from None
    if not data.strip():
        raise ImageProblem("empty file (0 bytes)" if not data else "empty SVG file")
    if len(data) > _SVG_MAX_BYTES:
        raise ImageProblem(f"SVG too large ({len(data)} bytes, the limit is {_SVG_MAX_BYTES})")

    state = {"depth": 0, "root": None, "style": 0, "style_text": []}

    def unsafe(why: str) -> ImageProblem:
        return ImageProblem(f"unsafe SVG: {why}")

    def doctype(*_args) -> None:
        raise unsafe("DOCTYPE declarations are not allowed (entities, XXE)")

    def entity(*_args) -> None:
        raise unsafe("ENTITY declarations are not allowed (XXE)")

    def pi(target: str, value: str) -> None:
        if target.lower() == "xml-stylesheet":
            raise unsafe("<?xml-stylesheet?> is not allowed (external style sheet)")

    def start(name: str, attrs: dict[str, str]) -> None:
        ns, _, local = name.rpartition(" ")
        low = local.lower()
        if state["depth"] == 0:
            if low != "svg" or ns not in ("", _SVG_NS):
                raise ImageProblem(f"not an SVG image (the root element is <{local}>)")
            state["root"] = attrs
        state["depth"] += 1
        if low in _FORBIDDEN_ELEMENTS:
            shown = "foreignObject" if low == "foreignobject" else low
            raise unsafe(f"<{shown}> elements are not allowed")
        if low == "style":
            state["style"] += 1
        for key, value in attrs.items():
            _ans, _, akey = key.rpartition(" ")
            akey = akey.lower()
            if akey.startswith("on"):
                raise unsafe(f"event attribute {akey}= is not allowed (<{local}>)")
            _check_value(akey, value, local, unsafe)

    def end(name: str) -> None:
        state["depth"] -= 1
        if name.rpartition(" ")[2].lower() == "style":
            state["style"] -= 1
            css = "".join(state["style_text"])
            state["style_text"].clear()
            _check_css(css, unsafe)

    def chars(text: str) -> None:
        if state["style"]:
            state["style_text"].append(text)

    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    def external(*_args) -> int:
        raise unsafe("external entities are not allowed")

    parser.ExternalEntityRefHandler = external
    parser.ProcessingInstructionHandler = pi
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise ImageProblem(f"not a valid SVG (XML error: {xml.parsers.expat.ErrorString(exc.code)} "
                           f"at line {exc.lineno})") from None
    if state["root"] is None:
        raise ImageProblem("not an SVG image (no root element)")
    return _svg_size(state["root"])


def _norm_url(value: str) -> str:
    # Browsers ignore ASCII whitespace and control characters inside a URL's scheme.
    return "".join(ch for ch in value if ord(ch) > 0x20 and ch != "\x7f").lower()


def _check_value(akey: str, value: str, element: str, unsafe) -> None:
    url = _norm_url(value)
    if "javascript:" in url or "vbscript:" in url:
        raise unsafe(f"javascript: URL in {akey}= (<{element}>)")
    if akey in ("href", "src", "action", "formaction", "data") or akey.endswith("href"):
        if url.startswith(("http:", "https:", "file:", "ftp:", "//")) or \
                ("://" in url.split("#", 1)[0] and not url.startswith("#")):
            raise unsafe(f"external reference {akey}=\"{value.strip()[:80]}\" (<{element}>)")
        if url.startswith("data:") and not url.startswith(("data:image/png", "data:image/jpeg",
                                                            "data:image/gif", "data:image/webp")):
            raise unsafe(f"data: URL of another type than a raster image in {akey}= (<{element}>)")
    if akey == "style":
        _check_css(value, unsafe)


def _check_css(css: str, unsafe) -> None:
    flat = _norm_url(css)
    if "javascript:" in flat or "expression(" in flat:
        raise unsafe("script in CSS")
    if "@import" in flat:
        raise unsafe("@import in CSS (external style sheet)")
    for part in flat.split("url(")[1:]:
        target = part.lstrip("'\"")
        if target.startswith(("http:", "https:", "file:", "ftp:", "//")):
            raise unsafe("external reference in CSS url()")


def _svg_size(attrs: dict[str, str]) -> tuple[int, int]:
    def length(v: str | None) -> float | None:
        if not v:
            return None
        v = v.strip().lower()
        for unit in ("px", ""):
            if unit and v.endswith(unit):
                v = v[: -len(unit)]
        try:
            n = float(v)
        except ValueError:
            return None  # %, em, mm...: not pixels
        return n if math.isfinite(n) and n > 0 else None

    w, h = length(attrs.get("width")), length(attrs.get("height"))
    box = attrs.get("viewBox") or attrs.get("viewbox")
    vb: list[float] | None = None
    if box:
        try:
            vb = [float(x) for x in box.replace(",", " ").split()]
        except ValueError:
            vb = None
        if vb is not None and (len(vb) != 4 or vb[2] <= 0 or vb[3] <= 0 or not all(map(math.isfinite, vb))):
            vb = None
    if w and h:
        return round(w), round(h)
    if vb:
        if w:
            return round(w), round(w * vb[3] / vb[2])
        if h:
            return round(h * vb[2] / vb[3]), round(h)
        return round(vb[2]), round(vb[3])
    return 0, 0

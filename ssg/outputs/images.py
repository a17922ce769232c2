"""The images of a build: local pictures processed (``ssg/images/process.py``) and published
under ``img/<id>/``, and a share card for every article.

An article's pictures are its front matter ``image`` and the images of its Markdown body, when
they are files of the site: a path below ``static/`` (``/img/storm.jpg``; the theme's and the
site's), or relative to the content file's folder first (``storm.jpg`` beside
``content/world/storm.md``), then to ``static/``. Remote ones (``https://…``) are left as they are.

Each source is processed once per content and settings: its SHA-256 (cached by its stat in
``.ssg/images/index``), the settings and the focus point make its ``id``; the variants (resized
widths in its own format and in WebP and AVIF, cropped thumbnails, a 1200x630 card crop) are
kept in ``.ssg/images/<id>/`` with their manifest, made in the build's worker processes, and
published as outputs keyed by that id: a build in which no image changed processes none and
writes none. A source that cannot be used (missing, corrupt, truncated, too large, an SVG with
script) is a warning with the article's file and line, and the article is built without it.

A share card for an article without a picture of its own is generated (``images/card.py``):
its headline, section and site name in the theme's fonts and colours, at ``card.jpeg`` beside
its page. Its URL, or that of its picture's card crop, is the page's ``og:image``,
``twitter:image`` and JSON-LD image.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import re
import time
import urllib.parse
from html import escape, unescape
from pathlib import Path
from typing import NamedTuple

from ssg.keys import RACY_NS, digest
from ssg.problems import text_lines
from ssg.publish.writer import write_atomic
from ssg.urls import is_elsewhere

IMAGE_DIR = "img"  # public/img/<id>/<variant>
MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif", "gif": "image/gif",
        "svg": "image/svg+xml"}


def is_remote(ref: str) -> bool:
    """Not a file of the site: a URL with a scheme (``https:``, ``data:``…) or a host (``//``)."""
    return is_elsewhere(ref)


def settings_of(config):
    from ssg.images.process import Settings

    im = config.images
    return Settings(widths=tuple(sorted(set(im.widths))), formats=tuple(im.formats), quality=im.quality,
                    thumb_widths=tuple(sorted(set(im.thumb_widths))), thumb_ratio=tuple(im.thumb_ratio),
                    card_size=(1200, 630), max_pixels=im.max_megapixels * 1_000_000)


class Found(NamedTuple):
    """A local picture of an article: the file, and how messages name the reference."""

    path: Path
    ref: str


def resolve(ref: str, relpath: str, content_root: Path, static_dirs: list[Path], page_path: str = "/"
            ) -> Path | None:
    """The file a local image reference names, or None. ``/a/b.jpg``: below a ``static/``
    (the site's over the theme's); ``b.jpg``: beside the content file, then below ``static/``;
    ``../../img/b.jpg``: as a browser reads it on the article's page (``page_path``), below
    ``static/``. Never a file outside those folders."""
    from ssg.images.process import SOURCE_SUFFIXES

    clean = urllib.parse.unquote(ref.strip().split("#", 1)[0].split("?", 1)[0])
    if ".." in clean.split("/") and not clean.startswith("/"):
        clean = urllib.parse.urljoin(page_path, clean)  # ("/world/a/" + "../../img/b.jpg": "/img/b.jpg")
    parts = [p for p in clean.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts) or "\\" in clean or "\x00" in clean:
        return None
    if Path(parts[-1]).suffix.lower() not in SOURCE_SUFFIXES:
        return None
    rel = "/".join(parts)
    folders = list(reversed(static_dirs))  # the site's static/ first
    if not clean.startswith("/"):
        folders.insert(0, (content_root / relpath).parent)
    for folder in folders:
        path = folder / rel
        if path.is_file():
            return path
    return None


class Picture(NamedTuple):
    """A processed picture, as views need it (plain values: kept by the build state for edits)."""

    id: str
    width: int
    height: int
    variants: tuple[tuple[str, int, int, str, str], ...]  # (role, width, height, format, name)


class Index:
    """SHA-256 of image files, cached by (size, mtime_ns): a build reads no image whose stat is
    unchanged."""

    def __init__(self, cache: Path):
        self.cache, self.file = cache, cache / "index"
        try:
            data = marshal.loads(self.file.read_bytes())
            self.known, self.manifests = data["files"], data["pictures"]
        except (OSError, ValueError, EOFError, TypeError, KeyError):
            self.known, self.manifests = {}, {}  # file -> (size, mtime_ns, sha); id -> variants
        self.changed = False

    def sha(self, path: Path) -> str:
        st = path.stat()
        key = str(path)
        hit = self.known.get(key)
        if hit is not None and hit[0] == st.st_size and hit[1] == st.st_mtime_ns:
            return hit[2]
        from ssg.outputs.kinds import sha256_of

        sha = sha256_of(path)
        # A file modified within the last 2 s may change again within its mtime's tick, unseen
        # by its stat (git's "racy" files): its hash is not remembered.
        if st.st_mtime_ns < time.time_ns() - RACY_NS:
            self.known[key] = (st.st_size, st.st_mtime_ns, sha)
            self.changed = True
        return sha

    def save(self) -> None:
        if self.changed:
            write_atomic(self.file, marshal.dumps({"files": self.known, "pictures": self.manifests}))


def _process_one(job) -> tuple[str, list | str]:
    """In a worker: (id, manifest) or (id, why it cannot be used)."""
    from ssg.images.process import ImageProblem, process

    image_id, path, settings, focus, folder = job
    folder = Path(folder)
    try:
        variants = process(Path(path), settings, focus, folder)
        manifest = [list(v) for v in variants]
    except ImageProblem as exc:
        manifest = str(exc.message if hasattr(exc, "message") else exc)
    except Exception as exc:  # noqa: BLE001 - any library failure on a hostile file is that file's problem
        manifest = f"cannot be processed: {type(exc).__name__}: {exc}"
    record = {"source": str(path), "settings": list(settings), "focus": list(focus)}
    record.update({"variants": manifest} if isinstance(manifest, list) else {"problem": manifest})
    write_atomic(folder / "manifest.json", json.dumps(record).encode("utf-8"))
    return image_id, manifest


def remake(folder: Path) -> None:
    """A picture's cache folder made again from its source (``source`` in its manifest)."""
    data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    _process_one((folder.name, data["source"], tuple_settings(data["settings"]), tuple(data["focus"]), str(folder)))


def tuple_settings(values):
    from ssg.images.process import Settings

    return Settings(*[tuple(v) if isinstance(v, list) else v for v in values])


class Prepared(NamedTuple):
    pictures: dict[str, Picture]  # id -> picture
    problems: dict[str, str]  # id -> why it cannot be used
    processed: int  # sources processed by this build (cache misses)


def prepare(jobs_wanted: list[tuple[str, Path, tuple[float, float]]], settings, cache: Path, jobs: int,
            index: Index | None = None) -> Prepared:
    """Every (id, source, focus) processed, from the cache where it is there already (its
    manifest remembered in ``index``, else read from its folder); the misses in worker
    processes, one source per task."""
    pictures, problems, todo = {}, {}, []
    known = index.manifests if index is not None else {}
    for image_id, path, focus in jobs_wanted:
        hit = known.get(image_id)
        if hit is not None:
            pictures[image_id] = _picture(image_id, hit)
            continue
        folder = cache / image_id
        try:
            data = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            todo.append((image_id, str(path), settings, focus, str(folder)))
            continue
        if "problem" in data:
            problems[image_id] = data["problem"]
        else:  # (a variant deleted from the cache by hand is made again when it is needed: _image)
            pictures[image_id] = _picture(image_id, data["variants"])
    if todo:
        if jobs > 1 and len(todo) > 1:
            from ssg.parallel import fan_out

            results = [r for chunk in fan_out(lambda part: [_process_one(j) for j in part],
                                              [todo[i::jobs] for i in range(jobs)], jobs) for r in chunk]
        else:
            results = [_process_one(j) for j in todo]
        for image_id, manifest in results:
            if isinstance(manifest, str):
                problems[image_id] = manifest
            else:
                pictures[image_id] = _picture(image_id, manifest)
    return Prepared(pictures, problems, len(todo))


def _picture(image_id: str, variants: list) -> Picture:
    variants = tuple(tuple(v) for v in variants)
    full = [v for v in variants if v[0] == "full"]
    width, height = (max(full, key=lambda v: v[1])[1:3]) if full else (0, 0)
    return Picture(image_id, width, height, variants)


def image_id(sha: str, settings, focus: tuple[float, float]) -> str:
    from ssg.images import process

    return digest(sha, tuple(settings), focus, getattr(process, "VERSION", 1))[:16]


# --- what pages show -------------------------------------------------------------------------


class Source(NamedTuple):
    type: str  # MIME type
    srcset: str


class PictureView(NamedTuple):
    """A picture as a template writes it: ``<picture>`` with a ``<source>`` per modern format
    and an ``<img>`` of the original format (``src`` its largest variant; ``srcset`` and
    ``sizes``; ``width``/``height`` so that nothing moves while it loads)."""

    src: str
    srcset: str
    sizes: str
    width: int
    height: int
    sources: tuple[Source, ...]


ARTICLE_SIZES = "(min-width: 1100px) 720px, 100vw"
THUMB_SIZES = "(min-width: 700px) 320px, 100vw"


def picture_view(pic: Picture, role: str, url, sizes: str) -> PictureView | None:
    """``url(site path)``: a root-relative URL. ``role``: "full" or "thumb"."""
    chosen = [v for v in pic.variants if v[0] == role]
    if not chosen:
        return None
    folder = f"/{IMAGE_DIR}/{pic.id}/"
    fallback_format = next(v[3] for v in chosen if v[3] not in ("webp", "avif"))
    by_format: dict[str, list] = {}
    for v in chosen:
        by_format.setdefault(v[3], []).append(v)
    def srcset(items):
        return ", ".join(f"{url(folder + v[4])} {v[1]}w" for v in sorted(items, key=lambda v: v[1]))
    fallback = sorted(by_format[fallback_format], key=lambda v: v[1])
    largest = fallback[-1]
    sources = tuple(Source(MIME[f], srcset(by_format[f])) for f in ("avif", "webp") if f in by_format)
    return PictureView(url(folder + largest[4]), srcset(fallback), sizes, largest[1], largest[2], sources)


def card_variant(pic: Picture) -> str | None:
    """The site path of a picture's card crop, or None."""
    card = next((v for v in pic.variants if v[0] == "card"), None)
    return f"/{IMAGE_DIR}/{pic.id}/{card[4]}" if card else None


def card_path(article_path: str) -> str:
    """The site path of an article's generated card: ``card.jpeg`` in its page's folder
    (``/world/storm/card.jpeg``), beside a page that is a file (``/2019/story.card.jpeg``)."""
    if article_path.endswith("/"):
        return article_path + "card.jpeg"
    return article_path.rsplit(".", 1)[0] + ".card.jpeg"


def rewrite_body(html: str, pictures: dict[str, Picture], url, *, lazy: bool = True) -> str:
    """An article body's ``<img>`` of local pictures as ``<picture>`` with their variants
    (``pictures``: the reference as written -> its picture); others as they are."""
    if "<img " not in html or not pictures:
        return html

    def one(m: re.Match) -> str:
        attrs = m.group(1)
        src = re.search(r'\ssrc="([^"]*)"', attrs)
        if src is None:
            return m.group(0)
        ref = urllib.parse.unquote(unescape(src.group(1)))
        pic = pictures.get(ref)
        view = picture_view(pic, "full", url, ARTICLE_SIZES) if pic else None
        if view is None:
            return m.group(0)
        alt = re.search(r'\salt="([^"]*)"', attrs)
        title = re.search(r'\stitle="([^"]*)"', attrs)
        img = (f'<img src="{escape(view.src)}" srcset="{escape(view.srcset)}" sizes="{view.sizes}" '
               f'width="{view.width}" height="{view.height}" alt="{alt.group(1) if alt else ""}"'
               + (f' title="{title.group(1)}"' if title else "")
               + (' loading="lazy"' if lazy else "") + ' decoding="async">')
        sources = "".join(f'<source type="{s.type}" srcset="{escape(s.srcset)}" sizes="{view.sizes}">'
                          for s in view.sources)
        return f"<picture>{sources}{img}</picture>"

    return re.sub(r"<img(\s[^>]*?)\s*/?>", one, html)


def rewrite_feed_body(html: str, pictures: dict[str, Picture], url) -> str:
    """In feeds: a local picture's ``<img src>`` is its largest variant in its own format."""
    if "<img " not in html or not pictures:
        return html

    def one(m: re.Match) -> str:
        ref = urllib.parse.unquote(unescape(m.group(2)))
        pic = pictures.get(ref)
        view = picture_view(pic, "full", url, ARTICLE_SIZES) if pic else None
        return m.group(0) if view is None else f'{m.group(1)}{escape(view.src)}"'

    return re.sub(r'(<img\s[^>]*?src=")([^"]*)"', one, html)


# --- planning ---------------------------------------------------------------------------------


class Planned(NamedTuple):
    """What the build takes from its images: each article's pictures (relpath -> (its lead
    picture or None, {body reference: picture})), the outputs of their variants, and the files
    looked at (whose stats the next build compares)."""

    pictures: dict[str, tuple]
    outputs: list
    files: list[str]
    processed: int


def plan_images(site: Path, config, archive, content_root: Path, static_dirs: list[Path], problems, jobs: int,
                cache: Path, index: Index | None = None, urls=None) -> Planned:
    """Every local picture of the published articles, resolved, hashed, processed (cache misses
    only) and planned as outputs; a picture that cannot be used is a warning with its article's
    file and line, and the article is built without it."""
    from ssg.outputs.kinds import Output

    files: set[str] = set()
    content = config.content_dir.rstrip("/")
    fetch = config.images.fetch_remote
    wanted_ref = lambda ref: not is_remote(ref) or (fetch and ref.strip().lower().startswith(("http://", "https://")))
    refs = [(a, a.image, True) for a in archive.articles.values() if a.image and wanted_ref(a.image)]
    refs += [(a, ref, False) for a in archive.articles.values() for ref in a.body_images if wanted_ref(ref)]
    if not refs:
        return Planned({}, [], [], 0)
    settings = settings_of(config)
    index = index or Index(cache)
    jobs_wanted, ids, shown_of = {}, {}, {}
    for a, ref, lead in refs:
        where = f"{content}/{a.relpath}"
        if is_remote(ref):  # ([images] fetch_remote) downloaded once into the cache
            path, why = fetched(ref.strip(), cache / "remote")
            if path is None:
                problems.warning(where, f"{'image: ' if lead else 'image '}{ref}: {why} (left as it is)",
                                 _ref_line(content_root / a.relpath, ref))
                continue
        else:
            path = resolve(ref, a.relpath, content_root, static_dirs,
                           a.url or (urls.article_path(a.section_slug, a.slug) if urls else "/"))
        if path is None:
            files.add(str((content_root / a.relpath).parent / ref.split("?")[0]))  # (a file added later is seen)
            problems.warning(where, f"{'image: ' if lead else 'image '}{ref}: no such image file beside the content "
                                    "file or in static/ (left out)", _ref_line(content_root / a.relpath, ref))
            continue
        files.add(str(path))
        try:
            sha = index.sha(path)
        except OSError as exc:
            problems.warning(where, f"image {ref}: cannot be read: {exc.strerror or exc} (left out)")
            continue
        focus = a.image_focus if lead and a.image_focus else (0.5, 0.5)
        iid = image_id(sha, settings, focus)
        jobs_wanted[iid] = (iid, path, focus)
        ids[(a.relpath, ref, lead)] = iid
        shown_of[iid] = path
    prepared = prepare(list(jobs_wanted.values()), settings, cache, jobs, index)
    for iid, pic in prepared.pictures.items():
        if iid not in index.manifests:
            index.manifests[iid] = [list(v) for v in pic.variants]
            index.changed = True
    index.save()
    pictures: dict[str, tuple] = {}
    for (relpath, ref, lead), iid in ids.items():
        pic = prepared.pictures.get(iid)
        if pic is None:
            why = prepared.problems.get(iid, "cannot be processed")
            problems.warning(f"{content}/{relpath}", f"{'image: ' if lead else 'image '}{ref}: {why} (left out)",
                             _ref_line(content_root / relpath, ref))
            continue
        entry = pictures.setdefault(relpath, [None, {}])
        if lead:
            entry[0] = tuple(pic)
        else:
            entry[1][ref] = tuple(pic)
    outputs = []
    for iid, pic in sorted(prepared.pictures.items()):
        for role, width, height, fmt, name in pic.variants:
            outputs.append(Output(f"{IMAGE_DIR}/{iid}/{name}", "image", str(cache / iid / name), (),
                                  digest("image", iid, name), f"image {shown_of[iid]}"))
    return Planned({r: (e[0], e[1]) for r, e in pictures.items()}, outputs, sorted(files), prepared.processed)


REMOTE_LIMIT = 50 * 1024 * 1024  # bytes: a larger download is refused
REMOTE_TIMEOUT = 20.0  # seconds


def fetched(url: str, folder: Path) -> tuple[Path | None, str]:
    """A remote picture downloaded into ``folder`` (once: named by its URL's hash, kept there),
    or (None, why not)."""
    import urllib.request

    suffix = Path(urllib.parse.urlsplit(url).path).suffix.lower()
    from ssg.images.process import SOURCE_SUFFIXES

    if suffix not in SOURCE_SUFFIXES:
        suffix = ".img"
    path = folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + suffix)
    if path.is_file():
        return path, ""
    request = urllib.request.Request(url, headers={"User-Agent": "ssg (fetching a picture to resize it)"})
    try:
        with urllib.request.urlopen(request, timeout=REMOTE_TIMEOUT) as response:
            data = response.read(REMOTE_LIMIT + 1)
    except (OSError, ValueError) as exc:
        return None, f"cannot be fetched: {getattr(exc, 'reason', None) or exc}"
    if len(data) > REMOTE_LIMIT:
        return None, f"larger than {REMOTE_LIMIT // 1048576} MB: not fetched"
    write_atomic(path, data)
    return path, ""


def _ref_line(path: Path, ref: str) -> int | None:
    """The line of a content file that names ``ref`` (for messages)."""
    try:
        for n, line in enumerate(text_lines(path.read_text(encoding="utf-8", errors="replace")), start=1):
            if ref in line:
                return n
    except OSError:
        pass
    return None


def fingerprint(fp: str, entry) -> str:
    """An article's fingerprint as outputs key on it, with the ids of its pictures (a new
    picture, or new settings, remake the pages that show it)."""
    if not entry:
        return fp
    lead, body = entry
    return digest(fp, lead[0] if lead else None, sorted((ref, p[0]) for ref, p in body.items()))

"""`ssg check`: the built site checked offline, as a browser, a crawler and a feed reader see it.

- every internal link, image, stylesheet, script, ``srcset`` candidate, form action and
  ``og:``/``twitter:`` URL of every HTML page resolves to a file of the output folder, the way a
  static host serves it (``dir/`` is ``dir/index.html``; root-relative URLs must lie under the
  path of ``base_url``; absolute URLs on ``base_url``'s host count as internal), and every
  ``#fragment`` names an ``id`` (or ``<a name>``) of the page it points into;
- ``url()`` references of stylesheets resolve;
- feeds (RSS, Atom) and sitemaps are well-formed XML whose URLs are absolute ``http(s)``
  (links inside feed content too), and those on the site's host exist;
- ``robots.txt`` ``Sitemap:`` lines are absolute and exist;
- no two pages share a ``<link rel="canonical">``.

Nothing is fetched: external URLs are never requested. Problems are reported as
``public/a/index.html:LINE: broken link /x/ (no public/x/index.html)``; a target broken on many
pages is named on the first few and then summed up.
"""

from __future__ import annotations

import os
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

from ssg.problems import Problems, text_lines

PER_TARGET = 10  # pages named for one broken target; the rest are counted
PARALLEL_MIN = 400  # pages per worker process below which forking costs more than it saves

# tag -> attributes holding a URL (srcset is a list of candidates).
_URL_ATTRS = {
    "a": ("href",), "area": ("href",), "link": ("href",), "img": ("src", "srcset"),
    "source": ("src", "srcset"), "script": ("src",), "iframe": ("src",), "audio": ("src",),
    "video": ("src", "poster"), "track": ("src",), "embed": ("src",), "input": ("src",),
    "form": ("action",), "object": ("data",),
}
_META_URLS = {"og:url", "og:image", "og:image:url", "og:image:secure_url", "og:audio", "og:video",
              "twitter:image", "twitter:image:src"}
# <link rel> values whose href is a hint about another host, not a resource of this page.
_LINK_HINTS = {"preconnect", "dns-prefetch"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)|@import\s+(?:"([^"]*)"|'([^']*)')""")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
ATOM_NS = "http://www.w3.org/2005/Atom"


@dataclass
class CheckReport:
    pages: int = 0
    files: int = 0
    links: int = 0  # internal URLs looked up
    xml: int = 0
    errors: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        verdict = "no problems" if not self.errors else f"{self.errors:,} problem{'s' if self.errors != 1 else ''}"
        return (f"checked {self.pages:,} pages, {self.xml:,} feeds and sitemaps, {self.links:,} internal links "
                f"in {self.files:,} files: {verdict} ({self.seconds:.2f} s)")


class _PageParser(HTMLParser):
    """One HTML page: its ids, the URLs it refers to (with their lines) and its canonical."""

    def __init__(self):
        super().__init__(convert_charrefs=False)  # text is not needed: skip decoding it
        self.ids: set[str] = set()
        self.urls: list[tuple[int, str, str]] = []  # (line, what, url)
        self.canonical: tuple[int, str] | None = None
        self.base: str | None = None
        self.refresh = False

    def handle_starttag(self, tag, attrs):
        d = {}
        for k, v in attrs:
            if v is not None and k not in d:
                d[k] = v
        if "id" in d:
            self.ids.add(d["id"])
        if tag == "a" and "name" in d:
            self.ids.add(d["name"])
        names = _URL_ATTRS.get(tag)
        if names is None:
            if tag == "meta":
                if d.get("http-equiv", "").lower() == "refresh" and "url=" in d.get("content", "").lower():
                    content = d["content"]
                    self.refresh = True  # a redirect page: its canonical names the page it sends to
                    self.urls.append((self.getpos()[0], "redirect", content[content.lower().index("url=") + 4:].strip()))
                prop = d.get("property") or d.get("name") or ""
                if prop in _META_URLS and d.get("content"):
                    self.urls.append((self.getpos()[0], f"{prop} URL", d["content"]))
            elif tag == "base" and "href" in d and self.base is None:
                self.base = d["href"]
            return
        line = self.getpos()[0]
        if tag == "link":
            rel = set(d.get("rel", "").lower().split())
            if rel & _LINK_HINTS:
                return
            if "canonical" in rel and "href" in d:
                if self.canonical is None:
                    self.canonical = (line, d["href"])
            what = "stylesheet" if "stylesheet" in rel else "link"
        else:
            what = {"img": "image", "source": "image", "script": "script", "video": "video", "audio": "audio",
                    "form": "form action"}.get(tag, "link")
        for name in names:
            value = d.get(name)
            if value is None:
                continue
            if name == "srcset":
                for candidate in value.split(","):
                    candidate = candidate.strip().split()
                    if candidate:
                        self.urls.append((line, "image", candidate[0]))
            elif name == "poster":
                self.urls.append((line, "image", value))
            else:
                self.urls.append((line, what, value))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def result(self) -> "_Parsed":
        return _Parsed(self.ids, self.urls, self.canonical, self.base, self.refresh)


@dataclass
class _Parsed:
    ids: set[str]
    urls: list[tuple[int, str, str]]
    canonical: tuple[int, str] | None
    base: str | None
    refresh: bool = False  # a <meta http-equiv="refresh"> redirect page


def _parse_page(root: Path, rel: str) -> tuple[str, "_Parsed | None", tuple[int | None, str] | None]:
    """``(rel, parsed page, problem)``; the parser is returned without its buffers."""
    try:
        data = (root / rel).read_bytes()
    except OSError as exc:
        return rel, None, (None, f"cannot read: {exc.strerror or exc}")
    problem = None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem = (data[: exc.start].count(b"\n") + 1, "not valid UTF-8")
        text = data.decode("utf-8", "replace")
    parser = _PageParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as exc:  # noqa: BLE001 - html.parser is lenient; anything it still refuses is reported
        problem = problem or (None, f"cannot parse HTML: {exc}")
    return rel, parser.result(), problem


class _Hrefs(HTMLParser):
    """The href/src values of an HTML fragment (feed content)."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.urls.append(v)
            elif k == "srcset" and v:
                self.urls.extend(c.strip().split()[0] for c in v.split(",") if c.strip())


@dataclass
class _Site:
    root: Path
    label: str  # how paths are shown: "public"
    base_path: str  # "/" or "/news/"
    netloc: str  # "example.org" ("" when unknown: absolute URLs are then all external)
    files: set[str] = field(default_factory=set)
    dirs: set[str] = field(default_factory=set)
    ids: dict[str, set[str]] = field(default_factory=dict)  # HTML relpath -> ids

    def show(self, rel: str) -> str:
        if self.label == ".":
            return rel or "."
        return f"{self.label}/{rel}" if rel else self.label


class Checker:
    def __init__(self, root: Path, base_url: str | None, label: str, jobs: int | None = None):
        self.jobs = jobs
        self._resolved: dict[str, tuple[str, str, str] | None] = {}
        parts = urlsplit(base_url or "/")
        base_path = parts.path or "/"
        if not base_path.endswith("/"):
            base_path += "/"
        self.site = _Site(root, label.rstrip("/") or ".", base_path, parts.netloc.lower())
        self.problems = Problems()
        self.report = CheckReport()
        self._broken: dict[tuple[str, str, str], dict[str, int | None]] = {}  # (what, url, why) -> pages

    # -- resolving --------------------------------------------------------------------------
    def resolve(self, url: str, page_url: str | None) -> tuple[str, str, str] | None:
        """``(relpath, fragment, how)`` for a URL of this site: relpath "" means outside the base
        path; None for an external or non-http URL. ``page_url`` is the referring file's URL
        path ("/news/a/index.html")."""
        url = url.strip()
        # Root-relative or absolute: the same on every page (but not under an external <base>).
        independent = page_url is not None and (url.startswith("/") or _SCHEME.match(url) is not None)
        if independent and url in self._resolved:
            return self._resolved[url]
        result = self._resolve(url, page_url)
        if independent:
            self._resolved[url] = result
        return result

    def _resolve(self, url: str, page_url: str | None) -> tuple[str, str, str] | None:
        parts = urlsplit(url)
        if parts.scheme:
            if parts.scheme.lower() not in ("http", "https") or parts.netloc.lower() != self.site.netloc:
                return None
            path = parts.path or "/"
        elif parts.netloc:  # //host/path
            if parts.netloc.lower() != self.site.netloc:
                return None
            path = parts.path or "/"
        elif page_url is None:  # relative to an external <base href>
            return None
        else:
            path = urljoin(page_url, parts.path) if parts.path else page_url
        base = self.site.base_path
        if path + "/" == base:
            path = base
        if not path.startswith(base):
            return "", parts.fragment, f"outside the site's base path {base}"
        rel = unquote(path[len(base):])
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        return rel, unquote(parts.fragment), ""

    def exists(self, rel: str) -> str | None:
        """The file a static host serves for ``rel`` (a folder redirects to its index), or None."""
        if rel in self.site.files:
            return rel
        if rel in self.site.dirs and f"{rel}/index.html" in self.site.files:
            return f"{rel}/index.html"
        return None

    def check_url(self, where: str, line: int | None, what: str, url: str, page_url: str | None,
                  fragments: bool = True) -> None:
        resolved = self.resolve(url, page_url)
        if resolved is None:
            return
        rel, fragment, how = resolved
        self.report.links += 1
        if not rel:
            self.broken(where, line, what, url, how)
            return
        target = self.exists(rel)
        if target is None:
            self.broken(where, line, what, url, f"no {self.site.show(rel)}")
            return
        if fragments and fragment and fragment != "top" and not fragment.startswith(":~:"):
            ids = self.site.ids.get(target)
            if ids is not None and fragment not in ids:
                self.broken(where, line, "fragment", url, f'no id "{fragment}" in {self.site.show(target)}')

    def broken(self, where: str, line: int | None, what: str, url: str, why: str) -> None:
        """Report a broken target once per page (at its first line), on the first PER_TARGET
        pages; the others are counted in one closing line."""
        pages = self._broken.setdefault((what, url, why), {})
        if where in pages:
            return
        pages[where] = line
        if len(pages) <= PER_TARGET:
            self.problems.error(where, f"broken {what} {url} ({why})", line)

    # -- the passes -------------------------------------------------------------------------
    def run(self) -> CheckReport:
        started = time.perf_counter()
        root = self.site.root
        html, css, xml, robots = [], [], [], None
        for folder, dirnames, filenames in os.walk(root):
            dirnames.sort()
            relfolder = os.path.relpath(folder, root).replace(os.sep, "/")
            prefix = "" if relfolder == "." else relfolder + "/"
            if prefix:
                self.site.dirs.add(relfolder)
            for name in sorted(filenames):
                rel = prefix + name
                self.site.files.add(rel)
                lower = name.lower()
                if lower.endswith((".html", ".htm")):
                    html.append(rel)
                elif lower.endswith(".css"):
                    css.append(rel)
                elif lower.endswith((".xml", ".rss", ".atom")):
                    xml.append(rel)
                elif rel == "robots.txt":
                    robots = rel
        self.report.files = len(self.site.files)
        self.report.pages = len(html)
        pages = []
        for rel, parsed, problem in self._parse_all(html):
            if problem:
                self.problems.error(self.site.show(rel), problem[1], problem[0])
            if parsed is not None:
                self.site.ids[rel] = parsed.ids
                pages.append((rel, parsed))
        canonicals: dict[str, str] = {}
        for rel, parsed in pages:
            where = self.site.show(rel)
            page_url: str | None = self.site.base_path + rel
            if parsed.base:  # <base href>: relative URLs resolve against it
                base = urlsplit(parsed.base.strip())
                if base.scheme or base.netloc:
                    page_url = (base.path or "/") if base.netloc.lower() == self.site.netloc else None
                else:
                    page_url = urljoin(page_url, base.path)
            for line, what, url in parsed.urls:
                self.check_url(where, line, what, url, page_url)
            if parsed.canonical:
                line, url = parsed.canonical
                parts = urlsplit(url.strip())
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    self.problems.error(where, f"canonical URL is not absolute: {url}", line)
                    continue
                if parsed.refresh:
                    continue  # a redirect's canonical is the page it sends to, as it should be
                first = canonicals.setdefault(url.strip(), where)
                if first != where:
                    self.problems.error(where, f"canonical {url} is also the canonical of {first}", line)
        for rel in css:
            self._check_css(rel)
        for rel in xml:
            self._check_xml(rel)
        if robots:
            self._check_robots(robots)
        for (what, url, why), pages in self._broken.items():
            if len(pages) > PER_TARGET:
                more = len(pages) - PER_TARGET
                self.problems.error(self.site.label, f"broken {what} {url} ({why}) on {more:,} more "
                                                     f"file{'s' if more != 1 else ''}, not listed")
        self.report.errors = len(self.problems.errors)
        self.report.seconds = time.perf_counter() - started
        return self.report

    def _read(self, rel: str) -> str | None:
        try:
            data = (self.site.root / rel).read_bytes()
        except OSError as exc:
            self.problems.error(self.site.show(rel), f"cannot read: {exc.strerror or exc}")
            return None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.problems.error(self.site.show(rel), "not valid UTF-8", line)
            return data.decode("utf-8", "replace")

    def _parse_all(self, html: list[str]):
        """Parse every page, over ``jobs`` forked processes when there are many (parsing is
        most of the time: about 1 ms a page)."""
        jobs = min(self.jobs or os.cpu_count() or 1, len(html) // PARALLEL_MIN)
        if jobs < 2:
            return (_parse_page(self.site.root, rel) for rel in html)
        from ssg.parallel import chunked, fan_out

        root = self.site.root
        parsed = fan_out(lambda chunk: [_parse_page(root, rel) for rel in chunk], chunked(html, jobs, 16, 10**9), jobs)
        return (each for chunk in parsed for each in chunk)

    def _check_css(self, rel: str) -> None:
        text = self._read(rel)
        if text is None:
            return
        text = re.sub(r"/\*.*?\*/", lambda m: "\n" * m.group(0).count("\n"), text, flags=re.S)
        page_url = self.site.base_path + rel
        for m in _CSS_URL.finditer(text):
            url = next((g for g in m.groups() if g is not None), "")
            if not url or url.startswith("#"):
                continue
            line = text.count("\n", 0, m.start()) + 1
            self.check_url(self.site.show(rel), line, "stylesheet URL", url, page_url, fragments=False)

    # -- feeds and sitemaps -----------------------------------------------------------------
    def _absolute(self, where: str, what: str, url: str | None, page_url: str, *, fragments: bool = True) -> None:
        """A URL a feed or sitemap gives: absolute http(s), and existing when it is on this site."""
        url = (url or "").strip()
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            self.problems.error(where, f"{what} is not an absolute http(s) URL: {url!r}")
            return
        self.check_url(where, None, what, url, page_url, fragments=fragments)

    def _check_xml(self, rel: str) -> None:
        where = self.site.show(rel)
        try:
            tree = ET.parse(self.site.root / rel)
        except ET.ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            self.problems.error(where, "not well-formed XML: " + re.sub(r": line \d+, column \d+$", "", str(exc)), line)
            return
        except OSError as exc:
            self.problems.error(where, f"cannot read: {exc.strerror or exc}")
            return
        root = tree.getroot()
        page_url = self.site.base_path + rel
        tag = root.tag
        if tag in (f"{{{SITEMAP_NS}}}urlset", f"{{{SITEMAP_NS}}}sitemapindex"):
            self.report.xml += 1
            for loc in root.iter(f"{{{SITEMAP_NS}}}loc"):
                self._absolute(where, "sitemap URL", loc.text, page_url)
            for el in root.iter():  # image:loc, news:..., xhtml:link alternates
                if el.tag.endswith("}loc") and el.tag != f"{{{SITEMAP_NS}}}loc":
                    self._absolute(where, "sitemap URL", el.text, page_url)
                elif el.tag == "{http://www.w3.org/1999/xhtml}link" and el.get("href") is not None:
                    self._absolute(where, "sitemap URL", el.get("href"), page_url)
        elif tag == "rss":
            self.report.xml += 1
            channel = root.find("channel")
            if channel is None:
                self.problems.error(where, "RSS feed without a <channel>")
                return
            if channel.find("link") is None:
                self.problems.error(where, "RSS feed without a channel <link>")
            for el in channel.iter():
                name = el.tag
                if name == f"{{{ATOM_NS}}}link":
                    self._absolute(where, "feed atom:link", el.get("href"), page_url)
                elif name == "enclosure":
                    self._absolute(where, "feed enclosure", el.get("url"), page_url)
                elif name in ("link", "url"):  # channel, item and image links; the image's URL
                    self._absolute(where, f"feed <{name}>", el.text, page_url)
                elif name == "guid" and (el.get("isPermaLink") or "true").lower() == "true":
                    self._absolute(where, "feed <guid>", el.text, page_url)
                elif name in ("description", "{http://purl.org/rss/1.0/modules/content/}encoded"):
                    self._content(where, el.text or "", page_url)
        elif tag == f"{{{ATOM_NS}}}feed":
            self.report.xml += 1
            for el in root.iter():
                name = el.tag
                if name == f"{{{ATOM_NS}}}link":
                    self._absolute(where, "feed <link>", el.get("href"), page_url)
                elif name in (f"{{{ATOM_NS}}}icon", f"{{{ATOM_NS}}}logo"):
                    self._absolute(where, f"feed <{name.split('}')[1]}>", el.text, page_url)
                elif name == f"{{{ATOM_NS}}}id":
                    if not urlsplit((el.text or "").strip()).scheme:
                        self.problems.error(where, f"feed <id> is not an absolute IRI: {(el.text or '').strip()!r}")
                elif name in (f"{{{ATOM_NS}}}content", f"{{{ATOM_NS}}}summary"):
                    if el.get("src") is not None:
                        self._absolute(where, "feed content src", el.get("src"), page_url)
                    elif el.get("type") == "html":
                        self._content(where, el.text or "", page_url)
                    elif el.get("type") == "xhtml":
                        for sub in el.iter():
                            for attr in ("href", "src"):
                                if sub is not el and sub.get(attr) is not None:
                                    self._in_content(where, sub.get(attr), page_url)

    def _content(self, where: str, html: str, page_url: str) -> None:
        if "href" not in html and "src" not in html:
            return
        parser = _Hrefs()
        try:
            parser.feed(html)
            parser.close()
        except Exception:  # noqa: BLE001 - a reader would show it as text
            return
        for url in parser.urls:
            self._in_content(where, url, page_url)

    def _in_content(self, where: str, url: str, page_url: str) -> None:
        scheme = urlsplit(url.strip()).scheme.lower()
        if scheme and scheme not in ("http", "https"):
            return  # mailto:, data:...
        self._absolute(where, "URL in feed content", url, page_url)

    def _check_robots(self, rel: str) -> None:
        text = self._read(rel)
        if text is None:
            return
        for number, line in enumerate(text_lines(text), 1):
            key, _, value = line.partition(":")
            if key.strip().lower() == "sitemap":
                url = value.strip()
                parts = urlsplit(url)
                if parts.scheme not in ("http", "https") or not parts.netloc:
                    self.problems.error(self.site.show(rel), f"Sitemap is not an absolute http(s) URL: {url!r}", number)
                else:
                    self.check_url(self.site.show(rel), number, "sitemap", url, self.site.base_path + rel)


def infer_base_url(root: Path) -> str | None:
    """The canonical URL of the home page (``index.html``), for a folder checked without a site."""
    try:
        text = (root / "index.html").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    parser = _PageParser()
    try:
        parser.feed(text)
    except Exception:  # noqa: BLE001
        return None
    if parser.canonical:
        url = parser.canonical[1].strip()
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return url
    return None


def check_output(root: Path, base_url: str | None, problems: Problems, label: str | None = None,
                 jobs: int | None = None) -> CheckReport:
    """Check the built site in ``root``; problems are added to ``problems``."""
    if not root.is_dir():
        problems.error(label or str(root), "no built site here (run `ssg build` first)")
        return CheckReport(errors=1)
    checker = Checker(root, base_url, label or str(root), jobs)
    report = checker.run()
    problems.extend(checker.problems)
    return report


def check_site(site: Path, problems: Problems, base_url: str | None = None, jobs: int | None = None) -> CheckReport:
    """``ssg check`` on a site: its output folder, with its ``base_url`` (or the one given)."""
    from ssg.config import load_config

    from ssg.publish.writer import read_published
    from ssg.build.state import lock_path

    config = load_config(site)
    # The site as one build published it: a running build is waited for, a killed one's commit
    # finished, and none commits while the check reads.
    lock = read_published(site / config.output_dir, lock_path(site, config.output_dir))
    try:
        report = check_output(site / config.output_dir, base_url or config.base_url, problems,
                              label=config.output_dir, jobs=jobs)
        report.errors += check_published(site, config, problems)
        return report
    finally:
        lock.release()


def check_published(site: Path, config, problems: Problems) -> int:
    """Every URL of the published-URLs file (``outputs/redirects.py``) must still be a page, a
    redirect or a gone page of the built site: one that resolves to nothing is an error (a
    reader's bookmark, a link from elsewhere now broken). Returns how many."""
    from ssg.outputs import redirects
    from ssg.urls import Urls

    if not (site / config.redirects.file).exists():
        return 0
    found = Problems()
    registry = redirects.read(site, config, found)
    output = site / config.output_dir
    for e in registry.entries:
        if not (output / Urls.output_file(e.path)).is_file():
            what = {"content": f"{config.content_dir.rstrip('/')}/{e.target}", "gone": "gone",
                    "to": f"-> {e.target}"}[e.what]
            found.error(registry.shown, f"{e.path} ({what}) resolves to nothing in {config.output_dir}/: a published "
                                        "URL must keep working; mark it `gone` or point it elsewhere with "
                                        "`-> /new/path/`, then build", e.line)
    problems.extend(found.errors)
    return len(found.errors)


def run(site: Path, args, problems: Problems, say=print) -> list[str]:
    """``ssg check`` for the CLI: the summary line (problems go to ``problems``)."""
    if args.base_url is not None and not args.base_url.startswith(("http://", "https://")):
        problems.error("--base-url", f"must start with http:// or https://, got {args.base_url!r}")
        return []
    return [check_site(site, problems, base_url=args.base_url).summary()]


def run_dir(args, problems: Problems) -> list[str]:
    """``ssg check --dir FOLDER``: any built folder, served at ``--base-url`` (else the home
    page's canonical URL, else the root of an unknown host)."""
    root = args.dir
    base_url = args.base_url or (infer_base_url(root) if root.is_dir() else None)
    if base_url is not None and not base_url.startswith(("http://", "https://", "/")):
        problems.error("--base-url", f"must start with http://, https:// or /, got {base_url!r}")
        return []
    return [check_output(root, base_url, problems, label=str(args.dir)).summary()]

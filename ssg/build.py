"""The pipeline, phase by phase: import → collect → render → publish.

Everything is gathered and rendered before anything is written; the Publisher then swaps the
new site in whole. Content problems leave that article out and fail the exit status; theme
problems (a template that does not render) keep the previous public/ untouched.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from . import feeds
from .cache import BuildCache
from .config import Config, load_config
from .importer import import_seeds
from .output import Publisher
from .problems import Problem, Problems, SsgError
from .render import PageRenderer
from .site import Archive, collect
from .theme import environment, find_theme
from .urls import Urls


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    base_url: str | None = None
    now: dt.datetime | None = None
    cache: BuildCache | None = None  # reused across rebuilds by `ssg serve`


@dataclass
class BuildReport:
    pages: int = 0
    files: int = 0
    written: int = 0
    reused: int = 0
    seconds: float = 0.0
    published: bool = False

    def summary(self) -> str:
        if not self.published:
            return f"build failed: public/ left as it was ({self.seconds:.2f} s)"
        return (f"built {self.pages:,} pages, {self.files:,} files "
                f"({self.written:,} written, {self.reused:,} unchanged) in {self.seconds:.2f} s")


def _feeds(renderer: PageRenderer, urls: Urls, config: Config, archive: Archive):
    def entries(keys):
        chosen = []
        for key in keys[: config.feeds.items]:
            a = archive.articles[key]
            html = renderer.body_html(a) if config.feeds.full_content else ""
            chosen.append((a, urls.absolute(renderer.article_path(a)), html))
        return chosen

    targets = [(config.title, config.description, "/", "/feed.xml", "/atom.xml", list(archive.articles))]
    for s in archive.sections:
        targets.append((f"{s.name} — {config.title}", f"{s.name}: {config.description}", urls.section_path(s.slug),
                        urls.section_feed_path(s.slug, "feed"), urls.section_feed_path(s.slug, "atom"), list(s.keys)))
    for title, description, home, rss_path, atom_path, keys in targets:
        rss, atom = feeds.build_feeds(
            title=title, description=description, language=config.language,
            home_url=urls.absolute(home), rss_url=urls.absolute(rss_path), atom_url=urls.absolute(atom_path),
            articles=entries(keys), full_content=config.feeds.full_content,
        )
        yield rss_path, rss, f"feed {title!r}"
        yield atom_path, atom, f"feed {title!r}"


def build_site(site: Path, config: Config, problems: Problems, options: BuildOptions = BuildOptions()) -> BuildReport:
    started = time.perf_counter()
    report = BuildReport()
    urls = Urls.from_config(config, options.base_url)
    theme = find_theme(site, config.theme)
    env = environment(site, theme)
    archive = collect(site, config, problems, drafts=options.drafts, future=options.future, now=options.now,
                      cache=options.cache)

    renderer = PageRenderer(config, urls, env, archive, problems, options.cache)
    publisher = Publisher(site / config.output_dir)
    try:
        for out in renderer.all():
            publisher.add(urls.output_file(out.path).as_posix(), out.data, out.source)
            report.pages += 1
        template_failed = bool(renderer._failed)
        for path, data, source in _feeds(renderer, urls, config, archive):
            publisher.add(urls.output_file(path).as_posix(), data, source)

        # Sitemap: every HTML page but the 404, with the date of the newest article on it.
        newest = archive.newest_first[0].date.date().isoformat() if archive.articles else None
        entries = []
        if newest:
            entries.append((urls.absolute("/"), newest))
        for s in archive.sections:
            size = config.page_size
            for n in range(1, max(1, -(-len(s.keys) // size)) + 1):
                first = archive.articles[s.keys[(n - 1) * size]]
                entries.append((urls.absolute(urls.section_path(s.slug, n)), first.date.date().isoformat()))
        for a in archive.newest_first:
            entries.append((urls.absolute(renderer.article_path(a)), a.date.date().isoformat()))
        publisher.add("sitemap.xml", feeds.sitemap(entries), "sitemap")
        publisher.add("robots.txt", feeds.robots(urls.absolute("/sitemap.xml")), "robots.txt")

        # Static files: the site's own static/ overrides the theme's, which overrides its parent's.
        static: dict[str, Path] = {}
        for folder in theme.static_dirs(site):
            for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
                static[path.relative_to(folder).as_posix()] = path
        for rel, path in sorted(static.items()):
            publisher.add(rel, path.read_bytes(), f"static file {path}")

        if template_failed:
            publisher.abort()
            report.seconds = time.perf_counter() - started
            return report
        publisher.commit()
        report.published = True
        report.files = len(publisher.claims)
        report.written, report.reused = publisher.written, publisher.reused
    except SsgError as exc:
        problems.extend(exc.problems)
    except BaseException:
        publisher.abort()
        raise
    report.seconds = time.perf_counter() - started
    return report


def run(command: str, site: Path, args, problems: Problems) -> list[str]:
    config = load_config(site)
    lines = []
    report = import_seeds(site, config, problems, date=args.date, force=args.force, progress=args.quiet == 0)
    lines.append(report.summary())
    if command == "build":
        base_url = getattr(args, "base_url", None)
        if base_url is not None and not base_url.startswith(("http://", "https://")):
            raise SsgError([Problem("--base-url", None, f"must start with http:// or https://, got {base_url!r}")])
        options = BuildOptions(drafts=args.drafts, future=args.future, base_url=base_url)
        lines.append(build_site(site, config, problems, options).summary())
    return lines

"""Command line: parse arguments, call one function, map problems to exit codes."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from ssg import __version__
from ssg.problems import Problems, SsgError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class Console:
    """Where messages go: problems to stderr, the summary to stdout, -q / -v honoured."""

    def __init__(self, verbosity: int):
        self.verbosity = verbosity

    def info(self, message: str) -> None:
        if self.verbosity >= 0:
            print(message, flush=True)

    def debug(self, message: str) -> None:
        if self.verbosity > 0:
            print(message, flush=True)

    def problems(self, problems: Problems, site: Path | None = None) -> None:
        """Errors always; warnings (``path: warning: …``) and notes (``path: …``: what was done
        unasked, such as a draft left out) unless -q."""
        for p in problems.items:
            p = p.under(site) if site else p
            if p.severity == "error":
                print(f"{p}", file=sys.stderr)
            elif p.severity == "note":
                if self.verbosity >= 0:
                    print(f"{p}", file=sys.stderr)
            elif self.verbosity >= 0:
                where = f"{p.path}:{p.line}" if p.line else p.path
                print(f"{where}: warning: {p.message}", file=sys.stderr)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def _moment(value: str) -> dt.datetime:
    """An ISO 8601 date and time (``2027-01-01T09:00``, a date alone is its midnight); naive
    ones are in the site's time zone (applied by ``build.run``)."""
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DDTHH:MM, got {value!r}") from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {port}")
    return port


class _CommandParser(argparse.ArgumentParser):
    """The parser of one subcommand. argparse hands arguments a subcommand does not know up to
    the top-level parser, whose usage line (``usage: ssg [-h] [--version] COMMAND ...``) says
    nothing of the options that were meant: here the subcommand reports them itself, with its
    own usage (``usage: ssg build ...``, ``ssg build: error: unrecognized arguments: ...``)."""

    def parse_known_args(self, args=None, namespace=None):
        namespace, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras


def _parser() -> argparse.ArgumentParser:
    verbosity = argparse.ArgumentParser(add_help=False)
    verbosity.add_argument("-v", "--verbose", action="count", default=0, help="say more")
    verbosity.add_argument("-q", "--quiet", action="count", default=0, help="only errors")
    common = argparse.ArgumentParser(add_help=False, parents=[verbosity])
    common.add_argument("--site", type=Path, help="the site folder (default: nearest folder upward with site.toml)")

    parser = argparse.ArgumentParser(prog="ssg", description="A static site generator for news archives.")
    parser.add_argument("--version", action="version", version=f"ssg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)

    p = sub.add_parser("init", parents=[verbosity], help="create a new site in DIR")  # no --site: it makes one
    p.add_argument("dir", help="folder for the new site (created if missing)")
    _add_new(sub, common)
    _add_theme(sub, common)

    for name, helptext in (("import", "turn seeds/ into Markdown in content/"), ("build", "import, then render the site into public/")):
        p = sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("--date", type=_date, help="date for newly imported articles (YYYY-MM-DD)")
        p.add_argument("--force", action="store_true", help="overwrite content files edited by hand")
        if name == "build":
            p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
            p.add_argument("--future", action="store_true", help="include articles dated in the future")
            p.add_argument("--at", type=_moment, metavar="YYYY-MM-DDTHH:MM",
                           help="build the site as it will be at that moment (embargoes lifted, expiries "
                                "applied; in the site's time zone unless one is given)")
            p.add_argument("--base-url", help="override base_url of site.toml (may carry a path)")
            p.add_argument("--clean", action="store_true", help="ignore and rebuild the build cache; render everything")
            p.add_argument("--jobs", "-j", type=int, default=None, help="worker processes (default: all cores)")
            p.add_argument("--keep-going", action="store_true",
                           help="publish the site without the seeds and articles that have errors "
                                "(default: any error leaves the output folder as it was)")
            p.add_argument("--replace-output", action="store_true",
                           help="build into an output folder that ssg did not make, deleting what it holds "
                                "(it is listed first)")
    p = sub.add_parser("serve", parents=[common], help="build, serve locally and reload the browser on every change")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, loopback only)")
    p.add_argument("--port", type=_port, default=8000, help="port, 1 to 65535 (default 8000)")
    p.add_argument("--no-reload", dest="reload", action="store_false", help="no live reload script")
    p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
    p.add_argument("--future", action="store_true", help="include articles dated in the future")
    p = sub.add_parser("check", parents=[common], help="check the built site: links, fragments, feeds, sitemaps, canonicals")
    p.add_argument("--dir", type=Path, help="check this folder instead of a site's output (no site.toml needed)")
    p.add_argument("--base-url", help="the URL the site is served at (default: base_url of site.toml; "
                                      "with --dir: the home page's canonical URL)")
    p = sub.add_parser("schedule", parents=[common], help="print the next moments the site changes by itself "
                                                           "(embargoes lifted, expiries), for cron or CI")
    p.add_argument("--at", type=_moment, metavar="YYYY-MM-DDTHH:MM", help="list what comes after this moment "
                                                                          "(default: now)")
    p = sub.add_parser("deploy", parents=[common], help="check, then send the built site to a [deploy.NAME] target")
    p.add_argument("target", nargs="?", help="the target's NAME (default: the one with default = true, or the only one)")
    p.add_argument("--dry-run", "-n", action="store_true", help="print the plan (uploads, deletions, unchanged); change nothing")
    p.add_argument("--force", action="store_true", help="deploy even if `ssg check` fails or more than max_deletes files would go")
    p.add_argument("--base-url", help="the URL the site was built for, for the check (default: base_url of site.toml)")
    return parser


def _add_new(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("new", parents=[common], help="write a new article's content file, ready to edit",
                       description="Write content/<section>/<slug>.md with its front matter and a placeholder "
                                   "paragraph, and print its path. Never overwrites a file.")
    p.add_argument("headline", help="the article's title, exactly as the page shows it")
    p.add_argument("--section", required=True, help="its section, e.g. Politics (folder: content/politics/)")
    p.add_argument("--tags", action="append", default=[], metavar="A,B",
                   help='tags, separated by commas: "Transport, Local government"')
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="one tag (repeatable)")
    p.add_argument("--author", action="append", default=[], metavar="NAME", help="an author (repeatable)")
    p.add_argument("--date", type=_date, metavar="YYYY-MM-DD",
                   help="its date, at midnight in the site's time zone (default: now)")
    p.add_argument("--slug", help="its URL's last part (default: from the headline; -2, -3... when taken)")
    p.add_argument("--draft", action="store_true", help="draft: true (left out of the site unless --drafts)")


def _add_theme(sub, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("theme", help="work with themes: `ssg theme copy` to edit the built-in one")
    actions = p.add_subparsers(dest="theme_command", metavar="ACTION", required=True)
    p = actions.add_parser("copy", parents=[common], help="copy the built-in theme into the site, to edit it",
                           description="Copy the built-in theme's templates/, static/ and theme.toml into the "
                                       "site. A site's own themes/NAME is found before the built-in theme of "
                                       "that name. Never overwrites a folder.")
    p.add_argument("--to", metavar="themes/NAME", help="where, relative to the site (default: themes/default, "
                                                       "used at once with no change to site.toml)")


def entry() -> None:
    """The `ssg` command: ``main``, then exit at once. Python would otherwise free every object
    of the build one by one before exiting, which costs more than a small rebuild's own work."""
    import os

    try:
        code = main(exiting=True)
    except SystemExit as exc:  # argparse: --help, usage errors
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # as Python itself does: the message to stderr, status 1
            print(exc.code, file=sys.stderr)
            code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None, *, exiting: bool = False) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE
    console = Console(args.verbose - args.quiet)
    try:
        if args.command == "init":
            from ssg.scaffold import init_site, next_steps

            created = init_site(Path(args.dir))
            for line in [f"created a new site in {created}", *next_steps(args.dir, created, Path.cwd())]:
                console.info(line)
            return EXIT_OK
        if args.command == "check" and args.dir is not None:  # any folder, no site needed
            from ssg.check import run_dir

            return _finish(console, run_dir(args, problems := Problems()), problems, None)
        site = _site(args)
        if args.command in ("check", "deploy", "schedule"):
            from importlib import import_module

            problems = Problems()
            lines = import_module(f".{args.command}", __package__).run(site, args, problems, say=console.info)
            return _finish(console, lines, problems, site)
        if args.command == "new":
            return _new(console, site, args)
        if args.command == "theme":
            return _theme_copy(console, site, args)
        if args.command == "serve":
            from ssg.serve.server import serve

            return serve(site, args.host, args.port, reload=args.reload, drafts=args.drafts, future=args.future)
        from ssg.build.driver import run

        problems = Problems()
        lines = run(args.command, site, args, problems, exiting=exiting)
        console.problems(problems, site)
        for line in lines:
            console.info(line)
        return EXIT_PROBLEMS if problems.errors else EXIT_OK
    except SsgError as exc:
        for p in exc.problems:
            print(p, file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def _finish(console: Console, lines: list[str], problems: Problems, site: Path | None) -> int:
    console.problems(problems, site)
    for line in lines:
        console.info(line)
    return EXIT_PROBLEMS if problems.errors else EXIT_OK


def _new(console: Console, site: Path, args) -> int:
    from ssg.content.new import NewArticle, create_article, split_names

    request = NewArticle(args.headline, args.section, split_names(args.tags, args.tag), split_names([], args.author),
                         args.date, args.slug, args.draft)
    problems = Problems()
    path = create_article(site, request, problems)
    return _finish(console, [_shown(path)], problems, site)


def _theme_copy(console: Console, site: Path, args) -> int:
    from ssg.render.copy_theme import copy_theme

    copied = copy_theme(site, args.to)
    console.info(f"copied the {copied.name} theme ({copied.files} files) to {copied.destination}: "
                 "edit its templates/ and static/; ssg serve shows each change")
    if copied.site_toml_line:
        console.info(f"to use it, put this line in site.toml: {copied.site_toml_line}")
    return EXIT_OK


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    cwd = Path.cwd().resolve()
    return path.relative_to(cwd).as_posix() if path.is_relative_to(cwd) else str(path)


def _site(args) -> Path:
    from ssg.config import CONFIG_NAME, find_site
    from ssg.problems import Problem

    if args.site is not None:
        if not (args.site / CONFIG_NAME).is_file():
            raise SsgError([Problem(str(args.site), None, f"no {CONFIG_NAME} here")])
        return args.site.resolve()
    found = find_site(Path.cwd())
    if found is None:
        raise SsgError([Problem(".", None, f"no {CONFIG_NAME} in this folder or any above it (try `ssg init DIR`)")])
    return found


if __name__ == "__main__":
    sys.exit(main())

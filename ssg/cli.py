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
        for p in problems.items:
            p = p.under(site) if site else p
            if p.severity == "error":
                print(f"{p}", file=sys.stderr)
            elif self.verbosity >= 0:
                where = f"{p.path}:{p.line}" if p.line else p.path
                print(f"{where}: warning: {p.message}", file=sys.stderr)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is a number from 1 to 65535, got {port}")
    return port


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--site", type=Path, help="the site folder (default: nearest folder upward with site.toml)")
    common.add_argument("-v", "--verbose", action="count", default=0, help="say more")
    common.add_argument("-q", "--quiet", action="count", default=0, help="only errors")

    parser = argparse.ArgumentParser(prog="ssg", description="A static site generator for news archives.")
    parser.add_argument("--version", action="version", version=f"ssg {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", parents=[common], help="create a new site in DIR")
    p.add_argument("dir", type=Path, help="folder for the new site (created if missing)")

    for name, helptext in (("import", "turn seeds/ into Markdown in content/"), ("build", "import, then render the site into public/")):
        p = sub.add_parser(name, parents=[common], help=helptext)
        p.add_argument("--date", type=_date, help="date for newly imported articles (YYYY-MM-DD)")
        p.add_argument("--force", action="store_true", help="overwrite content files edited by hand")
        if name == "build":
            p.add_argument("--drafts", action="store_true", help="include articles with draft: true")
            p.add_argument("--future", action="store_true", help="include articles dated in the future")
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
    p = sub.add_parser("deploy", parents=[common], help="check, then send the built site to a [deploy.NAME] target")
    p.add_argument("target", nargs="?", help="the target's NAME (default: the one with default = true, or the only one)")
    p.add_argument("--dry-run", "-n", action="store_true", help="print the plan (uploads, deletions, unchanged); change nothing")
    p.add_argument("--force", action="store_true", help="deploy even if `ssg check` fails or more than max_deletes files would go")
    p.add_argument("--base-url", help="the URL the site was built for, for the check (default: base_url of site.toml)")
    return parser


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
            from ssg.scaffold import init_site

            created = init_site(args.dir)
            console.info(f"created a new site in {created}")
            return EXIT_OK
        if args.command == "check" and args.dir is not None:  # any folder, no site needed
            from ssg.check import run_dir

            return _finish(console, run_dir(args, problems := Problems()), problems, None)
        site = _site(args)
        if args.command in ("check", "deploy"):
            from importlib import import_module

            problems = Problems()
            lines = import_module(f".{args.command}", __package__).run(site, args, problems, say=console.info)
            return _finish(console, lines, problems, site)
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

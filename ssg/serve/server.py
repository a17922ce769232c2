"""``ssg serve``: build, serve, watch, rebuild, and reload every open browser tab.

Built on the livereload package, whose websocket handler and livereload.js talk to the
browser. Its own file watching polls and ignores changes within 3 s of the last reload, so we
keep only its browser side: changes come from watchdog (inotify on Linux), a burst of them is
debounced into one rebuild that runs off the event loop, and the reload is sent only once the
rebuild has been published. A failed rebuild keeps the last good site served and shows the
errors in the page; fixing the file recovers with another reload.

The site is built into ``.ssg/serve/`` (never into public/), with the same base_url, and
served under that URL's path, by a build process of its own kept warm between rebuilds
(``worker.py``: this process runs threads and must not fork). Pages are published and the
browser reloaded first; the search index catches up in the background, and the search page
says so meanwhile. The reload script is injected here, per response, so built output never
contains it.

It answers only to the names it listens on: a request whose ``Host`` is another name gets 403
(a web page elsewhere cannot rebind a name of its own to 127.0.0.1 and read the preview), and
the reload socket refuses pages of other origins. Nothing of a request is copied into a page.
"""

from __future__ import annotations

import html
import ipaddress
import mimetypes
import os
import socket
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import unquote, urlsplit

from livereload.handlers import LiveReloadHandler, LiveReloadJSHandler
from tornado import ioloop, web
from tornado.httpserver import HTTPServer

from ssg.serve.worker import SERVE_DIR, Builder
from ssg.config import CONFIG_NAME
from ssg.problems import Problem
DEBOUNCE = 0.06  # seconds of quiet before a rebuild starts
WATCHED = ("seeds", "content", "themes", "templates", "static")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class Hosts:
    """The ``Host`` values (and WebSocket ``Origin`` hosts) the preview answers to: the address
    it listens on and the loopback names, with its port. Listening on every interface
    (``0.0.0.0``, ``::``), any IP address with its port too: a name that only DNS resolves
    is what a rebinding attack uses, and an address is not one."""

    LOOPBACK = ("localhost", "127.0.0.1", "::1")

    def __init__(self, listen: str, port: int):
        self.port = port
        self.names = {self._bare(name) for name in (listen, *self.LOOPBACK)}
        try:
            self.any_address = ipaddress.ip_address(listen).is_unspecified
        except ValueError:
            self.any_address = False

    @staticmethod
    def _bare(host: str) -> str:
        return host.strip("[]").lower()

    def allowed(self, value: str | None) -> bool:
        """Whether ``value`` (``host:port``, ``[v6]:port``) names this server."""
        if not value:
            return False
        value = value.strip().lower()
        if value.startswith("["):
            host, _, rest = value[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ("" if not rest else None)
        else:
            host, sep, port = value.rpartition(":") if ":" in value else (value, "", "")
            if ":" in host:  # an IPv6 address must come in brackets
                return False
        if port is None or (port != str(self.port) and not (port == "" and self.port == 80)):
            return False
        if host in self.names:
            return True
        if self.any_address:
            try:
                ipaddress.ip_address(host)
                return True
            except ValueError:
                return False
        return False

    def origin_allowed(self, origin: str | None) -> bool:
        if not origin:
            return False
        parts = urlsplit(origin)
        return parts.scheme == "http" and self.allowed(parts.netloc)


class _Guarded:
    """A handler that answers 403 to a request for a name the preview does not listen on."""

    def prepare(self):
        hosts = self.application.settings["hosts"]
        if hosts is not None and not hosts.allowed(self.request.headers.get("Host")):
            self.set_status(403)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(b"403 forbidden: this preview answers only to the address it listens on\n")


class ReloadSocket(_Guarded, LiveReloadHandler):
    def check_origin(self, origin):
        hosts = self.application.settings["hosts"]
        return hosts is None or hosts.origin_allowed(origin)


class ReloadScript(_Guarded, LiveReloadJSHandler):
    pass


class State:
    """What the request handlers read; replaced whole after each build, on the loop thread."""

    def __init__(self, root: Path):
        self.root = root
        self.base_path = "/"
        self.errors: list[Problem] = []
        self.built = False
        self.generation = 0
        self.search_pending = False  # the search index is catching up with the last build


class Preview:
    def __init__(self, site: Path, *, drafts: bool = False, future: bool = False, reload: bool = True, log=print):
        self.site = site
        self.drafts, self.future, self.reload = drafts, future, reload
        self.log = log
        self.state = State(site / SERVE_DIR)
        self.builder: Builder | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ssg-build")
        self._loop: ioloop.IOLoop | None = None
        self._timer = None
        self._building = False
        self._dirty = False
        self._import_due = True  # seeds or site.toml changed since the last import (or none yet)
        # The content files the watcher saw change since the last build started (paths below
        # content/); None when it cannot say file by file (a folder moved or removed).
        self._touched: set[str] | None = None
        self._first_change = 0.0
        self.port = 80  # the port it serves on, for the reload script (set by ``application``)
        from livereload.watcher import Watcher

        # livereload's handler logs its watcher's last path when it reloads; ours lives elsewhere.
        LiveReloadHandler.watcher = Watcher()

    # --- building ----------------------------------------------------------------------
    def build_once(self, do_import: bool = True, touched: list[str] | None = None) -> tuple[list[Problem], str, str, bool]:
        """Import (when seeds may have changed) and build into the serve folder, in the build
        process (``touched``: the only content files that changed, when the watcher knows).
        Runs on the build thread."""
        if self.builder is None:
            self.builder = Builder(self.site, drafts=self.drafts, future=self.future, on_search=self._search_note)
        return self.builder.build(do_import, touched)

    def _search_note(self, note: str) -> None:
        """From the build process's reader thread: the search index caught up (or failed to)."""
        if self._loop is not None:
            self._loop.add_callback(self._search_done, note)

    def _search_done(self, note: str) -> None:
        self.state.search_pending = False
        self.log(note)

    def _finished(self, reported: list[Problem], base_path: str, summary: str, search_pending: bool = False) -> None:
        """``reported``: the build's errors (logged and shown over every page) and notes (logged
        as they are: an article left out)."""
        state = self.state
        reported = [p.under(self.site) for p in reported]
        state.errors = [p for p in reported if p.severity == "error"]
        state.base_path = base_path
        state.search_pending = search_pending
        state.built = state.built or (state.root / "index.html").exists() or (state.root / "404.html").exists()
        state.generation += 1
        for p in reported:
            self.log(f"error: {p}" if p.severity == "error" else str(p))
        self.log(summary)
        self._building = False
        if self.reload:
            # Straight to the browsers: no 3-second guard, the rebuild has already finished.
            LiveReloadHandler.reload_waiters("*")
        if self._dirty:
            self._dirty = False
            self._schedule()

    def _start_build(self) -> None:
        self._timer = None
        if self._building:
            self._dirty = True
            return
        self._building = True
        loop = self._loop
        do_import, self._import_due = self._import_due, False
        touched, self._touched = self._touched, set()
        touched = None if do_import or touched is None else sorted(touched)

        def work():
            result = self.build_once(do_import, touched)
            loop.add_callback(self._finished, *result)

        self._executor.submit(work)

    def _schedule(self) -> None:
        """Debounce: wait for DEBOUNCE s of quiet, but never more than 1 s after the first change."""
        now = time.monotonic()
        if self._timer is None:
            self._first_change = now
        else:
            self._loop.remove_timeout(self._timer)
        delay = min(DEBOUNCE, max(0.0, self._first_change + 1.0 - now))
        self._timer = self._loop.call_later(delay, self._start_build)

    def changed(self, path: str, what: str = "file") -> None:
        """Called from the watcher thread. ``what`` changed: a "file", a "folder" (created,
        deleted or moved), or what a folder "listed" (its files' own events tell which)."""
        self._loop.add_callback(self._changed, path, what)

    def _changed(self, path: str, what: str = "file") -> None:
        try:
            parts = Path(path).relative_to(self.site).parts
        except ValueError:
            parts = ()
        first = parts[0] if parts else ""
        if first in ("seeds", CONFIG_NAME):  # (a content or theme edit needs no import)
            self._import_due = True
        if first == "content" and self._touched is not None and what != "listed":
            if what != "file" or len(parts) < 2:
                self._touched = None
            else:
                self._touched.add("/".join(parts[1:]))
        self._schedule()

    # --- watching ------------------------------------------------------------------------
    def _relevant(self, path: str) -> bool:
        try:
            rel = Path(path).relative_to(self.site)
        except ValueError:
            return False
        parts = rel.parts
        if not parts:
            return False
        if len(parts) == 1:
            return parts[0] == CONFIG_NAME
        name = parts[-1]
        if name.startswith(".") or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913":
            return False  # editor and atomic-write temporaries
        return parts[0] in WATCHED

    def start_watching(self):
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer

        preview = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event):
                if event.event_type in ("opened", "closed_no_write"):
                    return
                path = Path(os.fsdecode(event.src_path))
                if event.is_directory and event.event_type == "created" and path.parent == preview.site and path.name in WATCHED:
                    # A watched folder that did not exist at start (say, templates/): watch it now.
                    observer.schedule(handler, str(path), recursive=True)
                    preview.changed(str(path), "folder")
                    return
                # A folder's "modified" comes with the events of the files changed in it: it
                # says nothing more. A folder created, deleted or moved: its files are unknown.
                what = ("listed" if event.event_type == "modified" else "folder") if event.is_directory else "file"
                for path in (event.src_path, getattr(event, "dest_path", "")):  # a move: both
                    if path and preview._relevant(os.fsdecode(path)):
                        preview.changed(os.fsdecode(path), what)

        observer = Observer()
        handler = Handler()
        observer.schedule(handler, str(self.site), recursive=False)
        for name in WATCHED:
            if (self.site / name).is_dir():
                observer.schedule(handler, str(self.site / name), recursive=True)
        observer.daemon = True
        observer.start()
        return observer

    # --- serving -------------------------------------------------------------------------
    def application(self, hosts: Hosts | None = None) -> web.Application:
        """``hosts``: the names to answer to (None: any, for tests that call handlers directly)."""
        if hosts is not None:
            self.port = hosts.port
        handlers = []
        if self.reload:
            handlers += [(r"/livereload", ReloadSocket), (r"/livereload\.js", ReloadScript)]
        handlers.append((r"/__ssg/search-status", SearchStatus, {"preview": self}))
        handlers.append((r"/.*", SiteHandler, {"preview": self}))
        return web.Application(handlers, compress_response=False, hosts=hosts)

    def serve(self, host: str, port: int) -> None:
        self._loop = ioloop.IOLoop.current()
        if not is_loopback(host):
            self.log(f"warning: listening on {host}: the preview is reachable from other machines")
        sockets = bind(host, port)  # first: a port in use is said before a long build
        actual = sockets[0].getsockname()[1]
        # Watch before the first build, so that no change made from now on can be missed.
        observer = self.start_watching()
        self.log("building…")
        # From now on every change is seen: the next build imports only if seeds change, and is
        # told which content files did (this first one imports, and walks content/).
        self._touched, self._import_due = set(), False
        self._finished(*self.build_once())
        server = HTTPServer(self.application(Hosts(host, actual)))
        server.add_sockets(sockets)
        shown = f"[{host}]" if ":" in host else host
        self.log(f"serving http://{shown}:{actual}{self.state.base_path} (Ctrl-C to stop)")
        try:
            self._loop.start()
        finally:
            observer.stop()
            self._executor.shutdown(wait=True, cancel_futures=True)
            if self.builder is not None:
                self.builder.close()


def bind(host: str, port: int):
    from tornado.netutil import bind_sockets

    return bind_sockets(port, address=host, family=socket.AF_INET6 if ":" in host else socket.AF_INET)


_RELOAD_SCRIPT = '<script src="/livereload.js?port={port}&amp;mindelay=50&amp;maxdelay=1000"></script>'
_OVERLAY = (
    '<div id="ssg-error-overlay" role="alert" style="position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;'
    "z-index:2147483647;background:#2b0000;color:#fff;font:14px/1.5 monospace;padding:1rem 1.25rem;"
    'border-top:4px solid #ff4d4d;white-space:pre-wrap"><strong>ssg: the last rebuild failed; '
    "showing the last good site.</strong>\n{items}</div>"
)


class SearchStatus(_Guarded, web.RequestHandler):
    """Whether the search index is still catching up (the notice on the search page asks)."""

    def initialize(self, preview):
        self.preview = preview

    def get(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(b"pending" if self.preview.state.search_pending else b"ready")


# Shown on the search page while its index is being brought up to date; the page reloads itself
# once it is.
_SEARCH_NOTICE = (
    '<div id="ssg-search-notice" role="status" style="position:fixed;inset:0 0 auto 0;z-index:2147483646;'
    'background:#fff3c4;color:#222;font:14px/1.5 sans-serif;padding:.5rem 1rem;border-bottom:2px solid #c9a400">'
    "The search index is catching up with your last change: results may miss it for a few seconds.</div>"
    "<script>(function poll(){setTimeout(function(){fetch('/__ssg/search-status',{cache:'no-store'})"
    ".then(function(r){return r.text()}).then(function(t){t==='ready'?location.reload():poll()},poll)},500)})()</script>"
)


class SiteHandler(_Guarded, web.RequestHandler):
    """Serves the built folder: no listings, nothing outside it, the site's 404 page."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def compute_etag(self):
        return None

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")

    def head(self):
        return self.get(head=True)

    def get(self, head: bool = False):
        state = self.preview.state
        raw = urlsplit(self.request.uri).path
        target = self._resolve(raw, state)
        if target is None:
            self._send_404(state, head)
        elif target[0] == "redirect":
            self.redirect(target[1], permanent=False)
        else:
            self._send(target[1], 200, head)

    def _resolve(self, raw: str, state: State) -> tuple[str, str] | None:
        """("file", path), ("redirect", url), or None for a 404."""
        base = state.base_path
        lowered = raw.lower()
        # Encoded separators and NULs never name a file here.
        if "%2f" in lowered or "%5c" in lowered or "%00" in lowered or "\\" in raw:
            return None
        path = unquote(raw)
        if path in ("", "/") and base != "/":
            return ("redirect", base)
        if not (path + "/").startswith(base) and path != base.rstrip("/"):
            return None
        rel = path[len(base):] if path.startswith(base) else ""
        parts = [p for p in rel.split("/") if p]
        if any(p in (".", "..") or "\x00" in p for p in parts):
            return None
        root = os.path.realpath(state.root)
        candidate = os.path.join(root, *parts)
        real = os.path.realpath(candidate)
        if real != root and not real.startswith(root + os.sep):
            return None  # a symlink pointing out of the site
        if os.path.isdir(real):
            if not path.endswith("/"):
                return ("redirect", path + "/")
            real = os.path.join(real, "index.html")
            if not os.path.isfile(real):
                return None  # no directory listings
        if not os.path.isfile(real):
            return None
        return ("file", real)

    def _send_404(self, state: State, head: bool):
        page = os.path.join(os.path.realpath(state.root), "404.html")
        if os.path.isfile(page):
            self._send(page, 404, head)
        else:
            self.set_status(404)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish(b"" if head else b"404 not found\n")

    def _send(self, path: str, status: int, head: bool):
        with open(path, "rb") as fh:
            data = fh.read()
        ctype, encoding = mimetypes.guess_type(path)
        if path.endswith(".xml"):
            ctype = "application/xml"
        ctype = ctype or "application/octet-stream"
        if ctype.startswith("text/") or ctype in ("application/xml", "application/javascript", "application/json"):
            ctype += "; charset=utf-8"
        if ctype.startswith("text/html"):
            data = self._inject(data)
        self.set_status(status)
        self.set_header("Content-Type", ctype)
        self.set_header("Content-Length", str(len(data)))
        self.finish(b"" if head else data)

    def _inject(self, data: bytes) -> bytes:
        extra = b""
        state = self.preview.state
        if self.preview.reload:
            # The port the server listens on, never anything the request said.
            extra += _RELOAD_SCRIPT.format(port=int(self.preview.port)).encode()
        if state.errors:
            items = "\n".join(html.escape(str(p)) for p in state.errors)
            extra += _OVERLAY.format(items=items).encode("utf-8")
        if state.search_pending and urlsplit(self.request.uri).path.rstrip("/") == state.base_path + "search":
            extra += _SEARCH_NOTICE.encode()
        if not extra:
            return data
        index = data.rfind(b"</body>")
        if index == -1:
            return data + extra
        return data[:index] + extra + data[index:]


def serve(site: Path, host: str = "127.0.0.1", port: int = 8000, reload: bool = True, drafts: bool = False, future: bool = False) -> int:
    def log(message: str) -> None:
        print(message, file=sys.stderr if message.startswith(("error", "warning")) else sys.stdout, flush=True)

    import logging

    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # no line per request
    preview = Preview(site, drafts=drafts, future=future, reload=reload, log=log)
    try:
        preview.serve(host, port)
    except OSError as exc:
        import errno

        if exc.errno == errno.EADDRINUSE:
            print(f"{host}:{port}: port {port} is in use (another `ssg serve`?): choose another with --port",
                  file=sys.stderr)
        else:
            print(f"{host}:{port}: cannot listen: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0

"""``ssg serve``'s builds, in a process of their own.

The preview server runs a web server, a file watcher and a build thread: a process with
threads, which must never fork (a forked child may inherit a lock some other thread held, and
hang). Builds fork (``parallel.py``), so they run in a separate process started once with
``spawn`` (a fresh interpreter, no inherited threads) and kept for the whole session: each
rebuild pays neither Python's start-up nor the imports, and the operating system keeps the
build state's pages in memory between them.

The search index follows the pages: a build publishes the pages at once (the browser reloads),
and the parts of the index that changed are made afterwards by Pagefind in the background,
while the next edit may already be building (``search_later``); when they are published the
server is told (``Builder.on_search``).
"""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

from ssg.problems import Problem

SERVE_DIR = Path(".ssg") / "serve"  # where `ssg serve` builds (never into the output folder)


class Builder:
    """The build process, seen from the server. ``build()`` blocks until the pages are
    published; ``on_search(summary)`` is called (from a reader thread) when the search index
    caught up."""

    def __init__(self, site: Path, *, drafts: bool, future: bool, on_search=None):
        self.site, self.drafts, self.future, self.on_search = site, drafts, future, on_search
        self._replies: list = []
        self._ready = threading.Condition()
        self._lock = threading.Lock()  # one request at a time
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_serve, args=(child, self.site, self.drafts, self.future), daemon=True,
                                name="ssg-build")
        self.proc.start()
        child.close()
        self.reader = threading.Thread(target=self._read, args=(self.conn,), daemon=True, name="ssg-build-reader")
        self.reader.start()

    def _read(self, conn) -> None:
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = ("died",)
            if message[0] == "searched":
                if self.on_search is not None:
                    self.on_search(*message[1:])
                continue
            with self._ready:
                self._replies.append(message)
                self._ready.notify_all()
            if message[0] == "died":
                return

    def build(self, do_import: bool = True, touched: list[str] | None = None) -> tuple[list[Problem], str, str, bool]:
        """(errors and notes, base path, summary, search pending) of one import (``do_import``) and build
        (``touched``: see ``PreviewBuild.build``)."""
        with self._lock:
            for attempt in (1, 2):
                try:
                    self.conn.send(("build", do_import or attempt == 2, touched if attempt == 1 else None))
                except (BrokenPipeError, OSError):
                    reply = ("died",)
                else:
                    reply = self._wait()
                if reply[0] == "built":
                    return reply[1], reply[2], reply[3], reply[4]
                self._restart()  # the build process died (killed, out of memory): a new one
            return [Problem("ssg", None, "the build process died twice in a row")], "/", "build failed", False

    def _wait(self):
        with self._ready:
            while not self._replies:
                self._ready.wait()
            return self._replies.pop(0)

    def _restart(self) -> None:
        self.close()
        self._replies = []
        self._start()

    def close(self) -> None:
        try:
            self.conn.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def _serve(conn, site: Path, drafts: bool, future: bool) -> None:
    """The build process: answers each request with one build, then makes what the search
    index lacks while waiting for the next."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the server's: it closes us
    from ssg.serve.preview import PreviewBuild  # the imports, once

    work = PreviewBuild(site, drafts=drafts, future=future)
    while True:
        if not conn.poll(work.poll_interval()):
            note = work.search_step()
            if note is not None:
                conn.send(("searched", note))
            continue
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        if request is None:
            work.close()
            return
        errors, base_path, summary = work.build(request[1], request[2])
        conn.send(("built", errors, base_path, summary, work.search_pending))

"""The one way work is spread over processes: ``fan_out(fn, chunks, jobs)``, and
``Background(fn)`` for one piece of work done on another core while the caller goes on.

Every phase that fans out (parsing content, scoring related stories, rendering outputs) calls
this. Workers are forked from the calling process, so ``fn`` may be any callable, a closure
over the phase's own values included: nothing goes through module globals, and nothing but
the chunk's index crosses to a worker. What ``fn`` returns comes back pickled, in chunk order.

Forking is only safe from a process with one thread: ``ssg serve`` builds in a process of its
own (``serve.worker``), never in the one running its web server and file watcher. An exception
in a worker is raised in the caller (after the other workers are stopped); so is Ctrl-C.
"""

from __future__ import annotations

import gc
import os
import pickle
import select
import signal
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

_HEADER = struct.Struct("!Q")


def fan_out(fn: Callable[[T], R], chunks: Sequence[T], jobs: int) -> Iterator[R]:
    """``fn(chunk)`` for every chunk, over up to ``jobs`` forked processes (in this process when
    ``jobs`` is 1, when there is one chunk, or where there is no fork); results in chunk order."""
    workers = min(jobs, len(chunks))
    if workers <= 1 or not hasattr(os, "fork") or threading.active_count() > 1:
        for chunk in chunks:
            yield fn(chunk)
        return
    yield from _Pool(fn, chunks, workers).results()


def chunked(items: Sequence[T], jobs: int, smallest: int, largest: int) -> list[Sequence[T]]:
    """``items`` cut into chunks of ``smallest`` to ``largest`` items, about four a worker, so
    that a slow chunk does not leave the other workers idle at the end."""
    size = max(smallest, min(largest, len(items) // (max(jobs, 1) * 4) + 1))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _send(fd: int, data: bytes) -> None:
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view):]


def _receive(fd: int) -> bytes | None:
    """One message, or None when the other end closed (a worker that died)."""
    head = _read(fd, _HEADER.size)
    if head is None:
        return None
    (size,) = _HEADER.unpack(head)
    return _read(fd, size)


def _read(fd: int, size: int) -> bytes | None:
    parts, left = [], size
    while left:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            return None
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


# A worker whose own memory (pages it allocated, and the parent's pages it touched and so
# copied) passes this after a chunk leaves, and a fresh one is forked in its place: a worker
# going through every output of a large archive would otherwise end up holding a copy of most
# of the parent's memory (counting references writes to every object it reads).
RECYCLE_BYTES = 160 << 20


def _private_bytes() -> int:
    """This process's private memory (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/smaps_rollup", "rb") as fh:
            total = 0
            for line in fh:
                if line.startswith((b"Private_Clean:", b"Private_Dirty:")):
                    total += int(line.split()[1]) * 1024
            return total
    except (OSError, ValueError):
        return 0


class _Pool:
    """Forked workers, each asking for the next chunk when done: the parent hands out chunk
    indices over a pipe per worker and reads the pickled results from another. A worker that
    grew past ``RECYCLE_BYTES`` says so with its result and leaves; another is forked."""

    def __init__(self, fn, chunks, workers: int):
        self.fn, self.chunks = fn, chunks
        self.pids: list[int] = []
        self.pid_of: dict[int, int] = {}  # result fd -> worker pid
        self.tasks: dict[int, int] = {}  # result fd -> task fd
        self.busy: dict[int, int] = {}  # result fd -> chunk index being worked on
        # The children then neither walk nor copy (on write) the parent's objects; the build
        # unfreezes them once it is done.
        gc.freeze()
        try:
            for _ in range(workers):
                self._start()
        except BaseException:
            self._stop()
            raise

    def _start(self) -> int:
        task_r, task_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            os.close(task_w)
            os.close(result_r)
            for fd, task in self.tasks.items():  # the other workers' pipes are not its own
                os.close(fd)
                os.close(task)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            self._work(task_r, result_w)
        os.close(task_r)
        os.close(result_w)
        self.pids.append(pid)
        self.pid_of[result_r] = pid
        self.tasks[result_r] = task_w
        return result_r

    def _reap(self, fd: int) -> None:
        """A worker that left after its last result: its pipes closed, it reaped."""
        for each in (fd, self.tasks.pop(fd)):
            os.close(each)
        pid = self.pid_of.pop(fd)
        self.pids.remove(pid)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass

    def _work(self, task_fd: int, result_fd: int) -> None:
        status = 0
        try:
            while (message := _receive(task_fd)) is not None:
                index = int(message)
                try:
                    reply = (True, self.fn(self.chunks[index]))
                except BaseException as exc:  # noqa: BLE001 - any failure is raised in the parent
                    reply = (False, exc)
                leaving = _private_bytes() > RECYCLE_BYTES
                try:
                    data = pickle.dumps(reply + (leaving,), protocol=pickle.HIGHEST_PROTOCOL)
                except Exception as exc:  # noqa: BLE001 - an exception that cannot be pickled
                    data = pickle.dumps((False, RuntimeError(f"{type(exc).__name__}: {exc}"), leaving))
                _send(result_fd, data)
                if leaving:
                    break
        except BaseException:  # noqa: BLE001
            status = 1
        finally:
            os._exit(status)  # never the parent's clean-up (atexit, open files, SQLite)

    def results(self) -> Iterator:
        done: dict[int, object] = {}
        following = 0  # the next index to hand out
        wanted = 0  # the next index to yield
        try:
            for fd in list(self.tasks):
                if following < len(self.chunks):
                    self._hand_out(fd, following)
                    following += 1
            while wanted < len(self.chunks):
                while wanted in done:
                    yield done.pop(wanted)
                    wanted += 1
                if wanted >= len(self.chunks):
                    break
                ready, _, _ = select.select(list(self.busy), [], [])
                for fd in ready:
                    data = _receive(fd)
                    if data is None:
                        raise RuntimeError("a worker process died")
                    ok, value, leaving = pickle.loads(data)
                    if not ok:
                        raise value
                    done[self.busy.pop(fd)] = value
                    if leaving:  # another in its place, while there is work left
                        self._reap(fd)
                        fd = self._start() if following < len(self.chunks) else None
                    if fd is not None and following < len(self.chunks):
                        self._hand_out(fd, following)
                        following += 1
        finally:
            self._stop()

    def _hand_out(self, fd: int, index: int) -> None:
        self.busy[fd] = index
        _send(self.tasks[fd], str(index).encode())

    def _stop(self) -> None:
        for fd, task in self.tasks.items():
            for each in (fd, task):
                try:
                    os.close(each)
                except OSError:
                    pass
        self.tasks = {}
        for pid in self.pids:
            try:
                if self.busy:  # stopped early (an error, Ctrl-C): the others' work is not wanted
                    os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)  # else a closed task pipe ends each worker
            except (ChildProcessError, ProcessLookupError):
                pass
        self.pids = []
        self.busy = {}


class Background:
    """``fn()`` computed in a forked child, on another core, while the caller goes on;
    ``result()`` waits for it. Where no child can be forked (or it fails, or ``enabled`` is
    false), ``fn`` runs in the caller when its result is first asked for."""

    def __init__(self, fn: Callable[[], R], enabled: bool = True):
        self.fn = fn
        self.pid = self.fd = None
        self._done = False
        self._value = None
        if not enabled or not hasattr(os, "fork") or threading.active_count() > 1:
            return
        read, write = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(read)
            os.close(write)
            return
        if pid == 0:  # the child: compute, answer, leave without running any clean-up of the parent's
            status = 1
            try:
                os.close(read)
                _send(write, pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL))
                status = 0
            finally:
                os._exit(status)
        os.close(write)
        self.pid, self.fd = pid, read

    def result(self) -> R:
        if not self._done:
            data = None
            if self.fd is not None:
                data = _receive(self.fd)
                self.close()
            self._value = pickle.loads(data) if data is not None else self.fn()
            self._done = True
        return self._value

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)  # its pipe is closed: a child still writing gets EPIPE and ends
            except ChildProcessError:
                pass
            self.pid = None

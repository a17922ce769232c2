"""ssg/parallel.py: the one way work is spread over processes."""

from __future__ import annotations

import os
import threading

import pytest

from ssg.parallel import Background, chunked, fan_out
from ssg.problems import Problem, SsgError


def test_fan_out_runs_closures_in_workers_and_keeps_the_order():
    factor, parent = 7, os.getpid()
    chunks = chunked(list(range(1000)), 2, 10, 50)
    results = list(fan_out(lambda c: ([x * factor for x in c], os.getpid()), chunks, 2))
    assert [x for part, _ in results for x in part] == [x * 7 for x in range(1000)]
    assert {pid for _, pid in results} - {parent}  # made in other processes


def test_a_worker_that_grew_too_big_is_replaced(monkeypatch):
    """Past RECYCLE_BYTES after a chunk, a worker leaves and a fresh fork takes the next."""
    from ssg import parallel

    monkeypatch.setattr(parallel, "RECYCLE_BYTES", -1)  # every worker leaves after each chunk
    chunks = [[i] for i in range(12)]
    results = list(fan_out(lambda c: (c[0] * 2, os.getpid()), chunks, 2))
    assert [x for x, _ in results] == [i * 2 for i in range(12)]
    assert len({pid for _, pid in results}) == 12  # one process per chunk
    monkeypatch.setattr(parallel, "RECYCLE_BYTES", 1 << 40)  # none leaves
    assert len(set(fan_out(lambda c: os.getpid(), chunks, 2))) <= 2


def test_fan_out_in_process_for_one_job_or_one_chunk():
    parent = os.getpid()
    assert list(fan_out(lambda c: os.getpid(), [[1], [2]], 1)) == [parent, parent]
    assert list(fan_out(lambda c: os.getpid(), [[1]], 4)) == [parent]


def test_fan_out_in_process_when_threads_run():
    """Forking a process that runs threads can deadlock the child: then no fork at all."""
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        parent = os.getpid()
        assert set(fan_out(lambda c: os.getpid(), [[1], [2], [3]], 2)) == {parent}
        assert Background(os.getpid).result() == parent
    finally:
        stop.set()
        thread.join()


def test_a_worker_error_is_raised_whole_in_the_caller():
    def fail(chunk):
        if chunk[0] == 3:
            raise SsgError([Problem("content/x.md", 4, "bad")])
        return chunk

    with pytest.raises(SsgError) as exc:
        list(fan_out(fail, [[1], [2], [3], [4]], 2))
    assert exc.value.problems == [Problem("content/x.md", 4, "bad")]


def test_chunks_are_bounded():
    assert [len(c) for c in chunked(list(range(100)), 2, 10, 12)] == [12] * 8 + [4]
    assert [len(c) for c in chunked(list(range(5)), 2, 10, 500)] == [5]


def test_background_work_runs_in_a_child_and_is_waited_for():
    parent = os.getpid()
    work = Background(os.getpid)
    pid = work.pid
    assert pid is not None and work.result() != parent
    assert work.result() == work.result()  # asked once, remembered
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)  # already reaped: no zombie left


def test_background_work_that_fails_in_the_child_is_done_again_here():
    parent = os.getpid()

    def look():
        if os.getpid() != parent:
            raise RuntimeError("the child fails")
        return "looked here"

    assert Background(look).result() == "looked here"


def test_background_closed_without_asking_leaves_no_child():
    work = Background(lambda: 42)
    pid = work.pid
    work.close()
    work.close()  # twice is harmless
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, 0)
    assert Background(lambda: 42, enabled=False).result() == 42

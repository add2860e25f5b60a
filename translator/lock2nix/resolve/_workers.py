"""Where the fetches of a cold run run: in worker processes where that is safe, else in threads.

Reading an sdist's build system, or an index page of a large project, is
mostly Python work (the header of each member is read, a hundred
thousand in a large lock's sdists; a page is JSON of thousands of files),
which the threads of one process can only do one at a time. So many fetches
run in worker processes. They are forked from this process: they start with
everything imported, at no cost. fork() is safe only while a process has no
other thread, and on Linux (macOS' system libraries forbid it; the other ways
to start a process import everything again in each, and run the user's main
module again). Elsewhere, with other threads running, or for a few fetches,
threads do the work.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _http

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

__all__ = ["AT_ONCE", "Workers"]

#: Fetches under way at once. Most of the time of one goes in waiting for
#: the server (an sdist takes one or two requests), the rest is CPU work.
AT_ONCE = 16
# Fewer fetches run in threads: starting processes costs more than it saves.
_PROCESSES_FROM = 8

_T = TypeVar("_T")


class Workers:
    """A pool for ``expected`` fetches, ``at_once`` of them under way at a time.

    Each piece of work gets a ``requests`` session as its first argument: in
    threads, ``session`` or one made for them all; in a worker process, the
    process's own. ``prepare`` imports (and loads) what the work needs, once,
    before workers are forked; with ``session`` given (tests replay answers
    through one) the work runs in threads.
    """

    def __init__(
        self, expected: int, *, prepare: Callable[[], None], at_once: int = AT_ONCE, session: Any = None
    ) -> None:
        count = max(1, min(at_once, expected))
        pool = None if session is not None or expected < _PROCESSES_FROM else _forked(count, prepare)
        #: Whether the work runs in worker processes.
        self.in_processes = pool is not None
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = ThreadPoolExecutor(max_workers=count)
            self._session = session if session is not None else _http.new_session(pool_size=count)
        self._pool: Executor = pool

    def submit(self, work: Callable[..., _T], /, *args: Any) -> Future[_T]:
        """Run ``work(session, *args)``; in processes, ``work`` and ``args`` must pickle."""
        if self.in_processes:
            return self._pool.submit(_in_process, work, *args)
        return self._pool.submit(work, self._session, *args)

    def close(self) -> None:
        """Wait for the work under way; drop what has not started."""
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _in_process(work: Callable[..., _T], *args: Any) -> _T:
    return work(_process_session(os.getpid()), *args)


@functools.cache
def _process_session(pid: int) -> Any:
    # Made in each worker process (keyed by process: a session, with its open
    # connections, must not cross a fork); one piece of work at a time.
    return _http.new_session(pool_size=2)  # two hosts: the index and its files


def _forked(count: int, prepare: Callable[[], None]) -> Executor | None:
    """``count`` worker processes forked now, or None where that is unsafe."""
    import gc
    import multiprocessing
    import threading
    from concurrent.futures import ProcessPoolExecutor

    if sys.platform != "linux" or threading.active_count() > 1:
        return None
    prepare()
    _http.preload_verification()  # the CA bundle, loaded once for all
    # The workers share this process's objects until they write to them; the
    # cyclic garbage collector would visit (and so copy) every one in each.
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(max_workers=count, mp_context=multiprocessing.get_context("fork"))
        pool.submit(int)  # the first task forks every worker, before any thread starts here
    except (OSError, ImportError, NotImplementedError):
        return None  # no working semaphores (some sandboxes)
    finally:
        gc.unfreeze()
    return pool

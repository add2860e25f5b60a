"""Fetch what the steps of resolution will ask for, all at once, before they run.

The steps (see ``resolve/steps.py``) run one after the other, each taking
its answers from the cache and fetching what is missing. With a cold cache
each would wait for the one before, and the sdists for the index pages that
say where they are. Here the git checkouts to hash, the index pages and the
sdists whose build systems are read as soon as a page gives their URL, all
run at once (see ``_workers``: in worker processes, as reading pages and
sdists is mostly CPU work). The steps then find their answers cached.

Nothing here fails: what could not be fetched, the step that needs it
fetches again and reports as it always does.
"""

from __future__ import annotations

import contextlib
import dataclasses
import heapq
import itertools
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import Progress
from ..model import Lock, Package, VcsSource
from . import _workers
from .index import FileRequest, IndexClient
from .locate import file_requests
from .sdist import SdistCache, SdistRequest, prepare_reading, read_and_store, sdist_of

if TYPE_CHECKING:
    from concurrent.futures import Future

__all__ = ["read_ahead"]

_Key = tuple[str, str]


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What the steps will fetch, as far as it is known before any answer."""

    #: File requests by index page not in the cache, as `locate_files` makes them.
    pages: dict[_Key, list[FileRequest]]
    #: For each such page, the requests of the sdists whose URL it gives.
    sdists_on: dict[_Key, list[FileRequest]]
    #: Sdists whose URL is known (from the lock or the cache).
    sdists: list[SdistRequest]
    #: Git sources pinned to a commit, without a hash: (url, commit).
    checkouts: list[tuple[str, str]]


def read_ahead(
    lock: Lock, client: IndexClient, cache_dir: Path, *, build_systems: bool, at_once: int = _workers.AT_ONCE
) -> None:
    """Fill the caches the steps read for ``lock``, ``at_once`` fetches under way at a time.

    Only when some index page is not cached (its answer leads to more
    fetches); otherwise each step fetches in parallel itself.
    """
    plan = _plan(lock, client, SdistCache(cache_dir), build_systems=build_systems)
    if not plan.pages:
        return
    from concurrent.futures import BrokenExecutor

    count = len(plan.pages) + sum(map(len, plan.sdists_on.values())) + len(plan.sdists) + len(plan.checkouts)
    with (
        Progress("fetching", count) as progress,
        _workers.Workers(count, prepare=_prepare, at_once=at_once) as workers,
        contextlib.suppress(BrokenExecutor),  # a worker process killed (out of memory): the steps go on
    ):
        _Queue(workers, at_once, progress, cache_dir).run(plan)


class _Queue:
    """Hands the workers their tasks: git checkouts, then index pages, then sdists, the largest first.

    The pages come first: each is quick, and tells where sdists are and how
    large. The sdists are read largest first, so that the last to finish are
    small ones (the largest take a second or more of CPU each).
    """

    def __init__(self, workers: _workers.Workers, at_once: int, progress: Progress, cache_dir: Path) -> None:
        self._workers = workers
        # A task more than the workers take, so that none waits for this loop.
        self._limit = at_once + 1
        self._progress = progress
        self._cache_dir = cache_dir
        self._sdists: list[tuple[int, int, SdistRequest]] = []  # a heap of (-size, order, request)
        self._order = itertools.count()
        self._running: dict[Future[Any], bool] = {}  # each task: whether it gives sdists to read

    def run(self, plan: _Plan) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        for url, commit in plan.checkouts:
            self._running[self._workers.submit(_checkout, self._cache_dir, url, commit)] = False
        for req in plan.sdists:
            self._add(0, req)  # no size known: after those whose is
        pages = [(reqs, plan.sdists_on[key]) for key, reqs in reversed(plan.pages.items())]
        while pages or self._sdists or self._running:
            while len(self._running) < self._limit and (pages or self._sdists):
                if pages:
                    self._running[self._workers.submit(_page, self._cache_dir, *pages.pop())] = True
                else:
                    req = heapq.heappop(self._sdists)[2]
                    self._running[self._workers.submit(read_and_store, SdistCache(self._cache_dir), req)] = False
            done, _ = wait(self._running, return_when=FIRST_COMPLETED)
            for future in done:
                self._progress.advance()
                if self._running.pop(future) and future.exception() is None:
                    for size, req in future.result():
                        self._add(size, req)

    def _add(self, size: int, req: SdistRequest) -> None:
        heapq.heappush(self._sdists, (-size, next(self._order), req))


def _plan(lock: Lock, client: IndexClient, cached: SdistCache, *, build_systems: bool) -> _Plan:
    files = file_requests(lock)
    by_page: dict[_Key, list[FileRequest]] = {}
    # The projects with the most files first: compiled ones, with a wheel per
    # platform, whose sdists take longest to read.
    count = Counter(req.project for req in files.values())
    for req in sorted(files.values(), key=lambda r: -count[r.project]):
        by_page.setdefault((req.index_url, req.project), []).append(req)
    pages = {key: reqs for key, reqs in by_page.items() if client.cached(reqs, missing_ok=True) is None}
    sdists_on: dict[_Key, list[FileRequest]] = {key: [] for key in pages}
    sdists: list[SdistRequest] = []
    for package in lock.packages if build_systems else ():
        sdist = sdist_of(package)
        if sdist is None or "sha256" not in sdist.hashes or cached.load(sdist.hashes["sha256"]) is not None:
            continue
        on_page = files.get((package.key, sdist.filename))
        if sdist.url is not None:
            sdists.append(SdistRequest(sdist.url, sdist.filename, sdist.hashes["sha256"]))
        elif on_page is not None and (on_page.index_url, on_page.project) in pages:
            sdists_on[(on_page.index_url, on_page.project)].append(on_page)
        elif on_page is not None and (found := (client.cached([on_page], missing_ok=True) or {}).get(on_page)):
            sdists.append(SdistRequest(found.url, on_page.filename, on_page.sha256))
    git = {(s.url, s.commit_id) for p in lock.packages if (s := _unhashed_commit(p)) is not None}
    return _Plan(pages, sdists_on, sdists, sorted((url, commit) for url, commit in git if commit is not None))


def _unhashed_commit(package: Package) -> VcsSource | None:
    source = package.source
    if isinstance(source, VcsSource) and source.hash is None and source.commit_id is not None:
        return source
    return None


def _prepare() -> None:
    import pypi_simple  # noqa: F401

    prepare_reading()


def _page(
    session: Any, cache_dir: Path, reqs: Sequence[FileRequest], sdists: Sequence[FileRequest]
) -> list[tuple[int, SdistRequest]]:
    """One project's page into the cache; its sdists to read, with their sizes (0 when unknown)."""
    found = IndexClient(cache_dir, session=session).resolve(list(reqs), missing_ok=True)
    return [
        (located.size or 0, SdistRequest(located.url, req.filename, req.sha256))
        for req in sdists
        if (located := found.get(req)) is not None
    ]


def _checkout(_session: Any, cache_dir: Path, url: str, commit: str) -> None:
    from .hashing import GitHashCache, checkouts  # git, only for locks that have git sources

    checkouts(url, commit, cache=GitHashCache(cache_dir), offline=False)

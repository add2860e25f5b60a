"""Fetch what the steps of resolution will ask for, all at once, before they run.

The steps (see ``resolve/__init__.py``) run one after the other, each taking
its answers from the cache and fetching what is missing. With a cold cache
each would wait for the one before: the sdists for the index pages that say
where they are. Here each project's page is fetched and its sdist's build
system read right after, in one task; the tasks of all projects, and the git
checkouts to hash, run at once (see ``_workers``: in worker processes, as
both are mostly CPU work). The steps then find their answers cached.

Nothing here fails: what could not be fetched, the step that needs it
fetches again and reports as it always does.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._progress import Progress
from ..model import Lock, Package, VcsSource
from . import _workers
from .hashing import GitHashCache, checkouts
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


def read_ahead(lock: Lock, client: IndexClient, cache_dir: Path, *, build_systems: bool) -> None:
    """Fill the caches the steps read for ``lock``, every fetch under way at once.

    Only when some index page is not cached (its answer leads to more
    fetches); otherwise each step fetches in parallel itself.
    """
    plan = _plan(lock, client, SdistCache(cache_dir), build_systems=build_systems)
    if not plan.pages:
        return
    tasks: list[tuple[Callable[..., object], tuple[Any, ...]]] = [
        *((_project, (cache_dir, reqs, plan.sdists_on[key])) for key, reqs in plan.pages.items()),
        *((read_and_store, (SdistCache(cache_dir), req)) for req in plan.sdists),
        *((_checkout, (cache_dir, url, commit)) for url, commit in plan.checkouts),
    ]
    from concurrent.futures import wait

    with Progress("fetching", len(tasks)) as progress, _workers.Workers(len(tasks), prepare=_prepare) as workers:
        done: list[Future[object]] = []
        for work, args in tasks:
            future = workers.submit(work, *args)
            future.add_done_callback(lambda _: progress.advance())
            done.append(future)
        wait(done)


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


def _project(session: Any, cache_dir: Path, reqs: Sequence[FileRequest], sdists: Sequence[FileRequest]) -> None:
    """One project's page into the cache, then the build systems of the sdists it lists."""
    found = IndexClient(cache_dir, session=session).resolve(list(reqs), missing_ok=True)
    for req in sdists:
        located = found.get(req)
        if located is not None:
            read_and_store(session, SdistCache(cache_dir), SdistRequest(located.url, req.filename, req.sha256))


def _checkout(_session: Any, cache_dir: Path, url: str, commit: str) -> None:
    checkouts(url, commit, cache=GitHashCache(cache_dir), offline=False)

"""Find the real URL of each locked artifact through the Simple Repository API.

Lock files record an artifact's file name and hash but not where it lives, and
the Simple API (PEP 503 HTML, PEP 691 JSON) is what every index serves. The
answers are kept in a small on-disk cache, so that an unchanged lock resolves
without network and without importing the HTTP stack: lock2nix runs as a
pre-commit hook, and importing ``requests``/``pypi_simple`` with their
dependencies (about 0.25 s) takes several times as long as resolving a
300-package lock from the cache. They are therefore imported only inside the
functions that fetch.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Protocol, TypeVar

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .. import _http
from .._index_url import PYPI_SIMPLE_URL, normalize_index_url
from .._progress import Progress
from ..errors import Lock2NixError
from .cache import JsonCache, digest_name

__all__ = [
    "PYPI_SIMPLE_URL",
    "CachedProject",
    "FileRequest",
    "HashRequest",
    "IndexCache",
    "IndexClient",
    "IndexFile",
    "IndexLookupError",
    "Located",
    "ReleaseRequest",
    "normalize_index_url",
    "normalize_project",
]

_HEX64_RE = re.compile(r"[0-9a-f]{64}")


class IndexLookupError(Lock2NixError):
    """An artifact could not be resolved to a URL through its index."""

    #: The project whose page could not be read, when that is the problem.
    project: str = ""


def normalize_project(name: str) -> str:
    """Return the PEP 503 normalised form of a project name."""
    return str(canonicalize_name(name))


@dataclass(frozen=True)
class FileRequest:
    """One locked artifact to be found on an index.

    The fields are normalised on creation, so requests for the same artifact
    compare equal however the lock spelled them.
    """

    index_url: str
    project: str
    filename: str
    sha256: str  # hex

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_url", normalize_index_url(self.index_url))
        object.__setattr__(self, "project", normalize_project(self.project))
        object.__setattr__(self, "sha256", self.sha256.lower())
        if not _HEX64_RE.fullmatch(self.sha256):
            raise ValueError(f"{self.filename}: {self.sha256!r} is not a hex sha256")


@dataclass(frozen=True)
class HashRequest:
    """The files of one locked release, known by their hashes only (Pipfile.lock)."""

    index_url: str
    project: str
    version: str
    sha256s: frozenset[str]  # hex

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_url", normalize_index_url(self.index_url))
        object.__setattr__(self, "project", normalize_project(self.project))
        object.__setattr__(self, "sha256s", frozenset(h.lower() for h in self.sha256s))
        for h in self.sha256s:
            if not _HEX64_RE.fullmatch(h):
                raise ValueError(f"{self.project}: {h!r} is not a hex sha256")


@dataclass(frozen=True)
class ReleaseRequest:
    """Every file of one release, known by its version only (a conda environment's ``pip:`` pin)."""

    index_url: str
    project: str
    version: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "index_url", normalize_index_url(self.index_url))
        object.__setattr__(self, "project", normalize_project(self.project))


#: What an index says about a request: it lists the project (some hashes may
#: still match nothing), it has no such project (404), or (offline) the cache
#: cannot answer.
Status = Literal["listed", "no-project", "not-cached"]
LISTED: Final = "listed"
NO_PROJECT: Final = "no-project"
NOT_CACHED: Final = "not-cached"


@dataclass(frozen=True)
class Located:
    """What one index says about the hashes of a `HashRequest`."""

    status: Status
    #: The listed files whose sha256 is one of the requested, by file name.
    files: tuple[IndexFile, ...] = ()
    #: Requested hashes that no listed file has.
    unmatched: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IndexFile:
    """An artifact as its index lists it."""

    filename: str
    url: str
    sha256: str | None  # hex; None when the index gives no sha256
    requires_python: str | None = None
    # PEP 658/714 core metadata file, when the index advertises one with a hash.
    metadata_sha256: str | None = None


@dataclass(frozen=True)
class CachedProject:
    """The cached knowledge of one project on one index."""

    files: Mapping[str, IndexFile]
    # Files some lock asked for that the page did not list when last fetched
    # (deleted releases), so that they need not be looked up on every run.
    unlisted: frozenset[str] = frozenset()


@dataclass(frozen=True)
class IndexCache:
    """What lock2nix learned from index pages, one JSON file per project.

    Layout: ``<cache_dir>/index/<sha256(index url)[:16]>/<project>.json``
    holding ``{"index": url, "project": name, "unlisted": [filename, ...],
    "files": {filename: {"url", "sha256", "requires-python",
    "metadata-sha256"}}}`` (absent values and an empty ``unlisted`` are left
    out). Only the files of versions some lock asked for are kept, which
    keeps each file small and quick to read.
    """

    cache_dir: Path

    @property
    def _entries(self) -> JsonCache:
        return JsonCache.under(self.cache_dir, "index")

    def path(self, index_url: str, project: str) -> Path:
        return self._entries.directory / digest_name(index_url, 16) / f"{project}.json"

    def load(self, index_url: str, project: str) -> CachedProject | None:
        """Return what is cached of ``project``, or None if nothing is."""
        return self._entries.read(self.path(index_url, project), {"index": index_url, "project": project}, _project)

    def store(
        self,
        index_url: str,
        project: str,
        files: Iterable[IndexFile],
        *,
        unlisted: Iterable[str] = (),
        synthesised: str | None = None,
    ) -> None:
        """Write the entry for ``project`` atomically, replacing any old one.

        ``synthesised`` marks an entry made up rather than fetched (test data
        for an unreachable index) and says why.
        """
        head: dict[str, Any] = {"index": index_url, "project": project}
        if synthesised is not None:
            head["synthesised"] = synthesised
        if unlisted:
            head["unlisted"] = sorted(unlisted)
        # One file per line: diffs of committed test data stay readable
        # without the size of fully indented JSON.
        lines = [
            f"  {json.dumps(f.filename)}: {json.dumps(_file_entry(f), sort_keys=True)}"
            for f in sorted(files, key=lambda f: f.filename)
        ]
        body = "{\n" + ",\n".join(lines) + "\n}" if lines else "{}"
        text = json.dumps(head)[:-1] + f', "files": {body}}}\n'
        self._entries.write(self.path(index_url, project), text)


def _project(data: dict[str, Any]) -> CachedProject:
    files = {
        name: IndexFile(
            filename=name,
            url=entry["url"],
            sha256=entry.get("sha256"),
            requires_python=entry.get("requires-python"),
            metadata_sha256=entry.get("metadata-sha256"),
        )
        for name, entry in data["files"].items()
    }
    return CachedProject(files, frozenset(data.get("unlisted", ())))


def _file_entry(f: IndexFile) -> dict[str, str]:
    entry = {
        "url": f.url,
        "sha256": f.sha256,
        "requires-python": f.requires_python,
        "metadata-sha256": f.metadata_sha256,
    }
    return {k: v for k, v in entry.items() if v is not None}


#: (index URL, project): one page of the index.
_Key = tuple[str, str]


class _Request(Protocol):
    @property
    def index_url(self) -> str: ...
    @property
    def project(self) -> str: ...


_Req = TypeVar("_Req", bound=_Request)
_Ans = TypeVar("_Ans")


@dataclass(frozen=True)
class _PageFile:
    file: IndexFile
    version: str | None


class IndexClient:
    """Resolve locked artifacts to index URLs, with an on-disk cache.

    ``session`` is a ``requests.Session`` to use instead of a new one (tests
    replay recorded responses through one); with ``offline`` only the cache is
    consulted.
    """

    def __init__(
        self,
        cache_dir: Path,
        *,
        offline: bool = False,
        max_workers: int = 8,
        session: Any = None,
        timeout: float = 30.0,
    ) -> None:
        self.cache = IndexCache(Path(cache_dir))
        self.offline = offline
        self.max_workers = max(1, max_workers)
        self.timeout = timeout
        self._session = session

    def resolve(
        self, requests: Sequence[FileRequest], *, missing_ok: bool = False
    ) -> dict[FileRequest, IndexFile]:
        """Return the index entry of every requested artifact.

        A project's page is fetched only when some requested file of it is
        not in the cache (or is cached with another hash); the hash the index
        gives must equal the requested one. A file the page does not list is
        an error, unless ``missing_ok``: then it is left out of the result
        (old locks name files since deleted from the index, and whether the
        rest will do is the caller's decision).
        """

        def from_cache(cached: CachedProject, reqs: list[FileRequest]) -> dict[FileRequest, IndexFile] | None:
            if not all(_answers(cached, r, missing_ok) for r in reqs):
                return None
            return {r: cached.files[r.filename] for r in reqs if r.filename in cached.files}

        def offline_miss(cached: CachedProject | None, reqs: list[FileRequest]) -> dict[FileRequest, IndexFile]:
            raise _offline_miss(cached or CachedProject({}), reqs)

        def from_page(_key: _Key, page: dict[str, _PageFile], reqs: list[FileRequest]) -> dict[FileRequest, IndexFile]:
            # Cache what the page lists before checking the lock against
            # it: the cache records the index, right or wrong the lock.
            self._update_cache(*_key, page, reqs)
            return {r: _check(page, r) for r in reqs if r.filename in page or not missing_ok}

        # A project the index does not have is an error (no_project=None).
        return self._answer(requests, from_cache, offline_miss, from_page)

    def locate(self, requests: Sequence[HashRequest]) -> dict[HashRequest, Located]:
        """Find, on each request's index, the files whose sha256 the lock records.

        Answered from the cache when it knows a file for every requested hash
        (a file's hash never changes); otherwise the project's page is fetched
        (all stale pages at once, ``max_workers`` at a time) and the cache
        updated. Whether a hash that matches nothing is an error is the
        caller's decision (another index may serve it): it is reported in
        ``Located.unmatched``, a missing project as ``NO_PROJECT``, and with
        ``offline`` an unanswerable request as ``NOT_CACHED``.
        """

        def from_cache(cached: CachedProject, reqs: list[HashRequest]) -> dict[HashRequest, Located] | None:
            wanted = frozenset().union(*(r.sha256s for r in reqs))
            if not wanted <= {f.sha256 for f in cached.files.values()}:
                return None
            return {r: _located(cached.files, r) for r in reqs}

        def from_page(
            key: tuple[str, str], page: dict[str, _PageFile], reqs: list[HashRequest]
        ) -> dict[HashRequest, Located]:
            self._update_cache_by_hash(*key, page, reqs)
            listed = {name: pf.file for name, pf in page.items()}
            return {r: _located(listed, r) for r in reqs}

        return self._answer(requests, from_cache, _not_cached, from_page, _no_project)

    def release(self, requests: Sequence[ReleaseRequest]) -> dict[ReleaseRequest, Located]:
        """The files each index lists for a release (all of them, with the sha256 it gives).

        Answered from the cache when it holds a file of that version: the
        cache keeps every file of each version it was asked about, so one
        means all. Otherwise the page is fetched and the cache updated. An
        index without the project answers ``NO_PROJECT``; one without the
        version ``LISTED`` with no files; offline without a cached answer
        ``NOT_CACHED``.
        """

        def from_cache(cached: CachedProject, reqs: list[ReleaseRequest]) -> dict[ReleaseRequest, Located] | None:
            answers = {r: _files_of_release(cached.files, r.version) for r in reqs}
            if not all(answers[r] or _absent(r.version) in cached.unlisted for r in reqs):
                return None
            return {r: Located(LISTED, answers[r]) for r in reqs}

        def from_page(
            key: tuple[str, str], page: dict[str, _PageFile], reqs: list[ReleaseRequest]
        ) -> dict[ReleaseRequest, Located]:
            versions = {_normalize_version(r.version) for r in reqs}
            old = self.cache.load(*key) or CachedProject({})
            keep = {name: pf.file for name, pf in page.items() if pf.version in versions}
            listed = {pf.version for pf in page.values()}
            merged = dict(old.files)
            merged.update(keep)
            unlisted = (old.unlisted - page.keys() - {_absent(v) for v in listed}) | {
                _absent(v) for v in versions if v not in listed
            }
            self.cache.store(*key, merged.values(), unlisted=unlisted)
            out = {}
            for r in reqs:
                wanted = _normalize_version(r.version)
                files = tuple(sorted((pf.file for pf in page.values() if pf.version == wanted),
                                     key=lambda f: f.filename))
                out[r] = Located(LISTED, files)
            return out

        def no_project(key: _Key, reqs: list[ReleaseRequest]) -> dict[ReleaseRequest, Located]:
            # Remembered, so that an offline run gets the same answer.
            old = self.cache.load(*key) or CachedProject({})
            absent = {_absent(_normalize_version(r.version)) for r in reqs}
            self.cache.store(*key, old.files.values(), unlisted=old.unlisted | absent)
            return _no_project(key, reqs)

        return self._answer(requests, from_cache, _not_cached, from_page, no_project)

    def _answer(
        self,
        requests: Sequence[_Req],
        from_cache: Callable[[CachedProject, list[_Req]], dict[_Req, _Ans] | None],
        offline_miss: Callable[[CachedProject | None, list[_Req]], dict[_Req, _Ans]],
        from_page: Callable[[_Key, dict[str, _PageFile], list[_Req]], dict[_Req, _Ans]],
        no_project: Callable[[_Key, list[_Req]], dict[_Req, _Ans]] | None = None,
    ) -> dict[_Req, _Ans]:
        """Answer requests per (index, project): from the cache where ``from_cache``
        can, with ``offline_miss`` offline, else from the project's page (every
        stale page fetched together), with ``no_project`` where the index lacks
        the project (without it, that is an error)."""
        groups: dict[_Key, list[_Req]] = {}
        for req in requests:
            groups.setdefault((req.index_url, req.project), []).append(req)
        result: dict[_Req, _Ans] = {}
        stale: list[_Key] = []
        for key, reqs in groups.items():
            cached = self.cache.load(*key)
            answers = from_cache(cached, reqs) if cached is not None else None
            if answers is not None:
                result.update(answers)
            elif self.offline:
                result.update(offline_miss(cached, reqs))
            else:
                stale.append(key)
        if not stale:
            return result
        with closing(self._fetch_all(stale, missing_ok=no_project is not None)) as pages:
            for key, page in pages:
                reqs = groups[key]
                if page is not None:
                    result.update(from_page(key, page, reqs))
                elif no_project is not None:
                    result.update(no_project(key, reqs))
        return result

    def _update_cache_by_hash(
        self, index_url: str, project: str, page: Mapping[str, _PageFile], reqs: Sequence[HashRequest]
    ) -> None:
        # The matched files and every file of the requested versions, as for
        # requests by file name.
        wanted = frozenset().union(*(r.sha256s for r in reqs))
        versions = {_normalize_version(r.version) for r in reqs}
        versions |= {pf.version for pf in page.values() if pf.file.sha256 in wanted}
        versions.discard(None)
        keep = {
            name: pf.file
            for name, pf in page.items()
            if pf.version in versions or pf.file.sha256 in wanted
        }
        old = self.cache.load(index_url, project) or CachedProject({})
        merged = dict(old.files)
        merged.update(keep)
        self.cache.store(index_url, project, merged.values(), unlisted=old.unlisted - page.keys())

    def _fetch_all(
        self, keys: list[tuple[str, str]], *, missing_ok: bool = False
    ) -> Generator[tuple[tuple[str, str], dict[str, _PageFile] | None], None, None]:
        """Yield the parsed page of each (index, project), in the given order.

        With ``missing_ok`` a project the index does not have yields None.
        """
        session = self._get_session()
        progress = Progress("reading the index", len(keys))

        def fetch(key: tuple[str, str]) -> dict[str, _PageFile] | None:
            try:
                return self._fetch_page(session, *key, missing_ok=missing_ok)
            finally:
                progress.advance()

        with progress:
            if len(keys) == 1 or self.max_workers == 1:
                for key in keys:
                    yield key, fetch(key)
                return
            from concurrent.futures import ThreadPoolExecutor  # only when there is more than one page

            # Pages are independent, and the time goes in waiting for the server.
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(keys))) as pool:
                futures = [pool.submit(fetch, key) for key in keys]
                try:
                    for key, future in zip(keys, futures, strict=True):
                        yield key, future.result()
                finally:
                    for future in futures:
                        future.cancel()

    def _get_session(self) -> Any:
        if self._session is None:
            self._session = _http.new_session(pool_size=self.max_workers)
        return self._session

    def _fetch_page(
        self, session: Any, index_url: str, project: str, *, missing_ok: bool = False
    ) -> dict[str, _PageFile] | None:
        import requests
        from pypi_simple import (
            NoSuchProjectError,
            PyPISimple,
            UnsupportedRepoVersionError,
        )

        client = PyPISimple(index_url, session=session)
        page_url = client.get_project_url(project)
        try:
            page = client.get_project_page(project, timeout=self.timeout)
        except NoSuchProjectError:
            if missing_ok:
                return None
            raise IndexLookupError(
                f"project {project!r} does not exist on index {index_url} ({page_url} is 404)"
            ) from None
        except (requests.RequestException, UnsupportedRepoVersionError, ValueError) as e:
            error = IndexLookupError(f"could not read {page_url}: {_http.brief(e)}")
            error.project = project
            raise error from None
        files: dict[str, _PageFile] = {}
        for pkg in page.packages:
            files[pkg.filename] = _PageFile(
                IndexFile(
                    filename=pkg.filename,
                    url=pkg.url,
                    sha256=_lower(pkg.digests.get("sha256")),
                    requires_python=pkg.requires_python or None,
                    metadata_sha256=_lower((pkg.metadata_digests or {}).get("sha256")),
                ),
                _normalize_version(pkg.version),
            )
        return files

    def _update_cache(
        self,
        index_url: str,
        project: str,
        files: Mapping[str, _PageFile],
        reqs: Sequence[FileRequest],
    ) -> None:
        # All files of each requested version, not only the requested ones: a
        # lock regenerated for another platform then usually stays cached.
        # Other versions are left out to keep the entry small.
        listed = [files[r.filename] for r in reqs if r.filename in files]
        versions = {pf.version for pf in listed} - {None}
        keep = {name for name, pf in files.items() if pf.version in versions}
        keep.update(pf.file.filename for pf in listed)
        old = self.cache.load(index_url, project) or CachedProject({})
        merged = dict(old.files)
        merged.update((name, files[name].file) for name in keep)
        unlisted = (old.unlisted | {r.filename for r in reqs}) - files.keys()
        self.cache.store(index_url, project, merged.values(), unlisted=unlisted)


def _not_cached(_cached: CachedProject | None, reqs: list[_Req]) -> dict[_Req, Located]:
    return {r: Located(NOT_CACHED) for r in reqs}


def _no_project(_key: _Key, reqs: list[_Req]) -> dict[_Req, Located]:
    return {r: Located(NO_PROJECT) for r in reqs}


def _located(files: Mapping[str, IndexFile], req: HashRequest) -> Located:
    matched = [f for f in files.values() if f.sha256 in req.sha256s]
    return Located(
        LISTED,
        tuple(sorted(matched, key=lambda f: f.filename)),
        req.sha256s - {f.sha256 for f in matched},
    )


def _absent(version: str | None) -> str:
    """The ``unlisted`` entry recording that an index lists no file of ``version``."""
    return f"=={_normalize_version(version)}"


def _files_of_release(files: Mapping[str, IndexFile], version: str) -> tuple[IndexFile, ...]:
    """The cached files whose file name carries ``version`` (normalised)."""
    wanted = _normalize_version(version)
    out = []
    for name, f in files.items():
        try:
            found = parse_wheel_filename(name)[1] if name.endswith(".whl") else parse_sdist_filename(name)[1]
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
        if _normalize_version(str(found)) == wanted:
            out.append(f)
    return tuple(sorted(out, key=lambda f: f.filename))


def _lower(digest: str | None) -> str | None:
    return None if digest is None else digest.lower()


def _agrees(cached: IndexFile | None, req: FileRequest) -> bool:
    return cached is not None and cached.sha256 in (None, req.sha256)


def _answers(cached: CachedProject, req: FileRequest, missing_ok: bool) -> bool:
    if req.filename in cached.files:
        return _agrees(cached.files[req.filename], req)
    return missing_ok and req.filename in cached.unlisted


def _offline_miss(cached: CachedProject, reqs: Sequence[FileRequest]) -> IndexLookupError:
    for req in reqs:
        known = cached.files.get(req.filename)
        if known is not None and not _agrees(known, req):
            return IndexLookupError(
                f"{req.filename} of project {req.project!r}: the cached page of index "
                f"{req.index_url} gives sha256 {known.sha256}, the lock records "
                f"{req.sha256}; run without --offline to fetch the page again"
            )
        if known is None and req.filename in cached.unlisted:
            return IndexLookupError(
                f"{req.filename} is not listed on the page of project {req.project!r} "
                f"at {req.index_url}{req.project}/ (cached); run without --offline "
                "to fetch the page again"
            )
    req = reqs[0]
    missing = [r.filename for r in reqs if r.filename not in cached.files]
    what = f"{missing[0]} of project" if cached.files and missing else "project"
    return IndexLookupError(
        f"{what} {req.project!r} of index {req.index_url} is not in the cache; "
        "run without --offline to fetch it"
    )


def _check(files: Mapping[str, _PageFile], req: FileRequest) -> IndexFile:
    pf = files.get(req.filename)
    if pf is None:
        raise IndexLookupError(
            f"{req.filename} is not listed on the page of project {req.project!r} "
            f"at {req.index_url}{req.project}/"
        )
    # An index that gives no sha256 cannot be checked here; the lock's hash
    # still guards the fetch in Nix.
    if pf.file.sha256 is not None and pf.file.sha256 != req.sha256:
        raise IndexLookupError(
            f"{req.filename} of project {req.project!r}: index {req.index_url} "
            f"gives sha256 {pf.file.sha256}, the lock records {req.sha256}"
        )
    return pf.file


def _normalize_version(version: str | None) -> str | None:
    # Files of one release can spell its version differently (1.0 / 1.0.0,
    # 1.0rc1 / 1.0-rc1); compare normalised forms where they parse, without
    # the release's trailing zeros, as PEP 440 compares them (==2.26 is 2.26.0).
    if version is None:
        return None
    try:
        parsed = Version(version)
    except InvalidVersion:
        return version
    release = list(parsed.release)
    while len(release) > 1 and release[-1] == 0:
        release.pop()
    text = str(parsed)
    prefix = f"{parsed.epoch}!" if parsed.epoch else ""
    written = prefix + ".".join(map(str, parsed.release))
    return prefix + ".".join(map(str, release)) + text[len(written):]

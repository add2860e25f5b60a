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

import functools
import json
import re
import threading
from collections.abc import Callable, Collection, Generator, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
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
    #: Bytes, when a page just read gives them (PEP 700): to read large files
    #: first. Not cached, and no part of what the file is.
    size: int | None = field(default=None, compare=False)


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
    version: str | None  # normalised (see _normalize_version)


class _Page:
    """A project's page: every listed file's name and sha256, the rest read on demand.

    Large projects list tens of thousands of files (botocore, numpy) while a
    lock wants those of a few versions; reading every file's entry through
    pypi-simple (its model, the URL join, the file-name parse) took most of a
    cold run. So :meth:`select` reads only the entries it returns.
    """

    def __init__(
        self,
        names: Collection[str],
        sha256: Callable[[str], str | None],
        version: Callable[[str], str | None],
        file: Callable[[str], _PageFile],
    ) -> None:
        #: Every listed file name.
        self.names = names
        self._sha256 = sha256
        self._version = version
        self._file = file

    @classmethod
    def from_files(cls, files: Mapping[str, _PageFile]) -> _Page:
        """A page already read whole (an HTML page: pypi-simple parses it at once)."""
        return cls(files.keys(), lambda n: files[n].file.sha256, lambda n: files[n].version, files.__getitem__)

    def not_listed(self, names: Iterable[str]) -> frozenset[str]:
        """Those of ``names`` the page does not list."""
        return frozenset(n for n in names if n not in self.names)

    def with_sha256(self, sha256s: Collection[str]) -> set[str]:
        """The listed files whose sha256 (hex) is one of ``sha256s``."""
        return {n for n in self.names if self._sha256(n) in sha256s}

    def version(self, name: str) -> str | None:
        """The normalised version of the listed file ``name`` (None when its name does not parse)."""
        return self._version(name)

    def select(self, *, names: Collection[str] = (), versions: Collection[str] = ()) -> dict[str, _PageFile]:
        """The listed files among ``names``, and those of ``versions`` (normalised)."""
        picked = {n for n in names if n in self.names}
        if versions:
            could_be = _version_filter(versions)
            picked.update(n for n in self.names if n not in picked and could_be(n) and self._version(n) in versions)
        return {n: self._file(n) for n in sorted(picked)}


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
        self._session_lock = threading.Lock()

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
            return _cached_files(cached, reqs, missing_ok)

        def offline_miss(cached: CachedProject | None, reqs: list[FileRequest]) -> dict[FileRequest, IndexFile]:
            raise _offline_miss(cached or CachedProject({}), reqs)

        def from_page(key: _Key, page: _Page, reqs: list[FileRequest]) -> dict[FileRequest, IndexFile]:
            # All files of each requested version, not only the requested ones: a
            # lock regenerated for another platform then usually stays cached.
            # Other versions are left out to keep the entry small.
            names = {r.filename for r in reqs}
            versions = {page.version(n) for n in names if n in page.names}
            files = page.select(names=names, versions={v for v in versions if v is not None})
            # Cache what the page lists before checking the lock against
            # it: the cache records the index, right or wrong the lock.
            old = self.cache.load(*key) or CachedProject({})
            merged = {**old.files, **{name: pf.file for name, pf in files.items()}}
            unlisted = page.not_listed(old.unlisted | names)
            self.cache.store(*key, merged.values(), unlisted=unlisted)
            return {r: _check(files, r) for r in reqs if r.filename in files or not missing_ok}

        # A project the index does not have is an error (no_project=None).
        return self._answer(requests, from_cache, offline_miss, from_page)

    def cached(
        self, requests: Sequence[FileRequest], *, missing_ok: bool = False
    ) -> dict[FileRequest, IndexFile] | None:
        """What `resolve` answers without fetching; None when it would fetch some page."""
        result: dict[FileRequest, IndexFile] = {}
        for (index_url, project), reqs in _by_page(requests).items():
            cached = self.cache.load(index_url, project)
            answers = None if cached is None else _cached_files(cached, reqs, missing_ok)
            if answers is None:
                return None
            result.update(answers)
        return result

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

        def from_page(key: _Key, page: _Page, reqs: list[HashRequest]) -> dict[HashRequest, Located]:
            # The matched files and every file of the requested versions, as for
            # requests by file name.
            wanted = frozenset().union(*(r.sha256s for r in reqs))
            matched = page.with_sha256(wanted)
            versions = {_normalize_version(r.version) for r in reqs} | {page.version(n) for n in matched}
            files = page.select(names=matched, versions={v for v in versions if v is not None})
            old = self.cache.load(*key) or CachedProject({})
            merged = {**old.files, **{name: pf.file for name, pf in files.items()}}
            self.cache.store(*key, merged.values(), unlisted=page.not_listed(old.unlisted))
            listed = {name: pf.file for name, pf in files.items()}
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

        def from_page(key: _Key, page: _Page, reqs: list[ReleaseRequest]) -> dict[ReleaseRequest, Located]:
            versions = {v for r in reqs if (v := _normalize_version(r.version)) is not None}
            old = self.cache.load(*key) or CachedProject({})
            # Whether the page lists a version matters for the requested ones
            # and for those the cache remembers as absent.
            remembered = {entry[2:] for entry in old.unlisted if entry.startswith("==")}
            selected = page.select(versions=versions | remembered)
            keep = {name: pf.file for name, pf in selected.items() if pf.version in versions}
            listed = {pf.version for pf in selected.values()}
            merged = dict(old.files)
            merged.update(keep)
            unlisted = (page.not_listed(old.unlisted) - {_absent(v) for v in listed}) | {
                _absent(v) for v in versions if v not in listed
            }
            self.cache.store(*key, merged.values(), unlisted=unlisted)
            out = {}
            for r in reqs:
                wanted = _normalize_version(r.version)
                files = tuple(sorted((pf.file for pf in selected.values() if pf.version == wanted),
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
        from_page: Callable[[_Key, _Page, list[_Req]], dict[_Req, _Ans]],
        no_project: Callable[[_Key, list[_Req]], dict[_Req, _Ans]] | None = None,
    ) -> dict[_Req, _Ans]:
        """Answer requests per (index, project): from the cache where ``from_cache``
        can, with ``offline_miss`` offline, else from the project's page (every
        stale page fetched together), with ``no_project`` where the index lacks
        the project (without it, that is an error)."""
        groups = _by_page(requests)
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

        def read(key: _Key) -> dict[_Req, _Ans]:
            page = self._fetch_page(*key, missing_ok=no_project is not None)
            if page is None:
                assert no_project is not None
                return no_project(key, groups[key])
            return from_page(key, page, groups[key])

        with closing(self._fetch_all(stale, read)) as fetched:
            for answered in fetched:
                result.update(answered)
        return result

    def _fetch_all(self, keys: list[_Key], read: Callable[[_Key], _Ans]) -> Generator[_Ans, None, None]:
        """Yield ``read(key)`` of each (index, project), in the given order.

        ``read`` runs in the thread that fetched the page, so a page is
        reduced to what the lock needs as soon as it comes (a large page's
        entries take far more memory than the files kept of it).
        """
        # One page comes quickly (and pages read one at a time, as read_ahead
        # does, keep the line of the whole).
        progress = Progress("reading the index", len(keys) if len(keys) > 1 else 0)

        def one(key: _Key) -> _Ans:
            try:
                return read(key)
            finally:
                progress.advance()

        with progress:
            if len(keys) == 1 or self.max_workers == 1:
                for key in keys:
                    yield one(key)
                return
            from concurrent.futures import ThreadPoolExecutor  # only when there is more than one page

            # Pages are independent, and the time goes in waiting for the server.
            with ThreadPoolExecutor(max_workers=min(self.max_workers, len(keys))) as pool:
                futures = [pool.submit(one, key) for key in keys]
                try:
                    # In request order, so the error reported is the same on
                    # every run, not whichever page happened to fail first.
                    for future in futures:
                        yield future.result()
                finally:
                    for future in futures:
                        future.cancel()

    def _get_session(self) -> Any:
        with self._session_lock:  # pages are fetched from several threads
            if self._session is None:
                self._session = _http.new_session(pool_size=self.max_workers)
            return self._session

    def _fetch_page(self, index_url: str, project: str, *, missing_ok: bool = False) -> _Page | None:
        """The page of ``project``; None when the index does not have it and ``missing_ok``."""
        import requests
        from pypi_simple import ACCEPT_ANY, PyPISimple, UnsupportedRepoVersionError

        session = self._get_session()
        page_url = PyPISimple(index_url, session=session).get_project_url(project)
        try:
            # Streamed, to be read in large blocks (see _body).
            response = session.get(page_url, timeout=self.timeout, headers={"Accept": ACCEPT_ANY}, stream=True)
            if response.status_code != 404:
                response.raise_for_status()
                return _read_page(response, project, page_url)
            _ = response.content  # read, so that the connection serves the next page
        except (requests.RequestException, UnsupportedRepoVersionError, ValueError) as e:
            raise _unreadable(page_url, project, e) from None
        if missing_ok:
            return None
        raise IndexLookupError(f"project {project!r} does not exist on index {index_url} ({page_url} is 404)")


def _unreadable(page_url: str, project: str, error: Exception) -> IndexLookupError:
    unreadable = IndexLookupError(f"could not read {page_url}: {_http.brief(error)}")
    unreadable.project = project
    return unreadable


def _read_page(response: Any, project: str, page_url: str) -> _Page:
    """The page in a response: PEP 691 JSON read on demand, anything else by pypi-simple at once."""
    from pypi_simple import DistributionPackage, ProjectPage

    content_type = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if content_type != "application/vnd.pypi.simple.v1+json":
        packages = ProjectPage.from_response(response, project).packages
        return _Page.from_files({pkg.filename: _page_file(pkg) for pkg in packages})
    data = json.loads(_body(response))
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("not a PEP 691 project page")
    # pypi-simple checks the page's own fields (its API version above all);
    # the name it gives is how it reads the file names.
    name = ProjectPage.from_json_data({**data, "files": []}, response.url).project
    try:
        entries: dict[str, dict[str, Any]] = {entry["filename"]: entry for entry in data["files"]}
    except (TypeError, KeyError):
        raise ValueError("a file without a file name") from None
    if not all(isinstance(name, str) for name in entries):
        raise ValueError("a file name that is not a string")

    def file(filename: str) -> _PageFile:
        try:
            package = DistributionPackage.from_json_data(entries[filename], name, response.url)
        except ValueError as e:
            raise _unreadable(page_url, project, e) from None
        return _page_file(package)

    return _Page(
        entries.keys(),
        lambda filename: _entry_sha256(entries[filename]),
        functools.partial(_filename_version, project=name),
        file,
    )


def _body(response: Any) -> bytes:
    # Read in large blocks: pages of large projects are megabytes, and
    # requests' own reading goes 10 kB at a time.
    raw = response.raw
    if hasattr(raw, "stream"):
        return b"".join(raw.stream(1 << 20, decode_content=True))
    return bytes(response.content)


def _entry_sha256(entry: Mapping[str, Any]) -> str | None:
    # Malformed hashes match nothing; pypi-simple rejects them if the file is read.
    hashes = entry.get("hashes")
    digest = hashes.get("sha256") if isinstance(hashes, dict) else None
    return digest.lower() if isinstance(digest, str) else None


def _page_file(pkg: Any) -> _PageFile:
    """A pypi-simple ``DistributionPackage`` as lock2nix keeps it."""
    return _PageFile(
        IndexFile(
            filename=pkg.filename,
            url=pkg.url,
            sha256=_lower(pkg.digests.get("sha256")),
            requires_python=pkg.requires_python or None,
            metadata_sha256=_lower((pkg.metadata_digests or {}).get("sha256")),
            size=pkg.size,
        ),
        _normalize_version(pkg.version),
    )


def _by_page(requests: Iterable[_Req]) -> dict[_Key, list[_Req]]:
    groups: dict[_Key, list[_Req]] = {}
    for req in requests:
        groups.setdefault((req.index_url, req.project), []).append(req)
    return groups


def _cached_files(
    cached: CachedProject, reqs: Sequence[FileRequest], missing_ok: bool
) -> dict[FileRequest, IndexFile] | None:
    if not all(_answers(cached, r, missing_ok) for r in reqs):
        return None
    return {r: cached.files[r.filename] for r in reqs if r.filename in cached.files}


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


def _version_filter(versions: Collection[str]) -> Callable[[str], bool]:
    """A quick test that is true of every file name whose version is one of ``versions``
    (normalised), and false of nearly all others: one regular expression search
    instead of a file-name parse and a version parse for each of a page's files.

    In every file name pypi-simple parses, the version follows a ``-``. A version
    that normalises to ``v`` starts, after an optional ``v`` and epoch, with the
    numbers of ``v``'s release (leading zeros allowed), then maybe zeros (1.0
    normalises to 1), then no more numbers; one that does not parse is kept as
    written.
    """
    alternatives = set()
    for version in versions:
        try:
            release = Version(version).release
        except InvalidVersion:
            alternatives.add(re.escape(f"-{version}"))
            continue
        numbers = r"\.".join(f"0*{n}" for n in release)
        alternatives.add(rf"-[vV]?(?:[0-9]+!)?{numbers}(?:\.0+)*(?![0-9]|\.[0-9])")
    search = re.compile("|".join(sorted(alternatives))).search
    return lambda name: search(name) is not None


def _filename_version(filename: str, project: str | None) -> str | None:
    """The version in a file name, normalised, as pypi-simple reads it for a page of ``project``."""
    from pypi_simple import UnparsableFilenameError, parse_filename

    try:
        return _normalize_version(parse_filename(filename, project)[1])
    except UnparsableFilenameError:
        return None


@functools.lru_cache(maxsize=4096)  # the files of one release share their version
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

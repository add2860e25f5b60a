"""Where each locked file is, and its hash: the index lookups of resolution.

Locks record their files in three ways, and each is completed here:

* by file name and hash (poetry.lock): the URL is looked up on the index;
* by hash only (Pipfile.lock): the files whose sha256 the lock records are
  found among the index's files of the release;
* by version only (a conda environment's ``pip:`` pins): every file the
  index lists for that version, pinned to the sha256 the index gives.

A file URL the lock gives without a hash is downloaded once and pinned to
what it serves (remembered by URL in the cache).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from pathlib import Path

from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

from .. import _http
from .._warnings import warn
from ..errors import Lock2NixError, local_copy_fix, unreachable_hint
from ..model import ArchiveSource, Artifact, IndexSource, Lock, NixpkgsSource, Package
from .cache import JsonCache, digest_name
from .index import (
    LISTED,
    NOT_CACHED,
    FileRequest,
    HashRequest,
    IndexClient,
    IndexFile,
    IndexLookupError,
    Located,
    ReleaseRequest,
)

__all__ = ["file_requests", "locate_files", "locate_hashed", "locate_releases", "pin_unhashed", "url_sha256"]

#: (name, URL) of an index; the name is None when the lock gives none.
IndexRef = tuple[str | None, str]

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


# --- locks that name files and hashes (poetry.lock) ------------------------------


def locate_files(lock: Lock, client: IndexClient) -> Lock:
    """The URL of every index file the lock names, from the index's page of its project.

    Indexes delete files; a locked file that is gone cannot be fetched by
    anyone, so it is left out (with a warning) while the others remain.
    """
    wanted = file_requests(lock)
    if not wanted:
        return lock
    try:
        found = client.resolve(list(wanted.values()), missing_ok=True)
    except Lock2NixError as exc:
        raise _located_error(lock, exc) from None
    return dataclasses.replace(lock, packages=tuple(_with_urls(lock, p, wanted, found) for p in lock.packages))


def file_requests(lock: Lock) -> dict[tuple[str, str], FileRequest]:
    """What `locate_files` asks the index, by (package key, file name)."""
    wanted: dict[tuple[str, str], FileRequest] = {}
    for package in lock.packages:
        source = package.source
        if not isinstance(source, IndexSource):
            continue
        for artifact in _artifacts(source):
            if artifact.url is None:
                wanted[(package.key, artifact.filename)] = FileRequest(
                    index_url=source.url,
                    project=package.name,
                    filename=artifact.filename,
                    sha256=artifact.hashes["sha256"],
                )
    return wanted


def _located_error(lock: Lock, exc: Lock2NixError, package: Package | None = None) -> Lock2NixError:
    """``exc`` from the index client, naming the lock and the entry; an index
    that could not be read (its project's page) also names the fixes that need no index."""
    project = exc.project if isinstance(exc, IndexLookupError) else ""
    if package is None and project:
        package = next((p for p in lock.packages if p.name == project), None)
    if package is None:
        return exc.at(file=lock.file)
    if project:
        return IndexLookupError(f"{exc.message}; {unreachable_hint(package.name)}", file=lock.file, entry=package.entry)
    return exc.at(file=lock.file, entry=package.entry)


def _with_urls(
    lock: Lock, package: Package, wanted: dict[tuple[str, str], FileRequest], found: dict[FileRequest, IndexFile]
) -> Package:
    source = package.source
    if not isinstance(source, IndexSource):
        return package
    located: list[Artifact] = []
    gone: list[str] = []
    for artifact in _artifacts(source):
        request = wanted.get((package.key, artifact.filename))
        if request is None:
            located.append(artifact)
        elif request in found:
            located.append(dataclasses.replace(artifact, url=found[request].url))
        else:
            gone.append(artifact.filename)
    if not located:
        # Kept without artifacts: the overlay names the problem if (and
        # only if) something uses the package, often an unused extra.
        warn(f"{lock.file}: {package.entry}: none of its files is listed on {source.url} any more; "
             "the overlay will refuse to build it (re-lock to fix)")
    elif gone:
        warn(f"{lock.file}: {package.entry}: {len(gone)} locked file(s) no longer on {source.url}, left out: "
             + ", ".join(sorted(gone)))
    source = dataclasses.replace(
        source,
        # An index source's only non-wheel artifact is its sdist.
        sdist=next((a for a in located if not a.is_wheel), None),
        wheels=tuple(a for a in located if a.is_wheel),
    )
    return dataclasses.replace(package, source=source)


def _artifacts(source: IndexSource) -> Iterator[Artifact]:
    if source.sdist is not None:
        yield source.sdist
    yield from source.wheels


# --- locks that name versions only (a conda environment's pip pins) -------------


def locate_releases(lock: Lock, client: IndexClient) -> Lock:
    """Every file of each pinned release, from the first of its indexes that lists the version.

    pip records no hash for ``name==1.0``: the files and their sha256 are
    taken from the index's listing (pip would install one of them). A
    release no index lists (a private index lock2nix cannot read, a
    deleted release) is taken from nixpkgs instead, its version checked
    when Nix evaluates, with a warning.
    """
    pending = {
        p.key: [(p.source.name, p.source.url), *p.source.fallbacks]
        for p in lock.packages
        if isinstance(p.source, IndexSource) and p.source.version_only
    }
    if not pending:
        return lock
    by_key = {p.key: p for p in lock.packages}
    files: dict[str, tuple[IndexRef, list[IndexFile]]] = {}
    tried: dict[str, list[str]] = {key: [] for key in pending}
    not_cached: set[str] = set()
    while True:
        asked: dict[str, tuple[ReleaseRequest, IndexRef]] = {}
        for key, candidates in pending.items():
            if key not in files and candidates:
                index = candidates.pop(0)
                tried[key].append(_index_label(*index))
                asked[key] = (ReleaseRequest(index[1], by_key[key].name, by_key[key].version), index)
        if not asked:
            break
        answers = _ask_each(lock, client, [request for request, _ in asked.values()], by_key)
        for key, (request, index) in asked.items():
            answer = answers.get(request)
            if answer is None:
                continue
            if answer.status == NOT_CACHED:
                not_cached.add(key)
                warn(f"{lock.file}: {by_key[key].entry}: {tried[key][-1]} is not in the cache (--offline); "
                     "trying the next index")
                continue
            usable = [f for f in answer.files if f.sha256]
            if answer.status == LISTED and usable:
                files[key] = (index, usable)
    out = []
    for package in lock.packages:
        if package.key not in pending:
            out.append(package)
        elif package.key in files:
            index, found = files[package.key]
            source = _index_source(lock, package, found, index)
            # A conda environment's pin: the release as the index spells it (=2.26 finds 2.26.0).
            version = (_release_version(source) if lock.environment is not None else None) or package.version
            out.append(dataclasses.replace(package, version=version, source=source))
        else:
            out.append(_not_listed(lock, package, tried[package.key], package.key in not_cached))
    return dataclasses.replace(lock, packages=tuple(out))


def _release_version(source: IndexSource) -> str | None:
    for artifact in (*source.wheels, *([source.sdist] if source.sdist else [])):
        try:
            if artifact.is_wheel:
                return str(parse_wheel_filename(artifact.filename)[1])
            return str(parse_sdist_filename(artifact.filename)[1])
        except (InvalidWheelFilename, InvalidSdistFilename):
            continue
    return None


def _ask_each(
    lock: Lock, client: IndexClient, requests: Sequence[ReleaseRequest], by_key: dict[str, Package]
) -> dict[ReleaseRequest, Located]:
    answers: dict[ReleaseRequest, Located] = {}
    for request in requests:
        # One page at a time: like pip, a conda environment's index that
        # cannot be read is skipped (with a warning) and the next one asked.
        # A lock's package has its index: that one not answering is an error.
        try:
            answers.update(client.release([request]))
        except IndexLookupError as exc:
            if not exc.project or lock.environment is None:
                package = next((p for p in by_key.values() if p.name == request.project), None)
                raise _located_error(lock, exc, package) from None
            warn(f"{lock.file}: {exc.message}; trying the next index")
        except Lock2NixError as exc:
            raise exc.at(file=lock.file) from None
    return answers


def _not_listed(lock: Lock, package: Package, tried: list[str], not_cached: bool) -> Package:
    """A pinned release no index lists: in a conda environment nixpkgs'
    package, checked (offline: an error); in a lock, an error."""
    where = " nor ".join(tried)
    if not_cached:
        raise IndexLookupError(
            f"the files of {package.name} {package.version} on {where} are not in "
            "the cache; run without --offline to read the index",
            file=lock.file, entry=package.entry,
        )
    if lock.environment is None:
        raise IndexLookupError(
            f"the lock records no usable file, and {where} lists no file of {package.name} {package.version} "
            f"with a sha256 to pin it by; re-lock, or {local_copy_fix(package.name)}",
            file=lock.file, entry=package.entry,
        )
    warn(f"{lock.file}: {package.entry}: {package.name} {package.version} is not listed on {where}; "
         f"taken from nixpkgs instead (its version checked when Nix evaluates)")
    from ..conda_names import python_attribute  # conda environments only: its tables are not small

    return dataclasses.replace(
        package,
        source=NixpkgsSource(
            attribute=python_attribute(package.name),
            constraint=((("==", package.version),),),
            spec=f"{package.name}=={package.version}",
        ),
    )


# --- locks that record hashes only (Pipfile.lock) --------------------------------


@dataclasses.dataclass
class _Pending:
    """A package whose locked hashes are being matched to files, index by index."""

    package: Package
    candidates: list[IndexRef]
    remaining: frozenset[str]
    found: list[IndexFile] = dataclasses.field(default_factory=list)
    found_on: list[IndexRef] = dataclasses.field(default_factory=list)
    tried: list[str] = dataclasses.field(default_factory=list)
    not_cached: bool = False


def locate_hashed(lock: Lock, client: IndexClient) -> Lock:
    """Find the files behind each package's locked hashes on its index.

    A package pinned to an index is looked up there; one that is not is looked
    up on the lock's first index, then on the others in order (pip's extra
    indexes), for the hashes still unmatched. A hash no index matches is an
    error naming the package and the indexes.
    """
    pending: dict[str, _Pending] = {}
    for package in lock.packages:
        source = package.source
        if isinstance(source, IndexSource) and source.locked_hashes:
            pending[package.key] = _Pending(
                package, [(source.name, source.url), *source.fallbacks], frozenset(source.locked_hashes)
            )
    if not pending:
        return lock
    while True:
        # One round: each package still missing files asks its next index.
        asked: dict[str, tuple[HashRequest, IndexRef]] = {}
        for key, p in pending.items():
            if p.remaining and p.candidates:
                name, url = p.candidates.pop(0)
                p.tried.append(_index_label(name, url))
                asked[key] = (HashRequest(url, p.package.name, p.package.version, p.remaining), (name, url))
        if not asked:
            break
        try:
            answers = client.locate([request for request, _ in asked.values()])
        except Lock2NixError as exc:
            raise _located_error(lock, exc) from None
        for key, (request, index) in asked.items():
            p = pending[key]
            answer = answers[request]
            if answer.status == NOT_CACHED:
                p.not_cached = True
            elif answer.status == LISTED and answer.files:
                p.found.extend(answer.files)
                p.found_on.append(index)
                p.remaining = answer.unmatched
    out = []
    for package in lock.packages:
        located = pending.get(package.key)
        if located is None:
            out.append(package)
            continue
        if located.remaining:
            raise _unmatched(lock, located.package, located.remaining, located.tried, located.not_cached)
        source = _index_source(lock, located.package, located.found, located.found_on[0])
        out.append(dataclasses.replace(package, source=source))
    return dataclasses.replace(lock, packages=tuple(out))


def _index_label(name: str | None, url: str) -> str:
    return f"index {name!r} ({url})" if name else f"index {url}"


def _unmatched(
    lock: Lock, package: Package, remaining: frozenset[str], tried: list[str], not_cached: bool
) -> Lock2NixError:
    where = " nor ".join(tried)
    if not_cached:
        return IndexLookupError(
            f"the files of {package.name} {package.version} on {where} are not in the cache; "
            "run without --offline to read the index",
            file=lock.file, entry=package.entry,
        )
    hashes = ", ".join(f"sha256:{h}" for h in sorted(remaining))
    return IndexLookupError(
        f"{len(remaining)} locked hash(es) match no file of {package.name} listed on {where}: {hashes}",
        file=lock.file, entry=package.entry,
    )


def _index_source(lock: Lock, package: Package, files: list[IndexFile], index: IndexRef) -> IndexSource:
    wheels: dict[str, Artifact] = {}
    sdists: list[Artifact] = []
    for f in files:
        assert f.sha256 is not None  # matched by hash, or left out when the index gives none
        artifact = Artifact(filename=f.filename, hashes={"sha256": f.sha256}, url=f.url)
        if f.filename.endswith(".whl"):
            try:
                parse_wheel_filename(f.filename)
            except InvalidWheelFilename:
                continue  # unusable name; pip would skip it too
            wheels[f.filename] = artifact
        elif f.filename.lower().endswith(_SDIST_SUFFIXES):
            sdists.append(artifact)
        # Anything else (.egg, .exe installers hashed by old pipenv) cannot be installed.
    if not wheels and not sdists:
        raise IndexLookupError(
            f"none of the locked files is a wheel or an sdist ({', '.join(sorted(f.filename for f in files))})",
            file=lock.file, entry=package.entry,
        )
    # Several sdists (zip and tar.gz) happen in old locks; prefer tar.gz, then by name.
    sdist = min(sdists, key=lambda a: (not a.filename.endswith(".tar.gz"), a.filename)) if sdists else None
    name, url = index
    return IndexSource(url=url, name=name, sdist=sdist, wheels=tuple(wheels[k] for k in sorted(wheels)))


# --- file URLs without a hash ------------------------------------------------------


def pin_unhashed(lock: Lock, cache_dir: Path, *, offline: bool) -> Lock:
    """Pin file URLs the lock gives without a hash to what they serve now (cached)."""
    if not any(isinstance(p.source, ArchiveSource) and not p.source.artifact.hashes for p in lock.packages):
        return lock
    out = []
    for package in lock.packages:
        source = package.source
        if isinstance(source, ArchiveSource) and not source.artifact.hashes:
            assert source.url is not None
            try:
                digest = url_sha256(source.url, cache_dir, offline=offline)
            except _DownloadError as exc:
                message = f"{exc.message}; {unreachable_hint(package.name)}"
                raise Lock2NixError(message, file=lock.file, entry=package.entry) from None
            except Lock2NixError as exc:
                raise exc.at(file=lock.file, entry=package.entry) from None
            artifact = dataclasses.replace(source.artifact, hashes={"sha256": digest})
            package = dataclasses.replace(package, source=dataclasses.replace(source, artifact=artifact))
        out.append(package)
    return dataclasses.replace(lock, packages=tuple(out))


class _DownloadError(Lock2NixError):
    """A file could not be downloaded (its host unreachable, ...)."""


def url_sha256(url: str, cache_dir: Path, *, offline: bool) -> str:
    """The sha256 of what ``url`` serves, downloaded once and remembered by URL."""
    entries = JsonCache.under(cache_dir, "url")
    path = entries.directory / f"{digest_name(url, 32)}.json"
    cached = entries.read(path, {"url": url}, lambda entry: str(entry["sha256"]))
    if cached is not None:
        return cached
    if offline:
        raise Lock2NixError(
            f"the lock records no hash for {url}, and pinning it needs one download, "
            "which --offline forbids; run without --offline"
        )
    import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

    import requests  # only when something is downloaded

    digest = hashlib.sha256()
    try:
        with _http.new_session(pool_size=1).get(url, stream=True, timeout=(30, 60)) as r:
            r.raise_for_status()
            for block in r.iter_content(1 << 16):
                digest.update(block)
    except requests.RequestException as exc:
        raise _DownloadError(
            f"the lock records no hash for {url}, and downloading it to pin it failed: {_http.brief(exc)}"
        ) from None
    value = digest.hexdigest()
    entries.write_json(path, {"url": url, "sha256": value})
    warn(f"{url}: the lock records no hash; pinned to what it serves now (sha256 {value})")
    return value

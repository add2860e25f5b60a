"""Complete a parsed lock: artifact URLs from the index, hashes of git checkouts.

poetry.lock names files and hashes but not URLs, so every index artifact is
looked up through the Simple API (cached on disk: an unchanged lock never
refetches).  Pipfile.lock names only hashes: their files are found on the
index by hash, and the dependency edges it does not record are read from each
distribution's metadata (:mod:`lock2nix.metadata`).  Git sources get the hash
of their checkout, as nixpkgs' fetchgit computes it; a file URL the lock gives
without a hash is downloaded once and pinned.  After resolution every source
carries a hash.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .errors import Lock2NixError
from .model import (
    ArchiveSource,
    Artifact,
    BuildSystem,
    Dependency,
    IndexSource,
    Lock,
    Package,
    VcsSource,
)


@dataclasses.dataclass(frozen=True)
class Settings:
    cache_dir: Path
    offline: bool = False
    #: Read each sdist's [build-system] (downloading it once, cached).
    detect_build_systems: bool = True


def resolve(lock: Lock, settings: Settings) -> Lock:
    if any(isinstance(p.source, IndexSource) and p.source.version_only for p in lock.packages):
        lock = dataclasses.replace(lock, packages=tuple(_locate_releases(lock, settings)))
    if any(isinstance(p.source, IndexSource) and p.source.locked_hashes for p in lock.packages):
        lock = dataclasses.replace(lock, packages=tuple(_locate_hashed(lock, settings)))
    if any(isinstance(p.source, ArchiveSource) and not p.source.artifact.hashes for p in lock.packages):
        lock = dataclasses.replace(lock, packages=tuple(_pin_unhashed(lock, settings)))
    packages = _resolve_index_urls(lock, settings)
    packages = [_resolve_git(lock, p, settings) for p in packages]
    if lock.dependencies_from == "metadata":
        packages = _dependencies_from_metadata(lock, packages, settings)
    if settings.detect_build_systems:
        packages = _detect_build_systems(lock, packages, settings)
    return dataclasses.replace(lock, packages=tuple(packages))


def _sdist_of(package: Package) -> Artifact | None:
    source = package.source
    if isinstance(source, IndexSource):
        return source.sdist
    if isinstance(source, ArchiveSource) and source.url is not None and not source.artifact.is_wheel:
        return dataclasses.replace(source.artifact, url=source.url)
    return None


def _detect_build_systems(lock: Lock, packages: list[Package], settings: Settings) -> list[Package]:
    from .sdist import SdistRequest, build_requirements

    requests = {}
    for package in packages:
        sdist = _sdist_of(package)
        if sdist is not None and sdist.url is not None:
            requests[package.key] = SdistRequest(url=sdist.url, filename=sdist.filename, sha256=sdist.hashes["sha256"])
    if not requests:
        return packages
    try:
        found = build_requirements(list(requests.values()), cache_dir=settings.cache_dir, offline=settings.offline)
    except Lock2NixError as exc:
        raise exc.at(file=lock.file) from None
    out = []
    for package in packages:
        request = requests.get(package.key)
        if request is not None:
            declared = found[request.sha256]
            package = dataclasses.replace(
                package,
                build_system=BuildSystem(
                    requires=tuple(declared.requires), backend=declared.backend, origin=declared.source
                ),
            )
        out.append(package)
    return out


def _resolve_index_urls(lock: Lock, settings: Settings) -> list[Package]:
    from .index import FileRequest, IndexClient

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
    if not wanted:
        return list(lock.packages)
    client = IndexClient(settings.cache_dir, offline=settings.offline)
    try:
        # Indexes delete files; a locked file that is gone cannot be fetched by
        # anyone, so it is left out (with a warning) while others remain.
        found = client.resolve(list(wanted.values()), missing_ok=True)
    except Lock2NixError as exc:
        raise exc.at(file=lock.file) from None
    out = []
    for package in lock.packages:
        source = package.source
        if isinstance(source, IndexSource):
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
                _warn(f"{lock.file}: {package.entry}: none of its files is listed on {source.url} any more; "
                      "the overlay will refuse to build it (re-lock to fix)")
            elif gone:
                _warn(f"{lock.file}: {package.entry}: {len(gone)} locked file(s) no longer on {source.url}, left out: "
                      + ", ".join(sorted(gone)))
            source = dataclasses.replace(
                source,
                # An index source's only non-wheel artifact is its sdist.
                sdist=next((a for a in located if not a.is_wheel), None),
                wheels=tuple(a for a in located if a.is_wheel),
            )
            package = dataclasses.replace(package, source=source)
        out.append(package)
    return out


def _warn(message: str) -> None:
    import sys

    print(f"lock2nix: warning: {message}", file=sys.stderr)


def _artifacts(source: IndexSource):
    if source.sdist is not None:
        yield source.sdist
    yield from source.wheels


def _resolve_git(lock: Lock, package: Package, settings: Settings) -> Package:
    source = package.source
    if not isinstance(source, VcsSource) or source.hash is not None:
        return package
    from .hashing import GitHashCache, git_checkout

    cache = GitHashCache(settings.cache_dir)
    try:
        plain = git_checkout(source.url, source.commit_id, submodules=False, cache=cache, offline=settings.offline)
        checkout = plain
        if plain.has_submodules:
            checkout = git_checkout(
                source.url, source.commit_id, submodules=True, cache=cache, offline=settings.offline
            )
    except Lock2NixError as exc:
        raise exc.at(file=lock.file, entry=package.entry) from None
    return dataclasses.replace(
        package,
        source=dataclasses.replace(source, hash=checkout.hash, submodules=plain.has_submodules),
    )


# --- locks that name versions only (a conda environment's pip pins) -------------


def _locate_releases(lock: Lock, settings: Settings) -> list[Package]:
    """Every file of each pinned release, from the first of its indexes that lists the version.

    pip records no hash for ``name==1.0``: the files and their sha256 are
    taken from the index's listing (pip would install one of them). A
    release no index lists (a private index lock2nix cannot read, a
    deleted release) is taken from nixpkgs instead, its version checked
    when Nix evaluates, with a warning.
    """
    from .conda_names import python_attribute
    from .index import LISTED, NOT_CACHED, IndexClient, ReleaseRequest
    from .model import NixpkgsSource

    client = IndexClient(settings.cache_dir, offline=settings.offline)
    pending = {
        p.key: [(p.source.name, p.source.url), *p.source.fallbacks]
        for p in lock.packages
        if isinstance(p.source, IndexSource) and p.source.version_only
    }
    by_key = {p.key: p for p in lock.packages}
    files: dict[str, tuple[tuple[str | None, str], list]] = {}
    tried: dict[str, list[str]] = {key: [] for key in pending}
    not_cached: set[str] = set()
    while True:
        asked = {}
        for key, candidates in pending.items():
            if key not in files and candidates:
                index = candidates.pop(0)
                tried[key].append(_index_label(*index))
                asked[key] = (ReleaseRequest(index[1], by_key[key].name, by_key[key].version), index)
        if not asked:
            break
        answers = {}
        for request, index in asked.values():
            # One page at a time: like pip, an index that cannot be read is
            # skipped (with a warning) and the next one asked.
            try:
                answers.update(client.release([request]))
            except Lock2NixError as exc:
                if not getattr(exc, "project", ""):
                    raise exc.at(file=lock.file) from None
                _warn(f"{lock.file}: {exc.message}; trying the next index")
        for key, (request, index) in asked.items():
            answer = answers.get(request)
            if answer is None:
                continue
            if answer.status == NOT_CACHED:
                not_cached.add(key)
                _warn(f"{lock.file}: {by_key[key].entry}: {tried[key][-1]} is not in the cache (--offline); "
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
            out.append(dataclasses.replace(package, source=_index_source(lock, package, found, index)))
        elif package.key in not_cached:
            from .index import IndexLookupError

            raise IndexLookupError(
                f"the files of {package.name} {package.version} on {' nor '.join(tried[package.key])} are not in "
                "the cache; run without --offline to read the index",
                file=lock.file, entry=package.entry,
            )
        else:
            where = " nor ".join(tried[package.key])
            _warn(f"{lock.file}: {package.entry}: {package.name} {package.version} is not listed on {where}; "
                  f"taken from nixpkgs' Python set instead (its version checked when Nix evaluates)")
            out.append(
                dataclasses.replace(
                    package,
                    source=NixpkgsSource(
                        attribute=python_attribute(package.name),
                        constraint=((("==", package.version),),),
                        spec=f"{package.name}=={package.version}",
                    ),
                )
            )
    return out


# --- locks that record hashes only (Pipfile.lock) --------------------------------

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def _locate_hashed(lock: Lock, settings: Settings) -> list[Package]:
    """Find the files behind each package's locked hashes on its index.

    A package pinned to an index is looked up there; one that is not is looked
    up on the lock's first index, then on the others in order (pip's extra
    indexes), for the hashes still unmatched. A hash no index matches is an
    error naming the package and the indexes.
    """
    from .index import LISTED, NOT_CACHED, HashRequest, IndexClient

    @dataclasses.dataclass
    class Pending:
        package: Package
        candidates: list[tuple[str | None, str]]
        remaining: frozenset[str]
        found: list = dataclasses.field(default_factory=list)
        found_on: list[tuple[str | None, str]] = dataclasses.field(default_factory=list)
        tried: list[str] = dataclasses.field(default_factory=list)
        not_cached: bool = False

    pending: dict[str, Pending] = {}
    for package in lock.packages:
        source = package.source
        if isinstance(source, IndexSource) and source.locked_hashes:
            pending[package.key] = Pending(
                package, [(source.name, source.url), *source.fallbacks], frozenset(source.locked_hashes)
            )
    client = IndexClient(settings.cache_dir, offline=settings.offline)
    while True:
        # One round: each package still missing files asks its next index.
        asked: dict[str, tuple[HashRequest, tuple[str | None, str]]] = {}
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
            project = getattr(exc, "project", "")
            entry = next((p.package.entry for p in pending.values() if p.package.name == project), None)
            raise exc.at(file=lock.file, entry=entry) from None
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
        p = pending.get(package.key)
        if p is None:
            out.append(package)
            continue
        if p.remaining:
            raise _unmatched(lock, p.package, p.remaining, p.tried, p.not_cached)
        out.append(dataclasses.replace(package, source=_index_source(lock, p.package, p.found, p.found_on[0])))
    return out


def _index_label(name: str | None, url: str) -> str:
    return f"index {name!r} ({url})" if name else f"index {url}"


def _unmatched(lock: Lock, package: Package, remaining: frozenset[str], tried: list[str], not_cached: bool) -> Lock2NixError:
    from .index import IndexLookupError

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


def _index_source(lock: Lock, package: Package, files: list, index: tuple[str | None, str]) -> IndexSource:
    from packaging.utils import InvalidWheelFilename, parse_wheel_filename

    wheels: dict[str, Artifact] = {}
    sdists: list[Artifact] = []
    for f in files:
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
        from .index import IndexLookupError

        raise IndexLookupError(
            f"none of the locked files is a wheel or an sdist ({', '.join(sorted(f.filename for f in files))})",
            file=lock.file, entry=package.entry,
        )
    # Several sdists (zip and tar.gz) happen in old locks; prefer tar.gz, then by name.
    sdist = min(sdists, key=lambda a: (not a.filename.endswith(".tar.gz"), a.filename)) if sdists else None
    name, url = index
    return IndexSource(url=url, name=name, sdist=sdist, wheels=tuple(wheels[k] for k in sorted(wheels)))


def _pin_unhashed(lock: Lock, settings: Settings) -> list[Package]:
    """Pin file URLs the lock gives without a hash to what they serve now (cached)."""
    out = []
    for package in lock.packages:
        source = package.source
        if isinstance(source, ArchiveSource) and not source.artifact.hashes:
            assert source.url is not None
            try:
                digest = url_sha256(source.url, settings.cache_dir, offline=settings.offline)
            except Lock2NixError as exc:
                raise exc.at(file=lock.file, entry=package.entry) from None
            artifact = dataclasses.replace(source.artifact, hashes={"sha256": digest})
            package = dataclasses.replace(package, source=dataclasses.replace(source, artifact=artifact))
        out.append(package)
    return out


def url_sha256(url: str, cache_dir: Path, *, offline: bool) -> str:
    """The sha256 of what ``url`` serves, downloaded once and remembered by URL."""
    import hashlib
    import json

    from .files import write_atomic

    path = cache_dir / "url" / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.json"
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry["url"] == url:
            return entry["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    if offline:
        raise Lock2NixError(
            f"the lock records no hash for {url}, and pinning it needs one download, "
            "which --offline forbids; run without --offline"
        )
    import requests

    from .index import _new_session

    digest = hashlib.sha256()
    try:
        with _new_session(pool_size=1).get(url, stream=True, timeout=(30, 60)) as r:
            r.raise_for_status()
            for block in r.iter_content(1 << 16):
                digest.update(block)
    except requests.RequestException as exc:
        from .index import _brief

        raise Lock2NixError(
            f"the lock records no hash for {url}, and downloading it to pin it failed: {_brief(exc)}"
        ) from None
    value = digest.hexdigest()
    write_atomic(path, json.dumps({"url": url, "sha256": value}, indent=1, sort_keys=True) + "\n", parents=True)
    _warn(f"{url}: the lock records no hash; pinned to what it serves now (sha256 {value})")
    return value


def _metadata_file(package: Package):
    """The file to read a package's metadata from: a wheel if any, else the sdist."""
    from .metadata import MetadataRequest

    source = package.source
    if isinstance(source, IndexSource):
        candidates = [w for w in source.wheels if w.url]
        if candidates:
            def rank(a: Artifact) -> tuple:
                pure = a.filename.endswith("-none-any.whl")
                return (not pure, a.filename)

            best = min(candidates, key=rank)
            return MetadataRequest(best.url, best.filename, best.hashes["sha256"])  # type: ignore[arg-type]
        if source.sdist is not None and source.sdist.url:
            return MetadataRequest(source.sdist.url, source.sdist.filename, source.sdist.hashes["sha256"])
        return None
    if isinstance(source, ArchiveSource) and source.url is not None and source.artifact.hashes:
        return MetadataRequest(source.url, source.artifact.filename, source.artifact.hashes["sha256"], pep658=False)
    return None


def _dependencies_from_metadata(lock: Lock, packages: list[Package], settings: Settings) -> list[Package]:
    """Fill each package's dependency edges and extras from its distribution metadata."""
    from .metadata import MetadataError, fetch_metadata
    from .progress import Progress

    requests = {}
    for package in packages:
        request = _metadata_file(package)
        if request is not None:
            requests[package.key] = request
    if not requests:
        return packages
    entries = {r.sha256: p.entry for p in packages for r in [requests.get(p.key)] if r is not None}
    names = {p.name for p in packages}
    with Progress("reading metadata", len(requests)) as progress:
        try:
            found = fetch_metadata(
                requests.values(), cache_dir=settings.cache_dir, offline=settings.offline, on_done=progress.advance
            )
        except MetadataError as exc:
            raise exc.at(file=lock.file, entry=entries.get(getattr(exc, "sha256", ""))) from None
    if lock.environment is not None:
        # A conda environment's pip installs what a locked package requires and
        # the environment does not list from the index, unpinned: here nixpkgs
        # provides it, like the environment's unpinned requirements.
        packages = packages + _provided_by_nixpkgs(packages, requests, found, names)
        names = {p.name for p in packages}
    out = []
    for package in packages:
        request = requests.get(package.key)
        if request is not None:
            metadata = found[request.sha256]
            dependencies, extras = edges_from_requirements(metadata.requires_dist, metadata.provides_extra, names)
            package = dataclasses.replace(
                package,
                dependencies=dependencies,
                extras=extras,
                requires_python=package.requires_python or metadata.requires_python,
            )
        out.append(package)
    return out


def _provided_by_nixpkgs(packages: list[Package], requests: dict, found: dict, names: set[str]) -> list[Package]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from .conda_names import python_attribute
    from .model import MAIN_GROUP, NixpkgsSource

    needed: dict[str, list[str]] = {}
    for package in packages:
        request = requests.get(package.key)
        if request is None:
            continue
        for text in found[request.sha256].requires_dist:
            try:
                name = canonicalize_name(Requirement(text).name)
            except InvalidRequirement:
                continue
            if name not in names and name != package.name:
                needed.setdefault(name, []).append(package.name)
    return [
        Package(
            name=name,  # type: ignore[arg-type]
            version="*",
            source=NixpkgsSource(attribute=python_attribute(name)),
            groups=frozenset({MAIN_GROUP}),
            entry=f"{name} (required by {', '.join(sorted(set(by)))}; not in the environment)",
        )
        for name, by in sorted(needed.items())
    ]


def edges_from_requirements(
    requires_dist: tuple[str, ...] | list[str], provides_extra: tuple[str, ...] | list[str], names: set[str]
) -> tuple[tuple[Dependency, ...], dict[str, tuple[Dependency, ...]]]:
    """``Requires-Dist`` lines → runtime edges and edges per extra, to locked names only.

    A requirement whose marker needs an extra (``extra == "x"``) belongs to
    that extra; its marker is kept whole (extra clauses are decided when the
    overlay is generated, the rest at evaluation time). Requirements on names
    the lock does not hold are dropped: the locker's markers excluded them.
    """
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from .generate import markers

    runtime: list[Dependency] = []
    extras: dict[str, list[Dependency]] = {canonicalize_name(e): [] for e in provides_extra}
    for text in requires_dist:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        if name not in names:
            continue
        marker = str(requirement.marker) if requirement.marker is not None else None
        dependency = Dependency(
            name=name,
            marker=marker,
            extras=tuple(sorted({canonicalize_name(e) for e in requirement.extras})),
            specifier=str(requirement.specifier) or None,
        )
        referenced = _extras_named(requirement.marker._markers) if requirement.marker is not None else set()
        if not referenced:
            runtime.append(dependency)
            continue
        try:
            if markers.compile_marker(marker, frozenset()) is not False:
                runtime.append(dependency)
            for extra in sorted(referenced):
                if markers.compile_marker(marker, frozenset({extra})) is not False:
                    extras.setdefault(extra, []).append(dependency)
        except Lock2NixError:
            continue  # a marker lock2nix cannot compile: pip would not install it either

    def unique(deps: list[Dependency]) -> tuple[Dependency, ...]:
        return tuple(sorted(set(deps), key=lambda d: (d.name, d.marker or "", d.extras, d.specifier or "")))

    return unique(runtime), {k: unique(v) for k, v in sorted(extras.items())}


def _extras_named(tree: list) -> set[str]:
    """The extra names an ``extra == ...`` clause of a parsed marker mentions."""
    from packaging.utils import canonicalize_name

    found: set[str] = set()
    for item in tree:
        if isinstance(item, list):
            found |= _extras_named(item)
        elif isinstance(item, tuple) and len(item) == 3:
            lhs, _op, rhs = item
            for var, value in ((lhs, rhs), (rhs, lhs)):
                if getattr(var, "value", None) == "extra" and type(var).__name__ == "Variable":
                    found.add(canonicalize_name(str(value.value)))
    return found

"""Complete a parsed lock: artifact URLs from the index, hashes of git checkouts.

poetry.lock names files and hashes but not URLs, so every index artifact is
looked up through the Simple API (cached on disk: an unchanged lock never
refetches).  Git sources get the hash of their checkout, as nixpkgs' fetchgit
computes it.  After resolution every source carries a hash.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from .errors import Lock2NixError
from .model import ArchiveSource, Artifact, BuildSystem, IndexSource, Lock, Package, VcsSource


@dataclasses.dataclass(frozen=True)
class Settings:
    cache_dir: Path
    offline: bool = False
    #: Read each sdist's [build-system] (downloading it once, cached).
    detect_build_systems: bool = True


def resolve(lock: Lock, settings: Settings) -> Lock:
    packages = _resolve_index_urls(lock, settings)
    packages = [_resolve_git(lock, p, settings) for p in packages]
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

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
from .model import IndexSource, Lock, Package, VcsSource


@dataclasses.dataclass(frozen=True)
class Settings:
    cache_dir: Path
    offline: bool = False


def resolve(lock: Lock, settings: Settings) -> Lock:
    packages = _resolve_index_urls(lock, settings)
    packages = [_resolve_git(lock, p, settings) for p in packages]
    return dataclasses.replace(lock, packages=tuple(packages))


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
        found = client.resolve(list(wanted.values()))
    except Lock2NixError as exc:
        raise exc.at(file=lock.file) from None
    out = []
    for package in lock.packages:
        source = package.source
        if isinstance(source, IndexSource):
            def located(artifact, package=package):
                request = wanted.get((package.key, artifact.filename))
                if request is None:
                    return artifact
                return dataclasses.replace(artifact, url=found[request].url)

            source = dataclasses.replace(
                source,
                sdist=located(source.sdist) if source.sdist is not None else None,
                wheels=tuple(located(w) for w in source.wheels),
            )
            package = dataclasses.replace(package, source=source)
        out.append(package)
    return out


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

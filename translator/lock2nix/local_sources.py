"""The user's local copies (``src``) and skipped packages (``skip = true``), applied before resolution.

A package whose host lock2nix cannot reach (a git server behind a VPN, an
index gone) still translates: with ``src`` its source is a local directory
or archive instead of the locked one, with ``skip`` the package set keeps its
own package. Either way its locked source is neither fetched nor looked up,
so resolution never sees it.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from .errors import Lock2NixError
from .model import ArchiveSource, Artifact, DirectorySource, Lock, NixpkgsSource, Package, Source
from .overrides import Fixes

__all__ = ["apply_local_sources", "resolve_except_skipped"]

_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


def apply_local_sources(lock: Lock, fixes: Fixes, lock_dir: Path) -> Lock:
    """``lock`` (read from ``lock_dir``) with every package a fix gives a ``src`` built from that local copy."""
    out = []
    changed = False
    for package in lock.packages:
        local = [f for f in fixes.for_package(package.name, package.version) if f.src is not None]
        if local and not isinstance(package.source, NixpkgsSource):
            fix = local[-1]
            assert fix.src is not None and fix.file is not None
            source = _local_source(Path(fix.file).parent / fix.src, lock_dir, fix.file, package.name)
            package = dataclasses.replace(package, source=source)
            changed = True
        out.append(package)
    return dataclasses.replace(lock, packages=tuple(out)) if changed else lock


def _local_source(path: Path, lock_dir: Path, config: str, name: str) -> Source:
    # Sources are relative to the lock's directory, as the lock's own path sources are.
    relative = os.path.relpath(path.resolve(), lock_dir.resolve()).replace(os.sep, "/")
    entry = f"package.{name}"
    if path.is_dir():
        return DirectorySource(path=relative)
    if not path.is_file():
        raise Lock2NixError(f"src {str(path)!r} does not exist", file=config, entry=entry)
    if not path.name.endswith(_ARCHIVE_SUFFIXES):
        raise Lock2NixError(
            f"src {str(path)!r} is neither a directory nor a wheel or sdist ({', '.join(_ARCHIVE_SUFFIXES)})",
            file=config, entry=entry,
        )
    import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return ArchiveSource(artifact=Artifact(filename=path.name, hashes={"sha256": digest}), path=relative)


def resolve_except_skipped(
    lock: Lock, fixes: Fixes, resolve: Callable[[Lock], Lock], whole: Callable[[Package], Package] = lambda p: p
) -> Lock:
    """``resolve(lock)`` for the packages the overlay builds; skipped ones are kept as
    parsed (``whole``: a package as parsed, for a parser's stand-in of it)."""
    versions: dict[str, list[str]] = {}
    for package in lock.packages:
        versions.setdefault(package.name, []).append(package.version)
    skipped = {name for name, locked in versions.items() if fixes.skip_of(name, locked) is not None}
    if not skipped:
        return resolve(lock)
    kept = [whole(p) for p in lock.packages if p.name in skipped and not isinstance(p.source, NixpkgsSource)]
    left_out = {p.key for p in kept}
    resolved = resolve(dataclasses.replace(lock, packages=tuple(p for p in lock.packages if p.key not in left_out)))
    order = {p.key: i for i, p in enumerate(lock.packages)}
    packages = sorted([*resolved.packages, *kept], key=lambda p: order.get(p.key, len(order)))
    return dataclasses.replace(resolved, packages=tuple(packages))

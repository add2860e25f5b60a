"""Complete a parsed lock: where each file is, every hash, and what the lock leaves out.

poetry.lock names files and hashes but not URLs, so every index artifact is
looked up through the Simple API (cached on disk: an unchanged lock never
refetches). Pipfile.lock names only hashes: their files are found on the
index by hash, and the dependency edges it does not record are read from each
distribution's metadata. A git branch or tag the lock names instead of a
commit is resolved (git ls-remote); git sources get the hash of their
checkout, as nixpkgs' fetchgit computes it; a file URL the lock gives without
a hash is downloaded once and pinned. After resolution every source carries a hash,
and every package built from an sdist the build system it declares.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from .. import _warnings
from ..model import Lock, Package, VcsSource
from ..snapshot import Snapshot, digest

__all__ = ["Settings", "resolve"]


@dataclasses.dataclass(frozen=True)
class Settings:
    cache_dir: Path
    offline: bool = False
    #: Read each sdist's [build-system] (downloading it once, cached).
    detect_build_systems: bool = True


#: A lighter form of a resolved package, enough for what the caller does with
#: most packages, given the lock's Requires-Python (see :func:`resolve`).
Outline = Callable[[Package, str | None], Package]


def resolve(
    lock: Lock, settings: Settings, snapshot: Snapshot | None = None, outline: Outline | None = None
) -> Lock:
    """The lock with every source complete.

    Packages the ``snapshot`` resolved in an earlier run, from the same parsed
    entry, are taken from it; the steps run for the others. A lock whose edges
    come from metadata (restricted to the names it locks) or that is a conda
    environment is resolved as a whole. A git branch or tag is asked for its
    commit on every run (it moves), so its package is never taken from the snapshot.

    With ``outline``, a package taken from the snapshot comes as its outline
    where the snapshot holds one: a stand-in (:meth:`Snapshot.stand_in`) the
    caller replaces with the package where it needs all of it. The generator
    reads all of a package only where it writes it, the rest of the time a
    wheel or two of its dozens: unpickling every file of every package was a
    twentieth of a one-package change.
    """
    if snapshot is None or lock.dependencies_from is not None or lock.environment is not None:
        return _resolve(lock, settings)
    keys = [
        None if _moving(p) else digest("resolved", settings.detect_build_systems, snapshot.fingerprint(p))
        for p in lock.packages
    ]
    outline_keys = [
        None if key is None or outline is None else digest("outline", key, lock.requires_python) for key in keys
    ]
    known: list[Package | None] = [
        None if key is None else _known(snapshot, key, outline_key)
        for key, outline_key in zip(keys, outline_keys, strict=True)
    ]
    missing = tuple(p for p, k in zip(lock.packages, known, strict=True) if k is None)
    # The steps only ever change packages: with none left, there is nothing to run.
    rest = dataclasses.replace(lock, packages=missing)
    with _warnings.recorded() as printed:
        done = _resolve(rest, settings) if missing else rest
    if len(done.packages) != len(missing):  # a step added or dropped packages: no shortcut
        return _resolve(lock, settings)
    fresh = iter(done.packages)
    packages = tuple(next(fresh) if k is None else k for k in known)
    # A package is kept with the warnings that name it; a warning that names
    # none of them keeps all from the snapshot, so that the next run prints it again.
    if all(any(p.entry and p.entry in message for p in missing) for message in printed):
        for key, package, k in zip(keys, packages, known, strict=True):
            if k is None and key is not None:
                mine = tuple(m for m in printed if package.entry and package.entry in m)
                snapshot.put("resolved", key, package, mine)
    if outline is not None:
        _keep_outlines(snapshot, outline, lock.requires_python, zip(keys, outline_keys, packages, strict=True))
    return dataclasses.replace(done, packages=packages)


def _keep_outlines(
    snapshot: Snapshot,
    outline: Outline,
    requires_python: str | None,
    packages: Iterable[tuple[str | None, str | None, Package]],
) -> None:
    """Keep, for the next run, the outline of each package kept whole and not already outlined."""
    kept, outlined = snapshot.used.get("resolved", {}), snapshot.used.get("outline", {})
    for key, outline_key, package in packages:
        if key in kept and outline_key is not None and outline_key not in outlined:
            lighter = outline(package, requires_python)
            if lighter is not package:
                snapshot.put_stand_in("outline", outline_key, lighter, package)


def _known(snapshot: Snapshot, key: str, outline_key: str | None) -> Package | None:
    """The package the snapshot resolved under ``key``: its outline, where it holds one under ``outline_key``."""
    if outline_key is not None:
        lighter: Package | None = snapshot.stand_in("outline", outline_key, "resolved", key)
        if lighter is not None:
            return lighter
    found: Package | None = snapshot.get("resolved", key)
    return found


def _moving(package: Package) -> bool:
    return isinstance(package.source, VcsSource) and package.source.commit_id is None


def _resolve(lock: Lock, settings: Settings) -> Lock:
    # The steps bring the index client and the HTTP stack with them: a lock
    # the snapshot resolves completely never imports them.
    from .steps import run_steps

    return run_steps(lock, settings.cache_dir, offline=settings.offline, detect=settings.detect_build_systems)

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
    entry, are taken from it, and so are the sources of entries that changed
    elsewhere (see :class:`_Sources`); the steps run for the others. A lock whose edges
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
    if snapshot is None:
        return _resolve(lock, settings)
    if lock.dependencies_from is not None or lock.environment is not None:
        return _resolve(_whole(lock, snapshot), settings)
    keys = [
        None if _moving(p) else digest("resolved", settings.detect_build_systems, snapshot.fingerprint(p))
        for p in lock.packages
    ]
    # An outline depends on the lock's Requires-Python too: which wheels install.
    python = digest("outline", lock.requires_python)
    outline_keys = [None if key is None or outline is None else f"{key}:{python}" for key in keys]
    known: list[Package | None] = [
        None if key is None else _known(snapshot, key, outline_key)
        for key, outline_key in zip(keys, outline_keys, strict=True)
    ]
    sources = _Sources(snapshot, settings)
    # An entry that changed only where resolution does not look (its edges,
    # marker, groups) keeps the resolution of its source.
    again: dict[int, tuple[Package, tuple[str, ...]]] = {}
    for i, (package, key, k) in enumerate(zip(lock.packages, keys, known, strict=True)):
        if k is None and key is not None and (taken := sources.resolved_again(package)) is not None:
            again[i] = taken
    # What the parser gave may be a stand-in (see lock2nix.parsers.poetry): the steps read all of it.
    missing = tuple(snapshot.whole(p) for i, p in enumerate(lock.packages) if known[i] is None and i not in again)
    # The steps only ever change packages: with none left, there is nothing to run.
    rest = dataclasses.replace(lock, packages=missing)
    with _warnings.recorded() as printed:
        done = _resolve(rest, settings) if missing else rest
    if len(done.packages) != len(missing):  # a step added or dropped packages: no shortcut
        return _resolve(_whole(lock, snapshot), settings)
    fresh = iter(done.packages)
    packages = tuple(k if k is not None else again[i][0] if i in again else next(fresh) for i, k in enumerate(known))
    # A package is kept with the warnings that name it; a warning that names
    # none of them keeps all from the snapshot, so that the next run prints it again.
    if all(any(p.entry and p.entry in message for p in missing) for message in printed):
        for i, (key, package, k) in enumerate(zip(keys, packages, known, strict=True)):
            if k is None and key is not None:
                mine = again[i][1] if i in again else tuple(m for m in printed if package.entry and package.entry in m)
                snapshot.put("resolved", key, package, mine)
                sources.keep(key, lock.packages[i])
    for key in keys:
        if key is not None:
            sources.keep(key)
    sources.save()
    if outline is not None:
        _keep_outlines(snapshot, outline, lock.requires_python, zip(keys, outline_keys, packages, strict=True))
    return dataclasses.replace(done, packages=packages)


class _Sources:
    """What each resolved package's source resolved from, so that an entry
    whose source is unchanged takes its resolution from the snapshot.

    One snapshot entry for the lock maps the key of each package kept under
    ``resolved`` to a digest of what resolution reads of it: name, version,
    source and build system (a package's edges, marker and groups it never
    reads). Reading the one entry costs little; a digest of every package's
    source, every run, would not.
    """

    _KEY = digest("resolved-sources")

    def __init__(self, snapshot: Snapshot, settings: Settings) -> None:
        self._snapshot = snapshot
        self._detect = settings.detect_build_systems
        self._before: dict[str, str] = snapshot.get("resolved-sources", self._KEY) or {}
        self._after: dict[str, str] = {}
        self._by_source: dict[str, str] | None = None

    def _digest(self, package: Package) -> str:
        fingerprint = self._snapshot.fingerprint(self._snapshot.whole(package).source)
        return digest("resolved-source", self._detect, package.name, package.version, package.variant,
                      package.entry, fingerprint, package.build_system)

    def resolved_again(self, package: Package) -> tuple[Package, tuple[str, ...]] | None:
        """``package`` resolved as the snapshot's package of the same source
        was, with the warnings that printed; None when it holds none."""
        if self._by_source is None:
            self._by_source = {source: key for key, source in self._before.items()}
        wanted = self._digest(package)
        before = self._by_source.get(wanted)
        if before is None or not self._snapshot.holds("resolved", before):
            return None
        self._after[before] = wanted  # kept with the entry it was read from: the next run may lock it again
        with _warnings.recorded() as printed:
            resolved: Package | None = self._snapshot.get("resolved", before)
        if resolved is None or resolved.version != package.version:
            return None
        return dataclasses.replace(package, source=resolved.source, build_system=resolved.build_system), tuple(printed)

    def keep(self, key: str, parsed: Package | None = None) -> None:
        """Keep what the package under ``key`` resolved from: ``parsed``, or what the snapshot had."""
        if parsed is not None:
            self._after[key] = self._digest(parsed)
        elif key not in self._after and key in self._before:
            self._after[key] = self._before[key]

    def save(self) -> None:
        if self._after != self._before:
            self._snapshot.put("resolved-sources", self._KEY, self._after)


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


def _whole(lock: Lock, snapshot: Snapshot) -> Lock:
    return dataclasses.replace(lock, packages=tuple(snapshot.whole(p) for p in lock.packages))


def _moving(package: Package) -> bool:
    return isinstance(package.source, VcsSource) and package.source.commit_id is None


def _resolve(lock: Lock, settings: Settings) -> Lock:
    # The steps bring the index client and the HTTP stack with them: a lock
    # the snapshot resolves completely never imports them.
    from .steps import run_steps

    return run_steps(lock, settings.cache_dir, offline=settings.offline, detect=settings.detect_build_systems)

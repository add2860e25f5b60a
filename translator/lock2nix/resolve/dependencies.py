"""Dependency edges from distribution metadata, for locks that do not record them.

Pipfile.lock and a conda environment's pip pins name versions and files but
no edges: each distribution's ``Requires-Dist`` is read from its metadata
(:mod:`lock2nix.resolve.metadata`) and kept for the names the lock holds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from .._markers import tree
from .._progress import Progress
from ..conda_names import python_attribute
from ..errors import Lock2NixError, unreachable_hint
from ..generate import markers
from ..model import MAIN_GROUP, ArchiveSource, Dependency, IndexSource, Lock, NixpkgsSource, Package
from .metadata import DistMetadata, MetadataError, MetadataRequest, fetch_metadata

__all__ = ["edges_from_requirements", "read_dependencies"]


def read_dependencies(lock: Lock, cache_dir: Path, *, offline: bool) -> Lock:
    """Fill each package's dependency edges and extras from its distribution metadata."""
    packages = list(lock.packages)
    requests = {}
    for package in packages:
        request = _metadata_file(package)
        if request is not None:
            requests[package.key] = request
    if not requests:
        return lock
    by_sha256 = {r.sha256: p for p in packages for r in [requests.get(p.key)] if r is not None}
    names = {p.name for p in packages}
    with Progress("reading metadata", len(requests)) as progress:
        try:
            found = fetch_metadata(requests.values(), cache_dir=cache_dir, offline=offline, on_done=progress.advance)
        except MetadataError as exc:
            failed = by_sha256.get(exc.sha256)
            if exc.network and failed is not None:
                message = f"{exc.message}; {unreachable_hint(failed.name)}"
                raise MetadataError(message, file=lock.file, entry=failed.entry) from None
            raise exc.at(file=lock.file, entry=failed.entry if failed else None) from None
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
    return dataclasses.replace(lock, packages=tuple(out))


def _metadata_file(package: Package) -> MetadataRequest | None:
    """The file to read a package's metadata from: a wheel if any, else the sdist."""
    source = package.source
    if isinstance(source, IndexSource):
        candidates = [(w, w.url) for w in source.wheels if w.url]
        if candidates:
            # A pure wheel first (the same on every platform), then by name.
            best, url = min(candidates, key=lambda c: (not c[0].filename.endswith("-none-any.whl"), c[0].filename))
            return MetadataRequest(url, best.filename, best.hashes["sha256"])
        if source.sdist is not None and source.sdist.url:
            return MetadataRequest(source.sdist.url, source.sdist.filename, source.sdist.hashes["sha256"])
        return None
    if isinstance(source, ArchiveSource) and source.url is not None and source.artifact.hashes:
        return MetadataRequest(source.url, source.artifact.filename, source.artifact.hashes["sha256"], pep658=False)
    return None


def _provided_by_nixpkgs(
    packages: Sequence[Package],
    requests: Mapping[str, MetadataRequest],
    found: Mapping[str, DistMetadata],
    names: set[NormalizedName],
) -> list[Package]:
    needed: dict[NormalizedName, list[str]] = {}
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
            name=name,
            version="*",
            source=NixpkgsSource(attribute=python_attribute(name)),
            groups=frozenset({MAIN_GROUP}),
            entry=f"{name} (required by {', '.join(sorted(set(by)))}; not in the environment)",
        )
        for name, by in sorted(needed.items())
    ]


def edges_from_requirements(
    requires_dist: Sequence[str], provides_extra: Sequence[str], names: set[NormalizedName]
) -> tuple[tuple[Dependency, ...], dict[str, tuple[Dependency, ...]]]:
    """``Requires-Dist`` lines → runtime edges and edges per extra, to locked names only.

    A requirement whose marker needs an extra (``extra == "x"``) belongs to
    that extra; its marker is kept whole (extra clauses are decided when the
    overlay is generated, the rest at evaluation time). Requirements on names
    the lock does not hold are dropped: the locker's markers excluded them.
    """
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
        referenced = _extras_named(requirement.marker) if requirement.marker is not None else set()
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


def _extras_named(marker: Marker) -> set[str]:
    """The extra names an ``extra == ...`` clause of a marker mentions."""
    found: set[str] = set()
    pending: list[Any] = [tree(marker)]
    while pending:
        item = pending.pop()
        if isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, tuple) and len(item) == 3:  # (lhs, op, rhs)
            lhs, _op, rhs = item
            for var, value in ((lhs, rhs), (rhs, lhs)):
                if getattr(var, "value", None) == "extra" and type(var).__name__ == "Variable":
                    found.add(canonicalize_name(str(value.value)))
    return found

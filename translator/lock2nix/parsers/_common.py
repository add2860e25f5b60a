"""Pieces the TOML lock readers share: sha256 hashes, checked markers, group walks, local build systems."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import InvalidTag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from .. import _markers
from .._toml import load_toml
from ..errors import Lock2NixError
from ..model import MAIN_GROUP, BuildSystem, Dependency, Package, RootProject

_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
INSECURE_HINT = "pass --allow-insecure-hashes to leave such files out"


class InsecureHashError(Lock2NixError):
    """A locked file without a sha256 (none, md5, sha1): refused unless allowed."""


def sha256_of(hashes: Mapping[str, str], what: str) -> dict[str, str]:
    """``{"sha256": hex}`` from a table of hashes by algorithm, or an error saying what is missing."""
    digest = hashes.get("sha256")
    if digest is None:
        algorithms = ", ".join(sorted(hashes)) or "none"
        if not hashes or set(hashes) <= {"md5", "sha1"}:
            raise InsecureHashError(f"{what} has no sha256 hash (has: {algorithms}); {INSECURE_HINT}")
        raise Lock2NixError(f"{what} has no sha256 hash (has: {algorithms}); lock2nix pins files by sha256")
    if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
        raise Lock2NixError(f"{what} has a malformed sha256 hash {digest!r}")
    return {"sha256": digest.lower()}


def check_marker(marker: str | None, what: str) -> str | None:
    """``marker`` unchanged if packaging reads it; a one-line error otherwise."""
    if marker is None:
        return None
    try:
        _markers.parse(marker)
    except Lock2NixError as exc:
        raise Lock2NixError(f"{what}: {exc.message}") from None
    return marker


def check_requires_python(value: str | None, what: str) -> str | None:
    """``value`` unchanged if it is a version specifier; a one-line error otherwise."""
    if value is None:
        return None
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise Lock2NixError(f"{what}: invalid requires-python {value!r}") from None
    return value


def check_wheel_name(filename: str, what: str) -> str:
    """``filename`` unchanged if it is a wheel's name (the overlay reads its tags)."""
    try:
        parse_wheel_filename(filename)
    except (InvalidWheelFilename, InvalidTag) as exc:
        raise Lock2NixError(f"{what}: {exc}") from None
    return filename


def local_build_system(directory: Path) -> BuildSystem | None:
    """The ``[build-system]`` of a local project's pyproject.toml, when it has one."""
    pyproject = directory / "pyproject.toml"
    if not pyproject.is_file():
        return None
    data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
    build = data.get("build-system")
    if not isinstance(build, Mapping):
        return None
    requires = build.get("requires", [])
    backend = build.get("build-backend")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise Lock2NixError("[build-system] requires must be a list of strings", file=str(pyproject))
    return BuildSystem(
        requires=tuple(requires), backend=backend if isinstance(backend, str) else None, origin="pyproject.toml"
    )


def walk_groups(packages: Sequence[Package], starts: Mapping[str, Sequence[Dependency]]) -> list[Package]:
    """Each package with the groups (of ``starts``) that reach it through the dependency edges."""
    found = reached_groups(packages, starts)
    return [dataclasses.replace(p, groups=found.get(p.name, frozenset())) for p in packages]


def reached_groups(
    packages: Sequence[Package], starts: Mapping[str, Sequence[Dependency]]
) -> dict[str, frozenset[str]]:
    """The groups (of ``starts``) that reach each name through the dependency edges.

    Every version of a name reached is counted: which one is installed is
    decided by markers at evaluation time.
    """
    by_name: dict[NormalizedName, list[Package]] = {}
    for package in packages:
        by_name.setdefault(package.name, []).append(package)
    found: dict[str, set[str]] = {}
    for group, deps in starts.items():
        pending = [(d.name, d.extras) for d in deps]
        seen: set[tuple[str, tuple[str, ...]]] = set()
        while pending:
            name, extras = pending.pop()
            if (name, extras) in seen:
                continue
            seen.add((name, extras))
            found.setdefault(name, set()).add(group)
            for package in by_name.get(NormalizedName(name), ()):
                edges = list(package.dependencies)
                for extra in extras:
                    edges.extend(package.extras.get(extra, ()))
                pending.extend((d.name, d.extras) for d in edges)
    return {name: frozenset(groups) for name, groups in found.items()}


def group_starts(root: RootProject | None, members: Sequence[RootProject] = ()) -> dict[str, list[Dependency]]:
    """Where the group walk starts: each project's groups; extras install into ``main``."""
    starts: dict[str, list[Dependency]] = {}
    for project in (*([root] if root is not None else []), *members):
        for group, deps in project.groups.items():
            starts.setdefault(group, []).extend(deps)
        for deps in project.extras.values():
            starts.setdefault(MAIN_GROUP, []).extend(deps)
    return starts


def entry_error(exc: Lock2NixError, file: str, entry: str, line: int | None = None) -> Lock2NixError:
    """``exc`` located at ``entry`` of ``file`` (helpers raise without a location)."""
    if exc.file is not None:
        return exc
    return type(exc)(exc.message, file=file, entry=exc.entry or entry, line=line)


def typed(value: Any, kind: type, what: str) -> Any:
    """``value`` if it is a ``kind``; a one-line error naming ``what`` otherwise."""
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is not bool):
        names = {str: "a string", list: "an array", dict: "a table", int: "an integer", bool: "a boolean"}
        raise Lock2NixError(f"{what} must be {names.get(kind, kind.__name__)}")
    return value

"""Build systems for packages built from source: PEP 518 requirements → nixpkgs attributes."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .._toml import load_toml
from ..errors import Lock2NixError
from ..model import DirectorySource, Package

BACKENDS_TABLE = Path(__file__).parent.parent / "overlays" / "build-backends.json"
# Backends that compile Rust: their sdists need cargo and rustc, which a Python
# build-system list cannot supply, so a wheel is used wherever one fits.
NEEDS_RUST = frozenset({"maturin", "setuptools-rust"})
# Without a declared build system, pip and pypa/build use setuptools (PEP 517 fallback).
DEFAULT = ("setuptools",)


@functools.lru_cache(maxsize=1)
def nixpkgs_attributes() -> dict[str, str | None]:
    """Requirement name → attribute of nixpkgs' Python set (None: nixpkgs has none).

    Curated and verified against nixpkgs' python-packages.nix; each entry in the
    data file carries its reason and source.
    """
    data = json.loads(BACKENDS_TABLE.read_text(encoding="utf-8"))
    return {name: entry["attribute"] for name, entry in data["mapping"].items()}


@dataclass(frozen=True)
class BuildInput:
    requirement: str  # normalised requirement name
    attribute: str | None  # None: not in nixpkgs, left out
    marker: str | None


def from_requirements(requires: Iterable[str]) -> list[BuildInput]:
    """``[build-system].requires`` → inputs from nixpkgs' Python package set.

    Version pins are dropped: nixpkgs has one version of each backend, and the
    build runs without isolation against it.
    """
    table = nixpkgs_attributes()
    # A name may be listed once per interpreter range (numpy pins in scipy's
    # sdist): it is needed wherever any of its markers holds.
    markers: dict[str, list[str | None]] = {}
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        markers.setdefault(name, []).append(str(requirement.marker) if requirement.marker else None)
    out = [BuildInput(name, table.get(name, name), _any_of(found)) for name, found in markers.items()]
    return out or [BuildInput(name, name, None) for name in DEFAULT]


def _any_of(markers: list[str | None]) -> str | None:
    if None in markers:
        return None
    unique = list(dict.fromkeys(m for m in markers if m is not None))
    if len(unique) == 1:
        return unique[0]
    # poetry-core's marker algebra simplifies the union: pins split by interpreter
    # (cython; python_version < "3.13" / >= "3.13") usually cover every one.
    from poetry.core.version.markers import parse_marker

    union = parse_marker(unique[0])
    for marker in unique[1:]:
        union = union.union(parse_marker(marker))
    return None if union.is_any() else str(union)


def for_package(package: Package, lock_dir: Path) -> list[BuildInput]:
    """The build system of a locked package built from source."""
    if package.build_system is not None:
        return from_requirements(package.build_system.requires)
    source = package.source
    if isinstance(source, DirectorySource):
        pyproject = lock_dir / source.path / (source.subdirectory or "") / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
            except (Lock2NixError, UnicodeDecodeError, OSError):
                return from_requirements(())
            requires = data.get("build-system", {}).get("requires", [])
            if isinstance(requires, list):
                return from_requirements(r for r in requires if isinstance(r, str))
    return from_requirements(())


def needs_foreign_toolchain(build_system: Iterable[BuildInput]) -> bool:
    return any(b.requirement in NEEDS_RUST for b in build_system)

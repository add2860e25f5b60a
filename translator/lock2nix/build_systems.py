"""Build systems for packages built from source: PEP 518 requirements → nixpkgs attributes."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from .model import DirectorySource, Package

# Requirement names whose nixpkgs attribute differs from the PEP 503 name.
RENAMED = {
    # Poetry's backend lives in poetry-core; depending on all of poetry is a known mistake.
    "poetry": "poetry-core",
}
# Backends that compile Rust: their sdists need cargo and rustc, which a Python
# build-system list cannot supply, so a wheel is used wherever one fits.
NEEDS_RUST = frozenset({"maturin", "setuptools-rust"})
# Without a declared build system, pip and pypa/build use setuptools (PEP 517 fallback).
DEFAULT = ("setuptools",)


def from_requirements(requires: Iterable[str]) -> list[tuple[str, str | None]]:
    """``[build-system].requires`` → (Python package set attribute, marker) pairs.

    Version pins are dropped: nixpkgs has one version of each backend, and
    lock2nix builds with ``--no-isolation`` against it.
    """
    out: list[tuple[str, str | None]] = []
    seen: set[str] = set()
    for text in requires:
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        attr = RENAMED.get(canonicalize_name(requirement.name), canonicalize_name(requirement.name))
        if attr in seen:
            continue
        seen.add(attr)
        out.append((attr, str(requirement.marker) if requirement.marker else None))
    return out or [(name, None) for name in DEFAULT]


def for_package(package: Package, lock_dir: Path) -> list[tuple[str, str | None]]:
    """The build system of a locked package built from source."""
    if package.build_system is not None:
        return from_requirements(package.build_system.requires)
    source = package.source
    if isinstance(source, DirectorySource):
        pyproject = lock_dir / source.path / (source.subdirectory or "") / "pyproject.toml"
        if pyproject.is_file():
            from .errors import Lock2NixError
            from .parsers import load_toml

            try:
                data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
            except (Lock2NixError, UnicodeDecodeError, OSError):
                return from_requirements(())
            requires = data.get("build-system", {}).get("requires", [])
            if isinstance(requires, list):
                return from_requirements(r for r in requires if isinstance(r, str))
    return from_requirements(())


def needs_foreign_toolchain(build_system: Iterable[tuple[str, str | None]]) -> bool:
    return any(attr in NEEDS_RUST for attr, _ in build_system)

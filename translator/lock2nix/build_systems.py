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
# Without a declared build system, pip and pypa/build use setuptools (PEP 517 fallback).
DEFAULT = ("setuptools",)


def from_requirements(requires: Iterable[str]) -> list[str]:
    """Attributes of the Python package set for ``[build-system].requires``."""
    out: list[str] = []
    for text in requires:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            continue
        attr = RENAMED.get(name, name)
        if attr not in out:
            out.append(attr)
    return out or list(DEFAULT)


def for_package(package: Package, lock_dir: Path) -> list[str]:
    """The build system of a locked package built from source."""
    source = package.source
    if isinstance(source, DirectorySource):
        pyproject = lock_dir / source.path / (source.subdirectory or "") / "pyproject.toml"
        if pyproject.is_file():
            from .errors import Lock2NixError
            from .parsers import load_toml

            try:
                data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
            except (Lock2NixError, UnicodeDecodeError, OSError):
                return list(DEFAULT)
            requires = data.get("build-system", {}).get("requires", [])
            if isinstance(requires, list):
                return from_requirements(r for r in requires if isinstance(r, str))
    return list(DEFAULT)

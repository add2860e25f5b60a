"""Fixes beyond the lock: curated ones shipped with lock2nix and the user's own.

Curated fixes live in ``overlays/overrides.toml`` (schema
``schemas/overrides.schema.json``, checked by the test suite, so loading them
here needs no validator).  User fixes come from ``[tool.lock2nix.package]`` or
``lock2nix.toml``, validated by :mod:`lock2nix.cli.config` (:func:`user_fixes`).  A fix
applies to a locked distribution when its ``versions`` specifier set admits
the locked version; the generator writes the applicable ones inline, with
their reasons.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from ._toml import load_toml
from .errors import Lock2NixError

CURATED_FILE = Path(__file__).with_name("overlays") / "overrides.toml"
CURATED_ORIGIN = "lock2nix curated"


@dataclass(frozen=True)
class Fix:
    """One entry: what to change for one distribution (in a version range)."""

    name: str
    origin: str  # "lock2nix curated" or the user's configuration file
    reason: str | None = None
    source: str | None = None
    versions: str | None = None
    prefer_wheel: bool | None = None
    skip: bool = False
    #: A local copy built instead of the locked source, relative to ``file``'s directory.
    src: str | None = None
    #: The file the fix comes from (its ``src`` is relative to that file's directory).
    file: str | None = None
    #: Python attributes: replace the build system read from the sdist.
    build_system: tuple[str, ...] | None = None
    #: Python attributes added to the runtime dependencies.
    dependencies: tuple[str, ...] = ()
    #: Top-level attribute paths (``libxml2.dev``) and settings for source builds.
    native_build_inputs: tuple[str, ...] = ()
    build_inputs: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    post_patch: str | None = None
    #: For wheels.
    wheel_build_inputs: tuple[str, ...] = ()
    ignore_missing_deps: tuple[str, ...] = ()

    def applies_to(self, version: str) -> bool:
        if self.versions is None:
            return True
        try:
            # Pre-releases count: a fix for "<2" holds for 2.0rc1's predecessors too.
            return SpecifierSet(self.versions).contains(Version(version), prereleases=True)
        except InvalidVersion:
            return False

    @property
    def why(self) -> str:
        """The comment the overlay carries for this fix."""
        text = f"{self.origin}: {self.reason or 'no reason given'}"
        return f"{text}\n  source: {self.source}" if self.source else text


@dataclass(frozen=True)
class VersionFromVcs:
    """A build requirement that reads the version from VCS, and how to pretend it."""

    requirement: str
    env: str
    reason: str


@dataclass(frozen=True)
class Fixes:
    """All fixes by distribution name, curated first, then the user's."""

    by_name: Mapping[str, tuple[Fix, ...]]
    version_from_vcs: Mapping[str, VersionFromVcs]

    def for_package(self, name: str, version: str | None) -> tuple[Fix, ...]:
        found = self.by_name.get(name, ())
        if version is None:
            return tuple(f for f in found if f.versions is None)
        return tuple(f for f in found if f.applies_to(version))

    def skip_of(self, name: str, versions: Iterable[str]) -> Fix | None:
        """The fix keeping the package set's own ``name`` (locked at ``versions``), if any.

        A name locked at several versions has one attribute: only fixes for
        any version can skip it.
        """
        distinct = set(versions)
        version = next(iter(distinct)) if len(distinct) == 1 else None
        skips = [f for f in self.for_package(name, version) if f.skip]
        return skips[-1] if skips else None

    def with_user(self, user: Iterable[Fix]) -> Fixes:
        merged = {name: list(fixes) for name, fixes in self.by_name.items()}
        for fix in user:
            merged.setdefault(fix.name, []).append(fix)
        return Fixes({k: tuple(v) for k, v in merged.items()}, self.version_from_vcs)


@functools.lru_cache(maxsize=1)
def curated() -> Fixes:
    data = load_toml(str(CURATED_FILE), CURATED_FILE.read_text(encoding="utf-8"))
    by_name = {
        name: tuple(fix_from_entry(name, entry, CURATED_ORIGIN, str(CURATED_FILE)) for entry in entries)
        for name, entries in data["package"].items()
    }
    vcs = {
        name: VersionFromVcs(name, entry["env"], entry["reason"]) for name, entry in data["version-from-vcs"].items()
    }
    return Fixes(by_name, vcs)


def user_fixes(table: Mapping[str, Any], origin: str, file: str) -> tuple[Fix, ...]:
    """The fixes of a user configuration's (schema-valid) ``package`` table, by normalised name.

    ``origin`` names the configuration in the overlay's comments, ``file`` in errors.
    """
    return tuple(
        fix_from_entry(name, entry, origin, file)
        for name, entries in sorted(table.items(), key=lambda kv: canonicalize_name(kv[0]))
        for entry in (entries if isinstance(entries, list) else [entries])
    )


def fix_from_entry(name: str, entry: Mapping[str, Any], origin: str, file: str) -> Fix:
    """A schema-valid entry (curated or user) → :class:`Fix`."""
    sdist = entry.get("sdist", {})
    wheel = entry.get("wheel", {})
    assert isinstance(sdist, dict) and isinstance(wheel, dict)
    versions = entry.get("versions")
    if versions is not None:
        try:
            SpecifierSet(str(versions))
        except InvalidSpecifier:
            raise Lock2NixError(
                f"versions {versions!r} is not a PEP 440 specifier set", file=file, entry=f"package {name!r}"
            ) from None
    build_system = sdist.get("build-system")
    return Fix(
        name=canonicalize_name(name),
        origin=origin,
        reason=entry.get("reason"),
        source=entry.get("source"),
        versions=versions,
        prefer_wheel=entry.get("prefer-wheel"),
        skip=bool(entry.get("skip", False)),
        src=entry.get("src"),
        file=file,
        build_system=tuple(build_system) if build_system is not None else None,
        dependencies=tuple(entry.get("dependencies", ())),
        native_build_inputs=tuple(sdist.get("nativeBuildInputs", ())),
        build_inputs=tuple(sdist.get("buildInputs", ())),
        env=tuple(sorted(sdist.get("env", {}).items())),
        post_patch=sdist.get("postPatch"),
        wheel_build_inputs=tuple(wheel.get("buildInputs", ())),
        ignore_missing_deps=tuple(wheel.get("autoPatchelfIgnoreMissingDeps", ())),
    )

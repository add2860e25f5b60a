"""Wheel tags at translate time: drop wheels no Nix target can install.

Which of the remaining wheels fits is decided when Nix evaluates, against the
interpreter and ``stdenv.hostPlatform`` (``nix/prelude.nix``).  Here we only
remove what can never fit (Windows, iOS and Android wheels; interpreters the
lock's Python constraint excludes), which keeps overlays small.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from ..model import Artifact

# Platforms nixpkgs' Python cannot run on.
_FOREIGN_PLATFORMS = re.compile(r"win32|win_|ios_|android_|cygwin")
_INTERPRETER = re.compile(r"(py|cp|pp)(\d?)(\d*)\Z")
# Python versions probed when comparing constraints (3.0 ... 3.30, 2.7).
_PROBES = tuple(
    Version(v) for v in ["2.7.0", "2.7.18"] + [f"3.{m}.{p}" for m in range(31) for p in (0, 1, 99)]
)


def version_key(version: str) -> Any:
    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def usable_wheels(wheels: Iterable[Artifact], requires_python: str | None) -> tuple[Artifact, ...]:
    return tuple(w for w in wheels if _usable(w.filename, requires_python))


def any_usable(wheels: Iterable[Artifact], requires_python: str | None) -> bool:
    return any(_usable(w.filename, requires_python) for w in wheels)


@functools.cache
def _usable(filename: str, requires_python: str | None) -> bool:
    from packaging.tags import parse_tag

    # The last three fields of a wheel name are its tags (the name and version
    # before them were validated when the lock was read).
    tags = parse_tag("-".join(filename[: -len(".whl")].split("-")[-3:]))
    return any(
        not _FOREIGN_PLATFORMS.match(tag.platform) and _interpreter_possible(tag.interpreter, tag.abi, requires_python)
        for tag in tags
    )


@functools.cache
def _interpreter_possible(interpreter: str, abi: str, requires_python: str | None) -> bool:
    match = _INTERPRETER.match(interpreter)
    if match is None or requires_python is None:
        return True
    _, major, minor = match.groups()
    if not major:
        return True
    exact = abi not in ("none", "abi3")
    allowed = _allowed(requires_python)
    for v in allowed:
        if v.major != int(major):
            continue
        if not minor:
            return True
        if v.minor == int(minor) or (not exact and v.minor > int(minor)):
            return True
    return False


@functools.cache
def _allowed(requires_python: str) -> tuple[Version, ...]:
    spec = SpecifierSet(requires_python)
    return tuple(v for v in _PROBES if spec.contains(v, prereleases=True))


@functools.cache
def relevant_requires_python(package: str | None, lock: str | None) -> str | None:
    """``package`` unless every Python the lock allows already satisfies it."""
    if package is None or lock is None:
        return package
    spec = SpecifierSet(package)
    if all(spec.contains(v, prereleases=True) for v in _allowed(lock)):
        return None
    return package

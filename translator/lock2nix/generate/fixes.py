"""Fixes as the overlay writes them: the ``sourceAttrs`` and ``wheelAttrs`` of
a package, from the curated and user fixes that apply to it (with their
reasons as comments), and the fix lock2nix itself makes for classic Poetry
projects."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import nix
from ..model import BuildSystem
from ..overrides import Fix

#: The backend Poetry < 1.1 wrote into pyproject.toml; it ships only with Poetry
#: itself, while poetry-core (what nixpkgs builds Poetry projects with) has
#: ``poetry.core.masonry.api``.
CLASSIC_POETRY_BACKEND = "poetry.masonry.api"


def classic_poetry(name: str, build_system: BuildSystem | None) -> Fix | None:
    """The fix that builds a classic Poetry project or sdist with poetry-core."""
    if build_system is None or build_system.backend != CLASSIC_POETRY_BACKEND:
        return None
    return Fix(
        name=name,
        origin="lock2nix",
        reason=f"{CLASSIC_POETRY_BACKEND} ships only with Poetry; poetry-core's backend is poetry.core.masonry.api",
        post_patch=f"substituteInPlace pyproject.toml --replace-fail {CLASSIC_POETRY_BACKEND} poetry.core.masonry.api",
    )


def source_attrs(fixes: Sequence[Fix]) -> object | None:
    """``sourceAttrs`` of mkPackage: the fixes for a build from source, with their reasons."""
    native = [(f, a) for f in fixes for a in f.native_build_inputs]
    inputs = [(f, a) for f in fixes for a in f.build_inputs]
    env = {k: v for f in fixes for k, v in f.env}
    patches = [f for f in fixes if f.post_patch]
    used = _unique([f for f, _ in native] + [f for f, _ in inputs] + [f for f in fixes if f.env] + patches)
    if not used:
        return None
    attrs: dict[str, object] = {}
    if native:
        attrs["nativeBuildInputs"] = top_level(a for _, a in native)
    if inputs:
        attrs["buildInputs"] = top_level(a for _, a in inputs)
    if env:
        attrs["env"] = dict(sorted(env.items()))
    if patches:
        attrs["postPatch"] = "\n".join(f.post_patch or "" for f in patches)
    return nix.Commented(attrs, "\n".join(f.why for f in used))


def wheel_attrs(fixes: Sequence[Fix]) -> object | None:
    """``wheelAttrs`` of mkPackage: libraries a wheel needs beyond the manylinux set."""
    inputs = [(f, a) for f in fixes for a in f.wheel_build_inputs]
    ignored = [(f, a) for f in fixes for a in f.ignore_missing_deps]
    used = _unique([f for f, _ in inputs] + [f for f, _ in ignored])
    if not used:
        return None
    attrs: dict[str, object] = {}
    if inputs:
        attrs["buildInputs"] = top_level(a for _, a in inputs)
    if ignored:
        attrs["autoPatchelfIgnoreMissingDeps"] = list(dict.fromkeys(a for _, a in ignored))
    return nix.Commented(attrs, "\n".join(f.why for f in used))


def top_level(paths: Iterable[str]) -> list[nix.Expr]:
    """Attribute paths of nixpkgs' top level (``libxml2.dev``), each once."""
    return [nix.select("final", *p.split(".")) for p in dict.fromkeys(paths)]


def _unique(fixes: list[Fix]) -> list[Fix]:
    return list(dict.fromkeys(fixes))

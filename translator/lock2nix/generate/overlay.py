"""The overlay file: header, the library binding, and one ``mkOverlay`` call
with the lock as data. Helpers are bound exactly where the written
expressions use them (the emitter records every name an expression uses)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .. import __version__, nix
from ..nix import library
from ..overrides import Fixes


@dataclass(frozen=True)
class Parts:
    header: tuple[str, ...]
    scope: str
    settings: Mapping[str, object]
    #: Let bindings of the package set (one per version of a name locked at several).
    bindings: tuple[tuple[str, object], ...]
    packages: Mapping[str, object]
    projects: Mapping[str, object]
    environments: Mapping[str, object]
    inline: bool


def settings(
    prefer: str, output_name: str | None, fixes: Fixes, build_attributes: Iterable[str]
) -> dict[str, object]:
    """The package builder's settings (nix/lib/package.nix ``forSet``)."""
    out: dict[str, object] = {"prefer": prefer}
    if output_name:
        out["overlayFile"] = output_name
    table = fixes.version_from_vcs
    vcs = {name: table[name].env for name in sorted(set(build_attributes)) if name in table}
    if vcs:
        out["versionFromVcs"] = vcs
    return out


def render(parts: Parts) -> str:
    """The overlay's text.

    The package set's entries, laid out already, are most of a large overlay's
    text. The emitter lays out the overlay around a short mark for each (a
    set or let holding an entry is never written on one line, so the layout
    is the same), and the entries go in once, at the end: nested in the
    overlay's blocks they were copied a dozen times over, and those copies
    made the run's peak memory.
    """
    texts: list[str] = []

    def marked(value: object) -> object:
        if not isinstance(value, nix.Entry):
            return value
        texts.append(value.text)
        return nix.Entry(f"{_MARK}{len(texts) - 1}{_MARK}", value.uses)

    marks = dataclasses.replace(
        parts,
        bindings=tuple((name, marked(value)) for name, value in parts.bindings),
        packages={name: marked(value) for name, value in parts.packages.items()},
    )
    pieces = _render(marks).split(_MARK)
    if len(pieces) != 2 * len(texts) + 1:  # a mark in the rest (strings and comments refuse one; raw code)
        return _render(parts)
    pieces[1::2] = [texts[int(i)] for i in pieces[1::2]]
    return "".join(pieces)


#: Around the number of an entry's text in the overlay laid out by :func:`render`.
_MARK = "\0"


def _render(parts: Parts) -> str:
    package_set = _package_set(parts)
    call: dict[object, object] = {nix.Inherit(None, ("final", "prev")): None}
    if parts.scope != "project":
        call["scope"] = parts.scope
    call["settings"] = dict(parts.settings)
    call["packages"] = package_set
    if parts.projects:
        call["projects"] = dict(parts.projects)
    if parts.environments:
        call["environments"] = dict(parts.environments)
    body = nix.Call(nix.Expr("lock2nix.mkOverlay"), call)
    used = nix.names_used(body)
    helpers = library.helpers()
    bindings: list[nix.Inherit | tuple[str, object]] = [("lock2nix", _library(parts.inline))]
    for source, key in (("lock2nix", "library"), ("prev.lib", "lib")):
        names = tuple(n for n in helpers[key] if n in used)
        if names:
            bindings.append(nix.Inherit(nix.Expr(source), names))
    tree = nix.Lambda("final", nix.Lambda("prev", nix.Let(tuple(bindings), body)))
    header = [c for line in parts.header for c in (nix.comment_lines(line, "") if line else ["#"])]
    return nix.join_lines([*header, nix.render(tree)])


def _package_set(parts: Parts) -> nix.Lambda:
    """``{ pyFinal, pyPrev, env, mkPackage, ... }: { <name> = ...; }``."""
    attrs: object = dict(parts.packages)
    if parts.bindings:
        attrs = nix.Let(parts.bindings, attrs)
    used = nix.names_used(attrs)
    formals = tuple(n for n in library.helpers()["packageSet"] if n in used)
    return nix.Lambda(nix.Formals(formals), attrs)


def _library(inline: bool) -> object:
    """How the overlay reaches the library: the file beside it, or inline."""
    args = {nix.Inherit(nix.Expr("prev"), ("lib",)): None, "version": __version__}
    if not inline:
        return nix.Call(nix.Expr(f"import ./{library.FILE_NAME}"), args)
    # Laid out for the top-level let, where this binding sits.
    text = "\n".join("    " + line if line else "" for line in library.bundle().rstrip("\n").splitlines())
    return nix.Call(nix.Expr(f"(\n{text}\n  )"), args)

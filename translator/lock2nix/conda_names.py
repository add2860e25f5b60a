"""Conda package names → nixpkgs attributes, and conda/PEP 440 version specs → checks.

Two curated tables in ``overlays/`` (schema ``schemas/conda-names.schema.json``):

* ``conda-python.json``: conda packages that are Python distributions under
  another name (``pytorch`` → ``torch``, ``matplotlib-base`` → ``matplotlib``,
  ``msgpack-python`` → ``msgpack``), with the nixpkgs Python attribute where it
  differs from the PEP 503 name (``py-opencv`` → ``opencv4``).
* ``conda-tools.json``: conda packages that are not Python distributions:
  compilers, command-line tools and C libraries → top-level nixpkgs attribute
  paths (``r-base`` → ``R``, ``make`` → ``gnumake``); and conda-only packages
  with nothing to install in nixpkgs (``cuda-version``, ``_libgcc_mutex``),
  each with the reason.

A name in neither table: conda-forge names its Python packages after PyPI,
so a name that could be a PyPI project is taken as the Python package of
that (PEP 503-normalised) name; nixpkgs' own naming rule is the same, and a
missing attribute is reported when Nix evaluates the environment. A name
that cannot be a Python distribution (``r-*`` and ``bioconductor-*`` are R
packages; ``lib*``, ``*-devel``, ``*_linux-64``, ``_*`` are conda builds of
native libraries and toolchains) is an R package or an unknown name, reported
with suggestions from the tables, never dropped silently.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from .errors import Lock2NixError
from .model import Constraint, MemberKind, Operator

OVERLAYS = Path(__file__).with_name("overlays")
PYTHON_TABLE = OVERLAYS / "conda-python.json"
TOOLS_TABLE = OVERLAYS / "conda-tools.json"

OPERATORS: tuple[Operator, ...] = get_args(Operator)
_Requirement = tuple[Operator, str]
# The operators by their spelling, to read them from text.
_OPERATOR: dict[str, Operator] = {op: op for op in OPERATORS}

_PYPI_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")
# Conda builds of native libraries, toolchains and conda's own machinery.
_NATIVE = re.compile(
    r"^(_.*|lib.*|.*-devel|.*_impl_.*|.*_linux-(64|aarch64|ppc64le)|.*_osx-(64|arm64)|.*_win-64|__.*)$"
)
_R_PREFIXES = ("r-", "bioconductor-")


@dataclass(frozen=True)
class NixpkgsName:
    """Where nixpkgs has one conda package."""

    #: See :class:`lock2nix.model.EnvironmentMember`.
    kind: MemberKind
    #: python: the PyPI project name; tool: the top-level attribute path;
    #: r: the R package name as conda spells it (looked up case-insensitively).
    target: str | None
    #: python: the nixpkgs Python attribute (None: the PEP 503 name).
    attribute: str | None = None
    #: Why (tables) or how (rules) the name was mapped; shown in the overlay.
    note: str | None = None
    #: True when no table names it and no rule recognises it.
    unknown: bool = False
    #: A native library conda installs as a dependency of other packages.
    library: bool = False
    #: python: taken by name only (in neither table): nixpkgs' Python set may
    #: not have it, nor PyPI; the overlay decides when Nix evaluates.
    guessed: bool = False


@functools.lru_cache(maxsize=1)
def tables() -> tuple[Mapping[str, dict[str, Any]], Mapping[str, dict[str, Any]]]:
    """(python table, tools table), by conda name as written in the files."""
    try:
        python = json.loads(PYTHON_TABLE.read_text(encoding="utf-8"))["mapping"]
        tools = json.loads(TOOLS_TABLE.read_text(encoding="utf-8"))["mapping"]
    except (OSError, ValueError, KeyError) as exc:  # pragma: no cover - a broken installation
        raise Lock2NixError(f"lock2nix's conda tables cannot be read: {exc}") from None
    return python, tools


def normalize(name: str) -> str:
    """PEP 503 normalisation (conda-forge writes ``typing_extensions``, PyPI ``typing-extensions``)."""
    return str(canonicalize_name(name))


def classify(conda_name: str) -> NixpkgsName:
    """Map one conda package name (as MatchSpec gives it) to nixpkgs."""
    name = conda_name.lower()
    python, tools = tables()
    if name in python:
        entry = python[name]
        return NixpkgsName("python", entry["pypi"], entry.get("attribute"), entry.get("reason"))
    if name in tools:
        entry = tools[name]
        attribute = entry.get("attribute")
        if attribute is None:
            return NixpkgsName("none", None, note=entry["reason"], library=bool(entry.get("library")))
        return NixpkgsName("tool", attribute, note=entry.get("reason"), library=bool(entry.get("library")))
    for prefix in _R_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return NixpkgsName(
                "r", name[len(prefix):], note=f"R package ({prefix}*): rPackages, looked up without regard to case"
            )
    if _NATIVE.match(name) or not _PYPI_NAME.match(name):
        return NixpkgsName("none", None, note="not in lock2nix's conda tables", unknown=True)
    return NixpkgsName("python", name, note="by name: conda-forge names Python packages after PyPI", guessed=True)


def python_attribute(pypi_name: str) -> str:
    """The nixpkgs Python attribute of a PyPI project (renames from the table, else its PEP 503 name)."""
    name = normalize(pypi_name)
    python, _ = tables()
    for entry in python.values():
        if normalize(entry["pypi"]) == name and entry.get("attribute"):
            return str(entry["attribute"])
    return name


def suggestions(conda_name: str, limit: int = 3) -> list[str]:
    """Table names close to ``conda_name``, for a diagnostic."""
    import difflib  # only diagnostics need it; the resolver imports this module for every poetry.lock

    python, tools = tables()
    candidates = sorted({*python, *tools})
    return difflib.get_close_matches(conda_name.lower(), candidates, n=limit, cutoff=0.6)


# --- version specs --------------------------------------------------------------


class SpecError(ValueError):
    """A version spec lock2nix cannot turn into a check."""


def conda_constraint(spec: str | None) -> Constraint:
    """A conda version spec (as rattler writes it canonically) → a :data:`Constraint`.

    Grammar: alternatives separated by ``|``, requirements by ``,``
    (``,`` binds tighter), parentheses for grouping; each requirement is an
    operator and a version, a bare version (exact), or a glob (``1.2.*``,
    ``1.2*``, ``*``).
    """
    if spec is None:
        return ()
    text = spec.replace(" ", "")
    if text in ("", "*"):
        return ()
    tokens: list[str] = re.findall(r"[(),|]|[^(),|]+", text)
    position = 0

    def peek() -> str | None:
        return tokens[position] if position < len(tokens) else None

    def take() -> str:
        nonlocal position
        token = tokens[position]
        position += 1
        return token

    def alternatives() -> list[list[_Requirement]]:
        out = conjunction()
        while peek() == "|":
            take()
            out = out + conjunction()
        return out

    def conjunction() -> list[list[_Requirement]]:
        out: list[list[_Requirement]] = [[]]
        out = _and(out, atom())
        while peek() == ",":
            take()
            out = _and(out, atom())
        return out

    def atom() -> list[list[_Requirement]]:
        token = peek()
        if token is None:
            raise SpecError(f"version spec {spec!r} ends early")
        if token == "(":
            take()
            inner = alternatives()
            if peek() != ")":
                raise SpecError(f"version spec {spec!r}: unbalanced parenthesis")
            take()
            return inner
        if token in (")", ",", "|"):
            raise SpecError(f"version spec {spec!r}: unexpected {token!r}")
        return [[r] for r in [_requirement(take(), spec)] if r is not None] or [[]]

    result = alternatives()
    if position != len(tokens):
        raise SpecError(f"version spec {spec!r}: unexpected {tokens[position]!r}")
    return _freeze(result)


def _and(left: list[list[_Requirement]], right: list[list[_Requirement]]) -> list[list[_Requirement]]:
    # (a | b), (c | d) == a,c | a,d | b,c | b,d
    return [a + b for a in left for b in right]


def _freeze(alternatives: list[list[_Requirement]]) -> Constraint:
    if any(not conj for conj in alternatives):
        return ()  # one alternative with no requirement admits every version
    unique = list(dict.fromkeys(tuple(dict.fromkeys(c)) for c in alternatives))
    return tuple(unique)


_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+!-]*$")


def _requirement(token: str, spec: str) -> _Requirement | None:
    match = re.fullmatch(r"(==|!=|<=|>=|<|>|~=|=)?(.*)", token)
    assert match is not None
    op, version = match.group(1) or "", match.group(2)
    glob = version.endswith("*")
    if glob:
        version = version.rstrip("*").rstrip(".")
        if not version:
            if op in ("", "=", "=="):
                return None  # "*": anything
            raise SpecError(f"version spec {spec!r}: {token!r} is not a version")
    if not _VERSION.match(version):
        raise SpecError(f"version spec {spec!r}: {token!r} is not a version")
    if glob or op == "=":
        if op in ("", "=", "=="):
            return ("=*", version)
        if op == "!=":
            return ("!=*", version)
        if op in (">=", ">", "<", "<=", "~="):
            return (_OPERATOR[op], version)  # ">=1.2.*" means ">=1.2"
    if op == "":
        return ("==", version)
    return (_OPERATOR[op], version)


def pep440_constraint(specifier: str) -> Constraint:
    """A PEP 440 specifier set (pip requirements) → a :data:`Constraint`."""
    requirements: list[_Requirement] = []
    for item in SpecifierSet(specifier):
        op, version = item.operator, item.version
        if op == "===":
            requirements.append(("==", version))
        elif version.endswith(".*"):
            requirements.append(("=*" if op == "==" else "!=*", version[:-2]))
        else:
            requirements.append((_OPERATOR[op], version))
    if not requirements:
        return ()
    return (tuple(sorted(set(requirements))),)


def pinned_version(constraint: Constraint) -> str | None:
    """The release a conda spec pins: ``==1.2.3``, or ``=1.2.3`` (conda's "1.2.3 or 1.2.3.*"), taken as
    release 1.2.3 of the index (PEP 440 equality: ``=2.26`` is 2.26.0)."""
    if len(constraint) == 1 and len(constraint[0]) == 1 and constraint[0][0][0] in ("==", "=*"):
        return constraint[0][0][1]
    return None


def exact_version(constraint: Constraint) -> str | None:
    """The version a constraint pins exactly (``==X``), if it does."""
    if len(constraint) == 1 and len(constraint[0]) == 1 and constraint[0][0][0] == "==":
        return constraint[0][0][1]
    return None

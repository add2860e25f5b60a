"""PEP 508 markers → Nix conditions evaluated against the interpreter and platform.

Markers are parsed by :mod:`packaging` and compiled to Nix code over the
``env`` attribute set and the comparison helpers the generated overlay defines
(see ``nix/lib/pep440.nix`` and ``nix/lib/markers.nix``).  ``extra`` clauses are decided here, at translate
time, because extras are structural in the generated code.

The compiled form of a marker is ``True``, ``False`` or an :class:`~lock2nix.nix.Expr`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name

from .. import nix
from .._markers import MarkerError, parse, tree
from .wheels import relevant_requires_python

Condition = bool | nix.Expr

#: Pass as ``extras`` to treat every ``extra == ...`` clause as satisfiable:
#: package-level markers (Poetry 2.1) name the root's extras, and a package
#: must exist in the set whenever some extra could ask for it.
ANY_EXTRA = frozenset({"*"})

# Variables packaging compares as PEP 440 versions when the other side parses
# as a version specifier.
VERSION_VARIABLES = frozenset(
    {"python_version", "python_full_version", "implementation_version", "platform_release"}
)
STRING_VARIABLES = frozenset(
    {
        "os_name",
        "sys_platform",
        "platform_machine",
        "platform_python_implementation",
        "platform_system",
        "platform_version",
        "implementation_name",
    }
)
_VERSION_HELPERS = {
    "<": "versionOlder",
    "<=": "versionAtMost",
    ">": "versionNewer",
    ">=": "versionAtLeast",
    "==": "versionEqual",
    "!=": "versionNotEqual",
    "~=": "versionCompatible",
}
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@functools.cache
def compile_marker(marker: str | None, extras: frozenset[str] = frozenset()) -> Condition:
    """Compile ``marker`` for an installation that requested ``extras``."""
    if marker is None or not marker.strip():
        return True
    return _compile_tree(tree(parse(marker)), extras, marker)


@functools.cache
def compile_requires_python(specifier: str | None) -> Condition:
    """Compile a Requires-Python specifier into a condition on the interpreter."""
    if specifier is None or not specifier.strip():
        return True
    try:
        specs = SpecifierSet(specifier)
    except InvalidSpecifier as exc:
        raise MarkerError(f"invalid requires-python {specifier!r}: {exc}") from None
    conditions = [
        _version_comparison("python_full_version", spec.operator, spec.version) for spec in sorted(specs, key=str)
    ]
    return conjunction(conditions)


class Compiled:
    """Conditions compiled once per translation, and kept for the next one (a
    snapshot entry, see :func:`lock2nix.generate.plan`): compiling a lock's
    markers, a parse by packaging each, was a twentieth of a one-package change."""

    def __init__(self, known: Mapping[tuple[Any, ...], Condition] | None = None) -> None:
        self._known = dict(known or {})
        #: The conditions this translation used, by what they were compiled from.
        self.used: dict[tuple[Any, ...], Condition] = {}

    def marker(self, marker: str | None, extras: frozenset[str] = frozenset()) -> Condition:
        """:func:`compile_marker`."""
        return self._take(("marker", marker, tuple(sorted(extras))), lambda: compile_marker(marker, extras))

    def requires_python(self, specifier: str | None) -> Condition:
        """:func:`compile_requires_python`."""
        return self._take(("requires-python", specifier), lambda: compile_requires_python(specifier))

    def installed(self, marker: str | None, requires_python: str | None, lock_requires_python: str | None) -> Condition:
        """Where a package with ``marker`` and ``requires_python`` is installed (lock: ``lock_requires_python``)."""

        def compute() -> Condition:
            relevant = relevant_requires_python(requires_python, lock_requires_python)
            return conjunction([self.marker(marker, ANY_EXTRA), self.requires_python(relevant)])

        return self._take(("installed", marker, requires_python, lock_requires_python), compute)

    def _take(self, key: tuple[Any, ...], compute: Callable[[], Condition]) -> Condition:
        found = self.used.get(key)
        if found is None:
            found = self._known[key] if key in self._known else compute()
            self.used[key] = found
        return found


class Cond(nix.Chain):
    """Compiled condition code with its precedence (``level``) for parenthesising;
    a flattened ``&&`` or ``||`` keeps its operands, so layout may break it."""


def _cond(code: str, level: int, parts: tuple[nix.Expr, ...]) -> Cond:
    operator = {2: "&&", 3: "||"}[level]
    return Cond(code, frozenset().union(*(p.uses for p in parts)), level, operator, parts)


def _wrap(cond: nix.Expr, max_level: int) -> str:
    level = getattr(cond, "level", 0)
    return cond.code if level <= max_level else f"({cond.code})"


def _combine(conditions: list[Condition], *, absorbing: bool, level: int, joiner: str) -> Condition:
    parts: list[nix.Expr] = []
    for c in conditions:
        if c is absorbing:
            return absorbing
        if isinstance(c, bool):
            continue
        # (a && b) && c is a && b && c: flatten, then drop repeats.
        for part in c.operands if isinstance(c, nix.Chain) and c.level == level else (c,):
            if part not in parts:
                parts.append(part)
    if not parts:
        return not absorbing
    if len(parts) == 1:
        return parts[0]
    # && binds tighter than ||, but explicit parentheses read better.
    return _cond(joiner.join(_wrap(p, 1) for p in parts), level, tuple(parts))


def conjunction(conditions: list[Condition]) -> Condition:
    return _combine(conditions, absorbing=False, level=2, joiner=" && ")


def disjunction(conditions: list[Condition]) -> Condition:
    return _combine(conditions, absorbing=True, level=3, joiner=" || ")


def negation(condition: Condition) -> Condition:
    if isinstance(condition, bool):
        return not condition
    return Cond(f"!{_wrap(condition, 0)}", condition.uses, 0)


def _compile_tree(node: list[Any], extras: frozenset[str], source: str) -> Condition:
    # The tree alternates operands and "and"/"or"; "and" binds tighter.
    disjuncts: list[list[Condition]] = [[]]
    for item in node:
        if item == "or":
            disjuncts.append([])
        elif item == "and":
            continue
        elif isinstance(item, list):
            disjuncts[-1].append(_compile_tree(item, extras, source))
        else:
            disjuncts[-1].append(_compile_atom(item, extras, source))
    return disjunction([conjunction(d) for d in disjuncts])


def _compile_atom(atom: tuple[Any, Any, Any], extras: frozenset[str], source: str) -> Condition:
    lhs, op, rhs = atom
    op = op.value
    lhs_is_var = type(lhs).__name__ == "Variable"
    rhs_is_var = type(rhs).__name__ == "Variable"
    if lhs_is_var == rhs_is_var:
        raise MarkerError(f"marker {source!r} compares two {'variables' if lhs_is_var else 'literals'}")
    var, value = (lhs.value, rhs.value) if lhs_is_var else (rhs.value, lhs.value)
    if var in ("extra", "extras", "dependency_groups"):
        return _compile_extra(var, op, value, lhs_is_var, extras, source)
    if var not in VERSION_VARIABLES and var not in STRING_VARIABLES:
        raise MarkerError(f"marker {source!r} uses unknown variable {var!r}")
    if op in ("in", "not in"):
        needle, haystack = (nix.string(value), _env(var)) if not lhs_is_var else (_env(var), nix.string(value))
        cond = Cond(f"hasInfix {needle.code} {haystack.code}", frozenset({"hasInfix", "env"}))
        return negation(cond) if op == "not in" else cond
    if var in VERSION_VARIABLES and _is_version_spec(op, value):
        if not lhs_is_var:
            if op not in _FLIP:
                raise MarkerError(f"marker {source!r}: {op!r} needs the variable on the left")
            op = _FLIP[op]
        return _version_comparison(var, op, value)
    if op == "==" or op == "===":
        return Cond(f"{_env(var).code} == {nix.string(value).code}", _ENV, 1)
    if op == "!=":
        return Cond(f"{_env(var).code} != {nix.string(value).code}", _ENV, 1)
    raise MarkerError(f"marker {source!r}: {var} {op} {value!r} is not a defined comparison")


def _compile_extra(
    var: str, op: str, value: str, lhs_is_var: bool, extras: frozenset[str], source: str
) -> Condition:
    # extra == "x" means "the installation requested extra x"; names normalise (PEP 685).


    if extras is ANY_EXTRA:
        return True
    wanted = canonicalize_name(value)
    present = wanted in {canonicalize_name(e) for e in extras}
    if op in ("==", "==="):
        return present
    if op == "!=":
        return not present
    if op in ("in", "not in") and not lhs_is_var:
        return present if op == "in" else not present
    raise MarkerError(f"marker {source!r}: {var} {op} {value!r} is not supported")


def _is_version_spec(op: str, value: str) -> bool:
    if op == "===":
        return False
    try:
        Specifier(f"{op}{value}")
    except InvalidSpecifier:
        return False
    return True


def _version_comparison(var: str, op: str, value: str) -> Condition:
    if op == "===":
        return Cond(f"{_env(var).code} == {nix.string(value).code}", _ENV, 1)
    helper = _VERSION_HELPERS[op]
    return Cond(f"{helper} {_env(var).code} {nix.string(value).code}", frozenset({helper, "env"}))


_ENV = frozenset({"env"})


def _env(var: str) -> nix.Expr:
    return nix.select("env", var)


def render(condition: Condition) -> nix.Expr:
    if condition is True:
        return _TRUE
    if condition is False:
        return _FALSE
    return condition


#: Made once: most edges have no condition, and the key of every package's text renders each.
_TRUE, _FALSE = nix.Expr("true"), nix.Expr("false")

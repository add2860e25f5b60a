"""PEP 508 markers read once, with lock2nix's error: parsers check the markers
of a lock when they read it, the generator compiles them to Nix."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from packaging.markers import InvalidMarker, Marker

from .errors import Lock2NixError


class MarkerError(Lock2NixError):
    """A marker lock2nix cannot read or compile."""


def parse(marker: str) -> Marker:
    try:
        return _parse(marker)
    except InvalidMarker as exc:
        raise MarkerError(f"invalid marker {marker!r}: {exc}") from None


@functools.cache
def _parse(marker: str) -> Marker:
    return Marker(marker)


def tree(marker: Marker) -> list[Any]:
    """packaging's parse tree of ``marker``: operands (Variable, Op, Value
    triples) alternating with "and"/"or", nested lists for parentheses.

    packaging has no public marker AST, and poetry-core's parser (the other one
    at hand) rejects reversed comparisons (``"3.8" < python_version``) and
    loses which side of ``in`` the variable was on; so this one function reads
    packaging's ``_markers``. tests/test_markers.py pins its shape."""
    return marker._markers


def _as_written(comparison: tuple[Any, Any, Any]) -> str:
    return " ".join(side.serialize() for side in comparison)


def render(tree: Sequence[Any], comparison: Callable[[tuple[Any, Any, Any]], str] = _as_written) -> str:
    """A :func:`tree` (or a tree built alike) back to marker text; ``comparison``
    writes each (Variable, Op, Value) triple, by default as packaging reads it."""
    parts = []
    for item in tree:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, list):
            parts.append(f"({render(item, comparison)})")
        else:
            parts.append(comparison(item))
    return " ".join(parts)


def union(markers: Iterable[str | None]) -> str | None:
    """The markers joined with ``or``; ``None`` (always) when one of them is ``None`` or empty."""
    present: list[str] = []
    for marker in markers:
        if not marker:
            return None  # one unconditional alternative makes the union unconditional
        if marker not in present:
            present.append(marker)
    if not present:
        return None
    return present[0] if len(present) == 1 else " or ".join(f"({m})" for m in present)


def intersection(*markers: str | None) -> str | None:
    """The markers joined with ``and``, leaving out the absent ones; ``None`` when none is left."""
    present = [m for m in markers if m]
    if not present:
        return None
    return present[0] if len(present) == 1 else " and ".join(f"({m})" for m in present)

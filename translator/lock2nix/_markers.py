"""PEP 508 markers read once, with lock2nix's error: parsers check the markers
of a lock when they read it, the generator compiles them to Nix."""

from __future__ import annotations

import functools
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

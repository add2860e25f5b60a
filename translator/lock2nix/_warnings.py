"""Warnings: one line each on stderr, the translation goes on."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from contextvars import ContextVar

#: The lists the warnings printed now are also added to (see :func:`recorded`).
_recorders: ContextVar[tuple[list[str], ...]] = ContextVar("lock2nix_warning_recorders", default=())


def warn(message: str) -> None:
    """Print ``lock2nix: warning: <message>`` on stderr."""
    for recorder in _recorders.get():
        recorder.append(message)
    print(f"lock2nix: warning: {message}", file=sys.stderr)


@contextlib.contextmanager
def recorded() -> Iterator[list[str]]:
    """The messages :func:`warn` prints inside the block (still printed): a
    snapshot keeps them with what was computed, to print them when it is reused."""
    messages: list[str] = []
    token = _recorders.set((*_recorders.get(), messages))
    try:
        yield messages
    finally:
        _recorders.reset(token)

"""Warnings: one line each on stderr, the translation goes on."""

from __future__ import annotations

import sys


def warn(message: str) -> None:
    """Print ``lock2nix: warning: <message>`` on stderr."""
    print(f"lock2nix: warning: {message}", file=sys.stderr)

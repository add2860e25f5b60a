"""The ``lock2nix`` command line.

The pre-commit hook runs it on every commit, nearly always on inputs that
have not changed. That run is answered first, by :mod:`.quick`, with no more
than the standard library's os and hashlib; every other run goes on in
:mod:`.command`, with argparse for the command lines :mod:`.quick` leaves to it.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from .quick import read

    reading = read(args)
    if reading is not None and reading.unchanged:
        return 0
    from .command import run

    return run(args, reading)

"""The ``lock2nix`` command line.

The pre-commit hook runs it on every commit, nearly always on inputs that
have not changed. That run is answered first, by :mod:`.quick`, with no more
than the standard library's os and CPython's sha256; every other run goes on in
:mod:`.command`, with argparse for the command lines :mod:`.quick` leaves to it.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["console_main", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from .quick import read

    reading = read(args)
    if reading is not None and reading.unchanged:
        return 0
    from .command import run

    return run(args, reading)


def console_main() -> None:
    """The ``lock2nix`` script: :func:`main`, then out of the process without
    freeing its objects one by one.

    A translation leaves its model and overlay, about 300,000 objects for a
    309-package lock, and freeing them at exit was a tenth of a one-package
    change's run (mypy leaves likewise). Nothing is lost: outputs are written
    and closed by then, worker pools shut down, and the streams are flushed here.
    """
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a reader that went away (lock2nix LOCK | head)
        code = code or 1
    os._exit(code)

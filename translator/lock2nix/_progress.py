"""A one-line progress counter on stderr, shown only when stderr is a terminal."""

from __future__ import annotations

import sys
import threading
import time
from typing import IO


class Progress:
    """``lock2nix: <label> <done>/<total>`` rewritten in place; silent when not a TTY.

    Safe to advance from several threads. Redraws at most ten times a second and
    erases itself on :meth:`close`, so nothing of it stays in the terminal.
    """

    def __init__(self, label: str, total: int, stream: IO[str] | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        try:
            self.enabled = total > 0 and self.stream.isatty()
        except (AttributeError, ValueError):
            self.enabled = False
        self._lock = threading.Lock()
        self._drawn = 0.0

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            if not self.enabled:
                return
            now = time.monotonic()
            if now - self._drawn >= 0.1 or self.done >= self.total:
                self._drawn = now
                self.stream.write(f"\rlock2nix: {self.label} {self.done}/{self.total}")
                self.stream.flush()

    def close(self) -> None:
        with self._lock:
            if self.enabled and self._drawn:
                self.stream.write("\r\033[K")
                self.stream.flush()
            self.enabled = False

    def __enter__(self) -> Progress:  # typing.Self needs Python 3.11
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

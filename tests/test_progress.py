"""The progress counter on stderr."""

from __future__ import annotations

import io

import pytest

from lock2nix._progress import Progress


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_only_on_a_terminal(tty) -> None:
    stream = Terminal(tty)
    with Progress("reading", 3, stream=stream) as progress:
        for _ in range(3):
            progress.advance()
    if tty:
        assert "lock2nix: reading 3/3" in stream.getvalue() and stream.getvalue().endswith("\r\033[K")
    else:
        assert stream.getvalue() == ""

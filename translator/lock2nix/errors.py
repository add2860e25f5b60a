"""Errors lock2nix reports to the user as one line and exit code 2."""

from __future__ import annotations


class Lock2NixError(Exception):
    """An error the CLI reports as one line and exit code 2.

    ``file``, ``line`` and ``entry`` locate the problem in the user's input so
    the message can be acted on without a traceback.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        entry: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.entry = entry
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file is not None:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [p for p in (where, self.entry) if p]
        return ": ".join([*parts, self.message])

    def at(self, *, file: str | None = None, entry: str | None = None) -> Lock2NixError:
        """Return this error with missing location parts filled in."""
        return type(self)(
            self.message,
            file=self.file or file,
            entry=self.entry or entry,
            line=self.line,
        )


def local_copy_fix(name: str) -> str:
    """The configuration that builds package ``name`` without its locked source."""
    return (
        f'give the package a local copy ([tool.lock2nix.package.{name}] src = "<path>") '
        "or keep the package set's own (skip = true)"
    )


def unreachable_hint(name: str) -> str:
    """What fixes a package whose host lock2nix cannot reach, without that host."""
    return f"to translate without that host, {local_copy_fix(name)}"

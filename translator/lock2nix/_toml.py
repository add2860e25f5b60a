"""Reading TOML with errors that name the file and line."""

from __future__ import annotations

from .errors import Lock2NixError

TYPE_CHECKING = False
if TYPE_CHECKING:  # the pre-commit hook reads its configuration with this module: typing is left out
    from typing import Any


def load_toml(name: str, text: str) -> dict[str, Any]:
    """Parse TOML with the fastest reader available, reporting errors with a line."""
    # tomli (compiled, about twice as fast as tomllib) is imported here: the
    # pre-commit hook's no-op run reads no TOML.
    import tomli

    try:
        return tomli.loads(text)
    except tomli.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", str(exc))
        raise Lock2NixError(f"invalid TOML: {message}", file=name, line=line) from None
    except RecursionError:  # tomli refuses nesting deeper than a few hundred levels this way
        raise Lock2NixError("invalid TOML: arrays or tables nested too deeply", file=name) from None

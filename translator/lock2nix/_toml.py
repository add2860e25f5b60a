"""Reading TOML with errors that name the file and line."""

from __future__ import annotations

from typing import Any

from .errors import Lock2NixError


def load_toml(name: str, text: str) -> dict[str, Any]:
    """Parse TOML with the fastest reader available, reporting errors with a line."""
    # Imported here: the pre-commit hook's no-op run reads no TOML.
    try:
        import tomli as toml_reader  # compiled, about twice as fast as tomllib
    except ImportError:  # pragma: no cover - tomli is a dependency on Python < 3.11 only
        import tomllib as toml_reader  # type: ignore[no-redef]
    try:
        return toml_reader.loads(text)
    except toml_reader.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        message = getattr(exc, "msg", str(exc))
        raise Lock2NixError(f"invalid TOML: {message}", file=name, line=line) from None
    except RecursionError:  # tomli refuses nesting deeper than a few hundred levels this way
        raise Lock2NixError("invalid TOML: arrays or tables nested too deeply", file=name) from None

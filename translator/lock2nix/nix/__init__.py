"""Nix output: the emitter that owns all quoting and layout (:mod:`.emitter`),
and the Nix library generated overlays call (:mod:`.library`, ``lib/*.nix``).

The emitter's names are available here; it is imported on first use, so that
the pre-commit hook's run on unchanged inputs, which needs only the library's
check, does not pay for it.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is left out of the no-op run's imports
    from typing import Any

    from .emitter import (
        LINE_WIDTH,
        Call,
        Chain,
        Commented,
        Concat,
        Entry,
        Expr,
        Formals,
        IfElse,
        Inherit,
        Lambda,
        Let,
        Lines,
        UnsafeNixString,
        attr_name,
        attr_path,
        binding,
        check_text,
        comment_lines,
        commented,
        entry,
        join_lines,
        name,
        names_used,
        path,
        render,
        select,
        string,
    )

__all__ = [
    "LINE_WIDTH",
    "Call",
    "Chain",
    "Commented",
    "Concat",
    "Entry",
    "Expr",
    "Formals",
    "IfElse",
    "Inherit",
    "Lambda",
    "Let",
    "Lines",
    "UnsafeNixString",
    "attr_name",
    "attr_path",
    "binding",
    "check_text",
    "comment_lines",
    "commented",
    "entry",
    "join_lines",
    "name",
    "names_used",
    "path",
    "render",
    "select",
    "string",
]


def __getattr__(attribute: str) -> Any:
    if attribute not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {attribute!r}")
    from . import emitter
    # Bound here once: later lookups do not come back to this function.
    globals().update({name: getattr(emitter, name) for name in __all__})
    return globals()[attribute]

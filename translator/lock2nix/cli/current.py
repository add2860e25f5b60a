"""Which overlays a command line names, and whether each is current.

An overlay is current when its header records the digest of its inputs as
they are now (and the Nix library beside it is this lock2nix's). Both the
argparse command line (:mod:`.command`) and the early answer of
:mod:`.quick` decide it with these functions, so the two cannot disagree.
Their records are plain slotted classes and their paths strings: typing's
NamedTuple, or pathlib, would each be a tenth of the pre-commit hook's run on
unchanged inputs.
"""

from __future__ import annotations

import os

from ..errors import Lock2NixError
from ..nix import library
from .inputs import Inputs, Target, input_digest, read_inputs, recorded_digest

TYPE_CHECKING = False
if TYPE_CHECKING:
    from types import SimpleNamespace

    from .._options import Prefer

__all__ = ["Check", "Target", "cache_dir", "check", "is_current", "library_current", "read_text", "targets"]


def targets(args: SimpleNamespace) -> list[Target]:
    """The translations ``args`` asks for: the configured ones when it names neither lock nor output."""
    if args.lock is None and args.output is None:
        from .config import overlay_targets

        # Relative, so messages name files as the user sees them.
        configured = overlay_targets(os.curdir, memo_dir=os.path.join(cache_dir(args), "configured"))
        if configured:
            return list(configured)
    for flag in ("check", "pre_commit"):
        if getattr(args, flag) and not args.output:
            raise Lock2NixError(
                f"--{flag.replace('_', '-')} needs -o FILE (the overlay), or overlays configured in "
                "[tool.lock2nix] / lock2nix.toml"
            )
    return [Target(args.lock, args.output or None)]


def cache_dir(args: SimpleNamespace) -> str:
    """lock2nix's cache: ``--cache-dir``, else $LOCK2NIX_CACHE_DIR, else the user's cache directory."""
    if args.cache_dir is not None:
        return str(args.cache_dir)
    env = os.environ.get("LOCK2NIX_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "lock2nix")


class Check:
    """One translation's inputs as they are now, their digest, and where its output goes."""

    __slots__ = ("digest", "inline", "inputs", "library_file", "output", "prefer")

    def __init__(
        self, inputs: Inputs, digest: str, output: str | None, library_file: str | None, *, prefer: Prefer | None,
        inline: bool,
    ) -> None:
        self.inputs = inputs
        self.digest = digest
        self.output = output
        #: The Nix library the overlay imports from beside it (None: inlined, or no overlay).
        self.library_file = library_file
        self.prefer = prefer
        self.inline = inline


def check(target: Target, args: SimpleNamespace) -> Check:
    """Read ``target``'s inputs and take their digest with the options of ``args``."""
    inputs = read_inputs(target.lock)
    output = target.output
    prefer = args.prefer or target.prefer
    # Without a file to write beside, the library goes into the overlay.
    inline = args.inline or output is None
    library_file = (
        None
        if output is None or inline or args.emit != "overlay"
        else os.path.join(os.path.dirname(output), library.FILE_NAME)
    )
    digest = input_digest(
        inputs, prefer=prefer, emit=args.emit, detect=not args.no_detect, insecure=args.allow_insecure_hashes,
        scope=args.scope, inline=inline,
    )
    return Check(inputs, digest, output, library_file, prefer=prefer, inline=inline)


def is_current(checked: Check, args: SimpleNamespace) -> bool:
    """Whether the overlay records these very inputs, so there is nothing to do (never with ``--force``)."""
    return (
        not args.force
        and checked.output is not None
        and args.emit == "overlay"
        and recorded_digest(checked.output) == checked.digest
        and library_current(checked.library_file)
    )


def library_current(library_file: str | None) -> bool:
    """Whether the library beside the overlay is this lock2nix's (or none is needed)."""
    return library_file is None or library.is_current(read_text(library_file))


def read_text(path: str) -> str | None:
    """The text of ``path``; None when it does not exist, "" when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""

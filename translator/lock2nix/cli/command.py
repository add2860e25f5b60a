"""The ``lock2nix`` command line, read by argparse: every run but the one
:mod:`.quick` answers (a plain command line whose overlays are current)."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Literal

from .. import __version__, _files
from ..errors import Lock2NixError
from ..nix import library
from .current import Check, cache_dir, check, is_current, library_current, read_text, targets
from .quick import CHOICES, DEFAULTS

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from .quick import Reading

# The modules of the slow paths (init, pipeline, staleness) are imported
# where they run.

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_STALE", "build_init_parser", "build_parser", "one_line", "run"]

EXIT_OK = 0
EXIT_STALE = 1
EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    import argparse  # here: the command lines .quick reads are not read again

    parser = argparse.ArgumentParser(
        prog="lock2nix",
        description="Translate a Python lock file (poetry.lock, Pipfile.lock, uv.lock, PEP 751 pylock.toml, "
        "conda environment.yml / conda-lock.yml) into a nixpkgs overlay. The format is told from the "
        "file's content, whatever its name.",
        epilog="Use the overlay with: import <nixpkgs> { overlays = [ (import ./overlay.nix) ]; }",
    )
    parser.add_argument(
        "lock",
        nargs="?",
        help="lock file to translate (default: the lock in the current directory; '-' reads stdin)",
    )
    parser.add_argument("-o", "--output", help="write here (atomically) instead of stdout")
    parser.add_argument(
        "--emit",
        choices=CHOICES["emit"],
        default=DEFAULTS["emit"],
        help="what to write: the nixpkgs overlay (default), the lock model as JSON, or a PEP 751 pylock.toml",
    )
    parser.add_argument(
        "--prefer",
        choices=CHOICES["prefer"],
        default=None,
        help="build from wheels when a compatible one exists (default), or from sdists",
    )
    parser.add_argument(
        "--scope",
        choices=CHOICES["scope"],
        default=None,
        help="where the locked packages live: in the projects' own package set, leaving nixpkgs' sets as "
        "they are (project, the default), or also in every interpreter's set of nixpkgs (global)",
    )
    parser.add_argument(
        "--inline",
        action="store_true",
        help="put lock2nix's Nix library into the overlay instead of writing it beside it "
        "(always so when the overlay goes to stdout)",
    )
    parser.add_argument("--offline", action="store_true", help="use only the on-disk cache; never touch the network")
    parser.add_argument(
        "--no-detect",
        action="store_true",
        help="do not download sdists to read their build systems; use a default (setuptools)",
    )
    parser.add_argument(
        "--allow-insecure-hashes",
        action="store_true",
        help="leave out, with a warning, locked files that have no hash or only an md5 or sha1 one "
        "(by default such a lock is refused: Nix cannot pin those downloads); a package left with "
        "no usable file is still an error",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="index and git-hash cache (default: $LOCK2NIX_CACHE_DIR or ~/.cache/lock2nix)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 0 if the overlay (-o, or every configured one) is current, 1 if stale (with a summary), "
        "2 on errors; write nothing",
    )
    parser.add_argument(
        "--pre-commit",
        action="store_true",
        help="regenerate the overlay (-o, or every configured one) and exit 1 if a file changed, "
        "as a pre-commit hook must",
    )
    parser.add_argument("--force", action="store_true", help="regenerate even if the output's input digest matches")
    parser.add_argument("--version", action="version", version=f"lock2nix {__version__}")
    parser.set_defaults(command=None)
    return parser


def build_init_parser() -> argparse.ArgumentParser:
    import argparse

    parser = argparse.ArgumentParser(
        prog="lock2nix init",
        description="Configure lock2nix for this project: the lock -> overlay pair in [tool.lock2nix] "
        "(or lock2nix.toml) and the pre-commit hook in .pre-commit-config.yaml. Existing files keep "
        "their formatting and comments.",
    )
    parser.add_argument("lock", nargs="?", help="the lock file (default: the lock in the current directory)")
    parser.add_argument(
        "-o", "--output", default=None, help="the overlay to keep current (default: overlay.nix beside the lock)"
    )
    parser.add_argument("--prefer", choices=CHOICES["prefer"], default=None, help="record a wheel/sdist preference")
    parser.add_argument(
        "--hook-repo",
        default=None,
        help="git URL of lock2nix for a remote pre-commit hook (default: a local hook running the "
        "installed lock2nix)",
    )
    parser.add_argument("--hook-rev", default=None, help="tag or commit of --hook-repo (default: v" + __version__ + ")")
    parser.add_argument("--no-hook", action="store_true", help="do not touch .pre-commit-config.yaml")
    parser.set_defaults(command="init")
    return parser


def run(argv: Sequence[str], reading: Reading | None = None) -> int:
    """Run the command line ``argv`` (without the program name); return the exit code.

    ``reading`` is :mod:`.quick`'s of the same ``argv``, with the inputs it read:
    the arguments as argparse reads them (tests/test_cli_quick.py), not read again.
    """
    argv = list(argv)
    is_init = argv[:1] == ["init"]
    if reading is not None:
        args, checks = reading.args, reading.checks
    else:
        # Into a SimpleNamespace, the record .quick makes of a command line: .current reads both alike.
        parser = build_init_parser() if is_init else build_parser()
        args, checks = parser.parse_args(argv[1:] if is_init else argv, namespace=SimpleNamespace()), None
    # The lock model and overlay are large and live until the end, and a
    # translation makes almost no cyclic garbage (about 500 objects for a
    # one-package change of the 309-package lock, 2,000 for its whole
    # translation). The collector's passes over the model cost a one-package
    # change 5% of its time, and at the default thresholds a 20,000-package lock
    # took 30% longer per package than a 5,000 one (bench/bench_scale.py):
    # reference counting frees the rest.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run(args, checks)
    except Lock2NixError as exc:
        print(f"lock2nix: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("lock2nix: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:
        if os.environ.get("LOCK2NIX_DEBUG"):
            raise
        where = args.lock or "the lock file"
        print(
            one_line(
                f"lock2nix: error: {where}: could not translate ({type(exc).__name__}: {exc}); "
                "set LOCK2NIX_DEBUG=1 for details and please report it"
            ),
            file=sys.stderr,
        )
        return EXIT_ERROR
    finally:
        if collecting:
            gc.enable()


def one_line(message: str) -> str:
    """``message`` as one printable line: errors are one line, whatever the input held.

    Library messages (packaging's) add the offending text and a ``~~~^`` pointer
    on further lines; the pointer goes, the rest joins the first line, and
    control characters from the input are shown escaped, never sent to the terminal.
    """
    lines = [line.strip() for line in message.splitlines()]
    text = " ".join(line for line in lines if line and not set(line) <= set("~^ "))
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


#: What one translation did.
Outcome = Literal["unchanged", "written", "stale", "current", "printed"]


def _run(args: SimpleNamespace, checks: list[Check] | None) -> int:
    if args.command == "init":
        from .init import init

        return init(args)
    if checks is None:  # each target's inputs are read as its turn comes
        outcomes = [_translate(check(target, args), args) for target in targets(args)]
    else:
        outcomes = [_translate(checked, args) for checked in checks]
    if args.check:
        return EXIT_STALE if "stale" in outcomes else EXIT_OK
    if args.pre_commit:
        # pre-commit's convention: a hook that changed files fails the commit.
        return EXIT_STALE if "written" in outcomes else EXIT_OK
    return EXIT_OK


def _translate(checked: Check, args: SimpleNamespace) -> Outcome:
    """Translate one lock, unless the output records the digest of these very inputs."""
    if is_current(checked, args):
        return "current" if args.check else "unchanged"
    # Not imported at the top: the pipeline brings packaging, the index
    # client and the generator, which the run above never needs.
    from .pipeline import Request, render

    output = Path(checked.output) if checked.output is not None else None
    library_file = Path(checked.library_file) if checked.library_file is not None else None
    text = render(
        Request(
            inputs=checked.inputs,
            output=output,
            emit=args.emit,
            prefer=checked.prefer,
            scope=args.scope,
            inline=checked.inline,
            digest=checked.digest,
            cache_dir=Path(cache_dir(args)),
            offline=args.offline,
            detect=not args.no_detect,
            allow_insecure_hashes=args.allow_insecure_hashes,
        )
    )
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return "printed"
    data = text.encode()
    del text  # held once, as it is written: a large overlay's text is megabytes
    return _deliver(data, output, library_file, check=args.check, pre_commit=args.pre_commit)


def _deliver(data: bytes, output: Path, library_file: Path | None, *, check: bool, pre_commit: bool) -> Outcome:
    """Write ``data`` to ``output`` unless it holds it already (with ``check``: say so);
    the Nix library beside it likewise."""
    holds = _holds(output, data)
    library_is_current = library_current(None if library_file is None else str(library_file))
    if holds and library_is_current:
        return "current" if check else "unchanged"
    if check:
        from .staleness import summary

        why = summary(read_text(str(output)), data.decode()) if not holds else (
            f"{library_file} is another lock2nix's library"
        )
        print(f"lock2nix: {output} is stale: {why}; run lock2nix to regenerate", file=sys.stderr)
        return "stale"
    # The library first: an overlay never imports a library older than itself.
    if library_file is not None and not library_is_current:
        write_atomic(library_file, library.bundle())
    write_atomic(output, data)
    if pre_commit:
        print(f"lock2nix: regenerated {output}", file=sys.stderr)
    return "written"


def _holds(path: Path, data: bytes) -> bool:
    """Whether the file at ``path`` has exactly ``data`` (read a block at a time, not held beside it)."""
    try:
        with open(path, "rb") as f:
            if os.fstat(f.fileno()).st_size != len(data):
                return False
            view, at = memoryview(data), 0
            while block := f.read(1 << 16):
                if view[at : at + len(block)] != block:
                    return False
                at += len(block)
            return at == len(data)
    except OSError:
        return False


def write_atomic(path: Path, text: str | bytes) -> None:
    """Replace the output file completely or not at all."""
    try:
        _files.write_atomic(path, text, durable=True)
    except OSError as exc:
        raise Lock2NixError(f"cannot write: {exc.strerror}", file=str(path)) from None

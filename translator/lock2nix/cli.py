"""The ``lock2nix`` command line."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .nix import library
from .errors import Lock2NixError

EXIT_OK = 0
EXIT_STALE = 1
EXIT_ERROR = 2
DIGEST_PREFIX = "lock2nix-inputs: "


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lock2nix",
        description="Translate a Python lock file (poetry.lock, Pipfile.lock) into a nixpkgs overlay.",
        epilog="Use the overlay with: import <nixpkgs> { overlays = [ (import ./overlay.nix) ]; }",
    )
    parser.add_argument(
        "lock",
        nargs="?",
        help="lock file to translate (default: the lock in the current directory; '-' reads stdin)",
    )
    parser.add_argument("-o", "--output", help="write here (atomically) instead of stdout")
    parser.add_argument("--emit", choices=("overlay", "model"), default="overlay", help="what to write (default: overlay)")
    parser.add_argument(
        "--prefer",
        choices=("wheel", "sdist"),
        default=None,
        help="build from wheels when a compatible one exists (default), or from sdists",
    )
    parser.add_argument(
        "--scope",
        choices=("project", "global"),
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
    parser = argparse.ArgumentParser(
        prog="lock2nix init",
        description="Configure lock2nix for this project: the lock -> overlay pair in [tool.lock2nix] "
        "(or lock2nix.toml) and the pre-commit hook in .pre-commit-config.yaml. Existing files keep "
        "their formatting and comments.",
    )
    parser.add_argument("lock", nargs="?", help="the lock file (default: the lock in the current directory)")
    parser.add_argument("-o", "--output", default=None, help="the overlay to keep current (default: overlay.nix beside the lock)")
    parser.add_argument("--prefer", choices=("wheel", "sdist"), default=None, help="record a wheel/sdist preference")
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


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # The lock model and overlay are large and live until exit: with the default
    # thresholds, full collections rescan them ever more often and a 20,000-package
    # lock took 30% longer per package than a 5,000 one (bench/bench_scale.py).
    import gc

    gc.set_threshold(10_000, 50, 100)
    if argv[:1] == ["init"]:
        args = build_init_parser().parse_args(argv[1:])
    else:
        args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except Lock2NixError as exc:
        print(f"lock2nix: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("lock2nix: interrupted; nothing was written", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the promise is: no traceback, exit 2
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


def one_line(message: str) -> str:
    """``message`` as one printable line: errors are one line, whatever the input held.

    Library messages (packaging's) add the offending text and a ``~~~^`` pointer
    on further lines; the pointer goes, the rest joins the first line, and
    control characters from the input are shown escaped, never sent to the terminal.
    """
    lines = [line.strip() for line in message.splitlines()]
    text = " ".join(line for line in lines if line and not set(line) <= set("~^ "))
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


@dataclass(frozen=True)
class Target:
    """One lock → overlay translation."""

    lock: str | None  # None: the lock in the current directory; "-": stdin
    output: Path | None
    prefer: str | None = None  # from the configuration's overlay entry


def _run(args: argparse.Namespace) -> int:
    if args.command == "init":
        from .init import init

        return init(args)
    outcomes = [_translate(target, args) for target in _targets(args)]
    if args.check:
        return EXIT_STALE if "stale" in outcomes else EXIT_OK
    if args.pre_commit:
        # pre-commit's convention: a hook that changed files fails the commit.
        return EXIT_STALE if "written" in outcomes else EXIT_OK
    return EXIT_OK


def _targets(args: argparse.Namespace) -> list[Target]:
    if args.lock is None and args.output is None:
        from .config import overlay_targets

        # Relative, so messages name files as the user sees them.
        configured = overlay_targets(Path("."))
        if configured:
            return [Target(str(t.lock), t.output, t.prefer) for t in configured]
    for flag in ("check", "pre_commit"):
        if getattr(args, flag) and not args.output:
            raise Lock2NixError(
                f"--{flag.replace('_', '-')} needs -o FILE (the overlay), or overlays configured in "
                "[tool.lock2nix] / lock2nix.toml"
            )
    return [Target(args.lock, Path(args.output) if args.output else None)]


def _translate(target: Target, args: argparse.Namespace) -> str:
    """Translate one lock; returns "unchanged", "written", "stale", "current" or "printed"."""
    from .parsers import companions, find_lock

    if target.lock == "-":
        lock_name = "-"
        data = sys.stdin.buffer.read()
        directory = Path.cwd()
        inputs = [("-", data)]
    else:
        lock_path = Path(target.lock) if target.lock else find_lock(Path.cwd())
        lock_name = str(lock_path)
        data = _read(lock_path)
        directory = lock_path.parent
        inputs = [(lock_path.name, data)]
        for companion in companions(lock_path):
            inputs.append((companion.name, _read(companion)))
    from .config import candidate_files

    for config_file in candidate_files(directory):
        if all(name != config_file.name for name, _ in inputs):
            inputs.append((config_file.name, _read(config_file)))
    output = target.output
    prefer_option = args.prefer or target.prefer
    # Without a file to write beside, the library goes into the overlay.
    inline = args.inline or output is None
    library_file = None if inline or args.emit != "overlay" else output.parent / library.FILE_NAME

    digest = _digest(inputs, args, prefer_option, inline)
    if output is not None and args.emit == "overlay" and not args.force:
        if _recorded_digest(output) == digest and (library_file is None or _read_text(library_file) == library.bundle()):
            return "current" if args.check else "unchanged"

    from . import config, parsers, resolve

    settings_file = config.load(directory, _texts(inputs, directory))
    prefer = prefer_option or settings_file.prefer or "wheel"
    detect = not args.no_detect and settings_file.detect_build_systems is not False
    lock = parsers.parse(lock_name, data, directory=directory, allow_insecure_hashes=args.allow_insecure_hashes)
    settings = resolve.Settings(cache_dir=_cache_dir(args), offline=args.offline, detect_build_systems=detect)
    lock = resolve.resolve(lock, settings)

    if args.emit == "model":
        text = json.dumps(lock.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    else:
        from .generate import Options, generate
        from .overrides import curated

        out_dir = (output.parent if output is not None else Path.cwd()).resolve()
        lock_dir = os.path.relpath(directory.resolve(), out_dir).replace(os.sep, "/")
        scope = args.scope or settings_file.scope or "project"
        options = Options(
            prefer=prefer,
            scope=scope,
            inline=inline,
            lock_dir=lock_dir,
            header=_header(
                inputs, lock_name, output, out_dir, prefer_option, digest,
                insecure=args.allow_insecure_hashes, environment=lock.environment is not None,
                scope=args.scope, inline=args.inline,
            ),
            output_name=output.name if output is not None else None,
            fixes=curated().with_user(settings_file.fixes),
            pythons=settings_file.pythons,
            conda_check=settings_file.conda_versions or "error",
        )
        try:
            text = generate(lock, options)
        except Lock2NixError as exc:  # e.g. text the emitter refuses: name the lock it came from
            raise exc.at(file=lock.file) from None

    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return "printed"
    current_text = _read_text(output)
    library_stale = library_file is not None and _read_text(library_file) != library.bundle()
    if current_text == text and not library_stale:
        return "current" if args.check else "unchanged"
    if args.check:
        from .staleness import summary

        what = summary(current_text, text) if current_text != text else f"{library_file} is not this lock2nix's library"
        print(f"lock2nix: {output} is stale: {what}; run lock2nix to regenerate", file=sys.stderr)
        return "stale"
    # The library first: an overlay never imports a library older than itself.
    if library_stale:
        write_atomic(library_file, library.bundle())
    write_atomic(output, text)
    if args.pre_commit:
        print(f"lock2nix: regenerated {output}", file=sys.stderr)
    return "written"


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise Lock2NixError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise Lock2NixError("is a directory, not a lock file", file=str(path)) from None
    except OSError as exc:
        raise Lock2NixError(f"cannot read: {exc.strerror}", file=str(path)) from None


def _texts(inputs: list[tuple[str, bytes]], directory: Path) -> dict[str, str]:
    texts = {}
    for name, data in inputs:
        try:
            texts[name] = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            where = name if name == "-" else str(directory / name)  # the path as the user gave it
            raise Lock2NixError(f"not UTF-8 text (byte {exc.start})", file=where) from None
    return texts


def _cache_dir(args: argparse.Namespace) -> Path:
    if args.cache_dir is not None:
        return args.cache_dir
    env = os.environ.get("LOCK2NIX_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lock2nix"


def _digest(inputs: list[tuple[str, bytes]], args: argparse.Namespace, prefer: str | None, inline: bool) -> str:
    """What the output depends on: tool version, options and every input's bytes."""
    h = hashlib.sha256()
    h.update(f"lock2nix {__version__}\0prefer={prefer}\0emit={args.emit}\0detect={not args.no_detect}\0".encode())
    h.update(f"scope={args.scope}\0inline={inline}\0".encode())
    if args.allow_insecure_hashes:
        h.update(b"allow-insecure-hashes\0")
    for name, data in inputs:
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256-" + base64.b64encode(h.digest()).decode()


def _recorded_digest(output: Path) -> str | None:
    """The input digest in an existing overlay's header, if any."""
    try:
        with output.open("r", encoding="utf-8") as f:
            for _ in range(12):
                line = f.readline()
                if not line.startswith("#"):
                    break
                _, sep, value = line.partition(DIGEST_PREFIX)
                if sep:
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


def _header(
    inputs: list[tuple[str, bytes]],
    lock_name: str,
    output: Path | None,
    out_dir: Path,
    prefer: str | None,
    digest: str,
    *,
    insecure: bool = False,
    environment: bool = False,
    scope: str | None = None,
    inline: bool = False,
) -> tuple[str, ...]:
    all_names = [name for name, _ in inputs]
    names = all_names[0] if len(all_names) == 1 else f"{', '.join(all_names[:-1])} and {all_names[-1]}"
    if lock_name == "-":
        command = "lock2nix - < LOCK"
    else:
        command = "lock2nix " + os.path.relpath(Path(lock_name).resolve(), out_dir).replace(os.sep, "/")
    if prefer is not None:
        command += f" --prefer {prefer}"
    if insecure:
        command += " --allow-insecure-hashes"
    if scope is not None:
        command += f" --scope {scope}"
    if inline and output is not None:
        command += " --inline"
    command += f" -o {output.name}" if output is not None else " > overlay.nix"
    where = (
        "lock2nixEnvironments.<name> has python (its .pkgs holds the locked packages), pythonEnv,\n"
        "tools, env and shell."
        if environment
        else "lock2nixProjects.<project> has python (its .pkgs holds the locked packages), package,\n"
        "tests, runtimeEnv and devEnv."
    )
    return (
        f"Generated by lock2nix {__version__} from {names}. Do not edit by hand;",
        "regenerate from the directory of this file with:",
        f"  {command}",
        "",
        "Use: import <nixpkgs> { overlays = [ (import ./overlay.nix) ]; }",
        *where.splitlines(),
        f"{DIGEST_PREFIX}{digest}",
    )


def write_atomic(path: Path, text: str) -> None:
    """Replace the output file completely or not at all."""
    from .files import write_atomic as replace

    try:
        replace(path, text, durable=True)
    except OSError as exc:
        raise Lock2NixError(f"cannot write: {exc.strerror}", file=str(path)) from None

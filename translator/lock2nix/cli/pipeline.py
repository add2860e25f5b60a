"""One translation from its inputs to the text written: configuration, parse, resolve, generate.

Imported only when an overlay is (re)generated: these modules bring
packaging, the index client and the generator with them, which the
pre-commit hook's run on unchanged inputs never needs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .. import __version__, parsers, resolve
from .._options import Prefer, Scope
from ..errors import Lock2NixError
from ..generate import Options, outline, overlay, plan
from ..local_sources import apply_local_sources, resolve_except_skipped
from ..overrides import CURATED_FILE, Fixes, curated, user_fixes
from ..snapshot import Snapshot, digest
from . import config
from .inputs import DIGEST_PREFIX, Inputs

__all__ = ["Emit", "Request", "render"]

#: What a run writes: the overlay, the resolved lock model as JSON, or a PEP 751 pylock.toml.
Emit = Literal["overlay", "model", "pylock"]


@dataclass(frozen=True)
class Request:
    """What to translate, and how."""

    inputs: Inputs
    #: The file the text goes to (None: stdout).
    output: Path | None
    emit: Emit
    #: ``--prefer``, or the configured overlay's ``prefer``; None: the configuration's or wheel.
    prefer: Prefer | None
    #: ``--scope``; None: the configuration's or project.
    scope: Scope | None
    #: Put the Nix library into the overlay (``--inline``, or output to stdout).
    inline: bool
    #: The input digest the overlay's header records.
    digest: str
    cache_dir: Path
    offline: bool
    #: Not ``--no-detect``: read each sdist's build system.
    detect: bool
    allow_insecure_hashes: bool


def render(request: Request) -> str:
    """The overlay (or model, or pylock.toml) for ``request``'s inputs."""
    inputs = request.inputs
    settings = config.load(inputs.directory, inputs.companion_texts())
    # What the last translation of this lock computed: only what changed is redone.
    snapshot = Snapshot.load(request.cache_dir, Path(inputs.lock_name))
    try:
        return _render(request, settings, snapshot)
    finally:
        snapshot.close()  # saved (and so closed) only after a translation that went through


def _curated(snapshot: Snapshot) -> Fixes:
    """lock2nix's curated fixes, kept in the snapshot while their file is the same: reading them
    was 5 ms of a one-package change, most of it compiling packaging's specifier patterns,
    which such a run otherwise never needs."""
    return snapshot.memo("curated", digest("curated", CURATED_FILE.read_bytes()), curated)


def _render(request: Request, settings: config.Config, snapshot: Snapshot) -> str:
    inputs = request.inputs
    fixes = _curated(snapshot).with_user(
        user_fixes(settings.packages, settings.origin, settings.file) if settings.file else ()
    )
    prefer: Prefer = request.prefer or settings.prefer or "wheel"
    detect = request.detect and settings.detect_build_systems is not False
    lock = parsers.parse(
        inputs.lock_name, inputs.lock_data, directory=inputs.directory,
        allow_insecure_hashes=request.allow_insecure_hashes, snapshot=snapshot,
    )
    # The user's local copies and skipped packages need none of their hosts.
    lock = apply_local_sources(lock, fixes, inputs.directory)
    resolve_settings = resolve.Settings(
        cache_dir=request.cache_dir, offline=request.offline, detect_build_systems=detect
    )
    # The overlay's plan reads an outline of most packages (generate.outline).
    lighter = outline if request.emit == "overlay" else None
    lock = resolve_except_skipped(
        lock, fixes, lambda partial: resolve.resolve(partial, resolve_settings, snapshot, lighter), snapshot.whole
    )
    if request.emit == "model":
        snapshot.save()
        import json  # the model's path only

        return json.dumps(lock.to_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    output = request.output
    out_dir = (output.parent if output is not None else Path.cwd()).resolve()
    lock_dir = os.path.relpath(inputs.directory.resolve(), out_dir).replace(os.sep, "/")
    if request.emit == "pylock":
        # tomlkit, which writes it, is left out of the overlay's path. The snapshot
        # is not saved: it would keep the resolution's entries and drop the overlay's.
        from ..pylock_export import to_pylock

        return to_pylock(lock, lock_dir=lock_dir)
    options = Options(
        prefer=prefer,
        scope=request.scope or settings.scope or "project",
        inline=request.inline,
        lock_dir=lock_dir,
        header=header(request, out_dir, environment=lock.environment is not None),
        output_name=output.name if output is not None else None,
        fixes=fixes,
        pythons=settings.pythons,
        conda_check=settings.conda_versions,
    )
    lock_file = lock.file
    try:
        parts = plan(lock, options, snapshot)
        del lock  # the model is not needed to join the parts: freed, it makes room for the text
        text = overlay.render(parts)
    except Lock2NixError as exc:  # e.g. text the emitter refuses: name the lock it came from
        raise exc.at(file=lock_file) from None
    snapshot.save()
    return text


def header(request: Request, out_dir: Path, *, environment: bool) -> tuple[str, ...]:
    """The overlay's header comment: where it comes from, how to regenerate and use it, the input digest."""
    all_names = request.inputs.names
    names = all_names[0] if len(all_names) == 1 else f"{', '.join(all_names[:-1])} and {all_names[-1]}"
    lock_name = request.inputs.lock_name
    if lock_name == "-":
        command = "lock2nix - < LOCK"
    else:
        command = "lock2nix " + os.path.relpath(Path(lock_name).resolve(), out_dir).replace(os.sep, "/")
    if request.prefer is not None:
        command += f" --prefer {request.prefer}"
    if request.allow_insecure_hashes:
        command += " --allow-insecure-hashes"
    if request.scope is not None:
        command += f" --scope {request.scope}"
    if request.inline and request.output is not None:
        command += " --inline"
    command += f" -o {request.output.name}" if request.output is not None else " > overlay.nix"
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
        f"{DIGEST_PREFIX}{request.digest}",
    )

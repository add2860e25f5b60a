"""Run real Nix from tests: parse, evaluate, instantiate."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
PRELUDE = TESTS.parent / "translator" / "lock2nix" / "nix" / "prelude.nix"
STANDIN = TESTS / "nixpkgs"


class NixError(AssertionError):
    """Nix refused an expression; the message carries Nix's own error."""


def have_nix() -> bool:
    return shutil.which("nix-instantiate") is not None


def run(args: list[str], *, stdin: str | None = None, timeout: float = 600) -> str:
    proc = subprocess.run(args, input=stdin, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise NixError(f"{' '.join(args[:3])} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return proc.stdout


def parse_file(path: Path) -> None:
    run(["nix-instantiate", "--parse", str(path)])


def eval_json(expr: str, *, strict: bool = True, timeout: float = 600) -> Any:
    args = ["nix-instantiate", "--eval", "--json", "-E", expr]
    if strict:
        args.insert(2, "--strict")
    return json.loads(run(args, timeout=timeout))


def eval_raw(expr: str) -> str:
    """Evaluate to a string and return it verbatim."""
    out = run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr])
    return json.loads(out)


def nix_str(value: str) -> str:
    """A Nix string literal for test-controlled text (JSON strings are valid Nix strings
    once ``${`` is escaped)."""
    return json.dumps(value).replace("${", "\\${")


# Builds run as the nixbld users unless build-users-group is empty; those users
# cannot run an interpreter under /root (pyenv, venvs). No binary cache is reachable.
BUILD_OPTIONS = ["--option", "build-users-group", "", "--option", "substituters", ""]


def build(expr: str, *, out_link: Path | None = None, timeout: float = 1800) -> subprocess.CompletedProcess:
    """nix-build ``expr``; returns the process (stdout has the out path, stderr the log)."""
    args = ["nix-build", *BUILD_OPTIONS, "-E", expr]
    args[1:1] = ["--out-link", str(out_link)] if out_link else ["--no-out-link"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise NixError(f"nix-build failed ({proc.returncode}):\n{proc.stderr[-6000:]}")
    return proc


def build_log(drv_or_out: str) -> str:
    return subprocess.run(["nix-store", "--read-log", drv_or_out], capture_output=True, text=True).stdout


def lock_set(pkgs: str, python: str = "python311") -> str:
    """The package set that holds an overlay's lock (its first project's), on ``python``.

    ``pkgs`` is an expression for nixpkgs with the overlay applied."""
    return (
        f"(let p = {pkgs}; project = builtins.head (builtins.attrValues p.lock2nixProjects); "
        f"in (project.withPython p.{python}).python.pkgs)"
    )


def comment_text(text: str) -> str:
    """The comments of generated Nix as one line of text (the emitter wraps long ones)."""
    return " ".join(
        line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("#")
    )

"""The input formats lock2nix reads: how a lock is found, recognised, and which files beside it it reads.

This is all the pre-commit hook's no-op run needs to know about formats, so
it imports nothing but the standard library; the parsers are in
:mod:`lock2nix.parsers`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from .errors import Lock2NixError

__all__ = ["KNOWN_LOCKS", "Format", "UnsupportedInput", "companions", "detect_format", "find_lock"]

#: The formats, by the name lock2nix gives each (``Lock.format``).
Format = Literal["poetry.lock", "Pipfile.lock", "environment.yml", "conda-lock.yml", "@EXPLICIT"]

# File names lock2nix finds on its own, in order of preference.
# (conda-lock.yml before the environment.yml it is usually locked from: it is exact.)
KNOWN_LOCKS = ("poetry.lock", "Pipfile.lock", "conda-lock.yml", "environment.yml", "environment.yaml")


class UnsupportedInput(Lock2NixError):
    """An input lock2nix cannot read (yet)."""


def find_lock(directory: Path) -> Path:
    for name in KNOWN_LOCKS:
        candidate = directory / name
        if candidate.is_file():
            # Relative to the current directory when found there, so messages
            # and the model name the file as the user sees it.
            return Path(name) if directory == Path.cwd() else candidate
    raise UnsupportedInput(
        f"no lock file found (looked for {', '.join(KNOWN_LOCKS)}); pass the lock file to translate",
        file=str(directory),
    )


def companions(lock: Path) -> list[Path]:
    """Files beside ``lock`` that its translation also reads."""
    if lock.name.endswith("poetry.lock"):
        pyproject = lock.parent / "pyproject.toml"
        return [pyproject] if pyproject.is_file() else []
    if lock.name.endswith((".yml", ".yaml")) and not lock.name.endswith("conda-lock.yml"):
        return _requirement_files(lock)
    if lock.name.endswith("Pipfile.lock"):
        # The Pipfile is checked against the lock's hash; the editable project
        # itself ("-e .") is read from the others when present (setup.py is
        # only looked at, never read).
        names = ("Pipfile", "pyproject.toml", "setup.cfg")
        return [p for p in (lock.parent / n for n in names) if p.is_file()]
    return []


def detect_format(name: str, text: str) -> Format:
    """The format of a lock file, from its name and, for stdin, its content."""
    base = name.rsplit("/", 1)[-1]
    if base.endswith("poetry.lock"):
        return "poetry.lock"
    if base.endswith("Pipfile.lock"):
        return "Pipfile.lock"
    if base.endswith(("conda-lock.yml", "conda-lock.yaml")):
        return "conda-lock.yml"
    if base in ("environment.yml", "environment.yaml"):
        return "environment.yml"
    if base.endswith((".yml", ".yaml")) or base == "-":
        conda = _conda_format(text)
        if conda is not None:
            return conda
    if (base.endswith((".lock", ".txt")) or base == "-") and re.search(r"(?m)^@EXPLICIT\s*$", text[:65536]):
        return "@EXPLICIT"
    if base == "-" or base.endswith((".lock", ".json")):
        head = text[:4096]
        if head.lstrip().startswith("{") and '"_meta"' in text:
            return "Pipfile.lock"
        if "[[package]]" in head or "[metadata]" in text[-8192:]:
            return "poetry.lock"
    raise UnsupportedInput(
        f"unrecognised lock file format (supported: {', '.join(KNOWN_LOCKS)}, conda @EXPLICIT lists)", file=name
    )


def _requirement_files(environment: Path) -> list[Path]:
    """Requirements files an environment's ``pip:`` section includes (``-r file``), that exist.

    A cheap scan, so that an unchanged environment is recognised without
    parsing YAML; nested ``-r`` lines are followed too.
    """
    found: list[Path] = []
    pending = [(environment, True)]
    while pending and len(found) < 100:
        file, is_yaml = pending.pop(0)
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        prefix = r"^\s*-\s+" if is_yaml else r"^\s*"
        for match in re.finditer(prefix + r"(?:-r|--requirement)(?:=|\s+)(\S+)", text, re.MULTILINE):
            target = file.parent / match.group(1).strip("'\"")
            if target.is_file() and target not in found:
                found.append(target)
                pending.append((target, False))
    return found


def _conda_format(text: str) -> Format | None:
    """``environment.yml`` or ``conda-lock.yml`` when the YAML text looks like one."""
    keys = set(re.findall(r"(?m)^([A-Za-z_][A-Za-z0-9_-]*):", text))
    if {"version", "metadata", "package"} <= keys:
        return "conda-lock.yml"
    if "dependencies" in keys:
        return "environment.yml"
    return None

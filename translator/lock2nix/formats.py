"""The input formats lock2nix reads: how a lock is found, recognised, and which files beside it it reads.

This is all the pre-commit hook's no-op run needs to know about formats, so
it imports nothing but the standard library; the parsers are in
:mod:`lock2nix.parsers`.
"""

from __future__ import annotations

import os
import re

from .errors import Lock2NixError

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing and pathlib are left out of the no-op run's imports
    from typing import Literal

__all__ = [
    "KNOWN_LOCKS", "READABLE", "Format", "UnsupportedInput", "companions", "detect_format", "find_lock",
    "format_of_content", "format_of_name",
]

if TYPE_CHECKING:
    #: The formats, by the name lock2nix gives each (``Lock.format``).
    Format = Literal[
        "poetry.lock", "Pipfile.lock", "uv.lock", "pylock.toml", "environment.yml", "conda-lock.yml", "@EXPLICIT"
    ]

# File names lock2nix finds on its own, in order of preference.
# (conda-lock.yml before the environment.yml it is usually locked from: it is exact.)
KNOWN_LOCKS = (
    "poetry.lock", "Pipfile.lock", "uv.lock", "pylock.toml", "conda-lock.yml", "environment.yml", "environment.yaml"
)
#: What an unrecognised file is told lock2nix reads.
READABLE = (
    "poetry.lock, Pipfile.lock, uv.lock, pylock.toml (PEP 751), conda environment.yml, conda-lock.yml "
    "and @EXPLICIT lists, recognised by their content whatever the file is called"
)


class UnsupportedInput(Lock2NixError):
    """An input lock2nix cannot read (yet)."""


# Paths are strings here (os.path): pathlib would be an eighth of the
# pre-commit hook's run on unchanged inputs.


def find_lock(directory: str | os.PathLike[str]) -> str:
    """The path of the lock lock2nix finds in ``directory`` on its own."""
    for name in KNOWN_LOCKS:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate):
            # Relative to the current directory when found there, so messages
            # and the model name the file as the user sees it.
            return name if os.path.abspath(directory) == os.getcwd() else candidate
    raise UnsupportedInput(
        f"no lock file found (looked for {', '.join(KNOWN_LOCKS)}); pass the lock file to translate",
        file=os.fspath(directory),
    )


def companions(lock: str | os.PathLike[str], text: str = "") -> list[str]:
    """Files beside ``lock`` that its translation also reads (``text``: the lock's, to tell its format)."""
    lock = os.fspath(lock)
    directory = os.path.dirname(lock)
    try:
        fmt: Format | None = detect_format(os.path.basename(lock), text)
    except UnsupportedInput:
        fmt = None
    if fmt in ("poetry.lock", "uv.lock", "pylock.toml"):
        names: tuple[str, ...] = ("pyproject.toml",)
    elif fmt == "environment.yml":
        return _requirement_files(lock)
    elif fmt == "Pipfile.lock":
        # The Pipfile is checked against the lock's hash; the editable project
        # itself ("-e .") is read from the others when present (setup.py is
        # only looked at, never read).
        names = ("Pipfile", "pyproject.toml", "setup.cfg")
    else:
        return []
    return [p for p in (os.path.join(directory, n) for n in names) if os.path.isfile(p)]


_PYLOCK_NAME = re.compile(r"pylock\.([^.]+\.)?toml")
# The names the tools write; any other name (and stdin) is told by content.
_BY_NAME: tuple[tuple[str, Format], ...] = (
    ("poetry.lock", "poetry.lock"),
    ("Pipfile.lock", "Pipfile.lock"),
    ("uv.lock", "uv.lock"),
    ("conda-lock.yml", "conda-lock.yml"),
    ("conda-lock.yaml", "conda-lock.yml"),
)


def detect_format(name: str, text: str) -> Format:
    """The format of a lock file: from its name when a tool writes that name, else from its content.

    The content tells every format (``Pipfile.lock.example``, ``ci.lock``,
    stdin); the name only spares the look for the names tools write.
    """
    found = format_of_name(name) or format_of_content(text)
    if found is None:
        raise UnsupportedInput(f"unrecognised lock file format; lock2nix reads {READABLE}", file=name)
    return found


def format_of_name(name: str) -> Format | None:
    """The format of a file with a name a tool writes (its content need not be read), or ``None``."""
    base = name.rsplit("/", 1)[-1]
    for suffix, fmt in _BY_NAME:
        if base.endswith(suffix):
            return fmt
    if _PYLOCK_NAME.fullmatch(base):
        return "pylock.toml"
    if base in ("environment.yml", "environment.yaml"):
        return "environment.yml"
    return None


def format_of_content(text: str) -> Format | None:
    """The format ``text`` is written in, from a cheap look (no full parse), or ``None``."""
    head = text[: 1 << 16]
    if text.lstrip().startswith("{"):
        return "Pipfile.lock" if '"_meta"' in text else None
    if re.search(r"(?m)^@EXPLICIT\s*$", head):
        return "@EXPLICIT"
    top = _top_keys(head)
    # pylock.toml: lock-version and created-by at the top, [[packages]] (plural).
    if "lock-version" in top or "created-by" in top or re.search(r"(?m)^\[\[packages\]\]", head):
        return "pylock.toml"
    # uv.lock: an integer version (and revision) at the top; poetry.lock has none there.
    if re.fullmatch(r"\d+", top.get("version", "")) or "revision" in top:
        return "uv.lock"
    if re.search(r"(?m)^\[\[package\]\]", head) or re.search(r"(?m)^\[metadata\]", text):
        return "poetry.lock"
    return _conda_format(text)


def _top_keys(head: str) -> dict[str, str]:
    """TOML keys before the first table header, with their raw values."""
    first_table = re.search(r"(?m)^\s*\[", head)
    top = head[: first_table.start()] if first_table else head
    return {m.group(1): m.group(2).strip() for m in re.finditer(r"(?m)^\s*([A-Za-z0-9_-]+)\s*=\s*(.*)$", top)}


def _requirement_files(environment: str) -> list[str]:
    """Requirements files an environment's ``pip:`` section includes (``-r file``), that exist.

    A cheap scan, so that an unchanged environment is recognised without
    parsing YAML; nested ``-r`` lines are followed too.
    """
    found: list[str] = []
    pending = [(environment, True)]
    while pending and len(found) < 100:
        file, is_yaml = pending.pop(0)
        try:
            with open(file, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        prefix = r"^\s*-\s+" if is_yaml else r"^\s*"
        for match in re.finditer(prefix + r"(?:-r|--requirement)(?:=|\s+)(\S+)", text, re.MULTILINE):
            target = os.path.normpath(os.path.join(os.path.dirname(file), match.group(1).strip("'\"")))
            if os.path.isfile(target) and target not in found:
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

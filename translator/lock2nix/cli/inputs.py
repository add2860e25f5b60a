"""What one translation reads, and the digest that tells an unchanged overlay.

The overlay's header records a digest of the tool's version, the options and
every input's bytes. When an existing overlay records the digest of the
inputs as they are now, there is nothing to do: the pre-commit hook's run on
an unchanged project stops here, having imported nothing heavy.
"""

from __future__ import annotations

import base64
import hashlib
import sys
from pathlib import Path
from typing import NamedTuple

from .. import __version__
from ..errors import Lock2NixError
from ..formats import companions, find_lock
from .config import candidate_files

__all__ = ["DIGEST_PREFIX", "Inputs", "input_digest", "read_inputs", "recorded_digest"]

#: How the overlay's header records the input digest.
DIGEST_PREFIX = "lock2nix-inputs: "
# The header is a dozen comment lines; the digest is among them.
_HEADER_LINES = 12


class Inputs(NamedTuple):
    """The files one translation reads, as bytes, by name: the lock first."""

    #: The lock as the user gave it (``-``: stdin).
    lock_name: str
    #: Where the lock's companions and configuration are.
    directory: Path
    files: tuple[tuple[str, bytes], ...]

    @property
    def lock_data(self) -> bytes:
        return self.files[0][1]

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.files]

    def companion_texts(self) -> dict[str, str]:
        """Every input but the lock decoded (the parser decodes the lock: a
        large one is not held twice); one that is not UTF-8 is an error naming it."""
        texts = {}
        for name, data in self.files[1:]:
            try:
                texts[name] = data.decode("utf-8")
            except UnicodeDecodeError as exc:
                where = name if name == "-" else str(self.directory / name)  # the path as the user gave it
                raise Lock2NixError(f"not UTF-8 text (byte {exc.start})", file=where) from None
        return texts


def read_inputs(lock: str | None) -> Inputs:
    """Read the lock (None: the one in the current directory; ``-``: stdin), its companions and configuration."""
    files: list[tuple[str, bytes]]
    if lock == "-":
        lock_name = "-"
        directory = Path.cwd()
        files = [("-", sys.stdin.buffer.read())]
    else:
        lock_path = Path(lock) if lock else find_lock(Path.cwd())
        lock_name = str(lock_path)
        directory = lock_path.parent
        data = _read(lock_path)
        files = [(lock_path.name, data)]
        text = data.decode("utf-8", "replace")  # only to tell the format; parsing refuses non-UTF-8
        files.extend((companion.name, _read(companion)) for companion in companions(lock_path, text))
    for config_file in candidate_files(directory):
        if all(name != config_file.name for name, _ in files):
            files.append((config_file.name, _read(config_file)))
    return Inputs(lock_name, directory, tuple(files))


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise Lock2NixError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise Lock2NixError("is a directory, not a lock file", file=str(path)) from None
    except OSError as exc:
        raise Lock2NixError(f"cannot read: {exc.strerror}", file=str(path)) from None


def input_digest(
    inputs: Inputs, *, prefer: str | None, emit: str, detect: bool, insecure: bool, scope: str | None, inline: bool
) -> str:
    """What the output depends on: tool version, options and every input's bytes."""
    h = hashlib.sha256()
    h.update(f"lock2nix {__version__}\0prefer={prefer}\0emit={emit}\0detect={detect}\0".encode())
    h.update(f"scope={scope}\0inline={inline}\0".encode())
    if insecure:
        h.update(b"allow-insecure-hashes\0")
    for name, data in inputs.files:
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256-" + base64.b64encode(h.digest()).decode()


def recorded_digest(output: Path) -> str | None:
    """The input digest in an existing overlay's header, if any."""
    try:
        with output.open("r", encoding="utf-8") as f:
            for _ in range(_HEADER_LINES):
                line = f.readline()
                if not line.startswith("#"):
                    break
                _, sep, value = line.partition(DIGEST_PREFIX)
                if sep:
                    return value.strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None

"""What one translation reads, and the digest that tells an unchanged overlay.

The overlay's header records a digest of the tool's version, the options and
every input's bytes. When an existing overlay records the digest of the
inputs as they are now, there is nothing to do: the pre-commit hook's run on
an unchanged project stops here, having imported nothing heavy (paths are
strings until a translation needs more: pathlib alone would be an eighth of
that run).
"""

from __future__ import annotations

import binascii
import os
import sys

from .. import __version__
from .._digest import sha256
from ..errors import Lock2NixError
from ..formats import companions, find_lock, format_of_name

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path

    from .._options import Prefer

__all__ = [
    "CONFIG_FILE", "DIGEST_PREFIX", "PYPROJECT", "Inputs", "Target", "candidate_files", "input_digest", "read_inputs",
    "recorded_digest",
]

#: lock2nix's own configuration file, beside the lock.
CONFIG_FILE = "lock2nix.toml"
#: The project file, which may configure lock2nix in ``[tool.lock2nix]``.
PYPROJECT = "pyproject.toml"

#: How the overlay's header records the input digest.
DIGEST_PREFIX = "lock2nix-inputs: "
# The header is a dozen comment lines; the digest is among them.
_HEADER_LINES = 12


class Target:
    """One lock -> overlay translation: named on the command line, or configured."""

    __slots__ = ("lock", "output", "prefer")

    def __init__(self, lock: str | None, output: str | None, prefer: Prefer | None = None) -> None:
        #: None: the lock in the current directory; "-": stdin.
        self.lock = lock
        self.output = output
        #: From the configuration's overlay entry.
        self.prefer = prefer


class Inputs:
    """The files one translation reads, as bytes, by name: the lock first."""

    __slots__ = ("files", "lock")

    def __init__(self, lock: str, files: tuple[tuple[str, bytes], ...]) -> None:
        #: The lock's path as given or found (``-``: stdin).
        self.lock = lock
        self.files = files

    @property
    def lock_name(self) -> str:
        """The lock as the user gave it (``-``: stdin), as pathlib spells it: messages and the model name it so."""
        from pathlib import Path

        return self.lock if self.lock == "-" else str(Path(self.lock))

    @property
    def directory(self) -> Path:
        """Where the lock's companions and configuration are."""
        from pathlib import Path

        return Path.cwd() if self.lock == "-" else Path(self.lock).parent

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
        lock_path = "-"
        directory = os.getcwd()
        files = [("-", sys.stdin.buffer.read())]
    else:
        lock_path = lock or find_lock(os.getcwd())
        directory = os.path.dirname(lock_path)
        data = _read(lock_path)
        name = _name(lock_path)
        files = [(name, data)]
        # Decoded only when the name does not tell the format; parsing refuses non-UTF-8.
        text = "" if format_of_name(name) else data.decode("utf-8", "replace")
        files.extend((_name(companion), _read(companion)) for companion in companions(lock_path, text))
    for config_file in candidate_files(directory):
        if all(name != _name(config_file) for name, _ in files):
            files.append((_name(config_file), _read(config_file)))
    return Inputs(lock_path, tuple(files))


def _name(path: str) -> str:
    """The file name of ``path``, as pathlib's ``name`` (a trailing slash does not hide it)."""
    return os.path.basename(path.rstrip("/") or path)


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        message = "no such file"
    except IsADirectoryError:
        message = "is a directory, not a lock file"
    except OSError as exc:
        message = f"cannot read: {exc.strerror}"
    from pathlib import Path  # only for the message: it names the file as pathlib spells it

    raise Lock2NixError(message, file=str(Path(path)))


def input_digest(
    inputs: Inputs, *, prefer: str | None, emit: str, detect: bool, insecure: bool, scope: str | None, inline: bool
) -> str:
    """What the output depends on: tool version, options and every input's bytes."""
    h = sha256()
    h.update(f"lock2nix {__version__}\0prefer={prefer}\0emit={emit}\0detect={detect}\0".encode())
    h.update(f"scope={scope}\0inline={inline}\0".encode())
    if insecure:
        h.update(b"allow-insecure-hashes\0")
    for name, data in inputs.files:
        h.update(name.encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return "sha256-" + binascii.b2a_base64(h.digest(), newline=False).decode()


def candidate_files(directory: str | os.PathLike[str]) -> list[str]:
    """Files that may configure a lock in ``directory`` (they are inputs of its overlay), named
    as pathlib would: messages name them so."""
    directory = os.fspath(directory)
    here = directory in ("", os.curdir)
    paths = [name if here else os.path.join(directory, name) for name in (CONFIG_FILE, PYPROJECT)]
    return [p for p in paths if os.path.isfile(p)]


def recorded_digest(output: str | os.PathLike[str]) -> str | None:
    """The input digest in an existing overlay's header, if any."""
    try:
        with open(output, encoding="utf-8") as f:
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

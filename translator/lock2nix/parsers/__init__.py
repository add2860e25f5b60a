"""Lock-file parsers: one module per input format, each producing a :class:`~lock2nix.model.Lock`.

Which format a file is, and which files beside it a translation reads, is
decided in :mod:`lock2nix.formats` (the no-op path of the pre-commit hook
needs that, and none of the parsers).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Lock2NixError
from ..formats import detect_format
from ..model import Lock
from . import conda, conda_locked, pipfile, poetry, pylock, uv

__all__ = ["parse"]


def parse(name: str, data: bytes, *, directory: Path, allow_insecure_hashes: bool = False) -> Lock:
    """Parse lock ``data`` read from ``name``; ``directory`` holds its companions.

    Files without a usable hash (none, md5, sha1) are refused unless
    ``allow_insecure_hashes``, which leaves them out with a warning; an index
    package left without any file then takes the files of its version from
    the index, pinned by the sha256 the index lists.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Lock2NixError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    fmt = detect_format(name, text)
    if fmt == "poetry.lock":
        return poetry.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "Pipfile.lock":
        return pipfile.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "uv.lock":
        return uv.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "pylock.toml":
        return pylock.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "environment.yml":
        return conda.parse(name, text, directory=directory)
    if fmt == "conda-lock.yml":
        return conda_locked.parse_conda_lock(
            name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes
        )
    return conda_locked.parse_explicit(name, text, directory=directory)

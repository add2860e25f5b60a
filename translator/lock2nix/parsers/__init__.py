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
from ..snapshot import Snapshot

__all__ = ["parse"]


def parse(
    name: str,
    data: bytes,
    *,
    directory: Path,
    allow_insecure_hashes: bool = False,
    snapshot: Snapshot | None = None,
) -> Lock:
    """Parse lock ``data`` read from ``name``; ``directory`` holds its companions.

    Files without a usable hash (none, md5, sha1) are refused unless
    ``allow_insecure_hashes``, which leaves them out with a warning; an index
    package left without any file then takes the files of its version from
    the index, pinned by the sha256 the index lists. Entries the ``snapshot``
    holds from the last translation are taken from it (poetry.lock).
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Lock2NixError(f"not UTF-8 text (byte {exc.start})", file=name) from None
    fmt = detect_format(name, text)
    # Each format's module is imported when a lock of that format is read: a
    # run reads one, and the others bring libraries of their own (PyYAML, py-rattler).
    if fmt == "poetry.lock":
        from . import poetry

        return poetry.parse(
            name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes, snapshot=snapshot
        )
    if fmt == "Pipfile.lock":
        from . import pipfile

        return pipfile.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "uv.lock":
        from . import uv

        return uv.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "pylock.toml":
        from . import pylock

        return pylock.parse(name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes)
    if fmt == "environment.yml":
        from . import conda

        return conda.parse(name, text, directory=directory)
    from . import conda_locked

    if fmt == "conda-lock.yml":
        return conda_locked.parse_conda_lock(
            name, text, directory=directory, allow_insecure_hashes=allow_insecure_hashes
        )
    return conda_locked.parse_explicit(name, text, directory=directory)

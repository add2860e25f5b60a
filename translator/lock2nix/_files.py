"""Writing files so that readers see the old content or the new, never half of it."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is left out of the no-op run's imports
    from collections.abc import Callable
    from typing import BinaryIO


def write_atomic(
    path: Path, text: str | bytes | Callable[[BinaryIO], object], *, durable: bool = False, parents: bool = False
) -> None:
    """Replace ``path`` with ``text`` (bytes, or what a writer writes to the
    file it is given) completely or not at all.

    The text goes to a temporary file beside ``path`` that is renamed over it.
    ``durable`` syncs it to disk first (user-facing output); ``parents``
    creates missing directories (caches).  An existing file keeps its mode;
    a new one is 0644 (mkstemp's private default suits neither caches nor overlays).
    """
    import tempfile  # off the import path of runs that write nothing

    if parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            if callable(text):
                text(f)
            else:
                f.write(text.encode() if isinstance(text, str) else text)
            if durable:
                f.flush()
                os.fsync(f.fileno())
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

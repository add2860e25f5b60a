"""What the last translation of one lock computed, in one file per lock, so
that the next translation redoes only what changed.

Entries are keyed by a digest of everything that shapes them: a resolved
package by its parsed form and the resolution settings; a package's text in
the overlay by the resolved package, its edges, build system, fixes and
options; a build system by the requirements it was read from. A changed lock
entry has a new key, so a stale answer is never used: output is byte-identical
to a translation without the snapshot. The file is written after a successful
translation, with only the entries that translation used, and belongs to the
lock2nix version that wrote it (another version starts afresh).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__
from ._files import write_atomic

__all__ = ["Snapshot", "digest"]


def digest(*parts: Any) -> str:
    """A key for JSON-able ``parts``."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Snapshot:
    """The entries of one lock's snapshot, by kind (``resolved``, ``rendered``, ...)."""

    path: Path | None = None
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    used: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, cache_dir: Path, lock_file: Path) -> Snapshot:
        """The snapshot of ``lock_file`` (empty when there is none, or it is damaged)."""
        name = digest(str(lock_file.resolve()))[:24]
        path = Path(cache_dir) / "snapshots" / f"{name}.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("lock2nix") == __version__ and isinstance(data.get("entries"), dict):
                return cls(path, data["entries"])
        except (OSError, ValueError):
            pass
        return cls(path)

    def get(self, kind: str, key: str) -> Any | None:
        """The entry of ``kind`` under ``key``, or None; kept for the next run when found."""
        value = self.entries.get(kind, {}).get(key)
        if value is not None:
            self.used.setdefault(kind, {})[key] = value
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        self.used.setdefault(kind, {})[key] = value

    def save(self) -> None:
        """Write the entries this translation used (unchanged: nothing to write)."""
        if self.path is None or self.used == self.entries:
            return
        text = json.dumps({"lock2nix": __version__, "entries": self.used}, sort_keys=True, separators=(",", ":"))
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.path, text, parents=True)

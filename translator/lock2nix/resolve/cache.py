"""The on-disk cache: what lock2nix learned in earlier runs, one JSON file per entry.

Each kind of answer has its own directory under the cache directory:
``index/`` (index pages), ``metadata/`` (core metadata), ``sdist/`` (build
systems), ``git/`` (checkout hashes) and ``url/`` (hashes of unhashed file
URLs). An entry records the key it answers for; one that is missing,
damaged (cut short by a crash) or recorded for another key is a miss, and
the answer is fetched or computed again. Entries are replaced atomically, so
a reader sees the old entry or the new one, never half of one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .._digest import sha256
from .._files import write_atomic

__all__ = ["JsonCache", "digest_name"]

_T = TypeVar("_T")


@dataclass(frozen=True)
class JsonCache:
    """The entries of one kind: ``<cache_dir>/<kind>/...``."""

    directory: Path

    @classmethod
    def under(cls, cache_dir: Path, kind: str) -> JsonCache:
        return cls(Path(cache_dir) / kind)

    def by_sha256(self, sha256: str) -> Path:
        """The entry of a file known by its sha256: ``<2 hex>/<sha256>.json``."""
        return self.directory / sha256[:2] / f"{sha256}.json"

    def read(self, path: Path, key: Mapping[str, object], decode: Callable[[dict[str, Any]], _T | None]) -> _T | None:
        """The entry at ``path`` through ``decode``, if it records ``key``; None for a miss.

        ``decode`` reads what it needs from the entry; a missing field or a
        value of the wrong type (KeyError, TypeError, ...) is a miss too.
        """
        try:
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            if any(data[field] != value for field, value in key.items()):
                return None
            return decode(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def write(self, path: Path, text: str) -> None:
        """Replace the entry at ``path`` with ``text`` (JSON) atomically."""
        write_atomic(path, text, parents=True)

    def write_json(self, path: Path, entry: Mapping[str, Any], *, indent: int = 1, sort_keys: bool = True) -> None:
        self.write(path, json.dumps(entry, indent=indent, sort_keys=sort_keys) + "\n")


def digest_name(key: str, length: int) -> str:
    """A file name for an entry keyed by text: the first ``length`` hex digits of its sha256."""
    return sha256(key.encode()).hexdigest()[:length]

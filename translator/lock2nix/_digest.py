"""sha256 for the digests lock2nix takes of its own inputs: the overlay's input
digest, the snapshot's keys, the names of cache files.

Importing hashlib loads OpenSSL's libcrypto: 3.6 MiB of resident memory, a
quarter of the pre-commit hook's run on unchanged inputs and a tenth of a
one-package change's. These digests are of a few megabytes at most, for which
CPython's own sha256 (the one hashlib falls back to; a fifth of OpenSSL's
speed on this machine, 3 ms for a 735 kB lock) is quick enough; the same
algorithm gives the same digests. Downloads, and files the lock points at,
are hashed with hashlib's where they are read.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is left out of the no-op run's imports
    from collections.abc import Callable
    from hashlib import _Hash

__all__ = ["sha256"]


def _builtin_sha256() -> Callable[..., _Hash]:
    for module in ("_sha2", "_sha256"):  # CPython 3.12 and later; 3.11
        try:
            constructor: Callable[..., _Hash] = __import__(module).sha256
            return constructor
        except (ImportError, AttributeError):
            continue
    import hashlib  # another implementation: hashlib's

    return hashlib.sha256


sha256 = _builtin_sha256()

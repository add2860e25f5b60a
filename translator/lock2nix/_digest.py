"""Digests lock2nix takes of its own inputs: sha256 for the overlay's input
digest and the names of cache files, BLAKE2b for the snapshot's keys.

Importing hashlib loads OpenSSL's libcrypto: 3.6 MiB of resident memory, a
quarter of the pre-commit hook's run on unchanged inputs and a tenth of a
one-package change's. These digests are of a few megabytes at most, for which
CPython's own implementations (those hashlib falls back to) are quick enough:
its sha256 is a fifth of OpenSSL's speed on this machine (3 ms for a 735 kB
lock) and gives the same digests; its BLAKE2b is twice as fast as that, for
the keys no other program reads. Downloads, and files the lock points at, are
hashed with hashlib's where they are read.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:  # typing is left out of the no-op run's imports
    from collections.abc import Callable
    from hashlib import _Hash

__all__ = ["blake2b", "sha256"]


def _builtin(name: str, modules: tuple[str, ...]) -> Callable[..., _Hash]:
    for module in modules:
        try:
            constructor: Callable[..., _Hash] = getattr(__import__(module), name)
            return constructor
        except (ImportError, AttributeError):
            continue
    import hashlib  # another implementation: hashlib's

    hashlib_constructor: Callable[..., _Hash] = getattr(hashlib, name)
    return hashlib_constructor


sha256 = _builtin("sha256", ("_sha2", "_sha256"))  # CPython 3.12 and later; 3.11
blake2b = _builtin("blake2b", ("_blake2",))

"""Work on several keys at once, each key's error kept as its answer.

Git sources are fetched with one ``git`` process each, which mostly waits for
the remote: a lock naming several repositories asks them all at once. The
caller then goes through its packages in order, so the error it reports is
the same on every run, not whichever fetch happened to fail first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ..errors import Lock2NixError

__all__ = ["each"]

_K = TypeVar("_K")
_V = TypeVar("_V")

#: Fetches under way at once.
_AT_ONCE = 8


def each(work: Callable[[_K], _V], keys: Sequence[_K]) -> dict[_K, _V | Lock2NixError]:
    """``work(key)`` of every key, several at once; a `Lock2NixError` raised is the key's answer."""

    def one(key: _K) -> _V | Lock2NixError:
        try:
            return work(key)
        except Lock2NixError as error:
            return error

    if len(keys) <= 1:
        return {key: one(key) for key in keys}
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(_AT_ONCE, len(keys))) as pool:
        return dict(zip(keys, pool.map(one, keys), strict=True))

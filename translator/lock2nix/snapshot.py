"""What the last translation of one lock computed, in one file per lock, so
that the next translation redoes only what changed.

Entries are keyed by a digest of everything that shapes them: a parsed
package by its lock entry and the parser's settings; a resolved package by
its parsed form and the resolution settings; a package's text in the overlay
by the resolved package, its edges, build system, fixes and options; a build
system by the requirements it was read from. A changed lock entry has a new
key, so a stale answer is never used: output is byte-identical to a
translation without the snapshot. An entry also keeps the warnings computing
it printed, which a run that reuses it prints again. The file is written after
a successful translation, with only the entries that translation used, and
belongs to the lock2nix version that wrote it (another version starts afresh).

The file holds each entry's pickle, then an index of them (a pickle, with
the lock2nix version that wrote it), then where the index is. Loading a whole
lock's model from it costs a fraction of decoding JSON, and it lives in the
user's own cache directory, trusted as Python's bytecode cache beside it is.
An entry is read from the file when it is taken, so a run never holds the
whole file (it was a tenth of a one-package change's peak memory). A run that
computed a few entries appends them and a new index to the file instead of
writing it again; once entries no run uses are most of it, it is written anew
with those used only. A file whose end is not an index (an append cut short,
another version's file) is ignored: the run starts afresh.
"""

from __future__ import annotations

import contextlib
import functools
import os
import pickle
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar

from . import __version__, _warnings
from ._digest import blake2b, sha256
from ._files import write_atomic
from .errors import Lock2NixError

__all__ = ["Snapshot", "digest"]

_T = TypeVar("_T")
_S = TypeVar("_S")
#: Changed when what the entries hold changes within one lock2nix version.
_LAYOUT = 7
#: The file's last bytes: the index's offset and length (8 bytes each, little-endian), then this.
_MAGIC = b"lock2nix"
_TRAILER = 16 + len(_MAGIC)
#: A file is written anew, with only the entries used, once it is larger than
#: twice those and this: appended entries no run uses any more are dropped.
_COMPACT_FROM = 1 << 20
#: How much is read from the file at a time (see Snapshot._window).
_WINDOW = 1 << 16


def digest(*parts: Any) -> str:
    """A key for ``parts``: equal values give equal keys, in any process.

    ``parts`` are pickled, so they hold no sets (their order varies between
    processes); the model's frozen dataclasses pickle in a fixed order.
    """
    return _key(pickle.dumps(parts, protocol=5))


def _key(data: bytes) -> str:
    return blake2b(data, digest_size=16).hexdigest()


#: Where an entry's pickle is in the file: (offset, length).
_Span = tuple[int, int]
#: One entry: the value's pickle (or where the file has it), the value's
#: fingerprint, and the warnings computing it printed. Kept as a pickle, an
#: entry the next run reuses is written back without being pickled again.
_Entry = tuple[bytes | _Span, str, tuple[str, ...]]


@dataclass
class Snapshot:
    """The entries of one lock's snapshot, by kind (``parsed``, ``resolved``, ...)."""

    path: Path | None = None
    entries: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    used: dict[str, dict[str, _Entry]] = field(default_factory=dict)
    #: Whether this run computed an entry the file does not hold.
    added: bool = False
    #: The fingerprints of the values this run took from or put into the
    #: snapshot, by ``id``, with a weak reference telling whether the id is still the value's.
    _fingerprints: dict[int, tuple[Callable[[], Any], str]] = field(default_factory=dict, repr=False)
    #: The file the entries' spans are in (open until saved or closed), with its
    #: identity and size when loaded: an append goes to that very file, or none is made.
    _fd: int | None = field(default=None, repr=False)
    _file_id: tuple[int, int, int] = (0, 0, 0)
    #: The last bytes read from the file, and where they start: entries taken
    #: one after another are read a block at a time, not a system call each.
    _window: tuple[int, bytes] = (0, b"")
    #: The stand-ins taken or derived (see :meth:`stand_in`), by ``id``: what
    #: reads the value they stand for.
    _stand_ins: dict[int, tuple[Callable[[], Any], Callable[[], Any]]] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, cache_dir: Path, lock_file: Path) -> Snapshot:
        """The snapshot of ``lock_file`` (empty when there is none, or it is damaged)."""
        name = sha256(str(lock_file.resolve()).encode()).hexdigest()[:24]
        return cls.read(Path(cache_dir) / "snapshots" / f"{name}.pickle")

    @classmethod
    def read(cls, path: Path) -> Snapshot:
        """The snapshot in the file ``path`` (empty when there is none, or it is damaged)."""
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            return cls(path)
        try:
            stat = os.fstat(fd)
            trailer = os.pread(fd, _TRAILER, stat.st_size - _TRAILER) if stat.st_size >= _TRAILER else b""
            if trailer[16:] == _MAGIC:
                offset, length = int.from_bytes(trailer[:8], "little"), int.from_bytes(trailer[8:16], "little")
                if offset + length + _TRAILER == stat.st_size:
                    data = pickle.loads(os.pread(fd, length, offset))
                    if data.get("lock2nix") == (__version__, _LAYOUT) and isinstance(data.get("entries"), dict):
                        file_id = (stat.st_dev, stat.st_ino, stat.st_size)
                        return cls(path, data["entries"], _fd=fd, _file_id=file_id)
        except Exception:  # a damaged cache file only means starting afresh
            pass
        os.close(fd)
        return cls(path)

    def holds(self, kind: str, key: str) -> bool:
        """Whether the file holds a value of ``kind`` under ``key`` (nothing is taken or printed)."""
        return key in self.entries.get(kind, {})

    def get(self, kind: str, key: str) -> Any | None:
        """The value of ``kind`` under ``key``, or None; kept for the next run when found.

        The warnings computing it printed are printed again.
        """
        value = self._read(kind, key)
        if value is not None:
            for message in self.entries[kind][key][2]:
                _warnings.warn(message)
        return value

    def put(self, kind: str, key: str, value: Any, warnings: tuple[str, ...] = ()) -> None:
        data = pickle.dumps(value, protocol=5)
        fingerprint = _key(data)
        self._remember(value, fingerprint)
        self.used.setdefault(kind, {})[key] = (data, fingerprint, warnings)
        self.added = True

    def put_stand_in(self, kind: str, key: str, value: Any, whole: Any) -> None:
        """Keep ``value``, a part of ``whole`` enough for some use, as ``whole``'s stand-in (see :meth:`stand_in`)."""
        self.used.setdefault(kind, {})[key] = (pickle.dumps(value, protocol=5), self.fingerprint(whole), ())
        self.added = True

    def stand_in(self, kind: str, key: str, whole_kind: str, whole_key: str) -> Any | None:
        """The stand-in of ``kind`` under ``key`` for the value of ``whole_kind`` under
        ``whole_key``, or None when either is missing; both are kept for the next run.

        The stand-in has the whole value's fingerprint, the whole value's warnings
        are printed again, and :meth:`whole` gives it, read only then.
        """
        whole = self.entries.get(whole_kind, {}).get(whole_key)
        value = None if whole is None else self._read(kind, key)
        if whole is None or value is None:
            return None
        self.used.setdefault(whole_kind, {})[whole_key] = whole
        self._stand_ins[id(value)] = (_reference(value), functools.partial(self._read, whole_kind, whole_key))
        for message in whole[2]:
            _warnings.warn(message)
        return value

    def stands_in(self, value: object) -> bool:
        """Whether ``value`` is a stand-in (see :meth:`stand_in`), without reading what it stands for."""
        known = self._stand_ins.get(id(value))
        return known is not None and known[0]() is value

    def whole(self, value: _T) -> _T:
        """The value the stand-in ``value`` stands for (any other value: itself)."""
        if not self.stands_in(value):
            return value
        whole = self._stand_ins[id(value)][1]()
        if whole is None:
            raise Lock2NixError(f"lock2nix's snapshot of this lock is damaged; delete {self.path} and run again")
        return whole  # type: ignore[no-any-return]

    def _read(self, kind: str, key: str) -> Any | None:
        """The value of ``kind`` under ``key`` (None: missing or unreadable), kept for the next run."""
        entry = self.entries.get(kind, {}).get(key)
        if entry is None:
            return None
        where, fingerprint, _ = entry
        try:
            value = pickle.loads(self._pickle(where))
        except Exception:  # a damaged file, an entry another build of this version wrote: computed afresh
            return None
        self.used.setdefault(kind, {})[key] = entry
        self._remember(value, fingerprint)
        return value

    def fingerprint(self, value: Any) -> str:
        """A digest of ``value`` (of its pickle), remembered for values this snapshot gave or kept."""
        known = self._fingerprints.get(id(value))
        if known is not None and known[0]() is value:
            return known[1]
        fingerprint = _key(pickle.dumps(value, protocol=5))
        self._remember(value, fingerprint)
        return fingerprint

    def derived(self, value: _T, source: _S, *changes: Any, remake: Callable[[_S], _T]) -> _T:
        """``value``, made from ``source`` by ``changes`` alone, with a fingerprint
        from theirs: equal fingerprints still mean equal values, and ``value`` is not pickled.

        ``remake`` makes ``value`` from ``source``: where ``source`` is a stand-in,
        ``value`` is one too, and :meth:`whole` gives ``remake`` of ``source``'s whole.
        """
        self._remember(value, digest("derived", self.fingerprint(source), *changes))
        if self.stands_in(source):
            self._stand_ins[id(value)] = (_reference(value), lambda: remake(self.whole(source)))
        return value

    def _remember(self, value: Any, fingerprint: str) -> None:
        self._fingerprints[id(value)] = (_reference(value), fingerprint)

    def memo(
        self, kind: str, key: str, compute: Callable[[], _T], keep: Callable[[_T], bool] = lambda _: True
    ) -> _T:
        """The value of ``kind`` under ``key``, computed when missing, and then kept,
        with its warnings, unless ``keep(value)`` says it must be computed every time."""
        found = self.get(kind, key)
        if found is not None:
            return found  # type: ignore[no-any-return]
        with _warnings.recorded() as printed:
            value = compute()
        if keep(value):
            self.put(kind, key, value, tuple(printed))
        return value

    def save(self) -> None:
        """Write the entries this translation used (unchanged: nothing to write), and close the file."""
        try:
            if self.path is not None and (self.added or self._dropped()):
                with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
                    if not self._append(self.path):
                        write_atomic(self.path, self._write, parents=True)
        finally:
            self.close()

    def close(self) -> None:
        """Close the file the entries are read from (after this, only what was taken is known)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _append(self, path: Path) -> bool:
        """Append the new entries and an index of those used to the loaded file;
        False when it must be written anew instead (none loaded, or mostly unused)."""
        used = sum(len(where) if isinstance(where, bytes) else where[1] for where, _, _ in self._used_entries())
        if self._fd is None or self._file_id[2] > 2 * used + _COMPACT_FROM:
            return False
        import fcntl  # only where a file is appended to

        end = self._file_id[2]
        tail = bytearray()

        def place(where: bytes) -> int:
            tail.extend(where)
            return end + len(tail) - len(where)

        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CLOEXEC)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # another lock2nix appending to the same file waits
            stat = os.fstat(fd)
            if (stat.st_dev, stat.st_ino, stat.st_size) != self._file_id:
                return False  # written since it was loaded: written anew
            index = self._index(place, copy=False)
            try:
                _write_all(fd, bytes(tail) + self._indexed(index, end + len(tail)))
            except OSError:  # a full disk: the file as it was, rather than ending in half an append
                os.ftruncate(fd, end)
                raise
        finally:
            os.close(fd)
        return True

    def _write(self, f: IO[bytes]) -> None:
        written = 0

        def place(where: bytes) -> int:
            nonlocal written
            f.write(where)
            written += len(where)
            return written - len(where)

        index = self._index(place, copy=True)
        f.write(self._indexed(index, written))

    def _index(self, place: Callable[[bytes], int], *, copy: bool) -> dict[str, dict[str, _Entry]]:
        """The index of the entries used. ``place`` writes an entry's pickle and says where:
        it is given those computed in this run, and with ``copy`` those read from the file too."""
        index: dict[str, dict[str, _Entry]] = {}
        for kind, entries in self.used.items():
            for key, (where, fingerprint, warnings) in entries.items():
                if isinstance(where, bytes):
                    where = (place(where), len(where))
                elif copy:
                    where = (place(self._pickle(where)), where[1])
                index.setdefault(kind, {})[key] = (where, fingerprint, warnings)
        return index

    def _indexed(self, index: dict[str, dict[str, _Entry]], offset: int) -> bytes:
        """``index`` pickled, where it goes at ``offset``, then the trailer saying so."""
        data = pickle.dumps({"lock2nix": (__version__, _LAYOUT), "entries": index}, protocol=5)
        return data + offset.to_bytes(8, "little") + len(data).to_bytes(8, "little") + _MAGIC

    def _used_entries(self) -> list[_Entry]:
        return [entry for entries in self.used.values() for entry in entries.values()]

    def _pickle(self, where: bytes | _Span) -> bytes:
        """An entry's pickle: held, or read from the file."""
        if isinstance(where, bytes):
            return where
        offset, length = where
        start, window = self._window
        if start <= offset and offset + length <= start + len(window):
            return window[offset - start : offset + length - start]
        if self._fd is None:
            raise OSError("the snapshot's file is closed")
        window = os.pread(self._fd, max(length, _WINDOW), offset)
        if len(window) < length:
            raise OSError("the snapshot's file is cut short")
        self._window = (offset, window)
        return window[:length]

    def _dropped(self) -> bool:
        """Whether the file holds entries this run did not use."""
        return any(len(self.used.get(kind, ())) != len(entries) for kind, entries in self.entries.items())


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _reference(value: Any) -> Callable[[], Any]:
    """What tells whether an ``id`` is still ``value``'s: a weak reference, so that a value
    the translation is done with is freed and an id reused by another is told apart."""
    try:
        return weakref.ref(value)
    except TypeError:  # a tuple, a dict: kept alive instead
        return functools.partial(_same, value)


def _same(value: _T) -> _T:
    return value

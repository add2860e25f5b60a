"""Read the build system a source distribution declares, from the sdist itself.

A package built from an sdist needs its PEP 518 build requirements in the
derivation (``build-system = [ ... ]``), and only the sdist knows them: lock
files do not record them. lock2nix therefore reads each such sdist once at
translate time, up to its top-level ``pyproject.toml`` when that comes early
in a large archive, else all of it, takes ``[build-system]`` and remembers the
answer on disk, keyed by the sdist's sha256 (the same bytes always declare the
same build system). Tar archives are listed by :mod:`.tar`, which reads of
each header only what the listing needs, and by tarfile where it must.

A warm run must not pay for the HTTP stack (lock2nix runs as a pre-commit
hook), so ``requests`` and the archive and TOML readers are imported only when
some sdist is not in the cache.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal, get_args

from .. import _http
from ..errors import Lock2NixError
from ..model import ArchiveSource, Artifact, BuildSystem, IndexSource, Lock, Package
from . import tar
from ._workers import AT_ONCE, Workers
from .cache import JsonCache
from .download import DownloadError, RemoteFile

if TYPE_CHECKING:
    import tarfile
    import zipfile
    from concurrent.futures import Future

__all__ = [
    "FALLBACK_BACKEND",
    "FALLBACK_REQUIRES",
    "BuildRequirements",
    "SdistCache",
    "SdistError",
    "SdistHashMismatchError",
    "SdistNotCachedError",
    "SdistReader",
    "SdistRequest",
    "build_requirements",
    "detect_build_systems",
    "prepare_reading",
    "read_and_store",
    "read_sdist",
    "sdist_of",
]

# What pip and pypa/build assume for a project without [build-system]
# (PEP 517 "fallback"); recording the same keeps lock2nix's builds faithful to
# what the project's own tooling does.
FALLBACK_REQUIRES = ("setuptools>=40.8.0",)
FALLBACK_BACKEND = "setuptools.build_meta:__legacy__"

#: Where an sdist's build system was read (see :attr:`BuildRequirements.source`).
BuildSource = Literal["pyproject.toml", "pyproject.toml (unreadable)", "setup.py", "setup.cfg"]
SOURCE_PYPROJECT: Final = "pyproject.toml"
SOURCE_PYPROJECT_UNREADABLE: Final = "pyproject.toml (unreadable)"
SOURCE_SETUP_PY: Final = "setup.py"
SOURCE_SETUP_CFG: Final = "setup.cfg"

# Bump when what is read from an sdist changes: older entries then count as
# misses instead of silently answering for the old rules.
CACHE_FORMAT = 1

_HEX64_RE = re.compile(r"[0-9a-f]{64}")
_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar")
_ZIP_SUFFIXES = (".zip",)
# A pyproject.toml is a few kilobytes; reading at most this much keeps a
# hostile or broken archive (a "zip bomb" member) from exhausting memory.
_MAX_MEMBER_SIZE = 1 << 20
_CHUNK_SIZE = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
# The head asked for first, in one range request: a smaller sdist comes whole
# in it (and is checked whole); a larger one is read on only until its
# pyproject.toml when that declares the build system.
_HEAD_ONLY_ABOVE = 256 << 10
# (connect, read) seconds; a read timeout is per chunk, not for the whole file.
_TIMEOUT = (30.0, 60.0)



class SdistError(Lock2NixError):
    """The build system of an sdist could not be determined."""


class SdistHashMismatchError(SdistError):
    """A downloaded sdist is not the file the lock pins."""


class SdistNotCachedError(SdistError):
    """An sdist's build system is not cached and the network may not be used."""


@dataclass(frozen=True)
class SdistRequest:
    """One sdist whose build system is wanted."""

    url: str
    filename: str
    sha256: str  # hex

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", self.sha256.lower())
        if not _HEX64_RE.fullmatch(self.sha256):
            raise ValueError(f"{self.filename}: {self.sha256!r} is not a hex sha256")


@dataclass(frozen=True)
class BuildRequirements:
    """The build system an sdist declares, or the one it gets by default."""

    #: PEP 518 requirement strings, as the sdist writes them.
    requires: tuple[str, ...]
    #: ``build-backend``; None when ``[build-system]`` names none.
    backend: str | None
    #: Where the answer comes from: ``"pyproject.toml"``; ``"setup.py"`` or
    #: ``"setup.cfg"`` for the fallback when there is no ``[build-system]``;
    #: ``"pyproject.toml (unreadable)"`` for the fallback when the sdist's
    #: pyproject.toml is not valid TOML or its ``[build-system]`` breaks PEP 518.
    source: BuildSource

    @property
    def declared(self) -> bool:
        """Whether the sdist declares its build system itself."""
        return self.source == SOURCE_PYPROJECT


def _fallback(source: BuildSource) -> BuildRequirements:
    return BuildRequirements(FALLBACK_REQUIRES, FALLBACK_BACKEND, source)


# --- cache --------------------------------------------------------------------


@dataclass(frozen=True)
class SdistCache:
    """Build systems read from sdists, one JSON file per sdist.

    Layout: ``<cache_dir>/sdist/<sha256[:2]>/<sha256>.json`` holding
    ``{"format": 1, "sha256": hex, "filename": name, "requires": [...],
    "build-backend": str | null, "source": str}``. The file name is only for
    people reading the cache: the sha256 alone identifies the content.
    """

    cache_dir: Path

    @property
    def _entries(self) -> JsonCache:
        return JsonCache.under(self.cache_dir, "sdist")

    def path(self, sha256: str) -> Path:
        return self._entries.by_sha256(sha256)

    def load(self, sha256: str) -> BuildRequirements | None:
        """Return the cached answer for an sdist, or None if there is none."""
        return self._entries.read(self.path(sha256), {"format": CACHE_FORMAT, "sha256": sha256}, _build_requirements)

    def store(self, sha256: str, filename: str, result: BuildRequirements) -> None:
        """Write the entry for an sdist atomically, replacing any old one."""
        entry = {
            "format": CACHE_FORMAT,
            "sha256": sha256,
            "filename": filename,
            "requires": list(result.requires),
            "build-backend": result.backend,
            "source": result.source,
        }
        self._entries.write_json(self.path(sha256), entry, sort_keys=False)


def _build_requirements(data: dict[str, Any]) -> BuildRequirements | None:
    requires, backend, source = data["requires"], data["build-backend"], data["source"]
    if not (
        isinstance(requires, list)
        and all(isinstance(r, str) for r in requires)
        and isinstance(backend, (str, type(None)))
        and source in get_args(BuildSource)
    ):
        return None
    return BuildRequirements(tuple(requires), backend, source)


# --- entry point --------------------------------------------------------------


def build_requirements(
    requests: Sequence[SdistRequest],
    *,
    cache_dir: Path,
    offline: bool,
    max_workers: int = AT_ONCE,
    session: Any = None,
) -> dict[str, BuildRequirements]:
    """Return the build system of every requested sdist, keyed by sha256 hex.

    Cached answers are used as they are; every other sdist is downloaded
    (``max_workers`` at a time), checked against its sha256, read, and its
    answer cached before this returns or fails. ``session`` is a
    ``requests.Session`` to use instead of a new one. With ``offline`` a miss
    is an error.
    """
    cache = SdistCache(Path(cache_dir))
    result: dict[str, BuildRequirements] = {}
    misses: dict[str, SdistRequest] = {}
    for req in requests:
        if req.sha256 in result or req.sha256 in misses:
            continue
        cached = cache.load(req.sha256)
        if cached is not None:
            result[req.sha256] = cached
        else:
            misses[req.sha256] = req
    if not misses:
        return result
    if offline:
        raise _not_cached(list(misses.values()))
    for req in misses.values():
        _archive_kind(req.filename)  # fail before any download on a non-sdist
    result.update(_read_all(list(misses.values()), cache, max_workers, session))
    return result


def detect_build_systems(lock: Lock, cache_dir: Path, *, offline: bool) -> Lock:
    """Give every package built from an sdist the build system its sdist declares."""
    requests = {}
    for package in lock.packages:
        sdist = sdist_of(package)
        if sdist is not None and sdist.url is not None:
            requests[package.key] = SdistRequest(url=sdist.url, filename=sdist.filename, sha256=sdist.hashes["sha256"])
    if not requests:
        return lock
    try:
        found = build_requirements(list(requests.values()), cache_dir=cache_dir, offline=offline)
    except Lock2NixError as exc:
        raise exc.at(file=lock.file) from None
    out = []
    for package in lock.packages:
        request = requests.get(package.key)
        if request is not None:
            declared = found[request.sha256]
            package = dataclasses.replace(
                package,
                build_system=BuildSystem(
                    requires=tuple(declared.requires), backend=declared.backend, origin=declared.source
                ),
            )
        out.append(package)
    return dataclasses.replace(lock, packages=tuple(out))


def sdist_of(package: Package) -> Artifact | None:
    """The sdist `detect_build_systems` reads for ``package`` (its URL may be unknown yet)."""
    source = package.source
    if isinstance(source, IndexSource):
        return source.sdist
    if isinstance(source, ArchiveSource) and source.url is not None and not source.artifact.is_wheel:
        return dataclasses.replace(source.artifact, url=source.url)
    return None


def _not_cached(missing: Sequence[SdistRequest]) -> SdistNotCachedError:
    first = missing[0]
    more = f" (and {len(missing) - 1} more sdists)" if len(missing) > 1 else ""
    return SdistNotCachedError(
        f"the build system of {first.filename} (sha256 {first.sha256}) is not in "
        f"the cache{more}; run without --offline to read it from the sdist, "
        "or with --no-detect"
    )


def _read_all(
    misses: list[SdistRequest], cache: SdistCache, max_workers: int, session: Any
) -> list[tuple[str, BuildRequirements]]:
    if len(misses) == 1 or max_workers <= 1:
        one = session or _http.new_session(pool_size=1)
        return [(req.sha256, read_and_store(one, cache, req)) for req in misses]
    with SdistReader(cache.cache_dir, expected=len(misses), max_workers=max_workers, session=session) as reader:
        futures = [reader.submit(req) for req in misses]
        try:
            # In request order, so the error reported is the same on every
            # run, not whichever download happened to fail first.
            return [(req.sha256, future.result()) for req, future in zip(misses, futures, strict=True)]
        finally:
            for future in futures:
                future.cancel()


class SdistReader:
    """Reads the build systems of sdists, several at once; each answer is cached
    as soon as it is known, so the work done before some other sdist fails is
    not lost.

    Many sdists are read in worker processes (see ``_workers``: reading a tar
    archive is mostly Python work); a few, or any with a given ``session``
    (tests replay answers through one), in threads.
    """

    def __init__(self, cache_dir: Path, *, expected: int, max_workers: int = AT_ONCE, session: Any = None) -> None:
        self._cache = SdistCache(Path(cache_dir))
        self._workers = Workers(expected, prepare=prepare_reading, at_once=max_workers, session=session)
        #: Whether the sdists are read in worker processes.
        self.in_processes = self._workers.in_processes

    def submit(self, req: SdistRequest) -> Future[BuildRequirements]:
        """Start reading ``req`` (checked first: it must name an sdist archive)."""
        _archive_kind(req.filename)
        return self._workers.submit(read_and_store, self._cache, req)

    def close(self) -> None:
        """Wait for the reads under way; drop those not started."""
        self._workers.close()

    def __enter__(self) -> SdistReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def prepare_reading() -> None:
    """Import what reading sdists needs (before worker processes are forked)."""
    import requests  # noqa: F401
    import urllib3.exceptions  # noqa: F401

    _unreadable()
    _build_system_table(b"")


def read_and_store(session: Any, cache: SdistCache, req: SdistRequest) -> BuildRequirements:
    """Read ``req`` over ``session``, and cache the answer."""
    answer = _read_one(session, req)
    cache.store(req.sha256, req.filename, answer)
    return answer


def _read_one(session: Any, req: SdistRequest) -> BuildRequirements:
    """Read ``req`` from its URL, as a stream: a large tar only up to its
    ``pyproject.toml`` when that declares the build system, any other sdist
    whole, checked against its sha256."""
    import requests
    from urllib3.exceptions import HTTPError as Urllib3Error

    kind = _archive_kind(req.filename)
    try:
        with RemoteFile(session, req.url, head=_HEAD_ONLY_ABOVE, timeout=_TIMEOUT) as remote:
            if kind == "zip":
                return _read_zip(remote, req)
            with contextlib.suppress(tar.Unsupported):
                return _read_tar(remote, req, fast=True)
        # What the fast reader leaves to tarfile: the file again, read by tarfile.
        with RemoteFile(session, req.url, head=_HEAD_ONLY_ABOVE, timeout=_TIMEOUT) as remote:
            return _read_tar(remote, req, fast=False)
    except (requests.RequestException, Urllib3Error, OSError) as e:
        raise SdistError(f"could not download {req.filename} from {req.url}: {e}") from None


def _read_tar(remote: RemoteFile, req: SdistRequest, *, fast: bool) -> BuildRequirements:
    """The build system of the tar sdist ``remote``.

    A large one (more than ``_HEAD_ONLY_ABOVE``) stops at its top-level
    pyproject.toml when that declares the build system: those bytes are not
    checked against the lock's sha256 (the rest of the file never comes);
    Nix checks the whole file it builds from. Without a declared build
    system, setup.py and setup.cfg need the whole listing. ``fast``: with
    :mod:`.tar`'s reader, which raises :class:`.tar.Unsupported` for what it
    leaves to tarfile.
    """
    import requests
    from urllib3.exceptions import HTTPError as Urllib3Error

    listing = _ListingBuilder()
    try:
        declared = _scan_tar(remote, listing, declared_stops=remote.size > _HEAD_ONLY_ABOVE, fast=fast)
    except (requests.RequestException, Urllib3Error, DownloadError, tar.Unsupported):
        raise
    except _unreadable() as e:
        _check_sha256(remote, req)  # a damaged download is not the sdist's fault
        raise SdistError(f"could not read {req.filename}: {e}") from None
    if declared is not None:
        return declared
    _check_sha256(remote, req)
    return _interpret(listing.build(), req.filename)


def _read_zip(remote: RemoteFile, req: SdistRequest) -> BuildRequirements:
    """The build system of the zip sdist ``remote``, read whole (its listing is at its end)."""
    import tempfile
    import zipfile

    # Zip sdists are rare and mostly small: kept in memory up to a few megabytes.
    with tempfile.SpooledTemporaryFile(max_size=8 << 20) as local:
        while chunk := remote.read(_CHUNK_SIZE):
            local.write(chunk)
        _check_sha256(remote, req)
        local.seek(0)
        try:
            with zipfile.ZipFile(local) as archive:
                listing = _list_zip(archive)
        except _unreadable() as e:
            raise SdistError(f"could not read {req.filename}: {e}") from None
    return _interpret(listing, req.filename)


def _unreadable() -> tuple[type[Exception], ...]:
    """What reading a damaged or foreign archive raises."""
    import lzma
    import tarfile
    import zipfile
    import zlib

    # bz2 reports bad data as OSError.
    return (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error, lzma.LZMAError)


def _check_sha256(remote: RemoteFile, req: SdistRequest) -> None:
    remote.drain()
    if remote.sha256() != req.sha256:
        raise SdistHashMismatchError(
            f"{req.filename} downloaded from {req.url} has sha256 {remote.sha256()}, "
            f"but the lock records sha256 {req.sha256}"
        )


# --- reading an sdist ---------------------------------------------------------


def _archive_kind(filename: str) -> str:
    name = filename.lower()
    if name.endswith(_TAR_SUFFIXES):
        return "tar"
    if name.endswith(_ZIP_SUFFIXES):
        return "zip"
    raise SdistError(
        f"{filename} is not an sdist archive (expected one of {', '.join(_TAR_SUFFIXES + _ZIP_SUFFIXES)})"
    )


def _stem(filename: str) -> str:
    name = os.path.basename(filename)
    for suffix in _TAR_SUFFIXES + _ZIP_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class _Listing:
    """What of an sdist's tree matters for its build system."""

    #: First path components of everything in a directory.
    top_dirs: frozenset[str]
    #: Paths (``pyproject.toml``, ``<top>/setup.py``, ...) of the interesting
    #: files at the root or one level down, with the content of each
    #: pyproject.toml (None when it could not be read).
    files: Mapping[str, bytes | None]


_INTERESTING = frozenset({"pyproject.toml", "setup.py", "setup.cfg"})
_ODD_PARTS = frozenset({"", ".", ".."})


def read_sdist(path: Path, filename: str) -> BuildRequirements:
    """Return the build system of the sdist at ``path`` (named ``filename``).

    Nothing is extracted: member names are only compared, and only the
    top-level pyproject.toml is read, into memory.
    """
    import zipfile

    try:
        if _archive_kind(filename) == "zip":
            with zipfile.ZipFile(path) as archive:
                listing = _list_zip(archive)
        else:
            listing = _list_tar_file(path)
    except _unreadable() as e:
        raise SdistError(f"could not read {filename}: {e}") from None
    return _interpret(listing, filename)


def _list_tar_file(path: Path) -> _Listing:
    """The listing of the tar sdist at ``path``: with :mod:`.tar`'s reader, or tarfile's where it must."""
    for fast in (True, False):
        builder = _ListingBuilder()
        try:
            with open(path, "rb") as file:
                _scan_tar(file, builder, declared_stops=False, fast=fast)
        except tar.Unsupported:
            continue
        return builder.build()
    raise AssertionError("tarfile's reading raises no Unsupported")  # pragma: no cover


def _member_parts(name: str) -> tuple[str, ...] | None:
    # A well-formed sdist is one relative tree. An absolute name or one with
    # ".." is not part of it, and must not pass for its pyproject.toml.
    if name.startswith("/"):
        return None
    split = name.split("/")
    if _ODD_PARTS.isdisjoint(split):  # the usual name: nothing to drop or refuse
        return tuple(split)
    parts = tuple(p for p in split if p not in ("", "."))
    if not parts or ".." in parts:
        return None
    return parts


class _ListingBuilder:
    def __init__(self) -> None:
        self.top_dirs: set[str] = set()
        self.files: dict[str, bytes | None] = {}

    @staticmethod
    def wants_content(parts: tuple[str, ...], is_dir: bool) -> bool:
        # Only the pyproject.toml at the root or one level down is ever
        # parsed; of the other files it is enough to know they exist.
        return not is_dir and len(parts) <= 2 and parts[-1] == "pyproject.toml"

    @classmethod
    def wants(cls, name: str, is_dir: bool) -> bool:
        """Whether the content of the member named ``name`` is kept (a tar reader asks as it goes)."""
        parts = _member_parts(name)
        return parts is not None and cls.wants_content(parts, is_dir)

    def add(self, parts: tuple[str, ...], is_dir: bool, content: bytes | None) -> None:
        if len(parts) > 1 or is_dir:
            self.top_dirs.add(parts[0])
        if not is_dir and len(parts) <= 2 and parts[-1] in _INTERESTING:
            self.files["/".join(parts)] = content

    def build(self) -> _Listing:
        return _Listing(frozenset(self.top_dirs), dict(self.files))


def _open_tar(file: Any) -> tarfile.TarFile:
    """The tar archive in ``file`` (anything with ``read`` and ``peek``), read in one pass.

    A gzip stream (nearly every sdist) is read through :class:`_Inflated`,
    which skips the members not asked for without copying them: tarfile's
    own stream reader takes a third of the time in copies.
    """
    import tarfile

    if file.peek(2)[:2] == _GZIP_MAGIC:
        return tarfile.open(fileobj=_Inflated(file.read), mode="r:")
    return tarfile.open(fileobj=file, mode="r|*")


def _scan_tar(file: Any, builder: _ListingBuilder, *, declared_stops: bool, fast: bool) -> BuildRequirements | None:
    """Add each member of the tar archive in ``file`` to ``builder``, with the content it wants.

    With ``declared_stops`` the scan stops at a top-level pyproject.toml that
    declares the build system, and returns that (else None). The top level
    is the first member's directory: the usual layout, where reading the
    rest could only confirm it. ``fast``: a gzip stream (nearly every sdist)
    is read by :mod:`.tar`'s reader, which raises :class:`.tar.Unsupported`
    for what it leaves to tarfile; the others are read by tarfile.
    """
    import zlib

    if not (fast and file.peek(2)[:2] == _GZIP_MAGIC):
        with _open_tar(file) as archive:
            return _take(_tarfile_members(archive, builder), builder, declared_stops=declared_stops)
    stream = _Inflated(file.read)

    def skip(size: int) -> int:
        start = stream.tell()
        return stream.seek(size, io.SEEK_CUR) - start

    try:
        found = tar.members(stream.read, skip, builder.wants, _MAX_MEMBER_SIZE)
        return _take(found, builder, declared_stops=declared_stops)
    except zlib.error as e:  # damaged: tarfile reports it as it would have
        raise tar.Unsupported(str(e)) from None


def _tarfile_members(archive: tarfile.TarFile, builder: _ListingBuilder) -> Iterator[tar.Member]:
    """The members of ``archive`` as :func:`.tar.members` gives them, read by tarfile."""
    for member in archive:
        wanted = builder.wants(member.name, member.isdir())
        yield tar.Member(member.name, member.isdir(), _tar_content(archive, member) if wanted else None)


def _take(found: Iterator[tar.Member], builder: _ListingBuilder, *, declared_stops: bool) -> BuildRequirements | None:
    top: str | None = None
    for member in found:
        parts = _member_parts(member.name)
        if parts is None:
            continue
        if top is None:
            top = parts[0] if len(parts) > 1 or member.is_dir else ""
        builder.add(parts, member.is_dir, member.content)
        if declared_stops and member.content is not None and parts in ((top, "pyproject.toml"), ("pyproject.toml",)):
            try:
                declared = _build_system_table(member.content)
            except ValueError:
                continue  # unreadable: the whole listing decides
            if declared is not None:
                return declared
    return None


class _Inflated(io.RawIOBase):
    """The decompressed bytes of a gzip stream, for tarfile's random-access reader,
    going forward only.

    Skipping ahead (over members nobody reads) decompresses in large blocks
    and drops them; a short step back within the current block is allowed
    (tarfile checks the byte before each header).
    """

    def __init__(self, read: Callable[[int], bytes]) -> None:
        import zlib

        super().__init__()
        self._read_compressed = read
        self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip header and trailer
        self._block = b""
        self._at = 0  # position in _block
        self._pos = 0  # position in the stream

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = offset + (self._pos if whence == io.SEEK_CUR else 0)
        if whence not in (io.SEEK_SET, io.SEEK_CUR) or target < self._pos - self._at:
            raise io.UnsupportedOperation("a gzip stream is read forward")
        skip = target - self._pos
        while skip > len(self._block) - self._at:
            passed = len(self._block) - self._at
            skip -= passed
            self._pos += passed
            self._at = len(self._block)
            if not self._next_block():
                return self._pos  # the end: tarfile's next read says so
        self._at += skip
        self._pos += skip
        return self._pos

    def readinto(self, buffer: Any) -> int:
        if self._at >= len(self._block) and not self._next_block():
            return 0
        count = min(len(buffer), len(self._block) - self._at)
        buffer[:count] = self._block[self._at : self._at + count]
        self._at += count
        self._pos += count
        return count

    def read(self, size: int = -1) -> bytes:
        # Whole reads (tarfile asks for one header or member at a time).
        end = self._at + size
        if size >= 0 and end <= len(self._block):  # the usual case: a header within the block
            out = self._block[self._at : end]
            self._at = end
            self._pos += size
            return out
        parts = []
        while size != 0:
            if self._at >= len(self._block) and not self._next_block():
                break
            end = len(self._block) if size < 0 else min(len(self._block), self._at + size)
            parts.append(self._block[self._at : end])
            self._pos += end - self._at
            if size > 0:
                size -= end - self._at
            self._at = end
        return b"".join(parts)

    def _next_block(self) -> bool:
        while not self._inflater.eof:
            data = self._inflater.unconsumed_tail or self._read_compressed(_CHUNK_SIZE)
            # Bounded output: a member that inflates a thousandfold stays small in memory.
            block = self._inflater.decompress(data, _CHUNK_SIZE * 16) if data else self._inflater.flush()
            if block:
                self._block, self._at = block, 0
                return True
            if not data:
                break  # cut short: tarfile reports the end it did not reach
        return False


def _tar_content(tar: Any, member: Any) -> bytes | None:
    # A link cannot be followed in a stream; a pyproject.toml that is one
    # counts as unreadable.
    if not member.isfile() or member.size > _MAX_MEMBER_SIZE:
        return None
    f = tar.extractfile(member)
    return None if f is None else _read_bounded(f)


def _list_zip(archive: zipfile.ZipFile) -> _Listing:
    builder = _ListingBuilder()
    for info in archive.infolist():
        parts = _member_parts(info.filename)
        if parts is None:
            continue
        content = None
        if builder.wants_content(parts, info.is_dir()):
            content = _zip_content(archive, info)
        builder.add(parts, info.is_dir(), content)
    return builder.build()


def _zip_content(zf: Any, info: Any) -> bytes | None:
    import zipfile

    if info.file_size > _MAX_MEMBER_SIZE:
        return None
    try:
        with zf.open(info) as f:
            return _read_bounded(f)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile):
        # Encrypted, compressed in a way Python cannot undo, or a bad CRC.
        return None


def _read_bounded(f: IO[bytes]) -> bytes | None:
    data = f.read(_MAX_MEMBER_SIZE + 1)
    return None if len(data) > _MAX_MEMBER_SIZE else data


def _top_dir(listing: _Listing, filename: str) -> str:
    """The directory holding the project, "" for an archive without one."""
    # A few old sdists were made without the usual <name>-<version>/ directory.
    if any(name in listing.files for name in _INTERESTING):
        return ""
    if len(listing.top_dirs) == 1:
        return next(iter(listing.top_dirs))
    # Several top-level directories (e.g. macOS's __MACOSX/ beside the tree):
    # the project's is named after the file.
    stem = _stem(filename)
    if stem in listing.top_dirs:
        return stem
    if not listing.top_dirs:
        raise SdistError(f"could not read {filename}: the archive is empty")
    shown = ", ".join(sorted(listing.top_dirs)[:4])
    raise SdistError(
        f"could not read {filename}: no single top-level directory "
        f"(found {shown}{', ...' if len(listing.top_dirs) > 4 else ''})"
    )


def _interpret(listing: _Listing, filename: str) -> BuildRequirements:
    top = _top_dir(listing, filename)
    prefix = f"{top}/" if top else ""
    pyproject = prefix + "pyproject.toml"
    if pyproject in listing.files:
        content = listing.files[pyproject]
        if content is None:
            return _fallback(SOURCE_PYPROJECT_UNREADABLE)
        try:
            table = _build_system_table(content)
        except ValueError:
            return _fallback(SOURCE_PYPROJECT_UNREADABLE)
        if table is not None:
            return table
    # No [build-system]: setuptools builds the project, from setup.py or, when
    # there is none, from setup.cfg alone.
    if prefix + "setup.py" not in listing.files and prefix + "setup.cfg" in listing.files:
        return _fallback(SOURCE_SETUP_CFG)
    return _fallback(SOURCE_SETUP_PY)


def _build_system_table(content: bytes) -> BuildRequirements | None:
    """Read ``[build-system]``; None when there is none, ValueError when invalid."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - tomllib is new in 3.11
        import tomli as tomllib

    # TOML is UTF-8 by definition; UnicodeDecodeError and TOMLDecodeError
    # are both ValueErrors.
    data = tomllib.loads(content.decode("utf-8"))
    if "build-system" not in data:
        return None
    table = data["build-system"]
    # pip and pypa/build refuse these rather than guess; so does lock2nix,
    # by recording the pyproject.toml as unreadable.
    if not isinstance(table, dict):
        raise ValueError("[build-system] is not a table")
    requires = table.get("requires")
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise ValueError("[build-system] requires is missing or not a list of strings")
    backend = table.get("build-backend")
    if backend is not None and not isinstance(backend, str):
        raise ValueError("[build-system] build-backend is not a string")
    return BuildRequirements(tuple(requires), backend, SOURCE_PYPROJECT)

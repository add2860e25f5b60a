"""Read the build system a source distribution declares, from the sdist itself.

A package built from an sdist needs its PEP 518 build requirements in the
derivation (``build-system = [ ... ]``), and only the sdist knows them: lock
files do not record them. lock2nix therefore reads each such sdist once at
translate time, up to its top-level ``pyproject.toml`` when that comes early
in a large archive, else all of it, takes ``[build-system]`` and remembers the
answer on disk, keyed by the sdist's sha256 (the same bytes always declare the
same build system).

A warm run must not pay for the HTTP stack (lock2nix runs as a pre-commit
hook), so ``requests`` and the archive and TOML readers are imported only when
some sdist is not in the cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final, Literal, TypeVar, get_args

from .. import _http
from ..errors import Lock2NixError
from ..model import ArchiveSource, Artifact, BuildSystem, IndexSource, Lock, Package
from .cache import JsonCache

__all__ = [
    "FALLBACK_BACKEND",
    "FALLBACK_REQUIRES",
    "BuildRequirements",
    "SdistCache",
    "SdistError",
    "SdistHashMismatchError",
    "SdistNotCachedError",
    "SdistRequest",
    "build_requirements",
    "detect_build_systems",
    "read_sdist",
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
# Sdists larger than this are read only up to their pyproject.toml.
_HEAD_ONLY_ABOVE = 256 << 10
# (connect, read) seconds; a read timeout is per chunk, not for the whole file.
_TIMEOUT = (30.0, 60.0)

_T = TypeVar("_T")


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
    max_workers: int = 8,
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
        sdist = _sdist_of(package)
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


def _sdist_of(package: Package) -> Artifact | None:
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
    import tempfile
    from contextlib import ExitStack

    with ExitStack() as stack:
        if session is None:
            session = stack.enter_context(_http.new_session(pool_size=max(1, max_workers)))
        tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="lock2nix-sdist-")))

        def one(req: SdistRequest) -> tuple[str, BuildRequirements]:
            answer = _read_one(session, req, tmpdir)
            # Stored as soon as known, so the work done before some other
            # sdist fails is not lost.
            cache.store(req.sha256, req.filename, answer)
            return req.sha256, answer

        if len(misses) == 1 or max_workers <= 1:
            answers = [one(req) for req in misses]
        else:
            answers = _in_parallel(one, misses, max_workers)
    return answers


def _in_parallel(work: Callable[[SdistRequest], _T], reqs: list[SdistRequest], max_workers: int) -> list[_T]:
    from concurrent.futures import ThreadPoolExecutor

    # Downloads are independent, and the time goes in waiting for the server.
    with ThreadPoolExecutor(max_workers=min(max_workers, len(reqs))) as pool:
        futures = [pool.submit(work, req) for req in reqs]
        try:
            # In request order, so the error reported is the same on every
            # run, not whichever download happened to fail first.
            return [f.result() for f in futures]
        finally:
            for f in futures:
                f.cancel()


def _read_one(session: Any, req: SdistRequest, tmpdir: Path) -> BuildRequirements:
    """Download ``req`` once: a large tar only to its ``pyproject.toml`` when
    that declares the build system (see :func:`_declared_in_head`), any other
    sdist whole, checked against its sha256 and read."""
    import requests
    from urllib3.exceptions import HTTPError as Urllib3Error

    path = tmpdir / f"{req.sha256}-{os.path.basename(req.filename)}"
    try:
        with session.get(req.url, stream=True, timeout=_TIMEOUT) as response, open(path, "wb") as file:
            response.raise_for_status()
            body = _Body(_raw_chunks(response), file)
            large = int(response.headers.get("Content-Length") or 0) > _HEAD_ONLY_ABOVE
            if large and _archive_kind(req.filename) == "tar":
                declared = _declared_in_head(body)
                if declared is not None:
                    return declared
            body.drain()
        if body.sha256() != req.sha256:
            raise SdistHashMismatchError(
                f"{req.filename} downloaded from {req.url} has sha256 {body.sha256()}, "
                f"but the lock records sha256 {req.sha256}"
            )
        return read_sdist(path, req.filename)
    except (requests.RequestException, Urllib3Error, OSError) as e:
        raise SdistError(f"could not download {req.filename} from {req.url}: {e}") from None
    finally:
        path.unlink(missing_ok=True)


class _Body:
    """A response body read as a file, as far as a reader asks for; every byte
    that comes is also hashed and written to ``file``."""

    def __init__(self, chunks: Iterator[bytes], file: IO[bytes]) -> None:
        self._chunks = chunks
        self._file = file
        self._digest = hashlib.sha256()
        self._buffer = bytearray()

    def _pull(self) -> bool:
        chunk = next(self._chunks, None)
        if chunk is None:
            return False
        self._digest.update(chunk)
        self._file.write(chunk)
        self._buffer += chunk
        return True

    def read(self, size: int = -1) -> bytes:
        while (size < 0 or len(self._buffer) < size) and self._pull():
            pass
        cut = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        out = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        return out

    def drain(self) -> None:
        """Take the rest of the body (into the file and the hash)."""
        self._buffer.clear()
        while self._pull():
            self._buffer.clear()

    def sha256(self) -> str:
        return self._digest.hexdigest()


def _declared_in_head(body: _Body) -> BuildRequirements | None:
    """``[build-system]`` of the top-level pyproject.toml, read from the
    archive's head; None when it comes with none (or the head is unreadable).

    Most sdists put ``pyproject.toml`` near the start: the download stops
    there. Those bytes are not checked against the lock's sha256 (the rest of
    the file never comes); Nix checks the whole file it builds from. Without
    a declared build system, setup.py and setup.cfg need the whole listing.
    """
    import tarfile
    import zlib

    top: str | None = None
    try:
        with tarfile.open(fileobj=body, mode="r|*") as tar:  # type: ignore[call-overload]
            for member in tar:
                parts = _member_parts(member.name)
                if parts is None:
                    continue
                if top is None:
                    top = parts[0] if len(parts) > 1 or member.isdir() else ""
                if member.isfile() and parts in ((top, "pyproject.toml"), ("pyproject.toml",)):
                    content = _tar_content(tar, member)
                    return None if content is None else _build_system_table(content)
    except (tarfile.TarError, EOFError, zlib.error, ValueError):
        return None
    return None


def _raw_chunks(response: Any) -> Iterator[bytes]:
    # The bytes as the index stores them: a server that labels a .tar.gz
    # "Content-Encoding: gzip" would otherwise have requests unpack it, and
    # the hash would never match.
    raw = response.raw
    if hasattr(raw, "stream"):
        yield from raw.stream(_CHUNK_SIZE, decode_content=False)
        return
    while chunk := raw.read(_CHUNK_SIZE):
        yield chunk


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


def read_sdist(path: Path, filename: str) -> BuildRequirements:
    """Return the build system of the sdist at ``path`` (named ``filename``).

    Nothing is extracted: member names are only compared, and only the
    top-level pyproject.toml is read, into memory.
    """
    import lzma
    import tarfile
    import zipfile
    import zlib

    try:
        listing = _list_zip(path) if _archive_kind(filename) == "zip" else _list_tar(path)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, zlib.error, lzma.LZMAError) as e:
        raise SdistError(f"could not read {filename}: {e}") from None
    return _interpret(listing, filename)


def _member_parts(name: str) -> tuple[str, ...] | None:
    # A well-formed sdist is one relative tree. An absolute name or one with
    # ".." is not part of it, and must not pass for its pyproject.toml.
    if name.startswith("/"):
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
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

    def add(self, parts: tuple[str, ...], is_dir: bool, content: bytes | None) -> None:
        if len(parts) > 1 or is_dir:
            self.top_dirs.add(parts[0])
        if not is_dir and len(parts) <= 2 and parts[-1] in _INTERESTING:
            self.files["/".join(parts)] = content

    def build(self) -> _Listing:
        return _Listing(frozenset(self.top_dirs), dict(self.files))


def _list_tar(path: Path) -> _Listing:
    import tarfile

    builder = _ListingBuilder()
    # Stream mode: one pass through the compressed archive, reading each
    # wanted member as it comes by.
    with tarfile.open(path, mode="r|*") as tar:
        for member in tar:
            parts = _member_parts(member.name)
            if parts is None:
                continue
            content = None
            if builder.wants_content(parts, member.isdir()):
                content = _tar_content(tar, member)
            builder.add(parts, member.isdir(), content)
    return builder.build()


def _tar_content(tar: Any, member: Any) -> bytes | None:
    # A link cannot be followed in a stream; a pyproject.toml that is one
    # counts as unreadable.
    if not member.isfile() or member.size > _MAX_MEMBER_SIZE:
        return None
    f = tar.extractfile(member)
    return None if f is None else _read_bounded(f)


def _list_zip(path: Path) -> _Listing:
    import zipfile

    builder = _ListingBuilder()
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            parts = _member_parts(info.filename)
            if parts is None:
                continue
            content = None
            if builder.wants_content(parts, info.is_dir()):
                content = _zip_content(zf, info)
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

"""Core metadata of locked distributions: their dependencies, for locks that do not record them.

Pipfile.lock records versions and hashes but no dependency edges, so lock2nix
reads each distribution's ``Requires-Dist`` from its metadata, trying in turn:

1. the PEP 658 metadata file ``<file URL>.metadata``, requested even when the
   index does not advertise it (mirrors serve it without the attribute);
2. a wheel's ``*.dist-info/METADATA``, read with HTTP range requests (the
   end of the zip and the member only), or from a full download when the
   server does not do ranges;
3. an sdist's ``PKG-INFO`` (with setuptools' ``*.egg-info/requires.txt`` when
   ``PKG-INFO`` lists no requirements or declares them dynamic).

Answers are cached on disk by the sha256 of the file they describe
(``<cache_dir>/metadata/<2 hex>/<sha256>.json``), reduced to what lock2nix uses:
name, version, Requires-Dist, Requires-Python and Provides-Extra. The same bytes
always carry the same metadata, so entries never expire.

Like the index client, this imports ``requests`` only when something is not
cached, and packaging's metadata reader (with the email package, 30 ms) only
when metadata is read.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, cast, get_args

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .. import _http
from ..errors import Lock2NixError
from .cache import JsonCache
from .download import content_range

if TYPE_CHECKING:
    import tarfile

__all__ = [
    "DistMetadata",
    "MetadataCache",
    "MetadataError",
    "MetadataRequest",
    "fetch_metadata",
    "parse_metadata",
    "parse_requires_txt",
]

#: Bump when what is kept changes: older entries then count as misses.
CACHE_FORMAT = 1
_HEX64_RE = re.compile(r"[0-9a-f]{64}")
# The end of a wheel read in the first range request: the zip's central
# directory is almost always within it.
_TAIL = 1 << 16
_CHUNK = 1 << 16
# Metadata files are a few kilobytes; more means something is wrong.
_MAX_METADATA = 8 << 20
_TIMEOUT = (30.0, 60.0)
_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")


class MetadataError(Lock2NixError):
    """The metadata of a distribution could not be read."""

    #: The file it is about, when known.
    sha256: str = ""
    #: The file's host could not be reached (or answered an HTTP error).
    network: bool = False

    def at(self, *, file: str | None = None, entry: str | None = None) -> Lock2NixError:
        error = super().at(file=file, entry=entry)
        error.sha256 = self.sha256  # type: ignore[attr-defined]
        return error


#: Where metadata was read: the PEP 658 file, a wheel's METADATA, an sdist's
#: PKG-INFO, or PKG-INFO with setuptools' requires.txt ("": not recorded).
MetadataOrigin = Literal["pep658", "wheel", "sdist", "sdist requires.txt", ""]


@dataclass(frozen=True)
class DistMetadata:
    """What lock2nix keeps of a distribution's core metadata."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    provides_extra: tuple[str, ...] = ()
    origin: MetadataOrigin = ""


@dataclass(frozen=True)
class MetadataRequest:
    """One file whose metadata is wanted."""

    url: str
    filename: str
    sha256: str  # hex
    #: sha256 of the PEP 658 file when the index advertises one.
    metadata_sha256: str | None = None
    #: Ask for ``<url>.metadata`` first (files on an index).
    pep658: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "sha256", self.sha256.lower())
        object.__setattr__(self, "url", self.url.split("#", 1)[0])
        if not _HEX64_RE.fullmatch(self.sha256):
            raise ValueError(f"{self.filename}: {self.sha256!r} is not a hex sha256")

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")


@dataclass(frozen=True)
class MetadataCache:
    cache_dir: Path

    @property
    def _entries(self) -> JsonCache:
        return JsonCache.under(self.cache_dir, "metadata")

    def path(self, sha256: str) -> Path:
        return self._entries.by_sha256(sha256)

    def load(self, sha256: str) -> DistMetadata | None:
        return self._entries.read(self.path(sha256), {"format": CACHE_FORMAT, "sha256": sha256}, _dist_metadata)

    def store(self, sha256: str, filename: str, metadata: DistMetadata, *, synthesised: str | None = None) -> None:
        entry: dict[str, Any] = {
            "format": CACHE_FORMAT,
            "sha256": sha256,
            "file": filename,
            "name": metadata.name,
            "version": metadata.version,
            "origin": metadata.origin,
        }
        if metadata.requires_dist:
            entry["requires-dist"] = list(metadata.requires_dist)
        if metadata.requires_python:
            entry["requires-python"] = metadata.requires_python
        if metadata.provides_extra:
            entry["provides-extra"] = list(metadata.provides_extra)
        if synthesised is not None:
            entry["synthesised"] = synthesised
        self._entries.write_json(self.path(sha256), entry)


def _dist_metadata(data: dict[str, Any]) -> DistMetadata:
    return DistMetadata(
        name=data["name"],
        version=data["version"],
        requires_dist=tuple(data.get("requires-dist", ())),
        requires_python=data.get("requires-python"),
        provides_extra=tuple(data.get("provides-extra", ())),
        origin=_origin(data.get("origin", "")),
    )


def _origin(value: object) -> MetadataOrigin:
    if value not in get_args(MetadataOrigin):
        raise ValueError(f"unknown origin {value!r}")  # a miss
    return cast("MetadataOrigin", value)


# --- parsing --------------------------------------------------------------------


def parse_metadata(data: bytes, origin: MetadataOrigin, *, extra_requires: Sequence[str] | None = None) -> DistMetadata:
    """Read core metadata (RFC 822 form) with packaging; keep the fields lock2nix uses.

    Invalid ``Requires-Dist`` lines (old uploads have some) are left out rather
    than failing the translation: they could not be installed by pip either.
    """
    from packaging.metadata import InvalidMetadata, Metadata, parse_email

    try:
        md = Metadata.from_email(data, validate=False)
    except (InvalidMetadata, ValueError) as exc:
        raise MetadataError(f"unreadable core metadata: {exc}") from None
    raw, _ = parse_email(data)
    name = _field(md, "name", raw.get("name"))
    version = _field(md, "version", raw.get("version"))
    if not name or not version:
        raise MetadataError("core metadata without Name or Version")
    if extra_requires is not None:
        requires: list[str] = list(extra_requires)
    else:
        requires = []
        for text in raw.get("requires_dist", []):
            try:
                Requirement(text)
            except InvalidRequirement:
                continue
            requires.append(text.strip())
    requires_python = raw.get("requires_python")
    if requires_python is not None:
        try:
            requires_python = str(SpecifierSet(requires_python)) or None
        except InvalidSpecifier:
            requires_python = None  # pip ignores an invalid one too
    extras = sorted({e.strip() for e in raw.get("provides_extra", []) if e.strip()})
    return DistMetadata(
        name=str(name),
        version=str(version),
        requires_dist=tuple(requires),
        requires_python=requires_python,
        provides_extra=tuple(extras),
        origin=origin,
    )


def _field(md: Any, attribute: str, fallback: Any) -> Any:
    from packaging.metadata import InvalidMetadata

    try:
        return getattr(md, attribute)
    except (InvalidMetadata, ValueError):
        return fallback


def _dynamic_requires(data: bytes) -> bool:
    from packaging.metadata import parse_email

    raw, _ = parse_email(data)
    return any(d.strip().lower() == "requires-dist" for d in raw.get("dynamic", []))


def _has_requires(data: bytes) -> bool:
    from packaging.metadata import parse_email

    raw, _ = parse_email(data)
    return bool(raw.get("requires_dist"))


def parse_requires_txt(text: str) -> list[str]:
    """setuptools' ``*.egg-info/requires.txt`` as PEP 508 requirement strings.

    Its format: requirement lines, then sections ``[extra]``, ``[:marker]`` or
    ``[extra:marker]`` whose lines apply under that extra and/or marker.
    """
    out: list[str] = []
    extra = marker = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            extra_part, _, marker_part = section.partition(":")
            extra = extra_part.strip() or None
            marker = marker_part.strip() or None
            continue
        conditions = [f"({marker})"] if marker else []
        if extra:
            conditions.append(f'extra == "{extra}"')
        requirement = line
        if conditions:
            requirement = f"{line}; {' and '.join(conditions)}"
        try:
            Requirement(requirement)
        except InvalidRequirement:
            continue
        out.append(requirement)
    return out


# --- fetching -------------------------------------------------------------------


def fetch_metadata(
    requests: Iterable[MetadataRequest],
    *,
    cache_dir: Path,
    offline: bool = False,
    session: Any = None,
    max_workers: int = 8,
    on_done: Callable[[], None] | None = None,
) -> dict[str, DistMetadata]:
    """Return the metadata of every requested file, by its sha256.

    Cached answers are used as they are; the rest is fetched with up to
    ``max_workers`` requests at once. With ``offline`` a miss is an error.
    ``on_done`` is called once per request answered (for a progress line).
    """
    cache = MetadataCache(Path(cache_dir))
    unique = {r.sha256: r for r in requests}
    result: dict[str, DistMetadata] = {}
    missing: list[MetadataRequest] = []
    for sha, req in sorted(unique.items()):
        cached = cache.load(sha)
        if cached is not None:
            result[sha] = cached
            if on_done:
                on_done()
        elif offline:
            error = MetadataError(
                f"the metadata of {req.filename} is not in the cache; run without --offline to read it"
            )
            error.sha256 = sha
            raise error
        else:
            missing.append(req)
    if not missing:
        return result
    if session is None:
        session = _http.new_session(pool_size=max_workers)

    def one(req: MetadataRequest) -> tuple[str, DistMetadata]:
        try:
            metadata = read_metadata(session, req)
        except MetadataError as error:
            error.sha256 = req.sha256
            raise
        cache.store(req.sha256, req.filename, metadata)
        if on_done:
            on_done()
        return req.sha256, metadata

    if len(missing) == 1 or max_workers == 1:
        result.update(one(r) for r in missing)
        return result
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(max_workers, len(missing))) as pool:
        futures = [pool.submit(one, r) for r in missing]
        try:
            for future in futures:
                sha, metadata = future.result()
                result[sha] = metadata
        finally:
            for future in futures:
                future.cancel()
    return result


def read_metadata(session: Any, req: MetadataRequest) -> DistMetadata:
    """Read the metadata of one file from the network (PEP 658, wheel, sdist)."""
    import requests

    try:
        if req.pep658:
            found = _pep658(session, req)
            if found is not None:
                return found
        if req.is_wheel:
            return _from_wheel(session, req)
        if req.filename.endswith(_SDIST_SUFFIXES):
            return _from_sdist(session, req)
        raise MetadataError(f"{req.filename}: neither a wheel nor an sdist, so it has no metadata to read")
    except requests.RequestException as exc:
        error = MetadataError(f"could not read the metadata of {req.filename} ({req.url}): {_http.brief(exc)}")
        error.network = True
        raise error from None


def _pep658(session: Any, req: MetadataRequest) -> DistMetadata | None:
    r = session.get(req.url + ".metadata", timeout=_TIMEOUT, headers={"Accept-Encoding": "identity"})
    if r.status_code != 200:
        # Not served (404/403/410) or failing: the file itself still has it.
        return None
    data = r.content
    if req.metadata_sha256 is not None:
        digest = hashlib.sha256(data).hexdigest()
        if digest != req.metadata_sha256:
            raise MetadataError(
                f"{req.url}.metadata has sha256 {digest}, the index advertises {req.metadata_sha256}"
            )
    if not data.lstrip().startswith(b"Metadata-Version:") and b"\nName:" not in data[:4096]:
        return None  # some servers answer unknown paths with an HTML page
    return parse_metadata(data, "pep658")


class _NoRanges(Exception):
    """The server answered a range request with the whole file."""

    def __init__(self, response: Any) -> None:
        self.response = response


class _HttpRangeFile(io.RawIOBase):
    """A read-only, seekable view of a remote file through HTTP range requests."""

    def __init__(self, session: Any, url: str) -> None:
        super().__init__()
        self.session = session
        self.url = url
        self.pos = 0
        r = session.get(url, headers={"Range": f"bytes=-{_TAIL}", "Accept-Encoding": "identity"},
                        timeout=_TIMEOUT, stream=True)
        r.raise_for_status()
        span = content_range(r)
        if span is None:  # the whole file (200), or a range it cannot use
            raise _NoRanges(r)
        start, _end, self.size = span
        self.chunks: list[tuple[int, bytes]] = [(start, r.content)]

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.size}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self.size - self.pos)
        if want <= 0:
            return 0
        data = self._bytes(self.pos, want)
        buffer[: len(data)] = data
        self.pos += len(data)
        return len(data)

    def _bytes(self, start: int, length: int) -> bytes:
        for chunk_start, chunk in self.chunks:
            if chunk_start <= start and start + length <= chunk_start + len(chunk):
                return chunk[start - chunk_start : start - chunk_start + length]
        end = min(self.size, start + max(length, _CHUNK)) - 1
        r = self.session.get(self.url, headers={"Range": f"bytes={start}-{end}", "Accept-Encoding": "identity"},
                             timeout=_TIMEOUT)
        r.raise_for_status()
        if r.status_code != 206:
            raise MetadataError(f"{self.url}: the server stopped answering range requests")
        content: bytes = r.content
        self.chunks.append((start, content))
        return content[:length]


def _from_wheel(session: Any, req: MetadataRequest) -> DistMetadata:
    import zipfile

    try:
        remote = _HttpRangeFile(session, req.url)
    except _NoRanges as no_ranges:
        with _download(no_ranges.response, req) as local:
            return _wheel_metadata(zipfile.ZipFile(local), req)
    try:
        return _wheel_metadata(zipfile.ZipFile(io.BufferedReader(remote, buffer_size=_CHUNK)), req)
    except zipfile.BadZipFile as exc:
        raise MetadataError(f"{req.filename} is not a valid wheel: {exc}") from None


def _wheel_metadata(archive: Any, req: MetadataRequest) -> DistMetadata:
    candidates = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
    if not candidates:
        raise MetadataError(f"{req.filename} has no .dist-info/METADATA")
    info = archive.getinfo(min(candidates, key=len))
    if info.file_size > _MAX_METADATA:
        raise MetadataError(f"{req.filename}: METADATA is implausibly large")
    return parse_metadata(archive.read(info), "wheel")


class _download:
    """Stream a response into a temporary file, checking the locked sha256."""

    def __init__(self, response: Any, req: MetadataRequest) -> None:
        self.response = response
        self.req = req
        self.file: IO[bytes] | None = None

    def __enter__(self) -> IO[bytes]:
        self.response.raise_for_status()
        self.file = tempfile.TemporaryFile(prefix="lock2nix-dist-")
        digest = hashlib.sha256()
        for block in self.response.iter_content(1 << 16):
            digest.update(block)
            self.file.write(block)
        if digest.hexdigest() != self.req.sha256:
            raise MetadataError(
                f"{self.req.url} has sha256 {digest.hexdigest()}, the lock records {self.req.sha256}"
            )
        self.file.seek(0)
        return self.file

    def __exit__(self, *exc: object) -> None:
        if self.file is not None:
            self.file.close()


def _from_sdist(session: Any, req: MetadataRequest) -> DistMetadata:
    r = session.get(req.url, timeout=_TIMEOUT, stream=True, headers={"Accept-Encoding": "identity"})
    with _download(r, req) as local:
        members = _sdist_members(local, req)
    pkg_info = members.get("PKG-INFO")
    requires_txt = members.get("requires.txt")
    if pkg_info is None:
        raise MetadataError(f"{req.filename} has no PKG-INFO")
    if requires_txt is not None and (not _has_requires(pkg_info) or _dynamic_requires(pkg_info)):
        return parse_metadata(
            pkg_info, "sdist requires.txt",
            extra_requires=parse_requires_txt(requires_txt.decode("utf-8", errors="replace")),
        )
    return parse_metadata(pkg_info, "sdist")


def _sdist_members(local: IO[bytes], req: MetadataRequest) -> dict[str, bytes]:
    """The top-level PKG-INFO and the shallowest ``*.egg-info/requires.txt`` of an sdist."""
    import tarfile
    import zipfile

    found: dict[str, tuple[int, bytes]] = {}

    def consider(name: str, size: int, read: Callable[[], bytes]) -> None:
        parts = name.strip("/").split("/")
        if size > _MAX_METADATA:
            return
        if len(parts) == 2 and parts[1] == "PKG-INFO":
            found.setdefault("PKG-INFO", (0, read()))
        elif (
            parts[-1] == "requires.txt"
            and len(parts) >= 2
            and parts[-2].endswith(".egg-info")
            and ("requires.txt" not in found or found["requires.txt"][0] > len(parts))
        ):
            found["requires.txt"] = (len(parts), read())

    try:
        if req.filename.endswith(".zip"):
            with zipfile.ZipFile(local) as zip_archive:
                for info in zip_archive.infolist():
                    consider(info.filename, info.file_size, functools.partial(zip_archive.read, info))
        else:
            with tarfile.open(fileobj=local, mode="r:*") as tar_archive:
                for member in tar_archive:
                    if member.isfile():
                        consider(member.name, member.size, functools.partial(_tar_read, tar_archive, member))
    except (tarfile.TarError, zipfile.BadZipFile, OSError, EOFError) as exc:
        raise MetadataError(f"{req.filename} is not a readable archive: {exc}") from None
    return {k: v for k, (_, v) in found.items()}


def _tar_read(archive: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = archive.extractfile(member)
    return handle.read() if handle is not None else b""

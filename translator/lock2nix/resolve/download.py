"""A file on an index read as a stream, only as far as its reader needs it.

Reading the build system of a large sdist usually needs its head only; a
small sdist is read whole, its sha256 checked. So the first request asks
for the head (an HTTP range request): a file no larger comes whole in the
answer, and the rest of a larger one is asked for only when the reader gets
there. Answers read to their end let their connection serve the next
request (a cold run reads hundreds of files). Every byte that comes is hashed.

``requests`` is imported by the caller, which passes its session.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from typing import Any

__all__ = ["DownloadError", "RemoteFile", "content_range"]

_CHUNK_SIZE = 1 << 16
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class DownloadError(OSError):
    """The server's answers do not make up the file."""


class RemoteFile:
    """The bytes at ``url``, read forward; ``size`` is 0 when the server does not say.

    ``head`` is how many bytes the first request asks for. A server that
    does not do ranges sends the whole file at once, which serves as well.
    """

    def __init__(self, session: Any, url: str, *, head: int, timeout: Any) -> None:
        self._session = session
        self._url = url
        self._timeout = timeout
        import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

        self._digest = hashlib.sha256()
        self._buffer = bytearray()
        self.size = 0
        self._parts = self._open(head)

    def __enter__(self) -> RemoteFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop reading; an answer not read to its end closes its connection."""
        self._parts.close()

    def read(self, size: int = -1) -> bytes:
        """The next ``size`` bytes (all the rest when negative); fewer only at the end."""
        if not self._buffer and size > 0:
            # The usual case, read block by block: a part as it came, uncopied.
            part = next(self._parts, None)
            if part is None:
                return b""
            self._digest.update(part)
            if len(part) == size:
                return part
            self._buffer += part
        while (size < 0 or len(self._buffer) < size) and self._pull():
            pass
        cut = len(self._buffer) if size < 0 else min(size, len(self._buffer))
        out = bytes(self._buffer[:cut])
        del self._buffer[:cut]
        return out

    def peek(self, size: int) -> bytes:
        """The next ``size`` bytes (fewer only at the end), left to be read."""
        while len(self._buffer) < size and self._pull():
            pass
        return bytes(self._buffer[:size])

    def drain(self) -> None:
        """Take the rest of the file (into the hash only)."""
        self._buffer.clear()
        for part in self._parts:
            self._digest.update(part)

    def sha256(self) -> str:
        """The sha256 (hex) of what came so far: of the file, once :meth:`drain` has run."""
        return self._digest.hexdigest()

    def _pull(self) -> bool:
        part = next(self._parts, None)
        if part is None:
            return False
        self._digest.update(part)
        self._buffer += part
        return True

    def _open(self, head: int) -> Generator[bytes, None, None]:
        response = self._get(f"bytes=0-{head - 1}")
        span = content_range(response)
        if span is None or span[0] != 0:
            if response.status_code != 200:  # a range that is no use (or an empty file's 416)
                response.close()
                response = self._get(None)
            self.size = int(response.headers.get("Content-Length") or 0)
            return _body(response)
        _start, end, self.size = span
        # Read whole (it is small), so that its connection is free again even
        # when the reader needs no more.
        return self._from(b"".join(_body(response)), end + 1)

    def _from(self, head: bytes, rest: int) -> Generator[bytes, None, None]:
        yield head
        if rest >= self.size:
            return
        response = self._get(f"bytes={rest}-")
        span = content_range(response)
        if span is not None and span[0] == rest:
            yield from _body(response)
        elif response.status_code == 200:  # the whole file again: skip what came
            yield from _skip(_body(response), rest)
        else:
            response.close()
            raise DownloadError(f"{self._url}: the server answered bytes {rest}- with {span}")

    def _get(self, byte_range: str | None) -> Any:
        # The file as stored, never content-decoded: its hash is of those bytes.
        headers = {"Accept-Encoding": "identity"}
        if byte_range is not None:
            headers["Range"] = byte_range
        response = self._session.get(self._url, headers=headers, stream=True, timeout=self._timeout)
        if response.status_code != 416 or byte_range is None:
            response.raise_for_status()
        return response


def content_range(response: Any) -> tuple[int, int, int] | None:
    """(first, last, size) of a 206 answer; None for any other."""
    if response.status_code != 206:
        return None
    match = _CONTENT_RANGE.fullmatch(response.headers.get("Content-Range", "").strip())
    return None if match is None else (int(match[1]), int(match[2]), int(match[3]))


def _body(response: Any) -> Generator[bytes, None, None]:
    # The bytes as the index stores them: a server that labels a .tar.gz
    # "Content-Encoding: gzip" would otherwise have requests unpack it, and
    # the hash would never match.
    try:
        raw = response.raw
        if hasattr(raw, "stream"):
            yield from raw.stream(_CHUNK_SIZE, decode_content=False)
        else:
            while chunk := raw.read(_CHUNK_SIZE):
                yield chunk
    finally:
        response.close()


def _skip(parts: Iterator[bytes], count: int) -> Generator[bytes, None, None]:
    for part in parts:
        if count >= len(part):
            count -= len(part)
            continue
        yield part[count:]
        count = 0

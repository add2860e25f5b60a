"""A fake package index for the resolve tests: PEP 691 JSON pages, files with
HTTP range support, optional PEP 658 metadata files, served through a
``requests`` transport adapter (the ``fake`` fixture routes lock2nix's
sessions to it).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import threading
import zipfile
from collections.abc import Mapping

import requests
import urllib3
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

INDEX = "https://mirror.example/simple/"
OTHER = "https://other.example/simple/"
FILES = "https://files.example/"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def metadata_text(name: str, version: str, requires: list[str] = (), extras: list[str] = (), python: str | None = None) -> bytes:
    lines = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    lines += [f"Requires-Python: {python}"] if python else []
    lines += [f"Provides-Extra: {e}" for e in extras]
    lines += [f"Requires-Dist: {r}" for r in requires]
    return ("\n".join(lines) + "\n\nA description.\n").encode()


def make_wheel(name: str, version: str, metadata: bytes, padding: int = 0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        # Incompressible padding first, so the metadata sits far from both ends.
        z.writestr(f"{name}/big.bin", hashlib.sha512(b"x").digest() * (padding // 64), compress_type=zipfile.ZIP_STORED)
        z.writestr(f"{name}/__init__.py", "")
        z.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        z.writestr(f"{name}-{version}.dist-info/WHEEL", "Wheel-Version: 1.0\n")
    return out.getvalue()


def make_sdist(name: str, version: str, members: Mapping[str, bytes]) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for path, data in members.items():
            info = tarfile.TarInfo(f"{name}-{version}/{path}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class FakeIndex(BaseAdapter):
    """Simple API pages, files (with Range support unless ``ranges=False``) and metadata files."""

    def __init__(self, *, ranges: bool = True) -> None:
        super().__init__()
        self.pages: dict[str, list[dict]] = {}
        self.blobs: dict[str, bytes] = {}
        self.ranges = ranges
        self.sent: list[tuple[str, str | None]] = []

    def add(self, index: str, project: str, filename: str, data: bytes, *, metadata: bytes | None = None,
            advertise: bool = False) -> dict:
        url = f"{FILES}{project}/{filename}"
        entry = {"filename": filename, "url": url, "hashes": {"sha256": sha(data)}}
        if metadata is not None:
            self.blobs[url + ".metadata"] = metadata
            if advertise:
                entry["core-metadata"] = {"sha256": sha(metadata)}
        self.pages.setdefault(f"{index}{project}/", []).append(entry)
        self.blobs[url] = data
        return entry

    def send(self, request, **kwargs):  # type: ignore[override]
        self.sent.append((request.url, request.headers.get("Range")))
        response = requests.Response()
        response.request = request
        response.url = request.url
        headers = {}
        if request.url in self.pages:
            status = 200
            body = json.dumps({"meta": {"api-version": "1.0"}, "name": request.url.rstrip("/").rsplit("/", 1)[-1],
                               "files": self.pages[request.url]}).encode()
            headers["Content-Type"] = "application/vnd.pypi.simple.v1+json"
        elif request.url in self.blobs:
            body = self.blobs[request.url]
            status = 200
            wanted = request.headers.get("Range")
            if wanted and self.ranges:
                start_s, end_s = wanted.removeprefix("bytes=").split("-")
                if start_s == "":
                    start, end = max(0, len(body) - int(end_s)), len(body) - 1
                else:
                    start, end = int(start_s), min(int(end_s), len(body) - 1)
                headers["Content-Range"] = f"bytes {start}-{end}/{len(body)}"
                body, status = body[start : end + 1], 206
            headers["Content-Type"] = "application/octet-stream"
        else:
            status, body = 404, b"not found"
            headers["Content-Type"] = "text/plain"
        response.status_code = status
        response.reason = {200: "OK", 206: "Partial Content", 404: "Not Found"}[status]
        response.headers = CaseInsensitiveDict(headers)
        response.raw = io.BytesIO(body)
        return response

    def close(self) -> None:
        pass

    def session(self):
        session = requests.Session()
        session.mount("https://", self)
        return session

    def urls(self) -> list[str]:
        return [url for url, _ in self.sent]


class RangeServer(BaseAdapter):
    """Serves fixed bytes per URL, answering ``Range: bytes=a-b`` / ``bytes=a-`` unless ``ranges`` is off.

    Records each request's Range header and how many body bytes each answer gave out.
    """

    def __init__(self, files: dict[str, bytes], *, ranges: bool = True) -> None:
        super().__init__()
        self.files = files
        self.ranges = ranges
        self.asked: list[str | None] = []
        self.given: list[int] = []
        self._lock = threading.Lock()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        data = self.files.get(request.url)
        wanted = request.headers.get("Range")
        with self._lock:
            self.asked.append(wanted)
        status, headers, body = 200, {}, data
        if data is None:
            status, body = 404, b"not found"
        elif wanted is not None and self.ranges:
            first, last = re.fullmatch(r"bytes=(\d+)-(\d*)", wanted).groups()
            start, end = int(first), min(int(last) if last else len(data) - 1, len(data) - 1)
            if start >= len(data):
                status, body = 416, b""
                headers["Content-Range"] = f"bytes */{len(data)}"
            else:
                status, body = 206, data[start : end + 1]
                headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
        return self._response(request, status, {"Content-Length": str(len(body)), **headers}, body)

    def _response(self, request, status, headers, body):
        server = self
        index = len(self.given)
        self.given.append(0)

        class Counted(io.BytesIO):
            def read(self, n: int | None = -1) -> bytes:
                chunk = super().read(n)
                server.given[index] += len(chunk)
                return chunk

        raw = urllib3.HTTPResponse(body=Counted(body), headers=headers, status=status, preload_content=False)
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(raw.headers)
        response.raw = raw
        response.url = request.url
        response.request = request
        response.reason = "whatever"
        return response

    def close(self) -> None:
        pass

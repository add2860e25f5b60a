"""Tests for lock2nix.resolve.download: a file read as a stream, with range requests.

Files are served by a ``requests`` transport adapter (``fake_index.RangeServer``)
that answers range requests as a file host does (206 with Content-Range), or
ignores them.
"""

from __future__ import annotations

import hashlib
import os

import pytest
import requests
from requests.adapters import BaseAdapter

from lock2nix.resolve.download import DownloadError, RemoteFile

from .fake_index import RangeServer

URL = "https://files.example.org/packages/f-1.tar.gz"
TIMEOUT = (5.0, 5.0)


def session_for(adapter: BaseAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    return session


def remote(server: RangeServer, head: int = 1000, url: str = URL) -> RemoteFile:
    return RemoteFile(session_for(server), url, head=head, timeout=TIMEOUT)


def test_a_small_file_comes_whole_in_one_request() -> None:
    data = os.urandom(700)
    server = RangeServer({URL: data})
    with remote(server) as f:
        assert f.size == 700
        assert f.read() == data
        f.drain()
        assert f.sha256() == hashlib.sha256(data).hexdigest()
    assert server.asked == ["bytes=0-999"]


def test_a_large_file_read_on_asks_for_the_rest_once() -> None:
    data = os.urandom(5000)
    server = RangeServer({URL: data})
    with remote(server) as f:
        assert f.size == 5000
        assert f.read(10) == data[:10]
        assert f.peek(3) == data[10:13]
        assert f.read(2000) == data[10:2010]
        assert f.read() == data[2010:]
        assert f.read(5) == b""
        assert f.sha256() == hashlib.sha256(data).hexdigest()
    assert server.asked == ["bytes=0-999", "bytes=1000-"]


def test_reading_the_head_only_makes_one_request() -> None:
    data = os.urandom(5000)
    server = RangeServer({URL: data})
    with remote(server) as f:
        assert f.read(900) == data[:900]
    assert server.asked == ["bytes=0-999"]
    assert server.given == [1000], "the head's answer is read to its end (its connection is kept)"


def test_drain_hashes_the_whole_file() -> None:
    data = os.urandom(3000)
    server = RangeServer({URL: data})
    with remote(server) as f:
        f.read(5)
        f.drain()
        assert f.sha256() == hashlib.sha256(data).hexdigest()
        assert f.read() == b""


def test_a_server_without_ranges_sends_the_whole_file() -> None:
    data = os.urandom(5000)
    server = RangeServer({URL: data}, ranges=False)
    with remote(server) as f:
        assert f.size == 5000
        assert f.read() == data
    assert server.asked == ["bytes=0-999"]


def test_a_server_that_stops_doing_ranges_is_skipped_over() -> None:
    data = os.urandom(5000)
    server = RangeServer({URL: data})
    with remote(server) as f:
        assert f.read(1000) == data[:1000]
        server.ranges = False  # the rest comes from the start of the file
        assert f.read() == data[1000:]
        assert f.sha256() == hashlib.sha256(data).hexdigest()


def test_an_empty_file() -> None:
    server = RangeServer({URL: b""})
    with remote(server) as f:
        assert f.read() == b""
        assert f.sha256() == hashlib.sha256(b"").hexdigest()
    assert server.asked == ["bytes=0-999", None], "416 for the head: asked again without a range"


def test_http_errors_are_raised() -> None:
    with pytest.raises(requests.HTTPError, match="404"):
        remote(RangeServer({}))


def test_a_wrong_range_answer_is_an_error() -> None:
    data = os.urandom(3000)

    class Liar(RangeServer):
        def send(self, request, **kwargs):
            if request.headers.get("Range") == "bytes=1000-":
                request.headers["Range"] = "bytes=999-"
            return super().send(request, **kwargs)

    with remote(Liar({URL: data})) as f, pytest.raises(DownloadError, match="bytes 1000-"):
        f.read()

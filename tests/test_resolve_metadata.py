"""Core metadata of distributions (PEP 658 files, wheels read by range, sdists), and its cache.

A fake index (``tests/fake_index.py``) is served through a ``requests``
transport adapter; the test marked ``network`` uses the live PyPI.
"""

from __future__ import annotations

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("pypi_simple")

from lock2nix.resolve.metadata import (
    MetadataCache,
    MetadataError,
    MetadataRequest,
    fetch_metadata,
    parse_metadata,
    parse_requires_txt,
)

from .fake_index import FILES, FakeIndex, make_sdist, make_wheel, metadata_text, sha

# --- metadata ----------------------------------------------------------------------


def request_for(fake: FakeIndex, filename: str, data: bytes, **kwargs) -> MetadataRequest:
    return MetadataRequest(f"{FILES}p/{filename}", filename, sha(data), **kwargs)


def test_advertised_metadata_is_checked(tmp_path, fake) -> None:
    md = metadata_text("p", "1.0")
    wheel = make_wheel("p", "1.0", md)
    fake.blobs[f"{FILES}p/p-1.0-py3-none-any.whl"] = wheel
    fake.blobs[f"{FILES}p/p-1.0-py3-none-any.whl.metadata"] = md
    req = request_for(fake, "p-1.0-py3-none-any.whl", wheel, metadata_sha256="0" * 64)
    with pytest.raises(MetadataError, match="the index advertises 0000"):
        fetch_metadata([req], cache_dir=tmp_path)


@pytest.mark.parametrize("ranges", [True, False])
def test_wheel_metadata_without_pep658(tmp_path, monkeypatch, ranges) -> None:
    adapter = FakeIndex(ranges=ranges)
    md = metadata_text("p", "1.0", ["dep>=1"])
    wheel = make_wheel("p", "1.0", md, padding=300_000)
    adapter.blobs[f"{FILES}p/p-1.0-py3-none-any.whl"] = wheel
    req = request_for(adapter, "p-1.0-py3-none-any.whl", wheel)
    found = fetch_metadata([req], cache_dir=tmp_path, session=adapter.session())[req.sha256]
    assert (found.name, found.requires_dist, found.origin) == ("p", ("dep>=1",), "wheel")
    file_requests = [r for url, r in adapter.sent if url == req.url]
    if ranges:
        # Only the end of the zip and the member were read, never the whole file.
        assert file_requests and all(r is not None for r in file_requests)
    else:
        assert len(file_requests) == 1


def test_full_download_is_checked_against_the_locked_hash(tmp_path) -> None:
    adapter = FakeIndex(ranges=False)
    wheel = make_wheel("p", "1.0", metadata_text("p", "1.0"))
    adapter.blobs[f"{FILES}p/p-1.0-py3-none-any.whl"] = wheel
    req = MetadataRequest(f"{FILES}p/p-1.0-py3-none-any.whl", "p-1.0-py3-none-any.whl", "0" * 64)
    with pytest.raises(MetadataError, match="the lock records 0000"):
        fetch_metadata([req], cache_dir=tmp_path, session=adapter.session())


def test_sdist_with_dynamic_requirements_uses_requires_txt(tmp_path) -> None:
    adapter = FakeIndex()
    pkg_info = b"Metadata-Version: 2.2\nName: s\nVersion: 1.0\nDynamic: Requires-Dist\n\n"
    requires = b"six>=1\n\n[socks]\npysocks\n\n[:sys_platform == 'win32']\ncolorama\n"
    sdist = make_sdist("s", "1.0", {"PKG-INFO": pkg_info, "s.egg-info/requires.txt": requires, "setup.py": b""})
    adapter.blobs[f"{FILES}p/s-1.0.tar.gz"] = sdist
    req = request_for(adapter, "s-1.0.tar.gz", sdist)
    found = fetch_metadata([req], cache_dir=tmp_path, session=adapter.session())[req.sha256]
    assert found.origin == "sdist requires.txt"
    assert found.requires_dist == ("six>=1", 'pysocks; extra == "socks"', "colorama; (sys_platform == 'win32')")


def test_metadata_offline_miss_and_cache(tmp_path) -> None:
    req = MetadataRequest(f"{FILES}p/p-1.0.tar.gz", "p-1.0.tar.gz", "a" * 64)
    with pytest.raises(MetadataError, match="metadata of p-1.0.tar.gz is not in the cache"):
        fetch_metadata([req], cache_dir=tmp_path, offline=True)
    MetadataCache(tmp_path).store("a" * 64, "p-1.0.tar.gz", parse_metadata(metadata_text("p", "1.0", ["x"]), "sdist"))
    assert fetch_metadata([req], cache_dir=tmp_path, offline=True)["a" * 64].requires_dist == ("x",)


def test_invalid_requirement_lines_are_left_out() -> None:
    md = parse_metadata(metadata_text("p", "1.0", ["good>=1", "bad req ;;", "also-good"], python="bogus"), "wheel")
    assert md.requires_dist == ("good>=1", "also-good") and md.requires_python is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a\nb>=1\n", ["a", "b>=1"]),
        ("[x]\nc\n", ['c; extra == "x"']),
        ("[:python_version < '3.8']\nd\n", ["d; (python_version < '3.8')"]),
        ("[y:os_name == 'nt']\ne\n", ["e; (os_name == 'nt') and extra == \"y\""]),
        ("# comment\n\nnot a requirement ;;\nf\n", ["f"]),
    ],
)
def test_requires_txt(text, expected) -> None:
    assert parse_requires_txt(text) == expected


@pytest.mark.network
def test_live_pep658_is_served_without_being_advertised(tmp_path) -> None:
    """files.pythonhosted.org serves <wheel>.metadata; lock2nix asks for it regardless."""
    req = MetadataRequest(
        "https://files.pythonhosted.org/packages/76/c6/c88e154df9c4e1a2a66ccf0005a88dfb2650c1dffb6f5ce603dfbd452ce3/"
        "idna-3.10-py3-none-any.whl",
        "idna-3.10-py3-none-any.whl",
        "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3",
    )
    found = fetch_metadata([req], cache_dir=tmp_path)[req.sha256]
    assert (found.name, found.version, found.origin) == ("idna", "3.10", "pep658")
    assert "all" in found.provides_extra

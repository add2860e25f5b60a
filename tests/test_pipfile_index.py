"""Finding Pipfile.lock files by hash on indexes, and reading dependency edges from metadata.

A fake index (PEP 691 JSON pages, files with HTTP range support, optional
PEP 658 metadata files) is served through a ``requests`` transport adapter;
the tests marked ``network`` use the live PyPI.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("pypi_simple")

from lock2nix import _http
from lock2nix.resolve import index as index_mod
from lock2nix.errors import Lock2NixError
from lock2nix.resolve.index import (
    LISTED,
    NO_PROJECT,
    NOT_CACHED,
    HashRequest,
    IndexClient,
    normalize_index_url,
)
from lock2nix.resolve.metadata import (
    MetadataCache,
    MetadataError,
    MetadataRequest,
    fetch_metadata,
    parse_metadata,
    parse_requires_txt,
)
from lock2nix.model import IndexSource, Lock, Package
from lock2nix.parsers import parse
from lock2nix._progress import Progress
from lock2nix.resolve import Settings, edges_from_requirements, resolve, url_sha256
from lock2nix.resolve.locate import locate_hashed
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


@pytest.fixture
def fake(monkeypatch) -> FakeIndex:
    adapter = FakeIndex()
    monkeypatch.setattr(_http, "new_session", lambda pool_size: adapter.session())
    return adapter


# --- names ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pypi.python.org/simple", "https://pypi.org/simple/"),
        ("http://pypi.python.org/simple/", "https://pypi.org/simple/"),
        ("https://pypi.org/simple", "https://pypi.org/simple/"),
        ("https://mirror.example/pypi/simple/", "https://mirror.example/pypi/simple/"),
    ],
)
def test_pypi_old_host_is_normalised(url, expected) -> None:
    assert normalize_index_url(url) == expected


# --- finding files by hash ------------------------------------------------------


def test_locate_maps_every_hash_to_a_file_and_caches(tmp_path, fake) -> None:
    wheel = fake.add(INDEX, "demo", "demo-1.0-py3-none-any.whl", b"wheel")
    sdist = fake.add(INDEX, "demo", "demo-1.0.tar.gz", b"sdist")
    fake.add(INDEX, "demo", "demo-0.9.tar.gz", b"old")
    request = HashRequest(INDEX, "Demo", "1.0", frozenset({sha(b"wheel"), sha(b"sdist")}))
    answer = IndexClient(tmp_path).locate([request])[request]
    assert answer.status == LISTED and not answer.unmatched
    assert [(f.filename, f.url) for f in answer.files] == [
        (wheel["filename"], wheel["url"]), (sdist["filename"], sdist["url"])
    ]
    cached = json.loads(index_mod.IndexCache(tmp_path).path(INDEX, "demo").read_text())
    assert set(cached["files"]) == {"demo-1.0-py3-none-any.whl", "demo-1.0.tar.gz"}  # other versions left out
    # Answered from the cache now, offline or not.
    fake.sent.clear()
    again = IndexClient(tmp_path, offline=True).locate([request])[request]
    assert again == answer and fake.sent == []


def test_locate_reports_unmatched_hashes_missing_projects_and_offline_misses(tmp_path, fake) -> None:
    fake.add(INDEX, "demo", "demo-1.0.tar.gz", b"sdist")
    known, unknown = sha(b"sdist"), sha(b"elsewhere")
    partly = HashRequest(INDEX, "demo", "1.0", frozenset({known, unknown}))
    missing = HashRequest(INDEX, "ghost", "1.0", frozenset({known}))
    answers = IndexClient(tmp_path).locate([partly, missing])
    assert answers[partly].unmatched == {unknown} and len(answers[partly].files) == 1
    assert answers[missing].status == NO_PROJECT
    offline = IndexClient(tmp_path / "empty", offline=True).locate([partly])
    assert offline[partly].status == NOT_CACHED


def pipfile_lock(tmp_path: Path, packages: dict, sources: list | None = None, develop: dict | None = None) -> Lock:
    data = {
        "_meta": {"pipfile-spec": 6, "requires": {}, "sources": sources or [{"name": "mirror", "url": INDEX}]},
        "default": packages,
        "develop": develop or {},
    }
    text = json.dumps(data, indent=4)
    (tmp_path / "Pipfile.lock").write_text(text)
    return parse("Pipfile.lock", text.encode(), directory=tmp_path)


def entry(*blobs: bytes, version: str = "1.0", **extra) -> dict:
    return {"version": f"=={version}", "hashes": [f"sha256:{sha(b)}" for b in blobs], **extra}


def test_resolution_fills_artifacts_edges_extras_and_requires_python(tmp_path, fake) -> None:
    app_md = metadata_text("app", "1.0", ["lib>=1", "pytest; extra == 'test'", "ghost; python_version < '3'",
                                           "win-only; sys_platform == 'win32'"], extras=["test"], python=">=3.8")
    app = make_wheel("app", "1.0", app_md)
    fake.add(INDEX, "app", "app-1.0-py3-none-any.whl", app, metadata=app_md)
    lib_sdist = make_sdist("lib", "2.0", {"PKG-INFO": metadata_text("lib", "2.0")})
    fake.add(INDEX, "lib", "lib-2.0.tar.gz", lib_sdist)
    pytest_md = metadata_text("pytest", "8.0")
    fake.add(INDEX, "pytest", "pytest-8.0-py3-none-any.whl", make_wheel("pytest", "8.0", pytest_md), metadata=pytest_md)
    win = make_wheel("win_only", "1.0", metadata_text("win-only", "1.0"))
    fake.add(INDEX, "win-only", "win_only-1.0-py3-none-any.whl", win, metadata=metadata_text("win-only", "1.0"))
    lock = pipfile_lock(
        tmp_path,
        {"app": entry(app), "lib": entry(lib_sdist, version="2.0"),
         "win-only": entry(win, markers="sys_platform == 'win32'")},
        develop={"pytest": entry(make_wheel("pytest", "8.0", pytest_md), version="8.0")},
    )
    resolved = resolve(lock, Settings(cache_dir=tmp_path / "cache", detect_build_systems=False))
    packages = {p.name: p for p in resolved.packages}
    app_pkg = packages["app"]
    assert app_pkg.source.wheels[0].url == f"{FILES}app/app-1.0-py3-none-any.whl"
    assert app_pkg.source.locked_hashes == () and app_pkg.source.fallbacks == ()
    assert [(d.name, d.marker, d.specifier) for d in app_pkg.dependencies] == [
        ("lib", None, ">=1"), ("win-only", 'sys_platform == "win32"', None)
    ]
    assert [d.name for d in app_pkg.extras["test"]] == ["pytest"]
    assert app_pkg.requires_python == ">=3.8"
    assert packages["lib"].source.sdist.filename == "lib-2.0.tar.gz" and not packages["lib"].source.wheels
    # PEP 658 files are asked for although the index does not advertise them.
    assert f"{FILES}app/app-1.0-py3-none-any.whl.metadata" in fake.urls()
    origins = {m.name: m.origin for m in (MetadataCache(tmp_path / "cache").load(sha(b)) for b in (app, lib_sdist))}
    assert origins == {"app": "pep658", "lib": "sdist"}
    # A second, offline run needs no network and gives the same model.
    fake.sent.clear()
    offline = resolve(lock, Settings(cache_dir=tmp_path / "cache", offline=True, detect_build_systems=False))
    assert offline == resolved and fake.sent == []


def test_hash_matching_nothing_names_package_and_source(tmp_path, fake) -> None:
    fake.add(INDEX, "demo", "demo-1.0.tar.gz", b"sdist")
    lock = pipfile_lock(tmp_path, {"demo": entry(b"sdist", b"tampered")})
    with pytest.raises(Lock2NixError) as info:
        resolve(lock, Settings(cache_dir=tmp_path / "cache", detect_build_systems=False))
    message = str(info.value)
    assert message.startswith("Pipfile.lock: package 'demo' (1.0, default): 1 locked hash(es) match no file of demo")
    assert f"index 'mirror' ({INDEX})" in message and f"sha256:{sha(b'tampered')}" in message


def test_package_without_index_is_found_on_a_later_source(tmp_path, fake) -> None:
    fake.add(OTHER, "only-there", "only_there-1.0.tar.gz", b"there")
    sources = [{"name": "mirror", "url": INDEX}, {"name": "other", "url": OTHER}]
    lock = pipfile_lock(tmp_path, {"only-there": entry(b"there")}, sources=sources)
    located = locate_hashed(lock, IndexClient(tmp_path / "cache")).packages
    (package,) = located
    assert (package.source.name, package.source.url) == ("other", OTHER)
    # Offline, from the cache, the same answer.
    offline = locate_hashed(lock, IndexClient(tmp_path / "cache", offline=True)).packages
    assert offline == located


def test_source_named_by_index_is_the_only_one_asked(tmp_path, fake) -> None:
    fake.add(OTHER, "pinned", "pinned-1.0.tar.gz", b"x")
    sources = [{"name": "mirror", "url": INDEX}, {"name": "other", "url": OTHER}]
    lock = pipfile_lock(tmp_path, {"pinned": entry(b"x", index="mirror")}, sources=sources)
    with pytest.raises(Lock2NixError, match=r"match no file of pinned listed on index 'mirror'") as info:
        resolve(lock, Settings(cache_dir=tmp_path / "cache", detect_build_systems=False))
    assert "other" not in str(info.value)


def test_offline_without_cache_names_the_package(tmp_path, fake) -> None:
    lock = pipfile_lock(tmp_path, {"demo": entry(b"sdist")})
    with pytest.raises(Lock2NixError) as info:
        resolve(lock, Settings(cache_dir=tmp_path / "cache", offline=True, detect_build_systems=False))
    assert str(info.value) == (
        f"Pipfile.lock: package 'demo' (1.0, default): the files of demo 1.0 on index 'mirror' ({INDEX}) "
        "are not in the cache; run without --offline to read the index"
    )
    assert fake.sent == []


def test_installers_old_locks_hashed_are_not_artifacts(tmp_path, fake) -> None:
    fake.add(INDEX, "old", "old-1.0.win32.exe", b"exe")
    fake.add(INDEX, "old", "old-1.0-py2.7.egg", b"egg")
    fake.add(INDEX, "old", "old-1.0.tar.gz", b"sdist")
    lock = pipfile_lock(tmp_path, {"old": entry(b"exe", b"egg", b"sdist")})
    (package,) = locate_hashed(lock, IndexClient(tmp_path / "cache")).packages
    assert package.source.sdist.filename == "old-1.0.tar.gz" and package.source.wheels == ()


def test_unhashed_file_url_is_pinned_once(tmp_path, fake) -> None:
    fake.blobs[f"{FILES}archive/main.zip"] = b"zip bytes"
    assert url_sha256(f"{FILES}archive/main.zip", tmp_path, offline=False) == sha(b"zip bytes")
    fake.sent.clear()
    assert url_sha256(f"{FILES}archive/main.zip", tmp_path, offline=True) == sha(b"zip bytes")
    assert fake.sent == []
    with pytest.raises(Lock2NixError, match="records no hash for .*--offline forbids"):
        url_sha256(f"{FILES}archive/other.zip", tmp_path, offline=True)


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


# --- edges ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("requires", "runtime", "extras"),
    [
        (["a"], [("a", None)], {}),
        (["A_Pkg[Extra1]>=1"], [("a-pkg", None)], {}),
        (["unlocked"], [], {}),  # dropped: not in the lock
        (["a; python_version < '3.9'"], [("a", 'python_version < "3.9"')], {}),
        (["a; extra == 'x'"], [], {"x": ["a"]}),
        (["a; extra == 'X_Y' and os_name == 'nt'"], [], {"x-y": ["a"]}),
        # usable with or without the extra: runtime (conditional) and in the extra
        (["a; python_version < '3' or extra == 'x'"], [("a", 'python_version < "3" or extra == "x"')], {"x": ["a"]}),
    ],
)
def test_edges_from_requirements(requires, runtime, extras) -> None:
    deps, by_extra = edges_from_requirements(requires, ["x", "X-Y"], {"a", "a-pkg"})
    assert [(d.name, d.marker) for d in deps] == runtime
    assert {k: [d.name for d in v] for k, v in by_extra.items() if v} == extras
    assert set(by_extra) >= {"x", "x-y"}
    if requires[0].startswith("A_Pkg"):
        assert deps[0].extras == ("extra1",) and deps[0].specifier == ">=1"


# --- progress ------------------------------------------------------------------------


class Terminal(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_progress_only_on_a_terminal(tty) -> None:
    stream = Terminal(tty)
    with Progress("reading", 3, stream=stream) as progress:
        for _ in range(3):
            progress.advance()
    if tty:
        assert "lock2nix: reading 3/3" in stream.getvalue() and stream.getvalue().endswith("\r\033[K")
    else:
        assert stream.getvalue() == ""


# --- live index -----------------------------------------------------------------------


@pytest.mark.network
def test_live_pipfile_translation(tmp_path) -> None:
    """The small pipenv example, resolved against the live PyPI into an empty cache."""
    from .pipfile_cases import stage_pipfile_case

    lock_path = stage_pipfile_case("pypa__pipenv__examples-head", tmp_path)
    lock = parse(str(lock_path), lock_path.read_bytes(), directory=lock_path.parent)
    resolved = resolve(lock, Settings(cache_dir=tmp_path / "cache", detect_build_systems=False))
    requests_pkg = next(p for p in resolved.packages if p.name == "requests")
    assert isinstance(requests_pkg.source, IndexSource)
    assert {d.name for d in requests_pkg.dependencies} == {"certifi", "charset-normalizer", "idna", "urllib3"}
    assert all(isinstance(p, Package) and p.source.wheels for p in resolved.packages)


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

"""Tests for lock2nix.resolve.sdist: reading [build-system] from sdists, with a cache.

Sdists are built in tmp_path and served by a requests transport adapter, so
nothing here touches the network except the test marked ``network``.
"""

from __future__ import annotations

import hashlib
import io
import os
import json
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pytest
import requests
import urllib3
from lock2nix.errors import Lock2NixError
from lock2nix.resolve.sdist import (
    FALLBACK_BACKEND,
    FALLBACK_REQUIRES,
    BuildRequirements,
    SdistCache,
    SdistError,
    SdistHashMismatchError,
    SdistNotCachedError,
    SdistReader,
    SdistRequest,
    build_requirements,
    read_sdist,
)
from requests.adapters import BaseAdapter

from .fake_index import RangeServer

BASE = "https://files.example.org/packages/"

HATCH_PYPROJECT = b"""\
[build-system]
requires = ["hatchling>=1.18", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "demo"
dynamic = ["version"]
"""

FLIT_PYPROJECT = b"""\
[build-system]
requires = ["flit_core >=3.2,<4"]
build-backend = "flit_core.buildapi"
"""

NO_BUILD_SYSTEM_PYPROJECT = b"""\
[tool.black]
line-length = 100
"""

SETUP_PY = b"from setuptools import setup\nsetup()\n"

FALLBACK_SETUP_PY = BuildRequirements(FALLBACK_REQUIRES, FALLBACK_BACKEND, "setup.py")
HATCH = BuildRequirements(("hatchling>=1.18", "hatch-vcs"), "hatchling.build", "pyproject.toml")


# --- building and serving sdists ------------------------------------------------


def make_tar(path: Path, members: Mapping[str, bytes], mode: str = "w:gz") -> bytes:
    """Write a tar archive of regular files, returning its bytes."""
    with tarfile.open(path, mode) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return path.read_bytes()


def make_zip(path: Path, members: Mapping[str, bytes]) -> bytes:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path.read_bytes()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class FakeIndex(BaseAdapter):
    """A transport adapter serving fixed bytes per URL, counting requests."""

    def __init__(self) -> None:
        super().__init__()
        self.files: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.requested: list[str] = []
        self._lock = threading.Lock()

    def add(self, filename: str, data: bytes, headers: Mapping[str, str] | None = None) -> SdistRequest:
        url = BASE + filename
        self.files[url] = (data, dict(headers or {}))
        return SdistRequest(url, filename, sha256(data))

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ANN001
        with self._lock:
            self.requested.append(request.url)
        data, headers = self.files.get(request.url, (b"not found", {}))
        status = 200 if request.url in self.files else 404
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(data),
            headers={"Content-Length": str(len(data)), **headers},
            status=status,
            preload_content=False,
        )
        response = requests.Response()
        response.status_code = status
        response.headers = requests.structures.CaseInsensitiveDict(raw.headers)
        response.raw = raw
        response.url = request.url
        response.request = request
        response.reason = "OK" if status == 200 else "Not Found"
        return response

    def close(self) -> None:
        pass


class NoNetwork(BaseAdapter):
    """A transport adapter that fails the test on any request."""

    def send(self, request, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        raise AssertionError(f"unexpected request for {request.url}")

    def close(self) -> None:
        pass


def session_for(adapter: BaseAdapter) -> requests.Session:
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


@pytest.fixture
def index() -> FakeIndex:
    return FakeIndex()


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def run(
    reqs: list[SdistRequest], cache_dir: Path, adapter: BaseAdapter, **kwargs: object
) -> dict[str, BuildRequirements]:
    return build_requirements(
        reqs, cache_dir=cache_dir, offline=False, session=session_for(adapter), **kwargs
    )


# --- what is read -------------------------------------------------------------------


def test_tar_gz_with_hatchling(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_tar(
        tmp_path / "demo-1.0.tar.gz",
        {"demo-1.0/pyproject.toml": HATCH_PYPROJECT, "demo-1.0/demo/__init__.py": b""},
    )
    req = index.add("demo-1.0.tar.gz", data)

    assert run([req], cache_dir, index) == {req.sha256: HATCH}
    entry = json.loads((cache_dir / "sdist" / req.sha256[:2] / f"{req.sha256}.json").read_text())
    assert entry == {
        "format": 1,
        "sha256": req.sha256,
        "filename": "demo-1.0.tar.gz",
        "requires": ["hatchling>=1.18", "hatch-vcs"],
        "build-backend": "hatchling.build",
        "source": "pyproject.toml",
    }


def test_zip(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_zip(
        tmp_path / "flitdemo-2.0.zip",
        {"flitdemo-2.0/pyproject.toml": FLIT_PYPROJECT, "flitdemo-2.0/flitdemo.py": b""},
    )
    req = index.add("flitdemo-2.0.zip", data)
    assert run([req], cache_dir, index)[req.sha256] == BuildRequirements(
        ("flit_core >=3.2,<4",), "flit_core.buildapi", "pyproject.toml"
    )


@pytest.mark.parametrize(
    ("filename", "mode"),
    [("d-1.tgz", "w:gz"), ("d-1.tar.bz2", "w:bz2"), ("d-1.tar.xz", "w:xz"), ("d-1.tar", "w")],
)
def test_other_tar_compressions(
    tmp_path: Path, index: FakeIndex, cache_dir: Path, filename: str, mode: str
) -> None:
    data = make_tar(tmp_path / filename, {"d-1/pyproject.toml": HATCH_PYPROJECT}, mode)
    req = index.add(filename, data)
    assert run([req], cache_dir, index)[req.sha256] == HATCH


def test_without_pyproject_falls_back_to_setuptools(
    tmp_path: Path, index: FakeIndex, cache_dir: Path
) -> None:
    data = make_tar(tmp_path / "old-0.1.tar.gz", {"old-0.1/setup.py": SETUP_PY, "old-0.1/PKG-INFO": b""})
    req = index.add("old-0.1.tar.gz", data)
    result = run([req], cache_dir, index)[req.sha256]
    assert result == FALLBACK_SETUP_PY
    assert result.requires == ("setuptools>=40.8.0",)
    assert result.backend == "setuptools.build_meta:__legacy__"
    assert not result.declared


def test_without_build_system_table(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_zip(
        tmp_path / "tool-3.zip",
        {"tool-3/pyproject.toml": NO_BUILD_SYSTEM_PYPROJECT, "tool-3/setup.py": SETUP_PY},
    )
    req = index.add("tool-3.zip", data)
    assert run([req], cache_dir, index)[req.sha256] == FALLBACK_SETUP_PY


def test_setup_cfg_only(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_tar(tmp_path / "cfg-1.tar.gz", {"cfg-1/setup.cfg": b"[metadata]\nname = cfg\n"})
    req = index.add("cfg-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == BuildRequirements(
        FALLBACK_REQUIRES, FALLBACK_BACKEND, "setup.cfg"
    )


@pytest.mark.parametrize(
    "pyproject",
    [
        pytest.param(b"[build-system\nrequires = [", id="not-toml"),
        pytest.param(b"\xff\xfe[build-system]\n", id="not-utf8"),
        pytest.param(b'[build-system]\nrequires = "setuptools"\n', id="requires-not-list"),
        pytest.param(b'[build-system]\nbuild-backend = "x"\n', id="requires-missing"),
        pytest.param(b"[build-system]\nrequires = [1]\n", id="requires-not-strings"),
        pytest.param(b"[build-system]\nrequires = []\nbuild-backend = 3\n", id="backend-not-string"),
        pytest.param(b'build-system = "setuptools"\n', id="not-a-table"),
    ],
)
def test_broken_pyproject_falls_back(
    tmp_path: Path, index: FakeIndex, cache_dir: Path, pyproject: bytes
) -> None:
    data = make_tar(
        tmp_path / "bad-1.tar.gz", {"bad-1/pyproject.toml": pyproject, "bad-1/setup.py": SETUP_PY}
    )
    req = index.add("bad-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == BuildRequirements(
        FALLBACK_REQUIRES, FALLBACK_BACKEND, "pyproject.toml (unreadable)"
    )


def test_backend_absent_and_empty_requires(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_tar(tmp_path / "nb-1.tar.gz", {"nb-1/pyproject.toml": b"[build-system]\nrequires = []\n"})
    req = index.add("nb-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == BuildRequirements((), None, "pyproject.toml")


def test_only_the_top_level_pyproject_counts(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    # Listed first so a reader taking the first pyproject.toml it meets fails.
    data = make_tar(
        tmp_path / "nest-1.tar.gz",
        {
            "nest-1/tests/data/pyproject.toml": FLIT_PYPROJECT,
            "nest-1/vendor/x/pyproject.toml": FLIT_PYPROJECT,
            "nest-1/setup.py": SETUP_PY,
        },
    )
    req = index.add("nest-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == FALLBACK_SETUP_PY


def test_leading_dot_slash_and_directory_members(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    path = tmp_path / "dots-1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        top = tarfile.TarInfo("./dots-1/")
        top.type = tarfile.DIRTYPE
        tar.addfile(top)
        info = tarfile.TarInfo("./dots-1/pyproject.toml")
        info.size = len(HATCH_PYPROJECT)
        tar.addfile(info, io.BytesIO(HATCH_PYPROJECT))
    req = index.add("dots-1.tar.gz", path.read_bytes())
    assert run([req], cache_dir, index)[req.sha256] == HATCH


def test_flat_archive(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_zip(tmp_path / "flat-1.zip", {"pyproject.toml": FLIT_PYPROJECT, "src/flat/__init__.py": b""})
    req = index.add("flat-1.zip", data)
    assert run([req], cache_dir, index)[req.sha256].backend == "flit_core.buildapi"


def test_several_top_level_directories(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    # macOS's archiver adds __MACOSX/ beside the project's directory.
    data = make_zip(
        tmp_path / "mac-1.zip",
        {"__MACOSX/mac-1/._pyproject.toml": b"\0", "mac-1/pyproject.toml": HATCH_PYPROJECT},
    )
    req = index.add("mac-1.zip", data)
    assert run([req], cache_dir, index)[req.sha256] == HATCH

    data = make_zip(tmp_path / "two-1.zip", {"a/pyproject.toml": HATCH_PYPROJECT, "b/setup.py": SETUP_PY})
    req = index.add("two-1.zip", data)
    with pytest.raises(SdistError, match=r"two-1\.zip: no single top-level directory \(found a, b\)"):
        run([req], cache_dir, index)


def test_pyproject_symlink_is_unreadable(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    path = tmp_path / "ln-1.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        link = tarfile.TarInfo("ln-1/pyproject.toml")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    req = index.add("ln-1.tar.gz", path.read_bytes())
    assert run([req], cache_dir, index)[req.sha256].source == "pyproject.toml (unreadable)"


def test_oversized_pyproject_is_unreadable(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    huge = HATCH_PYPROJECT + b"#" * (2 << 20)
    data = make_zip(tmp_path / "big-1.zip", {"big-1/pyproject.toml": huge})
    req = index.add("big-1.zip", data)
    assert run([req], cache_dir, index)[req.sha256].source == "pyproject.toml (unreadable)"


# --- safety -------------------------------------------------------------------------


def test_unsafe_member_names_are_never_written_or_trusted(
    tmp_path: Path, index: FakeIndex, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    workdir = tmp_path / "work" / "deeper"
    workdir.mkdir(parents=True)
    monkeypatch.chdir(workdir)
    target = tmp_path / "absolute-target"
    evil = b"[build-system]\nrequires = ['evil']\nbuild-backend = 'evil'\n"
    data = make_tar(
        tmp_path / "safe-1.tar.gz",
        {
            str(target / "evil"): b"owned",
            f"{target}/pyproject.toml": evil,
            "/pyproject.toml": evil,
            "../evil-parent": b"owned",
            "../../evil-grandparent": b"owned",
            "safe-1/../../evil-sneaky": b"owned",
            "../pyproject.toml": evil,
            "safe-1/../pyproject.toml": evil,
            "safe-1/pyproject.toml": HATCH_PYPROJECT,
        },
    )
    with tarfile.open(tmp_path / "safe-1.tar.gz") as tar:  # the names survive as written
        names = set(tar.getnames())
        assert {str(target / "evil"), "/pyproject.toml", "../evil-parent"} <= names
    req = index.add("safe-1.tar.gz", data)
    before = sorted(p for p in tmp_path.rglob("*") if p.name != "safe-1.tar.gz")

    assert run([req], cache_dir, index)[req.sha256] == HATCH

    after = sorted(p for p in tmp_path.rglob("*") if p.name != "safe-1.tar.gz")
    created = [p for p in after if p not in before and p != cache_dir and cache_dir not in p.parents]
    assert created == []
    assert not target.exists()
    assert not any(tmp_path.rglob("evil*"))


def test_no_temporary_files_remain(
    tmp_path: Path, index: FakeIndex, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(tmp))
    good = index.add("t-1.tar.gz", make_tar(tmp_path / "t-1.tar.gz", {"t-1/pyproject.toml": HATCH_PYPROJECT}))
    bad = SdistRequest(good.url, "t-1.tar.gz", "0" * 64)
    run([good], cache_dir, index)
    with pytest.raises(SdistHashMismatchError):
        run([bad], cache_dir, index)
    assert list(tmp.iterdir()) == []


# --- downloads and errors -------------------------------------------------------


def test_hash_mismatch(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    data = make_tar(tmp_path / "m-1.tar.gz", {"m-1/pyproject.toml": HATCH_PYPROJECT})
    served = index.add("m-1.tar.gz", data)
    wanted = "ab" * 32
    with pytest.raises(SdistHashMismatchError) as excinfo:
        run([SdistRequest(served.url, "m-1.tar.gz", wanted)], cache_dir, index)
    message = str(excinfo.value)
    assert "m-1.tar.gz" in message
    assert served.sha256 in message and wanted in message
    assert isinstance(excinfo.value, Lock2NixError)
    assert not (cache_dir / "sdist").exists() or not any((cache_dir / "sdist").rglob("*.json"))


def test_content_encoding_is_not_undone(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    # Some servers label .tar.gz files "Content-Encoding: gzip"; the hash is of
    # the file as stored, not of the tar inside.
    data = make_tar(tmp_path / "ce-1.tar.gz", {"ce-1/pyproject.toml": HATCH_PYPROJECT})
    req = index.add("ce-1.tar.gz", data, {"Content-Encoding": "gzip"})
    assert run([req], cache_dir, index)[req.sha256] == HATCH


def test_http_error(index: FakeIndex, cache_dir: Path) -> None:
    req = SdistRequest(BASE + "gone-1.tar.gz", "gone-1.tar.gz", "1" * 64)
    with pytest.raises(SdistError, match=r"could not download gone-1\.tar\.gz from .*404"):
        run([req], cache_dir, index)


def test_not_an_archive(index: FakeIndex, cache_dir: Path) -> None:
    data = b"this is not gzip"
    req = index.add("junk-1.tar.gz", data)
    with pytest.raises(SdistError, match=r"could not read junk-1\.tar\.gz"):
        run([req], cache_dir, index)
    req = index.add("junk-1.zip", data)
    with pytest.raises(SdistError, match=r"could not read junk-1\.zip"):
        run([req], cache_dir, index)


def test_wheel_is_refused_before_any_download(cache_dir: Path) -> None:
    req = SdistRequest(BASE + "w-1-py3-none-any.whl", "w-1-py3-none-any.whl", "2" * 64)
    with pytest.raises(SdistError, match=r"w-1-py3-none-any\.whl is not an sdist archive"):
        run([req], cache_dir, NoNetwork())


def test_bad_sha256_in_request() -> None:
    with pytest.raises(ValueError, match="not a hex sha256"):
        SdistRequest(BASE + "x-1.tar.gz", "x-1.tar.gz", "abc")
    assert SdistRequest(BASE + "x-1.tar.gz", "x-1.tar.gz", "AB" * 32).sha256 == "ab" * 32


def test_offline_miss(cache_dir: Path) -> None:
    reqs = [
        SdistRequest(BASE + "off-1.tar.gz", "off-1.tar.gz", "3" * 64),
        SdistRequest(BASE + "off-2.tar.gz", "off-2.tar.gz", "4" * 64),
    ]
    with pytest.raises(SdistNotCachedError) as excinfo:
        build_requirements(reqs, cache_dir=cache_dir, offline=True, session=session_for(NoNetwork()))
    message = str(excinfo.value)
    assert "off-1.tar.gz" in message and "3" * 64 in message
    assert "1 more" in message
    assert "without --offline" in message and "--no-detect" in message


def test_cache_hit_makes_no_request(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    req = index.add(
        "hit-1.tar.gz", make_tar(tmp_path / "hit-1.tar.gz", {"hit-1/pyproject.toml": HATCH_PYPROJECT})
    )
    first = run([req], cache_dir, index)
    assert index.requested == [req.url]

    for offline in (False, True):
        again = build_requirements(
            [req], cache_dir=cache_dir, offline=offline, session=session_for(NoNetwork())
        )
        assert again == first


def test_cache_hit_imports_nothing_heavy(tmp_path: Path, cache_dir: Path) -> None:
    sha = "5" * 64
    SdistCache(cache_dir).store(sha, "cold-1.tar.gz", HATCH)
    code = f"""
import sys
from pathlib import Path
from lock2nix.resolve.sdist import SdistRequest, build_requirements
r = build_requirements([SdistRequest("{BASE}cold-1.tar.gz", "cold-1.tar.gz", "{sha}")],
                       cache_dir=Path({str(cache_dir)!r}), offline=False)
print(r["{sha}"].backend)
print(sorted(m for m in ("requests", "urllib3", "tarfile", "zipfile", "tomllib", "tomli",
                         "concurrent.futures") if m in sys.modules))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["hatchling.build", "[]"]


def test_damaged_cache_entry_is_a_miss(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    req = index.add(
        "dmg-1.tar.gz", make_tar(tmp_path / "dmg-1.tar.gz", {"dmg-1/pyproject.toml": HATCH_PYPROJECT})
    )
    cache = SdistCache(cache_dir)
    for damaged in ('{"format": 1, "sha256": ', '{"format": 99}', '{"format": 1, "requires": 3}', "[]"):
        cache.path(req.sha256).parent.mkdir(parents=True, exist_ok=True)
        cache.path(req.sha256).write_text(damaged)
        assert cache.load(req.sha256) is None
    assert run([req], cache_dir, index)[req.sha256] == HATCH
    assert cache.load(req.sha256) == HATCH


def test_many_in_parallel_each_downloaded_once(tmp_path: Path, index: FakeIndex, cache_dir: Path) -> None:
    reqs = []
    for i in range(12):
        name = f"p{i}-1.0"
        pyproject = b'[build-system]\nrequires = ["pkg%d"]\n' % i
        reqs.append(
            index.add(
                f"{name}.tar.gz", make_tar(tmp_path / f"{name}.tar.gz", {f"{name}/pyproject.toml": pyproject})
            )
        )
    result = run(reqs + reqs[:3], cache_dir, index, max_workers=4)
    assert {sha: r.requires for sha, r in result.items()} == {
        r.sha256: (f"pkg{i}",) for i, r in enumerate(reqs)
    }
    assert sorted(index.requested) == sorted(r.url for r in reqs)


def test_first_error_in_request_order_and_others_cached(
    tmp_path: Path, index: FakeIndex, cache_dir: Path
) -> None:
    good = [
        index.add(
            f"g{i}-1.tar.gz",
            make_tar(tmp_path / f"g{i}-1.tar.gz", {f"g{i}-1/pyproject.toml": HATCH_PYPROJECT + b"#%d" % i}),
        )
        for i in range(4)
    ]
    missing = [
        SdistRequest(BASE + f"missing{i}-1.tar.gz", f"missing{i}-1.tar.gz", f"{i}" * 64) for i in (6, 7)
    ]
    with pytest.raises(SdistError, match="missing6-1"):
        run([good[0], missing[0], good[1], missing[1], *good[2:]], cache_dir, index, max_workers=1)
    # Sequentially, the work before the failure is kept.
    assert SdistCache(cache_dir).load(good[0].sha256) == HATCH
    with pytest.raises(SdistError, match="missing6-1"):
        run([*good, *missing], cache_dir, index, max_workers=3)
    assert all(SdistCache(cache_dir).load(g.sha256) == HATCH for g in good)


def test_atomic_store_leaves_no_temporary_files(cache_dir: Path) -> None:
    cache = SdistCache(cache_dir)
    cache.store("6" * 64, "a-1.tar.gz", HATCH)
    cache.store("6" * 64, "a-1.tar.gz", FALLBACK_SETUP_PY)
    assert cache.load("6" * 64) == FALLBACK_SETUP_PY
    assert [p.name for p in cache.path("6" * 64).parent.iterdir()] == [f"{'6' * 64}.json"]


# --- recorded data ------------------------------------------------------------------

RECORDED = Path(__file__).parent / "data" / "sdist-cache"


def test_recorded_cache_is_well_formed() -> None:
    paths = sorted(RECORDED.glob("sdist/*/*.json"))
    if not paths:
        pytest.skip("tests/data/sdist-cache not recorded")
    cache = SdistCache(RECORDED)
    for path in paths:
        sha = path.stem
        assert path.parent.name == sha[:2]
        result = cache.load(sha)
        assert result is not None, path
        assert result.source in {"pyproject.toml", "pyproject.toml (unreadable)", "setup.py", "setup.cfg"}
        if not result.declared:
            assert (result.requires, result.backend) == (FALLBACK_REQUIRES, FALLBACK_BACKEND)


# --- live index -----------------------------------------------------------------------


@pytest.mark.network
def test_real_sdist_from_pypi(tmp_path: Path) -> None:
    from lock2nix.resolve.index import PYPI_SIMPLE_URL, FileRequest, IndexClient

    file_req = FileRequest(
        PYPI_SIMPLE_URL,
        "iniconfig",
        "iniconfig-2.0.0.tar.gz",
        "2d91e135bf72d31a410b17c16da610a82cb55f6b0477d1a902134b24a455b8b3",
    )
    found = IndexClient(tmp_path / "index").resolve([file_req])[file_req]
    req = SdistRequest(found.url, file_req.filename, file_req.sha256)
    result = build_requirements([req], cache_dir=tmp_path / "cache", offline=False)
    assert result == {
        req.sha256: BuildRequirements(("hatch-vcs", "hatchling"), "hatchling.build", "pyproject.toml")
    }
    # And now from the cache alone.
    assert build_requirements([req], cache_dir=tmp_path / "cache", offline=True) == result


# --- large archives: read to their pyproject.toml only -------------------------------


class CountingIndex(FakeIndex):
    """A FakeIndex that counts the bytes each response body gave out."""

    def __init__(self) -> None:
        super().__init__()
        self.read: dict[str, int] = {}

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # noqa: ANN001
        response = super().send(request, stream, timeout, verify, cert, proxies)
        body = response.raw._fp
        index, url = self, request.url

        class Counted(io.BytesIO):
            def read(self, n: int | None = -1) -> bytes:  # noqa: D102
                data = super().read(n)
                index.read[url] = index.read.get(url, 0) + len(data)
                return data

        response.raw._fp = Counted(body.getvalue())
        return response


def _large_tar(path: Path, members: Mapping[str, bytes]) -> bytes:
    # Random bytes do not compress: the archive stays as large as its members.
    return make_tar(path, {**members, "big-1/blob.bin": os.urandom(1 << 20)})


def test_a_large_sdist_is_read_to_its_pyproject_only(tmp_path: Path, cache_dir: Path) -> None:
    index = CountingIndex()
    data = _large_tar(tmp_path / "big-1.tar.gz", {"big-1/PKG-INFO": b"Name: big\n", "big-1/pyproject.toml": HATCH_PYPROJECT})
    req = index.add("big-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == HATCH
    assert index.read[req.url] < len(data) // 4, (index.read, len(data))
    assert index.requested == [req.url]


def test_a_large_sdist_read_whole_is_checked(tmp_path: Path, cache_dir: Path) -> None:
    index = CountingIndex()
    data = _large_tar(tmp_path / "big-1.tar.gz", {"big-1/setup.py": SETUP_PY})
    served = index.add("big-1.tar.gz", data)
    with pytest.raises(SdistHashMismatchError):
        run([SdistRequest(served.url, "big-1.tar.gz", "cd" * 32)], cache_dir, index)


def test_a_large_sdist_without_build_system_is_read_whole(tmp_path: Path, cache_dir: Path) -> None:
    index = CountingIndex()
    data = _large_tar(tmp_path / "big-1.tar.gz", {"big-1/setup.py": SETUP_PY})
    req = index.add("big-1.tar.gz", data)
    assert run([req], cache_dir, index)[req.sha256] == FALLBACK_SETUP_PY
    assert index.read[req.url] >= len(data)
    assert index.requested == [req.url], "one download"


# --- range requests: the head first, the rest when needed -----------------------------

HEAD = 256 << 10  # what the first request asks for; larger sdists may stop at their pyproject.toml


def test_a_small_sdist_comes_in_one_range_request_and_is_checked(tmp_path: Path, cache_dir: Path) -> None:
    data = make_tar(tmp_path / "s-1.tar.gz", {"s-1/pyproject.toml": HATCH_PYPROJECT, "s-1/s.py": b""})
    server = RangeServer({BASE + "s-1.tar.gz": data})
    req = SdistRequest(BASE + "s-1.tar.gz", "s-1.tar.gz", sha256(data))
    assert run([req], cache_dir, server) == {req.sha256: HATCH}
    assert server.asked == [f"bytes=0-{HEAD - 1}"]
    with pytest.raises(SdistHashMismatchError):
        run([SdistRequest(req.url, req.filename, "ab" * 32)], cache_dir, server)


def test_a_large_sdist_with_its_pyproject_in_the_head_needs_no_more(tmp_path: Path, cache_dir: Path) -> None:
    data = _large_tar(tmp_path / "big-1.tar.gz", {"big-1/PKG-INFO": b"Name: big\n", "big-1/pyproject.toml": HATCH_PYPROJECT})
    server = RangeServer({BASE + "big-1.tar.gz": data})
    req = SdistRequest(BASE + "big-1.tar.gz", "big-1.tar.gz", sha256(data))
    assert run([req], cache_dir, server) == {req.sha256: HATCH}
    assert server.asked == [f"bytes=0-{HEAD - 1}"]
    assert server.given == [HEAD], "the answer read to its end: its connection serves the next request"


def test_a_large_sdist_with_its_pyproject_past_the_head(tmp_path: Path, cache_dir: Path) -> None:
    # The incompressible member first: pyproject.toml comes after the head.
    data = make_tar(tmp_path / "late-1.tar.gz", {"late-1/blob.bin": os.urandom(1 << 20),
                                                "late-1/pyproject.toml": HATCH_PYPROJECT})
    server = RangeServer({BASE + "late-1.tar.gz": data})
    req = SdistRequest(BASE + "late-1.tar.gz", "late-1.tar.gz", sha256(data))
    assert run([req], cache_dir, server) == {req.sha256: HATCH}
    assert server.asked == [f"bytes=0-{HEAD - 1}", f"bytes={HEAD}-"]


def test_a_large_sdist_without_build_system_is_read_whole_and_checked(tmp_path: Path, cache_dir: Path) -> None:
    data = _large_tar(tmp_path / "big-1.tar.gz", {"big-1/setup.py": SETUP_PY})
    server = RangeServer({BASE + "big-1.tar.gz": data})
    req = SdistRequest(BASE + "big-1.tar.gz", "big-1.tar.gz", sha256(data))
    assert run([req], cache_dir, server) == {req.sha256: FALLBACK_SETUP_PY}
    assert server.asked == [f"bytes=0-{HEAD - 1}", f"bytes={HEAD}-"]
    assert sum(server.given) == len(data)
    with pytest.raises(SdistHashMismatchError):
        run([SdistRequest(req.url, req.filename, "cd" * 32)], cache_dir, server)


def test_members_that_inflate_a_thousandfold_are_skipped(tmp_path: Path, cache_dir: Path) -> None:
    zeros = bytes(32 << 20)  # 32 MiB of zeros: 32 KiB compressed
    data = make_tar(tmp_path / "z-1.tar.gz", {"z-1/zeros": zeros, "z-1/more": zeros, "z-1/pyproject.toml": HATCH_PYPROJECT})
    server = RangeServer({BASE + "z-1.tar.gz": data})
    req = SdistRequest(BASE + "z-1.tar.gz", "z-1.tar.gz", sha256(data))
    assert run([req], cache_dir, server) == {req.sha256: HATCH}


def test_a_truncated_sdist_is_unreadable(tmp_path: Path, cache_dir: Path) -> None:
    whole = make_tar(tmp_path / "cut-1.tar.gz", {"cut-1/setup.py": SETUP_PY, "cut-1/blob": os.urandom(100_000)})
    data = whole[: len(whole) // 2]
    server = RangeServer({BASE + "cut-1.tar.gz": data})
    with pytest.raises(SdistError, match=r"could not read cut-1\.tar\.gz"):
        run([SdistRequest(BASE + "cut-1.tar.gz", "cut-1.tar.gz", sha256(data))], cache_dir, server)
    # Not the file the lock pins: that is the error, not the archive.
    with pytest.raises(SdistHashMismatchError):
        run([SdistRequest(BASE + "cut-1.tar.gz", "cut-1.tar.gz", sha256(whole))], cache_dir, server)


def test_read_sdist_reads_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "loc-1.tar.gz"
    make_tar(path, {"loc-1/setup.cfg": b"[metadata]\n"})
    assert read_sdist(path, path.name).source == "setup.cfg"
    zip_path = tmp_path / "loc-1.zip"
    make_zip(zip_path, {"loc-1/pyproject.toml": FLIT_PYPROJECT})
    assert read_sdist(zip_path, zip_path.name).backend == "flit_core.buildapi"


# --- many sdists: worker processes -----------------------------------------------------


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_many_sdists_are_read_in_worker_processes(tmp_path: Path, cache_dir: Path, fake) -> None:  # noqa: ANN001
    from .fake_index import FILES, INDEX

    reqs = []
    for i in range(10):
        data = make_tar(tmp_path / f"w{i}-1.tar.gz", {f"w{i}-1/pyproject.toml": b'[build-system]\nrequires = ["w%d"]\n' % i})
        fake.add(INDEX, f"w{i}", f"w{i}-1.tar.gz", data)
        reqs.append(SdistRequest(f"{FILES}w{i}/w{i}-1.tar.gz", f"w{i}-1.tar.gz", sha256(data)))
    gone = SdistRequest(f"{FILES}gone/gone-1.tar.gz", "gone-1.tar.gz", "7" * 64)
    assert threading.active_count() == 1
    with SdistReader(cache_dir, expected=len(reqs)) as reader:
        assert reader.in_processes
        futures = [reader.submit(req) for req in reqs]
        failing = reader.submit(gone)
        assert [f.result().requires for f in futures] == [(f"w{i}",) for i in range(10)]
        with pytest.raises(SdistError, match=r"could not download gone-1\.tar\.gz .*404"):
            failing.result()
    # The workers cached their answers.
    assert [SdistCache(cache_dir).load(r.sha256).requires for r in reqs] == [(f"w{i}",) for i in range(10)]


def test_with_other_threads_running_sdists_are_read_in_threads(cache_dir: Path, fake) -> None:  # noqa: ANN001
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        with SdistReader(cache_dir, expected=20) as reader:
            assert not reader.in_processes  # fork() with threads running is unsafe
    finally:
        release.set()
        other.join()
    with SdistReader(cache_dir, expected=2) as reader:
        assert not reader.in_processes  # too few to pay for starting processes

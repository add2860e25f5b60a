"""Reading ahead: a cold run's fetches all at once, before the steps of resolution.

A poetry.lock naming files on a fake index (``tests/fake_index.py``, PEP 691
pages and files with range support) is resolved with and without reading
ahead; the results must be the same, each file fetched once, and errors
reported as the steps report them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("requests")
pytest.importorskip("pypi_simple")

import lock2nix.resolve.ahead as ahead_module  # noqa: E402
from lock2nix.errors import Lock2NixError  # noqa: E402
from lock2nix.model import Lock  # noqa: E402
from lock2nix.parsers import parse  # noqa: E402
from lock2nix.resolve import Settings, resolve  # noqa: E402
from lock2nix.resolve.ahead import read_ahead  # noqa: E402
from lock2nix.resolve.hashing import GitHashCache  # noqa: E402
from lock2nix.resolve.index import IndexClient  # noqa: E402
from lock2nix.resolve.sdist import SdistCache  # noqa: E402

from .fake_index import FILES, INDEX, make_sdist, make_wheel, metadata_text, sha  # noqa: E402

PYPROJECT = b'[build-system]\nrequires = ["flit_core>=3.2"]\nbuild-backend = "flit_core.buildapi"\n'


def add_release(fake, name: str, version: str = "1.0") -> tuple[bytes, bytes]:  # noqa: ANN001
    """A wheel and an sdist of ``name`` on the fake index; returns their bytes."""
    wheel = make_wheel(name, version, metadata_text(name, version))
    sdist = make_sdist(name, version, {"pyproject.toml": PYPROJECT, "PKG-INFO": metadata_text(name, version)})
    fake.add(INDEX, name, f"{name}-{version}-py3-none-any.whl", wheel)
    fake.add(INDEX, name, f"{name}-{version}.tar.gz", sdist)
    return wheel, sdist


def poetry_lock(tmp_path: Path, packages: dict[str, tuple[bytes, bytes]], extra: str = "") -> Lock:
    blocks = []
    for name, (wheel, sdist) in packages.items():
        blocks.append(f"""[[package]]
name = "{name}"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = [
    {{file = "{name}-1.0-py3-none-any.whl", hash = "sha256:{sha(wheel)}"}},
    {{file = "{name}-1.0.tar.gz", hash = "sha256:{sha(sdist)}"}},
]

[package.source]
type = "legacy"
url = "{INDEX}"
reference = "mirror"
""")
    text = "\n".join(blocks) + extra + '\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.9"\ncontent-hash = "x"\n'
    (tmp_path / "poetry.lock").write_text(text)
    return parse("poetry.lock", text.encode(), directory=tmp_path)


def test_reading_ahead_gives_what_the_steps_alone_give_fetching_each_file_once(
    tmp_path: Path, fake, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    lock = poetry_lock(tmp_path, {name: add_release(fake, name) for name in ("alpha", "beta", "gamma")})
    ahead = resolve(lock, Settings(cache_dir=tmp_path / "ahead"))
    fetched = fake.urls()
    assert sorted(fetched) == sorted(
        [f"{INDEX}{n}/" for n in ("alpha", "beta", "gamma")] + [f"{FILES}{n}/{n}-1.0.tar.gz" for n in ("alpha", "beta", "gamma")]
    ), "one request per page and per (small) sdist"

    fake.sent.clear()
    monkeypatch.setattr(ahead_module, "read_ahead", lambda *args, **kwargs: None)
    alone = resolve(lock, Settings(cache_dir=tmp_path / "alone"))
    assert alone == ahead
    assert sorted(fake.urls()) == sorted(fetched)
    builds = {p.name: p.build_system.backend for p in ahead.packages}
    assert builds == {"alpha": "flit_core.buildapi", "beta": "flit_core.buildapi", "gamma": "flit_core.buildapi"}


def test_a_warm_cache_is_not_read_ahead(tmp_path: Path, fake) -> None:  # noqa: ANN001
    lock = poetry_lock(tmp_path, {"alpha": add_release(fake, "alpha")})
    cache = tmp_path / "cache"
    resolve(lock, Settings(cache_dir=cache))
    fake.sent.clear()
    read_ahead(lock, IndexClient(cache), cache, build_systems=True)
    assert fake.sent == []


def test_an_sdist_whose_page_is_cached_is_read_ahead(tmp_path: Path, fake) -> None:  # noqa: ANN001
    packages = {name: add_release(fake, name) for name in ("alpha", "beta")}
    lock = poetry_lock(tmp_path, packages)
    cache = tmp_path / "cache"
    resolve(lock, Settings(cache_dir=cache, detect_build_systems=False))  # pages only
    IndexClient(cache).cache.path(INDEX, "beta").unlink()
    fake.sent.clear()
    read_ahead(lock, IndexClient(cache), cache, build_systems=True)
    assert sorted(fake.urls()) == [f"{FILES}alpha/alpha-1.0.tar.gz", f"{FILES}beta/beta-1.0.tar.gz", f"{INDEX}beta/"]
    assert all(SdistCache(cache).load(sha(sdist)) is not None for _, sdist in packages.values())


def test_errors_are_reported_by_the_steps_as_without_reading_ahead(
    tmp_path: Path, fake, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    packages = {"alpha": add_release(fake, "alpha")}
    ghost_wheel = make_wheel("ghost", "1.0", metadata_text("ghost", "1.0"))
    packages["ghost"] = (ghost_wheel, b"never served")  # no page on the index
    lock = poetry_lock(tmp_path, packages)
    with pytest.raises(Lock2NixError) as ahead:
        resolve(lock, Settings(cache_dir=tmp_path / "ahead"))
    monkeypatch.setattr(ahead_module, "read_ahead", lambda *args, **kwargs: None)
    with pytest.raises(Lock2NixError) as alone:
        resolve(lock, Settings(cache_dir=tmp_path / "alone"))
    assert str(ahead.value) == str(alone.value)
    assert "ghost" in str(ahead.value) and "404" in str(ahead.value)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def test_git_checkouts_are_hashed_meanwhile(tmp_path: Path, fake) -> None:  # noqa: ANN001
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    (repo / "pyproject.toml").write_text('[project]\nname = "tool"\nversion = "0.1"\n')
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "one")
    commit = git(repo, "rev-parse", "HEAD")
    extra = f"""
[[package]]
name = "tool"
version = "0.1"
description = ""
optional = false
python-versions = "*"
files = []

[package.source]
type = "git"
url = "file://{repo}"
reference = "HEAD"
resolved_reference = "{commit}"
"""
    lock = poetry_lock(tmp_path, {"alpha": add_release(fake, "alpha")}, extra)
    cache = tmp_path / "cache"
    read_ahead(lock, IndexClient(cache), cache, build_systems=True)
    assert GitHashCache(cache).get(f"file://{repo}", commit, False) is not None
    # The steps now need neither the index nor the repository.
    resolved = resolve(lock, Settings(cache_dir=cache, offline=True))
    assert {p.name for p in resolved.packages} == {"alpha", "tool"}


def test_pages_come_first_then_sdists_largest_first(tmp_path: Path, fake) -> None:  # noqa: ANN001
    packages = {}
    for name, padding in (("small", 1_000), ("large", 100_000), ("medium", 30_000)):
        wheel = make_wheel(name, "1.0", metadata_text(name, "1.0"))
        sdist = make_sdist(name, "1.0", {"pyproject.toml": PYPROJECT, "pad.bin": os.urandom(padding)})
        fake.add(INDEX, name, f"{name}-1.0-py3-none-any.whl", wheel)
        fake.add(INDEX, name, f"{name}-1.0.tar.gz", sdist)["size"] = len(sdist)  # PEP 700
        packages[name] = (wheel, sdist)
    lock = poetry_lock(tmp_path, packages)
    cache = tmp_path / "cache"
    read_ahead(lock, IndexClient(cache), cache, build_systems=True, at_once=1)  # one at a time: in order
    fetched = fake.urls()
    assert sorted(fetched[:3]) == [f"{INDEX}large/", f"{INDEX}medium/", f"{INDEX}small/"]
    assert fetched[3:] == [
        f"{FILES}large/large-1.0.tar.gz", f"{FILES}medium/medium-1.0.tar.gz", f"{FILES}small/small-1.0.tar.gz"
    ]


def _die(*args: object) -> None:
    os._exit(3)  # a worker process killed, as the kernel's OOM killer would


@pytest.mark.skipif(sys.platform != "linux", reason="worker processes are forked on Linux only")
def test_a_worker_process_that_dies_leaves_the_work_to_the_steps(
    tmp_path: Path, fake, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    if threading.active_count() > 1:
        pytest.skip("other threads: the work would run in threads, where _die would end the tests")
    lock = poetry_lock(tmp_path, {f"p{i}": add_release(fake, f"p{i}") for i in range(8)})
    monkeypatch.setattr(ahead_module, "_page", _die)
    resolved = resolve(lock, Settings(cache_dir=tmp_path / "cache"))
    assert {p.name: p.build_system.backend for p in resolved.packages} == {f"p{i}": "flit_core.buildapi" for i in range(8)}

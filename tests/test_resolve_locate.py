"""Finding locked files on indexes (by name, by hash, by version) and pinning unhashed URLs.

A fake index (``tests/fake_index.py``) is served through a ``requests``
transport adapter; the tests marked ``network`` use the live PyPI.
"""

from __future__ import annotations

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("pypi_simple")

import json
from pathlib import Path

from lock2nix.errors import Lock2NixError
from lock2nix.model import IndexSource, Lock, Package
from lock2nix.parsers import parse
from lock2nix.resolve import Settings, resolve
from lock2nix.resolve.locate import url_sha256
from lock2nix.resolve import index as index_mod
from lock2nix.resolve.index import LISTED, NO_PROJECT, NOT_CACHED, HashRequest, IndexClient
from lock2nix.resolve.locate import locate_hashed
from lock2nix.resolve.metadata import MetadataCache

from .fake_index import FILES, INDEX, OTHER, make_sdist, make_wheel, metadata_text, sha

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

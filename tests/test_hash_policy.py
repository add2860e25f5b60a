"""Hash policy: every source is pinned by a sha256 (SRI in the overlay), or refused.

* files with no hash, or only md5/sha1, are refused (exit 2, one line naming the
  lock and the entry) unless ``--allow-insecure-hashes``, which leaves them out
  with a warning (a package left with no usable file is still refused);
* the fetchers the overlay calls are realised: a locally served artifact with
  the locked hash builds, the same artifact under a wrong hash fails in Nix
  (offline, ``file://``); with the network, a sample of real PyPI artifacts of
  the example project is downloaded and checked against the lock.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix import cli
from lock2nix.resolve.index import IndexCache, IndexFile

from .conftest import REPO
from .nixeval import NixError, build, eval_json, lock_set, nix_str

INDEX = "https://example.org/simple/"
GOOD = hashlib.sha256(b"wheel").hexdigest()


def translate(lock: Path, cache: Path, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--offline", "--no-detect", "--cache-dir", str(cache), *options, str(lock)])
    return code, out.getvalue(), err.getvalue()


def lock_with(files: list[str], *, version: str = "2.0") -> str:
    """A lock of one package 'demo' 1.0 from a private index, with these file entries."""
    if version == "2.0":
        return (
            '[[package]]\nname = "demo"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\n'
            f"files = [\n{''.join(f'    {f},{chr(10)}' for f in files)}]\n\n"
            f'[package.source]\ntype = "legacy"\nurl = "{INDEX}"\nreference = "example"\n\n'
            '[metadata]\nlock-version = "2.0"\npython-versions = "*"\ncontent-hash = "0"\n'
        )
    # lock 1.1: hashes under [metadata.files]
    return (
        '[[package]]\nname = "demo"\nversion = "1.0"\ndescription = ""\ncategory = "main"\noptional = false\n'
        'python-versions = "*"\n\n'
        f'[package.source]\ntype = "legacy"\nurl = "{INDEX}"\nreference = "example"\n\n'
        '[metadata]\nlock-version = "1.1"\npython-versions = "*"\ncontent-hash = "0"\n\n'
        f"[metadata.files]\ndemo = [\n{''.join(f'    {f},{chr(10)}' for f in files)}]\n"
    )


WHEEL = f'{{file = "demo-1.0-py3-none-any.whl", hash = "sha256:{GOOD}"}}'
INSECURE = {
    "md5": '{file = "demo-1.0.tar.gz", hash = "md5:d41d8cd98f00b204e9800998ecf8427e"}',
    "sha1": '{file = "demo-1.0.tar.gz", hash = "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709"}',
    "no hash": '{file = "demo-1.0.tar.gz"}',
    "empty hash": '{file = "demo-1.0.tar.gz", hash = ""}',
}


@pytest.fixture
def cache(tmp_path) -> Path:
    cache = tmp_path / "cache"
    IndexCache(cache).store(
        INDEX,
        "demo",
        [IndexFile("demo-1.0-py3-none-any.whl", "https://files.example.org/demo-1.0-py3-none-any.whl", GOOD)],
    )
    return cache


@pytest.mark.parametrize("lock_version", ["2.0", "1.1"])
@pytest.mark.parametrize("kind", sorted(INSECURE))
def test_insecure_or_missing_hashes_are_refused(tmp_path, cache, kind, lock_version) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text(lock_with([WHEEL, INSECURE[kind]], version=lock_version))
    code, out, err = translate(lock, cache)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1, err
    assert f"{lock}:2: package 'demo' (1.0): file 'demo-1.0.tar.gz' has" in err, err
    assert ("no hash" if "hash" in kind else f"only an {kind} hash") in err, err
    assert "--allow-insecure-hashes" in err


@pytest.mark.parametrize("lock_version", ["2.0", "1.1"])
@pytest.mark.parametrize("kind", sorted(INSECURE))
def test_allowed_insecure_files_are_left_out_with_a_warning(tmp_path, cache, kind, lock_version) -> None:
    lock = tmp_path / "poetry.lock"
    lock.write_text(lock_with([WHEEL, INSECURE[kind]], version=lock_version))
    code, out, err = translate(lock, cache, "--allow-insecure-hashes")
    assert code == 0, err
    assert err.startswith(f"lock2nix: warning: {lock}: package 'demo' (1.0): left out"), err
    assert "demo-1.0.tar.gz" in err and len(err.splitlines()) == 1
    # Only the pinned wheel is in the overlay: no sdist attribute, no hash but the SRI one.
    assert "demo-1.0.tar.gz" not in out and "sdist =" not in out
    assert re.findall(r'hash = "([^"]*)"', out) == ["sha256-" + base64.b64encode(bytes.fromhex(GOOD)).decode()]


@pytest.mark.parametrize("files", [[INSECURE["md5"], INSECURE["no hash"].replace("tar.gz", "zip")], []])
def test_a_package_without_any_usable_file_takes_the_index_files_when_allowed(tmp_path, cache, files) -> None:
    """No file with a sha256 (or none at all): refused naming the option; with it, the
    files of that version as the index lists them, pinned by the index's sha256."""
    lock = tmp_path / "poetry.lock"
    lock.write_text(lock_with(files))
    code, out, err = translate(lock, cache)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"lock2nix: error: {lock}:2: package 'demo' (1.0): "), err
    assert "--allow-insecure-hashes" in err

    code, out, err = translate(lock, cache, "--allow-insecure-hashes")
    assert code == 0, err
    assert f"{lock}: no usable file is locked for package 'demo' (1.0); taking the files of these versions from {INDEX}" in err
    assert "demo-1.0-py3-none-any.whl" in out
    assert re.findall(r'hash = "([^"]*)"', out) == ["sha256-" + base64.b64encode(bytes.fromhex(GOOD)).decode()]


def test_files_taken_from_the_index_need_a_sha256_there(tmp_path) -> None:
    """An index that lists the version without a sha256 pins nothing: an error naming the entry."""
    cache = tmp_path / "cache"
    IndexCache(cache).store(INDEX, "demo", [IndexFile("demo-1.0.tar.gz", "https://files.example.org/demo-1.0.tar.gz", None)])
    lock = tmp_path / "poetry.lock"
    lock.write_text(lock_with([]))
    code, out, err = translate(lock, cache, "--allow-insecure-hashes")
    assert code == 2 and out == "", err
    last = err.splitlines()[-1]
    assert last.startswith(f"lock2nix: error: {lock}: package 'demo' (1.0): the lock records no usable file"), last
    assert f"lists no file of demo 1.0 with a sha256" in last


def test_unsupported_and_malformed_hashes_stay_errors_when_allowed(tmp_path, cache) -> None:
    for bad in ('hash = "sha512:abcd"', 'hash = "sha256:1234"', 'hash = "nonsense"', "hash = 5"):
        lock = tmp_path / "poetry.lock"
        lock.write_text(lock_with([WHEEL, f'{{file = "demo-1.0.tar.gz", {bad}}}']))
        code, _, err = translate(lock, cache, "--allow-insecure-hashes")
        assert code == 2 and "left out" not in err, (bad, err)
        assert f"{lock}:2: package 'demo' (1.0): file 'demo-1.0.tar.gz' has" in err, (bad, err)


def test_the_option_is_part_of_the_input_digest(tmp_path, cache) -> None:
    """An overlay made with --allow-insecure-hashes is not 'current' for a run without it."""
    lock = tmp_path / "poetry.lock"
    lock.write_text(lock_with([WHEEL, INSECURE["md5"]]))
    out = str(tmp_path / "overlay.nix")
    assert translate(lock, cache, "--allow-insecure-hashes", "-o", out)[0] == 0
    assert translate(lock, cache, "--allow-insecure-hashes", "-o", out)[0] == 0  # current: nothing to do
    code, _, err = translate(lock, cache, "-o", out)
    assert code == 2 and "only an md5 hash" in err, err


# --- realising the fetchers ----------------------------------------------------------


def served_lock(tmp_path: Path, content: bytes, sha256_hex: str) -> Path:
    """A project whose one package is a url source served from the local file system."""
    artifact = tmp_path / "served" / "demo-1.0.tar.gz"
    artifact.parent.mkdir(parents=True, exist_ok=True)
    artifact.write_bytes(content)
    project = tmp_path / "project"
    project.mkdir()
    lock = project / "poetry.lock"
    lock.write_text(
        '[[package]]\nname = "demo"\nversion = "1.0"\ndescription = ""\noptional = false\npython-versions = "*"\n'
        f'files = [{{file = "demo-1.0.tar.gz", hash = "sha256:{sha256_hex}"}}]\n\n'
        f'[package.source]\ntype = "url"\nurl = "file://{artifact}"\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = "*"\ncontent-hash = "0"\n'
    )
    return lock


def src_of(overlay: Path) -> str:
    pkgs = f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ (import {overlay}) ]; }})"
    return f"{lock_set(pkgs)}.demo.src"


def test_a_locked_source_is_realised_and_a_wrong_hash_fails(tmp_path) -> None:
    content = os.urandom(64)  # new each run: nothing in the store already answers for it
    good = hashlib.sha256(content).hexdigest()
    lock = served_lock(tmp_path / "good", content, good)
    code, _, err = translate(lock, tmp_path / "cache", "-o", str(lock.parent / "overlay.nix"))
    assert code == 0, err
    out = build(src_of(lock.parent / "overlay.nix")).stdout.strip()
    assert Path(out).read_bytes() == content

    wrong = hashlib.sha256(content + b"!").hexdigest()
    lock = served_lock(tmp_path / "wrong", content, wrong)
    code, _, err = translate(lock, tmp_path / "cache", "-o", str(lock.parent / "overlay.nix"))
    assert code == 0, err
    with pytest.raises(NixError, match="hash mismatch in fixed-output derivation"):
        build(src_of(lock.parent / "overlay.nix"))


@pytest.mark.network
@pytest.mark.nixbuild
def test_a_sample_of_real_artifacts_is_realised_and_matches_the_lock(tmp_path, recorded_cache) -> None:
    """Download a few artifacts of the example project through the overlay's fetchers
    (Nix checks the hash) and compare each file with the lock's sha256 once more."""
    import tomllib

    project = tmp_path / "split-folders"
    shutil.copytree(REPO / "examples" / "split-folders", project)
    subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_cache), "-o", "overlay.nix"],
        cwd=project, check=True, capture_output=True,
    )
    locked = {
        f["file"]: f["hash"].split(":", 1)[1]
        for p in tomllib.loads((project / "poetry.lock").read_text())["package"]
        for f in p["files"]
    }
    sample = ["iniconfig", "pluggy", "tqdm"]
    pkgs = lock_set(
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {project / 'overlay.nix'}) ]; }})"
    )
    names = eval_json(f"map (n: {pkgs}.${{n}}.src.name) [ {' '.join(nix_str(n) for n in sample)} ]")
    for name, file in zip(sample, names):
        out = Path(build(f"{pkgs}.{name}.src").stdout.strip())
        assert file in locked, f"{name}: {file} is not a locked file"
        assert hashlib.sha256(out.read_bytes()).hexdigest() == locked[file], file

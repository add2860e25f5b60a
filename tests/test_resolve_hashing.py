"""Tests for lock2nix.resolve.hashing: NAR hashes, git checkout hashes."""

from __future__ import annotations

import dataclasses
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from lock2nix._hashes import sri_from_hex
from lock2nix.errors import Lock2NixError
from lock2nix.model import Lock, Package, VcsSource
from lock2nix.resolve.hashing import (
    GitCheckout,
    GitCheckoutError,
    GitHashCache,
    git_checkout,
    git_checkout_hash,
    hash_git_sources,
    nar_hash,
)

DATA = Path(__file__).parent / "data"

needs_nix_hash = pytest.mark.skipif(
    shutil.which("nix-hash") is None, reason="nix-hash is not installed"
)
needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
EMPTY_SRI = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


# --- NAR hashes -----------------------------------------------------------------


def nix_hash(path: Path) -> str:
    """nix-hash in SRI form (nix-hash 2.8 has no --sri, so convert the hex)."""
    out = subprocess.run(
        ["nix-hash", "--type", "sha256", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return sri_from_hex("sha256", out)


def make_tree(root: Path) -> Path:
    """A tree with everything NAR can hold, and names that sort differently
    by bytes than by locale or by Unicode-aware rules."""
    root.mkdir()
    (root / "plain.txt").write_text("hello\n")
    (root / "empty").write_bytes(b"")
    (root / "eight").write_bytes(b"12345678")  # no padding needed
    (root / "big.bin").write_bytes(bytes(range(256)) * 700)  # > one read chunk
    script = root / "run.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    script.chmod(0o755)
    (root / "Zeta").write_text("upper case sorts first\n")
    (root / "zeta").write_text("lower\n")
    (root / "é-accent").write_text("unicode\n")
    (root / "日本語").write_text("cjk\n")
    (root / "a.b").write_text("dot\n")
    (root / "a-b").write_text("dash\n")
    (root / "empty-dir").mkdir()
    nested = root / "dir" / "sub dir"
    nested.mkdir(parents=True)
    (nested / "file").write_text("nested\n")
    os.symlink("plain.txt", root / "link-to-file")
    os.symlink("dir", root / "link-to-dir")
    os.symlink("does/not/exist", root / "dangling")
    os.symlink("../plain.txt", nested / "up-link")
    # Group and other bits are not in NAR; only the owner's x bit is.
    odd = root / "odd-mode"
    odd.write_text("mode\n")
    odd.chmod(0o640)
    group_exec = root / "group-exec-only"
    group_exec.write_text("mode\n")
    group_exec.chmod(0o654)
    return root


@needs_nix_hash
def test_nar_hash_matches_nix_hash_on_a_rich_tree(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "tree")
    assert nar_hash(tree) == nix_hash(tree)


@needs_nix_hash
@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda p: p.mkdir(), id="empty-dir"),
        pytest.param(lambda p: p.write_text("just a file\n"), id="single-file"),
        pytest.param(lambda p: p.write_bytes(b""), id="empty-file"),
        pytest.param(lambda p: (p.write_text("x"), p.chmod(0o700)), id="executable-file"),
        pytest.param(lambda p: os.symlink("target", p), id="symlink"),
        pytest.param(
            lambda p: (p.mkdir(), (p / "a").mkdir(), (p / "a" / "b").mkdir()), id="nested-empty"
        ),
    ],
)
def test_nar_hash_matches_nix_hash_on_small_cases(tmp_path: Path, build) -> None:
    path = tmp_path / "node"
    build(path)
    assert nar_hash(path) == nix_hash(path)


def test_nar_hash_known_value(tmp_path: Path) -> None:
    # Fixed value (from nix-hash) so the format is checked where Nix is absent.
    (tmp_path / "a").write_text("hi\n")
    os.symlink("a", tmp_path / "l")
    (tmp_path / "e").mkdir()
    assert nar_hash(tmp_path) == "sha256-/6gLcSoqDCCcVSDXfqm39fEV6DNgSascs2yW2FkjQD8="


def test_nar_hash_depends_on_executable_bit(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    before = nar_hash(f)
    f.chmod(0o744)
    assert nar_hash(f) != before


def test_nar_hash_rejects_special_files(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match="NAR cannot hold"):
        nar_hash(tmp_path)


# --- git checkouts -----------------------------------------------------------------


GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


def export(repo: Path, rev: str, dest: Path) -> None:
    """The tree of ``rev`` as git itself exports it, without a checkout."""
    dest.mkdir(parents=True, exist_ok=True)
    data = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=repo, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(dest)


def make_repo(path: Path) -> tuple[str, str]:
    """A repository with two commits; returns their ids."""
    path.mkdir()
    git(path, "init", "--quiet")
    (path / "README").write_text("first\n")
    (path / "bin").mkdir()
    (path / "bin" / "tool").write_text("#!/bin/sh\n")
    (path / "bin" / "tool").chmod(0o755)
    os.symlink("README", path / "readme-link")
    (path / "pkg" / "ünï").mkdir(parents=True)
    (path / "pkg" / "ünï" / "__init__.py").write_text("")
    git(path, "add", "-A")
    git(path, "commit", "--quiet", "-m", "first")
    first = git(path, "rev-parse", "HEAD")
    (path / "README").write_text("second\n")
    git(path, "commit", "--quiet", "-am", "second")
    second = git(path, "rev-parse", "HEAD")
    return first, second


@needs_git
@needs_nix_hash
def test_git_checkout_hash_equals_nix_hash_of_the_tree(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    first, second = make_repo(repo)
    cache = GitHashCache(tmp_path / "cache")
    for rev in (first, second):
        expected_tree = tmp_path / f"export-{rev}"
        export(repo, rev, expected_tree)
        got = git_checkout(str(repo), rev, submodules=False, cache=cache)
        assert got == GitCheckout(hash=nix_hash(expected_tree), has_submodules=False)
    assert git_checkout_hash(str(repo), first, submodules=False, cache=cache) != (
        git_checkout_hash(str(repo), second, submodules=False, cache=cache)
    )


@needs_git
@needs_nix_hash
def test_git_checkout_with_submodules(tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    sub_rev, _ = make_repo(sub)
    git(sub, "checkout", "--quiet", sub_rev)
    main = tmp_path / "main"
    main.mkdir()
    git(main, "init", "--quiet")
    (main / "top.txt").write_text("top\n")
    git(main, "submodule", "--quiet", "add", str(sub), "vendor/sub")
    git(main, "commit", "--quiet", "-m", "with submodule")
    rev = git(main, "rev-parse", "HEAD")
    cache = GitHashCache(tmp_path / "cache")

    # fetchSubmodules = false leaves the submodule's directory empty.
    without = tmp_path / "without"
    export(main, rev, without)
    (without / "vendor" / "sub").mkdir(parents=True, exist_ok=True)
    got = git_checkout(str(main), rev, submodules=False, cache=cache)
    assert got == GitCheckout(hash=nix_hash(without), has_submodules=True)

    # fetchSubmodules = true fills it; .gitmodules stays, every .git goes.
    with_sub = tmp_path / "with"
    export(main, rev, with_sub)
    export(sub, sub_rev, with_sub / "vendor" / "sub")
    got = git_checkout(str(main), rev, submodules=True, cache=cache)
    assert got == GitCheckout(hash=nix_hash(with_sub), has_submodules=True)


@needs_git
def test_git_checkout_cache_hit_needs_no_repository(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    first, _ = make_repo(repo)
    cache = GitHashCache(tmp_path / "cache")
    computed = git_checkout(str(repo), first, submodules=True, cache=cache)
    shutil.rmtree(repo)
    assert git_checkout(str(repo), first, submodules=True, cache=cache) == computed
    assert git_checkout(str(repo), first, submodules=True, cache=cache, offline=True) == computed
    # The key includes the submodules flag: the other value is not cached.
    with pytest.raises(GitCheckoutError):
        git_checkout(str(repo), first, submodules=False, cache=cache)


def test_git_checkout_offline_miss(tmp_path: Path) -> None:
    cache = GitHashCache(tmp_path / "cache")
    with pytest.raises(GitCheckoutError) as info:
        git_checkout_hash(
            "https://example.invalid/repo.git",
            "0" * 40,
            submodules=False,
            cache=cache,
            offline=True,
        )
    message = str(info.value)
    assert isinstance(info.value, Lock2NixError)
    assert "https://example.invalid/repo.git" in message
    assert "0" * 40 in message
    assert "--offline" in message
    assert "\n" not in message


@needs_git
def test_git_checkout_unknown_revision(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    make_repo(repo)
    with pytest.raises(GitCheckoutError, match="failed for .* at 1234567"):
        git_checkout(
            str(repo), "1234567" + "0" * 33, submodules=False, cache=GitHashCache(tmp_path / "c")
        )


def test_git_hash_cache_ignores_damaged_or_foreign_entries(tmp_path: Path) -> None:
    cache = GitHashCache(tmp_path)
    url, rev = "https://example.invalid/r.git", "a" * 40
    entry = GitCheckout(hash=EMPTY_SRI, has_submodules=False)
    cache.put(url, rev, False, entry)
    assert cache.get(url, rev, False) == entry
    path = cache.path_for(url, rev, False)
    assert path.parent == tmp_path / "git"
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp files left
    path.write_text(path.read_text().replace(url, "https://example.invalid/other.git"))
    assert cache.get(url, rev, False) is None
    for damaged in ("{not json", "[]", '{"url": "x"}'):
        path.write_text(damaged)
        assert cache.get(url, rev, False) is None


# --- recorded hashes of the git-sourced fixtures ---------------------------------------


@pytest.mark.parametrize(
    ("url", "rev", "expected"),
    [
        (
            "https://github.com/sqlalchemy/alembic.git",
            "8d6bb007a4de046c4d338f4b79b40c9fcbf73ab7",
            "sha256-fPhJssZaQ3erRGk2S3/aVrb/BO3Vd0ZUcJKFRaxuBJc=",
        ),
        (
            "https://github.com/tartley/colorama.git",
            "4321bbfda9aa190acdad05eb901d3b59439f0ec9",
            "sha256-opDFQNmbqXrATnpYYIbWP/VHPf8HA56T2N48kgn1CP0=",
        ),
        (
            "https://github.com/boto/s3transfer.git",
            "cc9345a3a0c64b193c25f5e014ba4faeefe7bbc7",
            "sha256-yy2RqqMJgAzDciFzz5WjcUFvzSq5827lhem04OoFbwI=",
        ),
    ],
)
@pytest.mark.parametrize("submodules", [False, True])
def test_recorded_git_cache(url: str, rev: str, expected: str, submodules: bool) -> None:
    cache = GitHashCache(DATA / "git-cache")
    got = git_checkout(url, rev, submodules=submodules, cache=cache, offline=True)
    assert got == GitCheckout(hash=expected, has_submodules=False)


def _git_package(name: str, url: str, commit: str) -> Package:
    return Package(name=name, version="1.0", source=VcsSource(url=url, commit_id=commit), entry=f"package {name!r}")


@needs_git
def test_several_git_sources_are_hashed_and_the_first_failure_reported(tmp_path: Path) -> None:
    repos = [tmp_path / f"repo{i}" for i in range(3)]
    commits = [make_repo(repo)[1] for repo in repos]
    packages = tuple(_git_package(f"p{i}", str(repo), commit) for i, (repo, commit) in enumerate(zip(repos, commits)))
    lock = Lock(file="poetry.lock", format="poetry.lock", format_version="2.0", packages=packages)
    hashed = hash_git_sources(lock, tmp_path / "cache", offline=False)
    cache = GitHashCache(tmp_path / "cache")
    assert [p.source.hash for p in hashed.packages] == [
        git_checkout_hash(str(repo), commit, submodules=False, cache=cache, offline=True)
        for repo, commit in zip(repos, commits)
    ]
    # Two sources that cannot be fetched: the one first in the lock is reported, every time.
    broken = (packages[0], _git_package("gone", str(tmp_path / "gone"), "1" * 40),
              _git_package("also-gone", str(tmp_path / "also-gone"), "2" * 40))
    with pytest.raises(GitCheckoutError, match=r"poetry\.lock: package 'gone': git .*gone"):
        hash_git_sources(dataclasses.replace(lock, packages=broken), tmp_path / "cache2", offline=False)

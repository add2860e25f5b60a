"""The Nix hash of git sources, computed as ``fetchgit`` does.

Git sources carry only a commit id, so their Nix hash has to be computed: the
sha256 of the NAR serialisation of the checked-out tree, which is what
``fetchgit`` produces.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._hashes import sri_from_hex
from ..errors import Lock2NixError, unreachable_hint
from ..model import Lock, Package, VcsSource
from ._parallel import each
from .cache import JsonCache, digest_name

__all__ = [
    "GitCheckout",
    "GitCheckoutError",
    "GitFetchError",
    "GitHashCache",
    "checkouts",
    "git_checkout",
    "git_checkout_hash",
    "git_env",
    "hash_git_sources",
    "nar_hash",
]

# --- NAR -------------------------------------------------------------------
#
# No Python library serialises NAR (Nix ARchive), so it is written out here.
# The format: every token is a byte string framed as a little-endian u64
# length, the bytes, and zero padding to a multiple of 8. A node is
#   "(" "type" "regular" ["executable" ""] "contents" <data> ")"
#   "(" "type" "symlink" "target" <target> ")"
#   "(" "type" "directory" {"entry" "(" "name" <n> "node" <node> ")"} ")"
# with directory entries sorted by their raw byte names. Only the executable
# bit of a file's mode is recorded; owners, times and other bits are not.

_CHUNK = 1 << 16


def _frame(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data + b"\0" * (-len(data) % 8)


def _nar_tokens(path: bytes) -> Iterator[bytes]:
    st = os.lstat(path)
    yield _frame(b"(")
    yield _frame(b"type")
    if stat.S_ISLNK(st.st_mode):
        yield _frame(b"symlink")
        yield _frame(b"target")
        yield _frame(os.readlink(path))
    elif stat.S_ISDIR(st.st_mode):
        yield _frame(b"directory")
        # os.listdir on a bytes path gives bytes names, so the sort is by byte
        # value as Nix does, independent of locale and file-system encoding.
        for name in sorted(os.listdir(path)):
            yield _frame(b"entry")
            yield _frame(b"(")
            yield _frame(b"name")
            yield _frame(name)
            yield _frame(b"node")
            yield from _nar_tokens(os.path.join(path, name))
            yield _frame(b")")
    elif stat.S_ISREG(st.st_mode):
        yield _frame(b"regular")
        if st.st_mode & stat.S_IXUSR:
            yield _frame(b"executable")
            yield _frame(b"")
        yield _frame(b"contents")
        # Stream the contents so that large files are never held in memory;
        # the length is framed first, so it comes from the stat.
        yield st.st_size.to_bytes(8, "little")
        with open(path, "rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
        yield b"\0" * (-st.st_size % 8)
    else:
        raise ValueError(f"{os.fsdecode(path)}: NAR cannot hold this file type")
    yield _frame(b")")


def nar_hash(path: Path) -> str:
    """Return the SRI sha256 of the NAR serialisation of ``path``.

    This equals ``nix-hash --type sha256 <path>`` (in SRI form), the hash a
    fixed-output derivation with ``outputHashMode = "recursive"`` declares.
    """
    h = hashlib.sha256()
    h.update(_frame(b"nix-archive-1"))
    for token in _nar_tokens(os.fsencode(path)):
        h.update(token)
    return sri_from_hex("sha256", h.hexdigest())


# --- git checkouts ---------------------------------------------------------


class GitCheckoutError(Lock2NixError):
    """A git source could not be checked out or is missing from the cache."""


class GitFetchError(GitCheckoutError):
    """git failed to fetch or check out a source (its host unreachable, the commit gone, ...)."""


@dataclass(frozen=True)
class GitCheckout:
    """The result of hashing a git checkout as ``fetchgit`` would fetch it."""

    #: SRI sha256 for ``fetchgit { hash = ...; }``.
    hash: str
    #: Whether ``.gitmodules`` exists at the revision, so the caller can tell
    #: whether ``fetchSubmodules`` matters for it.
    has_submodules: bool


@dataclass(frozen=True)
class GitHashCache:
    """Computed git checkout hashes, one small JSON file per key.

    Files live in ``<cache_dir>/git/``, beside the index cache's
    ``<cache_dir>/index/``, so one cache directory serves both. A checkout
    hash never changes for a given commit, so entries never expire.
    """

    cache_dir: Path

    @property
    def _entries(self) -> JsonCache:
        return JsonCache.under(self.cache_dir, "git")

    def path_for(self, url: str, rev: str, submodules: bool) -> Path:
        key = f"{url}\n{rev}\n{int(submodules)}"
        return self._entries.directory / f"{digest_name(key, 32)}.json"

    def get(self, url: str, rev: str, submodules: bool) -> GitCheckout | None:
        # The file name is a truncated hash; the stored key guards against
        # a collision or a hand-edited file answering for another source.
        key = {"url": url, "rev": rev, "submodules": submodules}
        return self._entries.read(self.path_for(url, rev, submodules), key, _checkout_entry)

    def put(self, url: str, rev: str, submodules: bool, checkout: GitCheckout) -> None:
        entry = {
            "url": url,
            "rev": rev,
            "submodules": submodules,
            "hash": checkout.hash,
            "has-submodules": checkout.has_submodules,
        }
        self._entries.write_json(self.path_for(url, rev, submodules), entry, indent=2)


def _checkout_entry(data: dict[str, Any]) -> GitCheckout:
    return GitCheckout(hash=data["hash"], has_submodules=data["has-submodules"])


def hash_git_sources(lock: Lock, cache_dir: Path, *, offline: bool) -> Lock:
    """Give every git source without a hash the hash of its checkout (and whether it has submodules)."""
    wanted = [
        (p.source.url, p.source.commit_id)
        for p in lock.packages
        if isinstance(p.source, VcsSource) and p.source.hash is None
    ]
    if not wanted:
        return lock
    cache = GitHashCache(cache_dir)

    def checkout(key: tuple[str, str | None]) -> tuple[GitCheckout, GitCheckout]:
        url, commit = key
        assert commit is not None, "git refs are resolved to commits before checkouts are hashed"
        return checkouts(url, commit, cache=cache, offline=offline)

    # Every repository fetched at once; errors reported in the lock's order.
    found = each(checkout, list(dict.fromkeys(wanted)))
    return dataclasses.replace(lock, packages=tuple(_hashed(lock, p, found) for p in lock.packages))


def _hashed(
    lock: Lock,
    package: Package,
    found: Mapping[tuple[str, str | None], tuple[GitCheckout, GitCheckout] | Lock2NixError],
) -> Package:
    source = package.source
    if not isinstance(source, VcsSource) or source.hash is not None:
        return package
    result = found[(source.url, source.commit_id)]
    if isinstance(result, GitFetchError):
        message = f"{result.message}; {unreachable_hint(package.name)}"
        raise GitFetchError(message, file=lock.file, entry=package.entry)
    if isinstance(result, Lock2NixError):
        raise result.at(file=lock.file, entry=package.entry)
    plain, checkout = result
    return dataclasses.replace(
        package,
        source=dataclasses.replace(source, hash=checkout.hash, submodules=plain.has_submodules),
    )


def checkouts(url: str, commit: str, *, cache: GitHashCache, offline: bool) -> tuple[GitCheckout, GitCheckout]:
    """The checkout of ``commit`` without submodules, and the one ``fetchgit`` makes
    (with submodules when there are any: the same when there are none)."""
    plain = git_checkout(url, commit, submodules=False, cache=cache, offline=offline)
    if not plain.has_submodules:
        return plain, plain
    return plain, git_checkout(url, commit, submodules=True, cache=cache, offline=offline)


def git_checkout_hash(
    url: str, rev: str, *, submodules: bool, cache: GitHashCache, offline: bool = False
) -> str:
    """Return the ``fetchgit`` hash of ``url`` at ``rev``; see `git_checkout`."""
    return git_checkout(url, rev, submodules=submodules, cache=cache, offline=offline).hash


def git_checkout(
    url: str, rev: str, *, submodules: bool, cache: GitHashCache, offline: bool = False
) -> GitCheckout:
    """Hash the checkout of ``url`` at ``rev`` as nixpkgs' ``fetchgit`` does.

    ``fetchgit { url; rev; hash; fetchSubmodules; }`` checks ``rev`` out,
    initialises submodules recursively when asked, deletes every ``.git`` and
    NAR-hashes the rest. The result is cached, as a commit's tree never
    changes; with ``offline`` only the cache is used.
    """
    cached = cache.get(url, rev, submodules)
    if cached is not None:
        return cached
    if offline:
        raise GitCheckoutError(
            f"no cached hash for git source {url} at {rev} "
            f"(submodules={'yes' if submodules else 'no'}); run without --offline to compute it"
        )
    with tempfile.TemporaryDirectory(prefix="lock2nix-git-") as tmp:
        tree = Path(tmp) / "checkout"
        _checkout(url, rev, tree, submodules=submodules)
        has_submodules = (tree / ".gitmodules").is_file()
        _remove_dot_git(tree)
        checkout = GitCheckout(hash=nar_hash(tree), has_submodules=has_submodules)
    cache.put(url, rev, submodules, checkout)
    return checkout


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    # The user's git configuration (autocrlf, LFS filters, url rewrites) could
    # change the checked-out bytes; fetchgit runs without any, and so do we.
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_TERMINAL_PROMPT="0",
        GIT_ASKPASS="true",
        LC_ALL="C",
    )
    return env


def _is_local(url: str) -> bool:
    # Paths and file:// URLs; "host:path" (scp-like) and "scheme://" are remote.
    return url.startswith(("/", ".", "file:")) or (":" not in url)


def _run_git(args: list[str], *, cwd: Path, url: str, rev: str, config: list[str]) -> None:
    try:
        subprocess.run(
            ["git", *config, *args],
            cwd=cwd,
            env=git_env(),
            check=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except FileNotFoundError:
        raise GitCheckoutError(
            f"git is needed to hash git source {url} but was not found"
        ) from None
    except subprocess.CalledProcessError as e:
        lines = e.stderr.decode(errors="replace").strip().splitlines()
        detail = lines[-1] if lines else f"exit code {e.returncode}"
        raise GitFetchError(f"git {args[0]} failed for {url} at {rev}: {detail}") from None


def _checkout(url: str, rev: str, dest: Path, *, submodules: bool) -> None:
    dest.mkdir()
    # git >= 2.38.1 refuses file:// submodules by default (CVE-2022-39253);
    # allow them only when the superproject itself is local, as in tests.
    config = ["-c", "protocol.file.allow=always"] if _is_local(url) else []

    def git(*args: str) -> None:
        _run_git(list(args), cwd=dest, url=url, rev=rev, config=config)

    git("init", "--quiet")
    git("remote", "add", "origin", url)
    # Fetching just the commit is cheapest, but not every server lets a
    # client fetch a commit by id; then fall back to all branches and tags.
    try:
        git("fetch", "--quiet", "--depth=1", "origin", rev)
        git("checkout", "--quiet", "--detach", "FETCH_HEAD")
    except GitCheckoutError:
        git("fetch", "--quiet", "--tags", "origin", "+refs/heads/*:refs/remotes/origin/*")
        git("checkout", "--quiet", "--detach", rev)
    if submodules and (dest / ".gitmodules").is_file():
        git("submodule", "update", "--quiet", "--init", "--recursive")


def _remove_dot_git(tree: Path) -> None:
    # fetchgit deletes every ".git" in the tree: the top-level directory and
    # the ".git" files or directories of submodules.
    for dirpath, dirnames, filenames in os.walk(tree):
        if ".git" in dirnames:
            dirnames.remove(".git")
            shutil.rmtree(os.path.join(dirpath, ".git"))
        if ".git" in filenames:
            os.unlink(os.path.join(dirpath, ".git"))

"""The resolution steps, in order: each leaves alone what it has nothing to do for."""

from __future__ import annotations

from pathlib import Path

from ..model import Lock, VcsSource
from .index import IndexClient
from .locate import locate_files, locate_hashed, locate_releases, pin_unhashed
from .sdist import detect_build_systems

__all__ = ["run_steps"]


def run_steps(lock: Lock, cache_dir: Path, *, offline: bool, detect: bool) -> Lock:
    """Every step of :func:`lock2nix.resolve.resolve` for all of ``lock``'s packages.

    The modules of the steps most locks have nothing for (git, metadata, a
    cold cache) are imported when there is: a run that resolves the one
    changed entry of a lock is not slowed by them.
    """
    index = IndexClient(cache_dir, offline=offline)
    if not offline:  # a cold cache: every fetch of the steps below at once
        from .ahead import read_ahead

        read_ahead(lock, index, cache_dir, build_systems=detect)
    # Files, with their URLs and hashes, from what the lock names.
    lock = locate_releases(lock, index)  # versions only: a conda environment's pip pins
    lock = locate_hashed(lock, index)  # hashes only: Pipfile.lock
    lock = pin_unhashed(lock, cache_dir, offline=offline)  # file URLs without a hash
    lock = locate_files(lock, index)  # file names and hashes: poetry.lock
    if any(isinstance(p.source, VcsSource) for p in lock.packages):
        from .hashing import hash_git_sources
        from .refs import resolve_git_refs

        lock = resolve_git_refs(lock, offline=offline)  # branches and tags: old locks
        lock = hash_git_sources(lock, cache_dir, offline=offline)
    # What the lock does not record.
    if lock.dependencies_from == "metadata":
        from .dependencies import read_dependencies

        lock = read_dependencies(lock, cache_dir, offline=offline)
    if detect:
        lock = detect_build_systems(lock, cache_dir, offline=offline)
    return lock

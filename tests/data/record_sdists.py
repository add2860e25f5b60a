#!/usr/bin/env python3
"""Record the build systems of the fixtures' sdists, for the offline test-suite.

Run from anywhere, with lock2nix importable (network needed):

    PYTHONPATH=translator python tests/data/record_sdists.py [--fixtures DIR]

For every poetry.lock under ``DIR/*/`` (default: the shared poetry fixtures)
it takes the sdist of each package locked from a package index, finds its URL
through the Simple API and reads its ``[build-system]`` with
`lock2nix.resolve.sdist.build_requirements`, which fills ``sdist-cache/`` next to this
script (``sdist-cache/sdist/<sha256[:2]>/<sha256>.json``). Entries already
there are kept (pass ``--refresh`` to download everything again); entries no
fixture needs any more are removed. Only the small JSON files are recorded,
never the sdists.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import tomllib
from lock2nix._hashes import parse_hash
from lock2nix.resolve.index import PYPI_SIMPLE_URL, FileRequest, IndexClient, IndexFile, IndexLookupError
from lock2nix.resolve.sdist import (
    BuildRequirements,
    SdistError,
    SdistRequest,
    build_requirements,
)
from packaging.utils import canonicalize_name, canonicalize_version

HERE = Path(__file__).resolve().parent
DEFAULT_FIXTURES = HERE.parents[2] / "shared" / "fixtures" / "poetry"
OUT = HERE / "sdist-cache"

# Source types whose artifacts are not on a package index.
NON_INDEX_SOURCES = {"git", "directory", "file", "url"}
# Indexes the recording machine cannot reach (and that serve no sdists the
# fixtures need: the pytorch index holds wheels only).
UNREACHABLE_PREFIXES = ("https://download.pytorch.org/",)
# Preferred sdist format when a release has several.
SDIST_PREFERENCE = (".tar.gz", ".tgz", ".tar.bz2", ".zip")


def locked_sdists(lock_path: Path) -> Iterator[FileRequest]:
    """Yield the sdist of every index-hosted package in a poetry.lock."""
    with open(lock_path, "rb") as f:
        lock = tomllib.load(f)
    # Lock 1.x lists files per package name under [metadata.files], all
    # locked versions of a name together; lock 2.x lists them in each package.
    legacy_files = lock.get("metadata", {}).get("files")
    for package in lock.get("package", []):
        source = package.get("source") or {}
        if source.get("type") in NON_INDEX_SOURCES:
            continue
        index_url = source.get("url", PYPI_SIMPLE_URL)
        if index_url.startswith(UNREACHABLE_PREFIXES):
            continue
        if legacy_files is not None:
            files = [
                f
                for f in _legacy_entries(legacy_files, package["name"])
                if _version_of(f["file"]) == canonicalize_version(package["version"])
            ]
        else:
            files = package.get("files", [])
        sdist = _pick_sdist([f for f in files if not f["file"].endswith(".whl")])
        if sdist is None:
            continue
        algo, digest = parse_hash(sdist["hash"])
        if algo != "sha256":
            print(f"{lock_path}: {sdist['file']}: only {algo}, skipped", file=sys.stderr)
            continue
        yield FileRequest(index_url, package["name"], sdist["file"], digest)


def _legacy_entries(legacy_files: dict[str, list[dict[str, str]]], name: str) -> list[dict[str, str]]:
    if name in legacy_files:
        return legacy_files[name]
    wanted = canonicalize_name(name)
    return next((v for k, v in legacy_files.items() if canonicalize_name(k) == wanted), [])


def _version_of(filename: str) -> str | None:
    """The version in an sdist's file name (``<name>-<version>.<ext>``)."""
    for suffix in SDIST_PREFERENCE:
        if filename.endswith(suffix):
            stem = filename[: -len(suffix)]
            return canonicalize_version(stem.rpartition("-")[2])
    return None


def _pick_sdist(files: list[dict[str, str]]) -> dict[str, str] | None:
    def rank(f: dict[str, str]) -> int:
        for i, suffix in enumerate(SDIST_PREFERENCE):
            if f["file"].endswith(suffix):
                return i
        return len(SDIST_PREFERENCE)

    return min(files, key=rank, default=None)


def resolve_urls(requests: list[FileRequest], workers: int) -> tuple[list[SdistRequest], int]:
    """Find each sdist's URL; returns the requests that resolved and the failures."""
    by_project: dict[tuple[str, str], list[FileRequest]] = {}
    for r in requests:
        by_project.setdefault((r.index_url, r.project), []).append(r)
    found: dict[FileRequest, IndexFile] = {}
    with tempfile.TemporaryDirectory() as tmp:
        client = IndexClient(Path(tmp), max_workers=1)

        def resolve(reqs: list[FileRequest]) -> dict[FileRequest, IndexFile]:
            # Project by project, to report every failure (a release deleted
            # from PyPI since the lock was written), not only the first.
            try:
                return client.resolve(reqs)
            except IndexLookupError as e:
                print(f"error: {e}", file=sys.stderr)
                return {}

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for answer in pool.map(resolve, by_project.values()):
                found.update(answer)
    resolved = [SdistRequest(found[r].url, r.filename, r.sha256) for r in requests if r in found]
    return resolved, len(requests) - len(resolved)


def record(requests: list[SdistRequest], out: Path, workers: int) -> tuple[dict[str, BuildRequirements], int]:
    try:
        return build_requirements(requests, cache_dir=out, offline=False, max_workers=workers), 0
    except SdistError as e:
        print(f"error: {e}; retrying one by one", file=sys.stderr)
    # Whatever was read before the failure is cached, so this only retries
    # the rest, reporting every failure.
    result: dict[str, BuildRequirements] = {}
    failures = 0
    for req in requests:
        try:
            result.update(build_requirements([req], cache_dir=out, offline=False))
        except SdistError as e:
            print(f"error: {e}", file=sys.stderr)
            failures += 1
    return result, failures


def prune(out: Path, keep: set[str]) -> int:
    removed = 0
    for path in sorted((out / "sdist").glob("*/*.json")):
        if path.stem not in keep:
            path.unlink()
            removed += 1
    for d in (out / "sdist").glob("*"):
        if d.is_dir() and not any(d.iterdir()):
            d.rmdir()
    return removed


def summarise(requests: list[SdistRequest], result: dict[str, BuildRequirements]) -> None:
    sources = collections.Counter(b.source for b in result.values())
    backends = collections.Counter(b.backend or "(none given)" for b in result.values() if b.declared)
    print(f"{len(result)} sdists recorded ({len(requests)} requested)")
    print("by source: " + ", ".join(f"{s}: {n}" for s, n in sources.most_common()))
    print("declared backends:")
    for backend, n in backends.most_common():
        print(f"  {n:4d}  {backend}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--refresh", action="store_true", help="discard the recorded cache first")
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    wanted: set[FileRequest] = set()
    for lock_path in sorted(args.fixtures.glob("*/poetry.lock")):
        wanted.update(locked_sdists(lock_path))
    ordered = sorted(wanted, key=lambda r: (r.index_url, r.project, r.filename))
    # One sdist can be locked from two indexes (the fixtures' "legacy" source
    # is PyPI again): the content, and so the answer, is the same.
    by_hash = {r.sha256: r for r in ordered}
    requests, unresolved = resolve_urls(list(by_hash.values()), args.workers)

    if args.refresh and OUT.exists():
        shutil.rmtree(OUT)
    result, failures = record(requests, OUT, args.workers)
    removed = prune(OUT, set(result))
    summarise(requests, result)
    print(f"{unresolved} not found on their index, {failures} unreadable, {removed} stale entries removed")
    return 1 if unresolved or failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""The uv.lock and pylock.toml fixtures, staged as the tests and the recorder use them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomllib

FIXTURES = Path(__file__).resolve().parent / "fixtures"
DATA = Path(__file__).resolve().parent / "data"
UV_CASES = sorted(p.name for p in (FIXTURES / "uv").iterdir() if p.is_dir())
PYLOCK_CASES = sorted(p.name for p in (FIXTURES / "pylock").iterdir() if p.is_dir())
LOCK_NAMES = {"uv": "uv.lock", "pylock": "pylock.toml"}


def stage_case(kind: str, case: str, where: Path) -> Path:
    """Copy a fixture into ``where`` and return its lock's path.

    Local sources outside the fixture (the uv2nix kitchen sink names
    ``../b``, ``../attrs-23.1.0.tar.gz``, ...) get stand-ins: a small project
    for a directory, a placeholder for a file (only evaluated, never built).
    """
    target = where / kind / case
    shutil.copytree(FIXTURES / kind / case, target)
    lock = target / LOCK_NAMES[kind]
    for path, is_file in _local_sources(kind, lock):
        local = (target / path).resolve()
        if local.exists():
            continue
        local.parent.mkdir(parents=True, exist_ok=True)
        if is_file:
            local.write_bytes(b"placeholder for " + path.encode())
        else:
            local.mkdir(parents=True)
            (local / "pyproject.toml").write_text(
                '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
                f'[project]\nname = "{local.name}"\nversion = "0.1.0"\n'
            )
    return lock


def _local_sources(kind: str, lock: Path) -> list[tuple[str, bool]]:
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    found = []
    if kind == "uv":
        for package in data.get("package", []):
            source = package.get("source", {})
            for key in ("directory", "editable", "virtual"):
                if key in source:
                    found.append((source[key], False))
            if "path" in source:
                found.append((source["path"], True))
    else:
        for package in data.get("packages", []):
            if "directory" in package:
                found.append((package["directory"]["path"], False))
            if "path" in package.get("archive", {}):
                found.append((package["archive"]["path"], True))
    return found


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory) -> Path:
    """A cache directory with every recorded answer the uv and pylock fixtures need."""
    cache = tmp_path_factory.mktemp("uv-cache")
    shutil.copytree(DATA / "uv-cache", cache, dirs_exist_ok=True)
    return cache

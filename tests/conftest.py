from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
FIXTURES = TESTS / "fixtures"
DATA = TESTS / "data"

# Fixture projects carry test-suites of their own (run inside their Nix builds), not this one's.
collect_ignore_glob = ["fixtures/*"]


@pytest.fixture(autouse=True, scope="session")
def _run_from_repo_root() -> None:
    # Nix expressions in the tests use paths relative to the repository.
    os.chdir(REPO)


def pytest_collection_modifyitems(config, items):
    if shutil.which("nix-instantiate") is None:
        raise pytest.UsageError("Nix is required for the test-suite (apt-get install -y nix-bin)")


POETRY_CASES = sorted(p.name for p in (FIXTURES / "poetry").iterdir() if p.is_dir())


@pytest.fixture(scope="session")
def recorded_cache(tmp_path_factory) -> Path:
    """A cache directory seeded with the recorded index, sdist and git responses."""
    cache = tmp_path_factory.mktemp("lock2nix-cache")
    for name in ("index-cache", "git-cache", "sdist-cache"):
        recorded = DATA / name
        if recorded.is_dir():
            shutil.copytree(recorded, cache, dirs_exist_ok=True)
    return cache


def stage_poetry_case(case: str, where: Path) -> Path:
    """Copy a fixture into ``where`` and return the lock's path.

    Path dependencies of the fixture (``../path-deps``) get small stand-in
    projects, since only the lock and pyproject.toml were collected.
    """
    target = where / case
    shutil.copytree(FIXTURES / "poetry" / case, target)
    lock = target / "poetry.lock"
    import tomllib

    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    for package in data.get("package", []):
        source = package.get("source") or {}
        if source.get("type") == "directory":
            project = (target / source["url"]).resolve()
            project.mkdir(parents=True, exist_ok=True)
            (project / "pyproject.toml").write_text(
                '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
                f'[project]\nname = "{package["name"]}"\nversion = "{package["version"]}"\n'
            )
    return lock


@pytest.fixture
def fake(monkeypatch):
    """A fake index (tests/fake_index.py) behind every session lock2nix opens."""
    from lock2nix import _http

    from .fake_index import FakeIndex

    adapter = FakeIndex()
    monkeypatch.setattr(_http, "new_session", lambda pool_size: adapter.session())
    return adapter

"""The conda fixtures (tests/fixtures/conda), as the tests and the recorder stage them.

Shared by the tests and by ``tests/data/record_conda.py`` so that what is
recorded is exactly what the tests translate.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
CONDA = TESTS / "fixtures" / "conda"
DATA = TESTS / "data"
RECORDED = DATA / "conda-cache"

#: Environment files (environment.yml and the like), by case.
ENVIRONMENTS = {
    case.name: next(p.name for p in sorted(case.iterdir()) if p.suffix in (".yml", ".yaml") and p.name != "conda-lock.yml")
    for case in sorted(CONDA.iterdir())
    if case.is_dir()
}
ENV_CASES = sorted(ENVIRONMENTS)
#: conda's locked forms, by case: conda-lock.yml and @EXPLICIT files.
LOCKED = {
    "conda__conda-lock__tests-pip-deps": "conda-lock.yml",
    "jupyterhub__repo2docker__py310-linux64-explicit": "environment.py-3.10-linux-64.lock",
}


def stage(case: str, where: Path, file: str | None = None) -> Path:
    """Copy a fixture into ``where`` (writable) and return the path of its environment file."""
    target = where / case
    shutil.copytree(CONDA / case, target)
    for path in target.iterdir():
        path.chmod(0o644)
    return target / (file or ENVIRONMENTS[case])


def seed_cache(cache: Path) -> Path:
    """Fill ``cache`` with the recorded answers for the conda fixtures."""
    if RECORDED.is_dir():
        shutil.copytree(RECORDED, cache, dirs_exist_ok=True)
    return cache


@pytest.fixture(scope="session")
def recorded_conda_cache(tmp_path_factory) -> Path:
    return seed_cache(tmp_path_factory.mktemp("lock2nix-conda-cache"))

"""The Pipfile.lock fixtures, as the tests and the recorder stage them.

Shared by the tests and by ``tests/data/record_pipfile.py`` so that what is
recorded is exactly what the tests translate.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
PIPFILE = TESTS / "fixtures" / "pipfile"
DATA = TESTS / "data"
RECORDED = DATA / "pipfile-cache"

PIPFILE_CASES = sorted(p.name for p in PIPFILE.iterdir() if p.is_dir())

# Entries whose sources the recording machine cannot reach, so their files,
# checkout hashes or metadata could not be recorded. The staged copy of a
# fixture leaves them out (the rest of the lock is translated and evaluated);
# the complete fixture must fail offline with the error in OFFLINE_ERRORS.
UNRECORDED: dict[str, dict[tuple[str, str], str]] = {
    "pypa__pipfile__example-head": {
        ("default", "django"): "git source on github.com (unreachable; the django snapshot available "
        "here is over the size limit, so its checkout hash could not be computed)",
        ("default", "e682b37"): "unhashed file URL on github.com (unreachable), a branch archive "
        "whose bytes cannot be reproduced",
    },
    "tufts-ai-robotics-group__polycraft-novelty-data__custom-categories": {
        ("torch_cpu", "torch"): "index download.pytorch.org/whl/cpu (unreachable); the lock has hashes "
        "only, so not even the file names are known",
        ("torch_cpu", "torchvision"): "same index",
    },
}

OFFLINE_ERRORS = {
    "pypa__pipfile__example-head": (
        "package 'e682b37' (file, default): the lock records no hash for "
        "https://github.com/divio/django-cms/archive/release/3.4.x.zip"
    ),
    "tufts-ai-robotics-group__polycraft-novelty-data__custom-categories": (
        "package 'torch' (1.13.0+cpu, torch_cpu): the files of torch 1.13.0+cpu on index "
        "'pytorch_cpu' (https://download.pytorch.org/whl/cpu/) are not in the cache"
    ),
}


def stage_pipfile_case(case: str, where: Path, *, complete: bool = False) -> Path:
    """Copy a fixture into ``where`` and return its lock's path.

    Unless ``complete``, entries in UNRECORDED are removed from the copy.
    """
    target = where / case
    shutil.copytree(PIPFILE / case, target)
    lock = target / "Pipfile.lock"
    lock.chmod(0o644)
    left_out = UNRECORDED.get(case, {})
    if left_out and not complete:
        data = json.loads(lock.read_text(encoding="utf-8"))
        for category, key in left_out:
            del data[category][key]
        lock.write_text(json.dumps(data, indent=4, sort_keys=True) + "\n", encoding="utf-8")
    return lock


def seed_cache(cache: Path) -> Path:
    """Fill ``cache`` with the recorded answers for the Pipfile fixtures."""
    for name in ("pipfile-cache", "git-cache"):
        if (DATA / name).is_dir():
            shutil.copytree(DATA / name, cache, dirs_exist_ok=True)
    return cache


@pytest.fixture(scope="session")
def recorded_pipfile_cache(tmp_path_factory) -> Path:
    """A cache directory seeded with the recorded index, metadata, sdist and git answers."""
    return seed_cache(tmp_path_factory.mktemp("lock2nix-pipfile-cache"))

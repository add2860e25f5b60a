#!/usr/bin/env python3
"""Record what translating the conda environment fixtures fetches, for the offline test-suite.

Run from a checkout, with lock2nix's dependencies installed (network needed):

    python tests/data/record_conda.py

Every environment file and locked form (conda-lock.yml, @EXPLICIT) under
``tests/fixtures/conda/`` (staged as the tests stage them:
``tests/conda_cases.py``) is translated with lock2nix's own resolution against
the live indexes into a fresh cache, as a user's first run would, and the
cache is kept as ``conda-cache/`` beside this script:

* ``index/``: Simple API answers for the exactly pinned Python packages (conda
  pins such as ``pillow=8.3.1``, every Python package of a locked form, pip
  pins; the files of the pinned versions), and the versions an index was asked
  for but does not list (``"unlisted": ["==1"]``, e.g. conda-lock's fake
  private packages, which PyPI does not have);
* ``metadata/``: core metadata of one file per locked release (dependency edges);
* ``sdist/``: the build system each locked sdist declares;
* ``url/``: the sha256 of direct URLs the environment gives without a hash.

Synthesised (the recording machine cannot reach github.com): the pip-full-url
fixture names ``requests-2.31.0-py3-none-any.whl`` on GitHub's release page
without a hash. Its ``url/`` entry records the sha256 PyPI lists for the file
of the same name (the release asset is the wheel uploaded to PyPI; Nix's fetch
checks the hash when it downloads from GitHub), and its metadata is read from
PyPI's copy of that file (the metadata cache is keyed by the file's sha256).
Both carry ``"synthesised"`` notes. The script also records the answers of the
end-to-end tests' environment and conda-lock.yml (``tests/test_conda_e2e.py``)
of the small conda-lock.yml whose platforms differ (``DIFFERING`` in
``tests/test_translate_conda.py``) and of the environment of
``tests/test_conda_sources.py``.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "translator"))
sys.path.insert(0, str(HERE.parents[1]))

from lock2nix import parsers, resolve
from lock2nix._files import write_atomic
from lock2nix.resolve.metadata import MetadataRequest, fetch_metadata

from tests.conda_cases import ENV_CASES, LOCKED, stage
from tests.test_conda_e2e import E2E_CONDA_LOCK, E2E_ENVIRONMENT
from tests.test_conda_sources import SOURCES_ENVIRONMENT
from tests.test_translate_conda import DIFFERING, write_lock

OUT = HERE / "conda-cache"

GITHUB_REQUESTS = "https://github.com/psf/requests/releases/download/v2.31.0/requests-2.31.0-py3-none-any.whl"
PYPI_REQUESTS = (
    "https://files.pythonhosted.org/packages/70/8e/0e2d847013cb52cd35b38c009bb167a1a26b2ce6cd6965bf26b47bc0bf44/"
    "requests-2.31.0-py3-none-any.whl"
)
REQUESTS_SHA256 = "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"


def synthesise(cache: Path) -> None:
    import hashlib

    key = hashlib.sha256(GITHUB_REQUESTS.encode()).hexdigest()[:32]
    entry = {
        "url": GITHUB_REQUESTS,
        "sha256": REQUESTS_SHA256,
        "synthesised": "github.com is unreachable from the recording machine; sha256 of PyPI's file of the "
        "same name (requests-2.31.0-py3-none-any.whl), which the release asset is",
    }
    write_atomic(cache / "url" / f"{key}.json", json.dumps(entry, indent=1, sort_keys=True) + "\n", parents=True)
    fetch_metadata(
        [MetadataRequest(PYPI_REQUESTS, "requests-2.31.0-py3-none-any.whl", REQUESTS_SHA256)], cache_dir=cache
    )


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        synthesise(cache)
        stage_dir = Path(tmp) / "stage"
        environments = [stage(case, stage_dir) for case in ENV_CASES]
        locked = [stage(case, stage_dir / "locked", file) for case, file in sorted(LOCKED.items())]
        e2e = stage_dir / "e2e" / "environment.yml"
        e2e.parent.mkdir(parents=True)
        e2e.write_text(E2E_ENVIRONMENT, encoding="utf-8")
        e2e_lock = stage_dir / "e2e-lock" / "conda-lock.yml"
        e2e_lock.parent.mkdir(parents=True)
        e2e_lock.write_text(E2E_CONDA_LOCK, encoding="utf-8")
        differing = stage_dir / "differing"
        differing.mkdir()
        sources = stage_dir / "sources" / "environment.yml"
        sources.parent.mkdir()
        sources.write_text(SOURCES_ENVIRONMENT, encoding="utf-8")
        for environment in [*environments, *locked, e2e, e2e_lock, write_lock(differing, DIFFERING), sources]:
            model = parsers.parse(str(environment), environment.read_bytes(), directory=environment.parent)
            resolved = resolve.resolve(model, resolve.Settings(cache_dir=cache))
            print(f"{environment.parent.name}: {len(resolved.packages)} packages", file=sys.stderr)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(cache, out)
    for path in [out, *out.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


if __name__ == "__main__":
    record(OUT)

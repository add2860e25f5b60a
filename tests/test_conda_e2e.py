"""End to end: a conda environment with pinned pip packages, built by Nix.

The environment selects Python 3.11 (the interpreter the stand-in builds for),
takes pip from nixpkgs' Python set and pins two pip packages: six (a wheel) and
xmltodict 0.10.2 (an sdist built with setuptools). lock2nix finds their files on
the index (recorded in tests/data/conda-cache) and the build downloads them from
PyPI; git is a tool of the environment. The environment's python imports both
packages, and its buildEnv links python and git side by side.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conda_cases import recorded_conda_cache  # noqa: F401 - a fixture
from .nixeval import build, nix_str

#: Shared with tests/data/record_conda.py, which records its index answers.
E2E_ENVIRONMENT = """\
name: conda-e2e
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - git
  - pip:
    - six==1.16.0
    - xmltodict==0.10.2
"""


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_conda_cache) -> Path:  # noqa: F811
    work = tmp_path_factory.mktemp("conda-e2e")
    (work / "environment.yml").write_text(E2E_ENVIRONMENT, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_conda_cache),
         "environment.yml", "-o", "overlay.nix"],
        cwd=work, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return work / "overlay.nix"


def environment(overlay: Path) -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }}).lock2nixEnvironments.conda-e2e"
    )


@pytest.mark.nixbuild
@pytest.mark.network
def test_environment_builds_and_imports_pip_packages(overlay, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"{environment(overlay)}.env", out_link=env)
    python = env / "bin" / "python3"
    result = subprocess.run(
        [str(python), "-c", ("import sys, six, xmltodict, pip; print(sys.version_info[:2], six.__version__, "
                             "xmltodict.__version__)")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 11) 1.16.0 0.10.2"
    # git, the environment's tool, is linked beside the interpreter.
    assert (env / "nix-support" / "lock2nix-standin-inert").exists()

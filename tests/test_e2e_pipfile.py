"""End to end: a real Pipfile.lock built by Nix from artifacts downloaded from PyPI.

The pipenv project's example lock (requests and its dependencies in default,
pytest in develop; python_version 3.11) is translated offline from the
recorded index answers and metadata, then its development environment is
built with the nixpkgs stand-in: every wheel fetched by its locked hash,
installed with pypa ``installer``, the runtime dependencies recovered from
the distributions' metadata checked by the stand-in's runtime-deps hook.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .nixeval import build, eval_json, nix_str
from .pipfile_cases import recorded_pipfile_cache, stage_pipfile_case  # noqa: F401 - a fixture

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]

CASE = "pypa__pipenv__examples-head"
PROJECT = "pypa-pipenv-examples-head"
RUNTIME = ["requests", "urllib3", "idna", "certifi", "charset_normalizer"]
DEVELOP = ["pytest", "pluggy", "iniconfig", "pygments", "packaging"]


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_pipfile_cache) -> Path:  # noqa: F811
    lock = stage_pipfile_case(CASE, tmp_path_factory.mktemp("e2e-pipfile"))
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_pipfile_cache),
         "Pipfile.lock", "-o", "overlay.nix"],
        cwd=lock.parent, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return lock.parent / "overlay.nix"


def project(overlay: Path) -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }}).lock2nixProjects.{PROJECT}"
    )


def run_python(env: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False)


def test_dependency_edges_come_from_metadata(overlay) -> None:
    deps = eval_json(f"map (d: d.pname) {project(overlay)}.python.pkgs.requests.dependencies")
    assert sorted(deps) == ["certifi", "charset-normalizer", "idna", "urllib3"]
    assert eval_json(f"{project(overlay)}.python.pythonVersion") == "3.11"


def test_dev_env_builds_and_imports_everything(overlay, tmp_path) -> None:
    env = tmp_path / "dev"
    build(f"{project(overlay)}.devEnv", out_link=env)
    modules = RUNTIME + DEVELOP
    result = run_python(env, "; ".join(f"import {m}" for m in modules) + "; import requests; print(requests.__version__)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "2.33.0"


def test_runtime_env_has_no_develop_packages(overlay, tmp_path) -> None:
    env = tmp_path / "runtime"
    build(f"{project(overlay)}.runtimeEnv", out_link=env)
    assert run_python(env, "; ".join(f"import {m}" for m in RUNTIME)).returncode == 0
    result = run_python(env, "import pytest")
    assert result.returncode != 0 and "No module named 'pytest'" in result.stderr

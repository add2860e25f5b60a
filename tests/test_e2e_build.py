"""End to end: a real poetry project built by Nix from artifacts downloaded from PyPI.

The split-folders example (its real poetry.lock and pyproject.toml) is
translated with ``--prefer sdist``, so most packages are built from their sdists
with the build backends lock2nix read from them (hatchling + hatch-vcs,
flit-core, setuptools + setuptools-scm, ...); ruff's sdist needs Rust, so its
wheel is used.  The root project is built from its directory with poetry-core
and its tests run with the dev group as check inputs.  Then the environment
imports every package.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO
from .nixeval import build, build_log, eval_json, nix_str, lock_set

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]

EXAMPLE = REPO / "examples" / "split-folders"
MODULES = ["splitfolders", "iniconfig", "packaging", "pluggy", "pygments", "pytest", "ruff", "tqdm"]


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_cache) -> Path:
    project = tmp_path_factory.mktemp("e2e") / "split-folders"
    shutil.copytree(EXAMPLE, project)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_cache), "--prefer", "sdist",
         "poetry.lock", "-o", "overlay.nix"],
        cwd=project, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return project / "overlay.nix"


def pkgs(overlay: Path) -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )


def test_sources_and_markers_chosen_at_evaluation(overlay, recorded_cache) -> None:
    chosen = eval_json(
        f"let ps = {lock_set(pkgs(overlay))}; in "
        "{ iniconfig = ps.iniconfig.src.name; pluggy = ps.pluggy.src.name; ruff = ps.ruff.src.name; "
        "colorama = ps.colorama ? lock2nixFits; tomli = ps.tomli ? lock2nixFits; "
        "exceptiongroup = ps.exceptiongroup ? lock2nixFits; "
        "iniconfigBackends = map (d: d.pname) ps.iniconfig.build-system; }"
    )
    assert chosen["iniconfig"].endswith(".tar.gz") and chosen["pluggy"].endswith(".tar.gz")
    assert chosen["ruff"].endswith(".whl"), "a Rust sdist must fall back to its wheel"
    # colorama is Windows-only, tomli and exceptiongroup are for Python < 3.11: the
    # lock installs none of them here, and nixpkgs' own packages stay.
    assert (chosen["colorama"], chosen["tomli"], chosen["exceptiongroup"]) == (False, False, False), (
        "locked packages where markers exclude them"
    )
    # The backends are the ones iniconfig's sdist declares (read at translate time).
    (iniconfig,) = [p for p in _model(overlay, recorded_cache)["packages"] if p["name"] == "iniconfig"]
    declared = {r.split(">")[0].split("=")[0].split("<")[0].strip().lower() for r in iniconfig["build-system"]["requires"]}
    assert set(chosen["iniconfigBackends"]) == declared and declared


def _model(overlay: Path, cache: Path) -> dict:
    return json.loads(
        subprocess.run(
            [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), "--emit", "model"],
            cwd=overlay.parent, capture_output=True, text=True, check=True,
        ).stdout
    )


def project(overlay: Path) -> str:
    """The example project on python311 (the stand-in builds only the host's 3.11)."""
    return f"(let p = {pkgs(overlay)}; in p.lock2nixProjects.split-folders.withPython p.python311)"


def test_builds_imports_and_runs_the_project_tests(overlay, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"{project(overlay)}.devEnv", out_link=env)
    code = "; ".join(f"import {m}" for m in MODULES) + "; print('imported', len([" + ", ".join(MODULES) + "]))"
    result = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"imported {len(MODULES)}"
    # The project's own test-suite runs in its tests derivation, with the dev group as check inputs.
    tests = eval_json(f"{project(overlay)}.tests.drvPath", strict=False)
    build(f"{project(overlay)}.tests")
    log = build_log(tests)
    assert "2 passed" in log, log[-3000:]
    # The package itself runs no tests and has no test inputs, not even to evaluate.
    package = eval_json(f"{project(overlay)}.package.drvPath", strict=False)
    assert "2 passed" not in build_log(package)
    runtime = eval_json(f"map (d: d.pname) {project(overlay)}.package.dependencies", strict=True)
    assert "pytest" not in runtime, "test inputs leaked into runtime dependencies"

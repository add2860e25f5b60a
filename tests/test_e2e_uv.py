"""End to end: a real uv.lock (with a fork) built by Nix from artifacts downloaded from PyPI.

The recorded-fork project's uv.lock (written by uv 0.13.9; idna locked at 3.7
for Python < 3.12 and 3.10 from 3.12) is translated offline, then built with
the nixpkgs stand-in (which builds for Python 3.11 only: its host interpreter):
every wheel fetched by the hash uv recorded, the project built from its
directory with hatchling and its own tests run with the dev group as check
inputs, in ``lock2nixProjects.uvfork-demo.tests``. For 3.12 the other side of
the fork is instantiated.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .nixeval import build, build_log, eval_json, nix_str
from .uv_cases import stage_case, uv_cache  # noqa: F401 - a fixture

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, uv_cache) -> Path:  # noqa: F811
    lock = stage_case("uv", "recorded-fork", tmp_path_factory.mktemp("e2e-uv"))
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(uv_cache), "uv.lock", "-o", "overlay.nix"],
        cwd=lock.parent, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return lock.parent / "overlay.nix"


def pkgs(overlay: Path) -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )


def project(overlay: Path, python: str) -> str:
    """The fork project on ``python`` (the stand-in builds only the host's 3.11)."""
    return f"(let p = {pkgs(overlay)}; in p.lock2nixProjects.uvfork-demo.withPython p.{python})"


def test_other_side_of_the_fork_instantiates(overlay) -> None:
    deps = eval_json(f"map (d: d.name) {project(overlay, 'python312')}.package.dependencies", strict=True)
    assert sorted(deps) == ["python3.12-idna-3.10", "python3.12-six-1.17.0"]
    assert eval_json(f"{project(overlay, 'python312')}.tests.drvPath").endswith(".drv")


@pytest.mark.parametrize(("python", "idna"), [("python311", "3.7")])
def test_builds_runs_its_tests_and_takes_the_forked_version(overlay, tmp_path, python: str, idna: str) -> None:
    env = tmp_path / "env"
    build(f"{project(overlay, python)}.runtimeEnv", out_link=env)
    code = "import idna, six, uvfork_demo; print(idna.__version__, uvfork_demo.encode('bücher.example').decode())"
    result = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [idna, "xn--bcher-kva.example"]
    # The project's own tests run in its tests derivation, with the dev group as check inputs.
    tests = eval_json(f"{project(overlay, python)}.tests.drvPath", strict=False)
    build(f"{project(overlay, python)}.tests")
    log = build_log(tests)
    assert "2 passed" in log, log[-3000:]
    package = eval_json(f"{project(overlay, python)}.package.drvPath", strict=False)
    assert "2 passed" not in build_log(package), "the package itself runs no tests"
    runtime = eval_json(f"map (d: d.pname) {project(overlay, python)}.package.dependencies", strict=True)
    assert sorted(runtime) == ["idna", "six"], "test inputs leaked into runtime dependencies"

"""End to end, in both scopes: examples/machinery-pins, whose lock (made by the
real ``poetry lock``) pins wheel, installer, build, packaging, pyproject-hooks,
flit-core, setuptools, tomli and pytest, the packages nixpkgs' build machinery
takes from the package set. Built by Nix from PyPI artifacts, its environment
imports the locked versions, its tests pass in its tests derivation, and
nixpkgs' own packages keep their derivations."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO
from .nixeval import build, build_log, eval_json, nix_str

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]

EXAMPLE = REPO / "examples" / "machinery-pins"
PINNED = ("build", "flit-core", "installer", "packaging", "pyproject-hooks", "setuptools", "tomli", "wheel", "pytest")


def _translate(where: Path, cache: Path, *options: str) -> Path:
    shutil.copytree(EXAMPLE, where)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--cache-dir", str(cache), *options, "poetry.lock", "-o", "overlay.nix"],
        cwd=where, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return where / "overlay.nix"


def _pkgs(overlay: Path | None) -> str:
    overlays = f"(import {overlay})" if overlay else ""
    return f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ {overlays} ]; }})"


@pytest.fixture(scope="module", params=["project", "global"])
def overlay(request, tmp_path_factory, recorded_cache) -> tuple[str, Path]:
    where = tmp_path_factory.mktemp(f"e2e-{request.param}") / "machinery-pins"
    return request.param, _translate(where, recorded_cache, "--scope", request.param)


def _locked_versions(overlay: Path, cache: Path) -> dict[str, str]:
    model = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), "--emit", "model"],
        cwd=overlay.parent, capture_output=True, text=True, check=True,
    ).stdout
    return {p["name"]: p["version"] for p in json.loads(model)["packages"]}


def test_the_lock_set_holds_the_locked_machinery_and_nixpkgs_keeps_its_own(overlay, recorded_cache) -> None:
    scope, path = overlay
    project = f"(let p = {_pkgs(path)}; in p.lock2nixProjects.machinery-pins.withPython p.python311)"
    names = " ".join(nix_str(n) for n in PINNED)
    got = eval_json(
        f"let ps = {project}.python.pkgs; with_ = {_pkgs(path)}.python311Packages; without = {_pkgs(None)}.python311Packages; "
        f"in map (n: {{ locked = ps.${{n}}.version; drv = ps.${{n}}.drvPath; "
        f"global = with_.${{n}}.drvPath == without.${{n}}.drvPath; }}) [ {names} ]"
    )
    locked = _locked_versions(path, recorded_cache)
    for name, row in zip(PINNED, got):
        assert row["locked"] == locked[name], name
        assert row["drv"].endswith(".drv")
        # In both scopes nixpkgs' own machinery is left as it was (global: these names are protected).
        assert row["global"], f"{scope}: python311Packages.{name} changed"


def test_builds_imports_the_locked_versions_and_passes_its_tests(overlay, tmp_path, recorded_cache) -> None:
    scope, path = overlay
    project = f"(let p = {_pkgs(path)}; in p.lock2nixProjects.machinery-pins.withPython p.python311)"
    env = tmp_path / "env"
    build(f"{project}.runtimeEnv", out_link=env)
    probe = "import json, machinery_pins, packaging; print(json.dumps([packaging.__version__, machinery_pins.versions()]))"
    result = subprocess.run([str(env / "bin" / "python"), "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    packaging_version, versions = json.loads(result.stdout)
    locked = _locked_versions(path, recorded_cache)
    assert packaging_version == locked["packaging"]
    assert versions == {name: locked[name] for name in versions}
    tests = eval_json(f"{project}.tests.drvPath", strict=False)
    build(f"{project}.tests")
    assert "3 passed" in build_log(tests), build_log(tests)[-3000:]

"""End to end: a classic Poetry project (``build-backend = "poetry.masonry.api"``,
which only Poetry itself ships) and its classic Poetry sdist dependency (pastel
0.2.0), both built from source by Nix with poetry-core."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO
from .nixeval import build, build_log, eval_json, nix_str

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]

EXAMPLE = REPO / "examples" / "classic-poetry"


@pytest.fixture(scope="module")
def project(tmp_path_factory, recorded_cache) -> str:
    where = tmp_path_factory.mktemp("e2e") / "classic-poetry"
    shutil.copytree(EXAMPLE, where)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--cache-dir", str(recorded_cache), "--prefer", "sdist",
         "poetry.lock", "-o", "overlay.nix"],
        cwd=where, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    pkgs = (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {where / 'overlay.nix'}) ]; }})"
    )
    return f"(let p = {pkgs}; in p.lock2nixProjects.classic-poetry.withPython p.python311)"


def test_the_classic_backend_is_rewritten_for_poetry_core(project) -> None:
    got = eval_json(
        f"let pr = {project}; ps = pr.python.pkgs; in {{ "
        "pastel = { src = ps.pastel.src.name; backends = map (b: b.pname) ps.pastel.build-system; "
        "patch = (builtins.fromJSON (builtins.unsafeDiscardStringContext ps.pastel.standinConfig)).postPatch; }; "
        "root = { backends = map (b: b.pname) pr.package.build-system; "
        "patch = (builtins.fromJSON (builtins.unsafeDiscardStringContext pr.package.standinConfig)).postPatch; }; }"
    )
    assert got["pastel"]["src"] == "pastel-0.2.0.tar.gz"
    for part in ("pastel", "root"):
        assert got[part]["backends"] == ["poetry-core"]
        assert "poetry.masonry.api poetry.core.masonry.api" in got[part]["patch"]


def test_builds_from_source_and_runs_its_tests(project, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"{project}.runtimeEnv", out_link=env)
    result = subprocess.run(
        [str(env / "bin" / "python"), "-c", "import classic_poetry, pastel; print(repr(classic_poetry.shout('ok')))"],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == repr("\x1b[31mOK\x1b[0m")
    tests = eval_json(f"{project}.tests.drvPath", strict=False)
    build(f"{project}.tests")
    assert "1 passed" in build_log(tests)

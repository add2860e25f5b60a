"""End to end: sdists built with poetry-core, hatchling and hatchling + hatch-vcs.

examples/sdist-backends (a real Poetry 2 lock) is translated with
``--prefer sdist``; Nix downloads each sdist from PyPI and builds it with the
backend lock2nix read from the sdist itself.  platformdirs takes its version
from VCS through hatch-vcs: lock2nix pretends it (SETUPTOOLS_SCM_PRETEND_VERSION)
and the installed metadata must carry the locked version.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO
from .nixeval import build, eval_json, nix_str, lock_set

pytestmark = [pytest.mark.nixbuild, pytest.mark.network]

EXAMPLE = REPO / "examples" / "sdist-backends"
EXPECTED_BACKENDS = {
    "tomlkit": ["poetry-core"],
    "annotated-types": ["hatchling"],
    "platformdirs": ["hatch-vcs", "hatchling"],
}


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_cache) -> Path:
    project = tmp_path_factory.mktemp("e2e") / "sdist-backends"
    shutil.copytree(EXAMPLE, project)
    # The index is asked live (this test needs the network for the downloads anyway).
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--cache-dir", str(recorded_cache), "--prefer", "sdist",
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


def test_each_sdist_gets_the_backend_it_declares(overlay) -> None:
    names = " ".join(nix_str(n) for n in EXPECTED_BACKENDS)
    chosen = eval_json(
        f"let ps = {lock_set(pkgs(overlay))}; in builtins.listToAttrs (map (n: {{ name = n; value = {{ "
        "src = ps.${n}.src.name; backends = map (d: d.pname) ps.${n}.build-system; "
        "pretended = ps.${n}.SETUPTOOLS_SCM_PRETEND_VERSION or null; flags = builtins.elem \"pypaBuildFlags\" ps.${n}.lock2nixStandinArgs; }; }) "
        f"[ {names} ])"
    )
    for name, backends in EXPECTED_BACKENDS.items():
        assert chosen[name]["src"].endswith(".tar.gz"), f"{name} did not use its sdist"
        assert sorted(chosen[name]["backends"]) == backends, name
        # Backend version pins in the sdist cannot all hold against one package set.
        assert chosen[name]["flags"], name
    # Only the VCS-versioned build gets the version pretended, and it is the locked one.
    locked = {p["name"]: p["version"] for p in _lock_packages()}
    assert chosen["platformdirs"]["pretended"] == locked["platformdirs"]
    assert chosen["tomlkit"]["pretended"] is None and chosen["annotated-types"]["pretended"] is None


def test_sdists_build_and_the_project_runs(overlay, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"(let p = {pkgs(overlay)}; in p.lock2nixProjects.sdist-backends.withPython p.python311).runtimeEnv", out_link=env)
    code = (
        "import json, importlib.metadata as m, sdist_backends; "
        "print(json.dumps({'describe': sdist_backends.describe('name = \"x\"'), "
        "'versions': {d: m.version(d) for d in ['tomlkit', 'annotated-types', 'platformdirs', 'sdist-backends']}}))"
    )
    result = subprocess.run([str(env / "bin" / "python"), "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["describe"].startswith("x > 0 in ") and "sdist-backends" in out["describe"]
    locked = {p["name"]: p["version"] for p in _lock_packages()}
    for name in ("tomlkit", "annotated-types", "platformdirs"):
        # platformdirs' version comes from the pretended VCS version: a wrong one shows here.
        assert out["versions"][name] == locked[name], name
    assert out["versions"]["sdist-backends"] == "0.1.0"


def _lock_packages() -> list[dict]:
    import tomllib

    return tomllib.loads((EXAMPLE / "poetry.lock").read_text())["package"]

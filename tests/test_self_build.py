"""lock2nix builds itself with lock2nix.

The repository's poetry.lock locks lock2nix's own dependencies; nix/overlay.nix
(and nix/lock2nix-lib.nix) is the overlay lock2nix generated from it, kept
current by the pre-commit hook (.pre-commit-config.yaml) and checked here.
overlays/lock2nix.nix, and so the flake's packages.default, apps.default and
overlays.default, build lock2nix from that overlay: py-rattler, pypi-simple and
packaging are their locked files, which nixpkgs' python3Packages does not have
(py-rattler) or has at other versions. The stand-in builds only the host's
Python 3.11, so the build test picks that interpreter.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from .conda_cases import recorded_conda_cache, stage  # noqa: F401 - a fixture
from .nixeval import build, eval_json, nix_str

ROOT = Path(__file__).resolve().parents[1]


def pkgs(host_python: bool = False) -> str:
    host = f"hostPython = {nix_str(sys.executable)}; " if host_python else ""
    return f"(import {ROOT}/tests/nixpkgs {{ {host}overlays = [ (import {ROOT}/overlays/lock2nix.nix) ]; }})"


def _locked_versions() -> dict[str, list[str]]:
    lock = tomllib.loads((ROOT / "poetry.lock").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for package in lock["package"]:
        out.setdefault(package["name"], []).append(package["version"])
    return out


def test_overlay_is_current() -> None:
    result = subprocess.run([sys.executable, "-m", "lock2nix", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["lock2nix"]["overlays"] == [{"lock": "poetry.lock", "output": "nix/overlay.nix"}]
    assert (ROOT / "nix" / "lock2nix-lib.nix").is_file()


def test_pre_commit_hook_regenerates_it() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = [h for repo in config["repos"] for h in repo["hooks"] if h["id"] == "lock2nix"]
    assert len(hooks) == 1, config
    hook = hooks[0]
    assert hook["entry"] == "lock2nix --pre-commit" and hook["pass_filenames"] is False
    for changed in ("poetry.lock", "pyproject.toml", "translator/lock2nix/nix/lib/conda.nix"):
        assert re.search(hook["files"], changed), changed
    assert not re.search(hook["files"], "tests/test_cli.py")


def test_dependencies_are_the_locked_ones_not_python3packages() -> None:
    locked = _locked_versions()
    got = eval_json(
        f"let p = {pkgs()}; in {{ deps = map (d: {{ n = d.pname; v = d.version; }}) p.lock2nix.dependencies; "
        "standin = p.python3Packages ? py-rattler; version = p.lock2nix.version; }"
    )
    # python3Packages has no py-rattler: it can only come from the lock.
    assert got["standin"] is False
    deps = {d["n"]: d["v"] for d in got["deps"]}
    assert {"py-rattler", "pypi-simple", "packaging", "pyyaml", "jsonschema"} <= deps.keys(), deps
    for name, version in deps.items():
        assert version in locked[name], (name, version, locked.get(name))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert got["version"] == project["version"]


@pytest.mark.nixbuild
@pytest.mark.network
def test_nix_built_lock2nix_translates_an_environment(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    out = tmp_path / "lock2nix"
    build(f"let p = {pkgs(host_python=True)}; in p.lock2nix.withPython p.python311", out_link=out)
    program = out / "bin" / "lock2nix"
    version = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    assert version.returncode == 0, version.stderr
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert version.stdout.strip() == f"lock2nix {project['version']}"
    # The same translation as the pip-installed lock2nix, byte for byte.
    outputs = []
    for name, command in (("nix", [str(program)]), ("pip", [sys.executable, "-m", "lock2nix"])):
        env = stage("pydata__xarray__ci-tests", tmp_path / name)
        result = subprocess.run(
            [*command, "--offline", "--cache-dir", str(recorded_conda_cache), env.name, "-o", "overlay.nix"],
            cwd=env.parent, capture_output=True, text=True, check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append((env.parent / "overlay.nix").read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    # mypy==1.18.1 is pinned: built from the index's files of that release.
    assert re.search(r'pname = "mypy";\s*version = "1.18.1";', outputs[0])
    assert re.search(r'name = "mypy";\s*where = "environment.yml dependencies\[17\]";\s*attribute = "mypy";'
                     r'\s*locked = true;', outputs[0])

"""End to end: a pinned conda environment and a conda-lock.yml, built by Nix.

The environment selects Python 3.11 (the interpreter the stand-in builds for),
pins two conda Python packages (``six=1.16.0``, ``idna==3.4``) and one pip
package (``xmltodict==0.10.2``, an sdist built with setuptools), and takes pip
from nixpkgs' Python set. lock2nix finds the pinned releases on the index
(recorded in tests/data/conda-cache) and the build downloads them from PyPI;
git is a tool of the environment. The environment's python imports the pinned
versions, and its buildEnv links python and git side by side.

The conda-lock.yml (``E2E_CONDA_LOCK``) is written here in conda-lock's format
(version 1) because the shared fixture locks Python 3.12, which the stand-in
does not build: conda's requests and its dependencies at exact versions, with
their conda dependency edges, a native library and a pip package. Its conda
entries' md5 values are placeholders: lock2nix never downloads a conda package,
so they are not used. Their Python packages come from PyPI's files of the
locked releases; the test imports those versions.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from .conda_cases import recorded_conda_cache  # noqa: F401 - a fixture
from .nixeval import build, eval_json, nix_str

#: Shared with tests/data/record_conda.py, which records its index answers.
E2E_ENVIRONMENT = """\
name: conda-e2e
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pip
  - git
  - six=1.16.0
  - idna==3.4
  - pip:
    - xmltodict==0.10.2
"""


def _conda(name: str, version: str, build: str, dependencies: dict[str, str], noarch: bool = True) -> str:
    subdir = "noarch" if noarch else "linux-64"
    deps = "".join(f"\n    {k}: '{v}'" for k, v in dependencies.items()) or " {}"
    return f"""\
- name: {name}
  version: '{version}'
  manager: conda
  platform: linux-64
  dependencies:{deps}
  url: https://conda.anaconda.org/conda-forge/{subdir}/{name}-{version}-{build}.conda
  hash:
    md5: '00000000000000000000000000000000'
  category: main
  optional: false
"""


#: Shared with tests/data/record_conda.py.
E2E_CONDA_LOCK = (
    """\
version: 1
metadata:
  content_hash:
    linux-64: '0000000000000000000000000000000000000000000000000000000000000000'
  channels:
  - url: conda-forge
    used_env_vars: []
  platforms:
  - linux-64
  sources:
  - environment.yml
package:
"""
    + _conda("libzlib", "1.2.13", "hd590300_5", {}, noarch=False)
    + _conda("python", "3.11.6", "hab00c5b_0_cpython", {"libzlib": ">=1.2.13,<1.3.0a0"}, noarch=False)
    + _conda("idna", "3.4", "pyhd8ed1ab_0", {"python": ">=3.6"})
    + _conda("certifi", "2023.7.22", "pyhd8ed1ab_0", {"python": ">=3.7"})
    + _conda("charset-normalizer", "3.3.2", "pyhd8ed1ab_0", {"python": ">=3.7"})
    + _conda("urllib3", "2.0.7", "pyhd8ed1ab_0", {"python": ">=3.7"})
    + _conda("requests", "2.31.0", "pyhd8ed1ab_0", {
        "certifi": ">=2017.4.17", "charset-normalizer": ">=2,<4", "idna": ">=2.5,<4", "python": ">=3.7",
        "urllib3": ">=1.21.1,<3"})
    + """\
- name: six
  version: 1.16.0
  manager: pip
  platform: linux-64
  dependencies: {}
  url: https://files.pythonhosted.org/packages/d9/5a/e7c31adbe875f2abbb91bd84cf2dc52d792b5a01506781dbcf25c91daf11/six-1.16.0-py2.py3-none-any.whl
  hash:
    sha256: 8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254
  category: main
  optional: false
"""
)


def _translate(work: Path, file: str, text: str, cache: Path) -> Path:
    (work / file).write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), file, "-o", "overlay.nix"],
        cwd=work, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    return work / "overlay.nix"


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_conda_cache) -> Path:  # noqa: F811
    return _translate(tmp_path_factory.mktemp("conda-e2e"), "environment.yml", E2E_ENVIRONMENT, recorded_conda_cache)


@pytest.fixture(scope="module")
def lock_overlay(tmp_path_factory, recorded_conda_cache) -> Path:  # noqa: F811
    work = tmp_path_factory.mktemp("conda-e2e") / "e2e-lock"
    work.mkdir()
    return _translate(work, "conda-lock.yml", E2E_CONDA_LOCK, recorded_conda_cache)


def environment(overlay: Path, name: str = "conda-e2e") -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }}).lock2nixEnvironments.{name}"
    )


def test_pins_are_locked_from_the_index(overlay, lock_overlay) -> None:
    # Every pinned Python package is the lock's own (locked = true), none nixpkgs' package.
    got = eval_json(
        f"let e = {environment(overlay)}; in map (p: p.version) (with e.python.pkgs; [ six idna xmltodict ])"
    )
    assert got == ["1.16.0", "3.4", "0.10.2"]
    got = eval_json(
        f"let e = {environment(lock_overlay, 'e2e-lock')}; in "
        "map (p: p.version) (with e.python.pkgs; [ requests urllib3 idna certifi charset-normalizer six ])"
    )
    assert got == ["2.31.0", "2.0.7", "3.4", "2023.7.22", "3.3.2", "1.16.0"]
    # conda's dependency edges, mapped to PyPI names.
    deps = eval_json(
        f"let e = {environment(lock_overlay, 'e2e-lock')}; in map (d: d.pname) e.python.pkgs.requests.dependencies"
    )
    assert sorted(deps) == ["certifi", "charset-normalizer", "idna", "urllib3"]


@pytest.mark.nixbuild
@pytest.mark.network
def test_environment_builds_and_imports_pinned_packages(overlay, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"{environment(overlay)}.env", out_link=env)
    python = env / "bin" / "python3"
    result = subprocess.run(
        [str(python), "-c", ("import sys, six, idna, xmltodict, pip; print(sys.version_info[:2], six.__version__, "
                             "idna.__version__, xmltodict.__version__)")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 11) 1.16.0 3.4 0.10.2"
    # git, the environment's tool, is linked beside the interpreter.
    assert (env / "nix-support" / "lock2nix-standin-inert").exists()


@pytest.mark.nixbuild
@pytest.mark.network
def test_conda_lock_builds_and_imports_locked_versions(lock_overlay, tmp_path) -> None:
    env = tmp_path / "env"
    build(f"{environment(lock_overlay, 'e2e-lock')}.pythonEnv", out_link=env)
    result = subprocess.run(
        [str(env / "bin" / "python3"), "-c",
         ("import sys, requests, urllib3, idna, certifi, charset_normalizer, six; "
          "print(sys.version_info[:2], requests.__version__, urllib3.__version__, idna.__version__, "
          "certifi.__version__, charset_normalizer.__version__, six.__version__)")],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(3, 11) 2.31.0 2.0.7 3.4 2023.07.22 3.3.2 1.16.0"

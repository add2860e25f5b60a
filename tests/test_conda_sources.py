"""Where each member of a conda environment comes from, decided for one environment.

- ``six=1.16.0`` (conda's exact pin of a Python package): PyPI's files of 1.16.0, in
  the environment's own package set, whatever version nixpkgs has;
- ``numpy>=2.2`` (a loose spec): nixpkgs' package, checked when Nix evaluates;
- ``ffmpeg=8.0.1`` and ``ninja=1.10.2`` (tools in lock2nix's table): nixpkgs' top level;
  nixpkgs has other versions, which is a warning by default and an error with
  ``conda-versions = "error"``;
- ``bowtie2=2.5.1`` (in neither table; PyPI has no such project): decided when Nix
  evaluates: nixpkgs' Python set lacks it, so the top-level attribute;
- ``frobnicator-x`` and ``frobnicator-y`` (in neither table, nowhere in nixpkgs): one
  error naming both.

The stand-in has no ffmpeg, ninja or bowtie2; ``TOOLS`` adds them at top level at the
versions nixpkgs 25.05 carries for ffmpeg and ninja (7.1.1, 1.12.1; bowtie2's is a test
value), and tests/nix/python-stubs.nix gives the Python set a numpy at version "0".
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conda_cases import recorded_conda_cache  # noqa: F401 - a fixture
from .nixeval import NixError, eval_json, nix_str
from .test_translate_fixtures import lock2nix

#: Shared with tests/data/record_conda.py, which records its index answers.
SOURCES_ENVIRONMENT = """\
name: sources
dependencies:
  - python=3.11
  - six=1.16.0
  - numpy>=2.2
  - ffmpeg=8.0.1
  - ninja=1.10.2
  - bioconda::bowtie2=2.5.1
"""

TOOLS = (
    "(final: prev: { ffmpeg = prev.stdenv.mkInert \"ffmpeg-7.1.1\" { pname = \"ffmpeg\"; version = \"7.1.1\"; }; "
    "ninja = prev.stdenv.mkInert \"ninja-1.12.1\" { pname = \"ninja\"; version = \"1.12.1\"; }; "
    "bowtie2 = prev.stdenv.mkInert \"bowtie2-2.5.4\" { pname = \"bowtie2\"; version = \"2.5.4\"; }; })"
)


def pkgs(overlay: Path) -> str:
    return (
        f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ (import {overlay}) {TOOLS} "
        '(import ./tests/nix/python-stubs.nix [ "numpy" ]) ]; })'
    )


@pytest.fixture(scope="module")
def overlay(tmp_path_factory, recorded_conda_cache) -> Path:  # noqa: F811
    work = tmp_path_factory.mktemp("sources")
    (work / "environment.yml").write_text(SOURCES_ENVIRONMENT, encoding="utf-8")
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=work, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    # bowtie2 2.5.1 is not on PyPI: said once, and left to evaluation time.
    assert "bowtie2 2.5.1 is not listed on index https://pypi.org/simple/" in result.stderr
    return work / "overlay.nix"


def instantiate(expr: str) -> subprocess.CompletedProcess:
    return subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr],
                          capture_output=True, text=True, check=False)


def test_each_member_comes_from_its_place(overlay) -> None:
    env = f"(let e = {pkgs(overlay)}.lock2nixEnvironments.sources; in e.override {{ check = \"warn\"; }})"
    proc = instantiate(
        f"let e = {env}; in {{ six = e.python.pkgs.six.version; sixSrc = e.python.pkgs.six.src.name; "
        "libs = map (d: \"${d.pname}-${d.version}\") e.pythonEnv.extraLibs; tools = map (t: t.name) e.tools; "
        "drv = e.env.drvPath; }"
    )
    assert proc.returncode == 0, proc.stderr
    import json

    got = json.loads(proc.stdout)
    assert got["six"] == "1.16.0" and got["sixSrc"] == "six-1.16.0-py2.py3-none-any.whl"
    assert sorted(got["libs"]) == ["numpy-0", "six-1.16.0"]
    assert got["tools"] == ["ffmpeg-7.1.1", "ninja-1.12.1", "bowtie2-2.5.4"]
    # Tool versions differ: warnings. numpy>=2.2 against nixpkgs' "0": a warning in warn mode.
    assert "environment.yml dependencies[3]: ffmpeg=8.0.1 is not satisfied by nixpkgs' ffmpeg 7.1.1" in proc.stderr
    assert "environment.yml dependencies[4]: ninja=1.10.2 is not satisfied by nixpkgs' ninja 1.12.1" in proc.stderr
    assert "numpy>=2.2 is not satisfied by nixpkgs' python3.11 package numpy 0" in proc.stderr
    assert "six" not in proc.stderr


def test_tool_versions_warn_by_default_and_fail_with_conda_versions_error(overlay) -> None:
    env = f"{pkgs(overlay)}.lock2nixEnvironments.sources"
    proc = instantiate(f"map (t: t.name) {env}.tools")
    assert proc.returncode == 0, proc.stderr
    assert "lock2nix: warning: environment.yml dependencies[3]: ffmpeg=8.0.1 is not satisfied" in proc.stderr
    with pytest.raises(NixError, match=r"ffmpeg=8.0.1 is not satisfied by nixpkgs' ffmpeg 7.1.1"):
        eval_json(f"map (t: t.name) ({env}.override {{ toolCheck = \"error\"; }}).tools")
    # The Python check stays strict by default: numpy>=2.2 is not met by nixpkgs' "0".
    with pytest.raises(NixError, match=r"numpy>=2.2 is not satisfied by nixpkgs' python3.11 package numpy 0"):
        eval_json(f"{env}.pythonEnv.drvPath")


def test_conda_versions_error_makes_tool_differences_fatal(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("name: strict\ndependencies:\n  - ninja=1.10.2\n")
    (tmp_path / "lock2nix.toml").write_text('conda-versions = "error"\n')
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "overlay.nix").read_text()
    assert 'check = "error";' in text and 'toolCheck = "error";' in text
    with pytest.raises(NixError, match=r"ninja=1.10.2 is not satisfied by nixpkgs' ninja 1.12.1"):
        eval_json(f"map (t: t.name) {pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.strict.tools")


def test_names_nixpkgs_has_nowhere_are_one_error(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text(
        "name: missing\ndependencies:\n  - python=3.11\n  - frobnicator-x\n  - ninja\n  - frobnicator-y>=1\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    env = f"{pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.missing"
    with pytest.raises(NixError, match=re.escape(
            "environment missing: neither nixpkgs' python3.11 package set nor its top level has frobnicator-x "
            "(environment.yml dependencies[1]), frobnicator-y (environment.yml dependencies[3])")):
        eval_json(f"{env}.env.drvPath")
    # warn: one warning, and the others are installed.
    proc = instantiate(f"map (t: t.name) ({env}.override {{ check = \"warn\"; }}).tools")
    assert proc.returncode == 0 and "frobnicator-x (environment.yml dependencies[1])" in proc.stderr
    assert proc.stdout.strip() == '["ninja-1.12.1"]'

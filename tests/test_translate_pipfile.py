"""Every real Pipfile.lock fixture translates offline from recorded data; its overlay evaluates.

The sibling of test_translate_fixtures.py for Pipfile.lock: each fixture is
translated from the recorded index answers and metadata (tests/data/pipfile-cache,
see tests/data/README.md), its model validates, its overlay is byte-identical
across runs, and every package instantiates under the nixpkgs stand-in on
Linux and macOS for the interpreters the lock allows.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jsonschema
import pytest

from .nixeval import eval_json, nix_str, parse_file
from .pipfile_cases import (
    OFFLINE_ERRORS,
    PIPFILE_CASES,
    UNRECORDED,
    recorded_pipfile_cache,  # noqa: F401 - a fixture
    stage_pipfile_case,
)
from .test_translate_fixtures import FACTS_ARGUMENTS, SCHEMA, SYSTEMS, lock2nix

STANDIN_PYTHONS = ("python310", "python311", "python312", "python313")


@pytest.fixture(scope="module")
def translated(tmp_path_factory, recorded_pipfile_cache) -> dict[str, Path]:  # noqa: F811
    out = {}
    for case in PIPFILE_CASES:
        lock = stage_pipfile_case(case, tmp_path_factory.mktemp("pipfile"))
        result = lock2nix("Pipfile.lock", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_pipfile_cache)
        assert result.returncode == 0, f"{case}: {result.stderr}"
        assert result.stderr == "", f"{case}: unexpected output on stderr: {result.stderr}"
        out[case] = lock.parent / "overlay.nix"
    return out


def model_of(overlay: Path, cache: Path) -> dict:
    result = lock2nix("Pipfile.lock", "--emit", "model", cwd=overlay.parent, cache=cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", sorted(UNRECORDED))
def test_complete_fixture_names_what_is_not_recorded(case, tmp_path, recorded_pipfile_cache) -> None:  # noqa: F811
    lock = stage_pipfile_case(case, tmp_path, complete=True)
    result = lock2nix("Pipfile.lock", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_pipfile_cache)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert OFFLINE_ERRORS[case] in result.stderr, result.stderr
    assert "run without --offline" in result.stderr
    assert not (lock.parent / "overlay.nix").exists()


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_overlay_parses(case, translated) -> None:
    parse_file(translated[case])


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_model_validates_and_is_complete(case, translated, recorded_pipfile_cache) -> None:  # noqa: F811
    model = model_of(translated[case], recorded_pipfile_cache)
    jsonschema.validate(model, SCHEMA)
    assert model["format"] == "Pipfile.lock" and model["dependencies-from"] == "metadata"
    names = {p["name"] for p in model["packages"]}
    edges = 0
    for package in model["packages"]:
        source = package["source"]
        assert "locked-hashes" not in source and "fallbacks" not in source, package["name"]
        if source["kind"] == "index":
            artifacts = source.get("wheels", []) + ([source["sdist"]] if "sdist" in source else [])
            assert artifacts, package["name"]
            assert all(a["url"].startswith("https://") for a in artifacts), package["name"]
        if source["kind"] == "vcs":
            assert source["hash"].startswith("sha256-"), package["name"]
        for dep in package.get("dependencies", []):
            assert dep["name"] in names  # edges to names not in the lock are dropped
            edges += 1
    assert edges, "no dependency edge was recovered from the metadata"


def test_every_locked_hash_is_an_artifact(translated, recorded_pipfile_cache) -> None:  # noqa: F811
    overlay = translated["pypa__pipenv__examples-head"]
    model = model_of(overlay, recorded_pipfile_cache)
    lock = json.loads((overlay.parent / "Pipfile.lock").read_text())
    for category in ("default", "develop"):
        for name, entry in lock[category].items():
            (package,) = [p for p in model["packages"] if p["name"] == name]
            source = package["source"]
            artifacts = source.get("wheels", []) + [source["sdist"]]
            assert {f"sha256:{a['hashes']['sha256']}" for a in artifacts} == set(entry["hashes"]), name


def test_edges_markers_and_extras_from_metadata(translated, recorded_pipfile_cache) -> None:  # noqa: F811
    model = model_of(translated["pypa__pipenv__2024-git-editable"], recorded_pipfile_cache)
    packages = {p["name"]: p for p in model["packages"]}
    # Requires-Dist markers are kept for evaluation time.
    pytest_deps = {d["name"]: d.get("marker") for d in packages["pytest"]["dependencies"]}
    assert pytest_deps["colorama"] == 'sys_platform == "win32"'
    assert "iniconfig" in pytest_deps and pytest_deps["iniconfig"] is None
    # extra == "toml" edges belong to the extra.
    coverage = packages["coverage"]
    assert [d["name"] for d in coverage["extras"]["toml"]] == ["tomli"]
    assert "tomli" not in {d["name"] for d in coverage.get("dependencies", [])}


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_output_is_byte_identical_across_runs_and_hash_seeds(case, translated, recorded_pipfile_cache, tmp_path) -> None:  # noqa: F811
    first = translated[case]
    again = tmp_path / case
    shutil.copytree(first.parent, again)
    (again / "overlay.nix").unlink()
    result = lock2nix(
        "Pipfile.lock", "-o", "overlay.nix", cwd=again, cache=recorded_pipfile_cache, env={"PYTHONHASHSEED": "4242"}
    )
    assert result.returncode == 0, result.stderr
    assert (again / "overlay.nix").read_bytes() == first.read_bytes()


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_output_is_byte_identical_across_key_orders(case, translated, recorded_pipfile_cache, tmp_path) -> None:  # noqa: F811
    """Every object's keys (packages, their fields, _meta) and each hash list in another order."""
    import random

    from .test_translate_fixtures import _shuffled, _without_digest

    first = translated[case]
    again = tmp_path / case
    shutil.copytree(first.parent, again)
    (again / "overlay.nix").unlink()
    lock = again / "Pipfile.lock"
    data = json.loads(lock.read_text(encoding="utf-8"))
    reordered = _shuffled(data, random.Random(case), sets=frozenset({"hashes"}))
    lock.write_text(json.dumps(reordered, indent=4) + "\n", encoding="utf-8")
    assert list(reordered) != list(data) or len(data) < 2 or list(reordered.get("default", {})) != list(data.get("default", {}))
    result = lock2nix(
        "Pipfile.lock", "-o", "overlay.nix", cwd=again, cache=recorded_pipfile_cache, env={"PYTHONHASHSEED": "99"}
    )
    assert result.returncode == 0, result.stderr
    assert _without_digest((again / "overlay.nix").read_text()) == _without_digest(first.read_text())


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_output_hashes_are_sri(case, translated) -> None:
    from .test_translate_fixtures import assert_sri_hashes_only

    assert assert_sri_hashes_only(translated[case].read_text()) > 0


def allowed_pythons(model: dict) -> list[str]:
    from packaging.specifiers import SpecifierSet

    spec = SpecifierSet(model["root"].get("requires-python", ""))
    versions = {p: f"3.{p[len('python3'):]}.0" for p in STANDIN_PYTHONS}
    return [p for p in STANDIN_PYTHONS if spec.contains(versions[p])]


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_every_package_instantiates(case, system, translated, recorded_pipfile_cache) -> None:  # noqa: F811
    overlay = translated[case]
    model = model_of(overlay, recorded_pipfile_cache)
    allowed = allowed_pythons(model)
    # A lock for an interpreter the stand-in lacks (3.6) still gives a package set
    # in every interpreter; only the project's environments need the one it names.
    pythons = allowed or list(STANDIN_PYTHONS)
    result = eval_json(
        f"import ./tests/nix/instantiate-overlay.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
        f"hostPython = {nix_str(sys.executable)}; pythons = [ {' '.join(nix_str(p) for p in pythons)} ]; }}",
        timeout=900,
    )
    projects = result.pop("projects")
    unknown = set(result.pop("arguments")) - FACTS_ARGUMENTS
    assert not unknown, f"arguments nixpkgs' buildPythonPackage does not document: {sorted(unknown)}"
    names = {p["name"] for p in model["packages"]}
    for python, attrs in result.items():
        assert names <= set(attrs), f"{python}: overlay lacks {sorted(names - set(attrs))}"
        threw = sorted(name for name, value in attrs.items() if value == "THROW")
        assert not threw, f"{case} {python} {system}: {threw}"
        built = [v for v in attrs.values() if v != "null"]
        assert built and all(v.endswith(".drv") for v in built)
    (project,) = projects.values()
    for env, value in project.items():
        if allowed:
            assert value.endswith(".drv"), f"{case} {env}: {value}"
        else:
            assert value == "THROW"
            message = _project_error(overlay, system, model["root"]["name"], env)
            assert f"no Python interpreter in nixpkgs satisfies {model['root']['requires-python']}" in message


def _project_error(overlay: Path, system: str, name: str, env: str) -> str:
    from .nixeval import NixError

    try:
        eval_json(f"({pkgs(overlay, system)}).lock2nixProjects.{nix_str(name)}.{env}.drvPath")
    except NixError as exc:
        return str(exc)
    raise AssertionError("evaluated")


def pkgs(overlay: Path, system: str = "x86_64-linux") -> str:
    return (
        f"import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }}"
    )


def _names(expr: str) -> list[str]:
    return eval_json(f"map (d: d.pname or d.name) (builtins.filter (d: d != null) ({expr}))")


def test_develop_packages_are_check_inputs_never_runtime(translated) -> None:
    overlay = translated["psf__black__2021-editable-extras"]
    project = f"({pkgs(overlay)}).lock2nixProjects.black"
    black = f"{project}.package"
    runtime = set(_names(f"{black}.dependencies"))
    # The stand-in keeps buildPythonPackage's arguments; read them back through an override.
    def check_inputs(drv: str) -> set[str]:
        return set(_names(f"({drv}.overridePythonAttrs (old: {{ passthru.checks = old.nativeCheckInputs or [ ]; }})).checks"))

    assert {"click", "aiohttp", "platformdirs"} <= runtime
    # pytest, tox, mypy are develop-only; setuptools-scm is in both categories.
    assert not {"pytest", "tox", "mypy", "sphinx"} & runtime
    assert not check_inputs(black), "the package itself has no test inputs"
    assert {"pytest", "tox", "mypy", "sphinx", "setuptools-scm"} <= check_inputs(f"{project}.tests")
    assert "pytest" not in _names(f"{project}.runtimeEnv.extraLibs ++ {black}.dependencies")
    dev = set(_names(f"{project}.devEnv.extraLibs"))
    assert {"pytest", "tox", "black"} <= dev


def test_environment_only_lock_puts_develop_in_dev_env(translated) -> None:
    overlay = translated["pypa__pipenv__examples-head"]
    project = f"({pkgs(overlay)}).lock2nixProjects.pypa-pipenv-examples-head"
    runtime = set(_names(f"{project}.runtimeEnv.extraLibs"))
    dev = set(_names(f"{project}.devEnv.extraLibs"))
    assert {"requests", "urllib3", "idna", "certifi", "charset-normalizer"} == runtime
    assert {"pytest", "pluggy", "iniconfig"} <= dev - runtime
    assert eval_json(f"{project}.python.pythonVersion") == "3.11"


def test_custom_category_is_a_group(translated) -> None:
    overlay = translated["tufts-ai-robotics-group__polycraft-novelty-data__custom-categories"]
    project = f"({pkgs(overlay)}).lock2nixProjects.polycraft-nov-data"
    dev = set(_names(f"{project}.devEnv.extraLibs"))
    runtime = set(_names(f"{project}.runtimeEnv.extraLibs"))
    # The project is built with default's packages; torch_cpu's are for development.
    assert runtime == {"polycraft-nov-data"}
    assert {"pillow", "numpy", "requests"} <= dev
    package = f"({pkgs(overlay)}).lock2nixProjects.polycraft-nov-data.package"
    assert "pandas" in _names(f"{package}.dependencies")
    assert "pillow" not in _names(f"{package}.dependencies")

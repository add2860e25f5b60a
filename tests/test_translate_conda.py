"""conda environment files → overlays: every fixture, the diagnostics, the refusals.

Each environment fixture (tests/fixtures/conda) is translated offline from the
recorded index answers (tests/data/conda-cache); its model validates, its
overlay is byte-identical across runs, and lock2nixEnvironments.<name>
evaluates under the nixpkgs stand-in: python, pythonEnv, env and shell
instantiate on Linux and macOS with check = "warn" (the stand-in lacks some
packages and has placeholder versions), and with the default check = "error"
a spec nixpkgs does not satisfy stops evaluation with a message naming it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from .conda_cases import ENV_CASES, ENVIRONMENTS, LOCKED, recorded_conda_cache, stage  # noqa: F401
from .nixeval import NixError, eval_json, nix_str, parse_file
from .test_translate_fixtures import SCHEMA, lock2nix

SYSTEMS = ("x86_64-linux", "aarch64-darwin")

#: What translating each fixture says on stderr (each line must contain one of these, and each of these
#: must appear): unknown names, unpinned pip requirements, missing files and unreachable indexes.
WARNINGS = {
    "conda__conda-lock__tests-channel-inversion": [],
    "conda__conda-lock__tests-pip-deps": ["1 pip requirement(s) without an exact pin (==) come from nixpkgs' Python set"],
    "conda__conda-lock__tests-pip-full-url": ["has no #sha256=: lock2nix downloads it once"],
    "conda__conda-lock__tests-pip-repositories": [
        "pip-repositories[0]: index http://$PIP_USER:$PIP_PASSWORD@private-pypi.org/api/pypi/simple refers to environment variables",
        "pip-repositories[1]: index http://$PIP_USER:$PIP_PASSWORD@private-pypi-custom-port.org:8080",
        "fake-private-package 1.0.0 is not listed on index https://pypi.org/simple/; taken from nixpkgs",
        "fake-private-package-custom-port 1.0.0 is not listed on index https://pypi.org/simple/; taken from nixpkgs",
    ],
    "conda__conda__tests-advanced-pip": [
        "dependencies[1].pip[3]: git+{ARGH_PATH_PLACEHOLDER}#egg=argh: it is not a git URL lock2nix can fetch",
        "dependencies[1].pip[4]: './module_to_install_in_editable_mode' does not exist",
        "dependencies[1].pip[5]: requirements file 'another-project-requirements.txt' does not exist",
        "1 pip requirement(s) without an exact pin",
        "index https://pypi.doubanio.com/simple/ is not in the cache (--offline); trying the next index",
    ],
    "facebookresearch__dinov2__conda-yaml": [
        "git+https://github.com/facebookincubator/submitit: it names no commit",
        ("2 pip requirement(s) without an exact pin (==) come from nixpkgs' Python set, their version specs checked "
         "when Nix evaluates: git+https://github.com/facebookincubator/submitit, cuml-cu11"),
    ],
    "jupyterhub__repo2docker__py310-linux64-explicit": [],
    "nf-core__rnaseq__deseq2-qc": [],
    "pangeo-data__pangeo-docker-images__pytorch-notebook": [],
    "pydata__xarray__ci-tests": ["3 pip requirement(s) without an exact pin (==) come from nixpkgs' Python set"],
}


@pytest.fixture(scope="module")
def translated(tmp_path_factory, recorded_conda_cache) -> dict[str, tuple[Path, str]]:  # noqa: F811
    out = {}
    for case in ENV_CASES:
        env = stage(case, tmp_path_factory.mktemp("conda"))
        result = lock2nix(env.name, "-o", "overlay.nix", cwd=env.parent, cache=recorded_conda_cache)
        assert result.returncode == 0, f"{case}: {result.stderr}"
        out[case] = (env.parent / "overlay.nix", result.stderr)
    return out


def model_of(overlay: Path, cache: Path, case: str) -> dict:
    result = lock2nix(ENVIRONMENTS[case], "--emit", "model", cwd=overlay.parent, cache=cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def pkgs(overlay: Path, system: str = "x86_64-linux") -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )


def environment(overlay: Path, system: str = "x86_64-linux", check: str = "warn") -> str:
    return (
        f"(let e = {pkgs(overlay, system)}.lock2nixEnvironments; in "
        f"(e.${{builtins.head (builtins.attrNames e)}}).override {{ check = {nix_str(check)}; }})"
    )


@pytest.mark.parametrize("case", ENV_CASES)
def test_diagnostics(case, translated) -> None:
    _, stderr = translated[case]
    lines = stderr.splitlines()
    assert all(line.startswith("lock2nix: warning: ") for line in lines), stderr
    for expected in WARNINGS[case]:
        assert expected in stderr, f"{case}: missing {expected!r} in:\n{stderr}"
    assert len(lines) == len(WARNINGS[case]), stderr


@pytest.mark.parametrize("case", ENV_CASES)
def test_overlay_parses_and_model_validates(case, translated, recorded_conda_cache) -> None:  # noqa: F811
    overlay, _ = translated[case]
    parse_file(overlay)
    model = model_of(overlay, recorded_conda_cache, case)
    jsonschema.validate(model, SCHEMA)
    assert model["format"] == "environment.yml"
    for package in model["packages"]:
        source = package["source"]
        assert "version-only" not in source, package["name"]
        if source["kind"] == "index":
            artifacts = source.get("wheels", []) + ([source["sdist"]] if "sdist" in source else [])
            assert artifacts and all(a["url"].startswith("https://") for a in artifacts), package["name"]


@pytest.mark.parametrize("case", ENV_CASES)
def test_output_is_byte_identical_across_runs(case, translated, recorded_conda_cache, tmp_path) -> None:  # noqa: F811
    overlay, _ = translated[case]
    again = tmp_path / case
    shutil.copytree(overlay.parent, again)
    (again / "overlay.nix").unlink()
    result = lock2nix(ENVIRONMENTS[case], "-o", "overlay.nix", cwd=again, cache=recorded_conda_cache,
                      env={"PYTHONHASHSEED": "4242"})
    assert result.returncode == 0, result.stderr
    assert (again / "overlay.nix").read_bytes() == overlay.read_bytes()


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("case", ENV_CASES)
def test_environment_instantiates(case, system, translated) -> None:
    overlay, _ = translated[case]
    env = environment(overlay, system)
    got = eval_json(
        f"let e = {env}; in {{ python = e.python.pythonVersion; pythonEnv = e.pythonEnv.drvPath; "
        "env = e.env.drvPath; shell = e.shell.drvPath; tools = map (t: t.name) e.tools; }"
    )
    for attr in ("pythonEnv", "env", "shell"):
        assert got[attr].endswith(".drv"), (attr, got)


def _names(expr: str) -> list[str]:
    return eval_json(f"map (d: d.pname or d.name) (builtins.filter (d: d != null) ({expr}))")


def test_python_spec_selects_the_interpreter(translated) -> None:
    overlay, _ = translated["conda__conda-lock__tests-pip-repositories"]  # python=3.11
    assert eval_json(f"{environment(overlay)}.python.pythonVersion") == "3.11"
    overlay, _ = translated["jupyterhub__repo2docker__py310-linux64-explicit"]  # python=3.10.*
    assert eval_json(f"{environment(overlay)}.python.pythonVersion") == "3.10"


def test_interpreter_nixpkgs_lacks_is_an_error_naming_the_spec(translated) -> None:
    overlay, _ = translated["facebookresearch__dinov2__conda-yaml"]  # python=3.9; the stand-in stops at 3.10
    with pytest.raises(NixError, match="environment dinov2: no Python interpreter in nixpkgs satisfies python=3.9"):
        eval_json(f"{environment(overlay, check='error')}.python.version")


def test_version_mismatch_is_an_error_naming_entry_and_versions(translated) -> None:
    overlay, _ = translated["pydata__xarray__ci-tests"]
    with pytest.raises(NixError) as error:
        eval_json(f"{environment(overlay, check='error')}.pythonEnv.drvPath")
    message = str(error.value)
    assert "environment.yml dependencies[8]: nixpkgs has no python3.12 package flox (for flox)" in message
    assert 'set conda-versions = \\"warn\\"' in message or 'set conda-versions = "warn"' in message


def test_conda_names_map_to_nixpkgs_attributes(translated) -> None:
    overlay, _ = translated["pydata__xarray__ci-tests"]
    members = set(_names(f"{environment(overlay)}.pythonEnv.extraLibs"))
    # matplotlib-base -> matplotlib, dask-core -> dask, opt_einsum -> opt-einsum, pip-only jax
    assert {"matplotlib", "dask", "opt-einsum", "jax", "numpy", "zarr", "types-pyyaml"} <= members
    assert not {"matplotlib-base", "dask-core", "flox"} & members  # flox: not in the stand-in (warned)
    tools = eval_json(f"map (t: t.pname) {environment(overlay)}.tools")
    assert tools == ["hdf5-cpp", "pre-commit"]  # the stand-in's hdf5 is named as nixpkgs' (hdf5-cpp)


def test_r_packages_join_an_r_wrapper(translated) -> None:
    overlay, _ = translated["nf-core__rnaseq__deseq2-qc"]
    (wrapper,) = eval_json(f"map (t: t.pname) {environment(overlay)}.tools")
    assert wrapper == "R-wrapper"
    packages = _names(f"(builtins.head {environment(overlay)}.tools).propagatedBuildInputs")
    assert sorted(packages) == sorted(
        f"r-{n}" for n in ["optparse", "ggplot2", "RColorBrewer", "pheatmap", "DESeq2", "BiocParallel", "tximport",
                           "ComplexHeatmap"]
    )


def test_pinned_and_url_pip_packages_are_locked_with_dependencies_from_nixpkgs(translated, recorded_conda_cache) -> None:  # noqa: F811
    overlay, _ = translated["conda__conda-lock__tests-pip-full-url"]
    model = model_of(overlay, recorded_conda_cache, "conda__conda-lock__tests-pip-full-url")
    packages = {p["name"]: p for p in model["packages"]}
    requests = packages["requests"]["source"]
    assert requests["kind"] == "archive" and requests["artifact"]["hashes"]["sha256"].startswith("58cd2187")
    typing = packages["typing-extensions"]["source"]
    assert typing["artifact"]["hashes"]["sha256"] == "8f92fc8806f9a6b641eaa5318da32b44d401efaac0f6678c9bc448ba3605faa0"
    # requests' dependencies are not in the environment: nixpkgs provides them.
    for name in ("idna", "urllib3", "certifi", "charset-normalizer"):
        assert packages[name]["source"]["kind"] == "nixpkgs", name
    deps = _names(f"{pkgs(overlay)}.python312.pkgs.requests.dependencies")
    assert {"idna", "urllib3", "certifi", "charset-normalizer"} <= set(deps)
    # The locked packages are in the environment, from the lock.
    env = f"{environment(overlay)}.pythonEnv.extraLibs"
    assert eval_json(f"map (d: d.src.name) (builtins.filter (d: d.pname == \"requests\") {env})") == [
        "requests-2.31.0-py3-none-any.whl"
    ]


def test_version_pin_takes_the_files_of_that_version(translated, recorded_conda_cache) -> None:  # noqa: F811
    overlay, _ = translated["conda__conda__tests-advanced-pip"]
    model = model_of(overlay, recorded_conda_cache, "conda__conda__tests-advanced-pip")
    (xmltodict,) = [p for p in model["packages"] if p["name"] == "xmltodict"]
    assert xmltodict["version"] == "0.10.2"
    assert xmltodict["source"]["sdist"]["filename"] == "xmltodict-0.10.2.tar.gz"
    # The overlay says where the hash comes from, and what is not installed.
    text = overlay.read_text()
    assert "pip records no hash, so the files are pinned to the sha256 the index listed" in text
    assert "# - ./module_to_install_in_editable_mode (dependencies[1].pip[4])" in text
    assert "another-project-requirements.txt" in text


def test_unknown_conda_name_is_reported_with_suggestions(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text(
        "name: t\ndependencies:\n  - python=3.11\n  - libfrobnicate\n  - pytorh-cuda\n  - numpy\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    assert ("environment.yml:4: dependencies[1]: conda package 'libfrobnicate' is not in lock2nix's tables and "
            "cannot be a Python package") in result.stderr
    # pytorh-cuda could be a PyPI name: it is taken as the Python package of that name, checked when evaluated.
    assert "pytorh-cuda" not in result.stderr
    text = (tmp_path / "overlay.nix").read_text()
    assert "libfrobnicate (dependencies[1]): unknown conda package" in text


def test_suggestion_names_a_table_entry(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("dependencies:\n  - libgomp5\n")
    result = lock2nix("environment.yml", "--emit", "model", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0
    assert "did you mean libgomp" in result.stderr


def test_conda_versions_config_sets_the_check(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("name: cfg\ndependencies:\n  - python=3.11\n  - numpy>=2.2\n")
    (tmp_path / "lock2nix.toml").write_text('conda-versions = "warn"\n')
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    assert 'check = "warn";' in (tmp_path / "overlay.nix").read_text()
    (tmp_path / "lock2nix.toml").write_text('conda-versions = "sometimes"\n')
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2 and "conda-versions" in result.stderr


def test_satisfied_specs_pass_in_error_mode(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    # The stand-in's real packages have real versions: packaging 26.3, pip 25.0.1, nodejs 22.14.0.
    (tmp_path / "environment.yml").write_text(
        "name: ok\ndependencies:\n  - python>=3.11,<3.12\n  - packaging>=26,<27\n  - pip=25.0\n  - nodejs>=22\n"
        "  - pip:\n    - setuptools~=84.2\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    got = eval_json(
        f"let e = {pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.ok; in "
        "{ py = e.python.pythonVersion; libs = map (d: d.pname) e.pythonEnv.extraLibs; tools = map (t: t.pname) e.tools; }"
    )
    assert got == {"py": "3.11", "libs": ["packaging", "pip", "setuptools"], "tools": ["nodejs"]}
    (tmp_path / "environment.yml").write_text("name: bad\ndependencies:\n  - packaging<26\n")
    lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    with pytest.raises(NixError, match=r"environment.yml dependencies\[0\]: packaging<26 is not satisfied by "
                                       r"nixpkgs' python3.12 package packaging 26.3"):
        eval_json(f"{pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.bad.pythonEnv.drvPath")


def test_variables_are_exported_by_the_shell(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text(
        "name: vars\ndependencies: [git]\nvariables:\n  GREETING: \"it's here\"\n  N: 3\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    hook = eval_json(f"{pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.vars.shell.shellHook")
    assert hook.splitlines() == ["export GREETING='it'\\''s here'", "export N='3'"]


# --- refusals -----------------------------------------------------------------

REFUSED = [
    ("name: x\ndependencies: [numpy]\nchanels: [conda-forge]\n", "environment.yml:3: chanels: unknown key 'chanels'"),
    ("name: 3\ndependencies: [numpy]\n", "environment.yml:1: name: 3 is not of type 'string'"),
    ("dependencies: numpy\n", "environment.yml:1: dependencies: 'numpy' is not of type 'array'"),
    ("dependencies:\n  - numpy\n  - pip: [1]\n", "environment.yml:3: dependencies[1]"),
    ("dependencies: [numpy]\ndependencies: [scipy]\n", "environment.yml:2: key 'dependencies' appears twice"),
    ("dependencies: [numpy\n", "environment.yml:2: invalid YAML"),
    ("dependencies:\n  - numpy >=>1\n", "environment.yml:2: dependencies[0]: 'numpy >=>1' is not a conda MatchSpec"),
    ("- numpy\n", "environment.yml:1: an environment file is a mapping of keys"),
    ("name: x\ndependencies: []\n", "environment.yml:2: dependencies: no dependencies: nothing to translate"),
    ("dependencies:\n  - pip:\n    - --frobnicate\n", "environment.yml:3: dependencies[0].pip[0]: pip option '--frobnicate' is not supported"),
    ("dependencies:\n  - pip:\n    - 'foo >=>= 1'\n", "environment.yml:3: dependencies[0].pip[0]: 'foo >=>= 1' is not a pip requirement"),
    ("dependencies:\n  - pip:\n    - --index-url ftp://x\n", "index URL 'ftp://x' is not an http(s) URL"),
]


@pytest.mark.parametrize(("text", "message"), REFUSED)
def test_invalid_environment_is_refused(text, message, tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text(text)
    (tmp_path / "overlay.nix").write_text("old\n")
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("lock2nix: warning:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert message in errors[0], errors[0]
    assert (tmp_path / "overlay.nix").read_text() == "old\n"


@pytest.mark.parametrize("case", sorted(LOCKED))
def test_locked_conda_forms_are_refused_clearly(case, tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    lock = stage(case, tmp_path, LOCKED[case])
    result = lock2nix(lock.name, "-o", "overlay.nix", cwd=lock.parent, cache=recorded_conda_cache)
    assert result.returncode == 2
    assert result.stderr.startswith(f"lock2nix: error: {lock.name}: ") and "not supported yet" in result.stderr
    assert result.stderr.count("\n") == 1
    assert not (lock.parent / "overlay.nix").exists()


def test_environment_is_found_in_the_current_directory(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("name: here\ndependencies: [git]\n")
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_conda_cache), "-o", "overlay.nix"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "lock2nixEnvironments" in (tmp_path / "overlay.nix").read_text()

"""conda environment files → overlays: every fixture, the diagnostics, the refusals.

The locked forms (conda-lock.yml, @EXPLICIT) are at the end of this file.

Each environment fixture (tests/fixtures/conda) is translated offline from the
recorded index answers (tests/data/conda-cache); its model validates, its
overlay is byte-identical across runs, and lock2nixEnvironments.<name>
evaluates under the nixpkgs stand-in: python, pythonEnv, tools, env and shell
instantiate on Linux and macOS. There the stand-in's Python sets have every
name the environment takes from nixpkgs at version "0" (tests/nix/python-stubs.nix;
no file asks for it) and python39 (dinov2 asks for 3.9), and loose specs are
checked with check = "warn"; every exact pin is then the lock's own package at
the pinned version. With the default check = "error" a spec nixpkgs does not
satisfy stops evaluation with a message naming it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from lock2nix.parsers.conda_locked import SYSTEMS as CONDA_SYSTEMS

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


def pkgs(overlay: Path, system: str = "x86_64-linux", stubs: list[str] | None = None) -> str:
    """The stand-in with ``overlay``; with ``stubs``, also those Python names at version "0" and python39."""
    more = ""
    if stubs is not None:
        names = " ".join(nix_str(n) for n in stubs)
        more = (f"(import ./tests/nix/python-stubs.nix [ {names} ]) ]; "
                'interpreters = [ "python39" "python310" "python311" "python312" "python313" "python314" ]; '
                'removedInterpreters = [ "python36" "python37" "python38" ]; ')
    return (
        f"(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) {more or ']; '}}})"
    )


def environment(overlay: Path, system: str = "x86_64-linux", check: str = "warn", stubs: list[str] | None = None) -> str:
    return (
        f"(let e = {pkgs(overlay, system, stubs)}.lock2nixEnvironments; in "
        f"(e.${{builtins.head (builtins.attrNames e)}}).override {{ check = {nix_str(check)}; }})"
    )


#: Environments with a pinned package that has no file for a system: the error poetry.lock gets too.
UNBUILDABLE = {
    ("facebookresearch__dinov2__conda-yaml", "aarch64-darwin"):
        "xformers 0.0.18: no wheel in the lock fits python3.9 on aarch64-darwin, and the lock has no sdist",
}


def nixpkgs_names(model: dict) -> list[str]:
    """The Python attributes an environment takes from nixpkgs' set (members and dependencies)."""
    return sorted({p["source"]["attribute"] for p in model["packages"] if p["source"]["kind"] == "nixpkgs"})


def pinned(model: dict) -> dict[str, str]:
    """Packages locked at one version from the index: name -> version."""
    return {p["name"]: p["version"] for p in model["packages"]
            if p["source"]["kind"] == "index" and "marker" not in p}


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
def test_environment_instantiates(case, system, translated, recorded_conda_cache) -> None:  # noqa: F811
    overlay, _ = translated[case]
    model = model_of(overlay, recorded_conda_cache, case)
    env = environment(overlay, system, stubs=nixpkgs_names(model))
    versions = pinned(model)
    if (case, system) in UNBUILDABLE:
        with pytest.raises(NixError, match=re.escape(UNBUILDABLE[case, system])):
            eval_json(f"{env}.pythonEnv.drvPath")
        got = eval_json(f"let e = {env}; in {{ python = e.python.pythonVersion; tools = map (t: t.drvPath) e.tools; }}")
        assert got["python"] == "3.9" and all(t.endswith(".drv") for t in got["tools"])
        return
    got = eval_json(
        f"let e = {env}; in {{ python = e.python.pythonVersion; pythonEnv = e.pythonEnv.drvPath; "
        "env = e.env.drvPath; shell = e.shell.drvPath; tools = map (t: t.drvPath) e.tools; "
        f"pinned = builtins.listToAttrs (map (n: {{ name = n; value = e.python.pkgs.${{n}}.version; }}) "
        f"(builtins.fromJSON {nix_str(json.dumps(sorted(versions)))})); }}"
    )
    for attr in ("pythonEnv", "env", "shell"):
        assert got[attr].endswith(".drv"), (attr, got)
    assert all(t.endswith(".drv") for t in got["tools"])
    # Exact pins are met from the index: the lock's package at the pinned version, not nixpkgs' ("0").
    assert got["pinned"] == versions


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
    # Names in neither table that nixpkgs lacks everywhere: one error naming them all.
    assert ("environment xarray-tests: neither nixpkgs' python3.12 package set nor its top level has flox "
            "(environment.yml dependencies[8]), nc-time-axis (environment.yml dependencies[18])") in message
    assert 'set conda-versions = \\"warn\\"' in message or 'set conda-versions = "warn"' in message


def test_loose_spec_nixpkgs_does_not_satisfy_is_an_error(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("name: loose\ndependencies:\n  - python=3.11\n  - numpy>=2.2\n")
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    overlay = tmp_path / "overlay.nix"
    with pytest.raises(NixError, match=r"environment.yml dependencies\[1\]: numpy>=2.2 is not satisfied by nixpkgs' "
                                       r"python3.11 package numpy 0"):
        eval_json(f"{pkgs(overlay)}.lock2nixEnvironments.loose.pythonEnv.drvPath")


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
    deps = _names(f"{environment(overlay)}.python.pkgs.requests.dependencies")
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
    # Comments are wrapped to the line width: read them as one text.
    comments = " ".join(line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip().startswith("#"))
    assert "pip records no hash, so the files are pinned to the sha256 the index listed" in comments
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
        "name: ok\ndependencies:\n  - python>=3.11,<3.12\n  - packaging>=26,<27\n  - pip>=25.0,<25.1\n  - nodejs>=22\n"
        "  - pip:\n    - setuptools~=84.2\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    got = eval_json(
        f"let e = {pkgs(tmp_path / 'overlay.nix')}.lock2nixEnvironments.ok; in "
        "{ py = e.python.pythonVersion; libs = map (d: d.pname) e.pythonEnv.extraLibs; tools = map (t: t.pname) e.tools; }"
    )
    got["libs"] = sorted(got["libs"])
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


def test_environment_is_found_in_the_current_directory(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text("name: here\ndependencies: [git]\n")
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_conda_cache), "-o", "overlay.nix"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "lock2nixEnvironments" in (tmp_path / "overlay.nix").read_text()


# --- locked forms: conda-lock.yml and @EXPLICIT ------------------------------------------------

#: The Nix systems each locked fixture is for (conda-lock: linux-64 and linux-aarch64; @EXPLICIT: linux-64).
LOCKED_SYSTEMS = {
    "conda__conda-lock__tests-pip-deps": ("x86_64-linux", "aarch64-linux"),
    "jupyterhub__repo2docker__py310-linux64-explicit": ("x86_64-linux",),
}
LOCKED_PYTHON = {"conda__conda-lock__tests-pip-deps": "3.12", "jupyterhub__repo2docker__py310-linux64-explicit": "3.10"}


@pytest.fixture(scope="module")
def locked(tmp_path_factory, recorded_conda_cache) -> dict[str, tuple[Path, str]]:  # noqa: F811
    out = {}
    for case in sorted(LOCKED):
        lock = stage(case, tmp_path_factory.mktemp("conda-locked"), LOCKED[case])
        result = lock2nix(lock.name, "-o", "overlay.nix", cwd=lock.parent, cache=recorded_conda_cache)
        assert result.returncode == 0, f"{case}: {result.stderr}"
        out[case] = (lock.parent / "overlay.nix", result.stderr)
    return out


def locked_model(case: str, overlay: Path, cache: Path) -> dict:
    result = lock2nix(LOCKED[case], "--emit", "model", cwd=overlay.parent, cache=cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def comments(overlay: Path) -> str:
    """The overlay's comments, joined into one line of text."""
    return " ".join(line.strip()[2:] for line in overlay.read_text().splitlines() if line.strip().startswith("# "))


@pytest.mark.parametrize("case", sorted(LOCKED))
def test_locked_form_translates_quietly_and_deterministically(case, locked, recorded_conda_cache, tmp_path) -> None:  # noqa: F811
    overlay, stderr = locked[case]
    assert stderr == ""
    parse_file(overlay)
    model = locked_model(case, overlay, recorded_conda_cache)
    jsonschema.validate(model, SCHEMA)
    assert model["format"] == ("conda-lock.yml" if LOCKED[case] == "conda-lock.yml" else "@EXPLICIT")
    assert model["environment"]["systems"] == list(LOCKED_SYSTEMS[case])
    again = tmp_path / case
    shutil.copytree(overlay.parent, again)
    (again / "overlay.nix").unlink()
    result = lock2nix(LOCKED[case], "-o", "overlay.nix", cwd=again, cache=recorded_conda_cache,
                      env={"PYTHONHASHSEED": "4242"})
    assert result.returncode == 0, result.stderr
    assert (again / "overlay.nix").read_bytes() == overlay.read_bytes()


@pytest.mark.parametrize(("case", "system"), [(c, s) for c in sorted(LOCKED) for s in LOCKED_SYSTEMS[c]])
def test_locked_environment_instantiates_on_its_systems(case, system, locked) -> None:
    overlay, _ = locked[case]
    got = eval_json(
        f"let e = {environment(overlay, system)}; in {{ python = e.python.pythonVersion; "
        "pythonEnv = e.pythonEnv.drvPath; env = e.env.drvPath; shell = e.shell.drvPath; }"
    )
    assert got["python"] == LOCKED_PYTHON[case]
    for attr in ("pythonEnv", "env", "shell"):
        assert got[attr].endswith(".drv"), (attr, got)


def test_system_the_lock_lacks_is_an_error_or_a_warning(locked) -> None:
    overlay, _ = locked["conda__conda-lock__tests-pip-deps"]
    with pytest.raises(NixError, match="environment conda__conda-lock__tests-pip-deps is locked for x86_64-linux, "
                                       "aarch64-linux only, not for aarch64-darwin"):
        eval_json(f"{environment(overlay, 'aarch64-darwin', check='error')}.pythonEnv.drvPath")
    # warn: a warning, and linux-64's entries, whose pip wheels then do not fit macOS (said by mkPackage).
    assert eval_json(f"{environment(overlay, 'aarch64-darwin')}.python.pythonVersion") == "3.12"
    expr = f"{environment(overlay, 'aarch64-darwin')}.pythonEnv.drvPath"
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert ("lock2nix: warning: environment conda__conda-lock__tests-pip-deps is locked for x86_64-linux, "
            "aarch64-linux only, not for aarch64-darwin; using the entries of x86_64-linux") in proc.stderr
    assert ("error: charset-normalizer 3.3.2: no wheel in the lock fits python3.12 on aarch64-darwin, and the lock "
            "has no sdist") in proc.stderr


def test_conda_lock_pip_packages_are_locked_with_its_hashes_and_edges(locked, recorded_conda_cache) -> None:  # noqa: F811
    case = "conda__conda-lock__tests-pip-deps"
    overlay, _ = locked[case]
    packages = {p["name"]: p for p in locked_model(case, overlay, recorded_conda_cache)["packages"]}
    # Every Python package is locked: conda's (idna, pip, setuptools, wheel) from PyPI's files of the release.
    assert sorted(n for n, p in packages.items() if p["source"]["kind"] == "index") == [
        "certifi", "charset-normalizer", "idna", "pip", "requests", "setuptools", "urllib3", "wheel"]
    requests = packages["requests"]
    (wheel,) = requests["source"]["wheels"]
    assert wheel["hashes"]["sha256"] == "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"
    assert wheel["url"].startswith("https://files.pythonhosted.org/packages/70/8e/")
    assert sorted(d["name"] for d in requests["dependencies"]) == ["certifi", "charset-normalizer", "idna", "urllib3"]
    # idna is conda's: PyPI's files of release 3.4, pinned to the sha256 PyPI lists.
    idna = packages["idna"]
    assert idna["version"] == "3.4" and idna["source"]["url"] == "https://pypi.org/simple/"
    assert [w["filename"] for w in idna["source"]["wheels"]] == ["idna-3.4-py3-none-any.whl"]
    # conda's own edges, mapped to PyPI names: pip needs setuptools and wheel there.
    assert sorted(d["name"] for d in packages["pip"]["dependencies"]) == ["setuptools", "wheel"]
    # One version on both platforms: one package with both platforms' wheels; Nix picks by tag.
    wheels = {w["filename"]: w["hashes"]["sha256"][:8] for w in packages["charset-normalizer"]["source"]["wheels"]}
    assert wheels == {
        "charset_normalizer-3.3.2-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl": "8f4a014b",
        "charset_normalizer-3.3.2-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl": "90d55848",
    }
    for system, machine in (("x86_64-linux", "x86_64"), ("aarch64-linux", "aarch64")):
        name = eval_json(f"{environment(overlay, system)}.python.pkgs.charset-normalizer.src.name")
        assert name.endswith(f"manylinux2014_{machine}.whl"), name
    deps = _names(f"{environment(overlay)}.python.pkgs.requests.dependencies")
    assert sorted(deps) == ["certifi", "charset-normalizer", "idna", "urllib3"]
    assert "pinned to the sha256 recorded there" in overlay.read_text()


def test_locked_python_packages_are_the_lock_and_tools_are_checked(locked) -> None:
    overlay, _ = locked["conda__conda-lock__tests-pip-deps"]
    # Python packages are the lock's own: nothing to check, even in error mode.
    got = eval_json(f"let e = {environment(overlay, check='error')}; in "
                    "{ drv = e.pythonEnv.drvPath; idna = e.python.pkgs.idna.version; }")
    assert got["idna"] == "3.4" and got["drv"].endswith(".drv")
    overlay, _ = locked["jupyterhub__repo2docker__py310-linux64-explicit"]
    # Tools: a version nixpkgs does not have is a warning by default ...
    expr = f"map (t: t.name) {pkgs(overlay)}.lock2nixEnvironments.jupyterhub__repo2docker__py310-linux64-explicit.tools"
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert ("lock2nix: warning: environment.py-3.10-linux-64.lock line 64: nodejs==20.19.5 is not satisfied by "
            "nixpkgs' nodejs 22.14.0") in proc.stderr
    # ... and an error with conda-versions = "error" (toolCheck).
    with pytest.raises(NixError, match="environment.py-3.10-linux-64.lock line 64: nodejs==20.19.5 is not satisfied "
                                       "by nixpkgs' nodejs 22.14.0"):
        eval_json(f"map (t: t.name) ({environment(overlay, check='error')}.override {{ toolCheck = \"error\"; }}).tools")


def test_explicit_list_maps_names_and_says_what_it_leaves_to_nixpkgs(locked, recorded_conda_cache) -> None:  # noqa: F811
    case = "jupyterhub__repo2docker__py310-linux64-explicit"
    overlay, _ = locked[case]
    environment_ = locked_model(case, overlay, recorded_conda_cache)["environment"]
    members = {m["name"]: m for m in environment_["members"]}
    assert environment_["python-spec"] == "python=3.10 (locked 3.10.19)"
    assert members["brotli-python"]["attribute"] == "brotli"
    # jupyterhub-base and jupyterhub-singleuser are one Python package, locked once from PyPI.
    assert (members["jupyterhub-base"]["attribute"], members["jupyterhub-singleuser"]["attribute"]) == (
        "jupyterhub", "jupyterhub")
    model = locked_model(case, overlay, recorded_conda_cache)
    (jupyterhub,) = [p for p in model["packages"] if p["name"] == "jupyterhub"]
    assert jupyterhub["version"] == "5.4.0" and jupyterhub["source"]["kind"] == "index"
    assert members["nodejs"]["kind"] == "tool"
    assert not {"libzlib", "python", "python_abi", "_libgcc_mutex", "ca-certificates"} & set(members)
    # 171 packages: 34 libraries left to nixpkgs and python itself.
    assert len(members) == 171 - 34 - 1
    text = comments(overlay)
    assert "their #md5 is not a hash Nix can pin a download with, and none is needed" in text
    assert "left to nixpkgs (its packages bring their own): _libgcc_mutex 0.1, _openmp_mutex 4.5, bzip2 1.0.8" in text
    assert "libzlib 1.3.1" in text and "zstd 1.5.7." in text


# A small conda-lock.yml whose platforms differ: packaging and the pip package foo are locked at other versions
# on macOS; six is one wheel for both.
DIFFERING = {
    "version": 1,
    "metadata": {"content_hash": {}, "channels": [{"url": "conda-forge", "used_env_vars": []}],
                 "platforms": ["linux-64", "osx-arm64"], "sources": ["environment.yml"]},
    "package": [
        {"name": "python", "version": "3.11.5", "manager": "conda", "platform": p, "dependencies": {},
         "url": f"https://conda.anaconda.org/conda-forge/{p}/python-3.11.5-h0_0_cpython.conda",
         "hash": {"md5": "0" * 32, "sha256": "1" * 64}, "category": "main", "optional": False}
        for p in ("linux-64", "osx-arm64")
    ] + [
        {"name": "packaging", "version": v, "manager": "conda", "platform": p, "dependencies": {"python": ">=3.8"},
         "url": f"https://conda.anaconda.org/conda-forge/noarch/packaging-{v}-pyhd8ed1ab_0.conda",
         "hash": {"md5": "0" * 32}, "category": "main", "optional": False}
        for p, v in (("linux-64", "26.3"), ("osx-arm64", "26.2"))
    ] + [
        {"name": "libzlib", "version": "1.3.1", "manager": "conda", "platform": "linux-64", "dependencies": {},
         "url": "https://conda.anaconda.org/conda-forge/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda",
         "hash": {"md5": "0" * 32}, "category": "main", "optional": False},
        {"name": "git", "version": "2.42.0", "manager": "conda", "platform": "osx-arm64", "dependencies": {},
         "url": "https://conda.anaconda.org/conda-forge/osx-arm64/git-2.42.0-pl5321h0_0.conda",
         "hash": {"md5": "0" * 32}, "category": "main", "optional": False},
    ] + [
        {"name": "foo", "version": v, "manager": "pip", "platform": p, "dependencies": {"six": ">=1"},
         "url": f"https://files.pythonhosted.org/packages/ab/cd/foo-{v}-py3-none-any.whl",
         "hash": {"sha256": h * 64}, "category": "main", "optional": False}
        for p, v, h in (("linux-64", "1.0", "a"), ("osx-arm64", "2.0", "b"))
    ] + [
        {"name": "six", "version": "1.16.0", "manager": "pip", "platform": p, "dependencies": {},
         "url": "https://files.pythonhosted.org/packages/d9/5a/six-1.16.0-py2.py3-none-any.whl",
         "hash": {"sha256": "c" * 64}, "category": "main", "optional": False}
        for p in ("linux-64", "osx-arm64")
    ] + [
        {"name": "pytest", "version": "8.0.0", "manager": "conda", "platform": "linux-64", "dependencies": {},
         "url": "https://conda.anaconda.org/conda-forge/noarch/pytest-8.0.0-pyhd8ed1ab_0.conda",
         "hash": {"md5": "0" * 32}, "category": "test", "optional": True},
    ],
}


def write_lock(where: Path, data: dict, name: str = "conda-lock.yml") -> Path:
    import yaml

    (where / name).write_text(yaml.safe_dump(data, sort_keys=False))
    return where / name


def test_entries_that_differ_between_platforms_go_to_their_systems(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    write_lock(tmp_path, DIFFERING)
    result = lock2nix("conda-lock.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    overlay = tmp_path / "overlay.nix"
    text = overlay.read_text()
    # foo's two versions are chosen by markers; six, the same wheel on both, has none.
    assert text.count("2 versions locked; markers pick one") == 2  # foo, and conda's packaging
    for system, foo, packaging, tools in (("x86_64-linux", "1.0", "26.3", []), ("aarch64-darwin", "2.0", "26.2", ["git"])):
        # conda's packaging is locked at each platform's version (PyPI's files), in error mode too.
        got = eval_json(
            f"let p = {pkgs(overlay, system)}; e = p.lock2nixEnvironments.{tmp_path.name}; in "
            "{ foo = e.python.pkgs.foo.version; six = e.python.pkgs.six.version; py = e.python.pythonVersion; "
            "packaging = e.python.pkgs.packaging.version; libs = map (d: d.pname) e.pythonEnv.extraLibs; "
            "tools = map (t: t.pname) e.tools; drv = e.pythonEnv.drvPath; }"
        )
        assert got.pop("drv").endswith(".drv")
        assert got == {"foo": foo, "six": "1.16.0", "py": "3.11", "packaging": packaging,
                       "libs": ["packaging", "foo", "six"], "tools": tools}
    model = json.loads(lock2nix("conda-lock.yml", "--emit", "model", cwd=tmp_path, cache=recorded_conda_cache).stdout)
    members = [(m["name"], m.get("systems")) for m in model["environment"]["members"]]
    assert members == [("packaging", ["x86_64-linux"]), ("packaging", ["aarch64-darwin"]), ("git", ["aarch64-darwin"]),
                       ("foo", ["x86_64-linux"]), ("foo", ["aarch64-darwin"]), ("six", None)]
    notes = " ".join(model["environment"]["notes"])
    assert "not installed: pytest 8.0.0 (test)" in notes and "libzlib 1.3.1" in notes


@pytest.mark.parametrize(("subdir", "system"), sorted(CONDA_SYSTEMS.items()))
def test_conda_platforms_map_to_nix_systems_and_markers(subdir, system) -> None:
    """Each conda subdir's Nix system, and the marker pip packages of that platform get, which holds there only."""
    from lock2nix.parsers.conda_locked import _SYSTEM_MARKERS, _systems_marker
    from packaging.markers import Marker

    assert system.split("-")[1] == {"linux": "linux", "osx": "darwin"}[subdir.split("-")[0]]
    marker = Marker(_systems_marker((system,)))
    for other, (platform, machine) in _SYSTEM_MARKERS.items():
        holds = marker.evaluate({"sys_platform": platform, "platform_machine": machine})
        assert holds == (other == system), (system, other)
    assert set(CONDA_SYSTEMS.values()) == set(_SYSTEM_MARKERS)


EXPLICIT_HEAD = "# platform: linux-64\n@EXPLICIT\n"
CF = "https://conda.anaconda.org/conda-forge"
#: One line of an @EXPLICIT list → (kind, attribute, spec) of its member; "library" when left to nixpkgs
#: (named in the notes), "unknown" when reported.
EXPLICIT_LINES = [
    # idna: in neither table; a Python package when PyPI has the release, else decided when Nix evaluates.
    (f"{CF}/noarch/idna-3.4-pyhd8ed1ab_0.tar.bz2#34272b248891bddccc64479f9a7fffed", ("either", "idna", "idna==3.4")),
    (f"{CF}/linux-64/pytorch-2.1.0-cuda118_py311h_300.conda", ("python", "torch", "pytorch==2.1.0")),
    (f"{CF}/linux-64/py-opencv-4.8.1-py311h_0.conda", ("python", "opencv-python", "py-opencv==4.8.1")),
    (f"{CF}/noarch/typing_extensions-4.15.0-pyhd8ed1ab_0.conda", ("either", "typing-extensions", "typing_extensions==4.15.0")),
    ("https://repo.anaconda.com/pkgs/main/linux-64/numpy-base-1.26.0-py311hf175353_0.conda#sha256:" + "ab" * 32,
     ("python", "numpy", "numpy-base==1.26.0")),
    (f"{CF}/linux-64/make-4.3-hd18ef5c_1.tar.bz2", ("tool", "gnumake", "make==4.3")),
    (f"{CF}/linux-64/r-base-4.3.2-hb8ee39d_2.conda", ("tool", "R", "r-base==4.3.2")),
    (f"{CF}/noarch/r-ggplot2-3.4.4-r43hc72bb7e_0.conda", ("r", "ggplot2", "r-ggplot2==3.4.4")),
    (f"{CF}/linux-64/conda-23.9.0-py311h38be061_2.conda", ("none", None, "conda==23.9.0")),
    (f"{CF}/linux-64/libzlib-1.3.1-hb9d3cd8_2.conda", "library"),
    (f"{CF}/noarch/python_abi-3.11-8_cp311.conda", "library"),
    (f"{CF}/linux-64/libfrobnicate-1.0-h0_0.conda", "unknown"),
]


@pytest.mark.parametrize(("line", "expected"), EXPLICIT_LINES)
def test_explicit_line_maps_through_the_tables(line, expected, tmp_path, capsys) -> None:
    from lock2nix.parsers.conda_locked import parse_explicit

    lock = parse_explicit("env.lock", EXPLICIT_HEAD + line + "\n", directory=tmp_path)
    environment_ = lock.environment
    assert environment_ is not None and environment_.systems == ("x86_64-linux",)
    warned = capsys.readouterr().err
    if expected == "library":
        assert environment_.members == ()
        assert any("left to nixpkgs" in note and line.rsplit("/", 1)[1].split("-")[0] in note
                   for note in environment_.notes)
        return
    (member,) = environment_.members
    assert member.entry == "line 3"
    if expected == "unknown":
        assert member.kind == "none" and "unknown conda package" in (member.note or "")
        assert "env.lock: 1 conda package(s) are not in lock2nix's tables" in warned and "libfrobnicate 1.0" in warned
        return
    assert (member.kind, member.attribute, member.spec) == expected
    if member.kind != "none":
        version = expected[2].split("==")[1]
        assert member.constraint == ((("==", version),),)
    if member.kind in ("python", "either"):
        # Built from the index's files of that release (found by resolution).
        (package,) = lock.packages
        assert package.source.kind == "index" and package.source.version_only, package
        assert package.name == expected[1] and package.version == expected[2].split("==")[1]


def test_explicit_channels_and_unknown_platform(tmp_path) -> None:
    from lock2nix.parsers.conda_locked import parse_explicit

    text = ("@EXPLICIT\n"
            f"{CF}/noarch/idna-3.4-pyhd8ed1ab_0.tar.bz2\n"
            "https://repo.anaconda.com/pkgs/main/noarch/six-1.16.0-pyhd3eb1b0_1.conda\n"
            "https://example.org/chan/noarch/attrs-23.1.0-pyh71513ae_1.conda\n")
    environment_ = parse_explicit("env.txt", text, directory=tmp_path).environment
    assert environment_.channels == ("conda-forge", "defaults", "https://example.org/chan")
    # Only noarch URLs and no '# platform:' line: for any system.
    assert environment_.systems == () and environment_.platforms == ()
    # No '# platform:' line: the URLs' subdir says it.
    text = "@EXPLICIT\n" + f"{CF}/osx-arm64/git-2.42.0-pl5321h0_0.conda\n"
    assert parse_explicit("env.txt", text, directory=tmp_path).environment.systems == ("aarch64-darwin",)


def test_pip_entry_without_sha256_is_refused_unless_allowed(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    data = json.loads(json.dumps(DIFFERING))
    for package in data["package"]:
        if package["name"] == "six":
            package["hash"] = {"md5": "d" * 32}
    write_lock(tmp_path, data)
    result = lock2nix("conda-lock.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2
    assert result.stderr.startswith("lock2nix: error: conda-lock.yml:") and result.stderr.count("\n") == 1
    assert "package[8]: pip package six 1.16.0 has no sha256 (an md5 cannot pin a download)" in result.stderr
    result = lock2nix("conda-lock.yml", "--allow-insecure-hashes", "--emit", "model", cwd=tmp_path,
                      cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    assert "pip package six 1.16.0 has no sha256: taken from nixpkgs, its version checked" in result.stderr
    (six,) = [p for p in json.loads(result.stdout)["packages"] if p["name"] == "six"]
    assert six["source"] == {"kind": "nixpkgs", "attribute": "six", "constraint": [[["==", "1.16.0"]]],
                             "spec": "six==1.16.0"}


def _lock_with(**changes) -> str:
    import yaml

    data = json.loads(json.dumps(DIFFERING))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is None:
            del target[int(last) if last.isdigit() else last]
        else:
            target[int(last) if last.isdigit() else last] = value
    return yaml.safe_dump(data, sort_keys=False)


#: Malformed locked forms: (file name, text, what the one error line says).
LOCKED_REFUSED = [
    ("conda-lock.yml", _lock_with(extra=1), "conda-lock.yml:"),
    ("conda-lock.yml", _lock_with(extra=1), "extra: unknown key 'extra'"),
    ("conda-lock.yml", _lock_with(version=2), "version: lock file version 2 is not supported (lock2nix reads version 1)"),
    ("conda-lock.yml", _lock_with(package__0__url=None), "package[0]: 'url' is a required property"),
    ("conda-lock.yml", _lock_with(package__0__manager="npm"), "package[0].manager: 'npm' is not one of ['conda', 'pip']"),
    ("conda-lock.yml", _lock_with(package__0__platform="osx-64"),
     "package[0]: python is locked for platform 'osx-64', which metadata.platforms does not list (linux-64, osx-arm64)"),
    ("conda-lock.yml", _lock_with(package__1__platform="linux-64"), "package[1]: python is locked twice for linux-64 (also package[0])"),
    ("conda-lock.yml", _lock_with(package__6__hash={"sha256": "xyz"}), "package[6].hash: hash.sha256 'xyz' is not 64 hex digits"),
    ("conda-lock.yml", _lock_with(package__2__version="1 0"), "package[2].version: '1 0' is not a version"),
    ("conda-lock.yml", _lock_with(metadata__platforms=["win-64"], package=[]),
     "locked only for win-64, which Nix does not build for"),
    ("conda-lock.yml", "version: 1\nmetadata: [\n", "conda-lock.yml:3: invalid YAML"),
    ("conda-lock.yml", "", "a conda-lock file is a mapping (version, metadata, package); this one is empty"),
    ("conda-lock.yml", _lock_with(package__6__url="https://[bad/foo-1.0-py3-none-any.whl"), "package[6]: url 'https://[bad/"),
    ("env.lock", "https://x/noarch/a-1-0.conda\n@EXPLICIT\n", "env.lock:1: 'https://x/noarch/a-1-0.conda' before the @EXPLICIT line"),
    ("env.lock", "@EXPLICIT\npip install requests==2.31\n",
     "env.lock:2: 'pip install requests==2.31' is not a conda package URL (pip packages are not part of an @EXPLICIT list)"),
    ("env.lock", "@EXPLICIT\nrequests==2.31\n", "(pip packages are not part of an @EXPLICIT list)"),
    ("env.lock", f"@EXPLICIT\n{CF}/noarch/idna-3.4-pyhd8ed1ab_0.tar.bz2#12345\n",
     "env.lock:2: #12345 is neither an md5 (32 hex digits) nor sha256:<64 hex digits>"),
    ("env.lock", f"@EXPLICIT\n{CF}/noarch/idna-3.4.whl\n", "env.lock:2: 'idna-3.4.whl' is not a conda package file"),
    ("env.lock", f"@EXPLICIT\n{CF}/noarch/idna-3.4-0.conda\n\n{CF}/noarch/idna-3.5-0.conda\n",
     "env.lock:4: idna is listed twice (also line 2)"),
    ("env.lock", "# platform: linux-64\n@EXPLICIT\n", "env.lock: no package URL after @EXPLICIT: nothing to translate"),
    ("env.lock", f"# platform: linux-64\n@EXPLICIT\n{CF}/osx-arm64/git-2.42.0-h0_0.conda\n",
     "env.lock:3: a package for osx-arm64 in a list for platform linux-64"),
    ("env.lock", f"@EXPLICIT\n{CF}/osx-arm64/git-2.42.0-h0_0.conda\n{CF}/linux-64/make-4.3-h0_0.conda\n",
     "its URLs are for several platforms (osx-arm64, linux-64) and no '# platform:' line says which one it is for"),
    ("env.lock", "# platform: win-64\n@EXPLICIT\nhttps://x/win-64/git-2.42.0-h0_0.conda\n",
     "env.lock: locked only for win-64, which Nix does not build for"),
    ("env.lock", "@EXPLICIT\n@EXPLICIT\n", "env.lock:2: @EXPLICIT appears twice"),
]


@pytest.mark.parametrize(("name", "text", "message"), LOCKED_REFUSED)
def test_malformed_locked_form_is_refused(name, text, message, tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / name).write_text(text)
    (tmp_path / "overlay.nix").write_text("old\n")
    result = lock2nix(name, "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if not line.startswith("lock2nix: warning:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    assert errors[0].startswith(f"lock2nix: error: {name}"), errors[0]
    assert message in errors[0], errors[0]
    assert (tmp_path / "overlay.nix").read_text() == "old\n"


def test_platforms_nix_does_not_build_for_are_left_out_with_a_warning(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    data = json.loads(json.dumps(DIFFERING))
    data["metadata"]["platforms"].append("win-64")
    data["package"].append({"name": "pywin32", "version": "306", "manager": "conda", "platform": "win-64",
                            "url": f"{CF}/win-64/pywin32-306-py311h_2.conda", "hash": {"md5": "0" * 32},
                            "optional": False})
    write_lock(tmp_path, data)
    result = lock2nix("conda-lock.yml", "--emit", "model", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ("lock2nix: warning: conda-lock.yml: platform(s) win-64 are not systems Nix builds for; "
                             "their entries are left out\n")
    model = json.loads(result.stdout)
    assert "pywin32" not in {m["name"] for m in model["environment"]["members"]}
    assert model["environment"]["platforms"] == ["linux-64", "osx-arm64", "win-64"]
    assert model["environment"]["systems"] == ["x86_64-linux", "aarch64-darwin"]


def test_conda_lock_is_found_before_its_environment_file(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    lock = stage("conda__conda-lock__tests-pip-deps", tmp_path, "conda-lock.yml")
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_conda_cache), "--emit", "model"],
        cwd=lock.parent, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["format"] == "conda-lock.yml"

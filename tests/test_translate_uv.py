"""Every uv.lock and pylock.toml fixture translates offline; its overlay parses and instantiates.

The fixtures are the real locks of ../shared/fixtures (uv/, pylock/) and the
locks uv and pip wrote for the projects under tests/fixtures/uv/recorded-*
(see tests/data/record_uv.py for the commands).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from .conftest import REPO
from .nixeval import NixError, eval_json, lock_set, nix_str, parse_file
from .test_translate_fixtures import ACCEPTED_THROWS, FACTS_ARGUMENTS, SYSTEMS, _throw_message, assert_sri_hashes_only
from .uv_cases import LOCK_NAMES, PYLOCK_CASES, UV_CASES, stage_case, uv_cache  # noqa: F401 - a fixture

SCHEMA = json.loads((REPO / "schemas" / "lock-model.schema.json").read_text())
CASES = [("uv", c) for c in UV_CASES] + [("pylock", c) for c in PYLOCK_CASES]
IDS = [f"{k}/{c}" for k, c in CASES]
PYTHONS = ("python310", "python311", "python312", "python313")


def lock2nix(*args: str, cwd: Path, cache: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), *args],
        cwd=cwd, capture_output=True, text=True, input=stdin, env={**os.environ},
    )


@pytest.fixture(scope="module")
def translated(tmp_path_factory, uv_cache) -> dict[tuple[str, str], Path]:  # noqa: F811
    out = {}
    for kind, case in CASES:
        lock = stage_case(kind, case, tmp_path_factory.mktemp("uv"))
        result = lock2nix(lock.name, "-o", "overlay.nix", cwd=lock.parent, cache=uv_cache)
        assert result.returncode == 0, f"{kind}/{case}: {result.stderr}"
        out[(kind, case)] = lock.parent / "overlay.nix"
    return out


def model_of(overlay: Path, kind: str, cache: Path) -> dict:
    result = lock2nix(LOCK_NAMES[kind], "--emit", "model", cwd=overlay.parent, cache=cache)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(("kind", "case"), CASES, ids=IDS)
def test_overlay_parses_and_model_validates(kind: str, case: str, translated, uv_cache) -> None:  # noqa: F811
    overlay = translated[(kind, case)]
    parse_file(overlay)
    assert assert_sri_hashes_only(overlay.read_text()) > 0
    model = model_of(overlay, kind, uv_cache)
    jsonschema.validate(model, SCHEMA)
    assert model["format"] == LOCK_NAMES[kind]
    assert model["packages"]
    for package in model["packages"]:
        source = package["source"]
        if source["kind"] == "index":
            files = source.get("wheels", []) + ([source["sdist"]] if "sdist" in source else [])
            assert files and all(f["url"].startswith("https://") for f in files), package["name"]
        if source["kind"] == "vcs":
            assert source["hash"].startswith("sha256-"), package["name"]


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize(("kind", "case"), CASES, ids=IDS)
def test_every_package_instantiates(kind: str, case: str, system: str, translated, uv_cache) -> None:  # noqa: F811
    overlay = translated[(kind, case)]
    model = model_of(overlay, kind, uv_cache)
    pythons = "[ " + " ".join(nix_str(p) for p in PYTHONS) + " ]"
    result = eval_json(
        f"import ./tests/nix/instantiate-overlay.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
        f"hostPython = {nix_str(sys.executable)}; pythons = {pythons}; }}",
        timeout=900,
    )
    projects = result.pop("projects")
    arguments = set(result.pop("arguments"))
    assert arguments and not arguments - FACTS_ARGUMENTS, sorted(arguments - FACTS_ARGUMENTS)
    names = {p["name"] for p in model["packages"]}
    assert set(result) == set(PYTHONS)
    for python, attrs in result.items():
        assert names <= set(attrs), f"{python}: overlay lacks {sorted(names - set(attrs))}"
        for name in sorted(n for n, v in attrs.items() if v == "THROW"):
            message = _throw_message(overlay, system, python, name)
            assert ACCEPTED_THROWS.search(message), f"{case} {python} {system} {name}: {message[-1500:]}"
        built = [v for v in attrs.values() if v not in ("null", "THROW")]
        assert built and all(v.endswith(".drv") for v in built)
    expected_projects = {model["root"]["name"], *(m["name"] for m in model.get("members", []))}
    assert set(projects) == expected_projects
    for name, envs in projects.items():
        for env, value in envs.items():
            if value == "THROW":
                message = _project_throw(overlay, system, name, env)
                assert ACCEPTED_THROWS.search(message), f"{case} {name}.{env}: {message[-1500:]}"
            else:
                assert value.endswith(".drv")


def _project_throw(overlay: Path, system: str, project: str, attr: str) -> str:
    """Nix's error for ``lock2nixProjects.<project>.<attr>``."""
    try:
        eval_json(f"{_pkgs(overlay, system)}.lock2nixProjects.{nix_str(project)}.{attr}.drvPath")
    except NixError as exc:
        return str(exc)
    raise AssertionError(f"{project}.{attr} evaluated without tryEval but threw inside it")


def _pkgs(overlay: Path, system: str = "x86_64-linux") -> str:
    return (
        f"(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )


@pytest.mark.parametrize("kind", ["uv", "pylock"])
def test_fork_picks_the_version_locked_for_each_interpreter(kind: str, translated) -> None:
    overlay = translated[(kind, "recorded-fork")]
    versions = {py: eval_json(f"{lock_set(_pkgs(overlay), py)}.idna.version") for py in ("python311", "python312")}
    assert versions == {"python311": "3.7", "python312": "3.10"}


def test_uv_fork_model_has_both_versions_with_their_markers(translated, uv_cache) -> None:  # noqa: F811
    model = model_of(translated[("uv", "recorded-fork")], "uv", uv_cache)
    idna = {p["version"]: p.get("marker") for p in model["packages"] if p["name"] == "idna"}
    assert idna == {"3.7": "python_full_version < '3.12'", "3.10": "python_full_version >= '3.12'"}
    edges = [d for d in model["root"]["groups"]["main"] if d["name"] == "idna"]
    assert sorted(d["specifier"] for d in edges) == ["==3.10", "==3.7"]
    assert model["root"]["groups"]["dev"] == [{"name": "pytest"}]
    assert [d["name"] for d in model["root"]["extras"]["pretty"]] == ["colorama"]
    assert model["root"]["default-groups"] == ["dev"]


def test_uv_workspace_members_are_projects_in_the_model(translated, uv_cache) -> None:  # noqa: F811
    model = model_of(translated[("uv", "recorded-workspace")], "uv", uv_cache)
    assert model["root"]["name"] == "ws-root" and model["root"]["default-groups"] == ["test"]
    members = {m["name"]: m for m in model["members"]}
    assert set(members) == {"ws-lib-a", "ws-lib-b"}
    assert members["ws-lib-a"]["path"] == "packages/ws-lib-a"
    assert [d["name"] for d in members["ws-lib-a"]["extras"]["fast"]] == ["ujson"]
    assert [d["name"] for d in members["ws-lib-b"]["groups"]["lint"]] == ["pyflakes"]
    assert members["ws-lib-b"]["build-system"]["backend"] == "flit_core.buildapi"
    # Members are also packages, so the root's edges reach them.
    packages = {p["name"]: p for p in model["packages"]}
    assert packages["ws-lib-a"]["source"] == {"kind": "directory", "path": "packages/ws-lib-a", "editable": True}
    assert "main" in packages["ws-lib-b"]["groups"] and "main" in packages["six"]["groups"]


@pytest.mark.parametrize("system", SYSTEMS)
def test_uv_workspace_every_member_is_a_project(translated, system: str) -> None:
    """Each workspace member is a lock2nixProjects entry of its own: its package (the
    locked directory package of the one set), runtimeEnv and tests instantiate, and
    its groups are its own tests' inputs, not its runtime's."""
    overlay = translated[("uv", "recorded-workspace")]
    pkgs = _pkgs(overlay, system)
    names = "p: map (d: d.pname or d.name) (builtins.filter (d: d != null) p)"
    got = eval_json(
        f"let pkgs = {pkgs}; names = {names}; in builtins.mapAttrs (_: p: {{ "
        "package = p.package.drvPath; runtimeEnv = p.runtimeEnv.drvPath; tests = p.tests.drvPath; "
        "same = p.package.drvPath == p.python.pkgs.${p.package.pname}.drvPath; "
        "runtime = names p.runtimeEnv.extraLibs; dev = names p.devEnv.extraLibs; "
        "checks = names (p.tests.overridePythonAttrs (old: { passthru.checks = old.nativeCheckInputs or [ ]; })).checks; "
        "doCheck = (p.tests.overridePythonAttrs (old: { passthru.checked = old.doCheck; })).checked; "
        "}) pkgs.lock2nixProjects",
        timeout=900,
    )
    assert sorted(got) == ["ws-lib-a", "ws-lib-b", "ws-root"]
    for name, project in got.items():
        assert all(project[k].endswith(".drv") for k in ("package", "runtimeEnv", "tests")), (name, project)
        assert project["same"] and project["doCheck"], name
    assert got["ws-lib-a"]["runtime"] == ["ws-lib-a"] and got["ws-lib-a"]["checks"] == []
    assert sorted(got["ws-lib-a"]["dev"]) == ["ujson", "ws-lib-a"]  # its extra, in devEnv only
    assert got["ws-lib-b"]["checks"] == ["pyflakes"] and got["ws-lib-b"]["runtime"] == ["ws-lib-b"]
    assert "pytest" in got["ws-root"]["checks"] and "pytest" not in got["ws-root"]["runtime"]
    # A member's package is the one the root depends on: one set, one derivation.
    deps = eval_json(
        f"let p = {pkgs}.lock2nixProjects; in map (d: d.drvPath) p.ws-lib-a.package.dependencies", timeout=900
    )
    b = eval_json(f"{pkgs}.lock2nixProjects.ws-lib-b.package.drvPath", timeout=900)
    assert b in deps


ENVIRONMENTS = [
    "python_full_version >= '3.13' and sys_platform == 'linux'",
    "platform_machine == 'arm64' and sys_platform == 'darwin'",
]


@pytest.mark.parametrize("kind", ["uv", "pylock"])
def test_environments_limit_the_interpreter_choice(kind: str, translated, uv_cache) -> None:  # noqa: F811
    """uv's supported-markers and PEP 751's environments: the project's interpreter is one
    the lock was resolved for, and a platform outside them is a clear error."""
    overlay = translated[(kind, "recorded-environments")]
    model = model_of(overlay, kind, uv_cache)
    assert [m.replace('"', "'") for m in model["environments"]] == ENVIRONMENTS
    project = "lock2nixProjects.uvenv-demo"
    # nixpkgs' python3 (3.12 in the stand-in) runs the project on Apple silicon, not on Linux.
    assert eval_json(f"{_pkgs(overlay, 'aarch64-darwin')}.{project}.python.pythonVersion") == "3.12"
    linux = eval_json(f"{_pkgs(overlay, 'x86_64-linux')}.{project}.python.pythonVersion")
    assert linux in ("3.13", "3.14"), linux
    assert eval_json(f"{_pkgs(overlay, 'x86_64-linux')}.{project}.runtimeEnv.drvPath").endswith(".drv")
    with pytest.raises(NixError, match="no Python interpreter in nixpkgs satisfies >=3.10 in the lock's environments"):
        eval_json(f"{_pkgs(overlay, 'x86_64-darwin')}.{project}.python.pythonVersion")
    # Other interpreters stay reachable on purpose (a CI matrix), as without environments.
    assert eval_json(
        f"let p = {_pkgs(overlay, 'x86_64-linux')}; in (p.{project}.withPython p.python311).python.pythonVersion"
    ) == "3.11"


def test_kitchen_sink_has_every_source_kind(translated, uv_cache) -> None:  # noqa: F811
    for kind in ("uv", "pylock"):
        model = model_of(translated[(kind, "pyproject-nix__uv2nix__fixtures-kitchen-sink")], kind, uv_cache)
        sources = {p["name"]: p["source"] for p in model["packages"]}
        assert sources["pip"]["kind"] == "vcs" and sources["pip"]["commit-id"].startswith("f94a429e")
        assert sources["pip"]["requested-revision"] == "20.3.1"
        assert sources["arpeggio"]["url"].endswith("Arpeggio-2.0.2-py2.py3-none-any.whl")
        assert sources["attrs"]["path"] == "../attrs-23.1.0.tar.gz"
        assert sources["urllib3"]["artifact"]["filename"] == "urllib3-2.2.3-py3-none-any.whl"
        assert sources["b"] == {"kind": "directory", "path": "../b", "editable": False}
        assert sources["c-editable"] == {"kind": "directory", "path": "../c-editable", "editable": True}
        assert sources["certifi"]["kind"] == "index" and sources["certifi"]["sdist"]["size"] == 164065
        assert model["root"]["name"] == "a" and model["root"]["is-package"]


def test_pylock_edges_come_from_metadata_restricted_to_the_lock(translated, uv_cache) -> None:  # noqa: F811
    model = model_of(translated[("pylock", "recorded-pip-lock")], "pylock", uv_cache)
    assert model["dependencies-from"] == "metadata"
    packages = {p["name"]: p for p in model["packages"]}
    # pytest requires colorama (win32), exceptiongroup and tomli (< 3.11) too; pip locked for
    # python 3.11 on Linux, so only what it locked is an edge.
    assert sorted(d["name"] for d in packages["pytest"]["dependencies"]) == [
        "iniconfig", "packaging", "pluggy", "pygments",
    ]
    assert model["root"]["name"] == "uvfork-demo" and model["root"]["is-package"]

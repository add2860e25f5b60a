"""Every real poetry.lock fixture translates; its overlay parses and its model validates."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from .nixeval import nix_str

from .conftest import FIXTURES, POETRY_CASES, REPO, stage_poetry_case
from .nixeval import parse_file

SCHEMA = json.loads((REPO / "schemas" / "lock-model.schema.json").read_text())


def lock2nix(*args: str, cwd: Path, cache: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


# Fixtures that cannot be translated offline here, with the error lock2nix must give.
# poetry HEAD pins poetry-core to a git commit newer than any snapshot reachable from
# this machine (GitHub itself is not), so its checkout hash was never recorded.
NOT_RECORDED = {
    "python-poetry__poetry__head-lock21": (
        "package 'poetry-core' (2.4.1): no cached hash for git source "
        "https://github.com/python-poetry/poetry-core.git at e3998b0e111dc03e4aa721fd054c48e5c7de6fc5"
    ),
}


@pytest.fixture(scope="module")
def translated(tmp_path_factory, recorded_cache) -> dict[str, Path]:
    """Each fixture's overlay, generated once for the module."""
    out = {}
    for case in POETRY_CASES:
        lock = stage_poetry_case(case, tmp_path_factory.mktemp("fixture"))
        result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_cache)
        if case in NOT_RECORDED:
            assert result.returncode == 2 and NOT_RECORDED[case] in result.stderr, result.stderr
            continue
        assert result.returncode == 0, f"{case}: {result.stderr}"
        out[case] = lock.parent / "overlay.nix"
    return out


def overlay_of(translated: dict[str, Path], case: str) -> Path:
    if case in NOT_RECORDED:
        pytest.skip(f"not translatable offline here: {NOT_RECORDED[case]}")
    return translated[case]


def test_unrecorded_git_source_is_a_clear_offline_error(translated) -> None:
    # The assertion lives in the `translated` fixture; this names it in the report.
    assert set(NOT_RECORDED) <= set(POETRY_CASES) and not set(NOT_RECORDED) & set(translated)


@pytest.mark.parametrize("case", POETRY_CASES)
def test_overlay_parses(case: str, translated) -> None:
    parse_file(overlay_of(translated, case))


SRI_SHA256 = __import__("re").compile(r"sha256-[A-Za-z0-9+/]{43}=")


def assert_sri_hashes_only(text: str) -> int:
    """Every hash the overlay gives a fetcher is an SRI sha256; no md5/sha1/sha256 arguments."""
    import re

    hashes = re.findall(r'\bhash = "([^"]*)"', text)
    assert all(SRI_SHA256.fullmatch(h) for h in hashes), sorted({h for h in hashes if not SRI_SHA256.fullmatch(h)})[:5]
    assert not re.search(r"\b(md5|sha1|sha256|sha512|outputHash) = ", text)
    return len(hashes)


@pytest.mark.parametrize("case", POETRY_CASES)
def test_output_hashes_are_sri(case: str, translated) -> None:
    if case in NOT_RECORDED:
        assert case not in translated  # refused offline, checked by the `translated` fixture
        return
    assert assert_sri_hashes_only(translated[case].read_text()) > 0


@pytest.mark.parametrize("case", POETRY_CASES)
def test_model_validates(case: str, translated, recorded_cache) -> None:
    result = lock2nix("poetry.lock", "--emit", "model", cwd=overlay_of(translated, case).parent, cache=recorded_cache)
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    jsonschema.validate(model, SCHEMA)
    assert model["packages"], "a fixture with packages produced none"
    for package in model["packages"]:
        source = package["source"]
        if source["kind"] == "index":
            artifacts = source.get("wheels", []) + ([source["sdist"]] if "sdist" in source else [])
            assert all(a.get("url", "").startswith("https://") for a in artifacts), package["name"]
        if source["kind"] == "vcs":
            assert source["hash"].startswith("sha256-"), package["name"]


@pytest.mark.parametrize("case", POETRY_CASES)
def test_output_is_byte_identical_across_runs_and_hash_seeds(case: str, translated, recorded_cache, tmp_path) -> None:
    first = overlay_of(translated, case)
    # The same layout elsewhere (path dependencies are relative), another hash seed.
    again = tmp_path / "again"
    shutil.copytree(first.parent.parent, again)
    (again / case / "overlay.nix").unlink()
    result = lock2nix(
        "poetry.lock", "-o", "overlay.nix", cwd=again / case, cache=recorded_cache, env={"PYTHONHASHSEED": "12345"}
    )
    assert result.returncode == 0, result.stderr
    assert (again / case / "overlay.nix").read_bytes() == first.read_bytes()


def _shuffled(value, rng, *, sets: frozenset[str] = frozenset()):
    """``value`` with every table's keys in a random order; arrays named in ``sets``
    (order carries no meaning there) shuffled too."""
    import random as _random  # noqa: F401 - rng is a random.Random

    if isinstance(value, dict):
        keys = list(value)
        rng.shuffle(keys)
        return {k: _shuffled(value[k], rng, sets=sets) if k not in sets else _shuffled_list(value[k], rng, sets) for k in keys}
    if isinstance(value, list):
        return [_shuffled(v, rng, sets=sets) for v in value]
    return value


def _shuffled_list(value, rng, sets):
    items = [_shuffled(v, rng, sets=sets) for v in value] if isinstance(value, list) else _shuffled(value, rng, sets=sets)
    if isinstance(items, list):
        rng.shuffle(items)
    return items


def _without_digest(text: str) -> str:
    # The header records a digest of the input bytes, which differ by construction.
    return "\n".join(line for line in text.splitlines() if "lock2nix-inputs: " not in line)


@pytest.mark.parametrize("case", POETRY_CASES)
def test_output_is_byte_identical_across_key_orders(case: str, translated, recorded_cache, tmp_path) -> None:
    """Tables, keys, [[package]] entries and file lists in another order: the same overlay."""
    import importlib.util
    import random
    import tomllib

    spec = importlib.util.spec_from_file_location("lock2nix_bench_fuzz_codec", REPO / "bench" / "fuzz.py")
    fuzz = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = fuzz
    spec.loader.exec_module(fuzz)
    toml = fuzz.TomlCodec()

    lock = stage_poetry_case(case, tmp_path / "staged")
    rng = random.Random(case)
    data = tomllib.loads(lock.read_text(encoding="utf-8"))
    reordered = _shuffled(data, rng, sets=frozenset({"package", "files"}))
    assert toml.loads(toml.dumps(reordered)) == reordered
    assert [p["name"] for p in reordered["package"]] != [p["name"] for p in data["package"]] or len(data["package"]) < 3
    lock.write_text(toml.dumps(reordered), encoding="utf-8")
    pyproject = lock.parent / "pyproject.toml"
    if pyproject.exists():
        # Keys only: the order of lists there (build requirements, dependency lists) is meaningful.
        pyproject.write_text(toml.dumps(_shuffled(tomllib.loads(pyproject.read_text(encoding="utf-8")), rng)), encoding="utf-8")
    result = lock2nix(
        "poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_cache, env={"PYTHONHASHSEED": "777"}
    )
    if case in NOT_RECORDED:
        assert result.returncode == 2 and NOT_RECORDED[case] in result.stderr, result.stderr
        return
    assert result.returncode == 0, result.stderr
    assert _without_digest((lock.parent / "overlay.nix").read_text()) == _without_digest(translated[case].read_text())


def test_broken_fixture_is_refused_with_file_and_line(tmp_path, recorded_cache) -> None:
    case = FIXTURES / "broken" / "Textualize__textual__2023-merge-dup-extras"
    result = lock2nix(str(case / "poetry.lock"), "-o", str(tmp_path / "out.nix"), cwd=tmp_path, cache=recorded_cache)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "poetry.lock:2876" in result.stderr and "invalid TOML" in result.stderr
    assert not (tmp_path / "out.nix").exists()


SYSTEMS = ("x86_64-linux", "aarch64-darwin")

# The buildPythonPackage arguments nixpkgs documents (nixpkgs-python-facts.md
# §1.2: header arguments, arguments consumed by hooks, §5 switches) plus the
# stdenv.mkDerivation attributes it passes through that lock2nix uses.
FACTS_ARGUMENTS = frozenset(
    {
        # §1.2 header
        "pyproject", "format", "build-system", "dependencies", "optional-dependencies",
        "nativeBuildInputs", "buildInputs", "propagatedBuildInputs", "checkInputs", "nativeCheckInputs",
        "strictDeps", "outputs", "disabled", "catchConflicts", "makeWrapperArgs", "dontWrapPythonPrograms",
        "permitUserSite", "removeBinBytecode", "meta", "doCheck",
        # §1.2 consumed by hooks
        "pythonImportsCheck", "pythonRelaxDeps", "pythonRemoveDeps", "disabledTests", "disabledTestPaths",
        "pytestFlags", "pypaBuildFlags", "pythonNamespaces",
        # §5 switches
        "dontCheckRuntimeDeps", "dontUsePythonImportsCheck", "dontUsePytestCheck", "dontUsePythonCatchConflicts",
        # stdenv.mkDerivation, passed through by "..."
        "pname", "version", "src", "sourceRoot", "postPatch", "env", "passthru", "dontStrip",
        "autoPatchelfIgnoreMissingDeps",
    }
)


ACCEPTED_THROWS = __import__("re").compile(
    r"no wheel in the lock fits python3\.\d+ on \S+, and the lock has no sdist|none of its locked files is on"
)


def _throw_message(overlay: Path, system: str, python: str | None, name: str) -> str:
    """Nix's error for ``name`` of the lock's package set on ``python`` (None:
    ``name`` is an attribute path under the overlay's first project)."""
    from .nixeval import NixError, eval_json, nix_str

    pkgs = (
        f"(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; }})"
    )
    project = f"(builtins.head (builtins.attrValues {pkgs}.lock2nixProjects))"
    target = f"{project}.{name}" if python is None else f"({project}.withPython {pkgs}.{python}).python.pkgs.{nix_str(name)}"
    try:
        eval_json(f"{target}.drvPath")
    except NixError as exc:
        return str(exc)
    raise AssertionError(f"{name} evaluated without tryEval but threw inside it")


def _unavailable(model: dict) -> set[str]:
    """Packages whose every locked file is gone from the index: the overlay throws for them."""
    return {
        p["name"]
        for p in model["packages"]
        if p["source"]["kind"] == "index" and "sdist" not in p["source"] and not p["source"].get("wheels")
    }


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("case", POETRY_CASES)
def test_every_package_instantiates(case: str, system: str, translated, recorded_cache) -> None:
    from .nixeval import eval_json

    overlay = overlay_of(translated, case)
    model = json.loads(
        lock2nix("poetry.lock", "--emit", "model", cwd=overlay.parent, cache=recorded_cache).stdout
    )
    expected_throw = _unavailable(model)
    result = eval_json(
        f"import ./tests/nix/instantiate-overlay.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
        f"hostPython = {nix_str(sys.executable)}; }}",
        timeout=900,
    )
    projects = result.pop("projects")
    arguments = set(result.pop("arguments"))
    assert arguments, "no buildPythonPackage arguments were recorded"
    unknown = arguments - FACTS_ARGUMENTS
    assert not unknown, f"arguments nixpkgs' buildPythonPackage does not document: {sorted(unknown)}"
    names = {p["name"] for p in model["packages"]}
    for python, attrs in result.items():
        assert names <= set(attrs), f"{python}: overlay lacks {sorted(names - set(attrs))}"
        threw = {name for name, value in attrs.items() if value == "THROW"}
        assert expected_throw <= threw
        # Anything else may only throw because no locked artifact fits this
        # interpreter and platform (e.g. Windows-only wheels and no sdist), itself
        # or through a dependency; the message must say so.
        for name in sorted(threw - expected_throw):
            message = _throw_message(overlay, system, python, name)
            assert ACCEPTED_THROWS.search(message), f"{case} {python} {system} {name}: {message[-1500:]}"
        built = [v for v in attrs.values() if v not in ("null", "THROW")]
        assert built, f"{python}: nothing instantiated"
        assert all(v.endswith(".drv") for v in built)
    for name, envs in projects.items():
        for env, value in envs.items():
            if value != "THROW":
                assert value.endswith(".drv")
            elif not expected_throw:
                message = _throw_message(overlay, system, None, env)
                assert ACCEPTED_THROWS.search(message), f"{case} {name}.{env}: {message[-1500:]}"

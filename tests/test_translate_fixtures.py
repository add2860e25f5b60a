"""Every real poetry.lock fixture translates; its overlay parses and its model validates."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

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


@pytest.fixture(scope="module")
def translated(tmp_path_factory, recorded_cache) -> dict[str, Path]:
    """Each fixture's overlay, generated once for the module."""
    out = {}
    for case in POETRY_CASES:
        lock = stage_poetry_case(case, tmp_path_factory.mktemp("fixture"))
        result = lock2nix("poetry.lock", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_cache)
        assert result.returncode == 0, f"{case}: {result.stderr}"
        out[case] = lock.parent / "overlay.nix"
    return out


@pytest.mark.parametrize("case", POETRY_CASES)
def test_overlay_parses(case: str, translated) -> None:
    parse_file(translated[case])


@pytest.mark.parametrize("case", POETRY_CASES)
def test_model_validates(case: str, translated, recorded_cache) -> None:
    result = lock2nix("poetry.lock", "--emit", "model", cwd=translated[case].parent, cache=recorded_cache)
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
    first = translated[case].read_bytes()
    again = lock2nix(
        "poetry.lock", "--force", "-o", "again.nix", cwd=translated[case].parent, cache=recorded_cache,
        env={"PYTHONHASHSEED": "12345"},
    )
    assert again.returncode == 0, again.stderr
    second = (translated[case].parent / "again.nix").read_bytes()
    # Only the regenerate command in the header names the output file.
    assert first.replace(b"-o overlay.nix", b"-o again.nix") == second


def test_broken_fixture_is_refused_with_file_and_line(tmp_path, recorded_cache) -> None:
    case = FIXTURES / "broken" / "Textualize__textual__2023-merge-dup-extras"
    result = lock2nix(str(case / "poetry.lock"), "-o", str(tmp_path / "out.nix"), cwd=tmp_path, cache=recorded_cache)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "poetry.lock:2876" in result.stderr and "invalid TOML" in result.stderr
    assert not (tmp_path / "out.nix").exists()

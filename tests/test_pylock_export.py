"""``--emit pylock`` for every poetry.lock, Pipfile.lock and uv.lock fixture: packaging.pylock accepts it,
and translating it gives the same (name, version) set and the same artifacts as the original,
in the model and in the overlay's package set.

A pylock.toml records no dependency edges; translating it reads them from the
wheels' metadata, recorded in tests/data/roundtrip-cache (record_uv.py --roundtrip).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib
from packaging.pylock import Pylock

from .conftest import DATA, POETRY_CASES, stage_poetry_case
from .nixeval import eval_json, nix_str, parse_file
from .pipfile_cases import PIPFILE_CASES, recorded_pipfile_cache, stage_pipfile_case  # noqa: F401 - a fixture
from .test_translate_fixtures import NOT_RECORDED, _unavailable
from .uv_cases import UV_CASES, stage_case, uv_cache  # noqa: F401 - a fixture

CASES = (
    [("poetry.lock", c) for c in POETRY_CASES]
    + [("Pipfile.lock", c) for c in PIPFILE_CASES]
    + [("uv.lock", c) for c in UV_CASES]
)
STAGE = {
    "poetry.lock": stage_poetry_case,
    "Pipfile.lock": stage_pipfile_case,
    "uv.lock": lambda case, where: stage_case("uv", case, where),
}


def lock2nix(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(cache), *args],
        cwd=cwd, capture_output=True, text=True,
    )


def artifacts(model: dict) -> dict[tuple[str, str], list]:
    out = {}
    for package in model["packages"]:
        source = package["source"]
        files = source.get("wheels", []) + [source[k] for k in ("sdist", "artifact") if k in source]
        out[(package["name"], package["version"])] = sorted(
            (f["filename"], f["hashes"]["sha256"], f.get("url") or source.get("url") or source.get("path"))
            for f in files
        ) or {k: v for k, v in source.items() if k in ("kind", "url", "commit-id", "path", "editable")}
    return out


@pytest.fixture(scope="module")
def caches(tmp_path_factory, recorded_cache, recorded_pipfile_cache, uv_cache) -> dict[str, Path]:  # noqa: F811
    out = {}
    for fmt, recorded in (
        ("poetry.lock", recorded_cache), ("Pipfile.lock", recorded_pipfile_cache), ("uv.lock", uv_cache)
    ):
        cache = tmp_path_factory.mktemp("roundtrip")
        shutil.copytree(recorded, cache, dirs_exist_ok=True)
        shutil.copytree(DATA / "roundtrip-cache", cache, dirs_exist_ok=True)
        out[fmt] = cache
    return out


@pytest.mark.parametrize(("fmt", "case"), CASES, ids=[c for _, c in CASES])
def test_round_trip_through_pylock(fmt: str, case: str, caches, tmp_path) -> None:
    lock = STAGE[fmt](case, tmp_path)
    cache = caches[fmt]
    emitted = lock2nix(lock.name, "--emit", "pylock", "-o", "pylock.toml", cwd=lock.parent, cache=cache)
    if case in NOT_RECORDED:
        assert emitted.returncode == 2 and NOT_RECORDED[case] in emitted.stderr, emitted.stderr
        return
    assert emitted.returncode == 0, emitted.stderr
    text = (lock.parent / "pylock.toml").read_text()
    Pylock.from_dict(tomllib.loads(text)).validate()

    direct = json.loads(lock2nix(lock.name, "--emit", "model", cwd=lock.parent, cache=cache).stdout)
    back = lock2nix("pylock.toml", "--emit", "model", cwd=lock.parent, cache=cache)
    assert back.returncode == 0, back.stderr
    model = json.loads(back.stdout)
    assert model["format"] == "pylock.toml"
    expected = {k: v for k, v in artifacts(direct).items() if k[0] not in _unavailable(direct)}
    got = artifacts(model)
    assert set(got) == set(expected), (sorted(set(got) - set(expected)), sorted(set(expected) - set(got)))
    assert got == expected

    # The overlays: the same names in the lock's package set, each the same version
    # from the same artifact (store path of its src), on the interpreter each overlay
    # chooses for the project (the same one), for x86_64-linux.
    # Written outside the project, whose source (the root package's src) they would change.
    outputs = {"direct": tmp_path / "direct" / "overlay.nix", "pylock": tmp_path / "pylock" / "overlay.nix"}
    for source, output in (("direct", lock.name), ("pylock", "pylock.toml")):
        outputs[source].parent.mkdir()
        result = lock2nix(output, "-o", str(outputs[source]), cwd=lock.parent, cache=cache)
        assert result.returncode == 0, result.stderr
    parse_file(outputs["pylock"])
    expected_set = {k: v for k, v in package_set(outputs["direct"]).items() if k not in _unavailable(direct)}
    assert package_set(outputs["pylock"]) == expected_set


# The stand-in with python38 still in it: saleor's lock needs Python 3.8.
WITH_PYTHON38 = (
    'interpreters = [ "python38" "python310" "python311" "python312" "python313" "python314" ]; '
    'removedInterpreters = [ "python36" "python37" "python39" ];'
)


def package_set(overlay: Path) -> dict[str, str]:
    """Each locked name of ``overlay``'s set on the project's own interpreter (x86_64-linux):
    "<python> <version> <src store path>", "null" or "THROW"."""
    return eval_json(
        f"let p = import ./tests/nixpkgs {{ system = \"x86_64-linux\"; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; {WITH_PYTHON38} }}; "
        "project = builtins.head (builtins.attrValues p.lock2nixProjects); "
        "ps = project.python.pkgs; "
        "show = n: let t = builtins.tryEval (let v = ps.${n}; in if v == null then \"null\" else "
        "\"${project.python.pythonVersion} ${v.version} ${if v ? src then toString v.src else v.name}\"); "
        "in if t.success then t.value else \"THROW\"; "
        "in builtins.listToAttrs (map (n: { name = n; value = show n; }) project.lockedNames)",
        timeout=900,
    )

"""Where the locked packages live (nix/lib/scope.nix) and which interpreter a
project gets (scope.choose), evaluated with real Nix against the stand-in.

Default scope: only the project's own package set holds the lock; nixpkgs' sets
keep their derivations. Global scope: every set gets the lock too, except the
names nixpkgs' build machinery takes from the set (scope.protected), and a name
whose markers are false keeps nixpkgs' package."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO, stage_poetry_case
from .nixeval import NixError, eval_json, nix_str

SPLIT_FOLDERS = REPO / "examples" / "split-folders"
LIBRARY = REPO / "translator" / "lock2nix" / "nix" / "lib"


def translate(project: Path, cache: Path, *options: str) -> Path:
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), *options, "poetry.lock",
         "-o", "overlay.nix"],
        cwd=project, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return project / "overlay.nix"


def pkgs(*overlays: str) -> str:
    return f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ {' '.join(overlays)} ]; }})"


def protected() -> list[str]:
    return eval_json(f"builtins.attrNames (import {LIBRARY} {{ lib = import ./tests/nixpkgs/lib.nix; }}).scope.protected")


@pytest.fixture(scope="module")
def split_folders(tmp_path_factory, recorded_cache) -> dict[str, Path]:
    out = {}
    for scope in ("project", "global"):
        project = tmp_path_factory.mktemp(scope) / "split-folders"
        shutil.copytree(SPLIT_FOLDERS, project)
        out[scope] = translate(project, recorded_cache, "--scope", scope)
    return out


def test_default_scope_leaves_every_nixpkgs_set_as_it_was(split_folders) -> None:
    overlay = split_folders["project"]
    assert "pythonPackagesExtensions" not in overlay.read_text()
    same = eval_json(
        f"let with_ = {pkgs(f'(import {overlay})')}; without = {pkgs()}; in "
        "builtins.concatMap (py: map (n: with_.${py}.pkgs.${n}.drvPath == without.${py}.pkgs.${n}.drvPath) "
        "(builtins.filter (n: builtins.isAttrs without.${py}.pkgs.${n} && without.${py}.pkgs.${n} ? drvPath && "
        "(builtins.tryEval without.${py}.pkgs.${n}.drvPath).success) (builtins.attrNames without.${py}.pkgs))) "
        '[ "python311" "python312" "python313" ]'
    )
    assert same and all(same)


def test_global_scope_replaces_what_the_machinery_does_not_take(split_folders) -> None:
    overlay = split_folders["global"]
    assert "scope = \"global\";" in overlay.read_text()
    got = eval_json(
        f"let p = {pkgs(f'(import {overlay})')}; base = {pkgs()}; ps = p.python312Packages; in {{ "
        "tqdm = ps.tqdm.version; ruff = ps.ruff.version; project = ps.split-folders.version; "
        "colorama = ps.colorama ? lock2nixFits; coloramaSame = ps.colorama.drvPath == base.python312Packages.colorama.drvPath; "
        "protected = builtins.mapAttrs (n: _: (ps.${n}.drvPath or null) == (base.python312Packages.${n}.drvPath or null)) "
        "(builtins.intersectAttrs base.python312Packages (import ./translator/lock2nix/nix/lib "
        "{ lib = import ./tests/nixpkgs/lib.nix; }).scope.protected); "
        "projectPytest = p.lock2nixProjects.split-folders.python.pkgs.pytest.version; }"
    )
    assert got["tqdm"] == "4.67.1" and got["ruff"] == "0.14.14" and got["project"] == "0.5.1"
    # colorama is for Windows: nixpkgs' package stays.
    assert got["colorama"] is False and got["coloramaSame"] is True
    # pytest, packaging, pluggy, ... are locked, but nixpkgs' own stay in its sets ...
    assert got["protected"] and all(got["protected"].values()), got["protected"]
    # ... while the project's set has the locked ones.
    assert got["projectPytest"] == "9.0.2"


def test_a_false_marker_keeps_nixpkgs_package_in_the_global_sets(tmp_path, recorded_cache) -> None:
    # tomlkit (in the stand-in, not protected) locked for Python < 3.11 only.
    wheel = "tomlkit-0.13.2-py3-none-any.whl"
    (tmp_path / "poetry.lock").write_text(
        '[[package]]\nname = "tomlkit"\nversion = "0.13.2"\ndescription = ""\noptional = false\n'
        'python-versions = ">=3.8"\nmarkers = "python_version < \\"3.11\\""\n'
        f'files = [{{file = "{wheel}", hash = "sha256:{"1" * 64}"}}]\n\n'
        f'[package.source]\ntype = "url"\nurl = "https://example.invalid/{wheel}"\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = ">=3.10"\ncontent-hash = "0"\n'
    )
    overlay = translate(tmp_path, recorded_cache, "--no-detect", "--scope", "global")
    got = eval_json(
        f"let p = {pkgs(f'(import {overlay})')}; base = {pkgs()}; in {{ "
        "py310 = p.python310Packages.tomlkit.version; "
        "py312 = p.python312Packages.tomlkit.drvPath == base.python312Packages.tomlkit.drvPath; }"
    )
    assert got == {"py310": "0.13.2", "py312": True}


def test_protected_names_are_documented_with_their_reason() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("<!-- protected -->", 2)[1]
    for name in protected():
        assert re.search(rf"^\| `{re.escape(name)}` \| .+ \|$", table, re.M), f"{name} is not documented in README"


# --- which interpreter ------------------------------------------------------------------------


def test_removed_interpreters_are_skipped_and_an_older_one_is_offered(tmp_path, recorded_cache) -> None:
    """nixpkgs keeps removed interpreters as throwing aliases; one that still has
    python38 offers it to a project that needs it."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "old"\nversion = "1"\nrequires-python = ">=3.8,<3.10"\n')
    (tmp_path / "poetry.lock").write_text('[metadata]\nlock-version = "2.1"\npython-versions = ">=3.8,<3.10"\ncontent-hash = "0"\n')
    overlay = translate(tmp_path, recorded_cache)
    nixpkgs_of_2023 = (
        "(final: prev: { python39 = throw \"python39 has been removed\"; "
        "python38 = prev.python310.override { pythonAttr = \"python38\"; "
        "sourceVersion = { major = \"3\"; minor = \"8\"; patch = \"20\"; suffix = \"\"; }; }; })"
    )
    got = eval_json(f"{pkgs(nixpkgs_of_2023, f'(import {overlay})')}.lock2nixProjects.old.python.pythonVersion")
    assert got == "3.8"
    with pytest.raises(NixError, match=r"no Python interpreter in nixpkgs satisfies <3.10,>=3.8 \(tried python3, python314, python313"):
        eval_json(f"{pkgs(f'(import {overlay})')}.lock2nixProjects.old.python.pythonVersion")


def test_an_interpreter_every_runtime_package_fits_is_preferred(tmp_path, recorded_cache) -> None:
    """torch 2.0.1 has wheels up to cp311 and no sdist: python3 (3.12) is passed over."""
    lock = stage_poetry_case("huggingface__text-generation-inference__server-2023-legacy-torch", tmp_path)
    overlay = translate(lock.parent, recorded_cache)
    project = f"(builtins.head (builtins.attrValues {pkgs(f'(import {overlay})')}.lock2nixProjects))"
    assert eval_json(f"{project}.python.pythonVersion") == "3.11"
    assert eval_json(f"{project}.runtimeEnv.drvPath").endswith(".drv")


def test_the_pythons_setting_wins(tmp_path, recorded_cache) -> None:
    project = tmp_path / "split-folders"
    shutil.copytree(SPLIT_FOLDERS, project)
    (project / "lock2nix.toml").write_text('pythons = ["python313", "python311"]\n')
    overlay = translate(project, recorded_cache)
    assert eval_json(f"{pkgs(f'(import {overlay})')}.lock2nixProjects.split-folders.python.pythonVersion") == "3.13"


def test_the_project_set_builds_with_nixpkgs_own_machinery(split_folders) -> None:
    """The hooks (and the bootstrap packages) of the project's set are nixpkgs'
    derivations, although the lock pins packaging and pytest: binary-cache hits,
    and nothing the hooks need is a locked package."""
    overlay = split_folders["project"]
    got = eval_json(
        f"let p = {pkgs(f'(import {overlay})')}; base = {pkgs()}.python312Packages; "
        "ps = p.lock2nixProjects.split-folders.python.pkgs; "
        "library = import ./translator/lock2nix/nix/lib { lib = import ./tests/nixpkgs/lib.nix; }; "
        "drvs = s: n: if n == \"bootstrap\" then builtins.mapAttrs (_: d: d.drvPath or d) s.bootstrap else s.${n}.drvPath; "
        "present = builtins.filter (n: base ? ${n}) library.scope.machinery; in "
        "{ inherit present; same = map (n: drvs ps n == drvs base n) present; "
        "packaging = ps.packaging.version; }"
    )
    assert {"wheelUnpackHook", "pypaBuildHook", "pypaInstallHook", "pythonRuntimeDepsCheckHook", "bootstrap"} <= set(
        got["present"]
    )
    assert all(got["same"]), dict(zip(got["present"], got["same"]))
    assert got["packaging"] == "26.0", "the project's set has the locked packaging"

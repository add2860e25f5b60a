"""A generated overlay, deliberately broken, makes the harness fail with a clear message."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import REPO
from .nixeval import NixError, build, eval_json, nix_str, lock_set


@pytest.fixture
def overlay(tmp_path, recorded_cache) -> Path:
    project = tmp_path / "split-folders"
    shutil.copytree(REPO / "examples" / "split-folders", project)
    subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(recorded_cache), "-o", "overlay.nix"],
        cwd=project, check=True, capture_output=True,
    )
    return project / "overlay.nix"


def pkgs(overlays: str) -> str:
    return f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ {overlays} ]; }})"


def test_generated_overlay_is_accepted(overlay) -> None:
    assert eval_json(f"{lock_set(pkgs(f'(import {overlay})'))}.split-folders.drvPath").endswith(".drv")


def test_both_format_and_pyproject(overlay) -> None:
    text = overlay.read_text()
    root = re.search(r'\n( +)src = cleanSource "split-folders-source" \./\.;', text)
    assert root, "the project's source is not in the overlay"
    overlay.write_text(text[: root.end()] + f'\n{root.group(1)}format = "setuptools";' + text[root.end():])
    with pytest.raises(NixError, match="format"):
        eval_json(f"{lock_set(pkgs(f'(import {overlay})'))}.split-folders.drvPath")


def test_duplicate_distribution_in_closure(overlay) -> None:
    # A second packaging (the stand-in's own, under another name) next to the locked one,
    # added by a later overlay to the lock's package set.
    extra = (
        "(final: prev: { lock2nixPackagesExtensions = (prev.lock2nixPackagesExtensions or [ ]) ++ [ (pyFinal: pyPrev: { "
        "split-folders = pyPrev.split-folders.overridePythonAttrs (old: { dependencies = (old.dependencies or [ ]) "
        "++ [ pyFinal.pytest (pyFinal.packaging.overridePythonAttrs (o: { version = \"26.0.post1\"; })) ]; }); "
        "}) ]; })"
    )
    with pytest.raises(NixError, match="Package duplicates found in closure"):
        eval_json(f"{lock_set(pkgs(f'(import {overlay}) {extra}'))}.split-folders.drvPath")


@pytest.mark.nixbuild
@pytest.mark.network
def test_wrong_hash(overlay) -> None:
    text = overlay.read_text()
    # Break the hash of iniconfig's wheel: Nix must refuse what it downloads.
    match = re.search(r'(url = "[^"]+/iniconfig-[^"]+\.whl";\s+hash = "sha256-)([A-Za-z0-9+/]{43})=', text)
    assert match, "iniconfig wheel not found in the overlay"
    broken = match.group(2)[:-1] + ("A" if match.group(2)[-1] != "A" else "B")
    overlay.write_text(text[: match.start(2)] + broken + text[match.end(2):])
    with pytest.raises(NixError, match="hash mismatch in fixed-output derivation"):
        build(f"{lock_set(pkgs(f'(import {overlay})'))}.iniconfig")

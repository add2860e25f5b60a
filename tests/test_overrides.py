"""Curated fixes (overlays/overrides.toml): valid data, each one evaluating in the
nixpkgs stand-in, applied only where they match, inline with their reasons."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from lock2nix._schema import validate
from lock2nix.generate import Options, generate
from lock2nix.model import MAIN_GROUP, Artifact, Dependency, IndexSource, Lock, Package, RootProject
from lock2nix.overrides import CURATED_FILE, Fix, curated

from .nixeval import comment_text, eval_json, lock_set, nix_str

CURATED = tomllib.loads(CURATED_FILE.read_text(encoding="utf-8"))


def test_curated_data_matches_its_schema() -> None:
    validate(CURATED, "overrides.schema.json", str(CURATED_FILE))
    assert CURATED["package"], "no curated fixes"


def test_loaded_fixes_mirror_the_file() -> None:
    fixes = curated()
    assert set(fixes.by_name) == set(CURATED["package"])
    for name, entries in CURATED["package"].items():
        assert len(fixes.by_name[name]) == len(entries)
        for fix, entry in zip(fixes.by_name[name], entries):
            assert fix.reason == entry["reason"] and fix.source == entry["source"]
            assert fix.build_inputs == tuple(entry.get("sdist", {}).get("buildInputs", ()))
            assert fix.prefer_wheel == entry.get("prefer-wheel")


@pytest.mark.parametrize(
    ("versions", "version", "applies"),
    [
        (None, "1.0", True),
        ("<5", "4.9.3", True),
        ("<5", "5.0", False),
        ("<5", "5.0rc1", False),  # PEP 440: <5 excludes 5's pre-releases
        (">=2.8,<3", "2.9.10", True),
        (">=2.8,<3", "3.0.0", False),
        ("==1.*", "1.4", True),
        (">=1", "not-a-version", False),
    ],
)
def test_fix_applies_within_its_version_range(versions, version, applies) -> None:
    assert Fix(name="x", origin="test", versions=versions).applies_to(version) is applies


# --- every curated entry evaluates in the stand-in ------------------------------


def _version_for(spec: str | None) -> str:
    """A version the specifier set admits (the curated ranges are simple)."""
    if spec is None:
        return "1.0.0"
    specifiers = SpecifierSet(spec)
    candidates = []
    for s in specifiers:
        base = Version(s.version.replace(".*", ""))
        major, minor, micro = (list(base.release) + [0, 0])[:3]
        candidates += [str(base), f"{major}.{minor}.{micro + 1}", f"{major}.{minor + 1}.0", f"{major + 1}.0.0"]
        candidates += [f"{major - 1}.99.0" if major else "0.0.1", f"{major}.{minor}.{micro}.post1"]
    for candidate in candidates:
        if specifiers.contains(candidate, prereleases=False):
            return candidate
    raise AssertionError(f"no test version found for {spec!r}")


def _package(name: str, version: str, filename: str) -> str:
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\ndescription = ""\noptional = false\n'
        f'python-versions = "*"\ngroups = ["main"]\nfiles = [{{file = "{filename}", hash = "sha256:{hashlib.sha256(filename.encode()).hexdigest()}"}}]\n\n'
        f'[package.source]\ntype = "url"\nurl = "https://example.invalid/{filename}"\n\n'
    )


def _lock(packages: list[str]) -> str:
    meta = '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.11"\ncontent-hash = "0"\n'
    return "".join(packages) + meta


def _entries_by_index() -> dict[int, list[tuple[str, str, dict]]]:
    """Entry index → [(name, version, entry)]: one lock each, names unique within it."""
    out: dict[int, list[tuple[str, str, dict]]] = {}
    for name, entries in sorted(CURATED["package"].items()):
        for i, entry in enumerate(entries):
            out.setdefault(i, []).append((name, _version_for(entry.get("versions")), entry))
    return out


BY_INDEX = _entries_by_index()
LINUX_WHEEL = "py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64"


def _artifact(filename: str) -> Artifact:
    return Artifact(filename, {"sha256": hashlib.sha256(filename.encode()).hexdigest()},
                    url=f"https://example.invalid/{filename}")


def _overlay(rows: list[tuple[str, str, dict]], prefer: str, where: Path) -> Path:
    """Each package with an sdist and an x86_64-linux wheel, straight through the generator."""
    packages = []
    for name, version, _ in rows:
        dist = name.replace("-", "_")
        packages.append(
            Package(
                name=name, version=version, entry=f"package {name!r}",
                source=IndexSource(
                    url="https://example.invalid/simple/",
                    sdist=_artifact(f"{dist}-{version}.tar.gz"),
                    wheels=(_artifact(f"{dist}-{version}-{LINUX_WHEEL}.whl"),),
                ),
            )
        )
    # A project that is no package: its main group is every entry, so the
    # overlay's lock2nixProjects reaches the lock's package set.
    root = RootProject(
        name="curated", version=None, is_package=False,
        groups={MAIN_GROUP: tuple(Dependency(p.name) for p in packages)},
    )
    lock = Lock(
        file=str(where / "poetry.lock"), format="poetry.lock", format_version="2.1", packages=tuple(packages), root=root
    )
    where.mkdir(parents=True, exist_ok=True)
    overlay = where / f"overlay-{prefer}.nix"
    overlay.write_text(generate(lock, Options(prefer=prefer, inline=True)))
    return overlay


def _probe(overlay: Path, system: str, names: list[str]) -> dict:
    listed = " ".join(nix_str(n) for n in names)
    return eval_json(
        f"let ps = {lock_set(f'(import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; overlays = [ (import {overlay}) ]; }})')}; "
        "in builtins.listToAttrs (map (n: { name = n; "
        "value = { drv = ps.${n}.drvPath; args = ps.${n}.lock2nixStandinArgs; "
        "wheel = builtins.elem \"format\" ps.${n}.lock2nixStandinArgs; "
        "backends = map (b: b.pname) (ps.${n}.build-system or [ ]); }; }) "
        f"[ {listed} ])"
    )


@pytest.mark.parametrize("index", sorted(BY_INDEX))
def test_every_curated_entry_evaluates_in_the_standin(index, tmp_path) -> None:
    rows = BY_INDEX[index]
    names = [name for name, _, _ in rows]
    from_source = _overlay(rows, "sdist", tmp_path)
    text = comment_text(from_source.read_text())
    for name, _, entry in rows:
        assert entry["reason"] in text, f"{name}: the reason is not next to the fix"
    # x86_64-linux: the wheel fits, so prefer-wheel entries take it; the rest build the sdist.
    seen = _probe(from_source, "x86_64-linux", names)
    for name, _, entry in rows:
        got = seen[name]
        assert got["drv"].endswith(".drv"), name
        assert got["wheel"] is bool(entry.get("prefer-wheel")), name
        if not got["wheel"]:
            for attribute in entry.get("sdist", {}):
                assert attribute in got["args"], f"{name}: {attribute} not applied"
            if "build-system" in entry.get("sdist", {}):
                assert got["backends"] == entry["sdist"]["build-system"], name
    # aarch64-darwin: no wheel fits, everything builds from source, and must evaluate.
    seen = _probe(from_source, "aarch64-darwin", names)
    assert all(not got["wheel"] and got["drv"].endswith(".drv") for got in seen.values())
    # Wheels preferred: the wheel fixes apply.
    seen = _probe(_overlay(rows, "wheel", tmp_path), "x86_64-linux", names)
    for name, _, entry in rows:
        assert seen[name]["wheel"], name
        for attribute in entry.get("wheel", {}):
            assert attribute in seen[name]["args"], f"{name}: {attribute} not applied to the wheel"


def _translate(lock_text: str, where: Path, cache: Path, *extra: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    (where / "poetry.lock").write_text(lock_text)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(cache), *extra,
         "poetry.lock", "-o", "overlay.nix"],
        cwd=where, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return where / "overlay.nix"


def test_overlay_carries_only_fixes_of_packages_in_the_lock(tmp_path, recorded_cache) -> None:
    some = sorted(n for n, entries in CURATED["package"].items() if "sdist" in entries[0])[:1]
    assert some, "need a curated sdist fix"
    name = some[0]
    version = _version_for(CURATED["package"][name][0].get("versions"))
    overlay = _translate(_lock([_package(name, version, f"{name}-{version}.tar.gz")]), tmp_path, recorded_cache)
    text = overlay.read_text()
    assert CURATED["package"][name][0]["reason"] in comment_text(text)
    others = [e["reason"] for n, es in CURATED["package"].items() if n != name for e in es]
    assert not [r for r in others if r in comment_text(text)], "fixes of absent packages leaked into the overlay"
    assert text.count("sourceAttrs = ") + text.count("wheelAttrs = ") >= 1


def test_version_ranges_select_the_entry(tmp_path, recorded_cache) -> None:
    ranged = [(n, es) for n, es in CURATED["package"].items() if any("versions" in e for e in es)]
    if not ranged:
        pytest.skip("no curated entry has a version range yet")
    name, entries = ranged[0]
    entry = next(e for e in entries if "versions" in e)
    inside = _version_for(entry["versions"])
    overlay = _translate(_lock([_package(name, inside, f"{name}-{inside}.tar.gz")]), tmp_path / "in", recorded_cache)
    assert entry["reason"] in comment_text(overlay.read_text())
    spec = SpecifierSet(entry["versions"])
    outside = next(v for v in ("0.0.1", "0.9", "1.0", "2.0", "9.0", "99.0", "999.0") if not spec.contains(v))
    overlay = _translate(_lock([_package(name, outside, f"{name}-{outside}.tar.gz")]), tmp_path / "out", recorded_cache)
    assert entry["reason"] not in comment_text(overlay.read_text())


def test_version_from_vcs_table_names_real_variables() -> None:
    table = curated().version_from_vcs
    assert table["setuptools-scm"].env == "SETUPTOOLS_SCM_PRETEND_VERSION"
    assert table["hatch-vcs"].env == "SETUPTOOLS_SCM_PRETEND_VERSION"
    assert table["pdm-backend"].env == "PDM_BUILD_SCM_VERSION"


def test_git_source_with_setuptools_scm_gets_the_locked_version(tmp_path, recorded_cache) -> None:
    # A directory source (like a git checkout: no .git in the store) built with setuptools-scm.
    project = tmp_path / "dep"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools", "setuptools-scm"]\nbuild-backend = "setuptools.build_meta"\n'
        '[project]\nname = "dep"\ndynamic = ["version"]\n'
    )
    lock = (
        '[[package]]\nname = "dep"\nversion = "1.2.3"\ndescription = ""\noptional = false\npython-versions = "*"\n'
        'groups = ["main"]\nfiles = []\ndevelop = false\n\n[package.source]\ntype = "directory"\nurl = "dep"\n\n'
    )
    overlay = _translate(_lock([lock]), tmp_path, recorded_cache)
    pretended = eval_json(
        f"{lock_set(f'(import ./tests/nixpkgs {{ overlays = [ (import {overlay}) ]; }})')}.dep.SETUPTOOLS_SCM_PRETEND_VERSION"
    )
    assert pretended == "1.2.3"
    assert json.loads(json.dumps(pretended)) == "1.2.3"

"""With --prefer sdist, the build system in the overlay is the one each sdist declares.

For every recorded fixture lock, the overlay is evaluated by Nix (python311 on
x86_64-linux, nixpkgs stand-in) and the build-system of each package built from
its sdist is compared with the sdist's own [build-system].requires, as recorded
under tests/data/sdist-cache (PEP 518 requirements, markers evaluated for the
same interpreter, names mapped to nixpkgs attributes by lock2nix's verified
table).  Issue 4 asks for >= 95 %; the figure is printed with -s.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from lock2nix.generate.build_systems import nixpkgs_attributes

from .conftest import DATA, POETRY_CASES, stage_poetry_case
from .nixeval import eval_json, nix_str
from .test_translate_fixtures import NOT_RECORDED, lock2nix

RECORDED = DATA / "sdist-cache" / "sdist"
PY311_LINUX = {
    **default_environment(),
    "python_version": "3.11",
    "python_full_version": "3.11.9",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "os_name": "posix",
}

# What Nix reports per package: null, "wheel", or the pnames of its build system.
PROBE = """
let
  pkgs = import ./tests/nixpkgs {{
    system = "x86_64-linux";
    hostPython = {python};
    overlays = [ (import {overlay}) ];
  }};
  project = builtins.head (builtins.attrValues pkgs.lock2nixProjects);
  ps = (project.withPython pkgs.python311).python.pkgs;
  probe =
    name:
    let
      tried = builtins.tryEval ps.${{name}};
      p = tried.value;
    in
    # Not locked here (markers false): the package set's own, not compared.
    if !tried.success || p == null || !(p ? lock2nixFits) then
      null
    else if builtins.elem "format" p.lock2nixStandinArgs then
      "wheel"
    else
      map (b: b.pname) (builtins.filter (b: b != null) p.build-system);
in
builtins.listToAttrs (map (name: {{ inherit name; value = probe name; }}) {names})
"""


def _declared(sha256: str) -> list[str] | None:
    path = RECORDED / sha256[:2] / f"{sha256}.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text())["requires"]


def _expected_attributes(requires: list[str]) -> set[str | None]:
    table = nixpkgs_attributes()
    out: set[str | None] = set()
    for text in requires:
        requirement = Requirement(text)
        if requirement.marker is not None and not requirement.marker.evaluate(PY311_LINUX):
            continue
        name = canonicalize_name(requirement.name)
        out.add(table.get(name, name))
    return out or {"setuptools"}


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, recorded_cache) -> dict[str, list[tuple[str, set, set]]]:
    """Per fixture: (package, declared attributes, attributes in the overlay)."""
    results = {}
    for case in POETRY_CASES:
        if case in NOT_RECORDED:
            continue
        lock = stage_poetry_case(case, tmp_path_factory.mktemp("sdist"))
        done = lock2nix("poetry.lock", "--prefer", "sdist", "-o", "overlay.nix", cwd=lock.parent, cache=recorded_cache)
        assert done.returncode == 0, done.stderr
        model = json.loads(lock2nix("poetry.lock", "--emit", "model", cwd=lock.parent, cache=recorded_cache).stdout)
        sdists = {
            p["name"]: p["source"]["sdist"]["hashes"]["sha256"]
            for p in model["packages"]
            if p["source"]["kind"] == "index" and "sdist" in p["source"]
        }
        # Several locked versions of one name: the selector picks one, so compare
        # only names locked once.
        counts: dict[str, int] = {}
        for p in model["packages"]:
            counts[p["name"]] = counts.get(p["name"], 0) + 1
        names = sorted(n for n in sdists if counts[n] == 1)
        seen = eval_json(
            PROBE.format(
                python=nix_str(sys.executable),
                overlay=lock.parent / "overlay.nix",
                names="[ " + " ".join(nix_str(n) for n in names) + " ]",
            ),
            timeout=900,
        )
        rows = []
        for name in names:
            built = seen[name]
            declared = _declared(sdists[name])
            if built is None or built == "wheel" or declared is None:
                continue
            rows.append((name, _expected_attributes(declared), set(built)))
        results[case] = rows
    return results


def test_build_systems_match_the_sdists(comparison) -> None:
    total = sum(len(rows) for rows in comparison.values())
    mismatches = [(case, *row) for case, rows in comparison.items() for row in rows if row[1] != row[2]]
    share = 1 - len(mismatches) / total
    print(f"\nbuild systems matching the sdist's declaration: {total - len(mismatches)}/{total} = {share:.1%}")
    for case, name, declared, built in mismatches:
        print(f"  {case}: {name}: declared {sorted(map(str, declared))}, overlay {sorted(built)}")
    assert total > 500, "too few sdist builds compared for the figure to mean anything"
    assert share >= 0.95


def test_every_compared_package_was_built_from_its_sdist(comparison) -> None:
    # The figure above covers sdist builds only; make sure --prefer sdist made them.
    assert all(rows for rows in comparison.values())

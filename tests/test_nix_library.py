"""lock2nix's Nix library (translator/lock2nix/nix/lib), one table of cases per
file (tests/nixlib/<file>.nix), evaluated with real Nix; and the library as
overlays receive it (bundled into one file, version-stamped)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lock2nix import __version__
from lock2nix.nix import library

from .conftest import REPO
from .nixeval import NixError, eval_json, nix_str, run

LIB = REPO / "translator" / "lock2nix" / "nix" / "lib"
CASES = REPO / "tests" / "nixlib"
STANDIN_LIB = "import ./tests/nixpkgs/lib.nix"


@pytest.mark.parametrize("name", sorted(p.stem for p in LIB.glob("*.nix")))
def test_each_library_file_has_its_table_of_cases(name: str) -> None:
    cases = CASES / f"{name}.nix"
    assert cases.is_file(), f"no cases for nix/lib/{name}.nix"
    got = eval_json(
        f"let lib = {STANDIN_LIB}; library = import {LIB} {{ inherit lib; }}; "
        f"fake = import {CASES / 'fake.nix'} {{ inherit lib; }}; "
        f"cases = import {cases} {{ inherit lib library fake; }}; in "
        "map (c: { inherit (c) name; ok = c.expr == c.expected; got = c.expr; want = c.expected; }) cases"
    )
    assert got, f"{cases} has no cases"
    failed = [f"{c['name']}: got {c['got']!r}, want {c['want']!r}" for c in got if not c["ok"]]
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("path", sorted(LIB.glob("*.nix")), ids=lambda p: p.name)
def test_library_files_stay_small_and_document_their_functions(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250, f"{path.name} has {len(text.splitlines())} lines"
    assert text.startswith("#"), f"{path.name} opens without saying what it is"


def test_helper_table_matches_what_the_library_exports() -> None:
    helpers = library.helpers()
    exported = eval_json(f"builtins.attrNames (import {LIB} {{ lib = {STANDIN_LIB}; }})")
    assert set(helpers["library"]) <= set(exported)
    lib_names = eval_json(f"builtins.attrNames ({STANDIN_LIB})")
    assert set(helpers["lib"]) <= set(lib_names)
    # The arguments mkOverlay gives the overlay's `packages` function.
    given = eval_json(
        f"let lib = {STANDIN_LIB}; library = import {LIB} {{ inherit lib; }}; "
        "overlay = library.mkOverlay { final = { }; prev = { inherit lib; pythonPackagesExtensions = [ ]; }; "
        "settings.prefer = \"wheel\"; packages = args: { a = builtins.attrNames args; }; projects.p = { }; }; "
        "in (builtins.head (builtins.attrValues overlay.lock2nixProjects)).lockedNames"
    )
    assert given == ["a"]
    args = eval_json(
        f"let lib = {STANDIN_LIB}; library = import {LIB} {{ inherit lib; }}; "
        "seen = library.package.forSet { final = { }; prefer = \"wheel\"; } { }; in builtins.attrNames seen"
    )
    assert set(helpers["packageSet"]) - {"pyFinal", "pyPrev", "env"} <= set(args)


def test_bundle_is_the_library_with_its_version(tmp_path) -> None:
    bundled = tmp_path / library.FILE_NAME
    bundled.write_text(library.bundle())
    lib = f"lib = {STANDIN_LIB};"
    source = eval_json(f"builtins.attrNames (import {LIB} {{ {lib} }})")
    same = eval_json(f"builtins.attrNames (import {bundled} {{ {lib} version = {nix_str(__version__)}; }})")
    assert same == source
    probe = 'x: [ (x.versionOlder "3.9" "3.10") (x.pep440.compare "3.13.0rc1" "3.13") ]'
    assert eval_json(f"({probe}) (import {bundled} {{ {lib} version = {nix_str(__version__)}; }})") == [True, -1]
    with pytest.raises(NixError, match=f"imports a {library.FILE_NAME} that is from lock2nix {__version__}"):
        eval_json(f"(import {bundled} {{ {lib} version = \"0.0.1\"; }}).versionOlder")


@pytest.mark.parametrize(
    ("change", "current"),
    [
        (lambda text: text, True),
        (lambda text: None, False),
        (lambda text: text.replace("versionOlder", "versionNewer", 1), False),  # an edit of the code
        (lambda text: text + "\n", False),
        (lambda text: text.replace("# sources ", "# sources 0", 1), False),  # another library's stamp
        (lambda text: text.partition("{ lib, version }:")[2], False),  # no header
        (lambda text: "", False),
    ],
)
def test_a_library_file_is_current_when_its_stamp_matches_its_code_and_sources(change, current) -> None:
    """The pre-commit hook's no-op run checks the library file by its stamp, without making the library."""
    assert library.is_current(change(library.bundle())) is current


def test_bundle_has_no_imports_left() -> None:
    assert "import ./" not in library.bundle()
    assert json.loads(json.dumps(library.helpers()))  # plain data
    run(["nix-instantiate", "--parse", "-E", library.bundle()])


def test_the_library_keeps_its_own_file_out_of_local_sources() -> None:
    """cleanSource leaves the library beside the overlay out of the project's src."""
    assert f'"{library.FILE_NAME}"' in (LIB / "package.nix").read_text(encoding="utf-8")

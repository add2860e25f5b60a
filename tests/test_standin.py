"""Tests of the nixpkgs stand-in under tests/nixpkgs/ (see tests/nixpkgs/README.md).

Every test runs real Nix (nix-instantiate / nix-build).  Tests marked ``nixbuild``
download from PyPI and build; they need ``hostPython`` (here: ``sys.executable``)
to be a CPython 3.11 that can import ``installer`` and ``build``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

STANDIN = Path(__file__).resolve().parent / "nixpkgs"

# A real wheel (six 1.17.0) and real sdists used in several places.
SIX_WHL = (
    "https://files.pythonhosted.org/packages/b7/ce/149a00dd41f10bc29e5921b496af8b574d8413afcd5e30dfa0ed46c2cc5e/"
    "six-1.17.0-py2.py3-none-any.whl",
    "sha256-RyHzke2QVB/drKtaz5R6oNPcfSey4ejtor6JcFhsMnQ=",
)
IDNA_WHL = (
    "https://files.pythonhosted.org/packages/58/a2/bb081bab032533a855d44de1d56f8e8426114ff1ba5d1f07a438a0a654f8/"
    "idna-3.20-py3-none-any.whl",
    "sha256-q3rnEil0VTNw8L25GeGpYLLNG8HvAnZBbYltuBwUWCw=",
)
TOMLI_SDIST = (
    "https://files.pythonhosted.org/packages/b0/78/9ad63712633ed3ab5cc1a648d863d7e7da371e9425e209555a0fe711b695/"
    "tomli-2.5.0.tar.gz",
    "sha256-JkUHVWzYuMjnxu4DfN9EOkY/A/TJWOVxlePTaXEbj/Y=",
)
SIX_SDIST = (
    "https://files.pythonhosted.org/packages/94/e7/b2c673351809dca68a0e064b6af791aa332cf192da575fd474ed7d6f16a2/"
    "six-1.17.0.tar.gz",
    "sha256-/3AzXUaOfrbsZblbmdOig2VGBj9jrMUXHeNn6DSTKoE=",
)

# Builds run as the nixbld users unless build-users-group is empty; those users
# cannot execute an interpreter below /root (pyenv, a venv there, ...).
# No binary cache is reachable here.
NIX_OPTS = ["--option", "build-users-group", "", "--option", "substituters", ""]


def nix_str(s: str) -> str:
    return json.dumps(s).replace("${", "\\${")


def nix_list(items: list[str]) -> str:
    return "[ " + " ".join(nix_str(i) for i in items) + " ]"


def fetchurl(spec: tuple[str, str], name: str | None = None) -> str:
    url, h = spec
    name_attr = f" name = {nix_str(name)};" if name else ""
    return f"pkgs.fetchurl {{ url = {nix_str(url)}; hash = {nix_str(h)};{name_attr} }}"


def standin(system: str = "x86_64-linux", overlays: str = "[ ]", host_python: str | None = None, extra: str = "") -> str:
    hp = nix_str(host_python) if host_python else "null"
    return f'import {STANDIN} {{ system = "{system}"; overlays = {overlays}; hostPython = {hp}; {extra} }}'


def expr(body: str, **kw) -> str:
    return f"let pkgs = {standin(**kw)}; ps = pkgs.python311Packages; lib = pkgs.lib; in {body}"


def nix(cmd: list[str], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def nix_eval(e: str) -> object:
    r = nix(["nix-instantiate", "--eval", "--strict", "--json", "-E", e])
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def nix_eval_fails(e: str) -> str:
    r = nix(["nix-instantiate", "--eval", "--strict", "-E", e])
    assert r.returncode != 0, f"evaluation unexpectedly succeeded: {r.stdout}"
    return r.stderr


def instantiate(e: str) -> subprocess.CompletedProcess:
    return nix(["nix-instantiate", "--show-trace", *NIX_OPTS, "-E", e])


def nix_build(e: str, *extra: str) -> subprocess.CompletedProcess:
    return nix(["nix-build", "--no-out-link", *NIX_OPTS, *extra, "-E", e])


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", s)


@pytest.fixture(scope="session")
def host_python() -> str:
    """The interpreter passed as hostPython: the one running the tests."""
    missing = [m for m in ("installer", "build") if importlib.util.find_spec(m) is None]
    if sys.version_info[:2] != (3, 11):
        pytest.skip("the stand-in builds only with a CPython 3.11 hostPython")
    if missing:
        pytest.skip(f"hostPython {sys.executable} lacks {missing} (pip install installer build pytest)")
    return sys.executable


pytestmark = pytest.mark.skipif(shutil.which("nix-instantiate") is None, reason="Nix is not installed")


# ---------------------------------------------------------------------------
# strict rejections (evaluation / instantiation only, nothing is built)

WHEEL_SRC = fetchurl(SIX_WHL, name="six-1.17.0-py2.py3-none-any.whl")
OK = f'pname = "six"; version = "1.17.0"; src = {WHEEL_SRC}; doCheck = false;'
OK_TESTED = f'pname = "six"; version = "1.17.0"; src = {WHEEL_SRC};'

# (id, body, expected message fragment, "eval" = forcing the call, "drv" = instantiating it)
REJECTIONS = [
    ("format-and-pyproject", f'ps.buildPythonPackage {{ {OK} format = "wheel"; pyproject = true; }}', "mutually exclusive", "eval"),
    ("pyproject-false-and-format", f'ps.buildPythonPackage {{ {OK} format = "wheel"; pyproject = false; }}', "mutually exclusive", "eval"),
    ("no-format", f"ps.buildPythonPackage {{ {OK} }}", "does not configure a `format`", "eval"),
    ("unknown-format", f'ps.buildPythonPackage {{ {OK} format = "flit"; }}', "unsupported format", "eval"),
    ("pyproject-not-bool", f'ps.buildPythonPackage {{ {OK} pyproject = "yes"; }}', "`pyproject` of `python3.11-six-1.17.0` must be a boolean", "eval"),
    (
        "wheel-src-not-whl",
        f'ps.buildPythonPackage {{ pname = "six"; version = "1.17.0"; format = "wheel"; src = {fetchurl(SIX_SDIST)}; }}',
        "is not a .whl file",
        "eval",
    ),
    (
        "wheel-src-bad-wheel-name",
        f'ps.buildPythonPackage {{ pname = "six"; version = "1.17.0"; format = "wheel"; src = {fetchurl(SIX_WHL, name="six.whl")}; }}',
        "is not a valid wheel file name",
        "eval",
    ),
    ("wheel-without-src", 'ps.buildPythonPackage { pname = "six"; version = "1.17.0"; format = "wheel"; }', "but no `src`", "eval"),
    ("missing-pname", f'ps.buildPythonPackage {{ version = "1.0"; format = "wheel"; src = {WHEEL_SRC}; }}', "`pname` is required", "eval"),
    ("missing-version", f'ps.buildPythonPackage {{ pname = "six"; format = "wheel"; src = {WHEEL_SRC}; }}', "`version` is required", "eval"),
    ("version-not-pep440", f'ps.buildPythonPackage {{ pname = "six"; version = "1.0.x"; src = {WHEEL_SRC}; format = "wheel"; }}', "has version \"1.0.x\", which is not a valid PEP 440 version", "eval"),
    ("version-unstable", f'ps.buildPythonPackage {{ pname = "six"; version = "unstable-2024-01-01"; src = {WHEEL_SRC}; pyproject = true; }}', "not a valid PEP 440 version", "eval"),
    ("version-not-string", f'ps.buildPythonPackage {{ pname = "six"; version = 1; src = {WHEEL_SRC}; pyproject = true; }}', "`version` of `six` must be a string", "eval"),
    ("unknown-argument", f'ps.buildPythonPackage {{ {OK} format = "wheel"; fooBar = 1; }}', "unknown argument(s) `fooBar`", "eval"),
    ("finalAttrs-form", 'ps.buildPythonPackage (finalAttrs: { pname = "six"; })', "fixed-point form", "eval"),
    ("dependencies-not-a-list", f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = ps.packaging; }}', "`dependencies` of `python3.11-six-1.17.0` must be a list", "eval"),
    ("env-bad-value", f'ps.buildPythonPackage {{ {OK} format = "wheel"; env.FOO = [ "x" ]; }}', "The `env` attribute set can only contain", "eval"),
    ("string-in-dependencies", f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ "packaging" ]; }}', 'must contain only derivations (or null), but it contains the string "packaging"', "drv"),
    ("attrset-in-build-system", f'ps.buildPythonPackage {{ {OK} pyproject = true; build-system = [ {{ name = "x"; }} ]; }}', "`build-system` of `python3.11-six-1.17.0` must contain only derivations", "drv"),
    # Check inputs are only part of the derivation (and checked) when the tests run.
    ("function-in-nativeCheckInputs", f'ps.buildPythonPackage {{ {OK_TESTED} format = "wheel"; nativeCheckInputs = [ (x: x) ]; }}', "`nativeCheckInputs` of `python3.11-six-1.17.0` must contain only derivations", "drv"),
    ("checkInputs-not-a-list", f'ps.buildPythonPackage {{ {OK_TESTED} format = "wheel"; checkInputs = ps.pytest; }}', "`checkInputs` of `python3.11-six-1.17.0` must be a list", "eval"),
    ("enabledTests-empty", f'ps.buildPythonPackage {{ {OK_TESTED} format = "wheel"; enabledTests = [ ]; }}', "six: enabledTests must be unspecified, null or a non-empty list.", "drv"),
    ("python-mismatch-dependencies", f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ pkgs.python312Packages.packaging ]; }}', "Python version mismatch in 'python3.11-six-1.17.0'", "drv"),
    ("python-mismatch-buildInputs", f'ps.buildPythonPackage {{ {OK} format = "wheel"; buildInputs = [ pkgs.python313Packages.packaging ]; }}', "Python version mismatch in", "drv"),
    ("python-mismatch-propagated", f'ps.buildPythonPackage {{ {OK} format = "wheel"; propagatedBuildInputs = [ pkgs.python310Packages.packaging ]; }}', "Python version mismatch in", "drv"),
    ("disabled", f'ps.buildPythonPackage {{ {OK} format = "wheel"; disabled = true; }}', "python3.11-six-1.17.0 not supported for interpreter python3.11", "drv"),
    (
        "duplicate-distribution-direct",
        f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ ps.packaging (ps.packaging.overridePythonAttrs {{ version = "26.2"; }}) ]; }}',
        "Package duplicates found in closure",
        "drv",
    ),
    (
        "duplicate-distribution-transitive",
        f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ ps.build (ps.packaging.overridePythonAttrs {{ version = "26.2"; }}) ]; }}',
        "packaging: packaging 26.2",
        "drv",
    ),
    (
        "duplicate-of-itself",
        f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ (ps.packaging.overridePythonAttrs {{ pname = "Six"; }}) ]; }}',
        "six: six 1.17.0 (this package",
        "drv",
    ),
    (
        "non-python-drv-in-python-set",
        "let p = " + standin(overlays="[ (final: prev: { pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pf: pp: { zlib = final.zlib; }) ]; }) ]") + "; in p.python311Packages.zlib",
        "zlib should use `buildPythonPackage` or `toPythonModule`",
        "drv",
    ),
    ("fetchurl-two-hashes", f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "{SIX_WHL[1]}"; sha256 = "{"0" * 52}"; }}', "multiple hashes passed to fetchurl", "eval"),
    ("fetchurl-no-hash", f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; }}', "fetchurl requires a hash", "eval"),
    ("fetchurl-fakeHash", f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; hash = lib.fakeHash; }}', "lib.fakeHash", "eval"),
    ("fetchurl-md5", f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; md5 = "abc"; }}', "does not support md5", "eval"),
    ("fetchurl-unknown-arg", f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "{SIX_WHL[1]}"; foo = 1; }}', "unexpected argument 'foo'", "eval"),
    (
        "fetchurl-illegal-store-name",
        'pkgs.fetchurl { url = "https://files.pythonhosted.org/x/foo-1.0%2Blocal-py3-none-any.whl"; hash = "' + SIX_WHL[1] + '"; }',
        "contains illegal character '%'",
        "drv",
    ),
    ("fetchgit-no-hash", 'pkgs.fetchgit { url = "https://example.org/x.git"; rev = "0123456789abcdef0123456789abcdef01234567"; }', "a hash is required", "eval"),
    ("fetchgit-fakeHash", 'pkgs.fetchgit { url = "https://example.org/x.git"; rev = "0123456789abcdef0123456789abcdef01234567"; hash = lib.fakeHash; }', "lib.fakeHash", "eval"),
    ("fetchgit-unknown-arg", f'pkgs.fetchgit {{ url = "https://example.org/x.git"; rev = "abc"; hash = "{SIX_WHL[1]}"; submodules = true; }}', "unexpected argument 'submodules'", "eval"),
    ("fetchgit-rev-and-tag", f'pkgs.fetchgit {{ url = "https://example.org/x.git"; rev = "abc"; tag = "v1"; hash = "{SIX_WHL[1]}"; }}', "not both", "eval"),
    ("buildEnv-unknown-arg", "pkgs.python311.buildEnv.override { extraLibs = [ ]; foo = true; }", "unexpected argument 'foo'", "eval"),
    ("unsupported-system", 'let p = import ' + str(STANDIN) + ' { system = "i686-linux"; }; in p.stdenv.hostPlatform.system', "unsupported system `i686-linux`", "eval"),
]


@pytest.mark.parametrize("body,message,when", [r[1:] for r in REJECTIONS], ids=[r[0] for r in REJECTIONS])
def test_rejections(body: str, message: str, when: str) -> None:
    e = expr(body)
    if when == "eval":
        err = nix_eval_fails(f"builtins.seq ({e}) true")
    else:
        r = instantiate(e)
        assert r.returncode != 0, f"instantiation unexpectedly succeeded: {r.stdout}"
        err = r.stderr
    assert message in squash(err), err


def test_lazy_rules_do_not_fire_on_attribute_access() -> None:
    """disabled / mismatch / conflicts only fire when the derivation is needed (as in nixpkgs)."""
    got = nix_eval(
        expr(
            f'let d = ps.buildPythonPackage {{ {OK} format = "wheel"; disabled = true; '
            f"dependencies = [ pkgs.python312Packages.packaging ]; }}; in [ d.pname d.version d.disabled d.name ]"
        )
    )
    assert got == ["six", "1.17.0", True, "python3.11-six-1.17.0"]


def test_accepted_argument_list() -> None:
    names = nix_eval(expr("pkgs.lock2nixStandin.acceptedBuildPythonPackageArgs"))
    same = nix_eval(expr("ps.buildPythonPackage.acceptedArgs == pkgs.lock2nixStandin.acceptedBuildPythonPackageArgs"))
    assert same is True
    assert len(names) == len(set(names)), "duplicates in the accepted list"
    for n in ("pyproject", "format", "build-system", "dependencies", "optional-dependencies", "pythonImportsCheck",
              "pythonRelaxDeps", "disabledTests", "pytestFlags", "dontCheckRuntimeDeps", "dontUsePythonCatchConflicts",
              "pname", "version", "src", "postPatch", "env", "passthru", "meta", "dontStrip",
              "autoPatchelfIgnoreMissingDeps", "runtimeDependencies", "doCheck", "catchConflicts", "makeWrapperArgs"):
        assert n in names
    for n in ("fooBar", "buildPhaseFlags", "python", "requirements"):
        assert n not in names


def test_every_accepted_argument_is_accepted() -> None:
    """A call naming every accepted argument (with a neutral value) evaluates and instantiates."""
    e = expr(
        "let names = pkgs.lock2nixStandin.acceptedBuildPythonPackageArgs; "
        'given = builtins.removeAttrs (builtins.listToAttrs (map (n: { name = n; value = ""; }) names)) [ "pyproject" "name" ] // '
        f'{{ {OK} format = "wheel"; meta = {{ }}; passthru = {{ }}; env = {{ }}; stdenv = pkgs.stdenv; '
        'optional-dependencies = { }; outputs = [ "out" ]; disabled = false; catchConflicts = true; removeBinBytecode = true; srcs = [ ]; patches = [ ]; '
        'dependencies = [ ]; build-system = [ ]; nativeBuildInputs = [ ]; buildInputs = [ ]; '
        "propagatedBuildInputs = [ ]; nativeCheckInputs = [ ]; checkInputs = [ ]; pythonPath = [ ]; }; "
        "d = ps.buildPythonPackage given; in builtins.seq d.drvPath (builtins.length d.lock2nixStandinArgs)"
    )
    n = nix_eval(e)
    names = nix_eval(expr("pkgs.lock2nixStandin.acceptedBuildPythonPackageArgs"))
    assert n == len(names) - 2 and n > 50


def test_passthru_and_recorded_arguments() -> None:
    got = nix_eval(
        expr(
            f'let d = ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ null ps.packaging ]; '
            "build-system = [ ]; optional-dependencies.extra = [ ps.tomli ]; }; "
            "o = d.overridePythonAttrs (old: { version = \"1.16.0\"; }); in { "
            "args = d.lock2nixStandinArgs; module = d.pythonModule.pythonVersion; "
            "required = map (m: m.pname or m.name) d.requiredPythonModules; "
            "deps = map (m: m.pname) d.dependencies; bs = d.build-system; "
            "extra = map (m: m.pname) d.optional-dependencies.extra; oname = o.name; "
            "hasDrv = builtins.isString d.drvPath; outputs = d.outputs; }"
        )
    )
    assert got["args"] == sorted(["pname", "version", "src", "doCheck", "format", "dependencies", "build-system", "optional-dependencies"])
    assert got["module"] == "3.11"
    assert got["required"] == ["python3", "packaging"]
    assert got["deps"] == ["packaging"]
    assert got["bs"] == []
    assert got["extra"] == ["tomli"]
    assert got["oname"] == "python3.11-six-1.16.0"
    assert got["hasDrv"] is True
    assert got["outputs"] == ["out", "dist"]


def test_conflict_check_can_be_switched_off_and_overrides() -> None:
    dup = 'dependencies = [ ps.packaging (ps.packaging.overridePythonAttrs { version = "26.2"; }) ];'
    for switch in ("catchConflicts = false;", "dontUsePythonCatchConflicts = true;"):
        r = instantiate(expr(f'ps.buildPythonPackage {{ {OK} format = "wheel"; {dup} {switch} }}'))
        assert r.returncode == 0, r.stderr
    got = nix_eval(expr(
        f'let d = ps.buildPythonPackage {{ {OK} format = "wheel"; }}; '
        'o = d.overrideAttrs (old: { postPatch = "echo hi"; NIX_FOO = "1"; }); '
        "e = pkgs.python311.buildEnv.override { extraLibs = [ ps.pytest ]; ignoreCollisions = true; }; "
        "w = pkgs.python311.withPackages (p: [ p.pytest ]); "
        "in [ o.lock2nixStandinArgs (builtins.isString o.drvPath) e.name (e.drvPath == w.drvPath) "
        "(map (m: m.pname or m.name) (builtins.filter (m: m ? pname) w.extraLibs)) ]"
    ))
    assert got[0] == sorted(["pname", "version", "src", "doCheck", "format", "postPatch", "env"])
    assert got[1:4] == [True, "python3-3.11.11-env", False]
    assert got[4] == ["pytest"]


def test_application_has_no_python_module() -> None:
    got = nix_eval(
        expr(f'let a = ps.buildPythonApplication {{ {OK} format = "wheel"; }}; in [ a.name (a ? pythonModule) ]')
    )
    assert got == ["six-1.17.0", False]


# ---------------------------------------------------------------------------
# overlays and pythonPackagesExtensions


def test_extension_ordering() -> None:
    overlays = """[
      (final: prev: {
        marker = "first";
        pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [
          (pyFinal: pyPrev: { ordering = "ext1"; onlyFirst = 1; packaging = pyPrev.packaging // { tag = "ext1"; }; })
        ];
      })
      (final: prev: {
        marker = prev.marker + "+second";
        pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [
          (pyFinal: pyPrev: { ordering = "ext2 saw " + pyPrev.ordering; seenFinal = pyFinal.ordering; })
        ];
      })
    ]"""
    got = nix_eval(
        f"let pkgs = {standin(overlays=overlays)}; in {{ "
        "marker = pkgs.marker; n = builtins.length pkgs.pythonPackagesExtensions; "
        "sets = map (ps: [ ps.ordering ps.seenFinal ps.onlyFirst ps.packaging.tag ps.python.pythonVersion ]) "
        "[ pkgs.python310Packages pkgs.python311Packages pkgs.python312Packages pkgs.python313Packages pkgs.python3Packages pkgs.python3.pkgs ]; }"
    )
    assert got["marker"] == "first+second"
    assert got["n"] == 2
    for ver, row in zip(["3.10", "3.11", "3.12", "3.13", "3.12", "3.12"], got["sets"]):
        assert row == ["ext2 saw ext1", "ext2 saw ext1", 1, "ext1", ver]


def test_package_overrides_win_over_extensions_and_callpackage_lookup() -> None:
    overlays = """[ (final: prev: {
        somePkgsAttr = "from-pkgs";
        pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [
          (pyFinal: pyPrev: {
            fromExt = "ext";
            viaCallPackage = pyFinal.callPackage ({ somePkgsAttr, fromExt, packaging, fetchurl }: [ somePkgsAttr fromExt packaging.pname ]) { };
            shadow = pyFinal.callPackage ({ somePkgsAttr }: somePkgsAttr) { };
            somePkgsAttr = "from-python-set";
          })
        ];
      }) ]"""
    got = nix_eval(
        f"let pkgs = {standin(overlays=overlays)}; "
        "py = pkgs.python311.override { packageOverrides = self: super: { fromExt = \"overrides\"; }; }; "
        "in [ pkgs.python311Packages.viaCallPackage pkgs.python311Packages.shadow py.pkgs.fromExt "
        "(pkgs.python311Packages.overrideScope (f: p: { fromExt = \"scope\"; })).fromExt ]"
    )
    assert got == [["from-python-set", "ext", "packaging"], "from-python-set", "overrides", "scope"]


def test_python3_attributes_follow_nixpkgs() -> None:
    got = nix_eval(
        expr(
            "[ pkgs.python3.pythonVersion pkgs.python3Packages.python.pythonVersion "
            "(pkgs.python3Packages.packaging.name) (pkgs.python312Packages.python.outPath == pkgs.python312.outPath) "
            "pkgs.pythonPackagesExtensions ]"
        )
    )
    assert got == ["3.12", "3.12", "python3.12-packaging-26.3", True, []]


def test_python_set_attribute_names() -> None:
    names = nix_eval(expr("builtins.attrNames ps"))
    for n in ("python", "buildPythonPackage", "buildPythonApplication", "callPackage", "toPythonModule",
              "pytestCheckHook", "pythonRelaxDepsHook", "setuptools", "wheel", "packaging", "poetry-core",
              "flit-core", "hatchling", "pathspec", "pluggy", "trove-classifiers", "hatch-vcs",
              "setuptools-scm", "pdm-backend", "pytest", "iniconfig", "cython"):
        assert n in names
    top = nix_eval(expr("[ (builtins.attrNames pkgs.pythonManylinuxPackages) pkgs.autoPatchelfHook.name pkgs.lib.fakeHash ]"))
    assert top == [["manylinux1", "manylinux2010", "manylinux2014"], "auto-patchelf-hook", "sha256-" + "A" * 43 + "="]


# ---------------------------------------------------------------------------
# interpreters and platforms

PLATFORMS = [
    ("x86_64-linux", {"isLinux": True, "isDarwin": False, "isx86_64": True, "isAarch64": False, "cpu": "x86_64", "kernel": "linux", "libc": "glibc", "linuxArch": "x86_64"}),
    ("aarch64-linux", {"isLinux": True, "isDarwin": False, "isx86_64": False, "isAarch64": True, "cpu": "aarch64", "kernel": "linux", "libc": "glibc", "linuxArch": "arm64"}),
    ("x86_64-darwin", {"isLinux": False, "isDarwin": True, "isx86_64": True, "isAarch64": False, "cpu": "x86_64", "kernel": "darwin", "libc": "libSystem", "darwinArch": "x86_64", "darwinSdkVersion": "14.4", "darwinMinVersion": "14.0"}),
    ("aarch64-darwin", {"isLinux": False, "isDarwin": True, "isx86_64": False, "isAarch64": True, "cpu": "aarch64", "kernel": "darwin", "libc": "libSystem", "darwinArch": "arm64", "darwinSdkVersion": "14.4", "darwinMinVersion": "14.0"}),
]


@pytest.mark.parametrize("system,want", PLATFORMS, ids=[p[0] for p in PLATFORMS])
def test_platform_attributes(system: str, want: dict) -> None:
    got = nix_eval(
        f"let pkgs = {standin(system=system)}; p = pkgs.stdenv.hostPlatform; in "
        "{ inherit (p) system isLinux isDarwin isx86_64 isAarch64 libc; cpu = p.parsed.cpu.name; kernel = p.parsed.kernel.name; "
        "linuxArch = p.linuxArch or null; darwinArch = p.darwinArch or null; darwinSdkVersion = p.darwinSdkVersion or null; "
        "darwinMinVersion = p.darwinMinVersion or null; same = pkgs.stdenv.buildPlatform == p; "
        "pyPlatform = pkgs.python3.stdenv.hostPlatform.system; libcPname = pkgs.stdenv.cc.libc.pname; "
        "libcVersion = pkgs.python311.stdenv.cc.libc.version; }"
    )
    assert got["system"] == system and got["same"] is True and got["pyPlatform"] == system
    for k, v in want.items():
        assert got[k] == v, (k, got[k])
    for k in ("linuxArch", "darwinArch", "darwinSdkVersion", "darwinMinVersion"):
        if k not in want:
            assert got[k] is None
    if want["isLinux"]:
        assert (got["libcPname"], got["libcVersion"]) == ("glibc", "2.40")
    else:
        assert got["libcPname"] == "libSystem"


INTERPRETERS = [("python310", "3.10"), ("python311", "3.11"), ("python312", "3.12"), ("python313", "3.13"), ("python314", "3.14")]


@pytest.mark.parametrize("attr,ver", INTERPRETERS, ids=[i[0] for i in INTERPRETERS])
def test_interpreter_attributes(attr: str, ver: str) -> None:
    got = nix_eval(
        expr(
            f"let py = pkgs.{attr}; in {{ inherit (py) pythonVersion version implementation libPrefix executable "
            "sitePackages isPy3 pythonABITags; interp = py.interpreter; src = py.sourceVersion; "
            "atLeast311 = py.pythonAtLeast \"3.11\"; older312 = py.pythonOlder \"3.12\"; "
            f"isPyThis = py.isPy{ver.replace('.', '')}; samePkgs = py.pkgs.python.pythonVersion; "
            f"setAttr = pkgs.{attr}Packages.python.pythonVersion; }}"
        )
    )
    minor = ver.split(".")[1]
    assert got["pythonVersion"] == ver
    assert got["version"].startswith(ver + ".")
    assert got["version"] == f"{got['src']['major']}.{got['src']['minor']}.{got['src']['patch']}{got['src']['suffix']}"
    assert got["implementation"] == "cpython"
    assert got["libPrefix"] == got["executable"] == f"python{ver}"
    assert got["sitePackages"] == f"lib/python{ver}/site-packages"
    assert re.fullmatch(rf"/nix/store/[a-z0-9]{{32}}-python3-{re.escape(got['version'])}/bin/python{ver}", got["interp"])
    assert got["pythonABITags"] == ["abi3", "none", f"cp3{minor}"]
    assert got["isPy3"] is True and got["isPyThis"] is True
    assert got["atLeast311"] == (int(minor) >= 11) and got["older312"] == (int(minor) < 12)
    assert got["samePkgs"] == got["setAttr"] == ver


@pytest.mark.parametrize("system", ["x86_64-linux", "aarch64-darwin"])
@pytest.mark.parametrize("attr", ["python311", "python312", "python313"])
def test_instantiate_for_interpreters_and_systems(system: str, attr: str) -> None:
    """A generated-style package (wheel, pyproject) instantiates for every interpreter/system."""
    overlay = f"""[ (final: prev: {{
      pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pyFinal: pyPrev: {{
        six = pyFinal.buildPythonPackage {{
          pname = "six"; version = "1.17.0"; format = "wheel";
          src = final.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "{SIX_WHL[1]}"; name = "six-1.17.0-py2.py3-none-any.whl"; }};
          doCheck = false;
        }};
        tomli = pyFinal.buildPythonPackage {{
          pname = "tomli"; version = "2.5.0"; pyproject = true;
          src = final.fetchurl {{ url = "{TOMLI_SDIST[0]}"; hash = "{TOMLI_SDIST[1]}"; }};
          build-system = [ pyFinal.flit-core ];
          dependencies = [ pyFinal.six ];
          nativeCheckInputs = [ pyFinal.pytestCheckHook ];
          nativeBuildInputs = final.lib.optionals final.stdenv.hostPlatform.isLinux [ final.autoPatchelfHook ];
          buildInputs = final.lib.optionals final.stdenv.hostPlatform.isLinux final.pythonManylinuxPackages.manylinux2014;
        }};
      }}) ];
    }}) ]"""
    e = f"let pkgs = {standin(system=system, overlays=overlay)}; in pkgs.{attr}Packages.tomli"
    r = instantiate(e)
    assert r.returncode == 0, r.stderr
    drv = r.stdout.strip().splitlines()[-1]
    ver = attr[len("python"):]
    assert drv.endswith(f"-python{ver[0]}.{ver[1:]}-tomli-2.5.0.drv")
    got = nix_eval(f"let pkgs = {standin(system=system, overlays=overlay)}; d = pkgs.{attr}Packages.tomli; in [ d.system d.pythonModule.pythonVersion ]")
    assert got == [system, f"{ver[0]}.{ver[1:]}"]


def test_fetchurl_is_a_build_time_fetch() -> None:
    got = nix_eval(expr(f"let f = {fetchurl(SIX_WHL)}; in [ f.builder f.name f.outputHashMode f.url (builtins.isString f.drvPath) ]"))
    assert got == ["builtin:fetchurl", "six-1.17.0-py2.py3-none-any.whl", "flat", SIX_WHL[0], True]
    # sha256 spelt as "sha256:<hex>" (what lock files carry) and as legacy `sha256` are accepted
    hexdigest = "4721f391ed90541fddacab5acf947aa0d3dc7d27b2e1e8eda2be8970586c3274"
    got = nix_eval(expr(
        f'[ (pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "sha256:{hexdigest}"; }}).outputHash '
        f'(pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; sha256 = "{hexdigest}"; }}).outputHashAlgo ]'
    ))
    assert got == [f"sha256:{hexdigest}", "sha256"]


def test_null_entries_are_dropped() -> None:
    r = instantiate(expr(f'ps.buildPythonPackage {{ {OK} format = "wheel"; dependencies = [ null ps.packaging null ]; buildInputs = [ null ]; nativeCheckInputs = [ null ]; }}'))
    assert r.returncode == 0, r.stderr


# ---------------------------------------------------------------------------
# the package set as nixpkgs wires it (fact sheet 5b; README "Hooks and the set")


def extension(body: str) -> str:
    """An overlay list adding one pythonPackagesExtensions entry ``pyFinal: pyPrev: { body }``."""
    return (
        "[ (final: prev: { pythonPackagesExtensions = prev.pythonPackagesExtensions ++ "
        f"[ (pyFinal: pyPrev: {{ {body} }}) ]; }}) ]"
    )


# Replacements that keep pname, version and src (so nixpkgs' bootstrap packages, which
# take those, stay the same) but change the derivation.
REPLACED = ("wheel", "installer", "build", "packaging", "setuptools", "pytest", "pip")
PYTEST_REPLACED = 'pytest = pyPrev.pytest.overridePythonAttrs { postInstall = "# replaced"; };'
REPLACE_ALL = extension(" ".join(f'{n} = pyPrev.{n}.overridePythonAttrs {{ postInstall = "# replaced"; }};' for n in REPLACED))

# hook -> the set's packages it propagates, and the ones it substitutes (fact sheet 5b;
# hooks/default.nix@02d562cc).
HOOKS = [
    ("wheelUnpackHook", ["wheel"], []),
    ("pypaBuildHook", ["wheel"], ["build"]),
    ("pypaInstallHook", ["installer"], []),
    ("pythonRuntimeDepsCheckHook", ["packaging"], []),
    ("setuptoolsBuildHook", ["setuptools", "wheel"], []),
    ("pythonRelaxDepsHook", [], ["wheel"]),
    ("pytestCheckHook", ["pytest"], []),
    ("eggInstallHook", ["setuptools"], []),
    ("pipBuildHook", ["pip", "wheel"], []),
    ("pipInstallHook", ["pip"], []),
    ("pythonCatchConflictsHook", [], []),
    ("pythonImportsCheckHook", [], []),
    ("pythonOutputDistHook", [], []),
    ("unittestCheckHook", [], []),
]


@pytest.mark.parametrize("hook,propagated,substituted", HOOKS, ids=[h[0] for h in HOOKS])
def test_hooks_take_packages_from_the_final_set(hook: str, propagated: list[str], substituted: list[str]) -> None:
    got = nix_eval(
        f"let pkgs = {standin(overlays=REPLACE_ALL)}; plain = ({standin()}).python312Packages; ps = pkgs.python312Packages; "
        f"h = ps.{hook}; in {{ "
        "propagated = map (d: d.outPath) h.propagatedBuildInputs; "
        f"final = map (n: ps.${{n}}.outPath) {nix_list(propagated)}; "
        f"nixpkgs = map (n: plain.${{n}}.outPath) {nix_list(propagated)}; "
        f"subs = map (n: h.\"substitution_${{n}}\") {nix_list(substituted)}; "
        f"subsFinal = map (n: ps.${{n}}.outPath) {nix_list(substituted)}; "
        "setupHook = h.provides.setupHook; inSet = ps.python.pythonOnBuildForHost.pkgs ? " + hook + "; }"
    )
    assert got["propagated"] == got["final"]
    assert got["subs"] == got["subsFinal"]
    # ... which are the replaced packages, not nixpkgs' own
    assert not set(got["final"]) & set(got["nixpkgs"])
    assert got["setupHook"] is True and got["inSet"] is True


def test_hooks_are_overridable_and_strict() -> None:
    got = nix_eval(expr(
        "[ (ps.pypaBuildHook.override { wheel = null; }).propagatedBuildInputs "
        "(map (d: d.pname) (ps.pytestCheckHook.override { pytest = ps.tomli; }).propagatedBuildInputs) "
        "((ps.pypaInstallHook.override { installer = ps.bootstrap.installer; }).propagatedBuildInputs == [ ps.bootstrap.installer ]) "
        "((ps.pypaBuildHook.override { build = ps.bootstrap.build; }).substitution_build == ps.bootstrap.build.outPath) ]"
    ))
    assert got == [[], ["tomli"], True, True]
    err = nix_eval_fails(expr("(ps.wheelUnpackHook.override { nonsense = 1; }).drvPath"))
    assert "unexpected argument 'nonsense'" in err


BOOTSTRAP = [
    # (id, pname, interpreter, format, bootstrap build (+ no wheel, bootstrap packaging), bootstrap installer, catch-conflicts hook)
    ("flit-core", "flit-core", "python311", "pyproject", True, True, False),
    ("installer", "installer", "python311", "pyproject", True, True, False),
    ("build", "build", "python311", "pyproject", True, False, False),
    ("packaging", "packaging", "python311", "pyproject", True, False, False),
    ("pyproject-hooks", "pyproject-hooks", "python311", "pyproject", True, False, False),
    ("wheel", "wheel", "python311", "pyproject", True, False, False),
    ("tomli-3.10", "tomli", "python310", "pyproject", True, False, False),
    ("tomli-3.11", "tomli", "python311", "pyproject", False, False, True),
    ("setuptools", "setuptools", "python311", "pyproject", False, False, False),
    ("other-name", "six", "python311", "pyproject", False, False, True),
    ("wheel-from-wheel", "wheel", "python311", "wheel", None, False, False),
    ("flit-core-from-wheel", "flit-core", "python311", "wheel", None, True, False),
    ("installer-from-wheel", "installer", "python313", "wheel", None, True, False),
]


@pytest.mark.parametrize("pname,python,fmt,boot_build,boot_install,catch", [b[1:] for b in BOOTSTRAP], ids=[b[0] for b in BOOTSTRAP])
def test_bootstrap_exceptions_by_pname(pname: str, python: str, fmt: str, boot_build: bool | None, boot_install: bool, catch: bool) -> None:
    src = fetchurl(SIX_WHL, name="six-1.17.0-py2.py3-none-any.whl") if fmt == "wheel" else fetchurl(TOMLI_SDIST)
    form = 'format = "wheel";' if fmt == "wheel" else "pyproject = true;"
    got = nix_eval(
        f"let pkgs = {standin()}; ps = pkgs.{python}Packages; boot = ps.python.pythonOnBuildForHost.pkgs.bootstrap; "
        f'd = ps.buildPythonPackage {{ pname = "{pname}"; version = "1.0"; {form} src = {src}; doCheck = false; }}; '
        "hooks = d.lock2nixStandinHooks; named = n: builtins.filter (h: (h.name or \"\") == n) hooks; "
        "paths = h: map (x: x.outPath) h.propagatedBuildInputs; in { "
        "names = map (h: h.name) hooks; drv = d.drvPath; "
        "build = map (h: { build = h.substitution_build; wheel = paths h; }) (named \"pypa-build-hook.sh\"); "
        "install = map paths (named \"pypa-install-hook\"); check = map paths (named \"python-runtime-deps-check-hook.sh\"); "
        "unpack = map paths (named \"wheel-unpack-hook.sh\"); "
        "ref = { bootBuild = boot.build.outPath; bootInstaller = boot.installer.outPath; bootPackaging = boot.packaging.outPath; "
        "build = ps.build.outPath; wheel = ps.wheel.outPath; installer = ps.installer.outPath; packaging = ps.packaging.outPath; }; }"
    )
    ref = got["ref"]
    assert got["drv"].endswith(".drv")
    if fmt == "pyproject":
        want_build = {"build": ref["bootBuild"], "wheel": []} if boot_build else {"build": ref["build"], "wheel": [ref["wheel"]]}
        assert got["build"] == [want_build]
        assert got["check"] == [[ref["bootPackaging"] if boot_build else ref["packaging"]]]
        assert got["unpack"] == []
    else:
        # No exception for wheelUnpackHook: it propagates the set's wheel, whatever the pname.
        assert got["build"] == [] and got["check"] == [] and got["unpack"] == [[ref["wheel"]]]
    assert got["install"] == [[ref["bootInstaller"] if boot_install else ref["installer"]]]
    assert ("python-catch-conflicts-hook" in got["names"]) == catch


# (id, arguments, hooks that must be added, hooks that must not)
FORMATS = [
    ("pyproject", "pyproject = true;", ["pypa-build-hook.sh", "python-runtime-deps-check-hook.sh", "pypa-install-hook", "python-output-dist-hook"], ["wheel-unpack-hook.sh", "setuptools-build-hook", "python-relax-deps-hook"]),
    ("wheel", 'format = "wheel";', ["wheel-unpack-hook.sh", "pypa-install-hook", "python-output-dist-hook"], ["pypa-build-hook.sh", "python-runtime-deps-check-hook.sh", "setuptools-build-hook"]),
    ("setuptools", 'format = "setuptools";', ["setuptools-build-hook", "pypa-install-hook", "python-output-dist-hook"], ["pypa-build-hook.sh", "python-runtime-deps-check-hook.sh", "wheel-unpack-hook.sh"]),
    ("egg", 'format = "egg";', ["egg-unpack-hook.sh", "egg-build-hook.sh", "egg-install-hook.sh", "pypa-install-hook"], ["pypa-build-hook.sh", "python-output-dist-hook"]),
    ("other", "pyproject = false;", ["python-imports-check-hook.sh", "python-namespaces-hook.sh", "python-remove-tests-dir-hook", "wrap-python-hook"], ["pypa-build-hook.sh", "pypa-install-hook", "python-output-dist-hook", "wheel-unpack-hook.sh"]),
    ("relax-empty", "pyproject = true; pythonRelaxDeps = [ ];", ["python-relax-deps-hook"], []),
    ("remove", "pyproject = true; pythonRemoveDeps = true;", ["python-relax-deps-hook"], []),
    ("keep-bin-bytecode", "pyproject = true; removeBinBytecode = false;", [], ["python-remove-bin-bytecode-hook"]),
    ("no-conflict-check", "pyproject = true; catchConflicts = false;", [], ["python-catch-conflicts-hook"]),
    ("conflict-check", "pyproject = true;", ["python-catch-conflicts-hook", "python-remove-bin-bytecode-hook"], []),
]


@pytest.mark.parametrize("args,present,absent", [f[1:] for f in FORMATS], ids=[f[0] for f in FORMATS])
def test_hooks_added_per_format(args: str, present: list[str], absent: list[str]) -> None:
    src = fetchurl(SIX_WHL, name="six-1.17.0-py2.py3-none-any.whl")
    names = nix_eval(expr(f'map (h: h.name) (ps.buildPythonPackage {{ pname = "six"; version = "1.17.0"; src = {src}; doCheck = false; {args} }}).lock2nixStandinHooks'))
    assert set(present) <= set(names), names
    assert not set(absent) & set(names), names


def test_wheel_runtime_deps_check_is_nixpkgs_master_only() -> None:
    body = f'map (h: h.name) (ps.buildPythonPackage {{ {OK} format = "wheel"; }}).lock2nixStandinHooks'
    assert "python-runtime-deps-check-hook.sh" not in nix_eval(expr(body))
    assert "python-runtime-deps-check-hook.sh" in nix_eval(expr(body, extra="wheelRuntimeDepsCheck = true;"))


def test_build_python_package_takes_hooks_from_the_final_set() -> None:
    """As the set's callPackage does: an extension replacing a hook reaches every package."""
    marker = 'pyPrev.pypaInstallHook.override { installer = pyFinal.tomli; }'
    got = nix_eval(
        f"let pkgs = {standin(overlays=extension(f'pypaInstallHook = {marker};'))}; ps = pkgs.python311Packages; "
        f'd = ps.buildPythonPackage {{ {OK} format = "wheel"; }}; '
        "installs = builtins.filter (h: h.name == \"pypa-install-hook\") d.lock2nixStandinHooks; "
        "o = ps.buildPythonPackage.override { pypaInstallHook = ps.pythonNamespacesHook; }; "
        f'd2 = o {{ {OK} format = "wheel"; }}; in [ (map (h: map (x: x.pname) h.propagatedBuildInputs) installs) '
        "(map (h: h.name) (builtins.filter (h: h.name == \"pypa-install-hook\") d2.lock2nixStandinHooks)) "
        "(map (x: x.pname) ps.setuptools.lock2nixStandinHooks != [ ]) ]"
    )
    assert got == [[["tomli"]], [], True]
    err = nix_eval_fails(expr("(ps.buildPythonPackage.override { nonsense = 1; }) { }"))
    assert "unexpected argument 'nonsense'" in err


def test_check_inputs_exist_only_when_tests_run() -> None:
    """stdenv adds install-check inputs only when doInstallCheck (= doCheck): with
    doCheck = false they are not part of the derivation, not even evaluated."""
    plain = f'ps.buildPythonPackage {{ {OK} format = "wheel"; }}'
    lazy = (
        f'ps.buildPythonPackage {{ {OK} format = "wheel"; nativeCheckInputs = [ (throw "never evaluated") ps.pytestCheckHook ]; '
        'checkInputs = throw "never evaluated either"; disabledTests = [ "x" ]; enabledTests = [ ]; pytestFlags = [ "-x" ]; }'
    )
    assert nix_eval(expr(f"[ ({lazy}).drvPath ({plain}).drvPath ]")) == [nix_eval(expr(f"({plain}).drvPath"))] * 2
    tested = f'ps.buildPythonPackage {{ {OK_TESTED} format = "wheel"; nativeCheckInputs = [ (throw "evaluated when tests run") ]; }}'
    assert "evaluated when tests run" in nix_eval_fails(expr(f"({tested}).drvPath"))
    # With tests, the check hook (and the pytest it propagates) is an input.
    got = nix_eval(
        f"let pkgs = {standin(overlays=extension(PYTEST_REPLACED))}; ps = pkgs.python311Packages; plain = ({standin()}).python311Packages; "
        f'mk = s: c: (s.buildPythonPackage {{ pname = "six"; version = "1.17.0"; src = {WHEEL_SRC}; format = "wheel"; '
        "doCheck = c; nativeCheckInputs = [ s.pytestCheckHook ]; }).drvPath; in [ (mk ps false == mk plain false) (mk ps true == mk plain true) ]"
    )
    assert got == [True, False]


# A global replacement (keeping pname, version and src) of one package: which of the
# stand-in's own packages change. Bootstrap exceptions and doCheck = false keep the others.
COLLATERAL = [
    ("packaging", ["pytest", "hatchling", "build", "setuptools", "poetry-core"], ["flit-core", "installer", "wheel", "pyproject-hooks"]),
    ("wheel", ["setuptools", "pytest", "hatchling", "poetry-core", "pip"], ["packaging", "installer", "flit-core", "build", "pyproject-hooks"]),
    ("installer", ["packaging", "wheel", "setuptools", "pytest"], ["flit-core"]),
    ("pytest", ["poetry-core", "tomlkit", "hatch-vcs", "colorama", "exceptiongroup"], ["packaging", "pygments", "iniconfig", "setuptools", "hatchling", "pluggy"]),
    ("build", ["setuptools", "pytest", "hatchling", "poetry-core"], ["packaging", "wheel", "installer", "flit-core"]),
    ("requests", [], ["hatchling", "pytest", "packaging"]),
]


@pytest.mark.parametrize("replaced,changed,unchanged", COLLATERAL, ids=[c[0] for c in COLLATERAL])
def test_global_replacement_changes_what_nixpkgs_would_rebuild(replaced: str, changed: list[str], unchanged: list[str]) -> None:
    names = changed + unchanged
    if replaced == "requests":  # an unmodelled stub: a plain derivation made a Python module
        replace = extension('requests = pyPrev.requests.overrideAttrs (o: { buildCommand = o.buildCommand + "# replaced"; });')
    else:
        replace = extension(f'{replaced} = pyPrev.{replaced}.overridePythonAttrs {{ postInstall = "# replaced"; }};')
    got = nix_eval(
        f"let a = ({standin()}).python312Packages; b = ({standin(overlays=replace)}).python312Packages; in "
        f"builtins.listToAttrs (map (n: {{ name = n; value = a.${{n}}.drvPath != b.${{n}}.drvPath; }}) {nix_list(names)})"
    )
    assert {n for n in names if got[n]} == set(changed)


LOCKED_FROM_WHEEL = [
    # (id, locked name, its wheel, a package that recurses through it)
    ("wheel", "wheel", ("https://files.pythonhosted.org/packages/0b/2c/87f3254fd8ffd29e4c02732eee68a83a1d3c346ae39bc6822dcbcb697f2b/wheel-0.45.1-py3-none-any.whl", "sha256-cI50gcyAF5rw5Va78MwAuERMcyHicAuNhYAjHRMBckg="), "pytest"),
    ("installer", "installer", ("https://files.pythonhosted.org/packages/e5/ca/1172b6638d52f2d6caa2dd262ec4c811ba59eee96d54a7701930726bce18/installer-0.7.0-py3-none-any.whl", "sha256-BdGTPwpbp9jWKWu21QGOfJT6RzzrEM8ZipLM6hnCe1M="), "setuptools"),
]


@pytest.mark.parametrize("name,whl,victim", [w[1:] for w in LOCKED_FROM_WHEEL], ids=[w[0] for w in LOCKED_FROM_WHEEL])
def test_locked_machinery_from_a_wheel_recurses(name: str, whl: tuple[str, str], victim: str) -> None:
    """Fact sheet 5b: wheelUnpackHook propagates the set's `wheel`; a `wheel` (or, through
    wheel's own pypaInstallHook, an `installer`) installed from a wheel is its own input."""
    version = re.search(r"-(\d[^-]*)-py3", whl[0]).group(1)
    locked = (
        f'{name} = pyFinal.buildPythonPackage {{ pname = "{name}"; version = "{version}"; format = "wheel"; '
        f"src = final.fetchurl {{ url = {nix_str(whl[0])}; hash = {nix_str(whl[1])}; }}; doCheck = false; }};"
    )
    overlays = extension(locked)
    for attr in (name, victim):
        err = nix_eval_fails(f"({standin(overlays=overlays)}).python312Packages.{attr}.drvPath")
        assert "infinite recursion encountered" in err, err[-2000:]
    # Built from its sdist instead, the bootstrap exception applies: no recursion.
    sdist = locked.replace('format = "wheel";', "pyproject = true; build-system = [ pyFinal.flit-core ];").replace(whl[0], whl[0][:-len("-py3-none-any.whl")] + ".tar.gz")
    assert nix_eval(f"builtins.isString ({standin(overlays=extension(sdist))}).python312Packages.{victim}.drvPath") is True
    # In a set of its own the same holds: hooks come from that set.
    private = (
        f"let pkgs = {standin()}; py = pkgs.python312.override {{ self = py; "
        f"packageOverrides = pyFinal: pyPrev: {{ {locked.replace('final.fetchurl', 'pkgs.fetchurl')} }}; }}; in "
    )
    assert "infinite recursion encountered" in nix_eval_fails(private + f"py.pkgs.{victim}.drvPath")
    assert nix_eval(private + f"py.drvPath == pkgs.python312.drvPath && builtins.isString pkgs.python312Packages.{victim}.drvPath") is True


def test_null_in_a_set_breaks_nixpkgs_bootstrap() -> None:
    """An attribute set to null hides nixpkgs' package from every consumer: nixpkgs'
    bootstrap `build` takes the set's tomli (its src), so every bootstrap package fails."""
    overlays = extension("tomli = null;")
    for attr in ("packaging", "pytest", "bootstrap.build"):
        err = nix_eval_fails(f"({standin(overlays=overlays)}).python312Packages.{attr}.drvPath")
        assert "value is null while a set was expected" in err, err[-2000:]


# ---------------------------------------------------------------------------
# interpreters: what this nixpkgs has, removed ones as aliases that throw


def test_removed_interpreters_are_throwing_aliases() -> None:
    got = nix_eval(expr(
        "map (a: [ (pkgs ? ${a}) (builtins.tryEval pkgs.${a}).success (builtins.tryEval pkgs.\"${a}Packages\").success ]) "
        '[ "python36" "python37" "python38" "python39" "python310" "python314" ]'
    ))
    assert got == [[True, False, False]] * 4 + [[True, True, True]] * 2
    err = nix_eval_fails(expr("pkgs.python39.pythonVersion"))
    assert "python39 has been removed" in err
    assert nix_eval(expr("[ (pkgs ? python315) (pkgs ? python27) pkgs.python314.pythonVersion pkgs.python3.pythonVersion ]")) == [False, False, "3.14", "3.12"]


def test_interpreters_of_another_nixpkgs() -> None:
    extra = 'interpreters = [ "python38" "python312" ]; removedInterpreters = [ "python39" ];'
    got = nix_eval(expr(
        "[ pkgs.python38.pythonVersion pkgs.python38.isPy38 (map (d: d.pname or d.name) pkgs.python38Packages.pytest.requiredPythonModules) "
        "(builtins.isString pkgs.python38Packages.pytest.drvPath) (pkgs ? python313) (pkgs ? python313Packages) "
        "(builtins.tryEval pkgs.python39).success pkgs.python3Packages.python.pythonVersion ]",
        extra=extra,
    ))
    assert got[:2] == ["3.8", True]
    assert set(got[2]) >= {"exceptiongroup", "tomli"}
    assert got[3:] == [True, False, False, False, "3.12"]
    for bad, message in (
        ('interpreters = [ "python27" ];', "`interpreters` must be a list of"),
        ('removedInterpreters = [ "python312" ];', "python312 both in `interpreters` and `removedInterpreters`"),
    ):
        assert message in nix_eval_fails(f"({standin(extra=bad)}).python3.pythonVersion")


def test_python_override_as_nixpkgs() -> None:
    """cpython/default.nix: `override { self; packageOverrides; }`."""
    demo = f'demo = pf.buildPythonPackage {{ pname = "demo"; version = "1"; format = "wheel"; src = {fetchurl(SIX_WHL, name="six-1.17.0-py2.py3-none-any.whl")}; doCheck = false; }};'
    overrides = f'pf: pp: {{ {demo} build = pp.build.overridePythonAttrs {{ postInstall = "# o"; }}; }}'
    overlays = f"[ (final: prev: {{ myPython = prev.python312.override {{ self = final.myPython; packageOverrides = {overrides}; }}; "
    overlays += f"unbound = prev.python312.override {{ packageOverrides = {overrides}; }}; }}) ]"
    got = nix_eval(
        f"let pkgs = {standin(overlays=overlays)}; plain = {standin()}; py = pkgs.myPython; un = pkgs.unbound; in {{ "
        "sameDrv = py.drvPath == pkgs.python312.drvPath && un.drvPath == pkgs.python312.drvPath; "
        "globalSame = map (n: pkgs.python312Packages.${n}.drvPath == plain.python312Packages.${n}.drvPath) [ \"build\" \"pytest\" \"setuptools\" \"pypaBuildHook\" ]; "
        "hasDemo = [ (py.pkgs ? demo) (py.pythonOnBuildForHost.pkgs ? demo) (pkgs.python312Packages ? demo) ]; "
        "module = py.pkgs.demo.pythonModule.pkgs ? demo; "
        "setPython = py.pkgs.python.pkgs ? demo; "
        "hookBuild = py.pkgs.pypaBuildHook.substitution_build == py.pkgs.build.outPath; "
        "hookBuildGlobal = py.pkgs.pypaBuildHook.substitution_build == pkgs.python312Packages.build.outPath; "
        "setuptoolsRebuilt = py.pkgs.setuptools.drvPath != pkgs.python312Packages.setuptools.drvPath; "
        "envHasDemo = builtins.elem \"demo\" (map (m: m.pname or \"\") (py.withPackages (ps: [ ps.demo ])).extraLibs); "
        "envDrv = builtins.isString (py.withPackages (ps: [ ps.demo ])).drvPath; "
        "sameInterpreterOk = builtins.isString (pkgs.python312Packages.buildPythonPackage { pname = \"x\"; version = \"1\"; pyproject = true; "
        "src = py.pkgs.demo.src; doCheck = false; dependencies = [ py.pkgs.demo ]; }).drvPath; "
        # without `self`, the set's python (and so its hooks' pythonOnBuildForHost) stays the old interpreter
        "unbound = [ (un.pkgs ? demo) (un.pkgs.demo.pythonModule.pkgs ? demo) (un.pythonOnBuildForHost.pkgs ? demo) "
        "(un.pkgs.pypaBuildHook.substitution_build == pkgs.python312Packages.build.outPath) ]; }"
    )
    assert got["sameDrv"] is True
    assert got["globalSame"] == [True] * 4
    assert got["hasDemo"] == [True, True, False]
    assert got["module"] is True and got["setPython"] is True
    assert got["hookBuild"] is True and got["hookBuildGlobal"] is False and got["setuptoolsRebuilt"] is True
    assert got["envHasDemo"] is True and got["envDrv"] is True
    assert got["sameInterpreterOk"] is True
    assert got["unbound"] == [True, False, True, True]
    # Sets of different interpreters still do not mix.
    err = nix_eval_fails(
        f"let pkgs = {standin(overlays=overlays)}; in (pkgs.python311Packages.buildPythonPackage {{ {OK} format = \"wheel\"; "
        "dependencies = [ pkgs.myPython.pkgs.demo ]; }).drvPath"
    )
    assert "Python version mismatch in 'python3.11-six-1.17.0'" in squash(err)


def test_own_packages_have_no_cycle_and_follow_nixpkgs_wiring() -> None:
    """Every derivation of every set instantiates (nixpkgs' own set has no cycle), on
    every interpreter, including the bootstrap packages."""
    for py in ("python310Packages", "python311Packages", "python313Packages", "python314Packages"):
        got = nix_eval(f'import {STANDIN.parent}/nix/set-drvpaths.nix {{ system = "aarch64-darwin"; set = "{py}"; }}')
        assert len(got) > 100 and all(v.endswith(".drv") for v in got.values()), {k: v for k, v in got.items() if not v.endswith(".drv")}
        assert {"bootstrap.build", "bootstrap.installer", "bootstrap.packaging", "bootstrap.flit-core", "installer", "build", "pyproject-hooks"} <= set(got)
    got = nix_eval(expr(
        "{ pyproject = map (n: ps.${n}.lock2nixStandinFormat) [ \"setuptools\" \"wheel\" \"packaging\" \"pytest\" \"hatchling\" \"poetry-core\" ]; "
        "bootName = ps.bootstrap.build.name; bootSrc = ps.bootstrap.packaging.src == ps.packaging.src; "
        "bootHooks = ps.bootstrap.flit-core ? lock2nixStandinHooks; }"
    ))
    assert got["pyproject"] == ["pyproject"] * 6
    assert got["bootName"] == "python3.11-bootstrap-build-1.2.2.post1" and got["bootSrc"] is True and got["bootHooks"] is False


# ---------------------------------------------------------------------------
# real builds


BUILD_OVERLAY = """[ (final: prev: {
  pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pyFinal: pyPrev: {
    six-whl = pyFinal.buildPythonPackage {
      pname = "six"; version = "1.17.0"; format = "wheel";
      src = final.fetchurl { url = "SIX_WHL_URL"; hash = "SIX_WHL_HASH"; name = "six-1.17.0-py2.py3-none-any.whl"; };
      doCheck = false; pythonImportsCheck = [ "six" ];
    };
    idna = pyFinal.buildPythonPackage {
      pname = "idna"; version = "3.20"; format = "wheel";
      src = final.fetchurl { url = "IDNA_WHL_URL"; hash = "IDNA_WHL_HASH"; };
      doCheck = false; dontStrip = true;
      # what generated code adds for manylinux wheels (inert here, but built)
      nativeBuildInputs = [ final.autoPatchelfHook ];
      buildInputs = final.pythonManylinuxPackages.manylinux2014;
    };
    tomli-sdist = pyFinal.buildPythonPackage {
      pname = "tomli"; version = "2.5.0"; pyproject = true;
      src = final.fetchurl { url = "TOMLI_SDIST_URL"; hash = "TOMLI_SDIST_HASH"; };
      build-system = [ pyFinal.flit-core ];
      pythonImportsCheck = [ "tomli" ];
      doCheck = false;
    };
    six-sdist = pyFinal.buildPythonPackage {
      pname = "six"; version = "1.17.0"; pyproject = true;
      src = final.fetchurl { url = "SIX_SDIST_URL"; hash = "SIX_SDIST_HASH"; };
      build-system = [ pyFinal.setuptools ];
      postPatch = ''
        substituteInPlace six.py --replace-fail '__version__ = "1.17.0"' '__version__ = "1.17.0"  # patched'
      '';
      nativeCheckInputs = [ pyFinal.pytestCheckHook ];
      disabledTests = [ "test_lazy" ];
      pytestFlags = [ "-W" "ignore::DeprecationWarning" ];
      postInstall = "touch $out/lib/python3.11/site-packages/.stand-in-post-install";
    };
  }) ];
}) ]"""


def build_overlay() -> str:
    o = BUILD_OVERLAY
    for key, (url, h) in {"SIX_WHL": SIX_WHL, "IDNA_WHL": IDNA_WHL, "TOMLI_SDIST": TOMLI_SDIST, "SIX_SDIST": SIX_SDIST}.items():
        o = o.replace(key + "_URL", url).replace(key + "_HASH", h)
    return o


@pytest.mark.nixbuild
@pytest.mark.network
def test_real_builds_and_with_packages(host_python: str, tmp_path: Path) -> None:
    e = (
        f"let pkgs = {standin(host_python=host_python, overlays=build_overlay())}; ps = pkgs.python311Packages; in {{ "
        "inherit (ps) six-whl idna tomli-sdist six-sdist; "
        "env = pkgs.python311.withPackages (ps: [ ps.idna ps.tomli-sdist ps.six-sdist ps.pytest ]); }"
    )
    r = nix_build(e)
    assert r.returncode == 0, r.stderr[-6000:]
    outs = r.stdout.split()
    assert len(outs) == 5, r.stdout
    env = next(o for o in outs if o.endswith("-env"))
    six_sdist = next(o for o in outs if o.endswith("python3.11-six-1.17.0") and os.path.exists(o + "/lib/python3.11/site-packages/.stand-in-post-install"))
    # the sdist build ran pytest (installCheck) and the import check (read the build logs:
    # the outputs may come from an earlier run)
    drvs = instantiate(f"let pkgs = {standin(host_python=host_python, overlays=build_overlay())}; in "
                       "[ pkgs.python311Packages.six-sdist pkgs.python311Packages.six-whl ]").stdout.split()
    sdist_log = re.sub(r"\x1b\[[0-9;]*m", "", nix(["nix-store", "--read-log", drvs[0]]).stdout)
    assert "pytestCheckHook" in sdist_log and re.search(r"\d+ passed.* 1 deselected", sdist_log), sdist_log[-3000:]
    assert "postPatch" in sdist_log
    whl_log = nix(["nix-store", "--read-log", drvs[1]]).stdout
    assert "Check whether the following modules can be imported: six" in whl_log, whl_log[-3000:]
    with open(six_sdist + "/lib/python3.11/site-packages/six.py") as f:
        assert "# patched" in f.read()
    with open(six_sdist + "/nix-support/propagated-build-inputs") as f:
        assert "python3-3.11" in f.read()
    code = (
        "import idna, tomli, six, pytest, sys; "
        "print(idna.encode('bücher.example').decode(), tomli.loads('a = 1')['a'], six.__version__, sys.prefix)"
    )
    out = subprocess.run([env + "/bin/python", "-c", code], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["xn--bcher-kva.example", "1", "1.17.0", env]
    # console scripts of the closure are on the env's bin and work
    out = subprocess.run([env + "/bin/pytest", "--version"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and "pytest 9.2.0" in out.stdout + out.stderr
    # packages not asked for are not importable
    out = subprocess.run([env + "/bin/python", "-c", "import setuptools"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode != 0


def write_projects(root: Path) -> None:
    """Three local projects with different PEP 517 backends (version from VCS where the backend can)."""
    files = {
        "hatchdemo/pyproject.toml": """
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "hatchdemo"
dynamic = ["version"]
dependencies = ["six"]

[project.scripts]
hatchdemo = "hatchdemo:main"

[tool.hatch.version]
source = "vcs"
""",
        "hatchdemo/hatchdemo/__init__.py": "import six\n\ndef main():\n    print('hatchdemo uses six', six.__version__)\n",
        "pdmdemo/pyproject.toml": """
[build-system]
requires = ["pdm-backend"]
build-backend = "pdm.backend"

[project]
name = "pdmdemo"
dynamic = ["version"]

[tool.pdm.version]
source = "scm"
""",
        "pdmdemo/src/pdmdemo/__init__.py": "VALUE = 'pdm'\n",
        "poetrydemo/pyproject.toml": """
[build-system]
requires = ["poetry-core>=2.0"]
build-backend = "poetry.core.masonry.api"

[project]
name = "poetrydemo"
version = "0.3.0"
description = "demo"
""",
        "poetrydemo/poetrydemo/__init__.py": "VALUE = 'poetry'\n",
        "poetrydemo/tests/test_it.py": "import poetrydemo\n\ndef test_value():\n    assert poetrydemo.VALUE == 'poetry'\n\ndef test_broken():\n    assert False\n",
    }
    for rel, text in files.items():
        f = root / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text.lstrip())


@pytest.mark.nixbuild
@pytest.mark.network
def test_pep517_backends_from_local_directories(host_python: str, tmp_path: Path) -> None:
    write_projects(tmp_path)
    overlay = f"""[ (final: prev: {{
      pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (pyFinal: pyPrev: {{
        six = pyFinal.buildPythonPackage {{
          pname = "six"; version = "1.17.0"; format = "wheel"; doCheck = false;
          src = final.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "{SIX_WHL[1]}"; }};
        }};
        hatchdemo = pyFinal.buildPythonPackage {{
          pname = "hatchdemo"; version = "1.2.3"; pyproject = true; src = {tmp_path}/hatchdemo;
          build-system = [ pyFinal.hatchling pyFinal.hatch-vcs ]; dependencies = [ pyFinal.six ];
          pythonImportsCheck = [ "hatchdemo" ];
        }};
        pdmdemo = pyFinal.buildPythonPackage {{
          pname = "pdmdemo"; version = "2.0.0rc1"; pyproject = true; src = {tmp_path}/pdmdemo;
          build-system = [ pyFinal.pdm-backend ];
        }};
        poetrydemo = pyFinal.buildPythonPackage {{
          pname = "poetrydemo"; version = "0.3.0"; pyproject = true; src = {tmp_path}/poetrydemo;
          build-system = [ pyFinal.poetry-core ];
          nativeCheckInputs = [ pyFinal.pytestCheckHook ];
          disabledTestPaths = [ "tests/test_it.py::test_broken" ];
        }};
      }}) ];
    }}) ]"""
    pkgs = standin(host_python=host_python, overlays=overlay)
    r = nix_build(f"let pkgs = {pkgs}; in pkgs.python311.withPackages (ps: [ ps.hatchdemo ps.pdmdemo ps.poetrydemo ])")
    assert r.returncode == 0, r.stderr[-4000:]
    env = r.stdout.split()[-1]
    code = (
        "from importlib.metadata import version as v; import hatchdemo, pdmdemo, poetrydemo; "
        "print(v('hatchdemo'), v('pdmdemo'), v('poetrydemo'), v('six'))"
    )
    out = subprocess.run([env + "/bin/python", "-c", code], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    # versions come from SETUPTOOLS_SCM_PRETEND_VERSION / PDM_BUILD_SCM_VERSION (there is no .git)
    assert out.stdout.split() == ["1.2.3", "2.0.0rc1", "0.3.0", "1.17.0"]
    # the console script is wrapped with its runtime closure (six) on sys.path
    out = subprocess.run([env + "/bin/hatchdemo"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and out.stdout.strip() == "hatchdemo uses six 1.17.0", out.stderr
    hatch = nix_build(f"let pkgs = {pkgs}; in pkgs.python311Packages.hatchdemo").stdout.split()[-1]
    out = subprocess.run([hatch + "/bin/hatchdemo"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert out.returncode == 0 and "1.17.0" in out.stdout, out.stderr
    # a failing test fails the build unless it is disabled ...
    r = nix_build(f"let pkgs = {pkgs}; in pkgs.python311Packages.poetrydemo.overridePythonAttrs {{ disabledTestPaths = [ ]; }}")
    assert r.returncode != 0 and "pytestCheckHook failed" in r.stderr, r.stderr[-3000:]
    # ... or the tests do not run at all (install-check phase only with doCheck)
    r = nix_build(f"let pkgs = {pkgs}; in pkgs.python311Packages.poetrydemo.overridePythonAttrs {{ disabledTestPaths = [ ]; doCheck = false; }}")
    assert r.returncode == 0, r.stderr[-3000:]
    assert "pytestCheckHook" not in r.stderr


@pytest.mark.nixbuild
@pytest.mark.network
def test_with_packages_collisions(host_python: str) -> None:
    e = f"let pkgs = {standin(host_python=host_python, overlays=build_overlay())}; in pkgs.python311.withPackages (ps: [ ps.six-whl ps.six-sdist ])"
    r = nix_build(e)
    assert r.returncode != 0 and "collision between" in r.stderr, r.stderr[-3000:]
    e = (f"let pkgs = {standin(host_python=host_python, overlays=build_overlay())}; in "
         "pkgs.python311.buildEnv.override { extraLibs = with pkgs.python311Packages; [ six-whl six-sdist ]; ignoreCollisions = true; }")
    r = nix_build(e)
    assert r.returncode == 0, r.stderr[-3000:]


@pytest.mark.nixbuild
@pytest.mark.network
def test_build_system_is_isolated_from_the_host(host_python: str) -> None:
    """Only declared inputs are visible to pypa build --no-isolation (not the host venv's setuptools)."""
    r = nix_build(expr(
        f'ps.buildPythonPackage {{ pname = "tomli"; version = "2.5.0"; pyproject = true; src = {fetchurl(TOMLI_SDIST)}; doCheck = false; }}',
        host_python=host_python,
    ))
    assert r.returncode != 0
    assert "No module named 'flit_core'" in r.stderr, r.stderr[-3000:]
    assert importlib.util.find_spec("setuptools") is not None  # the host has it ...
    r = nix_build(expr(
        f'ps.buildPythonPackage {{ pname = "six"; version = "1.17.0"; pyproject = true; src = {fetchurl(SIX_SDIST)}; doCheck = false; }}',
        host_python=host_python,
    ))
    assert r.returncode != 0  # ... but the build does not see it
    assert "No module named 'setuptools'" in r.stderr, r.stderr[-3000:]


def write_runtime_demo(root: Path, requires: list[str]) -> Path:
    """A flit-core project whose wheel says Requires-Dist: ``requires``."""
    project = root / "rtdemo"
    (project / "rtdemo").mkdir(parents=True)
    (project / "rtdemo" / "__init__.py").write_text('"""demo"""\n')
    deps = ", ".join(json.dumps(r) for r in requires)
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n\n'
        f'[project]\nname = "rtdemo"\nversion = "1.0"\ndescription = "demo"\ndependencies = [{deps}]\n'
    )
    return project


SIX_DEP = f'(ps.buildPythonPackage {{ pname = "six"; version = "1.17.0"; format = "wheel"; doCheck = false; src = {fetchurl(SIX_WHL)}; }})'

# (id, Requires-Dist of the built wheel, extra buildPythonPackage arguments, error or None)
RUNTIME_DEPS = [
    ("missing", ["six"], "", "six not installed"),
    ("present", ["six", "tomli; python_version < '3'"], f"dependencies = [ {SIX_DEP} ];", None),
    ("unsatisfied", ["six>=2"], f"dependencies = [ {SIX_DEP} ];", "six>=2 not satisfied by version 1.17.0"),
    ("relaxed", ["six>=2"], f'dependencies = [ {SIX_DEP} ]; pythonRelaxDeps = [ "six" ];', None),
    ("relax-other", ["six>=2"], f'dependencies = [ {SIX_DEP} ]; pythonRelaxDeps = [ "tomli" ];', "six>=2 not satisfied"),
    ("removed", ["six>=2"], 'pythonRemoveDeps = [ "six" ];', None),
    ("switched-off", ["six>=2"], "dontCheckRuntimeDeps = true;", None),
]


@pytest.mark.nixbuild
@pytest.mark.network
@pytest.mark.parametrize("requires,extra,error", [r[1:] for r in RUNTIME_DEPS], ids=[r[0] for r in RUNTIME_DEPS])
def test_runtime_deps_check_of_pyproject_builds(requires: list[str], extra: str, error: str | None, host_python: str, tmp_path: Path) -> None:
    """pythonRuntimeDepsCheckHook (format pyproject): each Requires-Dist, markers evaluated,
    installed at a satisfying version; relaxing happens before it."""
    project = write_runtime_demo(tmp_path, requires)
    r = nix_build(expr(
        f'ps.buildPythonPackage {{ pname = "rtdemo"; version = "1.0"; pyproject = true; src = {project}; '
        f"build-system = [ ps.flit-core ]; doCheck = false; {extra} }}",
        host_python=host_python,
    ))
    if error is None:
        assert r.returncode == 0, r.stderr[-3000:]
        meta = Path(r.stdout.split()[0], "lib/python3.11/site-packages/rtdemo-1.0.dist-info/METADATA").read_text()
        if "pythonRemoveDeps" in extra:
            assert "Requires-Dist" not in meta.split("\n\n")[0]
        if "pythonRelaxDeps" in extra:
            assert "Requires-Dist: six\n" in meta
    else:
        assert r.returncode != 0
        assert "pythonRuntimeDepsCheckHook" in r.stderr and error in r.stderr, r.stderr[-3000:]


@pytest.mark.nixbuild
@pytest.mark.network
def test_runtime_deps_check_of_wheels_as_nixpkgs_generation(host_python: str) -> None:
    """nixpkgs 25.05 does not check a wheel's Requires-Dist; master does (wheelRuntimeDepsCheck)."""
    hatch_vcs = (
        'ps.buildPythonPackage { pname = "hatch-vcs"; version = "0.5.0"; format = "wheel"; doCheck = false; '
        'src = pkgs.fetchurl { url = "https://files.pythonhosted.org/packages/5f/48/1f85cee4b7b4f40b9b814b1febbc661bda6ced9649e410a0b74f6e415dd0/hatch_vcs-0.5.0-py3-none-any.whl"; '
        'hash = "sha256-tJZ329xZdGDMItAbJ6s2lvXhaiHs8nAPsBvCjh8qBKc="; }; }'
    )
    r = nix_build(expr(hatch_vcs, host_python=host_python))
    assert r.returncode == 0, r.stderr[-3000:]
    r = nix_build(expr(hatch_vcs, host_python=host_python, extra="wheelRuntimeDepsCheck = true;"))
    assert r.returncode != 0
    assert "pythonRuntimeDepsCheckHook" in r.stderr and "hatchling not installed" in r.stderr, r.stderr[-3000:]
    relaxed = hatch_vcs.replace("doCheck = false;", 'doCheck = false; pythonRemoveDeps = [ "hatchling" "setuptools-scm" ];')
    r = nix_build(expr(relaxed, host_python=host_python, extra="wheelRuntimeDepsCheck = true;"))
    assert r.returncode == 0, r.stderr[-3000:]
    meta = Path(r.stdout.split()[0], "lib/python3.11/site-packages/hatch_vcs-0.5.0.dist-info/METADATA").read_text()
    assert "Requires-Dist: hatchling" not in meta and "Requires-Dist" not in meta.split("\n\n")[0]


@pytest.mark.nixbuild
@pytest.mark.network
def test_fetchurl_wrong_hash_fails_at_build_time(host_python: str) -> None:
    wrong = "sha256-" + "B" * 43 + "="
    e = expr(f'pkgs.fetchurl {{ url = "{SIX_WHL[0]}"; hash = "{wrong}"; }}')
    assert instantiate(e).returncode == 0  # nothing is downloaded while evaluating
    r = nix_build(e)
    assert r.returncode != 0
    assert "hash mismatch in fixed-output derivation" in r.stderr, r.stderr[-2000:]
    assert SIX_WHL[1] in r.stderr


@pytest.mark.nixbuild
def test_other_interpreters_instantiate_but_do_not_build(host_python: str) -> None:
    r = nix_build(f"let pkgs = {standin(host_python=host_python)}; in pkgs.python312")
    assert r.returncode != 0
    assert "can only build for Python 3.11" in r.stderr, r.stderr[-2000:]
    r = nix_build(f"let pkgs = {standin()}; in pkgs.python311")
    assert r.returncode != 0
    assert "without `hostPython`" in r.stderr


def git(*args: str, cwd: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(cwd), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_NOSYSTEM": "1"}
    r = subprocess.run(["git", "-c", "protocol.file.allow=always", "-c", "init.defaultBranch=main", *args],
                       cwd=cwd, env=env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@pytest.mark.nixbuild
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_fetchgit_with_submodules(host_python: str, tmp_path: Path) -> None:
    sub = tmp_path / "sub"
    main = tmp_path / "main"
    for d in (sub, main):
        d.mkdir()
        git("init", "-q", cwd=d)
    (sub / "inner.txt").write_text("inner\n")
    git("add", ".", cwd=sub)
    git("commit", "-qm", "sub", cwd=sub)
    (main / "top.txt").write_text("top\n")
    (main / "nonce.txt").write_text(uuid.uuid4().hex)
    git("submodule", "-q", "add", f"file://{sub}", "vendored", cwd=main)
    git("add", ".", cwd=main)
    git("commit", "-qm", "main", cwd=main)
    rev = git("rev-parse", "HEAD", cwd=main)
    (main / "top.txt").write_text("changed later\n")
    git("commit", "-qam", "later", cwd=main)
    # the builder runs as root with a private git config; ownership checks do not apply
    os.chmod(tmp_path, 0o755)

    def fetch(h: str, submodules: bool) -> subprocess.CompletedProcess:
        sm = "true" if submodules else "false"
        return nix_build(expr(f'pkgs.fetchgit {{ url = "file://{main}"; rev = "{rev}"; hash = "{h}"; fetchSubmodules = {sm}; }}'))

    wrong = "sha256-" + "A" * 42 + "E="
    got = {}
    for submodules in (False, True):
        r = fetch(wrong, submodules)
        assert r.returncode != 0 and "hash mismatch in fixed-output derivation" in r.stderr, r.stderr[-2000:]
        got[submodules] = re.search(r"got:\s+(sha256-[A-Za-z0-9+/=]+)", r.stderr).group(1)
    # the submodule's files are part of the content (and so of the hash)
    assert got[True] != got[False]
    r = fetch(got[True], True)
    assert r.returncode == 0, r.stderr[-2000:]
    out = Path(r.stdout.split()[0])
    assert (out / "top.txt").read_text() == "top\n"
    assert (out / "vendored" / "inner.txt").read_text() == "inner\n"
    assert not list(out.rglob(".git"))

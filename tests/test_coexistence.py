"""Generated overlays live with nixpkgs as it really is (issue 16, fact sheet 5b).

The nixpkgs stand-in now depends on the package set the way nixpkgs does: the hooks
take wheel / installer / build / packaging / pytest from the final set, bootstrap
exceptions go by pname, check inputs exist only when tests run, removed interpreters
are aliases that throw. These regressions hold the generator to the consequences:

a. a lock pinning `wheel` (installed from its wheel) must not recurse;
b. by default nixpkgs' own sets keep every derivation (same drvPath, never null), for
   the poetry, Pipfile.lock, uv.lock and pylock.toml fixtures alike;
c. `package` / `runtimeEnv` do not depend on dev-only packages;
d. the interpreter search survives throwing aliases and finds what nixpkgs has.

They use only the overlay's public attributes: lock2nixProjects.<project>.{python,
package, runtimeEnv, devEnv}, its python.pkgs.<locked name>, and pkgs.python3XXPackages.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import POETRY_CASES, REPO, stage_poetry_case
from .nixeval import NixError, eval_json, nix_str
from .pipfile_cases import PIPFILE_CASES, recorded_pipfile_cache, stage_pipfile_case  # noqa: F401 - a fixture
from .test_translate_fixtures import ACCEPTED_THROWS, NOT_RECORDED, lock2nix
from .uv_cases import PYLOCK_CASES, UV_CASES, stage_case, uv_cache  # noqa: F401 - a fixture

SYSTEMS = ("x86_64-linux", "aarch64-darwin")
CASES = [c for c in POETRY_CASES if c not in NOT_RECORDED]
# uv.lock and pylock.toml fixtures, by "<kind>/<case>".
UV_KEYS = [f"uv/{c}" for c in UV_CASES] + [f"pylock/{c}" for c in PYLOCK_CASES]
EXAMPLE = "split-folders"
URL_WHEEL = "nix-community__poetry2nix__tests-use-url-wheel"
PANDAS_AI = "sinaptik-ai__pandas-ai__2024-10-large"
# Fixtures whose Python constraint no interpreter of the default stand-in (3.10-3.14)
# satisfies: saleor says python = "~3.8".
NEEDS_REMOVED_PYTHON = {"saleor__saleor__2020-lock10": "3.8"}


def standin(overlay: Path, system: str = "x86_64-linux", extra: str = "") -> str:
    return (
        f"import ./tests/nixpkgs {{ system = {nix_str(system)}; hostPython = {nix_str(sys.executable)}; "
        f"overlays = [ (import {overlay}) ]; {extra} }}"
    )


def translate(lock: Path, cache: Path, *options: str, output: str = "overlay.nix") -> Path:
    result = lock2nix(lock.name, *options, "-o", output, cwd=lock.parent, cache=cache)
    assert result.returncode == 0, f"{lock.parent.name}: {result.stderr}"
    return lock.parent / output


@pytest.fixture(scope="module")
def staged(
    tmp_path_factory, recorded_cache, recorded_pipfile_cache, uv_cache  # noqa: F811
) -> dict[str, tuple[Path, Path]]:
    """(lock, cache) of every translatable poetry, Pipfile, uv.lock and pylock.toml fixture and of
    the example."""
    out = {case: (stage_poetry_case(case, tmp_path_factory.mktemp("fixture")), recorded_cache) for case in CASES}
    for case in PIPFILE_CASES:
        out[case] = (stage_pipfile_case(case, tmp_path_factory.mktemp("pipfile")), recorded_pipfile_cache)
    for key in UV_KEYS:
        kind, case = key.split("/")
        out[key] = (stage_case(kind, case, tmp_path_factory.mktemp("uv")), uv_cache)
    example = tmp_path_factory.mktemp("example") / EXAMPLE
    shutil.copytree(REPO / "examples" / EXAMPLE, example)
    out[EXAMPLE] = (example / "poetry.lock", recorded_cache)
    return out


@pytest.fixture(scope="module")
def overlays(staged) -> dict[str, Path]:
    """The default-scope overlay of every fixture."""
    return {case: translate(lock, cache) for case, (lock, cache) in staged.items()}


def projects(overlay: Path) -> list[str]:
    return eval_json(f"builtins.attrNames ({standin(overlay)}).lock2nixProjects")


def locked_names(overlay: Path, cache: Path) -> list[str]:
    model = json.loads(lock2nix("poetry.lock", "--emit", "model", cwd=overlay.parent, cache=cache).stdout)
    return sorted(p["name"] for p in model["packages"])


def failure(expr: str) -> str | None:
    """Nix's error for ``expr``, or None if it evaluates."""
    try:
        eval_json(expr, timeout=900)
    except NixError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------
# a. a locked `wheel` installed from its wheel: no infinite recursion


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("python", ["python311", "python312", "python313"])
def test_locked_wheel_does_not_recurse(python: str, system: str, tmp_path, recorded_cache) -> None:
    lock = stage_poetry_case(URL_WHEEL, tmp_path)
    # The project's interpreter, through the documented setting.
    (lock.parent / "lock2nix.toml").write_text(f'pythons = ["{python}"]\n')
    overlay = translate(lock, recorded_cache)
    names = locked_names(overlay, recorded_cache)
    assert "wheel" in names
    [project] = projects(overlay)
    p = f"({standin(overlay, system)}).lock2nixProjects.{nix_str(project)}"
    tried = "v: let t = builtins.tryEval (if v == null then \"null\" else v.drvPath); in if t.success then t.value else \"THROW\""
    got = eval_json(
        f"let p = {p}; try = {tried}; in {{ python = p.python.pythonVersion; "
        f"packages = builtins.listToAttrs (map (n: {{ name = n; value = try p.python.pkgs.${{n}}; }}) [ {' '.join(nix_str(n) for n in names)} ]); "
        "runtimeEnv = try p.runtimeEnv; }",
        timeout=900,
    )
    assert got["python"] == f"3.{python[len('python3'):]}"
    assert got["packages"]["wheel"].endswith(".drv"), got["packages"]["wheel"]
    # Whatever does not instantiate may only be a package (or an environment holding
    # one) that has no artifact for this interpreter and platform in the lock.
    for name, value in sorted(got["packages"].items()) + [("<runtimeEnv>", got["runtimeEnv"])]:
        if value != "THROW":
            assert value == "null" or value.endswith(".drv"), (name, value)
            continue
        attr = "runtimeEnv" if name == "<runtimeEnv>" else f"python.pkgs.{nix_str(name)}"
        message = failure(f"({p}).{attr}.drvPath")
        assert message is not None and ACCEPTED_THROWS.search(message), f"{python} {system} {name}: {message}"


# ---------------------------------------------------------------------------
# b. the default scope leaves nixpkgs' own sets alone


@pytest.fixture(scope="module")
def plain_sets() -> dict[tuple[str, str], dict[str, str]]:
    return {
        (system, s): eval_json(
            f"import ./tests/nix/set-drvpaths.nix {{ system = {nix_str(system)}; set = {nix_str(s)}; }}"
        )
        for system in ("x86_64-linux",)
        for s in ("python312Packages", "python313Packages")
    }


@pytest.mark.parametrize("set_name", ["python312Packages", "python313Packages"])
@pytest.mark.parametrize("case", CASES + PIPFILE_CASES + [EXAMPLE] + UV_KEYS)
def test_nixpkgs_sets_keep_their_derivations(case: str, set_name: str, overlays, plain_sets) -> None:
    """Every derivation of the stand-in's own set, locked names and others alike, has the
    same drvPath with and without the overlay (and is never null)."""
    system = "x86_64-linux"
    plain = plain_sets[(system, set_name)]
    assert len(plain) > 100 and all(v.endswith(".drv") for v in plain.values())
    expr = (
        f"import ./tests/nix/set-drvpaths.nix {{ system = {nix_str(system)}; set = {nix_str(set_name)}; "
        f"overlays = [ {overlays[case]} ]; }}"
    )
    try:
        got = eval_json(expr, timeout=900)
    except NixError as exc:
        pytest.fail(f"{set_name} with the overlay of {case} does not evaluate:\n{str(exc)[-2500:]}")
    changed = {n: got[n] for n in plain if got[n] != plain[n]}
    assert not changed, (
        f"{len(changed)} of {len(plain)} derivations of {set_name} change under the overlay of {case}: "
        + ", ".join(f"{n} ({'null' if v == 'null' else 'new drvPath' if v.endswith('.drv') else v})" for n, v in sorted(changed.items())[:25])
    )


@pytest.mark.parametrize(
    "attr", ["python313Packages.typing-extensions", "python312Packages.tomli", "python3Packages.colorama"]
)
def test_split_folders_leaves_packages_of_other_pythons(attr: str, overlays) -> None:
    """The example's markers exclude these names on these interpreters; nixpkgs' own stay."""
    pkgs = standin(overlays[EXAMPLE])
    message = failure(f"let v = ({pkgs}).{attr}; in if v == null then throw \"{attr} is null\" else v.drvPath")
    assert message is None, message[-2500:]
    plain = eval_json(f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; }}).{attr}.drvPath")
    assert eval_json(f"({pkgs}).{attr}.drvPath") == plain


# ---------------------------------------------------------------------------
# c. runtime apart from tests: a dev-only package deleted from PyPI


@pytest.mark.parametrize("attr", ["runtimeEnv", "package"])
def test_runtime_does_not_need_dev_only_packages(attr: str, overlays, recorded_cache) -> None:
    overlay = overlays[PANDAS_AI]
    model = json.loads(lock2nix("poetry.lock", "--emit", "model", cwd=overlay.parent, cache=recorded_cache).stdout)
    [sourcery] = [p for p in model["packages"] if p["name"] == "sourcery"]
    assert not sourcery["source"].get("wheels") and "sdist" not in sourcery["source"], "sourcery has files again"
    [project] = projects(overlay)
    # Without throwing aliases, so that only this concern is tested (d tests those).
    pkgs = standin(overlay, extra="removedInterpreters = [ ];")
    message = failure(f"({pkgs}).lock2nixProjects.{nix_str(project)}.{attr}.drvPath")
    assert message is None, message[-2500:]


# ---------------------------------------------------------------------------
# d. interpreters: throwing aliases, and what this nixpkgs has


@pytest.mark.parametrize("case", CASES + [EXAMPLE] + UV_KEYS)
def test_interpreter_search_survives_removed_aliases(case: str, overlays) -> None:
    """The default stand-in keeps python36 ... python39 as aliases that throw."""
    overlay = overlays[case]
    assert eval_json("let p = import ./tests/nixpkgs { }; in [ (p ? python39) (builtins.tryEval p.python39).success ]") == [True, False]
    for project in projects(overlay):
        message = failure(f"({standin(overlay)}).lock2nixProjects.{nix_str(project)}.python.pythonVersion")
        if case not in NEEDS_REMOVED_PYTHON:
            assert message is None, f"{case} {project}: {message[-2500:]}"
        else:
            # No interpreter of this nixpkgs fits: lock2nix's own message, not the alias.
            assert message is not None and "lock2nix" in message and "has been removed" not in message, message[-2500:]


@pytest.mark.parametrize("case", sorted(NEEDS_REMOVED_PYTHON))
def test_interpreter_search_finds_what_nixpkgs_has(case: str, overlays) -> None:
    """A nixpkgs that still has python38 offers it to a project that needs it."""
    overlay = overlays[case]
    extra = (
        'interpreters = [ "python38" "python310" "python311" "python312" "python313" "python314" ]; '
        'removedInterpreters = [ "python36" "python37" "python39" ];'
    )
    for project in projects(overlay):
        expr = f"({standin(overlay, extra=extra)}).lock2nixProjects.{nix_str(project)}.python.pythonVersion"
        message = failure(expr)
        assert message is None, f"{case} {project}: {message[-2500:]}"
        assert eval_json(expr) == NEEDS_REMOVED_PYTHON[case]


# ---------------------------------------------------------------------------
# e. --scope global: every fixture evaluates in every global set, no recursion


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("case", CASES + PIPFILE_CASES + [EXAMPLE] + UV_KEYS)
def test_global_scope_evaluates_without_recursion(case: str, system: str, staged) -> None:
    """Each locked name in python3.10-3.13's global sets (protected names stay
    nixpkgs'), and each project's runtimeEnv: instantiates, or throws only
    because the lock has no artifact for that interpreter and platform."""
    lock, cache = staged[case]
    overlay = translate(lock, cache, "--scope", "global", output="global.nix")
    pythons = ["python310", "python311", "python312", "python313"]
    got = eval_json(
        f"import ./tests/nix/global-scope.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
        f"hostPython = {nix_str(sys.executable)}; pythons = [ {' '.join(nix_str(p) for p in pythons)} ]; }}",
        timeout=900,
    )
    pkgs = standin(overlay, system)
    replaced = 0
    for python, found in got.items():
        for name, value in sorted(found["packages"].items()):
            replaced += value.endswith(".drv")
            if value == "THROW":
                message = failure(f"({pkgs}).{python}.pkgs.{nix_str(name)}.drvPath")
                assert message is not None and ACCEPTED_THROWS.search(message), f"{python} {name}: {message}"
        for project, value in found["runtimeEnv"].items():
            if value == "THROW":
                expr = f"(({pkgs}).lock2nixProjects.{nix_str(project)}.withPython ({pkgs}).{python}).runtimeEnv.drvPath"
                message = failure(expr)
                assert message is not None and (
                    ACCEPTED_THROWS.search(message) or "no Python interpreter" in message
                ), f"{python} {project}: {message}"
    assert replaced, "nothing of the lock reached the global sets"


# ---------------------------------------------------------------------------
# f. every example, in both scopes (translated against the live index)

EXAMPLES = sorted(p.name for p in (REPO / "examples").iterdir() if (p / "poetry.lock").is_file())


@pytest.mark.network
@pytest.mark.parametrize("scope", ["project", "global"])
@pytest.mark.parametrize("example", EXAMPLES)
def test_examples_evaluate_in_both_scopes(example: str, scope: str, tmp_path, recorded_cache) -> None:
    project = tmp_path / example
    shutil.copytree(REPO / "examples" / example, project)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--cache-dir", str(recorded_cache), "--scope", scope, "poetry.lock",
         "-o", "overlay.nix"],
        cwd=project, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    overlay = project / "overlay.nix"
    for system in SYSTEMS:
        got = eval_json(
            f"import ./tests/nix/instantiate-overlay.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
            f"hostPython = {nix_str(sys.executable)}; }}",
            timeout=900,
        )
        projects_ = got.pop("projects")
        got.pop("arguments")
        for python, attrs in got.items():
            bad = {n: v for n, v in attrs.items() if v != "null" and not v.endswith(".drv")}
            assert not bad, f"{example} {scope} {system} {python}: {bad}"
        for name, envs in projects_.items():
            assert all(v.endswith(".drv") for v in envs.values()), (name, envs)
        if scope == "global":
            pythons = "[ \"python310\" \"python311\" \"python312\" \"python313\" ]"
            found = eval_json(
                f"import ./tests/nix/global-scope.nix {{ overlay = {overlay}; system = {nix_str(system)}; "
                f"hostPython = {nix_str(sys.executable)}; pythons = {pythons}; }}",
                timeout=900,
            )
            for python, data in found.items():
                bad = {n: v for n, v in data["packages"].items() if v not in ("null", "protected") and not v.endswith(".drv")}
                assert not bad, f"{example} {system} {python}: {bad}"

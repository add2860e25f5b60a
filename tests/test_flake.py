"""The flake (flake.nix), the overlay that builds lock2nix (overlays/lock2nix.nix) and
the Poetry template (templates/poetry), evaluated by real Nix (2.8, flakes enabled on
the command line) against the nixpkgs stand-in of tests/nixpkgs.

The stand-in becomes a flake in a temporary directory (``legacyPackages``, ``lib``, and a
default.nix so that ``import nixpkgs { system; overlays; }`` works as with nixpkgs), and
every flake here gets it through ``--override-input nixpkgs path:<dir>``: nothing is
fetched. The flake's lock2nix is built from the overlay lock2nix generated from its own
poetry.lock (nix/overlay.nix); tests/test_self_build.py builds it with the stand-in
(for Python 3.11, the one interpreter the stand-in builds) and runs it. Here the wheel
build of the filtered source is checked with pypa ``build``, the tool nixpkgs'
pypaBuildHook runs.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
STANDIN = REPO / "tests" / "nixpkgs"
TEMPLATE = REPO / "templates" / "poetry"
SYSTEMS = ["x86_64-linux", "aarch64-linux", "x86_64-darwin", "aarch64-darwin"]
FLAKES = ["--extra-experimental-features", "nix-command flakes"]
CACHES = shutil.ignore_patterns("__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache", ".pytest_cache", "result")

pytestmark = pytest.mark.skipif(shutil.which("nix") is None, reason="Nix is not installed")


def nix(*args: str, cwd: Path | None = None) -> str:
    proc = subprocess.run(["nix", *FLAKES, *args], check=False, capture_output=True, text=True, cwd=cwd, timeout=300)
    assert proc.returncode == 0, f"nix {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-5000:]}"
    return proc.stdout + proc.stderr


def nix_json(expr: str) -> object:
    proc = subprocess.run(
        ["nix", *FLAKES, "eval", "--impure", "--json", "--expr", expr], check=False, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, f"nix eval failed ({proc.returncode}):\n{proc.stderr[-5000:]}"
    return json.loads(proc.stdout)


def instantiate_json(expr: str) -> object:
    proc = subprocess.run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr], check=False, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-5000:]
    return json.loads(proc.stdout)


def copy_repo(dest: Path) -> Path:
    """The files the flake and the overlay use, laid out as in the repository."""
    dest.mkdir(parents=True)
    for name in ("flake.nix", "pyproject.toml", "README.md", "poetry.lock"):
        shutil.copy2(REPO / name, dest / name)
    shutil.copytree(REPO / "nix", dest / "nix")
    shutil.copytree(REPO / "translator", dest / "translator", ignore=CACHES)
    shutil.copytree(REPO / "templates", dest / "templates", ignore=CACHES)
    (dest / "overlays").symlink_to((REPO / "overlays").readlink())
    return dest


def pyproject_dependencies(pyproject: Path) -> list[str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    return [canonicalize_name(Requirement(r).name) for r in data["project"].get("dependencies", [])]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("flake")
    # The stand-in as a nixpkgs-like flake; its python/unmodelled.nix reads the
    # build-backend table at ../../../translator/lock2nix/overlays/.
    standin = root / "nixpkgs"
    shutil.copytree(STANDIN, standin / "tests" / "nixpkgs", ignore=CACHES)
    table = standin / "translator" / "lock2nix" / "overlays"
    table.mkdir(parents=True)
    shutil.copy2(REPO / "translator" / "lock2nix" / "overlays" / "build-backends.json", table)
    (standin / "default.nix").write_text("import ./tests/nixpkgs\n")
    (standin / "flake.nix").write_text(
        "{\n"
        "  outputs =\n"
        "    { self }:\n"
        "    let\n"
        "      lib = import ./tests/nixpkgs/lib.nix;\n"
        "    in\n"
        "    {\n"
        "      inherit lib;\n"
        "      legacyPackages = lib.genAttrs lib.platforms.all (system: import ./. { inherit system; });\n"
        "    };\n"
        "}\n"
    )
    repo = copy_repo(root / "repo")
    override = ["--override-input", "nixpkgs", f"path:{standin}"]
    nix("flake", "lock", f"path:{repo}", *override)
    # The template as `nix flake init -t` writes it, then locked to the stand-in.
    project = root / "project"
    project.mkdir()
    welcome = nix("flake", "init", "-t", f"path:{repo}", cwd=project)
    nix("flake", "lock", f"path:{project}", *override)
    return {"root": root, "standin": standin, "repo": repo, "project": project, "welcome": welcome}


def flake_expr(env: dict[str, Path], body: str) -> str:
    return (
        f'let flake = builtins.getFlake "path:{env["repo"]}"; '
        f"nixpkgs = flake.inputs.nixpkgs; lib = nixpkgs.lib; "
        f"systems = builtins.fromJSON {json.dumps(json.dumps(SYSTEMS))}; in {body}"
    )


def test_flake_check(env) -> None:
    """Nix's own schema checks: overlay `final: prev:`, derivations, template fields."""
    out = nix("flake", "check", f"path:{env['repo']}", "--override-input", "nixpkgs", f"path:{env['standin']}",
              "--no-write-lock-file")
    assert "error" not in out.lower()


def test_outputs_for_every_system(env) -> None:
    version = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    got = nix_json(flake_expr(env, """
      {
        outputs = builtins.attrNames flake;
        perSystem = lib.genAttrs systems (system:
          let
            pkg = flake.packages.${system}.default;
            app = flake.apps.${system}.default;
            viaOverlay = import nixpkgs { inherit system; overlays = [ flake.overlays.default ]; };
          in {
            packages = builtins.attrNames flake.packages.${system};
            inherit (pkg) pname version drvPath system;
            mainProgram = pkg.meta.mainProgram;
            sameAsAttr = flake.packages.${system}.lock2nix.drvPath == pkg.drvPath;
            sameAsOverlay = viaOverlay.lock2nix.drvPath == pkg.drvPath;
            apps = builtins.attrNames flake.apps.${system};
            appType = app.type;
            program = app.program;
            programInPkg = app.program == "${pkg}/bin/lock2nix";
            devShells = builtins.attrNames flake.devShells.${system};
            devShell = flake.devShells.${system}.default.drvPath;
          });
      }
    """))
    for name in ("packages", "apps", "overlays", "devShells", "lib", "templates"):
        assert name in got["outputs"]
    assert sorted(got["perSystem"]) == sorted(SYSTEMS)
    drvs = set()
    for system, o in got["perSystem"].items():
        assert o["packages"] == ["default", "lock2nix"]
        assert (o["pname"], o["version"], o["system"], o["mainProgram"]) == ("lock2nix", version, system, "lock2nix")
        assert o["drvPath"].endswith(f"-lock2nix-{version}.drv")
        assert o["sameAsAttr"] and o["sameAsOverlay"] and o["programInPkg"]
        assert o["apps"] == ["default"] and o["appType"] == "app"
        assert o["program"].startswith("/nix/store/") and o["program"].endswith("/bin/lock2nix")
        assert o["devShells"] == ["default"] and o["devShell"].endswith("-nix-shell.drv")
        drvs.add(o["drvPath"])
    assert len(drvs) == len(SYSTEMS)


def test_overlay_adds_lock2nix_built_as_pyproject_says(env) -> None:
    got = nix_json(flake_expr(env, """
      let
        plain = import nixpkgs { system = "x86_64-linux"; };
        pkgs = import nixpkgs { system = "x86_64-linux"; overlays = [ flake.overlays.default ]; };
        config = builtins.fromJSON (builtins.unsafeDiscardStringContext pkgs.lock2nix.standinConfig);
      in {
        added = builtins.attrNames (flake.overlays.default plain plain);
        before = plain ? lock2nix;
        args = builtins.functionArgs flake.overlays.default;
        deps = map (d: d.pname) pkgs.lock2nix.dependencies;
        buildSystem = map (d: d.pname) pkgs.lock2nix.build-system;
        inherit (config) format makeWrapperArgs pythonImportsCheck;
        lockedRattler = pkgs.lock2nix.project.python.pkgs.py-rattler.version;
        git = "${pkgs.git}/bin";
        license = pkgs.lock2nix.meta.license.spdxId;
      }
    """))
    assert got["added"] == ["lock2nix"] and got["before"] is False and got["args"] == {}
    assert sorted(got["deps"]) == sorted(pyproject_dependencies(env["repo"] / "pyproject.toml"))
    assert got["buildSystem"] == ["poetry-core"]
    assert got["format"] == "pyproject"
    # From the lock (python3Packages has no py-rattler).
    locked = tomllib.loads((env["repo"] / "poetry.lock").read_text(encoding="utf-8"))["package"]
    assert got["lockedRattler"] == next(p["version"] for p in locked if p["name"] == "py-rattler")
    # lock2nix runs git to hash git sources.
    assert got["makeWrapperArgs"] == ["--prefix", "PATH", ":", got["git"]]
    assert "lock2nix" in got["pythonImportsCheck"]
    assert got["license"] == "MIT"


def test_overlay_source_is_filtered(tmp_path) -> None:
    """Both ways to reach the overlay give one derivation; only pyproject.toml, README.md
    and translator/ (without caches) are its source."""
    repo = copy_repo(tmp_path / "repo")

    def probe(via: str) -> dict:
        overlay = repo / via / "lock2nix.nix"
        return instantiate_json(
            f'let pkgs = import {STANDIN} {{ overlays = [ (import {overlay}) ]; }}; in '
            "{ src = toString pkgs.lock2nix.src; drv = pkgs.lock2nix.drvPath; }"
        )

    first = probe("overlays")
    assert probe("translator/lock2nix/overlays") == first

    (repo / "tests").mkdir()
    (repo / "tests" / "test_new.py").write_text("def test(): pass\n")
    (repo / "flake.nix").write_text((repo / "flake.nix").read_text() + "# edited\n")
    (repo / "templates" / "poetry" / "README.md").write_text("edited\n")
    (repo / "translator" / ".mypy_cache").mkdir()
    (repo / "translator" / ".mypy_cache" / "cache.db").write_text("x")
    (repo / "translator" / "lock2nix" / "__pycache__").mkdir(exist_ok=True)
    (repo / "translator" / "lock2nix" / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"x")
    assert probe("overlays")["src"] == first["src"]

    cli = repo / "translator" / "lock2nix" / "cli" / "__init__.py"
    cli.write_text(cli.read_text() + "# edited\n")
    assert probe("overlays")["src"] != first["src"]


def test_overlay_outside_a_checkout_says_why(tmp_path) -> None:
    shutil.copy2(REPO / "overlays" / "lock2nix.nix", tmp_path / "lock2nix.nix")
    proc = subprocess.run(
        ["nix-instantiate", "--eval", "-E",
         f"(import {STANDIN} {{ overlays = [ (import {tmp_path / 'lock2nix.nix'}) ]; }}).lock2nix.drvPath"],
        check=False, capture_output=True, text=True,
    )
    assert proc.returncode != 0
    assert "builds lock2nix from a checkout of the lock2nix repository" in proc.stderr


@pytest.mark.skipif(importlib.util.find_spec("build") is None or importlib.util.find_spec("poetry") is None,
                    reason="needs pypa build and poetry-core in the test environment")
def test_filtered_source_builds_the_wheel(env, tmp_path) -> None:
    """What nixpkgs' pypaBuildHook does with `src` (build --no-isolation --wheel): the
    filtered source must give the complete wheel, with nothing but the package."""
    src = Path(nix("eval", "--raw", f"path:{env['repo']}#packages.x86_64-linux.default.src").strip().splitlines()[-1])
    work = tmp_path / "src"
    shutil.copytree(src, work)
    for p in work.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--wheel", "--outdir", str(tmp_path / "dist"), str(work)],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = (tmp_path / "dist").glob("lock2nix-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        info = next(n.split("/")[0] for n in names if n.endswith(".dist-info/METADATA"))
        metadata = z.read(f"{info}/METADATA").decode()
        entry_points = z.read(f"{info}/entry_points.txt").decode()
    package = {str(p.relative_to(work / "translator")) for p in (work / "translator").rglob("*") if p.is_file()}
    assert {n for n in names if not n.startswith(info)} == package
    for needed in ("lock2nix/nix/lib/default.nix", "lock2nix/nix/lib/helpers.json", "lock2nix/overlays/lock2nix.nix",
                   "lock2nix/schemas/lock-model.schema.json"):
        assert needed in package
    assert "lock2nix=lock2nix.cli:console_main" in entry_points.replace(" ", "")
    requires = [canonicalize_name(Requirement(line.split(":", 1)[1]).name)
                for line in metadata.splitlines() if line.startswith("Requires-Dist:") and "extra ==" not in line]
    assert sorted(requires) == sorted(pyproject_dependencies(work / "pyproject.toml"))


def test_lib(env) -> None:
    got = nix_json(flake_expr(env, """
      let
        template = flake.templates.default.path;
        byPath = flake.lib.pkgsWithOverlay { system = "aarch64-darwin"; overlay = template + "/overlay.nix"; };
        byFunction = flake.lib.pkgsWithOverlay {
          system = "x86_64-linux";
          overlay = import (template + "/overlay.nix");
          overlays = [ flake.overlays.default ];
        };
      in {
        inherit (flake.lib) systems;
        darwin = byPath.lock2nixProjects.hello-poetry.package.drvPath;
        darwinSystem = byPath.stdenv.hostPlatform.system;
        linux = byFunction.lock2nixProjects.hello-poetry.package.drvPath;
        withTool = byFunction.lock2nix.pname;
      }
    """))
    assert got["systems"] == SYSTEMS
    assert got["darwinSystem"] == "aarch64-darwin"
    assert got["darwin"].endswith("-hello-poetry-0.1.0.drv") and got["linux"].endswith("-hello-poetry-0.1.0.drv")
    assert got["darwin"] != got["linux"]
    assert got["withTool"] == "lock2nix"


def test_template_output(env) -> None:
    got = nix_json(flake_expr(env, """
      {
        inherit (flake.templates.default) description welcomeText;
        files = builtins.attrNames (builtins.readDir flake.templates.default.path);
        module = builtins.attrNames (builtins.readDir (flake.templates.default.path + "/hello_poetry"));
      }
    """))
    assert got["description"] and "lock2nix" in got["welcomeText"]
    assert sorted(got["files"]) == [".gitignore", "README.md", "flake.nix", "hello_poetry", "lock2nix-lib.nix",
                                    "overlay.nix", "poetry.lock", "pyproject.toml"]
    assert got["module"] == ["__init__.py"]
    assert "A Poetry project wired to lock2nix" in env["welcome"]


def test_template_flake_evaluates(env) -> None:
    """The project `nix flake init -t` creates evaluates for every system."""
    project = env["project"]
    assert (project / "overlay.nix").read_text() == (TEMPLATE / "overlay.nix").read_text()
    got = nix_json(
        f'let flake = builtins.getFlake "path:{project}"; '
        f"systems = builtins.fromJSON {json.dumps(json.dumps(SYSTEMS))}; in "
        """builtins.listToAttrs (map (system: {
             name = system;
             value = {
               inherit (flake.packages.${system}.default) pname version drvPath;
               python = flake.packages.${system}.default.pythonModule.pythonVersion;
               program = flake.apps.${system}.default.program;
               appType = flake.apps.${system}.default.type;
               shell = flake.devShells.${system}.default.drvPath;
               tests = flake.checks.${system}.tests.drvPath;
             };
           }) systems)"""
    )
    assert sorted(got) == sorted(SYSTEMS)
    for o in got.values():
        assert (o["pname"], o["version"]) == ("hello-poetry", "0.1.0")
        assert o["drvPath"].endswith("-hello-poetry-0.1.0.drv")
        assert o["appType"] == "app" and o["program"].endswith("/bin/hello-poetry")
        assert o["shell"].endswith("-nix-shell.drv")
        # The tests derivation: the project again, a derivation of its own.
        assert o["tests"].endswith("-hello-poetry-0.1.0.drv") and o["tests"] != o["drvPath"]


def test_template_is_consistent() -> None:
    """pyproject.toml, poetry.lock, overlay.nix and flake.nix of the template agree."""
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text(encoding="utf-8"))
    name = pyproject["project"]["name"]
    assert canonicalize_name(name) == name
    assert f"lock2nixProjects.{name}" in (TEMPLATE / "flake.nix").read_text()
    assert f'/bin/{name}"' in (TEMPLATE / "flake.nix").read_text()
    assert name in pyproject["project"]["scripts"]
    assert pyproject["build-system"]["build-backend"] == "poetry.core.masonry.api"
    lock = tomllib.loads((TEMPLATE / "poetry.lock").read_text(encoding="utf-8"))
    assert lock["metadata"]["python-versions"] == pyproject["project"]["requires-python"]
    assert (TEMPLATE / "poetry.lock").read_text().startswith("# This file is automatically @generated by Poetry")
    # The overlay is current for its inputs (digest in its header).
    proc = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--check", "--offline", "poetry.lock", "-o", "overlay.nix"],
        cwd=TEMPLATE, check=False, capture_output=True, text=True,
    )
    assert proc.returncode == 0, (
        f"templates/poetry/overlay.nix is stale: regenerate it there with `lock2nix poetry.lock -o overlay.nix`\n"
        f"{proc.stdout}{proc.stderr}"
    )


def test_standin_additions_for_the_flake(tmp_path) -> None:
    """What the flake needs from the stand-in behaves as in nixpkgs: mkShell (output is a
    file; `packages` in nativeBuildInputs; inputs of `inputsFrom` merged, not the
    derivations themselves), makeBinPath, and lock2nix's unmodelled dependencies."""
    pkgs = f"import {STANDIN} {{ }}"
    got = instantiate_json(
        f"let pkgs = {pkgs}; lib = pkgs.lib; "
        "a = pkgs.mkShell { buildInputs = [ pkgs.zlib ]; shellHook = \"echo a\"; }; "
        "s = pkgs.mkShell { packages = [ pkgs.git ]; inputsFrom = [ a ]; shellHook = \"echo s\"; }; in "
        "{ inherit (s) name shellHook; native = map (d: d.name) s.nativeBuildInputs; "
        "build = map (d: d.name) s.buildInputs; bin = lib.makeBinPath [ pkgs.git null ]; "
        "stubs = map (n: pkgs.python3Packages.${n}.pythonModule.pythonVersion) [ \"pypi-simple\" \"jsonschema\" ]; }"
    )
    assert got["name"] == "nix-shell" and got["shellHook"] == "echo a\necho s"
    assert got["native"] == ["git-2.47.2"] and got["build"] == ["zlib-1.3.1"]
    assert got["bin"].startswith("/nix/store/") and got["bin"].endswith("-git-2.47.2/bin")
    assert got["stubs"] == ["3.12", "3.12"]
    opts = ["--option", "build-users-group", "", "--option", "substituters", ""]
    built = subprocess.run(
        ["nix-build", "--no-out-link", *opts, "-E", f"({pkgs}).mkShell {{ packages = [ ({pkgs}).zlib ]; }}"],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert Path(built.stdout.strip()).is_file()
    stub = subprocess.run(
        ["nix-build", "--no-out-link", *opts, "-E", f'({pkgs}).python3Packages."pypi-simple"'],
        check=False, capture_output=True, text=True, timeout=300,
    )
    assert stub.returncode != 0 and "does not build it" in stub.stderr


def test_dependencies_follow_the_lock(tmp_path) -> None:
    """The flake's lock2nix takes its dependencies from nix/overlay.nix: a dependency added
    to pyproject.toml without regenerating the overlay makes it stale (the pre-commit
    hook and tests/test_self_build.py catch that), and the overlay is what is built."""
    repo = copy_repo(tmp_path / "repo")
    check = [sys.executable, "-m", "lock2nix", "--check", "--offline"]
    assert subprocess.run(check, cwd=repo, capture_output=True, text=True).returncode == 0
    pyproject = repo / "pyproject.toml"
    changed, n = re.subn(r"(?m)^dependencies\s*=\s*\[", lambda m: f'{m.group(0)} "six>=1",', pyproject.read_text(), 1)
    assert n == 1
    pyproject.write_text(changed)
    proc = subprocess.run(check, cwd=repo, capture_output=True, text=True)
    assert proc.returncode == 1 and "nix/overlay.nix is stale" in proc.stdout + proc.stderr
    overlay = repo / "overlays" / "lock2nix.nix"
    deps = instantiate_json(
        f"map (d: d.pname) (import {STANDIN} {{ overlays = [ (import {overlay}) ]; }}).lock2nix.dependencies"
    )
    assert "six" not in deps and sorted(deps) == sorted(pyproject_dependencies(REPO / "pyproject.toml"))

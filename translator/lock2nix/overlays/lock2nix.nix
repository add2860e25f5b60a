# nixpkgs overlay that adds lock2nix itself as `pkgs.lock2nix`, built by
# lock2nix from its own lock:
#
#   import <nixpkgs> { overlays = [ (import ./overlays/lock2nix.nix) ]; }
#
# nix/overlay.nix is the overlay lock2nix generated from the repository's
# poetry.lock (kept current by the pre-commit hook; tests/test_self_build.py
# checks it), so every dependency (py-rattler, pypi-simple, the exact
# packaging) is its locked wheel or sdist, not python3Packages' package. That
# overlay is applied privately: its lock2nixProjects does not enter the user's
# nixpkgs. `pkgs.lock2nix.withPython pkgs.python311` builds it for another
# interpreter; `.project` is lock2nixProjects.lock2nix (devEnv: the test extra
# too). Only Nix 2.8 builtins are used.
final: prev:
let
  inherit (prev) lib;

  # Nix resolves `..` without following symlinks: this file is reached either as
  # overlays/lock2nix.nix (a symlink to translator/lock2nix/overlays at the
  # repository root) or as translator/lock2nix/overlays/lock2nix.nix.
  isRoot =
    dir:
    let
      file = dir + "/pyproject.toml";
    in
    builtins.pathExists file
    && (builtins.fromTOML (builtins.readFile file)).project.name or null == "lock2nix"
    && builtins.pathExists (dir + "/nix/overlay.nix");
  root =
    if isRoot ./.. then
      ./..
    else if isRoot ./../../.. then
      ./../../..
    else
      throw "lock2nix overlay: it builds lock2nix from a checkout of the lock2nix repository (or its flake), and found no lock2nix pyproject.toml and nix/overlay.nix next to ${toString ./.}";

  project = (builtins.fromTOML (builtins.readFile (root + "/pyproject.toml"))).project;

  # The generated overlay over nixpkgs, in a fixpoint of its own.
  generated = import (root + "/nix/overlay.nix");
  own = lib.fix (self: prev // generated self prev);

  # What the wheel is built from: pyproject.toml, README.md (the long
  # description) and translator/ without caches, so edits anywhere else (tests,
  # examples, the flake) do not rebuild it. poetry-core packs every file of the
  # package directory when there is no .git, hence no hidden files either.
  src = builtins.path {
    name = "lock2nix-source";
    path = root;
    filter =
      path: type:
      let
        rel = lib.removePrefix (toString root + "/") (toString path);
        base = baseNameOf path;
      in
      builtins.elem rel [
        "pyproject.toml"
        "README.md"
        "translator"
      ]
      || (
        lib.hasPrefix "translator/" rel
        && !(lib.hasPrefix "." base)
        && base != "__pycache__"
        && !(lib.hasSuffix ".pyc" base)
        && !(lib.hasSuffix ".egg-info" base)
      );
  };

  tool =
    locked:
    locked.package.overridePythonAttrs (old: {
      inherit src;
      # Git sources in lock files are hashed from a clone.
      makeWrapperArgs = (old.makeWrapperArgs or [ ]) ++ [
        "--prefix"
        "PATH"
        ":"
        (lib.makeBinPath [ final.git ])
      ];
      # The repository's tests need Nix and the package index; they are not in `src`.
      pythonImportsCheck = [
        "lock2nix"
        "lock2nix.cli"
      ];
      passthru = (old.passthru or { }) // {
        project = locked;
        withPython = python: tool (locked.withPython python);
      };
      meta = (old.meta or { }) // {
        inherit (project) description;
        license = lib.licenses.mit;
        mainProgram = "lock2nix";
      };
    });
in
{
  lock2nix = tool own.lock2nixProjects.lock2nix;
}

# nixpkgs overlay that adds lock2nix itself as `pkgs.lock2nix`, built from this
# repository's source with `python3Packages.buildPythonApplication`:
#
#   import <nixpkgs> { overlays = [ (import ./overlays/lock2nix.nix) ]; }
#
# Name, version, description and runtime dependencies come from pyproject.toml
# ([project] and its PEP 621 `dependencies`), so they cannot drift from it. Each
# dependency is taken from python3Packages under its PEP 503 name, the nixpkgs
# naming rule. Only Nix 2.8 builtins are used.
final: prev:
let
  inherit (final) lib;

  # Nix resolves `..` without following symlinks: this file is reached either as
  # overlays/lock2nix.nix (a symlink to translator/lock2nix/overlays at the
  # repository root) or as translator/lock2nix/overlays/lock2nix.nix.
  isRoot =
    dir:
    let
      file = dir + "/pyproject.toml";
    in
    builtins.pathExists file
    && (builtins.fromTOML (builtins.readFile file)).project.name or null == "lock2nix";
  root =
    if isRoot ./.. then
      ./..
    else if isRoot ./../../.. then
      ./../../..
    else
      throw "lock2nix overlay: it builds lock2nix from a checkout of the lock2nix repository (or its flake), and found no lock2nix pyproject.toml next to ${toString ./.}";

  project = (builtins.fromTOML (builtins.readFile (root + "/pyproject.toml"))).project;

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

  # The python3Packages attribute of a PEP 508 requirement: its PEP 503 name
  # ("pypi_simple>=1.5" -> pypi-simple). Markers are not evaluated: a dependency
  # restricted to some interpreters is always included.
  pythonDependency =
    requirement:
    let
      m = builtins.match "[[:space:]]*([A-Za-z0-9][A-Za-z0-9._-]*).*" requirement;
      words = builtins.filter builtins.isString (builtins.split "[-_.]+" (builtins.head m));
      name = lib.toLower (builtins.concatStringsSep "-" words);
    in
    if m == null then
      throw "lock2nix overlay: cannot read the requirement \"${requirement}\" of pyproject.toml"
    else if final.python3Packages ? ${name} then
      final.python3Packages.${name}
    else
      throw "lock2nix overlay: pyproject.toml depends on ${name}, which python3Packages does not have";
in
{
  lock2nix = final.python3Packages.buildPythonApplication {
    pname = project.name;
    inherit (project) version;
    inherit src;
    pyproject = true;

    build-system = [ final.python3Packages.poetry-core ];

    dependencies = map pythonDependency (project.dependencies or [ ]);

    # Git sources in lock files are hashed from a clone.
    makeWrapperArgs = [
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

    meta = {
      inherit (project) description;
      license = lib.licenses.mit;
      mainProgram = "lock2nix";
    };
  };
}

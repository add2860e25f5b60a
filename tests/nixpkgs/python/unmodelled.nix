# Attributes nixpkgs' Python set has but the stand-in does not build: the build
# backends in lock2nix's verified table (overlays/build-backends.json,
# each entry checked against nixpkgs' python-packages.nix) and the runtime
# dependencies of lock2nix itself that the stand-in does not install. They instantiate as
# Python modules, so overlays naming them evaluate as they would in nixpkgs;
# building one fails with a message saying the stand-in does not model it.
# Layered below the stand-in's real packages, which take precedence.
{ lib, stdenv, python }:
self: super:
let
  table = (builtins.fromJSON (builtins.readFile ../../../translator/lock2nix/overlays/build-backends.json)).mapping;
  # Runtime dependencies of lock2nix itself (overlays/lock2nix.nix, flake.nix), as
  # named in nixpkgs' python-packages.nix (fork copy Bad3r/nixpkgs@059eff55, 2026).
  lock2nixDependencies = [
    "jsonschema"
    "pypi-simple"
    # `ruamel-yaml = callPackage ../development/python-modules/ruamel-yaml { };`
    "ruamel-yaml"
  ];
  attributes = lib.unique (
    builtins.filter (a: a != null) (map (e: e.attribute) (builtins.attrValues table)) ++ lock2nixDependencies
  );
  stub =
    name:
    self.toPythonModule (
      stdenv.mkDerivation {
        name = "python${python.pythonVersion}-${name}-unmodelled";
        pname = name;
        version = "0";
        buildCommand = ''
          echo "lock2nix nixpkgs stand-in: nixpkgs has python3Packages.${name}, but the stand-in does not build it" >&2
          exit 1
        '';
      }
    );
in
builtins.listToAttrs (
  map (name: {
    inherit name;
    value = stub name;
  }) attributes
)

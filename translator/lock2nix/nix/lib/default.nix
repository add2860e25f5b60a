# lock2nix's Nix library: what the overlays lock2nix generates call. Each
# concern has its file (PEP 440, PEP 508 markers, wheel tags, the package
# builder, package scopes, projects, conda environments); only builtins of
# Nix 2.8 and nixpkgs' `lib` are used. The library is written beside each
# overlay (or into it, with --inline) by the lock2nix that wrote the overlay.
{ lib }:
let
  pep440 = import ./pep440.nix { inherit lib; };
  markers = import ./markers.nix { };
  wheels = import ./wheels.nix { inherit lib pep440 markers; };
  package = import ./package.nix { inherit lib wheels; };
  # Named apart from mkOverlay's `scope` argument.
  scopes = import ./scope.nix { inherit lib markers; };
  project = import ./project.nix {
    inherit lib;
    scope = scopes;
  };
  conda = import ./conda.nix {
    inherit lib pep440;
    scope = scopes;
  };
in
{
  inherit
    pep440
    markers
    wheels
    package
    project
    conda
    ;

  scope = scopes;

  # The comparisons compiled markers use.
  inherit (pep440)
    versionOlder
    versionAtMost
    versionNewer
    versionAtLeast
    versionEqual
    versionNotEqual
    versionCompatible
    ;

  # The overlay (final: prev: { ... }'s result) of one lock:
  #   scope         "project": the lock lives in its projects' own package sets;
  #                 "global": it also enters every interpreter's set (minus
  #                 scope.protected)
  #   settings      the package builder's (package.nix forSet): prefer,
  #                 overlayFile, versionFromVcs
  #   packages      { pyFinal, pyPrev, env, mkPackage, mkProject, cleanSource, ... }:
  #                 the locked packages of one package set
  #   projects      name -> project spec (project.nix)
  #   environments  name -> conda environment arguments (conda.nix)
  mkOverlay =
    {
      final,
      prev,
      scope ? "project",
      settings,
      packages,
      projects ? { },
      environments ? { },
    }:
    let
      # A project's or environment's interpreter: `base` with the lock in its set,
      # and after it what later overlays add to lock2nixPackagesExtensions.
      lockPython = scopes.lockPython (final.lock2nixPackagesExtensions or [ ]) locked;
      locked =
        pyFinal: pyPrev:
        packages (
          package.forSet (settings // { inherit final; }) pyFinal
          // {
            inherit pyFinal pyPrev;
            env = markers.environment pyFinal.python;
          }
        );
      byScope = {
        project = { };
        global.pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [ (scopes.globalExtension locked) ];
      };
    in
    byScope.${scope} or (throw "lock2nix: unknown scope ${scope} (project or global)")
    // lib.optionalAttrs (projects != { }) {
      lock2nixProjects =
        prev.lock2nixProjects or { }
        // builtins.mapAttrs (
          _: spec:
          project.project {
            inherit final spec lockPython;
            lockedNames = builtins.attrNames (locked { } { });
          }
        ) projects;
    }
    // lib.optionalAttrs (environments != { }) {
      lock2nixEnvironments =
        prev.lock2nixEnvironments or { }
        // builtins.mapAttrs (
          _: args:
          conda.mkEnvironment (
            args
            // {
              inherit final lockPython;
            }
          )
        ) environments;
    };
}

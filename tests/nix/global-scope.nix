# Every locked name of an overlay translated with --scope global, in every given
# interpreter's global set of the stand-in, and each project's runtimeEnv there:
# { <python> = { packages = { <name> = drvPath | "null" | "THROW" | "protected"; };
#                runtimeEnv = { <project> = ... }; }; }
# An infinite recursion aborts the evaluation (tryEval does not catch it).
{
  overlay,
  system,
  hostPython,
  pythons,
}:
let
  pkgs = import ../nixpkgs {
    inherit system hostPython;
    overlays = [ (import overlay) ];
  };
  library = import ../../translator/lock2nix/nix/lib { lib = import ../nixpkgs/lib.nix; };
  projects = pkgs.lock2nixProjects;
  names = (builtins.head (builtins.attrValues projects)).lockedNames;
  show =
    value:
    let
      tried = builtins.tryEval (if value == null then "null" else value.drvPath);
    in
    if tried.success then tried.value else "THROW";
in
builtins.listToAttrs (
  map (py: {
    name = py;
    value = {
      packages = builtins.listToAttrs (
        map (name: {
          inherit name;
          value = if library.scope.protected ? ${name} then "protected" else show pkgs.${py}.pkgs.${name};
        }) names
      );
      runtimeEnv = builtins.mapAttrs (_: project: show (project.withPython pkgs.${py}).runtimeEnv) projects;
    };
  }) pythons
)

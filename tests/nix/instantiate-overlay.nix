# Instantiate every package an overlay defines, for several interpreters, on one
# system of the nixpkgs stand-in. Result: { <python> = { <name> = drvPath | "null" | "THROW"; }; projects = ...; }
{
  overlay,
  system,
  hostPython,
  pythons ? [
    "python311"
    "python312"
    "python313"
  ],
}:
let
  pkgs = import ../nixpkgs {
    inherit system hostPython;
    overlays = [ (import overlay) ];
  };
  extensions = pkgs.pythonPackagesExtensions;
  ours = builtins.elemAt extensions (builtins.length extensions - 1);
  # Attribute names of an attrset literal do not depend on the arguments.
  names = builtins.attrNames (ours { } { });
  instantiate =
    value:
    let
      tried = builtins.tryEval (if value == null then "null" else value.drvPath);
    in
    if tried.success then tried.value else "THROW";
  perPython =
    py:
    builtins.listToAttrs (
      map (name: {
        inherit name;
        value = instantiate pkgs.${py}.pkgs.${name};
      }) names
    );
  # Every argument name the overlay passed to buildPythonPackage (recorded by the stand-in).
  argumentNames =
    py:
    builtins.attrNames (
      builtins.foldl' (acc: name:
        let
          tried = builtins.tryEval pkgs.${py}.pkgs.${name};
          value = tried.value;
        in
        if tried.success && value != null && value ? lock2nixStandinArgs then
          acc // builtins.listToAttrs (map (n: { name = n; value = true; }) value.lock2nixStandinArgs)
        else
          acc
      ) { } names
    );
  projects = builtins.mapAttrs (
    _: project:
    builtins.mapAttrs (_: instantiate) {
      inherit (project) runtimeEnv devEnv;
    }
  ) (pkgs.lock2nixProjects or { });
in
builtins.listToAttrs (
  map (py: {
    name = py;
    value = perPython py;
  }) pythons
)
// {
  inherit projects;
  arguments = builtins.concatMap argumentNames pythons;
}

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
}

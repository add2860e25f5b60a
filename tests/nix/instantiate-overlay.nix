# Instantiate every package an overlay's lock defines, for several interpreters,
# on one system of the nixpkgs stand-in, through each project's own package set
# (lock2nixProjects.<p>.withPython). Result:
# { <python> = { <name> = drvPath | "null" | "THROW"; }; projects = ...; arguments = [ ... ]; }
{
  overlay,
  system,
  hostPython,
  pythons ? [
    "python310"
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
  projects = pkgs.lock2nixProjects or { };
  # Every project of a lock shares its package set; the first one reaches it.
  first = builtins.head (builtins.attrValues projects);
  names = first.lockedNames;
  instantiate =
    value:
    let
      tried = builtins.tryEval (if value == null then "null" else value.drvPath);
    in
    if tried.success then tried.value else "THROW";
  setFor = py: (first.withPython pkgs.${py}).python.pkgs;
  perPython =
    py:
    builtins.listToAttrs (
      map (name: {
        inherit name;
        value = instantiate (setFor py).${name};
      }) names
    );
  # Every argument name the overlay passed to buildPythonPackage (recorded by the stand-in).
  argumentNames =
    py:
    builtins.attrNames (
      builtins.foldl' (
        acc: name:
        let
          tried = builtins.tryEval (setFor py).${name};
          value = tried.value;
        in
        if tried.success && value != null && value ? lock2nixStandinArgs then
          acc
          // builtins.listToAttrs (
            map (n: {
              name = n;
              value = true;
            }) value.lock2nixStandinArgs
          )
        else
          acc
      ) { } names
    );
in
builtins.listToAttrs (
  map (py: {
    name = py;
    value = perPython py;
  }) pythons
)
// {
  projects = builtins.mapAttrs (
    _: project:
    builtins.mapAttrs (_: instantiate) (
      {
        inherit (project) runtimeEnv devEnv;
      }
      // (if project ? package then { inherit (project) package tests; } else { })
    )
  ) projects;
  arguments = builtins.concatMap argumentNames pythons;
}

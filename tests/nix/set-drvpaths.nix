# The drvPath of every derivation in one Python package set of the nixpkgs stand-in
# (the names the set has without any overlay, and the bootstrap packages), as it is
# with the given overlays: { <name> = drvPath | "null" | "THROW" | "missing" | "not a derivation"; }.
# Infinite recursion cannot be caught (builtins.tryEval does not); it aborts the evaluation.
{
  system,
  set,
  overlays ? [ ],
  hostPython ? null,
}:
let
  plain = import ../nixpkgs { inherit system; };
  pkgs = import ../nixpkgs {
    inherit system hostPython;
    overlays = map (o: if builtins.isFunction o then o else import o) overlays;
  };
  isDrv = x: builtins.isAttrs x && (x.type or null) == "derivation";
  show =
    from: name:
    let
      tried = builtins.tryEval (
        if !(from ? ${name}) then
          "missing"
        else if from.${name} == null then
          "null"
        else if isDrv from.${name} then
          from.${name}.drvPath
        else
          "not a derivation"
      );
    in
    if tried.success then tried.value else "THROW";
  drvNames = from: builtins.filter (n: isDrv from.${n}) (builtins.attrNames from);
  base = plain.${set};
  ours = pkgs.${set};
  top = builtins.listToAttrs (map (n: { name = n; value = show ours n; }) (drvNames base));
  bootstrap = builtins.listToAttrs (
    map (n: {
      name = "bootstrap.${n}";
      value = show (ours.bootstrap or { }) n;
    }) (drvNames base.bootstrap)
  );
in
top // bootstrap

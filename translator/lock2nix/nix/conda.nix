# lock2nix: conda environments (lock2nixEnvironments.<name>), carried by overlays
# translated from an environment.yml, a conda-lock.yml or an @EXPLICIT list.
# Only Nix 2.8 builtins.
#
# mkEnvironment takes what the environment file asks for and checks it against
# the nixpkgs it is evaluated with: the interpreter against the `python` spec,
# each package's version against its conda (or pip) spec, and that nixpkgs has
# the attribute at all. `check = "error"` throws on the first mismatch with a
# message naming the entry; `"warn"` traces a warning and goes on (a missing
# package is then left out). A locked form lists the Nix systems it was locked
# for; members that hold on some of them only carry their `systems`.
{ final }:
let
  b = builtins;

  # Components of a version; conda separates them with "_" too (R's 1.1_3).
  split = v: b.splitVersion (b.replaceStrings [ "_" ] [ "." ] v);
  # Version order: components compared in turn (numbers as numbers, as
  # builtins.compareVersions does), missing ones counting as "0", so 1.0 == 1.0.0.
  compare =
    x: y:
    let
      px = split x;
      py = split y;
      lx = b.length px;
      ly = b.length py;
      n = if lx > ly then lx else ly;
      part = p: l: i: if i < l then b.elemAt p i else "0";
      go =
        i:
        if i >= n then
          0
        else
          let
            c = b.compareVersions (part px lx i) (part py ly i);
          in
          if c != 0 then c else go (i + 1);
    in
    go 0;
  # The version starts with the components of `prefix` (conda's 1.2.*, =1.2).
  startsWith =
    version: prefix:
    let
      want = split prefix;
      have = split version;
      at = p: i: if i < b.length p then b.elemAt p i else "0";
    in
    b.all (i: b.compareVersions (at have i) (b.elemAt want i) == 0) (b.genList (i: i) (b.length want));
  # ~=1.2.3: >= 1.2.3 and starts with 1.2 (PEP 440 and conda alike).
  compatible =
    version: spec:
    let
      parts = b.filter b.isString (b.split "\\." spec);
      prefix = b.concatStringsSep "." (b.genList (b.elemAt parts) (b.length parts - 1));
    in
    compare version spec >= 0 && (b.length parts < 2 || startsWith version prefix);
  holds =
    version: requirement:
    let
      op = b.elemAt requirement 0;
      v = b.elemAt requirement 1;
    in
    if op == "==" then
      compare version v == 0
    else if op == "!=" then
      compare version v != 0
    else if op == "<" then
      compare version v < 0
    else if op == "<=" then
      compare version v <= 0
    else if op == ">" then
      compare version v > 0
    else if op == ">=" then
      compare version v >= 0
    else if op == "~=" then
      compatible version v
    else if op == "=*" then
      startsWith version v
    else if op == "!=*" then
      !(startsWith version v)
    else
      throw "lock2nix: unknown version operator ${op}";
  # A constraint: alternatives (any) of requirements (all); [ ] admits everything.
  satisfies =
    version: constraint: constraint == [ ] || b.any (alternative: b.all (holds version) alternative) constraint;

  # Apply the environment's check mode to one problem: throw, or trace and go on.
  complain =
    check: message: value:
    if check == "warn" then
      b.trace "lock2nix: warning: ${message}" value
    else
      throw "lock2nix: ${message}; set conda-versions = \"warn\" in lock2nix.toml (or use .override { check = \"warn\"; }) to build anyway";

  # The value of `attrs` at `path` (a list of names), or null.
  lookup =
    attrs: path:
    if path == [ ] then
      attrs
    else if attrs ? ${b.head path} then
      lookup attrs.${b.head path} (b.tail path)
    else
      null;
  lower = b.replaceStrings [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ] [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
  # rPackages names keep R's case and turn "." into "_" (conda lowercases both).
  rAttribute =
    name:
    let
      wanted = lower (b.replaceStrings [ "." ] [ "_" ] name);
      found = b.filter (n: lower n == wanted) (b.attrNames final.rPackages);
    in
    if final.rPackages ? ${name} then name else if found == [ ] then null else b.head found;

  versionOf = drv: drv.version or (if drv ? name then (b.parseDrvName drv.name).version else "");

  # One member found in nixpkgs and checked; null when missing and check = "warn".
  member =
    {
      check,
      where,
      label,
      value,
      spec ? null,
      constraint ? [ ],
    }:
    if value == null then
      complain check "${where}: nixpkgs has no ${label}${if spec == null then "" else " (for ${spec})"}" null
    else if satisfies (versionOf value) constraint then
      value
    else
      complain check "${where}: ${spec} is not satisfied by nixpkgs' ${label} ${versionOf value}" value;

  shellQuote = s: "'" + b.replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  mkEnvironment =
    args@{
      name,
      # "error" or "warn"
      check ? "error",
      # The interpreter: the `python` spec and the attributes tried, preferred first.
      pythonSpec ? null,
      pythonConstraint ? [ ],
      pythons,
      # Python members: { name; attribute; where; spec?; constraint?; extras?; locked? }.
      # Locked ones (pip pins built from the lock) are not version-checked.
      pythonPackages ? [ ],
      # Tools: { path = [ "attr" ... ]; where; spec?; constraint?; }.
      tools ? [ ],
      # R: r-base's spec (null: no r-base) and R packages { name; where; spec?; constraint?; }.
      r ? null,
      rPackages ? [ ],
      variables ? { },
      # Locked forms: the Nix systems the lock has entries for ([ ]: any system).
      systems ? [ ],
    }:
    let
      # The system whose entries are used: the one evaluated for, if locked for it.
      hostSystem = final.stdenv.hostPlatform.system;
      lockedSystem =
        if systems == [ ] || b.elem hostSystem systems then
          hostSystem
        else
          complain check "environment ${name} is locked for ${b.concatStringsSep ", " systems} only, not for ${hostSystem}${
            if check == "warn" then "; using the entries of ${b.head systems}" else ""
          }" (b.head systems);
      # Members for that system (those without `systems` hold on every system);
      # the system is checked first.
      here = members: b.seq lockedSystem (b.filter (m: !(m ? systems) || b.elem lockedSystem m.systems) members);
      candidates = b.filter (attr: final ? ${attr} && satisfies final.${attr}.version pythonConstraint) pythons;
      fallback = b.head (b.filter (attr: final ? ${attr}) pythons ++ [ "python3" ]);
      python =
        if candidates != [ ] then
          final.${b.head candidates}
        else
          complain check "environment ${name}: no Python interpreter in nixpkgs satisfies ${pythonSpec} (tried ${b.concatStringsSep ", " pythons})" final.${fallback};
      pythonMembers =
        ps:
        b.concatMap (
          p:
          let
            locked = ps.${p.attribute};
            value = if p.locked or false then locked else member {
              inherit check;
              inherit (p) where;
              label = "${python.libPrefix} package ${p.attribute}";
              value = lookup ps [ p.attribute ];
              spec = p.spec or null;
              constraint = p.constraint or [ ];
            };
          in
          if value == null then
            [ ]
          else
            [ value ] ++ b.concatMap (extra: value.optional-dependencies.${extra} or [ ]) (p.extras or [ ])
        ) (here pythonPackages);
      pythonEnv = python.withPackages (ps: b.filter (x: x != null) (pythonMembers ps));
      toolValues = b.concatMap (
        t:
        let
          value = member {
            inherit check;
            inherit (t) where;
            label = b.concatStringsSep "." t.path;
            value = lookup final t.path;
            spec = t.spec or null;
            constraint = t.constraint or [ ];
          };
        in
        if value == null then [ ] else [ value ]
      ) (here tools);
      rValues = b.concatMap (
        p:
        let
          attribute = rAttribute p.name;
          value = member {
            inherit check;
            inherit (p) where;
            label = "rPackages.${if attribute == null then p.name else attribute}";
            value = if attribute == null then null else final.rPackages.${attribute};
            spec = p.spec or null;
            constraint = p.constraint or [ ];
          };
        in
        if value == null then [ ] else [ value ]
      ) (here rPackages);
      rHere = r != null && here [ r ] != [ ];
      rSpec = if rHere then r else { };
      rBase = member {
        inherit check;
        where = rSpec.where or "r-base";
        label = "R";
        value = final.R or null;
        spec = rSpec.spec or null;
        constraint = rSpec.constraint or [ ];
      };
      rTools =
        if !rHere && here rPackages == [ ] then
          [ ]
        else if here rPackages == [ ] then
          b.filter (x: x != null) [ rBase ]
        else
          b.seq rBase [ (final.rWrapper.override { packages = rValues; }) ];
      allTools = toolValues ++ rTools;
      exports = b.concatStringsSep "\n" (
        b.attrValues (b.mapAttrs (k: v: "export ${k}=${shellQuote v}") variables)
      );
    in
    {
      inherit python pythonEnv;
      tools = allTools;
      env = final.buildEnv {
        name = "${name}-environment";
        paths = [ pythonEnv ] ++ allTools;
      };
      shell = final.mkShell {
        name = "${name}-shell";
        packages = [ pythonEnv ] ++ allTools;
        shellHook = exports;
      };
      # The same environment with other arguments, e.g. { check = "warn"; }.
      override = more: mkEnvironment (args // more);
    };
in
{
  inherit mkEnvironment satisfies;
}

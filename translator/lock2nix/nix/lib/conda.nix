# lock2nixEnvironments.<name>: a conda environment (environment.yml, a
# conda-lock.yml or an @EXPLICIT list). Exactly pinned Python packages are
# locked (`locked = true`: the lock's own set). The rest is checked against
# the nixpkgs it is evaluated with: the interpreter against the `python` spec,
# each package's version against its conda (or pip) spec, and that nixpkgs has
# the attribute at all. `check` (Python packages, default "error") throws on
# the first mismatch naming the entry; "warn" traces and goes on (a missing
# package is then left out); `toolCheck` (tools, R; default "warn") alike.
# Names in neither table (`either`) are the Python set's package if it has
# one, else the top-level attribute; those in neither are one error. A locked
# form lists its Nix systems; members for some of them carry `systems`.
{ lib, pep440, scope }:
let
  # A constraint: alternatives (any) of requirements (all); [ ] admits everything.
  satisfies =
    version: constraint: constraint == [ ] || builtins.any (builtins.all (pep440.holds version)) constraint;

  # Apply the check mode to one problem: throw, or trace and go on with `value`.
  complain =
    check: message: value:
    if check == "warn" then
      builtins.trace "lock2nix: warning: ${message}" value
    else
      throw "lock2nix: ${message}; set conda-versions = \"warn\" in lock2nix.toml (or use .override { check = \"warn\"; toolCheck = \"warn\"; }) to build anyway";

  versionOf = drv: drv.version or (if drv ? name then (builtins.parseDrvName drv.name).version else "");

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
      complain check "${where}: nixpkgs has no ${label}${lib.optionalString (spec != null) " (for ${spec})"}" null
    else if satisfies (versionOf value) constraint then
      value
    else
      complain check "${where}: ${spec} is not satisfied by nixpkgs' ${label} ${versionOf value}" value;

  # rPackages names keep R's case and turn "." into "_" (conda lowercases both).
  rAttribute =
    rPackages: name:
    let
      wanted = lib.toLower (builtins.replaceStrings [ "." ] [ "_" ] name);
      found = builtins.filter (n: lib.toLower n == wanted) (builtins.attrNames rPackages);
    in
    if rPackages ? ${name} then name else if found == [ ] then null else builtins.head found;

  shellQuote = s: "'" + builtins.replaceStrings [ "'" ] [ "'\\''" ] s + "'";

  # The environment's attribute set; `args` as the overlay writes them (see
  # the argument list), with `final` and `lockPython` (base interpreter ->
  # the one whose set holds the lock) added.
  mkEnvironment =
    args@{
      final,
      lockPython,
      name,
      # "error" or "warn": Python packages, and tools and R packages.
      check ? "error",
      toolCheck ? "warn",
      # The interpreter: the `python` spec and the attributes tried, preferred first.
      pythonSpec ? null,
      pythonConstraint ? [ ],
      pythons ? null,
      # Python members: { name; attribute; where; spec?; constraint?; extras?; locked? }.
      # Locked ones (built from the lock's own artifacts) are not version-checked.
      pythonPackages ? [ ],
      # Tools: { path = [ "attr" ... ]; where; spec?; constraint?; }.
      tools ? [ ],
      # Names in neither table: { name; attribute; path; where; spec?; constraint?; }.
      either ? [ ],
      # R: r-base's spec (null: no r-base) and R packages { name; where; spec?; constraint?; }.
      r ? null,
      rPackages ? [ ],
      variables ? { },
      # Locked forms: the Nix systems the lock has entries for ([ ]: any system).
      systems ? [ ],
    }:
    let
      hostSystem = final.stdenv.hostPlatform.system;
      lockedSystem =
        if systems == [ ] || builtins.elem hostSystem systems then
          hostSystem
        else
          complain check "environment ${name} is locked for ${builtins.concatStringsSep ", " systems} only, not for ${hostSystem}${
            lib.optionalString (check == "warn") "; using the entries of ${builtins.head systems}"
          }" (builtins.head systems);
      # Members for that system (those without `systems` hold on every system);
      # the system is checked first.
      here = members: builtins.seq lockedSystem (builtins.filter (m: !(m ? systems) || builtins.elem lockedSystem m.systems) members);
      chosen = builtins.tryEval (
        scope.choose {
          inherit final pythons;
          constraint = if pythonSpec == null then "any version" else pythonSpec;
          supports = python: satisfies python.version pythonConstraint;
          fits = _: true;
        }
      );
      python = lockPython (
        if chosen.success then
          final.${chosen.value}
        else
          complain check "environment ${name}: no Python interpreter in nixpkgs satisfies ${pythonSpec}" final.python3
      );
      # `either` members: the Python set's package, else the top-level one, else missing.
      decided = map (
        e:
        e
        // {
          found =
            if python.pkgs ? ${e.attribute} then
              "python"
            else if lib.attrByPath e.path null final != null then
              "tool"
            else
              null;
        }
      ) (here either);
      missing = builtins.filter (e: e.found == null) decided;
      eitherChecked =
        if missing == [ ] then
          true
        else
          complain check "environment ${name}: neither nixpkgs' ${python.libPrefix} package set nor its top level has ${
            builtins.concatStringsSep ", " (map (e: "${e.name} (${e.where})") missing)
          }" true;
      decidedAs = kind: builtins.seq eitherChecked (builtins.filter (e: e.found == kind) decided);
      pythonMembers =
        ps:
        builtins.concatMap (
          p:
          let
            value =
              if p.locked or false then
                ps.${p.attribute}
              else
                member {
                  inherit check;
                  inherit (p) where;
                  label = "${python.libPrefix} package ${p.attribute}";
                  value = ps.${p.attribute} or null;
                  spec = p.spec or null;
                  constraint = p.constraint or [ ];
                };
          in
          lib.optionals (value != null) (
            [ value ] ++ builtins.concatMap (extra: value.optional-dependencies.${extra} or [ ]) (p.extras or [ ])
          )
        ) (here pythonPackages ++ decidedAs "python");
      pythonEnv = python.withPackages (ps: builtins.filter (x: x != null) (pythonMembers ps));
      toolValues = map (
        t:
        member {
          check = toolCheck;
          inherit (t) where;
          label = builtins.concatStringsSep "." t.path;
          value = lib.attrByPath t.path null final;
          spec = t.spec or null;
          constraint = t.constraint or [ ];
        }
      ) (here tools ++ decidedAs "tool");
      rValues = map (
        p:
        let
          attribute = rAttribute final.rPackages p.name;
        in
        member {
          check = toolCheck;
          inherit (p) where;
          label = "rPackages.${if attribute == null then p.name else attribute}";
          value = if attribute == null then null else final.rPackages.${attribute};
          spec = p.spec or null;
          constraint = p.constraint or [ ];
        }
      ) (here rPackages);
      rHere = r != null && here [ r ] != [ ];
      rBase = member {
        check = toolCheck;
        where = if rHere then r.where else "r-base";
        label = "R";
        value = final.R or null;
        spec = if rHere then r.spec or null else null;
        constraint = if rHere then r.constraint or [ ] else [ ];
      };
      rTools =
        if here rPackages != [ ] then
          builtins.seq rBase [ (final.rWrapper.override { packages = builtins.filter (x: x != null) rValues; }) ]
        else
          lib.optionals rHere (builtins.filter (x: x != null) [ rBase ]);
      allTools = builtins.filter (x: x != null) toolValues ++ rTools;
      exports = builtins.concatStringsSep "\n" (lib.mapAttrsToList (k: v: "export ${k}=${shellQuote v}") variables);
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
  inherit satisfies mkEnvironment;
}

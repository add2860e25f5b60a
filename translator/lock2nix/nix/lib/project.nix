# lock2nixProjects.<name>: a project's interpreter (whose set holds the lock),
# its package, its tests, and its environments.
{ lib, scope }:
{
  # `spec`, as the overlay writes it:
  #   name         the project's attribute in the package set (absent: not a package)
  #   constraint   its requires-python, for messages
  #   supports     env: whether the project runs on an interpreter (markers env)
  #   pythons      interpreter attributes to try, preferred first (null: all)
  #   groups       { pyFinal, env }: { <group> = [ ... ]; } - the groups tests
  #                and devEnv add (a project that is no package lists its main
  #                group too)
  #   extras       { pyFinal, env }: { <extra> = [ ... ]; } (a project that is no package)
  #   testHook     the check hook its test groups call for (absent: none)
  project =
    {
      final,
      lockPython,
      lockedNames,
      spec,
    }:
    let
      name = spec.name or null;
      testHook = spec.testHook or null;
      forPython =
        base:
        let
          python = lockPython base;
          ps = python.pkgs;
          scope' = {
            pyFinal = ps;
            env = scope.environmentOf python;
          };
          groups = spec.groups scope';
          extras = if name == null then (spec.extras or (_: { })) scope' else ps.${name}.optional-dependencies or { };
          main = if name == null then groups.main or [ ] else [ ps.${name} ];
          others = builtins.removeAttrs groups [ "main" ];
          checkInputs = lib.concatLists (builtins.attrValues others) ++ lib.optional (testHook != null) ps.${testHook};
        in
        {
          inherit python;
          # Another interpreter of nixpkgs with the same lock (for a CI matrix).
          withPython = forPython;
          # The names the lock puts into python.pkgs.
          inherit lockedNames;
          # Runtime: the project and its main dependencies; nothing of its test groups.
          runtimeEnv = python.withPackages (_: main);
          # Development: every dependency group and extra as well.
          devEnv = python.withPackages (_: main ++ lib.concatLists (builtins.attrValues others ++ builtins.attrValues extras));
        }
        // lib.optionalAttrs (name != null) rec {
          package = ps.${name};
          # The project built again with its tests run against its test groups.
          tests = package.overridePythonAttrs {
            doCheck = true;
            nativeCheckInputs = checkInputs;
          };
        };
      pythonAttr = scope.choose {
        inherit final;
        inherit (spec) constraint;
        pythons = spec.pythons or null;
        supports = python: spec.supports (scope.environmentOf python);
        fits =
          base:
          let
            python = lockPython base;
            ps = python.pkgs;
          in
          scope.allFit ps (
            if name == null then
              (spec.groups {
                pyFinal = ps;
                env = scope.environmentOf python;
              }).main or [ ]
            else
              [ ps.${name} ]
          );
      };
    in
    forPython final.${pythonAttr};
}

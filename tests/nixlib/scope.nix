# nix/lib/scope.nix
{ library, fake, ... }:
let
  inherit (library) scope;
  py = pythonVersion: fake.python { inherit pythonVersion; };
  final = {
    python3 = py "3.12";
    python313 = py "3.13";
    python312 = py "3.12";
    python311 = py "3.11";
    # Removed interpreters are throwing aliases in nixpkgs.
    python39 = throw "python39 has been removed";
    python38 = py "3.8";
  };
  choose =
    args:
    scope.choose (
      {
        inherit final;
        constraint = ">=3.8";
        supports = _: true;
        fits = _: true;
      }
      // args
    );
  versionIn = versions: python: builtins.elem python.pythonVersion versions;
in
[
  { name = "python3 first"; expr = choose { }; expected = "python3"; }
  {
    name = "then the newest that supports the project";
    expr = choose { supports = versionIn [ "3.11" "3.13" ]; };
    expected = "python313";
  }
  {
    name = "a throwing alias is skipped";
    expr = choose { supports = versionIn [ "3.8" "3.9" ]; };
    expected = "python38";
  }
  {
    name = "an interpreter every runtime package fits is preferred";
    expr = choose { fits = versionIn [ "3.11" ]; };
    expected = "python311";
  }
  {
    name = "when none fits, the first that supports the project";
    expr = choose { fits = _: false; };
    expected = "python3";
  }
  {
    name = "pythons wins";
    expr = choose { pythons = [ "python311" "python313" ]; };
    expected = "python311";
  }
  {
    name = "none supports the project: an error";
    expr = (builtins.tryEval (choose { supports = _: false; })).success;
    expected = false;
  }
  {
    name = "the global extension leaves out what the machinery takes";
    expr = builtins.attrNames (
      scope.globalExtension (_: _: {
        wheel = 1;
        requests = 2;
        pytest = 3;
      }) { } { }
    );
    expected = [ "requests" ];
  }
  {
    name = "the machinery covers every hook that takes a package from the set";
    expr = builtins.all (h: builtins.elem h scope.machinery) [
      "wheelUnpackHook"
      "pypaBuildHook"
      "pypaInstallHook"
      "pythonRuntimeDepsCheckHook"
      "setuptoolsBuildHook"
      "pythonRelaxDepsHook"
      "bootstrap"
    ];
    expected = true;
  }
]

# nix/lib/project.nix
{ library, fake, ... }:
let
  # An interpreter whose set has the project, a test group and the check hook;
  # withPackages returns the package list it was given.
  lockPython =
    base:
    base
    // rec {
      pkgs = {
        app = {
          pname = "app";
          optional-dependencies.cli = [ "click" ];
          overridePythonAttrs = more: pkgs.app // { overridden = more; };
        };
        pytest = "pytest";
        pytestCheckHook = "pytestCheckHook";
        requiredPythonModules = modules: modules;
      };
      withPackages = f: f pkgs;
    };
  final = {
    python3 = fake.python { };
    python311 = fake.python { pythonVersion = "3.11"; };
  };
  project =
    spec:
    library.project.project {
      inherit final lockPython;
      lockedNames = [ "app" ];
      spec = {
        name = "app";
        constraint = ">=3.11";
        supports = _: true;
        groups = { pyFinal, ... }: { test = [ pyFinal.pytest ]; };
        testHook = "pytestCheckHook";
      }
      // spec;
    };
in
[
  {
    name = "runtime: the project alone";
    expr = map (p: p.pname or p) (project { }).runtimeEnv;
    expected = [ "app" ];
  }
  {
    name = "development: every group and extra";
    expr = map (p: p.pname or p) (project { }).devEnv;
    expected = [
      "app"
      "pytest"
      "click"
    ];
  }
  {
    name = "tests: the package again, with its test groups and the check hook";
    expr = (project { }).tests.overridden;
    expected = {
      doCheck = true;
      nativeCheckInputs = [
        "pytest"
        "pytestCheckHook"
      ];
    };
  }
  {
    name = "the interpreter the project supports";
    expr = (project { supports = env: env.python_version == "3.11"; }).python.pythonVersion;
    expected = "3.11";
  }
  {
    name = "a project that is no package: its main group, no package or tests";
    expr =
      let
        p = project {
          name = null;
          groups = { pyFinal, ... }: { main = [ pyFinal.pytest ]; };
        };
      in
      {
        runtime = p.runtimeEnv;
        hasPackage = p ? package || p ? tests;
      };
    expected = {
      runtime = [ "pytest" ];
      hasPackage = false;
    };
  }
]

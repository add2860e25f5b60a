# Where the locked packages live. By default in the project's own package set:
# an interpreter made with `python.override { self; packageOverrides; }` whose
# set is nixpkgs' plus the lock, so nixpkgs' own sets keep their derivations.
# With `scope = "global"` they also enter every interpreter's set through
# pythonPackagesExtensions, except the names nixpkgs' build machinery takes
# from the set.
{ lib, markers }:
let
  # What nixpkgs' generic builder takes from the package set it builds in, and
  # so from a set that holds the lock: the hooks that propagate or run `wheel`,
  # `build`, `installer`, `packaging`, `setuptools` or `pip`
  # (pkgs/development/interpreters/python/hooks/default.nix), and `bootstrap`,
  # whose packages are built from the set's own `build`, `packaging`,
  # `pyproject-hooks`, `tomli`, `flit-core` and `installer` sources
  # (pkgs/development/python-modules/bootstrap). A locked `wheel` installed from
  # its wheel would otherwise need itself (wheelUnpackHook -> wheel).
  machinery = [
    "bootstrap"
    "eggInstallHook"
    "pipBuildHook"
    "pipInstallHook"
    "pypaBuildHook"
    "pypaInstallHook"
    "pythonRelaxDepsHook"
    "pythonRuntimeDepsCheckHook"
    "setuptoolsBuildHook"
    "wheelUnpackHook"
  ];

  # Names never replaced in nixpkgs' global sets, with why: the machinery above
  # takes them from the set (or builds bootstrap copies from their sources), and
  # pytestCheckHook propagates pytest with what it needs at run time. Replacing
  # one would change the hooks, and so every package nixpkgs builds.
  protected = {
    build = "pypaBuildHook runs it";
    exceptiongroup = "pytest needs it (pytestCheckHook)";
    flit-core = "bootstrap packages are built with it";
    iniconfig = "pytest needs it (pytestCheckHook)";
    installer = "pypaInstallHook propagates it";
    packaging = "pythonRuntimeDepsCheckHook propagates it";
    pip = "pipBuildHook and pipInstallHook propagate it";
    pluggy = "pytest needs it (pytestCheckHook)";
    pygments = "pytest needs it (pytestCheckHook)";
    pyproject-hooks = "bootstrap build is built from its source";
    pytest = "pytestCheckHook propagates it";
    setuptools = "setuptoolsBuildHook propagates it";
    tomli = "bootstrap build is built from its source";
    typing-extensions = "pytest needs it (pytestCheckHook, through exceptiongroup)";
    wheel = "wheelUnpackHook, pypaBuildHook and setuptoolsBuildHook propagate it";
  };

  # Interpreter attributes nixpkgs may have, newest first (python399 ... python30).
  versionedNames = lib.reverseList (builtins.genList (minor: "python3${toString minor}") 100);
in
{
  inherit machinery protected;

  # `base` (an interpreter of nixpkgs) with `packages` (pyFinal: pyPrev: { ... })
  # in its own package set; the build machinery stays base's own. `extensions`
  # (nixpkgs' lock2nixPackagesExtensions, which later overlays extend) come last.
  lockPython =
    extensions: packages: base:
    let
      fromBase = _: _: builtins.intersectAttrs (lib.genAttrs machinery (_: null)) base.pkgs;
      python = base.override (old: {
        self = python;
        packageOverrides = lib.composeManyExtensions (
          [
            (old.packageOverrides or (_: _: { }))
            packages
            fromBase
          ]
          ++ extensions
        );
      });
    in
    python;

  # The extension for every global set: the lock without the protected names.
  globalExtension = packages: pyFinal: pyPrev: builtins.removeAttrs (packages pyFinal pyPrev) (builtins.attrNames protected);

  # The attribute name of the interpreter for a project or environment.
  # `supports python` says whether it may run the project, `fits python`
  # whether every runtime package has an artifact for it. Candidates are
  # `pythons` when given, else python3 and then every python3XY nixpkgs has that
  # evaluates (removed ones are throwing aliases), newest first. The first that
  # supports the project and fits wins; else the first that supports it.
  choose =
    {
      final,
      supports,
      fits,
      pythons ? null,
      constraint,
    }:
    let
      names = if pythons != null then pythons else [ "python3" ] ++ builtins.filter (name: final ? ${name}) versionedNames;
      evaluates =
        name:
        let
          tried = builtins.tryEval (final.${name}.pythonVersion or null);
        in
        tried.success && builtins.isString tried.value;
      supported = builtins.filter (name: final ? ${name} && evaluates name && supports final.${name}) names;
      fitting = builtins.filter (name: fits final.${name}) supported;
    in
    if fitting != [ ] then
      builtins.head fitting
    else if supported != [ ] then
      builtins.head supported
    else
      throw "lock2nix: no Python interpreter in nixpkgs satisfies ${constraint} (tried ${builtins.concatStringsSep ", " names})";

  # Whether every package in `modules` and what they need at run time installs
  # here: no locked package without a fitting artifact, none that throws.
  allFit =
    set: modules:
    let
      tried = builtins.tryEval (
        builtins.all (m: m == null || m.lock2nixFits or true) (set.requiredPythonModules modules)
      );
    in
    tried.success && tried.value;

  # The marker environment `supports` conditions are evaluated against.
  environmentOf = markers.environment;
}

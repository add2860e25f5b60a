# CPython interpreters and their package sets (fact sheet sections 1, 2, 5b, 7.1;
# nixpkgs' cpython/default.nix, passthrufun.nix and python-packages-base.nix).
#
# Every interpreter is a derivation. Only the one whose version equals the host
# interpreter's (`hostPython`) can be built: its output is a virtual environment
# (no packages) over the host interpreter, so `${python}/bin/python3.11` is a real,
# clean interpreter. The others instantiate fine; building them fails with a
# message from ../builder.py.
#
# `interpreters` are the ones this nixpkgs has; `removedInterpreters` are aliases
# that throw, as nixpkgs keeps them (`pkgs ? python39` is true, forcing it aborts).
{
  lib,
  final,
  hostPython,
  interpreters,
  removedInterpreters,
  wheelRuntimeDepsCheck,
}:
let
  b = builtins;
  inherit (final) stdenv;
  pep440 = import ./pep440.nix { inherit lib; };
  accepted = import ./accepted-args.nix;

  builderFor =
    mode:
    if hostPython == null then
      {
        builder = "/bin/sh";
        PATH = "/usr/bin:/bin";
        args = [
          "-c"
          "echo 'lock2nix nixpkgs stand-in: this derivation (${mode}) needs a real build, but the stand-in was imported without `hostPython` (an absolute path to a CPython 3.11 that can import installer and build).' >&2; exit 1"
        ];
      }
    else
      {
        builder = hostPython;
        args = [
          ../builder.py
          mode
        ];
        # Nix starts the builder with argv[0] = its base name; CPython finds
        # sys.executable through PATH, so the interpreter's directory comes first.
        PATH = "${dirOf hostPython}:/usr/local/bin:/usr/bin:/bin";
      };

  hasPythonModule = drv: drv ? pythonModule && drv.pythonModule != null;

  # nixpkgs python-packages-base.nix requiredPythonModules: the interpreter, the
  # Python modules among drvs, and their requiredPythonModules, without duplicates.
  requiredPythonModulesFor =
    python: drvs:
    let
      modules = b.filter (x: x != null && lib.isDerivation x && hasPythonModule x) drvs;
      item = m: {
        key = m.outPath;
        inherit m;
      };
      closure = b.genericClosure {
        startSet = map item ([ python ] ++ modules);
        operator = i: map item (b.filter (x: x != null) (i.m.requiredPythonModules or [ ]));
      };
    in
    map (i: i.m) closure;

  # passthrufun ensurePythonModules: every derivation in a Python set is a Python
  # module, a setup hook, or stdenv; otherwise using it throws.
  ensurePythonModules =
    set:
    b.mapAttrs (
      name: value:
      if lib.isDerivation value && !(hasPythonModule value || (value.provides.setupHook or false)) then
        let
          msg = "${name} should use `buildPythonPackage` or `toPythonModule` if it is to be part of the Python packages set.";
        in
        value
        // {
          drvPath = throw msg;
          outPath = throw msg;
        }
      else
        value
    ) set;

  # passthrufun + python-packages-base: the set of interpreter `python` (the `self`
  # an interpreter was made with). Layers, lowest first: base helpers, hooks, the
  # packages, every pythonPackagesExtensions entry in order, packageOverrides.
  mkPythonSet =
    python: packageOverrides: scopeExtensions:
    let
      requiredPythonModules = requiredPythonModulesFor python;
      toPythonModule =
        drv:
        if hasPythonModule drv then
          drv
        else
          let
            props = drv.propagatedBuildInputs or [ ];
            extra = {
              pythonModule = python;
              requiredPythonModules = requiredPythonModules (if b.isList props then props else [ ]);
            };
          in
          if drv ? overrideAttrs && !(drv ? overridePythonAttrs) then
            drv.overrideAttrs (old: { passthru = (old.passthru or { }) // extra; })
          else
            drv // extra;
      toPythonApplication = drv: b.removeAttrs drv [ "pythonModule" "requiredPythonModules" ];

      internals = isApplication: {
        inherit pep440 accepted builderFor requiredPythonModules isApplication wheelRuntimeDepsCheck;
      };

      base = self: {
        inherit lib stdenv requiredPythonModules toPythonModule toPythonApplication hasPythonModule;
        inherit (python) isPy3k isPyPy pythonAtLeast pythonOlder;
        pkgs = final;
        python = toPythonModule python;
        pythonPackages = self;
        # The generic builder through the set's own callPackage: its hooks are the
        # final set's (including pythonPackagesExtensions and packageOverrides), and
        # `buildPythonPackage.override { ... }` works as in nixpkgs.
        buildPythonPackage = self.callPackage ./mk-python-derivation.nix {
          namePrefix = python.libPrefix + "-";
          standinInternals = internals false;
        };
        buildPythonApplication = self.callPackage ./mk-python-derivation.nix {
          namePrefix = "";
          standinInternals = internals true;
        };
        # The scope's callPackage looks in the Python set first, then in pkgs.
        callPackage = lib.callPackageWith (final // self);
        newScope = extra: lib.callPackageWith (final // self // extra);
        overrideScope = g: mkPythonSet python packageOverrides (scopeExtensions ++ [ g ]);
        fetchPypi = final.fetchPypi;
        disabled = drv: throw "${drv.pname or drv.name} not supported for interpreter ${python.executable}";
        disabledIf = x: drv: if x then throw "${drv.pname or drv.name} not supported for interpreter ${python.executable}" else drv;
      };

      layers =
        [
          (import ./hooks.nix { inherit lib stdenv; })
          (import ./unmodelled.nix { inherit lib stdenv python; })
          (import ./packages.nix {
            inherit lib builderFor;
            inherit (final) fetchurl;
          })
        ]
        ++ final.pythonPackagesExtensions
        ++ [ packageOverrides ]
        ++ scopeExtensions;
    in
    ensurePythonModules (lib.fix (lib.extends (lib.composeManyExtensions layers) base));

  # python.buildEnv / withPackages (wrapper.nix): arguments as nixpkgs, no others.
  mkBuildEnv =
    python:
    let
      env =
        args@{
          extraLibs ? [ ],
          extraOutputsToInstall ? [ ],
          postBuild ? "",
          ignoreCollisions ? false,
          permitUserSite ? false,
          makeWrapperArgs ? [ ],
        }:
        let
          paths = b.filter (m: m.outPath != python.outPath) (
            requiredPythonModulesFor python (extraLibs ++ [ python ])
          );
          bld = builderFor "env";
          drv = derivation {
            name = "${python.name}-env";
            inherit (stdenv) system;
            inherit (bld) builder args PATH;
            standinConfig = b.toJSON {
              mode = "env";
              python = {
                inherit (python) pythonVersion libPrefix sitePackages executable;
                path = "${python}";
              };
              paths = map (p: "${p}") paths;
              inherit postBuild ignoreCollisions permitUserSite makeWrapperArgs;
            };
            passAsFile = [ "standinConfig" ];
          };
        in
        drv
        // {
          inherit python extraLibs;
          override = newArgs: env (args // (if b.isFunction newArgs then newArgs args else newArgs));
          overrideAttrs = f: throw "lock2nix nixpkgs stand-in: overrideAttrs on a python env is not modelled";
          env = throw "lock2nix nixpkgs stand-in: `env` (interactive shell) of a python env is not modelled";
        };
    in
    env;

  # cpython/default.nix: `python.override { self; packageOverrides; ... }` gives an
  # interpreter with the same derivation whose `.pkgs` is the base layers +
  # pythonPackagesExtensions + packageOverrides. The set's `python` (and so every
  # module's pythonModule, the hooks' pythonOnBuildForHost, buildEnv's interpreter)
  # is `self`: bind it to the new interpreter, as the manual does. For a native
  # build pythonOnBuildForHost is this interpreter itself, with the same overrides
  # (nixpkgs re-applies the same inputs to pkgsBuildHost.${pythonAttr}).
  mkInterpreter =
    iargs@{
      sourceVersion,
      pythonAttr,
      packageOverrides ? (self: super: { }),
      self ? null,
    }:
    let
      inherit (sourceVersion) major minor patch suffix;
      pythonVersion = "${major}.${minor}";
      version = "${pythonVersion}.${patch}${suffix}";
      libPrefix = "python${pythonVersion}";
      bld = builderFor "interpreter";
      drv = derivation {
        name = "python3-${version}";
        pname = "python3";
        inherit version;
        inherit (stdenv) system;
        inherit (bld) builder args PATH;
        standinConfig = b.toJSON {
          mode = "interpreter";
          inherit pythonVersion version libPrefix;
        };
        passAsFile = [ "standinConfig" ];
      };
      isPy = v: pythonVersion == v;
      python = drv // passthru;
      selfPython = if self == null then python else self;
      passthru = {
        inherit pythonVersion version sourceVersion libPrefix pythonAttr;
        executable = libPrefix;
        sitePackages = "lib/${libPrefix}/site-packages";
        interpreter = "${drv}/bin/${libPrefix}";
        implementation = "cpython";
        isPy2 = false;
        isPy27 = false;
        isPy3 = true;
        isPy3k = true;
        isPyPy = false;
        isPy36 = isPy "3.6";
        isPy37 = isPy "3.7";
        isPy38 = isPy "3.8";
        isPy39 = isPy "3.9";
        isPy310 = isPy "3.10";
        isPy311 = isPy "3.11";
        isPy312 = isPy "3.12";
        isPy313 = isPy "3.13";
        isPy314 = isPy "3.14";
        pythonAtLeast = lib.versionAtLeast pythonVersion;
        pythonOlder = lib.versionOlder pythonVersion;
        pythonABITags = [ "abi3" "none" "cp${major}${minor}" ];
        inherit stdenv;
        pkgs = mkPythonSet selfPython packageOverrides [ ];
        withPackages = f: (mkBuildEnv selfPython) { extraLibs = f python.pkgs; };
        buildEnv = (mkBuildEnv selfPython) { };
        pythonOnBuildForHost = python;
        pythonForBuild = python;
        override = newArgs: mkInterpreter (iargs // (if b.isFunction newArgs then newArgs iargs else newArgs));
        meta = {
          platforms = lib.platforms.all;
          mainProgram = "python3";
          description = "CPython ${version} (lock2nix nixpkgs stand-in)";
        };
      };
    in
    python;

  v = major: minor: patch: {
    inherit major minor patch;
    suffix = "";
  };

  # Every interpreter the stand-in knows, with nixpkgs-25.05-era patch levels.
  known = {
    python36 = v "3" "6" "15";
    python37 = v "3" "7" "17";
    python38 = v "3" "8" "20";
    python39 = v "3" "9" "21";
    python310 = v "3" "10" "16";
    python311 = v "3" "11" "11";
    python312 = v "3" "12" "8";
    python313 = v "3" "13" "1";
    python314 = v "3" "14" "0";
  };
  knownNames = b.attrNames known;
  checkNames =
    what: names:
    b.isList names && b.all (n: b.elem n knownNames) names
    || throw "lock2nix nixpkgs stand-in: `${what}` must be a list of ${lib.concatStringsSep ", " knownNames}";
  overlap = b.filter (n: b.elem n removedInterpreters) interpreters;
  checked =
    checkNames "interpreters" interpreters
    && checkNames "removedInterpreters" removedInterpreters
    && (overlap == [ ] || throw "lock2nix nixpkgs stand-in: ${lib.concatStringsSep ", " overlap} both in `interpreters` and `removedInterpreters`");

  real = lib.concatMap (attr: [
    {
      name = attr;
      value = mkInterpreter {
        sourceVersion = known.${attr};
        pythonAttr = attr;
        self = final.${attr};
      };
    }
    {
      name = "${attr}Packages";
      value = final.${attr}.pkgs;
    }
  ]) interpreters;
  removed = lib.concatMap (
    attr:
    let
      msg = "${attr} has been removed from nixpkgs: it reached its end of life (lock2nix nixpkgs stand-in, removedInterpreters)";
    in
    [
      {
        name = attr;
        value = throw msg;
      }
      {
        name = "${attr}Packages";
        value = throw msg;
      }
    ]
  ) removedInterpreters;
in
b.seq checked (b.listToAttrs (real ++ removed))

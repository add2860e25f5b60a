# buildPythonPackage / buildPythonApplication of the stand-in: nixpkgs'
# mk-python-derivation.nix (M25, faukah/nixpkgs@3b20077c), called with the Python
# set's own `callPackage`, so the hooks it adds are the FINAL set's (fact sheet 5b).
#
# Hooks added, as nixpkgs' generic builder adds them:
#   * always: python, wrapPython, ensureNewerSourcesForZipFilesHook,
#     pythonRemoveTestsDirHook, pythonImportsCheckHook, pythonNamespacesHook;
#   * pythonCatchConflictsHook when catchConflicts, except for bootstrap packages
#     and setuptools / wheel; pythonRelaxDepsHook when `pythonRelaxDeps` or
#     `pythonRemoveDeps` is given; pythonRemoveBinBytecodeHook unless
#     removeBinBytecode = false; unzip for a src named *zip;
#   * by format: setuptools -> setuptoolsBuildHook; pyproject -> pypaBuildHook +
#     pythonRuntimeDepsCheckHook; wheel -> wheelUnpackHook (and, with the stand-in
#     argument wheelRuntimeDepsCheck, the runtime-deps check as nixpkgs master
#     does); egg -> the egg hooks; every format but other -> pypaInstallHook;
#     pyproject/setuptools/wheel -> pythonOutputDistHook;
#   * bootstrap exceptions by `pname`: flit-core and installer get pypaInstallHook
#     with pythonOnBuildForHost.pkgs.bootstrap.installer; those two plus build,
#     packaging, pyproject-hooks, wheel (and tomli below 3.11) get pypaBuildHook with
#     the bootstrap `build` and no `wheel`, and the runtime-deps check with the
#     bootstrap `packaging`.
# Tests run in the install-check phase (doInstallCheck = doCheck); the check inputs
# (nativeCheckInputs, checkInputs, what their hooks propagate) and the test options
# are part of the derivation only when doCheck is true, and are not even evaluated
# otherwise (stdenv adds install-check inputs only when doInstallCheck).
#
# Rules enforced when the call is evaluated (the result is forced):
#   * argument names must be in acceptedBuildPythonPackageArgs (./accepted-args.nix);
#   * `pname` and a PEP 440 `version` are required;
#   * exactly one of `format` / `pyproject` (25.11 behaviour: none is an error);
#   * `format = "wheel"` needs a `src` whose store name is a wheel file name;
#   * list arguments must be lists, `env` values strings/bools/ints/derivations.
# Rules enforced when the derivation itself is needed (drvPath/outPath forced),
# as nixpkgs does them inside the derivation's attributes:
#   * every element of a list argument is a derivation or null;
#   * "Python version mismatch" for modules of another interpreter;
#   * `disabled = true`;
#   * pythonCatchConflictsHook: one distribution twice in the runtime closure;
#   * enabledTests / enabledTestPaths / enabledTestMarks must not be [ ] (when doCheck).
{
  lib,
  stdenv,
  python,
  wrapPython,
  unzip,
  ensureNewerSourcesForZipFilesHook,
  namePrefix,
  setuptools,
  pypaBuildHook,
  pypaInstallHook,
  pythonCatchConflictsHook,
  pythonImportsCheckHook,
  pythonNamespacesHook,
  pythonOutputDistHook,
  pythonRelaxDepsHook,
  pythonRemoveBinBytecodeHook,
  pythonRemoveTestsDirHook,
  pythonRuntimeDepsCheckHook,
  setuptoolsBuildHook,
  wheelUnpackHook,
  eggUnpackHook,
  eggBuildHook,
  eggInstallHook,
  # stand-in internals, passed by ./default.nix
  standinInternals,
}:
let
  b = builtins;
  inherit (standinInternals) pep440 accepted builderFor requiredPythonModules isApplication wheelRuntimeDepsCheck;
  acceptedArgs = accepted.acceptedBuildPythonPackageArgs;
  stand = "buildPythonPackage (lock2nix nixpkgs stand-in)";

  listArgs = [
    "dependencies"
    "build-system"
    "nativeBuildInputs"
    "buildInputs"
    "propagatedBuildInputs"
    "nativeCheckInputs"
    "checkInputs"
    "pythonPath"
  ];
  # Arguments that are plain data for the builder (strings, bools, ints, lists of
  # strings or paths): everything accepted that is not handled specially.
  specialArgs = listArgs ++ [
    "pname"
    "version"
    "name"
    "format"
    "pyproject"
    "src"
    "srcs"
    "patches"
    "optional-dependencies"
    "disabled"
    "meta"
    "passthru"
    "env"
    "stdenv"
    "outputs"
    "doCheck"
    "catchConflicts"
  ];
  checkListArgs = [ "nativeCheckInputs" "checkInputs" ];
  # Passed to the derivation only when doCheck (M25 getOptionalAttrs under doCheck).
  testArgs = [
    "disabledTestMarks"
    "disabledTestPaths"
    "disabledTests"
    "pytestFlags"
    "pytestFlagsArray"
    "unittestFlags"
    "unittestFlagsArray"
  ];
  enabledTestArgs = [ "enabledTestMarks" "enabledTestPaths" "enabledTests" ];

  isBootstrapInstallPackage' = n: b.elem n [ "flit-core" "installer" ];
  isBootstrapPackage' =
    n: b.elem n ([ "build" "packaging" "pyproject-hooks" "wheel" ] ++ lib.optionals (python.pythonOlder "3.11") [ "tomli" ]);
  isSetuptoolsDependency' = n: b.elem n [ "setuptools" "wheel" ];

  # dont* switches are shell variables in nixpkgs: unset/""/false mean off.
  truthy = v: v == true || (b.isString v && v != "") || (b.isInt v && v != 0);

  formats = [ "pyproject" "setuptools" "wheel" "egg" "other" ];

  describe =
    v:
    if v == null then "null"
    else if b.isAttrs v then (if v ? outPath then "an attribute set with outPath that is not a derivation" else "an attribute set (not a derivation)")
    else if b.isString v then "the string \"${v}\""
    else if b.isPath v then "the path ${toString v}"
    else if b.isList v then "a nested list"
    else if b.isFunction v then "a function"
    else b.typeOf v;

  srcStoreName =
    s:
    if lib.isDerivation s then s.name
    else if b.isPath s then baseNameOf s
    else if b.isString s then
      (let
        base = baseNameOf s;
        m = b.match "[0-9a-df-np-sv-z]{32}-(.*)" base;
      in
      if m != null && lib.hasPrefix b.storeDir s then b.head m else base)
    else if b.isAttrs s && s ? outPath then srcStoreName s.outPath
    else throw "${stand}: `src` is ${describe s}";

  normName = pep440.normalizeName;
  moduleName =
    m: normName (m.pname or (b.parseDrvName (lib.removePrefix "${m.pythonModule.libPrefix or ""}-" m.name)).name);
  isInterpreter = m: m ? pythonVersion && m ? interpreter && m ? sitePackages;

  build =
    args:
    let
      nameForMsg = args.name or "${args.pname or "<no pname>"}-${args.version or "<no version>"}";

      # ---- checks done as soon as the result is forced ---------------------
      unknown = b.filter (n: !(b.elem n acceptedArgs)) (b.attrNames args);
      checkUnknown =
        if unknown == [ ] then true
        else
          throw "${stand}: `${nameForMsg}` was called with unknown argument(s) ${lib.concatMapStringsSep ", " (n: "`${n}`") unknown}. nixpkgs' buildPythonPackage does not know them (accepted names: lock2nixStandin.acceptedBuildPythonPackageArgs).";

      pname =
        if !(args ? pname) then throw "${stand}: `pname` is required (in `${nameForMsg}`)"
        else if !(b.isString args.pname) || args.pname == "" then throw "${stand}: `pname` must be a non-empty string (in `${nameForMsg}`)"
        else args.pname;
      version =
        if !(args ? version) then throw "${stand}: `version` is required (in `${pname}`)"
        else if !(b.isString args.version) then throw "${stand}: `version` of `${pname}` must be a string, got ${describe args.version}"
        else if !(pep440.isValidVersion args.version) then
          throw "${stand}: `${pname}` has version \"${args.version}\", which is not a valid PEP 440 version"
        else args.version;
      name = namePrefix + (args.name or "${pname}-${version}");

      format =
        let
          pyproject = args.pyproject or null;
          fmt = args.format or null;
        in
        if pyproject != null && fmt != null then
          throw "${stand}: `${name}` sets both `pyproject` and `format`; they are mutually exclusive (set exactly one: `pyproject = true;` or `format = \"wheel\";`)"
        else if pyproject != null then
          (if b.isBool pyproject then (if pyproject then "pyproject" else "other")
           else throw "${stand}: `pyproject` of `${name}` must be a boolean, got ${describe pyproject}")
        else if fmt != null then
          (if b.elem fmt formats then fmt
           else throw "${stand}: `${name}` has unsupported format \"${toString fmt}\" (one of ${lib.concatStringsSep ", " formats})")
        else
          throw "${name} does not configure a `format`. To build with setuptools as before, set `pyproject = true` and `build-system = [ setuptools ]`.";

      src = args.src or null;
      checkWheelSrc =
        if format != "wheel" then true
        else if src == null then throw "${stand}: `${name}` has format = \"wheel\" but no `src`"
        else
          let
            n = srcStoreName src;
          in
          if !(lib.hasSuffix ".whl" n) then
            throw "${stand}: `${name}` has format = \"wheel\" but its src `${n}` is not a .whl file (the store name must be the wheel file name; set fetchurl's `name`)"
          else if pep440.parseWheelName n == null then
            throw "${stand}: `${name}` has format = \"wheel\" but `${n}` is not a valid wheel file name ({distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl)"
          else true;

      doCheck = args.doCheck or true;
      checkedLists = if doCheck then listArgs else lib.subtractLists checkListArgs listArgs;
      checkListShapes = b.all (
        n:
        !(args ? ${n}) || b.isList args.${n}
        || throw "${stand}: `${n}` of `${name}` must be a list, got ${describe args.${n}}"
      ) checkedLists;
      checkOptDeps =
        !(args ? "optional-dependencies")
        || (b.isAttrs args.optional-dependencies && b.all (e: b.isList args.optional-dependencies.${e}) (b.attrNames args.optional-dependencies))
        || throw "${stand}: `optional-dependencies` of `${name}` must be an attribute set of lists";
      envArgs = args.env or { };
      checkEnv =
        (b.isAttrs envArgs || throw "${stand}: `env` of `${name}` must be an attribute set")
        && b.all (
          n:
          let v = envArgs.${n}; in
          b.isString v || b.isBool v || b.isInt v || lib.isDerivation v || b.isPath v
          || throw "The `env` attribute set can only contain derivation, string, boolean or integer attributes. The `${n}` attribute of `${name}` is ${describe v}."
        ) (b.attrNames envArgs);
      checkFunctionStyle = true;

      eagerOk =
        checkUnknown && b.isString pname && b.isString version && b.isString format
        && checkWheelSrc && checkListShapes && checkOptDeps && checkEnv && checkFunctionStyle;

      # ---- inputs -----------------------------------------------------------
      rawList = n: args.${n} or [ ];
      dropNulls = b.filter (x: x != null);
      L = n: dropNulls (rawList n);
      dependencies = L "dependencies";
      buildSystem = L "build-system";
      nativeBuildInputs = L "nativeBuildInputs";
      buildInputs = L "buildInputs";
      propagatedBuildInputs = L "propagatedBuildInputs";
      # stdenv: install-check inputs only when doInstallCheck (= doCheck).
      nativeCheckInputs = if doCheck then L "nativeCheckInputs" else [ ];
      checkInputs = if doCheck then L "checkInputs" else [ ];
      pythonPath = L "pythonPath";

      # ---- the hooks the generic builder adds ------------------------------
      isBootstrapInstallPackage = isBootstrapInstallPackage' pname;
      isBootstrapPackage = isBootstrapInstallPackage || isBootstrapPackage' pname;
      isSetuptoolsDependency = isSetuptoolsDependency' pname;
      bootstrap = python.pythonOnBuildForHost.pkgs.bootstrap;
      runtimeDepsCheckHook =
        if isBootstrapPackage then
          pythonRuntimeDepsCheckHook.override { inherit (bootstrap) packaging; }
        else
          pythonRuntimeDepsCheckHook;
      hostIsBuild = stdenv.hostPlatform.system == stdenv.buildPlatform.system;
      catchConflicts =
        (args.catchConflicts or hostIsBuild) && !isBootstrapPackage && !isSetuptoolsDependency;
      withDistOutput = b.elem format [ "pyproject" "setuptools" "wheel" ];
      addedHooks =
        [ python wrapPython ensureNewerSourcesForZipFilesHook pythonRemoveTestsDirHook ]
        ++ lib.optionals catchConflicts [ pythonCatchConflictsHook ]
        ++ lib.optionals (args ? pythonRelaxDeps || args ? pythonRemoveDeps) [ pythonRelaxDepsHook ]
        ++ lib.optionals (args.removeBinBytecode or true) [ pythonRemoveBinBytecodeHook ]
        ++ lib.optionals (lib.hasSuffix "zip" (src.name or "")) [ unzip ]
        ++ lib.optionals (format == "setuptools") [ setuptoolsBuildHook ]
        ++ lib.optionals (format == "pyproject") [
          (
            if isBootstrapPackage then
              pypaBuildHook.override {
                inherit (bootstrap) build;
                wheel = null;
              }
            else
              pypaBuildHook
          )
          runtimeDepsCheckHook
        ]
        ++ lib.optionals (format == "wheel") ([ wheelUnpackHook ] ++ lib.optionals wheelRuntimeDepsCheck [ runtimeDepsCheckHook ])
        ++ lib.optionals (format == "egg") [ eggUnpackHook eggBuildHook eggInstallHook ]
        ++ lib.optionals (format != "other") [
          (
            if isBootstrapInstallPackage then
              pypaInstallHook.override { inherit (bootstrap) installer; }
            else
              pypaInstallHook
          )
        ]
        ++ lib.optionals hostIsBuild [ pythonImportsCheckHook ]
        ++ lib.optionals (python.pythonAtLeast "3.3") [ pythonNamespacesHook ]
        ++ lib.optionals withDistOutput [ pythonOutputDistHook ];

      propagated = [ python ] ++ propagatedBuildInputs ++ dependencies;
      allBuild = dropNulls addedHooks ++ buildSystem ++ nativeBuildInputs ++ buildInputs ++ pythonPath ++ propagatedBuildInputs ++ dependencies;
      allCheck = nativeCheckInputs ++ checkInputs;
      required = requiredPythonModules propagated;

      # ---- checks done when the derivation is instantiated -----------------
      checkElements = b.all (
        n:
        b.all (
          x:
          x == null || lib.isDerivation x
          || throw "${stand}: `${n}` of `${name}` must contain only derivations (or null), but it contains ${describe x}"
        ) (rawList n)
      ) checkedLists;

      checkPythonMatches = b.all (
        n:
        b.all (
          x:
          !(x ? pythonModule) || x.pythonModule == null || x.pythonModule.outPath == python.outPath
          || throw (
            "Python version mismatch in '${name}': it is built for ${python.name} (Python ${python.pythonVersion}), "
            + "but `${n}` contains '${x.name}', a module built for ${x.pythonModule.name} (Python ${x.pythonModule.pythonVersion or "?"}). "
            + "Take every Python dependency from the same package set (python.pkgs, or the extension's pyFinal)."
          )
        ) (dropNulls (rawList n))
      ) [ "dependencies" "buildInputs" "propagatedBuildInputs" "pythonPath" ];

      checkDisabled =
        !(args.disabled or false) || throw "${name} not supported for interpreter ${python.executable}";

      checkConflicts =
        let
          mods = b.filter (m: !(isInterpreter m)) required;
          selfKey = normName pname;
          entries = [ { key = selfKey; label = "${pname} ${version} (this package, `${name}`)"; } ]
            ++ map (m: { key = moduleName m; label = "${m.pname or m.name} ${m.version or "?"} (${m.outPath})"; }) mods;
          groups = b.groupBy (e: e.key) entries;
          dups = b.filter (k: b.length groups.${k} > 1) (b.attrNames groups);
        in
        !catchConflicts || truthy (args.dontUsePythonCatchConflicts or false) || dups == [ ]
        || throw ("Package duplicates found in closure of `${name}` (pythonCatchConflictsHook):\n"
          + lib.concatMapStringsSep "\n" (k: "  ${k}: " + lib.concatMapStringsSep " and " (e: e.label) groups.${k}) dups);

      checkEnabledTests =
        !doCheck
        || b.all (
          n: !(args ? ${n}) || args.${n} != [ ] || throw "${pname}: ${n} must be unspecified, null or a non-empty list."
        ) enabledTestArgs;

      lazyOk = checkElements && checkPythonMatches && checkDisabled && checkConflicts && checkEnabledTests;

      # ---- the derivation ---------------------------------------------------
      outputs =
        let
          o = args.outputs or [ "out" ];
        in
        o ++ lib.optional (withDistOutput && !(b.elem "dist" o)) "dist";

      markersOf = attr: xs: lib.unique (b.filter (x: x != null) (map (x: x.${attr} or null) xs));
      hooks = markersOf "standinHook" (allBuild ++ allCheck);
      setupHooks = markersOf "standinSetupHook" (
        allBuild ++ allCheck ++ requiredPythonModules (allBuild ++ allCheck)
      );

      dataArgs = b.removeAttrs args (specialArgs ++ lib.optionals (!doCheck) (testArgs ++ enabledTestArgs));
      # The stand-in's own packages: the PyPI wheel stands for the build of `src`, as
      # long as `src` is still that wheel (an override of `src` builds the new source).
      prebuiltWheel =
        let
          w = (args.passthru or { }).lock2nixStandinPrebuiltWheel or null;
        in
        if w != null && src == w then w else null;
      config = dataArgs // {
        mode = "package";
        prebuiltWheel = if prebuiltWheel == null then null else "${prebuiltWheel}";
        inherit format pname version name isApplication hooks setupHooks outputs;
        python = {
          inherit (python) pythonVersion libPrefix sitePackages executable;
          interpreter = "${python}/bin/${python.executable}";
          path = "${python}";
        };
        src = if src == null then null else "${src}";
        srcName = if src == null then null else srcStoreName src;
        srcs = map (s: "${s}") (dropNulls (args.srcs or [ ]));
        patches = map (p: "${p}") (dropNulls (args.patches or [ ]));
        buildInputs = map (x: "${x}") allBuild;
        checkInputs = map (x: "${x}") allCheck;
        propagatedBuildInputs = map (x: "${x}") propagated;
        inherit doCheck;
      };

      bld = builderFor "package";
      drv = derivation (
        {
          inherit name outputs pname version;
          inherit (stdenv) system;
          inherit (bld) builder args PATH;
          standinConfig = b.toJSON config;
          passAsFile = [ "standinConfig" ];
          LANG = if stdenv.hostPlatform.isDarwin then "en_US.UTF-8" else "C.UTF-8";
          PYTHONHASHSEED = "0";
          DETERMINISTIC_BUILD = "1";
          SOURCE_DATE_EPOCH = "315532800";
          strictDeps = true;
        }
        // lib.optionalAttrs (src != null) { inherit src; }
        // envArgs
      );

      guard = x: b.seq lazyOk x;

      passthru =
        (args.passthru or { })
        // {
          inherit dependencies;
          optional-dependencies = args.optional-dependencies or { };
          build-system = buildSystem;
          disabled = args.disabled or false;
          lock2nixStandinArgs = b.attrNames args;
          lock2nixStandinFormat = format;
          # The hooks the generic builder added (stand-in introspection, for tests).
          lock2nixStandinHooks = dropNulls addedHooks;
          overridePythonAttrs = f: build (args // (if b.isFunction f then f args else f));
          # Approximation of mkDerivation's overrideAttrs: the attributes are the
          # builder's arguments; names the builder does not know go to `env`.
          overrideAttrs =
            f:
            let
              new = if b.isFunction f then f args else f;
              known = b.filter (n: b.elem n acceptedArgs) (b.attrNames new);
              extra = b.removeAttrs new known;
            in
            build (args // (b.intersectAttrs (lib.genAttrs known (x: null)) new) // lib.optionalAttrs (extra != { }) { env = (args.env or { }) // extra; });
          meta = {
            platforms = python.meta.platforms or lib.platforms.all;
            isBuildPythonPackage = python.meta.platforms or lib.platforms.all;
          } // (args.meta or { });
        }
        // lib.optionalAttrs (!isApplication) {
          pythonModule = python;
          requiredPythonModules = required;
        };
    in
    b.seq eagerOk (
      drv
      // passthru
      // {
        drvPath = guard drv.drvPath;
        outPath = guard drv.outPath;
      }
    );
in
{
  __functor = self: args:
    if b.isFunction args then
      throw "${stand}: the fixed-point form `buildPythonPackage (finalAttrs: { ... })` only exists in nixpkgs after 25.05; pass an attribute set"
    else if !(b.isAttrs args) then
      throw "${stand}: expected an attribute set, got ${describe args}"
    else
      build args;
  # `.override` comes from the set's callPackage (as nixpkgs' buildPythonPackage is a
  # callPackage result): any argument of this file's header, e.g. stdenv or a hook.
  acceptedArgs = acceptedArgs;
}

# The Python hooks, wired as nixpkgs wires them (pkgs/development/interpreters/
# python/hooks/default.nix, NixOS/nixpkgs@02d562cc; fact sheet 5b):
#
#   * every hook is made with the set's own `callPackage`, so the packages it
#     takes (wheel, packaging, pytest, setuptools, pip) are the FINAL set's: what an
#     overlay, a pythonPackagesExtensions entry or packageOverrides put there;
#   * pypaBuildHook substitutes `build` and pypaInstallHook propagates `installer`
#     taken from `python.pythonOnBuildForHost.pkgs` (for a native build: the same
#     set, with the same extensions and overrides);
#   * every hook is a callPackage result, so `.override` works (the generic
#     builder uses it for nixpkgs' bootstrap packages).
#
# A hook is a setup-hook derivation (makePythonHook): what it propagates is in its
# nix-support/propagated-build-inputs, what it substitutes is an attribute of its
# derivation (so it is part of the hook's derivation, not of the build environment).
# What the hook does is implemented by ../builder.py, which reads the `standinHook`
# marker; hooks not modelled there are inert.
{ lib, stdenv }:
self: super:
let
  inherit (self) callPackage python;
  inherit (python) pythonOnBuildForHost;

  script = attr: "lock2nix nixpkgs stand-in: ${attr} (its behaviour is implemented by tests/nixpkgs/builder.py)";
in
{
  # nixpkgs: makePythonHook = args: pkgs.makeSetupHook (recursiveUpdate { passthru.provides.setupHook = true; } args).
  # The second argument is the hook's script (a path or, here, a description).
  makePythonHook =
    {
      name,
      propagatedBuildInputs ? [ ],
      substitutions ? { },
      passthru ? { },
      meta ? { },
    }:
    hookScript:
    stdenv.mkDerivation (
      {
        inherit name meta propagatedBuildInputs;
        hookScript = toString hookScript;
        buildCommand = ''
          mkdir -p "$out/nix-support"
          printf '%s\n' "$hookScript" > "$out/nix-support/setup-hook"
        '';
        passthru = lib.recursiveUpdate { provides.setupHook = true; } passthru;
      }
      # Substituted values become attributes of the hook's derivation: it depends
      # on them, its users' build environments do not see them.
      // lib.mapAttrs' (n: v: lib.nameValuePair "substitution_${n}" (if v == null then "" else toString v)) substitutions
    );

  eggBuildHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "egg-build-hook.sh";
    passthru.standinHook = "eggBuildHook";
  } (script "eggBuildHook")) { };

  eggInstallHook = callPackage ({ makePythonHook, setuptools }: makePythonHook {
    name = "egg-install-hook.sh";
    propagatedBuildInputs = [ setuptools ];
    passthru.standinHook = "eggInstallHook";
  } (script "eggInstallHook")) { };

  eggUnpackHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "egg-unpack-hook.sh";
    passthru.standinHook = "eggUnpackHook";
  } (script "eggUnpackHook")) { };

  pipBuildHook = callPackage ({ makePythonHook, pip, wheel }: makePythonHook {
    name = "pip-build-hook.sh";
    propagatedBuildInputs = [ pip wheel ];
    passthru.standinHook = "pipBuildHook";
  } (script "pipBuildHook")) { };

  pipInstallHook = callPackage ({ makePythonHook, pip }: makePythonHook {
    name = "pip-install-hook";
    propagatedBuildInputs = [ pip ];
    passthru.standinHook = "pipInstallHook";
  } (script "pipInstallHook")) { };

  pypaBuildHook = callPackage ({ makePythonHook, build, wheel }: makePythonHook {
    name = "pypa-build-hook.sh";
    propagatedBuildInputs = [ wheel ];
    substitutions = { inherit build; };
    passthru.standinHook = "pypaBuildHook";
  } (script "pypaBuildHook")) { inherit (pythonOnBuildForHost.pkgs) build; };

  pypaInstallHook = callPackage ({ makePythonHook, installer }: makePythonHook {
    name = "pypa-install-hook";
    propagatedBuildInputs = [ installer ];
    substitutions = { python = python.interpreter; };
    passthru.standinHook = "pypaInstallHook";
  } (script "pypaInstallHook")) { inherit (pythonOnBuildForHost.pkgs) installer; };

  pytestCheckHook = callPackage ({ makePythonHook, pytest }: makePythonHook {
    name = "pytest-check-hook";
    propagatedBuildInputs = [ pytest ];
    substitutions = { pythonCheckInterpreter = python.interpreter; };
    passthru.standinHook = "pytestCheckHook";
  } (script "pytestCheckHook")) { };

  # Python 3: takes nothing from the set (setuptools only for the Python 2 variant).
  pythonCatchConflictsHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-catch-conflicts-hook";
    substitutions = { pythonInterpreter = pythonOnBuildForHost.interpreter; };
    passthru.standinHook = "pythonCatchConflictsHook";
  } (script "pythonCatchConflictsHook")) { };

  pythonImportsCheckHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-imports-check-hook.sh";
    substitutions = { pythonCheckInterpreter = python.interpreter; };
    passthru.standinHook = "pythonImportsCheckHook";
  } (script "pythonImportsCheckHook")) { };

  pythonNamespacesHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-namespaces-hook.sh";
    passthru.standinHook = "pythonNamespacesHook";
  } (script "pythonNamespacesHook")) { };

  pythonOutputDistHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-output-dist-hook";
    passthru.standinHook = "pythonOutputDistHook";
  } (script "pythonOutputDistHook")) { };

  pythonRecompileBytecodeHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-recompile-bytecode-hook";
    passthru.standinHook = "pythonRecompileBytecodeHook";
  } (script "pythonRecompileBytecodeHook")) { };

  # Uses `wheel` (wheel unpack / wheel pack) through a substitution.
  pythonRelaxDepsHook = callPackage ({ makePythonHook, wheel }: makePythonHook {
    name = "python-relax-deps-hook";
    substitutions = { inherit wheel; pythonInterpreter = pythonOnBuildForHost.interpreter; };
    passthru.standinHook = "pythonRelaxDepsHook";
  } (script "pythonRelaxDepsHook")) { };

  pythonRemoveBinBytecodeHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-remove-bin-bytecode-hook";
    passthru.standinHook = "pythonRemoveBinBytecodeHook";
  } (script "pythonRemoveBinBytecodeHook")) { };

  pythonRemoveTestsDirHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "python-remove-tests-dir-hook";
    passthru.standinHook = "pythonRemoveTestsDirHook";
  } (script "pythonRemoveTestsDirHook")) { };

  pythonRuntimeDepsCheckHook = callPackage ({ makePythonHook, packaging }: makePythonHook {
    name = "python-runtime-deps-check-hook.sh";
    propagatedBuildInputs = [ packaging ];
    substitutions = { pythonInterpreter = pythonOnBuildForHost.interpreter; };
    passthru.standinHook = "pythonRuntimeDepsCheckHook";
  } (script "pythonRuntimeDepsCheckHook")) { };

  setuptoolsBuildHook = callPackage ({ makePythonHook, setuptools, wheel }: makePythonHook {
    name = "setuptools-build-hook";
    propagatedBuildInputs = [ setuptools wheel ];
    substitutions = { pythonInterpreter = pythonOnBuildForHost.interpreter; };
    passthru.standinHook = "setuptoolsBuildHook";
  } (script "setuptoolsBuildHook")) { };

  unittestCheckHook = callPackage ({ makePythonHook }: makePythonHook {
    name = "unittest-check-hook";
    substitutions = { pythonCheckInterpreter = python.interpreter; };
    passthru.standinHook = "unittestCheckHook";
  } (script "unittestCheckHook")) { };

  venvShellHook = callPackage ({ makePythonHook, ensureNewerSourcesForZipFilesHook }: makePythonHook {
    name = "venv-shell-hook";
    propagatedBuildInputs = [ ensureNewerSourcesForZipFilesHook ];
    passthru.standinHook = "venvShellHook";
  } (script "venvShellHook")) { };

  # No exception for the package `wheel` itself (fact sheet 5b): a `wheel` installed
  # from a wheel needs this hook, which propagates that very `wheel`.
  wheelUnpackHook = callPackage ({ makePythonHook, wheel }: makePythonHook {
    name = "wheel-unpack-hook.sh";
    propagatedBuildInputs = [ wheel ];
    passthru.standinHook = "wheelUnpackHook";
  } (script "wheelUnpackHook")) { };

  wrapPython = callPackage ({ makePythonHook }: makePythonHook {
    name = "wrap-python-hook";
    passthru.standinHook = "wrapPython";
  } (script "wrapPython")) { };
}

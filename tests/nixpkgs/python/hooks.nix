# The Python hooks as derivations (fact sheet section 5). They carry a marker
# (`standinHook`) that the stand-in's builder reads; `provides.setupHook` makes
# them acceptable members of a Python set (ensurePythonModules).
# pytestCheckHook propagates pytest, as nixpkgs' makePythonHook does.
{ lib, stdenv, python }:
self: super:
let
  mkHook =
    attr: name: propagated:
    stdenv.mkDerivation {
      name = "${name}-hook";
      propagatedBuildInputs = propagated;
      buildCommand = ''
        mkdir -p "$out/nix-support"
        echo "lock2nix nixpkgs stand-in: ${attr} (behaviour implemented by tests/nixpkgs/builder.py)" > "$out/nix-support/lock2nix-standin-hook"
      '';
      passthru = {
        standinHook = attr;
        provides.setupHook = true;
      };
    };
in
{
  pytestCheckHook = mkHook "pytestCheckHook" "pytest-check" [ self.pytest ];
  unittestCheckHook = mkHook "unittestCheckHook" "unittest-check" [ ];
  # Inert: relaxing is driven by pythonRelaxDeps / pythonRemoveDeps, as nixpkgs
  # adds the hook automatically when those are set.
  pythonRelaxDepsHook = mkHook "pythonRelaxDepsHook" "python-relax-deps" [ ];
  pythonImportsCheckHook = mkHook "pythonImportsCheckHook" "python-imports-check" [ ];
  pythonCatchConflictsHook = mkHook "pythonCatchConflictsHook" "python-catch-conflicts" [ ];
  pythonRuntimeDepsCheckHook = mkHook "pythonRuntimeDepsCheckHook" "python-runtime-deps-check" [ ];
  pythonRemoveTestsDirHook = mkHook "pythonRemoveTestsDirHook" "python-remove-tests-dir" [ ];
  pythonRemoveBinBytecodeHook = mkHook "pythonRemoveBinBytecodeHook" "python-remove-bin-bytecode" [ ];
  pythonOutputDistHook = mkHook "pythonOutputDistHook" "python-output-dist" [ ];
  pythonNamespacesHook = mkHook "pythonNamespacesHook" "python-namespaces" [ ];
  pypaBuildHook = mkHook "pypaBuildHook" "pypa-build" [ ];
  pypaInstallHook = mkHook "pypaInstallHook" "pypa-install" [ ];
  wheelUnpackHook = mkHook "wheelUnpackHook" "wheel-unpack" [ ];
  setuptoolsBuildHook = mkHook "setuptoolsBuildHook" "setuptools-build" [ ];
  wrapPython = mkHook "wrapPython" "wrap-python" [ ];
}

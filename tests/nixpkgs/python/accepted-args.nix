# acceptedBuildPythonPackageArgs: the complete list of argument names that the
# stand-in's buildPythonPackage / buildPythonApplication accept. Any other name
# is rejected at evaluation time (real nixpkgs would pass it on to mkDerivation
# as an environment variable; the stand-in is stricter on purpose so that a
# generator cannot rely on names nixpkgs does not know).
#
# Also reachable as `pkgs.lock2nixStandin.acceptedBuildPythonPackageArgs` and
# `<pythonSet>.buildPythonPackage.acceptedArgs`.
let
  # Fact sheet 1.2: arguments in mk-python-derivation's header (M25/M26).
  header = [
    "pyproject"
    "format"
    "build-system"
    "dependencies"
    "optional-dependencies"
    "nativeBuildInputs"
    "buildInputs"
    "propagatedBuildInputs"
    "checkInputs"
    "nativeCheckInputs"
    "pythonPath"
    "strictDeps"
    "outputs"
    "disabled"
    "catchConflicts"
    "makeWrapperArgs"
    "dontWrapPythonPrograms"
    "dontUsePipInstall"
    "permitUserSite"
    "removeBinBytecode"
    "meta"
    "doCheck"
    "stdenv"
  ];
  # Fact sheet 1.2: not in the header, consumed by hooks.
  hookArgs = [
    "pythonImportsCheck"
    "pythonRelaxDeps"
    "pythonRemoveDeps"
    "disabledTests"
    "disabledTestPaths"
    "disabledTestMarks"
    "enabledTests"
    "enabledTestPaths"
    "enabledTestMarks"
    "pytestFlags"
    "pytestFlagsArray"
    "unittestFlags"
    "unittestFlagsArray"
    "pypaBuildFlags"
    "setupPyGlobalFlags"
    "setupPyBuildFlags"
    "pythonNamespaces"
    "checkPhase"
  ];
  # Fact sheet section 5: dont* switches of the Python hooks.
  hookSwitches = [
    "dontUsePythonImportsCheck"
    "dontUsePytestCheck"
    "dontCheckRuntimeDeps"
    "dontUsePythonCatchConflicts"
    "dontUsePythonRemoveTestsDir"
    "dontCheckPythonMetadata"
    "dontPretendSetuptoolsSCMVersion"
    "dontIncludeSetuptoolsSCMTrackedFiles"
    "dontSetPdmBackendVersion"
    "dontUsePypaBuild"
    "dontUsePypaInstall"
    "dontUseWheelUnpack"
    "dontUseSetuptoolsBuild"
  ];
  # Usual stdenv.mkDerivation arguments (passed through by buildPython*).
  mkDerivationArgs = [
    "pname"
    "version"
    "name"
    "src"
    "srcs"
    "sourceRoot"
    "setSourceRoot"
    "unpackPhase"
    "patches"
    "prePatch"
    "postPatch"
    "preConfigure"
    "configurePhase"
    "postConfigure"
    "preBuild"
    "buildPhase"
    "postBuild"
    "preInstall"
    "installPhase"
    "postInstall"
    "preCheck"
    "postCheck"
    "preInstallCheck"
    "installCheckPhase"
    "postInstallCheck"
    "preFixup"
    "postFixup"
    "preDist"
    "postDist"
    "doInstallCheck"
    "dontUnpack"
    "dontPatch"
    "dontConfigure"
    "dontBuild"
    "dontInstall"
    "dontFixup"
    "dontStrip"
    "dontPatchShebangs"
    "dontPatchELF"
    "dontAutoPatchelf"
    "autoPatchelfIgnoreMissingDeps"
    "runtimeDependencies"
    "env"
    "passthru"
    "enableParallelBuilding"
    "separateDebugInfo"
    "preferLocalBuild"
    "allowSubstitutes"
    "__darwinAllowLocalNetworking"
  ];
in
{
  inherit header hookArgs hookSwitches mkDerivationArgs;
  acceptedBuildPythonPackageArgs = header ++ hookArgs ++ hookSwitches ++ mkDerivationArgs;
}

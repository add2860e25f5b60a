# Minimal stand-ins for the cases: an interpreter on a platform, and a package
# set whose buildPythonPackage returns its arguments.
{ lib }:
rec {
  python =
    {
      system ? "x86_64-linux",
      pythonVersion ? "3.12",
    }:
    let
      parts = builtins.split "-" system;
      cpu = builtins.elemAt parts 0;
      kernel = builtins.elemAt parts 2;
    in
    {
      inherit pythonVersion;
      version = "${pythonVersion}.2";
      implementation = "cpython";
      libPrefix = "python${pythonVersion}";
      stdenv = {
        hostPlatform = {
          inherit system;
          isLinux = kernel == "linux";
          isDarwin = kernel == "darwin";
          parsed.cpu.name = cpu;
          parsed.kernel.name = kernel;
          libc = if kernel == "linux" then "glibc" else "libSystem";
          darwinArch = if cpu == "aarch64" then "arm64" else cpu;
          darwinMinVersion = "14.0";
        };
        cc.libc.version = "2.40";
      };
    };

  # A package set whose builder returns its arguments.
  set = args: {
    python = python args;
    buildPythonPackage = attrs: attrs;
  };

  final = {
    fetchurl = args: { fetchurl = args; };
    autoPatchelfHook = "autoPatchelfHook";
    pythonManylinuxPackages.manylinux2014 = [ "manylinux2014" ];
  };
}

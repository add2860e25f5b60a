# A minimal interpreter + platform, enough to evaluate the Nix library's marker
# environment, PEP 440 comparisons and wheel tags without the full stand-in.
{
  system,
  pythonVersion,
  version ? "${pythonVersion}.2",
  implementation ? "cpython",
  libc ? null,
  libcVersion ? "2.40",
  darwinMinVersion ? "14.0",
}:
let
  parts = builtins.split "-" system;
  cpu = builtins.elemAt parts 0;
  kernel = builtins.elemAt parts 2;
  isLinux = kernel == "linux";
  isDarwin = kernel == "darwin";
  hostPlatform = {
    inherit system isLinux isDarwin;
    parsed.cpu.name = cpu;
    parsed.kernel.name = kernel;
    libc = if libc != null then libc else if isLinux then "glibc" else "libSystem";
    darwinArch = if cpu == "aarch64" then "arm64" else cpu;
    inherit darwinMinVersion;
    darwinSdkVersion = "14.4";
  };
  python = {
    inherit pythonVersion version implementation;
    libPrefix = "python${pythonVersion}";
    stdenv = {
      inherit hostPlatform;
      cc.libc = {
        pname = if libc == "musl" then "musl" else "glibc";
        version = libcVersion;
      };
    };
  };
  lib = import ../nixpkgs/lib.nix;
  library = import ../../translator/lock2nix/nix/lib { inherit lib; };
in
library
// {
  # What overlays take from nixpkgs' lib (nix/lib/helpers.json "lib").
  inherit (lib) hasInfix optionals;
  env = library.markers.environment python;
  wheelScore = (library.wheels.forPython python).score;
  manylinux = (library.wheels.forPython python).manylinux;
}

# A minimal interpreter + platform, enough to evaluate the overlay prelude's
# marker and wheel-tag helpers without the full nixpkgs stand-in.
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
in
import ../../translator/lock2nix/nix/prelude.nix {
  final = { };
  prefer = "wheel";
} { inherit python; }

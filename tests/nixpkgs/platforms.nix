# Elaborated-system-like attrsets for the four systems the stand-in knows
# (fact sheet section 7.2; nixpkgs lib.systems.elaborate).
system:
let
  known = {
    x86_64-linux = { cpu = "x86_64"; kernel = "linux"; };
    aarch64-linux = { cpu = "aarch64"; kernel = "linux"; };
    x86_64-darwin = { cpu = "x86_64"; kernel = "darwin"; };
    aarch64-darwin = { cpu = "aarch64"; kernel = "darwin"; };
  };
  k =
    known.${system} or (throw
      "lock2nix nixpkgs stand-in: unsupported system `${toString system}`; expected one of ${builtins.concatStringsSep ", " (builtins.attrNames known)}");
  isLinux = k.kernel == "linux";
  isDarwin = k.kernel == "darwin";
  isx86_64 = k.cpu == "x86_64";
  isAarch64 = k.cpu == "aarch64";
  cpu = {
    name = k.cpu;
    bits = 64;
    significantByte = { name = "littleEndian"; };
    family = if isx86_64 then "x86" else "arm";
  } // (if isAarch64 then { version = "8"; arch = "armv8-a"; } else { });
in
{
  inherit system isLinux isDarwin isx86_64 isAarch64;
  config = if isLinux then "${k.cpu}-unknown-linux-gnu" else "${k.cpu}-apple-darwin";
  parsed = {
    inherit cpu;
    vendor.name = if isLinux then "unknown" else "apple";
    kernel = {
      name = k.kernel;
      families = if isDarwin then { darwin = { name = "darwin"; }; bsd = { name = "bsd"; }; } else { };
      execFormat.name = if isLinux then "elf" else "macho";
    };
    abi.name = if isLinux then "gnu" else "unknown";
  };
  libc = if isLinux then "glibc" else "libSystem";
  isUnix = true;
  isWindows = false;
  isFreeBSD = false;
  isMusl = false;
  isGnu = isLinux;
  isStatic = false;
  isx86 = isx86_64;
  isx86_32 = false;
  isi686 = false;
  isAarch = isAarch64;
  isAarch32 = false;
  isPower = false;
  isPower64 = false;
  isRiscV = false;
  isMacOS = isDarwin;
  isiOS = false;
  isBSD = isDarwin;
  is64bit = true;
  is32bit = false;
  isLittleEndian = true;
  isBigEndian = false;
  uname = {
    system = if isLinux then "Linux" else "Darwin";
    processor = if isDarwin && isAarch64 then "arm64" else k.cpu;
  };
  extensions = {
    sharedLibrary = if isLinux then ".so" else ".dylib";
    executable = "";
  };
}
// (
  if isLinux then
    { linuxArch = if isx86_64 then "x86_64" else "arm64"; }
  else
    {
      darwinArch = if isAarch64 then "arm64" else "x86_64";
      darwinPlatform = "macos";
      darwinSdkVersion = "14.4";
      darwinMinVersion = "14.0";
      darwinMinVersionVariable = "MACOSX_DEPLOYMENT_TARGET";
    }
)

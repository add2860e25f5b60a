# The PEP 508 marker environment of an interpreter and the platform it runs on,
# for markers compiled to Nix (`env.python_version`, `env.sys_platform`, ...).
# Values follow pyproject.nix's mapping (lib/pep508.nix); nothing here is read
# from the build machine.
{ }:
let
  # PEP 599 machine names of Linux CPUs, by nixpkgs' cpu name.
  linuxMachines = {
    x86_64 = "x86_64";
    i686 = "i686";
    aarch64 = "aarch64";
    armv7l = "armv7l";
    powerpc64 = "ppc64";
    powerpc64le = "ppc64le";
    s390x = "s390x";
    riscv64 = "riscv64";
  };

  # platform.machine() of `platform` (a nixpkgs platform, stdenv.hostPlatform).
  machine =
    platform:
    if platform.isDarwin then
      platform.darwinArch
    else
      linuxMachines.${platform.parsed.cpu.name} or platform.parsed.cpu.name;

  # python_full_version: the interpreter's version when it extends the
  # major.minor (it may not: some builds report only a suffixed version).
  fullVersion =
    python:
    if builtins.substring 0 (builtins.stringLength python.pythonVersion) python.version == python.pythonVersion then
      python.version
    else
      python.pythonVersion;
in
{
  inherit machine;

  # The marker variables for `python` (an interpreter of nixpkgs) on its host platform.
  environment =
    python:
    let
      platform = python.stdenv.hostPlatform;
      kernel =
        if platform.isLinux then
          "linux"
        else if platform.isDarwin then
          "darwin"
        else
          platform.parsed.kernel.name;
    in
    {
      os_name = "posix";
      sys_platform = kernel;
      platform_system =
        {
          linux = "Linux";
          darwin = "Darwin";
        }
        .${kernel} or kernel;
      platform_machine = machine platform;
      platform_python_implementation =
        {
          cpython = "CPython";
          pypy = "PyPy";
        }
        .${python.implementation} or python.implementation;
      implementation_name = python.implementation;
      implementation_version = fullVersion python;
      python_version = python.pythonVersion;
      python_full_version = fullVersion python;
      # Not reproducible, so not knowable at evaluation time (as in pyproject.nix).
      platform_release = "";
      platform_version = "";
    };
}

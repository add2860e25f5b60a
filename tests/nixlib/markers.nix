# nix/lib/markers.nix
{ library, fake, ... }:
let
  env = args: library.markers.environment (fake.python args);
in
[
  {
    name = "linux x86_64";
    expr = {
      inherit (env { }) sys_platform platform_system platform_machine os_name python_version python_full_version;
    };
    expected = {
      sys_platform = "linux";
      platform_system = "Linux";
      platform_machine = "x86_64";
      os_name = "posix";
      python_version = "3.12";
      python_full_version = "3.12.2";
    };
  }
  {
    name = "darwin arm64";
    expr = { inherit (env { system = "aarch64-darwin"; }) sys_platform platform_system platform_machine; };
    expected = {
      sys_platform = "darwin";
      platform_system = "Darwin";
      platform_machine = "arm64";
    };
  }
  {
    name = "linux aarch64";
    expr = (env { system = "aarch64-linux"; }).platform_machine;
    expected = "aarch64";
  }
  {
    name = "implementation";
    expr = { inherit (env { }) implementation_name platform_python_implementation platform_release; };
    expected = {
      implementation_name = "cpython";
      platform_python_implementation = "CPython";
      platform_release = "";
    };
  }
]

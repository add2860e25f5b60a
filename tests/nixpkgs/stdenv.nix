# stdenv of the stand-in: platform attrsets, the C library facts overlays read,
# and a deliberately small generic mkDerivation (buildCommand / installPhase only,
# run by /bin/bash with the host's tools on PATH; the sandbox is off).
{ lib, system }:
let
  b = builtins;
  platform = import ./platforms.nix system;

  mkDerivation =
    argsOrFun:
    let
      args = if b.isFunction argsOrFun then lib.fix (self: argsOrFun self) else argsOrFun;
      passthru = args.passthru or { };
      dropNulls = v: if b.isList v then b.filter (x: x != null) v else v;
      attrs =
        b.mapAttrs (n: dropNulls) (b.removeAttrs args [ "passthru" "meta" "env" "pos" ])
        // (args.env or { });
      name = args.name or "${args.pname}-${args.version}";
      drv = derivation (
        attrs
        // {
          inherit name;
          system = args.system or system;
          builder = "/bin/bash";
          args = [ "-e" ./generic-builder.sh ];
          PATH = "/usr/local/bin:/usr/bin:/bin";
        }
      );
    in
    drv
    // passthru
    // {
      meta = args.meta or { };
      inherit passthru;
      overrideAttrs = f: mkDerivation (args // (if b.isFunction f then f args else f));
    };

  # A derivation that exists and builds (an empty prefix, optionally with
  # propagated inputs) but contains no software: used for native libraries and
  # build tools that nixpkgs has and the stand-in does not model. `extra` may set
  # `outputs` (e.g. [ "out" "dev" ]): each becomes an attribute of the result, as
  # in nixpkgs, and the generic builder creates the empty output directories.
  mkInert =
    name: extra:
    mkDerivation (
      {
        inherit name;
        buildCommand = ''
          mkdir -p "$out/lib" "$out/nix-support"
          echo "lock2nix nixpkgs stand-in: inert placeholder for ${name}" > "$out/nix-support/lock2nix-standin-inert"
        '';
      }
      // extra
    );

  libc =
    if platform.isLinux then
      mkInert "glibc-2.40" { pname = "glibc"; version = "2.40"; passthru.linuxHeaders = { version = "6.12"; }; }
    else
      mkInert "libSystem-11.0.0" { pname = "libSystem"; version = "11.0.0"; };
  ccLib = mkInert "gcc-14.2.0-lib" { pname = "gcc"; version = "14.2.0"; };
  ccCc = mkInert "gcc-14.2.0" { pname = "gcc"; version = "14.2.0"; passthru.lib = ccLib; };
in
{
  inherit system mkDerivation mkInert;
  hostPlatform = platform;
  buildPlatform = platform;
  targetPlatform = platform;
  inherit (platform) isLinux isDarwin isx86_64 isAarch64;
  shell = "/bin/bash";
  cc = {
    inherit libc;
    cc = ccCc;
    isClang = platform.isDarwin;
    isGNU = platform.isLinux;
    targetPrefix = "";
  };
  lib = lib;
}

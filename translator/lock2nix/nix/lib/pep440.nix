# PEP 440 comparisons of the release-style versions that markers, Requires-Python
# and conda specs compare (3.12, 3.11.4, 3.13.0rc1, R's 4.3_1).
#
# Components are compared in turn with builtins.compareVersions, which orders
# numbers numerically and letters before digits, so 3.13.0rc1 < 3.13; missing
# components count as "0", so 3.13 == 3.13.0. conda also separates components
# with "_", which PEP 440 normalises away, so both read the same here.
{ lib }:
let
  components = version: builtins.splitVersion (builtins.replaceStrings [ "_" ] [ "." ] version);
  at = parts: i: if i < builtins.length parts then builtins.elemAt parts i else "0";

  # -1, 0 or 1 as `a` is older than, equal to or newer than `b`.
  compare =
    a: b:
    let
      pa = components a;
      pb = components b;
      n = lib.max (builtins.length pa) (builtins.length pb);
      go =
        i:
        if i >= n then
          0
        else
          let
            c = builtins.compareVersions (at pa i) (at pb i);
          in
          if c != 0 then c else go (i + 1);
    in
    go 0;

  # Whether `version` starts with the components of `prefix` ("3.8" for == 3.8.*).
  startsWith =
    version: prefix:
    let
      want = components prefix;
      have = components version;
    in
    builtins.all (i: builtins.compareVersions (at have i) (builtins.elemAt want i) == 0) (
      builtins.genList (i: i) (builtins.length want)
    );

  # "3.8.*" -> "3.8"; null for a version without a trailing ".*".
  wildcard = spec: lib.mapNullable builtins.head (builtins.match "(.*)\\.\\*" spec);

  # == and != take a trailing ".*" (PEP 440 prefix matching).
  versionEqual =
    version: spec:
    let
      prefix = wildcard spec;
    in
    if prefix != null then startsWith version prefix else compare version spec == 0;

  # ~= 2.2.1 is >= 2.2.1 and == 2.2.*.
  versionCompatible =
    version: spec:
    let
      parts = lib.splitString "." spec;
      prefix = builtins.concatStringsSep "." (lib.init parts);
    in
    compare version spec >= 0 && (builtins.length parts < 2 || startsWith version prefix);
in
{
  inherit compare startsWith versionEqual versionCompatible;

  # The comparisons compiled markers and specifiers call, by PEP 440 operator.
  versionOlder = version: spec: compare version spec < 0;
  versionAtMost = version: spec: compare version spec <= 0;
  versionNewer = version: spec: compare version spec > 0;
  versionAtLeast = version: spec: compare version spec >= 0;
  versionNotEqual = version: spec: !(versionEqual version spec);

  # Whether `version` satisfies one `[ operator version ]` requirement; "=*" and
  # "!=*" are conda's prefix matches (1.2.* and !=1.2.*).
  holds =
    version: requirement:
    let
      op = builtins.elemAt requirement 0;
      spec = builtins.elemAt requirement 1;
      c = compare version spec;
    in
    {
      "==" = c == 0;
      "!=" = c != 0;
      "<" = c < 0;
      "<=" = c <= 0;
      ">" = c > 0;
      ">=" = c >= 0;
      "~=" = versionCompatible version spec;
      "=*" = startsWith version spec;
      "!=*" = !(startsWith version spec);
    }
    .${op} or (throw "lock2nix: unknown version operator ${op}");
}

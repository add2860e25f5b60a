# nix/lib/pep440.nix
{ library, ... }:
let
  inherit (library) pep440;
in
[
  { name = "release candidates sort before the release"; expr = pep440.compare "3.13.0rc1" "3.13"; expected = -1; }
  { name = "missing components count as zero"; expr = pep440.compare "3.13" "3.13.0"; expected = 0; }
  { name = "numbers compare as numbers"; expr = pep440.compare "3.9" "3.10"; expected = -1; }
  { name = "conda separates with underscores"; expr = pep440.compare "4.3_1" "4.3.1"; expected = 0; }
  { name = "== with a wildcard"; expr = pep440.versionEqual "3.8.10" "3.8.*"; expected = true; }
  { name = "== wildcard elsewhere"; expr = pep440.versionEqual "3.9.1" "3.8.*"; expected = false; }
  { name = "!= wildcard"; expr = pep440.versionNotEqual "3.9.1" "3.8.*"; expected = true; }
  { name = "~= keeps the prefix"; expr = pep440.versionCompatible "2.2.5" "2.2.1"; expected = true; }
  { name = "~= refuses the next minor"; expr = pep440.versionCompatible "2.3.0" "2.2.1"; expected = false; }
  { name = "~= with two components"; expr = pep440.versionCompatible "3.11.2" "3.10"; expected = true; }
  { name = "<"; expr = pep440.versionOlder "3.11" "3.12"; expected = true; }
  { name = "<="; expr = pep440.versionAtMost "3.12" "3.12.0"; expected = true; }
  { name = ">"; expr = pep440.versionNewer "3.12.1" "3.12"; expected = true; }
  { name = ">="; expr = pep440.versionAtLeast "3.10" "3.10.0"; expected = true; }
  { name = "holds =="; expr = pep440.holds "1.2" [ "==" "1.2.0" ]; expected = true; }
  { name = "holds conda prefix"; expr = pep440.holds "1.2.7" [ "=*" "1.2" ]; expected = true; }
  { name = "holds conda not-prefix"; expr = pep440.holds "1.2.7" [ "!=*" "1.2" ]; expected = false; }
]

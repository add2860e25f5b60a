# nix/lib/conda.nix (the grid against rattler is tests/test_conda_tables.py)
{ library, ... }:
let
  inherit (library.conda) satisfies;
in
[
  { name = "no constraint admits everything"; expr = satisfies "1.0" [ ]; expected = true; }
  { name = "alternatives: any"; expr = satisfies "2.0" [ [ [ "==" "1.0" ] ] [ [ ">=" "2" ] ] ]; expected = true; }
  { name = "requirements: all"; expr = satisfies "2.5" [ [ [ ">=" "2" ] [ "<" "2.5" ] ] ]; expected = false; }
]

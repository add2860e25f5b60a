# nix/lib/default.nix: the overlay's shape per scope
{ library, lib, ... }:
let
  prev = {
    inherit lib;
    pythonPackagesExtensions = [ "earlier" ];
  };
  overlay =
    scope:
    library.mkOverlay {
      inherit scope prev;
      final = { };
      settings.prefer = "wheel";
      packages = { ... }: { a = 1; };
      projects.p = { };
    };
in
[
  {
    name = "project scope: nixpkgs' sets untouched";
    expr = builtins.attrNames (overlay "project");
    expected = [ "lock2nixProjects" ];
  }
  {
    name = "global scope: one more extension";
    expr = {
      names = builtins.attrNames (overlay "global");
      extensions = builtins.length (overlay "global").pythonPackagesExtensions;
    };
    expected = {
      names = [
        "lock2nixProjects"
        "pythonPackagesExtensions"
      ];
      extensions = 2;
    };
  }
  {
    name = "an unknown scope is an error";
    expr = (builtins.tryEval (overlay "everywhere")).success;
    expected = false;
  }
]

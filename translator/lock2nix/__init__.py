"""lock2nix: Python lock files → nixpkgs overlays of buildPythonPackage derivations."""

__version__ = "0.2.0"

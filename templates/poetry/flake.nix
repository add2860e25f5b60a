{
  description = "hello-poetry: a Poetry project built by Nix from its poetry.lock (lock2nix)";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      # nixpkgs with the overlay lock2nix generated from poetry.lock and pyproject.toml.
      forAllSystems =
        f:
        nixpkgs.lib.genAttrs systems (
          system:
          f (
            import nixpkgs {
              inherit system;
              overlays = [ (import ./overlay.nix) ];
            }
          )
        );
      # The [project] name in pyproject.toml.
      projectOf = pkgs: pkgs.lock2nixProjects.hello-poetry;
    in
    {
      packages = forAllSystems (pkgs: {
        default = (projectOf pkgs).package;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${(projectOf pkgs).package}/bin/hello-poetry";
        };
      });

      # `nix flake check`: the project built again with its tests run against
      # its dev group (the package itself has no test inputs).
      checks = forAllSystems (pkgs: {
        tests = (projectOf pkgs).tests;
      });

      # The project and every dependency group and extra.
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell { packages = [ (projectOf pkgs).devEnv ]; };
      });
    };
}

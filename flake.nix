{
  description = "lock2nix: Python lock files to nixpkgs overlays of buildPythonPackage derivations";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }@inputs:
    let
      systems = [
        "x86_64-linux"
        "aarch64-linux"
        "x86_64-darwin"
        "aarch64-darwin"
      ];
      # nixpkgs for each system, with lock2nix added by this flake's overlay.
      forAllSystems =
        f:
        nixpkgs.lib.genAttrs systems (
          system:
          f (
            import nixpkgs {
              inherit system;
              overlays = [ self.overlays.default ];
            }
          )
        );
    in
    {
      # Adds `lock2nix` (the command-line tool) to nixpkgs, built by lock2nix from
      # its own poetry.lock (nix/overlay.nix): its dependencies are the locked ones.
      overlays.default = import ./overlays/lock2nix.nix;

      packages = forAllSystems (pkgs: {
        default = pkgs.lock2nix;
        inherit (pkgs) lock2nix;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${pkgs.lock2nix}/bin/lock2nix";
        };
      });

      # A shell for working on lock2nix: its locked dependencies with the test
      # extra (pytest, ...) and git.
      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.lock2nix.project.devEnv
            pkgs.git
          ];
        };
      });

      lib = {
        inherit systems;
        # nixpkgs for `system` with an overlay lock2nix generated (a path such as
        # ./overlay.nix, or the imported function) and any further overlays:
        #   pkgs = lock2nix.lib.pkgsWithOverlay {
        #     system = "x86_64-linux";
        #     overlay = ./overlay.nix;
        #   };
        #   pkgs.lock2nixProjects.<project>.package
        pkgsWithOverlay =
          {
            system,
            overlay,
            overlays ? [ ],
            nixpkgs ? inputs.nixpkgs,
          }:
          let
            generated = if builtins.isFunction overlay then overlay else import overlay;
          in
          import nixpkgs {
            inherit system;
            overlays = [ generated ] ++ overlays;
          };
      };

      templates.default = {
        path = ./templates/poetry;
        description = "A Poetry project that Nix builds from its poetry.lock with lock2nix";
        welcomeText = ''
          # A Poetry project wired to lock2nix

          - `overlay.nix` was generated from `poetry.lock` and `pyproject.toml`;
            after changing either, regenerate it with
            `lock2nix poetry.lock -o overlay.nix`, for example through
            `nix run <the lock2nix flake> -- poetry.lock -o overlay.nix`.
          - `nix build` builds the project, `nix run` runs its script,
            `nix develop` opens a shell with every dependency group.
          - Rename the project in `pyproject.toml` and in `flake.nix` together.
        '';
      };
    };
}

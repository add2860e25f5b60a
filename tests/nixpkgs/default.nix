# lock2nix's stand-in for the nixpkgs interface (see README.md beside this file).
#
#   import ./tests/nixpkgs {
#     system ? "x86_64-linux";       # x86_64-linux, aarch64-linux, x86_64-darwin, aarch64-darwin
#     overlays ? [ ];                # nixpkgs overlays, `final: prev: { ... }`, applied in order
#     hostPython ? null;             # absolute path of a host CPython 3.11 that can import
#                                    #   `installer` and `build`; only needed to build things
#     hostGit ? "/usr/bin/git";      # git used by fetchgit's builder
#     interpreters ? [ "python310" "python311" "python312" "python313" "python314" ];
#                                    # the CPython attributes this nixpkgs has
#     removedInterpreters ? [ "python36" "python37" "python38" "python39" ];
#                                    # attributes kept as aliases that throw
#     wheelRuntimeDepsCheck ? false; # true: format = "wheel" also gets the
#                                    #   runtime-deps check (nixpkgs master, not 25.05)
#   }
#
# The package set is a fixpoint with the overlays composed over the base set,
# exactly as nixpkgs does (lib.fix (lib.foldl' (lib.flip lib.extends) base overlays)).
{
  system ? "x86_64-linux",
  overlays ? [ ],
  hostPython ? null,
  hostGit ? "/usr/bin/git",
  interpreters ? [ "python310" "python311" "python312" "python313" "python314" ],
  removedInterpreters ? [ "python36" "python37" "python38" "python39" ],
  wheelRuntimeDepsCheck ? false,
}:
let
  b = builtins;
  lib = import ./lib.nix;

  checkArgs =
    (b.isList overlays || throw "lock2nix nixpkgs stand-in: `overlays` must be a list")
    && b.all (o: b.isFunction o || throw "lock2nix nixpkgs stand-in: every overlay must be a function `final: prev: { ... }`") overlays
    && (hostPython == null || (b.isString hostPython || b.isPath hostPython) && lib.hasPrefix "/" (toString hostPython)
        || throw "lock2nix nixpkgs stand-in: `hostPython` must be an absolute path (or null)");

  base =
    final:
    let
      stdenv = import ./stdenv.nix { inherit lib system; };
      fetchers = import ./fetchers.nix {
        inherit lib system;
        hostGit = toString hostGit;
      };
      pythons = import ./python {
        inherit lib final interpreters removedInterpreters wheelRuntimeDepsCheck;
        hostPython = if hostPython == null then null else toString hostPython;
      };
      inert = n: stdenv.mkInert n { };
      inertV = pname: version: stdenv.mkInert "${pname}-${version}" { inherit pname version; };
      # With extra attributes, e.g. `outputs` (each output is a derivation attribute, as in
      # nixpkgs) or `passthru`.
      inertX = pname: version: extra: stdenv.mkInert "${pname}-${version}" ({ inherit pname version; } // extra);
    in
    pythons
    // {
      inherit lib stdenv system;
      inherit (fetchers) fetchurl fetchgit;
      pkgs = final;
      callPackage = lib.callPackageWith final;
      newScope = extra: lib.callPackageWith (final // extra);

      # pkgs/top-level: python3 follows the default interpreter, python3Packages the
      # versioned package set (fact sheet 2.4); python3XXPackages = python3XX.pkgs
      # come with the interpreters (./python).
      python3 = final.python312;
      python3Packages = final.python312Packages;
      pythonPackagesExtensions = [ ];

      # fetchPypi (fact sheet 3.1), on top of fetchurl.
      fetchPypi =
        {
          pname,
          version,
          hash ? "",
          sha256 ? "",
          format ? "setuptools",
          extension ? "tar.gz",
          dist ? "py2.py3",
          python ? "py2.py3",
          abi ? "none",
          platform ? "any",
        }:
        let
          url =
            if format == "wheel" then
              "https://files.pythonhosted.org/packages/${dist}/${b.substring 0 1 pname}/${pname}/${pname}-${version}-${python}-${abi}-${platform}.whl"
            else if format == "setuptools" || format == "pyproject" then
              "mirror://pypi/${b.substring 0 1 pname}/${pname}/${pname}-${version}.${extension}"
            else
              throw "fetchPypi: unsupported format ${format}";
        in
        final.fetchurl { inherit url hash sha256; };

      runCommand =
        name: env: buildCommand:
        stdenv.mkDerivation ({ inherit name buildCommand; } // env);
      writeText =
        name: text:
        stdenv.mkDerivation {
          inherit name text;
          passAsFile = [ "text" ];
          buildCommand = ''cp "$textPath" "$out"'';
        };
      # pkgs.mkShell (pkgs/build-support/mkshell): `packages` join nativeBuildInputs; the
      # inputs of `inputsFrom` (not those derivations themselves) are merged in; other
      # attributes go to mkDerivation. Its output is a file, as in nixpkgs.
      mkShell =
        attrs@{
          inputsFrom ? [ ],
          name ? "nix-shell",
          packages ? [ ],
          ...
        }:
        let
          checkList = n: v: b.isList v || throw "mkShell (lock2nix nixpkgs stand-in): `${n}` must be a list";
          mergeInputs =
            n: (attrs.${n} or [ ]) ++ lib.subtractLists inputsFrom (lib.flatten (b.catAttrs n inputsFrom));
        in
        b.seq (checkList "packages" packages && checkList "inputsFrom" inputsFrom) (
          stdenv.mkDerivation (
            b.removeAttrs attrs [ "packages" "inputsFrom" ]
            // {
              inherit name;
              nativeBuildInputs = packages ++ mergeInputs "nativeBuildInputs";
              buildInputs = mergeInputs "buildInputs";
              propagatedBuildInputs = mergeInputs "propagatedBuildInputs";
              propagatedNativeBuildInputs = mergeInputs "propagatedNativeBuildInputs";
              shellHook = lib.concatStringsSep "\n" (b.catAttrs "shellHook" (lib.reverseList inputsFrom ++ [ attrs ]));
              preferLocalBuild = attrs.preferLocalBuild or true;
              buildCommand = ''
                { echo "lock2nix nixpkgs stand-in: mkShell ${name}"; export; } >> "$out"
              '';
            }
          )
        );

      # pkgs.buildEnv (pkgs/build-support/buildenv): one tree of symlinks to the
      # contents of `paths`. Collisions are not detected here (a later path wins).
      buildEnv =
        {
          name,
          paths,
          ignoreCollisions ? false,
          pathsToLink ? [ "/" ],
          extraOutputsToInstall ? [ ],
          postBuild ? "",
          meta ? { },
          passthru ? { },
        }:
        stdenv.mkDerivation {
          inherit name postBuild passthru meta;
          paths = b.filter (p: p != null) paths;
          buildCommand = ''
            mkdir -p "$out"
            for p in $paths; do
              if [ -d "$p" ]; then cp -rsf --no-preserve=mode "$p"/. "$out"/; fi
            done
            eval "$postBuild"
          '';
        };

      recurseIntoAttrs = a: a // { recurseForDerivations = true; };
      dontRecurseIntoAttrs = a: a // { recurseForDerivations = false; };

      # Native libraries and tools nixpkgs has: inert placeholders (fact sheet 4).
      autoPatchelfHook = stdenv.mkInert "auto-patchelf-hook" {
        passthru.provides.setupHook = true;
        passthru.standinHook = "autoPatchelfHook";
      };
      git = inertV "git" "2.47.2";
      gitMinimal = inertV "git-minimal" "2.47.2";
      mercurial = inertV "mercurial" "6.9.4";
      gdb = inertV "gdb" "16.2";
      ncurses = inertV "ncurses" "6.5";
      unzip = inertV "unzip" "6.0";
      # Setup hooks nixpkgs' generic Python builder and some packages use.
      ensureNewerSourcesForZipFilesHook = stdenv.mkInert "ensure-newer-sources-hook" {
        passthru.provides.setupHook = true;
      };
      installShellFiles = stdenv.mkInert "install-shell-files" {
        passthru.provides.setupHook = true;
      };
      zlib = inertV "zlib" "1.3.1";
      expat = inertV "expat" "2.6.4";
      glib = inertV "glib" "2.82.4";
      libGL = inertV "libGL" "1.7.0";
      ncurses5 = inertV "ncurses" "6.5";
      libxcrypt = inertV "libxcrypt" "4.4.36";
      openssl = inertV "openssl" "3.4.0";
      libffi = inertV "libffi" "3.4.6";
      # Named by lock2nix's curated overrides (overlays/overrides.toml, whose `source`
      # fields give the nixpkgs file each name was checked in). Outputs and passthru
      # attributes only where a curated entry uses them (libxml2.dev, libpq.pg_config).
      pkg-config = inertV "pkg-config" "0.29.2";
      gfortran = inertV "gfortran" "14.2.0";
      libxml2 = inertX "libxml2" "2.13.8" { outputs = [ "out" "dev" ]; };
      libxslt = inertX "libxslt" "1.1.43" { outputs = [ "out" "dev" ]; };
      libpq = inertX "libpq" "17.5" {
        outputs = [ "out" "dev" ];
        passthru.pg_config = inertV "libpq-pg_config" "17.5";
      };
      blas = inertX "blas" "3" { outputs = [ "out" "dev" ]; };
      lapack = inertX "lapack" "3" { outputs = [ "out" "dev" ]; };
      hdf5 = inertX "hdf5-cpp" "1.14.6" { outputs = [ "out" "dev" "bin" ]; };
      freetype = inertV "freetype" "2.13.3";
      lcms2 = inertV "lcms2" "2.17";
      libjpeg = inertV "libjpeg-turbo" "3.0.4";
      libtiff = inertV "libtiff" "4.7.0";
      libwebp = inertV "libwebp" "1.5.0";
      openjpeg = inertV "openjpeg" "2.5.3";
      libyaml = inertV "libyaml" "0.2.5";
      c-ares = inertV "c-ares" "1.34.5";
      libmysqlclient = inertV "mariadb-connector-c" "3.3.10";
      geos = inertV "geos" "3.13.1";
      zeromq = inertV "zeromq" "4.3.5";
      libsodium = inertV "libsodium" "1.0.20";
      libev = inertV "libev" "4.33";
      libuv = inertV "libuv" "1.50.0";
      qhull = inertV "qhull" "2020.2";
      openldap = inertV "openldap" "2.6.9";
      cyrus_sasl = inertV "cyrus-sasl" "2.1.28";
      cairo = inertV "cairo" "1.18.2";
      gobject-introspection = inertV "gobject-introspection" "1.84.0";
      rdkafka = inertV "rdkafka" "2.8.0";
      crc32c = inertV "crc32c" "1.1.2";
      unixODBC = inertV "unixODBC" "2.3.12";
      freetds = inertV "freetds" "1.4.27";
      krb5 = inertV "krb5" "1.21.3";
      xorg = {
        libX11 = inertV "libX11" "1.8.10";
        libXext = inertV "libXext" "1.3.6";
        libXrender = inertV "libXrender" "0.9.12";
        libICE = inertV "libICE" "1.1.2";
        libSM = inertV "libSM" "1.2.5";
      };
      # Named by the conda environment fixtures (lock2nix's conda-tools table):
      # R with rPackages and rWrapper (pkgs/development/r-modules), Node.js and
      # pre-commit, as inert placeholders with nixpkgs-25.05-era versions.
      nodejs = inertV "nodejs" "22.14.0";
      pre-commit = inertV "pre-commit" "4.0.1";
      R = inertV "R" "4.4.3";
      rPackages = lib.genAttrs [
        "optparse" "ggplot2" "RColorBrewer" "pheatmap" "DESeq2" "BiocParallel" "tximport" "ComplexHeatmap"
      ] (n: inertV "r-${n}" "0");
      rWrapper =
        let
          wrapper =
            packages:
            inertX "R-wrapper" "4.4.3" {
              propagatedBuildInputs = packages;
              passthru.override = args: wrapper (args.packages or packages);
            };
        in
        wrapper [ ];
      pythonManylinuxPackages =
        let
          common = [
            (lib.getLib stdenv.cc.libc)
            (lib.getLib stdenv.cc.cc)
            final.xorg.libX11
            final.xorg.libXext
            final.xorg.libXrender
            final.xorg.libICE
            final.xorg.libSM
            final.libGL
            final.glib
            final.zlib
            final.expat
          ];
        in
        {
          manylinux1 = common ++ [ final.ncurses5 final.libxcrypt ];
          manylinux2010 = common;
          manylinux2014 = common;
        };

      lock2nixStandin = {
        inherit (import ./python/accepted-args.nix) acceptedBuildPythonPackageArgs;
        hostPython = if hostPython == null then null else toString hostPython;
        inherit hostGit system;
        buildablePythonVersion = "3.11";
      };
    };

  composed = b.foldl' (acc: overlay: lib.extends overlay acc) base overlays;
in
b.seq checkArgs (lib.fix composed)

# Attributes nixpkgs' Python set has but the stand-in does not build: the build
# backends in lock2nix's verified table (overlays/build-backends.json,
# each entry checked against nixpkgs' python-packages.nix) and the runtime
# dependencies of lock2nix itself that the stand-in does not install. They instantiate as
# Python modules, so overlays naming them evaluate as they would in nixpkgs;
# building one fails with a message saying the stand-in does not model it.
# Layered below the stand-in's real packages, which take precedence.
{ lib, stdenv, python }:
self: super:
let
  table = (builtins.fromJSON (builtins.readFile ../../../translator/lock2nix/overlays/build-backends.json)).mapping;
  # Runtime dependencies of lock2nix itself (overlays/lock2nix.nix, flake.nix), as
  # named in nixpkgs' python-packages.nix (fork copy Bad3r/nixpkgs@059eff55, 2026).
  lock2nixDependencies = [
    "jsonschema"
    "pypi-simple"
    # `ruamel-yaml = callPackage ../development/python-modules/ruamel-yaml { };`
    "ruamel-yaml"
    # `pyyaml = callPackage ../development/python-modules/pyyaml { };` (environment.yml files)
    "pyyaml"
  ];
  # Python packages the conda environment fixtures (tests/fixtures/conda) name, and
  # the dependencies of the packages those environments lock from pip, under their
  # nixpkgs attribute names. Each is a real attribute of nixpkgs' Python set
  # (pkgs/development/python-modules/<name> in NixOS/nixpkgs, read in 2025/2026
  # snapshots); names the fixtures use that could not be confirmed there (flox,
  # scitools-iris, nc-time-axis, pydap, torchgeo, jupyterlab-nvdashboard,
  # types-openpyxl, types-pexpect, types-defusedxml, types-pygments, pytest-env,
  # cuml-cu11) are deliberately absent, as they may be from a user's nixpkgs.
  condaFixtureAttributes = [
    "aiobotocore" "array-api-strict" "boto3" "bottleneck" "cartopy" "certifi" "cftime"
    "charset-normalizer" "dask" "distributed" "fsspec" "fvcore" "gpytorch" "h5netcdf" "h5py"
    "hypothesis" "idna" "iopath" "jax" "lxml" "matplotlib" "mypy" "netcdf4" "numba" "numbagg"
    "numexpr" "numpy" "omegaconf" "opt-einsum" "pandas" "pandas-stubs" "pooch" "pyarrow"
    "pytest-asyncio" "pytest-cov" "pytest-mypy-plugins" "pytest-timeout" "pytest-xdist"
    "rasterio" "requests" "scipy" "seaborn" "sparse" "submitit" "toolz" "torch" "torchmetrics"
    "torchvision" "types-colorama" "types-docutils" "types-psutil" "types-python-dateutil"
    "types-pytz" "types-pyyaml" "types-requests" "types-setuptools" "urllib3" "xformers" "zarr"
    "argh" "xmltodict"
  ];
  # Packages the realocks fixtures keep from nixpkgs (`skip = true` for a source on
  # a host the tests cannot reach): nixpkgs' `python3Packages.django`, an alias of its
  # default `django_<major>` (pkgs/development/python-modules/django).
  realocksFixtureAttributes = [ "django" ];
  # Check inputs of the stand-in's own packages whose tests nixpkgs switches off
  # (./packages.nix): nixpkgs has them, the stand-in never builds them.
  checkInputsOfOwnPackages = [ "pretend" "virtualenv" "wcag-contrast-ratio" ];
  attributes = lib.unique (
    builtins.filter (a: a != null) (map (e: e.attribute) (builtins.attrValues table))
    ++ lock2nixDependencies
    ++ condaFixtureAttributes
    ++ realocksFixtureAttributes
    ++ checkInputsOfOwnPackages
  );
  stub =
    name:
    self.toPythonModule (
      stdenv.mkDerivation {
        name = "python${python.pythonVersion}-${name}-unmodelled";
        pname = name;
        version = "0";
        buildCommand = ''
          echo "lock2nix nixpkgs stand-in: nixpkgs has python3Packages.${name}, but the stand-in does not build it" >&2
          exit 1
        '';
      }
    );
in
builtins.listToAttrs (
  map (name: {
    inherit name;
    value = stub name;
  }) attributes
)

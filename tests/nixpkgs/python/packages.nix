# The stand-in's own Python packages: nixpkgs has these in every Python set.
#
# Wiring as nixpkgs 25.05 (pkgs/development/python-modules/<name>/default.nix, read
# in faukah/nixpkgs@3b20077c): each is `buildPythonPackage { pyproject = true; ... }`
# with nixpkgs' build-system, dependencies, check inputs and `doCheck`, so the
# generic builder gives it nixpkgs' hooks, bootstrap exceptions included, and a
# global replacement of wheel / installer / build / packaging / pytest reaches its
# derivation exactly as it would in nixpkgs. nixpkgs' own set has no cycle; nor has
# this one (test_standin.py instantiates every package).
#
# Stand-in-private: instead of building the sdist, the builder installs the real
# py3-none-any wheel from PyPI (URL and SHA-256 from PyPI's Simple API), named by
# `passthru.lock2nixStandinPrebuiltWheel`; that wheel is also the package's `src`,
# which nixpkgs' bootstrap packages take over. Versions are the stand-in's (newer
# than 25.05 where nothing depends on it); runtime dependencies follow each wheel's
# Requires-Dist, so the runtime-deps check passes. Where nixpkgs lists a check input
# the stand-in does not build, it is left out for packages whose tests run
# (doCheck = true), and kept for those whose tests are off (never evaluated there).
{ lib, fetchurl, builderFor }:
self: super:
let
  b = builtins;
  inherit (self) python pkgs;

  fromWheel =
    args@{ url, hash, ... }:
    let
      src = fetchurl {
        inherit url hash;
        name = baseNameOf url;
      };
    in
    self.buildPythonPackage (
      b.removeAttrs args [ "url" "hash" ]
      // {
        pyproject = true;
        inherit src;
        passthru = (args.passthru or { }) // {
          lock2nixStandinPrebuiltWheel = src;
        };
      }
    );

  # nixpkgs pkgs/development/python-modules/bootstrap/{flit-core,installer,build,packaging}:
  # plain derivations (no hook of the set), built from the `src` (and `version`,
  # `patches`, `meta`) of the set's package with bootstrap flit-core/installer.
  # bootstrap.build also takes the sources of packaging, pyproject-hooks and tomli.
  mkBootstrap =
    base:
    {
      flit-core ? null,
      installer ? null,
      companions ? [ ],
    }:
    let
      bld = builderFor "bootstrap";
      pname = "${python.libPrefix}-bootstrap-${base.pname}";
      drv = derivation {
        name = "${pname}-${base.version}";
        inherit pname;
        inherit (base) version src;
        inherit (python.stdenv) system;
        inherit (bld) builder args PATH;
        standinConfig = b.toJSON {
          mode = "bootstrap";
          inherit pname;
          basePname = base.pname;
          python = {
            inherit (python) pythonVersion libPrefix sitePackages executable;
            interpreter = "${python}/bin/${python.executable}";
          };
          src = "${base.src}";
          patches = map (p: "${p}") (base.patches or [ ]);
          flitCore = if flit-core == null then null else "${flit-core}";
          installer = if installer == null then null else "${installer}";
          companionSrcs = map (c: "${c.src}") companions;
        };
        passAsFile = [ "standinConfig" ];
      };
    in
    self.toPythonModule (
      drv
      // {
        inherit (base) version src;
        meta = base.meta or { };
      }
    );
in
{
  # nixpkgs python-packages.nix: `bootstrap = lib.recurseIntoAttrs { ... }`.
  bootstrap = {
    recurseForDerivations = true;
    flit-core = mkBootstrap self.flit-core { };
    installer = mkBootstrap self.installer { inherit (self.bootstrap) flit-core; };
    build = mkBootstrap self.build {
      inherit (self.bootstrap) flit-core installer;
      companions = [ self.packaging self.pyproject-hooks self.tomli ];
    };
    packaging = mkBootstrap self.packaging { inherit (self.bootstrap) flit-core installer; };
  };

  # Builds itself (in-tree backend). "Requires pytest, causing infinite recursion."
  setuptools = fromWheel {
    pname = "setuptools";
    version = "84.2.1";
    url = "https://files.pythonhosted.org/packages/ef/55/6dc6d6bb953bdfc52519a0059592c52b6e3b8ad51cf8256dffceb55b0610/setuptools-84.2.1-py3-none-any.whl";
    hash = "sha256-yhQLRdUyWpR4+IDjUUhPYv7xXzNkYuRJygwDyHPVicI=";
    doCheck = false;
  };

  # nixpkgs 25.05's version: no runtime dependencies.
  wheel = fromWheel {
    pname = "wheel";
    version = "0.45.1";
    url = "https://files.pythonhosted.org/packages/0b/2c/87f3254fd8ffd29e4c02732eee68a83a1d3c346ae39bc6822dcbcb697f2b/wheel-0.45.1-py3-none-any.whl";
    hash = "sha256-cI50gcyAF5rw5Va78MwAuERMcyHicAuNhYAjHRMBckg=";
    nativeBuildInputs = [ self.flit-core ];
    doCheck = false;
  };

  packaging = fromWheel {
    pname = "packaging";
    version = "26.3";
    url = "https://files.pythonhosted.org/packages/63/34/ba1c580383c9eada3711951fef0795c80b829a078d72188184bcab9dd527/packaging-26.3-py3-none-any.whl";
    hash = "sha256-1xk/fI5Ok/RE/eAmK/kK8w4W+grQrUTLVTyHM5sjzRw=";
    nativeBuildInputs = [ self.flit-core ];
    nativeCheckInputs = [ self.pytestCheckHook self.pretend ];
    # "Prevent circular dependency with pytest"
    doCheck = false;
  };

  installer = fromWheel {
    pname = "installer";
    version = "0.7.0";
    url = "https://files.pythonhosted.org/packages/e5/ca/1172b6638d52f2d6caa2dd262ec4c811ba59eee96d54a7701930726bce18/installer-0.7.0-py3-none-any.whl";
    hash = "sha256-BdGTPwpbp9jWKWu21QGOfJT6RzzrEM8ZipLM6hnCe1M=";
    nativeBuildInputs = [ self.flit-core ];
    doCheck = false;
  };

  build = fromWheel {
    pname = "build";
    version = "1.2.2.post1";
    url = "https://files.pythonhosted.org/packages/84/c2/80633736cd183ee4a62107413def345f7e6e3c01563dbca1417363cf957e/build-1.2.2.post1-py3-none-any.whl";
    hash = "sha256-HWHAiH+oYMAZcWJbqui90zjlF7g2ovcN0feqOmsvxbU=";
    nativeBuildInputs = [ self.flit-core ];
    propagatedBuildInputs = [ self.packaging self.pyproject-hooks ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    doCheck = false;
  };

  pyproject-hooks = fromWheel {
    pname = "pyproject-hooks";
    version = "1.2.0";
    url = "https://files.pythonhosted.org/packages/bd/24/12818598c362d7f300f18e74db45963dbcb85150324092410c8b49405e42/pyproject_hooks-1.2.0-py3-none-any.whl";
    hash = "sha256-nlxr+o3MMAkcdLDPgDyB/dKdlPAZkqdwe8l7q7EUGRM=";
    nativeBuildInputs = [ self.flit-core ];
    propagatedBuildInputs = lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    doCheck = false;
  };

  # Builds itself; "Tests are run in the flit package."
  flit-core = fromWheel {
    pname = "flit-core";
    version = "3.12.0";
    url = "https://files.pythonhosted.org/packages/f2/65/b6ba90634c984a4fcc02c7e3afe523fef500c4980fec67cc27536ee50acf/flit_core-3.12.0-py3-none-any.whl";
    hash = "sha256-56AwQGnqiVFy48e7cDKS6ZLF0VVd0SM6t7ViG1tp5iw=";
    doCheck = false;
  };

  flit-scm = fromWheel {
    pname = "flit-scm";
    version = "1.7.0";
    url = "https://files.pythonhosted.org/packages/b8/c3/8d97318eeca2cf41e2a59e3af3e79d5fd23d56eed56ef1c34866d3b0a435/flit_scm-1.7.0-py3-none-any.whl";
    hash = "sha256-noZMqopj9wj1uy8bW1Pu3NTadewsxiIaZM6nqlyerho=";
    nativeBuildInputs = [ self.flit-core self.setuptools-scm ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    propagatedBuildInputs = [ self.flit-core self.setuptools-scm ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    doCheck = false;
  };

  # Builds itself. Tests run, with check inputs the stand-in builds (nixpkgs also has
  # pytest-mock, pytest-cov-stub, tomli-w and virtualenv there).
  poetry-core = fromWheel {
    pname = "poetry-core";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/b7/25/7ed0a2ea4fe12f7fd0394387b5debbcd6fdbd06e5ac9daab96ba11471da8/poetry_core-2.5.0-py3-none-any.whl";
    hash = "sha256-mO5GW2b34Uu5++aPteANDP8YTwNpk+yUYQrktWEvOt0=";
    nativeCheckInputs = [ self.build pkgs.git self.pytestCheckHook self.setuptools self.trove-classifiers ];
    pythonNamespaces = [ "poetry" ];
  };

  # nixpkgs 25.05's version (1.27): newer hatchling needs tomlkit, whose tests need
  # pytest, which needs hatchling (through iniconfig and pygments): a cycle nixpkgs avoids.
  # Builds itself.
  hatchling = fromWheel {
    pname = "hatchling";
    version = "1.27.0";
    url = "https://files.pythonhosted.org/packages/08/e7/ae38d7a6dfba0533684e0b2136817d667588ae3ec984c1a4e5df5eb88482/hatchling-1.27.0-py3-none-any.whl";
    hash = "sha256-06LzVnxPkm6jmEnN+STH6Z5mhsnI4oiuEDfI+ipdk3s=";
    dependencies = [ self.editables self.packaging self.pathspec self.pluggy self.trove-classifiers ]
      ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    # "tries to fetch packages from the internet"
    doCheck = false;
    nativeCheckInputs = [ self.build self.requests self.virtualenv ];
  };

  editables = fromWheel {
    pname = "editables";
    version = "0.5";
    url = "https://files.pythonhosted.org/packages/6b/be/0f2f4a5e8adc114a02b63d92bf8edbfa24db6fc602fca83c885af2479e0e/editables-0.5-py3-none-any.whl";
    hash = "sha256-YeX/qCYp4Ni/4JvESgfbPBq47RznimmAcyhw8ZtefUw=";
    build-system = [ self.flit-core ];
    nativeCheckInputs = [ self.pytestCheckHook ];
    doCheck = false;
  };

  pathspec = fromWheel {
    pname = "pathspec";
    version = "1.1.1";
    url = "https://files.pythonhosted.org/packages/f1/d9/7fb5aa316bc299258e68c73ba3bddbc499654a07f151cba08f6153988714/pathspec-1.1.1-py3-none-any.whl";
    hash = "sha256-oAzmQvV3v39HOTIxgFYhK8T4v99TEox4u9WvC5sgsYk=";
    nativeBuildInputs = [ self.flit-core ];
    checkInputs = [ self.unittestCheckHook ];
  };

  pluggy = fromWheel {
    pname = "pluggy";
    version = "1.7.0";
    url = "https://files.pythonhosted.org/packages/40/9e/2b38731e0fc536806f16490e1a12d7f0dc2a1235aa8cc07bcc75416a7daa/pluggy-1.7.0-py3-none-any.whl";
    hash = "sha256-fdew2IMro8tjLDBpJt7RI0KSEbg2QbNdxcQa0tNPm+w=";
    build-system = [ self.setuptools-scm ];
    # "To prevent infinite recursion with pytest"
    doCheck = false;
  };

  trove-classifiers = fromWheel {
    pname = "trove-classifiers";
    version = "2026.9.21.13";
    url = "https://files.pythonhosted.org/packages/30/81/0da8afb52a71d0a4f2bd3152357b1a441e393b286374802b9d3addab4ab5/trove_classifiers-2026.9.21.13-py3-none-any.whl";
    hash = "sha256-ix/0+cGRsQQLccN/HkRauZcykR482R3lKDhFOoVNehc=";
    build-system = [ self.calver self.setuptools ];
    # "avoid infinite recursion with hatchling"
    doCheck = false;
    nativeCheckInputs = [ self.pytestCheckHook ];
  };

  calver = fromWheel {
    pname = "calver";
    version = "2025.4.1";
    url = "https://files.pythonhosted.org/packages/aa/ed/5c5e858854029916fd3a956eb1c3398abdf13881c1bca12660a8eeb8d17f/calver-2025.4.1-py3-none-any.whl";
    hash = "sha256-P6hxhn/0DU1UgDozOaVxySgQG8M+XxXYMLKyksVD4IU=";
    build-system = [ self.setuptools ];
    # "avoid infinite recursion with hatchling"
    doCheck = false;
    nativeCheckInputs = [ self.pretend self.pytestCheckHook ];
  };

  # Tests run (nixpkgs also has pyyaml among the check inputs).
  tomlkit = fromWheel {
    pname = "tomlkit";
    version = "0.15.2";
    url = "https://files.pythonhosted.org/packages/da/46/7d84138a60a8bd796825b2d38ebe92d0d16501ca57d501b7c5d677401bbc/tomlkit-0.15.2-py3-none-any.whl";
    hash = "sha256-BVYkEhY6MDe5RJc4X7f5IExje8YFr3pIGZ5BzyJy9Dc=";
    build-system = [ self.poetry-core ];
    nativeCheckInputs = [ self.pytestCheckHook ];
  };

  hatch-vcs = fromWheel {
    pname = "hatch-vcs";
    version = "0.5.0";
    url = "https://files.pythonhosted.org/packages/5f/48/1f85cee4b7b4f40b9b814b1febbc661bda6ced9649e410a0b74f6e415dd0/hatch_vcs-0.5.0-py3-none-any.whl";
    hash = "sha256-tJZ329xZdGDMItAbJ6s2lvXhaiHs8nAPsBvCjh8qBKc=";
    build-system = [ self.hatchling ];
    dependencies = [ self.hatchling self.setuptools-scm ];
    nativeCheckInputs = [ pkgs.git self.pytestCheckHook ];
  };

  # 8.x, as in nixpkgs 25.05 (the newest nixpkgs Nix 2.8 evaluates): 10.x needs
  # vcs-versioning with packaging>=26.2, which a lock pinning older packaging breaks.
  setuptools-scm = fromWheel {
    pname = "setuptools-scm";
    version = "8.3.1";
    url = "https://files.pythonhosted.org/packages/ab/ac/8f96ba9b4cfe3e4ea201f23f4f97165862395e9331a424ed325ae37024a8/setuptools_scm-8.3.1-py3-none-any.whl";
    hash = "sha256-Myyg1DeRuBi4QSE+drGXG3cRqWB2HFvqX8XNtRlvvOM=";
    build-system = [ self.setuptools ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    dependencies = [ self.packaging self.setuptools self.typing-extensions ]
      ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
    # "check in passthru.tests.pytest to escape infinite recursion on pytest"
    doCheck = false;
    # nixpkgs' setuptools-scm setup hook exports SETUPTOOLS_SCM_PRETEND_VERSION.
    passthru.standinSetupHook = "setuptools-scm";
  };

  # Builds itself. (importlib-metadata, a dependency below Python 3.10, is not modelled.)
  pdm-backend = fromWheel {
    pname = "pdm-backend";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/5e/a6/c743c589188f9e45e1a7c8f3e2e725f9b5df5decd72779fbfc1695b45866/pdm_backend-2.5.0-py3-none-any.whl";
    hash = "sha256-W4dGtWehah/VBs5m7ijonUY3RSb1IjiqG5bMLAgkXGM=";
    env.PDM_BUILD_SCM_VERSION = "2.5.0";
    nativeCheckInputs = [ self.editables pkgs.gitMinimal pkgs.mercurial self.pytestCheckHook self.setuptools ];
    # nixpkgs' pdm-backend setup hook exports PDM_BUILD_SCM_VERSION.
    passthru.standinSetupHook = "pdm-backend";
  };

  pytest = fromWheel {
    pname = "pytest";
    version = "9.2.0";
    url = "https://files.pythonhosted.org/packages/51/39/1f5d8c8877a0fa327db959c19341d4be61660de1ab6b7391f9eb805bcd67/pytest-9.2.0-py3-none-any.whl";
    hash = "sha256-B6zc+I7BdPkH3AGvcL9S1JsBS7qwP67q3jHJaxjC5Yg=";
    nativeBuildInputs = [ self.setuptools self.setuptools-scm ];
    propagatedBuildInputs = [ self.iniconfig self.packaging self.pluggy self.pygments ]
      ++ lib.optionals (python.pythonOlder "3.11") [ self.exceptiongroup self.tomli ];
    doCheck = false;
  };

  iniconfig = fromWheel {
    pname = "iniconfig";
    version = "2.3.1";
    url = "https://files.pythonhosted.org/packages/56/43/4ca9e49d27a1fcf6bece6f6aec0ea46bb9112489b93d4b688fb415457bdb/iniconfig-2.3.1-py3-none-any.whl";
    hash = "sha256-kSHiwf2zVSMklb4xlMjf6HzMLV3uRZR7eOaPSZeQ16c=";
    build-system = [ self.hatchling ];
    # "Requires pytest, which in turn requires this package - causes infinite recursion."
    doCheck = false;
  };

  pygments = fromWheel {
    pname = "pygments";
    version = "2.21.0";
    url = "https://files.pythonhosted.org/packages/71/46/17f022dd3e953bf20a04a028a21ec746d942f8d2af30fa0f124fa0e6a684/pygments-2.21.0-py3-none-any.whl";
    hash = "sha256-I2PGm2HEqXyDjaOxMNzWRo9ISJkrIagvKmPsNDdxN9k=";
    nativeBuildInputs = [ self.hatchling ];
    # "circular dependencies if enabled by default"
    doCheck = false;
    nativeCheckInputs = [ self.pytestCheckHook self.wcag-contrast-ratio ];
  };

  # Below Python 3.11 a bootstrap package (generic builder, by pname).
  tomli = fromWheel {
    pname = "tomli";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/60/3f/3e3f8fd0919249b0200c80fbc4f9a1e70be19f9883da71dfb7f8b9ab8aca/tomli-2.5.0-py3-none-any.whl";
    hash = "sha256-Mqe3msV6LoNnDOMpzPZ1eYvFoglHg6Y2doZrcFA/Lis=";
    nativeBuildInputs = [ self.flit-core ];
    nativeCheckInputs = [ self.unittestCheckHook ];
  };

  exceptiongroup = fromWheel {
    pname = "exceptiongroup";
    version = "1.3.1";
    url = "https://files.pythonhosted.org/packages/8a/0e/97c33bf5009bdbac74fd2beace167cab3f978feb69cc36f1ef79360d6c4e/exceptiongroup-1.3.1-py3-none-any.whl";
    hash = "sha256-p6OaO9J2eB6YOUmH06VwHQxO3/tjO7elFEV3+Cx3NZg=";
    nativeBuildInputs = [ self.flit-scm ];
    dependencies = lib.optionals (python.pythonOlder "3.13") [ self.typing-extensions ];
    nativeCheckInputs = [ self.pytestCheckHook ];
    # "infinite recursion with pytest"
    doCheck = python.pythonAtLeast "3.11";
  };

  typing-extensions = fromWheel {
    pname = "typing-extensions";
    version = "4.16.0";
    url = "https://files.pythonhosted.org/packages/49/d3/b8441a820a491ddfc024b0b0cf0393375b75ea13866d9c66727e54c2fc80/typing_extensions-4.16.0-py3-none-any.whl";
    hash = "sha256-SByqSBN06BPBsXatoU6X8fZ6RTnOnP6z81DXjWNwwug=";
    nativeBuildInputs = [ self.flit-core ];
  };

  # A pure-Python wheel here; nixpkgs compiles it.
  cython = fromWheel {
    pname = "cython";
    version = "3.3.1";
    url = "https://files.pythonhosted.org/packages/9d/55/088578d75bc8dbcbc535af04b1d596ff227ca756dd74f9d3c1c526f955d0/cython-3.3.1-py3-none-any.whl";
    hash = "sha256-YavH/u3SDaxsT/erOjDhcTagZ7JCq5JT4rSm2acsK2E=";
    build-system = [ pkgs.pkg-config self.setuptools ];
    nativeCheckInputs = [ pkgs.gdb self.numpy pkgs.ncurses ];
    doCheck = false;
  };

  # pip: conda environments list it (to use their `pip:` section), and nixpkgs has
  # it in every Python set; 25.0.1 is the version nixpkgs 25.05 ships. (Its
  # documentation inputs, sphinx and sphinx-issues, are not modelled.)
  pip = fromWheel {
    pname = "pip";
    version = "25.0.1";
    url = "https://files.pythonhosted.org/packages/c9/bc/b7db44f5f39f9d0494071bddae6880eb645970366d0a200022a1a93d57f5/pip-25.0.1-py3-none-any.whl";
    hash = "sha256-xG79E7aqgnnzPyhkRZyM5YfqahpZ7iDeBVho2Pdoj38=";
    nativeBuildInputs = [ pkgs.installShellFiles self.setuptools self.wheel ];
    doCheck = false;
  };

  colorama = fromWheel {
    pname = "colorama";
    version = "0.4.6";
    url = "https://files.pythonhosted.org/packages/d1/d6/3965ed04c63042e047cb6a3e6ed1a63a35087b6a609aa3a15ed8ac56c221/colorama-0.4.6-py2.py3-none-any.whl";
    hash = "sha256-Tx2ZkfWswMoRn51ENiC3f51rM3A+UQEcFrr1evsoX8Y=";
    nativeBuildInputs = [ self.hatchling ];
    nativeCheckInputs = [ self.pytestCheckHook ];
  };
}

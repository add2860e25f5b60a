# The stand-in's own Python packages: nixpkgs has these in every Python set.
# Each is installed from the real py3-none-any wheel on PyPI (URL and SHA-256
# taken from PyPI's Simple API), with format = "wheel" through the stand-in's own
# buildPythonPackage, so they obey the same rules as generated packages.
# Runtime dependencies follow the wheels' Requires-Dist (markers evaluated here).
{ lib, fetchurl, python }:
self: super:
let
  fromWheel =
    { pname, version, url, hash, dependencies, passthru ? { } }:
    self.buildPythonPackage {
      inherit pname version dependencies passthru;
      format = "wheel";
      src = fetchurl {
        inherit url hash;
        name = baseNameOf url;
      };
      doCheck = false;
    };
in
{
  setuptools = fromWheel {
    pname = "setuptools";
    version = "84.2.1";
    url = "https://files.pythonhosted.org/packages/ef/55/6dc6d6bb953bdfc52519a0059592c52b6e3b8ad51cf8256dffceb55b0610/setuptools-84.2.1-py3-none-any.whl";
    hash = "sha256-yhQLRdUyWpR4+IDjUUhPYv7xXzNkYuRJygwDyHPVicI=";
    dependencies = [ ];
  };

  wheel = fromWheel {
    pname = "wheel";
    version = "0.48.0";
    url = "https://files.pythonhosted.org/packages/2e/29/69cfbb602cd91690c55d38ba9fe53e6a7e76a6fa647bf38f19c138d25449/wheel-0.48.0-py3-none-any.whl";
    hash = "sha256-MhfcyAcVXkXbRi1+8kMfXd2g1yc7cA0FpnsnHOsSh6s=";
    dependencies = [ self.packaging ];
  };

  packaging = fromWheel {
    pname = "packaging";
    version = "26.3";
    url = "https://files.pythonhosted.org/packages/63/34/ba1c580383c9eada3711951fef0795c80b829a078d72188184bcab9dd527/packaging-26.3-py3-none-any.whl";
    hash = "sha256-1xk/fI5Ok/RE/eAmK/kK8w4W+grQrUTLVTyHM5sjzRw=";
    dependencies = [ ];
  };

  poetry-core = fromWheel {
    pname = "poetry-core";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/b7/25/7ed0a2ea4fe12f7fd0394387b5debbcd6fdbd06e5ac9daab96ba11471da8/poetry_core-2.5.0-py3-none-any.whl";
    hash = "sha256-mO5GW2b34Uu5++aPteANDP8YTwNpk+yUYQrktWEvOt0=";
    dependencies = [ ];
  };

  flit-core = fromWheel {
    pname = "flit-core";
    version = "3.12.0";
    url = "https://files.pythonhosted.org/packages/f2/65/b6ba90634c984a4fcc02c7e3afe523fef500c4980fec67cc27536ee50acf/flit_core-3.12.0-py3-none-any.whl";
    hash = "sha256-56AwQGnqiVFy48e7cDKS6ZLF0VVd0SM6t7ViG1tp5iw=";
    dependencies = [ ];
  };

  hatchling = fromWheel {
    pname = "hatchling";
    version = "1.33.0";
    url = "https://files.pythonhosted.org/packages/32/64/4afe5dd77b2939a93e8c9513f8082dbd049ecba9c1484a379a0f6ae29d6b/hatchling-1.33.0-py3-none-any.whl";
    hash = "sha256-QVKQuE9GTSiEMD/KiXTTjnuFV5Bp+rAqFdsIKPuxRG0=";
    dependencies = [ self.packaging self.pathspec self.pluggy self.tomlkit self.trove-classifiers ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli ];
  };

  pathspec = fromWheel {
    pname = "pathspec";
    version = "1.1.1";
    url = "https://files.pythonhosted.org/packages/f1/d9/7fb5aa316bc299258e68c73ba3bddbc499654a07f151cba08f6153988714/pathspec-1.1.1-py3-none-any.whl";
    hash = "sha256-oAzmQvV3v39HOTIxgFYhK8T4v99TEox4u9WvC5sgsYk=";
    dependencies = [ ];
  };

  pluggy = fromWheel {
    pname = "pluggy";
    version = "1.7.0";
    url = "https://files.pythonhosted.org/packages/40/9e/2b38731e0fc536806f16490e1a12d7f0dc2a1235aa8cc07bcc75416a7daa/pluggy-1.7.0-py3-none-any.whl";
    hash = "sha256-fdew2IMro8tjLDBpJt7RI0KSEbg2QbNdxcQa0tNPm+w=";
    dependencies = [ ];
  };

  trove-classifiers = fromWheel {
    pname = "trove-classifiers";
    version = "2026.9.21.13";
    url = "https://files.pythonhosted.org/packages/30/81/0da8afb52a71d0a4f2bd3152357b1a441e393b286374802b9d3addab4ab5/trove_classifiers-2026.9.21.13-py3-none-any.whl";
    hash = "sha256-ix/0+cGRsQQLccN/HkRauZcykR482R3lKDhFOoVNehc=";
    dependencies = [ ];
  };

  tomlkit = fromWheel {
    pname = "tomlkit";
    version = "0.15.2";
    url = "https://files.pythonhosted.org/packages/da/46/7d84138a60a8bd796825b2d38ebe92d0d16501ca57d501b7c5d677401bbc/tomlkit-0.15.2-py3-none-any.whl";
    hash = "sha256-BVYkEhY6MDe5RJc4X7f5IExje8YFr3pIGZ5BzyJy9Dc=";
    dependencies = [ ];
  };

  hatch-vcs = fromWheel {
    pname = "hatch-vcs";
    version = "0.5.0";
    url = "https://files.pythonhosted.org/packages/5f/48/1f85cee4b7b4f40b9b814b1febbc661bda6ced9649e410a0b74f6e415dd0/hatch_vcs-0.5.0-py3-none-any.whl";
    hash = "sha256-tJZ329xZdGDMItAbJ6s2lvXhaiHs8nAPsBvCjh8qBKc=";
    dependencies = [ self.hatchling self.setuptools-scm ];
  };

  # 8.x, as in nixpkgs 25.05 (the newest nixpkgs Nix 2.8 evaluates): 10.x needs
  # vcs-versioning with packaging>=26.2, which a lock pinning older packaging breaks.
  setuptools-scm = fromWheel {
    pname = "setuptools-scm";
    version = "8.3.1";
    url = "https://files.pythonhosted.org/packages/ab/ac/8f96ba9b4cfe3e4ea201f23f4f97165862395e9331a424ed325ae37024a8/setuptools_scm-8.3.1-py3-none-any.whl";
    hash = "sha256-Myyg1DeRuBi4QSE+drGXG3cRqWB2HFvqX8XNtRlvvOM=";
    dependencies = [ self.packaging self.setuptools ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli self.typing-extensions ];
    # nixpkgs' setuptools-scm setup hook exports SETUPTOOLS_SCM_PRETEND_VERSION.
    passthru.standinSetupHook = "setuptools-scm";
  };

  vcs-versioning = fromWheel {
    pname = "vcs-versioning";
    version = "2.6.0";
    url = "https://files.pythonhosted.org/packages/73/1d/ad4064bf12f4503bf61e65d74c93c523672776d25ee0a06aaf42ae09ef3f/vcs_versioning-2.6.0-py3-none-any.whl";
    hash = "sha256-+L69EwLrwS5nzrMPx91pjslpQUtvpDsww/FKybHnLEE=";
    dependencies = [ self.packaging ] ++ lib.optionals (python.pythonOlder "3.11") [ self.tomli self.typing-extensions ];
  };

  pdm-backend = fromWheel {
    pname = "pdm-backend";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/5e/a6/c743c589188f9e45e1a7c8f3e2e725f9b5df5decd72779fbfc1695b45866/pdm_backend-2.5.0-py3-none-any.whl";
    hash = "sha256-W4dGtWehah/VBs5m7ijonUY3RSb1IjiqG5bMLAgkXGM=";
    dependencies = [ ];
    # nixpkgs' pdm-backend setup hook exports PDM_BUILD_SCM_VERSION.
    passthru.standinSetupHook = "pdm-backend";
  };

  pytest = fromWheel {
    pname = "pytest";
    version = "9.2.0";
    url = "https://files.pythonhosted.org/packages/51/39/1f5d8c8877a0fa327db959c19341d4be61660de1ab6b7391f9eb805bcd67/pytest-9.2.0-py3-none-any.whl";
    hash = "sha256-B6zc+I7BdPkH3AGvcL9S1JsBS7qwP67q3jHJaxjC5Yg=";
    dependencies = [ self.iniconfig self.packaging self.pluggy self.pygments ] ++ lib.optionals (python.pythonOlder "3.11") [ self.exceptiongroup self.tomli ];
  };

  iniconfig = fromWheel {
    pname = "iniconfig";
    version = "2.3.1";
    url = "https://files.pythonhosted.org/packages/56/43/4ca9e49d27a1fcf6bece6f6aec0ea46bb9112489b93d4b688fb415457bdb/iniconfig-2.3.1-py3-none-any.whl";
    hash = "sha256-kSHiwf2zVSMklb4xlMjf6HzMLV3uRZR7eOaPSZeQ16c=";
    dependencies = [ ];
  };

  pygments = fromWheel {
    pname = "pygments";
    version = "2.21.0";
    url = "https://files.pythonhosted.org/packages/71/46/17f022dd3e953bf20a04a028a21ec746d942f8d2af30fa0f124fa0e6a684/pygments-2.21.0-py3-none-any.whl";
    hash = "sha256-I2PGm2HEqXyDjaOxMNzWRo9ISJkrIagvKmPsNDdxN9k=";
    dependencies = [ ];
  };

  tomli = fromWheel {
    pname = "tomli";
    version = "2.5.0";
    url = "https://files.pythonhosted.org/packages/60/3f/3e3f8fd0919249b0200c80fbc4f9a1e70be19f9883da71dfb7f8b9ab8aca/tomli-2.5.0-py3-none-any.whl";
    hash = "sha256-Mqe3msV6LoNnDOMpzPZ1eYvFoglHg6Y2doZrcFA/Lis=";
    dependencies = [ ];
  };

  exceptiongroup = fromWheel {
    pname = "exceptiongroup";
    version = "1.3.1";
    url = "https://files.pythonhosted.org/packages/8a/0e/97c33bf5009bdbac74fd2beace167cab3f978feb69cc36f1ef79360d6c4e/exceptiongroup-1.3.1-py3-none-any.whl";
    hash = "sha256-p6OaO9J2eB6YOUmH06VwHQxO3/tjO7elFEV3+Cx3NZg=";
    dependencies = lib.optionals (python.pythonOlder "3.13") [ self.typing-extensions ];
  };

  typing-extensions = fromWheel {
    pname = "typing-extensions";
    version = "4.16.0";
    url = "https://files.pythonhosted.org/packages/49/d3/b8441a820a491ddfc024b0b0cf0393375b75ea13866d9c66727e54c2fc80/typing_extensions-4.16.0-py3-none-any.whl";
    hash = "sha256-SByqSBN06BPBsXatoU6X8fZ6RTnOnP6z81DXjWNwwug=";
    dependencies = [ ];
  };

  cython = fromWheel {
    pname = "cython";
    version = "3.3.1";
    url = "https://files.pythonhosted.org/packages/9d/55/088578d75bc8dbcbc535af04b1d596ff227ca756dd74f9d3c1c526f955d0/cython-3.3.1-py3-none-any.whl";
    hash = "sha256-YavH/u3SDaxsT/erOjDhcTagZ7JCq5JT4rSm2acsK2E=";
    dependencies = [ ];
  };

  # pip: conda environments list it (to use their `pip:` section), and nixpkgs has
  # it in every Python set; 25.0.1 is the version nixpkgs 25.05 ships.
  pip = fromWheel {
    pname = "pip";
    version = "25.0.1";
    url = "https://files.pythonhosted.org/packages/c9/bc/b7db44f5f39f9d0494071bddae6880eb645970366d0a200022a1a93d57f5/pip-25.0.1-py3-none-any.whl";
    hash = "sha256-xG79E7aqgnnzPyhkRZyM5YfqahpZ7iDeBVho2Pdoj38=";
    dependencies = [ ];
  };
}

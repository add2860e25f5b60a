# nix/lib/package.nix
{ library, fake, ... }:
let
  builders =
    {
      prefer ? "wheel",
      system ? "x86_64-linux",
      versionFromVcs ? { },
    }:
    library.package.forSet {
      inherit prefer versionFromVcs;
      inherit (fake) final;
    } (fake.set { inherit system; });
  wheel = {
    url = "https://example.invalid/a-1-py3-none-manylinux2014_x86_64.whl";
    hash = "sha256-w";
  };
  sdist = {
    url = "https://example.invalid/a-1.tar.gz";
    hash = "sha256-s";
  };
  package =
    args: extra:
    (builders args).mkPackage (
      {
        pname = "a";
        version = "1";
        wheels = [ wheel ];
        inherit sdist;
      }
      // extra
    );
in
[
  {
    name = "a fitting wheel, with the manylinux libraries";
    expr = { inherit (package { } { }) format src nativeBuildInputs buildInputs; };
    expected = {
      format = "wheel";
      src.fetchurl = wheel // { name = "a-1-py3-none-manylinux2014_x86_64.whl"; };
      nativeBuildInputs = [ "autoPatchelfHook" ];
      buildInputs = [ "manylinux2014" ];
    };
  }
  {
    name = "no fitting wheel: the sdist, pyproject with its build system";
    expr = { inherit (package { system = "aarch64-darwin"; } { build-system = [ { pname = "b"; } ]; }) pyproject build-system pypaBuildFlags; };
    expected = {
      pyproject = true;
      build-system = [ { pname = "b"; } ];
      pypaBuildFlags = [ "--skip-dependency-check" ];
    };
  }
  {
    name = "prefer sdist";
    expr = (package { prefer = "sdist"; } { }).src.fetchurl.name;
    expected = "a-1.tar.gz";
  }
  {
    name = "prefer sdist, but preferWheel";
    expr = (package { prefer = "sdist"; } { preferWheel = true; }).format;
    expected = "wheel";
  }
  {
    name = "file overrides the URL's last segment";
    expr = (package { } { wheels = [ (wheel // { file = "a-1+x-py3-none-any.whl"; }) ]; }).src.fetchurl.name;
    expected = "a-1+x-py3-none-any.whl";
  }
  {
    name = "fits: a wheel, or an sdist, or neither";
    expr = map (extra: (package { system = "aarch64-darwin"; } extra).passthru.lock2nixFits) [
      { }
      { sdist = null; }
    ];
    expected = [
      true
      false
    ];
  }
  {
    name = "no artifact: the choice throws with the interpreter and platform";
    expr = (builtins.tryEval (package { system = "aarch64-darwin"; } { sdist = null; }).src.fetchurl.name).success;
    expected = false;
  }
  {
    name = "tests never run for locked packages";
    expr = (package { } { }).doCheck;
    expected = false;
  }
  {
    name = "fixes extend inputs and env, replace the rest";
    expr = library.package.withFix {
      buildInputs = [ "x" ];
      env.A = "1";
      postPatch = "old";
    } {
      buildInputs = [ "y" ];
      env.B = "2";
      postPatch = "new";
    };
    expected = {
      buildInputs = [
        "x"
        "y"
      ];
      env = {
        A = "1";
        B = "2";
      };
      postPatch = "new";
    };
  }
  {
    name = "a VCS-reading backend gets the version pretended";
    expr =
      (package { versionFromVcs.setuptools-scm = "SETUPTOOLS_SCM_PRETEND_VERSION"; } {
        wheels = [ ];
        build-system = [ { pname = "setuptools-scm"; } ];
      }).env;
    expected.SETUPTOOLS_SCM_PRETEND_VERSION = "1";
  }
  {
    name = "the project: pyproject, no tests, its build dependencies unchecked";
    expr = {
      inherit
        ((builders { }).mkProject {
          pname = "p";
          version = "2";
          build-system = [ ];
        })
        pyproject
        doCheck
        pypaBuildFlags
        ;
    };
    expected = {
      pyproject = true;
      doCheck = false;
      pypaBuildFlags = [ "--skip-dependency-check" ];
    };
  }
]

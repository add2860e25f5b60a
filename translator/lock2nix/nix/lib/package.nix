# The package builder: one locked distribution -> a buildPythonPackage call,
# with the wheel or sdist chosen when Nix evaluates, for the interpreter and
# platform of the package set it is built in.
{ lib, wheels }:
let
  # Names of directories a local source never needs; kept out so they do not
  # change the derivation.
  ignoredDirectories = [
    ".git"
    ".hg"
    ".venv"
    ".direnv"
    ".tox"
    ".mypy_cache"
    ".pytest_cache"
    "__pycache__"
    "result"
  ];

  # A fix extends the input lists and `env` lock2nix set; other attributes it
  # sets replace lock2nix's.
  withFix =
    base: fix:
    base
    // fix
    // builtins.mapAttrs (name: more: (base.${name} or [ ]) ++ more) (
      builtins.intersectAttrs {
        nativeBuildInputs = null;
        buildInputs = null;
      } fix
    )
    // lib.optionalAttrs (fix ? env) { env = (base.env or { }) // fix.env; };

  # `{ env = ...; }` with the version for build backends that would read it from
  # VCS metadata, which fetched sources lack; `{ }` when none is used.
  pretendVersion =
    versionFromVcs: version: build-system:
    let
      variables = builtins.concatMap (
        b: lib.optional (versionFromVcs ? ${b.pname or ""}) versionFromVcs.${b.pname}
      ) build-system;
    in
    lib.optionalAttrs (variables != [ ]) {
      env = lib.genAttrs variables (_: version);
    };
in
{
  inherit withFix;

  # The builders of one package set. `settings`: { final; prefer ("wheel" or
  # "sdist"); overlayFile (kept out of local sources); versionFromVcs (build
  # backend pname -> the variable that pretends the version) }.
  forSet =
    {
      final,
      prefer,
      overlayFile ? null,
      versionFromVcs ? { },
    }:
    pyFinal:
    let
      inherit (pyFinal) python;
      tags = wheels.forPython python;
      nonNull = builtins.filter (x: x != null);

      # An index artifact { url; hash; file? }: `file` defaults to the URL's last
      # segment and is the store name (installer parses wheel names; URLs may
      # hold characters such as %2B that store names cannot).
      fetchArtifact =
        artifact:
        final.fetchurl {
          inherit (artifact) url hash;
          name = artifact.file or (baseNameOf artifact.url);
        };

      # The best wheel that installs here, or null.
      bestWheel =
        candidates:
        let
          scored = builtins.filter (w: w.score != null) (
            map (w: w // { score = tags.score (w.file or (baseNameOf w.url)); }) candidates
          );
        in
        builtins.foldl' (a: b: if a == null || b.score > a.score then b else a) null scored;
    in
    {
      # A local source tree without VCS metadata, build results, virtualenvs, the
      # overlay and its library (regenerating them must not rebuild the project).
      cleanSource =
        name: path:
        builtins.path {
          inherit name path;
          filter =
            p: _:
            !(builtins.elem (baseNameOf p) (
              ignoredDirectories
              ++ [
                overlayFile
                "lock2nix-lib.nix"
              ]
            ));
        };

      # One locked distribution. From an index or URL: `wheels` and/or `sdist`,
      # the best fitting wheel unless sdists are preferred (and `preferWheel` is
      # not set, for sdists that need a toolchain such as Rust). Otherwise `src`
      # (a fetched tree, or a local file with `isWheel`). `sourceAttrs` and
      # `wheelAttrs` are the curated and user fixes for each kind of build.
      mkPackage =
        {
          pname,
          version,
          wheels ? [ ],
          sdist ? null,
          src ? null,
          isWheel ? false,
          subdirectory ? null,
          preferWheel ? false,
          build-system ? [ ],
          dependencies ? [ ],
          optional-dependencies ? { },
          attrs ? { },
          sourceAttrs ? { },
          wheelAttrs ? { },
        }:
        let
          wheel = bestWheel wheels;
          useSdist = sdist != null && ((prefer == "sdist" && !preferWheel) || wheel == null);
          fits = src != null || sdist != null || wheel != null;
          artifact =
            if useSdist then
              sdist
            else if wheel != null then
              wheel
            else
              throw "${pname} ${version}: no wheel in the lock fits ${python.libPrefix} on ${python.stdenv.hostPlatform.system}, and the lock has no sdist";
          fromWheel = if src != null then isWheel else !useSdist;
          manylinux = if src == null && fromWheel then tags.manylinux (artifact.file or (baseNameOf artifact.url)) else null;
          builds = nonNull build-system;
        in
        pyFinal.buildPythonPackage (
          {
            inherit pname version;
            src = if src != null then src else fetchArtifact artifact;
            dependencies = nonNull dependencies;
            # Left unfiltered: filtering would force the packages, and extras may
            # point back at this one (mkdocstrings[python] -> mkdocstrings-python ->
            # mkdocstrings). Consumers' input lists tolerate null.
            inherit optional-dependencies;
            # Locked third-party packages: their test inputs are not in the lock.
            doCheck = false;
            # Whether an artifact installs on this interpreter and platform; read
            # when choosing the project's interpreter.
            passthru.lock2nixFits = fits;
          }
          // (
            if fromWheel then
              withFix (
                { format = "wheel"; }
                // lib.optionalAttrs (manylinux != null) {
                  nativeBuildInputs = [ final.autoPatchelfHook ];
                  buildInputs = final.pythonManylinuxPackages.${manylinux};
                }
              ) wheelAttrs
            else
              withFix (
                {
                  pyproject = true;
                  build-system = builds;
                  # The backends are the package set's (one version each), so pins in
                  # the sdist's [build-system].requires cannot all hold.
                  pypaBuildFlags = [ "--skip-dependency-check" ];
                }
                // pretendVersion versionFromVcs version builds
              ) sourceAttrs
          )
          // lib.optionalAttrs (subdirectory != null) { sourceRoot = "source/${subdirectory}"; }
          // attrs
        );

      # The root project, built from its directory (without .git, so its version
      # is pretended to VCS-reading backends).
      mkProject =
        {
          sourceAttrs ? { },
          ...
        }@args:
        pyFinal.buildPythonPackage (
          withFix (
            builtins.removeAttrs args [ "sourceAttrs" ]
            // {
              pyproject = true;
              # As for sdists: the backends are the package set's.
              pypaBuildFlags = [ "--skip-dependency-check" ];
              # Tests run in the project's `tests` derivation, with its test groups.
              doCheck = false;
            }
            // pretendVersion versionFromVcs args.version (nonNull args.build-system or [ ])
          ) sourceAttrs
        );
    };
}

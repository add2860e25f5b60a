{
  final,
  prefer,
  # The overlay's own file name, kept out of local sources beside it.
  overlayFile ? null,
  # Build requirement (pname) -> the variable that pretends the version it would
  # read from VCS metadata, which fetched sources do not have.
  versionFromVcs ? { },
}:
pyFinal:
let
  inherit (pyFinal) python;
  platform = python.stdenv.hostPlatform;
  cpu = platform.parsed.cpu.name;

  # PEP 508 marker environment of this interpreter and platform.
  pythonFullVersion =
    let
      full = python.version;
    in
    if builtins.substring 0 (builtins.stringLength python.pythonVersion) full == python.pythonVersion then
      full
    else
      python.pythonVersion;
  linuxMachine =
    {
      x86_64 = "x86_64";
      i686 = "i686";
      aarch64 = "aarch64";
      armv7l = "armv7l";
      powerpc64 = "ppc64";
      powerpc64le = "ppc64le";
      s390x = "s390x";
      riscv64 = "riscv64";
    }
    .${cpu} or cpu;
  machine = if platform.isDarwin then platform.darwinArch else linuxMachine;
  env = {
    os_name = "posix";
    sys_platform =
      if platform.isLinux then
        "linux"
      else if platform.isDarwin then
        "darwin"
      else
        platform.parsed.kernel.name;
    platform_system =
      if platform.isLinux then
        "Linux"
      else if platform.isDarwin then
        "Darwin"
      else
        platform.parsed.kernel.name;
    platform_machine = machine;
    platform_python_implementation =
      {
        cpython = "CPython";
        pypy = "PyPy";
      }
      .${python.implementation} or python.implementation;
    implementation_name = python.implementation;
    implementation_version = pythonFullVersion;
    python_version = python.pythonVersion;
    python_full_version = pythonFullVersion;
    # Not reproducible, so not knowable at evaluation time (as in pyproject.nix).
    platform_release = "";
    platform_version = "";
  };

  # PEP 440 ordering for the release-style versions markers compare.  Missing
  # components count as "0", and Nix orders letters before digits, so
  # 3.13.0rc1 < 3.13.0 = 3.13.
  versionCompare =
    a: b:
    let
      pa = builtins.splitVersion a;
      pb = builtins.splitVersion b;
      la = builtins.length pa;
      lb = builtins.length pb;
      n = if la > lb then la else lb;
      part = p: l: i: if i < l then builtins.elemAt p i else "0";
      go =
        i:
        if i >= n then
          0
        else
          let
            c = builtins.compareVersions (part pa la i) (part pb lb i);
          in
          if c != 0 then c else go (i + 1);
    in
    go 0;
  # "3.8.*" matches every version whose first components are 3 and 8.
  versionPrefixMatches =
    v: prefix:
    let
      want = builtins.splitVersion prefix;
      have = builtins.splitVersion v;
      n = builtins.length want;
      part = p: i: if i < builtins.length p then builtins.elemAt p i else "0";
    in
    builtins.all (i: builtins.compareVersions (part have i) (builtins.elemAt want i) == 0) (
      builtins.genList (i: i) n
    );
  wildcard = s: builtins.match "(.*)\\.\\*" s;
  versionEqual =
    v: spec:
    let
      w = wildcard spec;
    in
    if w != null then versionPrefixMatches v (builtins.head w) else versionCompare v spec == 0;
  versionNotEqual = v: spec: !(versionEqual v spec);
  versionOlder = v: spec: versionCompare v spec < 0;
  versionAtMost = v: spec: versionCompare v spec <= 0;
  versionNewer = v: spec: versionCompare v spec > 0;
  versionAtLeast = v: spec: versionCompare v spec >= 0;
  # ~= 2.2.1 means >= 2.2.1 and == 2.2.*
  versionCompatible =
    v: spec:
    let
      parts = builtins.filter builtins.isString (builtins.split "\\." spec);
      prefix = builtins.concatStringsSep "." (
        builtins.genList (builtins.elemAt parts) (builtins.length parts - 1)
      );
    in
    versionAtLeast v spec && versionPrefixMatches v prefix;

  hasInfix =
    needle: haystack:
    let
      ln = builtins.stringLength needle;
      lh = builtins.stringLength haystack;
    in
    lh >= ln
    && builtins.any (i: builtins.substring i ln haystack == needle) (builtins.genList (i: i) (lh - ln + 1));

  optionals = cond: list: if cond then list else [ ];

  # PEP 425 wheel tags against this interpreter and platform.
  pyMajor = builtins.elemAt (builtins.splitVersion python.pythonVersion) 0;
  pyMinor = builtins.elemAt (builtins.splitVersion python.pythonVersion) 1;
  implementationTag =
    {
      cpython = "cp";
      pypy = "pp";
    }
    .${python.implementation} or "py";
  abiTags =
    python.pythonABITags or (
      if python.implementation == "cpython" then
        [
          "abi3"
          "none"
          "cp${pyMajor}${pyMinor}"
        ]
      else
        [ "none" ]
    );
  # Higher is better; null when the tag does not apply.
  pythonTagScore =
    tag:
    let
      m = builtins.match "(py|cp|pp)([0-9]?)([0-9]*)" tag;
      kind = builtins.elemAt m 0;
      major = builtins.elemAt m 1;
      minor = builtins.elemAt m 2;
      specific = if kind == "py" then 0 else 1000;
      kindOk = kind == "py" || kind == implementationTag;
      versionOk =
        major == "" || (major == pyMajor && (minor == "" || builtins.fromJSON minor <= builtins.fromJSON pyMinor));
      number = builtins.fromJSON (if major == "" then "0" else major + (if minor == "" then "0" else minor));
    in
    if m == null || !kindOk || !versionOk then null else specific + number;
  abiTagScore =
    tag:
    if builtins.elem tag abiTags then
      (if tag == "none" then 0 else if tag == "abi3" then 1 else 2)
    else if python.implementation == "pypy" && builtins.match "pypy${pyMajor}${pyMinor}_pp[0-9]+" tag != null then
      2
    else
      null;
  legacyManylinux = {
    manylinux1 = "manylinux_2_5";
    manylinux2010 = "manylinux_2_12";
    manylinux2014 = "manylinux_2_17";
  };
  libcVersion = python.stdenv.cc.libc.version or "0";
  platformTagScore =
    tag:
    let
      legacy = builtins.match "(manylinux1|manylinux2010|manylinux2014)_(.*)" tag;
      tag' =
        if legacy == null then
          tag
        else
          "${legacyManylinux.${builtins.head legacy}}_${builtins.elemAt legacy 1}";
      linux = builtins.match "(manylinux|musllinux)_([0-9]+)_([0-9]+)_(.*)" tag';
      mac = builtins.match "macosx_([0-9]+)_([0-9]+)_(.*)" tag;
      macArches =
        if machine == "arm64" then
          [
            "arm64"
            "universal2"
          ]
        else
          [
            "x86_64"
            "intel"
            "universal2"
            "universal"
            "fat64"
            "fat3"
          ];
      # Wheels declare the oldest macOS they run on; compare with the deployment target.
      macTarget = platform.darwinMinVersion or platform.darwinSdkVersion or "11.0";
    in
    if tag == "any" then
      0
    else if linux != null then
      (
        let
          libc = if builtins.elemAt linux 0 == "manylinux" then "glibc" else "musl";
          needed = "${builtins.elemAt linux 1}.${builtins.elemAt linux 2}";
        in
        if
          platform.isLinux
          && platform.libc == libc
          && builtins.elemAt linux 3 == machine
          && versionAtLeast libcVersion needed
        then
          2
        else
          null
      )
    else if mac != null then
      (
        if
          platform.isDarwin
          && builtins.elem (builtins.elemAt mac 2) macArches
          && versionAtLeast macTarget "${builtins.elemAt mac 0}.${builtins.elemAt mac 1}"
        then
          # An arch-specific wheel over a universal one.
          (if builtins.elemAt mac 2 == machine then 3 else 2)
        else
          null
      )
    else if platform.isLinux && tag == "linux_${machine}" then
      1
    else
      null;
  splitTags = s: builtins.filter builtins.isString (builtins.split "\\." s);
  best = scores: builtins.foldl' (a: b: if b != null && (a == null || b > a) then b else a) null scores;
  # The best score over the wheel's tag triples, or null when none is compatible.
  wheelScore =
    file:
    let
      m = builtins.match "(.*)-([^-]+)-([^-]+)-([^-]+)\\.whl" file;
      py = best (map pythonTagScore (splitTags (builtins.elemAt m 1)));
      abi = best (map abiTagScore (splitTags (builtins.elemAt m 2)));
      plat = best (map platformTagScore (splitTags (builtins.elemAt m 3)));
    in
    if m == null || py == null || abi == null || plat == null then
      null
    else
      plat * 100000 + abi * 10000 + py;
  manylinuxList =
    file:
    let
      has = pattern: builtins.match ".*-[^-]*${pattern}[^-]*\\.whl" file != null;
    in
    if !platform.isLinux then
      null
    else if has "manylinux1_" then
      "manylinux1"
    else if has "manylinux2010_" then
      "manylinux2010"
    else if has "manylinux(2014|_[0-9]+_[0-9]+)_" then
      "manylinux2014"
    else
      null;

  fetchArtifact =
    artifact:
    final.fetchurl {
      inherit (artifact) url hash;
      # The store name must be the file name: installer parses wheel names, and
      # URLs may hold characters (%2B) that store names cannot.
      name = artifact.file;
    };

  chooseArtifact =
    {
      pname,
      version,
      wheels,
      sdist,
      preferWheel,
    }:
    let
      scored = builtins.filter (w: w.score != null) (map (w: w // { score = wheelScore w.file; }) wheels);
      wheel = builtins.foldl' (a: b: if a == null || b.score > a.score then b else a) null scored;
    in
    if sdist != null && ((prefer == "sdist" && !preferWheel) || wheel == null) then
      sdist
    else if wheel != null then
      wheel
    else
      throw "${pname} ${version}: no wheel in the lock fits ${python.libPrefix} on ${platform.system}, and the lock has no sdist";

  # A local source tree without VCS metadata, build results or virtualenvs, so
  # those do not change the derivation.
  cleanSource =
    name: path:
    builtins.path {
      inherit name path;
      filter =
        p: type:
        baseNameOf p != overlayFile
        && !(builtins.elem (baseNameOf p) [
          ".git"
          ".hg"
          ".venv"
          ".direnv"
          ".tox"
          ".mypy_cache"
          ".pytest_cache"
          "__pycache__"
          "result"
        ]);
    };

  # A fix extends the input lists and environment lock2nix set; other attributes
  # it sets replace lock2nix's.
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
    // (if fix ? env then { env = (base.env or { }) // fix.env; } else { });

  # `{ env = ...; }` with the version for build requirements that would read it
  # from VCS metadata, or `{ }`.
  pretendVersion =
    version: build-system:
    let
      variables = builtins.concatMap (
        b: if versionFromVcs ? ${b.pname or ""} then [ versionFromVcs.${b.pname} ] else [ ]
      ) build-system;
    in
    if variables == [ ] then
      { }
    else
      {
        env = builtins.listToAttrs (
          map (variable: {
            name = variable;
            value = version;
          }) variables
        );
      };

  # The root project, built from its directory (without .git, hence pretendVersion).
  mkProject =
    {
      sourceAttrs ? { },
      ...
    }@args:
    pyFinal.buildPythonPackage (
      withFix (
        builtins.removeAttrs args [ "sourceAttrs" ]
        // pretendVersion args.version (builtins.filter (x: x != null) args.build-system or [ ])
      ) sourceAttrs
    );

  # One locked distribution from a package index: wheel or sdist chosen here,
  # at evaluation time, for this interpreter and platform.
  mkPackage =
    {
      pname,
      version,
      wheels ? [ ],
      sdist ? null,
      src ? null,
      isWheel ? false,
      # A package inside a repository or archive: build from this directory of it.
      subdirectory ? null,
      # Use a compatible wheel even when sdists are preferred (the sdist needs a
      # toolchain such as Rust that a Python build cannot provide).
      preferWheel ? false,
      build-system ? [ ],
      dependencies ? [ ],
      optional-dependencies ? { },
      attrs ? { },
      # Curated and user fixes, for a build from source or for a wheel.
      sourceAttrs ? { },
      wheelAttrs ? { },
    }:
    let
      artifact =
        if src != null then
          null
        else
          chooseArtifact {
            inherit
              pname
              version
              wheels
              sdist
              preferWheel
              ;
          };
      wheel = if src != null then isWheel else artifact != sdist;
      manylinux = if artifact != null && wheel then manylinuxList artifact.file else null;
      nonNull = builtins.filter (x: x != null);
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
      }
      // (
        if wheel then
          withFix (
            { format = "wheel"; }
            // (
              if manylinux != null then
                {
                  nativeBuildInputs = [ final.autoPatchelfHook ];
                  buildInputs = final.pythonManylinuxPackages.${manylinux};
                }
              else
                { }
            )
          ) wheelAttrs
        else
          withFix (
            {
              pyproject = true;
              build-system = nonNull build-system;
              # The backends are the package set's (one version each), so pins in
              # the sdist's [build-system].requires cannot all hold.
              pypaBuildFlags = [ "--skip-dependency-check" ];
            }
            // pretendVersion version (nonNull build-system)
          ) sourceAttrs
      )
      // (if subdirectory != null then { sourceRoot = "source/${subdirectory}"; } else { })
      // attrs
    );
in
{
  inherit
    env
    versionOlder
    versionAtMost
    versionNewer
    versionAtLeast
    versionEqual
    versionNotEqual
    versionCompatible
    hasInfix
    optionals
    wheelScore
    mkPackage
    mkProject
    cleanSource
    ;
}

# PEP 425 wheel tags against an interpreter and its host platform: which of a
# package's wheels installs, and which nixpkgs library list a manylinux wheel
# links against. Mirrors the rules of pyproject.nix (lib/pypa.nix, pep600.nix,
# pep656.nix): manylinux/musllinux need that libc at least at the tag's version,
# macosx tags the deployment target, abi tags the interpreter's.
{ lib, pep440, markers }:
let
  # manylinux1/2010/2014 are the PEP 600 tags of glibc 2.5, 2.12 and 2.17.
  legacyManylinux = {
    manylinux1 = "manylinux_2_5";
    manylinux2010 = "manylinux_2_12";
    manylinux2014 = "manylinux_2_17";
  };
  macArches = {
    arm64 = [
      "arm64"
      "universal2"
    ];
    x86_64 = [
      "x86_64"
      "intel"
      "universal2"
      "universal"
      "fat64"
      "fat3"
    ];
  };
  # A wheel file name's tag sets: python, abi and platform, each split on ".".
  tagsOf =
    file:
    let
      m = builtins.match "(.*)-([^-]+)-([^-]+)-([^-]+)\\.whl" file;
      split = s: lib.splitString "." s;
    in
    if m == null then
      null
    else
      {
        python = split (builtins.elemAt m 1);
        abi = split (builtins.elemAt m 2);
        platform = split (builtins.elemAt m 3);
      };
  # The highest score, null when none is compatible.
  best = builtins.foldl' (a: b: if b != null && (a == null || b > a) then b else a) null;
in
{
  # Tag matching for one interpreter: `score file` is null for a wheel that does
  # not install, else higher for a better match; `manylinux file` names the
  # pythonManylinuxPackages list the wheel links against (null off Linux).
  forPython =
    python:
    let
      platform = python.stdenv.hostPlatform;
      machine = markers.machine platform;
      versionParts = builtins.splitVersion python.pythonVersion;
      major = builtins.elemAt versionParts 0;
      minor = builtins.elemAt versionParts 1;
      implementation =
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
              "cp${major}${minor}"
            ]
          else
            [ "none" ]
        );
      libcVersion = python.stdenv.cc.libc.version or "0";
      # Wheels declare the oldest macOS they run on: compare with the deployment target.
      macTarget = platform.darwinMinVersion or platform.darwinSdkVersion or "11.0";

      # py3, cp312, py2.py3: a specific interpreter over a generic one, newer over older.
      pythonScore =
        tag:
        let
          m = builtins.match "(py|cp|pp)([0-9]?)([0-9]*)" tag;
          kind = builtins.elemAt m 0;
          tagMajor = builtins.elemAt m 1;
          tagMinor = builtins.elemAt m 2;
          kindOk = kind == "py" || kind == implementation;
          versionOk =
            tagMajor == ""
            || (tagMajor == major && (tagMinor == "" || lib.toInt tagMinor <= lib.toInt minor));
          number = lib.toInt (if tagMajor == "" then "0" else tagMajor + (if tagMinor == "" then "0" else tagMinor));
        in
        if m == null || !kindOk || !versionOk then null else (if kind == "py" then 0 else 1000) + number;

      # cp312 over abi3 over none.
      abiScore =
        tag:
        if builtins.elem tag abiTags then
          (
            {
              none = 0;
              abi3 = 1;
            }
            .${tag} or 2
          )
        else if python.implementation == "pypy" && builtins.match "pypy${major}${minor}_pp[0-9]+" tag != null then
          2
        else
          null;

      platformScore =
        tag:
        let
          legacy = builtins.match "(manylinux1|manylinux2010|manylinux2014)_(.*)" tag;
          pep600 = if legacy == null then tag else "${legacyManylinux.${builtins.head legacy}}_${builtins.elemAt legacy 1}";
          linux = builtins.match "(manylinux|musllinux)_([0-9]+)_([0-9]+)_(.*)" pep600;
          mac = builtins.match "macosx_([0-9]+)_([0-9]+)_(.*)" tag;
          linuxFits =
            platform.isLinux
            && platform.libc == (if builtins.elemAt linux 0 == "manylinux" then "glibc" else "musl")
            && builtins.elemAt linux 3 == machine
            && pep440.versionAtLeast libcVersion "${builtins.elemAt linux 1}.${builtins.elemAt linux 2}";
          macFits =
            platform.isDarwin
            && builtins.elem (builtins.elemAt mac 2) (macArches.${machine} or [ ])
            && pep440.versionAtLeast macTarget "${builtins.elemAt mac 0}.${builtins.elemAt mac 1}";
        in
        if tag == "any" then
          0
        else if linux != null then
          (if linuxFits then 2 else null)
        else if mac != null then
          # An arch-specific wheel over a universal one.
          (if !macFits then null else if builtins.elemAt mac 2 == machine then 3 else 2)
        else if platform.isLinux && tag == "linux_${machine}" then
          1
        else
          null;

      has = pattern: file: builtins.match ".*-[^-]*${pattern}[^-]*\\.whl" file != null;
    in
    {
      score =
        file:
        let
          tags = tagsOf file;
          py = best (map pythonScore tags.python);
          abi = best (map abiScore tags.abi);
          plat = best (map platformScore tags.platform);
        in
        if tags == null || py == null || abi == null || plat == null then
          null
        else
          plat * 100000 + abi * 10000 + py;

      manylinux =
        file:
        if !platform.isLinux then
          null
        else if has "manylinux1_" file then
          "manylinux1"
        else if has "manylinux2010_" file then
          "manylinux2010"
        else if has "manylinux(2014|_[0-9]+_[0-9]+)_" file then
          "manylinux2014"
        else
          null;
    };
}

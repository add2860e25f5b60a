# fetchurl and fetchgit with nixpkgs' argument lists (fact sheet section 3).
# Downloads happen at build time only: fetchurl uses Nix's builtin fetcher
# (`import <nix/fetchurl.nix>`), fetchgit is a fixed-output derivation whose
# builder runs the host's git.
{ lib, system, hostGit }:
let
  b = builtins;
  fakeHashes = [
    lib.fakeHash
    lib.fakeSha256
    lib.fakeSha512
    "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    "0000000000000000000000000000000000000000000000000000000000000000"
    "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="
  ];
  rejectFake =
    fn: what: h:
    if b.elem h fakeHashes then
      throw "${fn}: ${what} is the placeholder `lib.fakeHash`; the lock2nix nixpkgs stand-in only accepts real hashes (never emit lib.fakeHash)"
    else
      h;

  # mirror:// URLs that nixpkgs resolves (fetchurl/mirrors.nix); only PyPI is modelled.
  resolveMirror =
    u:
    let
      m = b.match "mirror://([^/]+)/(.*)" u;
    in
    if m == null then
      u
    else if b.head m == "pypi" then
      "https://files.pythonhosted.org/packages/source/${b.elemAt m 1}"
    else
      throw "fetchurl: mirror `${b.head m}` (in ${u}) is not modelled by the lock2nix nixpkgs stand-in";

  notModelled =
    fn: name: cond:
    if cond then throw "${fn}: argument `${name}` is accepted by nixpkgs but not modelled by the lock2nix nixpkgs stand-in" else true;

  fetchurl =
    {
      url ? "",
      urls ? [ ],
      name ? null,
      pname ? "",
      version ? "",
      hash ? "",
      outputHash ? "",
      outputHashAlgo ? "",
      md5 ? "",
      sha1 ? "",
      sha256 ? "",
      sha512 ? "",
      executable ? false,
      recursiveHash ? false,
      postFetch ? "",
      downloadToTemp ? false,
      curlOpts ? "",
      curlOptsList ? [ ],
      netrcPhase ? null,
      netrcImpureEnvVars ? [ ],
      showURLs ? false,
      preferLocalBuild ? true,
      nativeBuildInputs ? [ ],
      meta ? { },
      passthru ? { },
    }:
    let
      urls_ =
        if urls != [ ] && url == "" then urls
        else if urls == [ ] && url != "" then [ url ]
        else if urls == [ ] && url == "" then throw "fetchurl requires either `url` or `urls` to be set"
        else throw "fetchurl requires only one of `url` or `urls` to be set";
      theUrl = resolveMirror (b.head urls_);
      given = b.filter (s: s != "") [ hash outputHash sha1 sha256 sha512 ];
      hashArgs =
        if md5 != "" then
          throw "fetchurl does not support md5 anymore, please use `hash` (SRI), sha256 or sha512"
        else if b.length given > 1 then
          throw "multiple hashes passed to fetchurl (${lib.concatStringsSep ", " urls_}): give exactly one of hash, sha256, sha512, sha1 or outputHash"
        else if outputHash != "" then
          (if outputHashAlgo == "" && b.match "(sha1|sha256|sha512)[-:].*" outputHash == null
           then throw "fetchurl: `outputHash` without `outputHashAlgo` must be an SRI hash"
           else { outputHash = rejectFake "fetchurl" "outputHash" outputHash; inherit outputHashAlgo; })
        else if hash != "" then { hash = rejectFake "fetchurl" "hash" hash; }
        else if sha512 != "" then { sha512 = rejectFake "fetchurl" "sha512" sha512; }
        else if sha256 != "" then { sha256 = rejectFake "fetchurl" "sha256" sha256; }
        else if sha1 != "" then { sha1 = sha1; }
        else throw "fetchurl requires a hash for fixed-output derivation: ${lib.concatStringsSep ", " urls_}";
      name_ =
        if name != null then name
        else if pname != "" && version != "" then "${pname}-${version}"
        else baseNameOf (toString (b.head urls_));
      checks =
        b.deepSeq hashArgs true
        && notModelled "fetchurl" "recursiveHash" recursiveHash
        && notModelled "fetchurl" "postFetch" (postFetch != "")
        && notModelled "fetchurl" "downloadToTemp" downloadToTemp
        && notModelled "fetchurl" "curlOpts" (curlOpts != "" || curlOptsList != [ ])
        && notModelled "fetchurl" "netrcPhase" (netrcPhase != null || netrcImpureEnvVars != [ ])
        && notModelled "fetchurl" "showURLs" showURLs
        && notModelled "fetchurl" "nativeBuildInputs" (nativeBuildInputs != [ ]);
      drv = (import <nix/fetchurl.nix>) (
        {
          url = theUrl;
          name = name_;
          inherit executable;
        }
        // hashArgs
      );
    in
    b.seq checks (
      drv
      // passthru
      // {
        inherit meta;
        urls = map resolveMirror urls_;
      }
    );

  # Default store name of fetchgit: the repository's name (last URL component
  # without a trailing ".git"), followed by "-" and 7 characters of the revision
  # when the revision is a hexadecimal commit id.
  repoName =
    url:
    let
      parts = b.filter (x: x != "") (lib.splitString "/" (lib.removeSuffix "/" url));
      lastPart = if parts == [ ] then url else lib.last parts;
      afterColon = lib.last (lib.splitString ":" lastPart);
    in
    lib.removeSuffix ".git" afterColon;
  urlToName =
    url: rev:
    repoName url + (if rev != "" && b.match "[0-9a-f]+" rev != null then "-" + b.substring 0 7 rev else "");

  fetchgit =
    {
      url,
      rev ? null,
      tag ? null,
      name ? null,
      hash ? "",
      sha256 ? "",
      outputHash ? "",
      outputHashAlgo ? null,
      fetchSubmodules ? true,
      deepClone ? false,
      fetchTags ? false,
      leaveDotGit ? deepClone || fetchTags,
      fetchLFS ? false,
      sparseCheckout ? [ ],
      nonConeMode ? false,
      branchName ? null,
      rootDir ? "",
      preFetch ? "",
      postFetch ? "",
      gitConfigFile ? null,
      netrcPhase ? null,
      netrcImpureEnvVars ? [ ],
      preferLocalBuild ? true,
      nativeBuildInputs ? [ ],
      allowedRequisites ? null,
      meta ? { },
      passthru ? { },
    }:
    let
      revOrTag =
        if rev != null && tag != null then
          throw "fetchgit requires one of either `rev` or `tag` to be provided (not both)."
        else if tag != null then "refs/tags/${tag}"
        else if rev != null then rev
        else "HEAD";
      given = b.filter (s: s != "") [ hash sha256 outputHash ];
      hashAttrs =
        if b.length given > 1 then
          throw "fetchgit (${url}): multiple hashes given; pass exactly one of `hash` or `sha256`"
        else if given == [ ] then
          throw "fetchgit (${url}): a hash is required (`hash = \"sha256-...\"`); the lock2nix nixpkgs stand-in does not allow the lib.fakeHash default"
        else if hash != "" then { outputHashAlgo = null; outputHash = rejectFake "fetchgit" "hash" hash; }
        else if sha256 != "" then { outputHashAlgo = "sha256"; outputHash = rejectFake "fetchgit" "sha256" sha256; }
        else { inherit outputHashAlgo; outputHash = rejectFake "fetchgit" "outputHash" outputHash; };
      checks =
        b.deepSeq [ hashAttrs revOrTag ] true
        && notModelled "fetchgit" "leaveDotGit" leaveDotGit
        && notModelled "fetchgit" "fetchLFS" fetchLFS
        && notModelled "fetchgit" "sparseCheckout" (sparseCheckout != [ ])
        && notModelled "fetchgit" "nonConeMode" nonConeMode
        && notModelled "fetchgit" "preFetch" (preFetch != "")
        && notModelled "fetchgit" "postFetch" (postFetch != "")
        && notModelled "fetchgit" "gitConfigFile" (gitConfigFile != null)
        && notModelled "fetchgit" "netrcPhase" (netrcPhase != null || netrcImpureEnvVars != [ ])
        && notModelled "fetchgit" "nativeBuildInputs" (nativeBuildInputs != [ ])
        && notModelled "fetchgit" "allowedRequisites" (allowedRequisites != null);
      drv = derivation (
        {
          name = if name != null then name else urlToName url (if tag != null then tag else if rev != null then rev else "");
          inherit system url;
          builder = "/bin/sh";
          args = [ ./fetchgit.sh ];
          rev = if tag != null then "" else revOrTag;
          tag = if tag != null then tag else "";
          fetchSubmodules = if fetchSubmodules then "1" else "";
          inherit rootDir;
          git = hostGit;
          PATH = "/usr/local/bin:/usr/bin:/bin";
          outputHashMode = "recursive";
          impureEnvVars = [ "http_proxy" "https_proxy" "ftp_proxy" "all_proxy" "no_proxy" "GIT_PROXY_COMMAND" "SOCKS_SERVER" ];
          inherit preferLocalBuild;
        }
        // hashAttrs
      );
    in
    b.seq checks (
      drv
      // passthru
      // {
        inherit meta;
        gitRepoUrl = url;
        rev = if rev != null then rev else revOrTag;
      }
      // (if tag != null then { inherit tag; } else { })
    );
in
{
  inherit fetchurl fetchgit;
}

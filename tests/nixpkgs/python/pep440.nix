# PEP 440 helpers (regular expressions after the specification's appendix,
# written for builtins.match, which is a whole-string POSIX ERE match).
{ lib }:
let
  b = builtins;
  # Case-insensitive: match against the lower-cased string.
  versionRe =
    "v?([0-9]+!)?[0-9]+(\\.[0-9]+)*"
    + "([-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?"
    + "(-[0-9]+|[-_.]?(post|rev|r)[-_.]?[0-9]*)?"
    + "([-_.]?dev[-_.]?[0-9]*)?"
    + "(\\+[a-z0-9]+([-_.][a-z0-9]+)*)?";
  isValidVersion = v: b.isString v && b.match versionRe (lib.toLower v) != null;

  # PEP 503 name normalisation: lower-case, runs of -_. become one "-".
  normalizeName =
    n: lib.concatStringsSep "-" (b.filter (s: b.isString s && s != "") (b.split "[-_.]+" (lib.toLower n)));

  # Wheel file name (PEP 427 / binary distribution format):
  # {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
  wheelRe = "([A-Za-z0-9_.]+)-([^-]+)(-[0-9][^-]*)?-([^-]+)-([^-]+)-([^-]+)\\.whl";
  parseWheelName =
    f:
    let
      m = b.match wheelRe f;
    in
    if m == null then
      null
    else
      {
        distribution = b.elemAt m 0;
        version = b.elemAt m 1;
        pythonTag = b.elemAt m 3;
        abiTag = b.elemAt m 4;
        platformTag = b.elemAt m 5;
      };
in
{
  inherit versionRe isValidVersion normalizeName wheelRe parseWheelName;
}

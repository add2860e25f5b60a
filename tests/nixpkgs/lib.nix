# A small subset of nixpkgs' `lib`, written from its documented behaviour.
# Only builtins available in Nix 2.8 are used.
let
  b = builtins;

  fix = f: let x = f x; in x;
  # `extends overlay base`: base fixpoint function extended by overlay (final: prev: { }).
  extends = overlay: base: final: let prev = base final; in prev // overlay final prev;
  composeExtensions =
    f: g: final: prev:
    let
      fApplied = f final prev;
      prev' = prev // fApplied;
    in
    fApplied // g final prev';
  composeManyExtensions = b.foldl' (acc: e: composeExtensions acc e) (final: prev: { });

  upper = [ "A" "B" "C" "D" "E" "F" "G" "H" "I" "J" "K" "L" "M" "N" "O" "P" "Q" "R" "S" "T" "U" "V" "W" "X" "Y" "Z" ];
  lower = [ "a" "b" "c" "d" "e" "f" "g" "h" "i" "j" "k" "l" "m" "n" "o" "p" "q" "r" "s" "t" "u" "v" "w" "x" "y" "z" ];
  toLower = b.replaceStrings upper lower;
  toUpper = b.replaceStrings lower upper;

  hasPrefix = pre: s: b.substring 0 (b.stringLength pre) s == pre;
  hasSuffix =
    suf: s:
    let
      ls = b.stringLength s;
      lf = b.stringLength suf;
    in
    ls >= lf && b.substring (ls - lf) lf s == suf;
  removePrefix = pre: s: if hasPrefix pre s then b.substring (b.stringLength pre) (-1) s else s;
  removeSuffix =
    suf: s: if hasSuffix suf s then b.substring 0 (b.stringLength s - b.stringLength suf) s else s;
  hasInfix =
    needle: s:
    let
      ln = b.stringLength needle;
      ls = b.stringLength s;
    in
    ls >= ln && b.any (i: b.substring i ln s == needle) (b.genList (i: i) (ls - ln + 1));
  splitString = sep: s: b.filter b.isString (b.split (escapeRegex sep) s);
  escapeRegex = b.replaceStrings
    [ "\\" "." "[" "]" "(" ")" "{" "}" "*" "+" "?" "^" "$" "|" ]
    [ "\\\\" "\\." "\\[" "\\]" "\\(" "\\)" "\\{" "\\}" "\\*" "\\+" "\\?" "\\^" "\\$" "\\|" ];
  concatStringsSep = b.concatStringsSep;
  concatMapStringsSep = sep: f: l: b.concatStringsSep sep (map f l);

  optional = c: x: if c then [ x ] else [ ];
  optionals = c: l: if c then l else [ ];
  optionalString = c: s: if c then s else "";
  optionalAttrs = c: a: if c then a else { };

  unique = b.foldl' (acc: x: if b.elem x acc then acc else acc ++ [ x ]) [ ];
  flatten = x: if b.isList x then b.concatMap flatten x else [ x ];
  last = l: b.elemAt l (b.length l - 1);
  init = l: b.genList (b.elemAt l) (b.length l - 1);
  max = x: y: if x > y then x else y;
  min = x: y: if x < y then x else y;
  mapNullable = f: a: if a == null then a else f a;
  # nixpkgs lib.strings.toInt: decimal digits only, no leading zeros (octal ambiguity).
  toInt =
    str:
    if b.match "-?(0|[1-9][0-9]*)" str == null then
      throw "toInt: Could not convert ${b.toJSON str} to int."
    else
      b.fromJSON str;
  foldr = op: nul: list: let len = b.length list; go = n: if n == len then nul else op (b.elemAt list n) (go (n + 1)); in go 0;
  imap0 = f: l: b.genList (i: f i (b.elemAt l i)) (b.length l);
  subtractLists = e: b.filter (x: !(b.elem x e));
  mapAttrsToList = f: a: map (n: f n a.${n}) (b.attrNames a);
  filterAttrs = p: a: b.listToAttrs (b.concatMap (n: if p n a.${n} then [ { name = n; value = a.${n}; } ] else [ ]) (b.attrNames a));
  nameValuePair = name: value: { inherit name value; };
  mapAttrs' = f: set: b.listToAttrs (map (n: f n set.${n}) (b.attrNames set));
  # nixpkgs lib.recursiveUpdate: merge nested attribute sets, right wins on leaves.
  recursiveUpdate =
    lhs: rhs:
    lhs
    // b.mapAttrs (
      n: v: if b.isAttrs v && b.isAttrs (lhs.${n} or null) then recursiveUpdate lhs.${n} v else v
    ) rhs;
  genAttrs = names: f: b.listToAttrs (map (n: nameValuePair n (f n)) names);
  attrByPath =
    path: default: set:
    if path == [ ] then set
    else if b.isAttrs set && set ? ${b.head path} then attrByPath (b.tail path) default set.${b.head path}
    else default;
  getAttrFromPath = path: set: attrByPath path (throw "cannot find attribute `${concatStringsSep "." path}'") set;

  isDerivation = x: b.isAttrs x && (x.type or null) == "derivation";
  getOutput = o: pkg: if pkg ? outputSpecified && pkg.outputSpecified then pkg else pkg.${o} or pkg;
  getLib = getOutput "lib";
  getDev = getOutput "dev";
  getBin = getOutput "bin";

  reverseList = l: let n = b.length l; in b.genList (i: b.elemAt l (n - i - 1)) n;

  # nixpkgs lib/strings.nix: search paths built from packages (`null` entries skipped).
  makeSearchPath = subDir: paths: concatStringsSep ":" (map (path: path + "/" + subDir) (b.filter (x: x != null) paths));
  makeSearchPathOutput = output: subDir: pkgs: makeSearchPath subDir (map (getOutput output) pkgs);
  makeBinPath = makeSearchPathOutput "bin" "bin";

  versionOlder = v1: v2: b.compareVersions v2 v1 == 1;
  versionAtLeast = v1: v2: !(versionOlder v1 v2);
  versions = {
    major = v: b.elemAt (b.splitVersion v) 0;
    minor = v: b.elemAt (b.splitVersion v) 1;
    patch = v: b.elemAt (b.splitVersion v) 2;
    majorMinor = v: "${versions.major v}.${versions.minor v}";
  };

  # nixpkgs lib/customisation.nix: makeOverridable, callPackageWith (simplified).
  makeOverridable =
    f: args:
    let
      result = f args;
      overrideWith = newArgs: args // (if b.isFunction newArgs then newArgs args else newArgs);
    in
    if b.isAttrs result then
      result // { override = newArgs: makeOverridable f (overrideWith newArgs); }
    else if b.isFunction result then
      { __functor = self: result; override = newArgs: makeOverridable f (overrideWith newArgs); }
    else
      result;
  callPackageWith =
    autoArgs: fn: args:
    let
      f = if b.isFunction fn || (b.isAttrs fn && fn ? __functor) then fn else import fn;
      fargs = b.functionArgs f;
      auto = b.intersectAttrs fargs autoArgs;
      missing = b.filter (n: !fargs.${n} && !(auto ? ${n}) && !(args ? ${n})) (b.attrNames fargs);
    in
    if missing != [ ] then
      throw "Function called without required argument(s) ${concatStringsSep ", " (map (n: "\"${n}\"") missing)} (stand-in callPackage)"
    else
      makeOverridable f (auto // args);
in
{
  inherit fix extends composeExtensions composeManyExtensions;
  inherit toLower toUpper hasPrefix hasSuffix removePrefix removeSuffix hasInfix splitString escapeRegex;
  inherit concatStringsSep concatMapStringsSep optional optionals optionalString optionalAttrs;
  inherit max min mapNullable toInt;
  inherit unique flatten last init foldr imap0 subtractLists reverseList mapAttrsToList filterAttrs nameValuePair genAttrs mapAttrs' recursiveUpdate;
  inherit makeSearchPath makeSearchPathOutput makeBinPath;
  inherit attrByPath getAttrFromPath isDerivation getOutput getLib getDev getBin;
  inherit versionOlder versionAtLeast versions makeOverridable callPackageWith;
  inherit (b)
    attrNames attrValues elem elemAt filter foldl' head tail length concatMap concatLists listToAttrs
    mapAttrs isList isAttrs isString isFunction isBool isInt toJSON fromJSON catAttrs
    ;
  strings = {
    inherit toLower toUpper hasPrefix hasSuffix removePrefix removeSuffix hasInfix splitString
      concatStringsSep concatMapStringsSep optionalString escapeRegex makeSearchPath makeSearchPathOutput makeBinPath;
  };
  lists = { inherit optional optionals unique flatten last init foldr imap0 subtractLists reverseList; };
  attrsets = { inherit mapAttrsToList filterAttrs nameValuePair genAttrs attrByPath getAttrFromPath isDerivation mapAttrs' recursiveUpdate; };
  trivial = { inherit (b) id; };
  id = x: x;
  const = x: _: x;
  # nixpkgs lib/licenses.nix (only the licenses used here; others are missing attributes).
  licenses = {
    mit = {
      shortName = "mit";
      spdxId = "MIT";
      fullName = "MIT License";
      url = "https://spdx.org/licenses/MIT.html";
      free = true;
      redistributable = true;
      deprecated = false;
    };
  };
  fakeHash = "sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
  fakeSha256 = "0000000000000000000000000000000000000000000000000000";
  fakeSha512 = "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000";
  platforms = {
    linux = [ "x86_64-linux" "aarch64-linux" ];
    darwin = [ "x86_64-darwin" "aarch64-darwin" ];
    unix = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
    all = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];
  };
}

# Builder of the stand-in's fetchgit (run by /bin/sh; the sandbox is off).
# Clones $url, checks out $rev (or refs/tags/$tag), initialises submodules when
# $fetchSubmodules is set, removes every .git, optionally keeps only $rootDir.
set -eu
export HOME="$TMPDIR" GIT_TERMINAL_PROMPT=0 GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
g() { "$git" -c protocol.file.allow=always -c advice.detachedHead=false -c init.defaultBranch=main "$@"; }
fail() { echo "fetchgit (lock2nix nixpkgs stand-in): $*" >&2; exit 1; }

[ -x "$git" ] || fail "git executable '$git' (hostGit) not found"
work="$TMPDIR/checkout"
g init -q "$work"
cd "$work"
g remote add origin "$url"
if [ -n "$tag" ]; then ref="refs/tags/$tag"; else ref="$rev"; fi
echo "fetchgit: fetching $ref from $url" >&2
if g fetch -q --depth 1 origin "$ref" 2>/dev/null; then
  g checkout -q FETCH_HEAD
else
  g fetch -q origin '+refs/heads/*:refs/remotes/origin/*' '+refs/tags/*:refs/tags/*' || fail "cannot fetch from $url"
  g checkout -q "$ref" 2>/dev/null || g checkout -q "origin/$ref" 2>/dev/null || fail "revision '$ref' not found in $url"
fi
if [ -n "$fetchSubmodules" ] && [ -f .gitmodules ]; then
  g submodule update -q --init --recursive || fail "cannot fetch the submodules of $url"
fi
echo "fetchgit: checked out $(g rev-parse HEAD)" >&2
find . -name .git -prune -exec rm -rf {} +
if [ -n "$rootDir" ]; then
  [ -d "$work/$rootDir" ] || fail "rootDir '$rootDir' does not exist in $url"
  mv "$work/$rootDir" "$out"
else
  mv "$work" "$out"
fi

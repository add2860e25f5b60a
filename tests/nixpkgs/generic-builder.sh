# Builder of the stand-in's generic stdenv.mkDerivation (run by /bin/bash -e).
# Supports `buildCommand`, or `installPhase` (with pre/postInstall), nothing else.
export HOME="$TMPDIR"
runHook() { local hook="$1"; eval "${!hook:-}"; }
if [ -n "${buildCommand:-}" ]; then
  eval "$buildCommand"
else
  mkdir -p "$out"
  runHook preInstall
  eval "${installPhase:-}"
  runHook postInstall
fi
for o in ${outputs:-out}; do [ -e "${!o}" ] || mkdir -p "${!o}"; done
if [ -n "${propagatedBuildInputs:-}" ] && [ -d "$out" ]; then
  mkdir -p "$out/nix-support"
  echo "$propagatedBuildInputs" > "$out/nix-support/propagated-build-inputs"
fi

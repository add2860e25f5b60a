#!/usr/bin/env bash
# Install everything the test-suite needs (Nix included), check the package
# (ruff, mypy) and run all of the tests.
# Usage: bash tests/run.sh [pytest args...]
#   LOCK2NIX_SKIP_CHECKS=1 skips ruff and mypy (quick test runs while editing).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nix-instantiate >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "tests/run.sh: installing Nix (Debian's nix-bin)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nix-bin >/dev/null
  else
    echo "tests/run.sh: Nix is missing; as root run: apt-get install -y nix-bin" >&2
    exit 2
  fi
fi
if ! command -v git >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
fi

venv="${LOCK2NIX_TEST_VENV:-.venv}"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[test]'
if [ -z "${LOCK2NIX_SKIP_CHECKS:-}" ]; then
  # Configured in pyproject.toml ([tool.ruff], [tool.mypy]); both cover the whole package.
  "$venv/bin/python" -m ruff check --quiet translator/lock2nix
  "$venv/bin/python" -m mypy
fi
# pytest exits 5 when it collected nothing; that is a failure here too.
exec "$venv/bin/python" -m pytest "$@"

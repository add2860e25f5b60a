#!/usr/bin/env python3
"""Record what translating the fixtures of issue 13 fetches, for the offline test-suite.

Run from a checkout, with lock2nix's dependencies installed (network needed,
and the loopback port 3141 free):

    python tests/data/record_realocks.py

Every fixture under ``tests/fixtures/realocks/`` is staged as the tests stage
it (``tests/realocks_cases.py``) and translated by lock2nix's own command line
(``--emit model``, with the options the test uses) against the live indexes
into one fresh cache, exactly as a user's first run would; the cache is kept
as ``realocks-cache/`` next to this script (``index/``, ``metadata/``,
``sdist/``; see README.md). ``poetry11-no-files`` was locked against a
loopback mirror without hashes (``mirror.py``); here the same mirror is
served with PyPI's sha256 of each file, which is what lock2nix pins.

Not recorded: git checkouts (``poetry012-git-tag`` uses a repository the tests
make on the local disk) and the django git source of
``pypa__pipfile__2017-no-hashes`` (github.com is unreachable from the
recording machine; the staged fixture skips it, as the tests do).
"""

from __future__ import annotations

import contextlib
import io
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "translator"))
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

import mirror  # noqa: E402

from lock2nix import cli  # noqa: E402

from tests.realocks_cases import CASES, RECORDED, stage  # noqa: E402

MIRRORED = ["fire", "six", "termcolor"]


def record(out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp, mirror.serving(MIRRORED, port=3141, hashes=True):
        cache = Path(tmp) / "cache"
        for case, spec in CASES.items():
            lock = stage(case, Path(tmp) / "stage")
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = cli.main(["--cache-dir", str(cache), *spec.options, "--emit", "model", str(lock)])
            if code != 0:
                raise SystemExit(f"{case}: lock2nix failed:\n{stderr.getvalue()}")
            print(f"{case}: recorded", file=sys.stderr)
        shutil.rmtree(cache / "git", ignore_errors=True)  # local repositories of the tests
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(cache, out)
    for path in [out, *out.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main() -> int:
    record(RECORDED)
    return 0


if __name__ == "__main__":
    sys.exit(main())

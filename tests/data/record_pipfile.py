#!/usr/bin/env python3
"""Record what translating the Pipfile.lock fixtures fetches, for the offline test-suite.

Run from a checkout, with lock2nix's dependencies installed (network needed):

    python tests/data/record_pipfile.py [--case CASE ...]

For every fixture under ``tests/fixtures/pipfile/`` (staged as the tests stage
it: see ``tests/pipfile_cases.py``) it runs lock2nix's own resolution against
the live indexes into a fresh cache, exactly as a user's first run would, and
keeps the result as ``pipfile-cache/`` next to this script:

* ``index/``: the Simple API answers, trimmed by lock2nix to the locked versions;
* ``metadata/``: each locked distribution's core metadata, reduced by lock2nix
  to Name, Version, Requires-Dist, Requires-Python and Provides-Extra;
* ``sdist/``: the build system each sdist declares.

Git checkout hashes are not recorded here (GitHub is unreachable from the
recording machine); ``git-cache/`` holds them (see README.md). The directory
is rebuilt from scratch (unless ``--case`` picks some fixtures: then their
answers are added to it), so entries no fixture needs disappear.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "translator"))
sys.path.insert(0, str(HERE.parents[1]))

from lock2nix import parsers, resolve

from tests.pipfile_cases import PIPFILE_CASES, stage_pipfile_case

OUT = HERE / "pipfile-cache"


def record(cases: list[str], out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        # Git hashes come from the recorded git cache; nothing else is reused.
        shutil.copytree(HERE / "git-cache", cache)
        if set(cases) != set(PIPFILE_CASES) and out.is_dir():
            shutil.copytree(out, cache, dirs_exist_ok=True)  # re-recording some: keep the others
        for case in cases:
            lock = stage_pipfile_case(case, Path(tmp) / "stage")
            model = parsers.parse(str(lock), lock.read_bytes(), directory=lock.parent)
            resolved = resolve.resolve(model, resolve.Settings(cache_dir=cache))
            print(f"{case}: {len(resolved.packages)} packages", file=sys.stderr)
        shutil.rmtree(cache / "git")
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(cache, out)
    for path in [out, *out.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", choices=PIPFILE_CASES)
    args = parser.parse_args()
    record(args.case or PIPFILE_CASES, OUT)
    return 0


if __name__ == "__main__":
    sys.exit(main())

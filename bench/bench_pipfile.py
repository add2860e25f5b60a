"""Wall time of lock2nix on the largest Pipfile.lock fixture, next to `pipenv requirements`.

    python bench/bench_pipfile.py [--runs 5] [--cold-runs 1] [--lock PATH]

* warm: the cache holds every index page and metadata file the lock needs
  (the pre-commit case: the lock changed, the artifacts did not);
* cold: an empty cache, so every project page, every distribution's metadata
  and (unless --no-detect) every sdist's build system comes from the network;
* `pipenv requirements --dev`: pipenv's own export of the same lock (both
  categories), the nearest thing pipenv has to "translate this lock".

Figures are medians of whole processes. pipenv is installed into
bench/.venv-pipenv on first use. Cold runs need the network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "pipfile"
PIPENV_VENV = REPO / "bench" / ".venv-pipenv"


def largest() -> Path:
    return max(FIXTURES.glob("*/Pipfile.lock"), key=lambda p: p.stat().st_size)


def wall(cmd: list[str], *, cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    out = subprocess.run(cmd, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    return elapsed


def median(runs: int, cmd: list[str], cwd: Path, env: dict | None = None, before=None) -> float:
    times = []
    for _ in range(runs):
        if before is not None:
            before()
        times.append(wall(cmd, cwd=cwd, env=env))
    return statistics.median(times)


def pipenv() -> Path:
    exe = PIPENV_VENV / "bin" / "pipenv"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PIPENV_VENV)], check=True)
        subprocess.run([str(PIPENV_VENV / "bin" / "pip"), "install", "-q", "pipenv"], check=True)
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=1)
    parser.add_argument("--lock", type=Path, default=None)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-cache runs (no network)")
    parser.add_argument("--no-pipenv", action="store_true", help="skip pipenv requirements")
    args = parser.parse_args()
    lock = args.lock or largest()

    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-pipfile-"))
    for companion in lock.parent.iterdir():
        shutil.copy(companion, work / companion.name)
    cache = work / "cache"
    if args.no_cold:
        # No network: start from the recorded answers instead of the cold runs.
        sys.path.insert(0, str(REPO))
        from tests.pipfile_cases import seed_cache  # recorded answers, no network

        seed_cache(cache)
    lock2nix = [sys.executable, "-m", "lock2nix"]
    translate = [*lock2nix, "--cache-dir", str(cache), "--force", "Pipfile.lock", "-o", "overlay.nix"]

    rows = []
    if not args.no_cold:
        def empty() -> None:
            shutil.rmtree(cache, ignore_errors=True)

        rows.append(("lock2nix (cold cache)", median(args.cold_runs, translate, work, before=empty)))
        rows.append((
            "lock2nix (cold, --no-detect)",
            median(args.cold_runs, [*translate, "--no-detect"], work, before=empty),
        ))
        subprocess.run(translate, cwd=work, check=True, capture_output=True)  # leave it warm
    rows.append(("lock2nix (warm cache)", median(args.runs, [*translate, "--offline"], work)))
    noop = [*lock2nix, "--cache-dir", str(cache), "--offline", "Pipfile.lock", "-o", "overlay.nix"]
    rows.append(("lock2nix (inputs unchanged)", median(args.runs, noop, work)))
    if not args.no_pipenv:
        export = [str(pipenv()), "requirements", "--dev"]
        env = {"PIPENV_IGNORE_VIRTUALENVS": "1", "PIPENV_VERBOSITY": "-1", "PIPENV_CACHE_DIR": str(work / "pipenv-cache")}
        wall(export, cwd=work, env=env)  # first run compiles pipenv's bytecode
        rows.append(("pipenv requirements --dev", median(args.runs, export, work, env)))

    import json

    data = json.loads((work / "Pipfile.lock").read_text())
    entries = sum(len(v) for k, v in data.items() if k != "_meta")
    print(f"lock: {lock} ({entries} entries), median of {args.runs} warm / {args.cold_runs} cold runs")
    print(f"{'command':32} {'wall s':>8}")
    for name, seconds in rows:
        print(f"{name:32} {seconds:8.3f}")
    table = dict(rows)
    if "pipenv requirements --dev" in table:
        ratio = table["lock2nix (warm cache)"] / table["pipenv requirements --dev"]
        print(f"lock2nix warm / pipenv requirements: {ratio:.2f}x (target <= 1x)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Whole-process wall time and peak memory of lock2nix on the largest poetry fixture.

Compared, on the same lock, with `poetry export` (the closest thing Poetry has
to "translate this lock") and with a plain TOML parse of the file by the
compiled tomli reader.  The index cache is warmed first, so lock2nix's figure
is the pre-commit case: the lock changed, the artifacts did not.

    python bench/bench_translate.py [--runs 5] [--lock PATH]

Each command runs --runs times; the figures are medians.  Peak memory is the
child's max RSS.  Poetry is installed into bench/.venv-poetry on first use.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LARGEST = REPO / "tests" / "fixtures" / "poetry" / "sinaptik-ai__pandas-ai__2024-10-large"
POETRY_VENV = REPO / "bench" / ".venv-poetry"


def measure(cmd: list[str], *, cwd: Path, env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one run of ``cmd`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    # A wrapper process per run, so max RSS is this command's own.
    wrapper = [
        sys.executable,
        "-c",
        "import resource,subprocess,sys;"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "sys.exit(r.returncode)",
        *cmd,
    ]
    out = subprocess.run(wrapper, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr}")
    del before
    return wall, int(out.stdout.strip()) / 1024


def median_of(runs: int, cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float]:
    results = [measure(cmd, cwd=cwd, env=env) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def poetry() -> Path:
    exe = POETRY_VENV / "bin" / "poetry"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(POETRY_VENV)], check=True)
        subprocess.run(
            [str(POETRY_VENV / "bin" / "pip"), "install", "-q", "poetry", "poetry-plugin-export"], check=True
        )
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lock", type=Path, default=LARGEST / "poetry.lock")
    parser.add_argument("--no-poetry", action="store_true", help="skip poetry export")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-"))
    shutil.copy(args.lock, work / "poetry.lock")
    shutil.copy(args.lock.parent / "pyproject.toml", work / "pyproject.toml")
    cache = work / "cache"
    lock2nix = shutil.which("lock2nix") or str(Path(sys.executable).parent / "lock2nix")
    translate = [lock2nix, "--cache-dir", str(cache), "--force", "poetry.lock", "-o", "overlay.nix"]
    subprocess.run(translate, cwd=work, check=True)  # warm the index cache

    packages = (work / "poetry.lock").read_text().count("[[package]]")
    rows = []
    rows.append(("lock2nix (warm cache)", *median_of(args.runs, translate, work)))
    noop = [lock2nix, "--cache-dir", str(cache), "poetry.lock", "-o", "overlay.nix"]
    rows.append(("lock2nix (inputs unchanged)", *median_of(args.runs, noop, work)))
    toml = [sys.executable, "-c", "import sys,tomli;tomli.load(open(sys.argv[1],'rb'))", "poetry.lock"]
    rows.append(("tomli parse", *median_of(args.runs, toml, work)))
    if not args.no_poetry:
        export = [str(poetry()), "export", "--without-hashes", "-f", "requirements.txt", "-o", "req.txt"]
        env = {"POETRY_CACHE_DIR": str(work / "poetry-cache"), "POETRY_VIRTUALENVS_CREATE": "false"}
        subprocess.run(export, cwd=work, env={**os.environ, **env}, check=True, capture_output=True)
        rows.append(("poetry export", *median_of(args.runs, export, work, env)))

    print(f"lock: {args.lock} ({packages} packages), median of {args.runs} runs")
    print(f"{'command':32} {'wall s':>8} {'peak MiB':>9}")
    for name, wall, rss in rows:
        print(f"{name:32} {wall:8.3f} {rss:9.1f}")
    base = dict((r[0], r) for r in rows)
    ours = base["lock2nix (warm cache)"]
    tomli_row = base["tomli parse"]
    print(f"lock2nix / tomli parse: {ours[1] / tomli_row[1]:.2f}x time, {ours[2] / tomli_row[2]:.2f}x memory")
    if "poetry export" in base:
        p = base["poetry export"]
        print(f"poetry export / lock2nix: {p[1] / ours[1]:.1f}x time, {p[2] / ours[2]:.2f}x memory")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Every speed target of lock2nix in one run, side by side with its peers.

    python bench/bench_speed.py [--runs 5] [--no-cold] [--cold-runs 3] [--no-peers]

Rows (median of --runs fresh processes each; peak memory is the process's max RSS):

* poetry export / lock2nix: the pandas-ai fixture (309 packages) after a
  one-package lock change with warm caches, the pre-commit hook's case; and
  the same without lock2nix's snapshot (a full translation).
* lock2nix / compiled TOML parse: the same run against a process that only
  parses the lock with tomli.
* no-op / `python -c pass`: unchanged inputs, the hook's run on every commit.
* peak memory / the parse process's.
* cold run: empty cache, everything from the network (median of --cold-runs, 3;
  skip with --no-cold).
* Pipfile.lock: `pipenv requirements --dev` against lock2nix on black's lock.
* uv.lock: `uv export` against lock2nix on the largest uv.lock fixture (when
  lock2nix reads uv.lock).
* Nix: evaluating every package's drvPath of the 309-package overlay
  (python3.12, x86_64-linux, the nixpkgs stand-in), with NIX_SHOW_STATS counters.

Peers (poetry with its export plugin, pipenv, uv) are installed into
bench/.venv-* on first use. Bytecode is written as a user's installation
would (PYTHONDONTWRITEBYTECODE is unset for the measured processes).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
DATA = REPO / "tests" / "data"
PANDAS_AI = FIXTURES / "poetry" / "sinaptik-ai__pandas-ai__2024-10-large"
BLACK = FIXTURES / "pipfile" / "psf__black__2021-editable-extras"
UV_LOCKS = FIXTURES / "uv"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass(frozen=True)
class Run:
    wall: float
    rss_mib: float


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall time and peak RSS of one fresh process running ``cmd``."""
    wrapper = [
        sys.executable, "-c",
        "import resource,subprocess,sys,time;t=time.perf_counter();"
        "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL);"
        "print(time.perf_counter()-t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss);"
        "sys.exit(r.returncode)",
        *cmd,
    ]
    out = subprocess.run(wrapper, cwd=cwd, env={**ENV, **(env or {})}, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed in {cwd}:\n{out.stderr}")
    wall, rss = out.stdout.split()
    return Run(float(wall), int(rss) / 1024)


def median(runs: int, cmd: list[str], cwd: Path, env: dict[str, str] | None = None, before=None) -> Run:
    results = []
    for _ in range(runs):
        if before is not None:
            before()
        results.append(measure(cmd, cwd, env))
    return Run(statistics.median(r.wall for r in results), statistics.median(r.rss_mib for r in results))


def peer(name: str, *packages: str) -> Path:
    """The bin directory of a virtual environment with ``packages`` (made once)."""
    venv = REPO / "bench" / f".venv-{name}"
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
    return venv / "bin"


def lock2nix() -> str:
    return shutil.which("lock2nix") or str(Path(sys.executable).parent / "lock2nix")


def seed_cache(cache: Path, *names: str) -> None:
    for name in names:
        if (DATA / name).is_dir():
            shutil.copytree(DATA / name, cache, dirs_exist_ok=True)


def one_package_variant(lock: Path) -> str:
    """The lock with one dependency constraint of one package changed."""
    text = lock.read_text()
    match = re.search(r'\[package\.dependencies\]\n([a-z0-9_.-]+) = "([^"]+)"', text)
    assert match, "no dependency constraint to change"
    return text[: match.start(2)] + match.group(2) + ",!=0.0.0" + text[match.end(2):]


def hook_setup(work: Path, cache: Path) -> tuple[list[str], Path, dict[str, str]]:
    """The pre-commit hook's run as ``lock2nix init`` sets it up: ``lock2nix --pre-commit``, reading
    the overlay from ``[tool.lock2nix]`` in pyproject.toml (command, directory, environment)."""
    hook = work / "hook"
    hook.mkdir()
    shutil.copy(work / "poetry.lock", hook / "poetry.lock")
    pyproject = (work / "pyproject.toml").read_text()
    pyproject += '\n[tool.lock2nix]\noverlays = [{ lock = "poetry.lock", output = "overlay.nix" }]\n'
    (hook / "pyproject.toml").write_text(pyproject)
    command = [lock2nix(), "--pre-commit"]
    env = {"LOCK2NIX_CACHE_DIR": str(cache)}
    subprocess.run(command, cwd=hook, env={**ENV, **env}, capture_output=True)  # exits 1: it wrote the overlay
    return command, hook, env


def interleaved(runs: int, steps: list[tuple[str, Callable[[], Run]]]) -> list[tuple[str, Run]]:
    """The median of each step, the steps taken in turn, round after round: a ratio
    of two rows compares runs of the same moments (the machine's load moves by a third)."""
    results: dict[str, list[Run]] = {name: [] for name, _ in steps}
    for _ in range(runs):
        for name, step in steps:
            results[name].append(step())
    return [
        (name, Run(statistics.median(r.wall for r in rs), statistics.median(r.rss_mib for r in rs)))
        for name, rs in results.items()
    ]


def poetry_rows(runs: int, peers: bool) -> list[tuple[str, Run]]:
    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-"))
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(PANDAS_AI / name, work / name)
    cache = work / "cache"
    seed_cache(cache, "index-cache", "sdist-cache", "git-cache")
    original = (work / "poetry.lock").read_text()
    variant = one_package_variant(work / "poetry.lock")
    translate = [lock2nix(), "--offline", "--cache-dir", str(cache), "poetry.lock", "-o", "overlay.nix"]
    subprocess.run(translate, cwd=work, env=ENV, check=True, capture_output=True)
    state = {"flip": False}

    def flip() -> None:
        state["flip"] = not state["flip"]
        (work / "poetry.lock").write_text(variant if state["flip"] else original)

    def one_package() -> Run:
        flip()
        return measure(translate, work)

    hook, hook_dir, hook_env = hook_setup(work, cache)
    toml = [sys.executable, "-c", "import sys,tomli;tomli.load(open(sys.argv[1],'rb'))", "poetry.lock"]
    steps: list[tuple[str, Callable[[], Run]]] = [
        ("lock2nix, one package changed", one_package),
        # The overlay the step before wrote is current: the no-op.
        ("lock2nix, inputs unchanged", lambda: measure(translate, work)),
        ("lock2nix --pre-commit, unchanged (configured)", lambda: measure(hook, hook_dir, hook_env)),
        ("python -c pass", lambda: measure([sys.executable, "-c", "pass"], work)),
        ("tomli parse of the lock", lambda: measure(toml, work)),
    ]
    if peers:
        bin_dir = peer("poetry", "poetry", "poetry-plugin-export")
        export = [str(bin_dir / "poetry"), "export", "--without-hashes", "-f", "requirements.txt", "-o", "req.txt"]
        env = {"POETRY_CACHE_DIR": str(work / "poetry-cache"), "POETRY_VIRTUALENVS_CREATE": "false"}
        subprocess.run(export, cwd=work, env={**ENV, **env}, check=True, capture_output=True)
        steps.append(("poetry export", lambda: measure(export, work, env)))
    rows = interleaved(runs, steps)

    def no_snapshot() -> None:
        flip()
        shutil.rmtree(cache / "snapshots", ignore_errors=True)

    rows.insert(1, ("lock2nix, full (no snapshot)", median(runs, translate, work, before=no_snapshot)))
    shutil.rmtree(work, ignore_errors=True)
    return rows


def cold_row(runs: int = 3) -> tuple[str, Run]:
    """A translation with an empty cache: every index page and sdist from the network (median of ``runs``)."""
    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-cold-"))
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(PANDAS_AI / name, work / name)
    translate = [lock2nix(), "--cache-dir", "cache", "poetry.lock", "-o", "overlay.nix"]

    def empty_cache() -> None:
        shutil.rmtree(work / "cache", ignore_errors=True)
        (work / "overlay.nix").unlink(missing_ok=True)

    run = median(runs, translate, work, before=empty_cache)
    shutil.rmtree(work, ignore_errors=True)
    return "lock2nix, cold (empty cache, network)", run


def pipfile_rows(runs: int, peers: bool) -> list[tuple[str, Run]]:
    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-pipfile-"))
    shutil.copytree(BLACK, work, dirs_exist_ok=True)
    cache = work / "cache"
    seed_cache(cache, "pipfile-cache", "git-cache")
    translate = [lock2nix(), "--offline", "--force", "--cache-dir", str(cache), "Pipfile.lock", "-o", "overlay.nix"]
    subprocess.run(translate, cwd=work, env=ENV, check=True, capture_output=True)
    rows = [("lock2nix Pipfile.lock", median(runs, translate, work))]
    if peers:
        bin_dir = peer("pipenv", "pipenv")
        requirements = [str(bin_dir / "pipenv"), "requirements", "--dev"]
        rows.append(("pipenv requirements --dev", median(runs, requirements, work, {"PIPENV_VERBOSITY": "-1"})))
    shutil.rmtree(work, ignore_errors=True)
    return rows


def uv_rows(runs: int, peers: bool) -> list[tuple[str, Run]]:
    locks = sorted(UV_LOCKS.glob("*/uv.lock"), key=lambda p: p.stat().st_size) if UV_LOCKS.is_dir() else []
    if not locks:
        return []
    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-uv-"))
    shutil.copytree(locks[-1].parent, work, dirs_exist_ok=True)
    cache = work / "cache"
    seed_cache(cache, "uv-cache", "index-cache", "sdist-cache", "git-cache")
    translate = [lock2nix(), "--offline", "--force", "--cache-dir", str(cache), "uv.lock", "-o", "overlay.nix"]
    if subprocess.run(translate, cwd=work, env=ENV, capture_output=True).returncode != 0:
        return []  # this lock2nix does not read uv.lock (yet)
    rows = [(f"lock2nix uv.lock ({locks[-1].parent.name})", median(runs, translate, work))]
    if peers:
        bin_dir = peer("uv", "uv")
        env = {"SSL_CERT_FILE": "/etc/ssl/certs/ca-certificates.crt", "UV_OFFLINE": "1"}
        export = [str(bin_dir / "uv"), "export", "--frozen", "--no-header", "-o", "req.txt"]
        rows.append(("uv export", median(runs, export, work, env)))
    shutil.rmtree(work, ignore_errors=True)
    return rows


def nix_row() -> tuple[str, Run, dict[str, int]]:
    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-nix-"))
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(PANDAS_AI / name, work / name)
    cache = work / "cache"
    seed_cache(cache, "index-cache", "sdist-cache", "git-cache")
    subprocess.run([lock2nix(), "--offline", "--cache-dir", str(cache), "poetry.lock", "-o", "overlay.nix"],
                   cwd=work, env=ENV, check=True, capture_output=True)
    expr = (
        f"let pkgs = import {REPO}/tests/nixpkgs {{ overlays = [ (import {work}/overlay.nix) ]; }}; "
        "p = builtins.head (builtins.attrValues pkgs.lock2nixProjects); ps = (p.withPython pkgs.python312).python.pkgs; "
        "in builtins.length (builtins.filter (x: x) (map (n: (builtins.tryEval ps.${n}.drvPath or null).success) "
        "p.lockedNames))"
    )
    stats = work / "stats.json"
    start = time.perf_counter()
    subprocess.run(["nix-instantiate", "--eval", "--strict", "-E", expr], check=True, capture_output=True,
                   env={**ENV, "NIX_SHOW_STATS": "1", "NIX_SHOW_STATS_PATH": str(stats)})
    wall = time.perf_counter() - start
    counters = json.loads(stats.read_text()) if stats.exists() else {}
    shutil.rmtree(work, ignore_errors=True)
    keep = ("nrThunks", "nrFunctionCalls", "nrPrimOpCalls", "nrLookups", "nrAvoided")
    flat = {k: counters[k] for k in keep if k in counters}
    for k in ("envs", "list", "values", "sets"):
        if isinstance(counters.get(k), dict):
            flat[f"{k}.number"] = counters[k].get("number", counters[k].get("elements", 0))
    return "nix: every drvPath of the 309-package overlay", Run(wall, 0.0), flat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="skip the cold runs (they need the network)")
    parser.add_argument("--cold-runs", type=int, default=3, help="cold runs to take the median of (default 3)")
    parser.add_argument("--no-peers", action="store_true", help="skip poetry, pipenv and uv")
    args = parser.parse_args()
    peers = not args.no_peers

    rows = dict(poetry_rows(args.runs, peers))
    if not args.no_cold:
        rows.update([cold_row(args.cold_runs)])
    rows.update(pipfile_rows(args.runs, peers))
    rows.update(uv_rows(args.runs, peers))
    nix_name, nix_run, counters = nix_row()
    rows[nix_name] = nix_run

    print(f"median of {args.runs} runs; {os.cpu_count()} CPUs; load {os.getloadavg()[0]:.2f}")
    print(f"{'':52} {'wall s':>8} {'peak MiB':>9}")
    for name, run in rows.items():
        print(f"{name:52} {run.wall:8.3f} {run.rss_mib:9.1f}")
    print(f"nix stats: {counters}")

    def ratio(a: str, b: str, attr: str = "wall") -> float:
        return float(getattr(rows[a], attr) / getattr(rows[b], attr))

    ours = "lock2nix, one package changed"
    targets = [
        ("poetry export / lock2nix", lambda: ratio("poetry export", ours), ">= 6", lambda v: v >= 6),
        ("lock2nix / tomli parse", lambda: ratio(ours, "tomli parse of the lock"), "<= 3", lambda v: v <= 3),
        ("no-op / python -c pass", lambda: ratio("lock2nix, inputs unchanged", "python -c pass"), "<= 3",
         lambda v: v <= 3),
        ("hook's no-op / python -c pass",
         lambda: ratio("lock2nix --pre-commit, unchanged (configured)", "python -c pass"), "<= 3", lambda v: v <= 3),
        ("peak memory / parse process", lambda: ratio(ours, "tomli parse of the lock", "rss_mib"), "<= 2",
         lambda v: v <= 2),
        ("cold run (s)", lambda: rows["lock2nix, cold (empty cache, network)"].wall, "<= 10", lambda v: v <= 10),
        ("nix evaluation (s)", lambda: nix_run.wall, "< 1", lambda v: v < 1),
        ("pipenv requirements / lock2nix", lambda: ratio("pipenv requirements --dev", "lock2nix Pipfile.lock"), "", None),
        ("uv export / lock2nix", lambda: ratio("uv export", next(k for k in rows if k.startswith("lock2nix uv.lock"))),
         "", None),
    ]
    print(f"\n{'target':34} {'value':>8} {'target':>7}  met")
    for name, value, target, met in targets:
        try:
            v = value()
        except (KeyError, StopIteration):
            continue
        verdict = "" if met is None else ("yes" if met(v) else "NO")
        print(f"{name:34} {v:8.2f} {target:>7}  {verdict}")


if __name__ == "__main__":
    main()

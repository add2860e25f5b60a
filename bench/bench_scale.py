"""Scale: translation time and peak memory of synthetic poetry.locks of 1,000 to 10,000 packages.

Each lock has the shape of a real one: packages from PyPI and from a private
(legacy) index, each with an sdist and a few wheels and their sha256 hashes,
dependency edges with version constraints, markers and extras, extras tables,
some names locked twice (split by markers), dependency cycles, and a
pyproject.toml whose groups name a tenth of the packages.  The index answers
are written beforehand into a cache directory with lock2nix's own
``IndexCache``, so the translation runs ``--offline --no-detect`` without
network.  Every size runs in a fresh process, which reports its wall time and
peak RSS (``getrusage``); ``--tracemalloc`` reports the peak of Python
allocations instead (slower), ``--profile N`` prints a cProfile of size N.

    python bench/bench_scale.py                 # 1000 2500 5000 10000
    python bench/bench_scale.py --sizes 500 20000 --repeat 3 --parse

Linear time means a roughly constant time per package across sizes; bounded
memory, a roughly constant peak per package (plus a fixed base).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "translator"))

PYPI = "https://pypi.org/simple/"
PRIVATE = "https://packages.example.org/simple/"
PLATFORMS = [
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "macosx_11_0_arm64",
    "win_amd64",
]
MARKERS = [
    'python_version < "3.11"',
    'sys_platform == "win32"',
    'platform_machine == "x86_64" and sys_platform == "linux"',
    'python_version >= "3.9" and python_version < "4.0"',
    'implementation_name == "cpython"',
]


def sha(*parts: object) -> str:
    return hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()


def synthesise(n: int, where: Path, *, seed: int = 0) -> tuple[Path, Path]:
    """Write ``poetry.lock`` and ``pyproject.toml`` of ``n`` packages into ``where`` and
    their index answers into ``where/cache``; return (lock, cache)."""
    from lock2nix.resolve.index import IndexCache, IndexFile

    rng = random.Random(f"{seed}:{n}")
    names = [f"pkg-{i:05d}" for i in range(n)]
    # About 2% of the names are locked at two versions, split by a marker.
    doubled = set(rng.sample(names, max(1, n // 50)))
    cache = IndexCache(where / "cache")
    packages: list[str] = []
    index_files: dict[tuple[str, str], list[IndexFile]] = {}
    for i, name in enumerate(names):
        versions = [("1.0.0", None)]
        if name in doubled:
            versions = [("1.0.0", 'sys_platform == "linux"'), ("2.0.0", 'sys_platform != "linux"')]
        index = PRIVATE if i % 10 == 0 else PYPI
        for version, split in versions:
            stem = name.replace("-", "_")
            files = [f"{stem}-{version}.tar.gz"]
            if i % 3 == 0:
                files.append(f"{stem}-{version}-py3-none-any.whl")
            else:
                files += [f"{stem}-{version}-cp311-cp311-{p}.whl" for p in rng.sample(PLATFORMS, 3)]
            # Edges: mostly to later names (a DAG, as resolvers produce), a few back (cycles).
            deps = []
            for _ in range(rng.choice([0, 1, 2, 3, 4, 6])):
                j = rng.randrange(i + 1, n) if i + 1 < n and rng.random() < 0.97 else rng.randrange(n)
                if j == i or any(d.startswith(f'"{names[j]}"') for d in deps):
                    continue
                target = names[j]
                spec = rng.choice(['">=1.0"', '"^1.0"', '"*"', '">=0.5,<3"'])
                if rng.random() < 0.25:
                    spec = f'{{version = {spec}, markers = {json.dumps(rng.choice(MARKERS))}}}'
                elif rng.random() < 0.1:
                    spec = f'{{version = {spec}, extras = ["extra-a"]}}'
                deps.append(f'"{target}" = {spec}')
            extras = ""
            if rng.random() < 0.2 and deps:
                optional = deps[0].split(" = ")[0].strip('"')
                extras = f'\n[package.extras]\nextra-a = ["{optional} (>=1.0)"]\n'
            source = ""
            if index == PRIVATE:
                source = f'\n[package.source]\ntype = "legacy"\nurl = "{PRIVATE}"\nreference = "private"\n'
            marker = f"markers = {json.dumps(split)}\n" if split else ""
            packages.append(
                "[[package]]\n"
                f'name = "{name}"\nversion = "{version}"\ndescription = "Synthetic package {name}"\n'
                f'optional = false\npython-versions = ">=3.8"\n{marker}'
                "files = [\n"
                + "".join(f'    {{file = "{f}", hash = "sha256:{sha(f)}"}},\n' for f in files)
                + "]\n"
                + (f"\n[package.dependencies]\n{chr(10).join(deps)}\n" if deps else "")
                + extras
                + source
            )
            index_files.setdefault((index, name), []).extend(
                IndexFile(f, f"https://files.example.org/{sha(f)[:2]}/{f}", sha(f), ">=3.8") for f in files
            )
    lock = where / "poetry.lock"
    lock.write_text(
        "# synthetic\n\n"
        + "\n".join(packages)
        + '\n[metadata]\nlock-version = "2.1"\npython-versions = ">=3.9,<4.0"\ncontent-hash = "0"\n',
        encoding="utf-8",
    )
    roots = rng.sample(names, max(1, n // 10))
    dev = rng.sample(names, max(1, n // 100))
    (where / "pyproject.toml").write_text(
        '[project]\nname = "synthetic"\nversion = "0.1.0"\nrequires-python = ">=3.9,<4.0"\n'
        f"dependencies = [{', '.join(json.dumps(r) for r in roots)}]\n\n"
        f"[dependency-groups]\ndev = [{', '.join(json.dumps(d) for d in dev)}]\n\n"
        '[build-system]\nrequires = ["poetry-core"]\nbuild-backend = "poetry.core.masonry.api"\n',
        encoding="utf-8",
    )
    for (index, name), files in index_files.items():
        cache.store(index, name, files)
    return lock, where / "cache"


CHILD = r"""
import json, resource, sys, time
measure = sys.argv[1]
argv = sys.argv[2:]
if measure == "tracemalloc":
    import tracemalloc
    tracemalloc.start()
started = time.perf_counter()
if measure == "profile":
    import cProfile, pstats
    profile = cProfile.Profile()
    profile.enable()
from lock2nix import cli
code = cli.main(argv)
seconds = time.perf_counter() - started
if measure == "profile":
    profile.disable()
    pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profile, stream=sys.stderr).sort_stats("tottime").print_stats(15)
result = {"code": code, "seconds": seconds, "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}
if measure == "tracemalloc":
    result["traced_peak"] = tracemalloc.get_traced_memory()[1]
print(json.dumps(result))
"""


def translate(lock: Path, cache: Path, out: Path, measure: str = "time") -> dict:
    # From nothing every time: the snapshot of the run before would answer for every entry.
    shutil.rmtree(cache / "snapshots", ignore_errors=True)
    argv = ["--offline", "--no-detect", "--force", "--cache-dir", str(cache), str(lock), "-o", str(out)]
    proc = subprocess.run([sys.executable, "-c", CHILD, measure, *argv], capture_output=True, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        raise SystemExit(f"translation failed: {proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result["code"] != 0:
        raise SystemExit(f"lock2nix exited {result['code']}: {proc.stderr[-3000:]}")
    if measure == "profile":
        print(proc.stderr, file=sys.stderr)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2500, 5000, 10000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the fastest counts (default 3)")
    parser.add_argument("--tracemalloc", action="store_true", help="also report the peak of Python allocations")
    parser.add_argument("--profile", type=int, metavar="N", help="print a cProfile of the translation of size N")
    parser.add_argument("--parse", action="store_true", help="check that each overlay parses (nix-instantiate --parse)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="lock2nix-scale-") as tmp:
        for n in args.sizes:
            where = Path(tmp) / str(n)
            where.mkdir()
            lock, cache = synthesise(n, where)
            out = where / "overlay.nix"
            runs = [translate(lock, cache, out) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["seconds"])
            locked = lock.read_text().count("[[package]]")
            row = {
                "packages": n,
                "locked entries": locked,
                "lock bytes": lock.stat().st_size,
                "overlay bytes": out.stat().st_size,
                "seconds": best["seconds"],
                "us per entry": best["seconds"] / locked * 1e6,
                "peak RSS MB": max(r["maxrss_kb"] for r in runs) / 1024,
            }
            if args.tracemalloc:
                row["traced peak MB"] = translate(lock, cache, out, "tracemalloc")["traced_peak"] / 2**20
            if args.parse:
                subprocess.run(["nix-instantiate", "--parse", str(out)], check=True, stdout=subprocess.DEVNULL)
                row["parses"] = True
            if args.profile == n:
                translate(lock, cache, out, "profile")
            rows.append(row)
            print(
                f"{n:>6} packages ({locked} entries, lock {row['lock bytes'] / 1e6:.1f} MB, overlay "
                f"{row['overlay bytes'] / 1e6:.1f} MB): {row['seconds']:.2f} s, {row['us per entry']:.0f} µs/entry, "
                f"peak RSS {row['peak RSS MB']:.0f} MB"
                + (f", traced peak {row['traced peak MB']:.0f} MB" if args.tracemalloc else ""),
                flush=True,
            )
            shutil.rmtree(where)
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        scale = last["locked entries"] / first["locked entries"]
        time_ratio = last["seconds"] / first["seconds"]
        print(
            f"\n{scale:.1f}x the entries took {time_ratio:.1f}x the time "
            f"(time per entry x{last['us per entry'] / first['us per entry']:.2f}); "
            f"peak RSS x{last['peak RSS MB'] / first['peak RSS MB']:.2f}"
        )
        # Memory per entry above a fixed base, from the two extreme sizes.
        per_entry = (last["peak RSS MB"] - first["peak RSS MB"]) / (last["locked entries"] - first["locked entries"])
        print(f"memory: about {per_entry * 1024:.0f} KB per entry above a base of "
              f"{first['peak RSS MB'] - per_entry * first['locked entries']:.0f} MB")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

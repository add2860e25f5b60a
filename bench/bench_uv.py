"""Wall time and peak memory of lock2nix on the largest uv.lock fixture, next to `uv export`.

`uv export` is uv's own "turn this lock into something else" (requirements.txt,
or PEP 751 pylock.toml), reading only the lock (--frozen), as lock2nix does.
lock2nix runs with a warm cache (the pre-commit case: the lock changed, its
artifacts did not) to an overlay and to a pylock.toml.

    python bench/bench_uv.py [--runs 5] [--lock PATH]

uv is installed from PyPI into bench/.venv-uv on first use (SSL_CERT_FILE is
pointed at the system CA bundle: uv keeps its own certificate store).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_translate import median_of

REPO = Path(__file__).resolve().parent.parent
LARGEST = REPO / "tests" / "fixtures" / "uv" / "jfilter__hyperhyper__head" / "uv.lock"
UV_VENV = REPO / "bench" / ".venv-uv"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def uv() -> Path:
    exe = UV_VENV / "bin" / "uv"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(UV_VENV)], check=True)
        subprocess.run([str(UV_VENV / "bin" / "pip"), "install", "-q", "uv"], check=True)
    return exe


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lock", type=Path, default=LARGEST)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="lock2nix-bench-uv-"))
    shutil.copy(args.lock, work / "uv.lock")
    shutil.copy(args.lock.parent / "pyproject.toml", work / "pyproject.toml")
    (work / "README.md").write_text("bench\n")
    cache = work / "cache"
    lock2nix = shutil.which("lock2nix") or str(Path(sys.executable).parent / "lock2nix")
    translate = [lock2nix, "--cache-dir", str(cache), "--force", "uv.lock", "-o", "overlay.nix"]
    subprocess.run(translate, cwd=work, check=True)  # warm the sdist cache
    env = {"SSL_CERT_FILE": CA_BUNDLE, "UV_CACHE_DIR": str(work / "uv-cache")}
    rows = [
        ("lock2nix -> overlay", *median_of(args.runs, translate, work)),
        ("lock2nix -> pylock.toml", *median_of(
            args.runs, [lock2nix, "--cache-dir", str(cache), "--emit", "pylock", "uv.lock", "-o", "out.toml"], work)),
        ("lock2nix (inputs unchanged)", *median_of(
            args.runs, [lock2nix, "--cache-dir", str(cache), "uv.lock", "-o", "overlay.nix"], work)),
    ]
    # uv insists on pylock.<name>.toml for that format.
    for fmt, out in (("requirements.txt", "uv-requirements.txt"), ("pylock.toml", "pylock.uv.toml")):
        export = [str(uv()), "export", "--frozen", "--no-progress", "--format", fmt, "-o", out]
        subprocess.run(export, cwd=work, env={**os.environ, **env}, check=True, capture_output=True)
        rows.append((f"uv export --format {fmt}", *median_of(args.runs, export, work, env)))
    packages = (work / "uv.lock").read_text().count("[[package]]")
    print(f"lock: {args.lock} ({packages} packages), median of {args.runs} runs")
    print(f"{'command':36} {'wall s':>8} {'peak MiB':>9}")
    for name, wall, rss in rows:
        print(f"{name:36} {wall:8.3f} {rss:9.1f}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

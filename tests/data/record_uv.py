#!/usr/bin/env python3
"""Record the uv.lock / pylock.toml fixtures' locks and what translating them fetches.

Run from a checkout, with lock2nix's dependencies installed (network needed):

    python tests/data/record_uv.py [--clients] [--git-mirror URL=DIR ...]

``--clients`` first re-writes the locks of the recorded fixture projects with
the real clients, installed from PyPI into a temporary virtualenv (uv keeps
its own certificate store: ``SSL_CERT_FILE`` is pointed at the system CA
bundle). The exact commands, run in each project's directory:

* ``tests/fixtures/uv/recorded-{fork,workspace,environments}/``: ``uv lock``;
* ``tests/fixtures/pylock/recorded-{fork,workspace,environments}/`` (copies of those
  projects): ``uv export --frozen --all-groups --all-extras --format pylock.toml
  -o pylock.toml``, then the copied uv.lock is removed;
* ``tests/fixtures/pylock/recorded-pip-lock/`` (the fork project):
  ``pip --isolated lock --index-url https://pypi.org/simple -e . --group dev -o pylock.toml``
  (``--isolated``: the recording machine's pip configuration adds local indexes).

Then, for every fixture under ``tests/fixtures/uv/`` and ``tests/fixtures/pylock/``
(staged as the tests stage them, see ``tests/uv_cases.py``), lock2nix's own
resolution runs against the live index into a fresh cache, which is kept as
``uv-cache/`` next to this script: ``index/`` (Simple API answers),
``metadata/`` (the wheels' core metadata a pylock.toml's edges come from),
``sdist/`` (the build system each sdist declares) and ``git/``.

``--roundtrip`` records, in ``roundtrip-cache/``, the metadata the round trip
poetry.lock / Pipfile.lock / uv.lock → ``--emit pylock`` → overlay reads (a
pylock.toml records no edges, so they are read from each wheel's metadata, PEP
658): each poetry, Pipfile and uv fixture is translated offline from the
recorded caches to a pylock.toml, and the metadata of every file that
pylock.toml's translation asks for and ``roundtrip-cache/`` lacks is fetched
from the live index (delete the directory to record it from scratch). A file on a host the recording machine
cannot reach (download.pytorch.org) gets an entry synthesised from the original
lock's own edges: its origin is left unrecorded (``""``) and a ``"synthesised"``
key says why.

GitHub is not reachable from the recording machine: ``--git-mirror
https://github.com/pypa/pip.git=/path/to/bare/repo`` hashes that URL's locked
commits from a local copy (a stored snapshot) and stores the hash under the
URL the lock names, as ``git-cache/`` was recorded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "translator"))
sys.path.insert(0, str(REPO))

from lock2nix import parsers, resolve
from lock2nix.resolve.hashing import GitHashCache, git_checkout
from lock2nix.model import VcsSource

from tests.uv_cases import FIXTURES, PYLOCK_CASES, UV_CASES, stage_case

OUT = HERE / "uv-cache"
CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
RECORDED = ("recorded-fork", "recorded-workspace", "recorded-environments")


def run_clients() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "clients"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([venv / "bin" / "pip", "install", "-q", "uv", "pip>=25.1"], check=True)
        env = {**os.environ, "SSL_CERT_FILE": CA_BUNDLE}
        uv, pip = str(venv / "bin" / "uv"), str(venv / "bin" / "pip")
        for case in RECORDED:
            project = FIXTURES / "uv" / case
            subprocess.run([uv, "lock"], cwd=project, env=env, check=True)
            copy = FIXTURES / "pylock" / case
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(project, copy)
            subprocess.run(
                [uv, "export", "--frozen", "--all-groups", "--all-extras", "--format", "pylock.toml", "-o", "pylock.toml"],
                cwd=copy, env=env, check=True,
            )
            (copy / "uv.lock").unlink()
        pip_case = FIXTURES / "pylock" / "recorded-pip-lock"
        shutil.rmtree(pip_case, ignore_errors=True)
        shutil.copytree(FIXTURES / "uv" / "recorded-fork", pip_case, ignore=shutil.ignore_patterns("uv.lock"))
        clean = {k: v for k, v in env.items() if not k.startswith("PIP_")}
        subprocess.run(
            [pip, "--isolated", "lock", "--cert", CA_BUNDLE, "--index-url", "https://pypi.org/simple",
             "-e", ".", "--group", "dev", "-o", "pylock.toml"],
            cwd=pip_case, env=clean, check=True,
        )


def hash_mirrors(cache: Path, mirrors: dict[str, str]) -> None:
    """Checkout hashes of the locked git commits, computed from local mirrors."""
    store = GitHashCache(cache)
    scratch = GitHashCache(cache / "scratch")
    for kind, cases, name in (("uv", UV_CASES, "uv.lock"), ("pylock", PYLOCK_CASES, "pylock.toml")):
        for case in cases:
            lock = FIXTURES / kind / case / name
            model = parsers.parse(str(lock), lock.read_bytes(), directory=lock.parent)
            for package in model.packages:
                source = package.source
                if isinstance(source, VcsSource) and source.url in mirrors:
                    for submodules in (False, True):
                        checkout = git_checkout(
                            "file://" + mirrors[source.url], source.commit_id, submodules=submodules, cache=scratch
                        )
                        store.put(source.url, source.commit_id, submodules, checkout)
    shutil.rmtree(cache / "scratch", ignore_errors=True)


def record(out: Path, mirrors: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        cache.mkdir()
        if (out / "git").is_dir():  # hashes from mirrors are kept unless re-computed
            shutil.copytree(out / "git", cache / "git")
        hash_mirrors(cache, mirrors)
        for kind, cases in (("uv", UV_CASES), ("pylock", PYLOCK_CASES)):
            for case in cases:
                lock = stage_case(kind, case, Path(tmp) / "stage")
                model = parsers.parse(str(lock), lock.read_bytes(), directory=lock.parent)
                resolved = resolve.resolve(model, resolve.Settings(cache_dir=cache))
                print(f"{kind}/{case}: {len(resolved.packages)} packages", file=sys.stderr)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(cache, out)
    for path in [out, *out.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


ROUNDTRIP = HERE / "roundtrip-cache"


def record_roundtrip(out: Path) -> None:
    import json

    from lock2nix.errors import Lock2NixError
    from lock2nix.resolve.dependencies import _metadata_file
    from lock2nix.resolve.metadata import DistMetadata, MetadataCache, fetch_metadata

    from tests.conftest import POETRY_CASES, stage_poetry_case
    from tests.pipfile_cases import PIPFILE_CASES, stage_pipfile_case

    with tempfile.TemporaryDirectory() as tmp:
        # The caches the tests translate each format with (see conftest.py, pipfile_cases.py, uv_cases.py).
        recorded_by_format = {
            "poetry.lock": Path(tmp) / "poetry", "Pipfile.lock": Path(tmp) / "pipfile", "uv.lock": Path(tmp) / "uv"
        }
        for name in ("index-cache", "git-cache", "sdist-cache"):
            shutil.copytree(HERE / name, recorded_by_format["poetry.lock"], dirs_exist_ok=True)
        for name in ("pipfile-cache", "git-cache"):
            shutil.copytree(HERE / name, recorded_by_format["Pipfile.lock"], dirs_exist_ok=True)
        shutil.copytree(OUT, recorded_by_format["uv.lock"])
        cache = Path(tmp) / "cache"
        if out.is_dir():  # what was recorded is kept: only what is missing is fetched
            shutil.copytree(out, cache)
        cases = [("poetry.lock", c, stage_poetry_case) for c in POETRY_CASES]
        cases += [("Pipfile.lock", c, stage_pipfile_case) for c in PIPFILE_CASES]
        cases += [("uv.lock", c, lambda c, where: stage_case("uv", c, where)) for c in UV_CASES]
        for lock_name, case, stage in cases:
            lock = stage(case, Path(tmp) / "stage" / lock_name)
            recorded = recorded_by_format[lock_name]
            command = [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(recorded)]
            emitted = subprocess.run([*command, "--emit", "pylock", "-o", "pylock.toml", lock.name],
                                     cwd=lock.parent, capture_output=True, text=True)
            if emitted.returncode != 0:
                print(f"{case}: not translatable offline: {emitted.stderr.strip()}", file=sys.stderr)
                continue
            original = json.loads(subprocess.run([*command, "--emit", "model", lock.name], cwd=lock.parent,
                                                 capture_output=True, text=True, check=True).stdout)
            edges = {(p["name"], p["version"]): p for p in original["packages"]}
            pylock = lock.parent / "pylock.toml"
            model = parsers.parse(str(pylock), pylock.read_bytes(), directory=lock.parent)
            for package in model.packages:
                request = _metadata_file(package)
                if request is None or MetadataCache(recorded).load(request.sha256) is not None:
                    continue  # nothing to read, or in the format's own recorded cache already
                try:
                    fetch_metadata([request], cache_dir=cache)
                except Lock2NixError as exc:
                    known = edges[(package.name, package.version)]
                    requires = [
                        d["name"] + (f"[{','.join(d['extras'])}]" if d.get("extras") else "")
                        + (f"; {d['marker']}" if d.get("marker") else "")
                        for d in known.get("dependencies", [])
                    ]
                    MetadataCache(cache).store(
                        request.sha256, request.filename,
                        DistMetadata(name=package.name, version=package.version, requires_dist=tuple(requires)),
                        synthesised=f"not readable from the recording machine ({exc.message}); "
                        "edges from the original lock",
                    )
                    print(f"{case}: {package.name} {package.version}: synthesised", file=sys.stderr)
            print(f"{case}: {len(model.packages)} packages", file=sys.stderr)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(cache, out)
    for path in [out, *out.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", action="store_true", help="re-lock the recorded projects with uv and pip first")
    parser.add_argument("--git-mirror", action="append", default=[], metavar="URL=DIR")
    parser.add_argument("--roundtrip", action="store_true", help="record only roundtrip-cache/ (see above)")
    args = parser.parse_args()
    if args.roundtrip:
        record_roundtrip(ROUNDTRIP)
        return 0
    if args.clients:
        run_clients()
    mirrors = dict(m.split("=", 1) for m in args.git_mirror)
    record(OUT, mirrors)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Record the index answers that the test-suite replays without network.

Run with pypi-simple installed, from anywhere:

    python tests/data/record_index.py [--fixtures DIR] [--only cache|simple-api]

It writes two things next to itself:

* ``index-cache/``: an `IndexClient` cache (``index-cache/index/...``) holding
  every file of every poetry.lock under ``DIR/*/`` (default: the poetry
  fixtures, tests/fixtures/poetry or else shared/fixtures/poetry) that comes
  from a package index, as the live index lists it. Indexes this machine
  cannot reach get entries synthesised from the lock, marked with a
  ``"synthesised"`` key (see UNREACHABLE below).
* ``simple-api/``: a few raw Simple API responses, trimmed to a few files,
  with ``responses.json`` telling which URL, Accept kind and Content-Type
  each was served with.

The cache is rebuilt from scratch, so entries no fixture needs disappear.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
# Runnable without PYTHONPATH from a checkout.
sys.path.insert(0, str(HERE.parents[1] / "translator"))

from lock2nix._hashes import parse_hash  # noqa: E402
from lock2nix.resolve.index import (  # noqa: E402
    PYPI_SIMPLE_URL,
    FileRequest,
    IndexCache,
    IndexClient,
    IndexFile,
)

# The repository's copy of the poetry fixtures, else the shared originals.
DEFAULT_FIXTURES = next(
    (
        p
        for p in (
            HERE.parent / "fixtures" / "poetry",
            HERE.parents[2] / "shared" / "fixtures" / "poetry",
        )
        if p.is_dir()
    ),
    HERE.parent / "fixtures" / "poetry",
)

# Indexes the recording machine cannot reach, and why their entries are
# synthesised; the note goes into each such entry.
UNREACHABLE = {
    "https://download.pytorch.org/whl/cu118/": (
        "download.pytorch.org is not reachable from the recording machine; "
        "entries built from the lock's file names and sha256 hashes, URLs "
        "following that index's layout <index>/<url-quoted file name>"
    ),
}

# Source types whose artifacts are not on a package index.
NON_INDEX_SOURCES = {"git", "directory", "file", "url"}


def locked_files(lock_path: Path) -> Iterator[FileRequest]:
    """Yield a request for every index-hosted file in a poetry.lock."""
    with open(lock_path, "rb") as f:
        lock = tomllib.load(f)
    packages = lock.get("package", [])
    # Lock 1.x lists files per package name under [metadata.files]; lock 2.x
    # lists them in each [[package]].
    legacy_files = lock.get("metadata", {}).get("files")
    done_names: set[str] = set()
    for package in packages:
        source = package.get("source") or {}
        if source.get("type") in NON_INDEX_SOURCES:
            continue
        index_url = source.get("url", PYPI_SIMPLE_URL)
        if legacy_files is not None:
            if package["name"] in done_names:
                continue
            done_names.add(package["name"])
            files = legacy_files.get(package["name"], [])
        else:
            files = package.get("files", [])
        for entry in files:
            algo, digest = parse_hash(entry["hash"])
            if algo != "sha256":
                print(f"{lock_path}: {entry['file']}: only {algo}, skipped", file=sys.stderr)
                continue
            yield FileRequest(index_url, package["name"], entry["file"], digest)


def record_cache(fixtures: Path, out: Path) -> None:
    requests: set[FileRequest] = set()
    for lock_path in sorted(fixtures.glob("*/poetry.lock")):
        requests.update(locked_files(lock_path))
    live = sorted(
        (r for r in requests if r.index_url not in UNREACHABLE),
        key=lambda r: (r.index_url, r.project, r.filename),
    )
    synthetic = [r for r in requests if r.index_url in UNREACHABLE]

    with tempfile.TemporaryDirectory(dir=out.parent) as tmp:
        # missing_ok: files deleted from the index since the lock was written
        # are recorded as "unlisted", as a real run would cache them.
        found = IndexClient(Path(tmp)).resolve(live, missing_ok=True)
        _synthesise(IndexCache(Path(tmp)), synthetic)
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(tmp, out)
        out.chmod(0o755)  # not the temporary directory's 0700
    unlisted = sorted(r.filename for r in live if r not in found)
    for filename in unlisted:
        print(f"not listed on the index: {filename}", file=sys.stderr)
    print(f"{len(found)} files resolved, {len(unlisted)} unlisted, {len(synthetic)} synthesised")


def _synthesise(cache: IndexCache, requests: list[FileRequest]) -> None:
    by_project: dict[tuple[str, str], list[FileRequest]] = {}
    for r in requests:
        by_project.setdefault((r.index_url, r.project), []).append(r)
    for (index_url, project), reqs in by_project.items():
        files = [IndexFile(r.filename, index_url + quote(r.filename), r.sha256) for r in reqs]
        cache.store(index_url, project, files, synthesised=UNREACHABLE[index_url])


# --- raw responses ------------------------------------------------------------

JSON_ACCEPT = "application/vnd.pypi.simple.v1+json"
HTML_ACCEPT = "text/html"

# (name, project, Accept, versions kept, add PEP 658/714 attributes?)
RAW_PAGES = [
    ("split-folders.json", "split-folders", JSON_ACCEPT, {"0.5.1", "0.4.3"}, False),
    ("urllib3.html", "urllib3", HTML_ACCEPT, {"1.26.2", "1.26.1"}, False),
    ("idna-metadata.html", "idna", HTML_ACCEPT, {"3.10", "3.9"}, True),
]

_ANCHOR_RE = re.compile(r'<a href="(?P<href>[^"]*)"(?P<attrs>[^>]*)>(?P<name>[^<]*)</a><br */?>\n?')


def record_simple_api(out: Path) -> None:
    import requests

    out.mkdir(parents=True, exist_ok=True)
    session = requests.Session()
    manifest = []
    for name, project, accept, versions, add_metadata in RAW_PAGES:
        url = f"{PYPI_SIMPLE_URL}{project}/"
        r = _get_as(session, url, accept)
        content_type = r.headers["Content-Type"]
        if accept == JSON_ACCEPT:
            body = _trim_json(r.text, versions)
        else:
            body = _trim_html(r.text, versions, session if add_metadata else None)
        (out / name).write_text(body, encoding="utf-8")
        manifest.append({"url": url, "accept": accept, "content-type": content_type, "body": name})
    (out / "responses.json").write_text(json.dumps(manifest, indent=2) + "\n")


def _get_as(session: Any, url: str, accept: str) -> Any:
    # The index view of the recording machine sometimes answers HTML to a
    # request for JSON; ask again a few times before giving up.
    for attempt in range(10):
        r = session.get(url, headers={"Accept": accept}, timeout=60)
        r.raise_for_status()
        if r.headers["Content-Type"].split(";")[0] in accept:
            return r
        time.sleep(2 * attempt)
    raise SystemExit(f"{url}: no {accept} answer, got {r.headers['Content-Type']}")


def _version_of(filename: str) -> str:
    # Good enough for the pages above: the version is the first "-"-separated
    # part after the name that starts with a digit.
    m = re.match(r"[^-]+(?:-[^-\d][^-]*)*-(\d[^-]*?)(?:\.tar\.gz|\.zip|-|$)", filename)
    return m[1] if m else ""


def _trim_json(text: str, versions: set[str]) -> str:
    page = json.loads(text)
    page["files"] = [f for f in page["files"] if _version_of(f["filename"]) in versions]
    page["versions"] = [v for v in page.get("versions", []) if v in versions]
    return json.dumps(page, indent=1) + "\n"


def _trim_html(text: str, versions: set[str], session: Any) -> str:
    def keep(m: re.Match[str]) -> str:
        if _version_of(m["name"]) not in versions:
            return ""
        anchor = m.group(0)
        if session is not None and m["name"].endswith(".whl"):
            anchor = _add_metadata_attrs(anchor, m["href"], session)
        return anchor

    trimmed = _ANCHOR_RE.sub(keep, text)
    if session is not None:
        trimmed = trimmed.replace(
            "<body>\n",
            "<body>\n<!-- lock2nix: trimmed; data-dist-info-metadata/data-core-metadata "
            "added by record_index.py as the sha256 of the <file>.metadata the index "
            "serves (the recording machine's index view omits these attributes) -->\n",
            1,
        )
    return trimmed


def _add_metadata_attrs(anchor: str, href: str, session: Any) -> str:
    import hashlib

    url = href.split("#", 1)[0] + ".metadata"
    r = session.get(url, timeout=60)
    r.raise_for_status()
    digest = hashlib.sha256(r.content).hexdigest()
    attrs = f' data-dist-info-metadata="sha256={digest}" data-core-metadata="sha256={digest}"'
    return anchor.replace('">', f'"{attrs}>', 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--only", choices=["cache", "simple-api"])
    args = parser.parse_args()
    if args.only in (None, "cache"):
        record_cache(args.fixtures, HERE / "index-cache")
    if args.only in (None, "simple-api"):
        record_simple_api(HERE / "simple-api")
    return 0


if __name__ == "__main__":
    sys.exit(main())

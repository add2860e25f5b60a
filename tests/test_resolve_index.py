"""Tests for lock2nix.resolve.index against recorded Simple API responses (no network).

Responses recorded by tests/data/record_index.py are replayed through a
``requests`` session whose transport adapter serves them; the two tests
marked ``network`` talk to the live index.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

requests = pytest.importorskip("requests")
pytest.importorskip("pypi_simple")

from lock2nix.errors import Lock2NixError  # noqa: E402
from lock2nix.resolve.index import (  # noqa: E402
    PYPI_SIMPLE_URL,
    CachedProject,
    FileRequest,
    IndexCache,
    IndexClient,
    IndexFile,
    IndexLookupError,
    normalize_index_url,
    normalize_project,
)
from requests.adapters import BaseAdapter  # noqa: E402
from requests.structures import CaseInsensitiveDict  # noqa: E402

DATA = Path(__file__).parent / "data"
SIMPLE_API = DATA / "simple-api"
RECORDED_CACHE = DATA / "index-cache"
# The project's copy of the poetry fixtures, else the shared originals.
FIXTURES = next(
    (
        p
        for p in (
            Path(__file__).resolve().parent / "fixtures" / "poetry",
            Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "poetry",
        )
        if p.is_dir()
    ),
    Path("/nonexistent"),
)

SPLIT_WHL = FileRequest(
    PYPI_SIMPLE_URL,
    "split-folders",
    "split_folders-0.5.1-py3-none-any.whl",
    "cb010e00f34d247b8e8bbfd6cfe527f871361d8524ed54734924e7efd261801f",
)
SPLIT_SDIST = FileRequest(
    PYPI_SIMPLE_URL,
    "split-folders",
    "split_folders-0.5.1.tar.gz",
    "7127a226b90e00fa86cda4451fe015c6f3755bc3d627064adb9c5209fc8280f6",
)
SPLIT_OLD_WHL = FileRequest(
    PYPI_SIMPLE_URL,
    "split-folders",
    "split_folders-0.4.3-py3-none-any.whl",
    "1f67cb19839a126562ce2e6551d953ff76d70b23cbb902697079da5b68ce6fca",
)
URLLIB3_WHL = FileRequest(
    PYPI_SIMPLE_URL,
    "urllib3",
    "urllib3-1.26.2-py2.py3-none-any.whl",
    "d8ff90d979214d7b4f8ce956e80f4028fc6860e4431f731ea4a8c08f23f99473",
)
IDNA_WHL = FileRequest(
    PYPI_SIMPLE_URL,
    "idna",
    "idna-3.10-py3-none-any.whl",
    "946d195a0d259cbba61165e88e65941f16e9b36ea6ddb97f00452bae8b1287d3",
)
IDNA_SDIST = FileRequest(
    PYPI_SIMPLE_URL,
    "idna",
    "idna-3.10.tar.gz",
    "12f65c9b470abda6dc35cf8e63cc574b1c52b11df2c86030af0ac09b01b13ea9",
)

# Releases the fixture locks pin but the index (as seen when recording) no
# longer lists: deleted from PyPI after the locks were written. (triton 2.0.0
# was re-uploaded with build tag 1; the locks name both sets of wheels and
# only the tagged ones remain.)
DELETED_FROM_INDEX = {
    ("codecov", "2.1.9"),
    ("lancedb", "0.11.0"),
    ("sourcery", "1.23.0"),
    ("triton", "2.0.0"),
}


def deleted_from_index(req: FileRequest) -> bool:
    for project, version in DELETED_FROM_INDEX:
        prefix = f"{project}-{version}"
        if req.project == project and req.filename.startswith(prefix):
            rest = req.filename[len(prefix) :]
            # "-1-cp310-..." is the build-tagged re-upload, still listed.
            return rest.startswith(".") or (rest.startswith("-") and not rest[1:2].isdigit())
    return False


# --- replay machinery ----------------------------------------------------------


class Replay(BaseAdapter):
    """Serves fixed responses by URL; anything else is a 404."""

    def __init__(self, pages: Mapping[str, tuple[str, bytes]]) -> None:
        super().__init__()
        self.pages = dict(pages)
        self.sent: list = []

    def send(self, request, **kwargs):  # type: ignore[override]
        self.sent.append(request)
        response = requests.Response()
        response.request = request
        response.url = request.url
        if request.url in self.pages:
            content_type, body = self.pages[request.url]
            response.status_code, response.reason = 200, "OK"
        else:
            content_type, body = "text/plain", b"not found"
            response.status_code, response.reason = 404, "Not Found"
        response.headers = CaseInsensitiveDict({"Content-Type": content_type})
        response._content = body
        return response

    def close(self) -> None:
        pass


class NoNetwork(BaseAdapter):
    def send(self, request, **kwargs):  # type: ignore[override]
        raise AssertionError(f"unexpected HTTP request: {request.method} {request.url}")

    def close(self) -> None:
        pass


def session_with(adapter: BaseAdapter):
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def recorded_pages() -> dict[str, tuple[str, bytes]]:
    manifest = json.loads((SIMPLE_API / "responses.json").read_text())
    return {
        entry["url"]: (entry["content-type"], (SIMPLE_API / entry["body"]).read_bytes())
        for entry in manifest
    }


@pytest.fixture
def replay() -> Replay:
    return Replay(recorded_pages())


def client(cache_dir: Path, adapter: BaseAdapter, **kwargs) -> IndexClient:
    return IndexClient(cache_dir, session=session_with(adapter), **kwargs)


def cached_filenames(cache_dir: Path, project: str) -> set[str]:
    path = IndexCache(cache_dir).path(PYPI_SIMPLE_URL, project)
    return set(json.loads(path.read_text())["files"])


# --- requests and names -----------------------------------------------------------


def test_file_request_is_normalised() -> None:
    a = FileRequest(
        "https://pypi.org/simple", "Split_Folders", SPLIT_WHL.filename, SPLIT_WHL.sha256.upper()
    )
    assert a == SPLIT_WHL
    assert hash(a) == hash(SPLIT_WHL)
    assert a.index_url == "https://pypi.org/simple/"
    assert a.project == "split-folders"


@pytest.mark.parametrize("bad", ["", "abc", "z" * 64, "sha256:" + "0" * 64])
def test_file_request_rejects_bad_sha256(bad: str) -> None:
    with pytest.raises(ValueError, match="not a hex sha256"):
        FileRequest(PYPI_SIMPLE_URL, "x", "x-1.tar.gz", bad)


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Django", "django"), ("zope.interface", "zope-interface"), ("a__b-.c", "a-b-c")],
)
def test_normalize_project(name: str, expected: str) -> None:
    assert normalize_project(name) == expected


def test_normalize_index_url() -> None:
    assert normalize_index_url("https://pypi.org/simple") == PYPI_SIMPLE_URL
    assert normalize_index_url(" https://pypi.org/simple// ") == PYPI_SIMPLE_URL


# --- recorded pages ---------------------------------------------------------------


def test_json_page(tmp_path: Path, replay: Replay) -> None:
    got = client(tmp_path, replay).resolve([SPLIT_WHL, SPLIT_SDIST])
    assert got[SPLIT_WHL] == IndexFile(
        filename=SPLIT_WHL.filename,
        url="https://files.pythonhosted.org/packages/b6/d5/307d63c03356bad6e141d8718d3f4116f51bd9c4b09e2614ffcee1f3c6fd/split_folders-0.5.1-py3-none-any.whl",
        sha256=SPLIT_WHL.sha256,
        requires_python=">=3.6",
    )
    assert got[SPLIT_SDIST].url.endswith("/split_folders-0.5.1.tar.gz")
    assert len(replay.sent) == 1
    assert "json" in replay.sent[0].headers["Accept"]
    # Only the requested version is kept, not the whole page.
    assert cached_filenames(tmp_path, "split-folders") == {SPLIT_WHL.filename, SPLIT_SDIST.filename}


def test_html_page(tmp_path: Path, replay: Replay) -> None:
    got = client(tmp_path, replay).resolve([URLLIB3_WHL])
    assert got[URLLIB3_WHL] == IndexFile(
        filename=URLLIB3_WHL.filename,
        # The "#sha256=..." fragment of the href is not part of the URL.
        url="https://files.pythonhosted.org/packages/f5/71/45d36a8df68f3ebb098d6861b2c017f3d094538c0fb98fa61d4dc43e69b9/urllib3-1.26.2-py2.py3-none-any.whl",
        sha256=URLLIB3_WHL.sha256,
        requires_python=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, <4",
    )
    # All files of the requested version (the sdist too), none of 1.26.1.
    assert cached_filenames(tmp_path, "urllib3") == {
        "urllib3-1.26.2-py2.py3-none-any.whl",
        "urllib3-1.26.2.tar.gz",
    }


def test_metadata_attributes(tmp_path: Path, replay: Replay) -> None:
    got = client(tmp_path, replay).resolve([IDNA_WHL, IDNA_SDIST])
    metadata = "5114796720df4353c2106864628a23a9f8b645ad2d6aedbefa58701b85d27e32"
    assert got[IDNA_WHL].metadata_sha256 == metadata
    assert got[IDNA_SDIST].metadata_sha256 is None
    # The cache keeps it.
    again = client(tmp_path, NoNetwork(), offline=True).resolve([IDNA_WHL])
    assert again[IDNA_WHL] == got[IDNA_WHL]


def test_relative_hrefs_and_quoted_urls(tmp_path: Path) -> None:
    index = "https://example.invalid/whl/cu118/"
    sha = "a" * 64
    page = (
        "<!DOCTYPE html><html><body>"
        f'<a href="../../files/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl#sha256={sha}">'
        "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl</a><br/>"
        "</body></html>"
    )
    replay = Replay({index + "torch/": ("text/html", page.encode())})
    req = FileRequest(index, "torch", "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl", sha)
    got = client(tmp_path, replay).resolve([req])
    assert got[req].url == (
        "https://example.invalid/whl/files/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl"
    )


def test_index_without_hashes_is_accepted(tmp_path: Path) -> None:
    # PEP 503 makes hashes optional; the lock's hash still guards the fetch.
    index = "https://example.invalid/simple/"
    page = b'<html><body><a href="/f/pkg-1.0.tar.gz">pkg-1.0.tar.gz</a></body></html>'
    replay = Replay({index + "pkg/": ("text/html", page)})
    req = FileRequest(index, "pkg", "pkg-1.0.tar.gz", "b" * 64)
    got = client(tmp_path, replay).resolve([req])
    assert got[req] == IndexFile("pkg-1.0.tar.gz", "https://example.invalid/f/pkg-1.0.tar.gz", None)
    again = client(tmp_path, NoNetwork()).resolve([req])
    assert again[req] == got[req]


# --- errors -------------------------------------------------------------------------


def assert_one_line_error(error: BaseException, *parts: str) -> None:
    assert isinstance(error, Lock2NixError)
    message = str(error)
    assert "\n" not in message
    for part in parts:
        assert part in message, (part, message)


def test_hash_mismatch(tmp_path: Path, replay: Replay) -> None:
    wrong = FileRequest(PYPI_SIMPLE_URL, "urllib3", URLLIB3_WHL.filename, "0" * 64)
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, replay).resolve([wrong])
    assert_one_line_error(
        info.value, "urllib3", URLLIB3_WHL.filename, PYPI_SIMPLE_URL, URLLIB3_WHL.sha256, "0" * 64
    )


def test_missing_file(tmp_path: Path, replay: Replay) -> None:
    missing = FileRequest(PYPI_SIMPLE_URL, "urllib3", "urllib3-9.9.9.tar.gz", "0" * 64)
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, replay).resolve([URLLIB3_WHL, missing])
    assert_one_line_error(
        info.value, "urllib3", "urllib3-9.9.9.tar.gz", "https://pypi.org/simple/urllib3/"
    )


def test_missing_ok_leaves_unlisted_files_out(tmp_path: Path, replay: Replay) -> None:
    gone = FileRequest(PYPI_SIMPLE_URL, "urllib3", "urllib3-1.26.2-cp27-none-any.whl", "0" * 64)
    got = client(tmp_path, replay).resolve([URLLIB3_WHL, gone], missing_ok=True)
    assert set(got) == {URLLIB3_WHL}
    data = json.loads(IndexCache(tmp_path).path(PYPI_SIMPLE_URL, "urllib3").read_text())
    assert data["unlisted"] == [gone.filename]
    # The unlisted file is remembered: the next run needs no HTTP ...
    again = client(tmp_path, NoNetwork()).resolve([URLLIB3_WHL, gone], missing_ok=True)
    assert again == got
    # ... unless the caller wants it after all: then the page is fetched again.
    with pytest.raises(IndexLookupError, match=gone.filename):
        client(tmp_path, replay).resolve([gone])
    assert len(replay.sent) == 2
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, NoNetwork(), offline=True).resolve([gone])
    assert_one_line_error(info.value, gone.filename, "not listed", "urllib3", "--offline")


def test_missing_ok_still_checks_hashes(tmp_path: Path, replay: Replay) -> None:
    wrong = FileRequest(PYPI_SIMPLE_URL, "urllib3", URLLIB3_WHL.filename, "0" * 64)
    with pytest.raises(IndexLookupError, match="gives sha256"):
        client(tmp_path, replay).resolve([wrong], missing_ok=True)


def test_no_such_project(tmp_path: Path, replay: Replay) -> None:
    req = FileRequest(PYPI_SIMPLE_URL, "no-such-project", "no_such_project-1.0.tar.gz", "0" * 64)
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, replay).resolve([req])
    assert_one_line_error(info.value, "no-such-project", PYPI_SIMPLE_URL, "404")


def test_offline_miss(tmp_path: Path) -> None:
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, NoNetwork(), offline=True).resolve([SPLIT_WHL])
    assert_one_line_error(info.value, "split-folders", PYPI_SIMPLE_URL, "--offline")


def test_offline_miss_of_one_file(tmp_path: Path, replay: Replay) -> None:
    client(tmp_path, replay).resolve([SPLIT_WHL])
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, NoNetwork(), offline=True).resolve([SPLIT_WHL, SPLIT_OLD_WHL])
    assert_one_line_error(info.value, SPLIT_OLD_WHL.filename, "split-folders", "--offline")


def test_offline_cached_with_other_hash(tmp_path: Path, replay: Replay) -> None:
    client(tmp_path, replay).resolve([SPLIT_WHL])
    other = FileRequest(PYPI_SIMPLE_URL, "split-folders", SPLIT_WHL.filename, "1" * 64)
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, NoNetwork(), offline=True).resolve([other])
    assert_one_line_error(info.value, SPLIT_WHL.filename, SPLIT_WHL.sha256, "1" * 64)


# --- the cache ------------------------------------------------------------------------


def test_cache_hit_does_no_http(tmp_path: Path, replay: Replay) -> None:
    wanted = [SPLIT_WHL, SPLIT_SDIST, URLLIB3_WHL, IDNA_WHL]
    first = client(tmp_path, replay).resolve(wanted)
    assert len(replay.sent) == 3
    # Online, but every request would fail: the cache must answer.
    second = client(tmp_path, NoNetwork()).resolve(wanted)
    assert second == first
    # The other files of a requested version were cached too.
    assert (
        client(tmp_path, NoNetwork())
        .resolve([IDNA_SDIST])[IDNA_SDIST]
        .url.endswith("/idna-3.10.tar.gz")
    )


def test_cache_merges_versions(tmp_path: Path, replay: Replay) -> None:
    client(tmp_path, replay).resolve([SPLIT_WHL])
    client(tmp_path, replay).resolve([SPLIT_OLD_WHL])
    assert len(replay.sent) == 2
    assert cached_filenames(tmp_path, "split-folders") == {
        "split_folders-0.5.1-py3-none-any.whl",
        "split_folders-0.5.1.tar.gz",
        "split_folders-0.4.3-py3-none-any.whl",
        "split_folders-0.4.3.tar.gz",
    }
    client(tmp_path, NoNetwork()).resolve([SPLIT_WHL, SPLIT_OLD_WHL])


def test_cache_layout(tmp_path: Path, replay: Replay) -> None:
    client(tmp_path, replay).resolve([URLLIB3_WHL])
    (path,) = (tmp_path / "index").glob("*/*.json")
    assert path.name == "urllib3.json"
    assert len(path.parent.name) == 16
    data = json.loads(path.read_text())
    assert data["index"] == PYPI_SIMPLE_URL
    assert data["project"] == "urllib3"
    assert data["files"][URLLIB3_WHL.filename] == {
        "url": "https://files.pythonhosted.org/packages/f5/71/45d36a8df68f3ebb098d6861b2c017f3d094538c0fb98fa61d4dc43e69b9/urllib3-1.26.2-py2.py3-none-any.whl",
        "sha256": URLLIB3_WHL.sha256,
        "requires-python": ">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, <4",
    }


def test_damaged_cache_is_refetched(tmp_path: Path, replay: Replay) -> None:
    client(tmp_path, replay).resolve([URLLIB3_WHL])
    path = IndexCache(tmp_path).path(PYPI_SIMPLE_URL, "urllib3")
    path.write_text('{"index": "https://pypi.org/simple/", "proj')  # cut short
    got = client(tmp_path, replay).resolve([URLLIB3_WHL])
    assert got[URLLIB3_WHL].sha256 == URLLIB3_WHL.sha256
    assert len(replay.sent) == 2
    assert json.loads(path.read_text())["project"] == "urllib3"


def test_cache_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = IndexCache(tmp_path)
    old = IndexFile("pkg-1.0.tar.gz", "https://example.invalid/pkg-1.0.tar.gz", "c" * 64)
    cache.store(PYPI_SIMPLE_URL, "pkg", [old])
    path = cache.path(PYPI_SIMPLE_URL, "pkg")
    before = path.read_bytes()

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    new = IndexFile("pkg-2.0.tar.gz", "https://example.invalid/pkg-2.0.tar.gz", "d" * 64)
    with pytest.raises(OSError, match="disk full"):
        cache.store(PYPI_SIMPLE_URL, "pkg", [old, new])
    assert path.read_bytes() == before
    assert [p.name for p in path.parent.iterdir()] == ["pkg.json"]  # no temp file left
    monkeypatch.undo()
    assert cache.load(PYPI_SIMPLE_URL, "pkg") == CachedProject({old.filename: old})


def test_synthesised_entries_round_trip(tmp_path: Path) -> None:
    cache = IndexCache(tmp_path)
    f = IndexFile("x-1.whl", "https://example.invalid/x-1.whl", "e" * 64)
    cache.store("https://example.invalid/", "x", [f], synthesised="made up for a test")
    data = json.loads(cache.path("https://example.invalid/", "x").read_text())
    assert data["synthesised"] == "made up for a test"
    assert cache.load("https://example.invalid/", "x") == CachedProject({"x-1.whl": f})


def test_parallel_fetch(tmp_path: Path, replay: Replay) -> None:
    wanted = [SPLIT_WHL, URLLIB3_WHL, IDNA_WHL, IDNA_SDIST]
    got = client(tmp_path, replay, max_workers=3).resolve(wanted)
    assert set(got) == set(wanted)
    assert sorted(r.url for r in replay.sent) == sorted(
        PYPI_SIMPLE_URL + p + "/" for p in ("split-folders", "urllib3", "idna")
    )
    assert {p.name for p in (tmp_path / "index").glob("*/*.json")} == {
        "split-folders.json",
        "urllib3.json",
        "idna.json",
    }


def test_parallel_fetch_error(tmp_path: Path, replay: Replay) -> None:
    missing = FileRequest(PYPI_SIMPLE_URL, "idna", "idna-0.0.tar.gz", "0" * 64)
    with pytest.raises(IndexLookupError, match="idna-0.0.tar.gz"):
        client(tmp_path, replay, max_workers=4).resolve([SPLIT_WHL, missing, URLLIB3_WHL])


def test_warm_cache_imports_no_http_stack(tmp_path: Path) -> None:
    # lock2nix runs as a pre-commit hook: a warm run must not pay for
    # importing requests or pypi_simple. (A copy of one recorded entry, so
    # a regression cannot write into the recorded data.)
    recorded = IndexCache(RECORDED_CACHE).path(URLLIB3_WHL.index_url, URLLIB3_WHL.project)
    copy = IndexCache(tmp_path).path(URLLIB3_WHL.index_url, URLLIB3_WHL.project)
    copy.parent.mkdir(parents=True)
    copy.write_bytes(recorded.read_bytes())
    code = (
        "import sys, pathlib\n"
        "from lock2nix.resolve.index import FileRequest, IndexClient\n"
        "req = FileRequest(*sys.argv[2:])\n"
        "got = IndexClient(pathlib.Path(sys.argv[1])).resolve([req])\n"
        "assert got[req].url.startswith('https://'), got\n"
        "print(sorted(m for m in ('requests', 'pypi_simple', 'urllib3', 'pydantic')"
        " if m in sys.modules))\n"
    )
    translator = Path(__file__).resolve().parents[1] / "translator"
    env = {**os.environ, "PYTHONPATH": str(translator)}
    run = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path), *_fields(URLLIB3_WHL)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]", (run.stdout, run.stderr)


def _fields(req: FileRequest) -> list[str]:
    return [req.index_url, req.project, req.filename, req.sha256]


# --- large pages: only the files of the locked versions are read ----------------------


def json_page(name: str, filenames: list[str]) -> bytes:
    files = [
        {"filename": f, "url": f"../../files/{f}", "hashes": {"sha256": f"{i:064x}"}}
        for i, f in enumerate(filenames, start=1)
    ]
    return json.dumps({"meta": {"api-version": "1.1"}, "name": name, "files": files}).encode()


# Files of release 1.0 however spelled, then files of other releases.
SAME_RELEASE = [
    "demo-1.0.tar.gz", "demo-1.0.0-py3-none-any.whl", "demo-01.0-cp311-cp311-linux_x86_64.whl",
    "demo-v1.0-py2-none-any.whl", "demo-1.0.0.0.zip", "Demo-1.0-1-py3-none-any.whl",
]
OTHER_RELEASES = [
    "demo-1.0.1.tar.gz", "demo-11.0.tar.gz", "demo-1.01-py3-none-any.whl", "demo-1.0rc1.tar.gz",
    "demo-1.0.post1.tar.gz", "demo-1.0+local.tar.gz", "demo-1!1.0.tar.gz", "demo-0.1.0.tar.gz",
    "demo-2.1.0-py3-none-any.whl", "demo-1.0.0.1.tar.gz", "demo-2004d.tar.gz", "demo-x-1.0.tar.gz",
]


def test_a_page_keeps_every_file_of_the_locked_version_however_spelled(tmp_path: Path) -> None:
    index = "https://example.invalid/simple/"
    page = json_page("demo", OTHER_RELEASES + SAME_RELEASE)
    replay = Replay({index + "demo/": ("application/vnd.pypi.simple.v1+json", page)})
    sha = f"{len(OTHER_RELEASES) + 1:064x}"  # that of demo-1.0.tar.gz
    req = FileRequest(index, "demo", "demo-1.0.tar.gz", sha)
    got = client(tmp_path, replay).resolve([req])
    assert got[req].url == "https://example.invalid/files/demo-1.0.tar.gz"
    kept = set(json.loads(IndexCache(tmp_path).path(index, "demo").read_text())["files"])
    assert kept == set(SAME_RELEASE)


def test_a_version_that_does_not_parse_keeps_its_own_spelling_only(tmp_path: Path) -> None:
    index = "https://example.invalid/simple/"
    page = json_page("demo", ["demo-2004d.tar.gz", "demo-2004d-py3-none-any.whl", "demo-2004.tar.gz", "demo-2004e.tar.gz"])
    replay = Replay({index + "demo/": ("application/vnd.pypi.simple.v1+json", page)})
    req = FileRequest(index, "demo", "demo-2004d.tar.gz", f"{1:064x}")
    client(tmp_path, replay).resolve([req])
    kept = set(json.loads(IndexCache(tmp_path).path(index, "demo").read_text())["files"])
    assert kept == {"demo-2004d.tar.gz", "demo-2004d-py3-none-any.whl"}


def test_a_bad_entry_of_a_file_read_is_an_error_others_are_not_read(tmp_path: Path) -> None:
    index = "https://example.invalid/simple/"
    data = json.loads(json_page("demo", ["demo-1.0.tar.gz", "demo-2.0.tar.gz"]))
    data["files"][1]["yanked"] = 42  # not a bool or a string: pypi-simple refuses it
    replay = Replay({index + "demo/": ("application/vnd.pypi.simple.v1+json", json.dumps(data).encode())})
    ok = FileRequest(index, "demo", "demo-1.0.tar.gz", f"{1:064x}")
    assert client(tmp_path, replay).resolve([ok])[ok].url.endswith("/demo-1.0.tar.gz")
    bad = FileRequest(index, "demo", "demo-2.0.tar.gz", f"{2:064x}")
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path / "other", replay).resolve([bad])
    assert_one_line_error(info.value, "could not read", index + "demo/")


def test_a_page_of_an_unknown_api_version_is_refused(tmp_path: Path) -> None:
    index = "https://example.invalid/simple/"
    data = json.loads(json_page("demo", ["demo-1.0.tar.gz"]))
    data["meta"]["api-version"] = "2.0"
    replay = Replay({index + "demo/": ("application/vnd.pypi.simple.v1+json", json.dumps(data).encode())})
    with pytest.raises(IndexLookupError) as info:
        client(tmp_path, replay).resolve([FileRequest(index, "demo", "demo-1.0.tar.gz", f"{1:064x}")])
    assert_one_line_error(info.value, "could not read", index + "demo/")


def test_cached_answers_without_fetching(tmp_path: Path, replay: Replay) -> None:
    idx = client(tmp_path, replay)
    assert idx.cached([SPLIT_WHL]) is None
    got = idx.resolve([SPLIT_WHL])
    assert client(tmp_path, NoNetwork()).cached([SPLIT_WHL]) == got
    assert client(tmp_path, NoNetwork()).cached([SPLIT_WHL, URLLIB3_WHL]) is None
    assert len(replay.sent) == 1


# --- the recorded cache against the fixture locks ----------------------------------------


def _load_recorder():
    spec = importlib.util.spec_from_file_location("record_index", DATA / "record_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not FIXTURES.is_dir(), reason="fixtures not present")
@pytest.mark.parametrize("lock", sorted(p.parent.name for p in FIXTURES.glob("*/poetry.lock")))
def test_recorded_cache_covers_fixture(lock: str) -> None:
    recorder = _load_recorder()
    wanted = list(recorder.locked_files(FIXTURES / lock / "poetry.lock"))
    offline = client(RECORDED_CACHE, NoNetwork(), offline=True)
    got = offline.resolve(wanted, missing_ok=True)
    assert set(wanted) - set(got) == {r for r in wanted if deleted_from_index(r)}
    for req, found in got.items():
        assert found.sha256 == req.sha256
        assert found.url.rsplit("/", 1)[-1].replace("%2B", "+") == req.filename
    for req in set(wanted) - set(got):
        with pytest.raises(IndexLookupError, match="is not listed on the page .* --offline"):
            offline.resolve([req])


def test_recorded_cache_synthesised_torch() -> None:
    index = "https://download.pytorch.org/whl/cu118"
    req = FileRequest(
        index,
        "torch",
        "torch-2.0.1+cu118-cp310-cp310-linux_x86_64.whl",
        "a7a49d459bf4862f64f7bc1a68beccf8881c2fa9f3e0569608e16ba6f85ebf7b",
    )
    got = client(RECORDED_CACHE, NoNetwork(), offline=True).resolve([req])
    assert got[req].url == (
        "https://download.pytorch.org/whl/cu118/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl"
    )
    data = json.loads(IndexCache(RECORDED_CACHE).path(req.index_url, "torch").read_text())
    assert "synthesised" in data


# --- live index ----------------------------------------------------------------------------


@pytest.mark.network
def test_live_resolve(tmp_path: Path) -> None:
    got = IndexClient(tmp_path).resolve([URLLIB3_WHL, SPLIT_SDIST])
    assert got[URLLIB3_WHL].url == (
        "https://files.pythonhosted.org/packages/f5/71/45d36a8df68f3ebb098d6861b2c017f3d094538c0fb98fa61d4dc43e69b9/urllib3-1.26.2-py2.py3-none-any.whl"
    )
    assert got[SPLIT_SDIST].sha256 == SPLIT_SDIST.sha256
    with pytest.raises(IndexLookupError, match="does not exist"):
        IndexClient(tmp_path).resolve(
            [FileRequest(PYPI_SIMPLE_URL, "lock2nix-no-such-project-x7q", "x-1.tar.gz", "0" * 64)]
        )


@pytest.mark.network
@pytest.mark.skipif(not FIXTURES.is_dir(), reason="fixtures not present")
def test_live_index_agrees_with_recorded_cache(tmp_path: Path) -> None:
    recorder = _load_recorder()
    lock = FIXTURES / "jfilter__split-folders__small-lock21" / "poetry.lock"
    wanted = list(recorder.locked_files(lock))
    live = IndexClient(tmp_path).resolve(wanted)
    recorded = client(RECORDED_CACHE, NoNetwork(), offline=True).resolve(wanted)
    assert {r: (f.url, f.sha256) for r, f in live.items()} == {
        r: (f.url, f.sha256) for r, f in recorded.items()
    }

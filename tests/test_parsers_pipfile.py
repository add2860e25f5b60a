"""Pipfile.lock parsing: every fixture, every pipfile-spec, every entry kind, and malformed inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lock2nix.errors import Lock2NixError
from lock2nix.model import (
    MAIN_GROUP,
    ArchiveSource,
    DirectorySource,
    IndexSource,
    VcsSource,
)
from lock2nix.formats import companions, find_lock
from lock2nix.parsers import parse

from .pipfile_cases import PIPFILE, PIPFILE_CASES

H1 = "sha256:" + "1" * 64
H2 = "sha256:" + "2" * 64


def load(case: str):
    lock = PIPFILE / case / "Pipfile.lock"
    return parse(str(lock), lock.read_bytes(), directory=lock.parent)


def by_name(lock, name):
    (package,) = [p for p in lock.packages if p.name == name]
    return package


def parse_text(text: str, tmp_path: Path, name: str = "Pipfile.lock"):
    return parse(name, text.encode(), directory=tmp_path)


def lock_json(*, meta: dict | None = None, **categories) -> str:
    data = {
        "_meta": meta
        if meta is not None
        else {"pipfile-spec": 6, "requires": {}, "sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]},
        "default": {},
        "develop": {},
    }
    data.update(categories)
    return json.dumps(data, indent=4)


# --- the fixtures --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "packages", "root", "is_package", "groups", "requires_python"),
    [
        ("psf__black__2021-editable-extras", 111, "black", True, {"main": 25, "dev": 111}, None),
        ("psf__requests-html__2018", 45, "e1839a8", True, {"main": 18, "dev": 44}, None),
        ("pypa__pipenv__2024-git-editable", 97, "pipenv", True, {"main": 1, "dev": 96}, None),
        ("pypa__pipenv__examples-head", 10, "pypa-pipenv-examples-head", False, {"main": 5, "dev": 5}, "==3.11.*"),
        ("pypa__pipfile__example-head", 24, "e1839a8", True, {"main": 18, "dev": 6}, "==3.6.*"),
        (
            "tufts-ai-robotics-group__polycraft-novelty-data__custom-categories",
            30, "polycraft-nov-data", True, {"main": 21, "dev": 0, "torch_cpu": 10}, "==3.10.*",
        ),
    ],
)
def test_every_fixture(case, packages, root, is_package, groups, requires_python) -> None:
    lock = load(case)
    assert lock.format == "Pipfile.lock" and lock.format_version == "6"
    assert lock.dependencies_from == "metadata"
    assert len(lock.packages) == packages
    assert lock.root is not None
    assert (lock.root.name, lock.root.is_package) == (root, is_package)
    assert {g: len(d) for g, d in lock.root.groups.items()} == groups
    assert lock.root.requires_python == requires_python
    assert lock.requires_python is None  # packages carry their own markers


def test_fixture_cases_are_all_tested() -> None:
    assert len(PIPFILE_CASES) == 6


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_index_packages_carry_their_hashes_and_sources(case) -> None:
    for package in load(case).packages:
        source = package.source
        if isinstance(source, IndexSource):
            assert source.locked_hashes and all(len(h) == 64 for h in source.locked_hashes), package.entry
            assert source.url.startswith("https://") and source.url.endswith("/")
            assert not source.wheels and source.sdist is None  # found by resolution


def test_categories_become_groups_and_develop_is_never_main() -> None:
    lock = load("pypa__pipenv__2024-git-editable")
    assert by_name(lock, "pytz").groups == {MAIN_GROUP}
    assert by_name(lock, "pytest").groups == {"dev"}
    assert [d.name for d in lock.root.groups[MAIN_GROUP]] == ["pytz"]
    custom = load("tufts-ai-robotics-group__polycraft-novelty-data__custom-categories")
    assert by_name(custom, "torch").groups == {"torch_cpu"}
    # numpy is in default and torch_cpu: one package, both groups.
    assert by_name(custom, "numpy").groups == {MAIN_GROUP, "torch_cpu"}


def test_a_name_in_two_categories_is_one_package() -> None:
    lock = load("psf__black__2021-editable-extras")
    scm = by_name(lock, "setuptools-scm")
    assert scm.groups == {MAIN_GROUP, "dev"}
    # The extras the lock installs it with stay on the root's edges.
    (edge,) = [d for d in lock.root.groups[MAIN_GROUP] if d.name == "setuptools-scm"]
    assert edge.extras == ("toml",) and edge.marker == "python_version >= '3.6'"


def test_per_package_index_and_sources() -> None:
    lock = load("tufts-ai-robotics-group__polycraft-novelty-data__custom-categories")
    torch = by_name(lock, "torch").source
    assert (torch.name, torch.url, torch.fallbacks) == ("pytorch_cpu", "https://download.pytorch.org/whl/cpu/", ())
    numpy = by_name(lock, "numpy").source
    # No "index": the first source, then the others as pip's extra indexes.
    assert (numpy.name, numpy.url) == ("pypi", "https://pypi.org/simple/")
    assert [name for name, _ in numpy.fallbacks] == ["pytorch_cpu", "pytorch_cu116"]
    assert by_name(lock, "torch").version == "1.13.0+cpu"


def test_pypi_old_host_is_pypi() -> None:
    lock = load("psf__requests-html__2018")
    assert {p.source.url for p in lock.packages if isinstance(p.source, IndexSource)} == {"https://pypi.org/simple/"}


def test_markers_and_extras() -> None:
    lock = load("pypa__pipfile__example-head")
    assert by_name(lock, "pywinusb").marker == "os_name == 'nt'"
    (requests_edge,) = [d for d in lock.root.groups[MAIN_GROUP] if d.name == "requests"]
    assert requests_edge.extras == ("socks",)


def test_git_file_and_editable_project_entries() -> None:
    lock = load("pypa__pipfile__example-head")
    django = by_name(lock, "django").source
    assert isinstance(django, VcsSource)
    assert django.url == "https://github.com/django/django.git"
    assert django.commit_id == "1a34dfcf797640d5d580d261694cb54e6f97c552"
    cms = by_name(lock, "e682b37").source
    assert isinstance(cms, ArchiveSource)
    assert cms.url == "https://github.com/divio/django-cms/archive/release/3.4.x.zip"
    assert cms.artifact.filename == "3.4.x.zip" and not cms.artifact.hashes  # pinned by resolution
    # {"editable": true, "path": "."} is the project itself, not a package.
    assert "e1839a8" not in {p.name for p in lock.packages}
    assert lock.root.name == "e1839a8" and lock.root.path == "."
    assert lock.root.build_system is not None and "setuptools" in lock.root.build_system.requires[0]


def test_git_entry_with_markers() -> None:
    lock = load("pypa__pipenv__2024-git-editable")
    pypiserver = by_name(lock, "pypiserver")
    assert isinstance(pypiserver.source, VcsSource)
    assert pypiserver.marker == "python_version >= '3.6'"
    assert pypiserver.groups == {"dev"}


def test_root_project_read_from_pyproject_beside_the_lock(tmp_path) -> None:
    text = lock_json(default={"myproj": {"editable": True, "path": "."}, "six": {"version": "==1.16.0", "hashes": [H1]}})
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["flit_core>=3.4"]\nbuild-backend = "flit_core.buildapi"\n\n'
        '[project]\nname = "My_Proj"\nversion = "1.2"\nrequires-python = ">=3.9"\n'
    )
    (tmp_path / "Pipfile.lock").write_text(text)
    lock = parse(str(tmp_path / "Pipfile.lock"), text.encode(), directory=tmp_path)
    assert (lock.root.name, lock.root.version, lock.root.requires_python) == ("my-proj", "1.2", ">=3.9")
    assert lock.root.build_system.backend == "flit_core.buildapi"
    assert lock.root.is_package
    assert str(tmp_path / "pyproject.toml") in lock.inputs
    assert companions(tmp_path / "Pipfile.lock") == [str(tmp_path / "pyproject.toml")]


def test_root_project_read_from_setup_cfg(tmp_path) -> None:
    text = lock_json(develop={"proj": {"editable": True, "path": "."}})
    (tmp_path / "setup.cfg").write_text("[metadata]\nname = real-name\nversion = 0.3\n")
    lock = parse_text(text, tmp_path)
    assert (lock.root.name, lock.root.version) == ("real-name", "0.3")
    assert lock.root.build_system.backend == "setuptools.build_meta:__legacy__"


def test_without_the_project_the_lock_is_an_environment(tmp_path) -> None:
    directory = tmp_path / "My Service"
    directory.mkdir()
    lock = parse("Pipfile.lock", lock_json(default={"six": {"version": "==1.16.0", "hashes": [H1]}}).encode(),
                 directory=directory)
    assert lock.root.name == "my-service" and not lock.root.is_package
    assert [d.name for d in lock.root.groups[MAIN_GROUP]] == ["six"]
    assert lock.root.groups["dev"] == ()


@pytest.mark.parametrize(
    ("entry", "check"),
    [
        # path to a directory other than the project
        ({"path": "./libs/helper", "editable": True},
         lambda s: isinstance(s, DirectorySource) and s.path == "libs/helper" and s.editable),
        # git with a subdirectory, "git+" prefix and egg fragment
        ({"git": "git+https://example.org/r.git#egg=x", "ref": "a" * 40, "subdirectory": "pkg/"},
         lambda s: isinstance(s, VcsSource) and s.url == "https://example.org/r.git" and s.subdirectory == "pkg"),
        # file URL with a hash
        ({"file": "https://example.org/dl/x-1.0-py3-none-any.whl#sha256=abc", "hashes": [H2]},
         lambda s: isinstance(s, ArchiveSource) and s.artifact.filename == "x-1.0-py3-none-any.whl"
         and s.artifact.hashes == {"sha256": "2" * 64} and s.url == "https://example.org/dl/x-1.0-py3-none-any.whl"),
        # a named index
        ({"version": "==1.0", "hashes": [H1, H2], "index": "private"},
         lambda s: isinstance(s, IndexSource) and s.name == "private" and s.url == "https://example.org/simple/"
         and s.locked_hashes == ("1" * 64, "2" * 64) and s.fallbacks == ()),
        # the earliest single "hash"
        ({"version": "==1.0", "hash": H1},
         lambda s: isinstance(s, IndexSource) and s.locked_hashes == ("1" * 64,)),
    ],
)
def test_entry_kinds(tmp_path, entry, check) -> None:
    meta = {"pipfile-spec": 6, "sources": [{"name": "pypi", "url": "https://pypi.org/simple"},
                                           {"name": "private", "url": "https://example.org/simple"}]}
    lock = parse_text(lock_json(meta=meta, default={"x": entry}), tmp_path)
    (package,) = lock.packages
    assert check(package.source), package.source


def test_local_archive_is_hashed_from_disk(tmp_path) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "x-1.0.tar.gz").write_bytes(b"archive bytes")
    lock = parse_text(lock_json(default={"x": {"path": "./dist/x-1.0.tar.gz"}}), tmp_path)
    (package,) = lock.packages
    import hashlib

    assert package.source.path == "dist/x-1.0.tar.gz"
    assert package.source.artifact.hashes == {"sha256": hashlib.sha256(b"archive bytes").hexdigest()}


def test_marker_keys_pipenv_accepts(tmp_path) -> None:
    lock = parse_text(lock_json(default={"x": {"version": "==1", "hashes": [H1], "sys_platform": "== 'linux'",
                                               "markers": "python_version >= '3.8'"}}), tmp_path)
    assert lock.packages[0].marker == "(python_version >= '3.8') and (sys_platform == 'linux')"


# --- older pipfile-specs -----------------------------------------------------------

HOST_MARKERS = {
    "implementation_name": "cpython", "os_name": "posix", "platform_machine": "x86_64",
    "platform_python_implementation": "CPython", "platform_system": "Darwin",
    "python_full_version": "3.6.2", "python_version": "3.6", "sys_platform": "darwin",
}


def test_spec_2_with_host_environment_markers_and_unnamed_sources(tmp_path) -> None:
    meta = {"hash": {"sha256": "0" * 64}, "host-environment-markers": HOST_MARKERS, "pipfile-spec": 2,
            "requires": {}, "sources": [{"url": "https://pypi.python.org/simple", "verify_ssl": True}]}
    text = lock_json(meta=meta, default={"certifi": {"hashes": [H1, H2], "version": "==2017.7.27.1"}},
                     develop={"pytest": {"hashes": [H1], "version": "==3.2.2"}})
    lock = parse_text(text, tmp_path)
    assert lock.format_version == "2"
    certifi = by_name(lock, "certifi")
    assert (certifi.source.url, certifi.source.name) == ("https://pypi.org/simple/", None)
    # The locking host's markers do not restrict the lock.
    assert certifi.marker is None and lock.root.requires_python is None
    assert by_name(lock, "pytest").groups == {"dev"}


def test_spec_1_without_hashes_is_refused_with_the_reason(tmp_path) -> None:
    meta = {"hash": {"sha256": "0" * 64}, "pipfile-spec": 1, "requires": {"python_version": "2.7"},
            "sources": [{"url": "https://pypi.python.org/simple", "verify_ssl": True}]}
    text = lock_json(meta=meta, default={"certifi": {"version": "==2017.7.27.1"}})
    with pytest.raises(Lock2NixError) as info:
        parse_text(text, tmp_path)
    message = str(info.value)
    assert message.startswith("Pipfile.lock:18: package 'certifi' in 'default': ")
    assert "no hashes (pipfile-spec 1 locks record versions only)" in message
    assert "cannot be identified on the index nor pinned" in message and "pipenv lock" in message


def test_newer_spec_is_refused(tmp_path) -> None:
    with pytest.raises(Lock2NixError, match=r"pipfile-spec 7 is newer than lock2nix knows \(1 to 6\)"):
        parse_text(lock_json(meta={"pipfile-spec": 7, "sources": []}), tmp_path)


# --- malformed inputs ----------------------------------------------------------------

MISSING_COMMA = """{
    "_meta": {
        "pipfile-spec": 6,
        "sources": [{"name": "pypi", "url": "https://pypi.org/simple"}]
    },
    "default": {
        "six": {
            "hashes": ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]
            "version": "==1.16.0"
        }
    }
}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (MISSING_COMMA, "Pipfile.lock:9: invalid JSON: Expecting ',' delimiter (column 13)"),
        ("", "Pipfile.lock:1: invalid JSON: Expecting value (column 1)"),
        ("[]", "Pipfile.lock:1: a Pipfile.lock must be a JSON object"),
        ('{"default": {}}', 'Pipfile.lock: no "_meta" object; is this a Pipfile.lock?'),
        (lock_json(default={"six": {"version": "==1.16.0"}}),
         "Pipfile.lock:13: package 'six' in 'default': the lock records no hashes, so the locked files cannot"),
        (lock_json(default={"six": {"version": "==1.16.0", "hashes": [H1], "index": "private"}}),
         "Pipfile.lock:13: package 'six' in 'default': index 'private' is not a source of this lock (its sources: 'pypi')"),
        (lock_json(default={"six": {"version": "==1.16.0", "hashes": ["md5:" + "0" * 32]}}),
         "package 'six' in 'default': hash 'md5:00000000000000000000000000000000' is md5"),
        (lock_json(default={"six": {"version": "==1.16.0", "hashes": ["sha256:xyz"]}}),
         "package 'six' in 'default': hash 'sha256:xyz' is not a sha256"),
        (lock_json(default={"six": {"version": ">=1.16", "hashes": [H1]}}),
         "package 'six' in 'default': version '>=1.16' is not an exact pin"),
        (lock_json(default={"six": {"hashes": [H1]}}),
         "package 'six' in 'default': has no \"version\""),
        (lock_json(default={"six": {"version": "==1", "hashes": [H1], "markers": "python_version >> '3'"}}),
         "package 'six' in 'default': invalid marker"),
        (lock_json(default={"six": {"version": "==1", "hashes": [H1], "extras": "socks"}}),
         "package 'six' in 'default': \"extras\" must be a list of names"),
        (lock_json(develop={"x": {"git": "https://example.org/x.git"}}),
         "package 'x' in 'develop': git entry has no \"ref\""),
        (lock_json(develop={"x": {"hg": "https://example.org/x", "ref": "a" * 40}}),
         "package 'x' in 'develop': hg sources are not supported"),
        (lock_json(develop={"x": {"path": "./dist/x-1.0.tar.gz"}}),
         "package 'x' in 'develop': the lock records no hash for 'dist/x-1.0.tar.gz' and the file is not there"),
        (lock_json(default=[]), "category 'default' must be an object of packages"),
        (lock_json(default={"x y": {"version": "==1", "hashes": [H1]}}),
         "package 'x y' in 'default': is not a valid project name"),
        (lock_json(meta={"pipfile-spec": 6, "sources": [{"name": "p", "url": "https://${USER}:${PASS}@example.org/simple"}]}),
         "_meta.sources[0]: source url 'https://${USER}:${PASS}@example.org/simple' refers to environment variables"),
        (lock_json(meta={"pipfile-spec": "6"}), '_meta: "pipfile-spec" must be a number'),
        (lock_json(meta={"pipfile-spec": 6, "requires": {"python_version": "three"}}),
         "_meta.requires: python_version must be a version"),
        ('{"_meta": {"pipfile-spec": 6}, "default": {"six": {}}, "default": {}}',
         "Pipfile.lock:1: key 'default' appears twice in one object"),
    ],
)
def test_malformed_inputs_name_file_and_entry(tmp_path, text, expected) -> None:
    with pytest.raises(Lock2NixError) as info:
        parse_text(text, tmp_path)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_cli_refuses_malformed_lock_with_exit_2_and_writes_nothing(tmp_path) -> None:
    (tmp_path / "Pipfile.lock").write_text(MISSING_COMMA)
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(tmp_path / "cache"), "-o", "out.nix"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2
    assert result.stderr == "lock2nix: error: Pipfile.lock:9: invalid JSON: Expecting ',' delimiter (column 13)\n"
    assert not (tmp_path / "out.nix").exists()


def test_unknown_source_via_cli(tmp_path) -> None:
    (tmp_path / "Pipfile.lock").write_text(
        lock_json(default={"six": {"version": "==1.16.0", "hashes": [H1], "index": "mirror"}})
    )
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(tmp_path / "cache"), "Pipfile.lock"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "Pipfile.lock:13: package 'six' in 'default': index 'mirror' is not a source" in result.stderr


# --- finding and recognising the lock -----------------------------------------------------


def test_found_in_the_current_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / "Pipfile.lock").write_text(lock_json())
    monkeypatch.chdir(tmp_path)
    assert find_lock(tmp_path) == "Pipfile.lock"


def test_stdin(tmp_path) -> None:
    lock = parse("-", lock_json(default={"six": {"version": "==1.16.0", "hashes": [H1]}}).encode(), directory=tmp_path)
    assert lock.format == "Pipfile.lock" and [p.name for p in lock.packages] == ["six"]


# --- the Pipfile beside the lock ------------------------------------------------------


@pytest.mark.parametrize("case", PIPFILE_CASES)
def test_pipfile_hash_is_the_one_pipenv_recorded(case) -> None:
    import tomllib
    from lock2nix.parsers.pipfile import pipfile_hash

    pipfile = tomllib.loads((PIPFILE / case / "Pipfile").read_text())
    recorded = json.loads((PIPFILE / case / "Pipfile.lock").read_text())["_meta"]["hash"]["sha256"]
    assert pipfile_hash(pipfile) == recorded


def test_stale_lock_is_translated_with_a_warning(tmp_path, capsys) -> None:
    import hashlib

    (tmp_path / "Pipfile").write_text('[packages]\nsix = "*"\n')
    meta = {"hash": {"sha256": hashlib.sha256(b"something else").hexdigest()}, "pipfile-spec": 6, "sources": []}
    text = lock_json(meta=meta, default={"six": {"version": "==1.16.0", "hashes": [H1]}})
    lock = parse_text(text, tmp_path)
    assert [p.name for p in lock.packages] == ["six"]
    assert str(tmp_path / "Pipfile") in lock.inputs
    assert companions(tmp_path / "Pipfile.lock") == [str(tmp_path / "Pipfile")]
    err = capsys.readouterr().err
    assert "lock2nix: warning: Pipfile.lock is out of date with" in err and "pipenv lock" in err


def test_current_lock_gives_no_warning(tmp_path, capsys) -> None:
    import tomllib
    from lock2nix.parsers.pipfile import pipfile_hash

    (tmp_path / "Pipfile").write_text('[packages]\nsix = "*"\n')
    digest = pipfile_hash(tomllib.loads((tmp_path / "Pipfile").read_text()))
    meta = {"hash": {"sha256": digest}, "pipfile-spec": 6, "sources": []}
    parse_text(lock_json(meta=meta, default={"six": {"version": "==1.16.0", "hashes": [H1]}}), tmp_path)
    assert capsys.readouterr().err == ""


# --- issue 13: locks without hashes, git refs that are not commits ----------------------


def test_no_hashes_with_the_option_take_the_index_files(tmp_path: Path, capsys) -> None:
    text = lock_json(default={"six": {"version": "==1.10.0"}}, develop={"nose": {"version": "==1.3.7", "hashes": [H1]}})
    lock = parse("Pipfile.lock", text.encode(), directory=tmp_path, allow_insecure_hashes=True)
    six, nose = (next(p for p in lock.packages if p.name == n) for n in ("six", "nose"))
    assert six.source.version_only and not six.source.locked_hashes
    assert nose.source.locked_hashes == ("1" * 64,) and not nose.source.version_only
    warning = capsys.readouterr().err
    assert "Pipfile.lock: the lock records no sha256 for package 'six' (1.10.0, default);" in warning
    assert "nose" not in warning


def test_a_git_ref_that_is_not_a_commit_is_left_to_resolution(tmp_path: Path) -> None:
    lock = parse_text(lock_json(develop={"x": {"git": "https://example.org/x.git", "ref": "main"}}), tmp_path)
    (x,) = lock.packages
    assert x.source.commit_id is None and x.source.requested_revision == "main"

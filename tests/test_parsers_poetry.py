"""poetry.lock parsing: every lock version, sources, groups, extras, markers."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from lock2nix.errors import Lock2NixError
from lock2nix.model import ArchiveSource, DirectorySource, IndexSource, Lock, VcsSource
from lock2nix.parsers import parse
from lock2nix.parsers.poetry import _layout, python_requirement
from lock2nix.snapshot import Snapshot

from .conftest import FIXTURES, POETRY_CASES

POETRY = FIXTURES / "poetry"


def wholly(lock: Lock, snapshot: Snapshot) -> Lock:
    """``lock`` with the whole package of each stand-in the snapshot gave."""
    return dataclasses.replace(lock, packages=tuple(snapshot.whole(p) for p in lock.packages))


def load(case: str):
    lock = POETRY / case / "poetry.lock"
    return parse(str(lock), lock.read_bytes(), directory=lock.parent)


def by_name(lock, name):
    return [p for p in lock.packages if p.name == name]


@pytest.mark.parametrize(
    ("case", "version", "count"),
    [
        ("nix-community__poetry2nix__tests-path-deps-level2", None, 14),
        ("saleor__saleor__2020-lock10", "1.0", 203),
        ("python-poetry__poetry__2022-lock11", "1.1", 82),
        ("microsoft__graphrag__2025-01", "2.0", 215),
        ("sinaptik-ai__pandas-ai__2024-10-large", "2.0", 309),
        ("Textualize__textual__2025-lock21", "2.1", 111),
        ("zauberzeug__nicegui__2025-lock21-dups", "2.1", 165),
    ],
)
def test_every_lock_version(case, version, count) -> None:
    lock = load(case)
    assert lock.format_version == version
    assert len(lock.packages) == count


@pytest.mark.parametrize("case", POETRY_CASES)
def test_every_package_has_hashed_artifacts_or_a_pinned_source(case) -> None:
    for package in load(case).packages:
        source = package.source
        if isinstance(source, IndexSource):
            artifacts = [*source.wheels, *([source.sdist] if source.sdist else [])]
            assert artifacts, package.entry
            assert all(len(a.hashes["sha256"]) == 64 for a in artifacts), package.entry
        elif isinstance(source, VcsSource):
            assert len(source.commit_id) == 40
        elif isinstance(source, ArchiveSource):
            assert source.artifact.hashes["sha256"]


@pytest.mark.parametrize("case", POETRY_CASES)
def test_every_lock_reads_the_same_entry_by_entry_and_whole(case) -> None:
    """With a snapshot, a lock is read entry by entry (lock 2.x); without, as one document."""

    lock = POETRY / case / "poetry.lock"
    whole = load(case)
    snapshot = Snapshot()
    first = parse(str(lock), lock.read_bytes(), directory=lock.parent, snapshot=snapshot)
    assert first == whole
    again = Snapshot(None, snapshot.used)
    reread = parse(str(lock), lock.read_bytes(), directory=lock.parent, snapshot=again)
    assert not again.added
    # Packages with files come as stand-ins without them, each with its whole's fingerprint.
    outlined = [p for p in reread.packages if again.whole(p) is not p]
    assert all(not p.source.wheels and p.source.sdist is None for p in outlined)
    assert [again.fingerprint(p) for p in reread.packages] == [snapshot.fingerprint(p) for p in first.packages]
    assert wholly(reread, again) == whole
    # Real locks 2.x split at their table headers: their entries the snapshot holds are never parsed.
    if whole.format_version in ("2.0", "2.1"):
        assert _layout(lock.read_text(encoding="utf-8")) is not None


# Lines a damaged or hand-edited lock may hold where a header could be mistaken.
DAMAGE = ["[", "]", "[true]", '["x"]', "x = [", "[[package]]", "[package.extras]", "[metadata]", "package = 1",
          "[package]", '"""', "a.b = 1", "[ package ]", "[extras]"]


@pytest.mark.parametrize("seed", range(24))
def test_a_damaged_lock_reads_entry_by_entry_as_it_reads_whole(tmp_path, seed) -> None:
    """Lines deleted, repeated, swapped or inserted: the same model, or the same error, either way,
    also when the snapshot holds the entries of the undamaged lock."""
    import random


    rng = random.Random(seed)
    case = ("python-poetry__poetry-core__vendors-small", "jfilter__split-folders__small-lock21")[seed % 2]
    lock = POETRY / case / "poetry.lock"
    original = lock.read_text(encoding="utf-8")
    lines = original.split("\n")
    for _ in range(rng.randint(1, 3)):
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        damage = rng.choice(["delete", "repeat", "swap", "insert"])
        if damage == "delete":
            del lines[i]
        elif damage == "repeat":
            lines.insert(j, lines[i])
        elif damage == "swap":
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines.insert(i, rng.choice(DAMAGE))
    data = "\n".join(lines).encode()

    def outcome(snapshot):
        try:
            parsed = parse(str(lock), data, directory=lock.parent, snapshot=snapshot)
        except Lock2NixError as exc:
            return str(exc)
        return parsed if snapshot is None else wholly(parsed, snapshot)

    undamaged = Snapshot()
    parse(str(lock), original.encode(), directory=lock.parent, snapshot=undamaged)
    whole = outcome(None)
    assert outcome(Snapshot()) == whole
    assert outcome(Snapshot(None, undamaged.used)) == whole


def test_lock_1x_metadata_files_are_split_by_version() -> None:
    # [metadata.files] lists files per name; each package keeps its own version's.
    lock = load("python-poetry__poetry__2022-lock11")
    for package in lock.packages:
        if isinstance(package.source, IndexSource):
            for artifact in [*package.source.wheels, *([package.source.sdist] if package.source.sdist else [])]:
                assert package.version in artifact.filename or package.name.replace("-", "_") in artifact.filename.lower()


def test_duplicated_names_keep_each_version_with_its_marker() -> None:
    lock = load("zauberzeug__nicegui__2025-lock21-dups")
    numpy = by_name(lock, "numpy")
    assert {p.version for p in numpy} == {"2.0.2", "2.2.6", "2.3.4"}
    assert all(p.marker for p in numpy)
    assert len({p.marker for p in numpy}) == 3


def test_groups_from_categories_lock_1x() -> None:
    lock = load("python-poetry__poetry__2022-lock11")
    groups = {p.name: p.groups for p in lock.packages}
    assert groups["cachecontrol"] == frozenset({"main"})
    assert groups["pytest"] == frozenset({"dev"})


def test_groups_walked_when_the_lock_has_none() -> None:
    # lock 2.0 records no categories: groups come from the pyproject's groups.
    lock = load("microsoft__graphrag__2025-01")
    groups = {p.name: p.groups for p in lock.packages}
    assert "main" in groups["tiktoken"]
    assert groups["pytest"] == frozenset({"dev"})


def test_groups_and_per_group_markers_lock_21() -> None:
    lock = load("python-poetry__poetry__head-lock21")
    groups = {p.name: p.groups for p in lock.packages}
    assert "typing" in groups["mypy"]
    assert "test" in groups["pytest"]


@pytest.mark.parametrize(
    ("case", "name", "kind", "detail"),
    [
        ("python-poetry__poetry__head-lock21", "poetry-core", VcsSource, "e3998b0e111dc03e4aa721fd054c48e5c7de6fc5"),
        ("nix-community__poetry2nix__tests-git-deps-pinned", "alembic", VcsSource, "8d6bb007a4de046c4d338f4b79b40c9fcbf73ab7"),
        ("nix-community__poetry2nix__tests-use-url-wheel", "de-core-news-sm", ArchiveSource, "de_core_news_sm-3.6.0-py3-none-any.whl"),
        ("nix-community__poetry2nix__tests-path-deps-level2", "trivial", DirectorySource, "../path-deps/../trivial"),
        ("nix-community__poetry2nix__tests-legacy", "urllib3", IndexSource, "https://pypi.org/simple/"),
        (
            "huggingface__text-generation-inference__server-2023-legacy-torch",
            "torch",
            IndexSource,
            "https://download.pytorch.org/whl/cu118/",
        ),
    ],
)
def test_source_kinds(case, name, kind, detail) -> None:
    (package,) = by_name(load(case), name)
    source = package.source
    assert isinstance(source, kind)
    text = {
        VcsSource: lambda s: s.commit_id,
        ArchiveSource: lambda s: s.artifact.filename,
        DirectorySource: lambda s: s.path,
        IndexSource: lambda s: s.url,
    }[kind](source)
    assert text == detail


def test_extras_carry_their_dependencies() -> None:
    lock = load("python-poetry__poetry__2022-lock11")
    (cachecontrol,) = by_name(lock, "cachecontrol")
    assert [d.name for d in cachecontrol.extras["filecache"]] == ["lockfile"]
    assert all(d.name != "lockfile" for d in cachecontrol.dependencies)


def test_root_project_groups_and_extras() -> None:
    lock = load("jfilter__split-folders__small-lock21")
    root = lock.root
    assert root is not None and root.name == "split-folders" and root.version == "0.5.1"
    assert sorted(d.name for d in root.groups["dev"]) == ["pytest", "ruff", "tqdm"]
    assert [d.name for d in root.extras["full"]] == ["tqdm"]
    assert root.requires_python == ">=3.10"
    assert root.build_system is not None and root.build_system.backend == "poetry.core.masonry.api"


def test_package_mode_false() -> None:
    assert load("python-poetry__poetry-core__vendors-small").root.is_package is False


@pytest.mark.parametrize(
    ("constraint", "specifier", "has_marker"),
    [
        ("^3.7", "<4.0,>=3.7", False),
        (">=3.6.2,<4.0.0", "<4.0.0,>=3.6.2", False),
        ("~2.7 || ^3.5", None, True),
        ("*", None, False),
        (">=3.9,<3.9.7 || >3.9.7,<4.0", None, True),
    ],
)
def test_python_constraints(constraint, specifier, has_marker) -> None:
    spec, marker = python_requirement(constraint, where="test")
    assert spec == specifier
    assert (marker is not None) is has_marker


def _lock_text(package_body: str, metadata: str = 'lock-version = "2.0"\npython-versions = "^3.9"\ncontent-hash = "x"') -> bytes:
    return f'[[package]]\n{package_body}\n\n[metadata]\n{metadata}\n'.encode()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "a"\nversion = "1"\nfiles = []', "records no files"),
        ('name = "a"\nversion = "1"\nfiles = [{file = "a-1.tar.gz", hash = "md5:0123"}]', "only an md5"),
        ('name = "a"\nversion = "1"\nfiles = [{file = "a-1.tar.gz"}]', "has no hash"),
        ('name = "a"\nversion = 1\nfiles = []', "'version' must be a string"),
        ('name = "a"\nversion = "1"\nfiles = []\n[package.source]\ntype = "hg"\nurl = "x"', "not supported"),
        ('name = "a"\nversion = "1"\nfiles = []\n[package.source]\ntype = "git"\nurl = "x"', "no resolved commit"),
        ('name = "a"\nversion = "1"\nfiles = [{file = "a-1.tar.gz", hash = "sha256:00"}]\n[package.dependencies]\nb = {version = "*", markers = "python_version <<< 3"}', "invalid marker"),
    ],
)
def test_bad_entries_name_the_file_and_package(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(Lock2NixError) as info:
        parse(str(tmp_path / "poetry.lock"), _lock_text(body), directory=tmp_path)
    text = str(info.value)
    assert str(tmp_path / "poetry.lock") in text
    assert message in text
    assert "package 'a'" in text or "unsupported" in text


def test_unknown_lock_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(Lock2NixError, match="lock-version 9.0 is not supported"):
        parse("poetry.lock", _lock_text('name = "a"\nversion = "1"\nfiles = []', 'lock-version = "9.0"'), directory=tmp_path)


# --- issue 13: real locks lock2nix used to refuse ---------------------------------------

URL_A = "https://files.example/x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"
URL_B = "https://files.example/x-1.0-cp311-cp311-macosx_11_0_arm64.whl"


def _url_entry(url: str, marker: str | None = None) -> str:
    filename = url.rsplit("/", 1)[1]
    markers = f"markers = {marker!r}\n" if marker else ""
    return (
        f'[[package]]\nname = "x"\nversion = "1.0"\noptional = false\npython-versions = "*"\n{markers}'
        f'files = [{{file = "{filename}", hash = "sha256:{"a" * 64}"}}]\n'
        f'[package.source]\ntype = "url"\nurl = "{url}"\n\n'
    )


def test_one_version_from_two_sources_gets_variants_and_markers(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "p"\nversion = "0"\n[tool.poetry.dependencies]\npython = "^3.11"\n'
        f'x = [{{url = "{URL_A}", markers = "sys_platform == \'linux\'"}}, '
        f'{{url = "{URL_B}", platform = "darwin"}}]\n'
    )
    text = _url_entry(URL_B) + _url_entry(URL_A) + '[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\n'
    lock = parse(str(tmp_path / "poetry.lock"), text.encode(), directory=tmp_path)
    x = by_name(lock, "x")
    # Sorted by variant, whatever the lock's order; keys are unique.
    assert [p.variant for p in x] == [URL_B.rsplit("/", 1)[1], URL_A.rsplit("/", 1)[1]]
    assert len({p.key for p in x}) == 2
    assert [p.marker for p in x] == ['sys_platform == "darwin"', "sys_platform == 'linux'"]


def test_lock_21_markers_are_kept_and_the_same_source_twice_is_refused(tmp_path: Path) -> None:
    text = (_url_entry(URL_A, 'sys_platform == "linux"') + _url_entry(URL_B, 'sys_platform == "darwin"')
            + '[metadata]\nlock-version = "2.1"\npython-versions = "*"\n')
    lock = parse(str(tmp_path / "poetry.lock"), text.encode(), directory=tmp_path)
    assert sorted(p.marker for p in by_name(lock, "x")) == ['sys_platform == "darwin"', 'sys_platform == "linux"']
    twice = _url_entry(URL_A, "a") + _url_entry(URL_A, "b") + '[metadata]\nlock-version = "2.1"\n'
    with pytest.raises(Lock2NixError, match=r"poetry.lock:\d+: package 'x' \(1.0\) is locked twice from the same source"):
        parse(str(tmp_path / "poetry.lock"), twice.encode(), directory=tmp_path)


def _old_lock(hashes: str, versions: tuple[str, ...] = ("1.0",)) -> bytes:
    packages = "".join(
        f'[[package]]\ncategory = "main"\nname = "a"\noptional = false\npython-versions = "*"\nversion = "{v}"\n\n'
        for v in versions
    )
    return f'{packages}[metadata]\ncontent-hash = "0"\npython-versions = "*"\n\n[metadata.hashes]\na = {hashes}\n'.encode()


def test_poetry_012_hashes_are_located_by_digest(tmp_path: Path) -> None:
    lock = parse(str(tmp_path / "poetry.lock"), _old_lock(f'["{"b" * 64}", "{"A" * 64}"]'), directory=tmp_path)
    (a,) = lock.packages
    assert isinstance(a.source, IndexSource) and a.source.locked_hashes == ("a" * 64, "b" * 64)
    assert a.source.sdist is None and not a.source.wheels


def test_poetry_012_insecure_and_unattributable_hashes(tmp_path: Path) -> None:
    md5 = f'["{"c" * 32}"]'
    with pytest.raises(Lock2NixError, match=r"package 'a' \(1.0\): digest 'c+' is only an md5 hash.*--allow-insecure-hashes"):
        parse(str(tmp_path / "poetry.lock"), _old_lock(md5), directory=tmp_path)
    lock = parse(str(tmp_path / "poetry.lock"), _old_lock(md5), directory=tmp_path, allow_insecure_hashes=True)
    assert isinstance(lock.packages[0].source, IndexSource) and lock.packages[0].source.version_only
    with pytest.raises(Lock2NixError, match="cannot be told apart; re-lock with Poetry >= 1.0"):
        parse(str(tmp_path / "poetry.lock"), _old_lock(f'["{"b" * 64}"]', ("1.0", "2.0")), directory=tmp_path)


def test_a_git_reference_without_resolved_reference_is_left_to_resolution(tmp_path: Path) -> None:
    text = _lock_text('name = "a"\nversion = "1"\nfiles = []\n[package.source]\ntype = "git"\nurl = "x"\nreference = "v1.0"')
    (a,) = parse(str(tmp_path / "poetry.lock"), text, directory=tmp_path).packages
    assert isinstance(a.source, VcsSource)
    assert a.source.commit_id is None and a.source.requested_revision == "v1.0"


ENTRY_A = (
    '[[package]]\nname = "a"\nversion = "1"\nfiles = [\n    {file = "a-1.tar.gz", hash = "sha256:' + "a" * 64 + '"},\n]\n'
    '\n[package.dependencies]\nb = "*"\n\n'
)
ENTRY_C = ENTRY_A.replace('"a"', '"c"')
METADATA = '[metadata]\nlock-version = "2.1"\npython-versions = ">=3.9"\ncontent-hash = "x"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (METADATA, (METADATA, [])),
        (ENTRY_A + METADATA, (METADATA, [ENTRY_A])),
        ("# @generated\n\n" + ENTRY_A + ENTRY_C + METADATA, ("# @generated\n\n" + METADATA, [ENTRY_A, ENTRY_C])),
        (ENTRY_A.replace("\n", "\r\n") + ENTRY_A, ("", [ENTRY_A.replace("\n", "\r\n"), ENTRY_A])),
        ("[[package]]  # one\n[extras]\nx = []\n" + ENTRY_A, ("[extras]\nx = []\n", ["[[package]]  # one\n", ENTRY_A])),
        # Lines that may open a table or be something else: the lock is read as a whole.
        (ENTRY_A + 'description = """\n[[package]]\n"""\n' + METADATA, None),
        (ENTRY_A + "description = '''\n'''\n", None),
        (ENTRY_A + 'x = [\n["y"],\n]\n', None),
        (ENTRY_A + "x = [\n[1, 2],\n]\n", None),
        ('[package.dependencies]\nb = "*"\n' + ENTRY_A, None),
        (ENTRY_A + METADATA + '[package.extras]\nx = []\n', None),
        ('[package]\nname = "a"\n', None),
        ('["package"]\nname = "a"\n', None),
        ('[[ package ]]\nname = "a"\n[ package . dependencies ]\n', None),
    ],
)
def test_layout_splits_the_lock_at_its_table_headers(text, expected) -> None:
    assert _layout(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        ENTRY_A + ENTRY_C + METADATA,
        # Not a header but an array's element: the part before it is not TOML by itself.
        ENTRY_A.replace('version = "1"', 'version = "1"\nx = [\n[true],\n]') + METADATA,
        ENTRY_A + '[package.extras]\nfast = ["b"]\n' + ENTRY_C + METADATA,
    ],
)
def test_reading_entry_by_entry_gives_what_reading_the_whole_lock_gives(tmp_path, text) -> None:

    whole = parse("poetry.lock", text.encode(), directory=tmp_path)
    snapshot = Snapshot()
    assert parse("poetry.lock", text.encode(), directory=tmp_path, snapshot=snapshot) == whole
    # Again, every entry from the snapshot.
    again = Snapshot(None, snapshot.used)
    assert wholly(parse("poetry.lock", text.encode(), directory=tmp_path, snapshot=again), again) == whole
    assert not again.added


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (ENTRY_A + ENTRY_C.replace('version = "1"', 'version = "1'), 13),
        (ENTRY_A + ENTRY_C + METADATA.replace('content-hash = "x"', "content-hash = x"), 24),
        (ENTRY_A + ENTRY_C + METADATA + METADATA, 25),
    ],
)
def test_a_part_that_is_not_toml_is_reported_at_its_line_in_the_lock(tmp_path, text, line) -> None:

    for snapshot in (None, Snapshot()):
        with pytest.raises(Lock2NixError, match=f"poetry.lock:{line}: invalid TOML"):
            parse("poetry.lock", text.encode(), directory=tmp_path, snapshot=snapshot)


def test_a_lock_without_packages_reads_with_a_snapshot(tmp_path) -> None:

    data = b'[metadata]\nlock-version = "2.1"\npython-versions = ">=3.10"\ncontent-hash = "x"\n'
    lock = parse("poetry.lock", data, directory=tmp_path, snapshot=Snapshot())
    assert lock.packages == ()

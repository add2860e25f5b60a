"""``poetry.lock`` (every lock version) and its ``pyproject.toml`` → the lock model.

Lock versions seen in real repositories:

* pre-1.0 (no ``lock-version``) and 1.0/1.1: ``category`` per package, files
  under ``[metadata.files]`` (keyed by the name as written);
* 2.0: ``files`` inline in each ``[[package]]``, no categories;
* 2.1: ``groups`` per package and ``markers`` (a string, or a table per group).

Poetry's constraint syntax (``^1.2``, ``~2.1``, ``||``) is read with
poetry-core; markers and versions with packaging.  Where a lock does not record
groups, they are computed by walking the graph from the root's groups.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    NormalizedName,
    canonicalize_name,
    canonicalize_version,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .. import _markers as marker_mod
from .. import model
from .._index_url import PYPI_SIMPLE_URL
from .._toml import load_toml
from .._warnings import warn
from ..errors import Lock2NixError
from ..model import (
    MAIN_GROUP,
    ArchiveSource,
    Artifact,
    BuildSystem,
    Dependency,
    DirectorySource,
    IndexSource,
    Lock,
    Package,
    RootProject,
    VcsSource,
)
from ..snapshot import Snapshot, digest
from ._common import group_starts, reached_groups

SUPPORTED_LOCK_VERSIONS = ("1.0", "1.1", "2.0", "2.1")
_BARE_VERSION = re.compile(r"\d+(\.\d+)*([a-z]+\d*)?(\.post\d+)?(\.dev\d+)?")
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_T = TypeVar("_T")
# A line opening with "[" (after a newline: TOML's only one is \n; the regex
# finds the pair ten times faster than "^" in MULTILINE mode), and a table
# header: [key] or [[key]].
_TABLE_LINE = re.compile(r"\n(\[[^\n]*)")
_TABLE_HEADER = re.compile(r"(\[\[?)[ \t]*([A-Za-z0-9_.\-]+)[ \t]*\]\]?[ \t]*(?:#.*)?\r?")


class PoetryLockError(Lock2NixError):
    """A poetry.lock or pyproject.toml lock2nix cannot read."""


def parse(
    name: str, text: str, *, directory: Path, allow_insecure_hashes: bool = False, snapshot: Snapshot | None = None
) -> Lock:
    """The lock model of poetry.lock ``text`` and the pyproject.toml in ``directory``.

    Each ``[[package]]`` entry the ``snapshot`` read before is taken from it,
    without being parsed again.
    """
    reader = _Reader(name, text, allow_insecure_hashes=allow_insecure_hashes)
    document = _by_entry(reader, directory, snapshot) if snapshot is not None else None
    if document is None:
        document = _whole(reader, directory, snapshot)
    data, metadata, packages, raw_packages = document
    for index, unpinned in reader.from_index.items():
        listed = unpinned[0] if len(unpinned) == 1 else f"{len(unpinned)} packages: {', '.join(unpinned)}"
        warn(f"{name}: no usable file is locked for {listed}; taking the files of these versions from {index}, "
             "pinned by the sha256 the index lists (--allow-insecure-hashes)")

    pyproject_path = directory / "pyproject.toml"
    root = None
    pyproject: Mapping[str, Any] = {}
    inputs = [name]
    if pyproject_path.is_file():
        pyproject_name = str(pyproject_path)
        pyproject = load_toml(pyproject_name, pyproject_path.read_text(encoding="utf-8"))
        root = _remembered(
            snapshot, "poetry-root", (pyproject_name, pyproject, data.get("extras")),
            lambda: _root_project(pyproject_name, pyproject, data.get("extras")),
        )
        inputs.append(pyproject_name)
    whole = snapshot.whole if snapshot is not None else _itself
    packages = _tell_apart(reader, packages, raw_packages, pyproject, whole)
    if reader.hashes_only:
        _check_hashes_attributable(reader, packages)

    packages = _assign_groups(packages, root, snapshot)
    # Poetry's own syntax (``||``) needs poetry-core, whose import costs more than the rest of a run.
    requires_python, python_marker = _remembered(
        snapshot, "poetry-python", (metadata.python_constraint,),
        lambda: python_requirement(metadata.python_constraint, where=f"{name}: [metadata]"),
    )
    if root is not None and root.requires_python is None and requires_python is not None:
        root = _replace(root, requires_python=requires_python)
    lock_version = metadata.lock_version
    return Lock(
        file=name,
        format="poetry.lock",
        format_version=str(lock_version) if lock_version is not None else None,
        packages=_in_order(packages),
        root=root,
        python_marker=python_marker,
        requires_python=requires_python,
        inputs=tuple(inputs),
    )


class _Metadata(NamedTuple):
    """What ``[metadata]`` says about the whole lock."""

    lock_version: Any
    python_constraint: Any
    #: Lock 1.x's ``[metadata.files]`` (Poetry < 1.0: ``[metadata.hashes]``), by canonical name.
    legacy_files: Mapping[str, Any]


class _Document(NamedTuple):
    #: The lock's tables but its entries.
    data: Mapping[str, Any]
    metadata: _Metadata
    packages: list[Package]
    #: Every entry's TOML data, read when needed.
    raw_packages: Callable[[], list[Any]]


def _whole(reader: _Reader, directory: Path, snapshot: Snapshot | None) -> _Document:
    """The lock read as one TOML document."""
    data = load_toml(reader.file, reader.text)
    metadata = _metadata(reader, data)
    raw_packages = data.get("package", [])
    if not isinstance(raw_packages, list):
        raise reader.error("[[package]] must be an array of tables")
    packages = [
        _remembered_package(reader, raw, metadata.legacy_files, directory, snapshot) for raw in raw_packages
    ]
    return _Document(data, metadata, packages, lambda: raw_packages)


def _by_entry(reader: _Reader, directory: Path, snapshot: Snapshot) -> _Document | None:
    """The lock read entry by entry: those the snapshot holds are not parsed.

    None when the lock must be read as a whole: its text cannot be split at its
    table headers, a part is not TOML by itself (the whole document's error
    names the right line), or it is a lock 1.x, whose files are in ``[metadata]``.
    """
    layout = _layout(reader.text)
    if layout is None:
        return None
    data = _toml_or_none(layout.rest)
    if data is None or "package" in data:
        return None
    try:
        metadata = _metadata(reader, data)
    except Lock2NixError:
        return None  # reported by the whole document's reading, after any TOML error in an entry
    if metadata.legacy_files:
        return None
    keys = [
        digest("poetry-package", entry, None, str(directory), reader.allow_insecure_hashes, reader.hashes_only)
        for entry in layout.entries
    ]
    raws: dict[int, Any] = {}
    for i, (key, entry) in enumerate(zip(keys, layout.entries, strict=True)):
        if not snapshot.holds("parsed", key):
            raws[i] = _entry_data(entry)
            if raws[i] is None:
                return None
    packages = [
        _remembered_package(reader, raws.get(i), {}, directory, snapshot, key=key, text=entry)
        for i, (key, entry) in enumerate(zip(keys, layout.entries, strict=True))
    ]

    def raw_packages() -> list[Any]:
        return [raws[i] if i in raws else _entry_data(entry) for i, entry in enumerate(layout.entries)]

    return _Document(data, metadata, packages, raw_packages)


def _metadata(reader: _Reader, data: Mapping[str, Any]) -> _Metadata:
    metadata = reader.table(data, "metadata", "[metadata]", required=True)
    lock_version = metadata.get("lock-version")
    if lock_version is not None and str(lock_version) not in SUPPORTED_LOCK_VERSIONS:
        major = str(lock_version).split(".")[0]
        if major not in ("1", "2"):
            raise PoetryLockError(
                f"lock-version {lock_version} is not supported (supported: pre-1.0, "
                f"{', '.join(SUPPORTED_LOCK_VERSIONS)})",
                file=reader.file,
            )
    # Poetry < 1.0 recorded bare sha256 digests per name under [metadata.hashes];
    # later versions files with their hashes under [metadata.files] (lock 1.x)
    # or in each package (lock 2.x).
    hashes_only = "files" not in metadata and "hashes" in metadata
    legacy_files = metadata.get("hashes") if hashes_only else metadata.get("files") or {}
    if not isinstance(legacy_files, Mapping):
        table = "hashes" if hashes_only else "files"
        raise PoetryLockError(f"[metadata.{table}] must be a table", file=reader.file)
    reader.hashes_only = hashes_only
    return _Metadata(
        lock_version, metadata.get("python-versions"), {canonicalize_name(k): v for k, v in legacy_files.items()}
    )


class _Layout(NamedTuple):
    """A poetry.lock's text in parts: each ``[[package]]`` entry with its sub-tables, and the rest."""

    #: Everything but the entries (``[metadata]``, ``[extras]``), in order.
    rest: str
    entries: list[str]


def _layout(text: str) -> _Layout | None:
    """``text`` split at its table headers, or None when a line opening with
    ``[`` may be something else (a multi-line string, an array's element), or
    a ``[package...]`` table is where the whole document would read it otherwise.

    A part that is TOML by itself reads as it does in the whole document: its
    arrays are closed, so the line after it is a header.
    """
    if '"""' in text or "'''" in text:
        return None
    rest: list[str] = []
    entries: list[str] = []
    start, in_entry = 0, False
    for at, line in _table_lines(text):
        header = _TABLE_HEADER.fullmatch(line)
        if header is None:
            return None
        array, key = header.group(1) == "[[", header.group(2)
        if key.startswith("package."):
            if not in_entry:
                return None
            continue
        if "package" in key and not (array and key == "package"):
            return None  # [package], a quoted or spaced spelling: the whole document decides
        (entries if in_entry else rest).append(text[start:at])
        start, in_entry = at, key == "package"
    (entries if in_entry else rest).append(text[start:])
    return _Layout("".join(rest), entries)


def _table_lines(text: str) -> Iterator[tuple[int, str]]:
    """Where each line opening with ``[`` starts, and the line."""
    if text.startswith("["):
        yield 0, text[: text.find("\n")] if "\n" in text else text
    for line in _TABLE_LINE.finditer(text):
        yield line.start(1), line.group(1)


def _toml_or_none(text: str) -> dict[str, Any] | None:
    try:
        return load_toml("", text)
    except Lock2NixError:
        return None


def _entry_data(text: str) -> Any | None:
    """The data of one entry's text, or None when it is not one TOML ``[[package]]`` entry by itself."""
    data = _toml_or_none(text)
    if data is None or list(data) != ["package"] or len(data["package"]) != 1:
        return None
    return data["package"][0]


class _Reader:
    """Type-checked access to TOML data, with file/line in every error."""

    def __init__(self, file: str, text: str, *, allow_insecure_hashes: bool = False) -> None:
        self.file = file
        self.text = text
        #: Leave out files without a usable hash (warning), and take the files of
        #: a package whose lock records none from its index, instead of refusing the lock.
        self.allow_insecure_hashes = allow_insecure_hashes
        #: Poetry < 1.0: [metadata.hashes] holds bare digests, no file names.
        self.hashes_only = False
        #: Entries without a usable file whose files are taken from an index, by index.
        self.from_index: dict[str, list[str]] = {}

    def error(self, message: str, entry: str | None = None, *, needle: str | None = None) -> PoetryLockError:
        return PoetryLockError(message, file=self.file, entry=entry, line=self.line_of(needle))

    def line_of(self, needle: str | None) -> int | None:
        if not needle:
            return None
        at = self.text.find(needle)
        return None if at < 0 else self.text.count("\n", 0, at) + 1

    def table(self, data: Mapping[str, Any], key: str, entry: str, *, required: bool = False) -> Mapping[str, Any]:
        value = data.get(key)
        if value is None:
            if required:
                raise self.error(f"missing {entry} table; is this a poetry.lock?")
            return {}
        if not isinstance(value, Mapping):
            raise self.error(f"{entry} must be a table")
        return value

    def string(self, data: Mapping[str, Any], key: str, entry: str, *, needle: str | None = None) -> str:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            raise self.error(f"'{key}' must be a non-empty string", entry, needle=needle)
        return value


def _remembered(snapshot: Snapshot | None, kind: str, facts: tuple[Any, ...], compute: Callable[[], _T]) -> _T:
    """``compute()``, or what it gave for the same ``facts`` in the last translation."""
    if snapshot is None:
        return compute()
    return snapshot.memo(kind, digest(kind, *facts), compute)


def _remembered_package(
    reader: _Reader,
    raw: Any,
    legacy_files: Mapping[str, Any],
    directory: Path,
    snapshot: Snapshot | None,
    *,
    key: str | None = None,
    text: str | None = None,
) -> Package:
    """:func:`_package`, or what it gave for this very entry in the last translation
    (``key``: the entry's, from its ``text``, which gives ``raw`` when needed;
    without it, from its data ``raw``)."""
    if snapshot is None:
        return _package(reader, raw, legacy_files, directory)
    if key is None:
        name = raw.get("name") if isinstance(raw, Mapping) else None
        files = legacy_files.get(canonicalize_name(name)) if legacy_files and isinstance(name, str) else None
        key = digest(
            "poetry-package", raw, files, str(directory), reader.allow_insecure_hashes, reader.hashes_only
        )

    def unpinned() -> int:
        return sum(len(entries) for entries in reader.from_index.values())

    before = unpinned()
    # An entry whose files come from an index is read every time: the
    # warning that names it is printed once for all of them. So is a local
    # source: what it is read from (a file it is hashed from) is not in its text.
    def compute() -> Package:
        data = _entry_data(text) if raw is None and text is not None else raw
        return _package(reader, data, legacy_files, directory)

    outlined: Package | None = snapshot.stand_in("parsed-outline", key, "parsed", key)
    if outlined is not None:
        return outlined
    package = snapshot.memo(
        "parsed", key, compute, keep=lambda package: unpinned() == before and not _is_local(package.source)
    )
    lighter = _outline(package)
    if lighter is not package and key in snapshot.used.get("parsed", {}):  # kept: outlined for the next run
        snapshot.put_stand_in("parsed-outline", key, lighter, package)
    return package


def _outline(package: Package) -> Package:
    """A parsed package as parsing and resolution read it when the snapshot
    resolved it before: without its files (it is taken whole where they are read)."""
    source = package.source
    if not isinstance(source, IndexSource) or (source.sdist is None and len(source.wheels) <= 1):
        return package
    return dataclasses.replace(package, source=dataclasses.replace(source, sdist=None, wheels=()))


def _is_local(source: model.Source) -> bool:
    return isinstance(source, DirectorySource) or (isinstance(source, ArchiveSource) and source.path is not None)


def _package(
    reader: _Reader, raw: Any, legacy_files: Mapping[str, Any], directory: Path
) -> Package:
    if not isinstance(raw, Mapping):
        raise reader.error("every [[package]] entry must be a table")
    name_raw = reader.string(raw, "name", "[[package]]")
    needle = f'name = "{name_raw}"'
    version = raw.get("version")
    if not isinstance(version, str):
        raise reader.error("'version' must be a string", f"package {name_raw!r}", needle=needle)
    entry = f"package {name_raw!r} ({version})"
    name = canonicalize_name(name_raw)
    try:
        requires_python, python_marker = python_requirement(raw.get("python-versions"), where=entry)
        dependencies = _dependencies(raw.get("dependencies", {}), entry)
        extras = _extras(raw.get("extras", {}), dependencies, entry)
        source = _source(reader, raw, name, version, legacy_files, directory, entry)
        marker = _package_marker(raw.get("markers"), entry)
    except Lock2NixError as exc:
        if exc.file is None:
            # Helpers start their messages with the entry; it is named once, here.
            message = exc.message.removeprefix(f"{entry}: ")
            raise PoetryLockError(message, file=reader.file, entry=entry, line=reader.line_of(needle)) from None
        raise
    runtime = tuple(d for d, optional in dependencies if not optional)
    return Package(
        name=name,
        version=version,
        source=source,
        dependencies=runtime,
        extras=extras,
        marker=marker_mod.intersection(marker, python_marker),
        requires_python=requires_python,
        entry=entry,
        groups=_recorded_groups(raw),
    )


def _recorded_groups(raw: Mapping[str, Any]) -> frozenset[str]:
    """The groups an entry records (lock 2.1), or its category (lock 1.x); none: lock 2.0."""
    groups, category = raw.get("groups"), raw.get("category")
    if isinstance(groups, list):
        return frozenset(str(g) for g in groups)
    if isinstance(category, str):
        return frozenset({MAIN_GROUP if category == "main" else category})
    return frozenset()


def python_requirement(constraint: Any, *, where: str) -> tuple[str | None, str | None]:
    """A Poetry python constraint as (PEP 440 specifier, marker).

    Exactly one is set: the specifier when the constraint is expressible as
    one, otherwise (``||`` unions) a marker.
    """
    if constraint is None:
        return None, None
    if not isinstance(constraint, str):
        raise PoetryLockError(f"{where}: python constraint must be a string")
    text = constraint.strip()
    if text in ("", "*"):
        return None, None
    try:
        return str(SpecifierSet(text)), None
    except InvalidSpecifier:
        pass
    try:
        spec = _poetry_to_pep440(text)
    except (ValueError, RuntimeError) as exc:
        raise PoetryLockError(f"{where}: invalid python constraint {constraint!r}: {exc}") from None
    if spec is None:
        return None, None
    if "||" not in spec:
        return str(SpecifierSet(spec)), None
    from poetry.core.constraints.version import parse_constraint
    from poetry.core.packages.utils.utils import create_nested_marker

    return None, create_nested_marker("python_version", parse_constraint(text))


def _version_specifier(constraint: Any, entry: str) -> str | None:
    if constraint is None:
        return None
    if not isinstance(constraint, str):
        raise PoetryLockError(f"{entry}: version constraint must be a string, not {type(constraint).__name__}")
    try:
        return _specifier_from_constraint(constraint)
    except (ValueError, RuntimeError) as exc:
        raise PoetryLockError(f"{entry}: invalid version constraint {constraint!r}: {exc}") from None


@functools.cache
def _specifier_from_constraint(constraint: str) -> str | None:
    # Locks repeat the same few constraints thousands of times.
    text = constraint.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()  # old Poetry wrote "(>=1.0 || >=2.0)"
    if text in ("", "*"):
        return None
    if _BARE_VERSION.fullmatch(text):
        return f"=={text}"  # Poetry's "1.2.3" means exactly that version
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return _poetry_to_pep440(text)


def _poetry_to_pep440(text: str) -> str | None:
    """Poetry constraint syntax (``^1.2``, ``~1.2``, ``1.2.3``) as a PEP 440 specifier.

    A union (``||``) has no PEP 440 form; it is kept in Poetry's own syntax,
    which lock2nix only uses to pick among locked versions of one name.
    """
    from poetry.core.packages.dependency import Dependency as PoetryDependency

    dependency = PoetryDependency("x", text)
    if dependency.constraint.is_any():
        return None
    if dependency.constraint.is_empty():
        raise ValueError("allows no version")
    rendered = dependency.to_pep_508()
    spec = rendered[rendered.index("(") + 1 : rendered.rindex(")")] if "(" in rendered else rendered[1:]
    return spec.strip()


def _dependency_spec(name: NormalizedName, spec: Any, entry: str) -> tuple[Dependency, bool]:
    """One dependency entry: ``"constraint"`` or an inline table."""
    if isinstance(spec, str):
        return Dependency(name=name, specifier=_version_specifier(spec, entry)), False
    if not isinstance(spec, Mapping):
        raise PoetryLockError(f"{entry}: dependency {name!r} must be a string or a table")
    marker = spec.get("markers")
    if marker is not None and not isinstance(marker, str):
        raise PoetryLockError(f"{entry}: markers of dependency {name!r} must be a string")
    python_marker = python_requirement(spec.get("python"), where=f"{entry}: dependency {name!r}")
    python_cond = python_marker[1]
    if python_marker[0] is not None:
        python_cond = " and ".join(
            f'python_full_version {s.operator} "{s.version}"' for s in sorted(SpecifierSet(python_marker[0]), key=str)
        )
    platform = spec.get("platform")
    platform_cond = f'sys_platform == "{platform}"' if isinstance(platform, str) else None
    extras = spec.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise PoetryLockError(f"{entry}: extras of dependency {name!r} must be a list of strings")
    combined = marker_mod.intersection(marker, python_cond, platform_cond)
    if combined is not None:
        marker_mod.parse(combined)  # reject invalid markers at translate time
    dep = Dependency(
        name=name,
        marker=combined,
        extras=tuple(sorted(canonicalize_name(e) for e in extras)),
        specifier=_version_specifier(spec.get("version"), entry),
    )
    return dep, bool(spec.get("optional", False))


def _dependencies(raw: Any, entry: str) -> list[tuple[Dependency, bool]]:
    if not isinstance(raw, Mapping):
        raise PoetryLockError(f"{entry}: [package.dependencies] must be a table")
    return [
        _dependency_spec(canonicalize_name(dep_name), one, entry)
        for dep_name, spec in raw.items()
        for one in (spec if isinstance(spec, list) else [spec])
    ]


# The leading name and [extras] of a requirement as Poetry writes them in
# [package.extras]: "PySocks (>=1.5.6,!=1.5.7)", "uvicorn[standard] (>=0.12)".
_EXTRA_REQUIREMENT = re.compile(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?")


def _parse_extra_requirement(text: str, entry: str) -> tuple[NormalizedName, tuple[str, ...], str | None]:
    """``"PySocks (>=1.5.6,!=1.5.7) ; python_version < '3'"`` → name, extras, marker.

    Only the name, extras and marker matter here (the version is the locked
    one), so this reads just those instead of a full PEP 508 parse: the lock
    has thousands of these and the pre-commit path is timed.
    """
    requirement, _, marker = text.partition(";")
    match = _EXTRA_REQUIREMENT.match(requirement)
    if not match:
        raise PoetryLockError(f"{entry}: cannot read extra requirement {text!r}")
    written = match.group(2) or ""
    extras = tuple(sorted(canonicalize_name(e) for e in written.split(",") if e.strip()))
    return canonicalize_name(match.group(1)), extras, marker.strip() or None


def _extras(
    raw: Any, dependencies: list[tuple[Dependency, bool]], entry: str
) -> dict[str, tuple[Dependency, ...]]:
    if not isinstance(raw, Mapping):
        raise PoetryLockError(f"{entry}: [package.extras] must be a table")
    by_name: dict[str, list[Dependency]] = {}
    for dep, _optional in dependencies:
        by_name.setdefault(dep.name, []).append(dep)
    extras: dict[str, tuple[Dependency, ...]] = {}
    for extra, requirements in raw.items():
        if not isinstance(requirements, list) or not all(isinstance(r, str) for r in requirements):
            raise PoetryLockError(f"{entry}: extra {extra!r} must be a list of requirement strings")
        deps: list[Dependency] = []
        for text in requirements:
            name, req_extras, req_marker = _parse_extra_requirement(text, entry)
            known = by_name.get(name)
            if not known:
                # Poetry lists the extra but did not lock the package: nothing to add.
                continue
            marker = marker_mod.intersection(marker_mod.union(d.marker for d in known), req_marker)
            deps.append(
                Dependency(
                    name=name,
                    marker=marker,
                    extras=tuple(sorted({*req_extras, *(e for d in known for e in d.extras)})),
                )
            )
        extras[canonicalize_name(extra)] = tuple(deps)
    return extras


def _package_marker(raw: Any, entry: str) -> str | None:
    """Lock 2.1 ``markers``: a string, or a table of markers per group."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw or None
    if isinstance(raw, Mapping):
        if not all(isinstance(v, str) for v in raw.values()):
            raise PoetryLockError(f"{entry}: markers must be strings")
        # Per-group markers: the package exists wherever any group needs it.
        return marker_mod.union(raw[k] for k in sorted(raw))
    raise PoetryLockError(f"{entry}: markers must be a string or a table")


def _artifacts(
    reader: _Reader, raw: Mapping[str, Any], name: NormalizedName, version: str,
    legacy_files: Mapping[str, Any], entry: str,
) -> tuple[list[Artifact], bool]:
    """The files the lock records for this package, and whether some were left
    out for want of a usable hash (only with ``--allow-insecure-hashes``)."""
    files = raw.get("files")
    from_metadata = files is None
    if from_metadata:
        files = legacy_files.get(name, [])
    if not isinstance(files, list):
        raise PoetryLockError(f"{entry}: files must be a list")
    artifacts = []
    left_out = []
    for item in files:
        if not isinstance(item, Mapping) or not isinstance(item.get("file"), str):
            raise PoetryLockError(f"{entry}: every file entry needs a 'file' name")
        filename = item["file"]
        if from_metadata and not _file_is_version(filename, name, version):
            continue  # [metadata.files] lists every locked version of the name together
        try:
            hashes = _hashes(item.get("hash"), filename, entry)
        except InsecureHash as exc:
            if not reader.allow_insecure_hashes:
                raise
            left_out.append(f"{filename} ({exc.reason})")
            continue
        artifacts.append(Artifact(filename=filename, hashes=hashes))
    if left_out:
        warn(f"{reader.file}: {entry}: left out (--allow-insecure-hashes), no usable hash: " + ", ".join(left_out))
    return artifacts, bool(left_out)


def _legacy_digests(reader: _Reader, raw: Any, entry: str) -> tuple[list[str], bool]:
    """Poetry < 1.0's ``[metadata.hashes]`` entry of a name: its sha256 digests
    (hex), and whether others were left out (md5/sha1, ``--allow-insecure-hashes``)."""
    if not isinstance(raw, list) or not all(isinstance(h, str) for h in raw):
        raise PoetryLockError(f"{entry}: [metadata.hashes] must list digests as strings")
    digests: list[str] = []
    left_out: list[str] = []
    for item in raw:
        algo, _, digest = item.rpartition(":")
        kind = algo.lower() or {32: "md5", 40: "sha1", 64: "sha256"}.get(len(digest), "")
        if not re.fullmatch(r"[0-9a-fA-F]+", digest) or kind not in ("md5", "sha1", "sha256"):
            raise PoetryLockError(f"{entry}: [metadata.hashes] has a malformed digest {item!r}")
        if kind == "sha256" and len(digest) == 64:
            digests.append(digest.lower())
            continue
        if not reader.allow_insecure_hashes:
            raise InsecureHash(f"{entry}: digest {item!r} is only an {kind} hash, which cannot pin a download"
                               f"{_ALLOW_HINT}", kind)
        left_out.append(item)
    if left_out:
        warn(f"{reader.file}: {entry}: left out (--allow-insecure-hashes), no usable hash: " + ", ".join(left_out))
    return sorted(set(digests)), bool(left_out)


class InsecureHash(PoetryLockError):
    """A file whose hash cannot pin its download: none, md5 or sha1."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


_ALLOW_HINT = "; re-lock with a current Poetry, or pass --allow-insecure-hashes to leave such files out"


def _file_is_version(filename: str, name: NormalizedName, version: str) -> bool:
    try:
        if filename.endswith(".whl"):
            _, file_version, _, _ = parse_wheel_filename(filename)
        else:
            _, file_version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename):
        # Unusual names (old sdists) cannot be attributed; keep them only for the
        # version they textually contain.
        return f"-{version}." in filename or f"-{version}-" in filename
    return canonicalize_version(file_version) == canonicalize_version(version)


def _hashes(raw: Any, filename: str, entry: str) -> dict[str, str]:
    if raw is None or raw == "":
        raise InsecureHash(f"{entry}: file {filename!r} has no hash{_ALLOW_HINT}", "no hash")
    if not isinstance(raw, str):
        raise PoetryLockError(f"{entry}: file {filename!r} has a hash that is not a string")
    algo, sep, digest = raw.partition(":")
    if not sep or not digest:
        raise PoetryLockError(f"{entry}: file {filename!r} has a malformed hash {raw!r} (expected 'sha256:<hex>')")
    algo = algo.lower()
    if algo in ("md5", "sha1"):
        raise InsecureHash(
            f"{entry}: file {filename!r} has only an {algo} hash, which cannot pin a download{_ALLOW_HINT}", algo
        )
    if algo != "sha256" or not re.fullmatch(r"[0-9a-fA-F]{64}", digest):
        raise PoetryLockError(f"{entry}: file {filename!r} has an unsupported hash {raw!r} (expected sha256)")
    return {"sha256": digest.lower()}


def _source(
    reader: _Reader, raw: Mapping[str, Any], name: NormalizedName, version: str,
    legacy_files: Mapping[str, Any], directory: Path, entry: str,
) -> model.Source:
    source = raw.get("source")
    if source is not None and not isinstance(source, Mapping):
        raise PoetryLockError(f"{entry}: [package.source] must be a table")
    kind = (source or {}).get("type")
    digests: list[str] | None = None  # Poetry < 1.0: bare digests, no file names
    if reader.hashes_only:
        digests, left_out = _legacy_digests(reader, legacy_files.get(name, []), entry)
        artifacts: list[Artifact] = []
    else:
        artifacts, left_out = _artifacts(reader, raw, name, version, legacy_files, entry)
    if source is None or kind in ("legacy", "pypi", None):
        index_url = PYPI_SIMPLE_URL if source is None or kind == "pypi" else _index_url(source, entry)
        index_name = None if source is None else source.get("reference") or None
        if not artifacts and not digests:
            return _files_from_index(reader, index_url, index_name, entry, left_out=left_out)
        if digests:
            # As in a Pipfile.lock: resolution finds the files with these hashes on the index.
            return IndexSource(url=index_url, name=index_name, locked_hashes=tuple(digests))
        sdists = [a for a in artifacts if not a.is_wheel]
        wheels = tuple(sorted((a for a in artifacts if a.is_wheel), key=lambda a: a.filename))
        # Several sdists (zip and tar.gz) happen in old locks; prefer tar.gz, then by name.
        sdist = min(sdists, key=lambda a: (not a.filename.endswith(".tar.gz"), a.filename)) if sdists else None
        return IndexSource(url=index_url, name=index_name, sdist=sdist, wheels=wheels)
    url = source.get("url")
    if not isinstance(url, str) or not url:
        raise PoetryLockError(f"{entry}: [package.source] needs a url")
    subdirectory = source.get("subdirectory") or None
    if kind == "git":
        return _git(source, url, subdirectory, entry)
    if kind == "directory":
        return DirectorySource(path=url, editable=bool(raw.get("develop", False)), subdirectory=subdirectory)
    if kind in ("file", "url"):
        filename = url.rstrip("/").rsplit("/", 1)[-1]
        if left_out and not artifacts and not digests:
            raise PoetryLockError(f"{entry}: none of its files has a usable hash (sha256); it cannot be pinned")
        if digests is not None:
            artifacts = [Artifact(filename=filename, hashes={"sha256": d}) for d in digests]
        if len(artifacts) > 1:
            artifacts = [a for a in artifacts if a.filename == filename] if digests is None else artifacts
        if kind == "file":
            artifact = _local_file(directory, url, filename, artifacts, entry)
            return ArchiveSource(artifact=artifact, path=url, subdirectory=subdirectory)
        if len(artifacts) != 1:
            raise PoetryLockError(f"{entry}: a {kind} source needs exactly one hashed file")
        return ArchiveSource(artifact=artifacts[0], url=url, subdirectory=subdirectory)
    raise PoetryLockError(f"{entry}: source type {kind!r} is not supported (git, directory, file, url, legacy)")


def _files_from_index(
    reader: _Reader, index_url: str, index_name: str | None, entry: str, *, left_out: bool
) -> IndexSource:
    """A package whose lock records no (usable) file: refused, or with
    ``--allow-insecure-hashes`` the files of its version on its index."""
    what = "none of its files has a usable hash (sha256)" if left_out else "the lock records no files for this package"
    if not reader.allow_insecure_hashes:
        raise PoetryLockError(
            f"{entry}: {what}, so nothing pins what to download; re-lock with a current Poetry, "
            "or pass --allow-insecure-hashes to take the files of this version from the index, "
            "pinned by the sha256 it lists"
        )
    reader.from_index.setdefault(index_url, []).append(entry)
    return IndexSource(url=index_url, name=index_name, version_only=True)


def _git(source: Mapping[str, Any], url: str, subdirectory: str | None, entry: str) -> VcsSource:
    commit = source.get("resolved_reference")
    reference = source.get("reference")
    requested = reference if isinstance(reference, str) and reference else None
    if commit is None and requested is not None and re.fullmatch(r"[0-9a-f]{40}", requested):
        commit = requested  # pinned by commit: Poetry >= 1.2 records no resolved_reference then
    if commit is None and requested is not None:
        # Poetry < 1.0 wrote a tag as the reference itself: resolution asks the
        # repository which commit it names (git ls-remote).
        return VcsSource(url=url, commit_id=None, requested_revision=requested, subdirectory=subdirectory)
    if not isinstance(commit, str) or not re.fullmatch(r"[0-9a-f]{40}", commit):
        raise PoetryLockError(f"{entry}: git source has no resolved commit (resolved_reference) nor reference")
    return VcsSource(url=url, commit_id=commit, requested_revision=requested, subdirectory=subdirectory)


def _local_file(directory: Path, path: str, filename: str, artifacts: list[Artifact], entry: str) -> Artifact:
    """A ``file`` source: the locked file, or (the lock records no hash) the file beside the lock, hashed."""
    if len(artifacts) == 1:
        return artifacts[0]
    if artifacts:
        raise PoetryLockError(f"{entry}: a file source needs exactly one hashed file")
    try:
        import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

        digest = hashlib.sha256((directory / path).read_bytes()).hexdigest()
    except OSError:
        raise PoetryLockError(
            f"{entry}: the lock records no hash for {path!r} and the file is not there to hash"
        ) from None
    return Artifact(filename=filename, hashes={"sha256": digest})


def _index_url(source: Mapping[str, Any], entry: str) -> str:
    url = source.get("url")
    if not isinstance(url, str) or not url.startswith(("https://", "http://")):
        raise PoetryLockError(f"{entry}: legacy source needs an http(s) url")
    return url if url.endswith("/") else url + "/"


def _tell_apart(
    reader: _Reader,
    packages: list[Package],
    raw_packages: Callable[[], list[Any]],
    pyproject: Mapping[str, Any],
    whole: Callable[[Package], Package],
) -> list[Package]:
    """Packages locked more than once at one version, from different sources.

    Poetry >= 1.5 locks a name and version once per source when requirements
    reach it from several (one url wheel per platform, each behind markers).
    Each gets a variant (so keys stay unique) and a marker saying where it is
    installed: its own (lock 2.1), else the markers of the requirements that
    name its source (lock 2.0 records none per package).
    """
    locked = collections.Counter(p.name for p in packages)
    by_version: dict[str, list[int]] = {}
    for i, package in enumerate(packages):
        if locked[package.name] > 1:  # only a name locked more than once can clash: no version parsed for the rest
            by_version.setdefault(f"{package.name}@{canonicalize_version(package.version)}", []).append(i)
    clashes = [indices for indices in by_version.values() if len(indices) > 1]
    if not clashes:
        return packages
    requirements = _source_requirements(reader, raw_packages(), pyproject)
    out = list(packages)
    for indices in clashes:
        seen: dict[tuple[str, str], Package] = {}
        for i in indices:
            package = whole(packages[i])  # its marker and variant are not those of a stand-in
            identity = _source_identity(package.source)
            if identity in seen:
                raise reader.error(
                    f"{package.entry} is locked twice from the same source", needle=f'name = "{package.name}"'
                )
            seen[identity] = package
            marker = package.marker
            if not raw_packages()[i].get("markers"):
                markers = [m for ident, m in requirements.get(package.name, []) if ident == identity]
                derived = marker_mod.union(markers) if markers else None
                marker = marker_mod.intersection(derived, package.marker) if derived is not None else None
            if marker is None:
                raise reader.error(
                    f"{package.entry} is locked more than once, from different sources, and no marker says "
                    f"where this one ({_variant(package.source)}) is installed; re-lock with a current Poetry",
                    needle=f'name = "{package.name}"',
                )
            out[i] = _replace(package, marker=marker, variant=_variant(package.source))
    return out


def _source_identity(source: model.Source) -> tuple[str, str]:
    """What a requirement names to pick a source: its url, path, repository or index."""
    if isinstance(source, ArchiveSource):
        return ("url", source.url) if source.url is not None else ("path", posixpath.normpath(source.path or ""))
    if isinstance(source, DirectorySource):
        return ("path", posixpath.normpath(source.path))
    if isinstance(source, VcsSource):
        return ("git", source.url)
    if isinstance(source, IndexSource):
        return ("index", source.name or "pypi")
    raise AssertionError(f"a poetry.lock has no {source.kind} source")


def _variant(source: model.Source) -> str:
    """How the model and the overlay's comments name one of several sources of a version."""
    if isinstance(source, ArchiveSource):
        return source.artifact.filename
    if isinstance(source, VcsSource):
        return f"{source.url}@{source.commit_id or source.requested_revision}"
    if isinstance(source, IndexSource):
        return source.name or source.url
    return _source_identity(source)[1]


def _source_requirements(
    reader: _Reader, raw_packages: list[Any], pyproject: Mapping[str, Any]
) -> dict[str, list[tuple[tuple[str, str], str | None]]]:
    """Per name, each requirement that names a source, with its marker: from the
    project's tables (pyproject.toml) and the locked packages' dependencies."""
    tables: list[tuple[str, Any]] = []
    tool = pyproject.get("tool", {})
    poetry = tool.get("poetry", {}) if isinstance(tool, Mapping) else {}
    if isinstance(poetry, Mapping):
        tables += [("[tool.poetry.dependencies]", poetry.get("dependencies")),
                   ("[tool.poetry.dev-dependencies]", poetry.get("dev-dependencies"))]
        groups = poetry.get("group")
        for group, body in (groups.items() if isinstance(groups, Mapping) else ()):
            if isinstance(body, Mapping):
                tables.append((f"[tool.poetry.group.{group}.dependencies]", body.get("dependencies")))
    for raw in raw_packages:
        if isinstance(raw, Mapping):
            tables.append((f"package {raw.get('name')!r} ({raw.get('version')})", raw.get("dependencies")))
    out: dict[str, list[tuple[tuple[str, str], str | None]]] = {}
    for where, table in tables:
        if not isinstance(table, Mapping):
            continue
        for dep_name, spec in table.items():
            for one in spec if isinstance(spec, list) else [spec]:
                if not isinstance(one, Mapping):
                    continue
                identity = _requirement_identity(one)
                if identity is None:
                    continue
                try:
                    dependency, _optional = _dependency_spec(canonicalize_name(dep_name), one, where)
                except Lock2NixError as exc:
                    raise exc.at(file=reader.file) from None
                out.setdefault(dependency.name, []).append((identity, dependency.marker))
    return out


def _requirement_identity(spec: Mapping[str, Any]) -> tuple[str, str] | None:
    for key, kind in (("url", "url"), ("git", "git")):
        if isinstance(spec.get(key), str):
            return (kind, spec[key])
    if isinstance(spec.get("path"), str):
        return ("path", posixpath.normpath(spec["path"]))
    if isinstance(spec.get("source"), str):
        return ("index", spec["source"])
    return None


def _check_hashes_attributable(reader: _Reader, packages: list[Package]) -> None:
    """[metadata.hashes] lists a name's digests together: with several versions
    of one name, which file belongs to which cannot be told."""
    versions: dict[str, set[str]] = {}
    for package in packages:
        versions.setdefault(package.name, set()).add(package.version)
    for package in packages:
        if len(versions[package.name]) > 1 and isinstance(package.source, IndexSource):
            raise reader.error(
                f"{package.entry}: [metadata.hashes] gives the digests of every locked version of "
                f"{package.name} together, so they cannot be told apart; re-lock with Poetry >= 1.0",
                needle=f'name = "{package.name}"',
            )


def _itself(package: Package) -> Package:
    return package


def _replace(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


def _in_order(packages: list[Package]) -> tuple[Package, ...]:
    """By name, then version and variant: the versions of names locked once are not parsed."""
    locked = collections.Counter(p.name for p in packages)
    return tuple(
        sorted(packages, key=lambda p: (p.name, _version_key(p.version) if locked[p.name] > 1 else (), p.variant or ""))
    )


def _version_key(version: str) -> Any:
    try:
        return (0, Version(version), version)
    except InvalidVersion:
        return (1, version, version)


# --- the root project (pyproject.toml) --------------------------------------


def _root_project(name: str, pyproject: Mapping[str, Any], lock_extras: Any) -> RootProject:
    tool = pyproject.get("tool", {})
    tool = tool.get("poetry", {}) if isinstance(tool, Mapping) else tool
    project = pyproject.get("project", {})
    if not isinstance(tool, Mapping) or not isinstance(project, Mapping):
        raise PoetryLockError("[tool.poetry] and [project] must be tables", file=name)
    raw_name = project.get("name") or tool.get("name") or Path(name).resolve().parent.name
    version = project.get("version") or tool.get("version")
    poetry_main = tool.get("dependencies", {})
    requires_python = project.get("requires-python")
    if requires_python is not None:
        requires_python, _ = python_requirement(requires_python, where=f"{name}: [project] requires-python")
    elif isinstance(poetry_main, Mapping) and "python" in poetry_main:
        where = f"{name}: [tool.poetry.dependencies] python"
        requires_python, _ = python_requirement(poetry_main["python"], where=where)
    groups = _root_groups(name, pyproject, project, tool)
    extras = _root_extras(name, project, tool, lock_extras)
    return RootProject(
        name=canonicalize_name(str(raw_name)),
        version=str(version) if version is not None else None,
        groups={k: tuple(v) for k, v in sorted(groups.items())},
        extras={k: tuple(v) for k, v in sorted(extras.items())},
        requires_python=requires_python,
        build_system=_root_build_system(name, pyproject),
        is_package=tool.get("package-mode", True) is not False,
    )


def _root_groups(
    name: str, pyproject: Mapping[str, Any], project: Mapping[str, Any], tool: Mapping[str, Any]
) -> dict[str, list[Dependency]]:
    """The root's dependencies per group: [project], Poetry's tables and groups, [dependency-groups]."""
    groups: dict[str, list[Dependency]] = {}
    poetry_main = tool.get("dependencies", {})
    if "dependencies" in project:
        groups[MAIN_GROUP] = _pep508_list(project["dependencies"], name, "[project] dependencies")
    if isinstance(poetry_main, Mapping) and ("dependencies" not in project):
        groups.setdefault(MAIN_GROUP, []).extend(
            _poetry_table(poetry_main, name, "[tool.poetry.dependencies]", skip_optional=True)
        )
    dev = tool.get("dev-dependencies")
    if isinstance(dev, Mapping):
        groups.setdefault("dev", []).extend(_poetry_table(dev, name, "[tool.poetry.dev-dependencies]"))
    poetry_groups = tool.get("group") or {}
    if not isinstance(poetry_groups, Mapping):
        raise PoetryLockError("[tool.poetry.group] must be a table", file=name)
    for group_name, group in poetry_groups.items():
        deps = group.get("dependencies", {}) if isinstance(group, Mapping) else None
        if not isinstance(deps, Mapping):
            raise PoetryLockError(f"[tool.poetry.group.{group_name}] needs a dependencies table", file=name)
        groups.setdefault(str(group_name), []).extend(
            _poetry_table(deps, name, f"[tool.poetry.group.{group_name}.dependencies]")
        )
    dependency_groups = pyproject.get("dependency-groups", {})
    if not isinstance(dependency_groups, Mapping):
        raise PoetryLockError("[dependency-groups] must be a table", file=name)
    # The root project is read again only when pyproject.toml changed (the snapshot keeps it).
    from packaging.dependency_groups import resolve_dependency_groups

    for group_name in dependency_groups:
        try:
            requirements = resolve_dependency_groups(dependency_groups, group_name)
        except (ValueError, TypeError, LookupError) as exc:
            raise PoetryLockError(f"[dependency-groups] {group_name}: {exc}", file=name) from None
        groups.setdefault(str(group_name), []).extend(
            _pep508_list(list(requirements), name, f"[dependency-groups] {group_name}")
        )
    return groups


def _root_extras(
    name: str, project: Mapping[str, Any], tool: Mapping[str, Any], lock_extras: Any
) -> dict[str, list[Dependency]]:
    """The root's extras: [project.optional-dependencies], else Poetry's [tool.poetry.extras] (or the lock's)."""
    extras: dict[str, list[Dependency]] = {}
    poetry_main = tool.get("dependencies", {})
    if isinstance(project.get("optional-dependencies"), Mapping):
        for extra, reqs in project["optional-dependencies"].items():
            extras[canonicalize_name(extra)] = _pep508_list(reqs, name, f"[project.optional-dependencies] {extra}")
    tool_extras = tool.get("extras") if isinstance(tool.get("extras"), Mapping) else lock_extras
    if "optional-dependencies" in project:
        tool_extras = None  # [project] is authoritative; the lock's [extras] mirrors it
    if isinstance(tool_extras, Mapping) and isinstance(poetry_main, Mapping):
        optional = {
            canonicalize_name(k): d
            for k, v in poetry_main.items()
            if k != "python"
            for d in [_poetry_dependency(k, v, name, "[tool.poetry.dependencies]")]
        }
        for extra, members in tool_extras.items():
            if not isinstance(members, list):
                raise PoetryLockError(f"extra {extra!r} must list package names", file=name)
            deps = extras.setdefault(canonicalize_name(extra), [])
            for member in members:
                member_name = canonicalize_name(str(member).split("[")[0].split(" ")[0])
                deps.append(optional.get(member_name, Dependency(name=member_name)))
    return extras


def _root_build_system(name: str, pyproject: Mapping[str, Any]) -> BuildSystem | None:
    build = pyproject.get("build-system")
    if not isinstance(build, Mapping):
        return None
    requires = build.get("requires", [])
    if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
        raise PoetryLockError("[build-system] requires must be a list of strings", file=name)
    backend = build.get("build-backend")
    return BuildSystem(requires=tuple(requires), backend=backend if isinstance(backend, str) else None)


def _pep508_list(raw: Any, file: str, entry: str) -> list[Dependency]:
    if not isinstance(raw, list):
        raise PoetryLockError(f"{entry} must be a list of requirement strings", file=file)
    out = []
    for text in raw:
        if not isinstance(text, str):
            continue  # {include-group = ...} entries are resolved by packaging
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise PoetryLockError(f"{entry}: invalid requirement {text!r}: {exc}", file=file) from None
        out.append(
            Dependency(
                name=canonicalize_name(req.name),
                marker=str(req.marker) if req.marker else None,
                extras=tuple(sorted(canonicalize_name(e) for e in req.extras)),
                specifier=str(req.specifier) or None,
            )
        )
    return out


def _poetry_dependency(dep_name: str, spec: Any, file: str, entry: str) -> Dependency:
    specs = spec if isinstance(spec, list) else [spec]
    if not specs:
        raise PoetryLockError(f"{entry} {dep_name}: an empty list of constraints", file=file)
    deps = []
    for one in specs:
        try:
            dep, _optional = _dependency_spec(canonicalize_name(dep_name), one, f"{entry} {dep_name}")
        except Lock2NixError as exc:
            raise PoetryLockError(exc.message, file=file) from None
        deps.append(dep)
    if len(deps) == 1:
        return deps[0]
    return Dependency(
        name=deps[0].name,
        marker=marker_mod.union(d.marker for d in deps),
        extras=tuple(sorted({e for d in deps for e in d.extras})),
    )


def _poetry_table(
    table: Mapping[str, Any], file: str, entry: str, *, skip_optional: bool = False
) -> list[Dependency]:
    out = []
    for dep_name, spec in table.items():
        if dep_name == "python":
            continue
        if skip_optional and isinstance(spec, Mapping) and spec.get("optional"):
            continue  # reachable only through an extra
        out.append(_poetry_dependency(dep_name, spec, file, entry))
    return out


# --- groups -------------------------------------------------------------------


def _assign_groups(packages: list[Package], root: RootProject | None, snapshot: Snapshot | None) -> list[Package]:
    """Each package's groups: those its entry records (read with it), else by walking the graph.

    A walked package's fingerprint comes from its entry's: resolving it from
    the snapshot then needs no pickling.
    """
    if all(p.groups for p in packages):
        return packages
    walked = _walk_groups(packages, root)

    def with_groups(package: Package, groups: frozenset[str]) -> Package:
        grouped: Package = _replace(package, groups=groups)
        if snapshot is None:
            return grouped
        return snapshot.derived(grouped, package, sorted(groups), remake=lambda p: _replace(p, groups=groups))

    return [p if p.groups else with_groups(p, walked.get(p.name, frozenset())) for p in packages]


def _walk_groups(packages: list[Package], root: RootProject | None) -> dict[str, frozenset[str]]:
    if root is None:
        return {p.name: frozenset({MAIN_GROUP}) for p in packages}
    return reached_groups(packages, group_starts(root))

"""PEP 751 ``pylock.toml`` → the lock model, validated by :mod:`packaging.pylock`.

A pylock.toml lists what to install, each package with its files (or one
direct source) and a ``marker``; it records no dependency edges.  So:

* The root project's groups and extras come from the markers: PEP 751's
  ``extras`` and ``dependency_groups`` marker variables say which selection
  installs a package.  Each package is decided for no extra and no group (the
  ``main`` group), for each group alone and each extra alone; what is left of
  its marker (platform, interpreter) guards the edge.
* The packages' own edges are read from their distributions' metadata on the
  index (PEP 658, cached), as for Pipfile.lock, restricted to the locked set.
* A ``directory`` package at ``.`` is the root project itself.

Real files break the letter of the spec: uv writes wheel ``name``s
percent-encoded (``torch-2.7.0%2Bcu128-…``), which packaging rejects; they are
decoded first, with a warning that says so.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from packaging.markers import Marker
from packaging.pylock import Package as PylockPackage
from packaging.pylock import (
    PackageArchive,
    PackageDirectory,
    PackageSdist,
    PackageVcs,
    PackageWheel,
    Pylock,
    PylockValidationError,
)
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name

from .. import _markers
from .._index_url import PYPI_SIMPLE_URL, normalize_index_url
from .._toml import load_toml
from .._warnings import warn
from ..errors import Lock2NixError
from ..model import (
    MAIN_GROUP,
    ArchiveSource,
    Artifact,
    Dependency,
    DirectorySource,
    IndexSource,
    Lock,
    Package,
    RootProject,
    Source,
    VcsSource,
)
from ._common import InsecureHashError, local_build_system, sha256_of

_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


class PylockError(Lock2NixError):
    """A pylock.toml lock2nix cannot read."""


def parse(name: str, text: str, *, directory: Path, allow_insecure_hashes: bool = False) -> Lock:
    data = load_toml(name, text)
    _decode_file_names(name, data)
    try:
        pylock = Pylock.from_dict(data)
    except PylockValidationError as exc:
        raise PylockError(_validation_message(exc, data), file=name, entry=_entry_of(exc, data)) from None
    selections = _Selections.of(pylock)
    pyproject = _pyproject(directory)
    packages: list[Package] = []
    root_package: PylockPackage | None = None
    root_version: str | None = None
    # Versions as written (``2.11.0-a.0``), as the other readers keep them; packaging normalises.
    written = [p.get("version") for p in data["packages"]]
    for index, raw in enumerate(pylock.packages):
        version = written[index] if isinstance(written[index], str) else None
        if raw.directory is not None and _is_here(raw.directory.path):
            root_package, root_version = raw, version
            continue
        entry = f"packages[{index}] ({raw.name})"
        try:
            packages.append(_package(raw, version, entry, selections, directory, allow_insecure_hashes, name))
        except Lock2NixError as exc:
            raise PylockError(exc.message, file=name, entry=exc.entry or entry) from None
    _check_unique(name, packages)
    packages = _local_edges(packages, directory)
    root = _root(pylock, root_package, root_version, selections, pyproject, directory)
    return Lock(
        file=name,
        format="pylock.toml",
        format_version=str(pylock.lock_version),
        packages=tuple(sorted(packages, key=lambda p: (p.name, p.version))),
        root=root,
        requires_python=str(pylock.requires_python) if pylock.requires_python else None,
        inputs=(name, str(directory / "pyproject.toml")) if pyproject is not None else (name,),
        dependencies_from="metadata",
        environments=tuple(str(m) for m in pylock.environments or ()),
    )


# --- what real files need before packaging accepts them ---------------------------


def _decode_file_names(file: str, data: dict[str, Any]) -> None:
    """Percent-decode file names (uv writes ``torch-2.7.0%2Bcu128-…whl``), saying which."""
    decoded: list[str] = []
    packages = data.get("packages")
    if not isinstance(packages, list):
        return
    for package in packages:
        if not isinstance(package, dict):
            continue
        wheels = package.get("wheels")
        files = [*(wheels if isinstance(wheels, list) else []), package.get("sdist")]
        for table in files:
            if isinstance(table, dict):
                _decode_one(table, decoded)
    if decoded:
        shown = ", ".join(decoded[:3]) + (f" and {len(decoded) - 3} more" if len(decoded) > 3 else "")
        warn(f"{file}: {len(decoded)} file name(s) were percent-encoded, which PEP 751 does not allow; "
             f"read decoded: {shown}")


def _decode_one(table: dict[str, Any], decoded: list[str]) -> None:
    name = table.get("name")
    if isinstance(name, str) and _PERCENT.search(name):
        table["name"] = unquote(name)
        decoded.append(table["name"])
        return
    path = table.get("path")
    if name is None and isinstance(path, str) and _PERCENT.search(path.rsplit("/", 1)[-1]):
        table["name"] = unquote(path.rsplit("/", 1)[-1])
        decoded.append(table["name"])


def _entry_of(exc: PylockValidationError, data: Mapping[str, Any]) -> str | None:
    """``packages[3] (torch)`` from packaging's context ``packages[3].wheels[0]``."""
    match = re.match(r"packages\[(\d+)\]", exc.context or "")
    if not match:
        return exc.context
    packages = data.get("packages")
    index = int(match.group(1))
    name = packages[index].get("name") if isinstance(packages, list) and isinstance(packages[index], dict) else None
    rest = (exc.context or "")[match.end():].lstrip(".")
    return f"packages[{index}] ({name})" + (f" {rest}" if rest else "")


def _validation_message(exc: PylockValidationError, data: Mapping[str, Any]) -> str:
    if data.get("lock-version") is None:
        return "missing 'lock-version'; is this a pylock.toml?"
    return exc.message


# --- selections: what each group and extra installs ----------------------------------


@dataclass(frozen=True)
class _Selections:
    """The selections a root project offers: none (``main``), each group, each extra."""

    groups: tuple[str, ...]
    extras: tuple[str, ...]

    @classmethod
    def of(cls, pylock: Pylock) -> _Selections:
        groups = dict.fromkeys([*(pylock.dependency_groups or ()), *(pylock.default_groups or ())])
        return cls(tuple(groups), tuple(pylock.extras or ()))

    def decide(self, marker: Marker | None) -> dict[tuple[str, str], str | None]:
        """For each selection ``("group"|"extra"|"main", name)`` that installs the package, its residual marker."""
        if marker is None:
            return {("main", MAIN_GROUP): None}
        out: dict[tuple[str, str], str | None] = {}
        main = residual(marker, frozenset(), frozenset())
        if main is not False:
            out[("main", MAIN_GROUP)] = None if main is True else main
        for group in self.groups:
            found = residual(marker, frozenset(), frozenset({group}))
            if found is not False and found != main:
                out[("group", group)] = None if found is True else found
        for extra in self.extras:
            found = residual(marker, frozenset({extra}), frozenset())
            if found is not False and found != main:
                out[("extra", extra)] = None if found is True else found
        return out


def residual(marker: Marker, extras: frozenset[str], groups: frozenset[str]) -> bool | str:
    """``marker`` with its ``extras``/``dependency_groups`` (and ``extra``) clauses decided.

    What remains (platform, interpreter) is returned as marker text, or
    ``True``/``False`` when nothing does.
    """
    reduced = _reduce(_markers.tree(marker), extras, groups)
    return reduced if isinstance(reduced, bool) else _markers.render(reduced)


def _reduce(tree: Sequence[Any], extras: frozenset[str], groups: frozenset[str]) -> bool | list[Any]:
    alternatives: list[list[Any]] = [[]]
    for item in tree:
        if item == "or":
            alternatives.append([])
        elif item != "and":
            alternatives[-1].append(_reduce_item(item, extras, groups))
    kept: list[list[Any]] = []
    for conjuncts in alternatives:
        if any(c is False for c in conjuncts):
            continue
        rest = [c for c in conjuncts if c is not True]
        if not rest:
            return True
        kept.append(rest)
    if not kept:
        return False
    out: list[Any] = []
    for i, conjuncts in enumerate(kept):
        if i:
            out.append("or")
        for j, c in enumerate(conjuncts):
            if j:
                out.append("and")
            out.append(c)
    return out


def _reduce_item(item: Any, extras: frozenset[str], groups: frozenset[str]) -> Any:
    if isinstance(item, list):
        return _reduce(item, extras, groups)
    lhs, op, rhs = item
    names = {getattr(side, "value", None) for side in (lhs, rhs) if type(side).__name__ == "Variable"}
    if names & {"extras", "dependency_groups"}:
        chosen = extras if "extras" in names else groups
        value = canonicalize_name(str(lhs.value if type(rhs).__name__ == "Variable" else rhs.value))
        inside = value in {canonicalize_name(c) for c in chosen}
        return inside if op.value == "in" else not inside
    if "extra" in names:
        value = canonicalize_name(str(rhs.value if type(lhs).__name__ == "Variable" else lhs.value))
        inside = value in extras
        return inside if op.value == "==" else not inside
    return item



# --- one package -----------------------------------------------------------------


def _package(
    raw: PylockPackage,
    version: str | None,
    entry: str,
    selections: _Selections,
    directory: Path,
    allow_insecure: bool,
    file: str,
) -> Package:
    decided = selections.decide(raw.marker)
    groups = {MAIN_GROUP if kind == "extra" else name for kind, name in decided}
    version = version or _local_version(raw, directory)
    return Package(
        name=raw.name,
        version=version,
        source=_source(raw, allow_insecure, file, entry),
        groups=frozenset(groups),
        marker=_markers.union(decided.values()) if decided else str(raw.marker),
        requires_python=str(raw.requires_python) if raw.requires_python else None,
        entry=f"{entry} {version}",
        attestation_identities=tuple(dict(a) for a in raw.attestation_identities or ()),
    )


def _local_version(raw: PylockPackage, directory: Path) -> str:
    """A direct source may leave its version out: the project's own, else ``0``."""
    if raw.directory is not None:
        project = _pyproject(directory / raw.directory.path) or {}
        version = project.get("project", {}).get("version") if isinstance(project.get("project"), Mapping) else None
        if isinstance(version, str):
            return version
    return "0"


def _source(raw: PylockPackage, allow_insecure: bool, file: str, entry: str) -> Source:
    if raw.vcs is not None:
        return _vcs(raw.vcs)
    if raw.directory is not None:
        return _directory(raw.directory)
    if raw.archive is not None:
        return _archive(raw.archive)
    sdist = _file(raw.sdist, allow_insecure, file, entry) if raw.sdist is not None else None
    wheels = [_file(w, allow_insecure, file, entry) for w in raw.wheels or ()]
    usable = tuple(sorted((w for w in wheels if w is not None), key=lambda a: a.filename))
    if sdist is None and not usable:
        raise PylockError("no usable file is locked for this package")
    index = raw.index or PYPI_SIMPLE_URL
    return IndexSource(url=normalize_index_url(index), sdist=sdist, wheels=usable)


def _vcs(vcs: PackageVcs) -> VcsSource:
    if vcs.type != "git":
        raise PylockError(f"vcs type {vcs.type!r} is not supported (git only)")
    if vcs.url is None:
        raise PylockError("a vcs source with a local path instead of a url is not supported")
    return VcsSource(
        url=vcs.url, commit_id=vcs.commit_id, requested_revision=vcs.requested_revision, subdirectory=vcs.subdirectory
    )


def _directory(directory: PackageDirectory) -> DirectorySource:
    return DirectorySource(path=directory.path, editable=bool(directory.editable), subdirectory=directory.subdirectory)


def _archive(archive: PackageArchive) -> ArchiveSource:
    location = archive.url or archive.path or ""
    filename = unquote(location.rstrip("/").rsplit("/", 1)[-1])
    artifact = Artifact(
        filename=filename,
        hashes=sha256_of(archive.hashes, f"archive {filename!r}"),
        size=archive.size,
        upload_time=_time(archive.upload_time),
    )
    if archive.url is not None:
        return ArchiveSource(artifact=artifact, url=archive.url, subdirectory=archive.subdirectory)
    return ArchiveSource(artifact=artifact, path=archive.path, subdirectory=archive.subdirectory)


def _file(raw: PackageSdist | PackageWheel, allow_insecure: bool, file: str, entry: str) -> Artifact | None:
    filename = raw.filename
    try:
        hashes = sha256_of(raw.hashes, f"file {filename!r}")
    except InsecureHashError as exc:
        if not allow_insecure:
            raise
        warn(f"{file}: {entry}: {exc.message.split(';')[0]}; left out (--allow-insecure-hashes)")
        return None
    if raw.url is None:
        raise PylockError(f"file {filename!r} has a path, not a url: lock2nix reads index files by url")
    return Artifact(filename=filename, hashes=hashes, url=raw.url, size=raw.size, upload_time=_time(raw.upload_time))


def _time(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _check_unique(file: str, packages: Sequence[Package]) -> None:
    seen: set[str] = set()
    for package in packages:
        if package.key in seen:
            raise PylockError(f"{package.entry}: locked twice", file=file)
        seen.add(package.key)


def _local_edges(packages: list[Package], directory: Path) -> list[Package]:
    """Edges of local projects, which have no metadata on an index: their ``[project] dependencies``."""
    names = {p.name for p in packages}
    out = []
    for package in packages:
        source = package.source
        if isinstance(source, DirectorySource):
            project = (_pyproject(directory / source.path) or {}).get("project")
            requirements = project.get("dependencies", []) if isinstance(project, Mapping) else []
            package = dataclasses.replace(
                package,
                dependencies=_requirements(requirements, names),
                build_system=local_build_system(directory / source.path),
            )
        out.append(package)
    return out


def _requirements(texts: Any, names: set[NormalizedName]) -> tuple[Dependency, ...]:
    out = []
    for text in texts if isinstance(texts, list) else []:
        try:
            requirement = Requirement(str(text))
        except InvalidRequirement:
            continue
        name = canonicalize_name(requirement.name)
        if name in names:
            out.append(
                Dependency(
                    name=name,
                    marker=str(requirement.marker) if requirement.marker else None,
                    extras=tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
                )
            )
    return tuple(out)


# --- the root project ------------------------------------------------------------


def _pyproject(directory: Path) -> dict[str, Any] | None:
    path = directory / "pyproject.toml"
    if not path.is_file():
        return None
    return load_toml(str(path), path.read_text(encoding="utf-8"))


def _is_here(path: str) -> bool:
    return path.rstrip("/") in (".", "")


def _root(
    pylock: Pylock,
    package: PylockPackage | None,
    written_version: str | None,
    selections: _Selections,
    pyproject: Mapping[str, Any] | None,
    directory: Path,
) -> RootProject:
    groups: dict[str, list[Dependency]] = {MAIN_GROUP: []}
    extras: dict[str, list[Dependency]] = {}
    for raw in pylock.packages:
        if raw is package or (raw.directory is not None and _is_here(raw.directory.path)):
            continue
        for (kind, name), marker in selections.decide(raw.marker).items():
            target = extras.setdefault(name, []) if kind == "extra" else groups.setdefault(name, [])
            dependency = Dependency(name=raw.name, marker=marker)
            if dependency not in target:
                target.append(dependency)
    project = (pyproject or {}).get("project")
    project = project if isinstance(project, Mapping) else {}
    name = package.name if package is not None else project.get("name") or directory.resolve().name or "project"
    version = written_version if package is not None and written_version else project.get("version")
    return RootProject(
        name=canonicalize_name(str(name)),
        version=str(version) if version is not None else None,
        groups={k: tuple(v) for k, v in sorted(groups.items())},
        extras={k: tuple(v) for k, v in sorted(extras.items())},
        requires_python=str(pylock.requires_python) if pylock.requires_python else None,
        build_system=local_build_system(directory) if package is not None else None,
        is_package=package is not None,
        default_groups=tuple(pylock.default_groups or ()),
    )

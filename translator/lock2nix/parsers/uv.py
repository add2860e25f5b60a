"""``uv.lock`` → the lock model, from the lock's own data (no resolution, no ``uv``).

uv.lock (lock ``version = 1``; ``revision`` 2, 3 and 5 seen in real files, 1 to 5 read) records
everything lock2nix needs: each package's source and files with URL, sha256,
size and upload time; its dependency edges with markers, extras and, where a
name is locked at several versions (a fork), the version the edge takes; the
optional dependencies per extra; and the workspace members' development groups.

* Forks: a name locked at several versions carries ``resolution-markers``;
  their union becomes the package's marker, as Poetry's duplicates get one.
* Workspaces: the package at ``.`` (editable, or virtual for a project that
  is not a package) is the root project; other members (``[manifest]
  members``) are projects too, and locked packages the root can depend on.
* The root's ``pyproject.toml`` gives what the lock does not: its build system
  and ``[tool.uv] default-groups``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit, urlunsplit

from packaging.utils import NormalizedName, canonicalize_name

from .. import _markers
from .._index_url import normalize_index_url
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
from ._common import (
    InsecureHashError,
    check_marker,
    check_requires_python,
    check_wheel_name,
    entry_error,
    group_starts,
    local_build_system,
    sha256_of,
    typed,
    walk_groups,
)

LOCK_VERSION = 1
#: Revisions of lock version 1 (uv 0.13.9 writes 5); a newer one is read the same way, with a warning.
KNOWN_REVISIONS = (1, 2, 3, 4, 5)

SourceKind = Literal["registry", "git", "url", "path", "directory", "editable", "virtual"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("registry", "git", "url", "path", "directory", "editable", "virtual")
LOCAL_KINDS = frozenset({"directory", "editable", "virtual"})
_COMMIT = re.compile(r"[0-9a-f]{40}")


class UvLockError(Lock2NixError):
    """A uv.lock lock2nix cannot read."""


@dataclass(frozen=True)
class _Entry:
    """One ``[[package]]`` table with what every step needs of it."""

    raw: Mapping[str, Any]
    name: NormalizedName
    version: str
    kind: SourceKind
    location: str
    source: Mapping[str, Any]
    label: str
    line: int | None


@dataclass(frozen=True)
class _Context:
    file: str
    directory: Path
    allow_insecure_hashes: bool


def parse(name: str, text: str, *, directory: Path, allow_insecure_hashes: bool = False) -> Lock:
    data = load_toml(name, text)
    revision = _check_version(name, data)
    context = _Context(name, directory, allow_insecure_hashes)
    entries = _entries(name, text, data)
    locals_ = {e.name: e for e in entries if e.kind in LOCAL_KINDS}
    members = _member_names(name, data, entries)
    root_entry = next((e for e in entries if e.kind in ("editable", "virtual") and _is_here(e.location)), None)

    expand = _Virtual(context, [e for e in entries if e.kind == "virtual"])
    packages = [expand.package(_package(context, e)) for e in entries if e.kind != "virtual"]
    _check_unique(name, packages)
    packages = _fork_markers(context, packages, entries)

    pyproject, inputs = _read_pyproject(directory, name)
    root = _root(context, data, root_entry, pyproject, members, locals_)
    member_projects = tuple(
        expand.project(_project(context, locals_[m], pyproject=None))
        for m in sorted(members)
        if m in locals_ and (root_entry is None or m != root_entry.name)
    )
    root = expand.project(root) if root is not None else None
    packages = [p for p in packages if root_entry is None or p.name != root_entry.name]
    packages = walk_groups(packages, group_starts(root, member_projects))
    try:
        requires_python = check_requires_python(_string(data, "requires-python", name, "the lock"), "the lock")
    except Lock2NixError as exc:
        raise exc.at(file=name) from None
    return Lock(
        file=name,
        format="uv.lock",
        format_version=f"{LOCK_VERSION} (revision {revision})",
        packages=tuple(sorted(packages, key=lambda p: (p.name, _version_key(p.version)))),
        root=root,
        requires_python=requires_python,
        inputs=tuple(inputs),
        environments=tuple(_markers_list(data, "supported-markers", name)),
        members=member_projects,
    )


def _check_version(name: str, data: Mapping[str, Any]) -> int:
    version = data.get("version")
    if version is None:
        raise UvLockError("missing 'version'; is this a uv.lock?", file=name)
    if version != LOCK_VERSION:
        raise UvLockError(f"lock version {version!r} is not supported (supported: {LOCK_VERSION})", file=name)
    revision = data.get("revision", 1)
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise UvLockError(f"'revision' must be a positive integer, not {revision!r}", file=name)
    if revision > KNOWN_REVISIONS[-1]:
        warn(f"{name}: revision {revision} is newer than lock2nix knows (up to {KNOWN_REVISIONS[-1]}); read as such")
    return revision


def _line_of(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return None if at < 0 else text.count("\n", 0, at) + 1


def _entries(name: str, text: str, data: Mapping[str, Any]) -> list[_Entry]:
    # uv before 0.3 wrote [[distribution]] for what is now [[package]].
    raw_packages = data.get("package", data.get("distribution", []))
    if not isinstance(raw_packages, list):
        raise UvLockError("[[package]] must be an array of tables", file=name)
    return [_entry(name, text, raw, i) for i, raw in enumerate(raw_packages)]


def _entry(name: str, text: str, raw: Any, index: int) -> _Entry:
    if not isinstance(raw, Mapping):
        raise UvLockError(f"[[package]] #{index + 1} must be a table", file=name)
    raw_name = raw.get("name")
    if not isinstance(raw_name, str) or not raw_name:
        raise UvLockError(f"[[package]] #{index + 1}: 'name' must be a non-empty string", file=name)
    line = _line_of(text, f'name = "{raw_name}"')
    version = raw.get("version")
    label = f"package {raw_name!r}" + (f" ({version})" if isinstance(version, str) else "")
    source = raw.get("source")
    if not isinstance(source, Mapping) or len(source) < 1:
        raise UvLockError("'source' must be a table naming one source kind", file=name, entry=label, line=line)
    kinds = [k for k in SOURCE_KINDS if k in source]
    if len(kinds) != 1:
        found = ", ".join(sorted(source)) or "nothing"
        raise UvLockError(
            f"'source' must name exactly one of {', '.join(SOURCE_KINDS)} (found {found})",
            file=name, entry=label, line=line,
        )
    kind = kinds[0]
    location = source[kind]
    if not isinstance(location, str) or not location:
        raise UvLockError(f"source {kind!r} must be a non-empty string", file=name, entry=label, line=line)
    if version is None and kind in LOCAL_KINDS:
        version = "0"  # a source tree with a dynamic version: uv records none
    if not isinstance(version, str) or not version:
        raise UvLockError("'version' must be a non-empty string", file=name, entry=label, line=line)
    return _Entry(raw, canonicalize_name(raw_name), version, kind, location, source, label, line)


def _is_here(location: str) -> bool:
    return location.rstrip("/") in (".", "")


def _member_names(name: str, data: Mapping[str, Any], entries: Sequence[_Entry]) -> set[NormalizedName]:
    manifest = data.get("manifest", {})
    if not isinstance(manifest, Mapping):
        raise UvLockError("[manifest] must be a table", file=name)
    members = manifest.get("members")
    if members is None:
        return {e.name for e in entries if e.kind in ("editable", "virtual") and _is_here(e.location)}
    if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
        raise UvLockError("[manifest] members must be a list of names", file=name)
    return {canonicalize_name(m) for m in members}


# --- one package ---------------------------------------------------------------


def _package(context: _Context, entry: _Entry) -> Package:
    try:
        source = _source(context, entry)
        dependencies = _dependencies(entry.raw.get("dependencies", []), "dependencies")
        extras = _dependency_tables(entry.raw.get("optional-dependencies", {}), "optional-dependencies")
    except Lock2NixError as exc:
        raise entry_error(exc, context.file, entry.label, entry.line) from None
    return Package(
        name=entry.name,
        version=entry.version,
        source=source,
        dependencies=dependencies,
        extras={canonicalize_name(k): v for k, v in extras.items()},
        entry=entry.label,
    )


def _source(context: _Context, entry: _Entry) -> Source:
    kind, location = entry.kind, entry.location
    subdirectory = entry.source.get("subdirectory")
    if subdirectory is not None:
        typed(subdirectory, str, "source subdirectory")
    if kind == "registry":
        return _registry(context, entry)
    if kind == "git":
        return _git(location, subdirectory)
    if kind in ("url", "path"):
        return _archive(context, entry, subdirectory)
    path = location if not subdirectory else f"{location.rstrip('/')}/{subdirectory}"
    return DirectorySource(path=path, editable=kind == "editable")


def _registry(context: _Context, entry: _Entry) -> IndexSource:
    url = entry.location
    if not url.startswith(("https://", "http://")):
        raise UvLockError(
            f"registry {url!r} is a local directory (find-links); lock2nix reads index URLs only"
        )
    sdist_raw = entry.raw.get("sdist")
    sdist = _artifact(context, sdist_raw, "sdist", None) if sdist_raw is not None else None
    wheels = tuple(
        w for w in (
            _artifact(context, raw, f"wheels[{i}]", None)
            for i, raw in enumerate(typed(entry.raw.get("wheels", []), list, "'wheels'"))
        ) if w is not None
    )
    if sdist is None and not wheels:
        raise UvLockError("the lock records no usable file for this package")
    return IndexSource(
        url=normalize_index_url(url),
        sdist=sdist,
        wheels=tuple(sorted(wheels, key=lambda a: a.filename)),
    )


def _artifact(context: _Context, raw: Any, where: str, default_url: str | None) -> Artifact | None:
    """One recorded file; ``None`` when it has no usable hash and that is allowed."""
    table = typed(raw, dict, f"'{where}'")
    url = table.get("url", default_url)
    path = table.get("path")
    filename = table.get("filename")
    if filename is None:
        location = url if isinstance(url, str) else path
        if not isinstance(location, str) or not location:
            raise UvLockError(f"'{where}' needs a url, path or filename")
        filename = unquote(urlsplit(location).path.rsplit("/", 1)[-1])
    try:
        hashes = _hash(table.get("hash"), f"file {filename!r}")
    except InsecureHashError as exc:
        if not context.allow_insecure_hashes:
            raise
        warn(f"{context.file}: {exc.message.split(';')[0]}; left out (--allow-insecure-hashes)")
        return None
    size = table.get("size")
    upload_time = table.get("upload-time")
    typed(filename, str, f"'{where}' filename")
    # Every entry of `wheels` is one: the overlay reads its tags.
    if where.startswith("wheels"):
        check_wheel_name(filename, f"'{where}'")
    elif not filename:
        raise UvLockError(f"'{where}' names no file")
    return Artifact(
        filename=filename,
        hashes=hashes,
        url=url if isinstance(url, str) and url.startswith(("https://", "http://", "file://")) else None,
        size=typed(size, int, f"'{where}' size") if size is not None else None,
        upload_time=str(upload_time) if upload_time is not None else None,
    )


def _hash(raw: Any, what: str) -> dict[str, str]:
    if raw is None:
        return sha256_of({}, what)
    algorithm, sep, digest = typed(raw, str, f"hash of {what}").partition(":")
    if not sep:
        raise UvLockError(f"{what} has a malformed hash {raw!r} (expected 'sha256:<hex>')")
    return sha256_of({algorithm.lower(): digest}, what)


def _git(location: str, subdirectory: str | None) -> VcsSource:
    """``https://host/repo.git?tag=v1&subdirectory=x#<commit>``: the commit is in the fragment."""
    parts = urlsplit(location)
    commit = parts.fragment
    if not _COMMIT.fullmatch(commit):
        raise UvLockError(f"git source {location!r} has no commit in its fragment (#<40 hex digits>)")
    query = parse_qs(parts.query)
    requested = next((query[k][0] for k in ("tag", "branch", "rev") if k in query), None)
    subdirectory = subdirectory or next(iter(query.get("subdirectory", [])), None)
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))
    return VcsSource(url=url, commit_id=commit, requested_revision=requested, subdirectory=subdirectory)


def _archive(context: _Context, entry: _Entry, subdirectory: str | None) -> ArchiveSource:
    is_url = entry.kind == "url"
    default_url = entry.location if is_url else None
    files: list[Artifact | None] = []
    if entry.raw.get("sdist") is not None:
        table = dict(typed(entry.raw["sdist"], dict, "'sdist'"))
        table.setdefault("filename", _last_segment(entry.location))
        files.append(_artifact(context, table, "sdist", default_url))
    for i, raw in enumerate(typed(entry.raw.get("wheels", []), list, "'wheels'")):
        files.append(_artifact(context, raw, f"wheels[{i}]", default_url))
    usable = [f for f in files if f is not None]
    if len(usable) != 1:
        raise UvLockError(f"a {entry.kind} source needs exactly one hashed file (found {len(usable)})")
    artifact = dataclasses.replace(usable[0], url=None)
    if is_url:
        return ArchiveSource(artifact=artifact, url=entry.location, subdirectory=subdirectory)
    return ArchiveSource(artifact=artifact, path=entry.location, subdirectory=subdirectory)


def _last_segment(location: str) -> str:
    return unquote(urlsplit(location).path.rstrip("/").rsplit("/", 1)[-1])


def _dependencies(raw: Any, where: str) -> tuple[Dependency, ...]:
    items = typed(raw, list, f"'{where}'")
    return tuple(_dependency(item, f"{where}[{i}]") for i, item in enumerate(items))


def _dependency(raw: Any, where: str) -> Dependency:
    table = typed(raw, dict, where)
    name = typed(table.get("name"), str, f"{where} name")
    marker = table.get("marker")
    extras = table.get("extra", [])
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise UvLockError(f"{where} ({name}): 'extra' must be a list of strings")
    version = table.get("version")
    if version is not None:
        typed(version, str, f"{where} ({name}) version")
    return Dependency(
        name=canonicalize_name(name),
        marker=check_marker(typed(marker, str, f"{where} marker") if marker is not None else None, f"{where} ({name})"),
        extras=tuple(sorted({canonicalize_name(e) for e in extras})),
        # The version this edge takes, where the name is locked at several (a fork).
        specifier=f"=={version}" if version is not None else None,
    )


def _dependency_tables(raw: Any, where: str) -> dict[str, tuple[Dependency, ...]]:
    table = typed(raw, dict, f"[package.{where}]")
    return {str(k): _dependencies(v, f"{where}.{k}") for k, v in sorted(table.items())}


def _check_unique(name: str, packages: Sequence[Package]) -> None:
    seen: dict[str, Package] = {}
    for package in packages:
        if package.key in seen:
            raise UvLockError(
                f"{package.entry} is locked twice (from two sources); lock2nix keeps one source per version",
                file=name,
            )
        seen[package.key] = package


def _fork_markers(context: _Context, packages: list[Package], entries: Sequence[_Entry]) -> list[Package]:
    """A name locked at several versions: each version where its forks are (``resolution-markers``)."""
    versions: dict[str, int] = {}
    for package in packages:
        versions[package.name] = versions.get(package.name, 0) + 1
    forks = {(e.name, e.version): e for e in entries}
    out = []
    for package in packages:
        if versions[package.name] > 1:
            entry = forks[(package.name, package.version)]
            try:
                raw = _markers_of(entry.raw.get("resolution-markers", []), "resolution-markers")
            except Lock2NixError as exc:
                raise entry_error(exc, context.file, entry.label, entry.line) from None
            package = dataclasses.replace(package, marker=_markers.union(raw) if raw else None)
        out.append(package)
    return out


def _markers_of(raw: Any, where: str) -> list[str]:
    items = typed(raw, list, f"'{where}'")
    return [check_marker(typed(m, str, f"{where}[{i}]"), f"{where}[{i}]") or "" for i, m in enumerate(items)]


def _markers_list(data: Mapping[str, Any], key: str, file: str) -> list[str]:
    try:
        return _markers_of(data.get(key, []), key)
    except Lock2NixError as exc:
        raise exc.at(file=file) from None


class _Virtual:
    """Edges to a virtual member (a project that is not a package) go to its dependencies instead."""

    def __init__(self, context: _Context, virtual: Sequence[_Entry]) -> None:
        self.expansions: dict[str, tuple[Dependency, ...]] = {}
        for entry in virtual:
            try:
                self.expansions[entry.name] = _dependencies(entry.raw.get("dependencies", []), "dependencies")
            except Lock2NixError as exc:
                raise entry_error(exc, context.file, entry.label, entry.line) from None

    def deps(self, deps: tuple[Dependency, ...], depth: int = 0) -> tuple[Dependency, ...]:
        if not self.expansions:
            return deps
        out: list[Dependency] = []
        for dep in deps:
            inner = self.expansions.get(dep.name)
            if inner is None:
                out.append(dep)
            elif depth < 16:  # virtual members depending on each other in a cycle stop here
                out.extend(
                    dataclasses.replace(d, marker=_markers.intersection(dep.marker, d.marker))
                    for d in self.deps(inner, depth + 1)
                )
        return tuple(out)

    def package(self, package: Package) -> Package:
        if not self.expansions:
            return package
        extras = {k: self.deps(v) for k, v in package.extras.items()}
        return dataclasses.replace(package, dependencies=self.deps(package.dependencies), extras=extras)

    def project(self, project: RootProject) -> RootProject:
        if not self.expansions:
            return project
        return dataclasses.replace(
            project,
            groups={k: self.deps(v) for k, v in project.groups.items()},
            extras={k: self.deps(v) for k, v in project.extras.items()},
        )


# --- the root project and the workspace's members ---------------------------------


def _read_pyproject(directory: Path, name: str) -> tuple[Mapping[str, Any] | None, list[str]]:
    path = directory / "pyproject.toml"
    if not path.is_file():
        return None, [name]
    return load_toml(str(path), path.read_text(encoding="utf-8")), [name, str(path)]


def _root(
    context: _Context,
    data: Mapping[str, Any],
    entry: _Entry | None,
    pyproject: Mapping[str, Any] | None,
    members: set[NormalizedName],
    locals_: Mapping[NormalizedName, _Entry],
) -> RootProject | None:
    if entry is not None:
        return _project(context, entry, pyproject=pyproject)
    if not members and "manifest" not in data:
        return None
    # A workspace whose root is no project: it installs its members and the
    # manifest's dependency groups.
    manifest = data.get("manifest", {})
    groups: dict[str, tuple[Dependency, ...]] = {
        MAIN_GROUP: tuple(Dependency(name=m) for m in sorted(members) if m in locals_)
    }
    try:
        table = typed(manifest.get("dependency-groups", {}), dict, "[manifest.dependency-groups]")
        for group, requirements in sorted(table.items()):
            where = f"[manifest.dependency-groups] {group}"
            groups[str(group)] = tuple(_requirement(r, where) for r in typed(requirements, list, where))
    except Lock2NixError as exc:
        raise exc.at(file=context.file) from None
    name = context.directory.resolve().name or "workspace"
    return RootProject(
        name=canonicalize_name(name),
        version=None,
        groups=groups,
        is_package=False,
        default_groups=_default_groups(pyproject, groups),
    )


def _requirement(raw: Any, where: str) -> Dependency:
    table = typed(raw, dict, where)
    name = typed(table.get("name"), str, f"{where} name")
    marker = table.get("marker")
    extras = table.get("extras", [])
    return Dependency(
        name=canonicalize_name(name),
        marker=check_marker(marker if isinstance(marker, str) else None, f"{where} ({name})"),
        extras=tuple(sorted(canonicalize_name(e) for e in extras if isinstance(e, str))),
        specifier=table.get("specifier") if isinstance(table.get("specifier"), str) else None,
    )


def _project(context: _Context, entry: _Entry, *, pyproject: Mapping[str, Any] | None) -> RootProject:
    """A workspace member (the root, or another member) as a project."""
    try:
        main = _dependencies(entry.raw.get("dependencies", []), "dependencies")
        extras = _dependency_tables(entry.raw.get("optional-dependencies", {}), "optional-dependencies")
        # uv < 0.4.27 wrote [package.dev-dependencies]; both spellings are the groups.
        groups = _dependency_tables(entry.raw.get("dev-dependencies", {}), "dev-dependencies")
    except Lock2NixError as exc:
        raise entry_error(exc, context.file, entry.label, entry.line) from None
    directory = context.directory / entry.location
    member_pyproject = directory / "pyproject.toml"
    if pyproject is None and member_pyproject.is_file():
        pyproject = load_toml(str(member_pyproject), member_pyproject.read_text(encoding="utf-8"))
    all_groups = {MAIN_GROUP: main, **{k: v for k, v in groups.items() if k != MAIN_GROUP}}
    return RootProject(
        name=entry.name,
        version=entry.version,
        path=entry.location.rstrip("/") or ".",
        groups=all_groups,
        extras={canonicalize_name(k): v for k, v in extras.items()},
        requires_python=_requires_python(pyproject, str(member_pyproject)),
        build_system=local_build_system(directory) if entry.kind != "virtual" else None,
        is_package=entry.kind != "virtual",
        default_groups=_default_groups(pyproject, all_groups),
    )


def _requires_python(pyproject: Mapping[str, Any] | None, file: str) -> str | None:
    project = (pyproject or {}).get("project")
    value = project.get("requires-python") if isinstance(project, Mapping) else None
    try:
        return check_requires_python(value if isinstance(value, str) else None, "[project]")
    except Lock2NixError as exc:
        raise exc.at(file=file) from None


def _default_groups(pyproject: Mapping[str, Any] | None, groups: Mapping[str, Any]) -> tuple[str, ...]:
    """``[tool.uv] default-groups`` (``"all"`` or a list); uv's default is ``dev`` when it exists."""
    tool = (pyproject or {}).get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, Mapping) else {}
    value = uv.get("default-groups") if isinstance(uv, Mapping) else None
    if value == "all":
        return tuple(sorted(g for g in groups if g != MAIN_GROUP))
    if isinstance(value, list):
        return tuple(str(g) for g in value)
    return ("dev",) if "dev" in groups else ()


def _string(data: Mapping[str, Any], key: str, file: str, what: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise UvLockError(f"{what}: '{key}' must be a string", file=file)
    return value


def _version_key(version: str) -> Any:
    from packaging.version import InvalidVersion, Version

    try:
        return (0, Version(version), version)
    except InvalidVersion:
        return (1, version, version)

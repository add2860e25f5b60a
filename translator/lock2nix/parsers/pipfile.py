"""``Pipfile.lock`` (pipenv, every pipfile-spec seen in real repositories) → the lock model.

What a Pipfile.lock holds, by pipfile-spec:

* 1: ``version`` per package and nothing else: no hashes, so the locked files
  cannot be identified; refused with a message saying so.
* 2-5: ``hashes`` per package, ``_meta.host-environment-markers`` (the
  environment the lock was made on; informational here, since locked packages
  carry their own markers when they need any) and sources without names.
* 6: named sources with a per-package ``index``, ``markers``, ``extras``,
  custom categories beside ``default`` and ``develop``, and VCS, path and file
  entries.

A Pipfile.lock records versions, hashes and markers, but neither file names,
URLs nor dependency edges: packages from an index leave the parser with their
hashes only (``IndexSource.locked_hashes``) and resolution recovers their files
and, from each distribution's metadata, their dependencies
(``Lock.dependencies_from = "metadata"``).

Categories become groups: ``default`` is the runtime group ``main``,
``develop`` is ``dev``, a custom category keeps its name. Every entry of a
category belongs to its group, as ``pipenv sync`` installs them all. The
editable project itself (``-e .``: a ``path`` entry naming the lock's
directory) is the root project, read from the ``pyproject.toml``,
``setup.cfg`` and ``setup.py`` beside the lock when present; without one the
lock is an environment only (like Poetry's ``package-mode = false``).
"""

from __future__ import annotations

import dataclasses
import json
import posixpath
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import unquote, urlsplit

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import InvalidName, NormalizedName, canonicalize_name

from .. import _markers as markers
from .._digest import sha256
from .._index_url import PYPI_SIMPLE_URL, normalize_index_url
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
    Source,
    VcsSource,
)

FORMAT: Final = "Pipfile.lock"
#: The newest pipfile-spec this parser knows.
NEWEST_SPEC = 6
#: Category → group. Other categories keep their names.
GROUPS = {"default": MAIN_GROUP, "develop": "dev"}
#: Companion files the root project is read from, beside the lock.
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
# What pip and pypa/build assume for a project without [build-system] (PEP 517).
_FALLBACK_BUILD = BuildSystem(
    requires=("setuptools>=40.8.0",), backend="setuptools.build_meta:__legacy__", origin="setup.py"
)
_HEX40 = re.compile(r"[0-9a-f]{40}")
_HEX64 = re.compile(r"[0-9a-fA-F]{64}")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
# Marker variables pipenv also accepts as entry keys (``sys_platform = "== 'linux'"``).
_MARKER_KEYS = ("os_name", "sys_platform", "platform_machine", "platform_system",
                "platform_python_implementation", "implementation_name", "python_version", "python_full_version")


class PipfileLockError(Lock2NixError):
    """A Pipfile.lock lock2nix cannot read."""


def parse(name: str, text: str, *, directory: Path, allow_insecure_hashes: bool = False) -> Lock:
    """``allow_insecure_hashes``: an index package the lock records no sha256
    for takes the files of its version from the index (with a warning) instead
    of being refused."""
    data = _load_json(name, text)
    reader = _Reader(name, text, allow_insecure_hashes=allow_insecure_hashes)
    meta = data.get("_meta")
    if not isinstance(meta, Mapping):
        raise reader.error('no "_meta" object; is this a Pipfile.lock?')
    spec = meta.get("pipfile-spec")
    if spec is not None and (not isinstance(spec, int) or isinstance(spec, bool)):
        raise reader.error(f'"pipfile-spec" must be a number, not {spec!r}', entry="_meta", needle='"pipfile-spec"')
    if isinstance(spec, int) and spec > NEWEST_SPEC:
        raise reader.error(
            f"pipfile-spec {spec} is newer than lock2nix knows (1 to {NEWEST_SPEC}); "
            "update lock2nix or re-lock with an older pipenv",
            entry="_meta", needle='"pipfile-spec"',
        )
    sources = _sources(reader, meta.get("sources"))
    requires_python = _requires_python(reader, meta.get("requires"))

    written = [k for k in data if k != "_meta"]
    # default and develop first (pipenv's own order), then custom ones as written.
    categories = [k for k in GROUPS if k in written] + [k for k in written if k not in GROUPS]
    entries: list[_Entry] = []
    for category in categories:
        section = data[category]
        if not isinstance(section, Mapping):
            raise reader.error(f"category {category!r} must be an object of packages", needle=f'"{category}"')
        for key, raw in section.items():
            entries.append(_entry(reader, category, key, raw, sources, directory, spec))

    for index, unpinned in reader.from_index.items():
        warn(f"{name}: the lock records no sha256 for {_enumerate(unpinned)}; taking the files of these versions "
             f"from {index}, pinned by the sha256 the index lists (--allow-insecure-hashes)")
    root_entries = [e for e in entries if e.is_root]
    packages = _merge(reader, [e for e in entries if not e.is_root])
    inputs = [name]
    pipfile = directory / "Pipfile"
    if pipfile.is_file() and name != "-":
        inputs.append(str(pipfile))
        _check_pipfile_hash(reader, meta, pipfile)
    groups = [GROUPS.get(c, c) for c in categories]
    root = _root_project(reader, root_entries, entries, groups, directory, requires_python, inputs)
    return Lock(
        file=name,
        format=FORMAT,
        format_version=str(spec) if spec is not None else None,
        packages=tuple(sorted(packages, key=lambda p: (p.name, p.version))),
        root=root,
        inputs=tuple(inputs),
        dependencies_from="metadata",
    )


# --- reading ------------------------------------------------------------------


def _load_json(name: str, text: str) -> dict[str, Any]:
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise PipfileLockError(f"invalid JSON: {exc.msg} (column {exc.colno})", file=name, line=exc.lineno) from None
    except RecursionError:
        raise PipfileLockError("invalid JSON: nested too deeply", file=name) from None
    if not isinstance(data, dict):
        raise PipfileLockError("a Pipfile.lock must be a JSON object", file=name, line=1)
    if duplicates:
        key = duplicates[0]
        at = _line_of(text, f'"{key}"', last=True)
        raise PipfileLockError(
            f"key {key!r} appears twice in one object (a merge left behind?); re-lock", file=name, line=at
        )
    return data


def _line_of(text: str, needle: str, *, start: int = 0, last: bool = False) -> int | None:
    at = text.rfind(needle) if last else text.find(needle, start)
    return None if at < 0 else text.count("\n", 0, at) + 1


class _Reader:
    """File name and text, for errors that point at a line."""

    def __init__(self, file: str, text: str, *, allow_insecure_hashes: bool = False) -> None:
        self.file = file
        self.text = text
        self.allow_insecure_hashes = allow_insecure_hashes
        #: Entries without a sha256 whose files are taken from an index, by index.
        self.from_index: dict[str, list[str]] = {}

    def error(self, message: str, *, entry: str | None = None, needle: str | None = None,
              category: str | None = None) -> PipfileLockError:
        return PipfileLockError(message, file=self.file, entry=entry, line=self.line(needle, category))

    def line(self, needle: str | None, category: str | None = None) -> int | None:
        if needle is None:
            return None
        start = 0
        if category is not None:
            start = max(self.text.find(f'"{category}"'), 0)
        return _line_of(self.text, needle, start=start)


@dataclasses.dataclass(frozen=True)
class _IndexRef:
    name: str | None
    url: str


def _sources(reader: _Reader, raw: Any) -> list[_IndexRef]:
    if raw is None or raw == []:
        return [_IndexRef("pypi", PYPI_SIMPLE_URL)]
    if not isinstance(raw, list):
        raise reader.error('"_meta.sources" must be a list', entry="_meta", needle='"sources"')
    out = []
    for i, source in enumerate(raw):
        where = f"_meta.sources[{i}]"
        if not isinstance(source, Mapping) or not isinstance(source.get("url"), str) or not source["url"].strip():
            raise reader.error("every source needs a url", entry=where, needle='"sources"')
        url = source["url"].strip()
        if "${" in url or re.search(r"\$[A-Za-z_]", url):
            raise reader.error(
                f"source url {url!r} refers to environment variables, which pipenv expands when it installs; "
                "lock2nix writes URLs into the overlay and does not expand them (credentials would leak): "
                "use a URL without them",
                entry=where, needle=url,
            )
        if not url.startswith(("https://", "http://", "file://")):
            raise reader.error(f"source url {url!r} is not an http(s) URL", entry=where, needle=url)
        name = source.get("name")
        if name is not None and not isinstance(name, str):
            raise reader.error("a source's name must be a string", entry=where, needle='"sources"')
        out.append(_IndexRef(name, normalize_index_url(url)))
    return out


def _requires_python(reader: _Reader, raw: Any) -> str | None:
    """``_meta.requires`` as a PEP 440 specifier for the project's interpreter."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise reader.error('"_meta.requires" must be an object', entry="_meta", needle='"requires"')
    full = raw.get("python_full_version")
    short = raw.get("python_version")
    for key, value, spec in (("python_full_version", full, "=={}"), ("python_version", short, "=={}.*")):
        if value is None:
            continue
        if not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)*", value.strip()):
            raise reader.error(f"{key} must be a version such as \"3.11\", not {value!r}",
                               entry="_meta.requires", needle=f'"{key}"')
        return spec.format(value.strip())
    return None


# --- entries ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Entry:
    category: str
    key: str
    name: NormalizedName
    version: str
    source: Source | None  # None for the root project
    marker: str | None
    extras: tuple[str, ...]
    entry: str
    needle: str

    @property
    def is_root(self) -> bool:
        return self.source is None

    @property
    def group(self) -> str:
        return GROUPS.get(self.category, self.category)


def _entry(
    reader: _Reader, category: str, key: str, raw: Any, sources: list[_IndexRef], directory: Path,
    spec: int | None,
) -> _Entry:
    needle = f'"{key}"'
    where = f"package {key!r} in {category!r}"

    def fail(message: str) -> PipfileLockError:
        return reader.error(message, entry=where, needle=needle, category=category)

    if not isinstance(raw, Mapping):
        raise fail("must be an object")
    try:
        name = canonicalize_name(key, validate=True)
    except InvalidName:
        raise fail("is not a valid project name") from None
    marker = _marker(raw, fail)
    extras = raw.get("extras", [])
    if not isinstance(extras, list) or not all(isinstance(e, str) for e in extras):
        raise fail('"extras" must be a list of names')
    extras_t = tuple(sorted({canonicalize_name(e) for e in extras}))

    version = raw.get("version")
    if version is not None and (not isinstance(version, str) or not version.strip()):
        raise fail('"version" must be a string such as "==1.0"')
    exact = _exact_version(version, fail) if version is not None else None
    for vcs in ("hg", "svn", "bzr"):
        if vcs in raw:
            raise fail(f"{vcs} sources are not supported (git, path, file and index entries are)")

    if "git" in raw:
        source: Source | None = _git(raw, fail)
        label = exact or "git"
    elif "path" in raw:
        source = _path(raw, directory, fail)
        label = exact or "path"
    elif "file" in raw:
        source = _file(raw, directory, fail)
        label = exact or "file"
    else:
        if exact is None:
            raise fail('has no "version" (and no git, path or file source)')
        label = exact
        source = _index(reader, raw, sources, exact, spec, fail, f"package {key!r} ({label}, {category})")
    entry = f"package {key!r} ({label}, {category})"
    return _Entry(
        category=category,
        key=key,
        name=name,
        version=exact or "0",
        source=source,
        marker=marker,
        extras=extras_t,
        entry=entry,
        needle=needle,
    )


def _marker(raw: Mapping[str, Any], fail: Any) -> str | None:
    parts = []
    value = raw.get("markers")
    if value is not None:
        if not isinstance(value, str):
            raise fail('"markers" must be a string')
        if value.strip():
            parts.append(value.strip())
    # pipenv also takes marker variables as keys: sys_platform = "== 'linux'".
    for variable in _MARKER_KEYS:
        if variable not in raw:
            continue
        condition = raw[variable]
        if not isinstance(condition, str) or condition.strip()[:1] not in ("=", "!", "<", ">", "~"):
            raise fail(f'"{variable}" must be a comparison such as "== \'linux\'"')
        parts.append(f"{variable} {condition.strip()}")
    if not parts:
        return None
    marker = parts[0] if len(parts) == 1 else " and ".join(f"({p})" for p in parts)
    try:
        markers.parse(marker)
    except Lock2NixError as exc:
        # packaging points at the fault on further lines; one line is kept.
        raise fail(exc.message.splitlines()[0]) from None
    return marker


def _exact_version(version: str, fail: Any) -> str:
    text = version.strip()
    match = re.fullmatch(r"(===?)\s*(\S+)", text)
    if not match or "*" in match.group(2):
        raise fail(f"version {version!r} is not an exact pin (==X)")
    return match.group(2)


_ALLOW_HINT = (
    "re-lock with a current pipenv (`pipenv lock`) to record them, or pass --allow-insecure-hashes to take "
    "the files of this version from the index, pinned by the sha256 it lists"
)


def _hashes(
    raw: Mapping[str, Any], fail: Any, *, required: bool, spec: int | None, allow_insecure: bool = False
) -> tuple[str, ...]:
    """The entry's sha256 digests (hex). A required entry without any is
    refused; with ``allow_insecure`` md5 digests are dropped instead of refused
    (the caller decides what an entry left without any means)."""
    values = raw.get("hashes")
    if values is None and isinstance(raw.get("hash"), str):
        values = [raw["hash"]]  # the earliest locks wrote one "hash"
    if values is None or values == []:
        if not required or allow_insecure:
            return ()
        old = f" (pipfile-spec {spec} locks record versions only)" if spec is not None and spec < 2 else ""
        raise fail(f"the lock records no hashes{old}, so the locked files cannot be identified on the index "
                   f"nor pinned; {_ALLOW_HINT}")
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise fail('"hashes" must be a list of "sha256:<hex>" strings')
    out: list[str] = []
    for value in values:
        algo, sep, digest = value.partition(":")
        if not sep:
            raise fail(f"hash {value!r} has no algorithm (expected 'sha256:<hex>')")
        if algo.lower() == "md5":
            if allow_insecure:
                continue
            raise fail(f"hash {value!r} is md5, which cannot pin a download; {_ALLOW_HINT}")
        if algo.lower() != "sha256" or not _HEX64.fullmatch(digest):
            raise fail(f"hash {value!r} is not a sha256 (expected 'sha256:<64 hex digits>')")
        out.append(digest.lower())
    return tuple(sorted(set(out)))


def _index(
    reader: _Reader, raw: Mapping[str, Any], sources: list[_IndexRef], version: str, spec: int | None,
    fail: Any, entry: str,
) -> IndexSource:
    hashes = _hashes(raw, fail, required=True, spec=spec, allow_insecure=reader.allow_insecure_hashes)
    index = raw.get("index")
    if index is not None:
        if not isinstance(index, str):
            raise fail('"index" must be a source name')
        named = [s for s in sources if s.name == index]
        if not named:
            known = ", ".join(repr(s.name) for s in sources if s.name) or "none named"
            raise fail(f"index {index!r} is not a source of this lock (its sources: {known})")
        candidates = named[:1]
    else:
        # No index: pipenv installs from the first source, the others being
        # extra indexes pip also searches.
        candidates = sources
    first, *rest = candidates
    fallbacks = tuple((s.name, s.url) for s in rest)
    if not hashes:
        # Only with --allow-insecure-hashes (else _hashes refused the entry).
        reader.from_index.setdefault(_label(first), []).append(entry)
        return IndexSource(url=first.url, name=first.name, fallbacks=fallbacks, version_only=True)
    return IndexSource(url=first.url, name=first.name, locked_hashes=hashes, fallbacks=fallbacks)


def _enumerate(entries: list[str]) -> str:
    return entries[0] if len(entries) == 1 else f"{len(entries)} packages: {', '.join(entries)}"


def _label(source: _IndexRef) -> str:
    return f"index {source.name!r} ({source.url})" if source.name else source.url


def _git(raw: Mapping[str, Any], fail: Any) -> VcsSource:
    url = raw.get("git")
    if not isinstance(url, str) or not url.strip():
        raise fail('"git" must be a repository URL')
    url = url.strip()
    url = url.removeprefix("git+")
    url = url.split("#", 1)[0]
    ref = raw.get("ref")
    if not isinstance(ref, str) or not ref.strip():
        raise fail('git entry has no "ref"; re-lock with a current pipenv to pin the commit')
    ref = ref.strip()
    subdirectory = raw.get("subdirectory")
    if subdirectory is not None and (not isinstance(subdirectory, str) or not subdirectory.strip()):
        raise fail('"subdirectory" must be a path')
    # A branch or tag (old pipenv recorded what the Pipfile said): resolution
    # asks the repository which commit it names.
    commit = ref if _HEX40.fullmatch(ref) else None
    return VcsSource(
        url=url, commit_id=commit, requested_revision=ref, subdirectory=_clean_relative(subdirectory, fail)
    )


def _clean_relative(path: str | None, fail: Any) -> str | None:
    if path is None:
        return None
    clean = posixpath.normpath(path.strip().replace("\\", "/"))
    if clean == ".." or clean.startswith(("../", "/")):
        raise fail(f"subdirectory {path!r} leaves the repository")
    return None if clean == "." else clean


def _path(raw: Mapping[str, Any], directory: Path, fail: Any) -> Source | None:
    """A ``path`` entry: the project itself (None), a directory, or a local archive."""
    value = raw.get("path")
    if not isinstance(value, str) or not value.strip():
        raise fail('"path" must be a path')
    path = value.strip().replace("\\", "/")
    if path.startswith("file://"):
        try:
            path = unquote(urlsplit(path).path)
        except ValueError as exc:  # "Invalid IPv6 URL" and the like
            raise fail(f"invalid URL {path!r} ({exc})") from None
    norm = posixpath.normpath(path)
    if norm == "." and not raw.get("subdirectory"):
        return None  # the project itself
    if norm.endswith(_ARCHIVE_SUFFIXES):
        return _local_archive(raw, norm, directory, fail)
    return DirectorySource(path=norm, editable=bool(raw.get("editable", False)))


def _local_archive(raw: Mapping[str, Any], path: str, directory: Path, fail: Any) -> ArchiveSource:
    filename = posixpath.basename(path)
    hashes = _hashes(raw, fail, required=False, spec=None)
    if not hashes:
        local = directory / path
        try:
            import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

            digest = hashlib.sha256(local.read_bytes()).hexdigest()
        except OSError:
            raise fail(f"the lock records no hash for {path!r} and the file is not there to hash") from None
        hashes = (digest,)
    return ArchiveSource(artifact=Artifact(filename=filename, hashes={"sha256": hashes[0]}), path=path)


def _file(raw: Mapping[str, Any], directory: Path, fail: Any) -> Source | None:
    value = raw.get("file")
    if not isinstance(value, str) or not value.strip():
        raise fail('"file" must be a URL or path')
    url = value.strip()
    if url.startswith("file://") or "://" not in url:
        return _path({**raw, "path": url}, directory, fail)
    if not url.startswith(("https://", "http://")):
        raise fail(f"file URL {url!r} is not http(s)")
    url = url.split("#", 1)[0]
    try:
        filename = unquote(posixpath.basename(urlsplit(url).path)) or "source"
    except ValueError as exc:  # "Invalid IPv6 URL" and the like
        raise fail(f"invalid URL {url!r} ({exc})") from None
    hashes = _hashes(raw, fail, required=False, spec=None)
    # Without a hash the lock does not pin the file; resolution downloads it
    # once and pins what it got (empty hashes mark that).
    artifact = Artifact(filename=filename, hashes={"sha256": hashes[0]} if hashes else {})
    subdirectory = raw.get("subdirectory")
    return ArchiveSource(
        artifact=artifact,
        url=url,
        subdirectory=_clean_relative(subdirectory if isinstance(subdirectory, str) else None, fail),
    )


# --- packages -----------------------------------------------------------------


def _merge(reader: _Reader, entries: list[_Entry]) -> list[Package]:
    """One package per name: a name in several categories is one installation."""
    by_name: dict[NormalizedName, list[_Entry]] = {}
    for e in entries:
        by_name.setdefault(e.name, []).append(e)
    packages = []
    for name, group in by_name.items():
        first = group[0]
        assert first.source is not None  # the root project's entries are not merged
        same = [e for e in group if e.version == first.version and e.source == first.source]
        for other in group:
            if other not in same:
                warn(
                    f"{reader.file}: {other.entry}: {name} is also locked as {first.entry}; one package set "
                    f"holds one version of a name, so the one in {first.category!r} is used"
                )
        packages.append(
            Package(
                name=name,
                version=first.version,
                source=first.source,
                groups=frozenset(e.group for e in same),
                marker=markers.union([e.marker for e in same]),
                entry=first.entry,
            )
        )
    return packages


# --- the Pipfile beside the lock ---------------------------------------------------


def pipfile_hash(pipfile: Mapping[str, Any]) -> str:
    """The digest pipenv records as ``_meta.hash.sha256`` for a Pipfile's content.

    pipenv hashes the canonical JSON (sorted keys, no spaces) of the Pipfile's
    sources and requirements and of its package categories, ``[packages]`` as
    ``default`` and ``[dev-packages]`` as ``develop``.
    """
    data: dict[str, Any] = {
        "_meta": {"sources": pipfile.get("source", []), "requires": pipfile.get("requires", {})},
        "default": pipfile.get("packages", {}),
        "develop": pipfile.get("dev-packages", {}),
    }
    data.update(  # custom categories
        (key, value)
        for key, value in pipfile.items()
        if key not in ("source", "requires", "packages", "dev-packages", "pipenv", "scripts")
    )
    text = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return sha256(text.encode("utf-8")).hexdigest()


def _check_pipfile_hash(reader: _Reader, meta: Mapping[str, Any], pipfile: Path) -> None:
    """Warn when the lock was not made from the Pipfile beside it (a stale lock)."""
    recorded = meta.get("hash", {}).get("sha256") if isinstance(meta.get("hash"), Mapping) else None
    if not isinstance(recorded, str):
        return
    try:
        data = load_toml(str(pipfile), pipfile.read_text(encoding="utf-8"))
    except (Lock2NixError, OSError, UnicodeDecodeError) as exc:
        warn(f"{pipfile}: cannot read it ({exc}); not checked against {reader.file}")
        return
    if pipfile_hash(data) != recorded:
        warn(
            f"{reader.file} is out of date with {pipfile} (its _meta.hash does not match); "
            "translating the lock as it is: run `pipenv lock` to bring it up to date"
        )


# --- the root project ---------------------------------------------------------


def _root_project(
    reader: _Reader,
    root_entries: list[_Entry],
    entries: list[_Entry],
    group_names: list[str],
    directory: Path,
    requires_python: str | None,
    inputs: list[str],
) -> RootProject:
    # Every category is a group, an empty one too (devEnv names it).
    groups: dict[str, list[Dependency]] = {g: [] for g in group_names}
    for e in entries:
        deps = groups.setdefault(e.group, [])
        if not e.is_root:
            deps.append(Dependency(name=e.name, marker=e.marker, extras=e.extras))
    groups.setdefault(MAIN_GROUP, [])
    frozen = {
        g: tuple(sorted(set(d), key=lambda d: (d.name, d.marker or "", d.extras))) for g, d in sorted(groups.items())
    }
    if not root_entries:
        return RootProject(
            name=_directory_name(directory),
            version=None,
            groups=frozen,
            requires_python=requires_python,
            is_package=False,
        )
    key = root_entries[0].name
    project = _read_project(reader, directory, inputs)
    return RootProject(
        name=project.get("name") or key,
        version=project.get("version"),
        groups=frozen,
        requires_python=project.get("requires-python") or requires_python,
        build_system=project.get("build-system") or _FALLBACK_BUILD,
    )


def _directory_name(directory: Path) -> NormalizedName:
    name = directory.resolve().name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return canonicalize_name(cleaned or "project")


def _read_project(reader: _Reader, directory: Path, inputs: list[str]) -> dict[str, Any]:
    """Name, version, requires-python and build system of the project beside the lock."""
    out: dict[str, Any] = {}
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        inputs.append(str(pyproject))
        data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
        project = data["project"] if isinstance(data.get("project"), Mapping) else {}
        if isinstance(project.get("name"), str):
            out["name"] = canonicalize_name(project["name"])
        if isinstance(project.get("version"), str):
            out["version"] = project["version"]
        if isinstance(project.get("requires-python"), str):
            try:
                out["requires-python"] = str(SpecifierSet(project["requires-python"])) or None
            except InvalidSpecifier as exc:
                raise PipfileLockError(f"[project] requires-python: {exc}", file=str(pyproject)) from None
        build = data.get("build-system")
        if isinstance(build, Mapping):
            requires = build.get("requires", [])
            if not isinstance(requires, list) or not all(isinstance(r, str) for r in requires):
                raise PipfileLockError("[build-system] requires must be a list of strings", file=str(pyproject))
            backend = build.get("build-backend")
            out["build-system"] = BuildSystem(
                requires=tuple(requires),
                backend=backend if isinstance(backend, str) else None,
                origin="pyproject.toml",
            )
    setup_cfg = directory / "setup.cfg"
    if setup_cfg.is_file() and ("name" not in out or "version" not in out):
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(setup_cfg.read_text(encoding="utf-8"), source=str(setup_cfg))
        except (configparser.Error, UnicodeDecodeError) as exc:
            raise PipfileLockError(f"cannot read setup.cfg: {exc}", file=str(setup_cfg)) from None
        inputs.append(str(setup_cfg))
        if parser.has_option("metadata", "name") and "name" not in out:
            out["name"] = canonicalize_name(parser.get("metadata", "name").strip())
        version = parser.get("metadata", "version", fallback="").strip()
        if version and "version" not in out and not version.startswith(("attr:", "file:")):
            out["version"] = version
    return out


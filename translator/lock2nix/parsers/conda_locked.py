"""conda's locked forms → the lock model: ``conda-lock.yml`` and ``@EXPLICIT`` files.

Both list conda's solved environment package by package, at exact versions:

* ``conda-lock.yml`` (conda-lock's unified lock, format version 1): one entry
  per package and platform (conda subdir: ``linux-64``, ``osx-arm64``, ...),
  installed by conda (``manager: conda``) or by pip (``manager: pip``, with
  the wheel or sdist URL, its sha256 and its dependencies). Validated with
  ``schemas/conda-lock.schema.json``.
* ``@EXPLICIT`` files (``conda list --explicit``, ``conda-lock render``): one
  platform, a conda package URL a line, optionally ``#<md5>`` or
  ``#sha256:<hex>``. They hold no pip packages.

The translation:

* Platforms: each Nix system takes the entries of its conda platform
  (``linux-64`` → ``x86_64-linux``, ``osx-arm64`` → ``aarch64-darwin``, ...).
  A member present on every platform of the lock at the same version is one
  member; otherwise each version is a member carrying the Nix systems it is
  for, and the environment picks them when Nix evaluates. Platforms Nix does
  not build for (``win-64``) are left out with a warning.
* conda's Python packages (mapped to their PyPI names through the curated
  tables, :mod:`lock2nix.conda_names`) are built from PyPI's files of the
  exact release locked, found through the index client and pinned to the
  sha256 it lists; their dependency edges are the ones conda recorded
  (conda-lock.yml) mapped to PyPI names, or read from each release's
  metadata (@EXPLICIT). A release PyPI does not list is nixpkgs' package,
  checked at evaluation time, with a warning.
* Other conda packages are not fetched: tools map to nixpkgs' top level,
  checked against the version locked (a difference is a warning unless
  ``conda-versions = "error"``). The ``python`` package selects the
  interpreter by its minor version. Native libraries and runtimes
  (``library`` in the tables, and conda-only packages with nothing to
  install) are left to nixpkgs' own closure and named in one comment. Their
  md5/sha256 are not used: a conda package is never downloaded.
* pip packages become locked packages: the files conda-lock recorded (the
  union over platforms when the version is the same), pinned to its sha256,
  with the dependency edges it recorded; a dependency the lock does not hold
  comes from nixpkgs.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import unquote, urlsplit

from .. import conda_names
from .._index_url import PYPI_SIMPLE_URL
from .._warnings import warn
from ..conda_names import Constraint
from ..errors import Lock2NixError
from ..model import (
    MAIN_GROUP,
    Artifact,
    Dependency,
    Environment,
    EnvironmentMember,
    IndexSource,
    Lock,
    NixpkgsSource,
    Package,
)
from ._conda import Reader, both, directory_name, entry_name, load_yaml

if TYPE_CHECKING:
    from ..formats import Format

CONDA_LOCK: Final = "conda-lock.yml"
EXPLICIT: Final = "@EXPLICIT"

#: conda subdir → Nix system. Other subdirs (win-*, emscripten-*, ...) are not
#: systems Nix builds for.
SYSTEMS = {
    "linux-64": "x86_64-linux",
    "linux-aarch64": "aarch64-linux",
    "linux-ppc64le": "powerpc64le-linux",
    "linux-s390x": "s390x-linux",
    "linux-armv7l": "armv7l-linux",
    "linux-32": "i686-linux",
    "linux-riscv64": "riscv64-linux",
    "osx-64": "x86_64-darwin",
    "osx-arm64": "aarch64-darwin",
}
#: Nix system → the PEP 508 marker that holds on it (nix/prelude.nix computes
#: sys_platform and platform_machine from the host platform the same way).
_SYSTEM_MARKERS = {
    "x86_64-linux": ("linux", "x86_64"),
    "aarch64-linux": ("linux", "aarch64"),
    "powerpc64le-linux": ("linux", "ppc64le"),
    "s390x-linux": ("linux", "s390x"),
    "armv7l-linux": ("linux", "armv7l"),
    "i686-linux": ("linux", "i686"),
    "riscv64-linux": ("linux", "riscv64"),
    "x86_64-darwin": ("darwin", "x86_64"),
    "aarch64-darwin": ("darwin", "arm64"),
}
#: Categories ``conda-lock install`` installs by default.
_INSTALLED_CATEGORIES = ("main", "dev")
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")
_VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._+!*-]*$")
_CONDA_ARCHIVE = re.compile(r"^(?P<name>.+)-(?P<version>[^-]+)-(?P<build>[^-]+)\.(?:conda|tar\.bz2)$")
_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")


class CondaLockError(Lock2NixError):
    """A conda-lock.yml or @EXPLICIT file lock2nix cannot read."""


@dataclasses.dataclass(frozen=True)
class _Entry:
    """One package of the lock for one platform."""

    name: str
    version: str
    manager: Literal["conda", "pip"]
    platform: str | None  # conda subdir; None: the file does not say (an @EXPLICIT list of noarch URLs)
    url: str
    sha256: str | None
    dependencies: tuple[tuple[str, str], ...]
    entry: str  # package[12] / line 23
    line: int | None


# --- conda-lock.yml -----------------------------------------------------------------


def parse_conda_lock(name: str, text: str, *, directory: Path, allow_insecure_hashes: bool = False) -> Lock:
    data, lines = load_yaml(name, text, CondaLockError)
    reader = Reader(name, lines, CondaLockError)
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a YAML {type(data).__name__}"
        raise CondaLockError(f"a conda-lock file is a mapping (version, metadata, package); this one is {kind}",
                             file=name, line=1 if data is not None else None)
    unsupported = f"lock file version {data.get('version')!r} is not supported (lock2nix reads version 1)"
    reader.validate(data, "conda-lock.schema.json", {("version",): unsupported})
    platforms = list(dict.fromkeys(data["metadata"]["platforms"]))
    entries: list[_Entry] = []
    left_out: list[str] = []
    seen: dict[tuple[str, str, str], str] = {}
    for i, raw in enumerate(data["package"]):
        path = ("package", i)
        where = entry_name(path)
        if raw["platform"] not in platforms:
            raise reader.error(f"{raw['name']} is locked for platform {raw['platform']!r}, which metadata.platforms "
                               f"does not list ({', '.join(platforms)})", path)
        key = (conda_names.normalize(raw["name"]) if raw["manager"] == "pip" else raw["name"].lower(),
               raw["platform"], raw["manager"])
        if key in seen:
            raise reader.error(f"{raw['name']} is locked twice for {raw['platform']} (also {seen[key]})", path)
        seen[key] = where
        categories = raw.get("categories") or [raw.get("category") or "main"]
        if raw.get("optional") and not set(categories) & set(_INSTALLED_CATEGORIES):
            left_out.append(f"{raw['name']} {raw['version']} ({', '.join(categories)})")
            continue
        if not _VERSION.match(raw["version"]):
            raise reader.error(f"{raw['version']!r} is not a version", (*path, "version"))
        hashes = raw["hash"]
        sha256 = (hashes.get("sha256") or "").lower() or None
        if sha256 is not None and not _HEX64.fullmatch(sha256):
            raise reader.error(f"hash.sha256 {hashes.get('sha256')!r} is not 64 hex digits", (*path, "hash"))
        dependencies = []
        for dep, spec in (raw.get("dependencies") or {}).items():
            dependencies.append((str(dep), str(spec or "")))
        entries.append(
            _Entry(
                name=raw["name"], version=raw["version"], manager=raw["manager"], platform=raw["platform"],
                url=raw["url"], sha256=sha256, dependencies=tuple(dependencies), entry=where,
                line=reader.line(path),
            )
        )
    channels = tuple(c["url"] for c in data["metadata"].get("channels") or ())
    notes = []
    if left_out:
        notes.append("Optional categories conda-lock install leaves out unless asked (-e), not installed: "
                     + ", ".join(left_out))
    return _Builder(name, CONDA_LOCK, directory, platforms, allow_insecure_hashes).build(entries, channels, notes)


# --- @EXPLICIT ------------------------------------------------------------------------


def parse_explicit(name: str, text: str, *, directory: Path) -> Lock:
    platform: str | None = None
    explicit = False
    entries: list[_Entry] = []
    subdirs: list[str] = []
    channels: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            match = re.fullmatch(r"#\s*platform:\s*(\S+)\s*", line)
            if match:
                platform = match.group(1)
            continue
        if line == "@EXPLICIT":
            if explicit:
                raise CondaLockError("@EXPLICIT appears twice", file=name, line=number)
            explicit = True
            continue
        if not explicit:
            raise CondaLockError(f"{_short(line)!r} before the @EXPLICIT line: an @EXPLICIT file starts with "
                                 "comments and @EXPLICIT, then a package URL a line", file=name, line=number)
        entry = _explicit_line(name, number, line)
        key = entry.name.lower()
        if key in seen:
            raise CondaLockError(f"{entry.name} is listed twice (also line {seen[key]})", file=name, line=number)
        seen[key] = number
        subdir, channel = _subdir_and_channel(entry.url)
        if subdir and subdir != "noarch" and subdir not in subdirs:
            subdirs.append(subdir)
        if channel and channel not in channels:
            channels.append(channel)
        entries.append(entry)
    if not explicit:
        raise CondaLockError("no @EXPLICIT line: not an explicit conda package list", file=name)
    if not entries:
        raise CondaLockError("no package URL after @EXPLICIT: nothing to translate", file=name)
    platform = _explicit_platform(name, platform, subdirs, entries)
    entries = [dataclasses.replace(e, platform=platform) for e in entries]
    platforms = [platform] if platform is not None else []
    notes = [("An @EXPLICIT list names conda package files; their #md5 is not a hash Nix can pin a download with, "
              "and none is needed: no conda package is downloaded, each is mapped to nixpkgs' package instead.")]
    return _Builder(name, EXPLICIT, Path(directory), platforms, False).build(entries, tuple(channels), notes)


def _explicit_platform(file: str, written: str | None, subdirs: list[str], entries: list[_Entry]) -> str | None:
    """The platform of an @EXPLICIT list: its ``# platform:`` line, else its URLs' one subdir (noarch: None)."""
    if written is None and len(subdirs) == 1:
        return subdirs[0]
    if written is None and len(subdirs) > 1:
        raise CondaLockError(f"its URLs are for several platforms ({', '.join(subdirs)}) and no '# platform:' line "
                             "says which one it is for", file=file)
    if written is not None and any(s != written for s in subdirs):
        other = next(s for s in subdirs if s != written)
        line = next(e.line for e in entries if _subdir_and_channel(e.url)[0] == other)
        raise CondaLockError(f"a package for {other} in a list for platform {written}", file=file, line=line)
    return written


def _explicit_line(file: str, number: int, line: str) -> _Entry:
    url, _, fragment = line.partition("#")
    url = url.strip()
    fragment = fragment.strip()
    if not re.match(r"[a-z][a-z0-9+.-]*://", url):
        hint = (" (pip packages are not part of an @EXPLICIT list)"
                if re.match(r"(pip\b|-e\s|--|[A-Za-z0-9._-]+\s*(==|>=|@))", line) else "")
        raise CondaLockError(f"{_short(line)!r} is not a conda package URL{hint}", file=file, line=number)
    sha256 = None
    if fragment.startswith("sha256:"):
        sha256 = fragment[len("sha256:"):].lower()
        if not _HEX64.fullmatch(sha256):
            raise CondaLockError(f"#sha256: {fragment[7:]!r} is not 64 hex digits", file=file, line=number)
    elif fragment and not _HEX32.fullmatch(fragment.lower()):
        raise CondaLockError(f"#{_short(fragment)} is neither an md5 (32 hex digits) nor sha256:<64 hex digits>",
                             file=file, line=number)
    try:
        filename = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    except ValueError as exc:  # urlsplit: "Invalid IPv6 URL", ...
        raise CondaLockError(f"{_short(url)!r} is not a URL: {exc}", file=file, line=number) from None
    match = _CONDA_ARCHIVE.match(filename)
    if match is None:
        raise CondaLockError(f"{filename or url!r} is not a conda package file (name-version-build.conda or "
                             ".tar.bz2)", file=file, line=number)
    version = match.group("version")
    if not _VERSION.match(version):
        raise CondaLockError(f"{filename!r}: {version!r} is not a version", file=file, line=number)
    return _Entry(name=match.group("name"), version=version, manager="conda", platform=None, url=url,
                  sha256=sha256, dependencies=(), entry=f"line {number}", line=number)


def _subdir_and_channel(url: str) -> tuple[str | None, str | None]:
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 2:
        return None, None
    subdir = segments[-2]
    base = segments[:-2]
    if parts.netloc in ("conda.anaconda.org", "repo.anaconda.com") and base:
        channel = "/".join(base) if parts.netloc == "conda.anaconda.org" else "defaults"
    else:
        channel = parts._replace(path="/" + "/".join(base), query="", fragment="").geturl()
    return subdir, channel


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- the model ------------------------------------------------------------------------


class _Builder:
    """The lock model of one conda lock's entries (all platforms)."""

    def __init__(
        self, file: str, fmt: Format, directory: Path, platforms: list[str], allow_insecure_hashes: bool
    ) -> None:
        self.file = file
        self.format = fmt
        self.directory = directory
        self.allow_insecure_hashes = allow_insecure_hashes
        self.warnings: list[str] = []
        #: Names pip packages depend on, with the packages that do.
        self.wanted: dict[str, list[str]] = {}
        self.platforms = platforms
        self.systems = [SYSTEMS[p] for p in platforms if p in SYSTEMS]
        self.skipped_platforms = [p for p in platforms if p not in SYSTEMS]
        #: The environment's members, with the position of their first entry in the lock.
        self.members: list[tuple[int, EnvironmentMember]] = []
        self.packages: list[Package] = []

    def error(self, message: str, entry: _Entry) -> CondaLockError:
        return CondaLockError(message, file=self.file, entry=None if self.format == EXPLICIT else entry.entry,
                              line=entry.line)

    def warn(self, message: str, entry: _Entry | None = None) -> None:
        if entry is None:
            self.warnings.append(f"{self.file}: {message}")
        elif self.format == EXPLICIT:
            self.warnings.append(f"{self.file}:{entry.line}: {message}")
        else:
            self.warnings.append(f"{self.file}:{entry.line}: {entry.entry}: {message}")

    def system(self, entry: _Entry) -> str | None:
        return SYSTEMS.get(entry.platform) if entry.platform is not None else None

    def build(self, entries: list[_Entry], channels: tuple[str, ...], notes: list[str]) -> Lock:
        if self.platforms and not self.systems:
            raise CondaLockError(f"locked only for {', '.join(self.platforms)}, which Nix does not build for "
                                 f"(lock2nix maps {', '.join(SYSTEMS)})", file=self.file)
        if self.skipped_platforms:
            self.warn(f"platform(s) {', '.join(self.skipped_platforms)} are not systems Nix builds for; their entries "
                      "are left out")
            entries = [e for e in entries if e.platform is None or e.platform in SYSTEMS]
        pip = [e for e in entries if e.manager == "pip"]
        conda = _Conda(self, entries, pip_names={conda_names.normalize(e.name) for e in pip})
        conda_entries = [e for e in entries if e.manager == "conda"]
        for name, groups in _by_name(conda_entries, key=lambda e: e.name.lower()).items():
            conda.add(name, groups)
        for pypi, members in conda.nixpkgs_python.items():
            self._nixpkgs_python(pypi, members)
        python_names = {*conda.pinned, *conda.nixpkgs_python, *(conda_names.normalize(e.name) for e in pip)}
        for pypi, pins in conda.pinned.items():
            self._pinned_python(pypi, pins, python_names)
        for name, groups in _by_name(pip, key=lambda e: conda_names.normalize(e.name)).items():
            self._pip_package(name, groups, entries)
        self._missing_dependencies()

        if conda.unknown:
            self.warn(f"{len(conda.unknown)} conda package(s) are not in lock2nix's tables and cannot be Python "
                      f"packages; left out of the environment (add them under a nixpkgs name in a later overlay): "
                      f"{', '.join(conda.unknown)}")
        python_versions = conda.python_versions
        minors = dict.fromkeys(".".join(v.split(".")[:2]) for v in python_versions)
        python_constraint: Constraint = tuple((("=*", m),) for m in minors)
        if not python_versions:
            self.warn("the lock has no python package: the environment uses nixpkgs' default interpreter")
        for message in self.warnings:
            warn(message)
        environment = Environment(
            name=directory_name(self.directory),
            python=python_constraint,
            python_spec=(f"python={'|'.join(c[0][1] for c in python_constraint)} (locked "
                         f"{', '.join(sorted(set(python_versions)))})" if python_versions else None),
            members=tuple(m for _, m in sorted(self.members, key=lambda x: x[0])),
            channels=channels,
            platforms=tuple(self.platforms),
            systems=tuple(self.systems),
            notes=(*self._head(conda, any(e.manager == "pip" for e in entries)), *notes),
        )
        return Lock(
            file=self.file,
            format=self.format,
            format_version="1" if self.format == CONDA_LOCK else None,
            packages=tuple(sorted(self.packages, key=lambda p: (p.name, p.version))),
            inputs=(self.file,),
            # An @EXPLICIT list records no dependencies: read from each release's metadata.
            dependencies_from="metadata" if self.format == EXPLICIT else None,
            environment=environment,
        )

    def _head(self, conda: _Conda, has_pip: bool) -> list[str]:
        """The environment's first comments: platforms, how conda and pip packages are taken."""
        python_versions = conda.python_versions
        systems_text = ", ".join(f"{p} ({SYSTEMS[p]})" for p in self.platforms if p in SYSTEMS)
        head = [
            (f"Locked by conda-lock for {systems_text}: each Nix system takes its platform's entries; another system "
             f"is an error (with check = \"warn\", a warning and the entries of {self.platforms[0]})."
             if self.format == CONDA_LOCK else
             f"Locked for {systems_text}; another system is an error (with check = \"warn\", a warning)."
             if self.systems else "Its platform is not known (no '# platform:' line, only noarch URLs): any system."),
            "conda's Python packages are built from PyPI's files of the release locked (pinned to the sha256 "
            "PyPI lists), with the dependencies "
            + ("conda recorded, mapped to PyPI names" if self.format == CONDA_LOCK else "their metadata names")
            + "; a release PyPI does not have is nixpkgs' package, its version checked. Other conda packages are "
            "not fetched: tools come from nixpkgs' top level, a version difference a warning (the python package "
            "selects the interpreter by its minor version"
            + (f": {', '.join(sorted(set(python_versions)))} locked)." if python_versions else ")."),
        ]
        if has_pip:
            head.append("pip packages are built from the files conda-lock recorded, pinned to its sha256, with the "
                        "dependencies it recorded.")
        if conda.libraries:
            head.append("Native libraries and runtimes of conda's solution, left to nixpkgs (its packages bring their "
                        "own): " + ", ".join(sorted(set(conda.libraries), key=str.lower)) + ".")
        return head

    def by_version(self, entries: list[_Entry]) -> list[tuple[str, tuple[str, ...], _Entry]]:
        """Entries of one name → (version, Nix systems or () for all, first entry), one per version."""
        groups: dict[str, list[_Entry]] = {}
        for e in entries:
            groups.setdefault(e.version, []).append(e)
        everywhere = set(self.systems)
        out: list[tuple[str, tuple[str, ...], _Entry]] = []
        for version, group in groups.items():
            systems = {s for s in (self.system(e) for e in group) if s}
            if not everywhere or systems >= everywhere:
                out.append((version, (), group[0]))
            else:
                out.append((version, tuple(s for s in self.systems if s in systems), group[0]))
        return out

    def _nixpkgs_python(self, pypi: str, members: list[tuple[int, EnvironmentMember]]) -> None:
        # conda-forge packages several names as one PyPI project (jupyterhub-base and
        # jupyterhub-singleuser): one member per set of systems, every version checked.
        merged: dict[tuple[str, ...], tuple[int, EnvironmentMember]] = {}
        for order, member in members:
            old = merged.get(member.systems)
            if old is None:
                merged[member.systems] = (order, member)
                continue
            first = old[1]
            merged[member.systems] = (old[0], dataclasses.replace(
                first,
                constraint=(first.constraint if member.constraint == first.constraint
                            else both(first.constraint, member.constraint)),
                spec=f"{first.spec}, {member.spec}",
                note="; ".join(filter(None, [first.note, f"also conda's {member.name} (the same Python package)"])),
            ))
        self.members.extend(merged.values())
        attribute = conda_names.python_attribute(pypi)
        versions = sorted({v for _, m in members for alt in m.constraint for op, v in alt if op == "=="})
        constraint: Constraint = tuple(dict.fromkeys(alt for _, m in merged.values() for alt in m.constraint))
        first = min(merged.values(), key=lambda x: x[0])[1]
        self.packages.append(Package(
            name=pypi,  # type: ignore[arg-type]
            version=versions[0] if len(versions) == 1 else "*",
            source=NixpkgsSource(attribute=attribute, constraint=constraint,
                                 spec=", ".join(m.spec for _, m in merged.values() if m.spec)),
            groups=frozenset({MAIN_GROUP}),
            entry=f"{first.entry} {first.spec!r} (nixpkgs)",
        ))

    def _pinned_python(self, pypi: str, pins: list[_Pin], python_names: set[str]) -> None:
        """conda's Python package at its locked release, built from PyPI's files of it.

        One package per version (conda-forge may package one PyPI project under
        several names, or lock other versions for other platforms), with the
        dependency edges conda recorded, mapped to PyPI names.
        """
        by_version: dict[str, list[_Pin]] = {}
        for pin in pins:
            by_version.setdefault(pin.version, []).append(pin)
        several = len(by_version) > 1
        for version, same in by_version.items():
            systems = tuple(dict.fromkeys(s for pin in same for s in pin.systems))
            if any(not pin.systems for pin in same):
                systems = ()
            first = min(same, key=lambda pin: pin.order)
            self.packages.append(Package(
                name=pypi,  # type: ignore[arg-type]
                version=version,
                source=IndexSource(url=PYPI_SIMPLE_URL, version_only=True),
                dependencies=self._conda_edges(pypi, [e for pin in same for e in pin.entries], python_names),
                groups=frozenset({MAIN_GROUP}),
                marker=_systems_marker(systems) if several and systems else None,
                entry=f"{first.member.entry} {first.member.spec}",
            ))
            self.members.extend((pin.order, pin.member) for pin in same)

    def _conda_edges(self, pypi: str, entries: list[_Entry], python_names: set[str]) -> tuple[Dependency, ...]:
        """The Python packages a conda package depends on (conda names mapped to PyPI ones); the
        interpreter, native libraries and tools are nixpkgs' closure's."""
        found: set[str] = set()
        for e in entries:
            for dep, _spec in e.dependencies:
                mapped = conda_names.classify(dep.split("[")[0].strip())
                if mapped.kind != "python" or mapped.target is None or dep.strip().lower() == "python":
                    continue
                target = conda_names.normalize(mapped.target)
                if target == pypi:
                    continue
                if target not in python_names:
                    self.wanted.setdefault(target, []).append(pypi)
                found.add(target)
        return tuple(Dependency(name=t) for t in sorted(found))  # type: ignore[arg-type]

    def _pip_package(self, name: str, entries: list[_Entry], every: list[_Entry]) -> None:
        by_version: dict[str, list[_Entry]] = {}
        for e in entries:
            by_version.setdefault(e.version, []).append(e)
        split = self.by_version(entries)
        several = len(split) > 1
        for version, systems, first in split:
            group = by_version[version]
            hashed = [e for e in group if e.sha256]
            if len(hashed) < len(group):
                bad = next(e for e in group if not e.sha256)
                if not self.allow_insecure_hashes:
                    raise self.error(f"pip package {bad.name} {version} has no sha256 (an md5 cannot pin a download); "
                                     "re-lock with a current conda-lock, or pass --allow-insecure-hashes to take it "
                                     "from nixpkgs", bad)
                self.warn(f"pip package {bad.name} {version} has no sha256: taken from nixpkgs, its version checked "
                          "(--allow-insecure-hashes)", bad)
                self._pip_from_nixpkgs(name, version, systems, first, every, "no sha256 recorded")
                continue
            artifacts: dict[str, Artifact] = {}
            for e in group:
                artifact = self._artifact(e)
                if artifact is None:
                    break
                old = artifacts.get(artifact.filename)
                if old is not None and old.hashes != artifact.hashes:
                    raise self.error(f"{artifact.filename} is locked with two different sha256 "
                                     f"(for {group[0].platform} and {e.platform})", e)
                artifacts[artifact.filename] = artifact
            else:
                wheels = tuple(sorted((a for a in artifacts.values() if a.is_wheel), key=lambda a: a.filename))
                sdists = sorted((a for a in artifacts.values() if not a.is_wheel), key=lambda a: a.filename)
                dependencies = self._dependencies(name, group)
                source = IndexSource(url=_index_of(first.url), wheels=wheels, sdist=sdists[0] if sdists else None)
                self.packages.append(Package(
                    name=name,  # type: ignore[arg-type]
                    version=version,
                    source=source,
                    dependencies=dependencies,
                    groups=frozenset({MAIN_GROUP}),
                    marker=_systems_marker(systems) if several and systems else None,
                    entry=f"{first.entry} {first.name} {version}",
                ))
                self.members.append((every.index(first), EnvironmentMember(
                    name=first.name, origin="pip", kind="python", attribute=name, spec=f"{first.name}=={version}",
                    note="pip package locked by conda-lock", entry=first.entry, systems=systems,
                )))
                continue
            self._pip_from_nixpkgs(name, version, systems, first, every, "not a wheel or sdist URL")

    def _artifact(self, entry: _Entry) -> Artifact | None:
        try:
            parts = urlsplit(entry.url)
        except ValueError as exc:  # urlsplit: "Invalid IPv6 URL", ...
            raise self.error(f"url {_short(entry.url)!r} is not a URL: {exc}", entry) from None
        if parts.scheme not in ("https", "http"):
            self.warn(f"pip package {entry.name} {entry.version}: {entry.url} is not an http(s) URL lock2nix can "
                      "fetch; taken from nixpkgs, its version checked", entry)
            return None
        filename = unquote(parts.path.rsplit("/", 1)[-1])
        if not (filename.endswith(".whl") or filename.endswith(_SDIST_SUFFIXES)):
            self.warn(f"pip package {entry.name} {entry.version}: {entry.url} is not a wheel or sdist; taken from "
                      "nixpkgs, its version checked", entry)
            return None
        fragment = dict(p.partition("=")[::2] for p in parts.fragment.split("&") if p)
        if fragment.get("sha256") and fragment["sha256"].lower() != entry.sha256:
            raise self.error("the URL's #sha256= and hash.sha256 differ", entry)
        clean = parts._replace(fragment="").geturl()
        return Artifact(filename=filename, hashes={"sha256": entry.sha256 or ""}, url=clean)

    def _pip_from_nixpkgs(self, name: str, version: str, systems: tuple[str, ...], first: _Entry,
                          every: list[_Entry], why: str) -> None:
        member = EnvironmentMember(
            name=first.name, origin="pip", kind="python", attribute=name, constraint=((("==", version),),),
            spec=f"{first.name}=={version}", note=f"pip package from nixpkgs ({why})", entry=first.entry,
            systems=systems,
        )
        self._nixpkgs_python(name, [(every.index(first), member)])

    def _dependencies(self, name: str, group: list[_Entry]) -> tuple[Dependency, ...]:
        found: dict[str, tuple[str, ...]] = {}
        for e in group:
            for dep, _spec in e.dependencies:
                match = re.fullmatch(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?\s*", dep)
                if match is None:
                    raise self.error(f"dependency {dep!r} of {e.name} is not a package name", e)
                target = conda_names.normalize(match.group(1))
                extras = tuple(sorted(conda_names.normalize(x) for x in (match.group(2) or "").split(",") if x.strip()))
                if target != name:
                    found[target] = tuple(sorted(set(found.get(target, ())) | set(extras)))
        for target in found:
            self.wanted.setdefault(target, []).append(name)
        return tuple(Dependency(name=t, extras=x) for t, x in sorted(found.items()))  # type: ignore[arg-type]

    def _missing_dependencies(self) -> None:
        """A pip package's dependency the lock does not hold (conda installed it under a name the tables do not
        know, or it is optional): nixpkgs' package, like an environment's unpinned requirement."""
        have = {p.name for p in self.packages}
        for target, by in sorted(self.wanted.items()):
            if target in have:
                continue
            self.packages.append(Package(
                name=target,  # type: ignore[arg-type]
                version="*",
                source=NixpkgsSource(attribute=conda_names.python_attribute(target)),
                groups=frozenset({MAIN_GROUP}),
                entry=f"{target} (required by {', '.join(sorted(set(by)))}; not in the lock)",
            ))


@dataclasses.dataclass(frozen=True)
class _Pin:
    """A conda Python package at one locked version, for some Nix systems (``()``: all)."""

    version: str
    systems: tuple[str, ...]
    order: int
    member: EnvironmentMember
    entries: list[_Entry]


class _Conda:
    """The conda entries of a lock, sorted out name by name: the interpreter, native libraries,
    Python packages (from nixpkgs) and the other members."""

    def __init__(self, builder: _Builder, entries: list[_Entry], pip_names: set[str]) -> None:
        self.builder = builder
        self.entries = entries
        self.pip_names = pip_names
        self.python_versions: list[str] = []
        self.libraries: list[str] = []
        self.unknown: list[str] = []
        #: Python packages nixpkgs provides, by PyPI name: the members that ask for them.
        self.nixpkgs_python: dict[str, list[tuple[int, EnvironmentMember]]] = {}
        #: Python packages pinned to a release of the index, by PyPI name: each
        #: version with its Nix systems, member and conda entries.
        self.pinned: dict[str, list[_Pin]] = {}

    def add(self, name: str, entries: list[_Entry]) -> None:
        """The entries of one conda name: one member per version (with its systems when not all)."""
        found = conda_names.classify(name)
        for version, systems, first in self.builder.by_version(entries):
            spec = f"{first.name}=={version}"
            exact: Constraint = ((("==", version),),)
            order = self.entries.index(first)
            if name == "python":
                self.python_versions.append(version)
            elif found.library:
                self.libraries.append(f"{first.name} {version}")
            elif found.kind == "python":
                assert found.target is not None
                pypi = conda_names.normalize(found.target)
                if pypi in self.pip_names:
                    self.builder.warn(f"{first.name} {version} is also a pip package of the lock; the pip one is used",
                                      first)
                    continue
                group = [e for e in entries if e.version == version]
                if not _is_pep440(version):
                    self.builder.warn(f"{first.name} {version}: not a PyPI version (PEP 440); nixpkgs' {pypi} is "
                                      "used, its version checked", first)
                    member = EnvironmentMember(
                        name=first.name, origin="conda", kind="python", attribute=pypi, constraint=exact, spec=spec,
                        note=found.note, entry=first.entry, systems=systems,
                    )
                    self.nixpkgs_python.setdefault(pypi, []).append((order, member))
                    continue
                note = "; ".join(filter(None, [f"release {version} from PyPI, with the sha256 it lists", found.note]))
                member = EnvironmentMember(
                    name=first.name, origin="conda", kind="either" if found.guessed else "python", attribute=pypi,
                    constraint=exact, spec=spec, note=note, entry=first.entry, systems=systems,
                )
                self.pinned.setdefault(pypi, []).append(_Pin(version, systems, order, member, group))
            elif found.unknown:
                self.unknown.append(f"{first.name} {version}")
                note = "unknown conda package: not in lock2nix's tables and cannot be a Python package"
                self.builder.members.append((order, EnvironmentMember(
                    name=first.name, origin="conda", kind="none", spec=spec, note=note, entry=first.entry,
                    systems=systems)))
            else:
                self.builder.members.append((order, EnvironmentMember(
                    name=first.name, origin="conda", kind=found.kind, attribute=found.target,
                    constraint=exact if found.kind != "none" else (), spec=spec, note=found.note, entry=first.entry,
                    systems=systems,
                )))


def _is_pep440(version: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        Version(version)
    except InvalidVersion:
        return False
    return True


def _by_name(entries: list[_Entry], key: Any) -> dict[str, list[_Entry]]:
    out: dict[str, list[_Entry]] = {}
    for e in entries:
        out.setdefault(key(e), []).append(e)
    return out


def _systems_marker(systems: tuple[str, ...]) -> str:
    parts = []
    for system in systems:
        platform, machine = _SYSTEM_MARKERS[system]
        parts.append(f'(sys_platform == "{platform}" and platform_machine == "{machine}")')
    return " or ".join(parts)


def _index_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.netloc in ("files.pythonhosted.org", "pypi.org"):
        return PYPI_SIMPLE_URL
    return f"{parts.scheme}://{parts.netloc}/"

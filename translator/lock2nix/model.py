"""The typed lock model every parser produces and the generator consumes.

Its concepts follow the standard lock format, PEP 751 (``pylock.toml``): a
package has a ``marker``, a ``requires-python``, ``dependencies`` and exactly
one source kind.  What PEP 751 has no field for lives beside it: the groups a
package belongs to, the extras it offers (with the dependencies each extra
adds), and packages provided by nixpkgs rather than built from the lock.

Nothing downstream of the parsers knows which lock format a model came from.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from packaging.tags import Tag
from packaging.utils import NormalizedName, parse_wheel_filename

if TYPE_CHECKING:
    from .formats import Format

MAIN_GROUP = "main"

#: Where nixpkgs has an environment member: see :class:`EnvironmentMember`.
MemberKind = Literal["python", "tool", "r", "either", "none"]
#: A comparison of nixpkgs' version, checked when Nix evaluates: PEP 440's
#: (``~=`` is conda's compatible release too), ``=*`` (the version starts with
#: these components: ``1.2.*``) and ``!=*``.
Operator = Literal["==", "!=", "<", "<=", ">", ">=", "~=", "=*", "!=*"]
#: A version constraint: alternatives (any holds) of requirements (all hold),
#: each ``(operator, version)``; ``()`` allows any version.
Constraint = tuple[tuple[tuple[Operator, str], ...], ...]


@dataclass(frozen=True)
class Artifact:
    """One downloadable file of a distribution: a wheel or an sdist."""

    filename: str
    #: ``{"sha256": "<hex>"}``; every artifact lock2nix emits has a sha256.
    hashes: Mapping[str, str]
    #: The real download URL, filled in by resolution for index artifacts.
    url: str | None = None
    #: Size in bytes and upload time (RFC 3339), as the lock records them
    #: (uv.lock, pylock.toml); carried into an emitted pylock.toml.
    size: int | None = None
    upload_time: str | None = None

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def tags(self) -> frozenset[Tag]:
        """The wheel's PEP 425 tags (empty for an sdist)."""
        return _wheel_tags(self.filename) if self.is_wheel else frozenset()


# Not a cached property: an artifact pickles with its fields only (the
# snapshot's keys are digests of pickles, and a frozenset's order varies).
@functools.cache
def _wheel_tags(filename: str) -> frozenset[Tag]:
    return parse_wheel_filename(filename)[3]


@dataclass(frozen=True)
class IndexSource:
    """Artifacts from a package index (PyPI or a named private index)."""

    url: str
    name: str | None = None
    sdist: Artifact | None = None
    wheels: tuple[Artifact, ...] = ()
    kind: Literal["index"] = dataclasses.field(default="index", init=False)
    #: Hex sha256 digests of locked files not identified yet: Pipfile.lock
    #: records hashes without file names. Resolution finds their files on the
    #: index, fills ``sdist``/``wheels`` and empties this.
    locked_hashes: tuple[str, ...] = ()
    #: Other indexes, as (name, url), that may serve the files when ``url`` does
    #: not (Pipfile.lock packages without an ``index`` key); emptied by resolution.
    fallbacks: tuple[tuple[str | None, str], ...] = ()
    #: The lock names the version only, no file nor hash (a conda environment's
    #: ``pip:`` pin ``name==1.0``): resolution takes every file of that version
    #: the index lists, pinned to the sha256 the index gives, and clears this.
    version_only: bool = False


@dataclass(frozen=True)
class VcsSource:
    """A git checkout pinned to a commit."""

    url: str
    #: None while the lock names only a branch or tag (``requested_revision``):
    #: resolution asks the repository which commit it names.
    commit_id: str | None
    requested_revision: str | None = None
    subdirectory: str | None = None
    #: SRI hash of the checkout (NAR, without ``.git``), as nixpkgs' fetchgit expects.
    hash: str | None = None
    submodules: bool = False
    #: The full ref (``refs/tags/1.0``) lock2nix resolved ``requested_revision``
    #: to when translating, because the lock records no commit.
    resolved_ref: str | None = None
    type: Literal["git"] = "git"
    kind: Literal["vcs"] = dataclasses.field(default="vcs", init=False)


@dataclass(frozen=True)
class ArchiveSource:
    """A single wheel or sdist given by URL or by a path relative to the lock."""

    artifact: Artifact
    url: str | None = None
    path: str | None = None
    subdirectory: str | None = None
    kind: Literal["archive"] = dataclasses.field(default="archive", init=False)


@dataclass(frozen=True)
class DirectorySource:
    """A local source tree, relative to the lock file's directory."""

    path: str
    editable: bool = False
    subdirectory: str | None = None
    kind: Literal["directory"] = dataclasses.field(default="directory", init=False)


@dataclass(frozen=True)
class NixpkgsSource:
    """A package nixpkgs provides (conda entries); not built from the lock."""

    #: Attribute of nixpkgs' Python package set (``python3Packages.<attribute>``).
    attribute: str
    kind: Literal["nixpkgs"] = dataclasses.field(default="nixpkgs", init=False)
    #: Version constraint the environment puts on it, checked at evaluation
    #: time against nixpkgs' version (read by :mod:`lock2nix.conda_names`).
    constraint: Constraint = ()
    #: What the environment file wrote (``numpy>=2.2``), for messages.
    spec: str | None = None


Source = IndexSource | VcsSource | ArchiveSource | DirectorySource | NixpkgsSource


@dataclass(frozen=True)
class EnvironmentMember:
    """One entry of a conda environment, as the overlay's environment uses it.

    ``kind`` says where nixpkgs has it: ``python`` (an attribute of the
    interpreter's package set; the locked or nixpkgs-provided package of that
    name), ``tool`` (a top-level attribute path: compilers, CLI tools, C
    libraries), ``r`` (an attribute of ``rPackages``, in an R wrapper),
    ``either`` (a conda name in neither table: the locked package when the
    index had its pinned release, else decided when Nix evaluates: the Python
    set's attribute if it has one, else the top-level one) or ``none``
    (nothing to install; ``note`` says why: unknown, a conda-only
    metapackage, provided by nixpkgs' toolchain, ...).
    """

    #: The name as the file wrote it (conda name, or pip requirement name).
    name: str
    origin: Literal["conda", "pip"]
    kind: MemberKind
    #: Python/either: the package's PEP 503 name in the model; tool/r: the attribute path.
    attribute: str | None = None
    #: As for :class:`NixpkgsSource` (tools and R packages; Python members
    #: carry theirs on their package).
    constraint: Constraint = ()
    spec: str | None = None
    note: str | None = None
    #: Where in the file: ``dependencies[3]``, ``dependencies[9].pip[2]``.
    entry: str = ""
    #: Extras of a Python member (``pkg[extra]``) the environment installs.
    extras: tuple[str, ...] = ()
    #: Locked forms (conda-lock.yml): the Nix systems this member belongs to,
    #: when not every system the lock is for (``()``: all of them).
    systems: tuple[str, ...] = ()


@dataclass(frozen=True)
class Environment:
    """A conda environment: what the overlay's ``lock2nixEnvironments.<name>`` holds."""

    name: str
    #: The interpreter constraint from the ``python`` spec (see NixpkgsSource.constraint).
    python: Constraint = ()
    python_spec: str | None = None
    members: tuple[EnvironmentMember, ...] = ()
    channels: tuple[str, ...] = ()
    #: conda-lock's ``platforms`` (conda subdirs such as linux-64), informational.
    platforms: tuple[str, ...] = ()
    #: Environment variables the file sets (``variables:``), exported by the shell.
    variables: Mapping[str, str] = field(default_factory=dict)
    #: Locked forms: the Nix systems the lock has entries for (``()``: any).
    systems: tuple[str, ...] = ()
    #: Locked forms: what the overlay says about the translation, as comments
    #: (platforms, hashes not used, native libraries left to nixpkgs).
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Dependency:
    """An edge to another locked distribution."""

    name: NormalizedName
    #: PEP 508 marker, without ``extra`` clauses (extras are structural here).
    marker: str | None = None
    #: Extras of the target that this edge asks for.
    extras: tuple[str, ...] = ()
    #: PEP 440 specifier the edge allows; picks among versions of one name.
    specifier: str | None = None


@dataclass(frozen=True)
class BuildSystem:
    requires: tuple[str, ...] = ()
    backend: str | None = None
    #: Where the requirements were read: "pyproject.toml", "setup.py" (PEP 517 fallback), ...
    origin: str | None = None


@dataclass(frozen=True)
class Package:
    """One locked distribution at one exact version."""

    name: NormalizedName
    version: str
    source: Source
    dependencies: tuple[Dependency, ...] = ()
    #: Extras this package offers, each with the dependencies it adds.
    extras: Mapping[str, tuple[Dependency, ...]] = field(default_factory=dict)
    #: The root project's groups this package is needed by.
    groups: frozenset[str] = frozenset()
    #: PEP 508 marker saying where the package is installed at all.
    marker: str | None = None
    #: PEP 440 specifier from the distribution's Requires-Python.
    requires_python: str | None = None
    #: The build system its sdist declares (read at translate time).
    build_system: BuildSystem | None = None
    #: The lock entry, for messages ("package 'foo' (1.0)").
    entry: str = ""
    #: PEP 751 ``attestation-identities`` (pylock.toml), kept as recorded.
    attestation_identities: tuple[Mapping[str, Any], ...] = ()
    #: Set when the lock holds this name at this version more than once, from
    #: different sources (one url wheel per platform): what tells this one
    #: apart (its file name, index or repository), so that ``key`` is unique.
    variant: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # The groups pickle in order: equal packages give equal pickles, which
        # the snapshot's keys are digests of (a frozenset's order varies by process).
        return {**self.__dict__, "groups": tuple(sorted(self.groups))}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, groups=frozenset(state["groups"]))

    @property
    def key(self) -> str:
        """Unique in a lock: name, version and, for a version locked more than once, the variant."""
        base = f"{self.name}@{self.version}"
        return base if self.variant is None else f"{base}#{self.variant}"


@dataclass(frozen=True)
class RootProject:
    """The project the lock belongs to."""

    name: NormalizedName
    version: str | None
    #: Directory of the project, relative to the lock file's directory.
    path: str = "."
    #: Dependencies per group; ``main`` is the runtime group.
    groups: Mapping[str, tuple[Dependency, ...]] = field(default_factory=dict)
    extras: Mapping[str, tuple[Dependency, ...]] = field(default_factory=dict)
    requires_python: str | None = None
    build_system: BuildSystem | None = None
    #: False for Poetry's ``package-mode = false``: nothing to build.
    is_package: bool = True
    #: Groups installed when none are named (uv's ``default-groups``, PEP 751
    #: ``default-groups``); ``()`` when the lock says nothing.
    default_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Lock:
    """A parsed lock file."""

    #: Path of the lock file as the user gave it.
    file: str
    format: Format
    format_version: str | None
    packages: tuple[Package, ...]
    root: RootProject | None = None
    #: Marker form of the lock-wide Python constraint.
    python_marker: str | None = None
    requires_python: str | None = None
    #: Files the lock was read from (lock, pyproject.toml, ...), for the digest.
    inputs: tuple[str, ...] = ()
    #: Where the packages' dependency edges come from: None when the lock
    #: records them; ``"metadata"`` when the lock does not (Pipfile.lock) and
    #: resolution reads them from each distribution's metadata on its index.
    dependencies_from: Literal["metadata"] | None = None
    #: A conda environment (environment.yml, conda-lock): its interpreter,
    #: tools and members. Its Python members are packages of this lock: built
    #: from the lock (pip pins) or provided by nixpkgs (NixpkgsSource); a
    #: locked package's dependency missing from the lock is provided by
    #: nixpkgs too, as pip would install it from the index.
    environment: Environment | None = None
    #: PEP 751 ``environments`` (uv's ``supported-markers``): markers of
    #: the environments the lock was resolved for; ``()`` means any.
    environments: tuple[str, ...] = ()
    #: Workspace members other than ``root`` (uv workspaces), each a project of
    #: its own. Each is also a locked package with a :class:`DirectorySource`,
    #: so that the root and other members can depend on it.
    members: tuple[RootProject, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = _jsonable(self)
        out.setdefault("packages", [])  # a conda environment may have no Python package
        return out


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(value):
            v = getattr(value, f.name)
            if v is None or v == () or v == {} or v == frozenset():
                continue
            if f.name == "version_only" and v is False:
                continue  # set only between parsing and resolution
            out[f.name.replace("_", "-")] = _jsonable(v)
        if isinstance(value, Artifact) and value.is_wheel:
            out["tags"] = sorted(str(t) for t in value.tags)
        return out
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    return value

"""Resolved lock model -> nixpkgs overlay.

The overlay is one function ``final: prev: ...`` that calls lock2nix's Nix
library (``nix/lib``) with the lock as data: ``packages``, the locked packages
of one package set (wheel or sdist and every PEP 508 marker decided when Nix
evaluates); ``projects``, from which ``lock2nixProjects.<name>`` is made in a
package set of its own (the root project and each workspace member, all from
that one ``packages``); ``environments`` for conda files. Everything is
planned first, then written in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import __version__
from .._options import CondaVersions, Prefer, Scope
from ..errors import Lock2NixError
from ..model import Lock
from ..overrides import Fixes, curated
from ..snapshot import Snapshot, digest
from . import markers, overlay, project
from .graph import Graph
from .package import PackageWriter, outline


@dataclass(frozen=True)
class Options:
    prefer: Prefer = "wheel"
    #: "project": the lock lives in its projects' own package sets; "global": in
    #: every interpreter's set as well (nix/lib/scope.nix).
    scope: Scope = "project"
    #: Directory of the lock file relative to the generated file's directory.
    lock_dir: str = "."
    #: Header lines (tool version, regenerate command, input digest).
    header: tuple[str, ...] = ()
    #: File name of the overlay, kept out of the project's source.
    output_name: str | None = None
    #: Curated fixes plus the user's (default: the curated ones).
    fixes: Fixes | None = None
    #: Interpreter attributes tried for the project, preferred first (None: every one nixpkgs has).
    pythons: tuple[str, ...] | None = None
    #: conda environments: "error" or "warn" when nixpkgs does not satisfy a spec
    #: (None: Python packages "error", tools "warn").
    conda_check: CondaVersions | None = None
    #: Put the Nix library into the overlay instead of importing the file beside it.
    inline: bool = False


def generate(lock: Lock, options: Options, snapshot: Snapshot | None = None) -> str:
    """The overlay's text; what ``snapshot`` holds from an earlier run of this
    lock is reused where everything that shapes it is the same."""
    return overlay.render(plan(lock, options, snapshot))


def plan(lock: Lock, options: Options, snapshot: Snapshot | None = None) -> overlay.Parts:
    """The overlay in parts: each package's text, the projects and environments.

    They hold none of the lock model: a caller that lets go of the model
    before :func:`overlay.render` joins the parts (the overlay's text is made
    whole a few times over) keeps the run's peak memory lower.
    """
    snapshot = snapshot or Snapshot()
    # The conditions the last translation compiled (see markers.Compiled).
    conditions_key = digest("conditions", __version__)
    known = snapshot.get("conditions", conditions_key)
    compiled = markers.Compiled(known)
    graph = Graph(lock, compiled=compiled)
    writer = PackageWriter(lock, graph, options.fixes or curated(), options.lock_dir, snapshot)
    bindings, packages = writer.entries()
    build_attributes = writer.build_attributes()
    projects: dict[str, object] = {}
    root = lock.root
    if root is not None:
        if root.is_package:
            packages[root.name] = project.package(root, writer)
            build_attributes.update(project.build_attributes(root, writer))
        projects[root.name] = project.spec(root, lock, writer, options.pythons)
    elif lock.environment is None and graph.by_name and not lock.members:
        # A lock without its project (no pyproject.toml beside it): a project
        # that installs every locked package, so lock2nixProjects reaches them.
        name, spec = project.lock_only_spec(lock, writer, options.pythons)
        projects[name] = spec
    # Workspace members: projects of their own in the one package set, where
    # each is a locked package (built from its directory) the others can use.
    for member in lock.members:
        if member.name in projects:
            raise Lock2NixError(f"workspace member {member.name} is named like another project", file=lock.file)
        if member.is_package and member.name not in graph.by_name:
            packages[member.name] = project.package(member, writer)
            build_attributes.update(project.build_attributes(member, writer))
        projects[member.name] = project.spec(member, lock, writer, options.pythons)
    if compiled.used != known:
        snapshot.put("conditions", conditions_key, compiled.used)
    environments: dict[str, object] = {}
    if lock.environment is not None:
        from . import conda  # conda environments only

        environments = dict([conda.environment(lock, options.pythons, options.conda_check)])
    return overlay.Parts(
        header=options.header,
        scope=options.scope,
        settings=overlay.settings(options.prefer, options.output_name, writer.fixes, build_attributes),
        bindings=tuple(bindings),
        packages=packages,
        projects=projects,
        environments=environments,
        inline=options.inline,
    )


__all__ = ["Options", "generate", "outline", "plan"]

"""The root project: its ``mkProject`` call in the package set, and the spec
``lock2nixProjects.<name>`` is made from (nix/lib/project.nix): which
interpreters may run it, its test and development groups."""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name

from .. import _markers, nix
from ..errors import Lock2NixError
from ..model import MAIN_GROUP, Lock, RootProject
from . import build_systems, fixes, markers
from .graph import Edge
from .package import PackageWriter, SourceBuild, source_build

#: Check hooks by the test runner a test group holds.
TEST_RUNNERS = {"pytest": "pytestCheckHook"}


def build_attributes(root: RootProject, writer: PackageWriter) -> list[str]:
    """The package set attributes the project builds with."""
    return _build(root, writer).attributes


def package(root: RootProject, writer: PackageWriter) -> object:
    """``mkProject { ... }``: the project built from its directory, its main
    group as dependencies, its extras as optional-dependencies; no test inputs."""
    if root.name in writer.graph.by_name:
        # Two definitions of one attribute: Nix would reject the overlay.
        entry = writer.graph.by_name[root.name][0].entry
        raise Lock2NixError(
            f"{entry}: the project itself ({root.name}) is locked as a package too; "
            "remove that entry from the lock or rename the project"
        )
    applicable = writer.fixes.for_package(root.name, root.version)
    dependencies = writer.dependency_list(writer.graph.edges(root.groups.get(MAIN_GROUP, ())))
    added = [nix.select("pyFinal", *d.split(".")) for f in applicable for d in f.dependencies]
    if added:
        dependencies = nix.Concat((dependencies, added)) if dependencies != [] else added
    args: dict[str, object] = {
        "pname": root.name,
        "version": root.version or "0",
        "src": writer.local_src(root.name, root.path),
        "build-system": writer.build_system_expr(root.name, _build(root, writer)),
        "dependencies": dependencies,
    }
    if root.extras:
        args["optional-dependencies"] = _extras(root, writer)
    classic = fixes.classic_poetry(root.name, root.build_system)
    source_attrs = fixes.source_attrs([*applicable, *([classic] if classic else [])])
    if source_attrs is not None:
        args["sourceAttrs"] = source_attrs
    return nix.Call(nix.name("mkProject"), args)


def spec(root: RootProject, lock: Lock, writer: PackageWriter, pythons: tuple[str, ...] | None) -> dict[str, object]:
    """The project's entry in the overlay's ``projects``."""
    groups = {
        group: writer.graph.edges(deps)
        for group, deps in sorted(root.groups.items())
        if group != MAIN_GROUP or not root.is_package
    }
    if not root.is_package:
        groups.setdefault(MAIN_GROUP, [])
    extras = None if root.is_package else _extras(root, writer)
    return _spec(
        root.name if root.is_package else None,
        root.requires_python or lock.requires_python,
        writer.graph.compiled.requires_python(root.requires_python),
        lock, writer, groups, extras, pythons,
    )


def lock_only_spec(lock: Lock, writer: PackageWriter, pythons: tuple[str, ...] | None) -> tuple[str, dict[str, object]]:
    """(name, spec) of the project of a lock without one: named after the
    lock's directory, its main group every locked package where it is installed."""
    name = canonicalize_name(Path(lock.file).resolve().parent.name or "lock")
    main: list[Edge] = [
        (package.name, writer.condition(package))
        for versions in writer.graph.by_name.values()
        for package in versions
        if writer.skipped(package.name) is None
    ]
    return name, _spec(None, lock.requires_python, True, lock, writer, {MAIN_GROUP: main}, None, pythons)


def _spec(
    name: str | None,
    constraint: str | None,
    requires_python: markers.Condition,
    lock: Lock,
    writer: PackageWriter,
    groups: dict[str, list[Edge]],
    extras: dict[str, object] | None,
    pythons: tuple[str, ...] | None,
) -> dict[str, object]:
    # The lock's environments (uv's supported-markers, PEP 751's environments): an
    # interpreter or platform outside them has nothing resolved for it.
    compiled = writer.graph.compiled
    environments = compiled.marker(_markers.union(lock.environments))
    supports = markers.conjunction([requires_python, compiled.marker(lock.python_marker), environments])
    if lock.environments:
        constraint = f"{constraint or 'any version'} in the lock's environments ({'; '.join(lock.environments)})"
    test_names = {target for group, edges in groups.items() if group != MAIN_GROUP for target, _ in edges}
    hooks = [hook for runner, hook in sorted(TEST_RUNNERS.items()) if runner in test_names]
    out: dict[str, object] = {}
    if name is not None:
        out["name"] = name
    out["constraint"] = constraint or "any version"
    out["supports"] = nix.Lambda("env", markers.render(supports))
    if pythons is not None:
        out["pythons"] = list(pythons)
    out["groups"] = _set_function({group: writer.dependency_list(edges) for group, edges in groups.items()})
    if extras:
        out["extras"] = _set_function(extras)
    if hooks:
        out["testHook"] = hooks[0]
    return out


def _build(root: RootProject, writer: PackageWriter) -> SourceBuild:
    requires = root.build_system.requires if root.build_system else ()
    return source_build(build_systems.from_requirements(requires), writer.fixes.for_package(root.name, root.version))


def _extras(root: RootProject, writer: PackageWriter) -> dict[str, object]:
    return {
        extra: writer.dependency_list(writer.graph.edges(deps, frozenset({extra})))
        for extra, deps in sorted(root.extras.items())
    }


def _set_function(attrs: dict[str, object]) -> nix.Lambda:
    """``{ pyFinal, env, ... }: attrs`` binding what ``attrs`` uses."""
    used = nix.names_used(attrs)
    return nix.Lambda(nix.Formals(tuple(n for n in ("pyFinal", "env") if n in used)), attrs)

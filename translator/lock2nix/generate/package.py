"""One locked distribution -> the ``mkPackage`` call of the overlay's package set.

The wheel or sdist is chosen when Nix evaluates; here we write what both need:
the artifacts, the build system read from the sdist (or the fix replacing it),
the runtime edges with their conditions, the fixes that apply. Build systems
are planned for every package before anything is written, so writing has no
order to respect.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from .. import __version__, nix
from .._hashes import sri_from_hex
from ..model import (
    ArchiveSource,
    Artifact,
    DirectorySource,
    IndexSource,
    Lock,
    Package,
    VcsSource,
)
from ..overrides import Fix, Fixes
from ..snapshot import Snapshot, digest
from . import build_cycles, build_systems, fixes, markers, wheels
from .graph import Edge, Graph
from .markers import Condition


@dataclass(frozen=True)
class SourceBuild:
    """How a package builds from source: its declared build system, or a fix replacing it."""

    inputs: tuple[build_systems.BuildInput, ...]
    fix: Fix | None

    @property
    def attributes(self) -> list[str]:
        if self.fix is not None and self.fix.build_system is not None:
            return [a.split(".")[0] for a in self.fix.build_system]
        return [b.attribute for b in self.inputs if b.attribute is not None]


def source_build(inputs: Sequence[build_systems.BuildInput], applicable: Sequence[Fix]) -> SourceBuild:
    replacing = [f for f in applicable if f.build_system is not None]
    return SourceBuild(tuple(inputs), replacing[-1] if replacing else None)


@dataclass
class PackageWriter:
    """Writes the locked packages of one lock, planned as a whole first."""

    lock: Lock
    graph: Graph
    fixes: Fixes
    #: Directory of the lock relative to the overlay's directory.
    lock_dir: str
    #: What the last translation of this lock computed (empty: compute everything).
    snapshot: Snapshot = field(default_factory=Snapshot)

    def __post_init__(self) -> None:
        self._lock_path = Path(self.lock.file).parent
        self._build_inputs_of: dict[tuple[str, ...], tuple[build_systems.BuildInput, ...]] = {}
        #: Build system of each package that may be built from source, by key.
        self.source_builds = {
            package.key: source_build(
                self._build_inputs(package),
                self.fixes.for_package(package.name, package.version),
            )
            for versions in self.graph.by_name.values()
            for package in versions
            if _builds_from_source(package)
        }
        self.cycles = self._cycle_plan()

    # --- the package set -------------------------------------------------------

    def skipped(self, name: str) -> Fix | None:
        """The user fix keeping nixpkgs' own package for ``name``, if any."""
        return self.fixes.skip_of(name, [p.version for p in self.graph.by_name[name]])

    def build_attributes(self) -> set[str]:
        """Every package set attribute some locked package builds with."""
        return {
            attribute
            for name, versions in self.graph.by_name.items()
            if self.skipped(name) is None
            for package in versions
            if package.key in self.source_builds
            for attribute in self.source_builds[package.key].attributes
        }

    def entries(self) -> tuple[list[tuple[str, object]], dict[str, object]]:
        """(let bindings, attributes) of the package set: one attribute per
        name, a binding per version when a name is locked at several."""
        bindings: list[tuple[str, object]] = []
        attributes: dict[str, object] = {}
        taken: set[str] = set()
        for name in sorted(self.graph.by_name):
            versions = self.graph.by_name[name]
            names: list[str] = []
            if len(versions) > 1:
                for package in versions:
                    binding = _binding_name(package)
                    while binding in taken:  # names or versions that differ only in punctuation, variants
                        binding += "_"
                    taken.add(binding)
                    names.append(binding)
            key = digest("rendered", __version__, PACKAGE_INDENT, self._facts(name, names))
            cached = self.snapshot.memo("rendered", key, functools.partial(self._laid_out, name, names))
            bindings += [(b, _entry(text)) for b, text in zip(names, cached["bindings"], strict=True)]
            attributes[name] = _entry(cached["attribute"])
        return bindings, attributes

    def _laid_out(self, name: str, bindings: list[str]) -> dict[str, Any]:
        written, attribute = self._name(name, bindings)
        return {
            "bindings": [_lay_out(b, value) for b, value in written],
            "attribute": _lay_out(name, attribute, attribute=True),
        }

    def _name(self, name: str, bindings: list[str]) -> tuple[list[tuple[str, object]], object]:
        """The let bindings and the attribute that define ``name`` in the package set."""
        # Written: all of each package, not the outline the plan may have read (see outline).
        versions = [self.snapshot.whole(p) for p in self.graph.by_name[name]]
        skip = self.skipped(name)
        if skip is not None:
            # Not overridden: the package set's own (nixpkgs') package stays.
            return [], nix.Commented(nix.select("pyPrev", name), f"{name}: not taken from the lock ({skip.why})")
        if len(versions) == 1:
            return [], self._guarded(versions[0])
        written = [(b, self._variant(p)) for b, p in zip(bindings, versions, strict=True)]
        choices = [(self.condition(p), b) for b, p in zip(bindings, versions, strict=True)]
        return written, nix.Commented(_select_version(name, choices), _choice_comment(versions))

    def _variant(self, package: Package) -> object:
        """One of several locked entries of a name, saying which source it is when a version has several."""
        value = self.package(package)
        if package.variant is None:
            return value
        return nix.Commented(value, f"{package.name} {package.version} from {package.variant}")

    def _facts(self, name: str, bindings: list[str]) -> list[object]:
        """Everything the lines of ``name`` depend on: its locked versions, their
        conditions, edges (with the names they point at), build systems, build
        cycles and fixes, and the options that reach them."""
        versions = self.graph.by_name[name]
        facts: list[object] = [name, bindings, self.lock_dir, self.lock.requires_python]
        for package in versions:
            edges = self.graph.package_edges(package)
            extras = {
                extra: self.graph.edges(deps, frozenset({extra})) for extra, deps in sorted(package.extras.items())
            }
            targets = {t for t, _ in edges} | {t for e in extras.values() for t, _ in e}
            facts.append(
                [
                    self.snapshot.fingerprint(package),
                    markers.render(self.condition(package)).code,
                    [(t, markers.render(c).code) for t, c in edges],
                    {x: [(t, markers.render(c).code) for t, c in e] for x, e in extras.items()},
                    {t: self.graph.attribute(t) for t in sorted(targets)},
                    _build_facts(self.source_builds.get(package.key)),
                    self.fixes.for_package(name, package.version),
                ]
            )
        facts += [
            self.graph.dropped.get(name),
            self.cycles.wheels.get(name),
            sorted(self.cycles.from_previous.get(name, ())),
            self.skipped(name),
        ]
        return facts

    def _build_inputs(self, package: Package) -> tuple[build_systems.BuildInput, ...]:
        """The build system a package declares, mapped to the package set (kept in the snapshot)."""
        if package.build_system is None:
            return tuple(build_systems.for_package(package, self._lock_path))  # reads a local pyproject.toml
        requires = package.build_system.requires
        if requires not in self._build_inputs_of:  # most locks' sdists share a few build systems
            key = digest("build-inputs", __version__, requires)
            inputs = self.snapshot.memo("build-inputs", key, lambda: build_systems.from_requirements(requires))
            self._build_inputs_of[requires] = tuple(inputs)
        return self._build_inputs_of[requires]

    # --- one package -------------------------------------------------------------

    def condition(self, package: Package) -> Condition:
        """Where ``package`` is installed: its marker and its Requires-Python."""
        return self.graph.compiled.installed(package.marker, package.requires_python, self.lock.requires_python)

    def _guarded(self, package: Package) -> object:
        expr = self.package(package)
        cond = self.condition(package)
        if cond is True:
            return expr
        if cond is False:
            never = f"{package.version}: never installed on a supported interpreter"
            return nix.Commented(_previous(package.name), never)
        return nix.IfElse(markers.render(cond), expr, _previous(package.name))

    def package(self, package: Package) -> object:
        source = package.source
        if isinstance(source, IndexSource) and source.sdist is None and not source.wheels:
            message = (
                f"lock2nix: {package.name} {package.version}: none of its locked files is on "
                f"{source.url} any more; re-lock the project"
            )
            return nix.Call(nix.Expr("throw"), nix.string(message))
        args: dict[str, object] = {"pname": package.name, "version": package.version}
        wheel_only = self._source_args(package, args)
        applicable = self.fixes.for_package(package.name, package.version)
        if not wheel_only:
            build = self.source_builds[package.key]
            args["build-system"] = self.build_system_expr(package.name, build)
            if "wheels" in args:
                prefer_wheel = self._prefer_wheel(package.name, build, applicable)
                if prefer_wheel is not None:
                    args["preferWheel"] = prefer_wheel
        args["dependencies"] = self._dependencies(package, applicable)
        optional = {
            extra: self.dependency_list(
                [(n, c) for n, c in self.graph.edges(deps, frozenset({extra})) if n != package.name]
            )
            for extra, deps in sorted(package.extras.items())
        }
        optional = {k: v for k, v in optional.items() if v != []}
        if optional:
            args["optional-dependencies"] = optional
        subdirectory = getattr(source, "subdirectory", None)
        if subdirectory:
            args["subdirectory"] = subdirectory
        if not wheel_only:
            classic = fixes.classic_poetry(package.name, package.build_system)
            source_attrs = fixes.source_attrs([*applicable, *([classic] if classic else [])])
            if source_attrs is not None:
                args["sourceAttrs"] = source_attrs
        if "wheels" in args or wheel_only:
            wheel_attrs = fixes.wheel_attrs(applicable)
            if wheel_attrs is not None:
                args["wheelAttrs"] = wheel_attrs
        if package.name in self.graph.dropped:
            # The dropped edge is missing at build time; the runtime check would flag it.
            args["attrs"] = {"dontCheckRuntimeDeps": True}
        return nix.Call(nix.name("mkPackage"), args)

    def _source_args(self, package: Package, args: dict[str, object]) -> bool:
        """Fill the source arguments; True when the package installs from a wheel only."""
        source = package.source
        if isinstance(source, IndexSource):
            kept = wheels.usable_wheels(source.wheels, self.lock.requires_python)
            if kept:
                args["wheels"] = artifact_list(kept)
            if source.sdist is not None:
                args["sdist"] = nix.Lines(artifact_lines(source.sdist))
            return source.sdist is None
        if isinstance(source, VcsSource):
            src: object = nix.Call(nix.select("final", "fetchgit"), _fetchgit_args(package, source))
            if source.resolved_ref is not None:
                src = nix.Commented(
                    src,
                    f"lock2nix: the lock names git ref {source.requested_revision!r}, not a commit; "
                    f"{source.resolved_ref} was {source.commit_id} when translated (git ls-remote)",
                )
            args["src"] = src
            return False
        if isinstance(source, ArchiveSource) and source.url is not None:
            # Like an index file: the wheel's tags are checked, manylinux libraries added.
            artifact = dataclasses.replace(source.artifact, url=source.url)
            if artifact.is_wheel:
                args["wheels"] = artifact_list([artifact])
            else:
                args["sdist"] = nix.Lines(artifact_lines(artifact))
            return artifact.is_wheel
        if isinstance(source, ArchiveSource):
            assert source.path is not None, "an archive has a URL or a path"
            args["src"] = self._local_copy(package, self.path(source.path))
            args["isWheel"] = source.artifact.is_wheel
            return source.artifact.is_wheel
        assert isinstance(source, DirectorySource), f"{package.entry}: no source to build from"
        args["src"] = self._local_copy(package, self.local_src(package.name, source.path))
        return False

    def _local_copy(self, package: Package, src: object) -> object:
        """``src``, saying so when it is the user's local copy instead of the locked source."""
        local = [f for f in self.fixes.for_package(package.name, package.version) if f.src is not None]
        if not local:
            return src
        return nix.Commented(src, f"{local[-1].why}\n  src: a local copy instead of the locked source")

    def _dependencies(self, package: Package, applicable: Sequence[Fix]) -> object:
        dependencies = self.dependency_list(self.graph.package_edges(package))
        extra = [f for f in applicable if f.dependencies]
        if extra:
            added = [nix.select("pyFinal", *d.split(".")) for f in extra for d in f.dependencies]
            dependencies = nix.Concat((dependencies, added)) if dependencies != [] else added
            dependencies = nix.Commented(dependencies, "\n".join(f.why for f in extra))
        dropped = self.graph.dropped.get(package.name, {})
        if dropped:
            notes = "; ".join(f"{target} (cycle {' -> '.join(cycle)})" for target, cycle in sorted(dropped.items()))
            dependencies = nix.commented(dependencies, f"lock2nix dropped {notes}")
        return dependencies

    def _prefer_wheel(self, name: str, build: SourceBuild, applicable: Sequence[Fix]) -> object | None:
        cycle = self.cycles.wheels.get(name)
        if cycle is not None:
            shown = ", ".join(cycle[:6]) + (", ..." if len(cycle) > 6 else "")
            why = f"lock2nix: the wheel, as building from source needs itself (build cycle: {shown})"
            return nix.Commented(True, why)
        chosen = [f for f in applicable if f.prefer_wheel is not None]
        if chosen:
            return nix.Commented(True, chosen[-1].why) if chosen[-1].prefer_wheel else None
        if build_systems.needs_foreign_toolchain(build.inputs) and build.fix is None:
            return True
        return None

    # --- shared with the root project ---------------------------------------------

    def build_system_expr(self, name: str, build: SourceBuild) -> object:
        """The build system read from the source, unless a fix replaces it."""
        previous = self.cycles.from_previous.get(name, frozenset())
        if build.fix is None:
            value = self._declared_build_system(build.inputs, previous)
        else:
            assert build.fix.build_system is not None
            value = nix.Commented(
                [nix.select(_set_of(a, previous), *a.split(".")) for a in build.fix.build_system], build.fix.why
            )
        if previous:
            value = nix.commented(
                value,
                f"lock2nix: {', '.join(sorted(previous))} from the package set before the lock: "
                f"building them needs {name}",
            )
        return value

    def _declared_build_system(
        self, inputs: Sequence[build_systems.BuildInput], previous: frozenset[str]
    ) -> object:
        value = self.dependency_list(
            [(b.attribute, self.graph.compiled.marker(b.marker)) for b in inputs if b.attribute is not None],
            keep_order=True,
            package_set=lambda attribute: _set_of(attribute, previous),
        )
        missing = [b.requirement for b in inputs if b.attribute is None]
        if missing:
            value = nix.Commented(value, f"not in nixpkgs, left out: {', '.join(missing)}")
        return value

    def dependency_list(
        self,
        edges: Sequence[Edge],
        *,
        keep_order: bool = False,
        package_set: Callable[[str], str] = lambda _: "pyFinal",
    ) -> object:
        """Group edges into an unconditional list and ``optionals cond [ ... ]`` parts.

        Names are sorted unless ``keep_order`` (build systems read as declared).
        """
        merged: dict[str, Condition] = {}
        for name, cond in edges:
            merged[name] = markers.disjunction([merged[name], cond]) if name in merged else cond
        unconditional: list[str] = []
        conditional: dict[str, tuple[Condition, list[str]]] = {}
        for name in merged if keep_order else sorted(merged):
            cond = merged[name]
            if cond is True:
                unconditional.append(name)
            else:
                conditional.setdefault(markers.render(cond).code, (cond, []))[1].append(name)

        def refs(names: list[str]) -> list[nix.Expr]:
            return [nix.select(package_set(n), self.graph.attribute(n)) for n in names]

        parts: list[object] = []
        if unconditional or not conditional:
            parts.append(refs(unconditional))
        for key in sorted(conditional):
            cond, names = conditional[key]
            parts.append(nix.Call(nix.name("optionals"), cond, refs(names)))
        return parts[0] if len(parts) == 1 else nix.Concat(tuple(parts))

    def local_src(self, name: str, relative: str) -> nix.Call:
        return nix.Call(nix.name("cleanSource"), nix.string(f"{name}-source"), self.path(relative))

    def path(self, relative: str) -> nix.Expr:
        return nix.path(_join(self.lock_dir, relative))

    # --- build cycles ----------------------------------------------------------------

    def _cycle_plan(self) -> build_cycles.Plan:
        by_name = self.graph.by_name
        runtime = {
            name: {t for p in versions for t, _ in self.graph.package_edges(p) if t in by_name}
            for name, versions in by_name.items()
        }
        build = {
            name: {a for p in versions if p.key in self.source_builds for a in self.source_builds[p.key].attributes}
            & by_name.keys()
            for name, versions in by_name.items()
        }
        has_wheel = {name for name, versions in by_name.items() if all(self._has_wheel(p) for p in versions)}
        return build_cycles.plan(runtime, build, has_wheel)

    def _has_wheel(self, package: Package) -> bool:
        source = package.source
        if isinstance(source, IndexSource) and self.snapshot.stands_in(package):
            return bool(source.wheels)  # an outline keeps a wheel only where one installs (see outline)
        return _has_wheel(package, self.lock.requires_python)


#: Where the package set's attributes and let bindings sit in the overlay (the
#: body of mkOverlay's `packages` function): their lines are laid out once and
#: kept in the snapshot as they are.
PACKAGE_INDENT = "      "


def _lay_out(name: str, value: object, *, attribute: bool = False) -> dict[str, object]:
    """``name = value;`` at PACKAGE_INDENT, with the names it uses."""
    text = nix.entry(name, value, PACKAGE_INDENT) if attribute else nix.binding(name, value, PACKAGE_INDENT)
    return {"text": text, "uses": sorted(nix.names_used(value))}


def _entry(laid_out: dict[str, Any]) -> nix.Entry:
    return nix.Entry(laid_out["text"], frozenset(laid_out["uses"]))


def _build_facts(build: SourceBuild | None) -> object:
    """``build`` as plain tuples: what a snapshot key pickles fast."""
    if build is None:
        return None
    return tuple((b.requirement, b.attribute, b.marker) for b in build.inputs), build.fix


def _builds_from_source(package: Package) -> bool:
    source = package.source
    if isinstance(source, IndexSource):
        return source.sdist is not None
    if isinstance(source, ArchiveSource):
        return not source.artifact.is_wheel
    return isinstance(source, (VcsSource, DirectorySource))


def outline(package: Package, requires_python: str | None) -> Package:
    """What the overlay's plan reads of a resolved package, in a lock whose
    Requires-Python is ``requires_python``: all of it but its files, of which
    it asks only whether it has an sdist and whether a wheel installs (the
    first that does stands for them), by their names. Only a package's own
    text, written from all of it, gives their URLs and hashes."""
    source = package.source
    if not isinstance(source, IndexSource) or (source.sdist is None and not source.wheels):
        return package
    first_usable = wheels.usable_wheels(source.wheels, requires_python)[:1]
    return dataclasses.replace(
        package,
        source=dataclasses.replace(
            source,
            sdist=None if source.sdist is None else _named(source.sdist),
            wheels=tuple(_named(w) for w in first_usable),
        ),
    )


def _named(artifact: Artifact) -> Artifact:
    return Artifact(artifact.filename, {})


def _has_wheel(package: Package, requires_python: str | None) -> bool:
    source = package.source
    if isinstance(source, IndexSource):
        return wheels.any_usable(source.wheels, requires_python)
    return isinstance(source, ArchiveSource) and source.artifact.is_wheel


def _set_of(attribute: str, previous: frozenset[str]) -> str:
    return "pyPrev" if attribute.split(".")[0] in previous else "pyFinal"


def _previous(name: str) -> nix.Expr:
    """nixpkgs' own package of ``name`` where the lock installs none (null if none)."""
    return nix.Expr(f"{nix.select('pyPrev', name).code} or null", frozenset({"pyPrev"}))


def _select_version(name: str, choices: list[tuple[Condition, str]]) -> object:
    """``if c1 then a else if c2 then b else pyPrev.<name> or null``, in the order given."""
    result: object = _previous(name)
    for cond, binding in reversed(choices):
        result = nix.Expr(binding) if cond is True else nix.IfElse(markers.render(cond), nix.Expr(binding), result)
    return result


def _choice_comment(versions: Sequence[Package]) -> str:
    distinct = len({p.version for p in versions})
    if distinct == len(versions):
        return f"{len(versions)} versions locked; markers pick one"
    # Poetry locks a version once per source (a url wheel per platform).
    if distinct == 1:
        return f"{versions[0].version} locked {len(versions)} times, from different sources; markers pick one"
    return f"{len(versions)} entries of {distinct} versions locked, some from several sources; markers pick one"


def _binding_name(package: Package) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", f"{package.name}_{package.version}")
    return base if re.match(r"[A-Za-z_]", base) else f"_{base}"


def artifact_lines(artifact: Artifact) -> tuple[str, ...]:
    """``{ url; hash; }`` one field per line (URLs are long); ``file`` only
    where the URL's last segment is not the file name. Laid out directly, as
    this is most of a large overlay."""
    url = artifact.url or ""
    lines = ["{"]
    # The library takes the file name from the URL as Nix's baseNameOf does (no decoding).
    if url.rsplit("/", 1)[-1] != artifact.filename:
        lines.append(f"  file = {nix.string(artifact.filename).code};")
    lines.append(f"  url = {nix.string(url).code};")
    lines.append(f"  hash = {nix.string(sri_from_hex('sha256', artifact.hashes['sha256'])).code};")
    lines.append("}")
    return tuple(lines)


def artifact_list(artifacts: Sequence[Artifact]) -> nix.Lines:
    lines = ["["]
    for artifact in artifacts:
        lines.extend("  " + line for line in artifact_lines(artifact))
    lines.append("]")
    return nix.Lines(tuple(lines))


def _fetchgit_args(package: Package, source: VcsSource) -> dict[str, object]:
    if source.hash is None or source.commit_id is None:
        raise AssertionError(f"{package.entry}: git source reached the generator without a commit and hash")
    return {
        "url": source.url,
        "rev": source.commit_id,
        "hash": source.hash,
        "fetchSubmodules": source.submodules,
        # mkPackage finds a subdirectory under this name.
        "name": "source",
    }


def _join(base: str, relative: str) -> str:
    if relative.startswith("/"):
        return relative
    parts: list[str] = []
    for part in (PurePosixPath(base) / relative).parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts) or "."

"""Resolved lock model → nixpkgs overlay.

The overlay is one function ``final: prev: { ... }``.  Locked packages enter
every interpreter's package set through ``pythonPackagesExtensions``; wheel or
sdist and every PEP 508 marker are decided when Nix evaluates, by helpers the
overlay carries with it (``nix/prelude.nix``).  The root project gets a
derivation and environments under ``lock2nixProjects.<name>``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath


from . import bootstrap, build_systems, markers, nix, overrides, wheels
from .markers import ANY_EXTRA, Condition
from .model import (
    MAIN_GROUP,
    ArchiveSource,
    Artifact,
    Dependency,
    DirectorySource,
    IndexSource,
    Lock,
    NixpkgsSource,
    Package,
    VcsSource,
)

PRELUDE = Path(__file__).with_name("nix") / "prelude.nix"
# Names the prelude exports that generated code may use.
HELPERS = (
    "env",
    "versionOlder",
    "versionAtMost",
    "versionNewer",
    "versionAtLeast",
    "versionEqual",
    "versionNotEqual",
    "versionCompatible",
    "hasInfix",
    "optionals",
    "mkPackage",
    "mkProject",
    "cleanSource",
)
# Interpreter attributes tried for the project's environments, preferred first.
INTERPRETERS = ("python3", "python314", "python313", "python312", "python311", "python310", "python39")
TEST_RUNNERS = {"pytest": "pytestCheckHook"}


@dataclass(frozen=True)
class Options:
    prefer: str = "wheel"
    #: Directory of the lock file relative to the generated file's directory.
    lock_dir: str = "."
    #: Header lines (tool version, regenerate command, input digest).
    header: tuple[str, ...] = ()
    #: File name of the overlay, kept out of the project's source.
    output_name: str | None = None
    #: Curated fixes plus the user's (default: the curated ones).
    fixes: overrides.Fixes | None = None
    #: Interpreter attributes tried for the project, preferred first.
    pythons: tuple[str, ...] | None = None
    #: conda environments: "error" or "warn" when nixpkgs does not satisfy a spec.
    conda_check: str = "error"


@dataclass
class _Graph:
    """Edges between locked names after extras are expanded and cycles broken."""

    lock: Lock
    by_name: dict[str, list[Package]] = field(default_factory=dict)
    dropped: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Each package's runtime edges (extras expanded, self-edges removed), by key.
    direct: dict[str, list[tuple[str, Condition]]] = field(default_factory=dict)
    #: Names nixpkgs provides (conda environments), with their Python attribute:
    #: edges to them are kept, and point at the package set's own package.
    provided: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for package in self.lock.packages:
            if isinstance(package.source, NixpkgsSource):
                self.provided[package.name] = package.source.attribute
                continue
            self.by_name.setdefault(package.name, []).append(package)
        for versions in self.by_name.values():
            versions.sort(key=lambda p: wheels.version_key(p.version), reverse=True)
            for package in versions:
                self.direct[package.key] = [
                    (name, cond) for name, cond in self.edges(package.dependencies) if name != package.name
                ]
        self._break_cycles()

    def edges(self, deps: Iterable[Dependency], extras_context: frozenset[str] = frozenset()) -> list[tuple[str, Condition]]:
        """Locked targets of ``deps`` (with requested extras expanded) and their conditions."""
        out: list[tuple[str, Condition]] = []
        seen: set[tuple[str, str, tuple[str, ...]]] = set()
        stack = [(d, markers.compile_marker(d.marker, extras_context)) for d in deps]
        while stack:
            dep, cond = stack.pop(0)
            if cond is False or (dep.name not in self.by_name and dep.name not in self.provided):
                continue
            key = (dep.name, str(cond), dep.extras)
            if key in seen:
                continue
            seen.add(key)
            out.append((dep.name, cond))
            for extra in dep.extras:
                for target in self.by_name.get(dep.name, ()):
                    for extra_dep in target.extras.get(extra, ()):
                        extra_cond = markers.conjunction(
                            [cond, markers.compile_marker(extra_dep.marker, frozenset({extra}))]
                        )
                        stack.append((extra_dep, extra_cond))
        return out

    def package_edges(self, package: Package) -> list[tuple[str, Condition]]:
        dropped = self.dropped.get(package.name, {})
        return [(name, cond) for name, cond in self.direct[package.key] if name not in dropped]

    def _break_cycles(self) -> None:
        # Depth-first from names in sorted order; a back edge closes a cycle and is
        # dropped, so the result is the same on every run.
        adjacency: dict[str, list[str]] = {}
        for name, versions in sorted(self.by_name.items()):
            targets: set[str] = set()
            for package in versions:
                targets.update(t for t, _ in self.direct[package.key] if t in self.by_name)
            adjacency[name] = sorted(targets)
        state: dict[str, int] = {}
        for start in adjacency:
            if state.get(start):
                continue
            path: list[str] = [start]
            position = {start: 0}  # index in path, so closing a cycle costs no search
            state[start] = 1
            iterators = [iter(adjacency[start])]
            while iterators:
                target = next(iterators[-1], None)
                if target is None:
                    iterators.pop()
                    state[path.pop()] = 2
                    continue
                if state.get(target) == 1:
                    self.dropped.setdefault(path[-1], {})[target] = _cycle_shown(path[position[target]:], target)
                elif not state.get(target):
                    state[target] = 1
                    position[target] = len(path)
                    path.append(target)
                    iterators.append(iter(adjacency[target]))


def _cycle_shown(path: list[str], target: str, most: int = 8) -> list[str]:
    """The cycle ``path -> target`` as the overlay's comment names it: a long one
    (depth-first paths in a large lock run to thousands) is shortened, which
    keeps the comments, and the work, linear in the size of the lock."""
    if len(path) <= most:
        return [*path, target]
    return [*path[:3], f"... {len(path) - 5} more ...", *path[-2:], target]


def generate(lock: Lock, options: Options) -> str:
    return _Generator(lock, options).render()


class _Generator:
    def __init__(self, lock: Lock, options: Options) -> None:
        self.lock = lock
        self.options = options
        self.graph = _Graph(lock)
        self.root = lock.root
        self.lock_dir = Path(lock.file).parent
        self.fixes = options.fixes if options.fixes is not None else overrides.curated()
        #: Names of the Python attributes used as build systems (for versionFromVcs).
        self.build_attributes: set[str] = set()
        #: Build system of each package that may be built from source, by key.
        self.source_builds: dict[str, _SourceBuild] = {}
        for versions in self.graph.by_name.values():
            for package in versions:
                if _builds_from_source(package):
                    self.source_builds[package.key] = self._source_build(package)
        self.bootstrap = self._bootstrap_plan()

    # --- top level ------------------------------------------------------------

    def render(self) -> str:
        # Header lines hold file names (the regenerate command): a newline in one
        # must not end the comment, so they go through the emitter's comment lines.
        lines = [c for line in self.options.header for c in (nix.comment_lines(line, "") if line else ["#"])]
        lines.append("final: prev:")
        lines.append("let")
        lines.append("  # lock2nix helpers: PEP 508 markers, wheel tags and the package builder,")
        lines.append("  # evaluated per interpreter. Only builtins, so Nix >= 2.8 is enough.")
        lines.append("  lock2nix = (")
        lines.extend(_indent(PRELUDE.read_text(encoding="utf-8").rstrip("\n"), "    "))
        # The body first: it records which build systems are used.
        body = self._extension_body("      ")
        args = {"prefer": self.options.prefer}
        if self.options.output_name:
            args["overlayFile"] = self.options.output_name
        settings = " ".join(f"{k} = {nix.string(v).code};" for k, v in args.items())
        vcs = self._version_from_vcs()
        if vcs:
            lines.append(f"  ) {{")
            lines.append(f"    inherit final;")
            lines.extend(f"    {line}" for line in settings.replace("; ", ";\n").splitlines())
            lines.append(nix.entry("versionFromVcs", vcs, "    "))
            lines.append("  };")
        else:
            lines.append(f"  ) {{ inherit final; {settings} }};")
        if self.root is not None:
            lines.extend(self._project_groups())
        if self.lock.environment is not None:
            from .conda_overlay import helper_binding

            lines.extend(helper_binding())
        lines.append("in")
        lines.append("{")
        lines.append("  pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [")
        lines.append("    (")
        lines.append("      pyFinal: pyPrev:")
        lines.extend(body)
        lines.append("    )")
        lines.append("  ];")
        if self.root is not None:
            lines.extend(self._project_attrs())
        if self.lock.environment is not None:
            from .conda_overlay import environment_attrs

            lines.extend(environment_attrs(self.lock, self.options.pythons or INTERPRETERS, self.options.conda_check))
        lines.append("}")
        return nix.join_lines(lines)

    def _extension_body(self, indent: str) -> list[str]:
        inner = indent + "  "
        private: list[str] = []
        public: list[str] = []
        bindings: set[str] = set()
        for name in sorted(self.graph.by_name):
            versions = self.graph.by_name[name]
            skipped = [f for f in self.fixes.for_package(name, None if len(versions) > 1 else versions[0].version) if f.skip]
            if skipped:
                # Not overridden: the package set's own (nixpkgs') package stays.
                public.extend(nix.comment_lines(f"{name}: not taken from the lock ({skipped[-1].why})", inner))
                continue
            if len(versions) == 1:
                public.append(self._attr(name, self._guarded(versions[0]), inner))
                continue
            choices: list[tuple[Condition, str]] = []
            for package in versions:
                binding = _binding_name(package)
                while binding in bindings:  # names or versions that differ only in punctuation
                    binding += "_"
                bindings.add(binding)
                private.append(self._binding(binding, self._package_expr(package), inner))
                choices.append((self._package_condition(package), binding))
            public.append(
                self._attr(
                    name,
                    nix.Commented(_select_version(choices), f"{len(versions)} versions locked; markers pick one"),
                    inner,
                )
            )
        if self.root is not None and self.root.is_package:
            if self.root.name in self.graph.by_name:
                # Two definitions of one attribute: Nix would reject the overlay.
                from .errors import Lock2NixError

                entry = self.graph.by_name[self.root.name][0].entry
                raise Lock2NixError(
                    f"{entry}: the project itself ({self.root.name}) is locked as a package too; "
                    "remove that entry from the lock or rename the project"
                )
            public.append(self._attr(self.root.name, self._root_package(), inner))
        lines = [f"{indent}let"]
        # Every helper, whether used or not: scanning a large overlay to trim this
        # list costs more than the unused bindings (which Nix never evaluates).
        lines.append(f"{indent}  inherit (lock2nix pyFinal)")
        lines.extend(f"{indent}    {h}" for h in HELPERS)
        lines.append(f"{indent}    ;")
        if self.root is not None and self.root.is_package:
            lines.append(f"{indent}  groups = projectGroups pyFinal;")
        lines.extend(private)
        lines.append(f"{indent}in")
        lines.append(f"{indent}{{")
        lines.extend(public)
        lines.append(f"{indent}}}")
        return lines

    @staticmethod
    def _attr(name: str, value: object, indent: str) -> str:
        return nix.entry(name, value, indent)

    @staticmethod
    def _binding(name: str, value: object, indent: str) -> str:
        return nix.binding(name, value, indent)

    # --- one package ----------------------------------------------------------

    def _package_condition(self, package: Package) -> Condition:
        requires_python = wheels.relevant_requires_python(package.requires_python, self.lock.requires_python)
        return markers.conjunction(
            [
                markers.compile_marker(package.marker, ANY_EXTRA),
                markers.compile_requires_python(requires_python),
            ]
        )

    def _guarded(self, package: Package) -> object:
        expr = self._package_expr(package)
        cond = self._package_condition(package)
        if cond is True:
            return expr
        if cond is False:
            return nix.Commented(None, f"{package.version}: never installed on a supported interpreter")
        return nix.IfElse(markers.render(cond), expr, None)

    def _package_expr(self, package: Package) -> object:
        source = package.source
        if isinstance(source, IndexSource) and source.sdist is None and not source.wheels:
            message = (
                f"lock2nix: {package.name} {package.version}: none of its locked files is on "
                f"{source.url} any more; re-lock the project"
            )
            return nix.Call(nix.Expr("throw"), nix.string(message))
        args: dict[str, object] = {
            "pname": package.name,
            "version": package.version,
        }
        wheel_only = False
        if isinstance(source, IndexSource):
            kept = wheels.usable_wheels(source.wheels, self.lock.requires_python)
            if kept:
                args["wheels"] = _artifact_list(kept)
            if source.sdist is not None:
                args["sdist"] = nix.Lines(_artifact_lines(source.sdist))
            wheel_only = source.sdist is None
        elif isinstance(source, VcsSource):
            args["src"] = nix.Call(nix.Expr("final.fetchgit"), _fetchgit_args(package, source))
        elif isinstance(source, ArchiveSource) and source.url is not None:
            # Like an index file: the wheel's tags are checked, manylinux libraries added.
            artifact = dataclasses.replace(source.artifact, url=source.url)
            if artifact.is_wheel:
                args["wheels"] = _artifact_list([artifact])
            else:
                args["sdist"] = nix.Lines(_artifact_lines(artifact))
            wheel_only = artifact.is_wheel
        elif isinstance(source, ArchiveSource):
            assert source.path is not None, "an archive has a URL or a path"
            args["src"] = self._path(source.path)
            args["isWheel"] = source.artifact.is_wheel
            wheel_only = source.artifact.is_wheel
        elif isinstance(source, DirectorySource):
            args["src"] = self._local_src(package.name, source.path)
        fixes = self.fixes.for_package(package.name, package.version)
        if not wheel_only:
            build = self.source_builds[package.key]
            args["build-system"] = self._source_build_expr(package.name, build)
            if "wheels" in args:
                prefer_wheel = self._prefer_wheel(package.name, build, fixes)
                if prefer_wheel is not None:
                    args["preferWheel"] = prefer_wheel
        dependencies = self._dependency_list(self.graph.package_edges(package))
        extra = [f for f in fixes if f.dependencies]
        if extra:
            added = [nix.select("pyFinal", *d.split(".")) for f in extra for d in f.dependencies]
            dependencies = nix.Concat((dependencies, added)) if dependencies != [] else added
            dependencies = nix.Commented(dependencies, "\n".join(f.why for f in extra))
        dropped = self.graph.dropped.get(package.name, {})
        if dropped:
            notes = "; ".join(
                f"{target} (cycle {' -> '.join(cycle)})" for target, cycle in sorted(dropped.items())
            )
            dependencies = nix.commented(dependencies, f"lock2nix dropped {notes}")
        args["dependencies"] = dependencies
        optional = {
            extra: self._dependency_list(
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
            source_attrs = _source_attrs(fixes)
            if source_attrs is not None:
                args["sourceAttrs"] = source_attrs
        if "wheels" in args or wheel_only:
            wheel_attrs = _wheel_attrs(fixes)
            if wheel_attrs is not None:
                args["wheelAttrs"] = wheel_attrs
        attrs: dict[str, object] = {}
        if dropped:
            # The dropped edge is missing at build time; the runtime check would flag it.
            attrs["dontCheckRuntimeDeps"] = True
        if attrs:
            args["attrs"] = attrs
        return nix.Call(nix.Expr("mkPackage"), args)

    def _source_build(self, package: Package) -> _SourceBuild:
        fixes = self.fixes.for_package(package.name, package.version)
        replacing = [f for f in fixes if f.build_system is not None]
        return _SourceBuild(build_systems.for_package(package, self.lock_dir), replacing[-1] if replacing else None)

    def _bootstrap_plan(self) -> bootstrap.Plan:
        runtime = {
            name: {t for p in versions for t, _ in self.graph.package_edges(p) if t in self.graph.by_name}
            for name, versions in self.graph.by_name.items()
        }
        build = {
            name: {a for p in versions if p.key in self.source_builds for a in self.source_builds[p.key].attributes}
            & self.graph.by_name.keys()
            for name, versions in self.graph.by_name.items()
        }
        has_wheel = {
            name
            for name, versions in self.graph.by_name.items()
            if all(_has_wheel(p, self.lock.requires_python) for p in versions)
        }
        return bootstrap.plan(runtime, build, has_wheel)

    def _source_build_expr(self, name: str, build: _SourceBuild) -> object:
        """The build system read from the source, unless a fix replaces it."""
        previous = self.bootstrap.from_previous.get(name, frozenset())
        if build.fix is None:
            value = self._build_system(build.inputs, previous)
        else:
            assert build.fix.build_system is not None
            self.build_attributes.update(build.fix.build_system)
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

    def _prefer_wheel(self, name: str, build: _SourceBuild, fixes: Sequence[overrides.Fix]) -> object | None:
        cycle = self.bootstrap.wheels.get(name)
        if cycle is not None:
            shown = ", ".join(cycle[:6]) + (", ..." if len(cycle) > 6 else "")
            return nix.Commented(True, f"lock2nix: the wheel, as building from source needs itself (build cycle: {shown})")
        chosen = [f for f in fixes if f.prefer_wheel is not None]
        if chosen:
            return nix.Commented(True, chosen[-1].why) if chosen[-1].prefer_wheel else None
        if build_systems.needs_foreign_toolchain(build.inputs) and build.fix is None:
            return True
        return None

    def _version_from_vcs(self) -> dict[str, str]:
        table = self.fixes.version_from_vcs
        return {name: table[name].env for name in sorted(self.build_attributes) if name in table}

    def _build_system(self, inputs: Sequence[build_systems.BuildInput], previous: frozenset[str] = frozenset()) -> object:
        self.build_attributes.update(b.attribute for b in inputs if b.attribute is not None)
        value = self._dependency_list(
            [(b.attribute, markers.compile_marker(b.marker)) for b in inputs if b.attribute is not None],
            keep_order=True,
            package_set=lambda attribute: _set_of(attribute, previous),
        )
        missing = [b.requirement for b in inputs if b.attribute is None]
        if missing:
            value = nix.Commented(value, f"not in nixpkgs, left out: {', '.join(missing)}")
        return value

    def _local_src(self, name: str, relative: str) -> nix.Expr:
        return nix.Expr(f"cleanSource {nix.string(f'{name}-source').code} {self._path(relative).code}")

    def _path(self, relative: str) -> nix.Expr:
        return nix.path(_join(self.options.lock_dir, relative))

    def _dependency_list(
        self,
        edges: Sequence[tuple[str, Condition]],
        *,
        keep_order: bool = False,
        package_set: Callable[[str], str] = lambda _: "pyFinal",
    ) -> object:
        """Group edges into an unconditional list and ``optionals cond [ ... ]`` parts.

        Names are sorted unless ``keep_order`` (build systems read as declared).
        """
        unconditional: list[str] = []
        conditional: dict[str, tuple[Condition, list[str]]] = {}
        merged: dict[str, Condition] = {}
        order: list[str] = []
        for name, cond in edges:
            if name not in merged:
                order.append(name)
                merged[name] = cond
            else:
                merged[name] = markers.disjunction([merged[name], cond])
        for name in order if keep_order else sorted(order):
            cond = merged[name]
            if cond is True:
                unconditional.append(name)
            else:
                key = markers.render(cond).code
                conditional.setdefault(key, (cond, []))[1].append(name)
        parts: list[object] = []
        if unconditional or not conditional:
            parts.append([nix.select(package_set(n), self.graph.provided.get(n, n)) for n in unconditional])
        for key in sorted(conditional):
            cond, names = conditional[key]
            parts.append(
                nix.Call(
                    nix.Expr("optionals"), cond, [nix.select(package_set(n), self.graph.provided.get(n, n)) for n in names]
                )
            )
        return parts[0] if len(parts) == 1 else nix.Concat(tuple(parts))

    # --- the root project -----------------------------------------------------

    def _project_groups(self) -> list[str]:
        assert self.root is not None
        groups = {g: self._dependency_list(self.graph.edges(deps)) for g, deps in sorted(self.root.groups.items())}
        groups.setdefault(MAIN_GROUP, [])
        extras = {
            extra: self._dependency_list(self.graph.edges(deps, frozenset({extra})))
            for extra, deps in sorted(self.root.extras.items())
        }
        body = nix.render({"groups": dict(sorted(groups.items())), "extras": extras}, "    ")
        lines = [
            "  # The root project's dependencies per group and per extra, in one package set.",
            "  projectGroups =",
            "    pyFinal:",
        ]
        used = _used_helpers(body)
        if used:
            lines += ["    let", "      inherit (lock2nix pyFinal)", *(f"        {h}" for h in used), "        ;", "    in"]
        lines.append(f"    {body};")
        return lines

    def _root_package(self) -> object:
        root = self.root
        assert root is not None
        check_names = sorted({n for g, deps in root.groups.items() if g != MAIN_GROUP for n, _ in self.graph.edges(deps)})
        fixes = self.fixes.for_package(root.name, root.version)
        replacing = [f for f in fixes if f.build_system is not None]
        build = _SourceBuild(
            build_systems.from_requirements(root.build_system.requires if root.build_system else ()),
            replacing[-1] if replacing else None,
        )
        args: dict[str, object] = {
            "pname": root.name,
            "version": root.version or "0",
            "src": self._local_src(root.name, root.path),
            "pyproject": True,
            "build-system": self._source_build_expr(root.name, build),
            "dependencies": nix.Expr("groups.groups.main"),
        }
        extra = [nix.select("pyFinal", *d.split(".")) for f in fixes for d in f.dependencies]
        if extra:
            args["dependencies"] = nix.Concat((nix.Expr("groups.groups.main"), extra))
        if root.extras:
            args["optional-dependencies"] = nix.Expr("groups.extras")
        check_groups = [g for g in root.groups if g != MAIN_GROUP]
        if check_groups:
            check = [nix.Expr(f"groups.groups.{nix.attr_name(g)}") for g in check_groups]
            runners = [nix.select("pyFinal", hook) for dist, hook in sorted(TEST_RUNNERS.items()) if dist in check_names]
            # Test inputs stay out of the runtime closure: check inputs only.
            args["nativeCheckInputs"] = nix.Concat(tuple([*check, runners])) if runners else (
                check[0] if len(check) == 1 else nix.Concat(tuple(check))
            )
        source_attrs = _source_attrs(fixes)
        if source_attrs is not None:
            args["sourceAttrs"] = source_attrs
        return nix.Call(nix.Expr("mkProject"), args)

    def _project_attrs(self) -> list[str]:
        root = self.root
        assert root is not None
        cond = markers.conjunction(
            [
                markers.compile_requires_python(root.requires_python),
                markers.compile_marker(self.lock.python_marker),
            ]
        )
        supports = markers.render(cond).code
        used = _used_helpers(supports)
        supports_fn = f"ps: let inherit (lock2nix ps) {' '.join(used)}; in {supports}" if used else f"ps: {supports}"
        constraint = root.requires_python or self.lock.requires_python or "any version"
        name = nix.attr_name(root.name)
        main = f"[ ps.{name} ]" if root.is_package else "(projectGroups ps).groups.main"
        dev = [main]
        dev += [f"(projectGroups ps).groups.{nix.attr_name(g)}" for g in root.groups if g != MAIN_GROUP]
        dev += [f"(projectGroups ps).extras.{nix.attr_name(e)}" for e in root.extras]
        no_python = nix.string(f"lock2nix: no Python interpreter in nixpkgs satisfies {constraint}").code
        lines = [
            "",
            "  # The project: the interpreter chosen for it, its package and its environments.",
            "  lock2nixProjects = (prev.lock2nixProjects or { }) // {",
            f"    {name} =",
            "      let",
            f"        supports = {supports_fn};",
            "        candidates = builtins.filter (attr: final ? ${attr} && supports final.${attr}.pkgs) [",
            *(f"          {nix.string(i).code}" for i in (self.options.pythons or INTERPRETERS)),
            "        ];",
            "        python =",
            f"          if candidates == [ ] then throw {no_python} else final.${{builtins.head candidates}};",
            "      in",
            "      {",
            "        inherit python;",
        ]
        if root.is_package:
            lines.append(f"        package = python.pkgs.{name};")
        lines += [
            "        # Runtime: the project and its main dependencies.",
            f"        runtimeEnv = python.withPackages (ps: {main});",
            "        # Development: every dependency group and extra as well.",
            f"        devEnv = python.withPackages (ps: {' ++ '.join(dev)});",
            "      };",
            "  };",
        ]
        return lines


@dataclass(frozen=True)
class _SourceBuild:
    """How a package builds from source: its declared build system, or a fix replacing it."""

    inputs: tuple[build_systems.BuildInput, ...] | list[build_systems.BuildInput]
    fix: overrides.Fix | None

    @property
    def attributes(self) -> list[str]:
        if self.fix is not None and self.fix.build_system is not None:
            return [a.split(".")[0] for a in self.fix.build_system]
        return [b.attribute for b in self.inputs if b.attribute is not None]


def _builds_from_source(package: Package) -> bool:
    source = package.source
    if isinstance(source, IndexSource):
        return source.sdist is not None
    if isinstance(source, ArchiveSource):
        return not source.artifact.is_wheel
    return isinstance(source, (VcsSource, DirectorySource))


def _has_wheel(package: Package, requires_python: str | None) -> bool:
    source = package.source
    if isinstance(source, IndexSource):
        return bool(wheels.usable_wheels(source.wheels, requires_python))
    return isinstance(source, ArchiveSource) and source.artifact.is_wheel


def _set_of(attribute: str, previous: frozenset[str]) -> str:
    return "pyPrev" if attribute.split(".")[0] in previous else "pyFinal"


def _source_attrs(fixes: Sequence[overrides.Fix]) -> object | None:
    """``sourceAttrs`` of mkPackage: the fixes for a build from source, with their reasons."""
    native = [(f, a) for f in fixes for a in f.native_build_inputs]
    inputs = [(f, a) for f in fixes for a in f.build_inputs]
    env = {k: v for f in fixes for k, v in f.env}
    patches = [f for f in fixes if f.post_patch]
    used = _unique([f for f, _ in native] + [f for f, _ in inputs] + [f for f in fixes if f.env] + patches)
    if not used:
        return None
    attrs: dict[str, object] = {}
    if native:
        attrs["nativeBuildInputs"] = _top_level(a for _, a in native)
    if inputs:
        attrs["buildInputs"] = _top_level(a for _, a in inputs)
    if env:
        attrs["env"] = dict(sorted(env.items()))
    if patches:
        attrs["postPatch"] = "\n".join(f.post_patch or "" for f in patches)
    return nix.Commented(attrs, "\n".join(f.why for f in used))


def _wheel_attrs(fixes: Sequence[overrides.Fix]) -> object | None:
    """``wheelAttrs`` of mkPackage: libraries a wheel needs beyond the manylinux set."""
    inputs = [(f, a) for f in fixes for a in f.wheel_build_inputs]
    ignored = [(f, a) for f in fixes for a in f.ignore_missing_deps]
    used = _unique([f for f, _ in inputs] + [f for f, _ in ignored])
    if not used:
        return None
    attrs: dict[str, object] = {}
    if inputs:
        attrs["buildInputs"] = _top_level(a for _, a in inputs)
    if ignored:
        attrs["autoPatchelfIgnoreMissingDeps"] = list(dict.fromkeys(a for _, a in ignored))
    return nix.Commented(attrs, "\n".join(f.why for f in used))


def _top_level(paths: Iterable[str]) -> list[nix.Expr]:
    return [nix.select("final", *p.split(".")) for p in dict.fromkeys(paths)]


def _unique(fixes: list[overrides.Fix]) -> list[overrides.Fix]:
    return list(dict.fromkeys(fixes))


def _used_helpers(code: str) -> list[str]:
    return [h for h in HELPERS if re.search(rf"(?<![\w.-]){h}(?![\w'-])", code)]


def _select_version(choices: list[tuple[Condition, str]]) -> object:
    """``if c1 then a else if c2 then b else null``, in the order given."""
    result: object = None
    for cond, binding in reversed(choices):
        if cond is True:
            result = nix.Expr(binding)
        else:
            result = nix.IfElse(markers.render(cond), nix.Expr(binding), result)
    return result


def _binding_name(package: Package) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", f"{package.name}_{package.version}")
    return base if re.match(r"[A-Za-z_]", base) else f"_{base}"


def _artifact_lines(artifact: Artifact) -> tuple[str, ...]:
    # Always one field per line (URLs are long): laid out directly, as this is
    # most of a large overlay.
    return (
        "{",
        f"  file = {nix.string(artifact.filename).code};",
        f"  url = {nix.string(artifact.url or '').code};",
        f"  hash = {nix.string(_sri(artifact)).code};",
        "}",
    )


def _artifact_list(artifacts: Sequence[Artifact]) -> nix.Lines:
    lines = ["["]
    for artifact in artifacts:
        lines.extend("  " + line for line in _artifact_lines(artifact))
    lines.append("]")
    return nix.Lines(tuple(lines))


def _sri(artifact: Artifact) -> str:
    from ._hashes import sri_from_hex

    return sri_from_hex("sha256", artifact.hashes["sha256"])


def _fetchgit_args(package: Package, source: VcsSource) -> dict[str, object]:
    if source.hash is None:
        raise AssertionError(f"{package.entry}: git source reached the generator without a hash")
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
    joined = PurePosixPath(base) / relative
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts) or "."


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line if line else "" for line in text.splitlines()]

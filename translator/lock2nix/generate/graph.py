"""The lock's dependency graph as the overlay wires it: edges between locked
names with their conditions, extras expanded, cycles broken deterministically."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..model import Dependency, Lock, NixpkgsSource, Package
from . import markers, wheels
from .markers import Condition

Edge = tuple[str, Condition]


@dataclass
class Graph:
    """Edges between locked names after extras are expanded and cycles broken."""

    lock: Lock
    #: Locked versions of each name, newest first.
    by_name: dict[str, list[Package]] = field(default_factory=dict)
    #: Per name: the targets whose edge was dropped to break a cycle, with the cycle.
    dropped: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    #: Each package's runtime edges (extras expanded, self-edges removed), by key.
    direct: dict[str, list[Edge]] = field(default_factory=dict)
    #: Names nixpkgs provides (conda environments), with their Python attribute:
    #: edges to them are kept, and point at the package set's own package.
    provided: dict[str, str] = field(default_factory=dict)
    #: Where the edges' markers, and the rest of the plan's conditions, are compiled.
    compiled: markers.Compiled = field(default_factory=markers.Compiled)

    def __post_init__(self) -> None:
        for package in self.lock.packages:
            if isinstance(package.source, NixpkgsSource):
                self.provided[package.name] = package.source.attribute
                continue
            self.by_name.setdefault(package.name, []).append(package)
        for versions in self.by_name.values():
            if len(versions) > 1:  # most names: one version, none to parse
                versions.sort(key=lambda p: wheels.version_key(p.version), reverse=True)
            for package in versions:
                self.direct[package.key] = [
                    (name, cond) for name, cond in self.edges(package.dependencies) if name != package.name
                ]
        self._break_cycles()

    def attribute(self, name: str) -> str:
        """The package set attribute an edge to ``name`` points at."""
        return self.provided.get(name, name)

    def edges(self, deps: Iterable[Dependency], extras_context: frozenset[str] = frozenset()) -> list[Edge]:
        """Locked targets of ``deps`` (with requested extras expanded) and their conditions."""
        out: list[Edge] = []
        seen: set[tuple[str, bool | str, tuple[str, ...]]] = set()
        # Edges to names the lock does not hold are dropped before their markers are compiled:
        # most extras of most packages ask for what the lock leaves out.
        stack = [(d, self.compiled.marker(d.marker, extras_context)) for d in deps if self._reaches(d)]
        while stack:
            dep, cond = stack.pop(0)
            if cond is False:
                continue
            key = (dep.name, cond if isinstance(cond, bool) else cond.code, dep.extras)
            if key in seen:
                continue
            seen.add(key)
            out.append((dep.name, cond))
            for extra in dep.extras:
                for target in self.by_name.get(dep.name, ()):
                    for extra_dep in target.extras.get(extra, ()):
                        if not self._reaches(extra_dep):
                            continue
                        extra_cond = markers.conjunction(
                            [cond, self.compiled.marker(extra_dep.marker, frozenset({extra}))]
                        )
                        stack.append((extra_dep, extra_cond))
        return out

    def _reaches(self, dep: Dependency) -> bool:
        return dep.name in self.by_name or dep.name in self.provided

    def package_edges(self, package: Package) -> list[Edge]:
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
                    self.dropped.setdefault(path[-1], {})[target] = cycle_shown(path[position[target]:], target)
                elif not state.get(target):
                    state[target] = 1
                    position[target] = len(path)
                    path.append(target)
                    iterators.append(iter(adjacency[target]))


def cycle_shown(path: list[str], target: str, most: int = 8) -> list[str]:
    """The cycle ``path -> target`` as the overlay's comment names it: a long one
    (depth-first paths in a large lock run to thousands) is shortened, which
    keeps the comments, and the work, linear in the size of the lock."""
    if len(path) <= most:
        return [*path, target]
    return [*path[:3], f"... {len(path) - 5} more ...", *path[-2:], target]

"""Build cycles: locked packages needed, directly or not, to build themselves.

A lock may pin build backends too (setuptools, flit-core, hatchling and their
dependencies).  Built from source with the locked backends, ``setuptools``
would need ``setuptools``, and Nix would report infinite recursion.  Such a
cycle must contain a build edge (runtime cycles are broken elsewhere).  It is
broken by installing the packages on it from their wheels, which need no build
system; a package on a cycle with no wheel builds with the package set's own
(nixpkgs') version of the backend instead (``pyPrev``).

The graph is decided at translate time and conservatively: every marker is
taken as true and every package as built from source, since the wheel-or-sdist
choice happens only when Nix evaluates.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Plan:
    #: Names installed from a wheel to break a build cycle, with the cycle's members.
    wheels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    #: Per name: build inputs taken from the previous package set (no wheel to break the cycle).
    from_previous: Mapping[str, frozenset[str]] = field(default_factory=dict)


def plan(
    runtime: Mapping[str, Iterable[str]],
    build: Mapping[str, Iterable[str]],
    has_wheel: Iterable[str],
) -> Plan:
    """Break every cycle that goes through a build edge.

    ``runtime`` and ``build`` map each locked name to the locked names it
    needs at run time and to build from source; ``has_wheel`` names the
    packages with a wheel in the lock.
    """
    wheel_ok = set(has_wheel)
    runtime_edges = {name: sorted(set(targets)) for name, targets in runtime.items()}
    build_edges = {name: set(targets) for name, targets in build.items()}
    wheels: dict[str, tuple[str, ...]] = {}
    previous: dict[str, set[str]] = {}
    while True:
        adjacency = {
            name: sorted(set(runtime_edges.get(name, ())) | _remaining(name, build_edges, wheels, previous))
            for name in sorted(set(runtime_edges) | set(build_edges))
        }
        changed = False
        for component in _components(adjacency):
            members = set(component)
            builders = sorted(
                n for n in component if _remaining(n, build_edges, wheels, previous) & members
            )
            if not builders:
                continue
            cycle = tuple(sorted(members))
            fixable = [n for n in builders if n in wheel_ok]
            if fixable:
                for name in fixable:
                    wheels[name] = cycle
            else:
                for name in builders:
                    previous.setdefault(name, set()).update(build_edges[name] & members)
            changed = True
        if not changed:
            return Plan(wheels, {k: frozenset(v) for k, v in previous.items()})


def _remaining(
    name: str, build: Mapping[str, set[str]], wheels: Mapping[str, object], previous: Mapping[str, set[str]]
) -> set[str]:
    if name in wheels:
        return set()
    return build.get(name, set()) - previous.get(name, set())


def _components(adjacency: Mapping[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with a cycle (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in adjacency:
        if root in index:
            continue
        work = [(root, iter(adjacency.get(root, ())))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, targets = work[-1]
            advanced = False
            for target in targets:
                if target not in index:
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(adjacency.get(target, ()))))
                    advanced = True
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1 or node in adjacency.get(node, ()):
                    found.append(sorted(component))
    return found

"""Dependency edges and extras from ``Requires-Dist`` lines."""

from __future__ import annotations

import pytest

from lock2nix.resolve.dependencies import edges_from_requirements


@pytest.mark.parametrize(
    ("requires", "runtime", "extras"),
    [
        (["a"], [("a", None)], {}),
        (["A_Pkg[Extra1]>=1"], [("a-pkg", None)], {}),
        (["unlocked"], [], {}),  # dropped: not in the lock
        (["a; python_version < '3.9'"], [("a", 'python_version < "3.9"')], {}),
        (["a; extra == 'x'"], [], {"x": ["a"]}),
        (["a; extra == 'X_Y' and os_name == 'nt'"], [], {"x-y": ["a"]}),
        # usable with or without the extra: runtime (conditional) and in the extra
        (["a; python_version < '3' or extra == 'x'"], [("a", 'python_version < "3" or extra == "x"')], {"x": ["a"]}),
    ],
)
def test_edges_from_requirements(requires, runtime, extras) -> None:
    deps, by_extra = edges_from_requirements(requires, ["x", "X-Y"], {"a", "a-pkg"})
    assert [(d.name, d.marker) for d in deps] == runtime
    assert {k: [d.name for d in v] for k, v in by_extra.items() if v} == extras
    assert set(by_extra) >= {"x", "x-y"}
    if requires[0].startswith("A_Pkg"):
        assert deps[0].extras == ("extra1",) and deps[0].specifier == ">=1"

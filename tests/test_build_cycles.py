"""Build cycles among locked packages: broken with wheels, else with the previous package set."""

from __future__ import annotations

import pytest

from lock2nix.generate.build_cycles import plan


@pytest.mark.parametrize(
    ("runtime", "build", "has_wheel", "wheels", "previous"),
    [
        # setuptools built with setuptools: its wheel is used.
        ({"setuptools": []}, {"setuptools": ["setuptools"]}, {"setuptools"}, {"setuptools"}, {}),
        # The same without a wheel: the backend comes from the package set before the lock.
        ({"setuptools": []}, {"setuptools": ["setuptools"]}, set(), set(), {"setuptools": {"setuptools"}}),
        # A runtime-only cycle is not a build cycle (runtime cycles are broken elsewhere).
        ({"a": ["b"], "b": ["a"]}, {}, {"a", "b"}, set(), {}),
        # hatchling needs pluggy at run time, pluggy builds with hatchling: both have wheels.
        ({"hatchling": ["pluggy"], "pluggy": []}, {"pluggy": ["hatchling"]}, {"hatchling", "pluggy"}, {"pluggy"}, {}),
        # Only the package without a wheel builds; the one with a wheel breaks the cycle.
        ({"flit-core": [], "tomli": []}, {"flit-core": ["tomli"], "tomli": ["flit-core"]}, {"tomli"}, {"tomli"}, {}),
        # No build edge inside a component: packages built by an acyclic chain are left alone.
        ({"a": [], "b": []}, {"a": ["b"], "b": ["setuptools"]}, set(), set(), {}),
    ],
)
def test_plan(runtime, build, has_wheel, wheels, previous) -> None:
    result = plan(runtime, build, has_wheel)
    assert set(result.wheels) == wheels
    assert {k: set(v) for k, v in result.from_previous.items()} == previous


def test_wheels_name_their_cycle() -> None:
    result = plan({"a": ["b"], "b": []}, {"b": ["a"]}, {"b"})
    assert result.wheels == {"b": ("a", "b")}

"""[build-system].requires → nixpkgs attributes (names mapped, pins dropped, markers merged)."""

from __future__ import annotations

import pytest

from lock2nix.generate.build_systems import BuildInput, from_requirements


@pytest.mark.parametrize(
    ("requires", "expected"),
    [
        ([], [BuildInput("setuptools", "setuptools", None)]),
        (["poetry>=1.0"], [BuildInput("poetry", "poetry-core", None)]),
        (["hatchling>=1.26", "hatch-vcs"], [BuildInput("hatchling", "hatchling", None), BuildInput("hatch-vcs", "hatch-vcs", None)]),
        # A name pinned per interpreter is needed wherever any of its markers holds...
        (
            ['numpy==1.22; python_version == "3.10"', 'numpy>=1.26; python_version >= "3.12"'],
            [BuildInput("numpy", "numpy", 'python_version == "3.10" or python_version >= "3.12"')],
        ),
        # ...and everywhere when the markers cover every interpreter.
        (
            ['cython; python_version < "3.13"', 'cython>=3.1; python_version >= "3.13"'],
            [BuildInput("cython", "cython", None)],
        ),
        (['wheel; python_version < "3.8"', "wheel"], [BuildInput("wheel", "wheel", None)]),
        (["not a requirement!", "setuptools"], [BuildInput("setuptools", "setuptools", None)]),
    ],
)
def test_from_requirements(requires, expected) -> None:
    assert from_requirements(requires) == expected

import tomllib
from pathlib import Path

import packaging
import pytest
from packaging.requirements import Requirement

import machinery_pins

PYPROJECT = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
PINS = {Requirement(r).name: str(Requirement(r).specifier)[2:] for r in PYPROJECT["project"]["dependencies"]}


def test_every_pin_is_the_installed_version() -> None:
    assert machinery_pins.versions() == PINS


def test_packaging_is_the_pinned_one() -> None:
    assert packaging.__version__ == PINS["packaging"]


def test_pytest_is_the_locked_one() -> None:
    assert pytest.__version__ == "8.3.4"

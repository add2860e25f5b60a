"""Recognising a lock's format from its name and, for stdin, its content."""

from __future__ import annotations

import pytest
from lock2nix.formats import detect_format


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("Pipfile.lock", "{}", "Pipfile.lock"),
        ("sub/Pipfile.lock", "{}", "Pipfile.lock"),
        ("-", '{\n    "_meta": {}\n}', "Pipfile.lock"),
        ("locks/prod.lock", '{"_meta": {"pipfile-spec": 6}}', "Pipfile.lock"),
        ("-", "[[package]]\nname = 'x'\n", "poetry.lock"),
    ],
)
def test_format_detection(name, text, fmt) -> None:
    assert detect_format(name, text) == fmt

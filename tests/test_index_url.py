"""Index URLs spelled one way."""

from __future__ import annotations

import pytest

from lock2nix._index_url import normalize_index_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pypi.python.org/simple", "https://pypi.org/simple/"),
        ("http://pypi.python.org/simple/", "https://pypi.org/simple/"),
        ("https://pypi.org/simple", "https://pypi.org/simple/"),
        ("https://mirror.example/pypi/simple/", "https://mirror.example/pypi/simple/"),
    ],
)
def test_pypi_old_host_is_normalised(url, expected) -> None:
    assert normalize_index_url(url) == expected

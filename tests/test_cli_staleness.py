"""The one-line summary ``--check`` gives of a stale overlay."""

from __future__ import annotations

import pytest
from lock2nix.cli.staleness import summary


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (None, "x", "it does not exist"),
        ('pname = "a";\nversion = "1";\n', 'pname = "a";\nversion = "2";\n', "1 package(s) changed: a 1 -> 2; 2 line(s) differ"),
        ('pname = "a";\nversion = "1";\n', 'pname = "a";\nversion = "1";\npname = "b";\nversion = "3";\n',
         "1 package(s) changed: +b 3; 2 line(s) differ"),
        ('pname = "a";\nversion = "1";\n', "", "1 package(s) changed: -a 1; 2 line(s) differ"),
        ("# header 1\nx\n", "# header 2\nx\n", "2 line(s) differ"),
    ],
)
def test_stale_summary(old, new, expected) -> None:
    assert summary(old, new) == expected

"""Wheel tags: which wheels fit an interpreter and platform (evaluated by Nix),
and which wheels the translator drops because no Nix target can use them."""

from __future__ import annotations

import pytest

from lock2nix.generate import wheels
from lock2nix.model import Artifact

from .nixeval import eval_json, nix_str

# (wheel file, system, python, extra fake-python args) -> compatible?
COMPATIBILITY = [
    ("six-1.16.0-py2.py3-none-any.whl", "x86_64-linux", "3.11", "", True),
    ("six-1.16.0-py2-none-any.whl", "x86_64-linux", "3.11", "", False),
    ("pkg-1.0-py311-none-any.whl", "x86_64-linux", "3.11", "", True),
    ("pkg-1.0-py312-none-any.whl", "x86_64-linux", "3.11", "", False),
    ("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "x86_64-linux", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "x86_64-linux", "3.12", "", False),
    ("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "aarch64-linux", "3.11", "", False),
    ("pkg-1.0-cp311-cp311-manylinux_2_17_aarch64.whl", "aarch64-linux", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-manylinux_2_41_x86_64.whl", "x86_64-linux", "3.11", "", False),  # glibc 2.40 too old
    ("pkg-1.0-cp311-cp311-manylinux_2_41_x86_64.whl", "x86_64-linux", "3.11", 'libcVersion = "2.41";', True),
    ("pkg-1.0-cp311-cp311-manylinux1_x86_64.whl", "x86_64-linux", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-musllinux_1_2_x86_64.whl", "x86_64-linux", "3.11", "", False),
    ("pkg-1.0-cp311-cp311-musllinux_1_2_x86_64.whl", "x86_64-linux", "3.11", 'libc = "musl"; libcVersion = "1.2.5";', True),
    ("pkg-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "x86_64-linux", "3.11", 'libc = "musl"; libcVersion = "1.2.5";', False),
    ("pkg-1.0-cp38-abi3-manylinux_2_17_x86_64.whl", "x86_64-linux", "3.13", "", True),
    ("pkg-1.0-cp314-abi3-manylinux_2_17_x86_64.whl", "x86_64-linux", "3.13", "", False),
    ("pkg-1.0-cp311-cp311-linux_x86_64.whl", "x86_64-linux", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-macosx_11_0_arm64.whl", "aarch64-darwin", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-macosx_15_0_arm64.whl", "aarch64-darwin", "3.11", "", False),  # newer than target 14.0
    ("pkg-1.0-cp311-cp311-macosx_10_9_universal2.whl", "aarch64-darwin", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-macosx_10_9_universal2.whl", "x86_64-darwin", "3.11", "", True),
    ("pkg-1.0-cp311-cp311-macosx_10_9_x86_64.whl", "aarch64-darwin", "3.11", "", False),
    ("pkg-1.0-cp311-cp311-macosx_11_0_arm64.whl", "x86_64-linux", "3.11", "", False),
    ("pkg-1.0-cp311-cp311-win_amd64.whl", "x86_64-linux", "3.11", "", False),
    ("pkg-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl", "x86_64-linux", "3.10", "", False),
    (
        "pkg-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
        "x86_64-linux",
        "3.10",
        'implementation = "pypy";',
        True,
    ),
    ("torch-2.0.1+cu118-cp39-cp39-linux_x86_64.whl", "x86_64-linux", "3.9", "", True),
]


def _helpers(system: str, python: str, extra: str) -> str:
    return f"(import ./tests/nix/fake-python.nix {{ system = {nix_str(system)}; pythonVersion = {nix_str(python)}; {extra} }})"


def test_wheel_compatibility_table() -> None:
    exprs = [
        f"({_helpers(system, py, extra)}.wheelScore {nix_str(file)} != null)"
        for file, system, py, extra, _ in COMPATIBILITY
    ]
    got = eval_json("[ " + " ".join(exprs) + " ]")
    wrong = [
        f"{row[0]} on {row[1]} python {row[2]} {row[3]}: got {g}, want {row[4]}"
        for row, g in zip(COMPATIBILITY, got)
        if g is not row[4]
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("files", "system", "python", "best"),
    [
        # The most specific wheel wins: platform wheel over pure, cp311 over abi3.
        (
            ["p-1-py3-none-any.whl", "p-1-cp311-cp311-manylinux_2_17_x86_64.whl", "p-1-cp38-abi3-manylinux_2_17_x86_64.whl"],
            "x86_64-linux",
            "3.11",
            "p-1-cp311-cp311-manylinux_2_17_x86_64.whl",
        ),
        (
            ["p-1-cp38-abi3-manylinux_2_17_x86_64.whl", "p-1-py3-none-any.whl"],
            "x86_64-linux",
            "3.12",
            "p-1-cp38-abi3-manylinux_2_17_x86_64.whl",
        ),
        (
            ["p-1-py3-none-any.whl", "p-1-cp312-cp312-macosx_10_9_universal2.whl", "p-1-cp312-cp312-macosx_11_0_arm64.whl"],
            "aarch64-darwin",
            "3.12",
            "p-1-cp312-cp312-macosx_11_0_arm64.whl",
        ),
    ],
)
def test_best_wheel(files, system, python, best) -> None:
    h = _helpers(system, python, "")
    scores = eval_json(f"map (f: {h}.wheelScore f) [ {' '.join(nix_str(f) for f in files)} ]")
    assert files[scores.index(max(s for s in scores if s is not None))] == best


@pytest.mark.parametrize(
    ("filename", "requires_python", "kept"),
    [
        ("p-1-py3-none-any.whl", ">=3.9", True),
        ("p-1-cp311-cp311-win_amd64.whl", ">=3.9", False),
        ("p-1-cp311-cp311-win32.whl", None, False),
        ("p-1-cp38-cp38-manylinux_2_17_x86_64.whl", ">=3.9", False),
        ("p-1-cp38-abi3-manylinux_2_17_x86_64.whl", ">=3.9", True),  # abi3 runs on newer Pythons
        ("p-1-cp27-cp27mu-manylinux1_x86_64.whl", ">=3.6", False),
        ("p-1-py2-none-any.whl", ">=3.6", False),
        ("p-1-py2.py3-none-any.whl", ">=3.6", True),
        ("p-1-cp312-cp312-macosx_11_0_arm64.whl", ">=3.9,<3.12", False),
        ("p-1-cp311-cp311-ios_13_0_arm64_iphoneos.whl", None, False),
        ("p-1-cp38-cp38-manylinux_2_17_x86_64.whl", None, True),
    ],
)
def test_translate_time_pruning(filename, requires_python, kept) -> None:
    artifact = Artifact(filename=filename, hashes={"sha256": "0" * 64})
    assert (wheels.usable_wheels([artifact], requires_python) == (artifact,)) is kept


@pytest.mark.parametrize(
    ("package", "lock", "expected"),
    [
        (">=3.8", ">=3.10", None),
        (">=3.11", ">=3.10", ">=3.11"),
        ("!=3.0.*,>=2.7", ">=3.9,<4.0", None),
        (">=3.8", None, ">=3.8"),
        (None, ">=3.10", None),
    ],
)
def test_requires_python_implied_by_the_lock_is_dropped(package, lock, expected) -> None:
    assert wheels.relevant_requires_python(package, lock) == expected

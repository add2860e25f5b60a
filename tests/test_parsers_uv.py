"""uv.lock reader: one-line errors for malformed locks, insecure hashes, virtual roots and members."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix.errors import Lock2NixError
from lock2nix.parsers import parse


def lock2nix(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(cwd / "cache"), *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ},
    )


def check_malformed(name: str, text: str, expected: str, tmp_path: Path) -> None:
    """One line naming the file and the entry, exit 2, the previous output left as it was."""
    (tmp_path / name).write_text(text)
    (tmp_path / "overlay.nix").write_text("previous\n")
    result = lock2nix(name, "-o", "overlay.nix", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    assert (tmp_path / "overlay.nix").read_text() == "previous\n"


# --- malformed input: one line naming the file and the entry, exit 2, nothing written ------

UV_HEAD = 'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n'
GOOD_WHEEL = (
    '{ url = "https://files.pythonhosted.org/packages/aa/bb/six-1.17.0-py2.py3-none-any.whl", '
    'hash = "sha256:' + "a" * 64 + '" }'
)

MALFORMED = {
    "uv-version": ("uv.lock", "version = 2\n", "uv.lock: lock version 2 is not supported"),
    "uv-two-sources": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "six"\nversion = "1.17.0"\n'
        'source = { registry = "https://pypi.org/simple", url = "x" }\n',
        "uv.lock:6: package 'six' (1.17.0): 'source' must name exactly one of",
    ),
    "uv-git-no-commit": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "pip"\nversion = "20.3.1"\n'
        'source = { git = "https://github.com/pypa/pip.git?tag=20.3.1" }\n',
        "uv.lock:6: package 'pip' (20.3.1): git source 'https://github.com/pypa/pip.git?tag=20.3.1' has no commit",
    ),
    "uv-md5": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://x/six-1.17.0-py2.py3-none-any.whl", hash = "md5:' + "a" * 32 + '" }]\n',
        "uv.lock:6: package 'six' (1.17.0): file 'six-1.17.0-py2.py3-none-any.whl' has no sha256 hash (has: md5); "
        "pass --allow-insecure-hashes",
    ),
    # Found by bench/fuzz.py: a wheel whose name has no tags to read, a requires-python that is none.
    "uv-bad-wheel-name": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://files.p", hash = "sha256:' + "a" * 64 + '" }]\n',
        "uv.lock:6: package 'six' (1.17.0): 'wheels[0]': Invalid wheel filename",
    ),
    "uv-bad-requires-python": (
        "uv.lock",
        UV_HEAD.replace(">=3.10", '>=3.\\"0'),
        "uv.lock: the lock: invalid requires-python '>=3.\"0'",
    ),
    "uv-bad-marker": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "a"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [{ name = "six", marker = "python_version >>> \'3\'" }]\nwheels = [' + GOOD_WHEEL + "]\n",
        "uv.lock:6: package 'a' (1.0): dependencies[0] (six): invalid marker",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_one_line_with_file_and_entry(case: str, tmp_path) -> None:
    check_malformed(*MALFORMED[case], tmp_path)


def test_uv_insecure_hash_left_out_only_when_allowed(tmp_path, capsys) -> None:
    text = UV_HEAD + (
        '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'sdist = { url = "https://x/six-1.17.0.tar.gz", hash = "md5:' + "a" * 32 + '" }\n'
        "wheels = [" + GOOD_WHEEL.replace("aa/bb/", "") + "]\n"
    )
    with pytest.raises(Lock2NixError, match="--allow-insecure-hashes"):
        parse("uv.lock", text.encode(), directory=tmp_path)
    lock = parse("uv.lock", text.encode(), directory=tmp_path, allow_insecure_hashes=True)
    (six,) = lock.packages
    assert six.source.sdist is None and len(six.source.wheels) == 1
    assert "six-1.17.0.tar.gz" in capsys.readouterr().err


def test_uv_virtual_root_and_members(tmp_path) -> None:
    text = UV_HEAD + (
        '[manifest]\nmembers = ["app", "lib"]\n\n'
        '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        'dependencies = [{ name = "lib" }]\n\n'
        '[package.dev-dependencies]\ntest = [{ name = "six" }]\n\n'
        '[[package]]\nname = "lib"\nsource = { editable = "lib" }\n'
        'dependencies = [{ name = "six", marker = "os_name == \'posix\'" }]\n\n'
        '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        "wheels = [" + GOOD_WHEEL + "]\n"
    )
    lock = parse("uv.lock", text.encode(), directory=tmp_path)
    assert lock.root is not None and lock.root.name == "app" and not lock.root.is_package
    assert [m.name for m in lock.members] == ["lib"] and lock.members[0].version == "0"
    packages = {p.name: p for p in lock.packages}
    assert set(packages) == {"lib", "six"}
    assert packages["six"].groups == frozenset({"main", "test"})
    assert packages["lib"].source.editable and packages["lib"].source.path == "lib"

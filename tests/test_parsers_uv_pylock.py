"""uv.lock and pylock.toml readers: format detection by content, groups from PEP 751 markers,
real-file deviations, and one-line errors for malformed input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lock2nix.errors import Lock2NixError
from lock2nix.parsers import detect_format, format_of_content, parse
from lock2nix.parsers.pylock import residual
from packaging.markers import Marker

from .conftest import FIXTURES

KITCHEN = FIXTURES / "uv" / "pyproject-nix__uv2nix__fixtures-kitchen-sink" / "uv.lock"
REAL = {
    "poetry.lock": FIXTURES / "poetry" / "jfilter__split-folders__small-lock21" / "poetry.lock",
    "Pipfile.lock": FIXTURES / "pipfile" / "pypa__pipenv__examples-head" / "Pipfile.lock",
    "uv.lock": FIXTURES / "uv" / "recorded-fork" / "uv.lock",
    "pylock.toml": FIXTURES / "pylock" / "recorded-pip-lock" / "pylock.toml",
    "environment.yml": FIXTURES / "conda" / "conda__conda-lock__tests-pip-deps" / "environment.yml",
    "conda-lock.yml": FIXTURES / "conda" / "conda__conda-lock__tests-pip-deps" / "conda-lock.yml",
}


def lock2nix(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(cwd / "cache"), *args],
        cwd=cwd, capture_output=True, text=True, input=stdin, env={**os.environ},
    )


@pytest.mark.parametrize("fmt", sorted(REAL))
@pytest.mark.parametrize("name", ["ci.lock", "Pipfile.lock.example", "lock.data"])
def test_format_is_told_by_content_under_any_name(fmt: str, name: str) -> None:
    text = REAL[fmt].read_text(encoding="utf-8")
    assert format_of_content(text) == fmt
    # A name that says one thing and content that says another: a tool's own name wins,
    # any other name is decided by content.
    if name != "Pipfile.lock.example":
        assert detect_format(name, text) == fmt


def test_tool_names_are_recognised_without_looking() -> None:
    assert detect_format("x/uv.lock", "") == "uv.lock"
    assert detect_format("pylock.toml", "") == "pylock.toml"
    assert detect_format("pylock.dev.toml", "") == "pylock.toml"


def test_uv_lock_on_stdin_and_renamed_gives_the_same_model(tmp_path) -> None:
    project = tmp_path / "p"
    shutil.copytree(FIXTURES / "uv" / "recorded-fork", project)
    direct = lock2nix("uv.lock", "--emit", "model", cwd=project)
    assert direct.returncode == 0, direct.stderr
    (project / "ci.lock").write_text((project / "uv.lock").read_text())
    renamed = lock2nix("ci.lock", "--emit", "model", cwd=project)
    piped = lock2nix("-", "--emit", "model", cwd=project, stdin=(project / "uv.lock").read_text())
    expected = json.loads(direct.stdout)
    for other, file in ((renamed, "ci.lock"), (piped, "-")):
        assert other.returncode == 0, other.stderr
        model = json.loads(other.stdout)
        assert model["file"] == file and model["format"] == "uv.lock"
        assert {k: v for k, v in model.items() if k not in ("file", "inputs")} == {
            k: v for k, v in expected.items() if k not in ("file", "inputs")
        }


def test_unknown_file_is_one_line_listing_what_is_read(tmp_path) -> None:
    (tmp_path / "notes.lock").write_text("hello = 'world'\n")
    result = lock2nix("notes.lock", "-o", "out.nix", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    for name in ("poetry.lock", "Pipfile.lock", "uv.lock", "pylock.toml", "environment.yml", "conda-lock.yml"):
        assert name in result.stderr
    assert result.stderr.startswith("lock2nix: error: notes.lock: unrecognised lock file format")
    assert not (tmp_path / "out.nix").exists()


# --- malformed input: one line naming the file and the entry, exit 2, nothing written ------

UV_HEAD = 'version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n'
PYLOCK_HEAD = 'lock-version = "1.0"\ncreated-by = "hand"\n\n'
GOOD_WHEEL = (
    '{ url = "https://files.pythonhosted.org/packages/aa/bb/six-1.17.0-py2.py3-none-any.whl", '
    'hash = "sha256:' + "a" * 64 + '" }'
)

MALFORMED = {
    "uv-version": ("uv.lock", "version = 2\n", "uv.lock: lock version 2 is not supported"),
    "uv-two-sources": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple", url = "x" }\n',
        "uv.lock:6: package 'six' (1.17.0): 'source' must name exactly one of",
    ),
    "uv-git-no-commit": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "pip"\nversion = "20.3.1"\nsource = { git = "https://github.com/pypa/pip.git?tag=20.3.1" }\n',
        "uv.lock:6: package 'pip' (20.3.1): git source 'https://github.com/pypa/pip.git?tag=20.3.1' has no commit",
    ),
    "uv-md5": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "six"\nversion = "1.17.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'wheels = [{ url = "https://x/six-1.17.0-py2.py3-none-any.whl", hash = "md5:' + "a" * 32 + '" }]\n',
        "uv.lock:6: package 'six' (1.17.0): file 'six-1.17.0-py2.py3-none-any.whl' has no sha256 hash (has: md5); "
        "pass --allow-insecure-hashes",
    ),
    "uv-bad-marker": (
        "uv.lock",
        UV_HEAD + '[[package]]\nname = "a"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\n'
        'dependencies = [{ name = "six", marker = "python_version >>> \'3\'" }]\nwheels = [' + GOOD_WHEEL + "]\n",
        "uv.lock:6: package 'a' (1.0): dependencies[0] (six): invalid marker",
    ),
    "pylock-missing-version": ("pylock.toml", 'created-by = "x"\n[[packages]]\nname = "six"\n', "missing 'lock-version'"),
    "pylock-bad-wheel": (
        "pylock.toml",
        PYLOCK_HEAD + '[[packages]]\nname = "six"\nversion = "1.17.0"\n'
        'wheels = [{ url = "https://x/six-1.17.0.whl", hashes = { sha256 = "' + "a" * 64 + '" } }]\n',
        "pylock.toml: packages[0] (six) wheels[0]: Invalid wheel filename 'six-1.17.0.whl'",
    ),
    "pylock-two-sources": (
        "pylock.toml",
        PYLOCK_HEAD + '[[packages]]\nname = "six"\nversion = "1.17.0"\ndirectory = { path = "." }\n'
        'archive = { url = "https://x/six.tar.gz", hashes = { sha256 = "' + "a" * 64 + '" } }\n',
        "pylock.toml: packages[0] (six): Exactly one of vcs, directory, archive must be set",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_input_is_one_line_with_file_and_entry(case: str, tmp_path) -> None:
    name, text, expected = MALFORMED[case]
    (tmp_path / name).write_text(text)
    (tmp_path / "overlay.nix").write_text("previous\n")
    result = lock2nix(name, "-o", "overlay.nix", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert expected in result.stderr, result.stderr
    assert (tmp_path / "overlay.nix").read_text() == "previous\n"


# --- PEP 751 markers: what each group and extra installs ------------------------------


@pytest.mark.parametrize(
    ("marker", "extras", "groups", "expected"),
    [
        ("'dev' in dependency_groups", (), (), False),
        ("'dev' in dependency_groups", (), ("dev",), True),
        ("'dev' in dependency_groups and sys_platform == 'linux'", (), ("dev",), 'sys_platform == "linux"'),
        ("'cli' in extras or python_version < '3.11'", (), (), 'python_version < "3.11"'),
        ("'cli' in extras or python_version < '3.11'", ("cli",), (), True),
        ("'dev' not in dependency_groups", (), ("dev",), False),
        ("extra == 'cli' and os_name == 'posix'", ("cli",), (), 'os_name == "posix"'),
        ("('a' in extras or 'b' in extras) and sys_platform == 'darwin'", ("b",), (), 'sys_platform == "darwin"'),
    ],
)
def test_marker_residual(marker: str, extras, groups, expected) -> None:
    assert residual(Marker(marker), frozenset(extras), frozenset(groups)) == expected


def test_pylock_groups_and_extras_select_packages(tmp_path) -> None:
    wheel = 'wheels = [{{ url = "https://x/{0}-1.0-py3-none-any.whl", hashes = {{ sha256 = "' + "b" * 64 + '" }} }}]\n'
    text = PYLOCK_HEAD.replace('created-by', 'extras = ["cli"]\ndependency-groups = ["dev", "docs"]\n'
                               'default-groups = ["dev"]\ncreated-by') + "".join(
        f'[[packages]]\nname = "{n}"\nversion = "1.0"\n' + (f'marker = "{m}"\n' if m else "") + wheel.format(n)
        for n, m in (
            ("base", None),
            ("pytest", "'dev' in dependency_groups"),
            ("sphinx", "'docs' in dependency_groups and python_version >= '3.11'"),
            ("click", "'cli' in extras"),
            ("colorama", "sys_platform == 'win32'"),
        )
    )
    lock = parse("pylock.toml", text.encode(), directory=tmp_path)
    groups = {p.name: sorted(p.groups) for p in lock.packages}
    assert groups == {"base": ["main"], "pytest": ["dev"], "sphinx": ["docs"], "click": ["main"], "colorama": ["main"]}
    root = lock.root
    assert root is not None and not root.is_package and root.default_groups == ("dev",)
    assert [d.name for d in root.groups["main"]] == ["base", "colorama"]
    assert [(d.name, d.marker) for d in root.groups["docs"]] == [("sphinx", 'python_version >= "3.11"')]
    assert [d.name for d in root.groups["dev"]] == ["pytest"]
    assert [d.name for d in root.extras["cli"]] == ["click"]
    assert next(p for p in lock.packages if p.name == "colorama").marker == 'sys_platform == "win32"'


def test_percent_encoded_file_names_are_decoded_with_a_warning(tmp_path, capsys) -> None:
    name = "torch-2.7.0%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl"
    text = PYLOCK_HEAD + (
        '[[packages]]\nname = "torch"\nversion = "2.7.0+cu128"\nindex = "https://download.pytorch.org/whl/cu128"\n'
        f'wheels = [{{ name = "{name}", url = "https://download.pytorch.org/whl/cu128/{name}", '
        'hashes = { sha256 = "' + "c" * 64 + '" } }]\n'
    )
    lock = parse("pylock.toml", text.encode(), directory=tmp_path)
    (torch,) = lock.packages
    assert [w.filename for w in torch.source.wheels] == ["torch-2.7.0+cu128-cp312-cp312-manylinux_2_28_x86_64.whl"]
    assert torch.source.wheels[0].url.endswith("%2Bcu128-cp312-cp312-manylinux_2_28_x86_64.whl")
    warning = capsys.readouterr().err
    assert "1 file name(s) were percent-encoded" in warning and "torch-2.7.0+cu128-cp312" in warning


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
        '[[package]]\nname = "lib"\nsource = { editable = "lib" }\ndependencies = [{ name = "six", marker = "os_name == \'posix\'" }]\n\n'
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

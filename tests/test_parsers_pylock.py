"""pylock.toml reader: groups and extras from PEP 751 markers, real-file deviations, one-line errors."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from lock2nix.parsers import parse
from lock2nix.parsers.pylock import residual

from .test_parsers_uv import check_malformed

# --- malformed input: one line naming the file and the entry, exit 2, nothing written ------

PYLOCK_HEAD = 'lock-version = "1.0"\ncreated-by = "hand"\n\n'

MALFORMED = {
    "pylock-missing-version": (
        "pylock.toml", 'created-by = "x"\n[[packages]]\nname = "six"\n', "missing 'lock-version'"
    ),
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
    check_malformed(*MALFORMED[case], tmp_path)


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



"""PEP 508 markers compiled to Nix agree with packaging's own evaluation."""

from __future__ import annotations

import pytest
from packaging.markers import Marker

from lock2nix.generate import markers
from lock2nix.generate.markers import ANY_EXTRA, MarkerError

from .nixeval import eval_json, nix_str

MARKERS = [
    'python_version < "3.12"',
    'python_version >= "3.11"',
    'python_version == "3.11"',
    'python_version == "3.1"',
    'python_version != "3.12"',
    'python_version <= "3.11"',
    'python_version > "3.11"',
    'python_version ~= "3.11"',
    'python_version == "3.*"',
    'python_version != "3.1*"',
    'python_version == "3.11.*"',
    'python_full_version >= "3.11.2"',
    'python_full_version < "3.12.0"',
    'python_full_version == "3.11.2"',
    'python_full_version ~= "3.11.1"',
    'python_full_version === "3.11.2"',
    '"3.12" > python_version',
    '"3.11" <= python_version',
    'sys_platform == "linux"',
    'sys_platform == "darwin"',
    'sys_platform != "win32"',
    'platform_system == "Windows"',
    'platform_machine == "x86_64"',
    'platform_machine == "arm64"',
    'platform_machine in "x86_64 aarch64"',
    'platform_machine not in "arm64 aarch64"',
    '"linux" in sys_platform',
    '"win" not in sys_platform',
    'os_name == "nt"',
    'os_name == "posix"',
    'implementation_name == "cpython"',
    'platform_python_implementation == "CPython"',
    'platform_python_implementation != "PyPy"',
    'implementation_version >= "3.11"',
    'python_version < "3.12" and sys_platform == "linux"',
    'python_version < "3.12" or sys_platform == "darwin"',
    '(python_version < "3.11" or python_version >= "3.13") and os_name == "posix"',
    'sys_platform == "win32" or (sys_platform == "linux" and platform_machine == "x86_64")',
    'python_version >= "3.8" and python_version < "3.12" and platform_system != "Darwin"',
]

ENVIRONMENTS = [
    ("x86_64-linux", "3.10", "3.10.14"),
    ("x86_64-linux", "3.11", "3.11.2"),
    ("x86_64-linux", "3.13", "3.13.0"),
    ("aarch64-darwin", "3.11", "3.11.9"),
    ("aarch64-darwin", "3.12", "3.12.4"),
    ("aarch64-linux", "3.12", "3.12.1"),
]


def packaging_env(system: str, short: str, full: str) -> dict[str, str]:
    cpu, _, kernel = system.partition("-")
    darwin = kernel == "darwin"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": ("arm64" if cpu == "aarch64" else cpu) if darwin else cpu,
        "platform_release": "",
        "platform_system": "Darwin" if darwin else "Linux",
        "platform_version": "",
        "python_full_version": full,
        "platform_python_implementation": "CPython",
        "python_version": short,
        "sys_platform": kernel,
        "extra": "",
    }


def test_compiled_markers_agree_with_packaging() -> None:
    compiled = [markers.render(markers.compile_marker(m)).code for m in MARKERS]
    envs = []
    for system, short, full in ENVIRONMENTS:
        helpers = (
            f"import ./tests/nix/fake-python.nix {{ system = {nix_str(system)}; "
            f"pythonVersion = {nix_str(short)}; version = {nix_str(full)}; }}"
        )
        body = " ".join(f"({code})" for code in compiled)
        envs.append(f"(let h = {helpers}; in with h; [ {body} ])")
    results = eval_json("[ " + " ".join(envs) + " ]")
    mismatches = []
    for (system, short, full), row in zip(ENVIRONMENTS, results):
        env = packaging_env(system, short, full)
        for marker, code, got in zip(MARKERS, compiled, row):
            want = Marker(marker).evaluate(env)
            if got != want:
                mismatches.append(f"{system} {full}: {marker!r} -> {code} gave {got}, packaging says {want}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize(
    ("marker", "extras", "expected"),
    [
        ('extra == "socks"', frozenset({"socks"}), True),
        ('extra == "socks"', frozenset(), False),
        ('extra == "Socks_Proxy"', frozenset({"socks-proxy"}), True),  # PEP 685 normalisation
        ('extra != "socks"', frozenset(), True),
        ('extra == "socks" and python_version < "3"', frozenset(), False),
        ('extra == "socks" or python_version < "3"', frozenset({"socks"}), True),
        ('extra == "anything"', ANY_EXTRA, True),
        (None, frozenset(), True),
        ("", frozenset(), True),
    ],
)
def test_extras_are_decided_at_translate_time(marker, extras, expected) -> None:
    assert markers.compile_marker(marker, extras) is expected


@pytest.mark.parametrize(
    ("marker", "code"),
    [
        ('python_version < "3.8"', 'versionOlder env.python_version "3.8"'),
        ('sys_platform == "linux"', 'env.sys_platform == "linux"'),
        ('"linux" in sys_platform', 'hasInfix "linux" env.sys_platform'),
        ('os_name != "nt" and python_version >= "3"', 'env.os_name != "nt" && versionAtLeast env.python_version "3"'),
        (
            'sys_platform == "a" or sys_platform == "b" and python_version < "3"',
            'env.sys_platform == "a" || (env.sys_platform == "b" && versionOlder env.python_version "3")',
        ),
        ('not_a_var == "x"', None),
    ],
)
def test_compiled_text(marker, code) -> None:
    if code is None:
        with pytest.raises(MarkerError):
            markers.compile_marker(marker)
    else:
        assert markers.render(markers.compile_marker(marker)).code == code


def test_duplicate_alternatives_collapse() -> None:
    m = '(platform_system == "Windows" or sys_platform == "win32") or (platform_system == "Windows")'
    assert markers.render(markers.compile_marker(m)).code == 'env.platform_system == "Windows" || env.sys_platform == "win32"'


def test_marker_strings_cannot_inject_nix() -> None:
    code = markers.render(markers.compile_marker("sys_platform == \"${builtins.abort 'x'}\"")).code
    assert code == "env.sys_platform == \"\\${builtins.abort 'x'}\""
    helpers = 'import ./tests/nix/fake-python.nix { system = "x86_64-linux"; pythonVersion = "3.11"; }'
    assert eval_json(f"let h = {helpers}; in with h; {code}") is False


@pytest.mark.parametrize(
    ("spec", "version", "expected"),
    [
        (">=3.8", "3.11.2", True),
        (">=3.8,<3.11", "3.11.2", False),
        ("!=3.0.*,>=2.7", "3.11.2", True),
        ("~=3.10", "3.11.2", True),
        ("~=3.10.1", "3.11.2", False),
        ("==3.11.*", "3.11.2", True),
        ("<3.11.2", "3.11.2", False),
    ],
)
def test_requires_python(spec, version, expected) -> None:
    code = markers.render(markers.compile_requires_python(spec)).code
    short = ".".join(version.split(".")[:2])
    helpers = (
        f'import ./tests/nix/fake-python.nix {{ system = "x86_64-linux"; '
        f"pythonVersion = {nix_str(short)}; version = {nix_str(version)}; }}"
    )
    assert eval_json(f"let h = {helpers}; in with h; {code}") is expected


def test_compiled_conditions_are_taken_from_the_last_translation() -> None:
    first = markers.Compiled()
    linux = first.marker('sys_platform == "linux"')
    assert linux == markers.compile_marker('sys_platform == "linux"')
    assert first.marker("extra == 'a'", frozenset({"a"})) is True
    assert first.marker("extra == 'a'", frozenset({"b"})) is False
    installed = first.installed('sys_platform == "linux"', ">=3.8", ">=3.9")  # 3.8 holds wherever the lock installs
    assert installed == linux
    # The next translation: what the first compiled is taken as it was, not compiled again.
    planted = markers.Cond("plantedMarker env", frozenset({"env"}))
    second = markers.Compiled({**first.used, ("marker", 'sys_platform == "linux"', ()): planted})
    assert second.marker('sys_platform == "linux"') is planted
    assert second.marker("extra == 'a'", frozenset({"b"})) is False
    assert set(second.used) == {("marker", 'sys_platform == "linux"', ()), ("marker", "extra == 'a'", ("b",))}, (
        "only what this translation used is kept for the next"
    )

"""The user's configuration: [tool.lock2nix] in pyproject.toml or lock2nix.toml."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import FIXTURES
from .nixeval import eval_json, lock_set, nix_str

SMALL = FIXTURES / "poetry" / "jfilter__split-folders__small-lock21"


def run(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--cache-dir", str(cache), *args],
        cwd=cwd, capture_output=True, text=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(SMALL / name, tmp_path / name)
    return tmp_path


def generate(project: Path, cache: Path, *args: str) -> str:
    result = run("poetry.lock", "-o", "overlay.nix", *args, cwd=project, cache=cache)
    assert result.returncode == 0, result.stderr
    return (project / "overlay.nix").read_text()


USER_FIXES = """
prefer = "sdist"
pythons = ["python311", "python312"]

[package.pluggy]
reason = "our plugin host needs libffi"
dependencies = ["packaging"]
[package.pluggy.sdist]
buildInputs = ["libffi"]
env = { PLUGGY_FLAG = "1" }

[package.Pygments]
skip = true
reason = "the package set's pygments is patched"
"""


@pytest.mark.parametrize("where", ["lock2nix.toml", "pyproject.toml"])
def test_user_fixes_are_merged_inline(where, project, recorded_cache) -> None:
    if where == "lock2nix.toml":
        (project / "lock2nix.toml").write_text(USER_FIXES)
        origin = "lock2nix.toml"
    else:
        text = USER_FIXES.replace("[package.", "[tool.lock2nix.package.")
        with (project / "pyproject.toml").open("a") as f:
            f.write("\n[tool.lock2nix]\n" + text)
        origin = "pyproject.toml [tool.lock2nix]"
    text = generate(project, recorded_cache)
    assert f"# {origin}: our plugin host needs libffi" in text
    assert 'prefer = "sdist";' in text, "prefer from the configuration"
    assert "# pygments: not taken from the lock" in text and "pygments = mkPackage" not in text
    # Evaluated: the fix reaches the derivation, pygments is the package set's own.
    overlay = project / "overlay.nix"
    pkgs = f"(import ./tests/nixpkgs {{ overlays = [ (import {overlay}) ]; hostPython = {nix_str(sys.executable)}; }})"
    seen = eval_json(
        f"let ps = {lock_set(pkgs)}; in "
        "{ args = ps.pluggy.lock2nixStandinArgs; flag = ps.pluggy.PLUGGY_FLAG; "
        "deps = map (d: d.pname) ps.pluggy.dependencies; pygments = ps.pygments.version; "
        "candidates = builtins.length (builtins.filter (x: x == \"python311\") [ ]); }"
    )
    assert "buildInputs" in seen["args"] and seen["flag"] == "1"
    assert "packaging" in seen["deps"]
    locked_pygments = [l for l in (project / "poetry.lock").read_text().split("[[package]]") if 'name = "pygments"' in l]
    assert locked_pygments and f'version = "{seen["pygments"]}"' not in locked_pygments[0]
    # pythons narrows the interpreters tried for the project: the first that supports it.
    assert 'pythons = [ "python311" "python312" ];' in text
    assert eval_json(f"{pkgs}.lock2nixProjects.split-folders.python.pythonVersion") == "3.11"


def test_command_line_wins_over_configuration(project, recorded_cache) -> None:
    (project / "lock2nix.toml").write_text('prefer = "sdist"\n')
    assert 'prefer = "wheel";' in generate(project, recorded_cache, "--prefer", "wheel")


def test_configuration_is_an_input_of_the_digest(project, recorded_cache) -> None:
    (project / "lock2nix.toml").write_text('prefer = "wheel"\n')
    generate(project, recorded_cache)
    assert run("poetry.lock", "-o", "overlay.nix", "--check", cwd=project, cache=recorded_cache).returncode == 0
    (project / "lock2nix.toml").write_text('prefer = "sdist"\n')
    assert run("poetry.lock", "-o", "overlay.nix", "--check", cwd=project, cache=recorded_cache).returncode == 1
    assert 'prefer = "sdist";' in generate(project, recorded_cache)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("colour = 1\n", "lock2nix.toml: unknown key 'colour'"),
        ('prefer = "source"\n', "lock2nix.toml: prefer: 'source' is not one of ['wheel', 'sdist']"),
        ("pythons = []\n", "lock2nix.toml: pythons:"),
        ("[package.lxml]\nbuildinputs = []\n", "lock2nix.toml: package.lxml: unknown key 'buildinputs'"),
        ('[package.lxml.sdist]\nbuildInputs = ["lib xml"]\n', "lock2nix.toml: package.lxml.sdist.buildInputs.0:"),
        ('[package.lxml]\nversions = "=>5"\n', "lock2nix.toml: package 'lxml': versions '=>5' is not a PEP 440 specifier set"),
        ("[package.lxml]\nskip = 'yes'\n", "lock2nix.toml: package.lxml.skip: 'yes' is not of type 'boolean'"),
        ('[[overlays]]\nlock = "poetry.lock"\noutput = "x.txt"\n', "lock2nix.toml: overlays.0.output:"),
        ("prefer = \n", "lock2nix.toml:1: invalid TOML"),
    ],
)
def test_invalid_configuration_is_refused(config, message, project, recorded_cache) -> None:
    (project / "overlay.nix").write_text("# previous overlay\n")
    (project / "lock2nix.toml").write_text(config)
    result = run("poetry.lock", "-o", "overlay.nix", cwd=project, cache=recorded_cache)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
    assert message in result.stderr, result.stderr
    assert (project / "overlay.nix").read_text() == "# previous overlay\n"


def test_two_configurations_are_refused(project, recorded_cache) -> None:
    (project / "lock2nix.toml").write_text('prefer = "wheel"\n')
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[tool.lock2nix]\nprefer = "sdist"\n')
    result = run("poetry.lock", cwd=project, cache=recorded_cache)
    assert result.returncode == 2 and "configured both here and in" in result.stderr, result.stderr


def test_pyproject_without_tool_table_is_no_configuration(project, recorded_cache) -> None:
    # The word alone (e.g. in a description) must not make it a configuration.
    with (project / "pyproject.toml").open("a") as f:
        f.write('\n[tool.other]\nnote = "lock2nix"\n')
    assert 'prefer = "wheel";' in generate(project, recorded_cache)


# --- the configured overlays, remembered for the hook's run --------------------------------------


def test_the_configured_overlays_are_remembered_by_the_configurations_bytes(tmp_path, monkeypatch) -> None:
    from lock2nix.cli import config

    monkeypatch.chdir(tmp_path)
    memo_dir = tmp_path / "cache" / "configured"
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "x"\n\n[tool.lock2nix]\noverlays = [\n'
        '  { lock = "poetry.lock", output = "nix/overlay.nix", prefer = "sdist" },\n'
        '  { lock = "sub/uv.lock", output = "sub/overlay.nix" },\n]\n'
    )

    def pairs(**memo: str) -> list[tuple[str, str, str | None]]:
        return [(t.lock, t.output, t.prefer) for t in config.overlay_targets(".", **memo)]

    parsed = pairs()
    assert parsed == [("poetry.lock", "nix/overlay.nix", "sdist"), ("sub/uv.lock", "sub/overlay.nix", None)]
    assert pairs(memo_dir=str(memo_dir)) == parsed
    [memo] = memo_dir.iterdir()

    # Remembered: no TOML is read while the file stays the same.
    monkeypatch.setattr(config, "load_toml", lambda *a: pytest.fail("parsed again"))
    assert pairs(memo_dir=str(memo_dir)) == parsed
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)

    # A changed configuration is read again, under another name.
    pyproject.write_text(pyproject.read_text().replace("sdist", "wheel"))
    assert pairs(memo_dir=str(memo_dir))[0] == ("poetry.lock", "nix/overlay.nix", "wheel")
    assert len(list(memo_dir.iterdir())) == 2

    # A damaged memo is read as none.
    for damaged in (b"", b"\x00garbage", __import__("marshal").dumps(("not", "pairs"))):
        for path in memo_dir.iterdir():
            path.write_bytes(damaged)
        assert pairs(memo_dir=str(memo_dir))[0] == ("poetry.lock", "nix/overlay.nix", "wheel")


def test_a_wrong_configuration_is_never_remembered(tmp_path, monkeypatch) -> None:
    from lock2nix.cli import config
    from lock2nix.errors import Lock2NixError

    monkeypatch.chdir(tmp_path)
    (tmp_path / "lock2nix.toml").write_text('overlays = [{ lock = "poetry.lock" }]\n')
    memo_dir = tmp_path / "memo"
    for _ in range(2):
        with pytest.raises(Lock2NixError, match="output"):
            config.overlay_targets(".", memo_dir=str(memo_dir))
    assert not memo_dir.exists()

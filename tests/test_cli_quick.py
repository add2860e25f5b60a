"""The early answer for unchanged inputs reads a command line exactly as argparse does, or leaves it to argparse."""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix.cli import quick
from lock2nix.cli.command import build_parser

from .conftest import FIXTURES

SMALL = FIXTURES / "poetry" / "jfilter__split-folders__small-lock21"
PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "translator"


def argparse_reading(argv: list[str]) -> dict[str, object] | None:
    """What argparse makes of ``argv`` (paths as the strings given), or None when it refuses it."""
    try:
        namespace = build_parser().parse_args(argv)
    except SystemExit:
        return None
    values = vars(namespace)
    if values["cache_dir"] is not None:
        values["cache_dir"] = str(values["cache_dir"])
    return values


RECOGNISED = [
    [],
    ["poetry.lock"],
    ["poetry.lock", "-o", "overlay.nix"],
    ["-o", "overlay.nix", "poetry.lock"],
    ["--output", "overlay.nix"],
    ["--output=overlay.nix", "Pipfile.lock"],
    ["-o=overlay.nix", "uv.lock"],
    ["--cache-dir", "cache", "poetry.lock", "-o", "overlay.nix"],
    ["--check", "poetry.lock", "-o", "out/overlay.nix"],
    ["--pre-commit"],
    ["--prefer", "sdist", "--scope", "global", "--inline", "--no-detect", "lock", "-o", "x.nix"],
    ["--emit", "overlay", "--allow-insecure-hashes", "--offline", "--force", "lock"],
    ["--prefer=wheel", "--prefer", "sdist", "lock"],  # the last one counts, as in argparse
    ["--emit=model", "lock"],
    ["", "-o", "overlay.nix"],  # an empty lock: argparse's "" too
]

LEFT_TO_ARGPARSE = [
    ["-h"],
    ["--help"],
    ["--version"],
    ["init"],
    ["init", "poetry.lock"],
    ["-"],  # stdin: read once, by the run that translates it
    ["--", "poetry.lock"],
    ["--out", "overlay.nix"],  # an abbreviation
    ["-ooverlay.nix"],
    ["-o"],
    ["-o", "-x"],
    ["-o", "-1", "lock"],
    ["--output="],
    ["--inline=yes"],
    ["--prefer", "egg"],
    ["--emit", "nix"],
    ["one.lock", "two.lock"],
    ["--unknown"],
    ["-x", "lock"],
]


@pytest.mark.parametrize("argv", RECOGNISED, ids=" ".join)
def test_what_is_recognised_reads_as_argparse_reads_it(argv: list[str]) -> None:
    recognised = quick.recognise(argv)
    assert recognised is not None
    assert vars(recognised) == argparse_reading(argv)


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=" ".join)
def test_the_rest_is_left_to_argparse(argv: list[str]) -> None:
    assert quick.recognise(argv) is None


def test_random_command_lines_read_the_same_or_are_left_to_argparse() -> None:
    """Command lines of options, values and locks in any order, good and bad: whatever is recognised reads as argparse reads it."""
    words = [
        *quick.VALUED, *quick.FLAGS, "--output=o.nix", "--prefer=sdist", "--scope=project", "--emit=pylock",
        "--inline=1", "--out", "-h", "--", "-", "init", "wheel", "sdist", "global", "overlay", "a.lock", "b.nix", "",
        "-1", "--cache-dir=c",
    ]
    rng = random.Random(15)
    recognised = 0
    for _ in range(3000):
        argv = rng.choices(words, k=rng.randint(0, 6))
        reading = quick.recognise(argv)
        if reading is not None:
            recognised += 1
            assert vars(reading) == argparse_reading(argv), argv
    assert recognised > 300  # the property was tried on many recognised lines, not only on refusals


def test_the_tables_are_the_parsers_options() -> None:
    """Every option of the main command is in the tables, with argparse's destination, choices and default."""
    parser = build_parser()
    seen = set()
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        assert quick.DEFAULTS[action.dest] == (str(action.default) if isinstance(action.default, Path) else action.default)
        seen.add(action.dest)
        if not action.option_strings:
            continue
        for option in action.option_strings:
            if action.nargs == 0:
                assert quick.FLAGS[option] == action.dest
            else:
                assert quick.VALUED[option] == action.dest
        assert quick.CHOICES.get(action.dest) == (tuple(action.choices) if action.choices else None)
    assert seen | {"command"} == set(quick.DEFAULTS)
    assert set(quick.VALUED) | set(quick.FLAGS) == {o for a in parser._actions for o in a.option_strings} - {
        "-h", "--help", "--version"
    }


def _run_traced(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, set[str]]:
    """Exit code of ``lock2nix ARGV`` and the modules it imported."""
    code = (
        "import sys, lock2nix.cli as cli\n"
        f"rc = cli.main({argv!r})\n"
        "print(rc, ' '.join(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(PACKAGE_ROOT)},
    )
    assert result.returncode == 0, result.stderr
    rc, _, modules = result.stdout.strip().partition(" ")
    return int(rc), set(modules.split())


def test_unchanged_inputs_are_answered_without_argparse(tmp_path: Path, recorded_cache: Path) -> None:
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(SMALL / name, tmp_path / name)
    argv = ["--offline", "--cache-dir", str(recorded_cache), "poetry.lock", "-o", "overlay.nix"]
    first_rc, first = _run_traced(argv, tmp_path)
    assert first_rc == 0 and "lock2nix.cli.pipeline" in first  # the translation: what follows can fail
    assert "argparse" not in first  # a plain command line is read once, by .quick

    rc, modules = _run_traced(argv, tmp_path)
    assert rc == 0
    assert not modules & {"argparse", "typing", "pathlib", "shutil", "lock2nix.cli.command", "lock2nix.cli.config"}
    rc, modules = _run_traced(["--check", *argv], tmp_path)
    assert rc == 0 and "argparse" not in modules

    # A changed input: argparse's run, which reports the overlay stale.
    with open(tmp_path / "pyproject.toml", "a") as f:
        f.write("\n# changed\n")
    rc, modules = _run_traced(["--check", *argv], tmp_path)
    assert rc == 1 and "lock2nix.cli.command" in modules

    # What .quick leaves to argparse still reads as before: an abbreviation.
    rc, modules = _run_traced(["--che", *argv], tmp_path)
    assert rc == 1 and "argparse" in modules


def test_the_hooks_run_on_unchanged_inputs_is_answered_without_argparse(tmp_path: Path, recorded_cache: Path) -> None:
    """``lock2nix --pre-commit`` with the overlays configured in pyproject.toml, as ``lock2nix init`` sets it up."""
    shutil.copy(SMALL / "poetry.lock", tmp_path / "poetry.lock")
    pyproject = (SMALL / "pyproject.toml").read_text(encoding="utf-8")
    pyproject += '\n[tool.lock2nix]\noverlays = [{ lock = "poetry.lock", output = "nix/overlay.nix" }]\n'
    (tmp_path / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (tmp_path / "nix").mkdir()
    env = {"LOCK2NIX_CACHE_DIR": str(recorded_cache)}
    argv = ["--pre-commit", "--offline"]
    rc, modules = _run_traced(argv, tmp_path, env)
    assert rc == 1 and "lock2nix.cli.pipeline" in modules  # written: a hook that changed files fails the commit
    assert (tmp_path / "nix" / "overlay.nix").is_file() and (tmp_path / "nix" / "lock2nix-lib.nix").is_file()

    rc, modules = _run_traced(argv, tmp_path, env)
    assert rc == 0
    # The configured overlays are remembered from the run before: no TOML is read.
    assert not modules & {"argparse", "shutil", "lock2nix.cli.command", "jsonschema", "tomli", "typing", "pathlib"}

    # Another output configured: that overlay does not exist yet, so there is work to do.
    (tmp_path / "pyproject.toml").write_text(pyproject.replace("nix/overlay.nix", "overlay.nix"), encoding="utf-8")
    rc, modules = _run_traced(argv, tmp_path, env)
    assert rc == 1 and "lock2nix.cli.command" in modules and (tmp_path / "overlay.nix").is_file()

"""Recognising a lock's format: from the names tools write, else (any other name, stdin) from its content."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix.formats import companions, detect_format, format_of_content

from .conftest import FIXTURES


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


# --- by content, whatever the name (uv.lock and pylock.toml among them) --------------

REAL = {
    "poetry.lock": FIXTURES / "poetry" / "jfilter__split-folders__small-lock21" / "poetry.lock",
    "Pipfile.lock": FIXTURES / "pipfile" / "pypa__pipenv__examples-head" / "Pipfile.lock",
    "uv.lock": FIXTURES / "uv" / "recorded-fork" / "uv.lock",
    "pylock.toml": FIXTURES / "pylock" / "recorded-pip-lock" / "pylock.toml",
    "environment.yml": FIXTURES / "conda" / "conda__conda-lock__tests-pip-deps" / "environment.yml",
    "conda-lock.yml": FIXTURES / "conda" / "conda__conda-lock__tests-pip-deps" / "conda-lock.yml",
    "@EXPLICIT": FIXTURES / "conda" / "jupyterhub__repo2docker__py310-linux64-explicit"
    / "environment.py-3.10-linux-64.lock",
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


def test_companions_follow_the_content(tmp_path) -> None:
    """A renamed uv.lock or pylock.toml still brings its pyproject.toml into the input digest."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for fmt in ("uv.lock", "pylock.toml"):
        lock = tmp_path / "ci.lock"
        lock.write_text(REAL[fmt].read_text(encoding="utf-8"))
        assert companions(lock, lock.read_text()) == [str(tmp_path / "pyproject.toml")]
    assert companions(tmp_path / "notes.lock", "hello = 1\n") == []

"""Workflow: --check with a summary, --pre-commit, `lock2nix init`, and the hook run by
the real pre-commit framework in a temporary git repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lock2nix import __version__

from .conftest import FIXTURES, REPO

SMALL = FIXTURES / "poetry" / "jfilter__split-folders__small-lock21"
BIN = Path(sys.executable).parent


def lock2nix(*args: str, cwd: Path, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "lock2nix", *args],
        cwd=cwd, capture_output=True, text=True, env={**os.environ, "LOCK2NIX_CACHE_DIR": str(cache)},
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(SMALL / name, tmp_path / name)
    return tmp_path


# --- --check ---------------------------------------------------------------------


def test_check_reports_what_changed(project, recorded_cache) -> None:
    assert lock2nix("--offline", "poetry.lock", "-o", "overlay.nix", cwd=project, cache=recorded_cache).returncode == 0
    current = lock2nix("--offline", "--check", "poetry.lock", "-o", "overlay.nix", cwd=project, cache=recorded_cache)
    assert current.returncode == 0 and current.stderr == ""
    text = (project / "pyproject.toml").read_text().replace('version = "0.5.1"', 'version = "0.6.0"')
    (project / "pyproject.toml").write_text(text)
    stale = lock2nix("--offline", "--check", "poetry.lock", "-o", "overlay.nix", cwd=project, cache=recorded_cache)
    assert stale.returncode == 1
    assert "overlay.nix is stale: 1 package(s) changed: split-folders 0.5.1 -> 0.6.0" in stale.stderr
    broken = lock2nix("--offline", "--check", "missing.lock", "-o", "overlay.nix", cwd=project, cache=recorded_cache)
    assert broken.returncode == 2 and "missing.lock: no such file" in broken.stderr


def test_check_and_pre_commit_need_an_overlay(project, recorded_cache) -> None:
    for flag in ("--check", "--pre-commit"):
        result = lock2nix(flag, cwd=project, cache=recorded_cache)
        assert result.returncode == 2 and f"{flag} needs -o FILE" in result.stderr


# --- configured overlays and --pre-commit -------------------------------------------


def test_configured_overlays_are_regenerated_together(project, recorded_cache) -> None:
    second = project / "other"
    second.mkdir()
    for name in ("poetry.lock", "pyproject.toml"):
        shutil.copy(SMALL / name, second / name)
    (project / "lock2nix.toml").write_text(
        '[[overlays]]\nlock = "poetry.lock"\noutput = "nix/overlay.nix"\n\n'
        '[[overlays]]\nlock = "other/poetry.lock"\noutput = "other/overlay.nix"\nprefer = "sdist"\n'
    )
    (project / "nix").mkdir()
    first = lock2nix("--offline", "--pre-commit", cwd=project, cache=recorded_cache)
    assert first.returncode == 1, first.stderr  # it changed files: the commit must stop
    assert "regenerated nix/overlay.nix" in first.stderr and "regenerated other/overlay.nix" in first.stderr
    assert 'prefer = "sdist";' in (second / "overlay.nix").read_text()
    assert "lock2nix ../poetry.lock -o overlay.nix" in (project / "nix" / "overlay.nix").read_text()
    again = lock2nix("--offline", "--pre-commit", cwd=project, cache=recorded_cache)
    assert again.returncode == 0 and again.stderr == ""
    assert lock2nix("--offline", "--check", cwd=project, cache=recorded_cache).returncode == 0


# --- init ----------------------------------------------------------------------------

PRE_COMMIT_CONFIG = """\
# shared hooks, keep sorted
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0   # pinned on purpose
    hooks:
    -   id: trailing-whitespace
"""


def test_init_edits_pyproject_and_pre_commit_config_keeping_them(project, recorded_cache) -> None:
    original = (project / "pyproject.toml").read_text()
    (project / ".pre-commit-config.yaml").write_text(PRE_COMMIT_CONFIG)
    result = lock2nix("init", cwd=project, cache=recorded_cache)
    assert result.returncode == 0, result.stderr
    edited = (project / "pyproject.toml").read_text()
    assert edited.startswith(original.rstrip("\n").rsplit("[build-system]", 1)[0].rstrip("\n"))
    assert '[[tool.lock2nix.overlays]]\nlock = "poetry.lock"\noutput = "overlay.nix"\n\n[build-system]' in edited
    hooks = (project / ".pre-commit-config.yaml").read_text()
    assert hooks.startswith(PRE_COMMIT_CONFIG), "existing content, comments and indentation must survive"
    assert "-   repo: local\n    hooks:\n    -   id: lock2nix\n" in hooks
    assert "entry: lock2nix --pre-commit" in hooks
    # Idempotent.
    assert lock2nix("init", cwd=project, cache=recorded_cache).returncode == 0
    assert (project / "pyproject.toml").read_text() == edited
    assert (project / ".pre-commit-config.yaml").read_text() == hooks


def test_init_without_pyproject_writes_lock2nix_toml_and_a_remote_hook(tmp_path, recorded_cache) -> None:
    shutil.copy(SMALL / "poetry.lock", tmp_path / "poetry.lock")
    result = lock2nix(
        "init", "-o", "nix/overlay.nix", "--prefer", "sdist", "--hook-repo", "https://example.org/lock2nix.git",
        cwd=tmp_path, cache=recorded_cache,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "lock2nix.toml").read_text() == (
        '[[overlays]]\nlock = "poetry.lock"\noutput = "nix/overlay.nix"\nprefer = "sdist"\n\n'
    )
    assert (tmp_path / ".pre-commit-config.yaml").read_text() == (
        f"repos:\n  - repo: https://example.org/lock2nix.git\n    rev: v{__version__}\n    hooks:\n      - id: lock2nix\n"
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({".pre-commit-config.yaml": "repos: [\n"}, ".pre-commit-config.yaml: invalid YAML"),
        ({".pre-commit-config.yaml": "hooks: []\n"}, ".pre-commit-config.yaml: expected a top-level `repos:` list"),
        ({"lock2nix.toml": '[[overlays]]\nlock = "poetry.lock"\noutput = "x.nix"\n'},
         "lock2nix.toml: already configured to write x.nix from poetry.lock"),
        ({"lock2nix.toml": "overlays = 3\n"}, "lock2nix.toml"),
    ],
)
def test_init_refuses_what_it_cannot_edit(files, message, project, recorded_cache) -> None:
    for name, text in files.items():
        (project / name).write_text(text)
    result = lock2nix("init", cwd=project, cache=recorded_cache)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert message in result.stderr
    for name, text in files.items():
        assert (project / name).read_text() == text, f"{name} must be left as it was"


# --- the real pre-commit framework ---------------------------------------------------


def _git_repo(path: Path) -> None:
    for args in (["init", "-q"], ["config", "user.email", "t@example.org"], ["config", "user.name", "t"]):
        subprocess.run(["git", *args], cwd=path, check=True)


def _pre_commit(*args: str, cwd: Path, cache: Path, home: Path) -> subprocess.CompletedProcess:
    subprocess.run(["git", "add", "-A"], cwd=cwd, check=True)
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(home),
        "LOCK2NIX_CACHE_DIR": str(cache),
    }
    return subprocess.run([str(BIN / "pre-commit"), *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_local_hook_written_by_init_runs_under_pre_commit(project, recorded_cache, tmp_path_factory) -> None:
    _git_repo(project)
    assert lock2nix("init", cwd=project, cache=recorded_cache).returncode == 0
    home = tmp_path_factory.mktemp("pre-commit-home")
    first = _pre_commit("run", "--all-files", cwd=project, cache=recorded_cache, home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    # The overlay is new (untracked): the hook's own exit code 1 fails the run.
    assert "- exit code: 1" in first.stdout and "lock2nix: regenerated overlay.nix" in first.stdout
    assert (project / "overlay.nix").read_text().startswith("# Generated by lock2nix")
    second = _pre_commit("run", "--all-files", cwd=project, cache=recorded_cache, home=home)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Passed" in second.stdout
    # A lock change regenerates a tracked overlay: pre-commit sees the file modified.
    subprocess.run(["git", "add", "-A"], cwd=project, check=True)
    text = (project / "pyproject.toml").read_text().replace('version = "0.5.1"', 'version = "0.5.2"')
    (project / "pyproject.toml").write_text(text)
    third = _pre_commit("run", "--all-files", cwd=project, cache=recorded_cache, home=home)
    assert third.returncode == 1 and "files were modified by this hook" in third.stdout, third.stdout
    assert 'version = "0.5.2";' in (project / "overlay.nix").read_text()


@pytest.mark.network  # pre-commit installs this repository (and its dependencies from PyPI)
def test_hook_from_this_repository_with_pre_commit_try_repo(project, recorded_cache, tmp_path_factory) -> None:
    _git_repo(project)
    (project / "lock2nix.toml").write_text('[[overlays]]\nlock = "poetry.lock"\noutput = "overlay.nix"\n')
    home = tmp_path_factory.mktemp("pre-commit-home")
    # try-repo needs a git repository: a copy of this one with the working tree committed.
    source = tmp_path_factory.mktemp("lock2nix-repo") / "lock2nix"
    shutil.copytree(REPO, source, ignore=shutil.ignore_patterns(".venv", "bench", ".git", "__pycache__", ".*cache"))
    _git_repo(source)
    subprocess.run(["git", "add", "-A"], cwd=source, check=True)
    subprocess.run(["git", "commit", "-qm", "snapshot"], cwd=source, check=True)
    args = ("try-repo", str(source), "lock2nix", "--all-files")
    first = _pre_commit(*args, cwd=project, cache=recorded_cache, home=home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "lock2nix: regenerated overlay.nix" in first.stdout
    second = _pre_commit(*args, cwd=project, cache=recorded_cache, home=home)
    assert second.returncode == 0, second.stdout + second.stderr

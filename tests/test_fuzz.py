"""Fuzzing: a quick deterministic run of bench/fuzz.py, and regressions for what it found.

The long run is ``python bench/fuzz.py --cases 10000``; ``LOCK2NIX_FUZZ_CASES``
sets the number of cases run here (default 120).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import shutil
import sys
from pathlib import Path

import pytest

from lock2nix import cli

from .conftest import FIXTURES, REPO

SMALL = FIXTURES / "poetry" / "jfilter__split-folders__small-lock21"


def _load_fuzz():
    spec = importlib.util.spec_from_file_location("lock2nix_bench_fuzz", REPO / "bench" / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the worker processes look it up
    spec.loader.exec_module(module)
    return module


fuzz = _load_fuzz()


def test_quick_fuzz_run_keeps_every_invariant() -> None:
    cases = int(os.environ.get("LOCK2NIX_FUZZ_CASES", "120"))
    summary = fuzz.run(cases, seed=20240601, jobs=min(2, os.cpu_count() or 1))
    assert summary.cases == cases
    assert not summary.failures, summary.text()
    # The run exercised both outcomes, not only the parser's refusals.
    assert summary.exit_codes[0] >= cases // 10 and summary.exit_codes[2] >= cases // 10, summary.text()


def test_fuzz_invariant_checks_catch_violations(tmp_path) -> None:
    """The checks themselves: an internal error, two error lines or an unnamed file fail."""
    lock = tmp_path / "poetry.lock"
    lock.write_text("")
    case = fuzz.Case(0, "x", "poetry.lock", [], [])
    bad = {
        f"lock2nix: error: {lock}: could not translate (KeyError: 'x'); set LOCK2NIX_DEBUG=1 ...\n": "internal error",
        f"lock2nix: error: {lock}: invalid\n  ~~^\nmore\n": "non-warning stderr lines",
        "lock2nix: error: something went wrong\n": "names no input file",
    }
    for stderr, expected in bad.items():
        assert expected in fuzz.check(fuzz.Result(case, 2, stderr), lock, "")
    assert fuzz.check(fuzz.Result(case, 2, f"lock2nix: warning: w\nlock2nix: error: {lock}:3: bad\n"), lock, "") is None
    assert "exit code" in fuzz.check(fuzz.Result(case, 1, ""), lock, "")
    overlay = tmp_path / "o.nix"
    overlay.write_text("{ a = ")
    result = fuzz.Result(case, 0, "", output=overlay)
    fuzz.parse_overlays([result])
    assert result.failure and "does not parse" in result.failure


def test_serialisers_round_trip_the_fixtures() -> None:
    """Mutations are only structure-aware if an unmutated document survives re-serialisation."""
    for seed in fuzz.seeds():
        for path in seed.inputs:
            text = path.read_text(encoding="utf-8")
            codec = fuzz.codec_for(path, text)
            if codec.name == "text":
                continue
            doc = codec.loads(text)
            assert codec.loads(codec.dumps(doc)) == doc, path


# --- regressions: each was found by bench/fuzz.py -----------------------------


def translate(lock: Path, cache: Path, *options: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(["--offline", "--cache-dir", str(cache), *options, str(lock)])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(SMALL, target)
    return target


def assert_one_line_error(code: int, stderr: str, names: Path, *phrases: str) -> None:
    assert code == 2, stderr
    lines = [line for line in stderr.splitlines() if not line.startswith("lock2nix: warning:")]
    assert len(lines) == 1, stderr
    assert str(names) in lines[0], stderr
    assert "could not translate" not in lines[0], stderr
    for phrase in phrases:
        assert phrase in lines[0], stderr


@pytest.mark.parametrize("which", ["poetry.lock", "pyproject.toml"])
@pytest.mark.parametrize("nesting", ["[" * 1000 + "]" * 1000, "{a = " * 1000 + "1" + "}" * 1000])
def test_deeply_nested_toml_is_a_clear_error(project, recorded_cache, which, nesting) -> None:
    """tomli raises RecursionError beyond a few hundred levels: it reached the last-resort handler."""
    with open(project / which, "a", encoding="utf-8") as f:
        f.write(f"\n[deep]\nvalue = {nesting}\n")
    code, _, stderr = translate(project / "poetry.lock", recorded_cache)
    assert_one_line_error(code, stderr, project / which, "nested too deeply")


def test_companion_that_is_not_utf8_is_named_by_its_path(project, recorded_cache) -> None:
    """The error named a bare 'pyproject.toml', not the file beside the lock that was given."""
    (project / "pyproject.toml").write_bytes(b"[project]\nname = \"x\xff\"\n")
    code, _, stderr = translate(project / "poetry.lock", recorded_cache)
    assert_one_line_error(code, stderr, project / "pyproject.toml", "not UTF-8")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('tool = ["poetry"]\n', "[tool.poetry] and [project] must be tables"),
        ('[tool.poetry]\ngroup = "dev"\n', "[tool.poetry.group] must be a table"),
        ("dependency-groups = 5\n", "[dependency-groups] must be a table"),
    ],
)
def test_pyproject_tables_of_the_wrong_type(project, recorded_cache, table, message) -> None:
    """AttributeError ('list'/'str' object has no attribute ...) and TypeError reached the last resort."""
    (project / "pyproject.toml").write_text(table, encoding="utf-8")
    code, _, stderr = translate(project / "poetry.lock", recorded_cache)
    assert_one_line_error(code, stderr, project / "pyproject.toml", message)


def test_package_entry_is_named_once(project, recorded_cache) -> None:
    """Messages read "package 'x' (1.0): package 'x' (1.0): ..." before."""
    lock = project / "poetry.lock"
    text = lock.read_text(encoding="utf-8")
    start = text.index('{file = "colorama')
    lock.write_text(text[:start] + '{hash = "sha256:00"}, ' + text[start:], encoding="utf-8")
    code, _, stderr = translate(lock, recorded_cache)
    assert_one_line_error(code, stderr, lock, "every file entry needs a 'file' name")
    assert stderr.count("package 'colorama'") == 1, stderr


def test_library_messages_spanning_lines_become_one_line(project, recorded_cache) -> None:
    """packaging's InvalidMarker adds the marker and a ~~~^ pointer on further lines."""
    lock = project / "poetry.lock"
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text.replace('markers = "sys_platform == \\"win32\\""', 'markers = "sys_platform == \\"win32\\" and"', 1))
    assert lock.read_text() != text
    code, _, stderr = translate(lock, recorded_cache)
    assert_one_line_error(code, stderr, lock, "invalid marker")


def test_control_characters_in_emitted_text_name_the_lock(project, recorded_cache) -> None:
    """The emitter's refusal had no file: 'lock2nix: error: control character ...'."""
    lock = project / "poetry.lock"
    text = lock.read_text(encoding="utf-8")
    lock.write_text(text.replace('name = "tqdm"\nversion = "4.67.1"', 'name = "tqdm"\nversion = "4.67.1\\u001b"', 1))
    assert lock.read_text() != text
    code, _, stderr = translate(lock, recorded_cache, "--no-detect")
    assert_one_line_error(code, stderr, lock, "U+001B")
    assert "\x1b" not in stderr  # escaped, not sent to the terminal


@pytest.mark.parametrize("nesting", ["[" * 3000 + "]" * 3000, "{a: " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_yaml_is_a_clear_error(nesting) -> None:
    """PyYAML composes recursively: a conda environment nested deep enough hit RecursionError."""
    from lock2nix.errors import Lock2NixError
    from lock2nix.parsers import _conda

    with pytest.raises(Lock2NixError, match="nested too deeply") as caught:
        _conda.load_yaml("environment.yml", f"name: x\ndependencies:\n  - python=3.11\n  - {nesting}\n")
    assert caught.value.file == "environment.yml"


def test_empty_constraint_list_in_pyproject(project, recorded_cache) -> None:
    """``dep = []`` in [tool.poetry.dependencies] raised IndexError (last-resort handler)."""
    (project / "pyproject.toml").write_text('[tool.poetry]\nname = "x"\n\n[tool.poetry.dependencies]\ntqdm = []\n')
    code, _, stderr = translate(project / "poetry.lock", recorded_cache)
    assert_one_line_error(code, stderr, project / "pyproject.toml", "tqdm: an empty list of constraints")


def test_project_locked_as_a_package_of_its_own(project, recorded_cache) -> None:
    """A lock entry named like the root project gave an overlay defining the attribute twice."""
    (project / "pyproject.toml").write_text('[project]\nname = "tqdm"\nversion = "1.0"\ndependencies = []\n')
    code, stdout, stderr = translate(project / "poetry.lock", recorded_cache, "--no-detect")
    assert_one_line_error(code, stderr, project / "poetry.lock", "package 'tqdm' (4.67.1)", "locked as a package too")
    assert stdout == ""


def test_invalid_url_in_a_conda_pip_section(tmp_path, recorded_cache) -> None:
    """urlsplit's ValueError ("Invalid IPv6 URL") reached the last-resort handler."""
    env = tmp_path / "environment.yml"
    env.write_text(
        "channels:\n- conda-forge\ndependencies:\n- python=3.11\n- pip:\n"
        "  - requests @ https://gith[[[ub.com/psf/requests/requests-2.31.0-py3-none-any.whl\n"
    )
    code, _, stderr = translate(env, recorded_cache)
    assert_one_line_error(code, stderr, env, "invalid URL", "Invalid IPv6 URL")


@pytest.mark.parametrize("entry", [{"file": "https://[files/demo-1.0.tar.gz"}, {"path": "file://[x/demo"}])
def test_invalid_url_in_a_pipfile_lock(tmp_path, recorded_cache, entry) -> None:
    """The same ValueError from Pipfile.lock "file" and "path" entries."""
    import json

    lock = tmp_path / "Pipfile.lock"
    data = json.loads((FIXTURES / "pipfile" / "pypa__pipfile__example-head" / "Pipfile.lock").read_text())
    data["default"]["demo"] = entry
    lock.write_text(json.dumps(data, indent=4))
    code, _, stderr = translate(lock, recorded_cache)
    assert_one_line_error(code, stderr, lock, "invalid URL", "Invalid IPv6 URL")

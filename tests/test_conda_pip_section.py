"""The pip section of an environment file, read as pip reads a requirements file.

Option lines are split into shell-style words, as pip does (``shlex``), so a
quoted ``-e "git+https://...@<commit>#egg=argh"`` or ``--index-url="..."`` is
the URL without its quotes. A local project given as ``-e .`` or ``.`` that has
only a ``setup.py`` is named by the literal ``name=`` of its ``setup(...)``
call, read from the syntax tree (setup.py is never run); anything else is a
clear error naming the entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lock2nix import parsers
from lock2nix.errors import Lock2NixError

from .conda_cases import recorded_conda_cache  # noqa: F401 - a fixture
from .test_translate_fixtures import lock2nix

COMMIT = "0123456789abcdef0123456789abcdef01234567"


def parse(where: Path, pip_lines: list[str]):
    text = "name: t\ndependencies:\n  - python=3.11\n  - pip:\n" + "".join(f"    - {line}\n" for line in pip_lines)
    (where / "environment.yml").write_text(text)
    return parsers.parse("environment.yml", text.encode(), directory=where)


def package(lock, name: str):
    (found,) = [p for p in lock.packages if p.name == name]
    return found


@pytest.mark.parametrize("line", [
    f"""-e "git+https://github.com/neithere/argh.git@{COMMIT}#egg=argh\"""",
    f"""-e 'git+https://github.com/neithere/argh.git@{COMMIT}#egg=argh'""",
    f"""--editable="git+https://github.com/neithere/argh.git@{COMMIT}#egg=argh\"""",
    f"""-e git+https://github.com/neithere/argh.git@{COMMIT}#egg=argh""",
])
def test_quoted_editable_vcs_url_is_read_as_pip_reads_it(line, tmp_path) -> None:
    source = package(parse(tmp_path, [f"'{line}'" if line.startswith("-e \"") or line.startswith("--") else line]),
                     "argh").source
    assert (source.kind, source.url, source.commit_id) == ("vcs", "https://github.com/neithere/argh.git", COMMIT)


def test_quoted_index_url_is_the_index(tmp_path) -> None:
    lock = parse(tmp_path, ["'--index-url \"https://mirror.example.org/simple\"'", "xmltodict==0.10.2"])
    source = package(lock, "xmltodict").source
    assert source.url == "https://mirror.example.org/simple/" and source.version_only


def test_unbalanced_quote_is_an_error_naming_the_entry(tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "environment.yml").write_text(
        "dependencies:\n  - pip:\n    - '-e \"git+https://github.com/neithere/argh.git#egg=argh'\n"
    )
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("lock2nix: error: environment.yml:3: dependencies[0].pip[0]: ")
    assert "No closing quotation (pip reads option lines with shell quoting)" in result.stderr
    assert not (tmp_path / "overlay.nix").exists()


SETUP_PY = """\
from setuptools import setup, find_packages

setup(
    name="My_Project",
    version="1.0",
    packages=find_packages(),
)
"""


@pytest.mark.parametrize("line", ["-e .", ".", "-e ./proj/..", "./"])
def test_setup_py_only_project_is_named_by_its_literal_name(line, tmp_path) -> None:
    (tmp_path / "setup.py").write_text(SETUP_PY)
    # Never run: running it would leave this file behind.
    (tmp_path / "proj").mkdir()
    (tmp_path / "setup.py").write_text(SETUP_PY + "open('ran', 'w').close()\n")
    lock = parse(tmp_path, [line])
    source = package(lock, "my-project").source
    assert (source.kind, source.path) == ("directory", ".")
    assert source.editable == line.startswith("-e")
    assert not (tmp_path / "ran").exists()


@pytest.mark.parametrize(("setup_py", "message"), [
    ("import setuptools\nNAME = 'x'\nsetuptools.setup(name=NAME)\n",
     "setup.py line 3: setup(name=...) is not a literal string"),
    ("from setuptools import setup\nsetup(version='1')\n", "setup.py's setup(...) call has no name="),
    ("from setuptools import setup\nsetup(name=\n", "setup.py does not parse"),
])
def test_setup_py_without_a_literal_name_is_a_clear_error(setup_py, message, tmp_path, recorded_conda_cache) -> None:  # noqa: F811
    (tmp_path / "setup.py").write_text(setup_py)
    with pytest.raises(Lock2NixError, match="cannot tell the project name of '.'"):
        parse(tmp_path, ["-e ."])
    result = lock2nix("environment.yml", "-o", "overlay.nix", cwd=tmp_path, cache=recorded_conda_cache)
    assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("lock2nix: error: environment.yml:5: dependencies[1].pip[0]: cannot tell the "
                                    "project name of '.': ")
    assert message in result.stderr and "never runs setup.py" in result.stderr

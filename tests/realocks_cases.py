"""The fixtures of issue 13 ("every real lock translates"), as the tests and the recorder stage them.

One fixture per class of real lock lock2nix used to refuse (see
``tests/fixtures/realocks/MANIFEST.md`` for how each was made). Shared by the
tests and ``tests/data/record_realocks.py`` so that what is recorded is what
the tests translate.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REALOCKS = TESTS / "fixtures" / "realocks"
RECORDED = TESTS / "data" / "realocks-cache"

#: Where the git repository of ``poetry012-git-tag`` was when Poetry locked it;
#: the staged copy points at a repository made alike (`make_tag_repository`).
LOCKED_REPOSITORY = "file:///tmp/lock2nix-fixture-repos/tinygit"
#: The loopback mirror ``poetry11-no-files`` was locked against (tests/data/mirror.py).
MIRROR = "http://127.0.0.1:3141/simple/"


@dataclass(frozen=True)
class Case:
    #: The issue's class (its numbered list).
    issue_class: int
    lock: str
    #: Options the translation needs (classes 2 and 3: refused without them).
    options: tuple[str, ...] = ()
    #: What the test expects in the overlay, as a one-line summary.
    what: str = ""


CASES: dict[str, Case] = {
    "poetry18-url-wheel-per-platform": Case(
        1, "poetry.lock", what="psutil 5.9.8 locked twice (a url wheel per platform), lock 2.0: markers from pyproject"
    ),
    "poetry25-url-wheel-per-platform": Case(
        1, "poetry.lock", what="psutil 5.9.8 locked twice (a url wheel per platform), lock 2.1: markers per package"
    ),
    "poetry11-no-files": Case(
        2, "poetry.lock", ("--allow-insecure-hashes",), what="[metadata.files] empty for every package"
    ),
    "pypa__pipfile__2017-no-hashes": Case(
        3, "Pipfile.lock", ("--allow-insecure-hashes",), what="pipfile-spec 1: versions only; django git ref '1.11.4'"
    ),
    "poetry012-path-deps": Case(4, "poetry.lock", what="a wheel and an sdist by path, [metadata.hashes]"),
    "poetry012-git-tag": Case(6, "poetry.lock", what="git reference 'v1.0' (a tag), no resolved_reference"),
}


def make_tag_repository(where: Path, tag: str = "v1.0") -> tuple[str, str]:
    """A git repository of a tiny package ``tinygit`` with an annotated tag ``tag``
    and a branch ``main`` one commit further; returns (file URL, the tag's commit).

    Fixed names and dates make the same commits on every run.
    """
    repo = where / "tinygit"
    (repo / "tinygit").mkdir(parents=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "lock2nix", "GIT_AUTHOR_EMAIL": "lock2nix@example.invalid",
        "GIT_COMMITTER_NAME": "lock2nix", "GIT_COMMITTER_EMAIL": "lock2nix@example.invalid",
        "GIT_AUTHOR_DATE": "2020-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2020-01-01T00:00:00Z",
        "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1",
    }

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout

    # A Poetry project: Poetry 0.12 reads the metadata of no other kind without setup.py.
    (repo / "pyproject.toml").write_text(
        '[tool.poetry]\nname = "tinygit"\nversion = "1.0"\ndescription = "lock2nix test fixture: a git dependency"\n'
        'authors = ["lock2nix <lock2nix@example.invalid>"]\n\n'
        '[tool.poetry.dependencies]\npython = "^3.8"\n\n'
        '[build-system]\nrequires = ["poetry-core>=1.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n'
    )
    (repo / "tinygit" / "__init__.py").write_text('VERSION = "1.0"\n')
    git("init", "--quiet", "--initial-branch=main")
    git("add", "-A")
    git("commit", "--quiet", "-m", "tinygit 1.0")
    git("tag", "-a", tag, "-m", "tinygit 1.0")
    tagged = git("rev-parse", "HEAD").strip()
    (repo / "NEWS").write_text("after 1.0\n")
    git("add", "-A")
    git("commit", "--quiet", "-m", "after 1.0")
    return f"file://{repo}", tagged


#: The configuration a staged fixture gets for sources the recording machine
#: cannot reach (github.com): the fix lock2nix's error names for them.
UNREACHABLE_CONFIG = {
    "pypa__pipfile__2017-no-hashes": (
        '[package.django]\nreason = "github.com is unreachable from the recording machine"\nskip = true\n'
    ),
}


def stage(case: str, where: Path, *, configure: bool = True) -> Path:
    """Copy a fixture into ``where`` and return its lock's path.

    ``poetry012-git-tag`` gets a repository made by `make_tag_repository`
    beside it, and its lock that repository's URL. Unless not ``configure``,
    a fixture with a source on an unreachable host gets the ``lock2nix.toml``
    in UNREACHABLE_CONFIG.
    """
    target = where / case
    shutil.copytree(REALOCKS / case, target)
    lock = target / CASES[case].lock
    if case == "poetry012-git-tag":
        url, _ = make_tag_repository(where / "repos")
        lock.write_text(lock.read_text(encoding="utf-8").replace(LOCKED_REPOSITORY, url), encoding="utf-8")
    if configure and case in UNREACHABLE_CONFIG:
        (target / "lock2nix.toml").write_text(UNREACHABLE_CONFIG[case], encoding="utf-8")
    return lock


def seed_cache(cache: Path) -> Path:
    """Fill ``cache`` with the recorded answers for these fixtures."""
    shutil.copytree(RECORDED, cache, dirs_exist_ok=True)
    return cache

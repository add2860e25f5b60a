"""The package's import graph: no cycles, no private names across modules, a light no-op path.

Read from the source with ``ast``, so imports inside functions count as much
as those at the top of a module: a cycle through a function-local import
works only until someone moves the import.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from lock2nix.cli.inputs import DIGEST_PREFIX, input_digest, read_inputs
from lock2nix.nix import library

PACKAGE = Path(__file__).resolve().parents[1] / "translator" / "lock2nix"
ROOT = "lock2nix"


def _module_name(path: Path) -> str:
    parts = [ROOT, *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, level: int, target: str | None) -> str:
    """The absolute name of ``from <level dots><target> import ...`` written in ``module``."""
    if level == 0:
        return target or ""
    base = module.split(".") if _is_package(module) else module.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join([*base, target] if target else base)


def imports(module: str) -> Iterator[tuple[str, str, int]]:
    """(imported module, name or "", line) for every import statement in ``module``, wherever it is."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, "", node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _resolve(module, node.level, node.module)
            for alias in node.names:
                yield source, alias.name, node.lineno


def edges(module: str) -> set[str]:
    """The package modules that importing ``module`` executes directly.

    ``from .x import y`` runs ``x`` (and ``x.y`` when that is a module); a
    module in another package also runs that package's ``__init__`` first.
    """
    out: set[str] = set()
    for source, name, _ in imports(module):
        for target in (f"{source}.{name}", source):
            if target in MODULES:
                out.add(target)
                break
        else:
            continue
        parts = target.split(".")
        for i in range(2, len(parts)):
            ancestor = ".".join(parts[:i])
            if not module.startswith(ancestor + ".") and module != ancestor:
                out.add(ancestor)
    out.discard(module)
    return out


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_graph_is_read_from_every_module() -> None:
    assert {"lock2nix.cli", "lock2nix.parsers", "lock2nix.resolve", "lock2nix.resolve.index"} <= set(MODULES)
    # Function-local imports are edges too.
    assert "lock2nix.cli.pipeline" in edges("lock2nix.cli.command")
    assert "lock2nix.resolve" in edges("lock2nix.cli.pipeline")


def test_no_import_cycle() -> None:
    graph = {module: edges(module) for module in MODULES}
    assert cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_private_name_is_imported_from_another_module() -> None:
    """A module's private names are its own; what modules share lives in a (private) module of its own."""
    found = [
        f"{module}:{line}: {name} from {source}"
        for module in MODULES
        for source, name, line in imports(module)
        if source.startswith(ROOT) and name.startswith("_") and not name.startswith("__")
        and f"{source}.{name}" not in MODULES  # a private module is shared on purpose
    ]
    assert found == []


def test_unchanged_inputs_import_nothing_heavy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-commit hook's run on unchanged inputs stops before the pipeline and its libraries."""
    (tmp_path / "poetry.lock").write_text("# lock\n")
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    monkeypatch.chdir(tmp_path)
    inputs = read_inputs("poetry.lock")
    assert inputs.names == ["poetry.lock", "pyproject.toml"]
    digest = input_digest(inputs, prefer=None, emit="overlay", detect=True, insecure=False, scope=None, inline=False)
    (tmp_path / "overlay.nix").write_text(f"# {DIGEST_PREFIX}{digest}\n")
    # The Nix library beside the overlay is this lock2nix's: nothing to do.
    (tmp_path / library.FILE_NAME).write_text(library.bundle())
    code = (
        "import sys, lock2nix.cli as cli\n"
        "rc = cli.main(['--check', 'poetry.lock', '-o', 'overlay.nix'])\n"
        "heavy = ('packaging', 'jsonschema', 'requests', 'pypi_simple', 'yaml', 'rattler', 'tomli', 'tomlkit',\n"
        "         'ruamel', 'poetry', 'difflib', 'dataclasses', 'inspect', 'json', 'pickle', 'argparse', 'typing',\n"
        "         'lock2nix.parsers', 'lock2nix.resolve', 'lock2nix.generate', 'lock2nix.nix.emitter')\n"
        "print(rc, sorted(m for m in sys.modules if m.split('.')[0] in heavy or m.startswith(heavy)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
    )
    assert result.stdout.strip() == "0 []", result.stderr


@pytest.mark.parametrize("module", sorted(set(MODULES) - {"lock2nix.__main__"}))
def test_every_module_imports_on_its_own(module: str) -> None:
    """No module depends on another having been imported first."""
    result = subprocess.run(
        [sys.executable, "-c", f"import {module}"], capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
    )
    assert result.returncode == 0, result.stderr


def imported(args: list[str], cwd: Path) -> set[str]:
    """The modules ``lock2nix ARGS`` imports, from ``python -X importtime``."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lock2nix", *args], cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(PACKAGE.parent)},
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    assert lines, "python -X importtime reported nothing"
    return {line.rpartition("|")[2].strip() for line in lines}


#: What a translation of a poetry.lock never needs when the snapshot answers
#: for every entry: the other formats, the resolution steps and their HTTP
#: stack, poetry-core, the validators and writers of other paths.
NOT_ON_THE_SNAPSHOT_PATH = (
    "lock2nix.parsers.pipfile", "lock2nix.parsers.uv", "lock2nix.parsers.pylock", "lock2nix.parsers.conda",
    "lock2nix.parsers.conda_locked", "lock2nix.resolve.steps", "lock2nix.resolve.index", "lock2nix.resolve.metadata",
    "lock2nix.resolve.sdist", "lock2nix.pylock_export", "lock2nix.cli.staleness", "lock2nix.cli.init",
    "poetry", "jsonschema", "yaml", "rattler", "tomlkit", "http.client", "urllib.request", "email", "difflib",
    "packaging.pylock",
)


def test_the_import_graph_of_each_fast_path(tmp_path: Path, recorded_cache: Path) -> None:
    from .conftest import stage_poetry_case

    lock = stage_poetry_case("jfilter__split-folders__small-lock21", tmp_path)
    cache = tmp_path / "cache"
    shutil.copytree(recorded_cache, cache)
    shutil.rmtree(cache / "snapshots", ignore_errors=True)  # other tests' translations of this lock
    args = ["--offline", "--cache-dir", str(cache), lock.name, "-o", "overlay.nix"]
    first = imported(args, lock.parent)
    assert "lock2nix.resolve.steps" in first and "lock2nix.nix.emitter" in first  # what follows can fail

    # Unchanged inputs: the digest in the overlay's header says so.
    unchanged = imported(args, lock.parent)
    assert not {m for m in unchanged if m.startswith(("lock2nix.parsers", "lock2nix.resolve", "lock2nix.generate"))}
    assert not unchanged & {
        "dataclasses", "inspect", "json", "pickle", "packaging", "lock2nix.nix.emitter", "tomli", "argparse", "typing",
        "_hashlib",  # OpenSSL's libcrypto: 3.6 MiB (lock2nix._digest)
    }

    # Everything again (--force): every entry comes from the snapshot.
    again = imported([*args, "--force"], lock.parent)
    assert "lock2nix.snapshot" in again
    assert not {m for m in again if m.startswith(NOT_ON_THE_SNAPSHOT_PATH)}

    # One dependency constraint changed (PEP 440): that entry is parsed again, without poetry-core, and
    # not resolved again (its files are the same): no resolution step, no index client.
    text = lock.read_text()
    changed_text = re.sub(
        r'(\[package\.dependencies\]\n[a-z0-9_.-]+ = (?:\{version = )?")([^"]+)"', r'\1\2,!=0.0.0"', text, count=1
    )
    assert changed_text != text
    lock.write_text(changed_text)
    changed = imported(args, lock.parent)
    assert not {m for m in changed if m.startswith(NOT_ON_THE_SNAPSHOT_PATH)}
    assert "_hashlib" not in changed and "_hashlib" not in again, "nothing large is hashed: no OpenSSL"

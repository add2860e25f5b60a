"""The overlay file as a whole: data plus calls, laid out as nixfmt would, and
a lock change shows as the lines of the packages it changed."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from pathlib import Path

from lock2nix.nix import library

from .conftest import FIXTURES
from .nixeval import eval_json, lock_set, nix_str

CASE = FIXTURES / "poetry" / "jfilter__split-folders__small-lock21"
# tqdm 4.65.0's files, as the recorded index lists them.
TQDM_4_65 = (
    '    {file = "tqdm-4.65.0-py3-none-any.whl", hash = "sha256:c4f53a17fe37e132815abceec022631be8ffe1b9381c2e6e30aa70edc99e9671"},\n'
    '    {file = "tqdm-4.65.0.tar.gz", hash = "sha256:1871fb68a86b8fb3b59ca4cdd3dcccbc7e6d613eeed31f4c332531977b89beb5"},\n'
)


def translate(where: Path, cache: Path, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "lock2nix", "--offline", "--no-detect", "--cache-dir", str(cache), *options,
         "poetry.lock", "-o", "overlay.nix"],
        cwd=where, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    return (where / "overlay.nix").read_text()


def block_of(lines: list[str], name: str) -> range:
    """The lines of the package set attribute ``name``."""
    start = next(i for i, line in enumerate(lines) if re.match(rf"( +){re.escape(name)} =", line))
    indent = len(lines[start]) - len(lines[start].lstrip())
    end = next(
        i for i in range(start + 1, len(lines))
        if len(lines[i]) - len(lines[i].lstrip()) <= indent and lines[i].strip() and not lines[i].lstrip().startswith(("++", "else", "then"))
    )
    return range(start, end)


def test_a_one_package_lock_change_changes_only_that_package(tmp_path, recorded_cache) -> None:
    project = tmp_path / "project"
    shutil.copytree(CASE, project)
    before = translate(project, recorded_cache)
    lock = (project / "poetry.lock").read_text()
    entry = re.search(r'name = "tqdm"\nversion = "4.67.1"\n(?:.*\n)*?files = \[\n((?:    \{.*\n)+)\]', lock)
    assert entry, "tqdm's entry is not where the test expects it"
    changed = lock[: entry.start()] + lock[entry.start(): entry.start(1)].replace("4.67.1", "4.65.0") + TQDM_4_65 + lock[entry.end(1):]
    (project / "poetry.lock").write_text(changed)
    after = translate(project, recorded_cache)
    old, new = before.splitlines(), after.splitlines()
    old_block, new_block = block_of(old, "tqdm"), block_of(new, "tqdm")
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        outside = [old[i] for i in range(i1, i2) if i not in old_block] + [new[j] for j in range(j1, j2) if j not in new_block]
        # The header's input digest changes with any input.
        assert all("lock2nix-inputs:" in line for line in outside), outside
    assert "4.65.0" in "\n".join(new[j] for j in new_block)


def test_lines_stay_within_100_columns_but_urls_and_hashes(tmp_path, recorded_cache) -> None:
    project = tmp_path / "project"
    shutil.copytree(FIXTURES / "poetry" / "Textualize__textual__2025-lock21", project)
    text = translate(project, recorded_cache)
    long = [line for line in text.splitlines() if len(line) > 100 and not re.match(r" *(url|hash|file) = ", line)]
    # The header's regenerate command holds a path, which is never broken.
    long = [line for line in long if not line.startswith("#   lock2nix ")]
    assert not long, "\n".join(long[:10])


def test_the_library_beside_or_inline_gives_the_same_derivations(tmp_path, recorded_cache) -> None:
    beside, inline = tmp_path / "beside", tmp_path / "inline"
    for where in (beside, inline):
        shutil.copytree(CASE, where)
    text = translate(beside, recorded_cache)
    assert (beside / library.FILE_NAME).read_text() == library.bundle()
    assert f"import ./{library.FILE_NAME}" in text
    inlined = translate(inline, recorded_cache, "--inline")
    assert not (inline / library.FILE_NAME).exists() and f"import ./{library.FILE_NAME}" not in inlined
    drvs = []
    for where in (beside, inline):
        pkgs = f"(import ./tests/nixpkgs {{ hostPython = {nix_str(sys.executable)}; overlays = [ (import {where / 'overlay.nix'}) ]; }})"
        drvs.append(eval_json(f"let ps = {lock_set(pkgs, 'python312')}; in map (n: if ps.${{n}} == null then null else ps.${{n}}.drvPath) "
                              f"{pkgs}.lock2nixProjects.split-folders.lockedNames"))
    assert drvs[0] == drvs[1] and any(drvs[0])


def test_the_entries_put_in_at_the_end_give_the_text_the_emitter_lays_out(tmp_path, recorded_cache) -> None:
    import dataclasses

    from lock2nix import parsers, resolve
    from lock2nix.generate import Options, overlay, plan

    lock_file = CASE / "poetry.lock"
    lock = parsers.parse(str(lock_file), lock_file.read_bytes(), directory=CASE)
    lock = resolve.resolve(lock, resolve.Settings(cache_dir=recorded_cache, offline=True, detect_build_systems=False))
    parts = plan(lock, Options(header=("a header",)))
    assert any(isinstance(value, overlay.nix.Entry) for value in parts.packages.values())
    # Laid out around marks, the entries put in at the end: the text of the whole laid out at once.
    assert overlay.render(parts) == overlay._render(parts)
    # A mark in the rest of the text (the emitter refuses one in strings and comments, not in
    # raw code): laid out at once.
    marked = dataclasses.replace(parts, projects={**parts.projects, "raw": overlay.nix.Expr('"\0"')})
    assert overlay.render(marked) == overlay._render(marked)
    assert "\0" in overlay.render(marked)

"""``lock2nix init``: record the lock → overlay pair and add the pre-commit hook.

Existing files are edited in place, keeping their formatting and comments
(tomlkit for TOML, ruamel.yaml's round-trip mode for YAML), and replaced
atomically.  Running it twice changes nothing.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from .. import __version__
from .._files import write_atomic
from ..errors import Lock2NixError
from ..formats import find_lock
from ..overrides import user_fixes
from .config import CONFIG_FILE, PYPROJECT, load

PRE_COMMIT_CONFIG = ".pre-commit-config.yaml"
HOOK_ID = "lock2nix"
# The inputs of an overlay: a change to any of them should regenerate it.
HOOK_FILES = (
    r"(^|/)(poetry\.lock|uv\.lock|pylock(\.[^./]+)?\.toml|pyproject\.toml|Pipfile(\.lock)?|lock2nix\.toml|environment\.ya?ml|conda-lock\.ya?ml)$"
)


def init(args: SimpleNamespace) -> int:
    cwd = Path.cwd()
    lock = Path(args.lock if args.lock else find_lock(cwd))
    if not lock.is_file():
        raise Lock2NixError("no such file", file=str(lock))
    output = Path(args.output) if args.output else lock.parent / "overlay.nix"
    if output.suffix != ".nix":
        raise Lock2NixError("the overlay's file name must end in .nix", file=str(output))
    pair = {"lock": _relative(lock, cwd), "output": _relative(output, cwd)}
    if args.prefer:
        pair["prefer"] = args.prefer
    print(_add_overlay(cwd, pair), file=sys.stderr)
    if not args.no_hook:
        print(_add_hook(cwd / PRE_COMMIT_CONFIG, args.hook_repo, args.hook_rev or f"v{__version__}"), file=sys.stderr)
    print(
        "lock2nix: next: `lock2nix` regenerates the configured overlays; `pre-commit install` enables the hook",
        file=sys.stderr,
    )
    return 0


def _relative(path: Path, base: Path) -> str:
    return os.path.relpath(path.resolve(), base.resolve()).replace(os.sep, "/")


def _add_overlay(directory: Path, pair: dict[str, str]) -> str:
    import tomlkit

    config_file = directory / CONFIG_FILE
    pyproject = directory / PYPROJECT
    if config_file.is_file() or not pyproject.is_file():
        path, in_pyproject = config_file, False
    else:
        path, in_pyproject = pyproject, True
    _check(directory)  # an existing configuration must be valid before it is edited
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    try:
        document = tomlkit.parse(text)
    except tomlkit.exceptions.ParseError as exc:
        raise Lock2NixError(f"invalid TOML: {exc}", file=str(path)) from None
    table: Any = document
    if in_pyproject:
        tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
        table = tool.setdefault("lock2nix", tomlkit.table())
    overlays = table.get("overlays")
    if overlays is None:
        overlays = tomlkit.aot()
        table.append("overlays", overlays)
    where = f"{path.name} [tool.lock2nix]" if in_pyproject else path.name
    for existing in overlays:
        if existing.get("lock") == pair["lock"]:
            if existing.get("output") == pair["output"]:
                return f"lock2nix: {where} already keeps {pair['output']} from {pair['lock']}"
            raise Lock2NixError(
                f"already configured to write {existing.get('output')} from {pair['lock']}; edit it there",
                file=str(path),
            )
    entry: tomlkit.items.Table | tomlkit.items.InlineTable
    if isinstance(overlays, tomlkit.items.AoT):
        entry = tomlkit.table()
        entry.update(pair)
        entry.add(tomlkit.nl())  # a blank line before whatever table follows
    else:
        entry = tomlkit.inline_table()
        entry.update(pair)
    overlays.append(entry)
    new_text = tomlkit.dumps(document)
    write_atomic(path, new_text)
    try:
        _check(directory)  # and still valid after
    except Lock2NixError:
        if text:
            write_atomic(path, text)
        else:
            path.unlink()
        raise
    return f"lock2nix: {where}: keeps {pair['output']} from {pair['lock']}"


def _check(directory: Path) -> None:
    """The configuration in ``directory`` is valid, its fixes included (else an error)."""
    settings = load(directory)
    if settings.file is not None:
        user_fixes(settings.packages, settings.origin, settings.file)


def _add_hook(path: Path, repo: str | None, rev: str) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    yaml = YAML()  # round-trip: comments, order and quoting survive
    yaml.width = 4096  # never fold the files regex
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    _match_indentation(yaml, text)
    try:
        document = yaml.load(text) if text.strip() else None
    except YAMLError as exc:
        raise Lock2NixError(f"invalid YAML: {str(exc).splitlines()[0]}", file=str(path)) from None
    if document is None:
        from ruamel.yaml.comments import CommentedMap, CommentedSeq

        document = CommentedMap()
        document["repos"] = CommentedSeq()
    repos = document.get("repos") if isinstance(document, dict) else None
    if not isinstance(repos, list):
        raise Lock2NixError("expected a top-level `repos:` list", file=str(path))
    for item in repos:
        for hook in (item or {}).get("hooks", []) or []:
            if isinstance(hook, dict) and hook.get("id") == HOOK_ID:
                return f"lock2nix: {path.name} already runs the {HOOK_ID} hook"
    if repo is None:
        # Runs the lock2nix on PATH (installed with pip or from the flake).
        entry: dict[str, Any] = {
            "repo": "local",
            "hooks": [
                {
                    "id": HOOK_ID,
                    "name": "lock2nix: regenerate Nix overlays from lock files",
                    "entry": "lock2nix --pre-commit",
                    "language": "system",
                    "files": HOOK_FILES,
                    "pass_filenames": False,
                }
            ],
        }
    else:
        entry = {"repo": repo, "rev": rev, "hooks": [{"id": HOOK_ID}]}
    repos.append(entry)
    out = io.StringIO()
    yaml.dump(document, out)
    write_atomic(path, out.getvalue())
    return f"lock2nix: {path.name}: added the {HOOK_ID} hook ({'local' if repo is None else repo})"


def _match_indentation(yaml: Any, text: str) -> None:
    """Write new list items the way the file already writes them."""
    match = re.search(r"^( *)-( +)\S", text, re.MULTILINE)
    if match is None:
        yaml.indent(mapping=2, sequence=4, offset=2)  # pre-commit's own docs: "  - repo: ..."
        return
    offset = len(match.group(1))
    yaml.indent(mapping=2, sequence=offset + 1 + len(match.group(2)), offset=offset)

"""What the conda parsers share: YAML read with the line of every entry, schema errors at their line.

``environment.yml`` (:mod:`lock2nix.parsers.conda`) and ``conda-lock.yml``
(:mod:`lock2nix.parsers.conda_locked`) are YAML; their errors name the entry
as a path (``dependencies[9].pip[2]``) and its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._schema import validate
from ..conda_names import Constraint
from ..errors import Lock2NixError

if TYPE_CHECKING:
    import yaml

__all__ = ["Reader", "YamlPath", "both", "directory_name", "entry_name", "load_yaml"]

#: Where an entry is in a YAML document: mapping keys and list indexes.
YamlPath = tuple[str | int, ...]


def load_yaml(
    name: str, text: str, error: type[Lock2NixError] = Lock2NixError
) -> tuple[Any, dict[YamlPath, int]]:
    """The YAML document and the line of each mapping key and list item, by path.

    Errors (invalid YAML, a key written twice) are ``error``\\ s naming the file and line.
    """
    import yaml  # PyYAML: only for conda files

    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise error(f"invalid YAML: {problem}", file=name, line=mark.line + 1 if mark is not None else None) from None
    except RecursionError:  # PyYAML composes and constructs recursively
        raise error("invalid YAML: nested too deeply", file=name) from None
    lines: dict[YamlPath, int] = {}
    if node is not None:
        try:
            _walk(name, node, (), lines, error)
        except RecursionError:
            raise error("invalid YAML: nested too deeply", file=name) from None
    return data, lines


def _walk(file: str, node: yaml.Node, path: YamlPath, lines: dict[YamlPath, int], error: type[Lock2NixError]) -> None:
    import yaml

    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            key_text = key.value if isinstance(key, yaml.ScalarNode) else str(key.value)
            if key_text in seen:
                where = ".".join(_label(p) for p in path) or None
                raise error(
                    f"key {key_text!r} appears twice (a merge left behind?)",
                    file=file, entry=where, line=key.start_mark.line + 1,
                )
            seen.add(key_text)
            child: YamlPath = (*path, key_text)
            lines[child] = key.start_mark.line + 1
            _walk(file, value, child, lines, error)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(file, item, (*path, i), lines, error)


def _label(part: object) -> str:
    return f"[{part}]" if isinstance(part, int) else str(part)


def entry_name(path: YamlPath) -> str:
    """``("dependencies", 9, "pip", 2)`` → ``dependencies[9].pip[2]``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class Reader:
    """One YAML file's entries by path, to report errors at their entry and line."""

    def __init__(self, file: str, lines: dict[YamlPath, int], error: type[Lock2NixError]) -> None:
        self.file = file
        self.lines = lines
        self.error_type = error

    def line(self, path: YamlPath) -> int | None:
        """The line of ``path``, or of the nearest entry holding it."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return None

    def error(self, message: str, path: YamlPath = ()) -> Lock2NixError:
        return self.error_type(message, file=self.file, entry=entry_name(path) or None, line=self.line(path))

    def validate(self, data: Mapping[str, Any], schema: str, messages: Mapping[YamlPath, str] | None = None) -> None:
        """Check ``data`` against ``schema``; the error names the entry and line (``messages`` rewords some)."""
        try:
            validate(dict(data), schema, self.file)
        except Lock2NixError as exc:
            path: YamlPath = tuple(int(p) if p.isdigit() else p for p in (exc.entry or "").split(".") if p)
            unknown = re.match(r"unknown key '([^']+)'", exc.message)
            if unknown:
                path = (*path, unknown.group(1))
            raise self.error((messages or {}).get(path, exc.message), path) from None


def both(a: Constraint, b: Constraint) -> Constraint:
    """The constraint that holds where ``a`` and ``b`` both hold."""
    if not a:
        return b
    if not b:
        return a
    return tuple(x + y for x in a for y in b)


def directory_name(directory: Path) -> str:
    """An environment's name from its directory (when the file names none)."""
    name = directory.resolve().name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-._")
    return cleaned or "environment"

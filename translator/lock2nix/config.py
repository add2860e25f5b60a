"""The user's configuration: ``[tool.lock2nix]`` in pyproject.toml, or ``lock2nix.toml``.

Both sit beside the lock file and hold the same keys (``schemas/config.schema.json``).
A file that exists is validated in full before anything is translated, so a typo
is an error naming the file and key rather than a setting silently ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Lock2NixError

if TYPE_CHECKING:  # packaging's specifiers are not needed on the no-op path
    from .overrides import Fix

CONFIG_FILE = "lock2nix.toml"
PYPROJECT = "pyproject.toml"
SCHEMAS = Path(__file__).with_name("schemas")


@dataclass(frozen=True)
class OverlayTarget:
    lock: Path
    output: Path
    prefer: str | None = None


@dataclass(frozen=True)
class Config:
    file: str | None = None
    prefer: str | None = None
    detect_build_systems: bool | None = None
    pythons: tuple[str, ...] | None = None
    #: "project" or "global" (see lock2nix.generate.Options.scope).
    scope: str | None = None
    #: conda environments: "error" or "warn" when nixpkgs does not satisfy a spec.
    conda_versions: str | None = None
    overlays: tuple[OverlayTarget, ...] = ()
    fixes: tuple["Fix", ...] = field(default_factory=tuple)


def candidate_files(directory: Path) -> list[Path]:
    """Files that may configure a lock in ``directory`` (they are inputs of its overlay)."""
    return [p for p in (directory / CONFIG_FILE, directory / PYPROJECT) if p.is_file()]


def load(directory: Path, texts: Mapping[str, str] | None = None) -> Config:
    """The configuration for locks in ``directory`` (empty when there is none).

    ``texts`` maps file names to contents already read (the digest needs them too).
    """
    found: list[tuple[Path, dict[str, Any]]] = []
    for path in candidate_files(directory):
        text = texts.get(path.name) if texts else None
        if text is None:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise Lock2NixError(f"cannot read: {exc}", file=str(path)) from None
        if path.name == CONFIG_FILE:
            found.append((path, _load_toml(path, text)))
        elif "lock2nix" in text:  # cheap test before parsing a pyproject.toml
            tool = _load_toml(path, text).get("tool", {})
            if isinstance(tool, dict) and "lock2nix" in tool:
                found.append((path, tool["lock2nix"]))
    if not found:
        return Config()
    if len(found) > 1:
        raise Lock2NixError(
            f"lock2nix is configured both here and in {found[1][0]}; keep one of them", file=str(found[0][0])
        )
    path, data = found[0]
    where = "[tool.lock2nix]" if path.name == PYPROJECT else None
    validate(data, "config.schema.json", str(path), prefix=where)
    return _config(path, data)


def overlay_targets(directory: Path) -> tuple[OverlayTarget, ...]:
    """The configured lock -> overlay pairs, read without validating the rest.

    This is the pre-commit hook's path on every commit, so the schema (and
    jsonschema's import) is only used when the pairs themselves look wrong;
    the whole file is validated when an overlay is regenerated.
    """
    found: list[tuple[Path, Any]] = []
    for path in candidate_files(directory):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise Lock2NixError(f"cannot read: {exc}", file=str(path)) from None
        if path.name == CONFIG_FILE:
            found.append((path, _load_toml(path, text)))
        elif "lock2nix" in text:
            tool = _load_toml(path, text).get("tool", {})
            if isinstance(tool, dict) and "lock2nix" in tool:
                found.append((path, tool["lock2nix"]))
    if not found:
        return ()
    if len(found) > 1:
        return load(directory).overlays  # reports the conflict
    path, data = found[0]
    items = data.get("overlays", []) if isinstance(data, dict) else None
    well_formed = isinstance(items, list) and all(
        isinstance(i, dict) and isinstance(i.get("lock"), str) and isinstance(i.get("output"), str) for i in items
    )
    if not well_formed:
        return load(directory).overlays  # validation names the problem
    return tuple(
        OverlayTarget(path.parent / i["lock"], path.parent / i["output"], i.get("prefer")) for i in items
    )


def _load_toml(path: Path, text: str) -> dict[str, Any]:
    from .parsers import load_toml

    return load_toml(str(path), text)


def _config(path: Path, data: Mapping[str, Any]) -> Config:
    from packaging.utils import canonicalize_name

    from .overrides import fix_from_entry

    fixes: list[Fix] = []
    origin = f"{path.name}" if path.name == CONFIG_FILE else f"{path.name} [tool.lock2nix]"
    for name, entries in sorted(data.get("package", {}).items(), key=lambda kv: canonicalize_name(kv[0])):
        for entry in entries if isinstance(entries, list) else [entries]:
            fixes.append(fix_from_entry(name, entry, origin, str(path)))
    base = path.parent
    overlays = tuple(
        OverlayTarget(base / item["lock"], base / item["output"], item.get("prefer"))
        for item in data.get("overlays", ())
    )
    pythons = data.get("pythons")
    return Config(
        file=str(path),
        prefer=data.get("prefer"),
        detect_build_systems=data.get("detect-build-systems"),
        pythons=tuple(pythons) if pythons is not None else None,
        scope=data.get("scope"),
        conda_versions=data.get("conda-versions"),
        overlays=overlays,
        fixes=tuple(fixes),
    )


def validate(data: object, schema_name: str, file: str, *, prefix: str | None = None) -> None:
    """Check ``data`` against one of lock2nix's schemas; the first error names its key."""
    # Only configured runs pay for jsonschema's import.
    import jsonschema
    from jsonschema.exceptions import best_match
    from referencing import Registry, Resource

    resources = []
    for schema_file in sorted(SCHEMAS.glob("*.schema.json")):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry = Registry().with_resources(resources)
    root = registry.contents(f"https://lock2nix.invalid/schemas/{schema_name}")
    validator = jsonschema.Draft202012Validator(root, registry=registry)
    error = best_match(validator.iter_errors(data))
    if error is None:
        return
    # The deepest error of a oneOf/anyOf says most about what is wrong.
    while error.context:
        error = best_match(error.context)
    key = ".".join(str(p) for p in error.absolute_path)
    entry = ".".join(filter(None, [prefix, key])) or prefix
    raise Lock2NixError(_message(error), file=file, entry=entry or None)


def _message(error: Any) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        if extra and allowed:
            return f"unknown key {extra[0]!r} (expected one of: {', '.join(allowed)})"
    if error.validator == "unevaluatedProperties":
        # "Unevaluated properties are not allowed ('x', 'y' were unexpected)"
        names = re.findall(r"'([^']*)'", error.message.partition("(")[2])
        if names:
            return f"unknown key {', '.join(repr(n) for n in names)}"
    return error.message

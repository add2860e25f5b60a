"""Validating data against lock2nix's JSON Schemas, with errors that name the key."""

from __future__ import annotations

import re
from pathlib import Path

from .errors import Lock2NixError

TYPE_CHECKING = False
if TYPE_CHECKING:  # the pre-commit hook imports this module on every commit: typing is left out
    from typing import Any

    from jsonschema.exceptions import ValidationError

SCHEMAS = Path(__file__).with_name("schemas")
_BASE = "https://lock2nix.invalid/schemas/"


def validate(data: object, schema_name: str, file: str, *, prefix: str | None = None) -> None:
    """Check ``data`` against one of lock2nix's schemas; the first error names its key."""
    # Only runs that validate something pay for jsonschema's import (and json's:
    # the pre-commit hook's no-op run imports this module).
    import json

    import jsonschema
    from jsonschema.exceptions import best_match
    from referencing import Registry, Resource

    resources = []
    for schema_file in sorted(SCHEMAS.glob("*.schema.json")):
        schema = json.loads(schema_file.read_text(encoding="utf-8"))
        resources.append((schema["$id"], Resource.from_contents(schema)))
    registry: Registry[Any] = Registry().with_resources(resources)
    root = registry.contents(_BASE + schema_name)
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


def _message(error: ValidationError) -> str:
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(error.schema.get("properties", {}))  # type: ignore[union-attr]
        extra = sorted(set(error.instance) - set(allowed))
        if extra and allowed:
            return f"unknown key {extra[0]!r} (expected one of: {', '.join(allowed)})"
    if error.validator == "unevaluatedProperties":
        # "Unevaluated properties are not allowed ('x', 'y' were unexpected)"
        names = re.findall(r"'([^']*)'", error.message.partition("(")[2])
        if names:
            return f"unknown key {', '.join(repr(n) for n in names)}"
    return error.message

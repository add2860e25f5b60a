"""The user's configuration: ``[tool.lock2nix]`` in pyproject.toml, or ``lock2nix.toml``.

Both sit beside the lock file and hold the same keys (``schemas/config.schema.json``).
A file that exists is validated in full before anything is translated, so a typo
is an error naming the file and key rather than a setting silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, NamedTuple

from .._options import CondaVersions, Prefer, Scope
from .._schema import validate
from .._toml import load_toml
from ..errors import Lock2NixError

__all__ = ["CONFIG_FILE", "PYPROJECT", "CondaVersions", "Config", "OverlayTarget", "Prefer", "load", "overlay_targets"]

CONFIG_FILE = "lock2nix.toml"
PYPROJECT = "pyproject.toml"

class OverlayTarget(NamedTuple):
    lock: Path
    output: Path
    prefer: Prefer | None = None


class Config(NamedTuple):
    """The configuration file's settings (all None/empty when there is none)."""

    file: str | None = None
    prefer: Prefer | None = None
    detect_build_systems: bool | None = None
    pythons: tuple[str, ...] | None = None
    scope: Scope | None = None
    conda_versions: CondaVersions | None = None
    overlays: tuple[OverlayTarget, ...] = ()
    #: The ``package`` table: the user's fixes (see :func:`lock2nix.overrides.user_fixes`).
    packages: Mapping[str, Any] = MappingProxyType({})

    @property
    def origin(self) -> str:
        """How the overlay's comments name this configuration."""
        if self.file is None or Path(self.file).name == CONFIG_FILE:
            return CONFIG_FILE
        return f"{Path(self.file).name} [tool.lock2nix]"


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
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("lock"), str) and isinstance(i.get("output"), str) for i in items
    ):
        return load(directory).overlays  # validation names the problem
    return tuple(
        OverlayTarget(path.parent / i["lock"], path.parent / i["output"], i.get("prefer")) for i in items
    )


def _load_toml(path: Path, text: str) -> dict[str, Any]:
    return load_toml(str(path), text)


def _config(path: Path, data: Mapping[str, Any]) -> Config:
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
        packages=data.get("package", {}),
    )

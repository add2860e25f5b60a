"""The user's configuration: ``[tool.lock2nix]`` in pyproject.toml, or ``lock2nix.toml``.

Both sit beside the lock file and hold the same keys (``schemas/config.schema.json``).
A file that exists is validated in full before anything is translated, so a typo
is an error naming the file and key rather than a setting silently ignored.
"""

from __future__ import annotations

import marshal  # built in, unlike json or pickle: the memo of the configured overlays is read on every commit
import os
import sys
from types import MappingProxyType

from .. import __version__
from .._digest import sha256
from .._toml import load_toml
from ..errors import Lock2NixError
from .inputs import CONFIG_FILE, PYPROJECT, Target, candidate_files

TYPE_CHECKING = False
if TYPE_CHECKING:  # the pre-commit hook reads the overlays configured here on every commit: typing is left out
    from collections.abc import Iterable, Mapping
    from typing import Any

    from .._options import CondaVersions, Prefer, Scope

__all__ = ["CONFIG_FILE", "PYPROJECT", "Config", "load", "overlay_targets"]

_NO_PACKAGES: Mapping[str, Any] = MappingProxyType({})


class Config:
    """The configuration file's settings (all None/empty when there is none)."""

    __slots__ = (
        "conda_versions", "detect_build_systems", "file", "overlays", "packages", "prefer", "pythons", "scope"
    )

    def __init__(
        self,
        file: str | None = None,
        prefer: Prefer | None = None,
        detect_build_systems: bool | None = None,
        pythons: tuple[str, ...] | None = None,
        scope: Scope | None = None,
        conda_versions: CondaVersions | None = None,
        overlays: tuple[Target, ...] = (),
        packages: Mapping[str, Any] = _NO_PACKAGES,
    ) -> None:
        self.file = file
        self.prefer = prefer
        self.detect_build_systems = detect_build_systems
        self.pythons = pythons
        self.scope = scope
        self.conda_versions = conda_versions
        self.overlays = overlays
        #: The ``package`` table: the user's fixes (see :func:`lock2nix.overrides.user_fixes`).
        self.packages = packages

    @property
    def origin(self) -> str:
        """How the overlay's comments name this configuration."""
        if self.file is None or os.path.basename(self.file) == CONFIG_FILE:
            return CONFIG_FILE
        return f"{os.path.basename(self.file)} [tool.lock2nix]"


def load(directory: str | os.PathLike[str], texts: Mapping[str, str] | None = None) -> Config:
    """The configuration for locks in ``directory`` (empty when there is none).

    ``texts`` maps file names to contents already read (the digest needs them too).
    """
    found = _configured(directory, texts)
    if not found:
        return Config()
    if len(found) > 1:
        raise Lock2NixError(
            f"lock2nix is configured both here and in {found[1][0]}; keep one of them", file=found[0][0]
        )
    path, data = found[0]
    where = "[tool.lock2nix]" if os.path.basename(path) == PYPROJECT else None
    from .._schema import validate  # here: the hook's run on unchanged inputs validates nothing

    validate(data, "config.schema.json", path, prefix=where)
    return _config(path, data)


def overlay_targets(
    directory: str | os.PathLike[str], *, memo_dir: str | None = None
) -> tuple[Target, ...]:
    """The configured lock -> overlay pairs, read without validating the rest.

    This is the pre-commit hook's path on every commit, so the schema (and
    jsonschema's import) is only used when the pairs themselves look wrong;
    the whole file is validated when an overlay is regenerated. With
    ``memo_dir``, the pairs are kept there under a digest of the configuration
    files, and read from there while those files stay byte for byte the same:
    that run then imports no TOML reader (tomli's import alone was a seventh of it).
    """
    files = [(path, _read(path)) for path in candidate_files(directory)]
    if not files:
        return ()
    memo = None if memo_dir is None else os.path.join(memo_dir, _digest(files))
    known = None if memo is None else _remembered(memo)
    if known is not None:
        return known
    texts = {os.path.basename(path): _decoded(path, data) for path, data in files}
    found = _configured(directory, texts)
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
    targets = _overlays(path, items)
    if memo is not None:
        _remember(memo, targets)
    return targets


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise Lock2NixError(f"cannot read: {exc}", file=path) from None


def _decoded(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Lock2NixError(f"cannot read: {exc}", file=path) from None


def _digest(files: list[tuple[str, bytes]]) -> str:
    """A name for what ``files`` configure: the tool's version, each file's name and bytes."""
    h = sha256(f"lock2nix {__version__} python {sys.version_info[:2]}".encode())
    for path, data in files:
        h.update(b"\0" + path.encode("utf-8", "surrogateescape") + b"\0" + str(len(data)).encode() + b"\0" + data)
    return h.hexdigest()[:32]


def _remembered(memo: str) -> tuple[Target, ...] | None:
    """The pairs kept in ``memo``; None when there are none, or they are not what :func:`_remember` writes."""
    try:
        with open(memo, "rb") as f:
            pairs = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(pairs, tuple) or not all(
        isinstance(p, tuple) and len(p) == 3 and isinstance(p[0], str) and isinstance(p[1], str)
        and (p[2] is None or isinstance(p[2], str))
        for p in pairs
    ):
        return None
    return tuple(Target(*p) for p in pairs)


def _remember(memo: str, targets: tuple[Target, ...]) -> None:
    import contextlib  # here, with what writes: a run that finds the pairs writes nothing
    from pathlib import Path

    from .._files import write_atomic

    data = marshal.dumps(tuple((t.lock, t.output, t.prefer) for t in targets))
    with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
        write_atomic(Path(memo), data, parents=True)


def _configured(directory: str | os.PathLike[str], texts: Mapping[str, str] | None = None) -> list[tuple[str, Any]]:
    """The files in ``directory`` that configure lock2nix, with the configuration each holds."""
    found: list[tuple[str, Any]] = []
    for path in candidate_files(directory):
        name = os.path.basename(path)
        text = texts.get(name) if texts else None
        if text is None:
            text = _decoded(path, _read(path))
        if name == CONFIG_FILE:
            found.append((path, load_toml(path, text)))
        elif "lock2nix" in text:  # cheap test before parsing a pyproject.toml
            tool = load_toml(path, text).get("tool", {})
            if isinstance(tool, dict) and "lock2nix" in tool:
                found.append((path, tool["lock2nix"]))
    return found


def _overlays(path: str, items: Iterable[Mapping[str, Any]]) -> tuple[Target, ...]:
    """The overlay pairs configured in ``path``, relative to its directory."""
    base = os.path.dirname(path)
    return tuple(
        Target(os.path.join(base, i["lock"]), os.path.join(base, i["output"]), i.get("prefer")) for i in items
    )


def _config(path: str, data: Mapping[str, Any]) -> Config:
    overlays = _overlays(path, data.get("overlays", ()))
    pythons = data.get("pythons")
    return Config(
        file=path,
        prefer=data.get("prefer"),
        detect_build_systems=data.get("detect-build-systems"),
        pythons=tuple(pythons) if pythons is not None else None,
        scope=data.get("scope"),
        conda_versions=data.get("conda-versions"),
        overlays=overlays,
        packages=data.get("package", {}),
    )

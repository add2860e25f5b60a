"""What changed between an overlay on disk and the one lock2nix would write now.

``--check`` reports it in one line, so CI logs say why the overlay is stale.
"""

from __future__ import annotations

import difflib
import re

# Every package in an overlay opens with its pname and version (mkPackage and
# mkProject calls, laid out by lock2nix's emitter).
_PACKAGE = re.compile(r'pname = "((?:[^"\\]|\\.)*)";\s*version = "((?:[^"\\]|\\.)*)";')
SHOWN = 5


def summary(old: str | None, new: str) -> str:
    if old is None:
        return "it does not exist"
    before = _packages(old)
    after = _packages(new)
    changes = []
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was == now:
            continue
        if was is None:
            changes.append(f"+{name} {_versions(now)}")
        elif now is None:
            changes.append(f"-{name} {_versions(was)}")
        else:
            changes.append(f"{name} {_versions(was)} -> {_versions(now)}")
    lines = _changed_lines(old, new)
    parts = []
    if changes:
        shown = ", ".join(changes[:SHOWN]) + (f", ... ({len(changes) - SHOWN} more)" if len(changes) > SHOWN else "")
        parts.append(f"{len(changes)} package(s) changed: {shown}")
    parts.append(f"{lines} line(s) differ")
    return "; ".join(parts)


def _packages(text: str) -> dict[str, tuple[str, ...]]:
    found: dict[str, set[str]] = {}
    for name, version in _PACKAGE.findall(text):
        found.setdefault(name, set()).add(version)
    return {name: tuple(sorted(versions)) for name, versions in found.items()}


def _versions(versions: tuple[str, ...] | None) -> str:
    return "/".join(versions or ())


def _changed_lines(old: str, new: str) -> int:
    diff = difflib.unified_diff(old.splitlines(), new.splitlines(), n=0, lineterm="")
    return sum(1 for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---")))

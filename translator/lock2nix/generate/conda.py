"""The conda environment of an overlay translated from environment.yml, a
conda-lock.yml or an @EXPLICIT list: its members as data for the library's
``conda.mkEnvironment`` (nix/lib/conda.nix), which picks the interpreter,
takes the locked Python packages (exact pins, built from the index's files)
from the lock's own package set, looks the other members up in the nixpkgs
it is evaluated with, checks versions against the file's specs and builds
``pythonEnv``, ``tools``, ``env`` and ``shell``. Members with nothing to
install are listed in a comment with the reason, so nothing the file asks
for disappears without a word.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

from .. import nix
from ..model import (
    EnvironmentMember,
    IndexSource,
    Lock,
    NixpkgsSource,
    Package,
)


def environment(lock: Lock, pythons: tuple[str, ...] | None, conda_check: str | None) -> tuple[str, object]:
    """(name, arguments) of the environment in the overlay's ``environments``.

    ``conda_check`` (``conda-versions``): None checks Python packages strictly
    and tools with a warning (Nix cannot pin conda's builds of them).
    """
    check = conda_check or "error"
    tool_check = conda_check or "warn"
    environment = lock.environment
    assert environment is not None
    packages: dict[str, Package] = {p.name: p for p in lock.packages}
    file = Path(lock.file).name
    members = _Members()
    for member in environment.members:
        members.add(member, packages, f"{file} {member.entry}" if member.entry else file, lock.format)
    python_members, tools, r_packages, r_base, left_out = (
        members.python, members.tools, members.r_packages, members.r_base, members.left_out
    )
    args: dict[str, object] = {"name": environment.name, "check": check, "toolCheck": tool_check}
    if environment.python_spec:
        args["pythonSpec"] = environment.python_spec
    if environment.python:
        args["pythonConstraint"] = _constraint(environment.python)
    if pythons is not None:
        args["pythons"] = list(pythons)
    if environment.systems:
        args["systems"] = list(environment.systems)
    args["pythonPackages"] = python_members
    if tools:
        args["tools"] = tools
    if members.either:
        args["either"] = members.either
    if r_base is not None:
        args["r"] = r_base
    if r_packages:
        args["rPackages"] = r_packages
    if environment.variables:
        args["variables"] = dict(environment.variables)
    # The file name goes through the emitter: a newline in it must not end the comment.
    notes = [
        f"The conda environment of {file}: python (the interpreter its python spec selects), "
        "pythonEnv (python.withPackages of its Python packages), tools (its other packages), "
        "env (buildEnv of both) and shell (mkShell with both). Exactly pinned Python packages are "
        "built from the index's files of that release (locked = true); the other specs are checked "
        f'against nixpkgs when evaluated (check = "{check}" for Python packages, toolCheck = '
        f'"{tool_check}" for tools; "warn" traces and goes on).',
        *environment.notes,
    ]
    if left_out:
        notes.append("Not installed:\n" + "\n".join(f"- {x}" for x in left_out))
    comment = "\n".join(
        "\n".join(textwrap.fill(line, 96, break_on_hyphens=False, break_long_words=False) for line in note.splitlines())
        for note in notes
    )
    return environment.name, nix.Commented(args, comment)


class _Members:
    """The environment's members, sorted by where nixpkgs has them."""

    def __init__(self) -> None:
        self.python: list[object] = []
        self.tools: list[object] = []
        self.r_packages: list[object] = []
        self.r_base: object = None
        self.left_out: list[str] = []
        #: Names in neither table, decided when Nix evaluates (Python set, else top level).
        self.either: list[object] = []

    def add(self, member: EnvironmentMember, packages: Mapping[str, Package], where: str, fmt: str) -> None:
        if member.kind in ("python", "either"):
            package = packages.get(member.attribute or "")
            if package is None:  # the parser adds a package for every Python member
                return
            if member.kind == "either" and isinstance(package.source, NixpkgsSource):
                value = _checked({"name": member.name, "attribute": package.source.attribute,
                                  "path": [member.name.lower()], "where": where}, member)
                if "constraint" not in value and package.source.constraint:
                    value["constraint"] = _constraint(package.source.constraint)
                note = "in neither of lock2nix's tables: the Python set's package, else the top-level attribute"
                self.either.append(nix.Commented(value, note))
                return
            self.python.append(_python_member(member, package, where, fmt))
        elif member.kind == "tool" and member.attribute == "R":
            self.r_base = nix.Commented(_checked({"where": where}, member), member.note or "")
        elif member.kind == "tool":
            assert member.attribute is not None
            value = _checked({"path": member.attribute.split("."), "where": where}, member)
            self.tools.append(nix.Commented(value, member.note) if member.note else value)
        elif member.kind == "r":
            value = _checked({"name": member.attribute, "where": where}, member)
            self.r_packages.append(nix.Commented(value, member.note) if member.note else value)
        else:
            systems = f" [{', '.join(member.systems)}]" if member.systems else ""
            self.left_out.append(
                f"{member.spec or member.name} ({member.entry}){systems}: {member.note or 'nothing to install'}"
            )


def _python_member(member: EnvironmentMember, package: Package, where: str, fmt: str) -> object:
    value: dict[str, object] = {"name": member.name, "where": where}
    source = package.source
    if isinstance(source, NixpkgsSource) and member.constraint:
        # A locked form's member: the version locked for its systems.
        value["attribute"] = source.attribute
        value["spec"] = member.spec or source.spec or member.name
        value["constraint"] = _constraint(member.constraint)
        note = member.note
    elif isinstance(source, NixpkgsSource):
        value["attribute"] = source.attribute
        if source.spec:
            value["spec"] = source.spec
        if source.constraint:
            value["constraint"] = _constraint(source.constraint)
        note = member.note
        if source.spec and member.spec and source.spec != member.spec:
            note = "; ".join(filter(None, [note, "not found on the index: from nixpkgs"]))
    else:
        value["attribute"] = package.name
        value["locked"] = True
        note = _locked_note(member, package, fmt)
    if member.extras:
        value["extras"] = list(member.extras)
    if member.systems:
        value["systems"] = list(member.systems)
    return nix.Commented(value, note) if note else value


def _locked_note(member: EnvironmentMember, package: Package, fmt: str) -> str:
    source = package.source
    if fmt == "conda-lock.yml" and member.origin == "pip":
        return f"{package.name}: pip package locked by conda-lock, its files pinned to the sha256 recorded there"
    if isinstance(source, IndexSource):
        who = "conda" if member.origin == "conda" else "pip"
        return (f"{package.name} {package.version}: locked from {source.url}; {who} records no hash, so the "
                "files are pinned to the sha256 the index listed when translating")
    return f"{package.name}: built from the environment's {source.kind} source"


def _checked(value: dict[str, object], member: EnvironmentMember) -> dict[str, object]:
    if member.spec:
        value["spec"] = member.spec
    if member.constraint:
        value["constraint"] = _constraint(member.constraint)
    if member.systems:
        value["systems"] = list(member.systems)
    return value


def _constraint(constraint: tuple[tuple[tuple[str, str], ...], ...]) -> list[list[list[str]]]:
    return [[[op, version] for op, version in alternative] for alternative in constraint]

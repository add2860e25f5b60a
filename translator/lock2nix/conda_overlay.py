"""The ``lock2nixEnvironments.<name>`` part of an overlay translated from a conda environment.

The environment's members are written as data for ``nix/conda.nix``'s
``mkEnvironment``, which the overlay carries: it picks the interpreter,
looks each member up in the nixpkgs it is evaluated with, checks versions
against the file's specs and builds ``pythonEnv``, ``tools``, ``env`` and
``shell``. Members with nothing to install are listed in a comment with the
reason, so nothing the file asks for disappears without a word.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from . import nix
from .model import (
    EnvironmentMember,
    IndexSource,
    Lock,
    NixpkgsSource,
    Package,
)

CONDA_NIX = Path(__file__).with_name("nix") / "conda.nix"


def helper_binding() -> list[str]:
    lines = [
        "  # lock2nix helpers for conda environments: version checks against nixpkgs and the",
        "  # environment builder (lock2nixEnvironments below).",
        "  lock2nixConda = (",
    ]
    lines.extend("    " + line if line else "" for line in CONDA_NIX.read_text(encoding="utf-8").rstrip("\n").splitlines())
    lines.append("  ) { inherit final; };")
    return lines


def environment_attrs(lock: Lock, pythons: tuple[str, ...], check: str) -> list[str]:
    environment = lock.environment
    assert environment is not None
    packages = {p.name: p for p in lock.packages}
    file = Path(lock.file).name
    python_members: list[object] = []
    tools: list[object] = []
    r_packages: list[object] = []
    r_base: object = None
    left_out: list[str] = []
    for member in environment.members:
        where = f"{file} {member.entry}" if member.entry else file
        if member.kind == "python":
            package = packages.get(member.attribute or "")
            if package is None:  # pragma: no cover - the parser adds a package for every Python member
                continue
            python_members.append(_python_member(member, package, where, lock.format))
        elif member.kind == "tool" and member.attribute == "R":
            r_base = nix.Commented(_checked({"where": where}, member), member.note)
        elif member.kind == "tool":
            assert member.attribute is not None
            value = _checked({"path": member.attribute.split("."), "where": where}, member)
            tools.append(nix.Commented(value, _comment(member)))
        elif member.kind == "r":
            value = _checked({"name": member.attribute, "where": where}, member)
            r_packages.append(nix.Commented(value, _comment(member)))
        else:
            systems = f" [{', '.join(member.systems)}]" if member.systems else ""
            left_out.append(f"{member.spec or member.name} ({member.entry}){systems}: "
                            f"{member.note or 'nothing to install'}")
    args: dict[str, object] = {"name": environment.name, "check": check}
    if environment.python_spec:
        args["pythonSpec"] = environment.python_spec
    if environment.python:
        args["pythonConstraint"] = _constraint(environment.python)
    args["pythons"] = list(pythons)
    if environment.systems:
        args["systems"] = list(environment.systems)
    args["pythonPackages"] = python_members
    if tools:
        args["tools"] = tools
    if r_base is not None:
        args["r"] = r_base
    if r_packages:
        args["rPackages"] = r_packages
    if environment.variables:
        args["variables"] = dict(environment.variables)
    body = nix.render(nix.Call(nix.Expr("lock2nixConda.mkEnvironment"), args), "    ")
    lines = [
        "",
        # The file name goes through the emitter: a newline in it must not end the comment.
        *nix.comment_lines(f"The conda environment of {file}: python (the interpreter its python spec selects),", "  "),
        "  # pythonEnv (python.withPackages of its Python packages), tools (its other packages),",
        "  # env (buildEnv of both) and shell (mkShell with both). Specs are checked against",
        f"  # nixpkgs when evaluated (check = \"{check}\"; \"warn\" traces and goes on).",
        "  lock2nixEnvironments = (prev.lock2nixEnvironments or { }) // {",
    ]
    for note in environment.notes:
        lines.extend(nix.comment_lines(textwrap.fill(note, 96, break_on_hyphens=False, break_long_words=False),
                                       "    "))
    if left_out:
        lines.extend(nix.comment_lines("Not installed:\n" + "\n".join(f"- {x}" for x in left_out), "    "))
    lines.append(f"    {nix.attr_name(environment.name)} = {body};")
    lines.append("  };")
    return lines


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
        note = _locked_note(package, fmt)
    if member.extras:
        value["extras"] = list(member.extras)
    if member.systems:
        value["systems"] = list(member.systems)
    return nix.Commented(value, note)


def _locked_note(package: Package, fmt: str) -> str:
    source = package.source
    if fmt == "conda-lock.yml":
        return f"{package.name}: pip package locked by conda-lock, its files pinned to the sha256 recorded there"
    if isinstance(source, IndexSource):
        return (f"{package.name} {package.version}: locked from {source.url}; pip records no hash, so the "
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


def _comment(member: EnvironmentMember) -> str | None:
    return member.note


def _constraint(constraint: tuple[tuple[tuple[str, str], ...], ...]) -> list[list[list[str]]]:
    return [[[op, version] for op, version in alternative] for alternative in constraint]

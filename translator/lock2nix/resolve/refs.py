"""Branches and tags a lock names instead of commits, resolved with ``git ls-remote``.

Old locks record what the project file said (pipenv's ``ref = "1.11.4"``,
Poetry < 1.0's ``reference = "v1.0"``), not the commit it named when locked.
A fetch needs a commit, so the repository is asked which commit the ref names
now; the warning and the overlay say which was taken, since a branch moves.
Nothing is cached: an answer may change, and ``--offline`` is an error.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from collections.abc import Mapping

from .._warnings import warn
from ..errors import Lock2NixError, unreachable_hint
from ..model import Lock, Package, VcsSource
from ._parallel import each
from .hashing import git_env

__all__ = ["GitRefError", "ls_remote", "resolve_git_refs"]

_LINE = re.compile(r"([0-9a-f]{40})\t(\S+)")


class GitRefError(Lock2NixError):
    """A branch or tag could not be resolved to a commit."""


def resolve_git_refs(lock: Lock, *, offline: bool) -> Lock:
    """Give every git source that names a branch or tag the commit it names now."""
    refs = [
        (p.source.url, p.source.requested_revision)
        for p in lock.packages
        if isinstance(p.source, VcsSource) and p.source.commit_id is None
    ]
    if not refs:
        return lock
    # Every repository asked at once (offline, none is); reported in the lock's order.
    fetched = {} if offline else each(_ls_remote, [key for key in dict.fromkeys(refs) if key[1]])
    answers: dict[tuple[str, str], tuple[str, str]] = {}
    out = []
    for package in lock.packages:
        source = package.source
        if isinstance(source, VcsSource) and source.commit_id is None:
            package = _resolved(lock, package, source, answers, fetched, offline)
        out.append(package)
    return dataclasses.replace(lock, packages=tuple(out))


def _ls_remote(key: tuple[str, str | None]) -> tuple[str, str]:
    url, ref = key
    assert ref is not None
    return ls_remote(url, ref)


def _resolved(
    lock: Lock,
    package: Package,
    source: VcsSource,
    answers: dict[tuple[str, str], tuple[str, str]],
    fetched: Mapping[tuple[str, str | None], tuple[str, str] | Lock2NixError],
    offline: bool,
) -> Package:
    ref = source.requested_revision
    assert ref, "a git source without a commit names a ref"
    key = (source.url, ref)
    if key not in answers:
        if offline:
            raise GitRefError(
                f"the lock pins git ref {ref!r} of {source.url}, not a commit; finding the commit needs "
                f"the repository, which --offline forbids; run without --offline, or {unreachable_hint(package.name)}",
                file=lock.file, entry=package.entry,
            )
        found = fetched[key]
        if isinstance(found, Lock2NixError):
            raise GitRefError(f"{found.message}; {unreachable_hint(package.name)}", file=lock.file, entry=package.entry)
        answers[key] = found
        commit, full = found
        what = "branch" if full.startswith("refs/heads/") else "tag" if full.startswith("refs/tags/") else "ref"
        warn(f"{lock.file}: {package.entry}: the lock names git {what} {ref!r}, not a commit; "
             f"took {commit} ({full} of {source.url} now)")
    commit, full = answers[key]
    return dataclasses.replace(package, source=dataclasses.replace(source, commit_id=commit, resolved_ref=full))


def ls_remote(url: str, ref: str) -> tuple[str, str]:
    """(commit, full ref name) of branch or tag ``ref`` of the repository at ``url``.

    A tag is peeled to its commit. A name that is both a branch and a tag
    naming different commits is an error, as is one that is neither.
    """
    if ref.startswith("refs/"):
        wanted = [f"{ref}^{{}}", ref]
    elif ref == "HEAD":
        wanted = ["HEAD"]
    else:
        wanted = [f"refs/tags/{ref}^{{}}", f"refs/tags/{ref}", f"refs/heads/{ref}"]
    try:
        proc = subprocess.run(
            ["git", "ls-remote", "--", url, *wanted],
            env=git_env(),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except FileNotFoundError:
        raise GitRefError(f"git is needed to resolve git ref {ref!r} of {url} but was not found") from None
    except subprocess.TimeoutExpired:
        raise GitRefError(f"git ls-remote {url} timed out (resolving git ref {ref!r})") from None
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        detail = next((line for line in lines if line.startswith("fatal:")), lines[-1] if lines else "")
        raise GitRefError(
            f"cannot resolve git ref {ref!r}: git ls-remote {url} failed ({detail or f'exit code {proc.returncode}'})"
        )
    listed = {m.group(2): m.group(1) for line in proc.stdout.splitlines() if (m := _LINE.fullmatch(line.strip()))}
    found = [(listed[name], name.removesuffix("^{}")) for name in wanted if name in listed]
    # A peeled tag comes first, then the tag itself (an annotated tag names a tag object).
    tag = next(((c, n) for c, n in found if n.startswith("refs/tags/") or n == ref), None)
    branch = next(((c, n) for c, n in found if n.startswith("refs/heads/")), None)
    if tag is not None and branch is not None and tag[0] != branch[0]:
        raise GitRefError(
            f"git ref {ref!r} of {url} is both a tag ({tag[0]}) and a branch ({branch[0]}); "
            "pin the commit in the lock"
        )
    chosen = tag or branch
    if chosen is None:
        raise GitRefError(f"{url} has no branch or tag {ref!r} (git ls-remote); pin a commit in the lock")
    return chosen

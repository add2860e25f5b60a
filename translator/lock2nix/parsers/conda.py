"""conda ``environment.yml`` (and ``conda env export`` output) → the lock model.

An environment file names packages, not artifacts: conda entries are
MatchSpecs (``numpy>=2.2``, ``pytorch::pytorch=2.0.0``, ``pytorch>=2.7=cuda12*``)
and the ``pip:`` subsection holds lines of a pip requirements file. The
translation (see :mod:`lock2nix.conda_names` for the name tables):

* the ``python`` spec selects the interpreter (checked at evaluation time);
* exact pins of Python packages, conda's (``pillow=8.3.1``, ``mypy==1.18.1``,
  under their PyPI name) and pip's (``name==1.0``), become locked packages:
  resolution takes the files of that release from the index with the sha256
  the index lists (neither conda nor pip records one), and their dependency
  edges from their metadata; a release the index does not list is nixpkgs'
  package, with a warning. Direct URLs, git commits and local paths become
  archive, vcs and directory sources;
* conda Python packages and pip requirements without an exact pin are taken
  from nixpkgs' Python set (``NixpkgsSource``), their version specs checked
  at evaluation time against nixpkgs' versions;
* other conda packages map to top-level attributes (tools, C libraries, R
  and R packages) or to nothing, with the reason; a name in neither table
  (``kind = "either"``) is looked up when Nix evaluates: the Python set's
  package of that name, else the top-level attribute.

Everything is recorded in ``Lock.environment``; anything lock2nix cannot
install (an unknown name, a git requirement without a commit, a missing
``-r`` file) is reported on stderr and named in the overlay, never dropped
silently. The file is validated with ``schemas/conda-environment.schema.json``.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs, unquote, urlsplit

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import InvalidSdistFilename, InvalidWheelFilename, parse_sdist_filename, parse_wheel_filename

from .. import conda_names
from .._index_url import PYPI_SIMPLE_URL, normalize_index_url
from .._toml import load_toml
from .._warnings import warn
from ..conda_names import Constraint
from ..errors import Lock2NixError
from ..model import (
    MAIN_GROUP,
    ArchiveSource,
    Artifact,
    DirectorySource,
    Environment,
    EnvironmentMember,
    IndexSource,
    Lock,
    NixpkgsSource,
    Package,
    Source,
    VcsSource,
)
from ._conda import Reader, YamlPath, both, directory_name, entry_name, load_yaml

FORMAT: Final = "environment.yml"
_HEX40 = re.compile(r"[0-9a-f]{40}")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip")
_MAX_INCLUDE_DEPTH = 10
_NOT_EDITABLE = "; installed non-editable (Nix store paths are read-only)"
# pip options that change how pip installs, not what: nothing to do under Nix.
_IGNORED_OPTIONS = {
    "--pre": "pre-releases are allowed only where a pin names one",
    "--no-binary": "lock2nix picks wheel or sdist itself (--prefer)",
    "--only-binary": "lock2nix picks wheel or sdist itself (--prefer)",
    "--prefer-binary": "lock2nix picks wheel or sdist itself (--prefer)",
    "--no-deps": "dependencies come from each package's metadata or nixpkgs",
    "--trusted-host": "every download is pinned by its hash",
    "--use-feature": "pip behaviour",
    "--upgrade": "pip behaviour",
    "-U": "pip behaviour",
}


class CondaEnvironmentError(Lock2NixError):
    """An environment file lock2nix cannot read."""


def parse(name: str, text: str, *, directory: Path) -> Lock:
    data, lines = load_yaml(name, text, CondaEnvironmentError)
    reader = Reader(name, lines, CondaEnvironmentError)
    _validate(reader, data)
    return _Translator(reader, directory).translate(data)


# --- reading ------------------------------------------------------------------


def _validate(reader: Reader, data: Any) -> None:
    if not isinstance(data, Mapping):
        kind = "empty" if data is None else f"a YAML {type(data).__name__}"
        raise CondaEnvironmentError(
            f"an environment file is a mapping of keys (name, channels, dependencies, ...); this one is {kind}",
            file=reader.file, line=1 if data is not None else None,
        )
    reader.validate(data, "conda-environment.schema.json")
    if not data.get("dependencies"):
        raise reader.error("no dependencies: nothing to translate", ("dependencies",))


# --- translating --------------------------------------------------------------


@dataclasses.dataclass
class _Python:
    """A Python member being assembled: the package the environment installs under one name."""

    name: str  # PEP 503
    origin: Literal["conda", "pip"]
    written: str
    path: YamlPath
    source: Source | None = None  # None: from nixpkgs
    version: str = "*"
    constraint: Constraint = ()
    spec: str | None = None
    attribute: str | None = None
    marker: str | None = None
    extras: tuple[str, ...] = ()
    note: str | None = None
    #: "either": a conda name in neither table (the Python set's or the top-level attribute).
    kind: Literal["python", "either"] = "python"


class _Translator:
    def __init__(self, reader: Reader, directory: Path) -> None:
        self.reader = reader
        self.directory = directory
        self.warnings: list[tuple[int, str]] = []
        self.members: list[EnvironmentMember] = []
        self.python: dict[str, _Python] = {}
        self.order: list[str] = []
        self.index_url: tuple[str | None, str] | None = None
        self.extra_indexes: list[tuple[str | None, str]] = []
        self.inputs: list[str] = [reader.file]
        self.unpinned: list[str] = []
        self.unknown: list[str] = []

    def warn(self, path: YamlPath, message: str) -> None:
        where = entry_name(path)
        line = self.reader.line(path)
        prefix = f"{self.reader.file}:{line}" if line else self.reader.file
        # Reported in the order of the file's lines.
        self.warnings.append((line or 0, f"{prefix}: {where}: {message}" if where else f"{prefix}: {message}"))

    # --- the file -------------------------------------------------------------

    def translate(self, data: Mapping[str, Any]) -> Lock:
        name = data.get("name") or directory_name(self.directory)
        python_constraint: Constraint = ()
        python_spec: str | None = None
        pip_blocks: list[tuple[YamlPath, list[Any]]] = []
        for i, item in enumerate(data["dependencies"]):
            path: YamlPath = ("dependencies", i)
            if isinstance(item, Mapping):
                pip_blocks.append(((*path, "pip"), item.get("pip") or []))
                continue
            spec = self._matchspec(item, path)
            if spec.name == "python":
                python_constraint = self._constraint(spec.version, item, path)
                python_spec = item
                if spec.build:
                    self.warn(path, f"build string {spec.build!r} of python is not checked (nixpkgs builds its own)")
                continue
            self._conda_member(spec, item, path)
        for repo_index, url in enumerate(data.get("pip-repositories") or []):
            self._add_index(url, ("pip-repositories", repo_index), extra=True)
        for path, lines in pip_blocks:
            self._pip_block(path, lines)
        self._report()
        members = list(self.members)
        packages: list[Package] = []
        for key in self.order:
            p = self.python[key]
            packages.append(self._package(p))
            # A conda pin's own spec, for nixpkgs' package should the index not list the release.
            fallback = p.constraint if isinstance(p.source, IndexSource) and p.origin == "conda" else ()
            members.append(
                EnvironmentMember(
                    name=p.written, origin=p.origin, kind=p.kind, attribute=p.name, constraint=fallback,
                    spec=p.spec, note=p.note, entry=entry_name(p.path), extras=p.extras,
                )
            )
        members.sort(key=lambda m: [int(x) if x.isdigit() else x for x in re.split(r"(\d+)", m.entry)])
        environment = Environment(
            name=str(name),
            python=python_constraint,
            python_spec=python_spec,
            members=tuple(members),
            channels=tuple(data.get("channels") or ()),
            platforms=tuple(data.get("platforms") or ()),
            variables={k: _variable(v) for k, v in sorted((data.get("variables") or {}).items())},
        )
        return Lock(
            file=self.reader.file,
            format=FORMAT,
            format_version=None,
            packages=tuple(sorted(packages, key=lambda p: (p.name, p.version))),
            inputs=tuple(self.inputs),
            dependencies_from="metadata",
            environment=environment,
        )

    def _report(self) -> None:
        messages = [m for _, m in sorted(self.warnings, key=lambda w: w[0])]
        if self.unpinned:
            shown = ", ".join(self.unpinned)
            messages.append(
                f"{self.reader.file}: {len(self.unpinned)} pip requirement(s) without an exact pin (==) come from "
                f"nixpkgs' Python set, their version specs checked when Nix evaluates: {shown}"
            )
        for message in messages:
            warn(message)

    # --- conda entries --------------------------------------------------------

    def _matchspec(self, text: str, path: YamlPath) -> Any:
        from rattler import MatchSpec  # py-rattler: only for conda files
        from rattler.exceptions import InvalidMatchSpecError

        try:
            spec = MatchSpec(text)
        except InvalidMatchSpecError as exc:
            raise self.reader.error(f"{text!r} is not a conda MatchSpec: {exc}", path) from None
        return _Spec(
            name=spec.name.normalized,
            version=str(spec.version) if spec.version is not None else None,
            build=str(spec.build) if spec.build is not None else None,
            channel=spec.channel.name if spec.channel is not None else None,
        )

    def _constraint(self, version: str | None, written: str, path: YamlPath) -> Constraint:
        try:
            return conda_names.conda_constraint(version)
        except conda_names.SpecError as exc:
            self.warn(path, f"{exc}; {written!r} is not checked against nixpkgs")
            return ()

    def _conda_member(self, spec: Any, written: str, path: YamlPath) -> None:
        found = conda_names.classify(spec.name)
        constraint = self._constraint(spec.version, written, path)
        notes = [found.note] if found.note else []
        if spec.build:
            notes.append(f"build string {spec.build!r} not checked: nixpkgs builds its own")
        if spec.channel:
            notes.append(f"from channel {spec.channel}")
        note = "; ".join(notes) or None
        if found.kind == "python":
            assert found.target is not None
            pinned = _pinned(written, constraint)
            if pinned is not None:
                note = "; ".join(filter(None, [f"pinned: release {pinned} from PyPI, with the sha256 it lists", note]))
            self._python_member(
                _Python(
                    name=conda_names.normalize(found.target),
                    origin="conda",
                    written=spec.name,
                    path=path,
                    source=IndexSource(url=PYPI_SIMPLE_URL, version_only=True) if pinned is not None else None,
                    constraint=constraint,
                    spec=written,
                    attribute=found.attribute or conda_names.python_attribute(found.target),
                    version=pinned or conda_names.exact_version(constraint) or "*",
                    note=note,
                    kind="either" if found.guessed else "python",
                )
            )
            return
        if found.unknown:
            near = conda_names.suggestions(spec.name)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            self.warn(
                path,
                f"conda package {spec.name!r} is not in lock2nix's tables and cannot be a Python package; "
                f"it is left out of the environment (add it under a nixpkgs name in a later overlay){hint}",
            )
            note = f"unknown conda package{hint.replace('; did you mean', ': did you mean')}"
        self.members.append(
            EnvironmentMember(
                name=spec.name, origin="conda", kind=found.kind, attribute=found.target,
                constraint=constraint, spec=written, note=note, entry=entry_name(path),
            )
        )

    def _python_member(self, member: _Python) -> None:
        old = self.python.get(member.name)
        if old is None:
            self.python[member.name] = member
            self.order.append(member.name)
            return
        if member.origin == "pip" and old.origin == "conda":
            # pip installs after conda: its package replaces conda's.
            if member.source is not None:
                self.warn(member.path, f"{member.written} is also a conda dependency ({old.spec}); "
                                       "the pip requirement wins, as pip installs over conda's package")
                self.python[member.name] = member
            else:
                self.python[member.name] = dataclasses.replace(
                    old, constraint=both(old.constraint, member.constraint),
                    spec=" and ".join(filter(None, [old.spec, member.spec])), origin="conda",
                )
            return
        if member.source is not None and old.source is None:
            self.python[member.name] = member
        elif member.source is not None or member.spec != old.spec:
            self.warn(member.path, f"{member.written} is listed twice; the first ({old.spec or old.written}) is used")

    # --- the pip section ------------------------------------------------------

    def _pip_block(self, path: YamlPath, lines: list[str]) -> None:
        # pip reads a requirements file's options first: they hold for every line.
        entries = [((*path, i), line, self.directory) for i, line in enumerate(lines)]
        expanded = self._expand(entries, depth=0)
        requirements = []
        for where, line, base in expanded:
            option = self._option(where, line)
            if not option:
                requirements.append((where, line, base))
        for where, line, base in requirements:
            self._pip_requirement(where, line, base)

    def _expand(self, entries: list[tuple[YamlPath, str, Path]], depth: int) -> list[tuple[YamlPath, str, Path]]:
        out = []
        for where, raw, base in entries:
            line = _strip_comment(raw)
            if not line:
                continue
            if line.startswith("-"):
                line = self._option_line(where, line)
            match = re.fullmatch(r"(-r|--requirement|-c|--constraint)(?:=|\s+)(\S.*)", line)
            if not match:
                out.append((where, line, base))
                continue
            flag, target = match.group(1), match.group(2).strip()
            if flag in ("-c", "--constraint"):
                self.warn(where, f"constraints file {target!r} is ignored: versions come from the pins and nixpkgs")
                continue
            file = (base / target) if not Path(target).is_absolute() else Path(target)
            if depth >= _MAX_INCLUDE_DEPTH:
                raise self.reader.error(
                    f"requirements files include each other more than {_MAX_INCLUDE_DEPTH} deep", where
                )
            try:
                text = file.read_text(encoding="utf-8")
            except FileNotFoundError:
                self.warn(where, f"requirements file {target!r} does not exist (relative to {base}); "
                                 "its requirements are not in the environment")
                self.members.append(
                    EnvironmentMember(name=target, origin="pip", kind="none", spec=line,
                                      note=f"requirements file {target} not found when translating",
                                      entry=entry_name(where))
                )
                continue
            except (OSError, UnicodeDecodeError) as exc:
                raise self.reader.error(f"cannot read requirements file {target!r}: {exc}", where) from None
            self.inputs.append(str(file))
            nested = [
                ((*where, f"{target}:{n}"), text_line, file.parent)
                for n, text_line in enumerate(_logical_lines(text), start=1)
            ]
            out.extend(self._expand(nested, depth + 1))
        return out

    def _option_line(self, where: YamlPath, line: str) -> str:
        """An option line as pip reads it: shell-style words (``-e "git+https://...#egg=argh"``),
        ``--flag=value`` split; returned as ``flag value`` without the quoting."""
        try:
            words = shlex.split(line)
        except ValueError as exc:
            raise self.reader.error(f"{line!r}: {exc} (pip reads option lines with shell quoting)", where) from None
        if words and words[0].startswith("--") and "=" in words[0]:
            flag, _, value = words[0].partition("=")
            words = [flag, value, *words[1:]]
        return " ".join(words)

    def _option(self, where: YamlPath, line: str) -> bool:
        """Handle a global option line; False when the line is a requirement."""
        if not line.startswith("-") or re.match(r"(-e|--editable)(\s|=)", line):
            return False
        match = re.fullmatch(r"(-i|--index-url|--extra-index-url|-f|--find-links)(?:=|\s+)(\S+)", line)
        if match:
            flag, url = match.groups()
            if flag in ("-f", "--find-links"):
                self.warn(
                    where, f"--find-links {url} is not supported: name each file by URL with its #sha256= instead"
                )
            else:
                self._add_index(url, where, extra=flag == "--extra-index-url")
            return True
        flag = line.split()[0].split("=")[0]
        if flag in _IGNORED_OPTIONS:
            self.warn(where, f"pip option {flag} is ignored: {_IGNORED_OPTIONS[flag]}")
            return True
        raise self.reader.error(f"pip option {line!r} is not supported", where)

    def _add_index(self, url: str, where: YamlPath, *, extra: bool) -> None:
        url = url.strip()
        if re.search(r"\$\{?[A-Za-z_]", url):
            self.warn(where, f"index {url} refers to environment variables (credentials), which lock2nix does not "
                             "expand (they would be written into the overlay); packages only there are taken from "
                             "nixpkgs")
            return
        if not url.startswith(("https://", "http://")):
            raise self.reader.error(f"index URL {url!r} is not an http(s) URL", where)
        ref = (None, normalize_index_url(url))
        if extra:
            if ref not in self.extra_indexes:
                self.extra_indexes.append(ref)
        else:
            self.index_url = ref

    def _indexes(self) -> list[tuple[str | None, str]]:
        first = self.index_url or (None, PYPI_SIMPLE_URL)
        return [first, *(i for i in self.extra_indexes if i != first)]

    def _pip_requirement(self, where: YamlPath, line: str, base: Path) -> None:
        editable = False
        match = re.fullmatch(r"(?:-e|--editable)(?:=|\s+)(\S.*)", line)
        if match:
            editable = True
            line = match.group(1).strip()
        if line.startswith(("git+", "hg+", "svn+", "bzr+")):
            self._vcs(where, line, None, editable)
            return
        if _looks_like_path(line, base):
            self._local(where, line, None, editable, base)
            return
        if re.match(r"[a-z][a-z0-9+.-]*://", line):
            self._url(where, line, None)
            return
        try:
            requirement = Requirement(line)
        except InvalidRequirement as exc:
            raise self.reader.error(f"{line!r} is not a pip requirement: {str(exc).splitlines()[0]}", where) from None
        name = conda_names.normalize(requirement.name)
        marker = str(requirement.marker) if requirement.marker is not None else None
        extras = tuple(sorted(conda_names.normalize(e) for e in requirement.extras))
        if requirement.url:
            url = requirement.url
            try:
                urlsplit(url)
            except ValueError as exc:  # "Invalid IPv6 URL" and the like
                raise self.reader.error(f"{url!r}: invalid URL ({exc})", where) from None
            if url.startswith(("git+", "hg+", "svn+", "bzr+")):
                self._vcs(where, url, name, editable)
            elif url.startswith("file:"):
                self._local(where, unquote(urlsplit(url).path), name, editable, base)
            else:
                self._url(where, url, name, marker=marker, extras=extras)
            return
        if editable:
            raise self.reader.error(f"-e needs a path or a VCS URL, not {line!r}", where)
        specs = list(requirement.specifier)
        pinned = len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*")
        if pinned and not specs[0].version.strip():
            raise self.reader.error(f"{line!r} pins no version", where)
        if pinned:
            version = specs[0].version
            (first_name, first_url), *rest = self._indexes()
            source = IndexSource(url=first_url, name=first_name, version_only=True, fallbacks=tuple(rest))
            self._python_member(
                _Python(
                    name=name, origin="pip", written=requirement.name, path=where, source=source, version=version,
                    spec=line, marker=marker, extras=extras,
                    note="pinned pip requirement: the files of this version on the index, with the sha256 it lists",
                )
            )
            return
        constraint = conda_names.pep440_constraint(str(requirement.specifier)) if specs else ()
        self.unpinned.append(line)
        self._python_member(
            _Python(
                name=name, origin="pip", written=requirement.name, path=where, constraint=constraint, spec=line,
                attribute=conda_names.python_attribute(name), marker=marker, extras=extras,
                note="pip requirement without an exact pin: from nixpkgs",
            )
        )

    def _vcs(self, where: YamlPath, url: str, name: str | None, editable: bool) -> None:
        scheme = url.split("+", 1)[0]
        parts = urlsplit(url[len(scheme) + 1:])
        fragment = parse_qs(parts.fragment)
        egg = next(iter(fragment.get("egg", [])), None)
        subdirectory = next(iter(fragment.get("subdirectory", [])), None)
        path, rev = parts.path, None
        if "@" in path:
            path, rev = path.rsplit("@", 1)
        repo = parts._replace(path=path, fragment="", query="").geturl()
        name = name or (conda_names.normalize(egg) if egg else None)
        guessed = False
        if name is None:
            base = posixpath.basename(path.rstrip("/")).removesuffix(".git")
            name = conda_names.normalize(base) if re.fullmatch(r"[A-Za-z0-9._-]+", base or "") else None
            guessed = True
        if name is None:
            raise self.reader.error(f"cannot tell the project name of {url!r}: add #egg=<name>", where)
        note_editable = _NOT_EDITABLE if editable else ""
        fetchable = parts.scheme in ("https", "http", "ssh", "git", "file")
        if scheme == "git" and rev and _HEX40.fullmatch(rev) and fetchable:
            source = VcsSource(url=repo, commit_id=rev, requested_revision=rev,
                               subdirectory=_clean_subdirectory(subdirectory, where, self.reader))
            self._python_member(
                _Python(name=name, origin="pip", written=name, path=where, source=source, version="0", spec=url,
                        note=f"git commit {rev}{note_editable}")
            )
            return
        why = (f"{scheme} sources are not supported" if scheme != "git" else
               "it names no commit, so what it installs changes over time" if not rev or not _HEX40.fullmatch(rev) else
               f"{parts.scheme or 'this'} URLs cannot be fetched")
        if scheme == "git" and not ((fetchable and parts.netloc) or parts.scheme == "file"):
            why = "it is not a git URL lock2nix can fetch"
        guess = " (name guessed from the repository; add #egg=<name> if it differs)" if guessed else ""
        self.warn(where, f"{url}: {why}; {name} is taken from nixpkgs' Python set instead{guess}. "
                         "Pin a commit (git+URL@<40-hex commit>) to build it from the repository")
        self.unpinned.append(url)
        self._python_member(
            _Python(name=name, origin="pip", written=name, path=where, spec=url,
                    attribute=conda_names.python_attribute(name),
                    note=f"VCS requirement without a commit ({why}): from nixpkgs")
        )

    def _url(self, where: YamlPath, url: str, name: str | None, *, marker: str | None = None,
             extras: tuple[str, ...] = ()) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http"):
            raise self.reader.error(f"{url!r}: only http(s), file and git URLs are supported", where)
        fragment = parse_qs(parts.fragment)
        clean = parts._replace(fragment="").geturl()
        filename = unquote(posixpath.basename(parts.path))
        hashes: dict[str, str] = {}
        for key in ("sha256",):
            if key in fragment:
                digest = fragment[key][0].lower()
                if not re.fullmatch(r"[0-9a-f]{64}", digest):
                    raise self.reader.error(f"{url!r}: #sha256= must be 64 hex digits", where)
                hashes["sha256"] = digest
        if "md5" in fragment and not hashes:
            self.warn(where, f"{url}: an md5 cannot pin a download; lock2nix pins the file by its sha256")
        found_name, version = _name_version(filename)
        name = name or found_name
        if name is None:
            raise self.reader.error(f"cannot tell the project name of {url!r}: write it as 'name @ {url}'", where)
        if not hashes:
            self.warn(where, f"{url} has no #sha256=: lock2nix downloads it once and pins what it serves now")
        source = ArchiveSource(artifact=Artifact(filename=filename or "source", hashes=hashes), url=clean)
        self._python_member(
            _Python(name=name, origin="pip", written=name, path=where, source=source, version=version or "0",
                    spec=url, marker=marker, extras=extras, note="direct URL")
        )

    def _local(self, where: YamlPath, target: str, name: str | None, editable: bool, base: Path) -> None:
        location = (base / target).resolve() if not Path(target).is_absolute() else Path(target)
        try:
            relative = Path(posixpath.relpath(location.as_posix(), self.directory.resolve().as_posix())).as_posix()
        except ValueError:
            relative = location.as_posix()
        if location.is_dir():
            try:
                name = name or _local_project_name(location)
            except _NotLiteral as exc:
                raise self.reader.error(f"cannot tell the project name of {target!r}: {exc} (lock2nix reads it, "
                                        "never runs setup.py): write it as 'name @ file:...'", where) from None
            if name is None:
                raise self.reader.error(f"cannot tell the project name of {target!r} (no pyproject.toml, setup.cfg "
                                        "or setup.py with a name): write it as 'name @ file:...'", where)
            self._python_member(
                _Python(name=name, origin="pip", written=name, path=where,
                        source=DirectorySource(path=relative, editable=editable), version="0", spec=target,
                        note="local directory" + (_NOT_EDITABLE if editable else ""))
            )
            return
        if location.is_file() and location.name.endswith(_ARCHIVE_SUFFIXES):
            found_name, version = _name_version(location.name)
            name = name or found_name
            if name is None:
                raise self.reader.error(f"cannot tell the project name of {target!r}", where)
            import hashlib  # OpenSSL's, for what may be large (lock2nix._digest)

            digest = hashlib.sha256(location.read_bytes()).hexdigest()
            source = ArchiveSource(artifact=Artifact(filename=location.name, hashes={"sha256": digest}), path=relative)
            self._python_member(
                _Python(name=name, origin="pip", written=name, path=where, source=source, version=version or "0",
                        spec=target, note="local archive")
            )
            return
        self.warn(where, f"{target!r} does not exist (relative to {base}); it is not in the environment")
        self.members.append(
            EnvironmentMember(name=target, origin="pip", kind="none", spec=target,
                              note=f"local path {target} not found when translating", entry=entry_name(where))
        )

    # --- packages -------------------------------------------------------------

    def _package(self, p: _Python) -> Package:
        source = p.source
        if source is None:
            source = NixpkgsSource(attribute=p.attribute or p.name, constraint=p.constraint, spec=p.spec)
        label = p.version if p.version != "*" else "nixpkgs"
        return Package(
            name=p.name,  # type: ignore[arg-type]
            version=p.version,
            source=source,
            groups=frozenset({MAIN_GROUP}),
            marker=p.marker,
            entry=f"{entry_name(p.path)} {p.spec or p.written!r} ({label})",
        )


# A conda spec that names one release: name=1.2.3, name==1.2.3, channel::name=1.2.3=build (no glob).
_PIN = re.compile(r"^(?:\S+::)?[A-Za-z0-9_.-]+\s*(?:==?|\s)\s*[0-9][^\s=,|*<>!~()]*(?:\s*=\s*\S+|\s+\S+)?$")


def _pinned(written: str, constraint: Constraint) -> str | None:
    """The release an environment's conda spec pins exactly, if it does (``=1.2.*`` does not)."""
    version = conda_names.pinned_version(constraint)
    if version is None or not _PIN.match(written.strip()):
        return None
    return version


@dataclasses.dataclass(frozen=True)
class _Spec:
    name: str
    version: str | None
    build: str | None
    channel: str | None


def _variable(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _strip_comment(line: str) -> str:
    # pip: a '#' at the start or after whitespace starts a comment.
    return re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()


def _logical_lines(text: str) -> list[str]:
    """A requirements file's lines, with backslash continuations joined, numbered by their first line."""
    out: list[str] = []
    pending = ""
    for raw in text.splitlines():
        if raw.endswith("\\"):
            pending += raw[:-1]
            out.append("")
            continue
        out.append(pending + raw)
        pending = ""
    return out


def _looks_like_path(line: str, base: Path) -> bool:
    if line.startswith((".", "/", "~", "file:")):
        return True
    return "/" in line and "://" not in line and "@" not in line and (base / line).exists()


def _name_version(filename: str) -> tuple[str | None, str | None]:
    try:
        if filename.endswith(".whl"):
            name, version, _, _ = parse_wheel_filename(filename)
            return str(name), str(version)
        name, version = parse_sdist_filename(filename)
        return str(name), str(version)
    except (InvalidWheelFilename, InvalidSdistFilename, ValueError):
        return None, None


def _local_project_name(directory: Path) -> str | None:
    pyproject = directory / "pyproject.toml"
    if pyproject.is_file():
        data = load_toml(str(pyproject), pyproject.read_text(encoding="utf-8"))
        for table in (data.get("project"), (data.get("tool") or {}).get("poetry")):
            if isinstance(table, Mapping) and isinstance(table.get("name"), str):
                return conda_names.normalize(table["name"])
    setup_cfg = directory / "setup.cfg"
    if setup_cfg.is_file():
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(setup_cfg.read_text(encoding="utf-8"))
        except (configparser.Error, UnicodeDecodeError):
            return None
        if parser.has_option("metadata", "name"):
            return conda_names.normalize(parser.get("metadata", "name").strip())
    setup_py = directory / "setup.py"
    if setup_py.is_file():
        name = _setup_py_name(setup_py)
        return conda_names.normalize(name) if name is not None else None
    return None


class _NotLiteral(Exception):
    """setup.py's ``setup(name=...)`` is not a string literal."""


def _setup_py_name(path: Path) -> str | None:
    """The literal ``name=`` of the ``setup(...)`` call in a setup.py, read from its syntax tree (never run)."""
    import ast

    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        raise _NotLiteral(f"setup.py does not parse ({exc})") from None
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        if called != "setup":
            continue
        for keyword in node.keywords:
            if keyword.arg == "name":
                value = keyword.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str) and value.value.strip():
                    return value.value.strip()
                raise _NotLiteral(f"setup.py line {value.lineno}: setup(name=...) is not a literal string")
        raise _NotLiteral("setup.py's setup(...) call has no name=")
    return None


def _clean_subdirectory(value: str | None, where: YamlPath, reader: Reader) -> str | None:
    if not value:
        return None
    clean = posixpath.normpath(value.strip())
    if clean == ".." or clean.startswith(("../", "/")):
        raise reader.error(f"subdirectory {value!r} leaves the repository", where)
    return None if clean == "." else clean

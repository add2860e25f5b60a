"""No Nix injection: hostile text from a lock file reaches the overlay only as data.

Two levels, both checked with real ``nix-instantiate --eval``:

* the emitter (``nix.string``, ``nix.attr_name``, ``nix.path``, layout and
  comments): every value it accepts evaluates to exactly the input; the ones
  it refuses (NUL, other control characters, unpaired surrogates) raise
  ``UnsafeNixString``, and nothing else is refused;
* whole translations: synthetic ``poetry.lock`` files whose names, versions,
  URLs, file names, markers, extras, paths, subdirectories and git refs are
  arbitrary Unicode are translated offline by the CLI, and the overlay is
  evaluated through the nixpkgs stand-in with ``fetchurl``, ``fetchgit`` and
  ``buildPythonPackage`` replaced by functions that return their arguments,
  so every value is read back from Nix and compared with the input.  Where
  lock2nix refuses a lock instead, it must exit 2 with one line naming the lock.

Examples are batched (one ``nix-instantiate`` per Hypothesis example).  The
number of examples is kept small for the suite; ``LOCK2NIX_HYPOTHESIS_EXAMPLES``
raises it (e.g. 500 for a long run).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from packaging.utils import canonicalize_name

from lock2nix import cli, nix
from lock2nix.resolve.hashing import GitCheckout, GitHashCache

from .nixeval import eval_json, run

SCALE = int(os.environ.get("LOCK2NIX_HYPOTHESIS_EXAMPLES", "0") or 0)


def examples(default: int) -> settings:
    return settings(
        max_examples=SCALE or default,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
    )


# --- hostile text -------------------------------------------------------------

NASTY = [
    "${", "}", '"', "\\", "''", "'", "$", "$$", "\\$", "''$", "'''", "''\\", "\n", "\r", "\t", "\r\n",
    "${builtins.abort \"injected\"}", "\"; abort \"x", "''${x}", "\\${", "$${", "#", "/*", "*/", ";", "{", "=",
    " ", ".", "/", "..", "\u2028", "\u00a0", "é", "🐍", "\ufeff", "\u200b",
    # refused: NUL, C0/C1 controls, DEL, unpaired surrogates
    "\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff",
]
SURROGATES = re.compile("[\ud800-\udfff]")


def hostile(*, max_size: int = 8, alphabet: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[str]:
    """Arbitrary Unicode (every code point, surrogates included) mixed with Nix syntax."""
    chars = alphabet if alphabet is not None else st.characters()
    piece = st.one_of(st.sampled_from(NASTY), st.text(chars, max_size=6))
    return st.lists(piece, max_size=max_size).map("".join)


def refused(value: str) -> bool:
    """What lock2nix must refuse, stated independently of nix.py: NUL, control
    characters other than tab/newline/carriage return, and unpaired surrogates."""
    for ch in value:
        code = ord(ch)
        if ch in "\t\n\r":
            continue
        if code < 0x20 or 0x7F <= code <= 0x9F or 0xD800 <= code <= 0xDFFF:
            return True
    return False


def _accepted(fn, values):
    """Apply ``fn``; check it refuses exactly the refusable values; return the accepted pairs."""
    out = []
    for value in values:
        if refused(value):
            with pytest.raises(nix.UnsafeNixString):
                fn(value)
        else:
            out.append((value, fn(value)))
    return out


# --- the emitter ----------------------------------------------------------------


@examples(40)
@given(st.lists(hostile(), min_size=1, max_size=40))
def test_strings_evaluate_to_the_input(values: list[str]) -> None:
    accepted = _accepted(nix.string, values)
    if accepted:
        code = " ".join(expr.code for _, expr in accepted)
        assert eval_json(f"[ {code} ]") == [v for v, _ in accepted]


@examples(30)
@given(st.lists(hostile(), min_size=1, max_size=30))
def test_attribute_names_select_exactly_the_input(names: list[str]) -> None:
    accepted = _accepted(nix.attr_name, names)
    if not accepted:
        return
    # Each name both defines an attribute and selects it back.
    items = " ".join(
        f"{{ names = builtins.attrNames {{ {code} = {i}; }}; value = {{ {code} = {i}; }}.{code}; "
        f"selected = let s = {{ {code} = {i}; }}; in {nix.select('s', name).code}; }}"
        for i, (name, code) in enumerate(accepted)
    )
    assert eval_json(f"[ {items} ]") == [
        {"names": [name], "value": i, "selected": i} for i, (name, _) in enumerate(accepted)
    ]


json_like = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**62), 2**62), hostile(max_size=12)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=6), st.dictionaries(hostile(max_size=4), inner, max_size=6)
    ),
    max_leaves=30,
)


@examples(30)
@given(st.lists(json_like, min_size=1, max_size=8))
def test_rendered_values_and_comments_evaluate_to_the_input(values: list) -> None:
    accepted = []
    for value in values:
        try:
            code = nix.render(value, "  ")
        except nix.UnsafeNixString:
            assert _has_refused(value), f"refused {value!r}"
            continue
        assert not _has_refused(value), f"accepted {value!r}"
        accepted.append((value, code))
    if not accepted:
        return
    # A comment holding hostile text (the first value's text) cannot end early.
    comment = "".join(_strings(values[0])) or "${x}\n''"
    wrapped = [nix.Commented(nix.Expr(f"(\n{code}\n)"), comment) for _, code in accepted]
    try:
        code = nix.render(wrapped)
    except nix.UnsafeNixString:
        assert refused(comment)
        code = nix.render([nix.Expr(f"(\n{c}\n)") for _, c in accepted])
    assert eval_json(code) == [v for v, _ in accepted]


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in [k, *_strings(v)]]
    return []


def _has_refused(value) -> bool:
    return any(refused(s) for s in _strings(value))


path_segment = hostile(max_size=4).map(lambda s: s.replace("/", "|") + "x")


@st.composite
def relative_paths(draw) -> str:
    parts = draw(st.lists(st.one_of(path_segment, st.sampled_from(["..", ".", ""])), min_size=0, max_size=5))
    lead = draw(st.sampled_from(["", "/", "./", "../"]))
    return lead + "/".join(parts)


def canonical(base: str, relative: str) -> str:
    """How Nix canonicalises ``base + "/" + relative``: lexically, like its canonPath."""
    joined = relative if relative.startswith("/") else f"{base}/{relative}"
    out: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if out:
                out.pop()
        else:
            out.append(part)
    return "/" + "/".join(out)


@examples(30)
@given(st.lists(relative_paths(), min_size=1, max_size=30))
def test_paths_resolve_to_the_input(tmp_path_factory, paths: list[str]) -> None:
    base = tmp_path_factory.mktemp("paths") / "lock dir"
    base.mkdir()
    accepted = _accepted(nix.path, paths)
    if not accepted:
        return
    file = base / "paths.nix"
    file.write_text("[\n" + "\n".join(f"  (toString {expr.code})" for _, expr in accepted) + "\n]\n", encoding="utf-8")
    # Paths in a file are relative to that file's directory, as in a generated overlay.
    got = json.loads(run(["nix-instantiate", "--eval", "--strict", "--json", str(file)]))
    assert got == [canonical(str(base), p) for p, _ in accepted]


def test_absolute_and_odd_paths() -> None:
    assert nix.path("/abs/dir").code == "/abs/dir"
    assert nix.path("/").code == "/."
    assert nix.path("/a b/c").code == '(/. + "/a b/c")'
    assert nix.path("~/x").code == '(./. + "/~/x")'  # never a home-relative ~/ path
    assert eval_json(f"toString {nix.path('/a b/../c').code}") == "/c"


# --- whole translations -------------------------------------------------------

HEX = "0123456789abcdef"


def toml_str(value: str) -> str:
    """A TOML basic string for any Unicode scalar value sequence."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


# TOML holds any Unicode scalar value: no surrogates.
toml_text = hostile(alphabet=st.characters(exclude_categories=("Cs",))).map(lambda s: SURROGATES.sub("?", s))
nonempty = toml_text.map(lambda s: s if s.strip() else s + "x")
# A marker's quoted literal cannot hold its own quote character.
marker_value = toml_text.map(lambda s: s.replace("'", "`") if '"' in s else s)
PEP508_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\Z")
valid_name = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?", fullmatch=True)
# A directory name the file system can hold.
fs_segment = nonempty.map(lambda s: s.replace("/", "|").replace("\x00", "0").encode()[:150].decode(errors="ignore") or "x").map(
    lambda s: s + "x" if s in (".", "..") else s
)


@st.composite
def packages(draw, index: int) -> dict:
    kind = draw(st.sampled_from(["url", "git", "directory"]))
    package = {
        "name": draw(st.one_of(nonempty, valid_name)) + f"-p{index}",
        "version": draw(nonempty),
        "kind": kind,
        "subdirectory": draw(st.one_of(st.none(), nonempty)),
        "marker": draw(st.one_of(st.none(), marker_value)),
        "extra": draw(st.one_of(st.none(), nonempty)),
        "sha": "".join(draw(st.lists(st.sampled_from(HEX), min_size=64, max_size=64))),
    }
    if kind == "url":
        package["url"] = draw(nonempty)
        # An sdist-like file name: a wheel's name must parse as one.
        package["file"] = draw(nonempty).replace("/", "_") + ".tar.gz"
    elif kind == "git":
        package["url"] = draw(nonempty)
        package["reference"] = draw(nonempty)
        package["commit"] = package["sha"][:40]
    else:
        package["name"] = f"dir-p{index}"  # its store name comes from the name: keep it valid
        # Distinct per package: each directory holds its own package's marker file.
        package["path"] = "/".join(draw(st.lists(fs_segment, min_size=1, max_size=3))) + f"-{index}"
        package["subdirectory"] = None
    return package


@st.composite
def locks(draw) -> dict:
    count = draw(st.integers(1, 4))
    pkgs = [draw(packages(i)) for i in range(count)]
    # Edges: each package may depend on the next one, under a hostile marker.
    for i, package in enumerate(pkgs[:-1]):
        if draw(st.booleans()):
            package["depends"] = (pkgs[i + 1]["name"], draw(st.one_of(st.none(), marker_value)))
    root = None
    if draw(st.booleans()):
        root = {"name": draw(nonempty) + "-root", "version": draw(nonempty), "group": draw(nonempty)}
    lock = {"packages": pkgs, "root": root}
    # Most locks hold no refusable character, so that most get translated and read back.
    return lock if draw(st.integers(0, 3)) == 0 else _without_refusable(lock)


def _without_refusable(value):
    if isinstance(value, str):
        return "".join("?" if refused(c) else c for c in value)
    if isinstance(value, (list, tuple)):
        return type(value)(_without_refusable(v) for v in value)
    if isinstance(value, dict):
        return {k: _without_refusable(v) for k, v in value.items()}
    return value


def marker_of(value: str) -> str:
    quote = "'" if '"' in value else '"'
    return f"sys_platform != {quote}{value}{quote}"


def write_lock(lock: dict, where: Path) -> Path:
    lines: list[str] = []
    for p in lock["packages"]:
        lines += ["[[package]]", f"name = {toml_str(p['name'])}", f"version = {toml_str(p['version'])}"]
        lines.append('description = ""\noptional = false\npython-versions = "*"')
        if p["marker"] is not None:
            lines.append(f"markers = {toml_str(marker_of(p['marker']))}")
        if p["kind"] == "url":
            lines.append(f"files = [{{file = {toml_str(p['file'])}, hash = \"sha256:{p['sha']}\"}}]")
        else:
            lines.append("files = []")
        if has_extra(p):
            lines.append(f"\n[package.extras]\n{toml_str(p['extra'])} = [{toml_str(p['depends'][0])}]")
        if "depends" in p:
            dep, marker = p["depends"]
            spec = '"*"' if marker is None else f"{{version = \"*\", markers = {toml_str(marker_of(marker))}}}"
            lines.append(f"\n[package.dependencies]\n{toml_str(dep)} = {spec}")
        lines.append("\n[package.source]")
        if p["kind"] == "url":
            lines += ['type = "url"', f"url = {toml_str(p['url'])}"]
        elif p["kind"] == "git":
            lines += [
                'type = "git"',
                f"url = {toml_str(p['url'])}",
                f"reference = {toml_str(p['reference'])}",
                f"resolved_reference = \"{p['commit']}\"",
            ]
        else:
            lines += ['type = "directory"', f"url = {toml_str(p['path'])}"]
        if p["subdirectory"] is not None:
            lines.append(f"subdirectory = {toml_str(p['subdirectory'])}")
        lines.append("")
    lines += ["[metadata]", 'lock-version = "2.0"', 'python-versions = "*"', 'content-hash = "0"', ""]
    directory = where / "project"
    directory.mkdir()
    lock_path = directory / "poetry.lock"
    lock_path.write_text("\n".join(lines), encoding="utf-8")
    root = lock["root"]
    if root is not None:
        first = lock["packages"][0]["name"]
        members = toml_str(first) if PEP508_NAME.match(first) else ""
        (directory / "pyproject.toml").write_text(
            "[project]\n"
            f"name = {toml_str(root['name'])}\nversion = {toml_str(root['version'])}\n"
            f"dependencies = []\n\n[dependency-groups]\n{toml_str(root['group'])} = [{members}]\n",
            encoding="utf-8",
        )
    for p in lock["packages"]:
        if p["kind"] == "directory":
            tree = directory / p["path"]
            tree.mkdir(parents=True, exist_ok=True)
            (tree / "marker").write_text(p["name"])
            (tree / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    return lock_path


def has_extra(p: dict) -> bool:
    """Extras list requirements, which name packages by valid PEP 508 names only."""
    return p["extra"] is not None and "depends" in p and bool(PEP508_NAME.match(p["depends"][0]))


def seed_git_cache(lock: dict, cache: Path) -> None:
    for p in lock["packages"]:
        if p["kind"] == "git":
            GitHashCache(cache).put(
                p["url"], p["commit"], False, GitCheckout(hash="sha256-" + "A" * 42 + "E=", has_submodules=False)
            )


def translate(lock_path: Path, cache: Path) -> tuple[int, str]:
    err = io.StringIO()
    out = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        code = cli.main(
            ["--offline", "--no-detect", "--cache-dir", str(cache), str(lock_path), "-o", str(lock_path.parent / "overlay.nix")]
        )
    return code, err.getvalue()


CAPTURE = """
{ overlay, hostPython, names, root }:
let
  capture = final: prev: {
    fetchurl = args: { fetchurl = args; };
    fetchgit = args: { fetchgit = args; };
    pythonPackagesExtensions = prev.pythonPackagesExtensions ++ [
      (pf: pp: {
        buildPythonPackage = args: {
          captured = args;
          overridePythonAttrs = more: { captured = args // more; };
        };
      })
    ];
  };
  pkgs = import %(standin)s { inherit hostPython; overlays = [ (import overlay) capture ]; };
  projects = pkgs.lock2nixProjects or { };
  project = builtins.head (builtins.attrValues projects);
  ps = (project.withPython pkgs.python311).python.pkgs;
  show = p:
    if p == null then null
    else
      let a = p.captured; in
      {
        inherit (a) pname version;
        src = if a.src ? fetchurl || a.src ? fetchgit then a.src
              else builtins.readFile "${a.src}/marker";
        sourceRoot = a.sourceRoot or null;
        dependencies = map (d: d.captured.pname) a.dependencies;
        extras = builtins.mapAttrs (_: deps: map (d: if d == null then null else d.captured.pname) deps)
          (a.optional-dependencies or { });
      };
in
{
  packages = map (n: show ps.${n}) names;
  projects = builtins.attrNames projects;
  root = if root == null then null else
    let
      a = ps.${root}.captured;
      tests = (projects.${root}.withPython pkgs.python311).tests.captured;
    in
    {
      inherit (a) pname version;
      checks = map (d: if d == null then null else d.captured.pname) (a.nativeCheckInputs or [ ]);
      testChecks = map (d: if d == null then null else d.captured.pname) tests.nativeCheckInputs;
    };
}
"""


def expected(lock: dict, directory: str) -> dict:
    by_attr = {canonicalize_name(p["name"]): p for p in lock["packages"]}
    out = []
    for p in lock["packages"]:
        if p["kind"] == "url":
            src = {"fetchurl": {"url": p["url"], "name": p["file"], "hash": sri(p["sha"])}}
        elif p["kind"] == "git":
            src = {
                "fetchgit": {
                    "url": p["url"],
                    "rev": p["commit"],
                    "hash": "sha256-" + "A" * 42 + "E=",
                    "fetchSubmodules": False,
                    "name": "source",
                }
            }
        else:
            src = p["name"]
        deps, extras = [], {}
        if "depends" in p:
            target = by_attr[canonicalize_name(p["depends"][0])]
            if not excludes_linux(p["depends"][1]):  # the edge's marker holds on Linux
                # A target whose own marker excludes Linux is null in the set.
                deps = [None if excludes_linux(target["marker"]) else canonicalize_name(target["name"])]
            if has_extra(p):
                extras = {canonicalize_name(p["extra"]): deps}
        out.append(
            {
                "pname": canonicalize_name(p["name"]),
                "version": p["version"],
                "src": src,
                "sourceRoot": None if p["subdirectory"] is None else f"source/{p['subdirectory']}",
                "dependencies": [d for d in deps if d is not None],
                "extras": extras,
            }
            if not excludes_linux(p["marker"])
            else None
        )
    root = lock["root"]
    return {
        "packages": out,
        # A lock without its project gets one named after its directory.
        "projects": [canonicalize_name(root["name"] if root is not None else directory)],
        "root": None
        if root is None
        else {
            "pname": canonicalize_name(root["name"]),
            "version": root["version"],
            # The package has no test inputs; its tests derivation has its test group.
            "checks": [],
            "testChecks": root_checks(lock),
        },
    }


def root_checks(lock: dict) -> list:
    first = lock["packages"][0]
    if not PEP508_NAME.match(first["name"]):
        return []
    return [None if excludes_linux(first["marker"]) else canonicalize_name(first["name"])]


def sri(hexdigest: str) -> str:
    import base64

    return "sha256-" + base64.b64encode(bytes.fromhex(hexdigest)).decode()


def markers_of(lock: dict) -> list[str]:
    out = [p["marker"] for p in lock["packages"] if p["marker"] is not None]
    return out + [p["depends"][1] for p in lock["packages"] if "depends" in p and p["depends"][1] is not None]


def marker_literal(value: str) -> str | None:
    """The string packaging reads from the marker's quoted literal (it undoes backslash
    escapes such as ``\\0``): what reaches the overlay.  None if PEP 508 refuses it."""
    from packaging.markers import InvalidMarker, Marker

    try:
        return Marker(marker_of(value))._markers[0][2].value
    except InvalidMarker:
        return None


def pep508_marker_ok(value: str) -> bool:
    return marker_literal(value) is not None


def excludes_linux(value: str | None) -> bool:
    """``sys_platform != <value>`` is false on Linux."""
    return value is not None and marker_literal(value) == "linux"


def emitted_text(lock: dict) -> list[str]:
    """The generated text values that reach the overlay (a git ref, for one, does not)."""
    out = []
    for p in lock["packages"]:
        out += [canonicalize_name(p["name"]), p["version"]]
        out += [p[k] for k in ("url", "file", "path", "subdirectory") if p.get(k) is not None]
        out += [marker_literal(m) or "" for m in (p["marker"], p.get("depends", (None, None))[1]) if m is not None]
        if has_extra(p):
            out.append(canonicalize_name(p["extra"]))
    if lock["root"]:
        out += [canonicalize_name(lock["root"]["name"]), lock["root"]["version"], lock["root"]["group"]]
    return out


@pytest.fixture(scope="module")
def capture_nix(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("capture") / "capture.nix"
    path.write_text(CAPTURE % {"standin": Path(__file__).parent / "nixpkgs"})
    return path


@examples(25)
@given(lock=locks())
def test_hostile_locks_translate_to_exactly_their_data_or_are_refused(lock, tmp_path_factory, capture_nix) -> None:
    names = [canonicalize_name(p["name"]) for p in lock["packages"]]
    assume(len(set(names)) == len(names))
    if lock["root"] is not None:
        assume(canonicalize_name(lock["root"]["name"]) not in names)
    where = tmp_path_factory.mktemp("lock")
    cache = where / "cache"
    lock_path = write_lock(lock, where)
    seed_git_cache(lock, cache)
    code, stderr = translate(lock_path, cache)
    event("refused" if code else "translated and evaluated")
    if code != 0:
        assert code == 2, stderr
        lines = [l for l in stderr.splitlines() if not l.startswith("lock2nix: warning:")]
        assert len(lines) == 1, stderr
        assert str(lock_path) in lines[0] or "pyproject.toml" in lines[0], stderr
        assert "could not translate" not in stderr, stderr  # an internal error, not a refusal
        # Only what cannot be represented may be refused: text Nix strings must not
        # hold, or a marker that PEP 508 (packaging) itself cannot read.
        if not any(refused(t) for t in emitted_text(lock)):
            assert "invalid marker" in stderr and not all(pep508_marker_ok(m) for m in markers_of(lock)), stderr
        return
    assert not any(refused(t) for t in emitted_text(lock)), "refusable text was accepted"
    overlay = lock_path.parent / "overlay.nix"
    root = canonicalize_name(lock["root"]["name"]) if lock["root"] else None
    # The attribute names to read go through JSON, not through the emitter under test.
    args = where / "args.json"
    args.write_text(json.dumps({"names": names, "root": root, "hostPython": sys.executable}, ensure_ascii=False))
    # Read-write mode: directory sources are copied to the store to read their marker file.
    expr = f"import {capture_nix} ({{ overlay = {overlay}; }} // builtins.fromJSON (builtins.readFile {args}))"
    got = json.loads(run(["nix-instantiate", "--eval", "--strict", "--json", "--read-write-mode", "-E", expr]))
    assert got == expected(lock, lock_path.parent.name)


def test_versions_differing_only_in_punctuation_get_distinct_bindings(tmp_path, capture_nix) -> None:
    """Regression: a==b.c and a-b==c both made the let binding ``a_b_c`` (an overlay Nix rejects)."""
    sha = "0" * 64
    packages = []
    for name, version, marker in [("a", "b.c", "=="), ("a", "x", "!="), ("a-b", "c", "=="), ("a-b", "y", "!=")]:
        packages.append(
            f'[[package]]\nname = "{name}"\nversion = "{version}"\nmarkers = "sys_platform {marker} \'linux\'"\n'
            f'files = [{{file = "{name}-{version}.tar.gz", hash = "sha256:{sha}"}}]\n'
            f'[package.source]\ntype = "url"\nurl = "https://example.org/{name}-{version}.tar.gz"\n'
        )
    project = tmp_path / "project"
    project.mkdir()
    lock_path = project / "poetry.lock"
    lock_path.write_text("\n".join(packages) + '\n[metadata]\nlock-version = "2.0"\npython-versions = "*"\n')
    code, stderr = translate(lock_path, tmp_path / "cache")
    assert code == 0, stderr
    args = tmp_path / "args.json"
    args.write_text(json.dumps({"names": ["a", "a-b"], "root": None, "hostPython": sys.executable}))
    expr = f"import {capture_nix} ({{ overlay = {project / 'overlay.nix'}; }} // builtins.fromJSON (builtins.readFile {args}))"
    got = json.loads(run(["nix-instantiate", "--eval", "--strict", "--json", "-E", expr]))
    assert [(p["pname"], p["version"]) for p in got["packages"]] == [("a", "b.c"), ("a-b", "c")]


@pytest.mark.parametrize(
    "payload",
    [
        'd\nlet injected = builtins.abort "injected"; in #',
        "d\r\n}; x = ${builtins.abort \"injected\"}; #",
        "d\u2028''${x}'' \"quoted\" $HOME",
    ],
)
def test_file_names_in_the_header_stay_in_comments(tmp_path, payload) -> None:
    """The header names the lock and the output (the regenerate command): a newline in a
    directory or file name ended the comment, and the rest of the line became code."""
    project = tmp_path / payload
    project.mkdir()
    lock = project / "poetry.lock"
    lock.write_text(
        '[[package]]\nname = "demo"\nversion = "1.0"\n'
        f'files = [{{file = "demo-1.0.tar.gz", hash = "sha256:{"0" * 64}"}}]\n'
        '[package.source]\ntype = "url"\nurl = "https://example.org/demo-1.0.tar.gz"\n\n'
        '[metadata]\nlock-version = "2.0"\npython-versions = "*"\n'
    )
    output = tmp_path / (payload.replace("d", "o", 1) + ".nix")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(["--offline", "--no-detect", "--cache-dir", str(tmp_path / "cache"), str(lock), "-o", str(output)])
    assert code == 0, err.getvalue()
    text = output.read_text(encoding="utf-8")
    header = text[: text.index("final: prev:")]
    assert all(line.startswith("#") for line in header.splitlines()), header
    assert eval_json(f"builtins.typeOf (import {nix.path(str(output)).code})") == "lambda"


def test_conda_lock_file_name_stays_in_its_comment(tmp_path) -> None:
    """conda-lock.yml is recognised by the end of its name; the environment's comment named
    the file in an f-string, so a newline in the name wrote the rest as attributes."""
    from .conda_cases import seed_cache
    from .conftest import FIXTURES

    # Its Python packages are looked up on the index: the recorded conda answers.
    recorded_cache = seed_cache(tmp_path / "cache")

    name = 'x\ninjected = builtins.abort "injected"; #conda-lock.yml'
    lock = tmp_path / name
    shutil.copy(FIXTURES / "conda" / "conda__conda-lock__tests-pip-deps" / "conda-lock.yml", lock)
    output = tmp_path / "overlay.nix"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = cli.main(["--offline", "--cache-dir", str(recorded_cache), str(lock), "-o", str(output)])
    assert code == 0, err.getvalue()
    text = output.read_text(encoding="utf-8")
    assert "# injected = builtins.abort" in text
    assert not any(line.lstrip().startswith("injected =") for line in text.splitlines())
    prev = "{ lib = import ./tests/nixpkgs/lib.nix; pythonPackagesExtensions = [ ]; }"
    attrs = eval_json(f"builtins.attrNames ((import {output}) {{ }} {prev})")
    assert "injected" not in attrs and "lock2nixEnvironments" in attrs

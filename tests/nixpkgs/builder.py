"""Derivation builder of lock2nix's nixpkgs stand-in.

Nix runs it as ``<hostPython> builder.py <mode>`` with the derivation's
attributes in the environment; the stand-in's own settings come as JSON in the
file named by ``$standinConfigPath`` (``passAsFile``).

Modes:
  interpreter  a virtual environment without packages over the host CPython:
               the "python3.11" derivation of the stand-in.
  package      buildPythonPackage / buildPythonApplication: unpack, patch, build a
               wheel with pypa ``build`` (what pypaBuildHook runs) or take the
               wheel, install it with pypa ``installer`` (pypaInstallHook), fix
               up, run the check hooks.  Everything is really built.  The hooks
               present among the inputs decide, as in nixpkgs, whether Requires-Dist
               is relaxed (pythonRelaxDepsHook) and checked
               (pythonRuntimeDepsCheckHook), and which tests run (pytestCheckHook,
               unittestCheckHook; only when doCheck).  The stand-in's own packages
               name a prebuilt PyPI wheel that replaces the build phase.
  bootstrap    nixpkgs' python3.X-bootstrap-* packages: install the `src` wheel
               (or build an sdist with ``flit_core.wheel``) with no hook at all.
  env          python.withPackages / python.buildEnv: a virtual environment whose
               site-packages merges the packages' trees with symlinks.

The shell snippets of a package (postPatch, preBuild, ...) run in bash with
``runHook``, ``substituteInPlace`` and ``substitute`` defined (the latter two
call this file as ``builder.py substitute ...``).
"""

from __future__ import annotations

import ast
import base64
import email.parser
import glob
import gzip
import bz2
import hashlib
import importlib.util
import json
import lzma
import os
import platform
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import zipfile

TAG = "lock2nix nixpkgs stand-in"
STORE_NAME_RE = re.compile(r"^[0-9a-df-np-sv-z]{32}-(.*)$")


class BuildError(Exception):
    pass


def log(msg: str) -> None:
    print(f"[{TAG}] {msg}", file=sys.stderr, flush=True)


def fail(msg: str) -> None:
    raise BuildError(msg)


def host_version() -> str:
    return f"{sys.version_info[0]}.{sys.version_info[1]}"


def require_host(want: str, what: str) -> None:
    if want != host_version():
        fail(
            f"{what} needs CPython {want}, but the host interpreter ({sys.executable}) is "
            f"{platform.python_version()}. The stand-in can only build for Python {host_version()}; "
            f"derivations for other interpreters can be instantiated but not built."
        )


def load_config() -> dict:
    path = os.environ.get("standinConfigPath")
    if not path:
        fail("$standinConfigPath is not set (builder.py is meant to be run by Nix)")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def strip_hash(path: str) -> str:
    base = os.path.basename(path.rstrip("/"))
    m = STORE_NAME_RE.match(base)
    return m.group(1) if m and path.startswith("/nix/store/") else base


def make_writable(root: str) -> None:
    for dirpath, dirnames, filenames in os.walk(root):
        for n in [dirpath] + [os.path.join(dirpath, x) for x in filenames + dirnames]:
            if os.path.islink(n):
                continue
            mode = os.lstat(n).st_mode
            os.chmod(n, mode | stat.S_IWUSR | (stat.S_IXUSR if stat.S_ISDIR(mode) else 0))


def closure(paths: list[str]) -> list[str]:
    """Paths plus everything they propagate (nix-support/propagated-build-inputs), BFS order."""
    seen: list[str] = []
    known: set[str] = set()
    queue = list(paths)
    while queue:
        p = queue.pop(0)
        if p in known:
            continue
        known.add(p)
        seen.append(p)
        f = os.path.join(p, "nix-support", "propagated-build-inputs")
        if os.path.isfile(f):
            with open(f, encoding="utf-8") as fh:
                queue.extend(fh.read().split())
    return seen


# --------------------------------------------------------------------------
# shell snippets


PREAMBLE = r"""
runHook() { local hookName="$1"; shift; if [ -n "${!hookName:-}" ]; then eval "${!hookName}"; fi; }
substituteInPlace() { local f="$1"; shift; "$STANDIN_HOST_PYTHON" "$STANDIN_BUILDER" substitute "$f" "$f" "$@"; }
substitute() { "$STANDIN_HOST_PYTHON" "$STANDIN_BUILDER" substitute "$@"; }
substituteAll() { echo "substituteAll is not modelled by the lock2nix nixpkgs stand-in" >&2; return 1; }
patchShebangs() { :; }
stripHash() { basename "$1" | sed -E 's/^[0-9a-df-np-sv-z]{32}-//'; }
addToSearchPath() { local v="$1"; [ -d "$2" ] && export "$v=${!v:+${!v}:}$2"; return 0; }
"""


def run_snippet(label: str, code: str | None, env: dict, cwd: str) -> None:
    if not code or not code.strip():
        return
    log(f"running {label}")
    r = subprocess.run(["/bin/bash", "-e", "-o", "pipefail", "-c", PREAMBLE + "\n" + code], env=env, cwd=cwd)
    if r.returncode != 0:
        fail(f"{label} failed (exit code {r.returncode})")


def run(cmd: list[str], env: dict, cwd: str, what: str) -> None:
    shown = cmd
    if len(cmd) > 3 and cmd[1:3] == ["-P", "-c"] and "runpy.run_module" in cmd[3]:
        module = re.search(r"run_module\('([a-z_]+)'", cmd[3]).group(1)
        shown = [cmd[0], "-m", module, *cmd[4:]]
    log(f"{what}: {' '.join(shlex.quote(c) for c in shown)}")
    r = subprocess.run(cmd, env=env, cwd=cwd)
    if r.returncode != 0:
        fail(f"{what} failed (exit code {r.returncode})")


# --------------------------------------------------------------------------
# substitute / substituteInPlace


def cmd_substitute(argv: list[str]) -> int:
    if len(argv) < 2:
        print("substitute: usage: substitute SRC DST [--replace-fail OLD NEW ...]", file=sys.stderr)
        return 1
    src, dst, rest = argv[0], argv[1], argv[2:]
    with open(src, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    i = 0
    while i < len(rest):
        flag = rest[i]
        if flag in ("--replace-fail", "--replace-warn", "--replace-quiet", "--replace"):
            if i + 2 >= len(rest):
                print(f"substitute(): ERROR: {flag} needs two arguments", file=sys.stderr)
                return 1
            old, new = rest[i + 1], rest[i + 2]
            i += 3
            if old not in text:
                if flag == "--replace-fail":
                    print(f"substitute(): ERROR: pattern {old!r} doesn't match anything in file '{src}'", file=sys.stderr)
                    return 1
                if flag in ("--replace-warn", "--replace"):
                    print(f"substitute(): WARNING: pattern {old!r} doesn't match anything in file '{src}'", file=sys.stderr)
            text = text.replace(old, new)
        elif flag == "--subst-var":
            var = rest[i + 1]
            i += 2
            if var not in os.environ:
                print(f"substitute(): ERROR: variable ${var} is unset", file=sys.stderr)
                return 1
            text = text.replace(f"@{var}@", os.environ[var])
        elif flag == "--subst-var-by":
            var, val = rest[i + 1], rest[i + 2]
            i += 3
            text = text.replace(f"@{var}@", val)
        else:
            print(f"substitute(): ERROR: Invalid command line argument: {flag}", file=sys.stderr)
            return 1
    mode = os.stat(src).st_mode if os.path.exists(dst) else None
    if os.path.exists(dst):
        os.chmod(dst, os.stat(dst).st_mode | stat.S_IWUSR)
    with open(dst, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(text)
    if mode is not None:
        os.chmod(dst, mode | stat.S_IWUSR)
    return 0


# --------------------------------------------------------------------------
# makeWrapper arguments


def wrapper_lines(make_wrapper_args: list[str]) -> tuple[list[str], list[str]]:
    """Translate makeWrapper flags into bash lines (and extra exec flags)."""
    words: list[str] = []
    for a in make_wrapper_args:
        words.extend(a.split())
    lines: list[str] = []
    flags: list[str] = []
    i = 0
    q = shlex.quote
    while i < len(words):
        w = words[i]
        if w == "--set":
            lines.append(f"export {words[i+1]}={q(words[i+2])}")
            i += 3
        elif w == "--set-default":
            lines.append(f"export {words[i+1]}=${{{words[i+1]}-{q(words[i+2])}}}")
            i += 3
        elif w == "--unset":
            lines.append(f"unset {words[i+1]}")
            i += 2
        elif w in ("--prefix", "--suffix"):
            var, sep, val = words[i + 1], words[i + 2], words[i + 3]
            if w == "--prefix":
                lines.append(f"export {var}={q(val)}${{{var}:+{q(sep)}}}${{{var}:-}}")
            else:
                lines.append(f"export {var}=${{{var}:-}}${{{var}:+{q(sep)}}}{q(val)}")
            i += 4
        elif w == "--run":
            lines.append(words[i + 1])
            i += 2
        elif w == "--chdir":
            lines.append(f"cd {q(words[i+1])}")
            i += 2
        elif w == "--add-flags":
            flags.append(words[i + 1])
            i += 2
        else:
            fail(f"makeWrapperArgs: flag {w!r} is not modelled by the stand-in")
    return lines, flags


# --------------------------------------------------------------------------
# mode: interpreter


def build_interpreter(cfg: dict) -> None:
    import venv

    require_host(cfg["pythonVersion"], f"python3-{cfg['version']}")
    out = os.environ["out"]
    venv.EnvBuilder(system_site_packages=False, symlinks=True, with_pip=False).create(out)
    for n in os.listdir(os.path.join(out, "bin")):
        if n.lower().startswith("activate"):
            os.unlink(os.path.join(out, "bin", n))
    exe = os.path.join(out, "bin", cfg["libPrefix"])
    if not os.path.exists(exe):
        fail(f"venv did not create {exe}")
    probe = subprocess.run(
        [exe, "-c", "import sys, json; print(json.dumps([sys.prefix, sys.path]))"],
        capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
    )
    if probe.returncode != 0:
        fail(f"the new interpreter does not run: {probe.stderr}")
    prefix, path = json.loads(probe.stdout)
    if os.path.realpath(prefix) != os.path.realpath(out):
        fail(f"the new interpreter has sys.prefix {prefix}, expected {out}")
    os.makedirs(os.path.join(out, "nix-support"), exist_ok=True)
    with open(os.path.join(out, "nix-support", "lock2nix-standin-host"), "w") as f:
        f.write(f"host interpreter: {sys._base_executable} (CPython {platform.python_version()})\n")
    log(f"python {cfg['version']} (stand-in) -> host CPython {platform.python_version()} at {sys._base_executable}")


# --------------------------------------------------------------------------
# mode: package


def make_tools(top: str) -> str:
    """Copy the pypa frontends (modules only, no dist-info) out of the host environment.

    They are put on sys.path of the frontend process only, so the build backend
    and the dependency checks see nothing but the derivation's inputs.
    """
    tools = os.path.join(top, ".standin-pypa-tools")
    if os.path.isdir(tools):
        return tools
    os.makedirs(tools)
    for mod in ("build", "pyproject_hooks", "packaging", "installer"):
        spec = importlib.util.find_spec(mod)
        if spec is None or not spec.submodule_search_locations:
            fail(
                f"the host interpreter {sys.executable} cannot import `{mod}`; "
                "hostPython must have the pypa `installer` and `build` packages (pip install installer build)"
            )
        src = list(spec.submodule_search_locations)[0]
        shutil.copytree(src, os.path.join(tools, mod), ignore=shutil.ignore_patterns("__pycache__"))
    return tools


def tool_cmd(py: str, tools: str, module: str, argv: list[str]) -> list[str]:
    code = (
        "import runpy, sys; sys.path.insert(0, %r); runpy.run_module(%r, run_name='__main__', alter_sys=True)"
        % (tools, module)
    )
    return [py, "-P", "-c", code, *argv]


def unpack_one(src: str, into: str) -> None:
    if os.path.isdir(src):
        dest = os.path.join(into, strip_hash(src))
        log(f"copying source directory {src}")
        shutil.copytree(src, dest, symlinks=True)
    elif tarfile.is_tarfile(src):
        log(f"unpacking source archive {src}")
        with tarfile.open(src) as t:
            t.extractall(into, filter="tar")
    elif zipfile.is_zipfile(src):
        log(f"unpacking source archive {src}")
        if shutil.which("unzip", path="/usr/bin:/bin"):
            r = subprocess.run(["unzip", "-qq", src, "-d", into], env={"PATH": "/usr/bin:/bin"})
            if r.returncode != 0:
                fail(f"unzip {src} failed")
        else:
            with zipfile.ZipFile(src) as z:
                z.extractall(into)
    else:
        fail(f"do not know how to unpack source archive {src}")


def unpack(cfg: dict, top: str) -> str:
    srcs = list(cfg.get("srcs") or [])
    if cfg.get("src"):
        srcs = [cfg["src"]] + srcs
    if not srcs:
        fail("variable $src or $srcs should point to the source")
    into = os.path.join(top, "unpack")
    os.makedirs(into)
    new_dirs: list[str] = []
    for s in srcs:
        before = set(os.listdir(into))
        unpack_one(s, into)
        for n in sorted(set(os.listdir(into)) - before):
            if os.path.isdir(os.path.join(into, n)) and not os.path.islink(os.path.join(into, n)):
                new_dirs.append(n)
    make_writable(into)
    if cfg.get("sourceRoot"):
        root = os.path.join(into, cfg["sourceRoot"])
        if not os.path.isdir(root):
            fail(f"sourceRoot {cfg['sourceRoot']!r} does not exist after unpacking")
        return root
    if not new_dirs:
        fail("unpacker appears to have produced no directories")
    if len(new_dirs) > 1:
        fail(f"unpacker produced multiple directories ({', '.join(new_dirs)}); set sourceRoot")
    return os.path.join(into, new_dirs[0])


def apply_patches(patches: list[str], root: str) -> None:
    for p in patches:
        with open(p, "rb") as f:
            data = f.read()
        if p.endswith(".gz"):
            data = gzip.decompress(data)
        elif p.endswith(".bz2"):
            data = bz2.decompress(data)
        elif p.endswith(".xz") or p.endswith(".lzma"):
            data = lzma.decompress(data)
        log(f"applying patch {p}")
        r = subprocess.run(
            ["patch", "-p1", "--no-backup-if-mismatch", "--batch"],
            input=data, cwd=root, env={"PATH": "/usr/bin:/bin"},
        )
        if r.returncode != 0:
            fail(f"patch {p} does not apply")


def dist_wheels(root: str) -> list[str]:
    return sorted(glob.glob(os.path.join(root, "dist", "*.whl")))


def wheel_metadata(whl: str) -> tuple[str, bytes]:
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            parts = n.split("/")
            if len(parts) == 2 and parts[0].endswith(".dist-info") and parts[1] == "METADATA":
                return n, z.read(n)
    fail(f"{whl} has no .dist-info/METADATA")
    raise AssertionError


def relax_wheel(whl: str, relax, remove) -> None:
    """pythonRelaxDepsHook: drop version specifiers / remove Requires-Dist entries, repack the wheel."""
    from packaging.requirements import Requirement
    from packaging.specifiers import SpecifierSet

    def matches(patterns, name: str, icase: bool) -> bool:
        if patterns is True:
            return True
        if not patterns:
            return False
        return any(re.fullmatch(p, name, re.IGNORECASE if icase else 0) for p in patterns)

    meta_name, meta = wheel_metadata(whl)
    text = meta.decode("utf-8")
    head, sep, body = text.partition("\n\n")
    out_lines = []
    changed = []
    for line in head.split("\n"):
        if line.startswith("Requires-Dist:"):
            req = Requirement(line[len("Requires-Dist:"):].strip())
            if matches(remove, req.name, False):
                changed.append(f"removed {req.name}")
                continue
            if req.specifier and matches(relax, req.name, True):
                changed.append(f"relaxed {req.name}{req.specifier}")
                req.specifier = SpecifierSet("")
                line = "Requires-Dist: " + str(req)
        out_lines.append(line)
    if not changed:
        return
    log(f"pythonRelaxDepsHook: {os.path.basename(whl)}: " + ", ".join(changed))
    new_meta = ("\n".join(out_lines) + sep + body).encode("utf-8")
    digest = base64.urlsafe_b64encode(hashlib.sha256(new_meta).digest()).rstrip(b"=").decode()
    tmp = whl + ".tmp"
    with zipfile.ZipFile(whl) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == meta_name:
                data = new_meta
            elif info.filename.endswith(".dist-info/RECORD") and info.filename.count("/") == 1:
                rec = []
                for r in data.decode("utf-8").splitlines():
                    if r.split(",", 1)[0] == meta_name:
                        r = f"{meta_name},sha256={digest},{len(new_meta)}"
                    rec.append(r)
                data = ("\n".join(rec) + "\n").encode("utf-8")
            zout.writestr(info, data)
    os.replace(tmp, whl)


def runtime_deps_check(pname: str, wheels: list[str], sites: list[str]) -> None:
    """pythonRuntimeDepsCheckHook: every Requires-Dist (markers evaluated) is installed and satisfied."""
    import importlib.metadata as md
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    installed: dict[str, str] = {}
    for d in md.distributions(path=[s for s in sites if os.path.isdir(s)]):
        name = d.metadata["Name"]
        if name:
            installed.setdefault(canonicalize_name(name), d.version)
    errors = []
    for whl in wheels:
        _, meta = wheel_metadata(whl)
        msg = email.parser.BytesParser().parsebytes(meta, headersonly=True)
        for r in msg.get_all("Requires-Dist") or []:
            req = Requirement(r)
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            have = installed.get(canonicalize_name(req.name))
            if have is None:
                errors.append(f"  - {req.name} not installed (required by {os.path.basename(whl)}: {r})")
            elif req.specifier and not req.specifier.contains(have, prereleases=True):
                errors.append(f"  - {req.name}{req.specifier} not satisfied by version {have}")
    if errors:
        fail(
            f"pythonRuntimeDepsCheckHook: runtime dependencies of {pname} are missing or do not match:\n"
            + "\n".join(errors)
            + "\n(add them to `dependencies`, or relax with pythonRelaxDeps / dontCheckRuntimeDeps)"
        )
    log(f"pythonRuntimeDepsCheckHook: all runtime dependencies of {pname} are satisfied")


def insertion_line(source: str) -> int:
    """Line index after the shebang, coding line, docstring and __future__ imports."""
    lines = source.split("\n")
    idx = 1 if lines and lines[0].startswith("#!") else 0
    try:
        tree = ast.parse(source)
    except SyntaxError:
        tree = None
    if tree is not None:
        last = 0
        for i, node in enumerate(tree.body):
            if i == 0 and isinstance(node, ast.Expr) and isinstance(getattr(node, "value", None), ast.Constant) and isinstance(node.value.value, str):
                last = node.end_lineno or last
            elif isinstance(node, ast.ImportFrom) and node.module == "__future__":
                last = node.end_lineno or last
            else:
                break
        idx = max(idx, last)
    while idx < len(lines) and re.match(r"^[ \t\f]*#.*coding[:=]", lines[idx]) and idx < 2:
        idx += 1
    return idx


def wrap_programs(out: str, sites: list[str], bins: list[str], cfg: dict) -> None:
    """wrapPythonPrograms: patch sys.path into Python scripts of $out/bin and wrap them."""
    bindir = os.path.join(out, "bin")
    if not os.path.isdir(bindir):
        return
    lines, flags = wrapper_lines(cfg.get("makeWrapperArgs") or [])
    for name in sorted(os.listdir(bindir)):
        path = os.path.join(bindir, name)
        if name.startswith(".") or os.path.islink(path) or not os.path.isfile(path):
            continue
        if not os.access(path, os.X_OK):
            continue
        with open(path, "rb") as f:
            first = f.readline()
        if not (first.startswith(b"#!") and b"python" in first):
            continue
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            source = f.read()
        src_lines = source.split("\n")
        at = insertion_line(source)
        # One line, so line numbers in tracebacks stay close to the original.
        patch = "import site as _l2n_site, sys as _l2n_sys; _l2n_sys.argv[0] = %r; [_l2n_site.addsitedir(_d) for _d in %r]; del _l2n_site, _l2n_sys" % (path, sites)
        wrapped = os.path.join(bindir, f".{name}-wrapped")
        with open(wrapped, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write("\n".join(src_lines[:at] + [patch] + src_lines[at:]))
        os.chmod(wrapped, 0o755)
        os.unlink(path)
        body = ["#!/bin/bash -e"]
        body.append("export PATH=" + shlex.quote(":".join(bins)) + '${PATH:+":$PATH"}')
        if not cfg.get("permitUserSite"):
            body.append("export PYTHONNOUSERSITE='true'")
        body.extend(lines)
        body.append('exec -a "$0" ' + shlex.quote(wrapped) + " " + " ".join(flags) + ' "$@"')
        with open(path, "w") as f:
            f.write("\n".join(body) + "\n")
        os.chmod(path, 0o755)
        log(f"wrapped {path}")


def pytest_args(cfg: dict, root: str) -> list[str]:
    args: list[str] = []
    for el in cfg.get("pytestFlagsArray") or []:
        args.extend(shlex.split(el))
    for p in cfg.get("disabledTestPaths") or []:
        if "::" in p:
            args += ["--deselect", p]
        else:
            if not glob.glob(os.path.join(root, p)):
                fail(f"pytestCheckHook: disabledTestPaths: {p!r} does not match any path")
            args += ["--ignore-glob", p]
    k_parts = []
    enabled = cfg.get("enabledTests")
    if enabled is not None and enabled == []:
        fail("pytestCheckHook: enabledTests is empty ([ ])")
    if enabled:
        k_parts.append("(" + " or ".join(enabled) + ")")
    k_parts += [f"not {t}" for t in (cfg.get("disabledTests") or [])]
    if k_parts:
        args += ["-k", " and ".join(k_parts)]
    m_parts = []
    emarks = cfg.get("enabledTestMarks")
    if emarks is not None and emarks == []:
        fail("pytestCheckHook: enabledTestMarks is empty ([ ])")
    if emarks:
        m_parts.append("(" + " or ".join(emarks) + ")")
    m_parts += [f"not {m}" for m in (cfg.get("disabledTestMarks") or [])]
    if m_parts:
        args += ["-m", " and ".join(m_parts)]
    args += list(cfg.get("pytestFlags") or [])
    epaths = cfg.get("enabledTestPaths")
    if epaths is not None and epaths == []:
        fail("pytestCheckHook: enabledTestPaths is empty ([ ])")
    args += list(epaths or [])
    return args


def install_wheel(py: str, tools: str, whl: str, out: str, env: dict, cwd: str, what: str) -> None:
    run(tool_cmd(py, tools, "installer", ["--prefix", out, whl]), env, cwd, what)


def build_bootstrap(cfg: dict) -> None:
    """nixpkgs' bootstrap packages: flit_core.wheel (for sources) and installer, no hooks."""
    pyinfo = cfg["python"]
    require_host(pyinfo["pythonVersion"], cfg["pname"])
    py = pyinfo["interpreter"]
    out = os.environ["out"]
    top = os.environ.get("NIX_BUILD_TOP") or os.environ.get("TMPDIR") or tempfile.mkdtemp()
    tools = make_tools(top)
    env = {"PATH": "/usr/bin:/bin", "HOME": top}
    src = cfg["src"]
    if strip_hash(src).endswith(".whl"):
        whl = os.path.join(top, strip_hash(src))
        shutil.copy(src, whl)
    else:
        root = unpack({"src": src}, top)
        apply_patches(cfg.get("patches") or [], root)
        if cfg["basePname"] == "flit-core":
            root = os.path.join(root, "flit_core")
            env["PYTHONPATH"] = root
        elif cfg.get("flitCore"):
            env["PYTHONPATH"] = os.path.join(cfg["flitCore"], pyinfo["sitePackages"])
        run([py, "-m", "flit_core.wheel"], env, root, "flit_core.wheel")
        whl = dist_wheels(root)[0]
    install_wheel(py, tools, whl, out, env, top, f"bootstrap {cfg['basePname']} (python -m installer)")
    log(f"{cfg['pname']}: installed {os.path.basename(whl)}")


def build_package(cfg: dict) -> None:
    pyinfo = cfg["python"]
    require_host(pyinfo["pythonVersion"], cfg["name"])
    fmt = cfg["format"]
    pname, version = cfg["pname"], cfg["version"]
    py = pyinfo["interpreter"]
    if not os.path.exists(py):
        fail(f"interpreter {py} does not exist")
    site_rel = pyinfo["sitePackages"]
    out = os.environ["out"]
    top = os.environ.get("NIX_BUILD_TOP") or os.environ.get("TMPDIR") or tempfile.mkdtemp()
    hooks = set(cfg.get("hooks") or [])
    setup_hooks = set(cfg.get("setupHooks") or [])

    def sites_of(paths: list[str]) -> list[str]:
        return [os.path.join(p, site_rel) for p in paths if os.path.isdir(os.path.join(p, site_rel))]

    def bins_of(paths: list[str]) -> list[str]:
        return [os.path.join(p, "bin") for p in paths if os.path.isdir(os.path.join(p, "bin"))]

    build_closure = closure(cfg["buildInputs"] + cfg["propagatedBuildInputs"])
    build_sites = sites_of(build_closure)

    env = dict(os.environ)
    env.update(
        HOME=top,
        PATH=":".join([os.path.dirname(py)] + bins_of(build_closure) + ["/usr/local/bin", "/usr/bin", "/bin"]),
        PYTHONPATH=":".join(build_sites),
        STANDIN_HOST_PYTHON=sys.executable,
        STANDIN_BUILDER=os.path.abspath(__file__),
        NIX_BUILD_CORES=os.environ.get("NIX_BUILD_CORES", "1"),
    )
    env.pop("PYTHONHOME", None)
    for k, v in cfg.items():
        if isinstance(v, str) and (k.startswith(("pre", "post")) or k.endswith("Phase")) and k not in env:
            env[k] = v
    if "setuptools-scm" in setup_hooks and not cfg.get("dontPretendSetuptoolsSCMVersion"):
        env.setdefault("SETUPTOOLS_SCM_PRETEND_VERSION", version)
    if "pdm-backend" in setup_hooks and not cfg.get("dontSetPdmBackendVersion"):
        env.setdefault("PDM_BUILD_SCM_VERSION", version)

    prebuilt = cfg.get("prebuiltWheel")

    # --- unpack -------------------------------------------------------------
    if prebuilt:
        # The stand-in's own packages: nixpkgs builds them from source; here the real
        # PyPI wheel is the result of the build phase (see python/packages.nix).
        root = os.path.join(top, "prebuilt")
        os.makedirs(os.path.join(root, "dist"))
        shutil.copy(prebuilt, os.path.join(root, "dist", strip_hash(prebuilt)))
        log(f"stand-in package: the build phase's wheel is the PyPI wheel {strip_hash(prebuilt)}")
    elif fmt == "wheel" and not cfg.get("dontUseWheelUnpack"):
        root = os.path.join(top, "wheel-source")
        os.makedirs(os.path.join(root, "dist"))
        src = cfg["src"]
        shutil.copy(src, os.path.join(root, "dist", cfg.get("srcName") or strip_hash(src)))
        os.chmod(os.path.join(root, "dist", cfg.get("srcName") or strip_hash(src)), 0o644)
        log(f"wheelUnpackHook: dist/{cfg.get('srcName') or strip_hash(src)}")
    elif cfg.get("unpackPhase"):
        root = top
        run_snippet("unpackPhase", cfg["unpackPhase"], env, top)
        if cfg.get("sourceRoot"):
            root = os.path.join(top, cfg["sourceRoot"])
    elif cfg.get("dontUnpack"):
        root = os.path.join(top, "source")
        os.makedirs(root)
    else:
        root = unpack(cfg, top)
    env["sourceRoot"] = root

    if fmt == "egg":
        fail('format = "egg" is not modelled by the lock2nix nixpkgs stand-in')

    # --- patch --------------------------------------------------------------
    if not cfg.get("dontPatch") and not prebuilt:
        run_snippet("prePatch", cfg.get("prePatch"), env, root)
        apply_patches(cfg.get("patches") or [], root)
        run_snippet("postPatch", cfg.get("postPatch"), env, root)
    if "setuptools-scm" in setup_hooks and not cfg.get("dontIncludeSetuptoolsSCMTrackedFiles") and fmt in ("pyproject", "setuptools"):
        # setuptools-scm's setup hook: without git metadata, include every file.
        with open(os.path.join(root, "MANIFEST.in"), "a") as f:
            f.write("\nglobal-include **\n")
    if not cfg.get("dontConfigure") and not prebuilt:
        run_snippet("preConfigure", cfg.get("preConfigure"), env, root)
        run_snippet("configurePhase", cfg.get("configurePhase"), env, root)
        run_snippet("postConfigure", cfg.get("postConfigure"), env, root)

    tools = make_tools(top)

    # --- build ----------------------------------------------------------------
    if not cfg.get("dontBuild") and not prebuilt:
        if cfg.get("buildPhase"):
            run_snippet("buildPhase", cfg["buildPhase"], env, root)
        else:
            run_snippet("preBuild", cfg.get("preBuild"), env, root)
            if fmt == "pyproject" and not cfg.get("dontUsePypaBuild"):
                flags = []
                for fl in cfg.get("pypaBuildFlags") or []:
                    flags.extend(fl.split())
                run(
                    tool_cmd(py, tools, "build", ["--no-isolation", "--outdir", "dist/", "--wheel", *flags]),
                    env, root, "pypaBuildHook (python -m build)",
                )
            elif fmt == "setuptools" and not cfg.get("dontUseSetuptoolsBuild"):
                with open(os.path.join(root, "nix_run_setup"), "w") as f:
                    f.write(
                        "import os, sys, tokenize\nimport setuptools\n"
                        "sys.argv[0] = 'setup.py'\n__file__ = 'setup.py'\n"
                        "with tokenize.open(__file__) as fh:\n    code = fh.read()\n"
                        "exec(compile(code, __file__, 'exec'))\n"
                    )
                gflags = " ".join(cfg.get("setupPyGlobalFlags") or []).split()
                bflags = " ".join(cfg.get("setupPyBuildFlags") or []).split()
                run([py, "nix_run_setup", *gflags, "bdist_wheel", *bflags], env, root, "setuptoolsBuildHook")
            run_snippet("postBuild", cfg.get("postBuild"), env, root)
    # pythonRelaxDepsHook (postBuild) and pythonRuntimeDepsCheckHook
    # (preInstallPhases) act when the generic builder added them.
    relax, remove = cfg.get("pythonRelaxDeps"), cfg.get("pythonRemoveDeps")
    if "pythonRelaxDepsHook" in hooks and (relax or remove) and not cfg.get("dontBuild"):
        for whl in dist_wheels(root):
            relax_wheel(whl, relax, remove)

    wheels = dist_wheels(root)
    if "pythonRuntimeDepsCheckHook" in hooks and not cfg.get("dontCheckRuntimeDeps") and wheels:
        runtime_deps_check(pname, wheels, build_sites)

    # --- install --------------------------------------------------------------
    if not cfg.get("dontInstall"):
        if cfg.get("installPhase"):
            run_snippet("installPhase", cfg["installPhase"], env, root)
        else:
            run_snippet("preInstall", cfg.get("preInstall"), env, root)
            if fmt in ("pyproject", "setuptools", "wheel") and not cfg.get("dontUsePypaInstall"):
                if not wheels:
                    fail("pypaInstallHook: no wheel in dist/ (the build produced nothing to install)")
                for whl in wheels:
                    run(tool_cmd(py, tools, "installer", ["--prefix", out, whl]), env, root, "pypaInstallHook (python -m installer)")
            elif fmt == "other":
                fail("no installPhase: with pyproject = false (format = \"other\") you write buildPhase/installPhase yourself")
            run_snippet("postInstall", cfg.get("postInstall"), env, root)
    os.makedirs(out, exist_ok=True)

    # --- fixup ----------------------------------------------------------------
    propagated = cfg["propagatedBuildInputs"]
    runtime_closure = closure(propagated)
    out_site = os.path.join(out, site_rel)
    if not cfg.get("dontFixup"):
        run_snippet("preFixup", cfg.get("preFixup"), env, root)
        if not cfg.get("dontUsePythonRemoveTestsDir"):
            for d in ("tests", "test"):
                p = os.path.join(out_site, d)
                if os.path.isdir(p):
                    log(f"pythonRemoveTestsDirHook: removing {p}")
                    shutil.rmtree(p)
        if cfg.get("removeBinBytecode", True):
            shutil.rmtree(os.path.join(out, "bin", "__pycache__"), ignore_errors=True)
        if not cfg.get("dontWrapPythonPrograms"):
            wrap_programs(
                out,
                [out_site] + sites_of(runtime_closure),
                [os.path.join(out, "bin")] + bins_of(runtime_closure),
                cfg,
            )
        run_snippet("postFixup", cfg.get("postFixup"), env, root)
    os.makedirs(os.path.join(out, "nix-support"), exist_ok=True)
    with open(os.path.join(out, "nix-support", "propagated-build-inputs"), "w") as f:
        f.write(" ".join(propagated) + "\n")

    # pythonOutputDistHook
    if "dist" in cfg["outputs"]:
        dist_out = os.environ["dist"]
        if not os.path.isdir(os.path.join(root, "dist")):
            fail("pythonOutputDistHook: dist/ was not created; set pyproject = false if no wheel is built")
        shutil.copytree(os.path.join(root, "dist"), dist_out)

    # --- installCheck -----------------------------------------------------------
    check_env = dict(env)
    check_closure = closure(cfg["checkInputs"] + propagated + cfg["buildInputs"])
    check_env["PYTHONPATH"] = ":".join([out_site] + sites_of(check_closure))
    check_env["PATH"] = ":".join([os.path.join(out, "bin")] + [os.path.dirname(py)] + bins_of(check_closure) + ["/usr/local/bin", "/usr/bin", "/bin"])
    if cfg.get("doCheck", True) and prebuilt:
        log("stand-in package: its tests are not run (the PyPI wheel holds none)")
    elif cfg.get("doCheck", True):
        user_check = cfg.get("installCheckPhase") or cfg.get("checkPhase")
        if user_check:
            run_snippet("preInstallCheck", cfg.get("preInstallCheck"), check_env, root)
            run_snippet("installCheckPhase (checkPhase)", user_check, check_env, root)
            run_snippet("postInstallCheck", cfg.get("postInstallCheck"), check_env, root)
        elif "pytestCheckHook" in hooks and not cfg.get("dontUsePytestCheck"):
            run_snippet("preCheck", cfg.get("preCheck"), check_env, root)
            run([py, "-m", "pytest", *pytest_args(cfg, root)], check_env, root, "pytestCheckHook")
            run_snippet("postCheck", cfg.get("postCheck"), check_env, root)
        elif "unittestCheckHook" in hooks:
            run_snippet("preCheck", cfg.get("preCheck"), check_env, root)
            uflags = []
            for el in (cfg.get("unittestFlagsArray") or []):
                uflags.extend(shlex.split(el))
            uflags += list(cfg.get("unittestFlags") or [])
            run([py, "-m", "unittest", "discover", *uflags], check_env, root, "unittestCheckHook")
            run_snippet("postCheck", cfg.get("postCheck"), check_env, root)

    # --- pythonImportsCheck -------------------------------------------------------
    mods = cfg.get("pythonImportsCheck") or []
    if mods and not cfg.get("dontUsePythonImportsCheck"):
        log("Check whether the following modules can be imported: " + " ".join(mods))
        imp_env = dict(env)
        imp_env["PYTHONPATH"] = ":".join([out_site] + build_sites)
        code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
        run([py, "-c", code, *mods], imp_env, out, "pythonImportsCheckHook")

    for o in cfg["outputs"]:
        if o in os.environ:
            os.makedirs(os.environ[o], exist_ok=True)


# --------------------------------------------------------------------------
# mode: env


def merge_tree(src: str, dst: str, ignore_collisions: bool, skip_top: set[str]) -> None:
    """pkgs.buildEnv-like symlink merge of src into dst."""
    for name in sorted(os.listdir(src)):
        if name in skip_top:
            continue
        s = os.path.join(src, name)
        d = os.path.join(dst, name)
        if not os.path.lexists(d):
            os.symlink(s, d)
            continue
        s_dir = os.path.isdir(s)
        if os.path.islink(d) and os.path.isdir(d) and s_dir:
            old = os.readlink(d)
            os.unlink(d)
            os.mkdir(d)
            merge_tree(old, d, ignore_collisions, set())
            merge_tree(s, d, ignore_collisions, set())
        elif os.path.isdir(d) and not os.path.islink(d) and s_dir:
            merge_tree(s, d, ignore_collisions, set())
        else:
            existing = os.path.realpath(d)
            if os.path.isfile(existing) and os.path.isfile(s):
                with open(existing, "rb") as a, open(s, "rb") as b:
                    if a.read() == b.read():
                        continue
            if ignore_collisions:
                continue
            fail(f"collision between `{s}' and `{existing}'")


def build_env(cfg: dict) -> None:
    pyinfo = cfg["python"]
    require_host(pyinfo["pythonVersion"], "python env")
    out = os.environ["out"]
    pyout = pyinfo["path"]
    exe = pyinfo["libPrefix"]
    os.makedirs(os.path.join(out, "bin"))
    os.makedirs(os.path.join(out, pyinfo["sitePackages"]))
    with open(os.path.join(pyout, "pyvenv.cfg")) as f:
        cfgtext = f.read()
    with open(os.path.join(out, "pyvenv.cfg"), "w") as f:
        f.write(cfgtext)
    for p in cfg["paths"]:
        merge_tree(p, out, cfg.get("ignoreCollisions", False), {"nix-support", "pyvenv.cfg"})
    lines, flags = wrapper_lines(cfg.get("makeWrapperArgs") or [])
    target = os.path.join(pyout, "bin", exe)
    real = os.path.join(out, "bin", exe)
    if lines or flags:
        hidden = os.path.join(out, "bin", f".{exe}-wrapped")
        os.symlink(target, hidden)
        with open(real, "w") as f:
            f.write("#!/bin/bash -e\n" + "\n".join(lines) + f'\nexec -a "$0" {shlex.quote(hidden)} {" ".join(flags)} "$@"\n')
        os.chmod(real, 0o755)
    else:
        os.symlink(target, real)
    for alias in ("python", "python3"):
        a = os.path.join(out, "bin", alias)
        if not os.path.lexists(a):
            os.symlink(exe, a)
    if cfg.get("postBuild"):
        env = dict(os.environ)
        env.update(STANDIN_HOST_PYTHON=sys.executable, STANDIN_BUILDER=os.path.abspath(__file__), PATH="/usr/bin:/bin")
        run_snippet("postBuild", cfg["postBuild"], env, out)
    probe = subprocess.run(
        [real, "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}
    )
    if probe.returncode != 0 or os.path.realpath(probe.stdout.strip()) != os.path.realpath(out):
        fail(f"the env's interpreter does not use the env as prefix: {probe.stdout} {probe.stderr}")


def main(argv: list[str]) -> int:
    if len(argv) >= 1 and argv[0] == "substitute":
        return cmd_substitute(argv[1:])
    try:
        cfg = load_config()
        mode = cfg.get("mode")
        if argv and argv[0] != mode:
            fail(f"builder called for mode {argv[0]!r} but the config says {mode!r}")
        if mode == "interpreter":
            build_interpreter(cfg)
        elif mode == "package":
            build_package(cfg)
        elif mode == "env":
            build_env(cfg)
        elif mode == "bootstrap":
            build_bootstrap(cfg)
        else:
            fail(f"unknown mode {mode!r}")
    except BuildError as e:
        print(f"error ({TAG}): {e}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

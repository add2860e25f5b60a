"""Structure-aware fuzzing of lock2nix on mutated copies of the real fixtures.

Every case takes one fixture (a directory of ``tests/fixtures/<format>/``: its
lock file and the companions lock2nix reads beside it), parses one of those
files (TOML, JSON, YAML when PyYAML is installed), mutates its structure
(deleted, duplicated, renamed or transplanted keys and entries, values of the
wrong type, hostile strings, huge strings, deep nesting, big numbers),
serialises it again and may damage the bytes too (truncation, junk bytes,
deleted/duplicated/swapped lines).  The CLI then runs in-process
(``lock2nix.cli.main``) with ``--offline`` and a copy of the recorded caches,
so no network is touched.

Invariants:

* no exception escapes ``main`` and none reaches its last-resort handler
  ("could not translate ... please report it" is an internal error);
* the exit code is 0 or 2;
* on exit 2, stderr holds exactly one error line (besides warnings), naming
  one of the input files;
* on exit 0, the overlay parses (``nix-instantiate --parse``, batched) and a
  model (``--emit model``) is JSON.

``python bench/fuzz.py --cases 10000`` prints a summary (cases, exit codes,
failures, time); ``--save DIR`` keeps the inputs of failing cases.  The suite
runs a quick deterministic subset (tests/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import hashlib
import io
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any, Callable

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
RECORDED = REPO / "tests" / "data"
CASE_TIMEOUT = 60  # seconds; a case running longer is a failure (a hang)
MAX_INPUT = 64 * 2**20  # bytes; larger mutated inputs are not generated

sys.path.insert(0, str(REPO / "translator"))


# --- documents --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Deep:
    """A value nested ``depth`` levels deep, written directly (serialisers recurse)."""

    depth: int
    kind: str  # "list" or "table"


class Codec:
    name = "text"

    def loads(self, text: str) -> Any:
        raise ValueError("no structure")

    def dumps(self, doc: Any) -> str:
        raise NotImplementedError


class TomlCodec(Codec):
    name = "toml"

    def loads(self, text: str) -> Any:
        return tomllib.loads(text)

    def dumps(self, doc: Any) -> str:
        if not isinstance(doc, dict):
            doc = {"value": doc}  # a TOML document is a table
        lines: list[str] = []
        _toml_table(doc, [], lines, header=False)
        return "\n".join(lines) + "\n"


_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.match(key) else _toml_string(key)


def _toml_string(value: str) -> str:
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04X}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append("?")  # not a Unicode scalar value: TOML cannot hold it
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _toml_value(value: Any) -> str:
    if isinstance(value, Deep):
        if value.kind == "list":
            return "[" * value.depth + "1" + "]" * value.depth
        return "{a = " * value.depth + "1" + "}" * value.depth
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value if v is not None) + "]"
    if isinstance(value, dict):
        items = [f"{_toml_key(str(k))} = {_toml_value(v)}" for k, v in value.items() if v is not None]
        return "{" + ", ".join(items) + "}"
    if value is None:
        return '""'
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return _toml_string(str(value))


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_array_of_tables(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _toml_table(table: dict, path: list[str], lines: list[str], *, header: bool, array: bool = False) -> None:
    dotted = ".".join(_toml_key(str(k)) for k in path)
    if header:
        lines.append(f"[[{dotted}]]" if array else f"[{dotted}]")
    for key, value in table.items():
        if value is None or _is_table(value) or _is_array_of_tables(value):
            continue
        lines.append(f"{_toml_key(str(key))} = {_toml_value(value)}")
    for key, value in table.items():
        if _is_table(value):
            lines.append("")
            _toml_table(value, [*path, str(key)], lines, header=True)
        elif _is_array_of_tables(value):
            for item in value:
                lines.append("")
                _toml_table(item, [*path, str(key)], lines, header=True, array=True)


class JsonCodec(Codec):
    name = "json"

    def loads(self, text: str) -> Any:
        return json.loads(text)

    def dumps(self, doc: Any) -> str:
        raws: dict[str, str] = {}

        def prepare(value: Any) -> Any:
            if isinstance(value, Deep):
                token = f"\0deep{len(raws)}\0"
                if value.kind == "list":
                    raws[token] = "[" * value.depth + "1" + "]" * value.depth
                else:
                    raws[token] = '{"a": ' * value.depth + "1" + "}" * value.depth
                return token
            if isinstance(value, dict):
                return {str(k): prepare(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [prepare(v) for v in value]
            if isinstance(value, float) and not math.isfinite(value):
                return str(value)
            return value

        text = json.dumps(prepare(doc), indent=4, ensure_ascii=False, default=str)
        for token, raw in raws.items():
            text = text.replace(json.dumps(token, ensure_ascii=False), raw)
        return text + "\n"


class YamlCodec(Codec):
    name = "yaml"

    def loads(self, text: str) -> Any:
        import yaml

        return yaml.safe_load(text)

    def dumps(self, doc: Any) -> str:
        import yaml

        raws: dict[str, str] = {}

        def prepare(value: Any) -> Any:
            if isinstance(value, Deep):
                # Flow style is YAML too; PyYAML's emitter would recurse on a real tree.
                token = f"DEEPVALUE{len(raws)}X"
                if value.kind == "list":
                    raws[token] = "[" * value.depth + "1" + "]" * value.depth
                else:
                    raws[token] = "{a: " * value.depth + "1" + "}" * value.depth
                return token
            if isinstance(value, dict):
                return {k: prepare(v) for k, v in value.items()}
            if isinstance(value, (list, tuple)):
                return [prepare(v) for v in value]
            return value

        text = yaml.safe_dump(prepare(doc), allow_unicode=True, sort_keys=False, width=1 << 30)
        for token, raw in raws.items():
            text = text.replace(token, raw)
        return text


def codec_for(path: Path, text: str) -> Codec:
    name = path.name
    candidates: list[Codec] = []
    if name.endswith((".json", "Pipfile.lock")):
        candidates.append(JsonCodec())
    elif name.endswith((".yml", ".yaml")):
        candidates.append(YamlCodec())
    elif name.endswith((".toml", ".lock")) or name == "Pipfile":
        candidates.append(TomlCodec())
    candidates += [JsonCodec(), TomlCodec()]
    for codec in candidates:
        try:
            codec.loads(text)
            return codec
        except Exception:  # noqa: BLE001 - try the next format
            continue
    return Codec()  # text-level mutations only (setup.cfg, YAML without PyYAML)


# --- mutations ----------------------------------------------------------------

HOSTILE = [
    "", " ", "${builtins.abort \"injected\"}", '"; abort "x"; "', "''${x}''", "\\", "\\${", "$${", "\n", "\r\n",
    "\t", "\x00", "\x1b[31m", "\x7f", "\u2028", "\ufeff", "🐍", "é", "..", "../../../../etc/passwd", "/", "//",
    "-", "_", ".", "0", "-1", "1e400", "nan", "inf", "true", "null", "None", "*", "^1.0", "~=", "==", ">=1,<",
    "||", "[]", "{}", "md5:d41d8cd98f00b204e9800998ecf8427e", "sha256:", "sha256:xyz",
    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709", "sha256:" + "0" * 63, "SHA256:" + "A" * 64,
    "https://", "file:///etc/passwd", "git+ssh://x", "http://[::1", "python_version >= '3' and",
    "sys_platform == 'linux' or", "extra == ", "(", ")", "x" * 300, "a" * 4097,
]
BIG_INTS = [0, -1, 1, 2**31, 2**63 - 1, 2**63, -(2**63) - 1, 10**100, -(10**400)]
FLOATS = [0.0, -0.0, 1e308, float("inf"), float("-inf"), float("nan"), 3.5]
DEEP = [50, 500, 2_000, 20_000, 200_000]


@dataclasses.dataclass
class Node:
    """A location in a document: ``container[key]``, reached through ``path``."""

    container: Any
    key: Any
    depth: int
    in_files: bool  # under a list of artifacts (files, hashes)

    @property
    def value(self) -> Any:
        return self.container[self.key]


FILE_KEYS = frozenset({"files", "hashes"})


def nodes(doc: Any) -> list[Node]:
    out: list[Node] = []
    stack: list[tuple[Any, int, bool]] = [(doc, 0, False)]
    while stack:
        value, depth, in_files = stack.pop()
        if isinstance(value, dict):
            for k in list(value):
                inside = in_files or k in FILE_KEYS
                out.append(Node(value, k, depth + 1, inside))
                stack.append((value[k], depth + 1, inside))
        elif isinstance(value, list):
            for i in range(len(value)):
                out.append(Node(value, i, depth + 1, in_files))
                stack.append((value[i], depth + 1, in_files))
    return out


def pick_node(rng: random.Random, all_nodes: list[Node]) -> Node:
    """Artifact lists are most of a lock, and a changed file name or hash ends at the
    (offline) index lookup: favour the rest, so later stages get fuzzed as much."""
    r = rng.random()
    pool = all_nodes
    if r < 0.6:
        pool = [n for n in all_nodes if not n.in_files] or all_nodes
    elif r < 0.75:
        pool = [n for n in all_nodes if n.depth <= 2] or all_nodes
    return rng.choice(pool)


def strings_of(doc: Any) -> list[str]:
    out = []
    for node in nodes(doc):
        if isinstance(node.value, str):
            out.append(node.value)
        if isinstance(node.container, dict):
            out.append(str(node.key))
    return out or ["x"]


def random_value(rng: random.Random, doc: Any, depth: int = 0) -> Any:
    kind = rng.choice(["str", "str", "str", "int", "float", "bool", "list", "dict", "huge", "copy", "copy"]
                      + (["deep"] if rng.random() < 0.2 else []))
    if kind == "str":
        return rng.choice([rng.choice(HOSTILE), rng.choice(strings_of(doc)), random_text(rng)])
    if kind == "int":
        return rng.choice(BIG_INTS + [rng.randint(-1000, 1000)])
    if kind == "float":
        return rng.choice(FLOATS)
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "list" and depth < 3:
        return [random_value(rng, doc, depth + 1) for _ in range(rng.randint(0, 4))]
    if kind == "dict" and depth < 3:
        return {rng.choice(strings_of(doc))[:40]: random_value(rng, doc, depth + 1) for _ in range(rng.randint(0, 4))}
    if kind == "deep":
        return Deep(rng.choice(DEEP), rng.choice(["list", "table"]))
    if kind == "huge":
        return rng.choice(["x", "é", "${", "\\", "ab"]) * rng.choice([10_000, 100_000, 1_000_000])
    nodes_ = nodes(doc)
    return copy.deepcopy(rng.choice(nodes_).value) if nodes_ else None


def random_text(rng: random.Random) -> str:
    alphabet = [chr(rng.randint(0, 0x10FFFF)) for _ in range(8)] + list("${}\"'\\\n ;=.-_/:0aZ")
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))


def mutate_string(rng: random.Random, value: str, doc: Any) -> str:
    how = rng.randrange(8)
    if how == 0 and value:
        return value[: rng.randrange(len(value))]
    if how == 1:
        at = rng.randint(0, len(value))
        return value[:at] + rng.choice(HOSTILE) + value[at:]
    if how == 2:
        return value.upper() if rng.random() < 0.5 else value.swapcase()
    if how == 3:
        return rng.choice(strings_of(doc))
    if how == 4:
        return value * rng.choice([2, 100, 10_000])
    if how == 5 and value:
        at = rng.randrange(len(value))
        return value[:at] + random_text(rng)[:1] + value[at + 1 :]
    if how == 6:
        return value + rng.choice([" ", "\n", "\x00", ",", ";", "*"])
    return rng.choice(HOSTILE)


def structural_mutation(rng: random.Random, doc: Any) -> str:
    """Mutate ``doc`` in place; return what was done."""
    all_nodes = nodes(doc)
    if not all_nodes:
        return "empty document"
    node = pick_node(rng, all_nodes)
    container, key, value = node.container, node.key, node.value
    op = rng.choice(
        ["delete", "delete", "duplicate", "rename", "wrong-type", "wrong-type", "string", "string", "string",
         "transplant", "transplant", "swap", "huge", "empty", "clear-container"]
        + (["deep"] if rng.random() < 0.3 else [])
    )
    if op == "string" and not isinstance(value, str):
        op = "wrong-type"
    if op == "delete":
        del container[key]
    elif op == "duplicate":
        if isinstance(container, list):
            container.insert(key, copy.deepcopy(value))
        else:
            container[f"{key}{rng.choice(['', '_', ' ', '-2', 'X'])}" if rng.random() < 0.5 else str(key).upper()] = copy.deepcopy(value)
    elif op == "rename" and isinstance(container, dict):
        new_key = rng.choice([rng.choice(strings_of(doc))[:60], rng.choice(HOSTILE)[:60], str(key).upper(), str(key) + "x"])
        container[new_key] = container.pop(key)
    elif op == "string":
        container[key] = mutate_string(rng, value, doc)
    elif op == "transplant":
        container[key] = copy.deepcopy(rng.choice(all_nodes).value)
    elif op == "swap":
        other = rng.choice(all_nodes)
        try:
            container[key], other.container[other.key] = other.value, value
        except (KeyError, IndexError):
            container[key] = other.value
    elif op == "huge":
        container[key] = rng.choice(["x", "${", "é"]) * rng.choice([100_000, 1_000_000])
        if isinstance(value, list):
            container[key] = [copy.deepcopy(value[0]) if value else 1] * rng.choice([1_000, 20_000])
    elif op == "deep":
        container[key] = Deep(rng.choice(DEEP), rng.choice(["list", "table"]))
    elif op == "empty":
        container[key] = type(value)() if isinstance(value, (str, list, dict)) else None
    elif op == "clear-container":
        container.clear()
    else:
        container[key] = random_value(rng, doc)
        op = "wrong-type"
    return f"{op} at {str(key)[:40]!r}"


def text_mutation(rng: random.Random, data: bytes) -> tuple[bytes, str]:
    op = rng.choice(["truncate", "junk", "junk", "delete-line", "duplicate-line", "swap-lines", "flip-byte", "bom", "crlf", "nul"])
    if not data:
        return rng.randbytes(rng.randint(1, 64)), "random bytes"
    if op == "truncate":
        return data[: rng.randrange(len(data))], op
    if op == "junk":
        at = rng.randrange(len(data) + 1)
        junk = rng.choice([rng.randbytes(rng.randint(1, 32)), b"\xff\xfe", b"\xc3", b"\x00" * 4, "🐍".encode()[:2], b"[[[", b'"""', b"'''", b"= =", b"\\u00"])
        return data[:at] + junk + data[at:], op
    if op == "nul":
        at = rng.randrange(len(data))
        return data[:at] + b"\x00" + data[at + 1 :], op
    if op == "flip-byte":
        at = rng.randrange(len(data))
        return data[:at] + bytes([data[at] ^ (1 << rng.randrange(8))]) + data[at + 1 :], op
    if op == "bom":
        return b"\xef\xbb\xbf" + data, op
    if op == "crlf":
        return data.replace(b"\n", b"\r\n"), op
    lines = data.split(b"\n")
    i = rng.randrange(len(lines))
    if op == "delete-line":
        del lines[i]
    elif op == "duplicate-line":
        lines.insert(i, lines[i])  # duplicated keys and table headers
    else:
        j = rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines), op


# --- cases --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Seed:
    directory: Path
    lock: Path
    inputs: tuple[Path, ...]  # the lock first, then its companions


def seeds() -> list[Seed]:
    from lock2nix.formats import KNOWN_LOCKS, companions

    out = []
    for fmt in sorted(p for p in FIXTURES.iterdir() if p.is_dir() and p.name != "broken"):
        for case in sorted(p for p in fmt.iterdir() if p.is_dir()):
            locks = [case / name for name in KNOWN_LOCKS if (case / name).is_file()]
            if not locks:
                continue
            lock = locks[0]
            out.append(Seed(case, lock, (lock, *map(Path, companions(lock)))))
    return out


@dataclasses.dataclass
class Case:
    index: int
    seed: str
    target: str
    mutations: list[str]
    options: list[str]


@dataclasses.dataclass
class Result:
    case: Case
    code: int | None
    stderr: str
    failure: str | None = None
    output: Path | None = None  # an overlay to parse, on exit 0
    seconds: float = 0.0


def make_case(index: int, rng: random.Random, seed: Seed, where: Path) -> tuple[Case, Path]:
    """Copy ``seed`` into ``where`` with one of its inputs mutated; return the case and the lock."""
    shutil.copytree(seed.directory, where, dirs_exist_ok=True)
    target = seed.inputs[0] if len(seed.inputs) == 1 or rng.random() < 0.7 else rng.choice(seed.inputs[1:])
    path = where / target.relative_to(seed.directory)
    data = path.read_bytes()
    mutations: list[str] = []
    text = data.decode("utf-8", errors="replace")
    codec = codec_for(path, text)
    if codec.name != "text" and rng.random() < 0.85:
        doc = codec.loads(text)
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            mutations.append(structural_mutation(rng, doc))
        try:
            serialised = codec.dumps(doc).encode("utf-8", errors="surrogatepass")
            if len(serialised) > MAX_INPUT:
                # Huge values stacked on huge lists: gigabytes measure the disk, not lock2nix.
                raise ValueError(f"{len(serialised)} bytes")
            data = serialised
            mutations.insert(0, f"{codec.name} re-serialised")
        except (RecursionError, ValueError, TypeError) as exc:  # the serialiser's limits, not lock2nix's
            mutations = [f"{codec.name} not re-serialised ({type(exc).__name__})"]
    if len(mutations) < 2 or rng.random() < 0.3:
        data, op = text_mutation(rng, data)
        mutations.append(f"bytes: {op}")
    path.write_bytes(data)
    options = rng.choice([[], [], ["--no-detect"], ["--prefer", "sdist"], ["--emit", "model"]])
    case = Case(index, f"{seed.directory.parent.name}/{seed.directory.name}", target.name, mutations, options)
    return case, where / seed.lock.name


class CaseTimeout(BaseException):
    """Raised by the alarm: not an Exception, so lock2nix's handlers cannot swallow it."""


def _alarm(signum, frame):  # noqa: ARG001
    raise CaseTimeout()


def run_case(case: Case, lock: Path, cache: Path) -> Result:
    from lock2nix import cli

    argv = ["--offline", "--cache-dir", str(cache), *case.options, str(lock)]
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(CASE_TIMEOUT)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = cli.main(argv)
    except CaseTimeout:
        return Result(case, None, err.getvalue(), f"no answer within {CASE_TIMEOUT} s")
    except BaseException:  # noqa: BLE001 - anything escaping main is the failure sought
        import traceback

        return Result(case, None, err.getvalue(), "exception escaped main:\n" + traceback.format_exc(limit=-8))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    result = Result(case, code, err.getvalue(), seconds=time.perf_counter() - started)
    result.failure = check(result, lock, out.getvalue())
    if result.failure is None and code == 0 and "--emit" not in case.options:
        overlay = lock.parent / "fuzz-overlay.nix"
        overlay.write_text(out.getvalue(), encoding="utf-8")
        result.output = overlay
    return result


def check(result: Result, lock: Path, stdout: str) -> str | None:
    lines = [line for line in result.stderr.splitlines() if not line.startswith("lock2nix: warning: ")]
    if result.code not in (0, 2):
        return f"exit code {result.code}"
    if result.code == 0:
        if lines:
            return f"exit 0 with unexpected stderr: {lines[:3]}"
        if not stdout.strip():
            return "exit 0 with no output"
        if "--emit" in result.case.options:
            try:
                json.loads(stdout)
            except ValueError as exc:
                return f"model is not JSON: {exc}"
        return None
    if len(lines) != 1:
        return f"exit 2 with {len(lines)} non-warning stderr lines"
    line = lines[0]
    if not line.startswith("lock2nix: error: "):
        return "exit 2 without a 'lock2nix: error:' line"
    if "could not translate" in line:
        return "internal error (last-resort handler)"
    names = {str(lock), str(lock.parent)} | {str(p) for p in lock.parent.iterdir()}
    if not any(name in line for name in names):
        return "error line names no input file"
    return None


def parse_overlays(results: list[Result]) -> None:
    """``nix-instantiate --parse`` every distinct overlay, many per call; mark failures."""
    distinct: dict[str, list[Result]] = {}
    for r in results:
        if r.output is not None:
            digest = hashlib.sha256(r.output.read_bytes()).hexdigest()
            distinct.setdefault(digest, []).append(r)
    pending = [(rs[0].output, rs) for rs in distinct.values()]
    while pending:
        batch, pending = pending[:100], pending[100:]
        proc = subprocess.run(
            ["nix-instantiate", "--parse", *(str(p) for p, _ in batch)],
            capture_output=True, text=True,
        )
        if proc.returncode == 0:
            continue
        # Find the first file Nix rejected; mark it and parse the rest again.
        bad = next((i for i, (p, _) in enumerate(batch) if str(p) in proc.stderr), None)
        if bad is None:
            raise RuntimeError(f"nix-instantiate --parse failed: {proc.stderr[-2000:]}")
        for r in batch[bad][1]:
            r.failure = "overlay does not parse: " + " ".join(proc.stderr.split())[:300]
        pending = batch[bad + 1 :] + pending


GENERIC_CACHES = ("index-cache", "git-cache", "sdist-cache")
# Formats recorded together: the pylock.toml fixtures' answers are in uv-cache.
SHARED_CACHES = {"pylock": "uv"}


def recorded_caches(where: Path) -> dict[str, Path]:
    """A cache directory per fixture format: ``tests/data/<format>-cache`` (with the git
    hashes) where the format records its own answers, else the generic recorded caches."""
    out = {}
    for fmt in sorted(p.name for p in FIXTURES.iterdir() if p.is_dir()):
        own = RECORDED / f"{SHARED_CACHES.get(fmt, fmt)}-cache"
        names = (own.name, "git-cache") if own.is_dir() else GENERIC_CACHES
        cache = where / f"cache-{fmt}"
        for name in names:
            if (RECORDED / name).is_dir():
                shutil.copytree(RECORDED / name, cache, dirs_exist_ok=True)
        out[fmt] = cache
    return out


@dataclasses.dataclass
class Summary:
    cases: int
    exit_codes: Counter
    failures: list[Result]
    seconds: float
    distinct_failures: Counter

    def text(self) -> str:
        lines = [
            f"cases: {self.cases}",
            "exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.exit_codes.items(), key=lambda kv: str(kv[0]))),
            f"failures: {len(self.failures)} ({len(self.distinct_failures)} distinct)",
            f"time: {self.seconds:.1f} s ({self.seconds / max(self.cases, 1) * 1000:.0f} ms per case)",
        ]
        for kind, count in self.distinct_failures.most_common():
            lines.append(f"  {count:5d} x {kind}")
        for r in self.failures[:20]:
            lines.append(f"  case {r.case.index} ({r.case.seed}, {r.case.target}, {r.case.mutations}, {r.case.options}): "
                         f"{r.failure.splitlines()[0] if r.failure else ''} | {' '.join(r.stderr.split())[:300]}")
        return "\n".join(lines)


def failure_kind(r: Result) -> str:
    first = (r.failure or "").splitlines()[0]
    detail = " ".join(r.stderr.split())
    if "could not translate" in detail:
        m = re.search(r"could not translate \((\w+)", detail)
        first += f" [{m.group(1) if m else '?'}]"
    if "escaped" in first:
        first += " [" + (r.failure or "").strip().splitlines()[-1][:120] + "]"
    return first


def _worker(args: tuple[int, int, int, str, str | None]) -> list[Result]:
    start, stop, seed, workdir, save = args
    base = Path(workdir)
    all_seeds = seeds()
    results = []
    for index in range(start, stop):
        rng = random.Random(f"{seed}:{index}")
        case_dir = base / f"case-{index}"
        seed_ = rng.choice(all_seeds)
        case, lock = make_case(index, rng, seed_, case_dir)
        result = run_case(case, lock, base / f"cache-{seed_.directory.parent.name}")
        results.append(result)
    parse_overlays(results)
    for r in results:
        case_dir = base / f"case-{r.case.index}"
        if r.failure and save:
            shutil.copytree(case_dir, Path(save) / f"case-{r.case.index}", dirs_exist_ok=True)
        shutil.rmtree(case_dir, ignore_errors=True)
        r.output = None
    return results


def run(cases: int, *, seed: int = 0, jobs: int = 1, save: Path | None = None, progress: Callable[[int], None] | None = None) -> Summary:
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="lock2nix-fuzz-") as tmp:
        workdir = Path(tmp)
        recorded_caches(workdir)
        chunk = 50
        tasks = [(i, min(i + chunk, cases), seed, str(workdir), str(save) if save else None) for i in range(0, cases, chunk)]
        results: list[Result] = []
        if jobs > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for batch in pool.imap_unordered(_worker, tasks):
                    results.extend(batch)
                    if progress:
                        progress(len(results))
        else:
            for task in tasks:
                results.extend(_worker(task))
                if progress:
                    progress(len(results))
    results.sort(key=lambda r: r.case.index)
    failures = [r for r in results if r.failure]
    return Summary(
        cases=len(results),
        exit_codes=Counter("none" if r.code is None else r.code for r in results),
        failures=failures,
        seconds=time.perf_counter() - started,
        distinct_failures=Counter(failure_kind(r) for r in failures),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--save", type=Path, help="copy the inputs of failing cases here")
    parser.add_argument("--json", type=Path, help="write the summary as JSON here")
    args = parser.parse_args(argv)
    if shutil.which("nix-instantiate") is None:
        parser.error("nix-instantiate is needed to parse the overlays")

    def progress(done: int) -> None:
        print(f"\r{done}/{args.cases} cases", end="", file=sys.stderr, flush=True)

    summary = run(args.cases, seed=args.seed, jobs=args.jobs, save=args.save, progress=progress)
    print(file=sys.stderr)
    print(summary.text())
    if args.json:
        args.json.write_text(json.dumps({
            "cases": summary.cases,
            "exit_codes": {str(k): v for k, v in summary.exit_codes.items()},
            "failures": [{"case": dataclasses.asdict(r.case), "failure": r.failure, "stderr": r.stderr[-2000:]} for r in summary.failures],
            "seconds": summary.seconds,
        }, indent=2))
    return 1 if summary.failures else 0


if __name__ == "__main__":
    sys.exit(main())

"""A small Nix emitter: the one place that quotes, escapes and lays out Nix.

Everything the generator writes goes through here.  Strings from lock files
(names, versions, URLs, markers, paths, git refs) only ever reach the output as
:func:`string` literals or :func:`attr_name` keys, so a lock file cannot inject
Nix code.  :class:`Expr` marks text that *is* code; only this module and the
generator's fixed templates create it, never from input data directly.

Layout follows nixfmt: a value that fits on one line stays there, otherwise
lists and attribute sets open one element per line, indented by two spaces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .errors import Lock2NixError

LINE_WIDTH = 100
INDENT = "  "

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_'-]*\Z")
# Words that cannot be bare attribute names (Nix keywords and builtin-ish values).
_KEYWORDS = frozenset(
    {"if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or", "true", "false", "null"}
)
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9._+-]+\Z")


class UnsafeNixString(Lock2NixError):
    """A string that cannot be represented safely in the output."""


@dataclass(frozen=True)
class Expr:
    """Trusted Nix code."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass(frozen=True)
class Call:
    """Function application ``fn arg1 arg2 ...``; the last argument may span lines."""

    fn: Expr
    args: tuple[object, ...]

    def __init__(self, fn: Expr, *args: object) -> None:
        object.__setattr__(self, "fn", fn)
        object.__setattr__(self, "args", args)


@dataclass(frozen=True)
class IfElse:
    """``if cond then a else b``, laid out as nixfmt does when it is long."""

    cond: Expr
    then: object
    otherwise: object


@dataclass(frozen=True)
class Commented:
    """A value preceded by ``# comment`` lines (inside lists and attrsets)."""

    value: object
    comment: str


@dataclass(frozen=True)
class Concat:
    """``a ++ b ++ ...`` of lists laid out one operand per line when long."""

    parts: tuple[object, ...]


def string(value: str) -> Expr:
    """A double-quoted Nix string literal evaluating to exactly ``value``."""
    check_text(value)
    out = []
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "$" and value.startswith("${", i):
            # "\${" keeps the dollar literal; a lone "$" needs no escape.
            out.append("\\$")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
        i += 1
    return Expr('"' + "".join(out) + '"')


def check_text(value: str) -> None:
    """Refuse characters Nix strings cannot hold or that hide what is written."""
    for ch in value:
        code = ord(ch)
        if code == 0:
            raise UnsafeNixString("a NUL character cannot appear in a Nix string")
        if (code < 0x20 and ch not in "\n\r\t") or 0x7F <= code < 0xA0:
            raise UnsafeNixString(f"control character U+{code:04X} is not allowed in lock data")
        if 0xD800 <= code <= 0xDFFF:
            raise UnsafeNixString(f"unpaired surrogate U+{code:04X} is not allowed in lock data")


def attr_name(name: str) -> str:
    """An attribute name, quoted unless it is a plain identifier."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return string(name).code


def attr_path(*names: str) -> str:
    return ".".join(attr_name(n) for n in names)


def select(base: str, *names: str) -> Expr:
    """``base.a.b`` with each attribute name quoted as needed."""
    return Expr(".".join([base, *(attr_name(n) for n in names)]))


def path(relative: str) -> Expr:
    """A Nix path relative to the directory of the generated file.

    ``relative`` uses ``/``; segments that a path literal cannot hold are
    appended as strings (``./. + "/my dir"``), which Nix allows.
    """
    check_text(relative)
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts:
        return Expr("./.")
    literal: list[str] = []
    rest: list[str] = []
    for part in parts:
        if not rest and _PATH_SEGMENT.match(part):
            literal.append(part)
        else:
            rest.append(part)
    base = "./" + "/".join(literal) if literal else "./."
    if not rest:
        return Expr(base)
    return Expr(f"({base} + {string('/' + '/'.join(rest)).code})")


def comment_lines(text: str, indent: str) -> list[str]:
    check_text(text)
    return [f"{indent}# {line}".rstrip() for line in text.splitlines() or [""]]


def render(value: object, indent: str = "") -> str:
    """Lay out ``value`` (starting at column ``len(indent)``) as Nix."""
    flat = _flat(value)
    if flat is not None and len(indent) + len(flat) <= LINE_WIDTH and "\n" not in flat:
        return flat
    return _block(value, indent)


def _flat(value: object) -> str | None:
    if isinstance(value, Expr):
        return None if "\n" in value.code else value.code
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return string(value).code
    if isinstance(value, Commented):
        return None
    if isinstance(value, Call):
        args = [_flat(a) for a in value.args]
        if any(a is None for a in args):
            return None
        return " ".join([value.fn.code, *(_argument(a, f) for a, f in zip(value.args, args) if f is not None)])
    if isinstance(value, IfElse):
        then, otherwise = _flat(value.then), _flat(value.otherwise)
        if then is None or otherwise is None:
            return None
        return f"if {value.cond.code} then {then} else {otherwise}"
    if isinstance(value, Concat):
        parts = [_flat(p) for p in value.parts]
        if any(p is None for p in parts):
            return None
        return " ++ ".join(p for p in parts if p is not None)
    if isinstance(value, Sequence):
        items = []
        for item in value:
            f = _flat(item)
            if f is None:
                return None
            items.append(_element(item, f))
        return "[ ]" if not items else "[ " + " ".join(items) + " ]"
    if isinstance(value, Mapping):
        if not value:
            return "{ }"
        items = []
        for k, v in value.items():
            f = _flat(v)
            if f is None:
                return None
            items.append(f"{attr_name(k)} = {f};")
        return "{ " + " ".join(items) + " }"
    raise TypeError(f"cannot render {type(value).__name__} as Nix")


def _block(value: object, indent: str) -> str:
    inner = indent + INDENT
    if isinstance(value, Expr):
        return value.code
    if isinstance(value, Call):
        *head, last = value.args
        words = [value.fn.code]
        for arg in head:
            flat = _flat(arg)
            if flat is None:
                raise ValueError("only the last argument of a call may span lines")
            words.append(_argument(arg, flat))
        text = render(last, indent)
        if _needs_parens(last, text):
            text = f"(\n{inner}{render(last, inner)}\n{indent})"
        return " ".join([*words, text])
    if isinstance(value, IfElse):
        return (
            f"\n{inner}if {value.cond.code} then\n{inner}{INDENT}{render(value.then, inner + INDENT)}"
            f"\n{inner}else\n{inner}{INDENT}{render(value.otherwise, inner + INDENT)}"
        )
    if isinstance(value, Concat):
        parts = [render(p, indent) for p in value.parts]
        return f"\n{indent}++ ".join(parts)
    if isinstance(value, Commented):
        lines = comment_lines(value.comment, indent)
        return "\n".join(lines)[len(indent):] + "\n" + indent + render(value.value, indent)
    if isinstance(value, Mapping):
        lines = ["{"]
        for k, v in value.items():
            lines.append(_entry(attr_name(k), v, inner))
        lines.append(indent + "}")
        return "\n".join(lines)
    if isinstance(value, Sequence) and not isinstance(value, str):
        lines = ["["]
        for item in value:
            if isinstance(item, Commented):
                lines.extend(comment_lines(item.comment, inner))
                item = item.value
            lines.append(inner + _element(item, render(item, inner)))
        lines.append(indent + "]")
        return "\n".join(lines)
    flat = _flat(value)
    assert flat is not None
    return flat


def _entry(key: str, value: object, indent: str) -> str:
    prefix = ""
    if isinstance(value, Commented):
        prefix = "\n".join(comment_lines(value.comment, indent)) + "\n"
        value = value.value
    head = f"{indent}{key} = "
    flat = _flat(value)
    if flat is not None and len(head) + len(flat) + 1 <= LINE_WIDTH:
        return f"{prefix}{head}{flat};"
    text = render(value, indent)
    if text.startswith("\n"):
        head = head.rstrip()
    return f"{prefix}{head}{text};"


_ATOM = re.compile(r'[A-Za-z_][A-Za-z0-9_\'.-]*\Z|-?[0-9]+\Z|\./\S*\Z|"([^"\\]|\\.)*"\Z')


def _is_atom(code: str) -> bool:
    if _ATOM.match(code) or code in ("[ ]", "{ }"):
        return True
    return code[:1] in "([{" and _closes_at_end(code)


def _closes_at_end(code: str) -> bool:
    """Whether the bracket opening ``code`` closes at its last character."""
    depth = 0
    in_string = escaped = False
    for i, ch in enumerate(code):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i == len(code) - 1
    return False


def _needs_parens(value: object, text: str) -> bool:
    if isinstance(value, (Call, Concat, IfElse)):
        return True
    return isinstance(value, Expr) and not _is_atom(text)


def _argument(value: object, text: str) -> str:
    return f"({text})" if _needs_parens(value, text) else text


def _element(value: object, text: str) -> str:
    """List elements are separated by whitespace, so applications need parentheses."""
    return f"({text})" if _needs_parens(value, text) else text


def entry(name: str, value: object, indent: str) -> str:
    """``name = value;`` at ``indent``, with ``name`` quoted as needed."""
    return _entry(attr_name(name), value, indent)


def binding(name: str, value: object, indent: str) -> str:
    """A ``let`` binding; ``name`` must be an identifier the caller made."""
    if not _IDENT.match(name) or name in _KEYWORDS:
        raise ValueError(f"not a Nix identifier: {name!r}")
    return _entry(name, value, indent)


def join_lines(lines: Iterable[str]) -> str:
    return "\n".join(lines) + "\n"

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
import textwrap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import Lock2NixError

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
    """Trusted Nix code, with the names it refers to that the enclosing scope
    must bind (helpers such as ``versionOlder``), so a generator can bind
    exactly those without reading its own output."""

    code: str
    uses: frozenset[str] = frozenset()

    def __str__(self) -> str:
        return self.code

    def __getstate__(self) -> dict[str, Any]:
        # The names pickle in order: equal values give equal pickles (a snapshot keeps
        # compiled conditions; a frozenset's order varies by process).
        return {**self.__dict__, "uses": sorted(self.uses)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, uses=frozenset(state["uses"]))


def name(identifier: str) -> Expr:
    """A reference to a bound helper or argument (``optionals``, ``pyFinal``)."""
    return Expr(identifier, frozenset({identifier}))


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


def commented(value: object, comment: str) -> Commented:
    """``value`` with ``comment`` added below any comment it already has."""
    if isinstance(value, Commented):
        return Commented(value.value, f"{value.comment}\n{comment}")
    return Commented(value, comment)


@dataclass(frozen=True)
class Lines:
    """Pre-laid-out code spanning several lines; every line after the first is
    indented by the column the value starts at.  For large, regular data
    (artifact lists) where the general layout would cost more than it decides."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Concat:
    """``a ++ b ++ ...`` of lists laid out one operand per line when long."""

    parts: tuple[object, ...]


@dataclass(frozen=True)
class Chain(Expr):
    """Code that is a chain of one operator (``a && b && c``), which layout may
    break one operand per line; ``level`` is its precedence for parenthesising
    (0: application or parenthesised, 1: comparison, 2: &&, 3: ||)."""

    level: int = 0
    operator: str = ""
    operands: tuple[Expr, ...] = ()


@dataclass(frozen=True)
class Entry:
    """A ``name = value;`` binding already laid out (lines at their final
    indentation), with the names it uses: a set or let writes it as it is."""

    text: str
    uses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Formals:
    """A function's attribute-set pattern ``{ a, b, ... }``."""

    names: tuple[str, ...]
    ellipsis: bool = True


@dataclass(frozen=True)
class Lambda:
    """``param: body``; ``param`` is an identifier or :class:`Formals`."""

    param: str | Formals
    body: object


@dataclass(frozen=True)
class Inherit:
    """``inherit (source) a b;`` (``source`` None: ``inherit a b;``)."""

    source: Expr | None
    names: tuple[str, ...]


@dataclass(frozen=True)
class Let:
    """``let <inherits and bindings> in body``; binding names are identifiers
    the generator made (or quoted attribute names, which Nix accepts)."""

    bindings: tuple[Inherit | tuple[str, object], ...]
    body: object


def names_used(value: object) -> frozenset[str]:
    """Every name :func:`name`/:func:`select` expressions inside ``value`` use."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (Expr, Entry)):
            found |= item.uses
        elif isinstance(item, Call):
            stack.append(item.fn)
            stack.extend(item.args)
        elif isinstance(item, IfElse):
            stack.extend((item.cond, item.then, item.otherwise))
        elif isinstance(item, Commented):
            stack.append(item.value)
        elif isinstance(item, Concat):
            stack.extend(item.parts)
        elif isinstance(item, Lambda):
            stack.append(item.body)
        elif isinstance(item, Let):
            stack.append(item.body)
            stack.extend(b[1] for b in item.bindings if isinstance(b, tuple))
        elif isinstance(item, Mapping):
            stack.extend(item.values())
            found |= {n for k in item if isinstance(k, Inherit) for n in (k.source.uses if k.source else k.names)}
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return frozenset(found)


#: Compiled on first use (the surrogates' range makes it a millisecond): most
#: text is printable ASCII, which holds none of these.
_FORBIDDEN = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]"
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_NEEDS_ESCAPE = re.compile(r'[\\"\n\r\t]|\$\{')


def string(value: str) -> Expr:
    """A double-quoted Nix string literal evaluating to exactly ``value``."""
    check_text(value)
    # "${" would interpolate: "\${" keeps the dollar literal; a lone "$" needs no escape.
    escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m.group(), "\\${"), value)
    return Expr(f'"{escaped}"')


def check_text(value: str) -> None:
    """Refuse characters Nix strings cannot hold or that hide what is written."""
    if value.isascii() and value.isprintable():
        return
    bad = re.search(_FORBIDDEN, value)
    if bad is None:
        return
    code = ord(bad.group())
    # Quote the text around it (escaped, on one line) so the user can find it.
    start = max(0, bad.start() - 30)
    excerpt = ascii(value[start : bad.end() + 30])
    if code == 0:
        raise UnsafeNixString(f"a NUL character cannot appear in a Nix string (in {excerpt})")
    if 0xD800 <= code <= 0xDFFF:
        raise UnsafeNixString(f"unpaired surrogate U+{code:04X} is not allowed in lock data (in {excerpt})")
    raise UnsafeNixString(f"control character U+{code:04X} is not allowed in lock data (in {excerpt})")


def attr_name(name: str) -> str:
    """An attribute name, quoted unless it is a plain identifier."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return string(name).code


def attr_path(*names: str) -> str:
    return ".".join(attr_name(n) for n in names)


def select(base: str, *names: str) -> Expr:
    """``base.a.b`` with each attribute name quoted as needed; ``base`` is a
    bound name (``pyFinal``, ``final``), recorded as used."""
    return Expr(".".join([base, *(attr_name(n) for n in names)]), frozenset({base}))


def path(relative: str) -> Expr:
    """A Nix path relative to the directory of the generated file.

    ``relative`` uses ``/``; segments that a path literal cannot hold are
    appended as strings (``./. + "/my dir"``), which Nix allows.
    """
    check_text(relative)
    # An absolute path stays absolute (a path dependency outside the project).
    root = "/" if relative.startswith("/") else "./"
    parts = [p for p in relative.split("/") if p not in ("", ".")]
    if not parts:
        return Expr(root + ".")
    literal: list[str] = []
    rest: list[str] = []
    for part in parts:
        if not rest and _PATH_SEGMENT.match(part):
            literal.append(part)
        else:
            rest.append(part)
    base = root + "/".join(literal) if literal else root + "."
    if not rest:
        return Expr(base)
    return Expr(f"({base} + {string('/' + '/'.join(rest)).code})")


def comment_lines(text: str, indent: str, *, wrap: bool = True) -> list[str]:
    """``# text`` lines; long lines are wrapped at words (a URL or path stays whole)
    unless ``wrap`` is false (the header's regenerate command)."""
    check_text(text)
    width = LINE_WIDTH - len(indent) - 2
    out: list[str] = []
    for line in text.splitlines() or [""]:
        if not wrap or len(line) <= width:
            out.append(f"{indent}# {line}".rstrip())
            continue
        lead = line[: len(line) - len(line.lstrip())]
        pieces = textwrap.wrap(
            line, width, subsequent_indent=lead + "  ", break_long_words=False, break_on_hyphens=False
        )
        out.extend(f"{indent}# {piece}".rstrip() for piece in pieces)
    return out


def render(value: object, indent: str = "", budget: int | None = None) -> str:
    """Lay out ``value`` as Nix, starting where ``budget`` columns are left on the
    current line (by default: at column ``len(indent)``); continuation lines are
    indented from ``indent``."""
    if budget is None:
        budget = LINE_WIDTH - len(indent)
    flat = _flat(value, budget)
    if flat is not None:
        return flat
    return _block(value, indent, budget)


def _flat(value: object, budget: int = LINE_WIDTH) -> str | None:
    """``value`` on one line, or None if it cannot be or would exceed ``budget``.

    The budget keeps layout linear: a subtree too long for one line is never
    rendered flat in full just to find that out.
    """
    text = _flat_unbounded(value, budget)
    return None if text is None or len(text) > budget else text


def _flat_unbounded(value: object, budget: int) -> str | None:
    if budget < 0:
        return None
    if isinstance(value, (Commented, Let)):
        return None
    for kind, flat in _FLAT:
        if isinstance(value, kind):
            return flat(value, budget)
    scalar = _flat_scalar(value, budget)
    if scalar is not None or value is None or isinstance(value, (bool, int, str)):
        return scalar
    raise TypeError(f"cannot render {type(value).__name__} as Nix")


def _flat_scalar(value: object, budget: int) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, int):
        # Nix has no negative literals: -1 is negation, which a list element needs parenthesised.
        return str(value) if value >= 0 else f"({value})"
    if isinstance(value, str):
        return None if len(value) + 2 > budget else string(value).code
    return None


def _flat_lines(value: Lines, budget: int) -> str | None:
    return value.lines[0] if len(value.lines) == 1 else None


def _flat_expr(value: Expr, budget: int) -> str | None:
    return None if "\n" in value.code else value.code


def _flat_lambda(value: Lambda, budget: int) -> str | None:
    param = _formals_flat(value.param)
    body = _flat(value.body, budget - len(param) - 2)
    return None if body is None else f"{param}: {body}"


def _flat_call(value: Call, budget: int) -> str | None:
    words = [value.fn.code]
    for arg in value.args:
        f = _flat(arg, budget - sum(len(w) + 1 for w in words))
        if f is None:
            return None
        words.append(_argument(arg, f))
    return " ".join(words)


def _flat_if(value: IfElse, budget: int) -> str | None:
    then = _flat(value.then, budget)
    otherwise = _flat(value.otherwise, budget)
    if then is None or otherwise is None:
        return None
    return f"if {value.cond.code} then {then} else {otherwise}"


def _flat_concat(value: Concat, budget: int) -> str | None:
    parts: list[str] = []
    for p in value.parts:
        f = _flat(p, budget - sum(len(x) + 4 for x in parts))
        if f is None:
            return None
        parts.append(f)
    return " ++ ".join(parts)


def _flat_list(value: Sequence[object], budget: int) -> str | None:
    items: list[str] = []
    used = 4
    for item in value:
        f = _flat(item, budget - used)
        if f is None:
            return None
        items.append(_element(item, f))
        used += len(items[-1]) + 1
    return "[ ]" if not items else "[ " + " ".join(items) + " ]"


def _flat_set(value: Mapping[object, object], budget: int) -> str | None:
    if not value:
        return "{ }"
    entries: list[str] = []
    used = 4
    for k, v in value.items():
        if isinstance(v, Entry):
            return None
        if isinstance(k, Inherit):
            entries.append(_inherit(k, ""))
        else:
            key = attr_name(str(k))
            f = _flat(v, budget - used - len(key) - 4)
            if f is None:
                return None
            entries.append(f"{key} = {f};")
        used += len(entries[-1]) + 1
    return "{ " + " ".join(entries) + " }"


# Flat layouts by type, most specific first (bool and str before Sequence).
_FLAT: tuple[tuple[type, Callable[[Any, int], str | None]], ...] = (
    (Lines, _flat_lines),
    (Expr, _flat_expr),
    (Lambda, _flat_lambda),
    (Call, _flat_call),
    (IfElse, _flat_if),
    (Concat, _flat_concat),
    (list, _flat_list),
    (tuple, _flat_list),
    (Mapping, _flat_set),
)


def _formals_flat(param: str | Formals) -> str:
    if isinstance(param, str):
        return param
    names = [*param.names, "..."] if param.ellipsis else list(param.names)
    return "{ " + ", ".join(names) + " }"


def _lambda_block(value: Lambda, indent: str, budget: int) -> str:
    inner = indent + INDENT
    if isinstance(value.param, str):
        head = value.param + ":"
    else:
        flat = _formals_flat(value.param)
        if len(flat) + 1 <= budget:
            head = flat + ":"
        else:
            names = [*value.param.names, "..."] if value.param.ellipsis else list(value.param.names)
            head = "{\n" + "".join(f"{inner}{n},\n" for n in names) + indent + "}:"
    body = value.body
    chained = isinstance(body, Lambda) and isinstance(body.param, str)
    if isinstance(value.param, str) and (chained or _bracketed(body)):
        # nixfmt: `final: prev:` and `ps: {` stay on one line.
        return f"{head} {render(body, indent, budget - len(head) - 1)}"
    return f"{head}\n{indent}{render(body, indent)}"


def _bracketed(value: object) -> bool:
    return isinstance(value, (Mapping, list, tuple)) and not isinstance(value, str)


def _inherit(item: Inherit, indent: str) -> str:
    source = f" ({item.source.code})" if item.source is not None else ""
    flat = f"{indent}inherit{source} {' '.join(attr_name(n) for n in item.names)};"
    if len(flat) <= LINE_WIDTH:
        return flat
    inner = indent + INDENT
    return "\n".join([f"{indent}inherit{source}", *(f"{inner}{attr_name(n)}" for n in item.names), f"{inner};"])


def _let_block(value: Let, indent: str) -> str:
    inner = indent + INDENT
    lines = ["let"]
    for item in value.bindings:
        if isinstance(item, Inherit):
            lines.append(_inherit(item, inner))
        elif isinstance(item[1], Entry):
            lines.append(item[1].text)
        else:
            lines.append(_entry(attr_name(item[0]), item[1], inner))
    lines.append(f"{indent}in")
    lines.append(indent + render(value.body, indent))
    return "\n".join(lines)


def _last_line(text: str) -> int:
    return len(text.rsplit("\n", 1)[-1])


def _chain_block(value: Chain, indent: str) -> str:
    """``a && b && c`` one operand per line, the operator first (nixfmt)."""
    lines = [_wrapped_operand(value.operands[0], indent)]
    lines += [f"{value.operator} {_wrapped_operand(operand, indent)}" for operand in value.operands[1:]]
    return f"\n{indent}".join(lines)


def _wrapped_operand(operand: Expr, indent: str) -> str:
    """An operand of a broken chain; a chain inside it keeps its parentheses
    (on lines of their own when it is long too)."""
    if not (isinstance(operand, Chain) and operand.level > 1):
        return operand.code
    if len(operand.code) + 2 <= LINE_WIDTH - len(indent):
        return f"({operand.code})"
    return f"(\n{indent}{INDENT}{_chain_block(operand, indent + INDENT)}\n{indent})"


def _room(text: str, budget: int) -> int:
    """Columns left after ``text``: ``budget`` counted from its start while it is
    one line; after a line break, the width left on its last line."""
    return LINE_WIDTH - _last_line(text) if "\n" in text else budget - len(text)


def _call_block(value: Call, indent: str, budget: int) -> str:
    inner = indent + INDENT
    *head, last = value.args
    text = value.fn.code
    for arg in head:
        left = _room(text, budget) - 1
        flat = _flat(arg, left)
        if flat is not None:
            text += " " + _argument(arg, flat)
        elif _needs_parens(arg, ""):
            # nixfmt: a long leading argument opens its parenthesis on the call's line.
            text += f" (\n{inner}{render(arg, inner)}\n{indent})"
        else:
            text += " " + render(arg, indent, left)
    left = _room(text, budget) - 1
    body = render(last, indent, left - 2 if _needs_parens(last, "") else left)
    if _needs_parens(last, body):
        body = f"(\n{inner}{render(last, inner)}\n{indent})"
    return f"{text} {body}"


def _block(value: object, indent: str, budget: int | None = None) -> str:
    if budget is None:
        budget = LINE_WIDTH - len(indent)
    if isinstance(value, Chain) and value.operands:
        return _chain_block(value, indent)
    if isinstance(value, Expr):
        return value.code
    if isinstance(value, Lambda):
        return _lambda_block(value, indent, budget)
    if isinstance(value, Let):
        return _let_block(value, indent)
    if isinstance(value, Lines):
        return ("\n" + indent).join(value.lines)
    if isinstance(value, Call):
        return _call_block(value, indent, budget)
    if isinstance(value, IfElse):
        return _if_block(value, indent)
    if isinstance(value, Concat):
        parts = [render(value.parts[0], indent, budget)]
        parts += [render(p, indent, LINE_WIDTH - len(indent) - 3) for p in value.parts[1:]]
        return f"\n{indent}++ ".join(parts)
    if isinstance(value, Commented):
        lines = comment_lines(value.comment, indent)
        return "\n".join(lines)[len(indent):] + "\n" + indent + render(value.value, indent)
    if isinstance(value, Mapping):
        return _set_block(value, indent)
    if isinstance(value, (list, tuple)):
        return _list_block(value, indent)
    # Scalars have no multi-line form: write them whole, however long.
    flat = _flat_unbounded(value, 1 << 30)
    assert flat is not None
    return flat


def _if_block(value: IfElse, indent: str) -> str:
    """nixfmt: "if c then", the branch indented, "else if c2 then" chained flat;
    a condition too long for its line gets lines of its own."""
    inner = indent + INDENT
    text = ""
    keyword = "if"
    branch: object = value
    while isinstance(branch, IfElse):
        room = LINE_WIDTH - len(inner) - len(keyword) - len(" then") - 1
        cond = branch.cond
        if len(cond.code) <= room or not (isinstance(cond, Chain) and cond.operands):  # a long leaf stays whole
            text += f"\n{inner}{keyword} {cond.code} then"
        else:
            text += f"\n{inner}{keyword}\n{inner}{INDENT}{_chain_block(cond, inner + INDENT)}\n{inner}then"
        text += f"\n{inner}{INDENT}{render(branch.then, inner + INDENT)}"
        keyword = "else if"
        branch = branch.otherwise
    return text + f"\n{inner}else\n{inner}{INDENT}{render(branch, inner + INDENT)}"


def _set_block(value: Mapping[object, object], indent: str) -> str:
    inner = indent + INDENT
    lines = ["{"]
    for k, v in value.items():
        # An Inherit key stands for `inherit ...;` (its value is ignored).
        if isinstance(v, Entry):
            lines.append(v.text)
        else:
            lines.append(_inherit(k, inner) if isinstance(k, Inherit) else _entry(attr_name(str(k)), v, inner))
    lines.append(indent + "}")
    return "\n".join(lines)


def _list_block(value: Sequence[object], indent: str) -> str:
    inner = indent + INDENT
    lines = ["["]
    for item in value:
        if isinstance(item, Commented):
            lines.extend(comment_lines(item.comment, inner))
            item = item.value
        lines.append(inner + _element(item, render(item, inner)))
    lines.append(indent + "]")
    return "\n".join(lines)


def _entry(key: str, value: object, indent: str) -> str:
    prefix = ""
    if isinstance(value, Commented):
        prefix = "\n".join(comment_lines(value.comment, indent)) + "\n"
        value = value.value
    head = f"{indent}{key} = "
    budget = LINE_WIDTH - len(head) - 1
    flat = _flat(value, budget)
    if flat is not None:
        return f"{prefix}{head}{flat};"
    inner = indent + INDENT
    if (
        isinstance(value, (Let, Chain))
        or (isinstance(value, Lambda) and not (isinstance(value.param, str) and _bracketed(value.body)))
    ):
        # nixfmt: a value that opens with `let`, a formals pattern or a long
        # condition starts on its own line.
        return f"{prefix}{head.rstrip()}\n{inner}{render(value, inner)};"
    text = _block(value, indent, budget)
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
    if isinstance(value, (Call, Concat, IfElse, Lambda, Let)):
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

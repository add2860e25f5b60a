"""Frozen dataclasses (the lock model) to JSON data and back, exactly.

``Lock.to_json`` is the model's public form (it leaves empty fields out and
adds wheel tags); this one keeps every field, so that decoding gives an equal
object. Types come from the dataclasses' annotations: tuples, mappings with
string keys, frozensets, optionals, literals, and unions of dataclasses told
apart by their ``kind``. Each type's converter is built once: a snapshot of a
large lock holds tens of thousands of values.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, get_args, get_origin, get_type_hints

__all__ = ["decode", "encode"]

_T = TypeVar("_T")
Convert = Callable[[Any], Any]


def encode(value: Any) -> Any:
    """``value`` as JSON data (a dataclass as an object of its fields, ``kind``
    included to tell the members of a union apart)."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    names = _field_names(typing.cast(Any, type(value))) if dataclasses.is_dataclass(value) else None
    if names is not None:
        return {name: encode(getattr(value, name)) for name in names}
    if isinstance(value, Mapping):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, frozenset):
        return sorted(encode(v) for v in value)
    return [encode(v) for v in value]


def decode(cls: type[_T], data: Any) -> _T:
    """The instance of dataclass ``cls`` that :func:`encode` gave ``data`` for."""
    result: _T = _converter(typing.cast(Any, cls))(data)
    return result


@functools.cache
def _field_names(cls: Any) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _identity(value: Any) -> Any:
    return value


@functools.cache
def _converter(tp: Any) -> Convert:
    """A function from JSON data to a value of ``tp``."""
    origin, args = get_origin(tp), get_args(tp)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return _dataclass_converter(tp)
    if origin is typing.Union or origin is types.UnionType:
        options = [a for a in args if a is not type(None)]
        inner = _converter(options[0]) if len(options) == 1 else _union_converter(tuple(options))
        return lambda v: None if v is None else inner(v)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item = _converter(args[0])
        return lambda v: tuple(item(x) for x in v)
    if origin is tuple:
        items = [_converter(a) for a in args]
        return lambda v: tuple(f(x) for f, x in zip(items, v, strict=True))
    if origin in (Mapping, dict):
        value = _converter(args[1])
        return lambda v: {k: value(x) for k, x in v.items()}
    if origin is frozenset:
        member = _converter(args[0])
        return lambda v: frozenset(member(x) for x in v)
    return _identity


def _dataclass_converter(cls: type) -> Convert:
    hints = get_type_hints(cls)
    fields = {f.name: _converter(hints[f.name]) for f in dataclasses.fields(cls) if f.init}
    return lambda v: cls(**{name: fields[name](x) for name, x in v.items() if name in fields})


def _union_converter(options: tuple[Any, ...]) -> Convert:
    classes: list[Any] = [a for a in options if dataclasses.is_dataclass(a)]
    if not classes:
        return _identity
    by_kind: dict[str, Convert] = {}
    for cls in classes:
        kind = next(f for f in dataclasses.fields(cls) if f.name == "kind")
        by_kind[str(kind.default)] = _converter(cls)
    first = _converter(classes[0])
    return lambda v: (by_kind[v["kind"]] if "kind" in v else first)(v) if isinstance(v, dict) else v

"""Turning task arguments into values every JSON reader agrees on, or naming the one that isn't.

Rules (schema/README.md, decision safe-integers): integers stay within +-(2^53-1) so JavaScript
and Go read them exactly; floats are finite; tuples become arrays; object keys are strings;
nesting is at most MAX_DEPTH levels. Anything else (Decimal, datetime, bytes, set, arbitrary
objects) is refused with its path, never converted behind the caller's back: a Decimal would
arrive as a float and lose digits, so the caller chooses `str(value)` or `float(value)`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from taskhawk.exceptions import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "checked_member_count",
    "is_plain",
    "is_safe_integer",
    "is_unicode_text",
    "member_path",
    "to_json_value",
    "unsafe_integer_path",
    "unsafe_integer_reason",
]

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32
_SCALARS = (bool, type(None))
_CONTAINERS = (dict, list)
_SURROGATE = re.compile("[\ud800-\udfff]")


def is_unicode_text(text: str) -> bool:
    """The unicode-text rule: no unpaired surrogate (a Python str holds a pair as one
    character, so any surrogate code point in it is alone); Go and Rust read those differently."""
    return text.isascii() or _SURROGATE.search(text) is None


_LONE_SURROGATE = "holds an unpaired UTF-16 surrogate, which other languages read differently"


def is_safe_integer(value: int) -> bool:
    """The safe-integers rule: JavaScript and Go read integers within +-(2^53-1) exactly."""
    return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def unsafe_integer_reason(digits: object, where: str | None = None) -> str:
    """Why an integer is refused, naming `where` it is when that is known and deeper than the
    error's own path."""
    text = str(digits)
    if len(text) > 24:  # a reason is one log line and a dead-letter attribute, never a dump
        text = f"{text[:12]}... ({len(text.lstrip('-'))} digits)"
    place = f" at {where}" if where else ""
    return (
        f"integer {text}{place} is out of range: integers must stay within "
        f"-{MAX_SAFE_INTEGER}..{MAX_SAFE_INTEGER} (2^53-1) so JavaScript and Go read them exactly"
    )


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def member_path(path: str, key: str) -> str:
    """`$.a` for identifier keys, `$['a b']` for any other, as the schema errors write them."""
    if _IDENTIFIER.fullmatch(key):
        return f"{path}.{key}"
    escaped = key.replace("\\", "\\\\").replace("'", "\\'")
    return f"{path}['{escaped}']"


def to_json_value(value: Any, path: str, depth: int = 1) -> Any:
    """Return `value` as plain JSON data; raise ValidationError naming `path` if it cannot be.
    `depth` counts the objects and arrays around `value` (1 for args/kwargs, inside the body)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    checked = _CHECKED.get(kind)
    if checked is not None:
        return checked(value, path)
    if depth >= MAX_DEPTH:
        raise ValidationError(path, f"nested deeper than {MAX_DEPTH} levels")
    if kind is list or kind is tuple:
        return _convert_sequence(value, path, depth)
    if kind is dict:
        return _convert_mapping(value, path, depth)
    return _convert_other(value, path, depth)


def is_plain(item: Any) -> bool:
    """Already a JSON value as it stands (JSON's own scalar types, exactly, within the format's
    rules); checked inline so no path string is built for it. ASCII text and safe integers,
    most arguments, are answered without another call."""
    kind = type(item)
    if kind is str:
        return item.isascii() or is_unicode_text(item)
    if kind is int:
        safe: bool = -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER
        return safe
    if kind is float:
        return math.isfinite(item)  # as _checked_float takes it, unchanged
    return kind in _SCALARS


def _convert_sequence(value: list[Any] | tuple[Any, ...], path: str, depth: int) -> list[Any]:
    converted = []
    for index, item in enumerate(value):
        plain = is_plain(item)
        converted.append(item if plain else to_json_value(item, f"{path}[{index}]", depth + 1))
    return converted


def _convert_mapping(value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str:
            if not isinstance(key, str):
                raise ValidationError(path, f"object key {key!r} is not a string")
            key = str.__str__(key)  # noqa: PLW2901 - a str subclass key becomes plain text
        if not (key.isascii() or is_unicode_text(key)):
            raise ValidationError(path, f"object key {key!r} {_LONE_SURROGATE}")
        plain = is_plain(item)
        converted[key] = item if plain else to_json_value(item, member_path(path, key), depth + 1)
    return converted


def _convert_other(value: Any, path: str, depth: int) -> Any:
    """Subclasses of JSON types (str enums, IntEnum, OrderedDict); anything else is refused."""
    if isinstance(value, Decimal):
        raise ValidationError(
            path,
            f"Decimal {value} would arrive as a float and could lose digits; send str(value) "
            "to keep every digit, or float(value)",
        )
    if isinstance(value, str):
        return _checked_str(str.__str__(value), path)  # the plain text even of a str Enum
    if isinstance(value, int):
        return _checked_int(int(value), path)  # bool cannot be subclassed; IntEnum lands here
    if isinstance(value, float):
        return _checked_float(float(value), path)
    if isinstance(value, Mapping):
        return _convert_mapping(value, path, depth)
    if isinstance(value, (list, tuple)):
        return to_json_value(list(value), path, depth)
    raise ValidationError(
        path, f"{type(value).__qualname__} cannot be sent as JSON; convert it to a JSON value first"
    )


def _checked_str(value: str, path: str) -> str:
    if is_unicode_text(value):
        return value
    raise ValidationError(path, f"the string {_LONE_SURROGATE}")


def _checked_int(value: int, path: str) -> int:
    if is_safe_integer(value):
        return value
    raise ValidationError(path, unsafe_integer_reason(value))


def _checked_float(value: float, path: str) -> float:
    if math.isfinite(value):
        return value
    raise ValidationError(path, f"{value} is not a JSON number")


_CHECKED: dict[type, Callable[[Any, str], Any]] = {
    str: _checked_str,
    int: _checked_int,
    float: _checked_float,
}


def checked_member_count(data: Any) -> int:
    """Members of all objects in parsed JSON `data`, or -1 when an integer is outside
    +-(2^53-1), a float is not finite, or objects and arrays nest deeper than MAX_DEPTH levels
    (the body's own object being level 1). Iterative, so hostile input cannot recurse."""
    members = 0
    stack: list[tuple[Any, int]] = [(data, 1)] if type(data) in _CONTAINERS else []
    while stack:
        node, level = stack.pop()
        if level > MAX_DEPTH:
            return -1
        if type(node) is dict:
            members += len(node)
            node = node.values()
        for child in node:
            kind = type(child)
            if kind is dict or kind is list:
                stack.append((child, level + 1))
            elif kind is int:
                if not is_safe_integer(child):
                    return -1
            elif kind is float and not math.isfinite(child):
                return -1
    return members


def unsafe_integer_path(data: Any) -> str | None:
    """The JSON path of the first integer outside +-(2^53-1) in parsed `data`, to name it in an
    error; None when there is none. Only called once a body was already refused."""
    for path, value in _leaves(data):
        if type(value) is int and not is_safe_integer(value):
            return path
    return None


def _leaves(data: Any) -> Iterator[tuple[str, Any]]:
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        path, node = stack.pop()
        if type(node) is dict:
            items = [(member_path(path, key), value) for key, value in node.items()]
            stack.extend(reversed(items))
        elif type(node) is list:
            stack.extend(reversed([(f"{path}[{i}]", value) for i, value in enumerate(node)]))
        else:
            yield path, node

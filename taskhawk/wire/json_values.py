"""Turning task arguments into values every JSON reader agrees on, or naming the one that isn't.

Rules (schema/README.md, decisions safe-integers and no-silent-conversion): integers stay within
+-(2^53-1) so JavaScript and Go read them exactly; floats are finite; Decimal becomes a number;
tuples become arrays; object keys are strings; nesting is at most MAX_DEPTH levels. Anything else
(datetime, bytes, set, arbitrary objects) is refused, never stringified behind the caller's back.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from taskhawk.exceptions import ValidationError

__all__ = [
    "MAX_DEPTH",
    "MAX_SAFE_INTEGER",
    "checked_member_count",
    "is_safe_integer",
    "to_json_value",
    "unsafe_integer_reason",
]

MAX_SAFE_INTEGER = 2**53 - 1
MAX_DEPTH = 32
_SCALARS = (str, bool, type(None))
_CONTAINERS = (dict, list)


def is_safe_integer(value: int) -> bool:
    """The safe-integers rule: JavaScript and Go read integers within +-(2^53-1) exactly."""
    return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def unsafe_integer_reason(digits: object) -> str:
    return f"integer {digits} is outside +-(2^53-1) (decision safe-integers)"


def to_json_value(value: Any, path: str, depth: int = 1) -> Any:
    """Return `value` as plain JSON data; raise ValidationError naming `path` if it cannot be.
    `depth` counts the objects and arrays around `value` (1 for args/kwargs, inside the body)."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is int:
        return _checked_int(value, path)
    if kind is float:
        return _checked_float(value, path)
    if depth >= MAX_DEPTH:
        raise ValidationError(path, f"nested deeper than {MAX_DEPTH} levels")
    if kind is list or kind is tuple:
        return _convert_sequence(value, path, depth)
    if kind is dict:
        return _convert_mapping(value, path, depth)
    return _convert_other(value, path, depth)


def _plain(item: Any) -> bool:
    """Already a JSON value as it stands; checked inline so no path string is built for it."""
    kind = type(item)
    return kind in _SCALARS or (kind is int and is_safe_integer(item))


def _convert_sequence(value: list[Any] | tuple[Any, ...], path: str, depth: int) -> list[Any]:
    converted = []
    for index, item in enumerate(value):
        plain = _plain(item)
        converted.append(item if plain else to_json_value(item, f"{path}[{index}]", depth + 1))
    return converted


def _convert_mapping(value: Mapping[Any, Any], path: str, depth: int) -> dict[str, Any]:
    converted: dict[str, Any] = {}
    for key, item in value.items():
        if type(key) is not str:
            if not isinstance(key, str):
                raise ValidationError(path, f"object key {key!r} is not a string")
            key = str.__str__(key)  # noqa: PLW2901 - a str subclass key becomes plain text
        converted[key] = item if _plain(item) else to_json_value(item, f"{path}.{key}", depth + 1)
    return converted


def _convert_other(value: Any, path: str, depth: int) -> Any:
    """Subclasses of JSON types (str enums, IntEnum, OrderedDict) and Decimal."""
    if isinstance(value, Decimal):
        return _convert_decimal(value, path)
    if isinstance(value, str):
        return str.__str__(value)  # the plain text even of a (str, Enum) member
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


def _convert_decimal(value: Decimal, path: str) -> int | float:
    if not value.is_finite():
        raise ValidationError(path, f"Decimal {value} is not a JSON number")
    if value == value.to_integral_value():
        return _checked_int(int(value), path)
    return _checked_float(float(value), path)


def _checked_int(value: int, path: str) -> int:
    if is_safe_integer(value):
        return value
    raise ValidationError(path, unsafe_integer_reason(value))


def _checked_float(value: float, path: str) -> float:
    if math.isfinite(value):
        return value
    raise ValidationError(path, f"{value} is not a JSON number")


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

"""Reading JSON text strictly, and comparing JSON values by meaning rather than by bytes."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["JSONTextError", "json_equal", "json_type", "parse_strict", "value_differences"]


class JSONTextError(ValueError):
    """The text is not one strict JSON document (RFC 8259 with unique keys, finite numbers)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise JSONTextError(f"duplicate key {key!r}")
            seen.add(key)
    return obj


def _constant(name: str) -> Any:
    raise JSONTextError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JSONTextError(f"number {text} overflows to infinity")
    return value


# Python's own json module accepts NaN and keeps the last of two equal keys: both are refused.
_DECODER = json.JSONDecoder(object_pairs_hook=_pairs, parse_constant=_constant, parse_float=_finite)


def parse_strict(text: str) -> Any:
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as error:
        where = f"line {error.lineno} column {error.colno}"
        raise JSONTextError(f"not JSON: {error.msg} at {where}") from None
    except RecursionError:
        raise JSONTextError("nested too deeply to parse") from None


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def json_equal(left: Any, right: Any) -> bool:
    return not value_differences(left, right, "$", limit=1)


def value_differences(expected: Any, actual: Any, path: str = "$", limit: int = 20) -> list[str]:
    """Where `actual` differs from `expected`, as `path: reason` lines (at most `limit`).

    Numbers compare by value (1 equals 1.0: JSON has one number type), everything else by type
    and value; object key order never matters."""
    found: list[str] = []
    _differences(expected, actual, path, found, limit)
    return found


def _differences(expected: Any, actual: Any, path: str, found: list[str], limit: int) -> None:
    if len(found) >= limit:
        return
    kinds = {json_type(expected), json_type(actual)}
    if kinds <= {"integer", "number"}:
        if expected != actual:
            found.append(f"{path}: expected {_show(expected)}, got {_show(actual)}")
    elif len(kinds) > 1:
        found.append(
            f"{path}: expected {_show(expected)} ({json_type(expected)}),"
            f" got {_show(actual)} ({json_type(actual)})"
        )
    elif isinstance(expected, dict):
        _object_differences(expected, actual, path, found, limit)
    elif isinstance(expected, list):
        if len(expected) != len(actual):
            found.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
            return
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            _differences(left, right, f"{path}[{index}]", found, limit)
    elif expected != actual:
        found.append(f"{path}: expected {_show(expected)}, got {_show(actual)}")


def _object_differences(
    expected: dict[str, Any], actual: dict[str, Any], path: str, found: list[str], limit: int
) -> None:
    for key in sorted(expected.keys() - actual.keys()):
        found.append(f"{_member(path, key)}: missing (expected {_show(expected[key])})")
    for key in sorted(actual.keys() - expected.keys()):
        found.append(f"{_member(path, key)}: unexpected key (value {_show(actual[key])})")
    for key in [key for key in expected if key in actual]:
        _differences(expected[key], actual[key], _member(path, key), found, limit)


def _member(path: str, key: str) -> str:
    return f"{path}.{key}" if key.replace("_", "a").isalnum() else f"{path}[{json.dumps(key)}]"


def _show(value: Any, width: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= width else text[: width - 3] + "..."

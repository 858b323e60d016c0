"""Go statements for each JSON Schema keyword of the portable subset.

A generated check function returns the first violation, in the order the Python validators
report them (type, enum/const, not, $ref, then the keywords of the instance's type: string,
number, object, array), so every language names the same path and rule for the same instance.
JSON values are what the strict decoder returns: nil, bool, string, json.Number (the number as
written), []any and map[string]any. An integer is a number with no fraction, as Python's
validators decide; strings are measured in code points; `enum` compares JSON values.
"""

from __future__ import annotations

import json
from typing import Any

from codegen.errors import UnsupportedSchema

__all__ = [
    "VIEWS",
    "bound_lines",
    "category_guard",
    "go_literal",
    "go_value",
    "return_first",
    "type_lines",
]

TYPE_TESTS = {
    "object": "isObj",
    "array": "isArray",
    "string": "isText",
    "boolean": "isBoolean(data)",
    "null": "data == nil",
    "number": "isNumber",
    "integer": "isInteger(data)",
}
# Typed views of `data`, declared at the top of a function that uses them: name -> (value, ok).
VIEWS = {
    "map[string]any": ("obj", "isObj"),
    "[]any": ("items", "isArray"),
    "string": ("text", "isText"),
    "json.Number": ("number", "isNumber"),
}
ARTICLES = {"array": "an array", "integer": "an integer", "object": "an object", "null": "null"}
UNITS = {"string": "character", "array": "item", "object": "propert"}
MAX_EXACT = 2**53 - 1


def go_literal(text: str) -> str:
    """A Go interpreted string literal; anything but printable ASCII is escaped by code point."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFFFF and not 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif code > 0xFFFF:
            out.append(f"\\U{code:08x}")
        else:
            raise UnsupportedSchema(f"{text!r}: an unpaired surrogate has no Go spelling")
    return "".join([*out, '"'])


def go_value(value: Any) -> str:
    """A JSON value as the Go value the decoder would give for it."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"json.Number({go_literal(json.dumps(value))})"
    if isinstance(value, str):
        return go_literal(value)
    if isinstance(value, list):
        return "[]any{" + ", ".join(go_value(item) for item in value) + "}"
    members = ", ".join(f"{go_literal(k)}: {go_value(v)}" for k, v in value.items())
    return "map[string]any{" + members + "}"


def return_first(call: str) -> list[str]:
    """Return the violation `call` finds, if any."""
    return [f"if found := {call}; found != nil {{", "return found", "}"]


def type_lines(types: list[str]) -> list[str]:
    if not types:
        return []
    if "number" in types:
        types = [t for t in types if t != "integer"]
    tests = [TYPE_TESTS[t] for t in types]
    test = f"!{tests[0]}" if len(tests) == 1 and " " not in tests[0] else f"!({' || '.join(tests)})"
    words = [ARTICLES.get(t, f"a {t}") for t in types]
    listed = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
    return [f"if {test} {{", f'return fail(path, "type", {go_literal("must be " + listed)})', "}"]


def category_guard(category: str, types: list[str]) -> tuple[bool, str]:
    """Whether an instance of `category` can pass `type`, and the test still needed to know the
    instance is one (empty when `type` has settled it already)."""
    view = TYPE_TESTS["number" if category == "number" else category]
    if not types:
        return True, view
    allowed = set(types) | ({"integer"} if "number" in types else set())
    if category == "number":
        numeric = {"number", "integer"}
        return bool(allowed & numeric), "" if allowed <= numeric else view
    return category in allowed, "" if allowed == {category} else view


def bound_lines(category: str, keyword: str, value: Any, where: str) -> list[str]:
    """One `min*`/`max*` keyword; strings count code points, like JSON Schema."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnsupportedSchema(f"{where}/{keyword}: must be a number")
    if isinstance(value, int) and abs(value) > MAX_EXACT:
        raise UnsupportedSchema(f"{where}/{keyword}: {value} is beyond what a double holds exactly")
    lower = keyword.startswith("min")
    measured = {
        "number": "numberValue(number)",
        "string": "length",
        "array": "len(items)",
        "object": "len(obj)",
    }[category]
    limit = "at least" if lower else "at most"
    unit = UNITS.get(category)
    if unit is None:
        message = f"must be {limit} {value}"
    else:
        plural = (
            ("ies" if value != 1 else "y") if unit == "propert" else ("s" if value != 1 else "")
        )
        message = f"must have {limit} {value} {unit}{plural}"
    comparison = "<" if lower else ">"
    bound = repr(value) if category != "number" or isinstance(value, float) else f"{value}.0"
    return [
        f"if {measured} {comparison} {bound} {{",
        f"return fail(path, {go_literal(keyword)}, {go_literal(message)})",
        "}",
    ]

"""TypeScript statements for each JSON Schema keyword of the portable subset.

A generated check function returns the first violation, in the order the Python validators
report them (type, enum/const, not, $ref, then the keywords of the instance's type: string,
number, object, array), so both languages name the same path and rule for the same instance.
Instance types follow JSON as Python's validators do: an integer is a number with no fraction,
strings are measured in code points, `enum` compares JSON values.
"""

from __future__ import annotations

import json
from typing import Any

from codegen.errors import UnsupportedSchema

__all__ = [
    "bound_lines",
    "category_guard",
    "literal",
    "quote",
    "return_first",
    "type_lines",
]

TYPE_TESTS = {
    "object": "isObject(data)",
    "array": "Array.isArray(data)",
    "string": 'typeof data === "string"',
    "boolean": 'typeof data === "boolean"',
    "null": "data === null",
    "number": 'typeof data === "number"',
    "integer": "Number.isInteger(data)",
}
# Tests that narrow `data` in TypeScript, so a keyword block after them needs no guard of its own.
NARROWING = frozenset({"object", "array", "string", "number"})
ARTICLES = {"array": "an array", "integer": "an integer", "object": "an object", "null": "null"}
UNITS = {"string": "character", "array": "item", "object": "propert"}
MAX_EXACT = 2**53 - 1


def literal(text: str) -> str:
    """A TypeScript string literal (JSON's escaping is valid TypeScript)."""
    return json.dumps(text, ensure_ascii=True)


def quote(text: str) -> str:
    """A name as the Python validators quote it in messages: JSON-like, unprintables escaped."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in escaped) + '"'


def return_first(call: str) -> list[str]:
    """Return the violation `call` finds, if any."""
    return [f"found = {call};", "if (found !== undefined) return found;"]


def type_lines(types: list[str]) -> list[str]:
    if not types:
        return []
    if "number" in types:
        types = [t for t in types if t != "integer"]
    tests = [TYPE_TESTS[t] for t in types]
    test = (
        f"!{tests[0]}" if len(tests) == 1 and "===" not in tests[0] else f"!({' || '.join(tests)})"
    )
    words = [ARTICLES.get(t, f"a {t}") for t in types]
    listed = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
    return [f'if ({test}) return fail(path, "type", {literal("must be " + listed)});']


def category_guard(category: str, types: list[str]) -> tuple[bool, str]:
    """Whether an instance of `category` can pass `type`, and the test still needed to know the
    instance is one (empty when `type` has narrowed `data` to it already)."""
    if not types:
        return True, TYPE_TESTS[category]
    allowed = set(types) | ({"integer"} if "number" in types else set())
    if category == "number":
        possible = bool(allowed & {"number", "integer"})
        exact = types == ["number"]
        return possible, "" if exact else TYPE_TESTS["number"]
    exact = types == [category] and category in NARROWING
    return category in allowed, "" if exact else TYPE_TESTS[category]


def bound_lines(category: str, keyword: str, value: Any, where: str) -> list[str]:
    """One `min*`/`max*` keyword; strings count code points, like JSON Schema."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UnsupportedSchema(f"{where}/{keyword}: must be a number")
    if isinstance(value, int) and abs(value) > MAX_EXACT:
        raise UnsupportedSchema(f"{where}/{keyword}: {value} is beyond what a double holds exactly")
    lower = keyword.startswith("min")
    measured = {
        "number": "data",
        "string": "length",
        "array": "data.length",
        "object": "Object.keys(data).length",
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
    return [
        f"if ({measured} {comparison} {value!r}) "
        f"return fail(path, {literal(keyword)}, {literal(message)});"
    ]

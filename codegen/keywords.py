"""Python conditions for each JSON Schema keyword, shared by both families of generated functions.

A `Check` holds one condition that is true when the keyword is satisfied. The boolean family
ANDs them into one expression; the error family turns each into `if not ...: yield violation`.
Instance types follow JSON, not Python: a bool is neither a number nor an integer, an integer
is an int or a float with zero fraction (as the `jsonschema` library decides), strings are
measured in code points, and `enum`/`const` compare JSON values (`1 != True`, `1 == 1.0`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

from codegen.ecma_regex import to_python_regex
from codegen.errors import UnportableRegex, UnsupportedSchema
from codegen.pattern_words import words_for

__all__ = [
    "Check",
    "Literals",
    "category_test",
    "checks_for",
    "negate",
    "python_literal",
    "type_message",
    "type_test",
]

TYPE_TESTS = {
    "object": "isinstance(data, dict)",
    "array": "isinstance(data, list)",
    "string": "isinstance(data, str)",
    "boolean": "isinstance(data, bool)",
    "null": "data is None",
    "number": "(isinstance(data, (int, float)) and not isinstance(data, bool))",
    "integer": (
        "((isinstance(data, int) and not isinstance(data, bool))"
        " or (isinstance(data, float) and data.is_integer()))"
    ),
}
# `^[^C]+$` after translation: C holds no unescaped `]`, so it is one negated class.
ONLY_ALLOWED = re.compile(r"\^\[\^(?P<chars>(?:\\.|[^\]\\])+)\](?P<repeat>[+*])\\Z")
SIMPLE = re.compile(r"[\w.]+(\([^()]*\))?")
ARTICLES = {"array": "an array", "integer": "an integer", "object": "an object", "null": "null"}


@dataclass(frozen=True)
class Check:
    """`ok` is true when the keyword holds; `guard` limits it to instances of one type.

    `valid_guard` is the guard the boolean family needs: empty when `type` already guarantees
    it. `errors` replaces the default single violation (loops, delegation to other functions).
    """

    guard: str
    ok: str
    rule: str
    message: str
    errors: tuple[str, ...] = ()
    valid_guard: str = ""
    fails: str = ""

    def guarded(self, guard: str, valid_guard: str) -> Check:
        return replace(self, guard=guard, valid_guard=valid_guard)

    def valid_term(self) -> str:
        ok = f"({self.ok})" if " or " in self.ok or " and " in self.ok else self.ok
        return f"(not {self.valid_guard} or {ok})" if self.valid_guard else ok

    def error_lines(self) -> list[str]:
        if self.errors:
            return list(self.errors)
        fails = self.fails or negate(self.ok)
        return [f"if {fails}:", f"    yield SchemaViolation(path, {self.rule!r}, {self.message})"]


class Literals:
    """Module-level constants (compiled patterns, key sets), each emitted once."""

    def __init__(self) -> None:
        self.by_value: dict[str, str] = {}

    def constant(self, prefix: str, expression: str) -> str:
        if expression not in self.by_value:
            self.by_value[expression] = f"_{prefix}_{len(self.by_value) + 1}"
        return self.by_value[expression]

    def constants(self) -> list[tuple[str, str]]:
        return [(name, expression) for expression, name in self.by_value.items()]

    def pattern(self, ecma: str, where: str) -> str:
        return self.constant("PATTERN", f"re.compile({python_literal(_translate(ecma, where))})")

    def pattern_check(self, ecma: str, where: str) -> tuple[str, str]:
        """(ok, fails) for `pattern`. `^[^C]+$` ("only characters outside C") is compiled as a
        search for one character of C, which is about twice as fast as matching the whole."""
        python = _translate(ecma, where)
        only = ONLY_ALLOWED.fullmatch(python)
        if only is None or only["chars"].startswith("^"):
            regex = self.pattern(ecma, where)
            return f"{regex}.search(data) is not None", f"{regex}.search(data) is None"
        forbidden = self.constant(
            "FORBIDDEN", f"re.compile({python_literal('[' + only['chars'] + ']')})"
        )
        if only["repeat"] == "*":
            return f"{forbidden}.search(data) is None", f"{forbidden}.search(data) is not None"
        ok = f'data != "" and {forbidden}.search(data) is None'
        return ok, f'data == "" or {forbidden}.search(data) is not None'

    def names(self, prefix: str, names: list[str]) -> str:
        return self.constant(prefix, f"frozenset({sorted(names)!r})")

    def membership(self, schema: dict[str, Any], types: list[str]) -> Check:
        """`enum`/`const` as JSON equality; all-string lists become a set lookup."""
        rule = "enum" if "enum" in schema else "const"
        members = list(schema["enum"]) if rule == "enum" else [schema["const"]]
        shown = ", ".join(json.dumps(member, ensure_ascii=False) for member in members)
        message = f"must be one of {shown}" if rule == "enum" else f"must be {shown}"
        if all(isinstance(member, str) for member in members):
            name = self.names("ENUM", members)
            # The error family runs after `type` may have failed: it must not assume a string.
            fails = f"not (isinstance(data, str) and data in {name})"
            ok = f"data in {name}"
            if types != ["string"]:
                ok = f"isinstance(data, str) and {ok}"
            return Check("", ok, rule, python_literal(message), fails=fails)
        name = self.constant("ENUM", f"({', '.join(map(repr, members))},)")
        return Check("", f"json_in(data, {name})", rule, python_literal(message))


def _translate(ecma: str, where: str) -> str:
    try:
        return to_python_regex(ecma)
    except UnportableRegex as error:
        raise UnsupportedSchema(f"{where}: unportable regex {ecma!r}: {error}") from None


def type_test(types: list[str]) -> str:
    if "number" in types:
        types = [t for t in types if t != "integer"]
    tests = [TYPE_TESTS[t] for t in types]
    return tests[0] if len(tests) == 1 else "(" + " or ".join(tests) + ")"


def type_message(types: list[str]) -> str:
    words = [ARTICLES.get(t, f"a {t}") for t in types]
    listed = ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]
    return f"must be {listed}"


def category_test(category: str, types: list[str]) -> tuple[bool, str]:
    """Whether instances of `category` can pass `type`, and the guard still needed for them."""
    if not types:
        return True, TYPE_TESTS[category]
    allowed = set(types) | ({"integer"} if "number" in types else set())
    if category == "number":
        possible = bool(allowed & {"number", "integer"})
        needed = not allowed <= {"number", "integer"}
        return possible, TYPE_TESTS["number"] if needed else ""
    return category in allowed, TYPE_TESTS[category] if allowed != {category} else ""


def checks_for(
    category: str, present: dict[str, Any], literals: Literals, where: str
) -> list[Check]:
    """Checks for the keywords of one instance type; a min/max pair is one chained comparison."""
    checks: list[Check] = []
    for keyword, value in present.items():
        if keyword == "pattern":
            ok, fails = literals.pattern_check(value, f"{where}/pattern")
            message = python_literal(words_for(value))
            checks.append(Check("", ok, "pattern", message, fails=fails))
        else:
            checks.append(_bound(category, keyword, value))
    bounds = [c for c in checks if c.rule.startswith(("min", "max"))]
    if len(bounds) == 2:
        low, high = sorted(bounds, key=lambda c: not c.rule.startswith("min"))
        measured = low.ok.split(" >= ")[0]
        chained = f"{low.ok.split(' >= ')[1]} <= {measured} <= {high.ok.split(' <= ')[1]}"
        if low.ok.split(" >= ")[1] == high.ok.split(" <= ")[1]:
            chained = f"{measured} == {high.ok.split(' <= ')[1]}"
        merged = Check("", chained, low.rule, "", (*low.error_lines(), *high.error_lines()))
        checks = [merged, *(c for c in checks if c not in bounds)]
    return checks


def _bound(category: str, keyword: str, value: Any) -> Check:
    lower = keyword.startswith("min")
    measured = "data" if category == "number" else "len(data)"
    ok = f"{measured} {'>=' if lower else '<='} {value!r}"
    fails = f"{measured} {'<' if lower else '>'} {value!r}"
    limit = "at least" if lower else "at most"
    unit = {"string": "character", "array": "item", "object": "propert"}.get(category)
    if unit is None:
        return Check("", ok, keyword, python_literal(f"must be {limit} {value}"), fails=fails)
    plural = ("ies" if value != 1 else "y") if unit == "propert" else ("s" if value != 1 else "")
    return Check(
        "", ok, keyword, python_literal(f"must have {limit} {value} {unit}{plural}"), fails=fails
    )


def python_literal(text: str) -> str:
    """A string literal for generated code; raw when that is exact, split when long."""
    if len(text) > 70:
        # Implicit concatenation keeps generated lines within the line-length limit.
        pieces = [text[i : i + 64] for i in range(0, len(text), 64)]
        return " ".join(python_literal(piece) for piece in pieces)
    if '"' not in text and "\n" not in text and not text.endswith("\\"):
        return f'r"{text}"'
    return repr(text)


def negate(expression: str) -> str:
    """`not` of an expression, parenthesised unless it is one name or call."""
    if SIMPLE.fullmatch(expression):
        return f"not {expression}"
    return f"not ({expression})"

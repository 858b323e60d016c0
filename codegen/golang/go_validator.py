"""Compiles one schema document (the portable subset) into Go check functions.

Every subschema becomes `func <name>(data any, path string) *Violation`, which returns the first
violation (its JSON path, the keyword, the reason) or nil when the instance is valid. Nothing is
interpreted at run time: each keyword is a statement, each regex a package variable compiled
once, each `$ref` a call. Names carry a prefix per schema file (`publishV1_0`), since every
validator of the package shares one namespace.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from codegen.errors import UnsupportedSchema
from codegen.golang.go_keywords import (
    VIEWS,
    bound_lines,
    category_guard,
    go_literal,
    go_value,
    return_first,
    type_lines,
)
from codegen.golang.go_members import object_lines
from codegen.golang.go_regex import regex_expression
from codegen.pattern_words import words_for
from codegen.subset import ANNOTATIONS, APPLICABLE, APPLICATORS, REF, TYPES

__all__ = ["GoFunction", "GoValidator", "compile_go"]


@dataclass(frozen=True)
class GoFunction:
    name: str
    pointer: str
    body: tuple[str, ...]


@dataclass
class GoValidator:
    constants: list[tuple[str, str]] = field(default_factory=list)
    functions: list[GoFunction] = field(default_factory=list)
    entry: str = ""


def compile_go(document: dict[str, Any], prefix: str) -> GoValidator:
    """Compile `document`; UnsupportedSchema names the first construct it cannot compile."""
    return GoCompiler(document, prefix).run()


class GoCompiler:
    def __init__(self, document: dict[str, Any], prefix: str) -> None:
        self.document = document
        self.prefix = prefix
        self.by_expression: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.pending: list[tuple[str, Any]] = []
        self.result = GoValidator()

    def run(self) -> GoValidator:
        self.result.entry = self.node("#", self.document)
        while self.pending:
            pointer, schema = self.pending.pop(0)
            self.emit(pointer, schema, self.names[pointer])
        self.result.constants = [(name, expr) for expr, name in self.by_expression.items()]
        return self.result

    def constant(self, kind: str, expression: str) -> str:
        if expression not in self.by_expression:
            number = len(self.by_expression) + 1
            self.by_expression[expression] = f"{self.prefix}{kind}{number}"
        return self.by_expression[expression]

    def pattern(self, pattern: str, where: str) -> str:
        return self.constant("Pattern", regex_expression(pattern, where))

    def names_set(self, kind: str, names: list[str]) -> str:
        members = ", ".join(f"{go_literal(name)}: true" for name in names)
        return self.constant(kind, f"map[string]bool{{{members}}}")

    def node(self, pointer: str, schema: Any) -> str:
        """The check function for the subschema at `pointer`; compiled once, on demand."""
        if pointer not in self.names:
            base = self.prefix + _camel(pointer)
            name, counter = base, 2
            while name in self.names.values():
                name, counter = f"{base}{counter}", counter + 1
            self.names[pointer] = name
            self.pending.append((pointer, schema))
        return self.names[pointer]

    def child(self, pointer: str, schema: Any, *segments: str) -> str:
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            return self.reference(pointer, schema["$ref"])
        escaped = (s.replace("~", "~0").replace("/", "~1") for s in segments)
        return self.node("/".join([pointer, *escaped]), schema)

    def reference(self, pointer: str, ref: Any) -> str:
        match = REF.fullmatch(str(ref))
        target = self.document.get("$defs", {}).get(match.group(1)) if match else None
        if match is None or target is None:
            raise UnsupportedSchema(f"{pointer}/$ref: only local #/$defs/<name> references")
        return self.node(f"#/$defs/{match.group(1)}", target)

    def emit(self, pointer: str, schema: Any, name: str) -> None:
        if isinstance(schema, bool):
            body = ["return nil"] if schema else [
                'return fail(path, "false", "is not allowed (false schema)")'
            ]  # fmt: skip
            self.add(name, pointer, body)
            return
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{pointer}: a subschema must be an object or a boolean")
        known = ANNOTATIONS | APPLICATORS | {k for ks in APPLICABLE.values() for k in ks}
        unknown = sorted(set(schema) - known)
        if unknown:
            raise UnsupportedSchema(f"{pointer}: unsupported keyword {unknown[0]!r}")
        self.add(name, pointer, self.statements(pointer, schema))

    def add(self, name: str, pointer: str, body: list[str]) -> None:
        """The function, with the typed views of `data` its statements use declared first."""
        # What the statements use, outside string literals (messages say "a number", "items").
        text = re.sub(r'"(?:[^"\\]|\\.)*"|`[^`]*`', '""', "\n".join(body))
        views: list[str] = []
        for go_type, (value, ok) in VIEWS.items():
            uses_value = re.search(rf"\b{value}\b", text) is not None
            uses_ok = re.search(rf"\b{ok}\b", text) is not None
            if uses_value or uses_ok:
                names = f"{value if uses_value else '_'}, {ok if uses_ok else '_'}"
                views.append(f"{names} := data.({go_type})")
        self.result.functions.append(GoFunction(name, pointer, tuple([*views, *body])))

    def statements(self, pointer: str, schema: dict[str, Any]) -> list[str]:
        types = _types(pointer, schema.get("type"))
        lines = type_lines(types)
        lines += self.value_lines(pointer, schema, types)
        for category in APPLICABLE:
            block = self.category_lines(category, pointer, schema)
            possible, guard = category_guard(category, types)
            if not block or not possible:
                continue
            lines += [f"if {guard} {{", *block, "}"] if guard else block
        return [*lines, "return nil"]

    def category_lines(self, category: str, pointer: str, schema: dict[str, Any]) -> list[str]:
        lines: list[str] = []
        if category == "string" and {"minLength", "maxLength"} & set(schema):
            lines.append("length := codePoints(text)")
        for keyword in APPLICABLE[category]:
            if keyword not in schema:
                continue
            if keyword == "pattern":
                regex = self.pattern(schema["pattern"], f"{pointer}/pattern")
                message = go_literal(words_for(schema["pattern"]))
                lines += [
                    f"if !{regex}.MatchString(text) {{",
                    f'return fail(path, "pattern", {message})',
                    "}",
                ]
            else:
                lines += bound_lines(category, keyword, schema[keyword], pointer)
        if category == "object":
            lines += object_lines(self, pointer, schema)
        if category == "array" and "items" in schema:
            items = self.child(pointer, schema["items"], "items")
            lines += [
                "for index, item := range items {",
                *return_first(f"{items}(item, indexPath(path, index))"),
                "}",
            ]
        return lines

    def value_lines(self, pointer: str, schema: dict[str, Any], types: list[str]) -> list[str]:
        lines: list[str] = []
        if "enum" in schema or "const" in schema:
            lines += self.membership(schema)
        if "not" in schema:
            lines += self.negation(pointer, schema["not"])
        if "$ref" in schema:
            lines += return_first(f"{self.reference(pointer, schema['$ref'])}(data, path)")
        return lines

    def membership(self, schema: dict[str, Any]) -> list[str]:
        rule = "enum" if "enum" in schema else "const"
        members = list(schema["enum"]) if rule == "enum" else [schema["const"]]
        shown = ", ".join(json.dumps(member, ensure_ascii=False) for member in members)
        message = go_literal(f"must be one of {shown}" if rule == "enum" else f"must be {shown}")
        if all(isinstance(member, str) for member in members):
            test = f"isText && {self.names_set('Enum', members)}[text]"
        else:
            values = ", ".join(go_value(member) for member in members)
            test = f"jsonIn(data, {self.constant('Enum', '[]any{' + values + '}')})"
        return [f"if !({test}) {{", f"return fail(path, {go_literal(rule)}, {message})", "}"]

    def negation(self, pointer: str, subschema: Any) -> list[str]:
        """`not {pattern}` (with or without `type: string`) is one test, as in Python's."""
        keys = set(subschema) - ANNOTATIONS if isinstance(subschema, dict) else set()
        if keys in ({"pattern"}, {"type", "pattern"}) and subschema.get("type", "string") in (
            "string",
            ["string"],
        ):
            regex = self.pattern(subschema["pattern"], f"{pointer}/not/pattern")
            message = go_literal(words_for(subschema["pattern"], negated=True))
            # Without `type` in the inner schema a non-string satisfies it, so `not` fails.
            if "type" in keys:
                fails = f"isText && {regex}.MatchString(text)"
            else:
                fails = f"!isText || {regex}.MatchString(text)"
            return [f"if {fails} {{", f'return fail(path, "not", {message})', "}"]
        sub = self.child(pointer, subschema, "not")
        message = go_literal(f"must not be valid against {pointer}/not")
        return [f"if {sub}(data, path) == nil {{", f'return fail(path, "not", {message})', "}"]


def _types(pointer: str, value: Any) -> list[str]:
    types = [value] if isinstance(value, str) else list(value or [])
    if not all(isinstance(t, str) and t in TYPES for t in types):
        raise UnsupportedSchema(f"{pointer}/type: unknown type in {value!r}")
    return types


def _camel(pointer: str) -> str:
    """A readable name from a JSON pointer: #/properties/metadata -> Metadata."""
    short = {"properties": "", "$defs": "", "propertyNames": "names", "items": "item",
             "additionalProperties": "values", "patternProperties": "matching"}  # fmt: skip
    parts = [short.get(part, part) for part in pointer.split("/")[1:]]
    words = re.split(r"\W+|_", " ".join(part for part in parts if part))
    return "".join(word[:1].upper() + word[1:] for word in words if word) or "Root"

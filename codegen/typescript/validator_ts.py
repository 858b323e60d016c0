"""Compiles one schema document (the portable subset) into TypeScript check functions.

Every subschema becomes `check_<name>(data: unknown, path: string): Violation | undefined`,
which returns the first violation (its JSON path, the keyword, the reason) or undefined when the
instance is valid. Nothing is interpreted at run time: each keyword is a statement, each regex a
constant built once, each `$ref` a call.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from codegen.errors import UnsupportedSchema
from codegen.pattern_words import words_for
from codegen.subset import ANNOTATIONS, APPLICABLE, APPLICATORS, REF, TYPES
from codegen.typescript.ts_keywords import (
    bound_lines,
    category_guard,
    literal,
    return_first,
    type_lines,
)
from codegen.typescript.ts_members import object_lines
from codegen.typescript.ts_regex import regex_expression

__all__ = ["TsFunction", "TsValidator", "compile_typescript"]


@dataclass(frozen=True)
class TsFunction:
    name: str
    pointer: str
    body: tuple[str, ...]


@dataclass
class TsValidator:
    constants: list[tuple[str, str]] = field(default_factory=list)
    functions: list[TsFunction] = field(default_factory=list)
    entry: str = ""


def compile_typescript(document: dict[str, Any]) -> TsValidator:
    """Compile `document`; UnsupportedSchema names the first construct it cannot compile."""
    return TsCompiler(document).run()


class TsCompiler:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.by_expression: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.pending: list[tuple[str, Any]] = []
        self.result = TsValidator()

    def run(self) -> TsValidator:
        self.result.entry = self.node("#", self.document)
        while self.pending:
            pointer, schema = self.pending.pop(0)
            self.emit(pointer, schema, self.names[pointer])
        self.result.constants = [(name, expr) for expr, name in self.by_expression.items()]
        return self.result

    def constant(self, prefix: str, expression: str) -> str:
        if expression not in self.by_expression:
            self.by_expression[expression] = f"{prefix}_{len(self.by_expression) + 1}"
        return self.by_expression[expression]

    def pattern(self, pattern: str, where: str) -> str:
        return self.constant("PATTERN", regex_expression(pattern, where))

    def names_set(self, prefix: str, names: list[str]) -> str:
        members = ", ".join(literal(name) for name in names)
        return self.constant(prefix, f"new Set<string>([{members}])")

    def node(self, pointer: str, schema: Any) -> str:
        """The check function for the subschema at `pointer`; compiled once, on demand."""
        if pointer not in self.names:
            base = "check_" + _suffix(pointer)
            name, counter = base, 2
            while name in self.names.values():
                name, counter = f"{base}_{counter}", counter + 1
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
            body = (
                ["return undefined;"]
                if schema
                else ['return fail(path, "false", "is not allowed (false schema)");']
            )
            self.add(name, pointer, body)
            return
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{pointer}: a subschema must be an object or a boolean")
        known = ANNOTATIONS | APPLICATORS | {k for ks in APPLICABLE.values() for k in ks}
        unknown = sorted(set(schema) - known)
        if unknown:
            raise UnsupportedSchema(f"{pointer}: unsupported keyword {unknown[0]!r}")
        self.add(name, pointer, self.statements(pointer, schema, name))

    def add(self, name: str, pointer: str, body: list[str]) -> None:
        if any("found = " in line for line in body):
            body = ["let found: Violation | undefined;", *body]
        self.result.functions.append(TsFunction(name, pointer, tuple(body)))

    def statements(self, pointer: str, schema: dict[str, Any], name: str) -> list[str]:
        types = _types(pointer, schema.get("type"))
        lines = type_lines(types)
        lines += self.value_lines(pointer, schema, types)
        for category in APPLICABLE:
            block = self.category_lines(category, pointer, schema)
            possible, guard = category_guard(category, types)
            if not block or not possible:
                continue
            if guard:
                lines += [f"if ({guard}) {{", *(f"  {line}" for line in block), "}"]
            else:
                lines += block
        return [*lines, "return undefined;"]

    def category_lines(self, category: str, pointer: str, schema: dict[str, Any]) -> list[str]:
        lines: list[str] = []
        if category == "string" and {"minLength", "maxLength"} & set(schema):
            lines.append("const length = codePoints(data);")
        for keyword in APPLICABLE[category]:
            if keyword not in schema:
                continue
            if keyword == "pattern":
                regex = self.pattern(schema["pattern"], f"{pointer}/pattern")
                message = literal(words_for(schema["pattern"]))
                lines.append(f'if (!{regex}.test(data)) return fail(path, "pattern", {message});')
            else:
                lines += bound_lines(category, keyword, schema[keyword], pointer)
        if category == "object":
            lines += object_lines(self, pointer, schema)
        if category == "array" and "items" in schema:
            items = self.child(pointer, schema["items"], "items")
            call = f"{items}(data[index], `${{path}}[${{index}}]`)"
            lines += [
                "for (let index = 0; index < data.length; index += 1) {",
                *(f"  {line}" for line in return_first(call)),
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
        message = literal(f"must be one of {shown}" if rule == "enum" else f"must be {shown}")
        if all(isinstance(member, str) for member in members):
            known = self.names_set("ENUM", members)
            test = f'typeof data === "string" && {known}.has(data)'
        else:
            test = f"jsonIn(data, {self.constant('ENUM', json.dumps(members))})"
        return [f"if (!({test})) return fail(path, {literal(rule)}, {message});"]

    def negation(self, pointer: str, subschema: Any) -> list[str]:
        """`not {pattern}` (with or without `type: string`) is one test, as in Python's."""
        keys = set(subschema) - ANNOTATIONS if isinstance(subschema, dict) else set()
        if keys in ({"pattern"}, {"type", "pattern"}) and subschema.get("type", "string") in (
            "string",
            ["string"],
        ):
            regex = self.pattern(subschema["pattern"], f"{pointer}/not/pattern")
            message = literal(words_for(subschema["pattern"], negated=True))
            # Without `type` in the inner schema a non-string satisfies it, so `not` fails.
            if "type" in keys:
                fails = f'typeof data === "string" && {regex}.test(data)'
            else:
                fails = f'typeof data !== "string" || {regex}.test(data)'
            return [f'if ({fails}) return fail(path, "not", {message});']
        sub = self.child(pointer, subschema, "not")
        message = literal(f"must not be valid against {pointer}/not")
        return [f'if ({sub}(data, path) === undefined) return fail(path, "not", {message});']


def _types(pointer: str, value: Any) -> list[str]:
    types = [value] if isinstance(value, str) else list(value or [])
    if not all(isinstance(t, str) and t in TYPES for t in types):
        raise UnsupportedSchema(f"{pointer}/type: unknown type in {value!r}")
    return types


def _suffix(pointer: str) -> str:
    """A readable function suffix from a JSON pointer: #/properties/metadata -> metadata."""
    short = {"properties": "", "$defs": "", "propertyNames": "names", "items": "item",
             "additionalProperties": "values", "patternProperties": "matching"}  # fmt: skip
    parts = [short.get(part, part) for part in pointer.split("/")[1:]]
    text = re.sub(r"\W+", "_", "_".join(part for part in parts if part).lower()).strip("_")
    return text or "root"

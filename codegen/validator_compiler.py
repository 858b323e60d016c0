"""Compiles one schema document (the portable subset) into the functions of a validator module.

Every subschema becomes two small functions: `_valid_<name>(data) -> bool`, one boolean
expression that allocates nothing, builds no path and raises nothing, which is all a valid
message costs; and `_errors_<name>(data, path)`, a generator yielding every violation with its
JSON path, run only once the first has said no. Both are built from the same keyword
conditions (`codegen.keywords`); the differential tests check that they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from codegen.errors import UnsupportedSchema
from codegen.keywords import (
    Check,
    Literals,
    category_test,
    checks_for,
    python_literal,
    type_message,
    type_test,
)
from codegen.members import object_checks
from codegen.pattern_words import words_for
from codegen.subset import ANNOTATIONS, APPLICABLE, APPLICATORS, REF, TYPES

__all__ = ["CompiledValidator", "Function", "compile_validator"]

OBJECT_APPLICATORS = (
    "properties", "required", "additionalProperties", "propertyNames", "patternProperties"
)  # fmt: skip


@dataclass(frozen=True)
class Function:
    name: str
    parameters: str
    returns: str
    doc: str
    body: tuple[str, ...]


@dataclass
class CompiledValidator:
    constants: list[tuple[str, str]] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)
    entry: str = ""


def compile_validator(document: dict[str, Any]) -> CompiledValidator:
    """Compile `document`; raise UnsupportedSchema naming the first unsupported construct."""
    return Compiler(document).run()


class Compiler:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.literals = Literals()
        self.result = CompiledValidator()
        self.names: dict[str, str] = {}
        self.pending: list[tuple[str, Any]] = []

    def run(self) -> CompiledValidator:
        self.result.entry = self.node("#", self.document)
        while self.pending:
            pointer, schema = self.pending.pop(0)
            self.emit(pointer, schema, self.names[pointer])
        self.result.constants = self.literals.constants()
        return self.result

    def node(self, pointer: str, schema: Any) -> str:
        """The function suffix for the subschema at `pointer`; compiled once, on demand."""
        if pointer not in self.names:
            base = _suffix(pointer)
            name, counter = base, 2
            while name in self.names.values():
                name, counter = f"{base}_{counter}", counter + 1
            self.names[pointer] = name
            self.pending.append((pointer, schema))
        return self.names[pointer]

    def child(self, pointer: str, schema: Any, *segments: str) -> str:
        if isinstance(schema, dict) and set(schema) - ANNOTATIONS == {"$ref"}:
            return self.reference(pointer, schema["$ref"])  # no function just to forward a call
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
            fails = 'yield SchemaViolation(path, "false", "is not allowed (false schema)")'
            self.pair(name, pointer, [f"return {schema}"], ["yield from ()" if schema else fails])
            return
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{pointer}: a subschema must be an object or a boolean")
        known = ANNOTATIONS | APPLICATORS | {k for ks in APPLICABLE.values() for k in ks}
        unknown = sorted(set(schema) - known)
        if unknown:
            raise UnsupportedSchema(f"{pointer}: unsupported keyword {unknown[0]!r}")
        checks = self.collect(pointer, schema, name)
        self.pair(name, pointer, _valid_body(checks), _errors_body(checks))

    def collect(self, pointer: str, schema: dict[str, Any], name: str) -> list[Check]:
        """Keyword checks in evaluation order: type and value first, then by instance type."""
        types = _types(pointer, schema.get("type"))
        checks: list[Check] = []
        if types:
            test = type_test(types)
            checks.append(Check("", test, "type", python_literal(type_message(types))))
        checks.extend(self.value_checks(pointer, schema, types))
        for category, keywords in APPLICABLE.items():
            present = {k: schema[k] for k in keywords if k in schema}
            block = checks_for(category, present, self.literals, pointer)
            block.extend(self.applicators(category, pointer, schema, name))
            possible, valid_guard = category_test(category, types)
            if block and possible:
                guard = category_test(category, [])[1]
                checks.extend(check.guarded(guard, valid_guard) for check in block)
        return checks

    def value_checks(self, pointer: str, schema: dict[str, Any], types: list[str]) -> list[Check]:
        checks: list[Check] = []
        if "enum" in schema or "const" in schema:
            checks.append(self.literals.membership(schema, types))
        if "not" in schema:
            checks.append(self.negation(pointer, schema["not"], types))
        if "$ref" in schema:
            ref = self.reference(pointer, schema["$ref"])
            errors = (f"yield from _errors_{ref}(data, path)",)
            checks.append(Check("", f"_valid_{ref}(data)", "$ref", "", errors))
        return checks

    def negation(self, pointer: str, subschema: Any, types: list[str]) -> Check:
        """`not {pattern}` (with or without `type: string`) is one search, not a nested call."""
        keys = set(subschema) - ANNOTATIONS if isinstance(subschema, dict) else set()
        if keys in ({"pattern"}, {"type", "pattern"}) and subschema.get("type", "string") in (
            "string",
            ["string"],
        ):
            regex = self.literals.pattern(subschema["pattern"], f"{pointer}/not/pattern")
            message = python_literal(words_for(subschema["pattern"], negated=True))
            # Without `type` in the inner schema, a non-string satisfies it, so `not` fails.
            if "type" in keys:
                fails = f"isinstance(data, str) and {regex}.search(data)"
            else:
                fails = f"not isinstance(data, str) or {regex}.search(data)"
            ok = f"not {regex}.search(data)" if types == ["string"] else f"not ({fails})"
            return Check("", ok, "not", message, fails=fails)
        sub = self.child(pointer, subschema, "not")
        message = python_literal(f"must not be valid against {pointer}/not")
        return Check("", f"not _valid_{sub}(data)", "not", message, fails=f"_valid_{sub}(data)")

    def applicators(
        self, category: str, pointer: str, schema: dict[str, Any], name: str
    ) -> list[Check]:
        if category == "array" and "items" in schema:
            items = self.child(pointer, schema["items"], "items")
            self.pair(
                f"{name}_items",
                f"{pointer}/items",
                ["for item in data:", f"    if not _valid_{items}(item):", "        return False",
                 "return True"],
                ["for index, item in enumerate(data):",
                 f'    yield from _errors_{items}(item, f"{{path}}[{{index}}]")'],
                "list[Any]",
            )  # fmt: skip
            errors = (f"yield from _errors_{name}_items(data, path)",)
            return [Check("", f"_valid_{name}_items(data)", "items", "", errors)]
        if category == "object" and any(k in schema for k in OBJECT_APPLICATORS):
            return object_checks(self, pointer, schema, name)
        return []

    def pair(
        self,
        name: str,
        pointer: str,
        valid: list[str],
        errors: list[str],
        data_type: str = "Any",
    ) -> None:
        """Add `_valid_<name>` and `_errors_<name>` for the subschema at `pointer`."""
        self.single(f"_valid_{name}", f"data: {data_type}", "bool", pointer, valid)
        self.single(f"_errors_{name}", f"data: {data_type}, path: str", "", pointer, errors)

    def single(self, name: str, parameters: str, returns: str, doc: str, body: list[str]) -> None:
        returns = returns or "Iterator[SchemaViolation]"
        self.result.functions.append(Function(name, parameters, returns, doc, tuple(body)))


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


def _valid_body(checks: list[Check]) -> list[str]:
    if not checks:
        return ["return True"]
    terms = [check.valid_term() for check in checks]
    return ["return (", *(f"    {'and ' if i else ''}{term}" for i, term in enumerate(terms)), ")"]


def _errors_body(checks: list[Check]) -> list[str]:
    """Each check's violation; consecutive checks under one guard share one `if`."""
    lines: list[str] = []
    index = 0
    while index < len(checks):
        guard = checks[index].guard
        group = [checks[index]]
        while index + len(group) < len(checks) and checks[index + len(group)].guard == guard:
            group.append(checks[index + len(group)])
        body = [line for check in group for line in check.error_lines()]
        lines.extend([f"if {guard}:", *(f"    {line}" for line in body)] if guard else body)
        index += len(group)
    return lines or ["yield from ()"]

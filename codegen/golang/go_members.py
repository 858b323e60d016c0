"""Object keywords as Go: required, properties, then one loop over the members (in sorted order,
so a message with two bad members always reports the same one) for propertyNames,
patternProperties and additionalProperties."""

from __future__ import annotations

from typing import Any, Protocol

from codegen.golang.go_keywords import go_literal, return_first
from codegen.typescript.ts_keywords import quote

__all__ = ["Compiler", "object_lines"]

NOT_ALLOWED = (
    'return fail(path, "additionalProperties", '
    'quote(key)+" is not allowed (the format has no such key)")'
)


class Compiler(Protocol):
    """What object keywords need from the compiler; they see it only through this interface."""

    def child(self, pointer: str, schema: Any, *segments: str) -> str: ...

    def pattern(self, pattern: str, where: str) -> str: ...

    def names_set(self, kind: str, names: list[str]) -> str: ...


def object_lines(compiler: Compiler, pointer: str, schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in dict.fromkeys(schema.get("required", [])):
        message = go_literal(f"{quote(name)} is missing (required)")
        lines += [
            f"if _, ok := obj[{go_literal(name)}]; !ok {{",
            f'return fail(path, "required", {message})',
            "}",
        ]
    for key, subschema in schema.get("properties", {}).items():
        check = compiler.child(pointer, subschema, "properties", key)
        call = f"{check}(value, {_member_path(key)})"
        lines += [f"if value, ok := obj[{go_literal(key)}]; ok {{", *return_first(call), "}"]
    loop = _member_loop(compiler, pointer, schema)
    if loop:
        uses_value = any("value" in line for line in loop)
        head = ["value := obj[key]"] if uses_value else []
        lines += ["for _, key := range sortedKeys(obj) {", *head, *loop, "}"]
    return lines


def _member_loop(compiler: Compiler, pointer: str, schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if "propertyNames" in schema:
        names = compiler.child(pointer, schema["propertyNames"], "propertyNames")
        lines += [
            f"if found := {names}(key, path); found != nil {{",
            "return found.aboutName(key)",
            "}",
        ]
    declared = list(schema.get("properties", {}))
    claimed = [f"{compiler.names_set('Known', declared)}[key]"] if declared else []
    for regex_text, subschema in schema.get("patternProperties", {}).items():
        regex = compiler.pattern(regex_text, f"{pointer}/patternProperties/{regex_text}")
        sub = compiler.child(pointer, subschema, "patternProperties", regex_text)
        lines += [
            f"if {regex}.MatchString(key) {{",
            *return_first(f"{sub}(value, memberPath(path, key))"),
            "}",
        ]
        claimed.append(f"{regex}.MatchString(key)")
    additional = schema.get("additionalProperties", True)
    if additional is True:
        return lines
    if additional is False:
        body = [NOT_ALLOWED]
    else:
        sub = compiler.child(pointer, additional, "additionalProperties")
        body = return_first(f"{sub}(value, memberPath(path, key))")
    if not claimed:
        return [*lines, *body]
    return [*lines, f"if !({' || '.join(claimed)}) {{", *body, "}"]


def _member_path(key: str) -> str:
    """The child's path, spelled at generation time when the key is a plain identifier."""
    if key.isidentifier() and key.isascii():
        return f"path + {go_literal('.' + key)}"
    return f"memberPath(path, {go_literal(key)})"

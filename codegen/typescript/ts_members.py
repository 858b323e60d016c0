"""Object keywords as TypeScript: required, properties, then one loop over the members for
propertyNames, patternProperties and additionalProperties, in the order Python reports them."""

from __future__ import annotations

from typing import Any, Protocol

from codegen.typescript.ts_keywords import literal, quote, return_first

__all__ = ["Compiler", "object_lines"]

NOT_ALLOWED = 'return fail(path, "additionalProperties", `${quote(key)} is not allowed (the format has no such key)`);'  # noqa: E501


class Compiler(Protocol):
    """What object keywords need from the compiler; they see it only through this interface."""

    def child(self, pointer: str, schema: Any, *segments: str) -> str: ...

    def pattern(self, pattern: str, where: str) -> str: ...

    def names_set(self, prefix: str, names: list[str]) -> str: ...


def object_lines(compiler: Compiler, pointer: str, schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for name in dict.fromkeys(schema.get("required", [])):
        message = literal(f"{quote(name)} is missing (required)")
        lines.append(
            f'if (!Object.hasOwn(data, {literal(name)})) return fail(path, "required", {message});'
        )
    for key, subschema in schema.get("properties", {}).items():
        check = compiler.child(pointer, subschema, "properties", key)
        call = f"{check}(data[{literal(key)}], {_member_path(key)})"
        lines += [f"if (Object.hasOwn(data, {literal(key)})) {{", *_indent(return_first(call)), "}"]
    loop = _member_loop(compiler, pointer, schema)
    if loop:
        uses_value = any("value" in line for line in loop)
        head = ["const value = data[key];"] if uses_value else []
        lines += ["for (const key of Object.keys(data)) {", *_indent([*head, *loop]), "}"]
    return lines


def _member_loop(compiler: Compiler, pointer: str, schema: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    if "propertyNames" in schema:
        names = compiler.child(pointer, schema["propertyNames"], "propertyNames")
        lines += [
            f"found = {names}(key, path);",
            "if (found !== undefined) return found.aboutName(key);",
        ]
    declared = list(schema.get("properties", {}))
    claimed = [f"{compiler.names_set('KNOWN', declared)}.has(key)"] if declared else []
    for regex_text, subschema in schema.get("patternProperties", {}).items():
        regex = compiler.pattern(regex_text, f"{pointer}/patternProperties/{regex_text}")
        sub = compiler.child(pointer, subschema, "patternProperties", regex_text)
        lines += [
            f"if ({regex}.test(key)) {{",
            *_indent(return_first(f"{sub}(value, memberPath(path, key))")),
            "}",
        ]
        claimed.append(f"{regex}.test(key)")
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
    return [*lines, f"if (!({' || '.join(claimed)})) {{", *_indent(body), "}"]


def _indent(lines: list[str]) -> list[str]:
    return [f"  {line}" for line in lines]


def _member_path(key: str) -> str:
    """The child's path, spelled at generation time when the key is a plain identifier."""
    if key.isidentifier() and key.isascii():
        return f'path + "{"." + key}"'
    return f"memberPath(path, {literal(key)})"

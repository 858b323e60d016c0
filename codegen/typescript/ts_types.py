"""TypeScript declarations for a schema: an interface for the root (named by its `title`) and
for each `$defs` entry, inline types for everything else, descriptions as doc comments.

Only what the schema says is typed; an unconstrained value is `JsonValue`. Every member is
readonly: these describe messages, which are built once and then only read.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

from codegen.errors import UnsupportedSchema

__all__ = ["declarations"]

SCALARS = {
    "string": "string",
    "integer": "number",
    "number": "number",
    "boolean": "boolean",
    "null": "null",
}


def declarations(document: dict[str, Any], prefix: str) -> list[str]:
    """Exported interfaces: `<prefix><title>` for the root, and for each `$defs` entry
    `<prefix><its title>` (its name in `$defs` when it has none)."""
    title = document.get("title")
    if not isinstance(title, str) or not title.isidentifier():
        raise UnsupportedSchema("#/title: the root needs an identifier title to name its type")
    definitions: dict[str, Any] = document.get("$defs", {})
    names = {f"#/$defs/{key}": prefix + _title(key, value) for key, value in definitions.items()}
    lines = _interface(f"{prefix}{title}", document, names, document.get("description"))
    for key, definition in definitions.items():
        described = definition.get("description")
        lines += ["", *_interface(names[f"#/$defs/{key}"], definition, names, described)]
    return lines


def _title(key: str, definition: Any) -> str:
    title = definition.get("title") if isinstance(definition, dict) else None
    return title if isinstance(title, str) and title.isidentifier() else key


def _interface(
    name: str, schema: dict[str, Any], names: dict[str, str], description: Any
) -> list[str]:
    if schema.get("type") != "object" or "properties" not in schema:
        return [*_doc(description, ""), f"export type {name} = {type_of(schema, names)};"]
    return [*_doc(description, ""), f"export interface {name} {{", *_members(schema, names), "}"]


def _members(schema: dict[str, Any], names: dict[str, str], docs: bool = True) -> list[str]:
    required = set(schema.get("required", []))
    lines: list[str] = []
    for key, subschema in schema["properties"].items():
        optional = "" if key in required else "?"
        description = subschema.get("description") if isinstance(subschema, dict) else None
        if docs:
            lines += _doc(description, "  ")
        lines.append(f"  readonly {_key(key)}{optional}: {type_of(subschema, names)};")
    additional = schema.get("additionalProperties", True)
    if additional is not False:
        lines.append(f"  readonly [name: string]: {type_of(additional, names)};")
    return lines


def type_of(schema: Any, names: dict[str, str]) -> str:
    """The TypeScript type of the values `schema` accepts (as far as types can say)."""
    if schema is True or schema == {}:
        return "JsonValue"
    if schema is False:
        return "never"
    ref = schema.get("$ref")
    if ref is not None:
        if ref not in names:
            raise UnsupportedSchema(f"$ref {ref!r}: only local #/$defs/<name> references")
        return names[ref]
    if "enum" in schema or "const" in schema:
        members = schema["enum"] if "enum" in schema else [schema["const"]]
        return " | ".join(json.dumps(member, ensure_ascii=True) for member in members)
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    if not types:
        return "JsonValue"
    if "number" in types:
        types = [t for t in types if t != "integer"]
    return " | ".join(_one_type(t, schema, names) for t in types)


def _one_type(name: str, schema: dict[str, Any], names: dict[str, str]) -> str:
    if name in SCALARS:
        return SCALARS[name]
    if name == "array":
        items = schema.get("items", True)
        item = type_of(items, names)
        return f"readonly {item}[]" if " " not in item else f"readonly ({item})[]"
    if "properties" in schema:
        members = " ".join(line.strip() for line in _members(schema, names, docs=False))
        return "{ " + members + " }"
    values = type_of(schema.get("additionalProperties", True), names)
    return f"{{ readonly [name: string]: {values} }}"


def _key(key: str) -> str:
    return key if key.isidentifier() and key.isascii() else json.dumps(key)


def _doc(description: Any, indent: str) -> list[str]:
    if not isinstance(description, str):
        return []
    text = description.replace("*/", "*\\/")
    wrapped = textwrap.wrap(text, 96 - len(indent), break_on_hyphens=False)
    if len(wrapped) == 1:
        return [f"{indent}/** {wrapped[0]} */"]
    return [f"{indent}/**", *(f"{indent} * {line}" for line in wrapped), f"{indent} */"]

"""Go declarations for a publish schema: a struct for the root (named by its `title`) and for
each `$defs` entry, each suffixed with the format version (`MessageV1_1`), descriptions as doc
comments and JSON tags as the format spells its keys.

Only what the schema says is typed: an unconstrained value is `any` (nil, bool, string,
json.Number, []any or map[string]any, as the decoder gives them). A required integer is an int64,
an optional one a *int64 (nil when absent).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from codegen.errors import UnsupportedSchema

__all__ = ["declarations", "go_name"]

SCALARS = {"string": "string", "integer": "int64", "number": "json.Number", "boolean": "bool"}
INITIALISMS = {"id": "ID", "url": "URL", "eta": "ETA", "json": "JSON"}


def declarations(document: dict[str, Any], suffix: str) -> list[str]:
    title = document.get("title")
    if not isinstance(title, str) or not title.isidentifier():
        raise UnsupportedSchema("#/title: the root needs an identifier title to name its type")
    definitions: dict[str, Any] = document.get("$defs", {})
    names = {f"#/$defs/{key}": _title(key, value) + suffix for key, value in definitions.items()}
    lines = _struct(title + suffix, document, names, document.get("description"))
    for key, definition in definitions.items():
        name = names[f"#/$defs/{key}"]
        described = definition.get("description", f"the format's {key} object.")
        lines += ["", *_struct(name, definition, names, described)]
    return lines


def go_name(key: str) -> str:
    """An exported field name: `id` -> ID, `timestamp_ms` -> TimestampMs."""
    words = [word for word in re.split(r"[^A-Za-z0-9]+", key) if word]
    name = "".join(INITIALISMS.get(word, word[:1].upper() + word[1:]) for word in words)
    if not name or not name[0].isalpha():
        raise UnsupportedSchema(f"{key!r}: no Go field name")
    return name


def _title(key: str, definition: Any) -> str:
    title = definition.get("title") if isinstance(definition, dict) else None
    return title if isinstance(title, str) and title.isidentifier() else key


def _struct(name: str, schema: dict[str, Any], names: dict[str, str], described: Any) -> list[str]:
    if schema.get("type") != "object" or "properties" not in schema:
        return [*_doc(described, f"{name} is"), f"type {name} = {_type(schema, names)}"]
    required = set(schema.get("required", []))
    lines = [*_doc(described, f"{name} is"), f"type {name} struct {{"]
    for key, subschema in schema["properties"].items():
        optional = key not in required
        go_type = _type(subschema, names)
        if optional and go_type in SCALARS.values():
            go_type = f"*{go_type}"
        tag = f'`json:"{key}{",omitempty" if optional else ""}"`'
        described_field = subschema.get("description") if isinstance(subschema, dict) else None
        lines += [*_doc(described_field, ""), f"{go_name(key)} {go_type} {tag}"]
    return [*lines, "}"]


def _type(schema: Any, names: dict[str, str]) -> str:
    if schema is True or schema == {} or not isinstance(schema, dict):
        return "any"
    ref = schema.get("$ref")
    if ref is not None:
        if ref not in names:
            raise UnsupportedSchema(f"$ref {ref!r}: only local #/$defs/<name> references")
        return names[ref]
    members = schema.get("enum", [schema["const"]] if "const" in schema else None)
    if members is not None and all(isinstance(member, str) for member in members):
        return "string"
    types = schema.get("type")
    types = [types] if isinstance(types, str) else list(types or [])
    return _one_type(types[0], schema, names) if len(types) == 1 else "any"


def _one_type(name: str, schema: dict[str, Any], names: dict[str, str]) -> str:
    if name in SCALARS:
        return SCALARS[name]
    if name == "array":
        return f"[]{_type(schema.get('items', True), names)}"
    if name == "object":
        return f"map[string]{_type(schema.get('additionalProperties', True), names)}"
    return "any"


def _doc(description: Any, lead: str) -> list[str]:
    if not isinstance(description, str):
        return []
    text = f"{lead} {description[0].lower()}{description[1:]}" if lead else description
    return [f"// {line}" for line in textwrap.wrap(text, 96, break_on_hyphens=False)]

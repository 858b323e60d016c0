"""Typed decoder models (msgspec Structs) from the publish schemas, one set for all versions.

The decoder parses, checks and builds in one C pass, so every constraint it can enforce is
stated on the type: required fields, types, ranges, Literal enums, lengths, patterns (ECMA
spelling translated by `to_python_regex`, so `$` cannot match before a final newline) and
unknown fields refused. Each version's metadata is its own Struct tagged by its `version`; the
top-level object must be the same in every version (checked here) so one decoder reads them
all. What the decoder cannot enforce is left to a post-check: `not` under `propertyNames`
(rendered here) and the format's own rules beyond JSON Schema (taskhawk.wire.fast_decode).

A pattern that only forbids characters (`^[^...]+$`) whose class holds nothing from U+0020 to
U+007F is moved to the post-check too, because most bodies are ASCII without a backslash, and
such a body's strings can hold nothing else (JSON refuses raw control characters): the
post-check then skips the search the decoder would run on every such string. Any other body is
searched, so the constraint holds on every message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from codegen.ecma_regex import to_python_regex
from codegen.errors import GenerationFailed
from codegen.schemas import SchemaFile

__all__ = ["StructField", "StructModel", "StructModule", "struct_module"]

_SCALAR_KEYWORDS = frozenset({"description", "title", "type"})
_FREE_OBJECT = {"type": "object"}
_FREE_ARRAY = {"type": "array"}


@dataclass(frozen=True)
class StructField:
    name: str
    annotation: str
    required: bool
    kind: str  # "text" (a str), "struct", "container" (dict or list), "other"


@dataclass(frozen=True)
class StructModel:
    name: str
    fields: tuple[StructField, ...]
    tag: str | None = None  # the version this metadata Struct is tagged with


@dataclass
class StructModule:
    metadata: list[StructModel] = field(default_factory=list)
    message: StructModel | None = None
    # (field name, Python regex literal): mapping keys that must NOT match (propertyNames.not)
    forbidden_names: list[tuple[str, str]] = field(default_factory=list)
    # (values, Python regex literal of a character class): strings that must hold none of its
    # characters; `values` is an expression of the Struct (`(self.task,)`) naming them
    character_checks: list[tuple[str, str]] = field(default_factory=list)


def struct_module(publish: list[SchemaFile]) -> StructModule:
    """The Structs of every format version's publish schema (oldest first)."""
    module = StructModule()
    for schema in publish:
        walker = _Walker(schema)
        metadata, message, forbidden = walker.walk()
        module.metadata.append(metadata)
        top = (message, forbidden, walker.character_checks)
        if module.message is not None and top != (
            module.message,
            module.forbidden_names,
            module.character_checks,
        ):
            raise GenerationFailed(
                f"{schema.relative_path}: the top-level object differs from the previous "
                "version's; the typed decoder needs a Struct per version there"
            )
        module.message, module.forbidden_names, module.character_checks = top
    return module


class _Walker:
    def __init__(self, schema: SchemaFile) -> None:
        self.schema = schema
        self.version = schema.version
        self.forbidden: list[tuple[str, str]] = []
        self.character_checks: list[tuple[str, str]] = []

    def walk(self) -> tuple[StructModel, StructModel, list[tuple[str, str]]]:
        root = self.schema.document
        metadata_ref = root["properties"]["metadata"].get("$ref", "")
        if not metadata_ref.startswith("#/$defs/"):
            raise self._fail("metadata", "must be a $ref into $defs")
        metadata = self._metadata(root["$defs"][metadata_ref.removeprefix("#/$defs/")])
        fields = []
        for name, subschema in root["properties"].items():
            if name == "metadata":
                fields.append(StructField(name, "_METADATA_", True, "struct"))
            else:
                fields.append(self._field(name, subschema, root, f"self.{name}"))
        if not all(f.required for f in fields):
            raise self._fail("message", "every top-level property must be required")
        self._closed(root, "message")
        return metadata, StructModel("Message", tuple(fields)), self.forbidden

    def _metadata(self, schema: dict[str, Any]) -> StructModel:
        self._closed(schema, "metadata")
        version_schema = schema["properties"].get("version", {})
        if version_schema.get("enum") != [self.version]:
            raise self._fail("metadata.version", f"must be the enum [{self.version!r}]")
        fields = tuple(
            self._field(name, subschema, schema)
            for name, subschema in schema["properties"].items()
            if name != "version"
        )
        if any(f.kind in ("container", "struct") for f in fields):
            raise self._fail("metadata", "nested objects and arrays are not supported here")
        suffix = self.version.replace(".", "_")
        return StructModel(f"{schema.get('title', 'Metadata')}V{suffix}", fields, self.version)

    def _closed(self, schema: dict[str, Any], where: str) -> None:
        if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
            raise self._fail(where, "must be an object with additionalProperties false")

    def _field(
        self, name: str, schema: dict[str, Any], parent: dict[str, Any], access: str = ""
    ) -> StructField:
        required = name in parent.get("required", [])
        annotation, kind = self._type(name, schema, access)
        if not required:
            annotation = f"{annotation} | UnsetType"
        return StructField(name, annotation, required, kind)

    def _type(self, name: str, schema: dict[str, Any], access: str = "") -> tuple[str, str]:
        """The annotation and kind of `name`; `access`, when given, is the Struct's expression
        for it, so a character check can be moved to the post-check."""
        plain = {key: value for key, value in schema.items() if key != "description"}
        if plain == _FREE_OBJECT:
            return "dict[str, Any]", "container"
        if plain == _FREE_ARRAY:
            return "list[Any]", "container"
        if plain.get("type") == "object" and "propertyNames" in plain:
            return self._mapping(name, plain, access), "container"
        if "enum" in plain:
            return self._enum(name, plain), "text"
        if plain.get("type") == "string":
            return self._string(name, plain, f"({access},)" if access else ""), "text"
        if plain.get("type") == "integer":
            return self._integer(name, plain), "other"
        raise self._fail(name, f"no typed decoder spelling for {sorted(plain)}")

    def _mapping(self, name: str, schema: dict[str, Any], access: str) -> str:
        names = dict(schema["propertyNames"])
        names.pop("description", None)
        forbidden = names.pop("not", None)
        if forbidden is not None:
            if set(forbidden) != {"pattern"}:
                raise self._fail(name, "propertyNames.not may hold only a pattern")
            self.forbidden.append((name, _quote(to_python_regex(forbidden["pattern"]))))
        values = schema.get("additionalProperties")
        if set(schema) != {"type", "propertyNames", "additionalProperties"} or not isinstance(
            values, dict
        ):
            raise self._fail(name, "a mapping needs propertyNames and additionalProperties")
        key = self._string(f"{name} keys", names)
        value_access = f"{access}.values()" if access else ""
        if values.get("type") == "string" and "enum" not in values:
            value = self._string(f"{name} values", values, value_access)
        else:
            value = self._type(f"{name} values", values)[0]
        return f"dict[{key}, {value}]"

    def _enum(self, name: str, schema: dict[str, Any]) -> str:
        values = schema["enum"]
        if set(schema) - {"enum", "type"} or not all(isinstance(v, str) for v in values):
            raise self._fail(name, "only an enum of strings has a Literal spelling")
        return "Literal[" + ", ".join(_quote(value) for value in values) + "]"

    def _string(self, name: str, schema: dict[str, Any], access: str = "") -> str:
        schema = {key: value for key, value in schema.items() if key != "description"}
        known = {"type", "minLength", "maxLength", "pattern"}
        if schema.get("type") != "string" or set(schema) - known:
            raise self._fail(name, f"a string may state only {sorted(known)}")
        min_length = schema.get("minLength")
        pattern = to_python_regex(schema["pattern"]) if "pattern" in schema else None
        characters = _forbidden_class(pattern) if pattern and access else None
        if characters is not None:
            self.character_checks.append((access, _quote(characters)))
            pattern, min_length = None, max(min_length or 0, 1)  # `+`: one at least
        meta = [f"min_length={min_length}"] if min_length is not None else []
        if "maxLength" in schema:
            meta.append(f"max_length={schema['maxLength']}")
        if pattern is not None:
            meta.append(f"pattern={_quote(pattern)}")
        return f"Annotated[str, Meta({', '.join(meta)})]" if meta else "str"

    def _integer(self, name: str, schema: dict[str, Any]) -> str:
        if set(schema) - {"type", "minimum", "maximum"}:
            raise self._fail(name, "an integer may state only minimum and maximum")
        meta = [f"ge={schema['minimum']}"] if "minimum" in schema else []
        if "maximum" in schema:
            meta.append(f"le={schema['maximum']}")
        return f"Annotated[int, Meta({', '.join(meta)})]" if meta else "int"

    def _fail(self, where: str, reason: str) -> GenerationFailed:
        return GenerationFailed(f"{self.schema.relative_path}: {where}: {reason}")


_NEGATED_CLASS = re.compile(r"\^\[\^((?:[^\]\\]|\\.)+)\]\+\\Z")
_PLAIN_TEXT = "".join(map(chr, range(0x20, 0x80)))  # what a plain body's strings can hold


def _forbidden_class(pattern: str) -> str | None:
    """`[...]` when the Python `pattern` is `^[^...]+\\Z` and its class holds no character a
    body that is ASCII without a backslash can carry in a string; None otherwise."""
    matched = _NEGATED_CLASS.fullmatch(pattern)
    if matched is None:
        return None
    characters = f"[{matched.group(1)}]"
    return None if re.search(characters, _PLAIN_TEXT) else characters


def _quote(text: str) -> str:
    """A Python string literal for `text`, raw when that spells it exactly."""
    if "\\" in text and '"' not in text and not text.endswith("\\"):
        return f'r"{text}"'
    return repr(text)

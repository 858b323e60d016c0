"""Finding the schema files and checking them before anything is generated.

Every problem is collected and reported at once, so one run shows all that is wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from codegen.pattern_words import has_words

__all__ = ["KINDS", "SchemaFile", "SchemaProblem", "load_schemas"]

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
KINDS = ("publish", "consume")
VERSION_PATTERN = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")

# The subset every mainstream validator (Python, Ajv, Go, fastjsonschema) evaluates alike.
PORTABLE_KEYWORDS = frozenset(
    {
        "$schema", "$id", "$ref", "$defs", "title", "description", "x-format-version",
        "type", "properties", "required", "additionalProperties", "propertyNames",
        "enum", "const", "pattern", "minLength", "maxLength", "minimum", "maximum",
        "items", "minItems", "maxItems", "maxProperties", "patternProperties", "not",
    }
)  # fmt: skip
# Keywords whose value is a map of names to subschemas, not a subschema itself.
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
SCHEMA_LISTS = frozenset({"anyOf"})
SUBSCHEMAS = frozenset({"additionalProperties", "propertyNames", "items", "not"})
UNPORTABLE_REGEX = re.compile(r"\(\?|\\[1-9]|\\[pPdDwWsSbB]")


@dataclass(frozen=True)
class SchemaProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


@dataclass(frozen=True)
class SchemaFile:
    version: str
    kind: str
    relative_path: str
    text: str
    document: dict[str, Any]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def module_suffix(self) -> str:
        return "v" + self.version.replace(".", "_")


def load_schemas(schema_dir: Path) -> tuple[list[SchemaFile], list[SchemaProblem]]:
    """Read schema/message/<version>/<kind>.json for every version, checking each."""
    files: list[SchemaFile] = []
    problems: list[SchemaProblem] = []
    message_dir = schema_dir / "message"
    versions = (
        sorted(p for p in message_dir.iterdir() if p.is_dir()) if message_dir.is_dir() else []
    )
    if not versions:
        problems.append(SchemaProblem(str(message_dir), "no message format versions found"))
    for version_dir in versions:
        if not VERSION_PATTERN.match(version_dir.name):
            problems.append(SchemaProblem(str(version_dir), "folder name must be MAJOR.MINOR"))
            continue
        for kind in KINDS:
            path = version_dir / f"{kind}.json"
            relative = path.relative_to(schema_dir.parent).as_posix()
            loaded = _load_one(path, relative, version_dir.name, kind, problems)
            if loaded is not None:
                files.append(loaded)
    return files, problems


def _load_one(
    path: Path, relative: str, version: str, kind: str, problems: list[SchemaProblem]
) -> SchemaFile | None:
    if not path.is_file():
        problems.append(
            SchemaProblem(relative, "missing (every version needs publish and consume)")
        )
        return None
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        problems.append(SchemaProblem(relative, f"not JSON: {error}"))
        return None
    before = len(problems)
    _check_document(document, relative, version, problems)
    if len(problems) > before:
        return None
    return SchemaFile(version, kind, relative, text, document)


def _check_document(
    document: Any, relative: str, version: str, problems: list[SchemaProblem]
) -> None:
    if not isinstance(document, dict):
        problems.append(SchemaProblem(relative, "a schema file must hold a JSON object"))
        return
    if document.get("$schema") != DRAFT_2020_12:
        problems.append(SchemaProblem(relative, f"$schema must be {DRAFT_2020_12}"))
    if document.get("x-format-version") != version:
        problems.append(SchemaProblem(relative, f"x-format-version must be {version!r}"))
    try:
        Draft202012Validator.check_schema(document)
    except SchemaError as error:
        problems.append(SchemaProblem(relative, f"invalid JSON Schema: {error.message}"))
    version_const = (
        document.get("$defs", {}).get("Metadata", {}).get("properties", {}).get("version", {})
    )
    if version_const.get("enum") != [version]:
        problems.append(
            SchemaProblem(relative, f"$defs.Metadata.properties.version must be enum [{version!r}]")
        )
    _check_portable(document, relative, problems)


def _check_portable(node: Any, where: str, problems: list[SchemaProblem]) -> None:
    """Refuse keywords and regex syntax that validators in other languages read differently."""
    if not isinstance(node, dict):
        return
    for keyword, value in node.items():
        location = f"{where}#{keyword}" if "#" not in where else f"{where}/{keyword}"
        if keyword not in PORTABLE_KEYWORDS:
            problems.append(SchemaProblem(location, "keyword outside the portable subset"))
        elif keyword == "pattern" and UNPORTABLE_REGEX.search(value):
            problems.append(
                SchemaProblem(location, "no groups with (?, backrefs or \\d\\w\\s classes")
            )
        elif keyword == "pattern" and not has_words(value, negated=where.endswith("not")):
            problems.append(
                SchemaProblem(location, "no words for this pattern in codegen/pattern_words.py")
            )
        elif keyword in SCHEMA_MAPS:
            for name, child in value.items():
                _check_portable(child, f"{location}/{name}", problems)
        elif keyword in SCHEMA_LISTS:
            for index, child in enumerate(value):
                _check_portable(child, f"{location}/{index}", problems)
        elif keyword in SUBSCHEMAS:
            _check_portable(value, location, problems)

"""From schema files to the text of every generated module, in memory and deterministic."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codegen.errors import GenerationFailed
from codegen.models import render_models
from codegen.pointer import pointer_python
from codegen.render import GeneratorVersions, Renderer, format_python
from codegen.schemas import SchemaFile, SchemaProblem, load_schemas
from codegen.structs import struct_module
from codegen.validators import compile_schema

__all__ = [
    "FormatVersionFiles",
    "GeneratedFile",
    "SchemaProblem",
    "generate_package",
    "group_by_version",
]


@dataclass(frozen=True)
class GeneratedFile:
    name: str
    text: str


@dataclass(frozen=True)
class FormatVersionFiles:
    version: str
    suffix: str
    publish: SchemaFile
    consume: SchemaFile


def generate_package(schema_dir: Path) -> list[GeneratedFile]:
    schemas, problems = load_schemas(schema_dir)
    if problems:
        raise GenerationFailed("\n".join(["schema problems:", *map(str, problems)]))
    versions = group_by_version(schemas)
    renderer = Renderer(GeneratorVersions.installed())
    files = [GeneratedFile("errors.py", format_python(renderer.errors_module()))]
    for version in versions:
        models = render_models(version.publish)
        files.append(
            GeneratedFile(
                f"models_{version.suffix}.py",
                format_python(renderer.models_module(version.publish, models)),
            )
        )
        for schema in (version.publish, version.consume):
            source = compile_schema(schema)
            files.append(
                GeneratedFile(
                    f"validate_{schema.module_suffix}_{schema.kind}.py",
                    format_python(renderer.validator_module(schema, source)),
                )
            )
    publish = [version.publish for version in versions]
    structs = renderer.structs_module(struct_module(publish), publish)
    files.append(GeneratedFile("structs.py", format_python(structs)))
    registry = renderer.registry_module([v.publish for v in versions], schemas)
    files.append(GeneratedFile("__init__.py", format_python(registry)))
    files.append(GeneratedFile(*pointer_python(schema_dir)))
    return sorted(files, key=lambda file: file.name)


def group_by_version(schemas: list[SchemaFile]) -> list[FormatVersionFiles]:
    """One entry per version folder, oldest first, with its publish and consume files."""
    by_version: dict[str, dict[str, SchemaFile]] = {}
    for schema in schemas:
        by_version.setdefault(schema.version, {})[schema.kind] = schema
    ordered = sorted(by_version, key=lambda v: tuple(int(part) for part in v.split(".")))
    return [
        FormatVersionFiles(
            version,
            by_version[version]["publish"].module_suffix,
            by_version[version]["publish"],
            by_version[version]["consume"],
        )
        for version in ordered
    ]

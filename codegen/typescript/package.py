"""From schema files to the text of every file of bindings/typescript/src/generated/, in memory
and deterministic: per format version its types and two compiled validators, then the modules
of wire and transport rules, rendered from templates with the schema's and WIRE_RULES' values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from codegen.errors import GenerationFailed, UnsupportedSchema
from codegen.generate import GeneratedFile, group_by_version
from codegen.pointer import pointer_typescript
from codegen.render import template_environment
from codegen.schemas import SchemaFile, load_schemas
from codegen.typescript.ts_regex import regex_expression
from codegen.typescript.ts_types import declarations
from codegen.typescript.validator_ts import TsValidator, compile_typescript
from codegen.wire_context import attribute_rules, wire_context

__all__ = ["generate_typescript"]

# Modules with no per-version content, each rendered from typescript/<name>.jinja.
RULE_MODULES = (
    "decode.ts", "formats.ts", "index.ts", "json-text.ts", "limits.ts", "naming.ts",
    "ordering.ts", "publishing.ts", "strict-json.ts", "violation.ts",
)  # fmt: skip
HELPERS = ("codePoints", "fail", "isObject", "jsonIn", "memberPath", "quote")


@dataclass(frozen=True)
class TsVersion:
    version: str
    suffix: str
    publish: SchemaFile
    consume: SchemaFile


def generate_typescript(schema_dir: Path) -> list[GeneratedFile]:
    schemas, problems = load_schemas(schema_dir)
    if problems:
        raise GenerationFailed("\n".join(["schema problems:", *map(str, problems)]))
    versions = [
        TsVersion(v.version, v.suffix, v.publish, v.consume) for v in group_by_version(schemas)
    ]
    env = template_environment()
    files: list[GeneratedFile] = []
    for version in versions:
        files.append(GeneratedFile(f"types-{version.suffix}.ts", _tidy(_types(env, version))))
        for schema in (version.publish, version.consume):
            name = f"validate-{version.suffix}-{schema.kind}.ts"
            files.append(GeneratedFile(name, _tidy(_validator(env, schema))))
    context = _rules_context(versions, schemas)
    for module in RULE_MODULES:
        text = env.get_template(f"typescript/{module}.jinja").render(**context)
        files.append(GeneratedFile(module, _tidy(text)))
    files.append(GeneratedFile(*pointer_typescript(schema_dir)))
    return sorted(files, key=lambda file: file.name)


def _tidy(text: str) -> str:
    """At most one blank line in a row, whatever the templates' blocks leave."""
    return re.sub(r"\n{3,}", "\n\n", text)


def _types(env: jinja2.Environment, version: TsVersion) -> str:
    try:
        publish_lines = declarations(version.publish.document, "")
        consume_lines = declarations(version.consume.document, "Consumed")
    except UnsupportedSchema as error:
        raise GenerationFailed(f"{version.publish.relative_path}: {error}") from None
    return env.get_template("typescript/types.ts.jinja").render(
        version=version.version,
        publish=version.publish,
        consume=version.consume,
        publish_lines=publish_lines,
        consume_lines=consume_lines,
    )


def _validator(env: jinja2.Environment, schema: SchemaFile) -> str:
    try:
        compiled: TsValidator = compile_typescript(schema.document)
    except UnsupportedSchema as error:
        raise GenerationFailed(f"{schema.relative_path}: {error}") from None
    text = "\n".join(
        [expression for _, expression in compiled.constants]
        + [line for function in compiled.functions for line in function.body]
    )
    helpers = sorted(h for h in HELPERS if f"{h}(" in text or f"{h}." in text)
    imports = sorted([*helpers, "type Violation"], key=lambda name: name.removeprefix("type "))
    return env.get_template("typescript/validator.ts.jinja").render(
        schema=schema, compiled=compiled, helpers=imports
    )


def _rules_context(versions: list[TsVersion], schemas: list[SchemaFile]) -> dict[str, Any]:
    context = wire_context(versions, schemas)
    return {**context, "attribute_rules": attribute_rules(context["latest"], regex_expression)}

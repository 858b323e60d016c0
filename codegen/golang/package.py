"""From schema files to the text of every file of bindings/go/wire/, in memory and
deterministic: per format version its types and two compiled validators, then the files of wire
and transport rules, rendered from codegen/templates/go/ with the values the TypeScript
templates get (codegen.wire_context), and the large-payload pointer's reader and writer
(codegen.pointer), all formatted by gofmt.

Generated files end in `_gen.go`, so hand-written tests beside them are never taken for stale
output."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from codegen.errors import GenerationFailed, UnsupportedSchema
from codegen.generate import FormatVersionFiles, GeneratedFile, group_by_version
from codegen.golang.go_regex import regex_expression
from codegen.golang.go_types import declarations, go_name
from codegen.golang.go_validator import GoValidator, compile_go
from codegen.pointer import load_pointer
from codegen.render import template_environment
from codegen.schemas import SchemaFile, load_schemas
from codegen.wire_context import attribute_rules, metadata_properties, wire_context

__all__ = ["GO_SUFFIX", "generate_go", "gofmt"]

GO_SUFFIX = "_gen.go"
# Files with no per-version content, each rendered from go/<name>.go.jinja.
RULE_FILES = (
    "decode", "formats", "json_text", "json_values", "limits", "naming", "ordering",
    "publishing", "schedule", "strict_json", "violation",
)  # fmt: skip


@dataclass(frozen=True)
class GoVersion:
    version: str
    type_suffix: str  # 1_1 for version 1.1


def generate_go(schema_dir: Path) -> list[GeneratedFile]:
    schemas, problems = load_schemas(schema_dir)
    if problems:
        raise GenerationFailed("\n".join(["schema problems:", *map(str, problems)]))
    versions = group_by_version(schemas)
    env = template_environment()
    files: list[GeneratedFile] = []
    for version in versions:
        suffix = type_suffix(version)
        files.append(_file(f"types_{version.suffix}", _types(env, version, suffix)))
        for schema in (version.publish, version.consume):
            stem = f"validate_{version.suffix}_{schema.kind}"
            files.append(_file(stem, _validator(env, schema, suffix)))
    context = _rules_context(versions, schemas)
    for name in RULE_FILES:
        files.append(_file(name, env.get_template(f"go/{name}.go.jinja").render(**context)))
    pointer = env.get_template("go/pointer.go.jinja").render(pointer=load_pointer(schema_dir))
    files.append(_file("pointer", pointer))
    return sorted(files, key=lambda file: file.name)


def type_suffix(version: FormatVersionFiles) -> str:
    """`V1_1` for version 1.1: what each version's Go names end in."""
    return version.suffix[:1].upper() + version.suffix[1:]


def _file(stem: str, text: str) -> GeneratedFile:
    return GeneratedFile(stem + GO_SUFFIX, gofmt(re.sub(r"\n{3,}", "\n\n", text)))


def gofmt(text: str) -> str:
    """The text as gofmt formats it; GenerationFailed when gofmt is missing or refuses it."""
    tool = shutil.which("gofmt")
    if tool is None:
        raise GenerationFailed("gofmt not found: the Go package's sources need Go (1.24 or later)")
    result = subprocess.run(
        [tool], input=text, capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise GenerationFailed(f"gofmt refused generated Go:\n{result.stderr}\n{text}")
    return result.stdout


def _types(env: jinja2.Environment, version: FormatVersionFiles, suffix: str) -> str:
    try:
        lines = declarations(version.publish.document, suffix)
    except UnsupportedSchema as error:
        raise GenerationFailed(f"{version.publish.relative_path}: {error}") from None
    return env.get_template("go/types.go.jinja").render(
        version=version.version, publish=version.publish, lines=lines, suffix=suffix
    )


def _validator(env: jinja2.Environment, schema: SchemaFile, suffix: str) -> str:
    entry = f"{schema.kind}V{suffix[1:]}"
    try:
        compiled: GoValidator = compile_go(schema.document, entry)
    except UnsupportedSchema as error:
        raise GenerationFailed(f"{schema.relative_path}: {error}") from None
    text = "\n".join(
        [expression for _, expression in compiled.constants]
        + [line for function in compiled.functions for line in function.body]
    )
    imports = [name for name in ("encoding/json", "regexp") if f"{name.split('/')[-1]}." in text]
    return env.get_template("go/validator.go.jinja").render(
        schema=schema, compiled=compiled, imports=imports, entry=entry
    )


def _rules_context(versions: list[FormatVersionFiles], schemas: list[SchemaFile]) -> dict[str, Any]:
    context = wire_context(versions, schemas)
    latest: SchemaFile = context["latest"]
    metadata = metadata_properties(latest)
    return {
        **context,
        "versions": [GoVersion(v.version, type_suffix(v)[1:]) for v in versions],
        "attribute_rules": attribute_rules(latest, regex_expression),
        "latest_type": f"{latest.document['title']}{type_suffix(versions[-1])}",
        "message_keys": list(latest.document.get("properties", {})),
        "metadata_keys": list(metadata),
        "time_fields": [name for name in ("timestamp", "eta", "expires") if name in metadata],
        "scheduling_fields": [(name, go_name(name)) for name in context["scheduling"]],
    }

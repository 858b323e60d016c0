"""Frozen, slotted dataclasses from the publish schema, by datamodel-code-generator."""

from __future__ import annotations

from codegen.pinned_tools import run_pinned_tool
from codegen.schemas import SchemaFile

__all__ = ["render_models"]

# Pinned options: frozen slotted dataclasses (no pydantic at run time), Literal enums so plain
# strings construct them, ids kept as wire strings. Validation is the compiled validator's job.
DATAMODEL_OPTIONS = [
    "--input-file-type", "jsonschema",
    "--output-model-type", "dataclasses.dataclass",
    "--preset", "standard-py310-20261027",
    "--dataclass-arguments", '{"frozen": true, "slots": true, "kw_only": true}',
    "--enum-field-as-literal", "all",
    "--type-mappings", "string+uuid=string",
    "--use-double-quotes",
    "--class-name", "Message",
    "--use-title-as-name",
    "--disable-timestamp",
]  # fmt: skip


def render_models(schema: SchemaFile) -> str:
    """Return the model classes only: the generator's own header and imports are replaced."""
    output = run_pinned_tool("datamodel_code_generator", DATAMODEL_OPTIONS, stdin=schema.text)
    body_start = output.index("\n@dataclass")
    return output[body_start:].strip() + "\n"

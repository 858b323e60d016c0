"""Validator modules from schema files, by codegen's own compiler (`codegen.validator_compiler`).

The output is plain Python that imports only `re`, `collections.abc`, `typing` and the
generated errors module, so the runtime needs no validation library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from codegen.errors import GenerationFailed, UnsupportedSchema
from codegen.schemas import SchemaFile
from codegen.validator_compiler import CompiledValidator, compile_validator

__all__ = ["ValidatorSource", "compile_schema"]

OPTIONAL_HELPERS = ("json_in", "member_path", "quote")


@dataclass(frozen=True)
class ValidatorSource:
    """What the validator template needs: the compiled functions and which imports they use."""

    compiled: CompiledValidator
    helpers: tuple[str, ...]
    uses_re: bool


def compile_schema(schema: SchemaFile) -> ValidatorSource:
    """Compile one schema file; GenerationFailed names the file and the unsupported part."""
    try:
        compiled = compile_validator(schema.document)
    except UnsupportedSchema as error:
        raise GenerationFailed(f"{schema.relative_path}: {error}") from None
    text = "\n".join(
        [*(expression for _, expression in compiled.constants)]
        + [line for function in compiled.functions for line in function.body]
    )
    used = tuple(h for h in OPTIONAL_HELPERS if re.search(rf"\b{h}\(", text))
    helpers = tuple(sorted(("SchemaViolation", "first_violation", *used)))
    return ValidatorSource(compiled, helpers, "re.compile(" in text)

"""The reference oracle for schema files: codegen's reference validator (jsonschema Draft 2020-12
with `pattern` run as ECMA-262), built once per file."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from codegen.reference_validator import ReferenceValidator, ecma_search, reference_validator

__all__ = ["Oracle", "ecma_search", "oracle_for"]

Oracle = ReferenceValidator


@cache
def oracle_for(schema_path: Path) -> Oracle:
    """The oracle for one schema file (cached: building a validator costs more than using it)."""
    return reference_validator(json.loads(schema_path.read_text(encoding="utf-8")))

"""The reference oracle for schema files: codegen's reference validator (jsonschema Draft 2020-12
with `pattern` run as ECMA-262), built once per file."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from codegen.reference_validator import ReferenceValidator, ecma_search, reference_validator
from tools.conformance import ROOT
from tools.conformance.schema_checks import generated_check

__all__ = ["Oracle", "ecma_search", "oracle_check", "oracle_for"]

Oracle = ReferenceValidator


@cache
def oracle_for(schema_path: Path) -> Oracle:
    """The oracle for one schema file (cached: building a validator costs more than using it)."""
    return reference_validator(json.loads(schema_path.read_text(encoding="utf-8")))


def oracle_check(format_version: str, message: Any) -> list[str]:
    """A `SchemaCheck`: the oracle's verdict on a testee's message, and a problem when the
    generated validator (what the installed kit checks with) gives another."""
    schema = ROOT / "schema" / "message" / format_version / "publish.json"
    errors = sorted(oracle_for(schema).iter_errors(message), key=lambda e: e.json_path)
    problems = [f"schema publish.json {e.json_path}: {e.message}" for e in errors[:5]]
    if (not errors) != (not generated_check(format_version, message)):
        problems.append("the generated publish validator disagrees with the schema oracle")
    return problems

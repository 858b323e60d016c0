"""Validators compiled to plain Python by fastjsonschema, so each verdict is JSON Schema's.

The compiled text is adjusted in three mechanical ways only: typed signatures (so it passes
mypy --strict), exceptions from taskhawk._generated.errors (so the runtime needs no
fastjsonschema), and no unused imports.
"""

from __future__ import annotations

import re

from codegen.schemas import SchemaFile

__all__ = ["render_validator"]

COMPILE_SCRIPT = """
import json, sys
import fastjsonschema
schema = json.loads(sys.stdin.read())
sys.stdout.write(fastjsonschema.compile_to_code(schema, use_default=False))
"""
SIGNATURE = re.compile(r"^def (\w+)\(data, custom_formats=\{\}, name_prefix=None\):$", re.M)
TYPED_SIGNATURE = (
    r"def \1(data: Any, custom_formats: Any = None, name_prefix: str | None = None) -> Any:"
)
DROPPED_LINES = re.compile(
    r"^(VERSION = .*|from fastjsonschema import .*|from decimal import .*|import re)\n", re.M
)
FIRST_FUNCTION = re.compile(r"^def (\w+)\(", re.M)


def render_validator(schema: SchemaFile) -> str:
    from codegen.generate import GenerationFailed, run_checked

    compiled = run_checked(["-c", COMPILE_SCRIPT], stdin=schema.text)
    if "custom_formats[" in compiled:
        raise GenerationFailed(f"{schema.relative_path}: custom formats are not supported")
    body = DROPPED_LINES.sub("", compiled)
    body = SIGNATURE.sub(TYPED_SIGNATURE, body)
    entry = FIRST_FUNCTION.search(body)
    if entry is None:
        raise GenerationFailed(f"{schema.relative_path}: fastjsonschema produced no function")
    imports = ["from typing import Any"]
    if "re." in body:
        imports.insert(0, "import re")
    if "Decimal" in body:
        imports.insert(0, "from decimal import Decimal")
    names = ["JsonSchemaValueException"]
    if "JsonSchemaValuesException" in body:
        names.append("JsonSchemaValuesException")
    imports.append(f"from taskhawk._generated.errors import {', '.join(names)}")
    alias = f"\n\n# The schema's entry point under a stable name.\nvalidate = {entry.group(1)}\n"
    return "\n".join(imports) + "\n\n" + body.strip() + "\n" + alias

"""The portable JSON Schema subset that the Python and TypeScript validator compilers accept.

Both compilers refuse any keyword outside it, so the two languages' validators always cover the
same schemas; the lists live here once so that they cannot drift apart.
"""

from __future__ import annotations

import re

__all__ = ["ANNOTATIONS", "APPLICABLE", "APPLICATORS", "REF", "TYPES"]

# Keywords that describe and never decide.
ANNOTATIONS = frozenset(
    {"$schema", "$id", "$comment", "title", "description", "x-format-version", "examples"}
)
# Keywords that only look at instances of one type, by that type.
APPLICABLE = {
    "string": ("minLength", "maxLength", "pattern"),
    "number": ("minimum", "maximum"),
    "object": ("maxProperties",),
    "array": ("minItems", "maxItems"),
}
APPLICATORS = frozenset(
    {"type", "enum", "const", "not", "$ref", "$defs", "items", "properties", "required",
     "additionalProperties", "propertyNames", "patternProperties"}
)  # fmt: skip
# A $ref the compilers follow: to a definition of the same document.
REF = re.compile(r"#/\$defs/([^/~]+)")
TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean", "null"})

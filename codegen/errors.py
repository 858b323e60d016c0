"""Every error codegen raises, in one place, so any module can raise them without importing the
module that catches them."""

from __future__ import annotations

__all__ = [
    "GenerationFailed",
    "ReleasedSchemasUnavailable",
    "UnportableRegex",
    "UnsupportedSchema",
]


class GenerationFailed(Exception):
    """Schema problems or a generator that warned, errored or dropped a constraint."""


class UnsupportedSchema(ValueError):
    """A keyword or construct the validator compiler does not implement; the message says where."""


class UnportableRegex(ValueError):
    """The pattern uses syntax that ECMA-262 and Python's `re` would read differently."""


class ReleasedSchemasUnavailable(Exception):
    """The git ref to compare released schema files with cannot be found or read."""

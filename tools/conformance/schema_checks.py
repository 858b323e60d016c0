"""What publish.json says of a message a testee wrote, as a function of one signature, so that a
run can choose: the generated validator alone (the standard library only: what the installed
conformance kit runs), or the schema oracle with the generated validator held to agree with it
(`oracle.oracle_check`, this repository's own runs)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from taskhawk._generated import FORMAT_VERSIONS

__all__ = ["SchemaCheck", "generated_check"]

# (the case's format version, the parsed message) -> problems, empty when the message is valid
SchemaCheck = Callable[[str, Any], list[str]]


def generated_check(format_version: str, message: Any) -> list[str]:
    """The generated publish validator of the format version (first five violations)."""
    errors = list(FORMAT_VERSIONS[format_version].iter_errors_publish(message))
    return [f"schema publish.json {error.path}: {error.message}" for error in errors[:5]]

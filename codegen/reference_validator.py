"""The reference validator: jsonschema's Draft 2020-12 validator with `pattern` run as ECMA-262.

JSON Schema patterns are ECMA-262 regexes; Python's `re` reads `$` differently (it also matches
before a final newline), so `pattern` is evaluated by regress, an ECMA-262 engine. The contract
harness judges messages with it, and the compatibility checker confirms counterexamples with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from typing import Any

import jsonschema
import regress

__all__ = ["ReferenceValidator", "ecma_search", "reference_validator"]

ReferenceValidator = Any  # a jsonschema validator instance (the library ships no type information)


def ecma_search(pattern: str, text: str) -> bool:
    try:
        return _compiled(pattern).find(text) is not None
    except UnicodeEncodeError:
        # regress takes UTF-8 only, so a lone surrogate cannot be passed. Python's `re` agrees
        # with ECMA-262 (Unicode mode) on such strings except for `$`, made strict here.
        return re.search(re.sub(r"(?<!\\)\$", r"\\Z", pattern), text) is not None


@cache
def _compiled(pattern: str) -> regress.Regex:
    return regress.Regex(pattern)


def _ecma_pattern(
    validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[jsonschema.ValidationError]:
    if validator.is_type(instance, "string") and not ecma_search(pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


_EcmaValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator, validators={"pattern": _ecma_pattern}
)


def reference_validator(document: dict[str, Any] | bool) -> ReferenceValidator:
    """A validator for one schema document (format assertions on, as the contract suite runs)."""
    return _EcmaValidator(document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)

"""Object keywords: required, properties, additionalProperties, propertyNames, patternProperties.

The boolean family checks declared properties inline (`data["id"]` once `required` holds) and
visits the other members in one loop only when a keyword needs it; a closed object with no
other member keyword is just a key-set comparison.
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from codegen.keywords import Check, Literals

__all__ = ["Compiler", "object_checks"]


class Compiler(Protocol):
    """What object keywords need from the validator compiler: it calls them, so they see it only
    through this interface and never import it."""

    literals: Literals

    def child(self, pointer: str, schema: Any, *segments: str) -> str: ...

    def single(
        self, name: str, parameters: str, returns: str, doc: str, body: list[str]
    ) -> None: ...


def object_checks(
    compiler: Compiler, pointer: str, schema: dict[str, Any], name: str
) -> list[Check]:
    literals = compiler.literals
    checks: list[Check] = []
    required = list(dict.fromkeys(schema.get("required", [])))
    if required:
        names = literals.names("REQUIRED", required)
        order = literals.constant("ORDER", repr(tuple(required)))
        checks.append(
            Check("", f"data.keys() >= {names}", "required", "", (
                f"for name in {order}:",
                "    if name not in data:",
                f"        yield SchemaViolation(path, {_REQUIRED_MESSAGE})",
            ))
        )  # fmt: skip
    properties: dict[str, Any] = schema.get("properties", {})
    if properties:
        checks.append(_properties(compiler, pointer, properties, set(required), name))
    members = _members(compiler, pointer, schema, name)
    if members is not None:
        checks.append(members)
    return checks


def _properties(
    compiler: Compiler, pointer: str, properties: dict[str, Any], required: set[str], name: str
) -> Check:
    terms: list[str] = []
    errors: list[str] = []
    for key, subschema in properties.items():
        sub = compiler.child(pointer, subschema, "properties", key)
        value = f"data[{key!r}]"
        call = f"_valid_{sub}({value})"
        terms.append(call if key in required else f"({key!r} not in data or {call})")
        errors.extend([
            f"if {key!r} in data:",
            f"    yield from _errors_{sub}({value}, {_member_path(key)})",
        ])  # fmt: skip
    compiler.single(
        f"_errors_{name}_properties", "data: dict[str, Any], path: str", "", pointer, errors
    )
    delegate = (f"yield from _errors_{name}_properties(data, path)",)
    return Check("", " and ".join(terms), "properties", "", delegate)


def _members(compiler: Compiler, pointer: str, schema: dict[str, Any], name: str) -> Check | None:
    """propertyNames, patternProperties and additionalProperties, in one pass over the keys."""
    literals = compiler.literals
    declared = list(schema.get("properties", {}))
    known = literals.names("KNOWN", declared) if declared else ""
    valid_terms: list[str] = []
    errors: list[str] = []
    if "propertyNames" in schema:
        names = compiler.child(pointer, schema["propertyNames"], "propertyNames")
        valid_terms.append(f"_valid_{names}(key)")
        errors += [
            f"for violation in _errors_{names}(key, path):",
            "    yield violation.about_name(key)",
        ]
    matched = [f"key in {known}"] if known else []
    _pattern_properties(compiler, pointer, schema, (valid_terms, errors, matched))
    additional = schema.get("additionalProperties", True)
    if additional is False and not valid_terms:
        return _closed(known)  # only declared names allowed: a key-set comparison, no loop
    if additional is not True:
        term, lines = _additional(compiler, pointer, additional, matched)
        valid_terms.append(term)
        errors += lines
    if not valid_terms:
        return None
    loop = " and ".join(valid_terms)
    compiler.single(
        f"_valid_{name}_members", "data: dict[str, Any]", "bool", pointer,
        [_for_members(loop), f"    if not ({loop}):", "        return False", "return True"],
    )  # fmt: skip
    compiler.single(
        f"_errors_{name}_members", "data: dict[str, Any], path: str", "", pointer,
        [_for_members("\n".join(errors)), *(f"    {line}" for line in errors)],
    )  # fmt: skip
    delegate = (f"yield from _errors_{name}_members(data, path)",)
    return Check("", f"_valid_{name}_members(data)", "members", "", delegate)


def _pattern_properties(
    compiler: Compiler,
    pointer: str,
    schema: dict[str, Any],
    into: tuple[list[str], list[str], list[str]],
) -> None:
    """Each patternProperties entry as a validity term, error lines and a "matched" test, added
    to `into` (valid terms, errors, matched) in the schema's order."""
    valid_terms, errors, matched = into
    for regex_text, subschema in schema.get("patternProperties", {}).items():
        where = f"{pointer}/patternProperties/{regex_text}"
        regex = compiler.literals.pattern(regex_text, where)
        sub = compiler.child(pointer, subschema, "patternProperties", regex_text)
        valid_terms.append(f"(not {regex}.search(key) or _valid_{sub}(value))")
        errors += [f"if {regex}.search(key):", f"    yield from _errors_{sub}(value, {_KEY_PATH})"]
        matched.append(f"{regex}.search(key)")


def _additional(
    compiler: Compiler, pointer: str, additional: Any, matched: list[str]
) -> tuple[str, list[str]]:
    """The loop term and error lines for members no other keyword claims."""
    unclaimed = " or ".join(matched)
    if additional is False:
        message = 'f"{quote(key)} is not allowed (the format has no such key)"'
        violation = f'yield SchemaViolation(path, "additionalProperties", {message})'
        if not unclaimed:
            return "False", [violation]
        return f"({unclaimed})", [f"if not ({unclaimed}):", f"    {violation}"]
    sub = compiler.child(pointer, additional, "additionalProperties")
    call = f"_valid_{sub}(value)"
    term = f"({unclaimed} or {call})" if unclaimed else call
    lines = [f"yield from _errors_{sub}(value, {_KEY_PATH})"]
    if unclaimed:
        lines = [f"if not ({unclaimed}):", *(f"    {line}" for line in lines)]
    return term, lines


def _closed(known: str) -> Check:
    message = 'f"{quote(key)} is not allowed (the format has no such key)"'
    if not known:
        return Check("", "not data", "additionalProperties", "", (
            "for key in data:",
            f'    yield SchemaViolation(path, "additionalProperties", {message})',
        ))  # fmt: skip
    return Check("", f"data.keys() <= {known}", "additionalProperties", "", (
        "for key in data:",
        f"    if key not in {known}:",
        f'        yield SchemaViolation(path, "additionalProperties", {message})',
    ))  # fmt: skip


_KEY_PATH = "member_path(path, key)"
_REQUIRED_MESSAGE = '"required", f"{quote(name)} is missing (required)"'


def _for_members(body: str) -> str:
    """Iterate keys only when no line uses the value (an unused loop variable fails lint)."""
    uses_value = re.search(r"\bvalue\b", body) is not None
    return "for key, value in data.items():" if uses_value else "for key in data:"


def _member_path(key: str) -> str:
    """The child path, computed at generation time when the key is a plain identifier."""
    if key.isidentifier() and key.isascii():
        return f"path + {'.' + key!r}"
    return f"member_path(path, {key!r})"

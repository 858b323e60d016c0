"""Small, readable values a schema accepts, built from its keywords: the plainest message a
schema allows (`{"id": "00000000-...", "task": "0", ...}`), and values for one member. Each
candidate is kept only if the reference validator accepts it, so a construct this does not
understand costs a candidate, never a wrong answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from codegen.compat.regex_examples import pattern_examples
from codegen.reference_validator import reference_validator

__all__ = ["MISSING", "Witnesses"]

MISSING: Any = object()  # no candidate was accepted
_PLAIN: list[Any] = [0, "0", None, False, [], {}]
_BY_KEYWORD = (
    ("string", ("pattern", "minLength", "maxLength")),
    ("integer", ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")),
    ("object", ("properties", "required", "additionalProperties", "propertyNames")),
    ("array", ("items", "minItems", "maxItems")),
)


class Witnesses:
    """Candidates for subschemas of one document (its `$defs` resolve every `$ref`)."""

    def __init__(self, document: Any) -> None:
        self.defs = document.get("$defs", {}) if isinstance(document, dict) else {}
        self.memo: dict[str, Any] = {}

    def first(self, node: Any, limit: int = 24) -> Any:
        """The first candidate `node` accepts, or MISSING."""
        key = json.dumps(node, sort_keys=True, default=str)
        if key not in self.memo:
            self.memo[key] = next(iter(self.accepted(node, limit)), MISSING)
        return self.memo[key]

    def accepted(self, node: Any, limit: int = 24) -> list[Any]:
        validator = reference_validator(self.document(node))
        found: dict[str, Any] = {}  # by JSON text: 0, 0.0 and false are three candidates
        for count, candidate in enumerate(self.candidates(node)):
            if count >= limit:
                break
            text = json.dumps(candidate, sort_keys=True)
            if text not in found and validator.is_valid(candidate):
                found[text] = candidate
        return list(found.values())

    def document(self, node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        return {**node, "$defs": self.defs} if self.defs else node

    def resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            node = self.defs.get(node["$ref"].rpartition("/")[2], {})
        return {} if node is True else node

    def candidates(self, node: Any) -> Iterator[Any]:
        node = self.resolve(node)
        if not isinstance(node, dict):
            return
        if "const" in node:
            yield node["const"]
        yield from node.get("enum", [])
        for kind in _types(node):
            yield from _SCALARS[kind](node) if kind in _SCALARS else self.composite(kind, node)
        yield from _PLAIN

    def composite(self, kind: str, node: dict[str, Any]) -> Iterator[Any]:
        if kind == "array":
            item = self.first(node.get("items", {}))
            yield [] if item is MISSING else [item] * node.get("minItems", 0)
            return
        members: dict[str, Any] = {}
        for name in node.get("required", []):
            value = self.first(self.member_schema(node, name))
            if value is MISSING:
                return
            members[name] = value
        yield members

    def member_schema(self, node: dict[str, Any], name: str) -> Any:
        node = self.resolve(node)
        if name in node.get("properties", {}):
            return node["properties"][name]
        return node.get("additionalProperties", {})


def _types(node: dict[str, Any]) -> list[str]:
    declared = node.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return list(declared)
    return [kind for kind, keywords in _BY_KEYWORD if any(k in node for k in keywords)]


def _strings(node: dict[str, Any]) -> Iterator[str]:
    low, high = node.get("minLength", 0), node.get("maxLength")
    lengths = list(dict.fromkeys([max(low, 1), low, *([high] if high is not None else [])]))
    if "pattern" in node:
        yield from pattern_examples(node["pattern"])
        for length in lengths:
            yield from pattern_examples(node["pattern"], length)
        return
    for length in lengths:
        yield from ("0" * length, "a" * length)


def _numbers(node: dict[str, Any], fractions: bool) -> Iterator[float | int]:
    low, high = node.get("minimum"), node.get("maximum")
    above, below = node.get("exclusiveMinimum"), node.get("exclusiveMaximum")
    step = 0.5 if fractions else 1
    picks = [0, low, high, None if above is None else above + step]
    picks += [None if below is None else below - step, 1, step]
    for value in picks:
        if value is not None:
            yield value
            if fractions:
                yield value + 0.5


def _integers(node: dict[str, Any]) -> Iterator[float | int]:
    return _numbers(node, fractions=False)


def _floats(node: dict[str, Any]) -> Iterator[float | int]:
    return _numbers(node, fractions=True)


def _booleans(node: dict[str, Any]) -> Iterator[bool]:
    return iter((False, True))


def _nulls(node: dict[str, Any]) -> Iterator[None]:
    return iter((None,))


_SCALARS: dict[str, Any] = {
    "string": _strings,
    "integer": _integers,
    "number": _floats,
    "boolean": _booleans,
    "null": _nulls,
}

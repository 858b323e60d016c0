"""Comparing the keywords that constrain a value in place (type, enum, bounds, pattern) and the
annotations, in one subschema of each version. Each difference becomes a `Finding`: its kind,
the keyword, what changed in words, and (for a narrowing) the keywords to add to the older
subschema so that its values fall in the gap the newer one refuses."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codegen.compat.changes import Kind

__all__ = ["ANNOTATIONS", "BOUNDS", "CATEGORY_OF", "Finding", "admits", "leaf_findings"]

ANNOTATIONS = ("title", "description", "$comment", "examples")
IDENTITY = ("$schema", "$id", "x-format-version")
ALL_TYPES = ("object", "array", "string", "number", "integer", "boolean", "null")
# keyword -> (kind prefix, is an upper bound, the keyword bounding the gap from the other side)
BOUNDS = {
    "maxLength": ("MAX_LENGTH", True, "minLength"),
    "minLength": ("MIN_LENGTH", False, "maxLength"),
    "maximum": ("MAXIMUM", True, "minimum"),
    "minimum": ("MINIMUM", False, "maximum"),
    "maxItems": ("MAX_ITEMS", True, "minItems"),
    "minItems": ("MIN_ITEMS", False, "maxItems"),
    "maxProperties": ("MAX_PROPERTIES", True, "minProperties"),
}
CATEGORY_OF = {
    "maxLength": "string",
    "minLength": "string",
    "pattern": "string",
    "maximum": "number",
    "minimum": "number",
    "maxItems": "array",
    "minItems": "array",
    "maxProperties": "object",
}


@dataclass(frozen=True)
class Finding:
    kind: Kind
    keyword: str
    detail: str
    hint: dict[str, Any] | None = None  # keywords narrowing the older subschema to the gap


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def types_of(schema: dict[str, Any]) -> set[str]:
    declared = schema.get("type", list(ALL_TYPES))
    types = {declared} if isinstance(declared, str) else set(declared)
    return types | {"integer"} if "number" in types else types


def admits(schema: dict[str, Any], category: str) -> bool:
    """Whether `schema`'s `type` lets values of `category` through (integers are numbers)."""
    types = types_of(schema)
    return bool(types & {"number", "integer"}) if category == "number" else category in types


def leaf_findings(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    findings = _annotations(old, new) + _type(old, new) + _enum(old, new)
    for keyword in BOUNDS:
        findings += _bound(keyword, old.get(keyword), new.get(keyword))
    return findings + _pattern(old.get("pattern"), new.get("pattern"))


def _annotations(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    found = []
    for keyword in (*ANNOTATIONS, *IDENTITY):
        if old.get(keyword) != new.get(keyword):
            kind = Kind.ANNOTATION_CHANGED if keyword in ANNOTATIONS else Kind.IDENTITY_CHANGED
            found.append(Finding(kind, keyword, f"{keyword} changed"))
    return found


def _type(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = types_of(old), types_of(new)
    lost, gained = before - after, after - before
    if not lost and not gained:
        return []
    shown = f"type {_shown(old.get('type'))} -> {_shown(new.get('type'))}"
    hint: dict[str, Any] = {"type": sorted(lost)}
    if "number" in lost and "integer" not in lost:
        hint["not"] = {"type": "integer"}  # numbers with a fraction: the integers stayed
    if lost and gained:
        return [Finding(Kind.TYPE_CHANGED, "type", shown, hint)]
    if gained:
        return [Finding(Kind.TYPE_WIDENED, "type", shown)]
    return [Finding(Kind.TYPE_NARROWED, "type", shown, hint)]


def _members(schema: dict[str, Any]) -> list[Any] | None:
    if "enum" in schema:
        return list(schema["enum"])
    return [schema["const"]] if "const" in schema else None


def _same(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but 1 != true."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def _enum(old: dict[str, Any], new: dict[str, Any]) -> list[Finding]:
    before, after = _members(old), _members(new)
    if before is None and after is None:
        return []
    keyword = "enum" if "enum" in new or ("enum" in old and "const" not in new) else "const"
    if after is None:
        return [Finding(Kind.ENUM_REMOVED, keyword, f"{keyword} {_shown(before)} removed")]
    if before is None:
        return [Finding(Kind.ENUM_ADDED, keyword, f"{keyword} {_shown(after)} added", {})]
    removed = [m for m in before if not any(_same(m, n) for n in after)]
    added = [m for m in after if not any(_same(m, o) for o in before)]
    found = []
    if removed:
        shown = ", ".join(map(_shown, removed))
        found.append(
            Finding(Kind.ENUM_VALUE_REMOVED, keyword, f"{shown} removed", {"enum": removed})
        )
    if added:
        found.append(
            Finding(Kind.ENUM_VALUE_ADDED, keyword, f"{', '.join(map(_shown, added))} added")
        )
    return found


def _bound(keyword: str, before: Any, after: Any) -> list[Finding]:
    if before == after:
        return []
    prefix, upper, _ = BOUNDS[keyword]
    if after is None:
        return [Finding(Kind[f"{prefix}_REMOVED"], keyword, f"{keyword} {before} removed")]
    if before is None:
        return [
            Finding(
                Kind[f"{prefix}_ADDED"], keyword, f"{keyword} {after} added", _gap(keyword, after)
            )
        ]
    narrowed = after < before if upper else after > before
    direction = "DECREASED" if (after < before) else "INCREASED"
    return [
        Finding(
            Kind[f"{prefix}_{direction}"],
            keyword,
            f"{keyword} {before} -> {after}",
            _gap(keyword, after) if narrowed else None,
        )
    ]


def _gap(keyword: str, after: Any) -> dict[str, Any]:
    """Keywords whose values the new bound refuses: just past it."""
    if keyword == "maximum":
        return {"exclusiveMinimum": after}
    if keyword == "minimum":
        return {"exclusiveMaximum": after}
    _, upper, opposite = BOUNDS[keyword]
    return {opposite: after + 1} if upper else {opposite: max(after - 1, 0)}


def _pattern(before: Any, after: Any) -> list[Finding]:
    if before == after:
        return []
    if after is None:
        return [Finding(Kind.PATTERN_REMOVED, "pattern", f"pattern {_shown(before)} removed")]
    if before is None:
        return [Finding(Kind.PATTERN_ADDED, "pattern", f"pattern {_shown(after)} added", {})]
    detail = f"pattern {_shown(before)} -> {_shown(after)}"
    return [Finding(Kind.PATTERN_CHANGED, "pattern", detail, {})]

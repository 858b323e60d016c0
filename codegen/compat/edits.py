"""Where two JSON documents differ, as JSON pointers, telling annotation edits (`title` and
`description` of a subschema) from everything else. Unlike the structural comparison this knows
nothing of what keywords mean, so no edit of a released file can slip past it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codegen.compat.sites import escape

__all__ = ["Edit", "json_edits"]

ANNOTATIONS = frozenset({"title", "description"})
SCHEMA_MAPS = frozenset({"properties", "patternProperties", "$defs"})
SUBSCHEMAS = frozenset({"additionalProperties", "propertyNames", "items", "not"})


@dataclass(frozen=True)
class Edit:
    pointer: str
    annotation: bool
    before: Any  # None when added
    after: Any  # None when removed


def json_edits(old: Any, new: Any, pointer: str = "", role: str = "schema") -> list[Edit]:
    """`role` is what `old` and `new` are: a schema, a map of names to schemas, or data."""
    if _text(old) == _text(new):
        return []
    if not (isinstance(old, dict) and isinstance(new, dict)) or role == "data":
        return [Edit(pointer, False, old, new)]
    edits: list[Edit] = []
    for key in sorted(old.keys() | new.keys()):
        here = f"{pointer}/{escape(key)}"
        if key not in old or key not in new:
            annotation = role == "schema" and key in ANNOTATIONS
            edits.append(Edit(here, annotation, old.get(key), new.get(key)))
        elif role == "map" or key in SUBSCHEMAS:
            edits += json_edits(old[key], new[key], here, "schema")
        elif key in SCHEMA_MAPS:
            edits += json_edits(old[key], new[key], here, "map")
        elif _text(old[key]) != _text(new[key]):
            edits.append(Edit(here, key in ANNOTATIONS, old[key], new[key]))
    return edits


def _text(value: Any) -> str:
    """JSON text that tells `1` from `1.0` and `true`: a released file's text is its meaning."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)

"""What the checker reports: a change's kind, where it is (a JSON pointer into the schema file and
the instance path it governs), its verdict, and how to look for a message that proves it.

The kinds follow Confluent Schema Registry's typed differences for JSON Schema (a keyword added,
removed, increased or decreased; properties added to open or closed content models), judged the
way a minor version is: the newer schema must accept every message the older one accepts.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

__all__ = ["Change", "Focus", "Kind", "Step", "instance_path"]


class Kind(Enum):
    """The kinds of change; `breaking` is the verdict a change has unless it says otherwise."""

    ANNOTATION_CHANGED = "ANNOTATION_CHANGED"
    IDENTITY_CHANGED = "IDENTITY_CHANGED"
    OPTIONAL_PROPERTY_ADDED = "OPTIONAL_PROPERTY_ADDED"
    PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    REQUIRED_PROPERTY_ADDED = "REQUIRED_PROPERTY_ADDED"
    REQUIRED_PROPERTY_REMOVED = "REQUIRED_PROPERTY_REMOVED"
    PROPERTY_REMOVED = "PROPERTY_REMOVED"
    PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL = "PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL"
    ADDITIONAL_PROPERTIES_CLOSED = "ADDITIONAL_PROPERTIES_CLOSED"
    ADDITIONAL_PROPERTIES_OPENED = "ADDITIONAL_PROPERTIES_OPENED"
    PATTERN_PROPERTY_ADDED = "PATTERN_PROPERTY_ADDED"
    PATTERN_PROPERTY_REMOVED = "PATTERN_PROPERTY_REMOVED"
    TYPE_NARROWED = "TYPE_NARROWED"
    TYPE_WIDENED = "TYPE_WIDENED"
    TYPE_CHANGED = "TYPE_CHANGED"
    ENUM_VALUE_REMOVED = "ENUM_VALUE_REMOVED"
    ENUM_VALUE_ADDED = "ENUM_VALUE_ADDED"
    ENUM_ADDED = "ENUM_ADDED"
    ENUM_REMOVED = "ENUM_REMOVED"
    PATTERN_ADDED = "PATTERN_ADDED"
    PATTERN_REMOVED = "PATTERN_REMOVED"
    PATTERN_CHANGED = "PATTERN_CHANGED"
    NOT_ADDED = "NOT_ADDED"
    NOT_REMOVED = "NOT_REMOVED"
    MAX_LENGTH_ADDED = "MAX_LENGTH_ADDED"
    MAX_LENGTH_DECREASED = "MAX_LENGTH_DECREASED"
    MAX_LENGTH_INCREASED = "MAX_LENGTH_INCREASED"
    MAX_LENGTH_REMOVED = "MAX_LENGTH_REMOVED"
    MIN_LENGTH_ADDED = "MIN_LENGTH_ADDED"
    MIN_LENGTH_INCREASED = "MIN_LENGTH_INCREASED"
    MIN_LENGTH_DECREASED = "MIN_LENGTH_DECREASED"
    MIN_LENGTH_REMOVED = "MIN_LENGTH_REMOVED"
    MAXIMUM_ADDED = "MAXIMUM_ADDED"
    MAXIMUM_DECREASED = "MAXIMUM_DECREASED"
    MAXIMUM_INCREASED = "MAXIMUM_INCREASED"
    MAXIMUM_REMOVED = "MAXIMUM_REMOVED"
    MINIMUM_ADDED = "MINIMUM_ADDED"
    MINIMUM_INCREASED = "MINIMUM_INCREASED"
    MINIMUM_DECREASED = "MINIMUM_DECREASED"
    MINIMUM_REMOVED = "MINIMUM_REMOVED"
    MAX_ITEMS_ADDED = "MAX_ITEMS_ADDED"
    MAX_ITEMS_DECREASED = "MAX_ITEMS_DECREASED"
    MAX_ITEMS_INCREASED = "MAX_ITEMS_INCREASED"
    MAX_ITEMS_REMOVED = "MAX_ITEMS_REMOVED"
    MIN_ITEMS_ADDED = "MIN_ITEMS_ADDED"
    MIN_ITEMS_INCREASED = "MIN_ITEMS_INCREASED"
    MIN_ITEMS_DECREASED = "MIN_ITEMS_DECREASED"
    MIN_ITEMS_REMOVED = "MIN_ITEMS_REMOVED"
    MAX_PROPERTIES_ADDED = "MAX_PROPERTIES_ADDED"
    MAX_PROPERTIES_DECREASED = "MAX_PROPERTIES_DECREASED"
    MAX_PROPERTIES_INCREASED = "MAX_PROPERTIES_INCREASED"
    MAX_PROPERTIES_REMOVED = "MAX_PROPERTIES_REMOVED"
    UNCOMPARABLE = "UNCOMPARABLE"
    FORMATTING_CHANGED = "FORMATTING_CHANGED"
    RELEASED_FILE_EDITED = "RELEASED_FILE_EDITED"
    RELEASED_FILE_REMOVED = "RELEASED_FILE_REMOVED"
    RELEASED_VERSION_REMOVED = "RELEASED_VERSION_REMOVED"

    @property
    def breaking(self) -> bool:
        return self in _BREAKING


_NEUTRAL = frozenset({Kind.ANNOTATION_CHANGED, Kind.IDENTITY_CHANGED, Kind.FORMATTING_CHANGED})
# Changes that may narrow and widen at once: breaking whichever way round they are seen.
_BOTH_WAYS = frozenset(
    {Kind.PATTERN_CHANGED, Kind.TYPE_CHANGED, Kind.UNCOMPARABLE, Kind.PATTERN_PROPERTY_ADDED}
)
_BREAKING = frozenset(
    {
        Kind.REQUIRED_PROPERTY_ADDED,
        Kind.PROPERTY_REMOVED,
        Kind.ADDITIONAL_PROPERTIES_CLOSED,
        Kind.PATTERN_PROPERTY_ADDED,
        Kind.PATTERN_PROPERTY_REMOVED,
        Kind.TYPE_NARROWED,
        Kind.TYPE_CHANGED,
        Kind.ENUM_VALUE_REMOVED,
        Kind.ENUM_ADDED,
        Kind.PATTERN_ADDED,
        Kind.PATTERN_CHANGED,
        Kind.NOT_ADDED,
        Kind.MAX_LENGTH_ADDED,
        Kind.MAX_LENGTH_DECREASED,
        Kind.MIN_LENGTH_ADDED,
        Kind.MIN_LENGTH_INCREASED,
        Kind.MAXIMUM_ADDED,
        Kind.MAXIMUM_DECREASED,
        Kind.MINIMUM_ADDED,
        Kind.MINIMUM_INCREASED,
        Kind.MAX_ITEMS_ADDED,
        Kind.MAX_ITEMS_DECREASED,
        Kind.MIN_ITEMS_ADDED,
        Kind.MIN_ITEMS_INCREASED,
        Kind.MAX_PROPERTIES_ADDED,
        Kind.MAX_PROPERTIES_DECREASED,
        Kind.UNCOMPARABLE,
        Kind.RELEASED_FILE_EDITED,
        Kind.RELEASED_FILE_REMOVED,
        Kind.RELEASED_VERSION_REMOVED,
    }
)


@dataclass(frozen=True)
class Step:
    """One step down an instance: a named member, any other member, an array item, or the
    member's name itself (what `propertyNames` constrains)."""

    kind: str  # "key", "extra", "item", "name"
    key: str = ""

    def render(self) -> str:
        if self.kind == "key":
            return f".{self.key}" if self.key.isidentifier() else f"[{self.key!r}]"
        return {"extra": ".*", "item": "[0]", "name": " (a member name)"}[self.kind]


def instance_path(steps: tuple[Step, ...]) -> str:
    return "$" + "".join(step.render() for step in steps)


@dataclass(frozen=True)
class Focus:
    """Where a counterexample differs from a plain message: at the end of `steps`, a value the
    `accept` schema accepts and the `reject` schema refuses, drawn from `hint` (a narrower
    schema whose values lie in that gap, when the kind says where the gap is); or, for `drop`,
    the plain message without that member. Schemas are documents: they carry their `$defs`."""

    steps: tuple[Step, ...]
    accept: Any
    reject: Any
    hint: Any = None
    drop: str = ""


@dataclass(frozen=True)
class Change:
    kind: Kind
    pointer: str  # JSON pointer into the file judged (the older file's, for what was removed)
    steps: tuple[Step, ...]
    detail: str
    breaking: bool
    focus: Focus | None = field(default=None, compare=False)
    in_older: bool = False  # the pointer is into the older file (what it points at is gone)

    @classmethod
    def of(
        cls,
        kind: Kind,
        pointer: str,
        steps: tuple[Step, ...],
        detail: str,
        focus: Focus | None = None,
        breaking: bool | None = None,
        in_older: bool = False,
    ) -> Change:
        verdict = kind.breaking if breaking is None else breaking
        return cls(kind, pointer, steps, detail, verdict, focus, in_older)

    def inverted(self) -> Change:
        """The same edit seen through `not`: what widens the inner schema narrows the outer,
        and the reverse; an annotation stays one, and a change both ways stays breaking."""
        detail = f"{self.detail} (inside `not`)"
        if self.kind in _NEUTRAL or self.kind in _BOTH_WAYS:
            return replace(self, detail=detail)
        return replace(self, breaking=not self.breaking, detail=detail)

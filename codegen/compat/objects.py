"""Comparing what an object schema says about its members: `required`, `properties`,
`additionalProperties`, `propertyNames` and `patternProperties`.

A member the older schema did not name was governed by its `additionalProperties`: added to a
closed content model (`false`) it is new and harmless; added to an open or partially open one,
old messages may already carry it, so its new schema is compared with the old
`additionalProperties`. A removed member is the reverse."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from codegen.compat.changes import Change, Kind, Step
from codegen.compat.constraints import admits
from codegen.compat.sites import Site, Walker, escape
from codegen.reference_validator import ecma_search

__all__ = ["object_changes"]

_OBJECT = ("required", "properties", "additionalProperties", "propertyNames", "patternProperties")


def object_changes(walker: Walker, site: Site) -> list[Change]:
    if not any(k in site.old or k in site.new for k in _OBJECT):
        return []
    if not admits(site.old, "object"):
        site = site.mooted("object")
    return [
        *_required(walker, site),
        *_properties(walker, site),
        *_additional(walker, site),
        *_names(walker, site),
        *_pattern_properties(walker, site),
    ]


def _required(walker: Walker, site: Site) -> list[Change]:
    before, after = set(site.old.get("required", [])), set(site.new.get("required", []))
    added, removed = Kind.REQUIRED_PROPERTY_ADDED, Kind.REQUIRED_PROPERTY_REMOVED
    return [
        *(
            walker.change(site, added, "required", f"{name!r} is required now", drop=name)
            for name in sorted(after - before)
        ),
        *(
            walker.change(site, removed, "required", f"{name!r} is no longer required")
            for name in sorted(before - after)
        ),
    ]


def _properties(walker: Walker, site: Site) -> list[Change]:
    before, after = site.old.get("properties", {}), site.new.get("properties", {})
    changes: list[Change] = []
    for name in sorted(before.keys() | after.keys()):
        here = site.down(
            before.get(name), after.get(name), f"properties/{escape(name)}", Step("key", name)
        )
        if name in before and name in after:
            changes += walker.walk(here)
        elif name in after:
            changes += _added(walker, site, here, name)
        else:
            changes += _removed(walker, site, here, name)
    return changes


def _added(walker: Walker, site: Site, here: Site, name: str) -> list[Change]:
    other = _other_schema(site.old, name)
    if other is None:
        detail = f"{name!r} added where a pattern property matched it"
        return [walker.change(site, Kind.UNCOMPARABLE, "patternProperties", detail)]
    if other is False:
        return [walker.change(here, Kind.OPTIONAL_PROPERTY_ADDED, "", f"{name!r} added")]
    detail = f"{name!r} added; old messages may carry it as an additional member"
    added = walker.change(here, Kind.PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, "", detail)
    before = replace(here, old=other, old_pointer=f"{site.old_pointer}/additionalProperties")
    return [added, *_without_annotations(walker.walk(before))]


def _removed(walker: Walker, site: Site, here: Site, name: str) -> list[Change]:
    other = _other_schema(site.new, name)
    if other is None:
        detail = f"{name!r} removed where a pattern property matches it"
        return [walker.change(site, Kind.UNCOMPARABLE, "patternProperties", detail)]
    if other is False:
        gone = replace(here, new=False)
        return [walker.change(gone, Kind.PROPERTY_REMOVED, "", f"{name!r} removed")]
    kind = Kind.PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL
    after = replace(here, new=other, new_pointer=f"{site.new_pointer}/additionalProperties")
    return [
        walker.change(here, kind, "", f"{name!r} removed"),
        *_without_annotations(walker.walk(after)),
    ]


def _additional(walker: Walker, site: Site) -> list[Change]:
    before = site.old.get("additionalProperties", True)
    after = site.new.get("additionalProperties", True)
    if before is False and after is False:
        return []
    if before is False:
        detail = "members beyond the named ones are allowed now"
        return [
            walker.change(site, Kind.ADDITIONAL_PROPERTIES_OPENED, "additionalProperties", detail)
        ]
    here = site.down(before, after, "additionalProperties", Step("extra"))
    if after is False:
        detail = "members beyond the named ones are refused now"
        closed = replace(here, new=False, new_pointer=site.new_pointer)
        return [
            walker.change(closed, Kind.ADDITIONAL_PROPERTIES_CLOSED, "additionalProperties", detail)
        ]
    return walker.walk(here)


def _names(walker: Walker, site: Site) -> list[Change]:
    before, after = site.old.get("propertyNames", True), site.new.get("propertyNames", True)
    if before == after:
        return []
    return walker.walk(site.down(before, after, "propertyNames", Step("name")))


def _pattern_properties(walker: Walker, site: Site) -> list[Change]:
    before = site.old.get("patternProperties", {})
    after = site.new.get("patternProperties", {})
    changes: list[Change] = []
    for pattern in sorted(before.keys() | after.keys()):
        segments = f"patternProperties/{escape(pattern)}"
        if pattern in before and pattern in after:
            here = site.down(before[pattern], after[pattern], segments, Step("extra"))
            changes += walker.walk(here)
            continue
        kind = Kind.PATTERN_PROPERTY_ADDED if pattern in after else Kind.PATTERN_PROPERTY_REMOVED
        verb = "added" if pattern in after else "removed"
        # Removing one only widens when nothing else governs those members.
        opened = site.new.get("additionalProperties", True) in (True, {})
        breaking = None if pattern in after else not opened
        changes.append(
            walker.change(
                site,
                kind,
                "patternProperties",
                f"pattern property {pattern!r} {verb}",
                breaking=breaking,
            )
        )
    return changes


def _other_schema(schema: dict[str, Any], name: str) -> Any:
    """What governs member `name` where `properties` does not name it: `additionalProperties`,
    or None when a `patternProperties` key matches it (not compared)."""
    if any(ecma_search(pattern, name) for pattern in schema.get("patternProperties", {})):
        return None
    other = schema.get("additionalProperties", True)
    return {} if other is True else other


def _without_annotations(changes: list[Change]) -> list[Change]:
    """Annotations of a member and of additionalProperties describe different things."""
    return [change for change in changes if change.kind is not Kind.ANNOTATION_CHANGED]

"""Which queue attributes provisioning would change, described for the person who reruns it.

`taskhawk provision` after changing TASKHAWK_MAX_RECEIVE_COUNT must say that the redrive policy
changed and how, not "up to date". JSON-valued attributes (RedrivePolicy, Policy) are compared
as JSON, since SQS may return them with other spacing or key order, or numbers as strings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

__all__ = ["attribute_changes"]

_JSON_ATTRIBUTES = frozenset({"RedrivePolicy", "RedriveAllowPolicy", "Policy"})
_SUMMARISED = frozenset({"Policy"})  # too long to print: its name says enough


def attribute_changes(
    current: Mapping[str, str], desired: Mapping[str, str]
) -> dict[str, tuple[str, ...]]:
    """For each attribute whose desired value differs from the current one: what changes."""
    changes: dict[str, tuple[str, ...]] = {}
    for name, wanted in desired.items():
        now = current.get(name)
        if name in _JSON_ATTRIBUTES:
            found = _json_changes(name, now, wanted)
            if found:
                changes[name] = found
        elif now != wanted:
            changes[name] = (f"{name} {_shown(now)} -> {wanted}",)
    return changes


def _json_changes(name: str, now: str | None, wanted: str) -> tuple[str, ...]:
    before, after = _parsed(now), _parsed(wanted)
    if _normal(before) == _normal(after):
        return ()
    if name in _SUMMARISED or not isinstance(before, dict) or not isinstance(after, dict):
        return (f"{name} {'replaced' if now else 'set'}",)
    return tuple(
        f"{key} {_shown(before.get(key))} -> {after.get(key)}"
        for key in sorted(before.keys() | after.keys())
        if _normal(before.get(key)) != _normal(after.get(key))
    )


def _parsed(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _normal(value: Any) -> Any:
    """Numbers and strings compare by their text: SQS returns "4" for 4 on some paths."""
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    return None if value is None else str(value)


def _shown(value: Any) -> str:
    return "(unset)" if value is None else str(value)

"""Messages as the generated models hold them: building one, reading one back as JSON data,
and choosing its format version. Pure functions.

A message is written in the oldest format version that can carry it: a task without scheduling
fields is an exact 1.0 message, which every consumer reads (upstream Taskhawk, Taskhawk Go, this
library's earlier releases); only one that needs `eta` or `expires` is a 1.1 message.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from taskhawk._generated import FORMAT_VERSIONS, FormatVersion, Message, MessageMetadata
from taskhawk.exceptions import ValidationError
from taskhawk.wire.json_values import to_json_value

__all__ = [
    "MESSAGE_FIELDS",
    "OLDEST_FIRST",
    "Message",
    "MessageMetadata",
    "build_message",
    "fill",
    "format_for",
    "message_to_dict",
    "scheduled",
    "version_key",
]

MESSAGE_FIELDS = ("id", "metadata", "headers", "task", "args", "kwargs")
_BASE_METADATA = ("priority", "timestamp", "version")


def version_key(version: str) -> tuple[int, int]:
    """`"1.10"` sorts after `"1.9"`."""
    major, _, minor = version.partition(".")
    return int(major), int(minor)


# Oldest first: the first that can carry a message's fields is the one it is written in.
OLDEST_FIRST = sorted(FORMAT_VERSIONS.values(), key=lambda fv: version_key(fv.version))


def format_for(fields: Sequence[str]) -> FormatVersion:
    """The oldest format version whose metadata can carry every one of `fields`."""
    for format_version in OLDEST_FIRST:
        if set(fields) <= set(format_version.metadata_fields):
            return format_version
    raise ValidationError("$.metadata", f"no known message format carries {', '.join(fields)}")


def build_message(
    *,
    message_id: str,
    task: str,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    headers: Mapping[str, str],
    priority: str,
    timestamp_ms: int,
    scheduling: Mapping[str, int] | None = None,
) -> Message:
    """Build a canonical message in the oldest format that can carry it, converting arguments
    to JSON values or naming the bad one. `scheduling` holds `eta` and `expires` (epoch ms)
    when set. `encode` validates the result against the publish schema before anything is
    sent."""
    extra = dict(scheduling or {})
    format_version = format_for(list(extra))
    metadata = {
        "priority": priority,
        "timestamp": timestamp_ms,
        "version": format_version.version,
        **extra,
    }
    return fill(
        format_version,
        metadata,
        {
            "id": message_id,
            "headers": dict(headers),
            "task": task,
            "args": to_json_value(args, "$.args"),
            "kwargs": to_json_value(dict(kwargs), "$.kwargs"),
        },
    )


def message_to_dict(message: Message) -> dict[str, Any]:
    """The JSON object of a message, keys in upstream 4.x order; optional metadata fields
    appear only when set."""
    metadata = message.metadata
    meta = {
        "priority": metadata.priority,
        "timestamp": metadata.timestamp,
        "version": metadata.version,
    }
    for name in FORMAT_VERSIONS[metadata.version].metadata_fields[len(_BASE_METADATA) :]:
        value = getattr(metadata, name)
        if value is not None:
            meta[name] = value
    return {
        "id": message.id,
        "metadata": meta,
        "headers": message.headers,
        "task": message.task,
        "args": message.args,
        "kwargs": message.kwargs,
    }


def scheduled(message: Message) -> tuple[int | None, int | None]:
    """(eta, expires) of a message in epoch ms, each None when the message has none."""
    metadata = message.metadata
    if metadata.version not in _SCHEDULING_VERSIONS:
        return None, None  # a format without them: no getattr that fails and raises inside
    return getattr(metadata, "eta", None), getattr(metadata, "expires", None)


_SCHEDULING_VERSIONS = frozenset(
    version
    for version, format_version in FORMAT_VERSIONS.items()
    if {"eta", "expires"} & set(format_version.metadata_fields)
)


def fill(
    format_version: FormatVersion, metadata: Mapping[str, Any], data: Mapping[str, Any]
) -> Message:
    """The frozen dataclasses, filled field by field: their __init__ would do the same through
    a slower path. Callers have validated the values, or `encode` will before sending."""
    built_metadata = _new(format_version.metadata_model)
    for name in format_version.metadata_fields:
        _set(built_metadata, name, metadata.get(name))
    message = _new(format_version.message_model)
    _set(message, "id", data["id"])
    _set(message, "metadata", built_metadata)
    _set(message, "headers", data["headers"])
    _set(message, "task", data["task"])
    _set(message, "args", data["args"])
    _set(message, "kwargs", data["kwargs"])
    return message


_new = object.__new__
_set = object.__setattr__


def _check_model_fields() -> None:
    """`fill` names the message's fields and starts metadata with the base three: a schema
    change that breaks that must change it too."""
    for format_version in FORMAT_VERSIONS.values():
        names = tuple(f.name for f in dataclasses.fields(format_version.message_model))
        if names != MESSAGE_FIELDS or (
            format_version.metadata_fields[: len(_BASE_METADATA)] != _BASE_METADATA
        ):
            raise RuntimeError(f"format {format_version.version}: update taskhawk.wire.models")


_check_model_fields()

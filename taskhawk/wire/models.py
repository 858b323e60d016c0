"""Messages as the generated models hold them: building one, reading one back as JSON data,
and choosing its format version. Pure functions.

A message is written in the oldest format version that can carry it: a task without scheduling
fields is an exact 1.0 message, which every consumer reads (upstream Taskhawk, Taskhawk Go, this
library's earlier releases); only one that needs `eta` or `expires` is a 1.1 message.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from taskhawk._generated import FORMAT_VERSIONS, FormatVersion, Message, MessageMetadata
from taskhawk.exceptions import ValidationError
from taskhawk.wire.json_values import to_json_value

__all__ = [
    "MESSAGE_FIELDS",
    "MODEL_SETTERS",
    "OLDEST_FIRST",
    "Message",
    "MessageMetadata",
    "ModelSetters",
    "assemble",
    "build_message",
    "fill",
    "fill_unscheduled",
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
    setters = MODEL_SETTERS[format_version.version]
    built_metadata = _new(format_version.metadata_model)
    for name, setter in setters.metadata:
        setter(built_metadata, metadata.get(name))
    return assemble(
        format_version,
        built_metadata,
        data["id"],
        data["headers"],
        data["task"],
        data["args"],
        data["kwargs"],
    )


def fill_unscheduled(
    message_id: str,
    priority: str,
    timestamp_ms: int,
    headers: dict[str, str],
    task: str,
    args: list[Any],
    kwargs: dict[str, Any],
) -> Message:
    """`fill` of a message without scheduling fields (most dispatches), in the oldest format,
    from its values as they are: no mapping is built to be read back."""
    format_version = OLDEST_FIRST[0]
    setters = MODEL_SETTERS[format_version.version]
    (_, set_priority), (_, set_timestamp), (_, set_version), *optional = setters.metadata
    built_metadata = _new(format_version.metadata_model)
    set_priority(built_metadata, priority)
    set_timestamp(built_metadata, timestamp_ms)
    set_version(built_metadata, format_version.version)
    for _, setter in optional:
        setter(built_metadata, None)
    return assemble(format_version, built_metadata, message_id, headers, task, args, kwargs)


def assemble(
    format_version: FormatVersion,
    metadata: MessageMetadata,
    message_id: str,
    headers: dict[str, str],
    task: str,
    args: list[Any],
    kwargs: dict[str, Any],
) -> Message:
    """The message dataclass of `format_version` around its built `metadata`, each field set
    through its slot (`fill`, `fill_unscheduled` and the fast decode all end here)."""
    message = _new(format_version.message_model)
    set_id, set_metadata, set_headers, set_task, set_args, set_kwargs = MODEL_SETTERS[
        format_version.version
    ].message
    set_id(message, message_id)
    set_metadata(message, metadata)
    set_headers(message, headers)
    set_task(message, task)
    set_args(message, args)
    set_kwargs(message, kwargs)
    return message


_new = object.__new__
_Setter = Callable[[Any, Any], None]


@dataclasses.dataclass(frozen=True)
class ModelSetters:
    """Each field's slot setter of a format version's frozen dataclasses, by name for the
    metadata and in MESSAGE_FIELDS order for the message: a slot's own `__set__` skips the
    frozen class's `__setattr__` (which refuses) and the attribute lookup of
    `object.__setattr__`, a third of the cost of building a message per dispatch and decode."""

    metadata: tuple[tuple[str, _Setter], ...]
    message: tuple[_Setter, ...]


def _slot_setter(model: type[Any], name: str) -> _Setter:
    slot: Any = model.__dict__.get(name)
    if not isinstance(slot, types.MemberDescriptorType):  # generated with slots=True
        raise RuntimeError(f"{model.__qualname__}.{name} is not a slot: run `make generate`")
    setter: _Setter = slot.__set__
    return setter


def _model_setters(format_version: FormatVersion) -> ModelSetters:
    """The setters, after checking that `fill` names the message's fields and that metadata
    starts with the base three: a schema change that breaks that must change it too."""
    names = tuple(f.name for f in dataclasses.fields(format_version.message_model))
    if names != MESSAGE_FIELDS or (
        format_version.metadata_fields[: len(_BASE_METADATA)] != _BASE_METADATA
    ):
        raise RuntimeError(f"format {format_version.version}: update taskhawk.wire.models")
    metadata_model = format_version.metadata_model
    return ModelSetters(
        tuple(
            (name, _slot_setter(metadata_model, name)) for name in format_version.metadata_fields
        ),
        tuple(_slot_setter(format_version.message_model, name) for name in MESSAGE_FIELDS),
    )


MODEL_SETTERS = {version: _model_setters(fv) for version, fv in FORMAT_VERSIONS.items()}

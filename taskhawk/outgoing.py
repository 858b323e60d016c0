"""Writing a dispatch's message: each part checked once, where it enters, and the body written
by msgspec. Pure functions.

A dispatch checks the task name once per task (`part_problem("task", ...)` at declaration),
headers once per invocation, and argument values as they are converted; the id, priority,
version and timestamp it makes itself are right by construction. Each part is checked by the
generated publish validator itself, on a valid message holding that part, so a refusal names the
same path and reason as `wire.encode`, which checks a whole message, would. `check_body`, that
whole check of the exact text sent, runs when TASKHAWK_VALIDATE_OUTGOING is on (the test suite
turns it on), so a library bug that builds a wrong message still shows.

The body is the text `wire.encode` writes (the stdlib's `json` with `ensure_ascii`): every
character past ASCII (and DEL) escaped, so a body is plain ASCII, its size in bytes is its
length, and characters SQS refuses raw (U+FFFE, U+FFFF) travel escaped. Only float exponents
differ (`1e16`, not `1e+16`); both are JSON, read alike by every consumer. This module is not
part of `wire/`, which stays standard library only (the conformance kit copies it).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from taskhawk._generated import FORMAT_VERSIONS, Message, SchemaViolation
from taskhawk.exceptions import ValidationError
from taskhawk.wire.json_values import MAX_SAFE_INTEGER, is_plain, to_json_value
from taskhawk.wire.models import (
    MESSAGE_FIELDS,
    OLDEST_FIRST,
    fill,
    fill_unscheduled,
    format_for,
    message_to_dict,
)
from taskhawk.wire.strict_json import parse_strict

__all__ = [
    "Problem",
    "check_body",
    "dispatched_message",
    "json_args",
    "json_kwargs",
    "part_problem",
    "write",
]

# Where a part breaks the format, and why: (JSON path, reason), raised as ValidationError.
Problem = tuple[str, str]

_ENCODER = msgspec.json.Encoder()
# A valid message of each version, for checking one part in its place.
_VALID: dict[str, dict[str, Any]] = {
    fv.version: {
        "id": "00000000-0000-4000-8000-000000000000",
        "metadata": {"priority": "default", "timestamp": 0, "version": fv.version},
        "headers": {},
        "task": "task",
        "args": [],
        "kwargs": {},
    }
    for fv in OLDEST_FIRST
}
# Versions whose metadata model has no optional field: msgspec writes such a model as it is
# (a None it would write as null, where the format leaves the field out).
_COMPLETE = frozenset(
    fv.version
    for fv in OLDEST_FIRST
    if all(f.default is dataclasses.MISSING for f in dataclasses.fields(fv.metadata_model))
)
_ESCAPED = re.compile("[^\x00-\x7e]")


def part_problem(part: str, value: Any, version: str | None = None) -> Problem | None:
    """What the publish schema of `version` (of every version, oldest first, when None) says of
    one part (`"task"`, `"headers"`, `"metadata"`) of a message: the first violation, or None.
    Called once per task, per invocation or per scheduled dispatch, never per value."""
    versions = OLDEST_FIRST if version is None else [FORMAT_VERSIONS[version]]
    for format_version in versions:
        try:
            format_version.validate_publish({**_VALID[format_version.version], part: value})
        except SchemaViolation as violation:
            return violation.path, violation.message
    return None


def dispatched_message(
    *,
    message_id: str,
    task: str,
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
    headers: dict[str, str],
    priority: str,
    timestamp_ms: int,
    scheduling: Mapping[str, int],
) -> Message:
    """`build_message` for a dispatch, which made the id, priority and timestamp itself and
    checked the task name and `headers` where they entered: converts the values (or names the
    bad one) and checks the scheduling fields, when there are any, against their format."""
    converted_args = json_args(args)
    converted_kwargs = json_kwargs(kwargs)
    if not scheduling:
        return fill_unscheduled(
            message_id, priority, timestamp_ms, headers, task, converted_args, converted_kwargs
        )
    format_version = format_for(list(scheduling))
    metadata = {"priority": priority, "timestamp": timestamp_ms, "version": format_version.version}
    metadata.update(scheduling)
    problem = part_problem("metadata", metadata, format_version.version)
    if problem is not None:
        raise ValidationError(*problem)
    data = {
        "id": message_id,
        "headers": headers,
        "task": task,
        "args": converted_args,
        "kwargs": converted_kwargs,
    }
    return fill(format_version, metadata, data)


def json_args(args: Sequence[Any]) -> list[Any]:
    """The positional arguments as JSON values, or ValidationError naming the bad one."""
    if type(args) is tuple or type(args) is list:
        for item in args:
            if not is_plain(item):
                break
        else:
            return list(args)
    converted: list[Any] = to_json_value(args, "$.args")
    return converted


def json_kwargs(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments as a new dict of JSON values, or ValidationError naming the bad
    one. Keys and values that are plain already (most) are taken as they are."""
    if type(kwargs) is dict:
        for key, item in kwargs.items():
            # ASCII text and safe integers, most arguments, are answered without a call.
            kind = type(item)
            if not (type(key) is str and key.isascii()):
                break
            if kind is str and item.isascii():
                continue
            if kind is int and -MAX_SAFE_INTEGER <= item <= MAX_SAFE_INTEGER:
                continue
            if not is_plain(item):
                break
        else:
            return dict(kwargs)
    converted: dict[str, Any] = to_json_value(dict(kwargs), "$.kwargs")
    return converted


def write(message: Message) -> str:
    """The body of a message whose parts were checked: its JSON text, keys in upstream 4.x
    order, every character past ASCII escaped."""
    # msgspec writes a dataclass's fields in order, as message_to_dict would, without the copy.
    complete = message.metadata.version in _COMPLETE
    raw = _ENCODER.encode(message if complete else message_to_dict(message))
    if raw.isascii() and b"\x7f" not in raw:
        return raw.decode("ascii")
    return _ESCAPED.sub(_escape, raw.decode("utf-8"))


def _escape(found: re.Match[str]) -> str:
    """`\\uXXXX`, as json's ensure_ascii writes it (a surrogate pair beyond the BMP)."""
    code = ord(found[0])
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"


def check_body(body: str) -> None:
    """The whole-message check of a body about to be sent (TASKHAWK_VALIDATE_OUTGOING): strict
    JSON, valid under its version's publish schema, members in the format's order."""
    data = parse_strict(body)
    if type(data) is not dict:
        raise ValidationError("$", "an outgoing message must be a JSON object")
    metadata = data.get("metadata")
    version = metadata.get("version") if type(metadata) is dict else None
    format_version = FORMAT_VERSIONS.get(version) if type(version) is str else None
    if format_version is None:
        raise ValidationError("$.metadata.version", f"unknown format {version!r}")
    try:
        format_version.validate_publish(data)
    except SchemaViolation as violation:
        raise ValidationError(violation.path, violation.message) from None
    if tuple(data) != MESSAGE_FIELDS:
        raise ValidationError("$", f"members written as {', '.join(data)}, not in format order")

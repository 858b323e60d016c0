"""Checking what a reply says about the transport: the message attributes against SQS's rules and
the headers they mirror, and (protocol 2) the destination against upstream's naming."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from taskhawk.transport.limits import (
    ATTRIBUTE_NAME,
    FIFO_ID,
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTES,
    RESERVED_ATTRIBUTE_PREFIX,
)
from taskhawk.transport.naming import FIFO_SUFFIX
from taskhawk.wire.attributes import TASK_ATTRIBUTE

__all__ = ["DESTINATION_KEYS", "MAX_ATTRIBUTES", "TASK_ATTRIBUTE", "check_attributes",
           "check_destination"]  # fmt: skip

# What a destination may say.
DESTINATION_KEYS = {
    "sqs": {"transport", "queue", "delay_seconds", "message_group_id", "message_deduplication_id"},
    "sns": {"transport", "topic", "message_group_id", "message_deduplication_id"},
}
_FIFO_FIELDS = ("message_group_id", "message_deduplication_id")


def check_attributes(
    expected: dict[str, str],
    message: Any,
    attributes: Any,
    problems: list[str],
    trace_context: Sequence[Sequence[str]] = (),
) -> None:
    """The reply's attributes: SQS's rules, each a copy of the task, of a header or (protocol 3)
    of an entry of the trace context the request carried, and exactly the expected ones."""
    if not isinstance(attributes, dict):
        problems.append("attributes missing: a message needs at least taskhawk_task")
        return
    if len(attributes) > MAX_ATTRIBUTES:
        problems.append(f"attributes: {len(attributes)} of them, SQS allows {MAX_ATTRIBUTES}")
    values = {}
    for name, value in attributes.items():
        problem = _attribute_problem(name, value)
        if problem:
            problems.append(f"attribute {name!r}: {problem}")
        else:
            values[name] = value["StringValue"]
    if TASK_ATTRIBUTE not in attributes:
        problems.append("attributes: taskhawk_task is missing (Taskhawk Go consumers route on it)")
    body: dict[str, Any] = message if isinstance(message, dict) else {}
    headers: dict[str, Any] = body["headers"] if isinstance(body.get("headers"), dict) else {}
    trace = {str(entry[0]): str(entry[1]) for entry in reversed(trace_context)}  # first wins
    _check_copies(values, body.get("task"), headers, trace, problems)
    _check_names(expected, attributes.keys(), headers, trace, problems)


def _check_copies(
    values: dict[str, str],
    task: Any,
    headers: dict[str, Any],
    trace: dict[str, str],
    problems: list[str],
) -> None:
    """Each attribute copies the task, its header, or else its trace context entry."""
    for name, value in values.items():
        if name == TASK_ATTRIBUTE or name in headers:
            mirrored = task if name == TASK_ATTRIBUTE else headers[name]
            if value != mirrored:
                problems.append(f"attribute {name!r} is {value!r}, the body says {mirrored!r}")
        elif name not in trace:
            problems.append(f"attribute {name!r} mirrors no header of the body")
        elif value != trace[name]:
            problems.append(
                f"attribute {name!r} is {value!r}, the trace context says {trace[name]!r}"
            )


def _check_names(
    expected: dict[str, str],
    names: Iterable[str],
    headers: dict[str, Any],
    trace: dict[str, str],
    problems: list[str],
) -> None:
    """Exactly the expected attributes: every header or none (decision header-attributes), then
    the trace context in its order while fewer than ten are set (decision trace-context)."""
    present = set(names)
    for name in sorted(expected.keys() - present - {TASK_ATTRIBUTE}):
        if name in headers:
            problems.append(
                f"attributes: header {name!r} is missing (with nine headers or fewer, all are)"
            )
        else:
            problems.append(
                f"attributes: trace context entry {name!r} is missing: the trace context fills "
                "the attributes left below ten, in its order (decision trace-context)"
            )
    extra = ", ".join(sorted(repr(n) for n in present - expected.keys() if n in headers))
    if extra:
        problems.append(
            f"attributes: {extra} must not be attributes: with more than nine headers only "
            "taskhawk_task is (decision header-attributes)"
        )
    for name in sorted(present - expected.keys() - headers.keys()):
        if name in trace:
            problems.append(
                f"attributes: trace context entry {name!r} must not be an attribute: entries "
                "fill only the room left below ten, in the propagator's order, never one named "
                "like a header or that SQS would refuse (decision trace-context)"
            )


def _attribute_problem(name: str, value: Any) -> str | None:
    valid = len(name) <= MAX_ATTRIBUTE_NAME and ATTRIBUTE_NAME.fullmatch(name)
    if not valid or RESERVED_ATTRIBUTE_PREFIX.match(name):
        return "not a valid SQS attribute name"
    if not isinstance(value, dict) or set(value) != {"DataType", "StringValue"}:
        return 'must be {"DataType": "String", "StringValue": "..."}'
    if value["DataType"] != "String":
        return f'DataType {value["DataType"]!r}, must be "String"'
    if not isinstance(value["StringValue"], str) or not value["StringValue"]:
        return "StringValue must be a non-empty string"
    return None


def check_destination(expected: dict[str, Any], actual: Any, problems: list[str]) -> None:
    """The reply's destination against the case's: transport, name, delay and FIFO fields."""
    if not isinstance(actual, dict) or actual.get("transport") not in DESTINATION_KEYS:
        problems.append(f'destination {actual!r} must be {{"transport": "sqs" or "sns", ...}}')
        return
    transport = actual["transport"]
    unknown = sorted(actual.keys() - DESTINATION_KEYS[transport])
    if unknown:
        problems.append(f"destination: {', '.join(unknown)} not allowed for {transport}")
    name_key = "queue" if transport == "sqs" else "topic"
    want_key = "queue" if expected["transport"] == "sqs" else "topic"
    if (transport, actual.get(name_key)) != (expected["transport"], expected[want_key]):
        problems.append(
            f"destination: {transport} {name_key} {actual.get(name_key)!r}, expected "
            f"{expected['transport']} {want_key} {expected[want_key]!r}"
        )
    delay = actual.get("delay_seconds", 0)
    if delay != expected.get("delay_seconds", 0) or type(delay) is not int:
        problems.append(
            f"destination: DelaySeconds {delay!r}, expected {expected.get('delay_seconds', 0)}"
        )
    if str(actual.get(name_key, "")).endswith(FIFO_SUFFIX):
        _check_fifo_fields(expected, actual, problems)
    else:
        _check_standard_fields(expected, actual, name_key, problems)


def _check_standard_fields(
    expected: dict[str, Any], actual: dict[str, Any], name_key: str, problems: list[str]
) -> None:
    """A standard queue or topic: a tenant's message group (a fair queue), no deduplication id."""
    if "message_deduplication_id" in actual:
        problems.append(f"destination: message_deduplication_id on a standard {name_key}")
    group = actual.get("message_group_id")
    expected_name = str(expected.get("queue", expected.get("topic", "")))
    tenant = None if expected_name.endswith(FIFO_SUFFIX) else expected.get("message_group_id")
    if group != tenant:
        problems.append(
            f"destination: message_group_id on a standard {name_key} is {group!r}, expected "
            f"{tenant!r} (a tenant's, or none)"
        )


def _check_fifo_fields(
    expected: dict[str, Any], actual: dict[str, Any], problems: list[str]
) -> None:
    """A FIFO queue or topic: every message has a group, and the ids are the expected ones."""
    if actual.get("message_group_id") is None:
        problems.append("destination: no message_group_id, which a FIFO queue or topic requires")
    for field in _FIFO_FIELDS:
        value = actual.get(field)
        if value is None:
            if field != "message_group_id" and field in expected:
                problems.append(f"destination: no {field}, expected {expected[field]!r}")
        elif not (isinstance(value, str) and FIFO_ID.fullmatch(value)):
            problems.append(f"destination: {field} {value!r} is not 1-128 of [!-~] (SQS's rule)")
        elif value != expected.get(field):
            problems.append(f"destination: {field} {value!r}, expected {expected.get(field)!r}")

"""The transport attributes of a message. Pure functions.

Every message carries `taskhawk_task` (Taskhawk Go consumers route on it) and, when they fit
beside it within SQS's limit of ten, all its headers; consumers read headers from the body only.
A trace context, when there is one, fills the room that is left (decision trace-context).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from taskhawk._generated import Message
from taskhawk.transport.limits import (
    ATTRIBUTE_NAME,
    MAX_ATTRIBUTE_NAME,
    MAX_ATTRIBUTES,
    RESERVED_ATTRIBUTE_PREFIX,
)

__all__ = ["TASK_ATTRIBUTE", "add_trace_context", "message_attributes"]

TASK_ATTRIBUTE = "taskhawk_task"

# The schema reserves this prefix for the transport's own attributes; SQS refuses the values'
# control characters and unpaired surrogates.
_TASKHAWK_PREFIX = re.compile(r"taskhawk_", re.IGNORECASE)
_VALUE = re.compile("[^\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+")


def message_attributes(
    message: Message, trace_context: Mapping[str, str] | None = None
) -> dict[str, str]:
    """`taskhawk_task`, plus every header when there are at most nine and none when there are
    more (decision header-attributes: picking nine needs an order that Go's maps do not have),
    then as much of `trace_context` as fits (`add_trace_context`)."""
    if len(message.headers) < MAX_ATTRIBUTES:
        attributes = {TASK_ATTRIBUTE: message.task, **message.headers}
    else:
        attributes = {TASK_ATTRIBUTE: message.task}
    if trace_context:
        add_trace_context(attributes, trace_context)
    return attributes


def add_trace_context(attributes: dict[str, str], trace_context: Mapping[str, str]) -> None:
    """Decision trace-context: each entry a propagator wrote (`traceparent`, `tracestate`,
    `baggage` for W3C), in its order, while fewer than ten attributes are set. An entry whose
    name is taken (a header of that name wins: attributes copy headers), or that SQS would
    refuse as an attribute, is left out; the body never carries the context."""
    for name, value in trace_context.items():
        if len(attributes) >= MAX_ATTRIBUTES:
            return
        if name not in attributes and _acceptable(name, value):
            attributes[name] = value


def _acceptable(name: str, value: str) -> bool:
    return (
        len(name) <= MAX_ATTRIBUTE_NAME
        and ATTRIBUTE_NAME.fullmatch(name) is not None
        and RESERVED_ATTRIBUTE_PREFIX.match(name) is None
        and _TASKHAWK_PREFIX.match(name) is None
        and _VALUE.fullmatch(value) is not None
    )

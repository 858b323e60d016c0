"""Transport attributes of a message and its size as SQS and SNS count it. Pure functions."""

from __future__ import annotations

from collections.abc import Mapping

from taskhawk.wire import Message

__all__ = [
    "MAX_ATTRIBUTES",
    "SNS_MAX_BYTES",
    "SQS_MAX_BYTES",
    "TASK_ATTRIBUTE",
    "message_attributes",
    "transport_size",
]

SQS_MAX_BYTES = 1_048_576
SNS_MAX_BYTES = 262_144
MAX_ATTRIBUTES = 10  # SQS refuses a message with more
TASK_ATTRIBUTE = "taskhawk_task"  # Taskhawk Go consumers route on it


def message_attributes(message: Message) -> dict[str, str]:
    """`taskhawk_task` plus the first nine headers; later headers travel in the body only."""
    attributes = {TASK_ATTRIBUTE: message.task}
    for name, value in message.headers.items():
        if len(attributes) == MAX_ATTRIBUTES:
            break
        attributes[name] = value
    return attributes


def transport_size(body: str, attributes: Mapping[str, str]) -> int:
    """Bytes counted against the size limit: body plus each attribute's name, type ("String")
    and value."""
    size = len(body) if body.isascii() else len(body.encode("utf-8"))
    for name, value in attributes.items():  # names are ASCII (schema); values may not be
        size += len(name) + 6 + (len(value) if value.isascii() else len(value.encode("utf-8")))
    return size

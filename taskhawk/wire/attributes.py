"""The transport attributes of a message. Pure functions.

Every message carries `taskhawk_task` (Taskhawk Go consumers route on it) and, when they fit
beside it within SQS's limit of ten, all its headers; consumers read headers from the body only.
"""

from __future__ import annotations

from taskhawk._generated import Message
from taskhawk.transport.limits import MAX_ATTRIBUTES

__all__ = ["TASK_ATTRIBUTE", "message_attributes"]

TASK_ATTRIBUTE = "taskhawk_task"


def message_attributes(message: Message) -> dict[str, str]:
    """`taskhawk_task`, plus every header when there are at most nine and none when there are
    more (decision header-attributes: picking nine needs an order that Go's maps do not have)."""
    if len(message.headers) < MAX_ATTRIBUTES:
        return {TASK_ATTRIBUTE: message.task, **message.headers}
    return {TASK_ATTRIBUTE: message.task}

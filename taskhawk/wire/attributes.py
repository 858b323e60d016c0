"""The transport attributes of a message. Pure functions.

Every message carries `taskhawk_task` (Taskhawk Go consumers route on it) and as many of its
headers as SQS's attribute limit leaves room for; consumers read headers from the body only.
"""

from __future__ import annotations

from taskhawk._generated import Message
from taskhawk.transport.limits import MAX_ATTRIBUTES

__all__ = ["TASK_ATTRIBUTE", "message_attributes"]

TASK_ATTRIBUTE = "taskhawk_task"


def message_attributes(message: Message) -> dict[str, str]:
    """`taskhawk_task` plus the first nine headers; later headers travel in the body only."""
    attributes = {TASK_ATTRIBUTE: message.task}
    for name, value in message.headers.items():
        if len(attributes) == MAX_ATTRIBUTES:
            break
        attributes[name] = value
    return attributes

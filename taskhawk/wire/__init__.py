"""The wire format: message text <-> the models generated from schema/. Pure functions, no I/O.

`decode` and `encode` are the only way the runtime reads or writes a message; `build_message`
makes a canonical one from Python values; `message_attributes` gives its transport attributes.
"""

from __future__ import annotations

from taskhawk.wire.attributes import TASK_ATTRIBUTE, message_attributes
from taskhawk.wire.codec import decode, encode, validation_errors
from taskhawk.wire.models import (
    Message,
    MessageMetadata,
    build_message,
    format_for,
    message_to_dict,
    scheduled,
)

__all__ = [
    "TASK_ATTRIBUTE",
    "Message",
    "MessageMetadata",
    "build_message",
    "decode",
    "encode",
    "format_for",
    "message_attributes",
    "message_to_dict",
    "scheduled",
    "validation_errors",
]

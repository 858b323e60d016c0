"""Every number and name rule SQS and SNS impose, defined once, with the checks that use them.

The runtime, the admin commands and the tests read these names; nothing else spells 10, 1 MiB or
43200. Pure: no I/O, no imports from the rest of taskhawk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "ATTRIBUTE_DATA_TYPE",
    "ATTRIBUTE_NAME",
    "FIFO_DEDUPLICATION_WINDOW_S",
    "FIFO_ID",
    "LARGE_PAYLOAD_MAX_BYTES",
    "LONG_POLL_S",
    "MAX_ATTRIBUTES",
    "MAX_ATTRIBUTE_NAME",
    "MAX_BATCH",
    "MAX_DELAY_S",
    "MAX_SCHEDULER_EVENT_AGE_S",
    "MAX_SCHEDULER_RETRIES",
    "MAX_VISIBILITY_S",
    "RESERVED_ATTRIBUTE_PREFIX",
    "SHORT_POLL_S",
    "SNS_MAX_BYTES",
    "SQS_MAX_BYTES",
    "SQS_REFUSED_CHARACTER",
    "check_batch_size",
    "check_visibility",
    "send_refusal",
    "transport_size",
]

MAX_BATCH = 10  # entries per SendMessageBatch, DeleteMessageBatch, PublishBatch and receive
MAX_VISIBILITY_S = 43_200  # 12 hours: the longest a received message can stay hidden
MAX_DELAY_S = 900  # 15 minutes: SQS's longest DelaySeconds
MAX_SCHEDULER_EVENT_AGE_S = 86_400  # EventBridge Scheduler retries a firing for at most a day
MAX_SCHEDULER_RETRIES = 185  # and at most this many times
MAX_ATTRIBUTES = 10  # message attributes per message
SQS_MAX_BYTES = 1_048_576  # body plus attributes of one message, and of one batch request
SNS_MAX_BYTES = 262_144  # the same for SNS Publish and PublishBatch
LARGE_PAYLOAD_MAX_BYTES = 2_147_483_647  # a body kept in S3: the extended clients' largest
LONG_POLL_S = 20  # SQS's longest poll: fewest requests when nothing asks a consumer to stop
SHORT_POLL_S = 1  # what a consumer that must stop or switch queues within ~1 s waits
ATTRIBUTE_DATA_TYPE = "String"  # the only attribute type taskhawk sends
FIFO_DEDUPLICATION_WINDOW_S = 300  # a FIFO queue drops a repeated deduplication id this long
# A message attribute name: [A-Za-z0-9_.-] without a leading, trailing or double period, at most
# MAX_ATTRIBUTE_NAME characters, and not starting with a prefix AWS keeps (any case).
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+)*")
RESERVED_ATTRIBUTE_PREFIX = re.compile(r"(?:aws|amazon)\.", re.IGNORECASE)
MAX_ATTRIBUTE_NAME = 256
# A FIFO message group or deduplication id: 1-128 letters, digits or ASCII punctuation.
FIFO_ID = re.compile(r"[!-~]{1,128}", re.ASCII)
# A character SQS refuses in a body or an attribute value: it accepts only #x9, #xA, #xD,
# #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF.
SQS_REFUSED_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_visibility(seconds: int, name: str = "visibility_timeout_s") -> int:
    """`seconds` when SQS accepts it as a visibility timeout; ValueError naming `name` if not."""
    if not 0 <= seconds <= MAX_VISIBILITY_S:
        raise ValueError(f"{name} must be 0..{MAX_VISIBILITY_S}, not {seconds}")
    return seconds


def check_batch_size(count: int, name: str = "num_messages") -> int:
    """`count` when one SQS request can carry it; ValueError naming `name` if not."""
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"{name} must be 1..{MAX_BATCH} (an SQS batch), not {count}")
    return count


def transport_size(body: str, attributes: Mapping[str, str]) -> int:
    """Bytes counted against the size limit: the body plus each attribute's name, data type and
    value, all in UTF-8."""
    size = len(body) if body.isascii() else len(body.encode("utf-8"))
    for name, value in attributes.items():  # names are ASCII (schema); values may not be
        value_size = len(value) if value.isascii() else len(value.encode("utf-8"))
        size += len(name) + len(ATTRIBUTE_DATA_TYPE) + value_size
    return size


def send_refusal(body: str, attributes: Mapping[str, str]) -> str | None:
    """Why SQS would refuse to send this body with these String attributes, or None."""
    if not body:
        return "the message body is empty"
    size = transport_size(body, attributes)
    if size > SQS_MAX_BYTES:
        return f"{size} bytes of body and attributes, more than {SQS_MAX_BYTES}"
    if len(attributes) > MAX_ATTRIBUTES:
        return f"{len(attributes)} message attributes, more than {MAX_ATTRIBUTES}"
    for name, value in attributes.items():
        problem = _attribute_refusal(name, value)
        if problem is not None:
            return problem
    return _text_refusal(body, "the message body")


def _attribute_refusal(name: str, value: str) -> str | None:
    if (
        len(name) > MAX_ATTRIBUTE_NAME
        or ATTRIBUTE_NAME.fullmatch(name) is None
        or RESERVED_ATTRIBUTE_PREFIX.match(name) is not None
    ):
        return f"the message attribute name {name[:80]!r} is not one SQS accepts"
    if not value:
        return f"the message attribute {name!r} has an empty value"
    return _text_refusal(value, f"the message attribute {name!r}")


def _text_refusal(text: str, what: str) -> str | None:
    found = SQS_REFUSED_CHARACTER.search(text)
    if found is None:
        return None
    return f"{what} has a character SQS refuses: U+{ord(found.group()):04X}"

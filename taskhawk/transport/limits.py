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
    "MAX_VISIBILITY_S",
    "RESERVED_ATTRIBUTE_PREFIX",
    "SHORT_POLL_S",
    "SNS_MAX_BYTES",
    "SQS_MAX_BYTES",
    "check_batch_size",
    "check_visibility",
    "transport_size",
]

MAX_BATCH = 10  # entries per SendMessageBatch, DeleteMessageBatch, PublishBatch and receive
MAX_VISIBILITY_S = 43_200  # 12 hours: the longest a received message can stay hidden
MAX_DELAY_S = 900  # 15 minutes: SQS's longest DelaySeconds
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

"""The pointer AWS's SQS and SNS Extended Client Libraries put on the queue or topic in place of a
large body, defined once: the body is a two-element JSON array, the pointer's Java class name
and the S3 object's bucket and key, and the message carries the payload's size in bytes as the
Number attribute `ExtendedPayloadSize` (`SQSLargePayloadSize` from older clients).

A taskhawk message is a JSON object, so a body that is an array is never mistaken for one. The
check and the names come from the pointer's schema (schema/payload-pointer/), generated into
`taskhawk._generated.pointer`. Pure: no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from taskhawk._generated.pointer import BUCKET_MEMBER, KEY_MEMBER, POINTER_CLASSES, pointer_location
from taskhawk.transport.limits import MAX_ATTRIBUTES

__all__ = [
    "LEGACY_POINTER_CLASS",
    "LEGACY_SIZE_ATTRIBUTE",
    "NUMBER_ATTRIBUTES",
    "POINTER_CLASS",
    "SIZE_ATTRIBUTE",
    "PayloadPointer",
    "parse_pointer",
    "pointer_attributes",
]

POINTER_CLASS, LEGACY_POINTER_CLASS = (
    POINTER_CLASSES  # what is written, and what older clients wrote
)
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize"
# The attributes sent with DataType Number rather than String (the extended clients' type).
NUMBER_ATTRIBUTES = frozenset({SIZE_ATTRIBUTE, LEGACY_SIZE_ATTRIBUTE})


@dataclass(frozen=True, slots=True)
class PayloadPointer:
    """Where a message's real body is: an S3 object."""

    bucket: str
    key: str

    @property
    def body(self) -> str:
        """The pointer as the message body, in the form the Java library writes."""
        where = {BUCKET_MEMBER: self.bucket, KEY_MEMBER: self.key}
        return json.dumps([POINTER_CLASS, where], separators=(",", ":"))

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_pointer(body: str) -> PayloadPointer | None:
    """The pointer a body is, or None for any other body (a taskhawk message among them)."""
    first = body[:1]
    if first == "{" or (first != "[" and not body.lstrip().startswith("[")):
        return None  # cheap: every taskhawk message is an object, most without leading space
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    location = pointer_location(data)
    return None if location is None else PayloadPointer(*location)


def pointer_attributes(attributes: Mapping[str, str], payload_size: int) -> dict[str, str]:
    """The attributes of the message that carries a pointer: the payload's size first (the
    extended clients recognise a pointer by it, and a dead letter's copy, which keeps the first
    attributes, keeps it), then its own, as many as fit."""
    kept = [(name, value) for name, value in attributes.items() if name not in NUMBER_ATTRIBUTES]
    return {SIZE_ATTRIBUTE: str(payload_size), **dict(kept[: MAX_ATTRIBUTES - 1])}

"""The transport boundary: the only way task logic reaches SQS, SNS or the in-memory broker.

Backends never parse message bodies; the runtime never touches boto3. A transport moves opaque
text plus string attributes between named queues and topics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = [
    "Destination",
    "OutgoingMessage",
    "ReceivedMessage",
    "SendFailures",
    "Transport",
]


@dataclass(frozen=True, slots=True)
class Destination:
    """A queue (SendMessage) or a topic (SNS Publish), by name, not URL or ARN."""

    kind: Literal["queue", "topic"]
    name: str


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One message to send. `key` identifies it in batch results (the taskhawk message id)."""

    key: str
    body: str
    attributes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class ReceivedMessage:
    """A message taken from a queue, invisible to others until deleted or its timeout ends."""

    queue: str
    body: str
    receipt: str
    attributes: Mapping[str, str]
    receive_count: int
    transport_id: str
    raw: Any = field(default=None, compare=False, repr=False)


# Keys of messages that were not sent, with the transport's reason.
SendFailures = dict[str, str]


class Transport(Protocol):
    """Four operations; every backend (AWS, in-memory) implements exactly these."""

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendFailures:
        """Send up to ten messages in one request; return the ones that failed."""

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        """Long-poll up to `max_messages` (<= 10); an empty list when nothing arrived."""

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        """Delete up to ten received messages; return the receipts that could not be deleted."""

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        """Hide a received message for `seconds` more (0 makes it visible again now)."""

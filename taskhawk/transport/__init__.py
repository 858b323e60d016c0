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
    "SendResult",
    "Transport",
]


@dataclass(frozen=True, slots=True)
class Destination:
    """A queue (SendMessage) or a topic (SNS Publish), by name, not URL or ARN."""

    kind: Literal["queue", "topic"]
    name: str


@dataclass(slots=True)
class OutgoingMessage:
    """One message to send. `key` identifies it in batch results (the taskhawk message id);
    `delay_s` (standard queues only, 0..900) keeps it invisible for that long after it is sent;
    `group_id` and `deduplication_id` are for FIFO queues and topics.

    Read-only by convention, not frozen, as `ReceivedMessage` (one is built per dispatch; its
    `attributes` dict made it unhashable either way)."""

    key: str
    body: str
    attributes: Mapping[str, str]
    delay_s: int = 0
    group_id: str | None = None
    deduplication_id: str | None = None


@dataclass(slots=True)
class ReceivedMessage:
    """A message taken from a queue, invisible to others until deleted or its timeout ends.

    Read-only by convention, not frozen: a frozen class sets each field through
    `object.__setattr__`, which made building the received messages a noticeable part of a
    worker's CPU per message. (Its `attributes` dict made it unhashable either way.)"""

    queue: str
    body: str
    receipt: str
    attributes: Mapping[str, str]
    receive_count: int
    transport_id: str
    raw: Any = field(default=None, compare=False, repr=False)
    sent_at_ms: int | None = None  # when the queue got it (epoch ms, the queue's clock)
    group_id: str | None = None  # a FIFO queue's message group
    deduplication_id: str | None = None  # a FIFO queue's: the sender's, or SQS's from the body


@dataclass(slots=True)
class SendResult:
    """What a send request did to each message, by key: every key sent is in exactly one of
    `sent`, `not_sent` (refused, or never reached the endpoint: safe to send again) and
    `unknown` (the endpoint may have it: sending again could deliver it twice). Read-only by
    convention, not frozen, as `OutgoingMessage`."""

    sent: tuple[str, ...] = ()
    not_sent: Mapping[str, str] = field(default_factory=dict)
    unknown: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def all_sent(cls, messages: Sequence[OutgoingMessage]) -> SendResult:
        return cls(tuple([message.key for message in messages]))

    @property
    def ok(self) -> bool:
        return not self.not_sent and not self.unknown

    @property
    def problems(self) -> dict[str, str]:
        """Every message not known to be sent, with its reason."""
        return {**self.not_sent, **self.unknown}


class Transport(Protocol):
    """Five operations; every backend (AWS, in-memory) implements exactly these."""

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        """Send up to ten messages in one request; say what became of each."""

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

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        """Hide up to ten received messages for `seconds` more, in one request; the receipts
        not changed, each with the reason."""

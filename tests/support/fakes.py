"""Test doubles shared by unit tests: a settable clock, and Lambda SQS records made from
messages received from an in-memory queue."""

from __future__ import annotations

from typing import Any

from taskhawk.transport import ReceivedMessage

__all__ = ["FakeClock", "sqs_record"]


class FakeClock:
    """One clock for the publisher, the consumer and the in-memory queue (`now` is settable)."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def sqs_record(received: ReceivedMessage, account: str = "123456789012") -> dict[str, Any]:
    """The record a Lambda SQS event would carry for a message received from `received.queue`."""
    return {
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:{account}:{received.queue}",
        "messageId": received.transport_id,
        "receiptHandle": received.receipt,
        "body": received.body,
        "attributes": {"ApproximateReceiveCount": str(received.receive_count)},
        "messageAttributes": {},
    }

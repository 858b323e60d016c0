"""A hand-written transport double that records every call a consumer makes and answers each
as SQS would for a receipt still valid: it never refuses a stale one, so a test sees every call
the consumer made, including those SQS would have refused or, worse, carried out on a message
another consumer holds now."""

from __future__ import annotations

from collections.abc import Sequence

from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult

__all__ = ["CallLog"]


class CallLog:
    """A Transport: `receive` hands out `batches` in turn; everything else is recorded."""

    def __init__(self, *batches: list[ReceivedMessage]) -> None:
        self.batches = list(batches)
        self.sent: list[tuple[str, OutgoingMessage]] = []
        self.deleted: list[str] = []
        self.visibility: list[tuple[str, int]] = []

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        self.sent.extend((destination.name, message) for message in messages)
        return SendResult.all_sent(messages)

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        return self.batches.pop(0) if self.batches else []

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        self.deleted.extend(receipts)
        return []

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        self.visibility.append((receipt, seconds))

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        self.visibility.extend((receipt, seconds) for receipt in receipts)
        return {}

    def calls(self) -> int:
        """How many calls changed anything."""
        return len(self.sent) + len(self.deleted) + len(self.visibility)

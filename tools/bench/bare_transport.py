"""This library's Transport over an in-process queue, as bare as upstream's benchmark backends
(peers/upstream_memory.py): a message id per send, a receipt per receive, a delete that forgets
it. A library-only row through it measures the library alone, as upstream's row does; the
target's row goes through taskhawk's own MemoryTransport, which also emulates SQS (size and
FIFO refusals, visibility, redrive, deduplication)."""

from __future__ import annotations

import collections
import uuid
from collections.abc import Mapping, Sequence

from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult

__all__ = ["BareTransport"]

_Entry = tuple[str, str, Mapping[str, str]]  # message id, body, attributes


class BareTransport:
    def __init__(self) -> None:
        self._queue: collections.deque[_Entry] = collections.deque()
        self._in_flight: dict[str, _Entry] = {}

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        for message in messages:
            self._queue.append((str(uuid.uuid4()), message.body, dict(message.attributes)))
        return SendResult(tuple([message.key for message in messages]))

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        taken: list[ReceivedMessage] = []
        while self._queue and len(taken) < max_messages:
            entry = self._queue.popleft()
            receipt = str(uuid.uuid4())
            self._in_flight[receipt] = entry
            taken.append(ReceivedMessage(queue, entry[1], receipt, entry[2], 1, entry[0]))
        return taken

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        return [receipt for receipt in receipts if self._in_flight.pop(receipt, None) is None]

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        if seconds == 0:  # visible again now: back on the queue, as upstream's nack
            self._queue.append(self._in_flight.pop(receipt))

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        for receipt in receipts:
            self.change_visibility(queue, receipt, seconds)
        return {}

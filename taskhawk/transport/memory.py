"""An in-process broker with SQS semantics: visibility timeouts, receive counts, redrive to a
dead-letter queue, SNS-style topics fanning out to subscribed queues.

Used by the pytest plugin and by tests of the consumer; thread-safe, no I/O.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult

__all__ = ["MemoryTransport"]

DEFAULT_VISIBILITY_TIMEOUT = 30


@dataclass
class _Record:
    transport_id: str
    body: str
    attributes: Mapping[str, str]
    receive_count: int = 0
    visible_at: float = 0.0
    receipt: str | None = None
    sent_at_ms: int = field(default_factory=lambda: int(time.time() * 1000))


@dataclass
class _Queue:
    records: list[_Record] = field(default_factory=list)
    dead_letter: str | None = None
    max_receive_count: int | None = None


class MemoryTransport:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._queues: dict[str, _Queue] = {}
        self._topics: dict[str, list[str]] = {}
        self._changed = threading.Condition()
        self.sent: list[tuple[Destination, OutgoingMessage]] = []

    def create_queue(
        self, name: str, *, dead_letter: str | None = None, max_receive_count: int | None = None
    ) -> None:
        with self._changed:
            queue = self._queues.setdefault(name, _Queue())
            queue.dead_letter, queue.max_receive_count = dead_letter, max_receive_count
            if dead_letter:
                self._queues.setdefault(dead_letter, _Queue())

    def subscribe(self, topic: str, queue: str) -> None:
        """Raw delivery: the queue receives the published body and attributes unchanged."""
        with self._changed:
            self._topics.setdefault(topic, []).append(queue)
            self._queues.setdefault(queue, _Queue())

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        with self._changed:
            for message in messages:
                self.sent.append((destination, message))
                targets = (
                    self._topics.get(destination.name, [])
                    if destination.kind == "topic"
                    else [destination.name]
                )
                for target in targets:
                    record = _Record(str(uuid.uuid4()), message.body, dict(message.attributes))
                    record.visible_at = self._clock() + message.delay_s
                    self._queues.setdefault(target, _Queue()).records.append(record)
            self._changed.notify_all()
        return SendResult.all_sent(messages)

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        deadline = self._clock() + wait_seconds
        with self._changed:
            while True:
                received = self._take(queue, max_messages, visibility_timeout)
                remaining = deadline - self._clock()
                if received or remaining <= 0:
                    return received
                self._changed.wait(min(remaining, 0.05))

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        with self._changed:
            records = self._queues.get(queue, _Queue()).records
            by_receipt = {record.receipt: record for record in records}
            failed = [receipt for receipt in receipts if receipt not in by_receipt]
            wanted = set(receipts)
            records[:] = [record for record in records if record.receipt not in wanted]
            return failed

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        with self._changed:
            for record in self._queues.get(queue, _Queue()).records:
                if record.receipt == receipt:
                    record.visible_at = self._clock() + seconds
                    self._changed.notify_all()
                    return
        raise LookupError(f"receipt not found in {queue} (deleted, or received again since)")

    def bodies(self, queue: str) -> list[str]:
        """Every message on a queue, visible or in flight, oldest first."""
        with self._changed:
            return [record.body for record in self._queues.get(queue, _Queue()).records]

    def attributes(self, queue: str) -> list[Mapping[str, str]]:
        with self._changed:
            return [record.attributes for record in self._queues.get(queue, _Queue()).records]

    def _take(
        self, name: str, max_messages: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        queue = self._queues.get(name)
        if queue is None:
            raise LookupError(f"queue {name} does not exist")
        now = self._clock()
        taken: list[ReceivedMessage] = []
        for record in list(queue.records):
            if len(taken) == max_messages:
                break
            if record.visible_at > now:
                continue
            if queue.max_receive_count and record.receive_count >= queue.max_receive_count:
                self._redrive(queue, record)
                continue
            record.receive_count += 1
            record.receipt = str(uuid.uuid4())
            timeout = (
                DEFAULT_VISIBILITY_TIMEOUT if visibility_timeout is None else visibility_timeout
            )
            record.visible_at = now + timeout
            taken.append(
                ReceivedMessage(
                    name, record.body, record.receipt, dict(record.attributes),
                    record.receive_count, record.transport_id, sent_at_ms=record.sent_at_ms,
                )
            )  # fmt: skip
        return taken

    def _redrive(self, queue: _Queue, record: _Record) -> None:
        """Like SQS: past maxReceiveCount the message moves to the dead-letter queue."""
        queue.records.remove(record)
        if queue.dead_letter is not None:
            record.receipt, record.visible_at, record.receive_count = None, 0.0, 0
            self._queues[queue.dead_letter].records.append(record)

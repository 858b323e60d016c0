"""An in-process broker with SQS semantics: visibility timeouts, receive counts, redrive to a
dead-letter queue, SNS-style topics fanning out to subscribed queues, and FIFO queues (names
ending `.fifo`): a message group is locked while one of its messages is in flight, and a
deduplication id is remembered for five minutes even after its message was deleted, as on AWS
(moto, the local endpoint, forgets it once the message is deleted).

Used by the pytest plugin and by tests of the consumer; thread-safe, no I/O. `sent` records
every message accepted, for a test to inspect; `keep_sent=False` keeps no record, for a process
that sends without end (the record holds every body, so it grows as long as the process runs).
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from taskhawk.clock import now_ms
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, SendResult
from taskhawk.transport.limits import FIFO_DEDUPLICATION_WINDOW_S, SQS_MAX_BYTES, transport_size
from taskhawk.transport.naming import FIFO_SUFFIX

__all__ = ["MemoryTransport"]

DEFAULT_VISIBILITY_TIMEOUT = 30


def _fifo_problem(message: OutgoingMessage) -> str | None:
    """Why SQS would refuse this message on a FIFO queue or topic, if it would."""
    if message.group_id is None:
        return "MissingParameter: MessageGroupId is required for FIFO queues and topics"
    if message.delay_s:
        return "InvalidParameterValue: FIFO queues take no per-message DelaySeconds"
    return None


def _size_problem(message: OutgoingMessage) -> str | None:
    """SQS's refusal of a message over its size limit (body plus attributes), if it is."""
    size = transport_size(message.body, message.attributes)
    if size > SQS_MAX_BYTES:
        return f"InvalidParameterValue: {size} bytes (body and attributes) > {SQS_MAX_BYTES}"
    return None


class _Record:
    """A message on a queue. A plain class with slots: one is made per message sent."""

    __slots__ = (
        "attributes",
        "body",
        "group_id",
        "receipt",
        "receive_count",
        "sent_at_ms",
        "transport_id",
        "visible_at",
    )  # fmt: skip

    def __init__(
        self,
        transport_id: str,
        body: str,
        attributes: Mapping[str, str],
        visible_at: float,
        sent_at_ms: int,  # taskhawk's clock: a test's fake
        group_id: str | None,
    ) -> None:
        self.transport_id, self.body, self.attributes = transport_id, body, attributes
        self.receive_count = 0
        self.visible_at = visible_at
        self.receipt: str | None = None
        self.sent_at_ms = sent_at_ms
        self.group_id = group_id


@dataclass
class _Queue:
    records: list[_Record] = field(default_factory=list)
    dead_letter: str | None = None
    max_receive_count: int | None = None
    deduplication: dict[str, float] = field(default_factory=dict)  # FIFO: id -> when sent


class MemoryTransport:
    def __init__(
        self, clock: Callable[[], float] = time.monotonic, *, keep_sent: bool = True
    ) -> None:
        self._clock = clock
        self._queues: dict[str, _Queue] = {}
        self._topics: dict[str, list[str]] = {}
        # Sends, deletes and reads take the lock alone (a C context manager); only a receive
        # that found nothing waits on the condition, and only then is there anyone to notify.
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._waiting = 0
        self.sent: list[tuple[Destination, OutgoingMessage]] = []
        self._keep_sent = keep_sent
        # Message ids and receipts: UUID-shaped, unique to this broker, without a uuid4() (and
        # its os.urandom) per message and per receive.
        self._id_prefix = str(uuid.uuid4())[:24]
        self._serials = itertools.count(1)

    def _new_id(self) -> str:
        return f"{self._id_prefix}{next(self._serials):012x}"

    def create_queue(
        self, name: str, *, dead_letter: str | None = None, max_receive_count: int | None = None
    ) -> None:
        with self._lock:
            queue = self._queues.setdefault(name, _Queue())
            queue.dead_letter, queue.max_receive_count = dead_letter, max_receive_count
            if dead_letter:
                self._queues.setdefault(dead_letter, _Queue())

    def subscribe(self, topic: str, queue: str) -> None:
        """Raw delivery: the queue receives the published body and attributes unchanged."""
        with self._lock:
            self._topics.setdefault(topic, []).append(queue)
            self._queues.setdefault(queue, _Queue())

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        refused: dict[str, str] = {}
        fifo = destination.name.endswith(FIFO_SUFFIX)
        to_queue = destination.kind == "queue"
        with self._lock:
            if to_queue:  # most sends: one queue, no comprehension (a function call each)
                targets = [(self._queue(destination.name), fifo)]
            else:
                names = self._topics.get(destination.name, [])
                targets = [(self._queue(name), name.endswith(FIFO_SUFFIX)) for name in names]
            now, sent_at_ms = self._clock(), now_ms()
            for message in messages:
                problem = _fifo_problem(message) if fifo else None
                if problem is None and to_queue:
                    problem = _size_problem(message)
                if problem is not None:
                    refused[message.key] = problem
                    continue
                if self._keep_sent:
                    self.sent.append((destination, message))
                for queue, fifo_queue in targets:
                    if not fifo_queue or self._first_of(queue, message, now):
                        queue.records.append(self._record(message, now, sent_at_ms))
            if self._waiting:
                self._changed.notify_all()
        if not refused:
            if len(messages) == 1:
                return SendResult((messages[0].key,))
            return SendResult(tuple([message.key for message in messages]))
        sent = tuple([message.key for message in messages if message.key not in refused])
        return SendResult(sent, refused)

    def _queue(self, name: str) -> _Queue:
        queue = self._queues.get(name)
        if queue is None:  # sending to a queue never created makes it, as the tests expect
            queue = self._queues[name] = _Queue()
        return queue

    def _record(self, message: OutgoingMessage, now: float, sent_at_ms: int) -> _Record:
        attributes = dict(message.attributes)
        visible_at = now + message.delay_s
        return _Record(
            self._new_id(), message.body, attributes, visible_at, sent_at_ms, message.group_id
        )

    @staticmethod
    def _first_of(queue: _Queue, message: OutgoingMessage, now: float) -> bool:
        """A FIFO queue keeps a message unless its deduplication id was sent within the window
        (then accepted and dropped as a duplicate, as SQS does)."""
        if message.deduplication_id is None:
            return True
        seen = queue.deduplication.get(message.deduplication_id)
        if seen is not None and now - seen < FIFO_DEDUPLICATION_WINDOW_S:
            return False
        queue.deduplication[message.deduplication_id] = now
        return True

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        deadline = self._clock() + wait_seconds
        with self._lock:
            while True:
                received = self._take(queue, max_messages, visibility_timeout)
                remaining = deadline - self._clock()
                if received or remaining <= 0:
                    return received
                self._waiting += 1
                try:
                    self._changed.wait(min(remaining, 0.05))
                finally:
                    self._waiting -= 1

    def delete(self, queue: str, receipts: Sequence[str]) -> list[str]:
        with self._lock:
            records = self._queues[queue].records if queue in self._queues else []
            wanted = set(receipts)
            kept = [record for record in records if record.receipt not in wanted]
            failed: list[str] = []
            if len(records) - len(kept) != len(wanted):  # receipts are unique: one is unknown
                held = {record.receipt for record in records}
                failed = [receipt for receipt in receipts if receipt not in held]
            records[:] = kept
            return failed

    def change_visibility(self, queue: str, receipt: str, seconds: int) -> None:
        with self._lock:
            for record in self._queues.get(queue, _Queue()).records:
                if record.receipt == receipt:
                    record.visible_at = self._clock() + seconds
                    if self._waiting:
                        self._changed.notify_all()
                    return
        raise LookupError(f"receipt not found in {queue} (deleted, or received again since)")

    def change_visibility_batch(
        self, queue: str, receipts: Sequence[str], seconds: int
    ) -> dict[str, str]:
        failed: dict[str, str] = {}
        for receipt in receipts:
            try:
                self.change_visibility(queue, receipt, seconds)
            except LookupError as error:
                failed[receipt] = str(error)
        return failed

    def bodies(self, queue: str) -> list[str]:
        """Every message on a queue, visible or in flight, oldest first."""
        with self._lock:
            return [record.body for record in self._queues.get(queue, _Queue()).records]

    def attributes(self, queue: str) -> list[Mapping[str, str]]:
        with self._lock:
            return [record.attributes for record in self._queues.get(queue, _Queue()).records]

    def _take(
        self, name: str, max_messages: int, visibility_timeout: int | None
    ) -> list[ReceivedMessage]:
        queue = self._queues.get(name)
        if queue is None:
            raise LookupError(f"queue {name} does not exist")
        now = self._clock()
        taken: list[ReceivedMessage] = []
        redriven: list[_Record] = []
        # FIFO: a group with a message in flight (or one not visible yet, ahead of the rest of
        # its group) delivers nothing more until that message is deleted or visible again.
        blocked = (
            {r.group_id for r in queue.records if r.group_id and r.visible_at > now}
            if name.endswith(FIFO_SUFFIX)
            else set()
        )
        timeout = DEFAULT_VISIBILITY_TIMEOUT if visibility_timeout is None else visibility_timeout
        for record in queue.records:
            if len(taken) == max_messages:
                break
            if record.visible_at > now or (blocked and record.group_id in blocked):
                continue
            if queue.max_receive_count and record.receive_count >= queue.max_receive_count:
                redriven.append(record)
                continue
            record.receive_count += 1
            record.receipt = self._new_id()
            record.visible_at = now + timeout
            taken.append(
                ReceivedMessage(
                    name, record.body, record.receipt, dict(record.attributes),
                    record.receive_count, record.transport_id, sent_at_ms=record.sent_at_ms,
                    group_id=record.group_id,
                )
            )  # fmt: skip
        for record in redriven:
            self._redrive(queue, record)
        return taken

    def _redrive(self, queue: _Queue, record: _Record) -> None:
        """Like SQS: past maxReceiveCount the message moves to the dead-letter queue."""
        queue.records.remove(record)
        if queue.dead_letter is not None:
            record.receipt, record.visible_at, record.receive_count = None, 0.0, 0
            self._queues[queue.dead_letter].records.append(record)

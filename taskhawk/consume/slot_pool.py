"""The crash record of a process with many messages in flight (`taskhawk worker --concurrency`).

A consumer that runs one message at a time records each receive's batch in one shared
`BatchSlot`, so the parent can settle what a dead child held (`taskhawk.consume.crash_watch`).
With several messages running at once, the batches of several receives are in flight together:
each takes a slot of its own from this pool, and gives it back once every one of its messages is
decided and the finished ones are deleted. A message's position is its slot's number times ten
plus its index in the batch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from taskhawk.consume.crash_watch import BatchSlot
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.limits import MAX_BATCH

__all__ = ["SlotPool"]


class SlotPool:
    """A BatchObserver over several slots; thread-safe. Each batch is recorded by `take`."""

    def __init__(self, slots: Sequence[BatchSlot]) -> None:
        self._slots = list(slots)
        self._free = list(reversed(range(len(self._slots))))
        self._left: dict[int, int] = {}
        self._decided: set[int] = set()  # positions whose decision is recorded
        self._lock = threading.Lock()

    def take(self, batch: Sequence[ReceivedMessage]) -> int:
        """Record a received batch in a free slot; the position of its first message. There is
        always one free: a slot is taken only while a message of its batch is held, and a
        consumer holds at most as many messages as the pool has slots."""
        with self._lock:
            number = self._free.pop()
            self._left[number] = len(batch)
        self._slots[number].received(batch)
        return number * MAX_BATCH

    def received(self, batch: Sequence[ReceivedMessage]) -> None:
        """Batches are recorded by `take`, each in its own slot."""

    def starting(self, position: int, received: ReceivedMessage) -> str | None:
        number, index = divmod(position, MAX_BATCH)
        return self._slots[number].starting(index, received)

    def suspected(self, position: int, received: ReceivedMessage) -> bool:
        """Whether this message was running when a worker process died (it is run alone)."""
        ledger = self._slots[position // MAX_BATCH].ledger
        return ledger is not None and ledger.suspected(received.transport_id)

    def decided(self, position: int, to_delete: bool) -> None:
        number, index = divmod(position, MAX_BATCH)
        with self._lock:
            self._decided.add(position)
        self._slots[number].decided(index, to_delete)

    def settled(self, position: int) -> bool:
        """One message of the batch at `position` is settled; True for the batch's last. One
        not decided (skipped: its visibility ran out; or its handling raised) is recorded as
        settled, so a dead process's parent neither releases nor counts it."""
        number, index = divmod(position, MAX_BATCH)
        with self._lock:
            undecided = position not in self._decided
            self._decided.discard(position)
            left = self._left[number] - 1
            self._left[number] = left
        if undecided:
            self._slots[number].decided(index, False)
        return left == 0

    def give_back(self, position: int) -> None:
        """The batch at `position` is done with (its finished messages deleted): free its
        slot, emptied first so a dead process's parent finds nothing left in it."""
        number = position // MAX_BATCH
        self._slots[number].received([])
        with self._lock:
            del self._left[number]
            self._free.append(number)

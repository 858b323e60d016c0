"""What a worker process was doing when it died, so its parent can clean up after it.

A task that kills its process (a segfault, the OOM killer, `os._exit`) used to drag its whole
batch down with it: every message of the batch came back after the visibility timeout with one
more receive counted, again and again, until the redrive policy moved all of them to the
dead-letter queue. Now each consumer child shares with the parent, per batch, which messages it
holds and how far it got (one byte store per message, no system call):

- the messages it had not started are made visible again at once: they did nothing wrong;
- the ones it had finished but not yet deleted are deleted: they must not run twice;
- the one it was running is counted in a crash ledger that every child reads, and after
  `crash_limit` deaths it is dead-lettered, unrun, with a reason naming the crash. When it was
  running several at once (`--concurrency`), none of them is known to be the one: each becomes
  a suspect, run alone when received again, so a second death names the task that kills.
"""

from __future__ import annotations

import ctypes
import json
import logging
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.limits import MAX_BATCH

__all__ = [
    "BatchSlot",
    "CrashLedger",
    "DeadChild",
    "crash_limit",
    "describe_exit",
    "read_dead_child",
    "settle_dead_child",
    "settle_dead_children",
]

logger = logging.getLogger("taskhawk.worker")

SLOT_BYTES = 64 * 1024  # a batch's queue name, ids and receipts (AWS receipts are < 1 KiB)
# The most recent crashers and suspects: twice the most messages one process may hold
# (`taskhawk.consume.concurrent.MAX_CONCURRENCY` is half of this), so one death with every place
# taken, which makes each of its messages a suspect, never pushes out a counted crasher.
LEDGER_ENTRIES = 2000
LEDGER_BYTES = LEDGER_ENTRIES * 160  # an entry is its transport id (AWS: <= 100) and a death
WAITING, RUNNING, TO_DELETE, SETTLED = 0, 1, 2, 3


def crash_limit(max_receive_count: int) -> int:
    """Deaths after which a message is dead-lettered unrun: two (one could be bad luck, such as
    an OOM kill caused by another task), or one when the redrive policy would move it first."""
    return 2 if max_receive_count > 2 else 1


_ALL_WAITING = bytes([WAITING]) * MAX_BATCH


def _store(array: Any, data: bytes) -> None:
    """Copy `data` to the start of a shared ctypes array in one memmove: a slice assignment
    stores it item by item, which cost more than the rest of a batch's bookkeeping. A char
    array takes it through `raw`, a plain memcpy (memmove is a foreign call, ten times that)."""
    if array._type_ is ctypes.c_char:
        array.raw = data  # copies len(data) bytes, the rest is left as it is
    else:
        ctypes.memmove(array, data, len(data))


class BatchSlot:
    """One child's shared record of its current batch (the consumer's BatchObserver)."""

    def __init__(self, context: Any) -> None:
        self.text: Any = context.RawArray(ctypes.c_char, SLOT_BYTES)
        self.length: Any = context.RawValue(ctypes.c_int, 0)
        self.states: Any = context.RawArray(ctypes.c_byte, MAX_BATCH)
        self.ledger: CrashLedger | None = None

    def received(self, batch: Sequence[ReceivedMessage]) -> None:
        self.length.value = 0  # a child killed mid-write leaves an empty slot, never half a one
        if not batch:
            return
        # One line each: the queue, then every message's transport id and receipt. (JSON cost
        # more than the rest of the batch's bookkeeping: its encoder escapes char by char.)
        lines = [batch[0].queue]
        for received in batch:
            lines += (received.transport_id, received.receipt)
        text = "\n".join(lines)
        data = text.encode()
        if len(data) > SLOT_BYTES or text.count("\n") != 2 * len(batch):
            return  # cannot be recorded (too long, or a line break in a field): the batch is
            # then treated as before this module
        _store(self.states, _ALL_WAITING)
        _store(self.text, data)
        self.length.value = len(data)

    def starting(self, index: int, received: ReceivedMessage) -> str | None:
        """Mark it running; a reason not to run it when it killed workers before."""
        self.states[index] = RUNNING
        return None if self.ledger is None else self.ledger.refusal(received.transport_id)

    def decided(self, index: int, to_delete: bool) -> None:
        self.states[index] = TO_DELETE if to_delete else SETTLED


@dataclass(frozen=True)
class DeadChild:
    """What a dead child held: by state, (transport id, receipt) pairs of one queue."""

    queue: str
    messages: Mapping[int, list[tuple[str, str]]]


def read_dead_child(slot: BatchSlot) -> DeadChild | None:
    length = slot.length.value
    if not length:
        return None
    try:
        queue, *fields = bytes(slot.text[:length]).decode().split("\n")
    except ValueError:
        return None
    pairs = zip(fields[0::2], fields[1::2], strict=False)
    by_state: dict[int, list[tuple[str, str]]] = {}
    for index, (transport_id, receipt) in enumerate(pairs):
        by_state.setdefault(slot.states[index], []).append((transport_id, receipt))
    slot.length.value = 0
    return DeadChild(queue, by_state)


def settle_dead_children(
    transport: Transport, deads: Sequence[DeadChild], ledger: CrashLedger | None, how: str
) -> None:
    """`settle_dead_child` for each batch one child held (several with `--concurrency`): a
    message is blamed alone only when it was the one running in all of them."""
    alone = sum(len(dead.messages.get(RUNNING, [])) for dead in deads) == 1
    for dead in deads:
        settle_dead_child(transport, dead, ledger, how, alone=alone)


def settle_dead_child(
    transport: Transport,
    dead: DeadChild,
    ledger: CrashLedger | None,
    how: str,
    *,
    alone: bool | None = None,
) -> None:
    """Release what it had not started, delete what it finished, count what it was running
    (`ledger` None: the parent killed it, so the task is not to blame; `alone` False: other
    messages were running too, so each is only suspected)."""
    for _, receipt in dead.messages.get(WAITING, []):
        _quietly(transport.change_visibility, dead.queue, receipt, 0)
    finished = [receipt for _, receipt in dead.messages.get(TO_DELETE, [])]
    if finished:
        _quietly(transport.delete, dead.queue, finished)
    running = dead.messages.get(RUNNING, [])
    if ledger is not None:
        for transport_id, _ in running:
            ledger.record(transport_id, how, alone=len(running) == 1 if alone is None else alone)
    logger.warning(
        "a worker process died (%s) while running %d messages; %d it had not started were "
        "released and %d it had finished were deleted",
        how, len(running), len(dead.messages.get(WAITING, [])), len(finished),
        extra={"queue": dead.queue, "running": [tid for tid, _ in running]},
    )  # fmt: skip


def _quietly(call: Any, *args: Any) -> None:
    try:
        call(*args)
    except Exception as error:  # they reappear after their visibility timeout instead
        logger.warning("could not settle a dead worker's message: %s", error)


def describe_exit(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


class CrashLedger:
    """Messages whose task killed a worker process, by transport id: written by the parent,
    read by every child (re-read only when its version changes)."""

    def __init__(self, context: Any, limit: int) -> None:
        self.text: Any = context.RawArray(ctypes.c_char, LEDGER_BYTES)
        self.length: Any = context.RawValue(ctypes.c_int, 0)
        self.version: Any = context.RawValue(ctypes.c_int, 0)
        self.limit = limit
        self._entries: dict[str, list[Any]] = {}
        self._seen_version = 0

    def record(self, transport_id: str, how: str, *, alone: bool = True) -> None:
        """Parent side: one more death while running this message (`alone`), or while running
        it among others: then it is only suspected."""
        self._load()
        count = self._entries.pop(transport_id, [0, how])[0] + (1 if alone else 0)
        self._entries[transport_id] = [count, how]
        data = self._fitted()
        self.length.value = 0
        _store(self.text, data)
        self.length.value = len(data)
        self.version.value += 1
        self._seen_version = self.version.value  # what it holds is what it wrote

    def _fitted(self) -> bytes:
        """The entries as JSON, after dropping whole ones until at most LEDGER_ENTRIES remain
        and it fits (a cut JSON would not load): suspects never blamed first, then crashers,
        oldest first."""
        data = json.dumps(self._entries).encode()
        if len(self._entries) > LEDGER_ENTRIES or len(data) > LEDGER_BYTES:
            self._drop_oldest()
            data = json.dumps(self._entries).encode()
        return data

    def _drop_oldest(self) -> None:
        sizes = {tid: len(json.dumps({tid: entry})) for tid, entry in self._entries.items()}
        total = sum(sizes.values())  # each "id": [n, how] plus its separator and braces
        order = [tid for tid, entry in self._entries.items() if not entry[0]]
        order += [tid for tid, entry in self._entries.items() if entry[0]]
        for victim in order:
            if len(self._entries) <= LEDGER_ENTRIES and total <= LEDGER_BYTES:
                return
            total -= sizes[victim]
            del self._entries[victim]

    def refusal(self, transport_id: str) -> str | None:
        """Child side: why this message must not run again, if it must not."""
        if self.version.value != self._seen_version:  # asked per message: read only if written
            self._load()
        entry = self._entries.get(transport_id)
        if entry is None or entry[0] < self.limit:
            return None
        return (
            f"the task killed its worker process {entry[0]} times (last: {entry[1]}); not run again"
        )

    def suspected(self, transport_id: str) -> bool:
        """Child side: whether this message was running when a worker process died."""
        self._load()
        return transport_id in self._entries

    def _load(self) -> None:
        version = self.version.value
        if version == self._seen_version:
            return
        length = self.length.value
        try:
            loaded = json.loads(bytes(self.text[:length])) if length else {}
        except ValueError:  # caught mid-write: the next version is read instead
            return
        self._entries, self._seen_version = dict(loaded), version

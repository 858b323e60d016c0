"""`taskhawk worker --concurrency N`: up to N messages of one process in flight at once.

The process serves one event loop (`taskhawk.coroutines.serving`), on which every `async def`
task it runs is a task of its own, so N tasks that await I/O take one process instead of N.
Each message is carried by a thread of a pool of N, which does for it exactly what a consumer
running one message at a time does (`Consumer.handle`: the crash record, the execution core
with its hooks, span and outcome line, the decision carried out on SQS) and waits, off the loop,
for its task's coroutine. So nothing the loop runs waits on SQS, and a message meets the same
rules as on any other worker. Plain tasks still run one at a time (`taskhawk.coroutines`).

What the one-at-a-time consumer keeps, this one keeps too:

- every held message is kept hidden by the heartbeat and deleted promptly (`InFlight`);
- a receive asks for no more messages than there is room for, so a received message starts at
  once, unless an earlier message of its FIFO group is running: it waits for that one, and is
  held back (made visible again) if that one failed, so a group never runs two at a time and
  keeps its order;
- on shutdown nothing more is received, messages not started are released at once (visibility
  0) and the running ones finish.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from taskhawk.consume.crash_watch import LEDGER_ENTRIES
from taskhawk.consume.execute import unhandled
from taskhawk.consume.heartbeat_hook import heartbeat_hook_calls
from taskhawk.consume.loop_watchdog import LoopWatchdog
from taskhawk.consume.receive_pause import ReceivePause, ShutdownEvent
from taskhawk.consume.slot_pool import SlotPool
from taskhawk.consume.sqs import Consumer
from taskhawk.consume.turns import Turns
from taskhawk.consume.visibility import hide
from taskhawk.coroutines import serving
from taskhawk.exceptions import ConfigurationError
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.limits import MAX_BATCH, SHORT_POLL_S

__all__ = ["MAX_CONCURRENCY", "ConcurrentConsumer"]

logger = logging.getLogger("taskhawk.consumer")

# A thread and a shared crash record slot (mostly untouched memory) per message in flight; the
# crash ledger keeps twice this many entries, so one death never pushes out a counted crasher.
MAX_CONCURRENCY = LEDGER_ENTRIES // 2


@dataclass(frozen=True, slots=True)
class _Held:
    received: ReceivedMessage
    dead_letter_queue: str
    position: int


class ConcurrentConsumer:
    """Runs `consumer`'s messages `concurrency` at a time. `pool` must be the consumer's
    observer (or what it wraps) and have `concurrency` slots."""

    def __init__(self, consumer: Consumer, concurrency: int, pool: SlotPool) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.consumer = consumer
        consumer.executor.tally.share()  # its carrier threads count outcomes side by side
        self.concurrency = concurrency
        self.pool = pool
        self._lock = threading.Lock()
        self._room = threading.Condition(self._lock)
        self._held = 0  # received and not settled
        self._waiting: dict[str, deque[_Held]] = {}  # FIFO group with one running -> the rest
        self._stopping = False
        self._shutdown: ShutdownEvent | None = None
        self._pause = ReceivePause()
        self._carriers: ThreadPoolExecutor | None = None
        self._turns = Turns()

    def run(
        self, shutdown_event: ShutdownEvent, progress: Callable[[], None] | None = None
    ) -> None:
        """Receive and run until `shutdown_event` is set; then release what has not started
        and let the running tasks finish."""
        consumer = self.consumer
        self._shutdown = shutdown_event
        names = ", ".join(queue for queue, _ in consumer.queues)
        logger.info("consumer listening on %s, %d messages at a time", names, self.concurrency)
        with (
            consumer.inflight,
            heartbeat_hook_calls(consumer.settings),
            serving() as loop,
            LoopWatchdog(loop),
            ThreadPoolExecutor(self.concurrency, "taskhawk-message") as carriers,
        ):
            self._carriers = carriers
            index = 0
            while not shutdown_event.is_set():
                room = self._wait_for_room(shutdown_event)
                if not room:  # every place taken: progress is each message that ends
                    continue
                received = self._receive(index, room, shutdown_event)
                if progress is not None:
                    progress()
                consumer.executor.tally.tick()
                index = 0 if received else (index + 1) % len(consumer.queues)
            self._release_waiting()
        consumer.executor.tally.log_summary()
        logger.info("consumer stopped listening on %s", names)

    @property
    def stopping(self) -> bool:
        """Shutdown was asked for: no message starts any more."""
        return self._stopping or (self._shutdown is not None and self._shutdown.is_set())

    def _wait_for_room(self, shutdown_event: ShutdownEvent) -> int:
        """How many more messages may be received now (0 after a second without room, and
        while a message runs alone: a message received then would wait for it, and be released
        unrun if it kills the process again)."""
        with self._room:
            crowded = self._held >= self.concurrency or self._turns.alone_wanted()
            if crowded and not shutdown_event.is_set():
                self._room.wait(1.0)
            if self._turns.alone_wanted():
                return 0
            return max(self.concurrency - self._held, 0)

    def _receive(self, index: int, room: int, shutdown_event: ShutdownEvent) -> int:
        consumer = self.consumer
        queue, dead_letter_queue = consumer.queues[index]
        received_at = time.monotonic()
        try:
            batch = consumer.transport.receive(
                queue,
                max_messages=min(room, MAX_BATCH),
                wait_seconds=SHORT_POLL_S,
                visibility_timeout=consumer.visibility_s,
            )
        except ConfigurationError:
            raise
        except Exception as error:  # SQS unreachable: wait, then try again
            consumer.inflight.flush()
            self._pause.after_error(queue, error, shutdown_event)
            return 0
        self._pause.reset()
        if not batch:
            return 0
        consumer.inflight.hold(batch, received_at)
        first = self.pool.take(batch)
        with self._lock:
            self._held += len(batch)
        for offset, received in enumerate(batch):
            self._admit(_Held(received, dead_letter_queue, first + offset))
        return len(batch)

    def _admit(self, held: _Held) -> None:
        """Start it now, or after the running message of its FIFO group."""
        group = held.received.group_id
        with self._lock:
            if group is not None:
                if group in self._waiting:
                    self._waiting[group].append(held)
                    return
                self._waiting[group] = deque()
        self._start(held)

    def _start(self, held: _Held) -> None:
        assert self._carriers is not None  # only while running
        self._carriers.submit(self._carry, held)

    def _carry(self, held: _Held) -> None:
        """One message, in a carrier thread, as the one-at-a-time consumer handles it."""
        deleted = False
        try:
            if self.stopping:  # received, never started: another worker may have it now
                self._release(held)
            else:
                with self._turns.turn(alone=self._suspected(held)):
                    deleted = self._run(held)
        finally:
            self._settled(held, deleted)

    def _run(self, held: _Held) -> bool:
        """Whether it is done with; released instead when shutdown came while it waited, and
        skipped when its visibility ran out meanwhile (a turn can take long)."""
        if self.stopping:
            self._release(held)
            return False
        received = held.received
        if not self.consumer.inflight.begin(received.receipt):
            return False
        try:
            return self.consumer.handle_started(received, held.dead_letter_queue, held.position)
        except Exception as error:  # logged; it comes back after its visibility
            return unhandled(received, error)

    def _suspected(self, held: _Held) -> bool:
        """Running when a process died among others: run alone (`taskhawk.consume.turns`)."""
        if not self.pool.suspected(held.position, held.received):
            return False
        logger.info(
            "running a message alone: it was running when a worker process died",
            extra={"queue": held.received.queue, "transport_id": held.received.transport_id},
        )
        return True

    def _settled(self, held: _Held, deleted: bool) -> None:
        """Free its place; let its group go on (or hold the group back: it failed)."""
        if self.pool.settled(held.position):
            self.consumer.inflight.flush()  # deleted before the crash record forgets them
            self.pool.give_back(held.position)
        group = held.received.group_id
        following: _Held | None = None
        held_back: list[_Held] = []
        with self._room:
            self._held -= 1
            self._room.notify()
            if group is not None:
                waiting = self._waiting.get(group)
                if not waiting:
                    self._waiting.pop(group, None)
                elif self.stopping and not self._stopping:
                    pass  # released once receiving stopped, so this process won't receive them
                elif deleted and not self.stopping:
                    following = waiting.popleft()
                else:
                    held_back = list(waiting)
                    waiting.clear()
        if following is not None:
            self._start(following)
        elif self.stopping:
            self._release_all(held_back)
        else:
            for later in held_back:
                self._carry_hold_back(later)

    def _carry_hold_back(self, held: _Held) -> None:
        """A later message of a group whose earlier one failed: made visible again, so SQS
        delivers the group in order."""
        try:
            self.consumer.hold_back(held.received, held.position)
        finally:
            self._settled(held, False)

    def _release(self, held: _Held) -> None:
        if self.consumer.inflight.release(held.received.receipt):  # else lost: left alone
            hide(self.consumer.transport, held.received, 0)
        self.pool.decided(held.position, False)

    def _release_waiting(self) -> None:
        """Shutdown: what waits behind its group is released at once; no new message starts."""
        with self._lock:
            self._stopping = True
            waiting = [held for queue in self._waiting.values() for held in queue]
            for queue in self._waiting.values():
                queue.clear()
        self._release_all(waiting)

    def _release_all(self, waiting: list[_Held]) -> None:
        if waiting:
            logger.info(
                "stopping: released %d received messages not started; they are received again "
                "at once", len(waiting),
            )  # fmt: skip
        for held in waiting:
            try:
                self._release(held)
            finally:
                self._settled(held, False)

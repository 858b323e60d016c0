"""The messages a worker holds, from their receive until they are settled.

SQS hides a received message for the visibility timeout; if the worker has not deleted it by
then, another worker receives it and the task runs twice. So, while a message waits its turn in
a batch, runs, or is finished but not yet deleted, this keeper:

- re-extends it every heartbeat interval (a fraction of the visibility timeout, so the first
  extension comes well before expiry) back to the full visibility timeout, ten to a request,
  without holding up anything else while SQS answers;
- deletes finished messages in batches of up to ten, at once when ten are ready and otherwise
  within a second, from its own thread, so a slow task never holds up its batch-mates' deletes;
- retries a delete that failed (an endpoint outage) while the receipt can still be valid, and
  counts in the log those whose visibility ran out first;
- warns when a message's visibility runs out while it is still held.

One rule holds throughout: a message whose visibility ran out by this worker's own clock is lost
to another consumer (`taskhawk.consume.lost`): never extended nor deleted here.

A message whose fate was decided otherwise (hidden for a retry, dead-lettered) is `release`d:
from then on nothing here touches it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType

from taskhawk.consume.lost import (
    log_finished_lost,
    log_lost,
    log_not_deleted,
    log_not_extended,
    log_skipped,
    ran_out,
    warn_outlived,
)
from taskhawk.consume.visibility import set_visibility_batch
from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.limits import MAX_BATCH

__all__ = ["STALE_DELETE_S", "InFlight"]

logger = logging.getLogger("taskhawk.consumer")

# A finished message waits at most about this long for its delete (batched with others that
# finish meanwhile), and is kept extended until then.
STALE_DELETE_S = 0.1


@dataclass(slots=True)
class _Held:
    received: ReceivedMessage
    expires_at: float  # monotonic time its visibility runs out, as far as we know
    started: bool = False
    finished: bool = False
    warned: bool = False


class InFlight:
    """Thread-safe; one per consumer. Use as a context manager around the consume loop."""

    def __init__(
        self,
        transport: Transport,
        visibility_s: int,
        heartbeat_s: float | None,
        deleted: Callable[[list[ReceivedMessage]], None] | None = None,
    ) -> None:
        """`deleted` is told the messages each delete removed (a large payload's S3 object
        may go only then)."""
        self._transport = transport
        self._deleted = deleted
        self._visibility_s = visibility_s
        self._heartbeat_s = heartbeat_s
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()  # a flush in progress finishes before release
        self._extended = threading.Condition(self._lock)
        self._extending: set[str] = set()  # receipts of the extension request in flight
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_beat = float("inf")
        self._finished_since: float | None = None
        self._finished_count = 0  # finished, not deleted: recounted at each delete
        self._lost: dict[str, ReceivedMessage] = {}  # lost, and not yet finished or skipped

    def __enter__(self) -> InFlight:
        self._thread = threading.Thread(target=self._run, name="taskhawk-inflight", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.flush()

    def hold(self, batch: Iterable[ReceivedMessage], received_at: float) -> None:
        """Keep a batch hidden from now on; `received_at` is when the receive was sent."""
        with self._lock:
            for received in batch:
                self._held[received.receipt] = _Held(received, received_at + self._visibility_s)
            if self._heartbeat_s and self._held and self._next_beat == float("inf"):
                self._next_beat = time.monotonic() + self._heartbeat_s

    def usable(self, receipt: str) -> bool:
        """False when the message's visibility ran out before its turn: another worker may
        have it already, so it must not run here too."""
        with self._lock:
            held = self._held.get(receipt)
            if self._lost.pop(receipt, None) is not None:  # the heartbeat found it lost
                return False
            if held is None or not ran_out(held.expires_at, time.monotonic()):
                return True
            del self._held[receipt]
        log_skipped(held.received)
        return False

    def begin(self, receipt: str) -> bool:
        """`usable`, and when it is, `start`: what running a message asks, under one lock."""
        self._lock.acquire()  # not `with`: per message, its __enter__/__exit__ cost a lock again
        try:
            held = self._held.get(receipt)
            if self._lost.pop(receipt, None) is not None:
                return False
            if held is None:
                return True
            if not ran_out(held.expires_at, time.monotonic()):
                held.started = True
                return True
            del self._held[receipt]
        finally:
            self._lock.release()
        log_skipped(held.received)
        return False

    def start(self, receipt: str) -> None:
        """Its task starts now (a running task whose visibility runs out gets a warning)."""
        with self._lock:
            held = self._held.get(receipt)
            if held is not None:
                held.started = True

    def ours(self, receipt: str) -> bool:
        """Whether it is still this worker's, not lost to another consumer: asked before a copy
        is sent on (a dead letter, a send-back), a second copy of what another may be running."""
        with self._lock:
            return self._lost_now(receipt) is None

    def release(self, receipt: str) -> bool:
        """Stop keeping this message: its decided fate rules its visibility from now on. Whether
        it was still ours; a lost one is not to be touched at all (its receipt is stale)."""
        with self._extended:  # an extension in flight would undo what is decided next
            self._extended.wait_for(lambda: receipt not in self._extending)
            lost = self._lost_now(receipt)
            self._held.pop(receipt, None)
            self._lost.pop(receipt, None)
        return lost is None

    def _lost_now(self, receipt: str) -> ReceivedMessage | None:
        """Called with the lock held: the message, when it is lost (found so now, or before)."""
        held = self._held.get(receipt)
        if held is not None and ran_out(held.expires_at, now := time.monotonic()):
            self._lose(held, now)
        return self._lost.get(receipt)

    def _lose(self, held: _Held, now: float) -> None:
        """Called with the lock held: give up a message whose visibility ran out."""
        received = held.received
        del self._held[received.receipt]
        if not held.finished:  # its task, running or waiting its turn, is told at its end
            self._lost[received.receipt] = received
        log_lost(received, now - held.expires_at, held.finished)

    def finish(self, receipt: str) -> bool:
        """The message is done: delete it soon, and keep it hidden until then. False when it
        was lost to another consumer meanwhile: then it is left alone."""
        self._lock.acquire()  # as in `begin`
        try:
            held, now = self._held.get(receipt), time.monotonic()
            if held is None or ran_out(held.expires_at, now):  # lost now, before, or never held
                if held is not None:
                    self._lose(held, now)
                lost = self._lost.pop(receipt, None)
                return lost is None or log_finished_lost(lost)
            if not held.finished:
                held.finished = True
                self._finished_count += 1
            if self._finished_since is None:
                self._finished_since = now
            ready = self._finished_count >= MAX_BATCH
        finally:
            self._lock.release()
        if ready:
            self.flush()
        return True

    def flush(self) -> None:
        """Delete every finished message now (batch end, shutdown)."""
        with self._lock:
            self._delete_finished()

    def pending(self) -> int:
        with self._lock:
            return len(self._held)

    def _run(self) -> None:
        while not self._stop.wait(self._until_next()):
            try:
                self._tick()
            except Exception:  # never let the keeper die: the next tick tries again
                logger.exception("in-flight keeper failed; retrying")

    def _until_next(self) -> float:
        """Seconds to the next beat or stale delete, within 0.05..0.5 (expiry warnings and
        a batch held meanwhile are noticed within half a second)."""
        due = self._next_beat
        if self._finished_since is not None:
            due = min(due, self._finished_since + STALE_DELETE_S)
        return min(max(due - time.monotonic(), 0.05), 0.5)

    def _tick(self) -> None:
        now = time.monotonic()
        with self._lock:
            if self._finished_since is not None and now - self._finished_since >= STALE_DELETE_S:
                self._delete_finished()
            beat = self._heartbeat_s is not None and now >= self._next_beat
            if beat and self._heartbeat_s is not None:
                self._next_beat = now + self._heartbeat_s if self._held else float("inf")
            self._warn_expired(now)
            chunks = self._chunks() if beat else []
        failed: list[str] = []
        for queue, receipts in chunks:
            failed += self._extend(queue, receipts)
        if failed:
            log_not_extended(failed, self.pending())

    def _chunks(self) -> list[tuple[str, list[str]]]:
        """Called with the lock held: what a beat extends, by queue, ten to a request."""
        by_queue: dict[str, list[str]] = {}
        for held in self._held.values():
            by_queue.setdefault(held.received.queue, []).append(held.received.receipt)
        return [
            (queue, receipts[start : start + MAX_BATCH])
            for queue, receipts in by_queue.items()
            for start in range(0, len(receipts), MAX_BATCH)
        ]

    def _extend(self, queue: str, receipts: list[str]) -> list[str]:
        """One ChangeMessageVisibilityBatch, sent without the lock (a slow answer holds up
        nothing else), for those of `receipts` still held and in time now (each is decided by
        the clock of its own request, not the beat's start); what could not be extended."""
        with self._lock:
            now = time.monotonic()
            for receipt in receipts:
                held = self._held.get(receipt)
                if held is not None and ran_out(held.expires_at, now):
                    self._lose(held, now)  # never extended: another consumer may have it
            wanted = [receipt for receipt in receipts if receipt in self._held]
            self._extending.update(wanted)
        if not wanted:
            return []
        sent_at = time.monotonic()
        try:
            problems = set_visibility_batch(self._transport, queue, wanted, self._visibility_s)
        finally:
            with self._extended:
                self._extending.difference_update(wanted)
                self._extended.notify_all()
        failed: list[str] = []
        with self._lock:
            for receipt in wanted:
                held = self._held.get(receipt)
                if held is None:  # settled meanwhile: its own fate rules it
                    continue
                if receipt in problems:  # it may return early; nothing is lost
                    failed.append(f"{held.received.transport_id}: {problems[receipt]}")
                else:
                    held.expires_at, held.warned = sent_at + self._visibility_s, False
        return failed

    def _delete_finished(self) -> None:
        """Called with the lock held. Failed deletes stay for the next try while their receipt
        can still be valid; those whose visibility ran out are given up, and counted."""
        by_queue: dict[str, list[_Held]] = {}
        now = time.monotonic()
        for held in list(self._held.values()):
            if held.finished and ran_out(held.expires_at, now):
                self._lose(held, now)
            elif held.finished:
                by_queue.setdefault(held.received.queue, []).append(held)
        for queue, finished in by_queue.items():
            for start in range(0, len(finished), MAX_BATCH):
                self._delete(queue, finished[start : start + MAX_BATCH])
        self._finished_count = sum(1 for h in self._held.values() if h.finished)
        self._finished_since = time.monotonic() if self._finished_count else None

    def _delete(self, queue: str, chunk: list[_Held]) -> None:
        receipts = [held.received.receipt for held in chunk]
        try:
            failed = set(self._transport.delete(queue, receipts))
        except Exception as error:
            logger.error("delete failed on %s: %s", queue, error, extra={"queue": queue})
            failed = set(receipts)
        now = time.monotonic()
        given_up = 0
        if self._deleted is not None and len(failed) < len(chunk):
            self._deleted([h.received for h in chunk if h.received.receipt not in failed])
        for held in chunk:
            receipt = held.received.receipt
            if receipt not in failed:
                del self._held[receipt]
            elif ran_out(held.expires_at, now):
                del self._held[receipt]
                given_up += 1
        if failed:
            log_not_deleted(queue, len(failed), given_up)

    def _warn_expired(self, now: float) -> None:
        for held in self._held.values():
            if not held.started or held.finished or held.warned or held.expires_at > now:
                continue
            held.warned = True
            warn_outlived(held.received, self._visibility_s, heartbeat=bool(self._heartbeat_s))

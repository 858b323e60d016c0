"""The SQS consumer: `listen_for_messages` and what happens to each message it receives.

A message is deleted only after its task succeeded or raised IgnoreException. Any other outcome
hides it for a while (RetryException's delay, else a backoff growing with the receive count) so
the queue redelivers it, until the redrive policy moves it to the dead-letter queue. A message
that can never run (undecodable, invalid, unknown task) is sent to the DLQ at once, with its
reason, and deleted only once the DLQ has it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from taskhawk.dead_letter import dead_letter_reason, send_to_dead_letter
from taskhawk.exceptions import ConfigurationError, ValidationError
from taskhawk.heartbeat import VisibilityHeartbeat
from taskhawk.outcomes import (
    MAX_VISIBILITY_S,
    Backoff,
    log_result,
    retry_visibility,
    run_task,
)
from taskhawk.priority import Priority, dead_letter_queue_name, queue_name
from taskhawk.processing import build_metadata
from taskhawk.settings import Settings, get_settings
from taskhawk.task import find_task
from taskhawk.transport import LONG_POLL_SECONDS, SHORT_POLL_SECONDS, ReceivedMessage, Transport
from taskhawk.transport.current import current_transport
from taskhawk.wire import decode

__all__ = ["LONG_POLL_S", "SHORT_POLL_S", "Consumer", "ShutdownEvent", "listen_for_messages"]

logger = logging.getLogger("taskhawk.consumer")

# Receives wait the longest poll, or the short one with a shutdown event or several queues.
LONG_POLL_S, SHORT_POLL_S = LONG_POLL_SECONDS, SHORT_POLL_SECONDS
DELETE_BATCH = 10  # SQS's limit (moto accepts 11; AWS does not)
STALE_DELETE_S = 1.0  # slow tasks do not keep finished messages waiting for the batch's end
MAX_RECEIVE_PAUSE_S = 30


class ShutdownEvent(Protocol):
    """threading.Event or multiprocessing.Event."""

    def is_set(self) -> bool: ...
    def wait(self, timeout: float | None = None) -> bool: ...


def listen_for_messages(
    priority: Priority | str,
    num_messages: int = 1,
    visibility_timeout_s: int | None = None,
    loop_count: int | None = None,
    shutdown_event: ShutdownEvent | None = None,
) -> None:
    """Receive and run tasks from the priority's queue until `loop_count` receives were made or
    `shutdown_event` is set; messages already received are finished first.

    Long polls last 20 s, or 1 s when a shutdown event is given, so setting it stops the loop
    within about a second. `num_messages` (1..10) is how many one receive may return.
    """
    consumer = Consumer(
        [Priority.parse(priority)],
        num_messages=num_messages,
        visibility_timeout_s=visibility_timeout_s,
    )
    consumer.run(loop_count=loop_count, shutdown_event=shutdown_event)


class _DeleteBuffer:
    """Finished messages, deleted in batches of at most ten per queue."""

    def __init__(self, transport: Transport) -> None:
        self._transport = transport
        self._pending: dict[str, list[str]] = {}
        self._since: float | None = None

    def add(self, queue: str, receipt: str) -> None:
        self._pending.setdefault(queue, []).append(receipt)
        self._since = self._since or time.monotonic()
        if len(self._pending[queue]) >= DELETE_BATCH:
            self.flush()

    def flush_if_stale(self) -> None:
        if self._since is not None and time.monotonic() - self._since >= STALE_DELETE_S:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._since = self._pending, {}, None
        for queue, receipts in pending.items():
            for start in range(0, len(receipts), DELETE_BATCH):
                chunk = receipts[start : start + DELETE_BATCH]
                try:
                    failed = self._transport.delete(queue, chunk)
                except Exception as error:
                    logger.error("delete failed on %s: %s", queue, error, extra={"queue": queue})
                    failed = chunk
                if failed:
                    logger.error(
                        "%d finished messages not deleted from %s; they will run again",
                        len(failed), queue, extra={"queue": queue},
                    )  # fmt: skip


class Consumer:
    """Receives from one or more priority queues; the first given is polled first after work.

    Several queues are polled round-robin with 1 s long polls; after a receive that returned
    messages, polling starts again from the first queue, so earlier priorities are preferred.
    """

    def __init__(
        self,
        priorities: Sequence[Priority],
        *,
        num_messages: int = 1,
        visibility_timeout_s: int | None = None,
        settings: Settings | None = None,
        transport: Transport | None = None,
    ) -> None:
        if not 1 <= num_messages <= 10:
            raise ValueError(f"num_messages must be 1..10 (SQS's limit), not {num_messages}")
        if visibility_timeout_s is not None and not 0 <= visibility_timeout_s <= MAX_VISIBILITY_S:
            raise ValueError(f"visibility_timeout_s must be 0..43200, not {visibility_timeout_s}")
        if not priorities:
            raise ValueError("at least one priority is needed")
        self.settings = settings or get_settings()
        app_queue = self.settings.require("TASKHAWK_QUEUE")
        self.queues = [
            (queue_name(app_queue, p), dead_letter_queue_name(app_queue, p)) for p in priorities
        ]
        self.num_messages = num_messages
        self.visibility_timeout_s = visibility_timeout_s
        self.transport = transport or current_transport()
        self.backoff = Backoff.from_settings(self.settings)
        self._deletes = _DeleteBuffer(self.transport)
        self._receive_pause = 0.0

    def run(
        self, loop_count: int | None = None, shutdown_event: ShutdownEvent | None = None
    ) -> None:
        """Poll until `loop_count` receives were made or `shutdown_event` is set."""
        single = len(self.queues) == 1 and shutdown_event is None
        wait_s = LONG_POLL_S if single else SHORT_POLL_S
        names = ", ".join(queue for queue, _ in self.queues)
        logger.info("consumer listening on %s", names)
        loops, index = 0, 0
        try:
            while loop_count is None or loops < loop_count:
                if shutdown_event is not None and shutdown_event.is_set():
                    break
                loops += 1
                received = self.poll(index, wait_s, shutdown_event)
                index = 0 if received else (index + 1) % len(self.queues)
        finally:
            self._deletes.flush()
        logger.info("consumer stopped listening on %s", names)

    def poll(self, index: int, wait_s: int, shutdown_event: ShutdownEvent | None = None) -> int:
        """One receive from the index-th queue and every message it returned; how many."""
        queue, dead_letter_queue = self.queues[index]
        try:
            batch = self.transport.receive(
                queue,
                max_messages=self.num_messages,
                wait_seconds=wait_s,
                visibility_timeout=self.visibility_timeout_s,
            )
        except ConfigurationError:
            raise
        except Exception as error:  # SQS unreachable: wait, then try again
            self._pause_after_receive_error(queue, error, shutdown_event)
            return 0
        self._receive_pause = 0.0
        interval = self.settings.taskhawk_heartbeat_interval_s
        with VisibilityHeartbeat(self.transport, interval, batch) as heartbeat:
            for received in batch:
                self._deletes.flush_if_stale()
                self._handle_isolated(received, dead_letter_queue, heartbeat.release)
        self._deletes.flush()
        return len(batch)

    def handle(
        self,
        received: ReceivedMessage,
        dead_letter_queue: str,
        release: Callable[[str], None] = lambda receipt: None,
    ) -> None:
        """Run one message and decide its fate (deletes are buffered)."""
        fields: dict[str, Any] = {
            "queue": received.queue,
            "transport_id": received.transport_id,
            "receive_count": received.receive_count,
        }
        try:
            message = decode(received.body)
            find_task(message.task)
            fields.update(task=message.task, message_id=message.id)
            metadata = build_metadata(
                message,
                receipt=received.receipt,
                queue=received.queue,
                extender=_extender(self.transport, received),
            )
            hook_kwargs = {"queue_name": received.queue, "sqs_queue_message": received}
            result = run_task(message, self.settings, hook_kwargs, metadata)
        except ValidationError as error:  # undecodable, unknown task, arguments that cannot fit
            release(received.receipt)
            self._dead_letter(received, dead_letter_queue, error, fields)
            return
        release(received.receipt)
        if result.done:
            self._deletes.add(received.queue, received.receipt)
            log_result(result, fields)
            return
        delay = retry_visibility(result, received.receive_count, self.backoff)
        self._hide(received, delay)
        log_result(result, fields, retry_in=delay)

    def _handle_isolated(
        self, received: ReceivedMessage, dead_letter_queue: str, release: Callable[[str], None]
    ) -> None:
        """handle(), but a defect met while handling one message neither stops the consumer nor
        the rest of its batch: that message is kept, to come back (and reach the redrive)."""
        try:
            self.handle(received, dead_letter_queue, release)
        except Exception:
            release(received.receipt)
            fields = {"queue": received.queue, "transport_id": received.transport_id}
            logger.exception(
                "could not handle a message on %s; kept, it will be received again",
                received.queue, extra=fields,
            )  # fmt: skip

    def _dead_letter(
        self,
        received: ReceivedMessage,
        dead_letter_queue: str,
        error: ValidationError,
        fields: dict[str, Any],
    ) -> None:
        reason = dead_letter_reason(error, received.body)
        if send_to_dead_letter(self.transport, dead_letter_queue, received, reason, fields):
            self._deletes.add(received.queue, received.receipt)
        else:  # kept, and hidden for a while so it cannot spin
            self._hide(received, self.backoff.delay(received.receive_count))

    def _hide(self, received: ReceivedMessage, seconds: int) -> None:
        try:
            self.transport.change_visibility(received.queue, received.receipt, seconds)
        except Exception as error:  # it returns after its current visibility timeout instead
            logger.warning(
                "could not set visibility of a message on %s to %ds: %s",
                received.queue, seconds, error, extra={"queue": received.queue},
            )  # fmt: skip

    def _pause_after_receive_error(
        self, queue: str, error: Exception, shutdown_event: ShutdownEvent | None
    ) -> None:
        self._receive_pause = min(max(1.0, self._receive_pause * 2), MAX_RECEIVE_PAUSE_S)
        logger.error(
            "receive from %s failed, next try in %.0fs: %s", queue, self._receive_pause, error,
            extra={"queue": queue},
        )  # fmt: skip
        if shutdown_event is not None:
            shutdown_event.wait(self._receive_pause)
        else:
            time.sleep(self._receive_pause)


def _extender(transport: Transport, received: ReceivedMessage) -> Callable[[int], None]:
    """metadata.extend_visibility_timeout: on the queue the message was received from."""

    def extend(visibility_timeout_s: int) -> None:
        if not 0 <= visibility_timeout_s <= MAX_VISIBILITY_S:
            raise ValueError(f"visibility_timeout_s must be 0..43200, not {visibility_timeout_s}")
        transport.change_visibility(received.queue, received.receipt, visibility_timeout_s)

    return extend

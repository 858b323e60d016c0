"""The SQS worker's driver: `listen_for_messages` and the `Consumer` behind it.

It receives, hands each message to the execution core and carries out the decision: a finished
message is deleted (in batches), a failed one is hidden for its retry delay so the queue
redelivers it until the redrive policy moves it to the dead-letter queue, and one that can never
run goes to the dead-letter queue at once, deleted only once the DLQ has it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from taskhawk.consume.dead_letter import send_back, send_to_dead_letter
from taskhawk.consume.execute import Action, Decision, Executor, Origin, Redelivery, unhandled
from taskhawk.consume.heartbeat_hook import heartbeat_hook_calls
from taskhawk.consume.heartbeat_interval import heartbeat_interval
from taskhawk.consume.inflight import InFlight
from taskhawk.consume.large_payload import PayloadCleanup
from taskhawk.consume.lost import log_finished_lost
from taskhawk.consume.receive_pause import ReceivePause, ShutdownEvent
from taskhawk.consume.visibility import extender, hide
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.settings import Settings, get_settings
from taskhawk.transport import ReceivedMessage, Transport
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import LONG_POLL_S, SHORT_POLL_S, check_batch_size, check_visibility

__all__ = ["Consumer", "ShutdownEvent", "listen_for_messages"]

logger = logging.getLogger("taskhawk.consumer")


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


class BatchObserver(Protocol):
    """Told how the consumer works through each batch, so that if its process dies the parent
    can settle what it held (`taskhawk.consume.crash_watch`)."""

    def received(self, batch: Sequence[ReceivedMessage]) -> None: ...

    def starting(self, index: int, received: ReceivedMessage) -> str | None:
        """About to run the index-th message; a reason not to run it at all (dead-letter it)."""

    def decided(self, index: int, to_delete: bool) -> None: ...


class Consumer:
    """Receives from one or more priority queues; the first given is polled first after work.

    Several queues are polled round-robin with 1 s long polls; after a receive that returned
    messages, polling starts again from the first queue, so earlier priorities are preferred.
    Every receive asks for the visibility timeout in force (`visibility_timeout_s`, else
    TASKHAWK_VISIBILITY_TIMEOUT_S), so the heartbeat knows what it must keep up with.
    """

    def __init__(
        self,
        priorities: Sequence[Priority],
        *,
        num_messages: int = 1,
        visibility_timeout_s: int | None = None,
        settings: Settings | None = None,
        transport: Transport | None = None,
        observer: BatchObserver | None = None,
    ) -> None:
        check_batch_size(num_messages)
        if not priorities:
            raise ValueError("at least one priority is needed")
        self.settings = settings or get_settings()
        visibility = visibility_timeout_s
        self.visibility_s = check_visibility(
            self.settings.taskhawk_visibility_timeout_s if visibility is None else visibility
        )
        heartbeat_s = heartbeat_interval(
            self.settings.taskhawk_heartbeat_interval_s, self.visibility_s
        )
        names = self.settings.names
        self.queues = [(names.queue(p), names.dead_letter_queue(p)) for p in priorities]
        self.num_messages = num_messages
        self.transport = transport or current_transport()
        # Told of messages by `self`; one thread runs them (ConcurrentConsumer shares it).
        self.executor = Executor(self.settings, Redelivery.QUEUE, shared=False)
        self.payloads = PayloadCleanup(self.settings)
        self.inflight = InFlight(self.transport, self.visibility_s, heartbeat_s, self.payloads)
        self.observer = observer
        self.receive_pause = ReceivePause()

    def run(
        self,
        loop_count: int | None = None,
        shutdown_event: ShutdownEvent | None = None,
        progress: Callable[[], None] | None = None,
    ) -> None:
        """Poll until `loop_count` receives were made or `shutdown_event` is set; `progress()`
        after each poll (and what it ran), so a stuck loop shows. Upstream's heartbeat hook is
        called meanwhile, when configured. The outcome summary line is logged every
        TASKHAWK_SUMMARY_INTERVAL_S and when it stops."""
        single = len(self.queues) == 1 and shutdown_event is None
        wait_s = LONG_POLL_S if single else SHORT_POLL_S
        names = ", ".join(queue for queue, _ in self.queues)
        logger.info("consumer listening on %s", names)
        loops, index = 0, 0
        with self.inflight, heartbeat_hook_calls(self.settings):
            while loop_count is None or loops < loop_count:
                if shutdown_event is not None and shutdown_event.is_set():
                    break
                loops += 1
                received = self.poll(index, wait_s, shutdown_event)
                if progress is not None:
                    progress()
                self.executor.tally.tick()
                index = 0 if received else (index + 1) % len(self.queues)
        self.executor.tally.log_summary()
        logger.info("consumer stopped listening on %s", names)

    def poll(self, index: int, wait_s: int, shutdown_event: ShutdownEvent | None = None) -> int:
        """One receive from the index-th queue and every message it returned; how many."""
        queue, dead_letter_queue = self.queues[index]
        received_at = time.monotonic()
        try:
            batch = self.transport.receive(
                queue,
                max_messages=self.num_messages,
                wait_seconds=wait_s,
                visibility_timeout=self.visibility_s,
            )
        except ConfigurationError:
            raise
        except Exception as error:  # SQS unreachable: wait, then try again
            self.inflight.flush()  # deletes that failed in the outage get another try
            self.receive_pause.after_error(queue, error, shutdown_event)
            return 0
        self.receive_pause.reset()
        self.inflight.hold(batch, received_at)
        if self.observer is not None:
            self.observer.received(batch)
        failed_groups: set[str] = set()  # FIFO: a group whose message failed runs no more now
        for position, received in enumerate(batch):
            group = received.group_id
            if group is not None and group in failed_groups:
                self.hold_back(received, position)
            elif not self._run_one(received, dead_letter_queue, position) and group is not None:
                failed_groups.add(group)
        self.inflight.flush()
        if self.observer is not None:
            self.observer.received([])
        return len(batch)

    def _run_one(self, received: ReceivedMessage, dead_letter_queue: str, position: int) -> bool:
        """`handle`, unless its visibility ran out before its turn; whether it is done with. One
        skipped, or whose handling raised, is recorded settled: not waiting, not running."""
        done = False
        if self.inflight.begin(received.receipt):
            try:
                done = self.handle_started(received, dead_letter_queue, position)
            except Exception as error:  # as `isolated`, without its per-message closure
                done = unhandled(received, error)
        if not done and self.observer is not None:
            self.observer.decided(position, False)
        return done

    def handle(self, received: ReceivedMessage, dead_letter_queue: str, position: int = 0) -> bool:
        """Run one message and carry out its decision (deletes are buffered); whether it is
        done with (deleted, or sent on to the DLQ), rather than to come back."""
        self.inflight.start(received.receipt)
        return self.handle_started(received, dead_letter_queue, position)

    def handle_started(
        self, received: ReceivedMessage, dead_letter_queue: str, position: int = 0
    ) -> bool:
        """`handle` of a message the in-flight keeper already marked started (`begin`)."""
        try:
            decision = self._decide(received, position)
        except BaseException:
            self.inflight.release(received.receipt)  # kept as it is: it comes back
            raise
        deleted = self._carry_out(decision, received, dead_letter_queue)
        if self.observer is not None:
            self.observer.decided(position, deleted)
        return deleted

    def hold_back(self, received: ReceivedMessage, position: int) -> None:
        """A later message of a FIFO group whose earlier message failed: not run, made visible
        again at once; SQS delivers it only after the failed one, so the group keeps its order.
        One whose visibility ran out meanwhile is another consumer's now: left alone."""
        receipt = received.receipt
        ours = self.inflight.usable(receipt) and self.inflight.release(receipt)
        if ours:
            hide(self.transport, received, 0)
        if self.observer is not None:
            self.observer.decided(position, False)
        if ours:
            self._log_held_back(received)

    def _log_held_back(self, received: ReceivedMessage) -> None:
        logger.info(
            "held back a message of group %s: an earlier message of the group failed",
            received.group_id,
            extra={"queue": received.queue, "transport_id": received.transport_id},
        )

    def _decide(self, received: ReceivedMessage, position: int) -> Decision:
        refusal = self.observer.starting(position, received) if self.observer else None
        if refusal is not None:  # it killed worker processes before: not run again
            fields = {"queue": received.queue, "transport_id": received.transport_id}
            return Decision(Action.DEAD_LETTER, fields, reason=refusal)
        return self.executor.execute(received, self)

    def hook_kwargs(self, received: ReceivedMessage) -> dict[str, Any]:
        """The hooks' arguments (MessageSource), as upstream's SQS consumer gave them."""
        return {"queue_name": received.queue, "sqs_queue_message": received}

    def origin(self, received: ReceivedMessage) -> Origin:
        """Where a task taking `metadata` was received from (MessageSource)."""
        return Origin(received.queue, received.receipt, extender(self.transport, received))

    def _carry_out(
        self, decision: Decision, received: ReceivedMessage, dead_letter_queue: str
    ) -> bool:
        """Finished messages, and dead letters the DLQ accepted, are deleted (kept hidden
        until then): True. Anything else is hidden for its retry delay and comes back. A
        message lost to another consumer meanwhile is left alone, whatever its decision: no
        copy sent on, no visibility change, no delete (False)."""
        receipt = received.receipt
        if decision.deletes:  # finished: False when it was lost meanwhile (left alone, logged)
            return self.inflight.finish(receipt)
        if not self.inflight.ours(receipt):
            self.inflight.finish(receipt)  # forgets it, and says it finished lost
            return False
        if self._sent_on(decision, received, dead_letter_queue):
            self.payloads.keep(receipt)  # its copy points to the same large payload, if any
            if not self.inflight.finish(receipt):
                return False
            if decision.sends_back:  # two copies until this delete: no buffering
                self.inflight.flush()
            return True
        if not self.inflight.release(receipt):  # from here on, its decision rules
            log_finished_lost(received)
            return False
        delay = decision.delay_s
        if decision.action is Action.DEAD_LETTER:  # the DLQ refused it: kept, so it can't spin
            delay = self.executor.backoff.delay(received.receive_count)
        hide(self.transport, received, delay)
        return False

    def _sent_on(self, decision: Decision, received: ReceivedMessage, dead_letter: str) -> bool:
        """A dead letter to the DLQ, a message not due yet back to its queue: True once sent
        (only then may the original be deleted)."""
        if decision.action is Action.DEAD_LETTER:
            fields = decision.fields
            return send_to_dead_letter(
                self.transport, dead_letter, received, decision.reason, fields
            )
        if decision.action is Action.DEFER and decision.sends_back:
            return send_back(self.transport, received, decision.delay_s)
        return False  # a message not due yet is hidden until due (`consume.deferral`)

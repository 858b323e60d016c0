"""The execution core: one received message in, one decision out.

Every driver (the SQS worker, the Lambda handler for SQS and SNS records, sync mode and the test
recorder) hands each message to `Executor.execute` and maps the `Decision` onto its transport:
delete it, hide it for a while so it is retried, or dead-letter it with a reason. So a message
meets the same rules, and gets the same log line, span and metrics, wherever it runs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from taskhawk.consume.dead_letter import dead_letter_reason
from taskhawk.consume.decision import Action, Decision, Given, MessageSource, Origin, Redelivery
from taskhawk.consume.firing_guard import check_firing
from taskhawk.consume.large_payload import message_body, missing_payload
from taskhawk.consume.outcomes import (
    LAST_ATTEMPT,
    Backoff,
    Outcome,
    TaskResult,
    log_result,
    retry_delay,
)
from taskhawk.consume.schedule_check import check_schedule
from taskhawk.consume.tally import UNDECODED, Tally, success_level, summary_interval
from taskhawk.exceptions import ArgumentsMismatch, IgnoreException, RetryException, ValidationError
from taskhawk.metadata import Metadata
from taskhawk.priority import Priority
from taskhawk.registry import find_task
from taskhawk.settings import Settings
from taskhawk.task import Task
from taskhawk.telemetry import SNS, SQS, Consuming, telemetry_for
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.payload_store import PayloadMissing
from taskhawk.wire import Message, decode

__all__ = [
    "Action",
    "Decision",
    "Executor",
    "Given",
    "MessageSource",
    "Origin",
    "Redelivery",
    "isolated",
    "outcome_of",
    "task_metadata",
    "unhandled",
]

logger = logging.getLogger("taskhawk.consumer")
T = TypeVar("T")
_NO_HOOKS: Mapping[str, Any] = {}  # no hook is set: nothing is called with them


class Executor:
    """Runs received messages under one app's settings; one per driver."""

    def __init__(self, settings: Settings, redelivery: Redelivery, *, shared: bool = True) -> None:
        """`shared`: several threads may run messages at once (see `Tally`)."""
        self.settings = settings
        self.redelivery = redelivery
        self.backoff = Backoff.from_settings(settings)
        self._pre_hook = settings.pre_process_hook
        self._post_hook = settings.post_process_hook
        self._hooked = self._pre_hook is not None or self._post_hook is not None
        self._telemetry = telemetry_for(settings)
        self._system = SNS if redelivery is Redelivery.LAMBDA else SQS
        self._success_level = success_level(settings)
        self.tally = Tally(summary_interval(settings), shared=shared)

    def execute(self, received: ReceivedMessage, source: MessageSource) -> Decision:
        """Decode, find the task, run hooks and task; the decision, after its log line. With
        telemetry on, all of it runs in the message's CONSUMER span."""
        telemetry = self._telemetry
        if telemetry is None:
            decision = self._execute(received, source, None)
        else:
            with telemetry.consuming(received, self._system) as observed:
                decision = self._execute(received, source, observed)
                observed.finished(*outcome_of(decision))
        result = decision.result
        if result is not None and result.outcome is Outcome.SUCCEEDED:  # most, counted quickly
            self.tally.add(decision.fields["task"], "succeeded")
        else:
            self.tally.add(decision.fields.get("task", UNDECODED), outcome_of(decision)[0])
        return decision

    def _execute(
        self,
        received: ReceivedMessage,
        source: MessageSource,
        observed: Consuming | None,
    ) -> Decision:
        fields: dict[str, Any] = {
            "queue": received.queue,
            "transport_id": received.transport_id,
            "receive_count": received.receive_count,
        }
        try:
            local = self.redelivery is Redelivery.CALLER
            body, max_bytes = message_body(received, self.settings, local=local)
        except PayloadMissing as error:
            return missing_payload(error, fields)
        try:
            message = decode(body, max_bytes)
            task = find_task(message.task)
        except ValidationError as error:  # undecodable, invalid, unknown task
            return _dead_letter(error, received, fields)
        fields.update(task=message.task, message_id=message.id)
        if observed is not None:
            observed.message(message)
        timing = check_schedule(
            message, fields, self.settings, self.redelivery, received
        ) or check_firing(message, received, fields, self.settings)
        if timing is not None:  # not due, expired, or a firing already taken: not run now
            return timing
        # Only a task that takes `metadata` gets one: most tasks never see it.
        metadata = (
            task_metadata(message, source.origin(received)) if task.accepts_metadata else None
        )
        hook_kwargs = source.hook_kwargs(received) if self._hooked else _NO_HOOKS
        try:
            result = self._run(task, message, metadata, hook_kwargs)
        except ArgumentsMismatch as error:  # this message's arguments can never fit its task
            return _dead_letter(error, received, fields)
        return self._decide(result, received, fields)

    def _run(
        self,
        task: Task[Any, Any],
        message: Message,
        metadata: Metadata | None,
        hook_kwargs: Mapping[str, Any],
    ) -> TaskResult:
        """Pre-hook, task, post-hook (also after IgnoreException); an exception from any of them
        is the task's outcome, except this message's own ArgumentsMismatch, which is raised."""
        started = time.monotonic()
        try:
            if self._pre_hook is not None:
                self._pre_hook(**hook_kwargs)
            try:
                task.call(message, metadata)
            except IgnoreException as ignored:
                self._post_process(hook_kwargs)
                return TaskResult(Outcome.IGNORED, time.monotonic() - started, ignored)
            if self._post_hook is not None:  # `_post_process`, without a call when unset
                self._post_hook(**hook_kwargs)
        except RetryException as error:
            return TaskResult(Outcome.RETRYING, time.monotonic() - started, error)
        except ArgumentsMismatch as error:
            if error.message_id == message.id:
                raise
            return TaskResult(Outcome.FAILED, time.monotonic() - started, error)
        except Exception as error:  # the task's failure, not ours: reported, message retried
            return TaskResult(Outcome.FAILED, time.monotonic() - started, error)
        return TaskResult(Outcome.SUCCEEDED, time.monotonic() - started)

    def _post_process(self, hook_kwargs: Mapping[str, Any]) -> None:
        if self._post_hook is not None:
            self._post_hook(**hook_kwargs)

    def _decide(
        self, result: TaskResult, received: ReceivedMessage, fields: dict[str, Any]
    ) -> Decision:
        if result.outcome is Outcome.SUCCEEDED or result.outcome is Outcome.IGNORED:  # done
            log_result(result, fields, next_step="", success_level=self._success_level)
            return Decision(Action.DELETE, fields, result)
        delay = retry_delay(result, received.receive_count, self.backoff)
        if self.redelivery is Redelivery.QUEUE:
            self._log_queue_retry(result, received, fields, delay)
        elif self.redelivery is Redelivery.LAMBDA:
            log_result(result, fields, next_step="retry when Lambda retries the event")
        else:
            log_result(result, fields, next_step="not retried: raised to the caller")
        return Decision(Action.RETRY, fields, result, delay_s=delay, error=result.error)

    def _log_queue_retry(
        self, result: TaskResult, received: ReceivedMessage, fields: dict[str, Any], delay: int
    ) -> None:
        """On the receive the redrive policy counts last, the queue will not redeliver: the
        message goes to the dead-letter queue, and the line must not promise a retry."""
        if received.receive_count >= self.settings.taskhawk_max_receive_count:
            fields["last_attempt"] = True
            log_result(result, fields, next_step=LAST_ATTEMPT)
        else:
            log_result(result, fields, next_step=f"retry in {delay}s", retry_in=delay)


def outcome_of(decision: Decision) -> tuple[str, float | None, Exception | None, str]:
    """What spans and metrics call the decision (one of `taskhawk.telemetry.OUTCOMES`), how long
    the task ran (None when it did not), the error that makes it a failure, and a dead letter's
    reason."""
    result = decision.result
    duration = result.duration_s if result is not None else None
    action = decision.action
    if action is Action.DELETE:
        ignored = result is not None and result.outcome is Outcome.IGNORED
        return ("ignored" if ignored else "succeeded"), duration, None, ""
    if action is Action.RETRY:
        failed = result is not None and result.outcome is Outcome.FAILED
        return "retried", duration, decision.error if failed else None, ""
    if action is Action.DEAD_LETTER:
        return "dead_lettered", duration, decision.error, decision.reason
    return ("deferred" if action is Action.DEFER else "expired"), None, None, ""


def _dead_letter(
    error: ValidationError, received: ReceivedMessage, fields: dict[str, Any]
) -> Decision:
    reason = dead_letter_reason(error, received.body)
    return Decision(Action.DEAD_LETTER, fields, reason=reason, error=error)


def task_metadata(message: Message, origin: Origin) -> Metadata:
    """The `metadata` a task that asks for it receives."""
    return Metadata(
        id=message.id,
        priority=Priority[message.metadata.priority],
        timestamp=message.metadata.timestamp,
        version=message.metadata.version,
        headers=dict(message.headers),
        receipt=origin.receipt,
        queue=origin.queue,
        extender=origin.extender,
    )


def isolated(
    handle: Callable[[], T], fallback: Callable[[Exception], T], fields: Mapping[str, Any]
) -> T:
    """`handle()`; a defect met while handling one message is logged and `fallback(error)` is
    returned instead, so it neither stops the consumer nor fails the rest of its batch."""
    try:
        return handle()
    except Exception as error:
        _log_unhandled(fields)
        return fallback(error)


def unhandled(received: ReceivedMessage, error: Exception) -> bool:
    """In an `except` block around one received message's handling: `isolated`'s log line for
    `error`; False (the message is left alone, and comes back after its visibility)."""
    _log_unhandled({"queue": received.queue, "transport_id": received.transport_id})
    return False


def _log_unhandled(fields: Mapping[str, Any]) -> None:
    logger.exception(
        "could not handle a message from %s; it is kept and will be received again",
        fields.get("queue") or "its source", extra=dict(fields),
    )  # fmt: skip

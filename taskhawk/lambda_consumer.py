"""Lambda handlers: SNS-triggered and SQS-triggered events.

SQS events (eventSource "aws:sqs") return Lambda's partial batch response: only the records
named in `batchItemFailures` are retried, so one bad record never fails the others (enable
ReportBatchItemFailures on the event source mapping). A record that can never run goes straight
to its queue's DLQ when the queue is one of this app's. SNS events (EventSource "aws:sns") have
no queue to report to: every record is run, then one error lists the failed ones, so Lambda's
retries and on-failure destination take over. IgnoreException counts as success in both.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypedDict

from taskhawk.dead_letter import dead_letter_reason, send_to_dead_letter
from taskhawk.exceptions import RetryException, TaskhawkError, ValidationError
from taskhawk.outcomes import (
    MAX_VISIBILITY_S,
    Outcome,
    log_result,
    logger,
    run_task,
)
from taskhawk.priority import Priority, dead_letter_queue_name, queue_name
from taskhawk.processing import build_metadata
from taskhawk.settings import Settings, get_settings
from taskhawk.task import find_task
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.current import current_transport
from taskhawk.wire import Message, decode

__all__ = [
    "BatchItemFailure",
    "LambdaRecordsFailed",
    "PartialBatchResponse",
    "process_messages_for_lambda_consumer",
]


class BatchItemFailure(TypedDict):
    itemIdentifier: str


class PartialBatchResponse(TypedDict):
    batchItemFailures: list[BatchItemFailure]


class LambdaRecordsFailed(TaskhawkError):
    """Records of an SNS event failed; raised after every record was tried."""

    def __init__(self, failures: Mapping[str, str]) -> None:
        details = "; ".join(f"{key}: {reason}" for key, reason in failures.items())
        super().__init__(f"{len(failures)} SNS records failed: {details}")
        self.failures = dict(failures)


def process_messages_for_lambda_consumer(
    lambda_event: Mapping[str, Any],
) -> PartialBatchResponse | None:
    """Run every record of an SNS or SQS Lambda event.

    SQS events return {"batchItemFailures": [{"itemIdentifier": messageId}, ...]}; SNS events
    return None, or raise LambdaRecordsFailed naming the records that failed.
    """
    records = lambda_event.get("Records")
    if not isinstance(records, list) or not records:
        raise ValidationError("$.Records", "not a Lambda SNS or SQS event: no records")
    settings = get_settings()
    if records[0].get("eventSource") == "aws:sqs":
        failures = [
            BatchItemFailure(itemIdentifier=str(record.get("messageId", "")))
            for record in records
            if not _isolated(_sqs_record, record, settings)
        ]
        return PartialBatchResponse(batchItemFailures=failures)
    failed: dict[str, str] = {}
    for index, record in enumerate(records):
        error = _sns_record_isolated(record, settings)
        if error is not None:
            sns_id = str(_sns_id(record) or f"record {index}")
            failed[sns_id] = error
    if failed:
        raise LambdaRecordsFailed(failed)
    return None


def _isolated(
    handler: Callable[[Mapping[str, Any], Settings], bool],
    record: Mapping[str, Any],
    settings: Settings,
) -> bool:
    """A malformed record fails alone instead of failing the whole batch."""
    try:
        return handler(record, settings)
    except Exception:
        logger.exception("malformed SQS record", extra={"transport_id": record.get("messageId")})
        return False


def _sns_record_isolated(record: Mapping[str, Any], settings: Settings) -> str | None:
    """A malformed record fails alone: the others of the event still run."""
    try:
        return _sns_record(record, settings)
    except Exception as error:
        logger.exception("malformed SNS record", extra={"transport_id": _sns_id(record)})
        return f"{type(error).__name__}: {error}"


def _sns_id(record: Mapping[str, Any]) -> Any:
    sns = record.get("Sns")
    return sns.get("MessageId") if isinstance(sns, Mapping) else None


def _sns_record(record: Mapping[str, Any], settings: Settings) -> str | None:
    """Run one SNS record; the failure's description, or None."""
    if record.get("EventSource") != "aws:sns" or not isinstance(record.get("Sns"), Mapping):
        return "not an SNS record"
    sns = record["Sns"]
    fields: dict[str, Any] = {"transport_id": sns.get("MessageId"), "queue": sns.get("TopicArn")}
    text = str(sns.get("Message", ""))
    try:
        message = _decode(text)
        fields.update(task=message.task, message_id=message.id)
        result = run_task(message, settings, {"sns_record": record}, build_metadata(message))
    except ValidationError as error:  # undecodable, unknown task, or arguments that cannot fit
        reason = dead_letter_reason(error, text)
        logger.error(
            "invalid message in SNS record: %s", reason, extra={**fields, "reason": reason}
        )
        return reason
    log_result(result, fields)
    return None if result.done else f"{result.outcome.value}: {result.error!r}"


def _sqs_record(record: Mapping[str, Any], settings: Settings) -> bool:
    """Run one SQS record; True when Lambda may delete it."""
    received = _received(record)
    fields: dict[str, Any] = {
        "queue": received.queue,
        "transport_id": received.transport_id,
        "receive_count": received.receive_count,
    }
    try:
        message = _decode(received.body)
        fields.update(task=message.task, message_id=message.id)
        metadata = build_metadata(
            message, receipt=received.receipt, queue=received.queue, extender=_extender(received)
        )
        hook_kwargs = {"queue_name": received.queue, "sqs_record": record}
        result = run_task(message, settings, hook_kwargs, metadata)
    except ValidationError as error:  # undecodable, unknown task, arguments that cannot fit
        return _poison(received, settings, error, fields)
    delay = None
    if result.outcome is Outcome.RETRYING and isinstance(result.error, RetryException):
        delay = _delay_retry(received, result.error.delay_seconds)
    log_result(result, fields, retry_in=delay)
    return result.done


def _poison(
    received: ReceivedMessage, settings: Settings, error: ValidationError, fields: dict[str, Any]
) -> bool:
    """Send a record that can never run to its queue's DLQ; True when Lambda may delete it."""
    dead_letter_queue = _dead_letter_queue_of(received.queue, settings)
    reason = dead_letter_reason(error, received.body)
    if dead_letter_queue is None:
        logger.error("invalid message, left to the queue's redrive: %s", reason, extra=fields)
        return False
    return send_to_dead_letter(current_transport(), dead_letter_queue, received, reason, fields)


def _decode(body: str) -> Message:
    message = decode(body)
    find_task(message.task)
    return message


def _received(record: Mapping[str, Any]) -> ReceivedMessage:
    attributes = {
        name: value["stringValue"]
        for name, value in (record.get("messageAttributes") or {}).items()
        if isinstance(value, Mapping) and isinstance(value.get("stringValue"), str)
    }
    system = record.get("attributes") or {}
    return ReceivedMessage(
        queue=str(record.get("eventSourceARN", "")).rsplit(":", 1)[-1],
        body=str(record.get("body", "")),
        receipt=str(record.get("receiptHandle", "")),
        attributes=attributes,
        receive_count=int(system.get("ApproximateReceiveCount", "1")),
        transport_id=str(record.get("messageId", "")),
        raw=record,
    )


def _dead_letter_queue_of(queue: str, settings: Settings) -> str | None:
    """The DLQ of a queue that is one of this app's priority queues, else None."""
    if not settings.taskhawk_queue:
        return None
    for priority in Priority:
        if queue_name(settings.taskhawk_queue, priority) == queue:
            return dead_letter_queue_name(settings.taskhawk_queue, priority)
    return None


def _delay_retry(received: ReceivedMessage, delay_seconds: int) -> int | None:
    """Honour RetryException(delay_seconds=N) when the function may change visibility."""
    if delay_seconds <= 0:
        return None
    seconds = min(int(delay_seconds), MAX_VISIBILITY_S)
    try:
        current_transport().change_visibility(received.queue, received.receipt, seconds)
    except Exception as error:  # e.g. no sqs:ChangeMessageVisibility: the queue's timeout rules
        logger.warning(
            "could not delay the retry on %s: %s", received.queue, error,
            extra={"queue": received.queue},
        )  # fmt: skip
        return None
    return seconds


def _extender(received: ReceivedMessage) -> Callable[[int], None]:
    def extend(visibility_timeout_s: int) -> None:
        current_transport().change_visibility(
            received.queue, received.receipt, visibility_timeout_s
        )

    return extend

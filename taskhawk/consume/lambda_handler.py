"""The Lambda driver: SQS-triggered and SNS-triggered events, through the execution core.

SQS events (eventSource "aws:sqs") return Lambda's partial batch response: only the records
named in `batchItemFailures` are retried, so one bad record never fails the others (enable
ReportBatchItemFailures on the event source mapping). A failed record is hidden for its retry
delay, as the worker would; a record that can never run goes straight to its queue's DLQ when
the queue is one of this app's. SNS events (EventSource "aws:sns") have no queue to report to:
every record is run, then one error lists the failed ones, so Lambda's retries and on-failure
destination take over. IgnoreException counts as success in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any, TypedDict

from taskhawk.consume.dead_letter import send_back, send_to_dead_letter
from taskhawk.consume.execute import Action, Executor, Given, Origin, Redelivery, isolated
from taskhawk.consume.lambda_batch import concurrent_lanes, from_fifo_queue, run_lanes
from taskhawk.consume.large_payload import delete_payloads, settle_lambda_record
from taskhawk.consume.outcomes import logger
from taskhawk.consume.visibility import extender, hide
from taskhawk.exceptions import TaskhawkError, ValidationError, summarize_failures
from taskhawk.settings import Settings, get_settings
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.current import current_transport

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
        super().__init__(summarize_failures(f"{len(failures)} SNS records failed", failures))
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
    from_sqs = records[0].get("eventSource") == "aws:sqs"
    executor = Executor(get_settings(), Redelivery.QUEUE if from_sqs else Redelivery.LAMBDA)
    try:
        if from_sqs:
            return _sqs_records(records, executor)
        _sns_event(records, executor)
        return None
    finally:  # the invocation's outcomes in one line, as a worker's every interval
        executor.tally.log_summary(span="this invocation")


def _sqs_records(records: list[Any], executor: Executor) -> PartialBatchResponse:
    lanes = concurrent_lanes(records, executor.settings, _group_of)
    if lanes is not None:  # async tasks: records side by side where order does not matter
        unrun = run_lanes(lanes, partial(_isolated_sqs_record, executor))
        return _failures([record for record in records if id(record) in unrun])
    return _sqs_event(records, executor)


def _sns_event(records: list[Any], executor: Executor) -> None:
    settings = executor.settings
    failed: dict[str, str] = {}
    for index, record in enumerate(records):
        fields = {"transport_id": _sns_id(record)}
        error = isolated(partial(_sns_record, executor, record), _describe, fields)
        if error is not None:
            failed[str(_sns_id(record) or f"record {index}")] = error
    if failed:  # Lambda retries the whole event: every record keeps its payload
        raise LambdaRecordsFailed(failed)
    delete_payloads((str((r.get("Sns") or {}).get("Message", "")) for r in records), settings)


def _sqs_event(records: list[Any], executor: Executor) -> PartialBatchResponse:
    """Every record, each failing alone. From a FIFO queue, AWS's rule instead: after the first
    failure nothing more runs and every later record is reported too, so order is kept; with
    TASKHAWK_LAMBDA_FIFO_SKIP_GROUP_ON_ERROR only the later records of the failed record's
    group are, and other groups go on (as Powertools' `skip_group_on_error`)."""
    per_group = executor.settings.taskhawk_lambda_fifo_skip_group_on_error
    failures: list[BatchItemFailure] = []
    failed_groups: set[str | None] = set()
    for record in records:
        group = _group_of(record)
        held = failed_groups and (group in failed_groups if per_group else True)
        if held or not isolated(
            partial(_sqs_record, executor, record), _failed, _sqs_fields(record)
        ):
            failures.append(BatchItemFailure(itemIdentifier=str(record.get("messageId", ""))))
            if from_fifo_queue(record):
                failed_groups.add(group)
    return PartialBatchResponse(batchItemFailures=failures)


def _isolated_sqs_record(executor: Executor, record: Mapping[str, Any]) -> bool:
    return isolated(partial(_sqs_record, executor, record), _failed, _sqs_fields(record))


def _failures(records: list[Any]) -> PartialBatchResponse:
    return PartialBatchResponse(
        batchItemFailures=[
            BatchItemFailure(itemIdentifier=str(record.get("messageId", ""))) for record in records
        ]
    )


def _group_of(record: Mapping[str, Any]) -> str | None:
    system = record.get("attributes")
    group = system.get("MessageGroupId") if isinstance(system, Mapping) else None
    return str(group) if group is not None else None


def _sqs_record(executor: Executor, record: Mapping[str, Any]) -> bool:
    """Run one SQS record; True when Lambda may delete it."""
    received = _received(record)
    transport = current_transport()
    origin = Origin(received.queue, received.receipt, extender(transport, received))
    hook_kwargs = {"queue_name": received.queue, "sqs_record": record}
    decision = executor.execute(received, Given(hook_kwargs, origin))
    if decision.deletes:
        return settle_lambda_record(transport, received, executor.settings)
    if decision.action is Action.DEFER and decision.sends_back:
        return send_back(transport, received, decision.delay_s)
    if decision.action in (Action.RETRY, Action.DEFER):  # hidden for its delay, then redelivered
        hide(transport, received, decision.delay_s)
        return False
    dead_letter_queue = _dead_letter_queue_of(received.queue, executor.settings)
    if dead_letter_queue is None:
        logger.error(
            "invalid message, left to the queue's redrive: %s", decision.reason,
            extra=decision.fields,
        )  # fmt: skip
        return False
    return send_to_dead_letter(
        transport, dead_letter_queue, received, decision.reason, decision.fields
    )


def _sns_record(executor: Executor, record: Mapping[str, Any]) -> str | None:
    """Run one SNS record; the failure's description, or None."""
    sns = record.get("Sns")
    if record.get("EventSource") != "aws:sns" or not isinstance(sns, Mapping):
        return "not an SNS record"
    received = ReceivedMessage(
        queue=str(sns.get("TopicArn", "")),
        body=str(sns.get("Message", "")),
        receipt="",
        attributes=_sns_attributes(sns),
        receive_count=1,
        transport_id=str(sns.get("MessageId", "")),
        raw=record,
    )
    decision = executor.execute(received, Given({"sns_record": record}, Origin()))
    if decision.deletes:
        return None
    if decision.action is Action.DEAD_LETTER:
        logger.error(
            "invalid message in SNS record: %s", decision.reason,
            extra={**decision.fields, "reason": decision.reason},
        )  # fmt: skip
        return decision.reason
    result = decision.result
    assert result is not None  # a RETRY decision always comes from a task run
    return f"{result.outcome.value}: {result.error!r}"


def _failed(error: Exception) -> bool:
    return False


def _describe(error: Exception) -> str | None:
    return f"{type(error).__name__}: {error}"


def _sns_id(record: Mapping[str, Any]) -> Any:
    sns = record.get("Sns")
    return sns.get("MessageId") if isinstance(sns, Mapping) else None


def _sqs_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {"transport_id": record.get("messageId")}


def _sns_attributes(sns: Mapping[str, Any]) -> dict[str, str]:
    """An SNS record's String attributes (a trace context among them), as SQS ones are read."""
    return {
        name: value["Value"]
        for name, value in (sns.get("MessageAttributes") or {}).items()
        if isinstance(value, Mapping)
        and value.get("Type") == "String"
        and isinstance(value.get("Value"), str)
    }


def _received(record: Mapping[str, Any]) -> ReceivedMessage:
    attributes = {
        name: value["stringValue"]
        for name, value in (record.get("messageAttributes") or {}).items()
        if isinstance(value, Mapping) and isinstance(value.get("stringValue"), str)
    }
    found = record.get("attributes")
    system: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    sent_at = str(system.get("SentTimestamp"))
    return ReceivedMessage(
        queue=str(record.get("eventSourceARN", "")).rsplit(":", 1)[-1],
        body=str(record.get("body", "")),
        receipt=str(record.get("receiptHandle", "")),
        attributes=attributes,
        receive_count=int(system.get("ApproximateReceiveCount", "1")),
        transport_id=str(record.get("messageId", "")),
        raw=record,
        sent_at_ms=int(sent_at) if sent_at.isdigit() else None,
        # A FIFO record, as the worker receives it: a dead-letter copy needs its group.
        group_id=_group_of(record),
        deduplication_id=_text_or_none(system.get("MessageDeduplicationId")),
    )


def _text_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def _dead_letter_queue_of(queue: str, settings: Settings) -> str | None:
    """The DLQ of a queue that is one of this app's priority queues, else None."""
    if not settings.taskhawk_queue:
        return None
    priority = settings.names.priority_of(queue)
    return None if priority is None else settings.names.dead_letter_queue(priority)

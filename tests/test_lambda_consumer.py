"""Lambda events shaped as AWS documents them (tests/events/): SNS-triggered and SQS-triggered
with partial batch responses."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import (
    IgnoreException,
    Metadata,
    Priority,
    RetryException,
    process_messages_for_lambda_consumer,
)
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.lambda_handler import LambdaRecordsFailed
from taskhawk.exceptions import ValidationError
from taskhawk.transport.current import use_transport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.test_consumer import Recording, put

EVENTS = Path(__file__).parent / "events"
APP = "DEV-MYAPP"
DEFAULT = queue_name(APP, Priority.default)
calls: list[tuple[str, Any]] = []


def event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def record_hook(kind: str) -> Any:
    def hook(**kwargs: Any) -> None:
        calls.append((kind, kwargs))

    return hook


@pytest.fixture
def transport() -> Iterator[Recording]:
    calls.clear()
    recording = Recording()
    for priority in Priority:
        recording.create_queue(
            queue_name(APP, priority), dead_letter=dead_letter_queue_name(APP, priority)
        )
    taskhawk.configure(
        TASKHAWK_QUEUE=APP,
        TASKHAWK_PRE_PROCESS_HOOK=record_hook("pre"),
        TASKHAWK_POST_PROCESS_HOOK=record_hook("post"),
    )

    @taskhawk.task(name="lambda_tasks.behave")
    def behave(mode: str, metadata: Metadata) -> None:
        calls.append(("task", {"mode": mode, "metadata": metadata}))
        if mode == "boom":
            raise ValueError("boom")
        if mode == "ignore":
            raise IgnoreException("gone")
        if mode == "retry_delay":
            raise RetryException(delay_seconds=120)

    @taskhawk.task(name="wire_tasks.send_email")
    def send_email(
        to: str, subject: str, from_email: str | None = None, *, metadata: Metadata
    ) -> None:
        calls.append(("task", {"args": [to, subject], "from_email": from_email, "md": metadata}))

    with use_transport(recording):
        yield recording


def test_sns_event_runs_the_task_with_hooks_given_the_sns_record(transport: Recording) -> None:
    sns_event = event("sns_event.json")
    assert process_messages_for_lambda_consumer(sns_event) is None
    kinds = [kind for kind, _ in calls]
    assert kinds == ["pre", "task", "post"]
    assert calls[0][1] == {"sns_record": sns_event["Records"][0]}
    task_call = calls[1][1]
    assert task_call["args"] == ["email@automatic.com", "Hello!"]
    assert task_call["from_email"] == "spam@example.com"
    metadata = task_call["md"]
    assert (metadata.id, metadata.priority, metadata.timestamp) == (
        "b1328174-a21c-43d3-b303-964dfcc76efc",
        Priority.high,
        1460868253255,
    )
    assert metadata.receipt is None and metadata.queue is None
    metadata.extend_visibility_timeout(30)  # nothing to extend: a no-op, not an error


def test_the_upstream_captured_sns_event_runs_too(transport: Recording) -> None:
    upstream = Path(__file__).parent / "integration" / "upstream_wire"
    captured = json.loads((upstream / "lambda_consumer_outcomes.json").read_text())
    assert process_messages_for_lambda_consumer(captured["sns_event_example"]) is None
    assert [kind for kind, _ in calls] == ["pre", "task", "post"]


def sns_with(*modes: str) -> dict[str, Any]:
    template = event("sns_event.json")["Records"][0]
    records = []
    for n, mode in enumerate(modes):
        record = copy.deepcopy(template)
        message = json.loads(record["Sns"]["Message"])
        message.update(task="lambda_tasks.behave", args=[mode], kwargs={})
        record["Sns"]["Message"] = json.dumps(message) if mode != "poison" else "not json"
        record["Sns"]["MessageId"] = f"sns-{n}"
        records.append(record)
    return {"Records": records}


def test_sns_ignore_exception_is_success(transport: Recording) -> None:
    assert process_messages_for_lambda_consumer(sns_with("ignore")) is None
    assert [kind for kind, _ in calls] == ["pre", "task", "post"]


def test_sns_failures_are_raised_after_every_record_ran(transport: Recording) -> None:
    with pytest.raises(LambdaRecordsFailed) as raised:
        process_messages_for_lambda_consumer(sns_with("boom", "ok", "poison"))
    assert set(raised.value.failures) == {"sns-0", "sns-2"}
    assert "invalid message: $: not valid JSON" in raised.value.failures["sns-2"]
    assert [c["mode"] for kind, c in calls if kind == "task"] == ["boom", "ok"]


def test_sqs_event_reports_only_the_failed_records(transport: Recording) -> None:
    sqs_event = event("sqs_event.json")
    records = sqs_event["Records"]
    response = process_messages_for_lambda_consumer(sqs_event)
    assert response == {
        "batchItemFailures": [
            {"itemIdentifier": records[1]["messageId"]},  # boom
            {"itemIdentifier": records[3]["messageId"]},  # RetryException
        ]
    }
    modes = [c["mode"] for kind, c in calls if kind == "task"]
    assert modes == ["ok", "boom", "retry_delay", "ignore"]  # one bad record stops no other
    pre = [c for kind, c in calls if kind == "pre"]
    assert pre[0] == {"queue_name": DEFAULT, "sqs_record": records[0]}
    metadata = next(c["metadata"] for kind, c in calls if kind == "task")
    assert (metadata.queue, metadata.receipt) == (DEFAULT, records[0]["receiptHandle"])


def test_sqs_poison_record_goes_to_the_dlq_and_is_not_retried(transport: Recording) -> None:
    process_messages_for_lambda_consumer(event("sqs_event.json"))
    dlq = dead_letter_queue_name(APP, Priority.default)
    assert transport.bodies(dlq) == ["this is not a taskhawk message"]
    (attributes,) = transport.attributes(dlq)
    assert attributes[REASON_ATTRIBUTE].startswith("invalid message: $: not valid JSON")


def test_records_whose_arguments_cannot_fit_the_task_are_dead_lettered(
    transport: Recording,
) -> None:
    sqs = event("sqs_event.json")
    poison = json.loads(sqs["Records"][0]["body"])
    poison["args"] = ["ok", "one too many"]
    sqs["Records"] = [{**sqs["Records"][0], "body": json.dumps(poison)}]
    assert process_messages_for_lambda_consumer(sqs) == {"batchItemFailures": []}
    dlq = dead_letter_queue_name(APP, Priority.default)
    (attributes,) = transport.attributes(dlq)
    assert attributes[REASON_ATTRIBUTE] == (
        "invalid message: $.args[1]: arguments do not fit lambda_tasks.behave(mode, metadata): "
        "'metadata' is filled in by the consumer: at most 1 positional arguments"
    )
    sns = event("sns_event.json")
    sns["Records"] = [copy.deepcopy(sns["Records"][0])]
    sns["Records"][0]["Sns"]["Message"] = json.dumps(poison)
    with pytest.raises(LambdaRecordsFailed, match=r"do not fit lambda_tasks\.behave"):
        process_messages_for_lambda_consumer(sns)
    assert [kind for kind, _ in calls] == ["pre", "pre"]  # the task itself never ran


def test_sqs_retry_delay_is_honoured_when_visibility_can_be_changed(
    transport: Recording,
) -> None:
    retry_only = event("sqs_event.json")
    retry_only["Records"] = [retry_only["Records"][3]]
    record = retry_only["Records"][0]
    # A real receipt from the in-memory queue, so the visibility change can be made.
    put(transport, record["body"])
    (received,) = transport.receive(DEFAULT, max_messages=1, wait_seconds=0)
    record["receiptHandle"] = received.receipt
    response = process_messages_for_lambda_consumer(retry_only)
    assert response == {"batchItemFailures": [{"itemIdentifier": record["messageId"]}]}
    assert transport.visibility == [(DEFAULT, received.receipt, 120)]


def test_sqs_poison_from_a_foreign_queue_is_left_to_its_redrive(transport: Recording) -> None:
    sqs_event = event("sqs_event.json")
    poison = sqs_event["Records"][2]
    poison["eventSourceARN"] = "arn:aws:sqs:us-east-1:123456789012:someone-elses-queue"
    response = process_messages_for_lambda_consumer({"Records": [poison]})
    assert response == {"batchItemFailures": [{"itemIdentifier": poison["messageId"]}]}


def test_an_event_without_records_is_refused(transport: Recording) -> None:
    with pytest.raises(ValidationError, match=r"\$\.Records"):
        process_messages_for_lambda_consumer({"detail-type": "Scheduled Event"})


def test_a_malformed_sqs_record_fails_alone(transport: Recording) -> None:
    sqs_event = event("sqs_event.json")
    broken = copy.deepcopy(sqs_event["Records"][0])
    broken["messageId"] = "broken"
    broken["attributes"]["ApproximateReceiveCount"] = "many"
    response = process_messages_for_lambda_consumer({"Records": [broken, sqs_event["Records"][0]]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "broken"}]}
    assert [c["mode"] for kind, c in calls if kind == "task"] == ["ok"]


def fifo_records(*modes: str, group: str = "customer-1") -> list[dict[str, Any]]:
    template = event("sqs_event.json")["Records"][0]
    records = []
    for n, mode in enumerate(modes):
        record = copy.deepcopy(template)
        message = json.loads(record["body"])
        message.update(task="lambda_tasks.behave", args=[mode], kwargs={})
        record.update(
            body=json.dumps(message),
            messageId=f"fifo-{n}",
            eventSourceARN=f"arn:aws:sqs:us-east-1:123456789012:{DEFAULT}.fifo",
        )
        record["attributes"]["MessageGroupId"] = group
        records.append(record)
    return records


def test_a_fifo_event_stops_at_the_first_failure_and_reports_every_later_record(
    transport: Recording,
) -> None:
    """AWS's rule for FIFO event sources: the 2nd of 5 records of a group fails, so records
    3-5 must not run (they would run out of order) and are reported for retry too."""
    response = process_messages_for_lambda_consumer(
        {"Records": fifo_records("ok", "boom", "ok", "ok", "ok")}
    )
    assert response == {
        "batchItemFailures": [{"itemIdentifier": f"fifo-{n}"} for n in (1, 2, 3, 4)]
    }
    assert [c["mode"] for kind, c in calls if kind == "task"] == ["ok", "boom"]


def test_a_standard_queue_event_runs_the_records_after_a_failure(transport: Recording) -> None:
    records = fifo_records("ok", "boom", "ok")
    for record in records:
        record["eventSourceARN"] = record["eventSourceARN"].removesuffix(".fifo")
    response = process_messages_for_lambda_consumer({"Records": records})
    assert response == {"batchItemFailures": [{"itemIdentifier": "fifo-1"}]}
    assert [c["mode"] for kind, c in calls if kind == "task"] == ["ok", "boom", "ok"]

"""Defects the reliability suite found, pinned in-process (no endpoint, fast).

1. A body nested deeper than Python's recursion limit was refused by wire.decode, then parsed
   again without a bound to word its dead-letter reason: RecursionError killed the worker
   process (restarted, it received the message again and died again), failed a whole SNS
   Lambda event, and broke `requeue-dlq --dry-run` on a DLQ holding such a body.
2. A message passing `metadata` to a task that receives it from the consumer was retried as a
   task failure until the redrive policy moved it, with no reason, instead of dead-lettered.
3. An unexpected error while handling one message stopped the consumer (SQS) or the whole event
   (SNS) instead of that message alone.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, process_messages_for_lambda_consumer
from taskhawk.admin.requeue import peek_dead_letters
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE, dead_letter_reason
from taskhawk.consume.lambda_handler import LambdaRecordsFailed
from taskhawk.consume.sqs import Consumer
from taskhawk.exceptions import ValidationError
from taskhawk.transport import Destination, OutgoingMessage
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.reliability.conftest import memory_app
from tests.reliability.hostile_cases import good_body
from tests.reliability.tasks import EVENTS
from tests.support.hostile import GOOD

APP = "DEV-POISON"
MAIN, DLQ = queue_name(APP, Priority.default), dead_letter_queue_name(APP, Priority.default)
DEEP = "[" * 5000 + "]" * 5000
INJECTED = json.dumps({**GOOD, "task": "rel.record", "args": [7], "kwargs": {"metadata": 1}})


@pytest.fixture
def memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MemoryTransport]:
    with memory_app(APP, tmp_path, monkeypatch, backoff_s=60) as transport:
        yield transport


def ran(tmp_path: Path) -> list[int]:
    path = tmp_path / EVENTS
    return (
        [json.loads(line)["n"] for line in path.read_text().splitlines()] if path.exists() else []
    )


def put(transport: MemoryTransport, *bodies: str) -> None:
    transport.send(Destination("queue", MAIN), [OutgoingMessage(b, b, {}) for b in bodies])


def reasons(transport: MemoryTransport) -> list[str]:
    return [attributes[REASON_ATTRIBUTE] for attributes in transport.attributes(DLQ)]


def test_the_reason_for_a_deeply_nested_body_is_worded_without_recursion() -> None:
    with pytest.raises(ValidationError) as caught:
        taskhawk.wire.decode(DEEP)
    assert dead_letter_reason(caught.value, DEEP).startswith("invalid message: $: nested deeper")


def test_the_worker_dead_letters_a_deep_body_and_runs_the_rest_of_its_batch(
    memory: MemoryTransport, tmp_path: Path
) -> None:
    put(memory, good_body(1), DEEP, good_body(2))
    assert Consumer([Priority.default], num_messages=10).poll(0, wait_s=0) == 3
    assert ran(tmp_path) == [1, 2]
    assert reasons(memory) == ["invalid message: $: nested deeper than 32 levels"]
    assert memory.bodies(MAIN) == []


def test_requeue_dry_run_counts_a_deep_body_in_the_dlq(memory: MemoryTransport) -> None:
    memory.send(Destination("queue", DLQ), [OutgoingMessage("deep", DEEP, {})])
    (kind,) = peek_dead_letters(Priority.default)
    assert kind.task == "(not JSON)"


def test_a_metadata_kwarg_is_dead_lettered_on_first_receive(
    memory: MemoryTransport, tmp_path: Path
) -> None:
    put(memory, INJECTED)
    Consumer([Priority.default]).poll(0, wait_s=0)
    assert reasons(memory) == ["invalid message: $.kwargs.metadata: is filled in by the consumer "
                               "of rel.record"]  # fmt: skip
    assert memory.bodies(MAIN) == [] and ran(tmp_path) == []


def sqs_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {
                "messageId": f"m-{index}",
                "receiptHandle": f"r-{index}",
                "body": body,
                "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {},
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{MAIN}",
            }
            for index, body in enumerate(bodies)
        ]
    }


def sns_event(*bodies: str) -> dict[str, Any]:
    return {
        "Records": [
            {"EventSource": "aws:sns", "Sns": {"MessageId": f"s-{index}", "Message": body}}
            for index, body in enumerate(bodies)
        ]
    }


def test_lambda_sqs_dead_letters_deep_and_injected_bodies(
    memory: MemoryTransport, tmp_path: Path
) -> None:
    response = process_messages_for_lambda_consumer(sqs_event(good_body(1), DEEP, INJECTED))
    assert response == {"batchItemFailures": []}
    # Records of one standard-queue event may be handled side by side: their dead-letter
    # copies arrive in either order.
    assert sorted(reason.split(":")[1] for reason in reasons(memory)) == [
        " $",
        " $.kwargs.metadata",
    ]
    assert ran(tmp_path) == [1]


def test_lambda_sns_fails_only_the_deep_record(memory: MemoryTransport, tmp_path: Path) -> None:
    with pytest.raises(LambdaRecordsFailed) as caught:
        process_messages_for_lambda_consumer(sns_event(good_body(1), DEEP, good_body(2)))
    assert list(caught.value.failures) == ["s-1"]
    assert ran(tmp_path) == [1, 2]


class Defect(Exception):
    pass


def fail_for_n(n: int) -> Any:
    """A task_metadata that fails (an unexpected defect) for the message of task number n."""
    from taskhawk.consume.execute import task_metadata

    def build(message: Any, origin: Any) -> Any:
        if message.args == [n]:
            raise Defect(f"unexpected failure handling {n}")
        return task_metadata(message, origin)

    return build


def test_a_defect_handling_one_message_stops_neither_the_consumer_nor_its_batch(
    memory: MemoryTransport,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr("taskhawk.consume.execute.task_metadata", fail_for_n(2))
    bodies = [good_body(n) for n in (1, 2, 3)]
    put(memory, *bodies)
    with caplog.at_level(logging.ERROR, logger="taskhawk.consumer"):
        assert Consumer([Priority.default], num_messages=10).poll(0, wait_s=0) == 3
    assert ran(tmp_path) == [1, 3]
    assert memory.bodies(MAIN) == [bodies[1]]  # kept: it comes back
    assert "could not handle a message" in caplog.text and "Defect" in caplog.text


def test_a_defect_handling_one_sns_record_fails_that_record_alone(
    memory: MemoryTransport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("taskhawk.consume.execute.task_metadata", fail_for_n(2))
    with pytest.raises(LambdaRecordsFailed) as caught:
        process_messages_for_lambda_consumer(sns_event(good_body(1), good_body(2), good_body(3)))
    assert list(caught.value.failures) == ["s-1"]
    assert "Defect" in caught.value.failures["s-1"]
    assert ran(tmp_path) == [1, 3]

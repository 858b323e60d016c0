"""Poison messages go to their priority's DLQ at once; requeue moves a DLQ back to its own
priority's queue, deleting only what was re-sent."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import taskhawk
from taskhawk import Priority, listen_for_messages, requeue_dead_letter
from taskhawk.admin.requeue import DeadLetterKind, peek_dead_letters
from taskhawk.clock import use_clock
from taskhawk.consume.dead_letter import (
    REASON_ATTRIBUTE,
    dead_letter_attributes,
    dead_letter_reason,
)
from taskhawk.exceptions import PublishError, TaskNotFound, ValidationError
from taskhawk.transport import ReceivedMessage
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import SQS_MAX_BYTES, transport_size
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.test_consumer import (
    APP,
    DEFAULT,
    DEFAULT_DLQ,
    Recording,
    app_recording,
    body,
    calls,
    put,
    task_calls,
)

HIGH = queue_name(APP, Priority.high)
HIGH_DLQ = dead_letter_queue_name(APP, Priority.high)
ENVELOPE = Path(__file__).parent / "integration" / "upstream_wire" / "sns_envelope.json"


@pytest.fixture
def transport() -> Iterator[Recording]:
    calls.clear()
    recording = app_recording()
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_RETRY_BACKOFF_BASE_S=5)
    with use_transport(recording):
        yield recording


def sns_envelope_body() -> str:
    envelope: str = json.loads(ENVELOPE.read_text())[0]["Body"]
    return envelope


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json {", "invalid message: $: not valid JSON"),
        (b"\xff\xfe".decode("latin-1"), "invalid message: $: not valid JSON"),
        ("[1, 2, 3]", "invalid message: $: a message must be a JSON object"),
        (body(task="nobody.registered"), "unknown task: no task named 'nobody.registered'"),
        (
            json.dumps({**json.loads(body()), "metadata": {"version": "2.0"}}),
            "invalid message: $.metadata.version: unsupported message format '2.0'",
        ),
        (sns_envelope_body(), "SNS notification envelope, not a taskhawk message: enable Raw"),
        (
            json.dumps({**json.loads(body()), "args": []}),
            "invalid message: $: arguments do not fit tests.behave(mode, metadata, headers): "
            "missing a required argument: 'mode'",
        ),
        (
            json.dumps({**json.loads(body()), "kwargs": {"colour": "red"}}),
            "invalid message: $.kwargs.colour: arguments do not fit tests.behave(mode, metadata, "
            "headers): got an unexpected keyword argument 'colour'",
        ),
    ],
    ids=[
        "not-json",
        "binary",
        "array",
        "unknown-task",
        "unknown-version",
        "sns-envelope",
        "missing-argument",
        "unexpected-keyword",
    ],
)
def test_a_message_that_can_never_run_goes_to_its_dlq_at_once(
    transport: Recording, caplog: pytest.LogCaptureFixture, text: str, reason: str
) -> None:
    put(transport, text, attributes={"taskhawk_task": "x", "request_id": "req-1"})
    listen_for_messages(Priority.default, loop_count=1)
    assert task_calls() == []
    assert transport.bodies(DEFAULT) == []  # deleted after the DLQ had it
    assert transport.bodies(DEFAULT_DLQ) == [text]
    (attributes,) = transport.attributes(DEFAULT_DLQ)
    assert attributes["taskhawk_task"] == "x" and attributes["request_id"] == "req-1"
    assert attributes[REASON_ATTRIBUTE].startswith(reason)
    assert transport.visibility == []  # no nack, no hot loop
    (line,) = [r for r in caplog.records if r.getMessage().startswith("message dead-lettered")]
    assert line.levelno == logging.ERROR and line.reason == attributes[REASON_ATTRIBUTE]  # type: ignore[attr-defined]


def test_a_poison_message_is_kept_when_the_dlq_refuses_it(
    transport: Recording, caplog: pytest.LogCaptureFixture
) -> None:
    transport.refuse_sends_to.add(DEFAULT_DLQ)
    put(transport, "not json")
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT) == ["not json"]
    assert transport.bodies(DEFAULT_DLQ) == []
    assert transport.deletes == []
    assert [s for _, _, s in transport.visibility] == [5]  # hidden for a while, then retried
    assert "dead-letter send failed, message kept on TASKHAWK-DEV-MYAPP" in caplog.text


def test_dead_letter_attributes_stay_within_ten_keeping_taskhawk_ones_first() -> None:
    original = {f"h{i}": str(i) for i in range(9)}
    original = {**original, "taskhawk_task": "t", REASON_ATTRIBUTE: "old"}
    attributes = dead_letter_attributes(original, "new")
    assert len(attributes) == 10
    assert list(attributes) == ["taskhawk_task", *[f"h{i}" for i in range(8)], REASON_ATTRIBUTE]
    assert attributes[REASON_ATTRIBUTE] == "new"


def test_reasons_are_single_safe_attribute_values() -> None:
    reason = dead_letter_reason(ValidationError("$.task", "bad \x00 char" + "x" * 5000), "{}")
    assert "\x00" not in reason and len(reason) == 1024
    assert dead_letter_reason(TaskNotFound("a.b"), "{}").startswith("unknown task: ")


def test_requeue_moves_a_priority_dlq_to_the_same_priority_queue(transport: Recording) -> None:
    for n in range(12):
        attrs = {"taskhawk_task": "t", "n": str(n), REASON_ATTRIBUTE: "unknown task"}
        put(transport, f"body-{n}", queue=HIGH_DLQ, attributes=attrs)
    put(transport, "default-dead", queue=DEFAULT_DLQ)
    progress: list[int] = []
    assert requeue_dead_letter(Priority.high, progress=progress.append) == 12
    assert transport.bodies(HIGH) == [f"body-{n}" for n in range(12)]
    assert transport.attributes(HIGH)[3] == {"taskhawk_task": "t", "n": "3"}  # reason dropped
    assert transport.bodies(HIGH_DLQ) == []
    assert transport.bodies(DEFAULT_DLQ) == ["default-dead"]  # other priorities untouched
    assert transport.bodies(DEFAULT) == []
    assert progress == [10, 12]
    assert all(len(receipts) <= 10 for _, receipts in transport.deletes)


def test_requeue_deletes_only_what_was_sent(transport: Recording) -> None:
    put(transport, "dead", queue=HIGH_DLQ)
    transport.refuse_sends_to.add(HIGH)
    with pytest.raises(PublishError, match="1 messages stay in TASKHAWK-DEV-MYAPP-HIGH-PRIORITY"):
        requeue_dead_letter("high")
    assert transport.bodies(HIGH_DLQ) == ["dead"]
    assert transport.deletes == []


def test_requeue_limit_and_batch_size(transport: Recording) -> None:
    for n in range(5):
        put(transport, f"b{n}", queue=DEFAULT_DLQ)
    assert requeue_dead_letter(Priority.default, num_messages=2, limit=3) == 3
    assert transport.bodies(DEFAULT) == ["b0", "b1", "b2"]
    assert [len(receipts) for _, receipts in transport.deletes] == [2, 1]
    with pytest.raises(ValueError, match=r"1\.\.10"):
        requeue_dead_letter(Priority.default, num_messages=11)


def test_peek_counts_by_task_and_moves_nothing(transport: Recording) -> None:
    put(transport, body(task="a.one"), queue=DEFAULT_DLQ)
    put(transport, body(task="a.one"), queue=DEFAULT_DLQ)
    put(transport, "garbage", queue=DEFAULT_DLQ)
    redrive = "moved by the queue's redrive policy (failed on every allowed receive)"
    assert peek_dead_letters(Priority.default) == {
        DeadLetterKind("a.one", redrive): 2,
        DeadLetterKind("(not JSON)", redrive): 1,
    }
    assert len(transport.bodies(DEFAULT_DLQ)) == 3
    received = transport.receive(DEFAULT_DLQ, max_messages=10, wait_seconds=0)
    assert len(received) == 3  # visible again


class Producing(Recording):
    """A DLQ that producers keep writing to: each receive from it finds one more message, sent
    a second after the receive began."""

    def receive(
        self,
        queue: str,
        *,
        max_messages: int,
        wait_seconds: int,
        visibility_timeout: int | None = None,
    ) -> list[ReceivedMessage]:
        if queue == DEFAULT_DLQ:
            with use_clock(lambda: time.time() + 1):
                put(self, body(task="late.one"), queue=DEFAULT_DLQ)
        return super().receive(
            queue,
            max_messages=max_messages,
            wait_seconds=wait_seconds,
            visibility_timeout=visibility_timeout,
        )


def test_peek_counts_what_was_there_at_its_start_while_producers_write() -> None:
    producing = Producing()
    producing.create_queue(DEFAULT, dead_letter=DEFAULT_DLQ, max_receive_count=4)
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    for _ in range(12):
        put(producing, body(task="a.one"), queue=DEFAULT_DLQ)
    with use_transport(producing):
        counts = peek_dead_letters(Priority.default)  # it used to run as long as they wrote
    assert [(kind.task, n) for kind, n in counts.items()] == [("a.one", 12)]


def test_requeue_over_http_keeps_body_and_attributes(
    aws: dict[str, str], moto_endpoint: str
) -> None:
    from tests.conftest import boto_client, drain

    app = taskhawk.settings.get_settings().app_queue
    dlq, main = dead_letter_queue_name(app, Priority.high), queue_name(app, Priority.high)
    sqs = boto_client("sqs", moto_endpoint)
    sqs.send_message(
        QueueUrl=aws[dlq],
        MessageBody=body(priority="high"),
        MessageAttributes={"request_id": {"DataType": "String", "StringValue": "x"}},
    )
    assert requeue_dead_letter(Priority.high) == 1
    (moved,) = drain(moto_endpoint, aws[main])
    assert moved["MessageAttributes"] == {"request_id": {"DataType": "String", "StringValue": "x"}}
    assert json.loads(moved["Body"])["metadata"]["priority"] == "high"
    assert drain(moto_endpoint, aws[dlq]) == []
    assert drain(moto_endpoint, aws[queue_name(app, Priority.default)]) == []


def _limit_filling(attributes: dict[str, str], body_char: str = "x") -> str:
    """An undecodable body that, with `attributes`, is exactly SQS's size limit."""
    room = SQS_MAX_BYTES - transport_size("", attributes) - 1
    count = room // len(body_char.encode())
    return "{" + body_char * count + "x" * (room - count * len(body_char.encode()))


@pytest.mark.parametrize("body_char", ["x", "é"])
def test_a_poison_message_of_exactly_the_size_limit_reaches_the_dlq_with_a_reason(
    transport: Recording, caplog: pytest.LogCaptureFixture, body_char: str
) -> None:
    attributes = {"taskhawk_task": "t" * 100, **{f"h{i}": "v" * 200 for i in range(8)}}
    text = _limit_filling(attributes, body_char)
    assert transport_size(text, attributes) == SQS_MAX_BYTES
    put(transport, text, attributes=attributes)
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT_DLQ) == [text]
    copied = transport.attributes(DEFAULT_DLQ)[0]
    assert transport_size(text, copied) <= SQS_MAX_BYTES
    assert copied[REASON_ATTRIBUTE].startswith("invalid message: $: not valid JSON")
    assert copied["taskhawk_task"] == "t" * 100  # kept before headers
    assert transport.bodies(DEFAULT) == []
    assert "message dead-lettered to" in caplog.text


def test_a_long_reason_is_cut_to_fit_beside_a_body_that_almost_fills_the_limit() -> None:
    reason = "r" * 1024
    text = "y" * (SQS_MAX_BYTES - transport_size("", {REASON_ATTRIBUTE: "r" * 40}))
    copied = dead_letter_attributes({"taskhawk_task": "t", "h": "v"}, reason, text)
    assert copied == {REASON_ATTRIBUTE: "r" * 40}  # the reason first: others do not fit
    assert transport_size(text, copied) == SQS_MAX_BYTES


def test_a_body_that_alone_fills_the_limit_is_copied_without_a_reason() -> None:
    text = "z" * SQS_MAX_BYTES
    assert dead_letter_attributes({"taskhawk_task": "t"}, "why", text) == {}


def test_a_reason_is_never_cut_inside_a_character() -> None:
    text = "y" * (SQS_MAX_BYTES - transport_size("", {REASON_ATTRIBUTE: "ab"}) - 1)
    copied = dead_letter_attributes({}, "ééé", text)
    assert copied == {REASON_ATTRIBUTE: "é"}  # 3 bytes of room: one é (2 bytes), not 1.5

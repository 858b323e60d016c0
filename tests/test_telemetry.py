"""OpenTelemetry in one process: a dispatch's PRODUCER span, the trace context it carries in the
message's attributes, and the CONSUMER span every driver runs the task in, with metrics; through
the test recorder, sync mode, a batch, the worker's consumer, Lambda SQS and SNS events, and an
upstream-shaped message (context in attributes only)."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import baggage, trace
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import ReadableSpan

import taskhawk
from taskhawk import Priority, process_messages_for_lambda_consumer
from taskhawk.consume.sqs import Consumer
from taskhawk.consume.sync import run_now
from taskhawk.settings import get_settings
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from taskhawk.transport.payload_current import use_store
from taskhawk.transport.payload_store import MemoryPayloadStore
from tests.support.otel import Collected, collecting

APP = "OTEL-APP"
QUEUE = queue_name(APP, Priority.default)
UPSTREAM = Path(__file__).parent / "integration" / "upstream_wire"
EVENTS = Path(__file__).parent / "events"
tracer = trace.get_tracer("tests")
ran: list[str] = []


@pytest.fixture
def otel() -> Iterator[Collected]:
    ran.clear()
    with collecting() as collected:
        yield collected


@pytest.fixture
def transport() -> Iterator[MemoryTransport]:
    memory = MemoryTransport()
    for priority in Priority:
        memory.create_queue(
            queue_name(APP, priority), dead_letter=dead_letter_queue_name(APP, priority)
        )
    with use_transport(memory):
        yield memory


def declare() -> Any:
    @taskhawk.task(name="otel.work")
    def work(mode: str) -> None:
        with tracer.start_as_current_span("inside the task"):
            ran.append(mode)
        if mode == "boom":
            raise ValueError("boom")
        if mode == "retry":
            raise taskhawk.RetryException(delay_seconds=5)
        if mode == "ignore":
            raise taskhawk.IgnoreException("no need")

    return work


def spans(collected: Collected, name: str) -> list[ReadableSpan]:
    return [span for span in collected.finished() if span.name == name]


def one(collected: Collected, name: str) -> ReadableSpan:
    [span] = spans(collected, name)
    return span


def span_id(span: ReadableSpan) -> int:
    context = span.get_span_context()
    assert context is not None
    return context.span_id


def assert_child(child: ReadableSpan, parent: ReadableSpan, *, linked: bool = True) -> None:
    """Same trace, `parent` its parent (and, for consumer spans, linked)."""
    assert child.parent is not None and child.parent.span_id == span_id(parent)
    assert child.context is not None and parent.context is not None
    assert child.context.trace_id == parent.context.trace_id
    if linked:
        assert [link.context.span_id for link in child.links] == [span_id(parent)]


def run_recorded(memory: MemoryTransport) -> None:
    """What the test recorder's run_all does, for every message sent so far."""
    for destination, outgoing in list(memory.sent):
        run_now(
            outgoing.body,
            outgoing.attributes,
            queue=destination.name,
            transport_id=outgoing.key,
            settings=get_settings(),
        )


def test_one_trace_from_dispatch_through_the_consumer_span_to_the_task(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    with tracer.start_as_current_span("request"):
        message_id = work.with_headers(request_id="r-1").dispatch("ok")
    [(_, outgoing)] = transport.sent
    send = one(otel, f"send {QUEUE}")
    assert outgoing.attributes["traceparent"].split("-")[2] == f"{span_id(send):016x}"
    assert json.loads(outgoing.body)["headers"] == {"request_id": "r-1"}  # body untouched
    assert send.kind is trace.SpanKind.PRODUCER
    assert_child(send, one(otel, "request"), linked=False)
    assert send.attributes == {
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.system": "aws_sqs",
        "messaging.destination.name": QUEUE,
        "taskhawk.task": "otel.work",
        "messaging.message.id": message_id,
        "taskhawk.priority": "default",
    }

    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    process = one(otel, f"process {QUEUE}")
    assert process.kind is trace.SpanKind.CONSUMER
    assert_child(process, send)
    assert_child(one(otel, "inside the task"), process, linked=False)
    assert process.attributes == {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": QUEUE,
        "messaging.operation.type": "process",
        "messaging.operation.name": "process",
        "taskhawk.receive_count": 1,
        "messaging.message.id": message_id,
        "taskhawk.task": "otel.work",
        "taskhawk.priority": "default",
        "taskhawk.outcome": "succeeded",
    }


def test_a_batch_is_one_producer_span_and_one_linked_consumer_span_per_message(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    with taskhawk.batch():
        for mode in ("a", "b", "c"):
            work.dispatch(mode)
    work.dispatch_many([(("d",), {}), (("e",), {})])
    batch, many = spans(otel, f"send {QUEUE}")
    assert batch.attributes is not None and batch.attributes["messaging.batch.message_count"] == 3
    assert many.attributes is not None and many.attributes["messaging.batch.message_count"] == 2
    assert "messaging.message.id" not in batch.attributes
    run_recorded(transport)
    consumers = spans(otel, f"process {QUEUE}")
    assert len(consumers) == 5 and ran == ["a", "b", "c", "d", "e"]
    for consumer, producer in zip(consumers, [batch] * 3 + [many] * 2, strict=True):
        assert_child(consumer, producer)
    ids = {span.attributes["messaging.message.id"] for span in consumers if span.attributes}
    assert len(ids) == 5


def test_a_batch_over_several_queues_is_one_send_span_without_a_destination(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    with taskhawk.batch():
        work.dispatch("a")
        work.with_priority(Priority.high).dispatch("b")
    send = one(otel, "send")
    assert send.attributes is not None
    assert "messaging.destination.name" not in send.attributes
    assert send.attributes["messaging.system"] == "aws_sqs"


def test_tracestate_and_baggage_travel_too(otel: Collected, transport: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    seen: list[object] = []

    @taskhawk.task(name="otel.baggage")
    def read_baggage() -> None:
        seen.append(baggage.get_baggage("tenant"))

    token = otel_context.attach(baggage.set_baggage("tenant", "t-7"))
    try:
        read_baggage.dispatch()
    finally:
        otel_context.detach(token)
    [(_, outgoing)] = transport.sent
    assert outgoing.attributes["baggage"] == "tenant=t-7"
    assert seen == []
    run_recorded(transport)
    assert seen == ["t-7"]  # the task runs in the message's context, baggage included


def test_sync_mode_makes_the_same_two_spans(otel: Collected) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_SYNC=True)
    work = declare()
    work.dispatch("ok")
    assert_child(one(otel, f"process {QUEUE}"), one(otel, f"send {QUEUE}"))
    counts = otel.metrics()
    assert [value for _, value in counts["taskhawk.messages.published"]] == [1]
    assert [value for _, value in counts["taskhawk.messages.handled"]] == [1]


def test_the_test_recorder_runs_tasks_under_their_dispatch_span(
    otel: Collected, taskhawk_recorder: Any
) -> None:
    work = declare()
    work.dispatch("ok")
    taskhawk_recorder.run_all()
    send = one(otel, "send TASKHAWK-TEST")
    assert_child(one(otel, "process TASKHAWK-TEST"), send)


def outcome_of_run(otel: Collected, mode: str) -> tuple[ReadableSpan, dict[str, Any]]:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    work.dispatch(mode)
    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    return one(otel, f"process {QUEUE}"), otel.metrics()


@pytest.mark.parametrize(
    ("mode", "outcome", "status"),
    [("ok", "succeeded", "UNSET"), ("ignore", "ignored", "UNSET"),
     ("retry", "retried", "UNSET"), ("boom", "retried", "ERROR")],
)  # fmt: skip
def test_each_outcome_is_on_the_span_and_counted(
    otel: Collected, transport: MemoryTransport, mode: str, outcome: str, status: str
) -> None:
    span, counts = outcome_of_run(otel, mode)
    assert span.attributes is not None and span.attributes["taskhawk.outcome"] == outcome
    assert span.status.status_code.name == status
    labels = {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": QUEUE,
        "taskhawk.task": "otel.work",
        "taskhawk.priority": "default",
    }
    assert counts["taskhawk.messages.received"] == [(labels, 1)]
    assert counts["taskhawk.messages.handled"] == [({**labels, "taskhawk.outcome": outcome}, 1)]
    assert counts["taskhawk.task.duration"] == [({**labels, "taskhawk.outcome": outcome}, 1)]
    if mode == "boom":
        assert span.attributes["error.type"] == "ValueError"
        assert [event.name for event in span.events] == ["exception"]


def test_a_dead_letter_is_an_error_with_its_reason_and_no_task_in_its_metrics(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    body = json.dumps(
        {
            "id": "7f0b1c9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f",
            "metadata": {"priority": "default", "timestamp": 1, "version": "1.0"},
            "headers": {},
            "task": "attacker.chosen.name",
            "args": [],
            "kwargs": {},
        }
    )
    transport.send(Destination("queue", QUEUE), [OutgoingMessage("k", body, {})])
    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    span = one(otel, f"process {QUEUE}")
    assert span.attributes is not None and span.attributes["taskhawk.outcome"] == "dead_lettered"
    assert span.status.status_code.name == "ERROR"
    assert "unknown task" in str(span.status.description)
    assert "taskhawk.task" not in span.attributes
    [(labels, _)] = otel.metrics()["taskhawk.messages.handled"]
    assert labels == {
        "messaging.system": "aws_sqs",
        "messaging.destination.name": QUEUE,
        "taskhawk.outcome": "dead_lettered",
    }


def test_a_message_due_later_is_deferred(otel: Collected, transport: MemoryTransport) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    elsewhere = MemoryTransport()
    with use_transport(elsewhere):
        work.with_delay(3600).dispatch("later")
    [(_, outgoing)] = elsewhere.sent
    put_now = OutgoingMessage(outgoing.key, outgoing.body, outgoing.attributes)  # due in 1 h
    transport.send(Destination("queue", QUEUE), [put_now])
    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    span = one(otel, f"process {QUEUE}")
    assert span.attributes is not None and span.attributes["taskhawk.outcome"] == "deferred"
    assert "taskhawk.task.duration" not in otel.metrics()


class Refusing(MemoryTransport):
    """The first message of every send is refused, the second's outcome is unknown."""

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        keys = [message.key for message in messages]
        return SendResult(
            sent=tuple(keys[2:]),
            not_sent={keys[0]: "refused"},
            unknown={key: "timed out" for key in keys[1:2]},
        )


def test_publish_counts_say_sent_not_sent_and_unknown(otel: Collected) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    with use_transport(Refusing()), pytest.raises(taskhawk.PublishError):
        work.dispatch_many([(("a",), {}), (("b",), {}), (("c",), {})])
    counts = otel.metrics()["taskhawk.messages.published"]
    assert {labels["taskhawk.publish.outcome"]: value for labels, value in counts} == {
        "sent": 1,
        "not_sent": 1,
        "unknown": 1,
    }
    assert {labels["taskhawk.task"] for labels, _ in counts} == {"otel.work"}
    send = one(otel, f"send {QUEUE}")
    assert send.status.status_code.name == "ERROR"
    assert send.attributes is not None and send.attributes["taskhawk.publish.failed"] == 2


def test_a_message_too_large_counts_as_not_sent(otel: Collected, transport: Any) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    with pytest.raises(taskhawk.MessageTooLarge):
        work.dispatch("x" * 1_100_000)
    [(labels, value)] = otel.metrics()["taskhawk.messages.published"]
    assert (labels["taskhawk.publish.outcome"], value) == ("not_sent", 1)


def traced_event(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return loaded


def sqs_records(memory: MemoryTransport) -> dict[str, Any]:
    """A Lambda SQS event holding what was sent, attributes as Lambda spells them."""
    template = traced_event("sqs_event.json")["Records"][0]
    records = []
    for destination, outgoing in memory.sent:
        record = copy.deepcopy(template)
        record.update(
            body=outgoing.body,
            messageId=outgoing.key,
            eventSourceARN=f"arn:aws:sqs:us-east-1:123456789012:{destination.name}",
            messageAttributes={
                name: {"stringValue": value, "dataType": "String"}
                for name, value in outgoing.attributes.items()
            },
        )
        records.append(record)
    return {"Records": records}


def sns_records(memory: MemoryTransport) -> dict[str, Any]:
    template = traced_event("sns_event.json")["Records"][0]
    records = []
    for destination, outgoing in memory.sent:
        record = copy.deepcopy(template)
        record["Sns"].update(
            Message=outgoing.body,
            MessageId=outgoing.key,
            TopicArn=f"arn:aws:sns:us-east-1:123456789012:{destination.name}",
            MessageAttributes={
                name: {"Type": "String", "Value": value}
                for name, value in outgoing.attributes.items()
            },
        )
        records.append(record)
    return {"Records": records}


def test_lambda_sqs_and_sns_records_continue_the_trace(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    work = declare()
    work.dispatch("one")
    work.dispatch("two")
    producers = spans(otel, f"send {QUEUE}")
    assert process_messages_for_lambda_consumer(sqs_records(transport)) == {"batchItemFailures": []}
    # Records of a standard queue may be handled side by side: their spans end in either order.
    by_trace = {producer.context.trace_id: producer for producer in producers}
    consumers = spans(otel, f"process {QUEUE}")
    assert len(consumers) == len(producers) == len(by_trace) == 2
    for consumer in consumers:
        assert_child(consumer, by_trace[consumer.context.trace_id])

    taskhawk.configure(TASKHAWK_QUEUE=APP, IS_LAMBDA_APP=True)
    topic_memory = MemoryTransport()
    with use_transport(topic_memory):
        work.dispatch("three")
    topic = topic_memory.sent[0][0].name
    assert process_messages_for_lambda_consumer(sns_records(topic_memory)) is None
    consumer = one(otel, f"process {topic}")
    assert consumer.attributes is not None and consumer.attributes["messaging.system"] == "aws.sns"
    assert_child(consumer, one(otel, f"send {topic}"))
    assert sorted(ran[:2]) == ["one", "two"] and ran[2:] == ["three"]  # the SQS pair: any order


UPSTREAM_PARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_an_upstream_message_with_its_context_in_attributes_only_continues_the_trace(
    otel: Collected, transport: MemoryTransport
) -> None:
    """Upstream 4.6+ injects the context into SNS attributes (raw delivery to the queue) and
    never into the body; it sends no taskhawk_task attribute."""
    taskhawk.configure(TASKHAWK_QUEUE=APP)

    @taskhawk.task(name="wire_tasks.send_email")
    def send_email(to: str, subject: str, from_email: str | None = None) -> None:
        ran.append(subject)

    captured = json.loads((UPSTREAM / "sqs_raw_high_priority_with_headers.json").read_text())[0]
    attributes = {k: v["StringValue"] for k, v in captured["MessageAttributes"].items()}
    attributes.update(traceparent=UPSTREAM_PARENT, tracestate="upstream=1")
    transport.send(
        Destination("queue", QUEUE), [OutgoingMessage("k", captured["Body"], attributes)]
    )
    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    span = one(otel, f"process {QUEUE}")
    assert span.context is not None and f"{span.context.trace_id:032x}" == UPSTREAM_PARENT[3:35]
    assert span.parent is not None and f"{span.parent.span_id:016x}" == UPSTREAM_PARENT[36:52]
    assert span.context.trace_state.get("upstream") == "1"
    assert ran == ["Hi high"]

    sns_event = json.loads((UPSTREAM / "lambda_consumer_outcomes.json").read_text())
    event = sns_event["sns_event_example"]
    event["Records"][0]["Sns"]["MessageAttributes"]["traceparent"] = {
        "Type": "String",
        "Value": UPSTREAM_PARENT,
    }
    assert process_messages_for_lambda_consumer(event) is None
    lambda_span = one(otel, "process taskhawk-dev-myapp")
    assert lambda_span.parent is not None
    assert f"{lambda_span.parent.span_id:016x}" == UPSTREAM_PARENT[36:52]


def test_a_message_without_context_runs_under_the_callers_span(
    otel: Collected, transport: MemoryTransport
) -> None:
    """A Lambda layer's invocation span, say: the task's span is its child."""
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    declare()
    body = json.dumps(
        {
            "id": "7f0b1c9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f",
            "metadata": {"priority": "default", "timestamp": 1, "version": "1.0"},
            "headers": {},
            "task": "otel.work",
            "args": ["ok"],
            "kwargs": {},
        }
    )
    transport.send(Destination("queue", QUEUE), [OutgoingMessage("k", body, {})])
    with tracer.start_as_current_span("invocation"):
        Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    consumer = one(otel, f"process {QUEUE}")
    assert_child(consumer, one(otel, "invocation"), linked=False)
    assert list(consumer.links) == []


def test_turned_off_there_is_no_span_no_metric_and_no_context(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_OPENTELEMETRY=False)
    work = declare()
    with tracer.start_as_current_span("request"):
        work.dispatch("ok")
    Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    assert ran == ["ok"]
    assert sorted(span.name for span in otel.finished()) == ["inside the task", "request"]
    assert "traceparent" not in transport.sent[0][1].attributes
    assert otel.metrics() == {}


def test_a_large_payload_is_marked_on_the_send_and_the_process_spans(
    otel: Collected, transport: MemoryTransport
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_LARGE_PAYLOAD_BUCKET="payloads")
    work = declare()
    with use_store(MemoryPayloadStore()):
        work.dispatch("x" * 1_100_000)
        work.dispatch("small")
        Consumer([Priority.default], settings=get_settings()).poll(0, 0)
    (first, second) = spans(otel, f"send {QUEUE}")
    assert first.attributes is not None and second.attributes is not None
    assert first.attributes["taskhawk.large_payload.count"] == 1
    assert first.attributes["taskhawk.large_payload.bytes"] > 1_100_000
    assert "taskhawk.large_payload.count" not in second.attributes
    (offloaded,) = [
        span
        for span in spans(otel, f"process {QUEUE}")
        if span.attributes and span.attributes.get("taskhawk.large_payload.count") == 1
    ]
    assert offloaded.attributes is not None
    assert (
        offloaded.attributes["taskhawk.large_payload.bytes"]
        == (first.attributes["taskhawk.large_payload.bytes"])
    )
    assert ran == ["x" * 1_100_000]

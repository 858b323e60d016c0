"""Large payloads through S3 (TASKHAWK_LARGE_PAYLOAD_BUCKET), with the in-memory transport and
payload store: what is offloaded and how the pointer looks, what a failure sends, and when the
consumer fetches, dead-letters and deletes."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, process_messages_for_lambda_consumer
from taskhawk.admin.requeue import peek_dead_letters
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from taskhawk.consume.lambda_handler import LambdaRecordsFailed
from taskhawk.consume.sqs import listen_for_messages
from taskhawk.exceptions import PublishError
from taskhawk.transport import Destination, OutgoingMessage, SendResult
from taskhawk.transport.current import use_transport
from taskhawk.transport.limits import SQS_MAX_BYTES
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from taskhawk.transport.payload_current import use_store
from taskhawk.transport.payload_pointer import (
    LEGACY_POINTER_CLASS,
    LEGACY_SIZE_ATTRIBUTE,
    POINTER_CLASS,
    SIZE_ATTRIBUTE,
    PayloadPointer,
    parse_pointer,
)
from taskhawk.transport.payload_store import MemoryPayloadStore
from tests.test_consumer import Recording

APP = "DEV-BIGAPP"
BUCKET = "taskhawk-payloads"
DEFAULT = queue_name(APP, Priority.default)
DLQ = dead_letter_queue_name(APP, Priority.default)
ran: list[int] = []


class CountingRecording(Recording):
    """Counts send requests, and can refuse them all."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[int] = []
        self.refuse_all = False

    def send(self, destination: Destination, messages: Sequence[OutgoingMessage]) -> SendResult:
        self.requests.append(len(messages))
        if self.refuse_all:
            return SendResult(not_sent={m.key: "AccessDenied: refused" for m in messages})
        return super().send(destination, messages)


@pytest.fixture
def store() -> Iterator[MemoryPayloadStore]:
    with use_store(MemoryPayloadStore()) as installed:
        assert isinstance(installed, MemoryPayloadStore)
        yield installed


@pytest.fixture
def transport(store: MemoryPayloadStore) -> Iterator[CountingRecording]:
    ran.clear()
    recording = CountingRecording()
    recording.create_queue(DEFAULT, dead_letter=DLQ, max_receive_count=4)
    configure()
    with use_transport(recording):
        yield recording


def configure(**extra: Any) -> None:
    settings = {
        "TASKHAWK_QUEUE": APP,
        "TASKHAWK_LARGE_PAYLOAD_BUCKET": BUCKET,
        "TASKHAWK_RETRY_BACKOFF_BASE_S": 5,
        **extra,
    }
    taskhawk.configure(settings)


@taskhawk.task(name="large.measure")
def measure(text: str, fail: bool = False) -> None:
    ran.append(len(text))
    if fail:
        raise ValueError("failed on purpose")


def big(size: int = 2 * SQS_MAX_BYTES) -> str:
    return "x" * size


def pointer_on(transport: Recording, queue: str = DEFAULT) -> PayloadPointer:
    (body,) = transport.bodies(queue)
    pointer = parse_pointer(body)
    assert pointer is not None, body[:200]
    return pointer


def test_a_message_over_the_limit_goes_to_s3_and_the_queue_gets_the_pointer(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    message_id = measure.dispatch(big())
    (body,) = transport.bodies(DEFAULT)
    assert json.loads(body) == [POINTER_CLASS, {"s3BucketName": BUCKET, "s3Key": message_id}]
    payload = store.get(BUCKET, message_id)
    assert json.loads(payload)["args"] == [big()]
    (attributes,) = transport.attributes(DEFAULT)
    assert attributes[SIZE_ATTRIBUTE] == str(len(payload.encode()))
    assert attributes["taskhawk_task"] == "large.measure"


def test_a_message_within_the_limit_is_sent_as_it_is(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch("small")
    assert parse_pointer(transport.bodies(DEFAULT)[0]) is None
    assert store.objects == {}


def test_always_mode_and_a_threshold_offload_small_messages(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    configure(TASKHAWK_LARGE_PAYLOAD_ALWAYS=True)
    measure.dispatch("tiny")
    configure(TASKHAWK_LARGE_PAYLOAD_THRESHOLD=1000)
    measure.dispatch("y" * 500)  # within the threshold
    measure.dispatch("y" * 1500)
    pointers = [parse_pointer(body) for body in transport.bodies(DEFAULT)]
    assert [pointer is not None for pointer in pointers] == [True, False, True]
    assert len(store.objects) == 2


def test_without_a_bucket_a_large_message_is_still_refused(transport: CountingRecording) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    with pytest.raises(taskhawk.MessageTooLarge):
        measure.dispatch(big())
    assert transport.bodies(DEFAULT) == []


def test_always_mode_without_a_bucket_is_a_configuration_error(
    transport: CountingRecording,
) -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_LARGE_PAYLOAD_ALWAYS=True)
    with pytest.raises(taskhawk.ConfigurationError, match="TASKHAWK_LARGE_PAYLOAD_BUCKET"):
        measure.dispatch("x")


def test_an_s3_failure_sends_nothing_and_says_so(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    store.fail = True
    with pytest.raises(PublishError, match="not stored in S3, nothing sent") as caught:
        with taskhawk.batch():
            small_id = measure.dispatch("small")
            big_id = measure.dispatch(big())
    assert set(caught.value.not_sent) == {small_id, big_id}
    assert caught.value.sent == [] and caught.value.unknown == {}
    assert transport.bodies(DEFAULT) == [] and transport.requests == []


def test_a_refused_send_removes_its_payload(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    transport.refuse_all = True
    with pytest.raises(PublishError):
        measure.dispatch(big())
    assert store.objects == {}


def test_a_batch_counts_pointers_not_payloads(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    with taskhawk.batch():
        for _ in range(10):
            measure.dispatch(big())
    assert transport.requests == [10]  # ten pointers fit one request; ten payloads would not
    assert len(store.objects) == 10
    ids = measure.dispatch_many([((big(),), {}) for _ in range(3)])
    assert transport.requests == [10, 3]
    assert {(BUCKET, i) for i in ids} <= set(store.objects)


def test_delays_expiry_and_fifo_ids_stay_on_the_pointer(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.with_delay(60).with_expires(3600).dispatch(big())
    (destination, sent) = transport.sent[-1]
    assert sent.delay_s == 60 and parse_pointer(sent.body) is not None
    payload = json.loads(store.get(BUCKET, sent.key))
    assert payload["metadata"]["expires"] > payload["metadata"]["timestamp"]
    configure(TASKHAWK_FIFO=True)
    measure.with_group("g1").dispatch(big())
    (destination, sent) = transport.sent[-1]
    assert destination.name.endswith(".fifo") and parse_pointer(sent.body) is not None
    assert sent.group_id == "g1" and sent.deduplication_id == sent.key


def test_an_sns_topic_offloads_over_its_own_limit(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    configure(IS_LAMBDA_APP=True, AWS_ACCOUNT_ID="123456789012")
    measure.dispatch("z" * 300_000)  # over SNS's 256 KiB, under SQS's 1 MiB
    (destination, sent) = transport.sent[-1]
    assert destination.kind == "topic" and parse_pointer(sent.body) is not None


def test_sync_mode_runs_a_large_task_without_s3(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    configure(TASKHAWK_SYNC=True)
    measure.dispatch(big())
    assert ran == [len(big())] and store.objects == {}


def test_the_worker_runs_it_once_then_deletes_the_object_after_the_message(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    message_id = measure.dispatch(big())
    deletes_seen: list[int] = []
    original_delete = store.delete

    def delete(bucket: str, key: str) -> None:
        deletes_seen.append(len(transport.bodies(DEFAULT)))  # the message is gone by now
        original_delete(bucket, key)

    store.delete = delete  # type: ignore[method-assign]
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [len(big())]
    assert transport.bodies(DEFAULT) == [] and store.objects == {}
    assert deletes_seen == [0]
    assert message_id


def test_a_consumer_without_the_setting_reads_a_pointer(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big())
    taskhawk.configure(TASKHAWK_QUEUE=APP)
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [len(big())] and store.objects == {}


def test_a_failed_task_keeps_its_object_for_the_retry(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big(), fail=True)
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [len(big())]
    assert len(transport.bodies(DEFAULT)) == 1 and len(store.objects) == 1


def test_a_pointer_to_a_missing_object_is_dead_lettered_with_its_reason(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    headers = {f"header{n}": "v" for n in range(8)}  # ten attributes with the size
    message_id = measure.with_headers(**headers).dispatch(big())
    store.objects.clear()
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [] and transport.bodies(DEFAULT) == []
    (dead,) = transport.bodies(DLQ)
    assert parse_pointer(dead) == PayloadPointer(BUCKET, message_id)  # the pointer, as it was
    (attributes,) = transport.attributes(DLQ)
    assert attributes[REASON_ATTRIBUTE].startswith("large payload missing: s3://")
    assert attributes[SIZE_ATTRIBUTE]


def test_an_s3_failure_while_consuming_keeps_the_message(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big())
    store.fail = True
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [] and len(transport.bodies(DEFAULT)) == 1
    assert transport.bodies(DLQ) == [] and len(store.objects) == 1
    store.fail = False


def test_a_pointer_from_an_older_extended_client_runs(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    text = json.dumps(
        {
            "id": "0c4a3f32-8b0e-4c1e-9d7a-0a1b2c3d4e5f",
            "metadata": {"priority": "default", "timestamp": 1460868253255, "version": "1.0"},
            "headers": {},
            "task": "large.measure",
            "args": ["legacy"],
            "kwargs": {},
        }
    )
    store.put("their-bucket", "their-key", text)
    body = json.dumps(
        [LEGACY_POINTER_CLASS, {"s3BucketName": "their-bucket", "s3Key": "their-key"}]
    )
    attributes = {LEGACY_SIZE_ATTRIBUTE: str(len(text))}
    transport.send(Destination("queue", DEFAULT), [OutgoingMessage("k", body, attributes)])
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == [len("legacy")] and store.objects == {}


def sqs_record(body: str, attributes: dict[str, str], receipt: str) -> dict[str, Any]:
    return {
        "messageId": "m-1",
        "receiptHandle": receipt,
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {
            name: {
                "stringValue": value,
                "dataType": "Number" if name == SIZE_ATTRIBUTE else "String",
            }
            for name, value in attributes.items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{DEFAULT}",
    }


def test_a_lambda_sqs_record_deletes_its_message_before_its_object(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big())
    (received,) = transport.receive(DEFAULT, max_messages=1, wait_seconds=0)
    record = sqs_record(received.body, dict(received.attributes), received.receipt)
    assert process_messages_for_lambda_consumer({"Records": [record]}) == {"batchItemFailures": []}
    assert ran == [len(big())]
    assert transport.deletes == [(DEFAULT, [received.receipt])]
    assert transport.bodies(DEFAULT) == [] and store.objects == {}


def test_a_failing_lambda_sqs_record_keeps_its_object(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big(), fail=True)
    (received,) = transport.receive(DEFAULT, max_messages=1, wait_seconds=0)
    record = sqs_record(received.body, dict(received.attributes), received.receipt)
    response = process_messages_for_lambda_consumer({"Records": [record]})
    assert response == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert len(store.objects) == 1


def sns_record(body: str, message_id: str) -> dict[str, Any]:
    return {
        "EventSource": "aws:sns",
        "Sns": {
            "MessageId": message_id,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:taskhawk-dev-bigapp",
            "Message": body,
            "MessageAttributes": {SIZE_ATTRIBUTE: {"Type": "Number", "Value": "1"}},
        },
    }


def test_a_lambda_sns_event_deletes_objects_only_when_every_record_succeeded(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    configure(IS_LAMBDA_APP=True, AWS_ACCOUNT_ID="123456789012")
    measure.dispatch(big())
    measure.dispatch(big(), fail=True)
    (ok, failing) = [sent.body for _, sent in transport.sent]
    with pytest.raises(LambdaRecordsFailed):
        process_messages_for_lambda_consumer(
            {"Records": [sns_record(ok, "s-1"), sns_record(failing, "s-2")]}
        )
    assert len(store.objects) == 2  # Lambda retries the whole event
    assert process_messages_for_lambda_consumer({"Records": [sns_record(ok, "s-1")]}) is None
    assert len(store.objects) == 1
    assert ran == [len(big())] * 3


def test_a_dead_lettered_payload_keeps_its_object(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    store.put(BUCKET, "not-a-message", "not json")
    pointer = PayloadPointer(BUCKET, "not-a-message")
    attributes = {SIZE_ATTRIBUTE: "8"}
    transport.send(Destination("queue", DEFAULT), [OutgoingMessage("k", pointer.body, attributes)])
    listen_for_messages(Priority.default, loop_count=1)
    assert transport.bodies(DEFAULT) == [] and transport.bodies(DLQ) == [pointer.body]
    assert list(store.objects) == [(BUCKET, "not-a-message")]


def test_a_message_sent_back_until_due_keeps_its_object(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.with_delay(3600).dispatch(big())  # beyond SQS's 15 minutes: sent back until due
    (sent,) = transport.bodies(DEFAULT)
    transport._queues[DEFAULT].records[0].visible_at = 0  # received now, long before it is due
    listen_for_messages(Priority.default, loop_count=1)
    assert ran == []
    (body,) = transport.bodies(DEFAULT)  # the copy sent back, pointing to the same object
    assert body == sent and len(store.objects) == 1


def test_a_dead_lettered_pointer_is_counted_under_its_task(
    transport: CountingRecording, store: MemoryPayloadStore
) -> None:
    measure.dispatch(big())
    store.objects.clear()
    listen_for_messages(Priority.default, loop_count=1)
    (kind,) = peek_dead_letters(Priority.default, hold_s=0)
    assert kind.task == "large.measure" and kind.reason.startswith("large payload missing")

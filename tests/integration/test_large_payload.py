"""Large payloads through S3 over HTTP (moto server: SQS, SNS and S3 on one port), with real boto3,
real `taskhawk worker` processes, the Lambda handler, and AWS's own extended client packages
(`amazon-sqs-extended-client`, `amazon-sns-extended-client`) on the other side."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority, process_messages_for_lambda_consumer
from taskhawk.admin.requeue import requeue_dead_letter
from taskhawk.transport.naming import dead_letter_queue_name, queue_name, topic_name
from taskhawk.transport.payload_pointer import SIZE_ATTRIBUTE, parse_pointer
from tests.conftest import ACCOUNT_ID, REGION, SECRET_KEY, aws_settings, boto_client
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.large_payload_tasks import measure

TEN_MIB = 10 * 1024 * 1024
WORKER_ARGS = ("--import", "tests.integration.large_payload_tasks")


@pytest.fixture
def bucket(stack: Stack, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh bucket; this process (the Lambda handler's tests) publishes through it, the
    workers read pointers without it."""
    monkeypatch.setenv("TASKHAWK_IT_STATE", str(stack.state))
    name = f"it-{uuid.uuid4().hex[:12]}"
    boto_client("s3", stack.endpoint).create_bucket(Bucket=name)
    stack.env["SETTINGS_MODULE"] = "tests.integration.large_payload_settings"
    taskhawk.configure(with_bucket(stack, name))
    return name


def with_bucket(stack: Stack, bucket: str, **extra: Any) -> dict[str, Any]:
    return aws_settings(
        stack.endpoint,
        stack.queue,
        AWS_ENDPOINT_S3=stack.endpoint,
        TASKHAWK_LARGE_PAYLOAD_BUCKET=bucket,
        **extra,
    )


def objects(stack: Stack, bucket: str) -> list[str]:
    listed = boto_client("s3", stack.endpoint).list_objects_v2(Bucket=bucket)
    return [entry["Key"] for entry in listed.get("Contents", [])]


def peek(stack: Stack, queue: str) -> list[dict[str, Any]]:
    """Messages on a queue, made visible again at once."""
    sqs = boto_client("sqs", stack.endpoint)
    found = sqs.receive_message(
        QueueUrl=stack.url(queue), MaxNumberOfMessages=10, MessageAttributeNames=["All"]
    ).get("Messages", [])
    for raw in found:
        sqs.change_message_visibility(
            QueueUrl=stack.url(queue), ReceiptHandle=raw["ReceiptHandle"], VisibilityTimeout=0
        )
    return found


def measured(stack: Stack, token: str) -> list[int]:
    return [event["size"] for event in stack.events(token) if event["event"] == "measured"]


def test_a_10_mib_argument_runs_once_in_a_worker_and_leaves_no_object(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    message_id = measure.dispatch("x" * TEN_MIB, token)
    default = queue_name(stack.queue, Priority.default)
    (raw,) = peek(stack, default)
    assert parse_pointer(raw["Body"]) is not None
    assert raw["MessageAttributes"][SIZE_ATTRIBUTE]["DataType"] == "Number"
    assert objects(stack, bucket) == [message_id]
    stack.start_worker(*WORKER_ARGS)
    wait_for(lambda: measured(stack, token) == [TEN_MIB], "the task ran", timeout=60)
    wait_for(lambda: objects(stack, bucket) == [], "the object deleted", timeout=20)
    assert stack.counts(default) == (0, 0)
    assert measured(stack, token) == [TEN_MIB]


def test_a_failing_task_keeps_its_object_through_retries_dead_letter_and_requeue(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    message_id = measure.dispatch("y" * 2_000_000, token, fail=True)
    worker = stack.start_worker(*WORKER_ARGS)
    dlq = dead_letter_queue_name(stack.queue, Priority.default)
    wait_for(lambda: stack.counts(dlq) == (1, 0), "the dead letter", timeout=40)
    assert objects(stack, bucket) == [message_id]  # two receives, a DLQ move: still there
    worker.signal(15)
    worker.wait()
    assert requeue_dead_letter(Priority.default) == 1
    (raw,) = peek(stack, queue_name(stack.queue, Priority.default))
    assert parse_pointer(raw["Body"]) is not None and SIZE_ATTRIBUTE in raw["MessageAttributes"]
    assert objects(stack, bucket) == [message_id]


def sqs_event(stack: Stack, queue: str) -> dict[str, Any]:
    sqs = boto_client("sqs", stack.endpoint)
    (raw,) = sqs.receive_message(
        QueueUrl=stack.url(queue), MessageAttributeNames=["All"], AttributeNames=["All"]
    )["Messages"]
    record = {
        "messageId": raw["MessageId"],
        "receiptHandle": raw["ReceiptHandle"],
        "body": raw["Body"],
        "attributes": raw["Attributes"],
        "messageAttributes": {
            name: {"stringValue": value["StringValue"], "dataType": value["DataType"]}
            for name, value in raw.get("MessageAttributes", {}).items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{queue}",
    }
    return {"Records": [record]}


def test_a_10_mib_argument_runs_in_the_lambda_handler_from_sqs(stack: Stack, bucket: str) -> None:
    token = uuid.uuid4().hex
    measure.dispatch("z" * TEN_MIB, token)
    default = queue_name(stack.queue, Priority.default)
    assert process_messages_for_lambda_consumer(sqs_event(stack, default)) == {
        "batchItemFailures": []
    }
    assert measured(stack, token) == [TEN_MIB]
    assert objects(stack, bucket) == [] and stack.counts(default) == (0, 0)


def test_a_10_mib_argument_runs_in_the_lambda_handler_from_sns(stack: Stack, bucket: str) -> None:
    taskhawk.configure(with_bucket(stack, bucket, IS_LAMBDA_APP=True))
    token = uuid.uuid4().hex
    measure.dispatch("w" * TEN_MIB, token)
    # The topic's raw subscription put the published message on the queue: the SNS record
    # carries the same text.
    (raw,) = peek(stack, queue_name(stack.queue, Priority.default))
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{topic_name(stack.queue, Priority.default)}"
    record = {
        "EventSource": "aws:sns",
        "Sns": {"MessageId": raw["MessageId"], "TopicArn": arn, "Message": raw["Body"]},
    }
    assert process_messages_for_lambda_consumer({"Records": [record]}) is None
    assert measured(stack, token) == [TEN_MIB]
    assert objects(stack, bucket) == []


def peer(stack: Stack, command: str, **arguments: Any) -> dict[str, Any]:
    """Run AWS's extended client in its own process (`extended_client_peer`)."""
    env = {
        **stack.env,
        "AWS_ENDPOINT_URL_S3": stack.endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }
    given = json.dumps({"endpoint": stack.endpoint, **arguments})
    module = "tests.integration.extended_client_peer"
    done = subprocess.run(
        [sys.executable, "-m", module, command], input=given,
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def message_text(token: str, size: int) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": "default", "timestamp": 1460868253255, "version": "1.0"},
            "headers": {},
            "task": "it.measure",
            "args": ["v" * size, token],
            "kwargs": {},
        }
    )


def test_a_message_from_the_sqs_extended_client_runs_in_our_worker(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    url = stack.url(queue_name(stack.queue, Priority.default))
    peer(stack, "send-sqs", bucket=bucket, queue_url=url, body=message_text(token, 2_000_000))
    (key,) = objects(stack, bucket)
    stack.start_worker(*WORKER_ARGS)
    wait_for(lambda: measured(stack, token) == [2_000_000], "the task ran", timeout=60)
    wait_for(lambda: objects(stack, bucket) == [], f"{key} deleted", timeout=20)


def test_a_message_from_the_sns_extended_client_runs_in_our_worker(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT_ID}:{topic_name(stack.queue, Priority.default)}"
    peer(stack, "publish-sns", bucket=bucket, topic_arn=arn, body=message_text(token, 500_000))
    assert len(objects(stack, bucket)) == 1
    stack.start_worker(*WORKER_ARGS)
    wait_for(lambda: measured(stack, token) == [500_000], "the task ran", timeout=60)
    wait_for(lambda: objects(stack, bucket) == [], "the object deleted", timeout=20)


def test_our_message_is_read_by_the_sqs_extended_client(stack: Stack, bucket: str) -> None:
    message_id = measure.dispatch("u" * 3_000_000, "theirs")
    default = queue_name(stack.queue, Priority.default)
    received = peer(stack, "receive-sqs", bucket=bucket, queue_url=stack.url(default))
    body = json.loads(received["body"])
    assert (body["id"], body["args"]) == (message_id, ["u" * 3_000_000, "theirs"])
    assert received["attributes"]["taskhawk_task"]["StringValue"] == "it.measure"
    assert objects(stack, bucket) == [] and stack.counts(default) == (0, 0)


def publish_from_node(stack: Stack, bucket: str, token: str) -> str:
    """A 10 MiB call published by the TypeScript package, offloaded; its message id."""
    plan = {
        "endpoint": stack.endpoint, "region": REGION, "accountId": ACCOUNT_ID,
        "accessKeyId": "testing", "secretAccessKey": SECRET_KEY, "queue": stack.queue,
        "bucket": bucket, "token": token, "size": TEN_MIB,
    }  # fmt: skip
    program = ROOT / "tests" / "integration" / "node_large_publisher.mjs"
    done = subprocess.run(
        [shutil.which("node") or "node", str(program)],
        input=json.dumps(plan), capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    message_id: str = json.loads(done.stdout)
    return message_id


def test_a_10_mib_argument_published_from_node_runs_once_in_our_worker(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    message_id = publish_from_node(stack, bucket, token)
    (raw,) = peek(stack, queue_name(stack.queue, Priority.default))
    assert raw["MessageAttributes"][SIZE_ATTRIBUTE]["DataType"] == "Number"
    assert objects(stack, bucket) == [message_id]
    stack.start_worker(*WORKER_ARGS)
    wait_for(lambda: measured(stack, token) == [TEN_MIB], "the task ran", timeout=60)
    wait_for(lambda: objects(stack, bucket) == [], "the object deleted", timeout=20)
    assert measured(stack, token) == [TEN_MIB]


def test_a_10_mib_argument_published_from_node_runs_in_the_lambda_handler(
    stack: Stack, bucket: str
) -> None:
    token = uuid.uuid4().hex
    publish_from_node(stack, bucket, token)
    default = queue_name(stack.queue, Priority.default)
    assert process_messages_for_lambda_consumer(sqs_event(stack, default)) == {
        "batchItemFailures": []
    }
    assert measured(stack, token) == [TEN_MIB]
    assert objects(stack, bucket) == [] and stack.counts(default) == (0, 0)

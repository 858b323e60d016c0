"""FIFO queues over HTTP with real worker processes: tasks of a group run one at a time, in
order, through failures, under `--processes 2`; a repeated dispatch with one deduplication id
is one message; a Lambda FIFO event from the queue keeps the order too; the TypeScript package's
FIFO example publishes groups and a deduplication id that SQS and the worker honour."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk import Priority
from taskhawk.admin.devserver_sqs import sqs_promises_kept
from taskhawk.admin.provision import provision
from taskhawk.transport.naming import AppNames
from taskhawk.wire import decode
from tests.conftest import REGION, SECRET_KEY, boto_client
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.fifo_tasks import ordered

pytestmark = pytest.mark.integration

GROUPS = [f"customer-{n:02d}" for n in range(20)]
PER_GROUP = 4
FAILING = {(group, 1) for group in GROUPS[::3]} | {(group, 3) for group in GROUPS[1::4]}


def create_fifo_queues(stack: Stack) -> AppNames:
    names = AppNames(stack.queue, fifo=True)
    sqs = boto_client("sqs", stack.endpoint)
    fifo = {"FifoQueue": "true", "ContentBasedDeduplication": "false"}
    dlq_url = sqs.create_queue(
        QueueName=names.dead_letter_queue(Priority.default), Attributes=fifo
    )["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])
    redrive = json.dumps(
        {"deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"], "maxReceiveCount": 6}
    )
    url = sqs.create_queue(
        QueueName=names.queue(Priority.default), Attributes={**fifo, "RedrivePolicy": redrive}
    )["QueueUrl"]
    stack.urls[names.queue(Priority.default)] = url
    stack.urls[names.dead_letter_queue(Priority.default)] = dlq_url
    return names


@pytest.fixture
def fifo(stack: Stack) -> Iterator[AppNames]:
    names = create_fifo_queues(stack)
    taskhawk.configure({**_settings(stack), "TASKHAWK_FIFO": True})
    stack.env["SETTINGS_MODULE"] = "tests.integration.fifo_settings"
    with sqs_promises_kept():  # as the dev-server: moto's long poll could break a group's lock
        yield names


def _settings(stack: Stack) -> dict[str, Any]:
    keys = ("AWS_REGION", "AWS_ACCOUNT_ID", "AWS_ACCESS_KEY", "AWS_SECRET_KEY")
    settings: dict[str, Any] = {key: stack.env[key] for key in keys}
    settings["AWS_ENDPOINT_SQS"] = settings["AWS_ENDPOINT_SNS"] = stack.endpoint
    settings["TASKHAWK_QUEUE"] = stack.queue
    return settings


def events_of(stack: Stack, group: str) -> list[dict[str, Any]]:
    return stack.events(group)


def test_order_within_20_groups_under_two_processes_through_failures(
    stack: Stack, fifo: AppNames
) -> None:
    for group, n in FAILING:
        (stack.state / f"fail-once-{group}-{n}").touch()
    with taskhawk.batch():  # a group's tasks side by side: a receive of ten holds several
        for group in GROUPS:
            for n in range(PER_GROUP):
                ordered.with_group(group).dispatch(group, n)
    worker = stack.start_worker(
        "--import", "tests.integration.fifo_tasks", "--processes", "2", "--num-messages", "10"
    )
    expected = len(GROUPS) * PER_GROUP
    wait_for(
        lambda: sum(e["event"] == "finished" for e in stack.events()) == expected,
        "every task to finish",
        timeout=120,
    )
    # A task's "finished" event is written before its message is deleted: wait for the deletes
    # (prompt, but behind the event on a loaded machine), then read the events, so a rerun of a
    # message that was never deleted would show in them.
    default = fifo.queue(Priority.default)
    wait_for(lambda: stack.counts(default) == (0, 0), "every message to be deleted", timeout=30)
    pids = set()
    for group in GROUPS:
        events = events_of(stack, group)
        pids |= {e["pid"] for e in events}
        finished = [e["n"] for e in events if e["event"] == "finished"]
        assert finished == list(range(PER_GROUP)), (group, events)
        started = [e["n"] for e in events if e["event"] == "started"]
        failures = sorted(n for g, n in FAILING if g == group)
        assert started == sorted([*range(PER_GROUP), *failures]), (group, events)
        _assert_one_at_a_time(events)
    assert len(pids) == 2  # both processes took part
    assert "held back a message of group" in worker.log


def _assert_one_at_a_time(events: list[dict[str, Any]]) -> None:
    """A task of the group never starts before the previous run of the group ended: starts and
    ends (finished or failed) alternate, in time order, across both processes."""
    kinds = ["start" if e["event"] == "started" else "end" for e in events]
    assert kinds == ["start", "end"] * (len(events) // 2), events
    times = [e["at"] for e in events]
    assert times == sorted(times), events


def test_a_repeated_dispatch_with_one_deduplication_id_is_one_message(
    stack: Stack, fifo: AppNames
) -> None:
    once = ordered.with_group("customer-x").with_deduplication_id("invoice-42")
    once.dispatch("customer-x", 42)
    once.dispatch("customer-x", 42)
    ordered.with_group("customer-x").dispatch("customer-x", 43)  # a new dispatch: its own id
    assert stack.counts(fifo.queue(Priority.default))[0] == 2


def test_a_lambda_fifo_event_from_the_queue_keeps_the_groups_order(
    stack: Stack, fifo: AppNames, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TASKHAWK_IT_STATE", str(stack.state))
    (stack.state / "fail-once-customer-y-1").touch()
    for n in range(3):
        ordered.with_group("customer-y").dispatch("customer-y", n, 0.0)
    sqs = boto_client("sqs", stack.endpoint)
    url = stack.urls[fifo.queue(Priority.default)]
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    arn = f"arn:aws:sqs:us-east-1:123456789012:{fifo.queue(Priority.default)}"
    records = [
        {
            "eventSource": "aws:sqs",
            "eventSourceARN": arn,
            "messageId": m["MessageId"],
            "receiptHandle": m["ReceiptHandle"],
            "body": m["Body"],
            "attributes": m["Attributes"],
            "messageAttributes": {},
        }
        for m in received
    ]
    response = taskhawk.process_messages_for_lambda_consumer({"Records": records})
    assert response == {
        "batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records[1:]]
    }
    assert [e["n"] for e in stack.events("customer-y") if e["event"] == "finished"] == [0]


def test_provision_creates_fifo_queues_and_topics_and_reruns_cleanly(
    stack: Stack, moto_endpoint: str
) -> None:
    app = f"{stack.queue}-P"
    values = {k.lower(): v for k, v in _settings(stack).items()}
    settings = taskhawk.settings.Settings(**{**values, "taskhawk_queue": app}, taskhawk_fifo=True)
    first = provision([Priority.default, Priority.high], settings)
    names = AppNames(app, fifo=True)
    assert [(p.kind, p.name, p.created) for p in first[:2]] == [
        ("dead-letter queue", names.dead_letter_queue(Priority.default), True),
        ("queue", names.queue(Priority.default), True),
    ]
    assert first[2].name == names.topic(Priority.default) == f"taskhawk-{app.lower()}.fifo"
    sqs, sns = boto_client("sqs", moto_endpoint), boto_client("sns", moto_endpoint)
    for name in (names.queue(Priority.high), names.dead_letter_queue(Priority.high)):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["FifoQueue"] == "true"
        assert attributes["ContentBasedDeduplication"] == "false"
    topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
    (topic,) = [t for t in topics if t.endswith(":" + names.topic(Priority.high))]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["FifoTopic"] == "true"
    again = provision([Priority.default, Priority.high], settings)
    assert {str(p).rsplit("(", 1)[1] for p in again} <= {"up to date)", "ready)"}


NODE_EXAMPLE = ROOT / "bindings" / "typescript" / "dist" / "examples" / "fifo.js"


def test_the_node_fifo_example_reaches_the_worker_in_each_groups_order(
    stack: Stack, fifo: AppNames
) -> None:
    """docs/publishing-from-node.md shows bindings/typescript/examples/fifo.ts."""
    if not NODE_EXAMPLE.exists():
        pytest.fail(f"{NODE_EXAMPLE.relative_to(ROOT)} is not built: run `make typescript`")
    env = {**stack.env, "AWS_ENDPOINT_URL": stack.endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}  # fmt: skip
    result = subprocess.run(
        ["node", str(NODE_EXAMPLE)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ids = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("published")]
    assert len(ids) == 8 and ids[6] != ids[7], result.stdout
    _check_fifo_ids_on_the_queue(stack, fifo, ids[:7])
    worker = stack.start_worker("--import", "tests.integration.fifo_tasks", "--num-messages", "10")
    wait_for(lambda: len(stack.events()) == 7, f"seven billing events\n{worker.log}", timeout=60)
    applied = {c: [e["billing_event"] for e in stack.events(c)] for c in ("ada", "bob")}
    assert applied == {
        "ada": ["opened", "charged", "refunded", "closed"],  # the repeated publish: one message
        "bob": ["opened", "charged", "refunded"],
    }


def _check_fifo_ids_on_the_queue(stack: Stack, fifo: AppNames, ids: list[str]) -> None:
    """Each message carries its customer as MessageGroupId and its message id as
    MessageDeduplicationId (the closing event, its own); then all are visible again."""
    sqs = boto_client("sqs", stack.endpoint)
    url = stack.urls[fifo.queue(Priority.default)]
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    seen = {}
    for raw in received:
        message = decode(raw["Body"])
        attributes = raw["Attributes"]
        assert attributes["MessageGroupId"] == message.args[0]
        closing = message.args[1] == "closed"
        assert attributes["MessageDeduplicationId"] == ("ada-closed" if closing else message.id)
        seen[message.id] = (message.args[0], message.args[1])
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=raw["ReceiptHandle"], VisibilityTimeout=0
        )
    assert sorted(seen) == sorted(ids)

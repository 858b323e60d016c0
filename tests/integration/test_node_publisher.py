"""End to end over HTTP: a Node program using the TypeScript package (bindings/typescript)
publishes tasks of every priority, in both topologies (SQS queues; SNS topics, as Lambda apps
are published to), one at a time and in batches, with headers, a delay (DelaySeconds, format
1.0) and an expiry (format 1.1); a real `taskhawk worker` runs each exactly once with the
intended arguments, and so does the Lambda handler for the SNS ones.

The session's moto server subscribes every topic to its priority's queue with raw delivery (so
the worker also receives what went through SNS) and, for this test, to a capture queue without
it: what a capture queue holds is SNS's own notification, the `Sns` member of a Lambda event.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk import process_messages_for_lambda_consumer
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name, topic_name
from taskhawk.wire import decode
from taskhawk.wire.models import scheduled
from tests.conftest import (
    ACCOUNT_ID,
    REGION,
    SECRET_KEY,
    aws_settings,
    boto_client,
    create_queues,
    drain,
)
from tests.integration import node_tasks
from tests.integration.conftest import ROOT, Stack, wait_for

pytestmark = pytest.mark.integration

PACKAGE = ROOT / "bindings" / "typescript" / "dist" / "src" / "index.js"
NODE_PROGRAM = ROOT / "tests" / "integration" / "node_publisher.mjs"
VALUES = [1, 2.5, "é😀\u2028", None, True, {"nested": [1e20, -0.5]}, 9007199254740991]
MANY_HEADERS = {f"h{i:02}": f"v{i}" for i in range(12)}


def calls(topology: str, priority: Priority, mode: str, count: int) -> list[dict[str, Any]]:
    made = []
    for index in range(count):
        token = f"{topology}-{priority.name}-{mode}-{index}"
        headers = {"request_id": token, "origin": "node"}
        if mode == "batch" and index == 1:
            headers = {**MANY_HEADERS, "request_id": token}  # 13: none become attributes
        label = f"{topology}/{priority.name}"
        made.append(
            {
                "token": token,
                "values": VALUES,
                "label": label,
                "priority": priority.name,
                "headers": headers,
            }
        )
    return made


DELAY_S = 6
SCHEDULED = {"delay": {"delay": DELAY_S}, "expires": {"expires": 3600}}  # seconds from publishing


def plan(stack: Stack, topology: str) -> dict[str, Any]:
    steps = []
    for priority in Priority:
        steps.append({"batch": False, "calls": calls(topology, priority, "single", 1)})
        steps.append({"batch": True, "calls": calls(topology, priority, "batch", 3)})
    # SNS cannot delay (a Lambda app has no queue): the package refuses it; an expiry goes anywhere.
    for mode, priority in [("expires", Priority.high), ("delay", Priority.low)]:
        if topology == "sqs" or mode == "expires":
            scheduled = [{**call, **SCHEDULED[mode]} for call in calls(topology, priority, mode, 1)]
            steps.append({"batch": False, "calls": scheduled})
    return {
        "endpoint": stack.endpoint, "region": REGION, "accountId": ACCOUNT_ID,
        "accessKeyId": "testing", "secretAccessKey": SECRET_KEY,
        "queue": stack.queue, "topology": topology, "steps": steps,
    }  # fmt: skip


def publish_from_node(stack: Stack, topology: str) -> dict[str, str]:
    """Token -> message id, for every call the plan publishes."""
    given = plan(stack, topology)
    result = subprocess.run(
        [shutil.which("node") or "node", str(NODE_PROGRAM)],
        input=json.dumps(given), capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ids: list[list[str]] = json.loads(result.stdout)
    tokens = [[call["token"] for call in step["calls"]] for step in given["steps"]]
    assert [len(step) for step in ids] == [len(step) for step in tokens]
    pairs = zip(tokens, ids, strict=True)
    return {token: id_ for names, got in pairs for token, id_ in zip(names, got, strict=True)}


def capture_queues(stack: Stack) -> dict[Priority, str]:
    """Per priority, a queue subscribed to its topic without raw delivery: SNS notifications."""
    sqs, sns = boto_client("sqs", stack.endpoint), boto_client("sns", stack.endpoint)
    urls = {}
    for priority in Priority:
        url = sqs.create_queue(QueueName=f"CAPTURE-{stack.queue}-{priority.name}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
        topic = sns.create_topic(Name=topic_name(stack.queue, priority))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn["QueueArn"])
        urls[priority] = url
    return urls


def check_on_the_queues(stack: Stack, ids: dict[str, str], started: float) -> None:
    """Before any consumer runs: every message where it belongs, with its attributes; the delayed
    ones are not visible yet (DelaySeconds), unless publishing took longer than their delay."""
    delayed = {id_ for token, id_ in ids.items() if "-delay-" in token}
    ids = {token: id_ for token, id_ in ids.items() if "-delay-" not in token}
    seen: dict[str, Priority] = {}
    for priority in Priority:
        for raw in drain(stack.endpoint, stack.url(queue_name(stack.queue, priority))):
            message = decode(raw["Body"])
            attributes = {k: v["StringValue"] for k, v in raw.get("MessageAttributes", {}).items()}
            expected = {"taskhawk_task": "it.node_call"}
            if len(message.headers) <= 9:
                expected.update(message.headers)
            assert attributes == expected, raw
            assert message.metadata.priority == priority.name
            eta, expires = scheduled(message)
            assert eta is None and message.metadata.version == ("1.0" if expires is None else "1.1")
            if expires is not None:  # an hour after publishing
                assert 3_590_000 < expires - message.metadata.timestamp <= 3_600_000
            seen[message.id] = priority
    may_show = delayed if time.time() - started >= DELAY_S else set()
    assert sorted(set(seen) - may_show) == sorted(ids.values())
    assert all(seen[id_] == Priority[token.split("-")[1]] for token, id_ in ids.items())


def run_lambda(stack: Stack, captures: dict[Priority, str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Each capture queue's notifications, as one SNS Lambda event per priority; records run
    here, by `node_tasks.node_call` (registered when this module was imported)."""
    assert node_tasks.node_call.name == "it.node_call"
    monkeypatch.setenv("TASKHAWK_IT_STATE", str(stack.state))
    taskhawk.configure(aws_settings(stack.endpoint, stack.queue, IS_LAMBDA_APP=True))
    records = 0
    for url in captures.values():
        notifications = [json.loads(raw["Body"]) for raw in drain(stack.endpoint, url)]
        event = {
            "Records": [
                {"EventSource": "aws:sns", "EventVersion": "1.0", "Sns": notification}
                for notification in notifications
            ]
        }
        assert process_messages_for_lambda_consumer(event) is None
        records += len(notifications)
    return records


def expected_call(token: str) -> dict[str, Any]:
    topology, priority = token.split("-")[:2]
    mode, index = token.split("-")[2:]
    headers = {"request_id": token, "origin": "node"}
    if mode == "batch" and index == "1":
        headers = {**MANY_HEADERS, "request_id": token}
    return {
        "values": VALUES,
        "label": f"{topology}/{priority}",
        "headers": headers,
        "priority": priority,
    }


def test_node_publishes_every_priority_in_both_topologies_and_python_runs_each_once(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not PACKAGE.exists():
        pytest.fail(f"{PACKAGE.relative_to(ROOT)} is not built: run `make typescript`")
    captures = capture_queues(stack)
    started = time.time()
    by_sqs, by_sns = publish_from_node(stack, "sqs"), publish_from_node(stack, "sns")
    assert (len(by_sqs), len(by_sns), len({*by_sqs.values(), *by_sns.values()})) == (18, 17, 35)
    check_on_the_queues(stack, {**by_sqs, **by_sns}, started)

    worker = stack.start_worker(
        "--import", "tests.integration.node_tasks", "--processes", "2", "--num-messages", "10",
        *(argument for p in Priority for argument in ("--priority", p.name)),
    )  # fmt: skip
    every = {**by_sqs, **by_sns}
    done = lambda: len([e for e in stack.events() if e["event"] == "node_call"]) >= len(every)  # noqa: E731
    wait_for(done, f"{len(every)} tasks run by the worker\n{worker.log}", timeout=60)
    assert run_lambda(stack, captures, monkeypatch) == len(by_sns)
    wait_for(
        lambda: all(stack.counts(queue_name(stack.queue, p)) == (0, 0) for p in Priority),
        "every queue to be empty",
    )

    events = [e for e in stack.events() if e["event"] == "node_call"]
    by_worker = [e for e in events if e["queue"] is not None]
    by_lambda = [e for e in events if e["queue"] is None]  # an SNS record comes from no queue
    assert Counter(e["token"] for e in by_worker) == Counter(list(every))  # each exactly once
    assert Counter(e["token"] for e in by_lambda) == Counter(list(by_sns))
    assert len(events) == len(by_worker) + len(by_lambda)
    for event in events:
        call = {key: event[key] for key in ("values", "label", "headers", "priority")}
        assert call == expected_call(event["token"]), event
        assert event["version"] == ("1.1" if "-expires-" in event["token"] else "1.0")
    for event in by_worker:
        assert event["queue"] == queue_name(stack.queue, Priority[event["priority"]])
        if "-delay-" in event["token"]:
            assert event["ran_at"] >= started + DELAY_S - 0.5, "ran before its DelaySeconds"
    for priority in Priority:
        assert stack.counts(dead_letter_queue_name(stack.queue, priority)) == (0, 0)
    assert "task failed" not in worker.log


def test_the_node_example_of_the_docs_reaches_the_python_worker(stack: Stack) -> None:
    """docs/publishing-from-node.md shows bindings/typescript/examples/publish.ts."""
    example = ROOT / "bindings" / "typescript" / "dist" / "examples" / "publish.js"
    if not example.exists():
        pytest.fail(f"{example.relative_to(ROOT)} is not built: run `make typescript`")
    env = {**stack.env, "AWS_ENDPOINT_URL": stack.endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}  # fmt: skip
    result = subprocess.run(
        ["node", str(example)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    sent = [line for line in result.stdout.splitlines() if line.startswith("published")]
    assert len(sent) == 3, result.stdout
    stack.env["PYTHONUNBUFFERED"] = "1"  # the task prints; the log must have it at once
    examples = str(ROOT / "docs" / "examples")
    worker = stack.start_worker(
        "--path", examples, "--import", "tasks", "--priority", "default", "--priority", "high"
    )
    wait_for(lambda: worker.log.count("sending ") >= 3, f"three emails\n{worker.log}", timeout=60)
    assert "sending 'Welcome!' to ada@example.com from noreply@example.com" in worker.log
    assert "sending 'Your receipt' to ada@example.com from billing@example.com" in worker.log


def run_example_failing(env: dict[str, str]) -> str:
    """The docs' example, run where its publish must fail: what it prints on stderr."""
    example = ROOT / "bindings" / "typescript" / "dist" / "examples" / "publish.js"
    if not example.exists():
        pytest.fail(f"{example.relative_to(ROOT)} is not built: run `make typescript`")
    result = subprocess.run(
        ["node", str(example)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "sent 0, not sent 1, unknown 0" in result.stderr
    return result.stderr


def user_environment(home: Path, **variables: str) -> dict[str, str]:
    """A shell with no AWS variables or files but these: as a new user's is."""
    kept = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    return {**kept, "HOME": str(home), **variables}


def test_a_node_publish_without_credentials_says_so_not_that_the_queue_is_missing(
    moto_endpoint: str, tmp_path: Path
) -> None:
    stack_queue = f"IT{uuid.uuid4().hex[:10].upper()}"
    create_queues(moto_endpoint, stack_queue, max_receive_count=3)
    env = user_environment(
        tmp_path, AWS_ENDPOINT_URL=moto_endpoint, AWS_REGION=REGION, TASKHAWK_QUEUE=stack_queue
    )
    stderr = run_example_failing(env)
    assert "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" in stderr
    assert "provision" not in stderr and "does not exist" not in stderr


def test_a_node_publish_to_a_queue_never_provisioned_names_it_and_the_fix(
    moto_endpoint: str, tmp_path: Path
) -> None:
    queue = f"IT{uuid.uuid4().hex[:10].upper()}"
    env = user_environment(
        tmp_path, AWS_ENDPOINT_URL=moto_endpoint, AWS_REGION=REGION, TASKHAWK_QUEUE=queue,
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
    )  # fmt: skip
    stderr = run_example_failing(env)
    expected = f"SQS queue {queue_name(queue, Priority.default)} does not exist at {moto_endpoint}"
    assert f"{expected}: `taskhawk provision` creates it" in stderr
    assert "credentials" not in stderr

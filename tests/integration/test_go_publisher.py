"""End to end over HTTP: a Go program using the Go package (bindings/go) publishes tasks of
every priority, in both topologies (SQS queues; SNS topics, whose queues the session's moto
server subscribes with raw delivery), one at a time and in batches, with headers, a delay
(DelaySeconds, format 1.0) and an expiry (format 1.1); a real `taskhawk worker` runs each
exactly once with the intended arguments. For a FIFO app, groups published in batches run in
publish order; on a standard queue a call's tenant reaches SQS as its message group."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk.admin.devserver_sqs import sqs_promises_kept
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import ACCOUNT_ID, REGION, SECRET_KEY, boto_client
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.go_program import build_go_program
from tests.integration.test_fifo_worker import _settings, create_fifo_queues

pytestmark = pytest.mark.integration

VALUES = [1, 2.5, "é😀\u2028", None, True, {"nested": [1e20, -0.5]}, 9007199254740991]
MANY_HEADERS = {f"h{i:02}": f"v{i}" for i in range(12)}
DELAY_S = 6


@pytest.fixture(scope="module")
def go_publisher(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("go") / "itpublisher"
    return build_go_program(ROOT / "bindings" / "go", "./internal/itpublisher", out)


def publish_from_go(
    program: Path, stack: Stack, topology: str, steps: list[Any], **plan: Any
) -> list[str]:
    """The message ids, in the order of the plan's calls; `plan` adds to the program's plan."""
    given = {
        "endpoint": stack.endpoint, "region": REGION, "accountId": ACCOUNT_ID,
        "accessKeyId": "testing", "secretAccessKey": SECRET_KEY, "queue": stack.queue,
        "topology": topology, "fifo": topology.endswith("fifo"), "steps": steps, **plan,
    }  # fmt: skip
    given["topology"] = topology.removesuffix("-fifo")
    result = subprocess.run(
        [str(program)], input=json.dumps(given), capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    ids: list[list[str]] = json.loads(result.stdout)
    assert [len(step) for step in ids] == [len(step["calls"]) for step in steps]
    return [id_ for step in ids for id_ in step]


def call(token: str, priority: Priority, headers: dict[str, str], **extra: Any) -> dict[str, Any]:
    label = "/".join(token.split("-")[:2])
    return {
        "task": "it.node_call", "args": [token, VALUES], "kwargs": {"label": label},
        "priority": priority.name, "headers": headers, **extra,
    }  # fmt: skip


def steps_for(topology: str) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The plan's steps, and per token the call the worker must see."""
    steps: list[Any] = []
    expected: dict[str, dict[str, Any]] = {}
    for priority in Priority:
        for mode, count in (("single", 1), ("batch", 3)):
            calls = []
            for index in range(count):
                token = f"{topology}-{priority.name}-{mode}-{index}"
                headers = {"request_id": token, "origin": "go"}
                if mode == "batch" and index == 1:
                    headers = {**MANY_HEADERS, "request_id": token}  # 13: none are attributes
                calls.append(call(token, priority, headers))
                expected[token] = {"headers": headers, "priority": priority.name, "version": "1.0"}
            steps.append({"batch": mode == "batch", "calls": calls})
    scheduled = [("expires", Priority.high, {"expires_s": 3600}, "1.1")]
    if topology == "sqs":  # through SNS a delay is an eta, which the consumer holds back
        scheduled.append(("delay", Priority.low, {"delay_s": DELAY_S}, "1.0"))
    for mode, priority, extra, version in scheduled:
        token = f"{topology}-{priority.name}-{mode}-0"
        headers = {"request_id": token}
        steps.append({"batch": False, "calls": [call(token, priority, headers, **extra)]})
        expected[token] = {"headers": headers, "priority": priority.name, "version": version}
    return steps, expected


def test_go_publishes_every_priority_in_both_topologies_and_python_runs_each_once(
    stack: Stack, go_publisher: Path
) -> None:
    started = time.time()
    expected: dict[str, dict[str, Any]] = {}
    ids: list[str] = []
    for topology in ("sqs", "sns"):
        steps, wanted = steps_for(topology)
        ids += publish_from_go(go_publisher, stack, topology, steps)
        expected.update(wanted)
    assert len(set(ids)) == len(ids) == len(expected) == 35
    worker = stack.start_worker(
        "--import", "tests.integration.node_tasks", "--processes", "2", "--num-messages", "10",
        *(argument for p in Priority for argument in ("--priority", p.name)),
    )  # fmt: skip
    done = lambda: len([e for e in stack.events() if e["event"] == "node_call"]) >= len(expected)  # noqa: E731
    wait_for(done, f"{len(expected)} tasks run by the worker\n{worker.log}", timeout=90)
    wait_for(
        lambda: all(stack.counts(queue_name(stack.queue, p)) == (0, 0) for p in Priority),
        "every queue to be empty",
    )
    events = [e for e in stack.events() if e["event"] == "node_call"]
    assert Counter(e["token"] for e in events) == Counter(list(expected))  # each exactly once
    for event in events:
        token = event["token"]
        assert event["values"] == VALUES, event
        assert event["label"] == "/".join(token.split("-")[:2])
        ran = {key: event[key] for key in ("headers", "priority", "version")}
        assert ran == expected[token], event
        assert event["queue"] == queue_name(stack.queue, Priority[event["priority"]])
        if "-delay-" in token:
            assert event["ran_at"] >= started + DELAY_S - 0.5, "ran before its DelaySeconds"
    for priority in Priority:
        assert stack.counts(dead_letter_queue_name(stack.queue, priority)) == (0, 0)
    assert "task failed" not in worker.log


GROUPS = [f"go-customer-{n}" for n in range(5)]
PER_GROUP = 4


@pytest.fixture
def promises_kept() -> Iterator[None]:
    with sqs_promises_kept():  # as the dev-server: moto's long poll could break a group's lock
        yield


@pytest.mark.usefixtures("promises_kept")
def test_go_publishes_fifo_groups_that_the_worker_runs_in_order(
    stack: Stack, go_publisher: Path
) -> None:
    create_fifo_queues(stack)
    taskhawk.configure({**_settings(stack), "TASKHAWK_FIFO": True})
    stack.env["SETTINGS_MODULE"] = "tests.integration.fifo_settings"
    (stack.state / f"fail-once-{GROUPS[1]}-1").touch()  # a retry must not let #2 overtake #1

    def ordered(group: str, n: int) -> dict[str, Any]:
        return {"task": "it.ordered", "args": [group, n], "kwargs": {}, "priority": "default",
                "headers": {}, "group": group}  # fmt: skip

    # Groups interleaved in batches of ten (rounds 0-1), then each group's last two one by one.
    interleaved = [ordered(group, n) for n in range(2) for group in GROUPS]
    steps: list[Any] = [{"batch": True, "calls": interleaved}]
    steps += [{"batch": False, "calls": [ordered(g, n)]} for n in (2, 3) for g in GROUPS]
    ids = publish_from_go(go_publisher, stack, "sqs-fifo", steps)
    assert len(set(ids)) == len(GROUPS) * PER_GROUP
    worker = stack.start_worker(
        "--import", "tests.integration.fifo_tasks", "--processes", "2", "--num-messages", "10"
    )
    expected = len(GROUPS) * PER_GROUP
    wait_for(
        lambda: sum(e["event"] == "finished" for e in stack.events()) == expected,
        f"every task to finish\n{worker.log}",
        timeout=120,
    )
    for group in GROUPS:
        finished = [e["n"] for e in stack.events(group) if e["event"] == "finished"]
        assert finished == list(range(PER_GROUP)), (group, stack.events(group))


def test_a_go_tenant_reaches_sqs_as_the_message_group(stack: Stack, go_publisher: Path) -> None:
    tenants = {"tenant-single": "acme", "tenant-batch-0": "acme", "tenant-batch-1": "globex"}
    calls = {
        token: call(token, Priority.default, {}, tenant=tenant) for token, tenant in tenants.items()
    }
    untenanted = call("no-tenant", Priority.default, {})
    steps = [
        {"batch": False, "calls": [calls["tenant-single"]]},
        {"batch": True, "calls": [calls["tenant-batch-0"], calls["tenant-batch-1"], untenanted]},
    ]  # fmt: skip
    publish_from_go(go_publisher, stack, "sqs", steps)
    sqs = boto_client("sqs", stack.endpoint)
    url = stack.url(queue_name(stack.queue, Priority.default))
    groups: dict[str, str | None] = {}

    def received() -> bool:
        response = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
            MessageSystemAttributeNames=["All"],
        )  # fmt: skip
        for message in response.get("Messages", []):
            token = json.loads(message["Body"])["args"][0]
            groups[token] = message["Attributes"].get("MessageGroupId")
        return len(groups) == len(tenants) + 1

    wait_for(received, "the four messages on the default queue", timeout=30)
    assert groups == {**tenants, "no-tenant": None}


def test_the_go_example_of_the_docs_reaches_the_python_worker(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """docs/publishing-from-go.md shows bindings/go/examples/publish/main.go."""
    out = tmp_path_factory.mktemp("go") / "publish-example"
    example = build_go_program(ROOT / "bindings" / "go", "./examples/publish", out)
    env = {**stack.env, "AWS_ENDPOINT_URL": stack.endpoint, "AWS_ACCESS_KEY_ID": "testing",
           "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}  # fmt: skip
    result = subprocess.run(
        [str(example)], env=env, capture_output=True, text=True, timeout=60, check=False
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
    assert "sending 'Your order' to grace@example.com from noreply@example.com" in worker.log
    assert "sending 'Your receipt' to ada@example.com from billing@example.com" in worker.log

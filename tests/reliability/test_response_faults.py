"""Slow and cut answers on every kind of call a worker makes: the endpoint acted, but its answer
never arrived (stall, past the 1 s read timeout) or arrived cut in half. Per SQS action in turn
(receive, delete, visibility change, the dead-letter send), with tasks, failures and poison
flowing: nothing is lost, no finished task runs twice, the worker never crashes."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

from tests.conftest import boto_client
from tests.reliability.conftest import (
    Rig,
    RunLog,
    settle,
    take_all,
    unexpected_tracebacks,
)
from tests.reliability.proxy import CountingProxy
from tests.reliability.tasks import EVENTS, flaky, record
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration

ACTIONS = ("ReceiveMessage", "DeleteMessageBatch", "ChangeMessageVisibility", "SendMessage")
MODES = ("stall", "cut")
FAULT_S = 1.0  # at least; then until a request of the action was faulted


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[CountingProxy]:
    proxy = CountingProxy(moto_endpoint)
    yield proxy
    proxy.close()


def poison(rig: Rig, n: int) -> None:
    body = {
        "id": str(uuid.uuid4()),
        "metadata": {"priority": "default", "timestamp": 1795831712266, "version": "1.0"},
        "headers": {},
        "task": f"rel.unknown_{n}",
        "args": [],
        "kwargs": {},
    }
    boto_client("sqs", rig.endpoint).send_message(
        QueueUrl=rig.urls[rig.main], MessageBody=json.dumps(body)
    )


def test_slow_and_cut_answers_on_every_call_kind(rig: Rig, proxy: CountingProxy) -> None:
    worker = rig.start_worker(
        "--num-messages", "10", "--visibility-timeout", "4", sqs_endpoint=proxy.url,
        AWS_READ_TIMEOUT_S="1", AWS_CONNECT_TIMEOUT_S="1",
    )  # fmt: skip
    worker.wait_listening()
    runs = RunLog(rig.state / EVENTS)
    numbers = iter(range(10_000))
    sent: list[int] = []
    poisoned = 0
    for mode in MODES:
        for action in ACTIONS:
            with proxy.fault_actions(mode, {action}):
                batch = [next(numbers) for _ in range(6)]
                record.dispatch_many(((n,), {}) for n in batch[:5])
                flaky.dispatch(batch[5])
                poison(rig, poisoned)
                sent += batch
                poisoned += 1
                time.sleep(FAULT_S)
                key = (mode, action)
                settle(lambda key=key: proxy.actions[key] > 0, f"a {key} request", timeout=20)
    settle(lambda: set(runs.update()) >= set(sent), "every task to run", timeout=90)
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to drain", timeout=60)
    time.sleep(5)  # a message whose delete was lost would come back within the visibility
    runs.update()
    twice = {n: len(events) for n, events in runs.runs.items() if len(events) > 1}
    dead = take_all(rig.endpoint, rig.urls[rig.dlq])
    dead_tasks = {json.loads(m["Body"])["task"] for m in dead}
    faulted = {f"{mode}:{action}": proxy.actions[mode, action] for mode, action in proxy.actions}
    record_figures(
        "response_faults",
        {
            "tasks": len(sent),
            "lost": len(set(sent) - set(runs.runs)),
            "ran_twice": len(twice),
            "poison": poisoned,
            "dlq_copies": len(dead),
            "faulted_requests": faulted,
        },
    )
    assert twice == {}
    assert dead_tasks == {f"rel.unknown_{n}" for n in range(poisoned)}  # each at least once
    assert unexpected_tracebacks(worker.log) == 0
    assert worker.process.poll() is None  # still running

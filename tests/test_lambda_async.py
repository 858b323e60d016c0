"""Lambda SQS events of an app with async tasks: records side by side where order does not
matter, one after another within a FIFO group, with the same partial batch response."""

from __future__ import annotations

import json
from typing import Any

import pytest

import taskhawk
from taskhawk import process_messages_for_lambda_consumer
from tests.test_concurrent_consumer import (  # noqa: F401 - the fixture is used by name
    APP,
    FIFO_QUEUE,
    QUEUE,
    events,
    fail_once,
    gauge,
    io,
    memory,
)

pytestmark = pytest.mark.usefixtures("memory")


def record(n: int, key: str, queue: str, group: str | None = None) -> dict[str, Any]:
    body = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "metadata": {"priority": "default", "timestamp": 1, "version": "1.0"},
        "headers": {},
        "task": io.name,
        "args": [key, 0.3],
        "kwargs": {},
    }
    attributes = {"ApproximateReceiveCount": "1"}
    if group is not None:
        attributes["MessageGroupId"] = group
    return {
        "eventSource": "aws:sqs",
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
        "messageId": f"m-{n}",
        "receiptHandle": f"r-{n}",
        "body": json.dumps(body),
        "attributes": attributes,
        "messageAttributes": {},
    }


def test_the_records_of_a_standard_queue_run_side_by_side() -> None:
    fail_once.add("k2")
    event = {"Records": [record(n, f"k{n}", QUEUE) for n in range(5)]}
    assert process_messages_for_lambda_consumer(event) == {
        "batchItemFailures": [{"itemIdentifier": "m-2"}]
    }
    assert gauge["async_max"] == 5
    assert sorted(key for kind, key in events if kind == "end") == ["k0", "k1", "k3", "k4"]


def test_fifo_groups_run_side_by_side_each_in_order_when_groups_are_skipped_alone() -> None:
    taskhawk.configure(
        TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True, TASKHAWK_LAMBDA_FIFO_SKIP_GROUP_ON_ERROR=True
    )
    fail_once.add("ada2")
    groups = ["ada", "bob", "ada", "ada", "bob"]
    event = {"Records": [record(n, f"{g}{n}", FIFO_QUEUE, g) for n, g in enumerate(groups)]}
    assert process_messages_for_lambda_consumer(event) == {
        "batchItemFailures": [{"itemIdentifier": "m-2"}, {"itemIdentifier": "m-3"}]
    }
    ada = [(kind, key) for kind, key in events if key.startswith("ada")]
    assert ada == [("start", "ada0"), ("end", "ada0"), ("start", "ada2"), ("fail", "ada2")]
    bob = [(kind, key) for kind, key in events if key.startswith("bob")]
    assert bob == [("start", "bob1"), ("end", "bob1"), ("start", "bob4"), ("end", "bob4")]
    assert gauge["async_max"] == 2


def test_a_fifo_event_keeping_the_whole_batch_in_order_runs_one_record_at_a_time() -> None:
    taskhawk.configure(TASKHAWK_QUEUE=APP, TASKHAWK_FIFO=True)
    fail_once.add("k1")
    groups = ["ada", "bob", "cy"]
    event = {"Records": [record(n, f"k{n}", FIFO_QUEUE, groups[n]) for n in range(3)]}
    assert process_messages_for_lambda_consumer(event) == {
        "batchItemFailures": [{"itemIdentifier": "m-1"}, {"itemIdentifier": "m-2"}]
    }
    assert gauge["async_max"] == 1
    assert events == [("start", "k0"), ("end", "k0"), ("start", "k1"), ("fail", "k1")]

"""`taskhawk worker --concurrency N` subprocesses over HTTP: async tasks many at a time in one
process, and a SIGTERM with 50 of them in flight."""

from __future__ import annotations

import json
import signal
import uuid
from collections import Counter

import pytest

from taskhawk import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import boto_client
from tests.integration.conftest import Stack, wait_for
from tests.integration.tasks import crash_async, wait_io

pytestmark = pytest.mark.integration


def started(stack: Stack) -> int:
    return sum(1 for event in stack.events() if event["event"] == "started")


def test_sigterm_with_50_async_tasks_in_flight_loses_none_and_reruns_none(stack: Stack) -> None:
    main = queue_name(stack.queue, Priority.default)
    tokens = [uuid.uuid4().hex[:8] for _ in range(60)]
    for start in range(0, len(tokens), 10):
        wait_io.dispatch_many([((tok, 4.0), {}) for tok in tokens[start : start + 10]])
    worker = stack.start_worker("--concurrency", "50", "--grace-seconds", "60")
    wait_for(lambda: started(stack) == 50, "50 tasks in flight", timeout=30)
    assert len({event["pid"] for event in stack.events()}) == 1  # one process runs them all
    assert "  processes  1, up to 50 messages at once each" in worker.log
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0
    events = Counter((e["token"], e["event"]) for e in stack.events())
    ran = [tok for tok in tokens if events[(tok, "started")]]
    assert len(ran) == 50
    assert all(events[(tok, "started")] == events[(tok, "finished")] == 1 for tok in ran)
    assert stack.counts(main) == (10, 0)  # the ten never received are there, visible
    assert worker.log.count("task succeeded: it.wait") == 50

    again = stack.start_worker("--concurrency", "50")
    wait_for(lambda: stack.counts(main) == (0, 0), "the other ten to run", timeout=30)
    again.signal(signal.SIGTERM)
    assert again.wait() == 0
    events = Counter((e["token"], e["event"]) for e in stack.events())
    assert all(events[(tok, "started")] == events[(tok, "finished")] == 1 for tok in tokens)


def test_a_task_that_kills_a_process_running_many_is_found_without_blaming_the_others(
    stack: Stack,
) -> None:
    """With several running when the process dies, each is only suspected and run alone when
    received again: the task that kills is dead-lettered after two deaths of its own, the ones
    beside it finish once each. (The queue redrives after 10 receives here, so the redrive
    policy does not decide first.)"""
    main = queue_name(stack.queue, Priority.default)
    dlq = dead_letter_queue_name(stack.queue, Priority.default)
    redrive = json.dumps({"deadLetterTargetArn": arn(stack, dlq), "maxReceiveCount": 10})
    sqs = boto_client("sqs", stack.endpoint)
    sqs.set_queue_attributes(QueueUrl=stack.url(main), Attributes={"RedrivePolicy": redrive})
    stack.env["TASKHAWK_MAX_RECEIVE_COUNT"] = "10"
    siblings = [uuid.uuid4().hex[:8] for _ in range(4)]
    wait_io.dispatch_many([((tok, 1.0), {}) for tok in siblings])
    crash_async.dispatch("crasher", 0.5)
    worker = stack.start_worker("--concurrency", "5", "--visibility-timeout", "3")
    wait_for(lambda: stack.counts(dlq) == (1, 0), "the crasher dead-lettered", timeout=90)
    wait_for(lambda: stack.counts(main) == (0, 0), "every message settled", timeout=30)
    events = Counter((e["token"], e["event"]) for e in stack.events())
    assert all(events[(tok, "finished")] == 1 for tok in siblings), events
    assert "running a message alone: it was running when a worker process died" in worker.log
    (dead,) = sqs.receive_message(QueueUrl=stack.url(dlq), MessageAttributeNames=["All"])[
        "Messages"
    ]
    reason = dead["MessageAttributes"]["taskhawk_dead_letter_reason"]["StringValue"]
    assert reason.startswith("the task killed its worker process 2 times"), reason
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0


def arn(stack: Stack, name: str) -> str:
    attributes = boto_client("sqs", stack.endpoint).get_queue_attributes(
        QueueUrl=stack.url(name), AttributeNames=["QueueArn"]
    )
    return str(attributes["Attributes"]["QueueArn"])

"""`taskhawk worker` subprocesses over HTTP: every outcome's queue state, dead letters, signals,
crashes. Queues redrive after 2 receives and the retry backoff starts at 1 s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

from taskhawk import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.integration.conftest import ROOT, Stack, alive, wait_for
from tests.integration.tasks import behave

pytestmark = pytest.mark.integration


def token() -> str:
    return uuid.uuid4().hex[:8]


def names(stack: Stack, priority: Priority = Priority.default) -> tuple[str, str]:
    return queue_name(stack.queue, priority), dead_letter_queue_name(stack.queue, priority)


def test_each_outcome_and_the_dlq_after_the_max_receive_count(stack: Stack) -> None:
    main, dlq = names(stack)
    high, high_dlq = names(stack, Priority.high)
    worker = stack.start_worker(
        "--priority", "high", "--priority", "default", "--processes", "2", "--num-messages", "10"
    )
    worker.wait_listening(consumers=2)
    tokens = {mode: token() for mode in ("ok", "ignore", "retry_delay", "logging", "boom")}
    for mode, tok in tokens.items():
        behave.dispatch(mode, tok)
    high_token = token()
    behave.with_priority(Priority.high).dispatch("ok", high_token)

    # boom and logging fail on receives 1 and 2; the third receive redrives them to the DLQ.
    wait_for(lambda: stack.counts(dlq) == (2, 0), "two dead letters", timeout=30)
    assert worker.log.count("task failed: it.behave (receive 1), retry in 1s") == 1
    assert worker.log.count("task failed: it.behave (receive 2), retry in 2s") == 1
    assert worker.log.count("taskhawk.consumer: order not ready |") == 2
    assert "order=7" in worker.log
    assert "task retrying: it.behave, retry in 60s" in worker.log
    assert worker.log.count("task succeeded: it.behave") == 2
    assert "task ignored: it.behave (nothing to do)" in worker.log
    assert [e["event"] for e in stack.events(tokens["ok"])] == ["started", "finished"]
    assert [e["event"] for e in stack.events(tokens["boom"])] == ["started", "started"]
    assert stack.events(high_token)[0]["queue"] == high
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0
    assert stack.counts(main) == (0, 1)  # only RetryException(delay_seconds=60), still hidden
    assert stack.counts(high) == (0, 0) and stack.counts(high_dlq) == (0, 0)
    assert "secret" not in worker.log.lower().replace("aws_secret_key", "")

    requeue = subprocess.run(
        [sys.executable, "-m", "taskhawk.cli", "requeue-dlq", "--priority", "default"],
        env=stack.env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert requeue.returncode == 0, requeue.stderr
    assert requeue.stdout == f"requeued 2 messages from {dlq} to {main}\n"  # not a terminal
    assert stack.counts(dlq) == (0, 0)
    assert stack.counts(main) == (2, 1)


def test_undecodable_and_unknown_task_messages_are_dead_lettered_at_once(stack: Stack) -> None:
    main, dlq = names(stack)
    stack.send_raw(main, "not json at all", {"request_id": "r1"})
    unknown = json.dumps({**json.loads(_body("it.behave")), "task": "nobody.knows"})
    stack.send_raw(main, unknown)
    worker = stack.start_worker("--priority", "default", "--num-messages", "10")
    wait_for(lambda: stack.counts(dlq)[0] == 2, "two dead letters")
    wait_for(lambda: stack.counts(main) == (0, 0), "the originals to be deleted")
    assert worker.log.count("message dead-lettered to") == 2
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0
    sqs_messages = _drain(stack, dlq)
    reasons = sorted(
        m["MessageAttributes"]["taskhawk_dead_letter_reason"]["StringValue"] for m in sqs_messages
    )
    assert reasons[0].startswith("invalid message: $: not valid JSON")
    assert reasons[1].startswith("unknown task: no task named 'nobody.knows'")
    assert stack.events() == []


def test_sigterm_mid_task_finishes_the_task_and_deletes_the_message_once(stack: Stack) -> None:
    main, _ = names(stack)
    worker = stack.start_worker("--priority", "default", "--processes", "2")
    worker.wait_listening(consumers=2)
    tok = token()
    behave.dispatch("slow", tok, 3.0)
    wait_for(lambda: stack.events(tok), "the task to start")
    children = worker.children()
    asked = time.monotonic()
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0
    assert time.monotonic() - asked > 1.5  # it waited for the task
    assert [e["event"] for e in stack.events(tok)] == ["started", "finished"]
    assert stack.counts(main) == (0, 0)
    assert "worker stopping: finishing in-flight tasks" in worker.log
    wait_for(lambda: not any(alive(pid) for pid in children), "no process left", timeout=5)


def test_sigkill_mid_task_the_message_comes_back_and_is_processed(stack: Stack) -> None:
    main, _ = names(stack)
    args = ("--priority", "default", "--visibility-timeout", "3")
    worker = stack.start_worker(*args)
    tok = token()
    behave.dispatch("slow", tok, 2.0)
    wait_for(lambda: stack.events(tok), "the task to start")
    os.killpg(worker.process.pid, signal.SIGKILL)  # parent and child, mid-task
    worker.wait()
    assert stack.counts(main) == (0, 1)
    again = stack.start_worker(*args)
    wait_for(lambda: [e for e in stack.events(tok) if e["event"] == "finished"], "a rerun")
    wait_for(lambda: stack.counts(main) == (0, 0), "the message to be deleted")
    assert [e["event"] for e in stack.events(tok)] == ["started", "started", "finished"]
    again.signal(signal.SIGTERM)
    assert again.wait() == 0


def test_a_dead_child_is_restarted_and_its_message_reprocessed(stack: Stack) -> None:
    main, _ = names(stack)
    worker = stack.start_worker("--priority", "default", "--visibility-timeout", "3")
    tok = token()
    behave.dispatch("slow", tok, 2.0)
    started = wait_for(lambda: stack.events(tok), "the task to start")
    os.kill(started[0]["pid"], signal.SIGKILL)
    wait_for(lambda: "exited with code -9; restarting in 1s" in worker.log, "a restart")
    finished = wait_for(
        lambda: [e for e in stack.events(tok) if e["event"] == "finished"], "the rerun"
    )
    assert finished[0]["pid"] != started[0]["pid"]
    wait_for(lambda: stack.counts(main) == (0, 0), "the message to be deleted")
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0


def test_a_second_signal_stops_at_once_leaving_the_message_to_come_back(stack: Stack) -> None:
    main, _ = names(stack)
    worker = stack.start_worker("--priority", "default")
    tok = token()
    behave.dispatch("slow", tok, 30.0)
    wait_for(lambda: stack.events(tok), "the task to start")
    children = worker.children()
    worker.signal(signal.SIGINT)
    time.sleep(0.5)
    worker.signal(signal.SIGINT)
    assert worker.wait(10) == 1
    assert "second signal: killing 1 processes" in worker.log
    wait_for(lambda: not any(alive(pid) for pid in children), "no process left", timeout=5)
    assert stack.counts(main) == (0, 1)  # in flight until its visibility timeout ends


def _body(task: str) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": "default", "timestamp": 1460868253255, "version": "1.0"},
            "headers": {},
            "task": task,
            "args": ["ok", "x"],
            "kwargs": {},
        }
    )


def _drain(stack: Stack, name: str) -> list[dict[str, object]]:
    from tests.conftest import drain

    return drain(stack.endpoint, stack.url(name))

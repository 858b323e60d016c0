"""Tasks that ran twice and innocent messages dead-lettered: regressions, with real
`taskhawk worker` processes over HTTP against the local endpoint.

- A long task and the visibility timeout: the heartbeat derives from the visibility in force, so
  a task longer than it still runs once; a heartbeat that could not keep up is refused at start.
- A finished message is deleted while its slow batch-mate still runs, not at the batch's end.
- A task that kills its process: its batch-mates are settled by the parent (unstarted ones
  released at once, finished ones deleted) and only the crasher reaches the DLQ, with a reason.
- Deletes that fail during an outage are retried while their receipt is still valid.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

import taskhawk
from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from tests.reliability.conftest import (
    Rig,
    RunLog,
    settle,
    take_all,
    unexpected_tracebacks,
)
from tests.reliability.proxy import CountingProxy
from tests.reliability.tasks import EVENTS, crash, record, sleep
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration


def ran(rig: Rig) -> dict[int, int]:
    counts: dict[int, int] = {}
    for event in rig.events():
        if event["event"] == "ran":
            counts[event["n"]] = counts.get(event["n"], 0) + 1
    return counts


def started(rig: Rig, n: int) -> list[dict[str, Any]]:
    return [e for e in rig.events() if e["event"] == "started" and e["n"] == n]


def test_a_task_longer_than_the_visibility_timeout_runs_once_with_the_default_heartbeat(
    rig: Rig,
) -> None:
    """Scaled down from: interval 8 s, --processes 2 --visibility-timeout 4, a 12 s task ran
    twice. With the default heartbeat (a third of the visibility timeout) it runs once."""
    worker = rig.start_worker("--processes", "2", "--visibility-timeout", "2")
    worker.wait_listening(consumers=2)
    sleep.dispatch(1, 6.0)
    settle(lambda: ran(rig).get(1), "the 6 s task to finish", timeout=30)
    time.sleep(2.5)  # a second start would come one visibility timeout after the first
    assert len(started(rig, 1)) == 1, rig.events()
    assert unexpected_tracebacks(rig.logs()) == 0


def test_a_heartbeat_that_cannot_keep_messages_hidden_is_refused_at_start(rig: Rig) -> None:
    worker = rig.start_worker(
        "--processes", "2", "--visibility-timeout", "4", TASKHAWK_HEARTBEAT_INTERVAL_S="8"
    )
    assert worker.wait(timeout=30) == 2
    assert "TASKHAWK_HEARTBEAT_INTERVAL_S=8.0 cannot keep messages hidden for 4s" in worker.log
    assert "Traceback" not in worker.log and "consumer listening" not in worker.log


def test_a_finished_message_is_deleted_while_its_batch_mate_still_runs(rig: Rig) -> None:
    """Worker A takes [a 0.1 s task, an 8 s task] in one receive; idle worker B must never
    see the short one again (its delete used to wait for the long one to end)."""
    sleep.dispatch(1, 0.1)
    sleep.dispatch(2, 8.0)
    first = rig.start_worker(
        "--num-messages", "2", "--visibility-timeout", "3", TASKHAWK_HEARTBEAT_INTERVAL_S="1"
    )
    settle(lambda: started(rig, 2), "the long task to start on worker A", timeout=30)
    second = rig.start_worker("--visibility-timeout", "3")
    second.wait_listening()
    settle(lambda: ran(rig).get(2), "the long task to finish", timeout=30)
    assert len(started(rig, 1)) == 1 and len(started(rig, 2)) == 1, rig.events()
    assert rig.counts(rig.main) == (0, 0)
    assert unexpected_tracebacks(first.log + second.log) == 0


@pytest.mark.max_receive_count(4)
def test_a_task_that_kills_its_process_goes_to_the_dlq_alone(rig: Rig) -> None:
    """One task SIGKILLs its own process in a batch of ten: the other nine each run exactly
    once, and the crasher alone reaches the DLQ, with a reason naming the crash (it used to
    take all ten there, none of the nine having run)."""
    with taskhawk.batch():
        for n in range(4):
            record.dispatch(n)
        crash.dispatch(4)
        for n in range(5, 10):
            record.dispatch(n)
    worker = rig.start_worker(
        "--processes", "2", "--num-messages", "10", "--visibility-timeout", "3"
    )
    dead = settle(lambda: take_all(rig.endpoint, rig.urls[rig.dlq]), "the crasher in the DLQ", 60)
    counts = ran(rig)
    assert counts == {n: 1 for n in range(10) if n != 4}, rig.events()
    (letter,) = dead
    assert json.loads(letter["Body"])["args"] == [4]
    reason = letter["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"]
    assert (
        reason
        == "the task killed its worker process 2 times (last: killed by SIGKILL); not run again"
    )
    assert len(started(rig, 4)) == 2
    # The original's delete follows its dead-letter copy: a loaded machine may show it between.
    settle(lambda: rig.counts(rig.main) == (0, 0), "the main queue to be empty", 10)
    record_figures(
        "crash_in_batch",
        {"innocent_ran_once": len(counts), "crasher_starts": 2, "dead_lettered": len(dead)},
    )
    assert "released" in worker.log


@pytest.fixture
def proxy(moto_endpoint: str) -> Iterator[CountingProxy]:
    proxy = CountingProxy(moto_endpoint)
    yield proxy
    proxy.close()


def test_deletes_failing_in_an_outage_are_retried_and_nothing_runs_twice(
    rig: Rig, proxy: CountingProxy
) -> None:
    """Every DeleteMessageBatch fails for 3 s (shorter than the 8 s visibility timeout): the
    finished messages stay hidden and are deleted once the endpoint recovers."""
    worker = rig.start_worker(
        "--num-messages", "10", "--visibility-timeout", "8", sqs_endpoint=proxy.url,
        AWS_READ_TIMEOUT_S="1", AWS_CONNECT_TIMEOUT_S="1",
    )  # fmt: skip
    worker.wait_listening()
    runs = RunLog(rig.state / EVENTS)
    with proxy.fault_actions("error", {"DeleteMessageBatch"}):
        record.dispatch_many(((n,), {}) for n in range(20))
        settle(lambda: len(runs.update()) == 20, "20 tasks to run", timeout=30)
        time.sleep(3)
    settle(lambda: rig.counts(rig.main) == (0, 0), "every message deleted", timeout=20)
    time.sleep(9)  # longer than the visibility timeout: an undeleted message would come back
    runs.update()
    assert {n: len(events) for n, events in runs.runs.items()} == {n: 1 for n in range(20)}
    assert proxy.actions["error", "DeleteMessageBatch"] >= 1
    assert "retried while still hidden" in worker.log
    record_figures(
        "deletes_in_outage",
        {
            "tasks": 20,
            "ran_twice": 0,
            "failed_delete_requests": proxy.actions["error", "DeleteMessageBatch"],
        },
    )

"""Messages not due yet (format 1.1 `eta`) while their workers are SIGKILLed again and again:
each task runs exactly once, never before its eta. A deferral is one visibility change, so
there is no moment at which a kill leaves two copies (a send-back and its delete were two
calls, and a kill between them ran the task twice)."""

from __future__ import annotations

import json
import random
import time
import uuid

import pytest

from tests.conftest import boto_client
from tests.reliability.conftest import Rig, RunLog, settle
from tests.reliability.tasks import EVENTS
from tests.support.figures import record_figures
from tests.support.worker_rig import kill_group

pytestmark = pytest.mark.integration

TASKS = 10
KILLS = 3
DUE_IN_S = 8.0


def eta_body(n: int, eta_ms: int) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {
                "priority": "default",
                "timestamp": int(time.time() * 1000),
                "version": "1.1",
                "eta": eta_ms,
            },
            "headers": {},
            "task": "rel.record",
            "args": [n],
            "kwargs": {},
        }
    )


def test_kills_during_deferrals_never_run_a_task_twice(rig: Rig) -> None:
    eta_ms = int((time.time() + DUE_IN_S) * 1000)
    sqs = boto_client("sqs", rig.endpoint)
    for n in range(TASKS):
        sqs.send_message(QueueUrl=rig.urls[rig.main], MessageBody=eta_body(n, eta_ms))
    runs = RunLog(rig.state / EVENTS)
    deferrals = 0
    for _ in range(KILLS):  # each worker defers what it receives, then dies at a random moment
        worker = rig.start_worker("--num-messages", "10", "--visibility-timeout", "2")
        worker.wait_listening()
        time.sleep(random.uniform(0.0, 1.0))
        kill_group(worker.process)
        deferrals += worker.log.count("task not due yet")
    last = rig.start_worker("--num-messages", "10", "--visibility-timeout", "2")
    settle(lambda: len(runs.update()) == TASKS, "every task to run", timeout=60)
    settle(lambda: rig.counts(rig.main) == (0, 0), "the queue to empty", timeout=30)
    time.sleep(3)  # a second copy, had there been one, would have come back by now
    ran = runs.update()
    assert all(len(events) == 1 for events in ran.values()), ran
    log = rig.logs()
    early = [e for events in ran.values() for e in events if e["at"] * 1000 < eta_ms - 1000]
    assert early == []  # never run before its eta (the consumer allows a second of skew)
    assert "deferral=sent_back" not in log and "sent back delayed" not in log
    assert rig.counts(rig.dlq) == (0, 0)
    record_figures(
        "deferral_kills",
        {
            "tasks": TASKS,
            "kills": KILLS,
            "deferrals_logged": deferrals + last.log.count("task not due yet"),
            "ran_twice": sum(len(events) > 1 for events in ran.values()),
            "sent_back": 0,
        },
    )

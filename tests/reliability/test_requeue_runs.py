"""`taskhawk requeue-dlq` against a live system: it moves what was in the DLQ when it started,
never the same message twice, and ends, while a worker dead-letters poison again and while
producers keep writing to the DLQ."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
import uuid

import pytest

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE
from tests.conftest import boto_client
from tests.reliability.conftest import ROOT, Rig, settle, take_all
from tests.support.figures import record_figures

pytestmark = pytest.mark.integration


def poison_body(n: int) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": "default", "timestamp": 1795831712266, "version": "1.0"},
            "headers": {},
            "task": f"rel.never_registered_{n}",
            "args": [],
            "kwargs": {},
        }
    )


def record_body(n: int) -> str:
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "metadata": {"priority": "default", "timestamp": 1795831712266, "version": "1.0"},
            "headers": {},
            "task": "rel.record",
            "args": [n],
            "kwargs": {},
        }
    )


def requeue(rig: Rig, timeout: float, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "taskhawk.cli", "requeue-dlq", "--priority", "default"]
    command += ["--settings", "tests.reliability.worker_settings", *options]
    return subprocess.run(
        command, env=rig.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


def test_requeue_ends_while_a_worker_dead_letters_the_poison_again(rig: Rig) -> None:
    """It used to run "until the DLQ is empty": 4,907 dead-letterings of 3 messages in 60 s."""
    sqs = boto_client("sqs", rig.endpoint)
    for n in range(3):
        attributes = {REASON_ATTRIBUTE: {"DataType": "String", "StringValue": "unknown task"}}
        sqs.send_message(
            QueueUrl=rig.urls[rig.dlq], MessageBody=poison_body(n), MessageAttributes=attributes
        )
    worker = rig.start_worker()
    worker.wait_listening()
    started = time.monotonic()
    result = requeue(rig, 60, "--unknown-tasks")  # their names, knowingly
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert re.search(r"^requeued 3 messages from \S+ to \S+$", result.stdout, re.M), result.stdout
    settle(lambda: worker.log.count("message dead-lettered") == 3, "poison dead-lettered", 30)
    time.sleep(2)
    assert worker.log.count("message dead-lettered") == 3  # each moved once, no loop
    dead = take_all(rig.endpoint, rig.urls[rig.dlq])
    assert len(dead) == 3
    assert all(
        m["MessageAttributes"][REASON_ATTRIBUTE]["StringValue"].startswith("unknown task")
        for m in dead
    )
    record_figures("requeue_with_poison", {"poison": 3, "dead_letterings": 3, "seconds": took})


def test_requeue_while_producers_write_to_the_dlq_loses_and_doubles_nothing(rig: Rig) -> None:
    sqs = boto_client("sqs", rig.endpoint)
    dlq = rig.urls[rig.dlq]
    for n in range(30):
        sqs.send_message(QueueUrl=dlq, MessageBody=record_body(n))
    time.sleep(0.05)  # the queue's clock has moved past every message sent so far
    stop = threading.Event()
    produced: list[int] = []

    def produce() -> None:
        n = 1000
        while not stop.is_set():
            sqs.send_message(QueueUrl=dlq, MessageBody=record_body(n))
            produced.append(n)
            n += 1
            time.sleep(0.02)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        result = requeue(rig, timeout=90)
    finally:
        stop.set()
        producer.join(10)
    assert result.returncode == 0, result.stderr
    moved = [json.loads(m["Body"])["args"][0] for m in take_all(rig.endpoint, rig.urls[rig.main])]
    left = [json.loads(m["Body"])["args"][0] for m in take_all(rig.endpoint, dlq)]
    assert sorted(moved + left) == sorted([*range(30), *produced])  # nothing lost or doubled
    assert set(range(30)) <= set(moved)  # everything there at the start was moved
    assert f"requeued {len(moved)} messages" in result.stdout
    record_figures(
        "requeue_with_producers",
        {"at_start": 30, "written_during": len(produced), "moved": len(moved), "left": len(left)},
    )

"""Format 1.1 in a running fleet, over HTTP against the local endpoint.

- A dispatch with a two-hour delay leaves a valid 1.1 message sent with DelaySeconds 900; a plain
  dispatch leaves a 1.0 message of exactly the shape it always had.
- A mixed fleet: upstream Taskhawk 4.7.0 (a consumer that reads 1.0 only) runs the plain tasks
  this library publishes; a 1.1 message that reaches it ends in the dead-letter queue, not lost,
  and runs once `taskhawk requeue-dlq` hands it to an upgraded worker (this library's).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from moto.sqs.models import sqs_backends

import taskhawk
from taskhawk.priority import Priority
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import ACCOUNT_ID, REGION, drain
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.fleet_tasks import record
from tests.support.worker_rig import kill_group
from tools.bench.peers_env import peer_python

pytestmark = pytest.mark.integration


def queued(stack: Stack, name: str) -> list[Any]:
    """moto's own records of the messages on a queue (delayed ones included)."""
    return list(sqs_backends[ACCOUNT_ID][REGION].get_queue(name)._messages)


def test_a_two_hour_delay_is_a_1_1_message_sent_with_delay_900_and_a_plain_one_is_1_0(
    stack: Stack,
) -> None:
    main = queue_name(stack.queue, Priority.default)
    record.with_delay(timedelta(hours=2)).dispatch(1, "later")
    record.dispatch(2, "now")
    delayed, plain = queued(stack, main)
    assert round((delayed.delayed_until - delayed.sent_timestamp) / 1000) == 900  # DelaySeconds
    body = json.loads(delayed.body)
    assert body["metadata"]["version"] == "1.1"
    assert body["metadata"]["eta"] - body["metadata"]["timestamp"] == 7_200_000
    assert taskhawk.wire.decode(delayed.body).metadata.version == "1.1"
    plain_body = json.loads(plain.body)
    assert list(plain_body) == ["id", "metadata", "headers", "task", "args", "kwargs"]
    assert list(plain_body["metadata"]) == ["priority", "timestamp", "version"]
    assert plain_body["metadata"]["version"] == "1.0"
    assert plain.delayed_until <= plain.sent_timestamp


@pytest.fixture
def upstream_python() -> Path:
    return peer_python("upstream")


def start_upstream(stack: Stack, python: Path, events: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLEET_ENDPOINT": stack.endpoint,
        "FLEET_QUEUE": stack.queue,
        "FLEET_EVENTS": str(events),
        "PYTHONPATH": "",
    }
    with (stack.state / "upstream.log").open("wb") as log:
        return subprocess.Popen(
            [str(python), str(Path(__file__).with_name("upstream_fleet_worker.py"))],
            env=env,
            cwd=stack.state,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def ran(events: Path) -> list[dict[str, Any]]:
    if not events.exists():
        return []
    return [json.loads(line) for line in events.read_text().splitlines() if line]


@pytest.fixture
def fleet_events(stack: Stack) -> Iterator[Path]:
    events = stack.state / "fleet.jsonl"
    stack.env["FLEET_EVENTS"] = str(events)
    os.environ["FLEET_EVENTS"] = str(events)  # for tasks run in this process
    yield events
    os.environ.pop("FLEET_EVENTS", None)


def test_a_mixed_fleet_runs_1_0_on_upstream_and_keeps_1_1_until_an_upgraded_worker_reads_it(
    stack: Stack, upstream_python: Path, fleet_events: Path
) -> None:
    upstream = start_upstream(stack, upstream_python, fleet_events)
    try:
        for n in range(3):
            record.dispatch(n, "plain")
        wait_for(lambda: len(ran(fleet_events)) == 3, "upstream to run the plain tasks", 60)
        assert {(e["n"], e["by"]) for e in ran(fleet_events)} == {
            (n, "upstream-4.7") for n in range(3)
        }
        record.with_expires(timedelta(hours=1)).dispatch(10, "needs 1.1")
        dlq = stack.urls[dead_letter_queue_name(stack.queue, Priority.default)]
        dead = wait_for(lambda: drain(stack.endpoint, dlq), "the 1.1 message in the DLQ", 90)
    finally:
        upstream.send_signal(signal.SIGTERM)
        kill_group(upstream)
    (letter,) = dead
    assert json.loads(letter["Body"])["metadata"]["version"] == "1.1"
    assert [e for e in ran(fleet_events) if e["n"] == 10] == []  # upstream never ran it

    worker = stack.start_worker("--import", "tests.integration.fleet_tasks")
    worker.wait_listening()
    command = [sys.executable, "-m", "taskhawk.cli", "requeue-dlq", "--priority", "default"]
    requeued = subprocess.run(
        command, env=stack.env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert requeued.returncode == 0, requeued.stderr
    assert "requeued 1 messages" in requeued.stdout
    wait_for(lambda: any(e["n"] == 10 for e in ran(fleet_events)), "the 1.1 task to run", 30)
    assert [(e["n"], e["by"]) for e in ran(fleet_events) if e["n"] == 10] == [(10, "taskhawk")]

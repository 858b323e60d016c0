"""Observability with real `taskhawk worker` subprocesses over HTTP: one trace from a dispatch in
this process to the task in a worker process, upstream's heartbeat hook on schedule (failing, and
the worker goes on), and the health file going stale while a process hangs."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from opentelemetry import trace

from tests.conftest import REGION, SECRET_KEY
from tests.integration.conftest import ROOT, Stack, wait_for
from tests.integration.observed_tasks import hang, traced
from tests.support.otel import SPANS_ENV, collecting

pytestmark = pytest.mark.integration
tracer = trace.get_tracer("tests")
OBSERVED = ("--import", "tests.integration.observed_tasks")
NODE_PROGRAM = ROOT / "tests" / "integration" / "node_traced_publisher.mjs"


def token() -> str:
    return uuid.uuid4().hex[:8]


def lines(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def test_one_trace_from_a_dispatch_through_a_worker_process_to_the_task(stack: Stack) -> None:
    spans_file = stack.state / "spans.jsonl"
    stack.env[SPANS_ENV] = str(spans_file)
    worker = stack.start_worker(*OBSERVED)
    worker.wait_listening()
    with collecting() as otel:
        with tracer.start_as_current_span("request"):
            message_id = traced.dispatch(token())
        [send] = [span for span in otel.finished() if span.name.startswith("send ")]
    assert send.context is not None
    trace_id, send_id = f"{send.context.trace_id:032x}", f"{send.context.span_id:016x}"

    def worker_spans() -> list[dict[str, Any]]:
        found = [s for s in lines(spans_file) if s["trace_id"] == trace_id]
        return found if len(found) == 2 else []

    spans = {s["name"]: s for s in wait_for(worker_spans, f"the worker's spans\n{worker.log}")}
    process = spans[f"process TASKHAWK-{stack.queue}"]
    assert process["kind"] == "CONSUMER" and process["pid"] != os.getpid()
    assert process["parent_id"] == send_id and process["links"] == [send_id]
    assert process["attributes"]["messaging.message.id"] == message_id
    assert process["attributes"]["taskhawk.task"] == "it.traced"
    assert process["attributes"]["taskhawk.outcome"] == "succeeded"
    assert spans["traced work"]["parent_id"] == process["span_id"]


def test_one_trace_from_a_node_publish_to_the_task_in_a_python_worker(stack: Stack) -> None:
    spans_file = stack.state / "spans.jsonl"
    stack.env[SPANS_ENV] = str(spans_file)
    worker = stack.start_worker(*OBSERVED)
    worker.wait_listening()
    plan = {
        "endpoint": stack.endpoint, "region": REGION, "accessKeyId": "testing",
        "secretAccessKey": SECRET_KEY, "queue": stack.queue, "token": token(),
    }  # fmt: skip
    result = subprocess.run(
        [shutil.which("node") or "node", str(NODE_PROGRAM)],
        input=json.dumps(plan), capture_output=True, text=True, timeout=60, check=False, cwd=ROOT,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    published = json.loads(result.stdout)
    assert published["name"] == f"send TASKHAWK-{stack.queue}"

    def worker_spans() -> list[dict[str, Any]]:
        found = [s for s in lines(spans_file) if s["trace_id"] == published["trace_id"]]
        return found if len(found) == 2 else []

    spans = {s["name"]: s for s in wait_for(worker_spans, f"the worker's spans\n{worker.log}")}
    process = spans[f"process TASKHAWK-{stack.queue}"]
    assert process["parent_id"] == published["span_id"]
    assert process["links"] == [published["span_id"]]
    assert process["attributes"]["messaging.message.id"] == published["message_id"]
    assert spans["traced work"]["parent_id"] == process["span_id"]


def test_a_failing_heartbeat_hook_is_called_on_schedule_and_the_worker_goes_on(
    stack: Stack,
) -> None:
    worker = stack.start_worker(
        *OBSERVED, "--settings", "tests.integration.observed_settings", "--processes", "2"
    )
    worker.wait_listening(consumers=2)
    calls_file = stack.state / "heartbeats.jsonl"

    def calls_by_process() -> dict[int, list[float]]:
        found: dict[int, list[float]] = defaultdict(list)
        for call in lines(calls_file):
            found[call["pid"]].append(call["at"])
        return found if len(found) == 2 and min(map(len, found.values())) >= 6 else {}

    by_process = wait_for(calls_by_process, f"six calls in each process\n{worker.log}")
    for calls in by_process.values():
        gaps = [later - earlier for earlier, later in itertools.pairwise(calls)]
        assert all(0.2 <= gap <= 1.0 for gap in gaps), gaps
    assert "heartbeat hook failed; next call in 0.25s" in worker.log
    assert "RuntimeError: health endpoint down" in worker.log
    done = token()
    traced.dispatch(done)
    wait_for(lambda: stack.events(done), f"the task to run despite the hook\n{worker.log}")
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0


def test_the_health_file_goes_stale_while_a_process_hangs(stack: Stack) -> None:
    health = stack.state / "alive"
    worker = stack.start_worker(*OBSERVED, "--processes", "2", "--health-file", str(health))
    worker.wait_listening(consumers=2)

    def age() -> float:
        return time.time() - health.stat().st_mtime

    wait_for(lambda: health.exists() and age() < 2.5, "a fresh health file")
    stuck = token()
    hang.dispatch(stuck)
    [hanging] = wait_for(lambda: stack.events(stuck), f"the task to hang\n{worker.log}")
    wait_for(lambda: age() > 4, "the health file to go stale", timeout=15)
    lively = token()
    traced.dispatch(lively)
    [ran] = wait_for(lambda: stack.events(lively), f"the other process to work\n{worker.log}")
    assert ran["pid"] != hanging["pid"]
    assert age() > 4  # one lively process does not make the worker healthy
    (stack.state / f"release-{stuck}").touch()
    wait_for(lambda: len(stack.events(stuck)) == 2, "the task to be released")
    wait_for(lambda: age() < 2.5, "the health file to be fresh again")
    worker.signal(signal.SIGTERM)
    assert worker.wait() == 0

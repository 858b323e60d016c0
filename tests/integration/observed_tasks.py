"""Tasks and a heartbeat hook for the observability tests' worker subprocesses: spans go to
$TASKHAWK_TEST_SPANS (one JSON line each), hook calls and task events to $TASKHAWK_IT_STATE."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from opentelemetry import trace

from taskhawk import task
from tests.integration.tasks import record
from tests.support.otel import install_file_exporter

install_file_exporter()
tracer = trace.get_tracer("tests.integration.observed_tasks")


@task(name="it.traced")
def traced(token: str) -> None:
    with tracer.start_as_current_span("traced work"):
        record("ran", token)


@task(name="it.hang")
def hang(token: str) -> None:
    """Runs until the test creates `release-<token>` in the state directory (at most a minute)."""
    record("hanging", token)
    release = Path(os.environ["TASKHAWK_IT_STATE"]) / f"release-{token}"
    deadline = time.monotonic() + 60
    while not release.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    record("released", token)


def failing_heartbeat() -> None:
    """Upstream's heartbeat hook, failing every time after noting the call."""
    line = json.dumps({"pid": os.getpid(), "at": time.time()})
    with (Path(os.environ["TASKHAWK_IT_STATE"]) / "heartbeats.jsonl").open("a") as out:
        out.write(line + "\n")
    raise RuntimeError("health endpoint down")

"""Reliability suite: real `taskhawk worker` processes against the session's moto server, faults
between them, hostile bodies, and the figures each test measured.

Every worker is started in its own process group and killed with the whole group at teardown,
whatever happened. The figures go to build/reliability/summary.json and to the end of the pytest
report (so they show without -s).
"""

from __future__ import annotations

import json
import os
import signal
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from taskhawk.admin.devserver_sqs import sqs_promises_kept
from taskhawk.priority import Priority
from taskhawk.transport.current import use_transport
from taskhawk.transport.memory import MemoryTransport
from taskhawk.transport.naming import dead_letter_queue_name, queue_name
from tests.conftest import aws_settings, boto_client, create_queues
from tests.reliability.tasks import EVENTS
from tests.support import worker_rig
from tests.support.worker_rig import kill_group, wait_for

ROOT = Path(__file__).resolve().parents[2]
MAX_RECEIVE_COUNT = 6  # faults and kills add receives; a good task must never reach the DLQ
TRACEBACK = "Traceback (most recent call last)"


@pytest.fixture(autouse=True)
def _sqs_promises() -> Iterator[None]:
    """The session's moto server with the dev-server's changes: what SQS promises."""
    with sqs_promises_kept():
        yield


class Worker(worker_rig.Worker):
    def wait_listening(self, consumers: int = 1, timeout: float = 30.0) -> None:
        super().wait_listening(consumers, timeout)

    def consumer_pids(self) -> list[int]:
        """Live consumer children (not multiprocessing's resource tracker), oldest first."""
        found: list[tuple[int, int]] = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid and fields[0] != "Z" and b"spawn_main" in cmdline:
                found.append((int(fields[19]), int(stat.parent.name)))  # (start time, pid)
        return [pid for _, pid in sorted(found)]

    def stop(self, timeout: float = 60.0, *, group: bool = False) -> int:
        """SIGTERM (graceful) to the worker, or to its whole process group as a service manager
        does; the exit status."""
        if group:
            os.killpg(self.process.pid, signal.SIGTERM)
        else:
            os.kill(self.process.pid, signal.SIGTERM)
        return self.process.wait(timeout)


@dataclass
class Rig(worker_rig.Endpoint):
    workers: list[Worker] = field(default_factory=list)

    @property
    def main(self) -> str:
        return queue_name(self.queue, Priority.default)

    @property
    def dlq(self) -> str:
        return dead_letter_queue_name(self.queue, Priority.default)

    def start_worker(self, *args: str, sqs_endpoint: str | None = None, **env: str) -> Worker:
        log_path = self.state / f"worker-{len(self.workers)}.log"
        arguments = ["--settings", "tests.reliability.worker_settings"]
        arguments += ["--import", "tests.reliability.tasks", *args]
        process_env = {**self.env, **env}
        if sqs_endpoint is not None:
            process_env["AWS_ENDPOINT_SQS"] = sqs_endpoint
        worker = worker_rig.start_worker(Worker, arguments, process_env, log_path)
        self.workers.append(worker)
        return worker

    def logs(self) -> str:
        return "\n".join(worker.log for worker in self.workers)

    def events(self) -> list[dict[str, Any]]:
        path = self.state / EVENTS
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]


class RunLog:
    """Reads events.jsonl incrementally: which task numbers ran, and in which processes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self.runs: dict[int, list[dict[str, Any]]] = {}
        self.last_pid: int | None = None

    def update(self) -> dict[int, list[dict[str, Any]]]:
        try:
            with self.path.open("rb") as source:
                source.seek(self._offset)
                chunk = source.read()
        except FileNotFoundError:
            return self.runs
        complete = chunk[: chunk.rfind(b"\n") + 1]
        self._offset += len(complete)
        for line in complete.splitlines():
            event = json.loads(line)
            if event["event"] == "ran":
                self.runs.setdefault(event["n"], []).append(event)
                self.last_pid = event["pid"]
        return self.runs


def take_all(endpoint: str, url: str, attempts: int = 3) -> list[dict[str, Any]]:
    """Receive and delete everything visible on a queue (keeps a DLQ shallow while counting)."""
    sqs = boto_client("sqs", endpoint)
    taken: list[dict[str, Any]] = []
    empty = 0
    while empty < attempts:
        response = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            VisibilityTimeout=60,
            MessageAttributeNames=["All"],
        )
        messages = response.get("Messages", [])
        if not messages:
            empty += 1
            continue
        sqs.delete_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ],
        )
        taken.extend(messages)
    return taken


@pytest.fixture
def rig(
    moto_endpoint: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> Iterator[Rig]:
    """Fresh queues (redrive after MAX_RECEIVE_COUNT, or the test's
    `@pytest.mark.max_receive_count(n)`), taskhawk configured against moto for dispatching,
    a state directory for the tasks, and workers killed at teardown."""
    marker = request.node.get_closest_marker("max_receive_count")
    max_receive_count = marker.args[0] if marker else MAX_RECEIVE_COUNT
    queue = f"REL{uuid.uuid4().hex[:10].upper()}"
    urls = create_queues(moto_endpoint, queue, max_receive_count=max_receive_count)
    settings = aws_settings(moto_endpoint, queue, TASKHAWK_MAX_RECEIVE_COUNT=max_receive_count)
    taskhawk.configure(settings)
    monkeypatch.setenv("TASKHAWK_REL_STATE", str(tmp_path))  # for tasks run in this process
    env = {
        **os.environ,
        **{name: str(value) for name, value in settings.items()},
        "TASKHAWK_REL_STATE": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    env.pop("SETTINGS_MODULE", None)
    built = Rig(moto_endpoint, queue, urls, tmp_path, env)
    try:
        yield built
    finally:
        for worker in built.workers:  # the whole process group: parent and children
            kill_group(worker.process)


def unexpected_tracebacks(log: str) -> int:
    """Tracebacks not explained by a task's own failure (each `task failed` line has one)."""
    return log.count(TRACEBACK) - log.count("task failed: ")


def settle(condition: Any, what: str, timeout: float) -> Any:
    """wait_for with a polling interval kinder to moto than 0.1 s."""
    return wait_for(condition, what, timeout, interval=0.25)


@contextmanager
def memory_app(
    app: str, state: Path, monkeypatch: pytest.MonkeyPatch, backoff_s: int
) -> Iterator[MemoryTransport]:
    """An in-memory app whose default queue redrives after 4 receives; tasks write to `state`."""
    monkeypatch.setenv("TASKHAWK_REL_STATE", str(state))
    transport = MemoryTransport()
    transport.create_queue(
        queue_name(app, Priority.default),
        dead_letter=dead_letter_queue_name(app, Priority.default),
        max_receive_count=4,
    )
    taskhawk.configure(TASKHAWK_QUEUE=app, TASKHAWK_RETRY_BACKOFF_BASE_S=backoff_s)
    with use_transport(transport):
        yield transport

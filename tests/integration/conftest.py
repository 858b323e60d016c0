"""Real `taskhawk worker` subprocesses against the session's moto server, over HTTP.

Each test gets fresh queues (redrive after 2 receives, so dead-lettering takes seconds), a state
directory the tasks write their events to, and workers that are killed at teardown whatever
happened, so no process outlives its test.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from tests.conftest import aws_settings, boto_client, create_queues
from tests.support import worker_rig
from tests.support.worker_rig import ROOT, alive, kill_group, wait_for

__all__ = ["ROOT", "Stack", "Worker", "alive", "wait_for"]

MAX_RECEIVE_COUNT = 2


class Worker(worker_rig.Worker):
    def children(self) -> list[int]:
        """Pids of the worker's child processes (Linux /proc)."""
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found


@dataclass
class Stack(worker_rig.Endpoint):
    workers: list[Worker] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.urls[name]

    def start_worker(self, *args: str) -> Worker:
        log_path = self.state / f"worker-{len(self.workers)}.log"
        arguments = ["--import", "tests.integration.tasks", *args]
        worker = worker_rig.start_worker(Worker, arguments, self.env, log_path)
        self.workers.append(worker)
        return worker

    def events(self, token: str | None = None) -> list[dict[str, Any]]:
        path = self.state / "events.jsonl"
        if not path.exists():
            return []
        lines = [json.loads(line) for line in path.read_text().splitlines() if line]
        return [e for e in lines if token is None or e["token"] == token]

    def send_raw(self, name: str, body: str, attributes: dict[str, str] | None = None) -> None:
        boto_client("sqs", self.endpoint).send_message(
            QueueUrl=self.urls[name],
            MessageBody=body,
            MessageAttributes={
                key: {"DataType": "String", "StringValue": value}
                for key, value in (attributes or {}).items()
            },
        )


@pytest.fixture
def stack(moto_endpoint: str, tmp_path: Path) -> Iterator[Stack]:
    queue = f"IT{uuid.uuid4().hex[:10].upper()}"
    urls = create_queues(moto_endpoint, queue, max_receive_count=MAX_RECEIVE_COUNT)
    settings = aws_settings(moto_endpoint, queue)
    taskhawk.configure(settings)
    env = {
        **os.environ,
        **{name: str(value) for name, value in settings.items()},
        "SETTINGS_MODULE": "tests.integration.worker_settings",
        "TASKHAWK_IT_STATE": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    built = Stack(moto_endpoint, queue, urls, tmp_path, env)
    try:
        yield built
    finally:
        for worker in built.workers:  # the whole process group: parent and children
            kill_group(worker.process)

"""Real `taskhawk worker` subprocesses against the session's moto server, over HTTP.

Each test gets fresh queues (redrive after 2 receives, so dead-lettering takes seconds), a state
directory the tasks write their events to, and workers that are killed at teardown whatever
happened, so no process outlives its test.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import taskhawk
from tests.conftest import aws_settings, boto_client, create_queues

ROOT = Path(__file__).resolve().parents[2]
MAX_RECEIVE_COUNT = 2


def wait_for(condition: Callable[[], Any], what: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_listening(self, consumers: int = 1) -> None:
        wait_for(
            lambda: self.log.count("consumer listening on") >= consumers,
            f"{consumers} consumers to listen\n{self.log}",
        )

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

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float = 45.0) -> int:
        return self.process.wait(timeout)


@dataclass
class Stack:
    endpoint: str
    queue: str
    urls: dict[str, str]
    state: Path
    env: dict[str, str]
    workers: list[Worker] = field(default_factory=list)

    def url(self, name: str) -> str:
        return self.urls[name]

    def start_worker(self, *args: str) -> Worker:
        log_path = self.state / f"worker-{len(self.workers)}.log"
        command = [
            sys.executable,
            "-m",
            "taskhawk.cli",
            "worker",
            "--import",
            "tests.integration.tasks",
        ]
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [*command, *args],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log_path)
        self.workers.append(worker)
        return worker

    def events(self, token: str | None = None) -> list[dict[str, Any]]:
        path = self.state / "events.jsonl"
        if not path.exists():
            return []
        lines = [json.loads(line) for line in path.read_text().splitlines() if line]
        return [e for e in lines if token is None or e["token"] == token]

    def counts(self, name: str) -> tuple[int, int]:
        """(visible, in flight) on a queue, as SQS reports them."""
        attributes = boto_client("sqs", self.endpoint).get_queue_attributes(
            QueueUrl=self.urls[name],
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return (
            int(attributes["ApproximateNumberOfMessages"]),
            int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        )

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
    yield built
    for worker in built.workers:  # the whole process group: parent and children
        try:
            os.killpg(worker.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        worker.process.wait(10)

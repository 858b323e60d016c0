"""Real `taskhawk worker` subprocesses for the integration and reliability suites.

A worker starts in its own process group with its output in a log file, so a test can read what
it said and a teardown can kill the parent and all its children at once, whatever happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from tests.conftest import boto_client

__all__ = [
    "ROOT",
    "Endpoint",
    "Worker",
    "alive",
    "kill_group",
    "queue_counts",
    "start_worker",
    "wait_for",
]

ROOT = Path(__file__).resolve().parents[2]
W = TypeVar("W", bound="Worker")


def wait_for(
    condition: Callable[[], Any], what: str, timeout: float = 20.0, interval: float = 0.1
) -> Any:
    """The condition's first truthy value; an AssertionError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


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

    def wait_listening(self, consumers: int = 1, timeout: float = 20.0) -> None:
        wait_for(
            lambda: self.log.count("consumer listening on") >= consumers,
            f"{consumers} consumers to listen\n{self.log}",
            timeout=timeout,
        )

    def signal(self, signum: int) -> None:
        os.kill(self.process.pid, signum)

    def wait(self, timeout: float = 45.0) -> int:
        return self.process.wait(timeout)


def start_worker(
    kind: type[W], arguments: Sequence[str], env: Mapping[str, str], log_path: Path
) -> W:
    """`taskhawk worker ARGUMENTS` in a new session, its output in `log_path`."""
    command = [sys.executable, "-m", "taskhawk.cli", "worker", *arguments]
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command,
            env=dict(env),
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return kind(process, log_path)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker's whole process group: parent and consumer children."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:  # pragma: no cover - reported, never left silently
        raise AssertionError(f"worker {process.pid} did not die after SIGKILL") from None


@cache
def _sqs(endpoint: str) -> Any:
    """One client per endpoint: tests poll queue depths many times a second, and building a
    client costs nearly as much as the request (boto3 clients are safe to share)."""
    return boto_client("sqs", endpoint)


def queue_counts(endpoint: str, url: str) -> tuple[int, int]:
    """(visible, in flight) on a queue, as SQS reports them."""
    attributes = _sqs(endpoint).get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return (
        int(attributes["ApproximateNumberOfMessages"]),
        int(attributes["ApproximateNumberOfMessagesNotVisible"]),
    )


@dataclass
class Endpoint:
    """A test's queues on the session's moto server, and what its worker processes are given."""

    endpoint: str
    queue: str
    urls: dict[str, str]
    state: Path
    env: dict[str, str]

    def counts(self, name: str) -> tuple[int, int]:
        """(visible, in flight) on one of the test's queues, as SQS reports them."""
        return queue_counts(self.endpoint, self.urls[name])

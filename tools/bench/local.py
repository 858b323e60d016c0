"""The benchmark's endpoint as the benchmark process sees it: started, provisioned, filled, gated.

`endpoint()` starts `tools.bench.endpoint` (moto behind a gate, its own process group) and
yields an `Endpoint`: boto3 clients on it, the gate's control calls, and `fill`, which puts
captured messages on a queue untimed (ten per request; on a FIFO queue each with its message
group and a fresh deduplication id, so a round repeating the same bodies is never dropped).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

import taskhawk
from taskhawk.admin.provision import provision as provision_app
from taskhawk.priority import Priority
from taskhawk.settings import Settings
from tools import ROOT
from tools.bench.workload import ACCOUNT, REGION, Completions

__all__ = [
    "CELERY_QUEUE",
    "DRAMATIQ_QUEUE",
    "FIFO_APP",
    "LIB_APP",
    "UP_APP",
    "Endpoint",
    "Queued",
    "configure_library",
    "endpoint",
    "fill_entry",
    "lib_settings",
    "provision",
    "stop_process",
]

LIB_APP = "BENCH-LIB"
FIFO_APP = "BENCH-FIFO"
UP_APP = "BENCH-UPSTREAM"
CELERY_QUEUE = "bench-celery"
DRAMATIQ_QUEUE = "bench-dramatiq"


@dataclass(frozen=True)
class Queued:
    """One captured message: its body, MessageAttributes as SendMessage takes them, and its
    FIFO message group (None on a standard queue)."""

    body: str
    attributes: dict[str, Any]
    group: str | None = None


@dataclass
class Endpoint:
    url: str
    process: subprocess.Popen[str]
    completions: Completions
    sqs: Any
    sns: Any

    def control(self, command: str, queue: str, timeout: float = 60, **params: Any) -> Any:
        query = urllib.parse.urlencode({"queue": queue, "timeout": timeout, **params})
        with urllib.request.urlopen(
            f"{self.url}/_bench/{command}?{query}", timeout=timeout + 10
        ) as answer:
            return json.loads(answer.read())

    def queue_url(self, name: str) -> str:
        return f"{self.url}/{ACCOUNT}/{name}"

    def topic_arn(self, name: str) -> str:
        return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"

    def purge(self, queue: str) -> None:
        self.sqs.purge_queue(QueueUrl=self.queue_url(queue))

    def fill(self, queue: str, messages: Sequence[Queued]) -> None:
        for start in range(0, len(messages), 10):
            entries = [fill_entry(str(i), m) for i, m in enumerate(messages[start : start + 10])]
            failed = self.sqs.send_message_batch(
                QueueUrl=self.queue_url(queue), Entries=entries
            ).get("Failed")
            if failed:
                raise RuntimeError(f"fill of {queue} failed: {failed}")


def fill_entry(entry_id: str, message: Queued) -> dict[str, Any]:
    entry = {"Id": entry_id, "MessageBody": message.body, "MessageAttributes": message.attributes}
    if message.group is not None:
        entry.update(MessageGroupId=message.group, MessageDeduplicationId=uuid.uuid4().hex)
    return entry


def stop_process(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """SIGTERM to the process group, SIGKILL after `grace` seconds."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        process.wait()


@contextmanager
def endpoint() -> Iterator[Endpoint]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tools.bench.endpoint", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    completions = Completions()
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("port "):
            raise RuntimeError(f"the endpoint did not start: {line!r}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        options: dict[str, Any] = {
            "endpoint_url": url,
            "region_name": REGION,
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        yield Endpoint(
            url,
            process,
            completions,
            boto3.client("sqs", **options),
            boto3.client("sns", **options),
        )
    finally:
        stop_process(process)
        completions.close()


def provision(point: Endpoint) -> None:
    """The library's (standard and FIFO) and upstream's queues, topics and raw subscriptions;
    the peers' queues."""
    for app, fifo in ((LIB_APP, False), (UP_APP, False), (FIFO_APP, True)):
        settings = Settings(**lib_settings(point.url, app, via_sns=False, fifo=fifo))
        provision_app([Priority.default], settings)
    for name in (CELERY_QUEUE, DRAMATIQ_QUEUE):
        point.sqs.create_queue(QueueName=name)


def lib_settings(url: str, app: str, via_sns: bool, fifo: bool = False) -> dict[str, Any]:
    return {
        "aws_endpoint_sqs": url,
        "aws_endpoint_sns": url,
        "aws_region": REGION,
        "aws_account_id": ACCOUNT,
        "aws_access_key": "testing",
        "aws_secret_key": "testing",
        "taskhawk_queue": app,
        "taskhawk_publish_via_sns": via_sns,
        "taskhawk_fifo": fifo,
    }


def configure_library(url: str, via_sns: bool, app: str = LIB_APP, fifo: bool = False) -> None:
    values = lib_settings(url, app, via_sns, fifo)
    taskhawk.configure({key.upper(): value for key, value in values.items()})

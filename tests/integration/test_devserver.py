"""`taskhawk dev-server` keeps the promises of SQS that taskhawk relies on (the same changes to
moto the test suite's endpoint gets): it refuses what SQS refuses at send, counts attributes
against the size limit, never hands a FIFO group's message out while another of the group is in
flight, and a FIFO app under `--processes 2` runs every group in order, run after run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from taskhawk.transport.limits import SQS_MAX_BYTES, transport_size
from tests.conftest import boto_client
from tests.support.cli import clean_env
from tests.support.worker_rig import ROOT, kill_group, wait_for

pytestmark = pytest.mark.integration

RUNS = 3
GROUPS = 4
PER_GROUP = 5

TASKS = """\
import json, os, time

import taskhawk


@taskhawk.task(name="dev.ordered")
def ordered(group: str, n: int) -> None:
    line = json.dumps({"group": group, "n": n, "pid": os.getpid()}) + "\\n"
    fd = os.open(os.environ["DEV_EVENTS"], os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    time.sleep(0.02)
"""


@pytest.fixture(scope="module")
def dev_server() -> Iterator[dict[str, Any]]:
    """A FIFO app's dev-server on a free port; the settings it printed."""
    command = [sys.executable, "-m", "taskhawk.cli", "dev-server", "--queue", "DEVFIFO"]
    command += ["--port", "0", "--format", "json", "--fifo"]
    env = clean_env()
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT, start_new_session=True
    )
    try:
        assert process.stdout is not None
        # With --format json stdout is the settings object alone, printed once the server
        # serves and its queues are provisioned (its comments go to stderr).
        line = process.stdout.readline()
        assert line.startswith("{"), f"the dev-server printed no settings: {line!r}"
        values: dict[str, Any] = json.loads(line)
        yield values
    finally:
        kill_group(process)  # type: ignore[arg-type]
        if process.stdout is not None:
            process.stdout.close()


def attributes(**values: str) -> dict[str, Any]:
    return {name: {"DataType": "String", "StringValue": v} for name, v in values.items()}


def test_sends_sqs_refuses_are_refused(dev_server: dict[str, Any]) -> None:
    endpoint = dev_server["AWS_ENDPOINT_SQS"]
    sqs = boto_client("sqs", endpoint)
    url = sqs.create_queue(QueueName=f"REFUSALS-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    header = {"request_id": "r" * 100}
    exact = "x" * (SQS_MAX_BYTES - transport_size("", header))
    assert transport_size(exact, header) == SQS_MAX_BYTES
    sqs.send_message(QueueUrl=url, MessageBody=exact, MessageAttributes=attributes(**header))
    refused = [
        {"MessageBody": exact + "x", "MessageAttributes": attributes(**header)},  # attributes count
        {"MessageBody": "bell \x07"},
        {"MessageBody": "ok", "MessageAttributes": attributes(tab="\x01")},
        {"MessageBody": "ok", "MessageAttributes": attributes(**{"aws.reserved": "1"})},
    ]
    for request in refused:
        with pytest.raises(ClientError) as caught:
            sqs.send_message(QueueUrl=url, **request)
        assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    entries = [{"Id": str(i), "MessageBody": "y" * (SQS_MAX_BYTES // 2)} for i in range(2)]
    entries[1]["MessageAttributes"] = attributes(a="b")  # type: ignore[assignment]
    with pytest.raises(ClientError):  # the batch's total counts attributes too
        sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


def test_concurrent_long_polls_never_hand_out_a_group_twice(dev_server: dict[str, Any]) -> None:
    """Two long polls started before a group's messages became visible: one gets the first
    message, the other nothing until it is settled (plain moto handed out the second one)."""
    sqs = boto_client("sqs", dev_server["AWS_ENDPOINT_SQS"])
    for _ in range(3):
        url = sqs.create_queue(
            QueueName=f"GROUP-{uuid.uuid4().hex[:8]}.fifo",
            Attributes={
                "FifoQueue": "true",
                "ContentBasedDeduplication": "true",
                "DelaySeconds": "1",  # both polls start while nothing is visible
            },
        )["QueueUrl"]
        for n in range(2):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{n}", MessageGroupId="g")
        got: list[str] = []

        def poll(url: str = url, got: list[str] = got) -> None:
            answer = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=1, WaitTimeSeconds=3, VisibilityTimeout=30
            )
            got.extend(message["Body"] for message in answer.get("Messages", []))

        threads = [threading.Thread(target=poll) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert got == ["m0"], got


def write_fifo_app(directory: Path, values: dict[str, Any]) -> Path:
    settings = {**values, "TASKHAWK_FIFO": True}
    text = "".join(f"{name} = {value!r}\n" for name, value in settings.items())
    (directory / "settings.py").write_text(text)
    (directory / "devtasks.py").write_text(TASKS)
    return directory / "events.jsonl"


def test_a_fifo_app_under_two_processes_keeps_every_group_in_order(
    dev_server: dict[str, Any], tmp_path: Path
) -> None:
    events = write_fifo_app(tmp_path, dev_server)
    env = clean_env(DEV_EVENTS=str(events), PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}")
    publish = [sys.executable, "-c", _PUBLISH, str(GROUPS), str(PER_GROUP)]
    worker = subprocess.Popen(
        [sys.executable, "-m", "taskhawk.cli", "worker", "--settings", "settings", "--import",
         "devtasks", "--processes", "2", "--num-messages", "10"],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        for run in range(RUNS):
            done = subprocess.run(
                [*publish, f"run{run}"],
                cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            expected = (run + 1) * GROUPS * PER_GROUP
            wait_for(lambda n=expected: _count(events) >= n, f"run {run} to finish", 90)
    finally:
        kill_group(worker)
    runs: dict[str, list[int]] = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        runs.setdefault(event["group"], []).append(event["n"])
    assert len(runs) == RUNS * GROUPS
    assert all(ns == list(range(PER_GROUP)) for ns in runs.values()), runs


_PUBLISH = """
import sys
import taskhawk
from devtasks import ordered
groups, per_group, run = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
taskhawk.configure(__import__("settings"))
with taskhawk.batch():
    for n in range(per_group):
        for g in range(groups):
            ordered.with_group(f"{run}-g{g}").dispatch(f"{run}-g{g}", n)
"""


def _count(events: Path) -> int:
    try:
        return len(events.read_text().splitlines())
    except FileNotFoundError:
        return 0

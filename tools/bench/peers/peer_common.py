"""Shared by the peer drivers (standard library and boto3 only, which every peer installs)."""

from __future__ import annotations

import argparse
import json
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3

ENDPOINT = os.environ.get("BENCH_ENDPOINT", "")
TASK_KWARGS: dict[str, Any] = json.loads(os.environ.get("BENCH_TASK_KWARGS", "{}"))
HEADERS: dict[str, str] = json.loads(os.environ.get("BENCH_HEADERS", "{}"))
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

_sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)


def notify() -> None:
    """One datagram per task run: the benchmark counts them."""
    _sender.sendto(
        struct.pack("d", time.monotonic()), ("127.0.0.1", int(os.environ["BENCH_UDP_PORT"]))
    )


def purge(queue_url: str) -> None:
    boto3.client("sqs", endpoint_url=ENDPOINT, region_name=REGION, **CREDENTIALS).purge_queue(
        QueueUrl=queue_url
    )


def timed_dispatch(dispatch: Callable[[], None], count: int, chunk: int, queue_url: str) -> None:
    """Dispatch `count` messages in chunks; the queue is purged (untimed) after each chunk so
    its depth stays shallow. Prints {"seconds", "count", "errors"} as JSON."""
    seconds, errors, done = 0.0, 0, 0
    while done < count:
        size = min(chunk, count - done)
        started = time.perf_counter()
        for _ in range(size):
            try:
                dispatch()
            except Exception:  # reported as shipped: counted, never hidden
                errors += 1
        seconds += time.perf_counter() - started
        done += size
        purge(queue_url)
    print(json.dumps({"seconds": seconds, "count": count, "errors": errors}), flush=True)


def capture(dispatch: Callable[[], None], count: int) -> None:
    errors = 0
    for _ in range(count):
        try:
            dispatch()
        except Exception:
            errors += 1
    print(json.dumps({"count": count, "errors": errors}), flush=True)


def in_memory_backends(command: str, row: str | None) -> bool:
    """Whether a driver command runs through in-memory backends: library-only, and the
    instructions command on that row. The cpu rows never do: they go through the AWS backends
    with botocore answered in-process."""
    return command == "library-only" or (command == "instructions" and row == "library-only")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "command",
        choices=["dispatch", "capture", "worker", "check", "cpu", "library-only", "instructions"],
    )
    parser.add_argument("--row", help="instructions: the row to run (a cpu row, or library-only)")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--chunk", type=int, default=50)
    parser.add_argument("--prefetch", type=int, default=10)
    parser.add_argument("--num-messages", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=7)
    return parser.parse_args(argv if argv is not None else sys.argv[1:])

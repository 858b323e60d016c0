"""Upstream Taskhawk 4.7's CPU per message and its library-only rate, measured as the library's.

Imported by upstream_driver.py once upstream's settings exist. The CPU rows use upstream's own
AWS backends with botocore answered in-process (`recording`); the library-only row swaps the
backends for the in-memory ones (`upstream_memory`). Logging is set up as `taskhawk worker`
sets up the library's: INFO and above, one text line per record, written to /dev/null.
"""

from __future__ import annotations

import functools
import json
import logging
import logging.config
import os
from collections.abc import Callable
from typing import Any

import peer_common
import timing
from recording import Recorder, recorded_aws
from taskhawk.backends.utils import get_consumer_backend
from taskhawk.models import Message

import taskhawk

QUEUE_URL = "http://127.0.0.1:9/123456789012/TASKHAWK-BENCH-UPSTREAM"
TEXT_FORMAT = "%(asctime)s %(levelname)-7s [%(processName)s] %(name)s: %(message)s"
CHUNK = 50  # messages dispatched, then consumed, per step of the library-only row
runs = [0]


@taskhawk.task(name="bench.cpu_send_email")
def cpu_send_email(to: str, subject: str, order_id: int) -> None:
    runs[0] += 1


def worker_logging(enabled: bool) -> None:
    root = logging.getLogger()
    if not enabled:
        root.handlers, root.level = [], logging.WARNING
        return
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"text": {"format": TEXT_FORMAT}},
            "handlers": {
                "sink": {
                    "class": "logging.StreamHandler",
                    "formatter": "text",
                    "stream": open(os.devnull, "w"),  # lives as long as the process
                }
            },
            "loggers": {name: {"level": "WARNING"} for name in ("botocore", "boto3", "urllib3")},
            "root": {"level": "INFO", "handlers": ["sink"]},
        }
    )


def received_messages(count: int) -> list[dict[str, Any]]:
    """ReceiveMessage's answer: `count` messages as upstream's own dispatch writes them."""
    raw = []
    for index in range(count):
        message = Message.new(
            "bench.cpu_send_email", taskhawk.Priority.default, (), dict(peer_common.TASK_KWARGS),
            headers=dict(peer_common.HEADERS),
        )  # fmt: skip
        raw.append(
            {
                "MessageId": f"m-{index}",
                "ReceiptHandle": f"receipt-{index}-" + "r" * 180,
                "MD5OfBody": "0" * 32,
                "Body": json.dumps(message.as_dict()),
                "Attributes": {"ApproximateReceiveCount": "1"},
                "MessageAttributes": {
                    name: {"StringValue": value, "DataType": "String"}
                    for name, value in peer_common.HEADERS.items()
                },
            }
        )
    return raw


def _rows() -> dict[str, tuple[bool, Callable[[], object], int]]:
    consumer = get_consumer_backend(priority=taskhawk.Priority.default)
    invocation = cpu_send_email.task.with_headers(**peer_common.HEADERS)
    poll = functools.partial(consumer.fetch_and_process_messages, num_messages=10)
    dispatch = functools.partial(invocation.dispatch, **peer_common.TASK_KWARGS)
    return {
        "publish: dispatch (SNS)": (False, dispatch, 1),
        "consume: poll of 10, worker logging": (True, poll, 10),
        "consume: poll of 10, no logging configured": (False, poll, 10),
    }


def cpu(repeats: int) -> dict[str, Any]:
    """Each row's CPU microseconds per message over `repeats` batches."""
    recorder = Recorder(QUEUE_URL, received_messages(10))
    figures: dict[str, Any] = {}
    with recorded_aws(recorder):
        for name, (logs, call, per) in _rows().items():
            worker_logging(logs)
            number = timing.calls_per_batch(call)
            samples = [timing.time_batch(call, number, per) for _ in range(repeats)]
            figures[name] = timing.summary(samples)
    return {"us_per_message": figures, "calls": dict(recorder.calls)}


def library_chunk() -> Callable[[int], None]:
    """Dispatch, then consume, `size` messages through the in-memory backends."""
    worker_logging(True)
    invocation = cpu_send_email.task.with_headers(**peer_common.HEADERS)

    def chunk(size: int) -> None:
        for _ in range(size):
            invocation.dispatch(**peer_common.TASK_KWARGS)
        taskhawk.listen_for_messages(taskhawk.Priority.default, num_messages=10,
                                     loop_count=-(-size // 10))  # fmt: skip

    return chunk


def library_only(messages: int) -> dict[str, Any]:
    """Dispatch then consume `messages` in chunks through the in-memory backends, after a
    warm-up chunk; messages per CPU second."""
    import upstream_memory  # noqa: PLC0415 - its backends are named in settings by this path

    chunk = library_chunk()
    chunk(CHUNK)
    runs[0] = 0
    rate = timing.chunk_rate(chunk, messages, CHUNK)
    if runs[0] != messages or upstream_memory.queued():
        raise RuntimeError(f"ran {runs[0]} of {messages}; {upstream_memory.queued()} left")
    return rate


def instructions(row: str, count: int) -> dict[str, Any]:
    """Run `count` messages of `row` (a CPU row's name, or "library-only") inside
    timing.counted, after a warm-up, for valgrind to count (tools.bench.instructions)."""
    if row == "library-only":
        chunk = library_chunk()
        chunk(CHUNK)
        timing.counted(functools.partial(chunk, CHUNK), -(-count // CHUNK))
        return {"row": row, "messages": -(-count // CHUNK) * CHUNK}
    with recorded_aws(Recorder(QUEUE_URL, received_messages(10))):
        logs, call, per = _rows()[row]
        worker_logging(logs)
        for _ in range(20):
            call()
        timing.counted(call, -(-count // per))
    return {"row": row, "messages": -(-count // per) * per}

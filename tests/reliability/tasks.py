"""Tasks run by the reliability tests' workers (and in-process by the Lambda handler tests).

Each run appends one JSON line to $TASKHAWK_REL_STATE/events.jsonl with a single O_APPEND write,
so lines from several processes never interleave and a SIGKILL cannot leave half a line.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

from taskhawk import Metadata, task

EVENTS = "events.jsonl"


def state_dir() -> Path:
    return Path(os.environ["TASKHAWK_REL_STATE"])


def append_event(event: str, n: int, message_id: str, **details: Any) -> None:
    line = json.dumps({"event": event, "n": n, "id": message_id, "pid": os.getpid(), **details})
    fd = os.open(state_dir() / EVENTS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


@task(name="rel.record")
def record(n: int, *, metadata: Metadata | None = None) -> None:
    """Record that task n ran (its message id too, and when)."""
    assert metadata is not None  # filled in by the consumer
    append_event("ran", n, metadata.id, at=time.time())


class FirstAttemptFails(RuntimeError):
    """Raised by `flaky` the first time it runs for a given n."""


@task(name="rel.flaky")
def flaky(n: int, *, metadata: Metadata | None = None) -> None:
    """Fails the first time it runs for n, succeeds (and records it) after: a message deleted
    after a failure would never be recorded as ran."""
    assert metadata is not None
    try:
        fd = os.open(state_dir() / f"flaky-{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        append_event("ran", n, metadata.id)
        return
    os.close(fd)
    append_event("failed", n, metadata.id)
    raise FirstAttemptFails(f"first attempt of {n} fails on purpose")


@task(name="rel.sleep")
def sleep(n: int, seconds: float, *, metadata: Metadata | None = None) -> None:
    """Record its start, sleep, record that it ran: a long task (heartbeat tests)."""
    assert metadata is not None
    append_event("started", n, metadata.id)
    time.sleep(seconds)
    append_event("ran", n, metadata.id)


@task(name="rel.crash")
def crash(n: int, *, metadata: Metadata | None = None) -> None:
    """Record its start, then kill its own process, as a segfault or the OOM killer would."""
    assert metadata is not None
    append_event("started", n, metadata.id)
    os.kill(os.getpid(), signal.SIGKILL)


def _attempt(name: str) -> int:
    """Which run of `name` this is, across processes (1 for the first)."""
    attempt = 1
    while True:
        try:
            fd = os.open(state_dir() / f"{name}-{attempt}", os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            attempt += 1
            continue
        os.close(fd)
        return attempt


@task(name="rel.slow_first_run_fails")
def slow_first_run_fails(n: int, seconds: float, *, metadata: Metadata | None = None) -> None:
    """Every run takes `seconds`; the first then fails: a frozen worker's failure, when the
    message is another worker's by then."""
    assert metadata is not None
    attempt = _attempt(f"slow-first-{n}")
    append_event("started", n, metadata.id, attempt=attempt)
    time.sleep(seconds)
    if attempt == 1:
        append_event("failed", n, metadata.id, attempt=attempt)
        raise FirstAttemptFails(f"the first run of {n} fails on purpose")
    append_event("ran", n, metadata.id, attempt=attempt)


@task(name="rel.slow_then_fails_once")
def slow_then_fails_once(n: int, seconds: float, *, metadata: Metadata | None = None) -> None:
    """The first two runs take `seconds`; the second of them then fails; later runs are quick:
    a message deleted from under its second run would never run a third time."""
    assert metadata is not None
    attempt = _attempt(f"slow-{n}")
    append_event("started", n, metadata.id, attempt=attempt)
    if attempt <= 2:
        time.sleep(seconds)
    if attempt == 2:
        append_event("failed", n, metadata.id, attempt=attempt)
        raise FirstAttemptFails(f"the second run of {n} fails on purpose")
    append_event("ran", n, metadata.id, attempt=attempt)

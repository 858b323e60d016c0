"""Tasks run by the worker subprocesses; each records what it did in $TASKHAWK_IT_STATE."""

from __future__ import annotations

import asyncio
import json
import os
import time
from pathlib import Path

from taskhawk import IgnoreException, LoggingException, Metadata, RetryException, task


def record(event: str, token: str, **details: object) -> None:
    state = Path(os.environ["TASKHAWK_IT_STATE"])
    line = json.dumps({"event": event, "token": token, "pid": os.getpid(), **details})
    with (state / "events.jsonl").open("a", encoding="utf-8") as out:
        out.write(line + "\n")


@task(name="it.behave")
def behave(mode: str, token: str, seconds: float = 0.0, *, metadata: Metadata) -> None:
    record("started", token, receipt=metadata.receipt, queue=metadata.queue)
    if mode == "slow":
        time.sleep(seconds)
    elif mode == "ignore":
        raise IgnoreException("nothing to do")
    elif mode == "retry_delay":
        raise RetryException(delay_seconds=60)
    elif mode == "logging":
        raise LoggingException("order not ready", extra={"order": 7})
    elif mode == "boom":
        raise ValueError("boom")
    record("finished", token)


@task(name="it.wait")
async def wait_io(token: str, seconds: float) -> None:
    """An async task awaiting `seconds` of simulated I/O."""
    record("started", token)
    await asyncio.sleep(seconds)
    record("finished", token)


@task(name="it.crash_async")
async def crash_async(token: str, after: float) -> None:
    """An async task that kills its worker process, and every task beside it, `after` seconds."""
    record("started", token)
    await asyncio.sleep(after)
    os._exit(1)

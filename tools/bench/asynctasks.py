"""The async benchmark's tasks: 100 ms of simulated I/O each, awaited or slept, then reported."""

from __future__ import annotations

import asyncio
import time

import taskhawk
from tools.bench.workload import notify

__all__ = ["IO_S", "wait_async", "wait_plain"]

IO_S = 0.1


@taskhawk.task(name="bench.wait_async")
async def wait_async(to: str, subject: str, order_id: int) -> None:
    await asyncio.sleep(IO_S)
    notify()


@taskhawk.task(name="bench.wait_plain")
def wait_plain(to: str, subject: str, order_id: int) -> None:
    time.sleep(IO_S)
    notify()

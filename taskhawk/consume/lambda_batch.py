"""The records of one Lambda SQS event, run concurrently when order does not matter.

An app with `async def` tasks gets a Lambda event's records run side by side, each record's
task on one event loop (`taskhawk.coroutines.serving`), so a batch of I/O-bound tasks takes about
as long as its slowest record instead of the sum of all. Plain tasks still run one at a time.
Order is kept where it matters: the records of one FIFO message group run one after another, in
order, and after one fails the group's later records are reported failed unrun; a FIFO event
without TASKHAWK_LAMBDA_FIFO_SKIP_GROUP_ON_ERROR keeps AWS's rule for the whole batch (after the
first failure nothing more runs), so its records run one at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Any

from taskhawk.coroutines import served_loop, serving
from taskhawk.registry import registered_tasks
from taskhawk.settings import Settings
from taskhawk.transport.naming import FIFO_SUFFIX

__all__ = ["MAX_LANES", "concurrent_lanes", "from_fifo_queue", "run_lanes"]

MAX_LANES = 100  # records (or FIFO groups) run at once; each is carried by a thread

Record = Mapping[str, Any]


def from_fifo_queue(record: Record) -> bool:
    """Whether a Lambda SQS record came from a FIFO queue (its source ARN names one)."""
    return str(record.get("eventSourceARN", "")).endswith(FIFO_SUFFIX)


def concurrent_lanes(
    records: Sequence[Record], settings: Settings, group_of: Callable[[Record], str | None]
) -> list[list[Record]] | None:
    """The records split into lanes that may run side by side (one per record, or per FIFO
    group), or None when they must run one after another: a single record, an app without
    async tasks, or a FIFO event whose whole batch keeps its order."""
    if len(records) < 2 or not any(task.is_async for task in registered_tasks().values()):
        return None
    fifo = from_fifo_queue(records[0])
    if fifo and not settings.taskhawk_lambda_fifo_skip_group_on_error:
        return None
    lanes: dict[object, list[Record]] = {}
    for index, record in enumerate(records):
        lanes.setdefault(group_of(record) if fifo else index, []).append(record)
    return list(lanes.values())


def run_lanes(lanes: Sequence[Sequence[Record]], run_record: Callable[[Record], bool]) -> set[int]:
    """Run every lane, side by side; the ids (`id()`) of the records that failed, or were not
    run because an earlier record of their lane failed."""
    loop: AbstractContextManager[Any] = nullcontext() if served_loop() else serving()
    with loop, ThreadPoolExecutor(min(len(lanes), MAX_LANES), "taskhawk-record") as carriers:
        failed = carriers.map(partial(_run_lane, run_record), lanes)
        return {record_id for lane_failed in failed for record_id in lane_failed}


def _run_lane(run_record: Callable[[Record], bool], lane: Sequence[Record]) -> list[int]:
    for position, record in enumerate(lane):
        if not run_record(record):
            return [id(later) for later in lane[position:]]
    return []

"""The benchmark's targets, each checked on figures of one run, with the spread behind it.

A target is a ratio of two figures measured in the same run (or one figure against a fixed
bound); its `spread` is the larger spread of the figures it uses, (max - min) / median over the
rounds, so a verdict resting on a noisy run says so.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tools.bench import libonly, peers_env
from tools.bench.consumer_plan import MEMORY_TASKS, UPSTREAM_10, WORKER_10
from tools.bench.cpu import UPSTREAM_PREFIX
from tools.bench.instructions import LIBRARY_ONLY

__all__ = ["Figure", "Target", "evaluate"]

CONSUME = "consume: poll of 10, worker logging"
DISPATCH = "publish: dispatch (SQS)"
DISPATCH_MANY = "publish: dispatch_many of 10 (SQS)"
DISPATCH_SNS = "publish: dispatch (SNS)"
# A consumed message at most this share of upstream 4.7's CPU (and instructions); a dispatch
# through SNS at most this share of its.
CONSUME_RATIO = 0.35
DISPATCH_SNS_RATIO = 0.65
RSS_OURS = f"RSS: {WORKER_10}"
RSS_UPSTREAM = f"RSS: {UPSTREAM_10}"


@dataclass(frozen=True)
class Figure:
    value: float
    spread: float


@dataclass(frozen=True)
class Target:
    name: str
    figure: Figure | None
    base: Figure | None  # None: `figure` is compared with the threshold as it is
    threshold: float | None  # None: reported, no target
    op: str = ">="  # how the value must compare with the threshold: >=, <= or <

    def verdict(self) -> dict[str, Any]:
        if self.figure is None or (self.base is not None and not self.base.value):
            return {"target": self.name, "status": "not measured", **self._bound()}
        value = self.figure.value / (self.base.value if self.base else 1.0)
        spread = max(self.figure.spread, self.base.spread if self.base else 0.0)
        found: dict[str, Any] = {"target": self.name, "value": round(value, 3), **self._bound()}
        if self.threshold is None:
            status = "reported"
        else:
            status = "met" if _COMPARE[self.op](value, self.threshold) else "MISSED"
        return {**found, "status": status, "spread": round(spread, 3)}

    def _bound(self) -> dict[str, str]:
        if self.threshold is None:
            return {"threshold": "(no target)"}
        return {"threshold": f"{self.op} {self.threshold}"}


_COMPARE = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def _spread(low: float, high: float, median: float) -> float:
    return (high - low) / median if median else 0.0


def _rate(records: Sequence[Mapping[str, Any]], name: str) -> Figure | None:
    for record in records:
        if record["row"] == name and "median_per_s" in record:
            median = record["median_per_s"]
            return Figure(median, _spread(record["min_per_s"], record["max_per_s"], median))
    return None


def _best(records: Sequence[Mapping[str, Any]], prefix: str) -> Figure | None:
    found = [
        _rate(records, r["row"])
        for r in records
        if r["row"].startswith(prefix) and r["group"] == "consume"
    ]
    measured = [figure for figure in found if figure is not None]
    return max(measured, key=lambda figure: figure.value) if measured else None


def _cpu(figures: Mapping[str, Any], name: str) -> Figure | None:
    row = figures.get(name)
    return None if row is None else Figure(row["median_us"], row["spread"])


def _per_cpu(rows: Sequence[Mapping[str, Any]], name: str) -> Figure | None:
    for row in rows:
        if row["row"] == name:
            return Figure(row["median_per_cpu_s"], row["spread"])
    return None


def _memory(records: Sequence[Mapping[str, Any]], name: str, key: str) -> Figure | None:
    for record in records:
        if record["row"] == name and key in record:
            return Figure(record[key], 0.0)
    return None


def _memory_tasks(memory: Sequence[Mapping[str, Any]]) -> int:
    """The tasks the memory rows ran (MEMORY_TASKS unless --memory-tasks said otherwise)."""
    for record in memory:
        if record["row"] == RSS_OURS and "tasks" in record:
            return int(record["tasks"])
    return MEMORY_TASKS


def _instructions(counted: Sequence[Mapping[str, Any]], row: str, who: str) -> Figure | None:
    """Instructions per message: a count, the same on every run, so its spread is nil."""
    for record in counted:
        if record["row"] == row and who in record:
            return Figure(record[who], 0.0)
    return None


def _counted_targets(counted: Sequence[Mapping[str, Any]]) -> list[Target]:
    """The CPU ratios again, in instructions (tools.bench.instructions): library-only as
    upstream's instructions per message over ours, which is our rate over upstream's."""

    def ours(row: str) -> Figure | None:
        return _instructions(counted, row, "taskhawk")

    def upstream(row: str) -> Figure | None:
        return _instructions(counted, row, "upstream 4.7")

    return [
        Target(f"instructions, {CONSUME}: taskhawk / upstream 4.7", ours(CONSUME),
               upstream(CONSUME), CONSUME_RATIO, op="<="),
        Target(f"instructions, {DISPATCH_SNS}: taskhawk / upstream 4.7", ours(DISPATCH_SNS),
               upstream(DISPATCH_SNS), DISPATCH_SNS_RATIO, op="<="),
        Target("instructions, library-only: upstream 4.7 / taskhawk per message (taskhawk's "
               "rate over upstream's)", upstream(LIBRARY_ONLY), ours(LIBRARY_ONLY), 1.5),
    ]  # fmt: skip


def evaluate(
    records: Sequence[Mapping[str, Any]],
    figures: Mapping[str, Any],
    library: Sequence[Mapping[str, Any]],
    memory: Sequence[Mapping[str, Any]],
    counted: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Every target's verdict from one run's throughput rows, CPU figures, library-only rows,
    memory rows and instruction counts (any of them empty when its section did not run)."""
    worker = _rate(records, WORKER_10)
    tasks = f"{_memory_tasks(memory):,}"
    checks = [
        Target(f"{WORKER_10} / {peers_env.RAW_10_BATCH}", worker,
               _rate(records, peers_env.RAW_10_BATCH), 0.9),
        Target(f"{WORKER_10} / {UPSTREAM_10}", worker, _rate(records, UPSTREAM_10), 2.5),
        Target(f"{WORKER_10} / best Celery worker", worker, _best(records, "Celery"), 2.0),
        Target("taskhawk dispatch_many (SQS) / raw SendMessageBatch(10)",
               _rate(records, "taskhawk dispatch_many (SQS)"),
               _rate(records, "raw SendMessageBatch(10)"), 0.85),
        Target(f"CPU us, {CONSUME}", _cpu(figures, CONSUME), None, 25.0, op="<="),
        Target(f"CPU, {CONSUME}: taskhawk / upstream 4.7", _cpu(figures, CONSUME),
               _cpu(figures, UPSTREAM_PREFIX + CONSUME), CONSUME_RATIO, op="<="),
        Target(f"CPU, {DISPATCH_SNS}: taskhawk / upstream 4.7", _cpu(figures, DISPATCH_SNS),
               _cpu(figures, UPSTREAM_PREFIX + DISPATCH_SNS), DISPATCH_SNS_RATIO, op="<="),
        Target(f"CPU us, {DISPATCH}", _cpu(figures, DISPATCH), None, 12.0, op="<="),
        Target(f"CPU us, {DISPATCH_MANY}, per message", _cpu(figures, DISPATCH_MANY), None, 8.0,
               op="<="),
        Target("library-only: taskhawk / upstream 4.7, messages per CPU second",
               _per_cpu(library, libonly.OURS), _per_cpu(library, libonly.UPSTREAM), 1.5),
        Target(f"RSS growth, MiB, one taskhawk worker process, first to last thousand of {tasks}"
               " tasks", _memory(memory, RSS_OURS, "growth_mib"), None, 5.0, op="<"),
        Target(f"RSS after {tasks} tasks: taskhawk worker / upstream 4.7 worker",
               _memory(memory, RSS_OURS, "rss_after_mib"),
               _memory(memory, RSS_UPSTREAM, "rss_after_mib"), None),
        *_counted_targets(counted),
    ]  # fmt: skip
    return [check.verdict() for check in checks]

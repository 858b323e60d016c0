"""Library CPU per message with OpenTelemetry installed: the main rows of `tools.bench.cpu` with
the API and no SDK (its no-op providers), then with an SDK that samples every span and exports
none. Consumed messages carry a traced publisher's context.

Each row is timed in alternation with the same row under TASKHAWK_OPENTELEMETRY = False, the
path taken without the [otel] extra, repeat after repeat: `vs_without` is the median of those
paired ratios, so a busy neighbour slows both sides of each ratio alike.
"""

from __future__ import annotations

import functools
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import taskhawk
from taskhawk.settings import Settings, get_settings
from tools.bench.cpu import (
    REPEATS,
    consumer,
    publish_calls,
    received_messages,
    recording_transport,
    settings_for,
    worker_logging,
)
from tools.bench.otel_modes import NOOP, SDK, install_sdk
from tools.bench.peers import timing

__all__ = ["PUBLISH_ROWS", "run"]

PUBLISH_ROWS = ("dispatch (SQS)", "dispatch_many of 10 (SQS)")


@dataclass(frozen=True)
class Side:
    before: Callable[[], object]  # untimed: puts this side's settings in force
    call: Callable[[], object]


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for suffix in (NOOP, SDK):
        if suffix == SDK:
            install_sdk()
        for name, figure in rows().items():
            figures[name + suffix] = figure
    return figures


def rows() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    calls = publish_calls()
    with worker_logging(False):
        for name in PUBLISH_ROWS:
            via_sns, call, per = calls[name]
            with recording_transport(via_sns):
                off, on = (functools.partial(configure, via_sns, flag) for flag in (False, True))
                figures[f"publish: {name}"] = paired(Side(off, call), Side(on, call), per)
    for logs in (True, False):
        label = "worker logging" if logs else "no logging configured"
        with worker_logging(logs), recording_transport(messages=received_messages(10, True)):
            plain, traced = (consumer(10, configure(False, flag)) for flag in (False, True))
            figures[f"consume: poll of 10, {label}"] = paired(
                Side(_nothing, functools.partial(plain.poll, 0, 1)),
                Side(_nothing, functools.partial(traced.poll, 0, 1)),
                10,
            )
    return figures


def _nothing() -> None:
    """A consumer carries its own settings: nothing to put in force."""


def configure(via_sns: bool, opentelemetry: bool) -> Settings:
    taskhawk.configure(settings_for(via_sns), TASKHAWK_OPENTELEMETRY=opentelemetry)
    return get_settings()


def paired(off: Side, on: Side, per: int) -> dict[str, float]:
    """`on` per message in CPU time (median, min, max, spread, as the other rows), and its
    time over `off`'s, measured in alternation."""
    off.before()
    number = timing.calls_per_batch(off.call)
    ratios, runs = [], []
    for _ in range(REPEATS):
        seconds = []
        for side in (off, on):
            side.before()
            seconds.append(timing.time_batch(side.call, number, per))
        ratios.append(seconds[1] / seconds[0])
        runs.append(seconds[1])
    return {**timing.summary(runs), "vs_without": round(statistics.median(ratios), 2)}

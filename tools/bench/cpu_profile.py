"""Where the library's CPU per message goes: cProfile's top entries by own time, per message.

cProfile inflates every figure (its own cost lands on each call), most where calls are many and
small; its rows are meant to be compared with each other, not with the timed figures.
"""

from __future__ import annotations

import cProfile
import io
import os
import pstats
import site
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools import ROOT
from tools.bench.cpu import scenario
from tools.bench.otel_modes import without_opentelemetry

__all__ = ["PROFILED", "profile", "run"]

PROFILE_TOP = 15
PROFILED = (
    "publish: dispatch (SQS)",
    "publish: dispatch_many of 10 (SQS)",
    "consume: poll of 10, worker logging",
    "consume: poll of 10, no logging configured",
)


def run() -> dict[str, list[dict[str, Any]]]:
    """The profiles, as without the [otel] extra (like the timed rows)."""
    found: dict[str, list[dict[str, Any]]] = {}
    with without_opentelemetry():
        for name in PROFILED:
            with scenario(name) as (call, per):
                found[name] = profile(call, per)
    return found


def profile(call: Callable[[], object], per: int, messages: int = 3000) -> list[dict[str, Any]]:
    calls = max(1, messages // per)
    for _ in range(min(calls, 50)):  # warm caches first, as the timed rows do
        call()
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        call()
    profiler.disable()
    stats = pstats.Stats(profiler, stream=io.StringIO())
    handled = calls * per
    rows = []
    for (path, line, function), (_, ncalls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        rows.append(
            {
                "function": f"{_short(path)}:{line}({function})",
                "calls_per_message": round(ncalls / handled, 2),
                "own_us": round(tottime / handled * 1e6, 2),
                "cumulative_us": round(cumtime / handled * 1e6, 2),
            }
        )
    rows.sort(key=lambda row: row["own_us"], reverse=True)
    return rows[:PROFILE_TOP]


def _short(path: str) -> str:
    """A profiled function's file without this machine's prefixes: repository-relative for the
    repository's own code, relative to site-packages or the standard library for the rest."""
    if not os.path.isabs(path):
        return path  # "~" (built-ins) or "<frozen ...>"
    for base in (*site.getsitepackages(), sysconfig.get_paths()["stdlib"], str(ROOT)):
        if os.path.commonpath([path, base]) == base:
            return Path(path).relative_to(base).as_posix()
    return Path(path).name

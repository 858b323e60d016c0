"""CPU per message, measured the same way for this library and for upstream 4.7.

Standard library only: the upstream driver imports it from its own virtualenv, the library's CPU
benchmark as `tools.bench.peers.timing`. The clock is the process's CPU time, not the wall
clock: on a shared 2-core machine another process taking the core stretches wall time but not
the CPU this process spends, so figures from a busy run stay comparable (cache and frequency
effects remain, and show as spread between rounds).
"""

from __future__ import annotations

import collections
import itertools
import statistics
import time
import timeit
from collections.abc import Callable

__all__ = [
    "COUNTED_FUNCTION",
    "MIN_BATCH_S",
    "calls_per_batch",
    "chunk_rate",
    "counted",
    "summary",
    "time_batch",
]

# The C function `counted` runs its calls in: valgrind counts instructions only inside it
# (callgrind --toggle-collect), so set-up, imports and warm-up are left out. Nothing else in
# either library, nor in what they use on these paths, runs under itertools.starmap.
COUNTED_FUNCTION = "starmap_next"

MIN_BATCH_S = 0.2  # CPU seconds per timed batch: far above the clock's resolution


def calls_per_batch(call: Callable[[], object]) -> int:
    """How many calls make a batch of at least MIN_BATCH_S of CPU (the first batch warms up)."""
    timer = timeit.Timer(call, timer=time.process_time)
    number = 1
    while True:
        if timer.timeit(number) >= MIN_BATCH_S:
            return number
        number *= 2


def time_batch(call: Callable[[], object], number: int, per: int) -> float:
    """CPU microseconds per message over `number` calls, each handling `per` messages."""
    seconds = timeit.Timer(call, timer=time.process_time).timeit(number)
    return seconds / number / per * 1e6


def summary(samples: list[float]) -> dict[str, float]:
    """Median (the figure), min, max, and spread: (max - min) / median, so a busy run shows."""
    median = statistics.median(samples)
    return {
        "median_us": round(median, 2),
        "min_us": round(min(samples), 2),
        "max_us": round(max(samples), 2),
        "spread": round((max(samples) - min(samples)) / median, 3) if median else 0.0,
    }


def counted(call: Callable[[], object], number: int) -> None:
    """`number` calls inside COUNTED_FUNCTION, for `tools.bench.instructions`."""
    collections.deque(itertools.starmap(call, itertools.repeat((), number)), maxlen=0)


def chunk_rate(chunk: Callable[[int], None], messages: int, size: int) -> dict[str, float]:
    """`messages` run through `chunk(size)` calls (the last may be smaller): the CPU and wall
    seconds, and messages per CPU second (the library-only rows' figure)."""
    started, wall = time.process_time(), time.perf_counter()
    for done in range(0, messages, size):
        chunk(min(size, messages - done))
    cpu_s, wall_s = time.process_time() - started, time.perf_counter() - wall
    return {"messages": messages, "cpu_s": cpu_s, "wall_s": wall_s, "per_cpu_s": messages / cpu_s}

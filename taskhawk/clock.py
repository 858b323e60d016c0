"""The wall clock the runtime reads: publish times, when a scheduled task is due, expiry.

One place, so a test can run a two-hour schedule without sleeping (`use_clock`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["now", "now_ms", "use_clock"]

_clocks: list[Callable[[], float]] = [time.time]


def now() -> float:
    """Seconds since the Unix epoch."""
    return _clocks[-1]()


def now_ms() -> int:
    """Milliseconds since the Unix epoch, as messages carry times."""
    return int(_clocks[-1]() * 1000)


@contextmanager
def use_clock(clock: Callable[[], float]) -> Iterator[None]:
    """Read `clock` instead of the system's inside the block."""
    _clocks.append(clock)
    try:
        yield
    finally:
        _clocks.remove(clock)

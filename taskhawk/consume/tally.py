"""Task outcomes counted per consuming process, and the summary line that reports them.

A line per succeeded task cost a worker more CPU than the rest of its work on the message (a
log record, its fields and formatting, for a line an operator reads only as a count). So by
default a success is counted, not logged (its line is at DEBUG, TASKHAWK_SUCCESS_LOG_LEVEL), and
each consuming process logs one INFO line every TASKHAWK_SUMMARY_INTERVAL_S seconds and when it
stops, counting every outcome since the last line, by task:

    tasks in the last 60.0s: 1187 handled: tasks.send_email succeeded=1180 retried=2; ...

Failures, retries, ignores and dead letters keep their own line as well; only the success line
moves. The summary's fields are the totals by outcome (`succeeded=1180 retried=2`), the count
handled and the seconds covered (`interval_s`), so a log query can sum them across workers.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import nullcontext

from taskhawk.exceptions import ConfigurationError
from taskhawk.logs import LOG_LEVELS
from taskhawk.settings import Settings

__all__ = ["UNDECODED", "Tally", "success_level", "summary_interval", "summary_line"]

logger = logging.getLogger("taskhawk.consumer")

# The task a summary counts a message under when it could not be decoded to know its task.
UNDECODED = "(undecoded)"


def success_level(settings: Settings) -> int:
    """TASKHAWK_SUCCESS_LOG_LEVEL as a logging level; ConfigurationError naming it if unknown."""
    name = settings.taskhawk_success_log_level
    if not isinstance(name, str) or name.upper() not in LOG_LEVELS:
        raise ConfigurationError(
            f"TASKHAWK_SUCCESS_LOG_LEVEL={name!r}: must be one of {', '.join(LOG_LEVELS)}"
        )
    level: int = logging.getLevelName(name.upper())
    return level


def summary_interval(settings: Settings) -> float | None:
    """TASKHAWK_SUMMARY_INTERVAL_S, checked: None for no summary; 0 or less refused."""
    interval = settings.taskhawk_summary_interval_s
    if interval is None:
        return None
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or not interval > 0:
        raise ConfigurationError(
            f"TASKHAWK_SUMMARY_INTERVAL_S={interval!r}: the summary line's interval must be "
            "more than 0 seconds (None: no summary line)"
        )
    return float(interval)


class Tally:
    """Outcomes by (task, outcome) since the last summary line; one per execution core.

    Counted from the threads that run tasks, under a lock when they are several (`shared`:
    `--concurrency`, Lambda's lanes); the summary is logged from the consume loop. A lock taken
    per message cost as much as the rest of the counting, so a one-thread consumer goes
    without (and `share`s it before a second thread counts)."""

    def __init__(self, interval_s: float | None, *, shared: bool = True) -> None:
        self.interval_s = interval_s
        self.counts: dict[tuple[str, str], int] = {}
        self._lock: threading.Lock | None = None
        if shared:
            self.share()
        self._since = time.monotonic()
        self._next = self._since + interval_s if interval_s is not None else float("inf")

    def share(self) -> None:
        """From now on, counted under a lock: several threads run tasks."""
        if self._lock is None:
            self._lock = threading.Lock()

    def add(self, task: str, outcome: str) -> None:
        key = (task, outcome)
        lock = self._lock
        if lock is None:
            self.counts[key] = self.counts.get(key, 0) + 1
            return
        with lock:
            counts = self.counts
            counts[key] = counts.get(key, 0) + 1

    def tick(self, now: float | None = None) -> None:
        """The summary line, when its interval has passed (the consume loop calls this after
        each receive: one clock read, not one per message)."""
        now = time.monotonic() if now is None else now
        if now >= self._next:
            self.log_summary(now)

    def log_summary(self, now: float | None = None, *, span: str | None = None) -> None:
        """Log what was counted (nothing when nothing was), and start counting afresh; `span`
        names what the line covers instead of the seconds ("this invocation")."""
        now = time.monotonic() if now is None else now
        with self._lock or nullcontext():
            counts, self.counts = self.counts, {}
        elapsed = now - self._since
        self._since = now
        if self.interval_s is not None:
            self._next = now + self.interval_s
        if not counts or self.interval_s is None:
            return
        message, args, fields = summary_line(counts, span or f"the last {elapsed:.1f}s", elapsed)
        logger.info(message, *args, extra=fields)


def summary_line(
    counts: dict[tuple[str, str], int], span: str, elapsed: float
) -> tuple[str, tuple[object, ...], dict[str, object]]:
    """The summary's logging arguments: message, its values, and its fields."""
    by_task: dict[str, list[str]] = {}
    totals: dict[str, int] = {}
    for (task, outcome), count in sorted(counts.items()):
        by_task.setdefault(task, []).append(f"{outcome}={count}")
        totals[outcome] = totals.get(outcome, 0) + count
    detail = "; ".join(f"{task} {' '.join(parts)}" for task, parts in by_task.items())
    handled = sum(totals.values())
    fields: dict[str, object] = {"handled": handled, **totals, "interval_s": round(elapsed, 1)}
    return "tasks in %s: %d handled: %s", (span, handled, detail), fields

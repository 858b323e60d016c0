"""What one task run came to, how long a failed message waits, and the log line it gets.

The execution core (`taskhawk.consume.execute`) is the only user: every driver (worker, Lambda,
sync mode, test recorder) gets its outcomes from there, so a task's outcome reads the same
wherever it ran.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taskhawk.exceptions import LoggingException, RetryException
from taskhawk.log_records import CallSite
from taskhawk.logs import with_user_fields
from taskhawk.settings import Settings
from taskhawk.transport.limits import MAX_VISIBILITY_S

__all__ = [
    "LAST_ATTEMPT",
    "Backoff",
    "Outcome",
    "TaskResult",
    "log_result",
    "logger",
    "retry_delay",
]

# What a failure line says on the receive after which the redrive policy moves the message.
LAST_ATTEMPT = "last attempt; dead-lettered by the redrive policy"

# Every outcome line goes to this one logger, whichever driver ran the task.
logger = logging.getLogger("taskhawk.consumer")


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    IGNORED = "ignored"
    RETRYING = "retrying"  # RetryException: retried without an error log
    FAILED = "failed"  # any other exception, LoggingException included: retried, logged


@dataclass(slots=True)
class TaskResult:
    """One task run; read-only by convention (not frozen: one is made per message, and a frozen
    class's construction costs several times as much)."""

    outcome: Outcome
    duration_s: float
    error: Exception | None = None

    @property
    def done(self) -> bool:
        """True when the message may be deleted: the task succeeded or chose to be ignored."""
        return self.outcome in (Outcome.SUCCEEDED, Outcome.IGNORED)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Visibility of a failed message: base * 2**(receive_count - 1), capped.

    A growing delay keeps a failing task from spinning while its queue's redrive policy counts
    receives toward the dead-letter queue.
    """

    base_s: int = 30
    max_s: int = 900

    @classmethod
    def from_settings(cls, settings: Settings) -> Backoff:
        return cls(settings.taskhawk_retry_backoff_base_s, settings.taskhawk_retry_backoff_max_s)

    def delay(self, receive_count: int) -> int:
        exponent = min(max(receive_count, 1) - 1, 20)
        delay: int = self.base_s * 2**exponent
        return max(0, min(delay, self.max_s, MAX_VISIBILITY_S))


def retry_delay(result: TaskResult, receive_count: int, backoff: Backoff) -> int:
    """RetryException(delay_seconds=N>0) waits N seconds; everything else uses the backoff,
    RetryException() included, so "retry" never means an immediate hot loop."""
    error = result.error
    if isinstance(error, RetryException) and error.delay_seconds > 0:
        return min(int(error.delay_seconds), MAX_VISIBILITY_S)
    return backoff.delay(receive_count)


def log_result(
    result: TaskResult,
    fields: Mapping[str, Any],
    next_step: str,
    retry_in: int | None = None,
    success_level: int = logging.INFO,
) -> None:
    """The one line per task outcome. `fields` holds task, message_id, queue, receive_count;
    `next_step` says what happens to a message that is not done ("retry in 30s",
    LAST_ATTEMPT), `retry_in` the seconds when the queue redelivers it. A success is logged at
    `success_level` (TASKHAWK_SUCCESS_LOG_LEVEL), and nothing of its line is made when that
    level is off: the worker's summary line counts it (`taskhawk.consume.tally`)."""
    succeeded = result.outcome is Outcome.SUCCEEDED
    if succeeded and not logger.isEnabledFor(success_level):
        return
    task = fields.get("task")
    extra = {**fields, "duration_s": round(result.duration_s, 3), "outcome": result.outcome.value}
    if retry_in is not None and not result.done:
        extra["retry_in_s"] = retry_in
    error = result.error
    if succeeded:
        _SUCCESS[success_level].log("task succeeded: %s in %.3fs", (task, result.duration_s), extra)
    elif result.outcome is Outcome.IGNORED:
        _info("task ignored: %s (%s)", (task, error), extra)
    elif result.outcome is Outcome.RETRYING:
        _info("task retrying: %s, %s", (task, next_step), extra)
    elif isinstance(error, LoggingException):
        logger.exception(str(error), exc_info=error, extra=with_user_fields(extra, error.extra))
    else:
        logger.exception(
            "task failed: %s (receive %s), %s",
            task, fields.get("receive_count"), next_step, exc_info=error, extra=extra,
        )  # fmt: skip


# Outcome lines at INFO, and success lines at any level, made without the walk up the stack.
_info = CallSite(logger, logging.INFO, log_result).log
_SUCCESS = {
    level: CallSite(logger, level, log_result)
    for level in (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL)
}

"""What one task run came to, how long a failed message waits, and the log line for each outcome.

Shared by the SQS worker and the Lambda consumer, so a task's outcome reads the same wherever it
ran. What happens to the message afterwards (delete, hide, report to Lambda) is the caller's.
"""

from __future__ import annotations

import enum
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taskhawk.exceptions import (
    ArgumentsMismatch,
    IgnoreException,
    LoggingException,
    RetryException,
)
from taskhawk.metadata import Metadata
from taskhawk.processing import process_message
from taskhawk.settings import Settings
from taskhawk.wire import Message

__all__ = [
    "MAX_VISIBILITY_S",
    "Backoff",
    "Outcome",
    "TaskResult",
    "log_extra",
    "log_result",
    "logger",
    "retry_visibility",
    "run_task",
]

# Every outcome line goes to this one logger, whichever consumer ran the task.
logger = logging.getLogger("taskhawk.consumer")

MAX_VISIBILITY_S = 43_200  # SQS's upper bound for a visibility timeout

# LogRecord's own attributes: a LoggingException extra using one of these names would make
# logging raise KeyError, so such keys are logged as extra_<name> instead.
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    IGNORED = "ignored"
    RETRYING = "retrying"  # RetryException: retried without an error log
    FAILED = "failed"  # any other exception, LoggingException included: retried, logged


@dataclass(frozen=True, slots=True)
class TaskResult:
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


def retry_visibility(result: TaskResult, receive_count: int, backoff: Backoff) -> int:
    """RetryException(delay_seconds=N>0) waits N seconds; everything else uses the backoff,
    RetryException() included, so "retry" never means an immediate hot loop."""
    error = result.error
    if isinstance(error, RetryException) and error.delay_seconds > 0:
        return min(int(error.delay_seconds), MAX_VISIBILITY_S)
    return backoff.delay(receive_count)


def run_task(
    message: Message, settings: Settings, hook_kwargs: Mapping[str, Any], metadata: Metadata
) -> TaskResult:
    """Pre-hook, task, post-hook; an exception from any of them is the task's outcome, except
    this message's ArgumentsMismatch, which is raised: the message is poison, to dead-letter."""
    started = time.monotonic()
    try:
        process_message(message, settings, hook_kwargs, metadata)
    except IgnoreException as error:
        return TaskResult(Outcome.IGNORED, time.monotonic() - started, error)
    except RetryException as error:
        return TaskResult(Outcome.RETRYING, time.monotonic() - started, error)
    except ArgumentsMismatch as error:
        if error.message_id == message.id:
            raise
        return TaskResult(Outcome.FAILED, time.monotonic() - started, error)
    except Exception as error:  # the task's failure, not ours: reported, message retried
        return TaskResult(Outcome.FAILED, time.monotonic() - started, error)
    return TaskResult(Outcome.SUCCEEDED, time.monotonic() - started)


def log_extra(fields: Mapping[str, Any], user: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Ids and names for `extra`; a LoggingException's own fields win, renamed if reserved."""
    extra = dict(fields)
    for key, value in (user or {}).items():
        extra[f"extra_{key}" if key in _RESERVED else key] = value
    return extra


def log_result(result: TaskResult, fields: Mapping[str, Any], retry_in: int | None = None) -> None:
    """The one line per task outcome. `fields` holds task, message_id, queue, receive_count."""
    task = fields.get("task")
    extra = {**fields, "duration_s": round(result.duration_s, 3), "outcome": result.outcome.value}
    if retry_in is not None:
        extra["retry_in_s"] = retry_in
    when = f"in {retry_in}s" if retry_in is not None else "by the queue's redelivery"
    error = result.error
    if result.outcome is Outcome.SUCCEEDED:
        logger.info("task succeeded: %s in %.3fs", task, result.duration_s, extra=extra)
    elif result.outcome is Outcome.IGNORED:
        logger.info("task ignored: %s (%s)", task, error, extra=extra)
    elif result.outcome is Outcome.RETRYING:
        logger.info("task retrying: %s, %s", task, when, extra=extra)
    elif isinstance(error, LoggingException):
        logger.exception(str(error), exc_info=error, extra=log_extra(extra, error.extra))
    else:
        logger.exception(
            "task failed: %s (receive %s), retry %s",
            task, fields.get("receive_count"), when, exc_info=error, extra=extra,
        )  # fmt: skip

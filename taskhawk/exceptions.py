"""Every error taskhawk raises hangs from TaskhawkError.

Task outcomes that are not failures (RetryException, IgnoreException) and LoggingException share
the root too, so `except TaskhawkError` catches everything the library itself signals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "ArgumentsMismatch",
    "ConfigurationError",
    "IgnoreException",
    "LoggingException",
    "MessageTooLarge",
    "PublishError",
    "RetryException",
    "TaskNotFound",
    "TaskhawkError",
    "TransportError",
    "ValidationError",
    "summarize_failures",
]


class TaskhawkError(Exception):
    """Root of every exception defined by taskhawk."""


class ValidationError(TaskhawkError, ValueError):
    """A message, or a value meant for one, breaks the wire contract.

    `path` is a JSON path into the message (`$.metadata.timestamp`, `$.args[1]`); `reason` says
    what is wrong there.
    """

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ArgumentsMismatch(ValidationError):
    """The args and kwargs do not fit the task (a missing or unexpected argument, or one the
    consumer fills in, such as `metadata`): `dispatch` refuses the call before sending, and a
    consumer dead-letters such a message at once instead of retrying it. `message_id` names
    the message, so a mismatch met by a task it ran (in sync mode) fails that task instead."""

    def __init__(self, path: str, reason: str, *, message_id: str) -> None:
        super().__init__(path, reason)
        self.message_id = message_id


class TaskNotFound(ValidationError):
    """The message names a task this process has not registered."""

    def __init__(self, name: str) -> None:
        super().__init__("$.task", f"no task named {name!r} is registered in this process")
        self.name = name


class MessageTooLarge(ValidationError):
    """The encoded message is over the transport's size limit; nothing was sent."""

    def __init__(self, size: int, limit: int, transport: str) -> None:
        super().__init__(
            "$", f"message is {size} bytes, over the {transport} limit of {limit} bytes"
        )
        self.size = size
        self.limit = limit


class ConfigurationError(TaskhawkError):
    """Settings or task declarations are wrong or missing."""


def summarize_failures(head: str, failures: Mapping[str, str]) -> str:
    """`head`, then every failed key with its reason: the text of every multi-failure error."""
    return f"{head}: " + "; ".join(f"{key}: {reason}" for key, reason in failures.items())


class PublishError(TaskhawkError):
    """Messages of a dispatch were not all sent. Each message id is in one of three groups:

    - `sent`: it went out;
    - `not_sent` (id -> reason): refused, or it never reached the endpoint; safe to dispatch again;
    - `unknown` (id -> reason): the endpoint may have it (a timeout or a connection lost after the
      request went out); dispatching it again may run the task twice, so check first.

    `failures` is `not_sent` and `unknown` together.
    """

    def __init__(
        self,
        message: str,
        *,
        not_sent: Mapping[str, str] | None = None,
        unknown: Mapping[str, str] | None = None,
        sent: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.not_sent: dict[str, str] = dict(not_sent or {})
        self.unknown: dict[str, str] = dict(unknown or {})
        self.sent: list[str] = list(sent)

    @property
    def failures(self) -> dict[str, str]:
        return {**self.not_sent, **self.unknown}


class TransportError(TaskhawkError):
    """SQS or SNS could not be reached or refused a request (after botocore's retries)."""


class RetryException(TaskhawkError):
    """Raised by a task to be retried without an error log, after `delay_seconds` if given."""

    def __init__(self, delay_seconds: int = 0) -> None:
        super().__init__(f"retry requested (delay {delay_seconds}s)")
        self.delay_seconds = delay_seconds


class IgnoreException(TaskhawkError):
    """Raised by a task to drop its message deliberately: it is deleted, not retried."""


class LoggingException(TaskhawkError):
    """Raised by a task to be retried and logged with structured `extra` fields."""

    def __init__(self, message: str, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.extra: dict[str, Any] = dict(extra or {})

"""What the execution core decides for one received message: the vocabulary every driver
(worker, Lambda, sync mode, test recorder) maps onto its transport."""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from taskhawk.consume.outcomes import TaskResult
from taskhawk.transport import ReceivedMessage

__all__ = ["Action", "Decision", "Given", "MessageSource", "Origin", "Redelivery"]


class Action(enum.Enum):
    DELETE = "delete"  # finished: the task succeeded or chose to be ignored
    RETRY = "retry"  # hide for `delay_s`, then the queue redelivers it
    DEAD_LETTER = "dead-letter"  # can never run: to the dead-letter queue at once, with `reason`
    DEFER = "defer"  # not due yet: hide it for `delay_s`, or send it back (`sends_back`)
    EXPIRE = "expire"  # its expiry passed before it started: delete it, unrun


class Redelivery(enum.Enum):
    """How a message that is not done comes back, as its log line says."""

    QUEUE = "queue"  # the worker and Lambda SQS events: the queue redelivers after the delay
    LAMBDA = "lambda"  # Lambda SNS events: Lambda retries the event
    CALLER = "caller"  # sync mode and the test recorder: the error is raised to the caller


# Origin and Decision are read-only by convention, not frozen: one of each is made per message,
# and a frozen class sets every field through `object.__setattr__`, several times the cost.
@dataclass(slots=True)
class Origin:
    """Where a message was received, as its task's `Metadata` shows it."""

    queue: str | None = None
    receipt: str | None = None
    extender: Callable[[int], None] | None = None


@dataclass(slots=True)
class Decision:
    """What to do with one received message, and why."""

    action: Action
    fields: dict[str, Any]  # what its log lines carry: queue, ids, receive count, task
    result: TaskResult | None = None  # the task's run; None when it never ran
    delay_s: int = 0  # RETRY, DEFER: seconds hidden before the next receive (or the send's delay)
    reason: str = ""  # DEAD_LETTER: why it can never run, one SQS-safe line
    sends_back: bool = False  # DEFER: send it back delayed `delay_s`, then delete it at once
    error: Exception | None = field(default=None, repr=False)  # the task's or the message's

    @property
    def deletes(self) -> bool:
        """Whether the message is done with: finished, or expired."""
        return self.action is Action.DELETE or self.action is Action.EXPIRE


class MessageSource(Protocol):
    """What a driver tells the execution core about a message only when it is needed: the
    hooks' arguments (when a hook is set) and its origin (when the task takes `metadata`), so
    most messages never have them built."""

    def hook_kwargs(self, received: ReceivedMessage) -> Mapping[str, Any]: ...

    def origin(self, received: ReceivedMessage) -> Origin: ...


@dataclass(slots=True)
class Given:
    """A MessageSource whose answers are known up front (a Lambda record, sync mode)."""

    kwargs: Mapping[str, Any]
    where: Origin

    def hook_kwargs(self, received: ReceivedMessage) -> Mapping[str, Any]:
        return self.kwargs

    def origin(self, received: ReceivedMessage) -> Origin:
        return self.where

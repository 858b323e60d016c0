"""Periodic tasks: `@taskhawk.periodic("rate(5 minutes)")` above `@taskhawk.task`.

No scheduler process runs anywhere: `taskhawk provision` turns each declared schedule into an
EventBridge Scheduler schedule, and Scheduler sends the task's message at each firing. The
message is a format 1.0 message whose text Scheduler fills in from its context attributes
(`schema/firing/1.0/firing.json` describes it):

- `id` is the schedule's own id, the same at every firing (a UUID derived from its name);
- `metadata.timestamp` is `<aws.scheduler.scheduled-time>`, an RFC 3339 string consumers read as
  epoch milliseconds (decision `legacy-string-timestamp`);
- the headers add `scheduler.schedule-arn` and, on standard queues, `scheduler.execution-id`.

So a consumer knows a firing by its id and its scheduled time: a retried or duplicated firing
has both the same, and runs once (`taskhawk.consume.firing_guard`). On FIFO apps the body of
two attempts of a firing is identical, so SQS's deduplication drops the second.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, TypeVar

from taskhawk.exceptions import ConfigurationError
from taskhawk.periodic_expressions import check_expression, check_timezone
from taskhawk.priority import Priority, PriorityName
from taskhawk.task import Task
from taskhawk.wire import build_message, encode

__all__ = [
    "EXECUTION_ID_HEADER",
    "SCHEDULED_TIME",
    "SCHEDULE_ARN_HEADER",
    "Periodic",
    "periodic",
    "registered_schedules",
    "schedule_for_message",
    "unregister_schedules",
]

T = TypeVar("T", bound=Task[Any, Any])

SCHEDULED_TIME = "<aws.scheduler.scheduled-time>"
SCHEDULE_ARN_HEADER = "scheduler.schedule-arn"
EXECUTION_ID_HEADER = "scheduler.execution-id"
_CONTEXT = {
    SCHEDULE_ARN_HEADER: "<aws.scheduler.schedule-arn>",
    EXECUTION_ID_HEADER: "<aws.scheduler.execution-id>",
}
_NAMESPACE = uuid.UUID("6f0c3a52-93a4-4d57-9a4b-3f2b2f6c1d11")  # taskhawk periodic schedules
_NAME = re.compile(r"[0-9A-Za-z_.-]{1,64}")  # a Scheduler schedule name
_PLACEHOLDER_TIME = 0


@dataclass(frozen=True, slots=True)
class Periodic:
    """One declared schedule of a task."""

    name: str
    task: str
    expression: str
    timezone: str = "UTC"
    priority: Priority = Priority.default
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def message_id(self) -> str:
        """The id every firing's message carries: derived from the name, so stable."""
        return str(uuid.uuid5(_NAMESPACE, self.name))

    def template(self, *, fifo: bool) -> str:
        """The message text Scheduler fills in at each firing. Without the execution id on FIFO
        apps: two attempts of one firing are then the same text, which SQS deduplicates."""
        context = {SCHEDULE_ARN_HEADER: _CONTEXT[SCHEDULE_ARN_HEADER]}
        if not fifo:
            context[EXECUTION_ID_HEADER] = _CONTEXT[EXECUTION_ID_HEADER]
        body = json.loads(self._message(context))
        body["metadata"]["timestamp"] = SCHEDULED_TIME
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False)

    def _message(self, context: Mapping[str, str]) -> str:
        """The firing as a canonical message, checked by the publish schema like a dispatch."""
        message = build_message(
            message_id=self.message_id,
            task=self.task,
            args=self.args,
            kwargs=self.kwargs,
            headers={**self.headers, **context},
            priority=self.priority.name,
            timestamp_ms=_PLACEHOLDER_TIME,
        )
        return encode(message)

    def describe(self) -> str:
        zone = "" if self.timezone == "UTC" else f" {self.timezone}"
        return f"{self.name}: {self.task} {self.expression}{zone} priority={self.priority.name}"


_lock = threading.Lock()
_schedules: dict[str, Periodic] = {}
_by_message_id: dict[str, Periodic] = {}  # what consumers look up, once per message


def periodic(
    expression: str,
    *,
    timezone: str = "UTC",
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    priority: Priority | PriorityName | None = None,
    headers: Mapping[str, str] | None = None,
    name: str | None = None,
) -> Callable[[T], T]:
    """Run the task on a schedule: `rate(5 minutes)`, or `cron(0 9 ? * MON-FRI *)` in
    `timezone`, called with `args` and `kwargs`. Stack several for several schedules. `name`
    (default: the task's name and a hash of the expression) names the Scheduler schedule;
    changing the expression of an unnamed schedule replaces it, anything else updates it."""
    chosen = _checked_declaration(expression, timezone, priority)

    def declare(task: T) -> T:
        if not isinstance(task, Task):
            raise ConfigurationError(
                f"@periodic({expression!r}) applies to a task: put it above @taskhawk.task"
            )
        schedule = Periodic(
            name=name or _default_name(task.name, expression, timezone),
            task=task.name,
            expression=expression,
            timezone=timezone,
            priority=chosen or task.priority,
            args=tuple(args),
            kwargs=MappingProxyType(dict(kwargs or {})),
            headers=MappingProxyType(dict(headers or {})),
        )
        _check(schedule, task)
        _register(schedule)
        return task

    return declare


def _checked_declaration(
    expression: str, timezone: str, priority: Priority | PriorityName | None
) -> Priority | None:
    """The declared priority, once the expression and time zone are known good: refused at
    import, naming what is wrong, rather than at every firing."""
    try:
        check_expression(expression)
        check_timezone(timezone)
        return None if priority is None else Priority.parse(priority)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(f"@periodic: {error}") from None


def _default_name(task: str, expression: str, timezone: str) -> str:
    digest = hashlib.sha256(f"{expression}\n{timezone}".encode()).hexdigest()[:8]
    readable = re.sub(r"[^0-9A-Za-z_.-]", "-", task)[:55]
    return f"{readable}-{digest}"


def _check(schedule: Periodic, task: Task[Any, Any]) -> None:
    """Refuse at declaration what would fail at every firing."""
    where = f"@periodic({schedule.expression!r}) on {task.name}"
    if not _NAME.fullmatch(schedule.name):
        raise ConfigurationError(
            f"{where}: name {schedule.name!r} must be 1-64 letters, digits, '-', '_' or '.'"
        )
    try:
        task.check_arguments(schedule.args, schedule.kwargs, message_id=schedule.message_id)
        schedule.template(fifo=False)
    except Exception as error:  # ArgumentsMismatch, ValidationError, TypeError: all the user's
        raise ConfigurationError(f"{where}: {error}") from None


def _register(schedule: Periodic) -> None:
    with _lock:
        existing = _schedules.get(schedule.name)
        if existing is not None and existing != schedule:
            raise ConfigurationError(
                f"schedule name {schedule.name!r} is already declared for {existing.task} "
                f"({existing.expression}); give this one another name=..."
            )
        _schedules[schedule.name] = schedule
        _by_message_id[schedule.message_id] = schedule


def registered_schedules() -> Mapping[str, Periodic]:
    """Every declared schedule, by name."""
    return MappingProxyType(dict(_schedules))


def schedule_for_message(message_id: str) -> Periodic | None:
    """The schedule whose firings carry this message id, if one is declared here."""
    return _by_message_id.get(message_id)


def unregister_schedules(keep: Mapping[str, Periodic] | None = None) -> None:
    """Forget every schedule except `keep` (tests restore what they started with)."""
    with _lock:
        _schedules.clear()
        _schedules.update(keep or {})
        _by_message_id.clear()
        _by_message_id.update({s.message_id: s for s in _schedules.values()})

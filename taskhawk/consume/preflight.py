"""Checks a worker makes once, in the parent, before any consumer process starts.

Everything a consumer process would otherwise discover by crashing (and being restarted, over
and over) is checked here and reported in one line: option ranges, every hook or class named by
a dotted path, that some task is registered, the region and credentials, and that every queue
and dead-letter queue exists. What passed is returned for the banner.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from taskhawk.consume.tally import success_level, summary_interval
from taskhawk.exceptions import ConfigurationError
from taskhawk.priority import Priority
from taskhawk.registry import registered_tasks
from taskhawk.settings import Settings
from taskhawk.transport.aws_checks import QueuesFound, check_queues
from taskhawk.transport.limits import MAX_VISIBILITY_S, check_batch_size, check_visibility

__all__ = [
    "StartOptions",
    "WorkerStart",
    "check_options",
    "check_worker_start",
    "redrive_warnings",
    "retention_warnings",
]


class StartOptions(Protocol):
    """What preflight reads of the worker's options (taskhawk.consume.worker.WorkerOptions)."""

    @property
    def priorities(self) -> tuple[str, ...]: ...
    @property
    def processes(self) -> int: ...
    @property
    def num_messages(self) -> int: ...
    @property
    def visibility_timeout_s(self) -> int | None: ...
    @property
    def grace_seconds(self) -> float: ...


@dataclass(frozen=True)
class WorkerStart:
    """What the worker found at start: shown in its banner and its debug log."""

    settings_source: str
    endpoint: str
    region: str
    queues: tuple[tuple[Priority, str, str], ...]  # priority, queue, dead-letter queue
    tasks: tuple[tuple[str, str], ...]  # name, declared priority
    warnings: tuple[str, ...] = ()  # what will work, but not as the settings say


def check_options(options: StartOptions) -> list[Priority]:
    """Option ranges (the same as the command's); ConfigurationError naming the option."""
    try:
        priorities = [Priority.parse(name) for name in options.priorities]
        check_batch_size(options.num_messages, "--num-messages")
        if options.visibility_timeout_s is not None:
            check_visibility(options.visibility_timeout_s, "--visibility-timeout")
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    if options.processes < 1:
        raise ConfigurationError(f"--processes must be at least 1, not {options.processes}")
    if options.grace_seconds < 0:
        raise ConfigurationError(f"--grace-seconds must be 0 or more, not {options.grace_seconds}")
    if not priorities:
        raise ConfigurationError("give at least one --priority")
    return priorities


def check_worker_start(options: StartOptions, settings: Settings) -> WorkerStart:
    """Every check; the start report. Run after the task modules were imported."""
    priorities = check_options(options)
    settings.import_dotted_paths()  # hooks and the task class: never a crash loop per process
    success_level(settings), summary_interval(settings)  # the outcome lines' settings, likewise
    tasks = tuple((name, task.priority.name) for name, task in sorted(registered_tasks().items()))
    if not tasks:
        raise ConfigurationError(
            "no tasks are registered, so every message would be dead-lettered as an unknown "
            "task: name the modules that declare them with --import MODULE (repeatable) or the "
            "TASKHAWK_TASK_MODULES setting"
        )
    names = settings.names
    queues = tuple((p, names.queue(p), names.dead_letter_queue(p)) for p in priorities)
    checked = [name for _, queue, dlq in queues for name in (queue, dlq)]
    found = check_queues(settings, checked, redrive_of={queue for _, queue, _ in queues})
    endpoint = settings.aws_endpoint_sqs or f"AWS SQS in {found.region}"
    warnings = redrive_warnings(queues, found, settings.taskhawk_max_receive_count)
    warnings += retention_warnings(queues, found)
    return WorkerStart(settings.source, endpoint, found.region, queues, tasks, warnings)


def redrive_warnings(
    queues: Sequence[tuple[Priority, str, str]], found: QueuesFound, setting: int
) -> tuple[str, ...]:
    """A queue whose redrive policy disagrees with TASKHAWK_MAX_RECEIVE_COUNT makes failure
    lines wrong about which receive is the last one; one without a policy never dead-letters."""
    warnings = []
    for _, queue, dead_letter_queue in queues:
        limit = found.max_receives.get(queue)
        if limit is None:
            warnings.append(
                f"queue {queue} has no redrive policy: a failing message is retried until it "
                f"expires and never reaches {dead_letter_queue} (taskhawk provision sets one)"
            )
        elif limit != setting:
            warnings.append(
                f"queue {queue} dead-letters a message after {limit} receives but "
                f"TASKHAWK_MAX_RECEIVE_COUNT is {setting}, so failure lines would misname the "
                f"last attempt: set it to {limit}, or run taskhawk provision to apply {setting}"
            )
    return tuple(warnings)


def retention_warnings(
    queues: Sequence[tuple[Priority, str, str]], found: QueuesFound
) -> tuple[str, ...]:
    """A message not due yet is held back on its queue for up to 12 hours at a time
    (`consume.deferral`); a queue that keeps messages for less deletes some of them first."""
    return tuple(
        f"queue {queue} keeps a message only {retention}s (MessageRetentionPeriod): a task "
        f"delayed beyond that is deleted by SQS before it runs; keep it above "
        f"{MAX_VISIBILITY_S}s (taskhawk provision leaves SQS's default, 4 days)"
        for _, queue, _ in queues
        if (retention := found.retention_s.get(queue)) is not None and retention <= MAX_VISIBILITY_S
    )

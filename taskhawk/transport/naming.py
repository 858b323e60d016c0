"""Queue and topic names of a taskhawk app, as upstream Taskhawk names them.

`TASKHAWK_QUEUE = "dev-myapp"` gives the SQS queue `TASKHAWK-DEV-MYAPP` (upper case), its
dead-letter queue `TASKHAWK-DEV-MYAPP-DLQ`, and the SNS topic `taskhawk-dev-myapp` (lower case);
other priorities add a suffix (`-HIGH-PRIORITY`, `-LOW-PRIORITY`, `-BULK`). Its periodic tasks'
EventBridge Scheduler schedules live in the group `taskhawk-dev-myapp`, and firings Scheduler
cannot deliver go to `TASKHAWK-DEV-MYAPP-SCHEDULER-DLQ`. A FIFO app's names
end in `.fifo`, as AWS requires of FIFO queues and topics: `TASKHAWK-DEV-MYAPP-DLQ.fifo`.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskhawk.priority import Priority

__all__ = ["FIFO_SUFFIX", "AppNames", "dead_letter_queue_name", "queue_name", "topic_name"]

FIFO_SUFFIX = ".fifo"

_SUFFIX = {
    Priority.default: "",
    Priority.high: "-HIGH-PRIORITY",
    Priority.low: "-LOW-PRIORITY",
    Priority.bulk: "-BULK",
}


def queue_name(queue: str, priority: Priority, *, fifo: bool = False) -> str:
    """SQS queue of a priority: `TASKHAWK-DEV-MYAPP-HIGH-PRIORITY`."""
    return f"TASKHAWK-{queue.upper()}{_SUFFIX[priority]}{FIFO_SUFFIX if fifo else ''}"


def dead_letter_queue_name(queue: str, priority: Priority, *, fifo: bool = False) -> str:
    """Each priority has its own dead-letter queue: `TASKHAWK-DEV-MYAPP-HIGH-PRIORITY-DLQ`."""
    return f"{queue_name(queue, priority)}-DLQ{FIFO_SUFFIX if fifo else ''}"


def topic_name(queue: str, priority: Priority, *, fifo: bool = False) -> str:
    """SNS topic of a priority: `taskhawk-dev-myapp-high-priority`."""
    return f"taskhawk-{queue.lower()}{_SUFFIX[priority].lower()}{FIFO_SUFFIX if fifo else ''}"


@dataclass(frozen=True, slots=True)
class AppNames:
    """The names of one app's queues and topics (`AppNames.of(settings)`)."""

    app: str
    fifo: bool = False

    def queue(self, priority: Priority) -> str:
        return queue_name(self.app, priority, fifo=self.fifo)

    def dead_letter_queue(self, priority: Priority) -> str:
        return dead_letter_queue_name(self.app, priority, fifo=self.fifo)

    def topic(self, priority: Priority) -> str:
        return topic_name(self.app, priority, fifo=self.fifo)

    def schedule_group(self) -> str:
        """EventBridge Scheduler group of the app's periodic tasks (1-64 of [0-9A-Za-z._-])."""
        return f"taskhawk-{self.app.lower()}"[:64]

    def scheduler_dead_letter_queue(self) -> str:
        """Where firings Scheduler could not deliver go: a standard queue, also for FIFO apps
        (Scheduler sends its dead letters with no message group)."""
        return f"TASKHAWK-{self.app.upper()}-SCHEDULER-DLQ"

    def priority_of(self, queue: str) -> Priority | None:
        """The priority whose queue this is, if it is one of the app's."""
        return next((p for p in Priority if self.queue(p) == queue), None)

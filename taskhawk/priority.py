"""Priorities, and the SQS queue / SNS topic / dead-letter names upstream Taskhawk uses for them."""

from __future__ import annotations

import enum

__all__ = ["Priority", "dead_letter_queue_name", "queue_name", "topic_name"]


class Priority(enum.Enum):
    """Which queue a task goes to. The wire carries the name (`"high"`), never the number."""

    default = 1
    high = 2
    low = 3
    bulk = 4

    @classmethod
    def parse(cls, value: Priority | str) -> Priority:
        """Accept a member or its name, so settings files and CLIs can say "high"."""
        if isinstance(value, Priority):
            return value
        try:
            return cls[value]
        except KeyError:
            names = ", ".join(member.name for member in cls)
            raise ValueError(f"unknown priority {value!r}; expected one of {names}") from None


_SUFFIX = {
    Priority.default: "",
    Priority.high: "-HIGH-PRIORITY",
    Priority.low: "-LOW-PRIORITY",
    Priority.bulk: "-BULK",
}


def queue_name(queue: str, priority: Priority) -> str:
    """SQS queue of a priority: `TASKHAWK-DEV-MYAPP-HIGH-PRIORITY`."""
    return f"TASKHAWK-{queue.upper()}{_SUFFIX[priority]}"


def dead_letter_queue_name(queue: str, priority: Priority) -> str:
    """Each priority has its own dead-letter queue: `TASKHAWK-DEV-MYAPP-HIGH-PRIORITY-DLQ`."""
    return f"{queue_name(queue, priority)}-DLQ"


def topic_name(queue: str, priority: Priority) -> str:
    """SNS topic of a priority: `taskhawk-dev-myapp-high-priority`."""
    return f"taskhawk-{queue.lower()}{_SUFFIX[priority].lower()}"

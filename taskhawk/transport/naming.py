"""Queue and topic names of a taskhawk app, as upstream Taskhawk names them.

`TASKHAWK_QUEUE = "dev-myapp"` gives the SQS queue `TASKHAWK-DEV-MYAPP` (upper case), its
dead-letter queue `TASKHAWK-DEV-MYAPP-DLQ`, and the SNS topic `taskhawk-dev-myapp` (lower case);
other priorities add a suffix (`-HIGH-PRIORITY`, `-LOW-PRIORITY`, `-BULK`).
"""

from __future__ import annotations

from taskhawk.priority import Priority

__all__ = ["dead_letter_queue_name", "queue_name", "topic_name"]

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

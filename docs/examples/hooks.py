"""Pre- and post-process hooks, around every task a worker runs."""

from typing import Any

import settings

import taskhawk
from taskhawk.consume.sqs import listen_for_messages


def before_task(**context: Any) -> None:
    """SQS worker: queue_name= and sqs_queue_message=; Lambda: sqs_record= or sns_record=."""
    print(f"before: {context['queue_name']}")


def after_task(**context: Any) -> None:
    """Runs when the task succeeded or raised IgnoreException; e.g. close database connections."""
    print("after")


taskhawk.configure(
    settings, TASKHAWK_PRE_PROCESS_HOOK=before_task, TASKHAWK_POST_PROCESS_HOOK=after_task
)


@taskhawk.task(name="health.ping")
def ping() -> None:
    print("task")


ping.dispatch()
listen_for_messages("default", loop_count=1)

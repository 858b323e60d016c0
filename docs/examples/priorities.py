"""Priorities: each has its own queue, dead-letter queue and topic."""

import settings

import taskhawk
from taskhawk.consume.sqs import listen_for_messages
from taskhawk.transport.naming import dead_letter_queue_name, queue_name, topic_name

taskhawk.configure(settings)


@taskhawk.task(priority=taskhawk.Priority.high, name="accounts.reset_password")
def reset_password(user_id: int) -> None:
    print(f"reset password of user {user_id}")


reset_password.dispatch(1)  # to the high-priority queue, the task's own
reset_password.with_priority("bulk").dispatch(2)  # this one message: bulk (a name or a Priority)

for priority in taskhawk.Priority:
    print(
        f"{priority.name:7} {queue_name('DEV-MYAPP', priority)} "
        f"{dead_letter_queue_name('DEV-MYAPP', priority)} {topic_name('DEV-MYAPP', priority)}"
    )

listen_for_messages(taskhawk.Priority.high, loop_count=1)
listen_for_messages("bulk", loop_count=1)

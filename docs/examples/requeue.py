"""Look into a dead-letter queue, then move its messages back to their queue."""

from taskhawk import requeue_dead_letter
from taskhawk.admin.requeue import peek_dead_letters

for kind, count in peek_dead_letters("default").items():  # by task and dead-letter reason
    print(f"waiting in the DLQ: {count} x {kind.task} ({kind.reason})")
moved = requeue_dead_letter("default")  # TASKHAWK-DEV-MYAPP-DLQ -> TASKHAWK-DEV-MYAPP
print(f"moved {moved} messages back")

"""Look into a dead-letter queue, then move its messages back to their queue."""

from taskhawk.admin.requeue import peek_dead_letters, requeue_dead_letter

print(f"waiting in the DLQ: {peek_dead_letters('default')}")  # task name -> count
moved = requeue_dead_letter("default")  # TASKHAWK-DEV-MYAPP-DLQ -> TASKHAWK-DEV-MYAPP
print(f"moved {moved} messages back")

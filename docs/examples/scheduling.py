"""Run a task later, and drop it if it has not started in time."""

from datetime import datetime, timedelta, timezone

import settings

import taskhawk

taskhawk.configure(settings)


@taskhawk.task(name="billing.send_reminder")
def send_reminder(invoice_id: int) -> None:
    print(f"reminding about invoice {invoice_id}")


# Ten minutes: SQS holds the message back itself (a plain format 1.0 message).
send_reminder.with_delay(600).dispatch(1)
# Two hours: a format 1.1 message with metadata.eta; the worker holds it back until then.
send_reminder.with_delay(timedelta(hours=2)).dispatch(2)
# At a given moment (an aware datetime), and never after the end of the day.
tomorrow = datetime.now(timezone.utc) + timedelta(days=1)
end_of_day = tomorrow.replace(hour=23, minute=59)
send_reminder.with_delay(tomorrow).with_expires(end_of_day).dispatch(3)
# Expiring tasks run as soon as a worker takes them, unless they are late.
send_reminder.with_expires(timedelta(minutes=5)).dispatch(4)
print("4 reminders scheduled")

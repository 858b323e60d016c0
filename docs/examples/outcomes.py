"""What a task's outcome does to its message: delete, retry later, or log and retry."""

import logging

import settings

import taskhawk
from taskhawk.consume.sqs import listen_for_messages

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
taskhawk.configure(settings)


@taskhawk.task(name="billing.sync_invoice")
def sync_invoice(invoice_id: int) -> None:
    if invoice_id == 1:
        print("synced")  # returns: the message is deleted
    elif invoice_id == 2:
        raise taskhawk.IgnoreException("invoice was cancelled")  # deleted, logged at INFO
    elif invoice_id == 3:
        raise taskhawk.RetryException(delay_seconds=120)  # hidden for 120 s, INFO log
    else:
        raise taskhawk.LoggingException("ledger is locked", extra={"invoice_id": invoice_id})


for invoice_id in (1, 2, 3, 4):
    sync_invoice.dispatch(invoice_id)
listen_for_messages("default", num_messages=10, loop_count=1)

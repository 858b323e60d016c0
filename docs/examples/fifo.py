"""Each customer's billing events in order, customers side by side: a FIFO app."""

import settings

import taskhawk
from taskhawk.admin.provision import provision

taskhawk.configure(settings, TASKHAWK_FIFO=True)
provision()  # TASKHAWK-DEV-MYAPP.fifo and the rest, as `taskhawk provision` would


@taskhawk.task(name="billing.apply_event")
def apply_event(customer: str, event: str) -> None:
    print(f"{customer}: {event}")


for event in ("opened", "charged", "refunded"):
    for customer in ("ada", "bob"):
        apply_event.with_group(customer).dispatch(customer, event)

# A worker runs each customer's events in the order they were dispatched.
taskhawk.listen_for_messages("default", num_messages=10, loop_count=1)

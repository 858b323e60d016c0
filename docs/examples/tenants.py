"""Fair queues: each customer's tasks in their own message group on a standard queue."""

import settings

import taskhawk

# The header `customer` names the tenant of a dispatch that does not say one.
taskhawk.configure(settings, TASKHAWK_DEFAULT_TENANT_HEADER="customer")


@taskhawk.task(name="exports.export_rows")
def export_rows(customer: str, batch: int) -> None:
    print(f"{customer}: exported batch {batch}")


for batch in range(3):
    export_rows.with_tenant("acme").dispatch("acme", batch)  # a busy tenant
export_rows.with_headers(customer="globex").dispatch("globex", 0)  # the header's tenant

# A worker runs them as usual: a fair queue changes nothing for consumers.
taskhawk.listen_for_messages("default", num_messages=10, loop_count=1)

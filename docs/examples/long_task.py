"""A task that runs longer than its queue's visibility timeout keeps its message hidden."""

import settings

import taskhawk
from taskhawk.consume.sqs import listen_for_messages

taskhawk.configure(settings)


@taskhawk.task(name="reports.export_report")
def export_report(report_id: int, metadata: taskhawk.Metadata) -> None:
    # The worker passes `metadata`; the caller does not (taskhawk.mypy_plugin tells mypy so).
    for part in range(3):
        # Before each slow step: hidden from other workers for 300 s more, on the queue the
        # message came from. Does nothing in sync mode and in SNS-triggered Lambda.
        metadata.extend_visibility_timeout(300)
        print(f"report {report_id}: part {part} written")


export_report.dispatch(11)
# Messages this worker receives start hidden for 60 s instead of the queue's default.
listen_for_messages("default", visibility_timeout_s=60, loop_count=1)

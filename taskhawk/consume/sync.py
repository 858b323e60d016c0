"""Running a message in this process, now: sync mode (TASKHAWK_SYNC) and the test recorder.

The message goes through the same execution core as on a worker, from its encoded text, so a
task meets the same rules: what a worker would retry or dead-letter is raised here instead, to
the code that dispatched it (or ran the recorder).
"""

from __future__ import annotations

from collections.abc import Mapping

from taskhawk.consume.execute import Executor, Given, Origin, Redelivery
from taskhawk.settings import Settings
from taskhawk.transport import ReceivedMessage

__all__ = ["run_now"]


def run_now(
    body: str,
    attributes: Mapping[str, str],
    *,
    queue: str | None,
    transport_id: str,
    settings: Settings,
) -> None:
    """Run one encoded message as if `queue` had delivered it for the first time, at once even
    when it has a delay. Raises what stops the message from being done: the task's exception,
    or why it can never run. An expired task is not run (its log line says so)."""
    received = ReceivedMessage(
        queue=queue or "",
        body=body,
        receipt=f"sync-{transport_id}",
        attributes=dict(attributes),
        receive_count=1,
        transport_id=transport_id,
    )
    hook_kwargs = {"queue_name": queue, "sqs_queue_message": received}
    decision = Executor(settings, Redelivery.CALLER).execute(
        received, Given(hook_kwargs, Origin(queue=queue))
    )
    if decision.error is not None:  # expired tasks are not run either, with a log line, no error
        raise decision.error

"""Moving dead letters back: each priority's DLQ to that same priority's queue.

Upstream sent every DLQ to the default queue. Here body and attributes are kept (minus the
dead-letter reason), and a message is deleted from the DLQ only once it was re-sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from taskhawk.consume.dead_letter import REASON_ATTRIBUTE, loads_leniently
from taskhawk.exceptions import PublishError, summarize_failures
from taskhawk.priority import Priority
from taskhawk.settings import get_settings
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, Transport
from taskhawk.transport.current import current_transport
from taskhawk.transport.limits import MAX_BATCH, SHORT_POLL_S, check_batch_size
from taskhawk.transport.naming import dead_letter_queue_name, queue_name

__all__ = ["peek_dead_letters", "requeue_dead_letter"]

logger = logging.getLogger("taskhawk.requeue")


def requeue_dead_letter(
    priority: Priority | str,
    num_messages: int = MAX_BATCH,
    visibility_timeout: int | None = None,
    *,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Move messages from the priority's DLQ back to the priority's queue; return how many.

    Runs until the DLQ is empty (or `limit` messages were handled). A message is deleted from
    the DLQ only after it was sent; one that could not be sent stays there and a PublishError
    listing every such message is raised at the end. `progress` gets the running count.
    """
    check_batch_size(num_messages)
    app_queue = get_settings().app_queue
    source = dead_letter_queue_name(app_queue, Priority.parse(priority))
    target = queue_name(app_queue, Priority.parse(priority))
    transport = current_transport()
    moved, handled, failures = 0, 0, dict[str, str]()
    while limit is None or handled < limit:
        want = num_messages if limit is None else min(num_messages, limit - handled)
        batch = transport.receive(
            source,
            max_messages=want,
            wait_seconds=SHORT_POLL_S,
            visibility_timeout=visibility_timeout,
        )
        if not batch:
            break
        handled += len(batch)
        sent, batch_failures = _resend(transport, target, batch)
        failures.update(batch_failures)
        _delete_sent(transport, source, sent)
        moved += len(sent)
        if progress is not None:
            progress(moved)
    logger.info("requeued %d messages from %s to %s", moved, source, target)
    if failures:
        head = f"{len(failures)} messages stay in {source}, not sent to {target}"
        raise PublishError(summarize_failures(head, failures), failures=failures)
    return moved


def peek_dead_letters(
    priority: Priority | str, *, limit: int | None = None, hold_s: int = 60
) -> dict[str, int]:
    """Count the priority's dead letters by task name without moving any (a dry run).

    Each message is received (hidden for `hold_s` while counting) and made visible again.
    """
    app_queue = get_settings().app_queue
    source = dead_letter_queue_name(app_queue, Priority.parse(priority))
    transport = current_transport()
    seen: dict[str, ReceivedMessage] = {}
    while limit is None or len(seen) < limit:
        batch = transport.receive(
            source, max_messages=MAX_BATCH, wait_seconds=SHORT_POLL_S, visibility_timeout=hold_s
        )
        new = [received for received in batch if received.transport_id not in seen]
        if not new:
            break
        for received in new[: None if limit is None else limit - len(seen)]:
            seen[received.transport_id] = received
    counts: dict[str, int] = {}
    for received in seen.values():
        counts[_task_name(received.body)] = counts.get(_task_name(received.body), 0) + 1
        try:
            transport.change_visibility(source, received.receipt, 0)
        except Exception:  # it becomes visible anyway when hold_s ends
            logger.debug("could not release %s on %s", received.transport_id, source)
    return counts


def _task_name(body: str) -> str:
    data = loads_leniently(body)
    if data is None and body.strip() != "null":
        return "(not JSON)"
    task = data.get("task") if isinstance(data, dict) else None
    return task if isinstance(task, str) and task else "(no task name)"


def _resend(
    transport: Transport, target: str, batch: list[ReceivedMessage]
) -> tuple[list[ReceivedMessage], dict[str, str]]:
    outgoing = [
        OutgoingMessage(
            received.transport_id,
            received.body,
            {k: v for k, v in received.attributes.items() if k != REASON_ATTRIBUTE},
        )
        for received in batch
    ]
    try:
        failures = transport.send(Destination("queue", target), outgoing)
    except Exception as error:  # nothing of this batch is deleted
        failures = {message.key: f"{type(error).__name__}: {error}" for message in outgoing}
    return [r for r in batch if r.transport_id not in failures], failures


def _delete_sent(transport: Transport, source: str, sent: list[ReceivedMessage]) -> None:
    if not sent:
        return
    try:
        not_deleted = transport.delete(source, [received.receipt for received in sent])
    except Exception:
        not_deleted = [received.receipt for received in sent]
    if not_deleted:
        logger.warning(
            "%d requeued messages could not be deleted from %s and will be requeued again",
            len(not_deleted), source,
        )  # fmt: skip

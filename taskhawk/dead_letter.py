"""Dead letters: sending a message that can never run to its priority's DLQ, and moving a DLQ
back to the queue it came from.

A poison message (undecodable, invalid, naming an unknown task) goes to the DLQ at once with a
`taskhawk_dead_letter_reason` attribute instead of spinning through the redrive count. Requeue
sends each priority's DLQ back to that same priority's queue (upstream sent every DLQ to the
default queue), keeping body and attributes and deleting only what was re-sent.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from typing import Any

from taskhawk.attributes import MAX_ATTRIBUTES
from taskhawk.exceptions import PublishError, TaskNotFound, ValidationError
from taskhawk.outcomes import logger as outcome_logger
from taskhawk.priority import Priority, dead_letter_queue_name, queue_name
from taskhawk.settings import get_settings
from taskhawk.transport import Destination, OutgoingMessage, ReceivedMessage, Transport
from taskhawk.transport.current import current_transport

__all__ = [
    "REASON_ATTRIBUTE",
    "dead_letter_attributes",
    "dead_letter_reason",
    "peek_dead_letters",
    "requeue_dead_letter",
    "send_to_dead_letter",
]

logger = logging.getLogger("taskhawk.dead_letter")

REASON_ATTRIBUTE = "taskhawk_dead_letter_reason"
_MAX_REASON = 1024
# Characters SQS refuses in an attribute value (it accepts #x9 #xA #xD #x20-#xD7FF ...).
_NOT_SQS_TEXT = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def dead_letter_reason(error: ValidationError, body: str) -> str:
    """One line saying why the message can never run, safe to carry as an SQS attribute."""
    if isinstance(error, TaskNotFound):
        reason = f"unknown task: {error.reason}"
    elif _is_sns_envelope(body):
        reason = (
            "SNS notification envelope, not a taskhawk message: enable RawMessageDelivery on "
            "the SNS subscription of this queue"
        )
    else:
        reason = f"invalid message: {error.path}: {error.reason}"
    return _NOT_SQS_TEXT.sub("?", reason)[:_MAX_REASON]


def _is_sns_envelope(body: str) -> bool:
    if '"Notification"' not in body:  # cheap: most poison is not an envelope
        return False
    data = _loads(body)
    return (
        isinstance(data, dict)
        and data.get("Type") == "Notification"
        and "TopicArn" in data
        and "Message" in data
    )


def dead_letter_attributes(attributes: Mapping[str, str], reason: str) -> dict[str, str]:
    """The original attributes plus the reason, within SQS's ten: `taskhawk_*` ones are kept
    first, then headers in order; headers dropped here still travel in the body."""
    kept = [(name, value) for name, value in attributes.items() if name != REASON_ATTRIBUTE]
    kept.sort(key=lambda item: not item[0].startswith("taskhawk_"))  # stable: order kept
    return {**dict(kept[: MAX_ATTRIBUTES - 1]), REASON_ATTRIBUTE: reason}


def send_to_dead_letter(
    transport: Transport,
    dead_letter_queue: str,
    received: ReceivedMessage,
    reason: str,
    fields: Mapping[str, Any],
) -> bool:
    """Send a copy to the DLQ; True once it is there (only then may the original be deleted)."""
    outgoing = OutgoingMessage(
        received.transport_id, received.body, dead_letter_attributes(received.attributes, reason)
    )
    extra = {**fields, "dead_letter_queue": dead_letter_queue, "reason": reason}
    try:
        failures = transport.send(Destination("queue", dead_letter_queue), [outgoing])
    except Exception as error:  # the message stays on its queue; nothing is lost
        failures = {outgoing.key: f"{type(error).__name__}: {error}"}
    if failures:
        outcome_logger.error(
            "dead-letter send failed, message kept on %s: %s (%s)",
            received.queue, reason, "; ".join(failures.values()), extra=extra,
        )  # fmt: skip
        return False
    outcome_logger.error("message dead-lettered to %s: %s", dead_letter_queue, reason, extra=extra)
    return True


def requeue_dead_letter(
    priority: Priority | str,
    num_messages: int = 10,
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
    if not 1 <= num_messages <= 10:
        raise ValueError(f"num_messages must be 1..10 (an SQS batch), not {num_messages}")
    app_queue = get_settings().require("TASKHAWK_QUEUE")
    source = dead_letter_queue_name(app_queue, Priority.parse(priority))
    target = queue_name(app_queue, Priority.parse(priority))
    transport = current_transport()
    moved, handled, failures = 0, 0, dict[str, str]()
    while limit is None or handled < limit:
        want = num_messages if limit is None else min(num_messages, limit - handled)
        batch = transport.receive(
            source, max_messages=want, wait_seconds=1, visibility_timeout=visibility_timeout
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
        details = "; ".join(f"{key}: {reason}" for key, reason in failures.items())
        message = f"{len(failures)} messages stay in {source}, not sent to {target}: {details}"
        raise PublishError(message, failures=failures)
    return moved


def peek_dead_letters(
    priority: Priority | str, *, limit: int | None = None, hold_s: int = 60
) -> dict[str, int]:
    """Count the priority's dead letters by task name without moving any (a dry run).

    Each message is received (hidden for `hold_s` while counting) and made visible again.
    """
    app_queue = get_settings().require("TASKHAWK_QUEUE")
    source = dead_letter_queue_name(app_queue, Priority.parse(priority))
    transport = current_transport()
    seen: dict[str, ReceivedMessage] = {}
    while limit is None or len(seen) < limit:
        batch = transport.receive(
            source, max_messages=10, wait_seconds=1, visibility_timeout=hold_s
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


def _loads(body: str) -> Any:
    """json.loads for bodies that wire.decode refused: any of them may be hostile (nested deep
    enough to raise RecursionError), so failing to parse is None, never an exception."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _task_name(body: str) -> str:
    data = _loads(body)
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
